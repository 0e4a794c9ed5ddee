"""HubSpot's closed deals as history, through the official client: every deal HubSpot calculates as closed
(`hs_is_closed`), won or lost as HubSpot calculates it from the stage's pipeline metadata (`hs_is_closed_won`),
with its stage's label, its primary contact's email, its company's firmographics and its owner's email."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from hubspot.crm.objects import Filter, FilterGroup, PublicObjectSearchRequest

from leadpact.crm.hubspot_api import SEARCH_CAP, SEARCH_PAGE
from leadpact.crm.hubspot_pull import _time
from leadpact.feedback.history import HistoricDeal

if TYPE_CHECKING:
    from leadpact.crm.hubspot import HubSpotConnector

DEAL_FIELDS = ["dealname", "dealstage", "pipeline", "amount", "deal_currency_code", "closedate", "createdate",
               "hubspot_owner_id", "hs_is_closed", "hs_is_closed_won"]
COMPANY_FIELDS = ["name", "domain", "industry", "numberofemployees", "country"]


def pull_history(connector: HubSpotConnector, since: datetime | None) -> list[HistoricDeal]:
    """Every closed deal (closed on or after `since`, when given) as a historic deal."""
    api, mapping = connector.api, connector.mapping
    lost_field = mapping.fields.get("lost_reason")
    deals = closed_deals(connector, since, [*DEAL_FIELDS, *([lost_field] if lost_field else [])])
    if not deals:
        return []
    ids = [str(deal.id) for deal in deals]
    contacts_of = api.associated("deals", "contacts", ids)
    companies_of = api.associated("deals", "companies", ids)
    emails = {str(c.id): (c.properties.get("email") or "").lower() or None
              for c in api.read("contacts", sorted({i for v in contacts_of.values() for i in v}), ["email"])}
    companies = {str(c.id): c.properties
                 for c in api.read("companies", sorted({i for v in companies_of.values() for i in v}), COMPANY_FIELDS)}
    stages, owners = _stages(connector), _owners(connector)
    history = []
    for deal in deals:
        props = deal.properties
        people = [e for e in (emails.get(i) for i in sorted(contacts_of.get(str(deal.id), []), key=int)) if e]
        company: dict[str, Any] = next(
            (companies[i] for i in companies_of.get(str(deal.id), []) if i in companies), {})
        label = stages.get(props.get("dealstage") or "", props.get("dealstage"))
        history.append(HistoricDeal(
            source="hubspot", external_id=str(deal.id), stage=_outcome(connector, props),
            email=people[0] if people else None, domain=_domain(company.get("domain")), company=company.get("name"),
            name=props.get("dealname"), source_stage=label, opened_at=_time(props.get("createdate")),
            closed_at=_time(props.get("closedate")), amount=_number(props.get("amount")),
            currency=props.get("deal_currency_code") or None,
            lost_reason=props.get(lost_field) if lost_field else None,
            owner=owners.get(props.get("hubspot_owner_id") or "", props.get("hubspot_owner_id")),
            industry=company.get("industry"), employees=_whole(company.get("numberofemployees")),
            country=company.get("country"),
            details={k: v for k, v in (("pipeline", props.get("pipeline")),
                                       ("other_contacts", people[1:] or None)) if v}))
    return history


def closed_deals(connector: HubSpotConnector, since: datetime | None, properties: list[str]) -> list[Any]:
    """Every closed deal, oldest id first; past search's 10,000-result cap by asking again after the last id."""
    api = connector.api
    found: list[Any] = []
    last = "0"
    while True:
        filters = [Filter(property_name="hs_is_closed", operator="EQ", value="true"),
                   Filter(property_name="hs_object_id", operator="GT", value=last)]
        if since is not None:
            filters.append(Filter(property_name="closedate", operator="GTE",
                                  value=str(int(since.timestamp() * 1000))))
        batch: list[Any] = []
        after: str | None = None
        while len(batch) < SEARCH_CAP:
            request = PublicObjectSearchRequest(
                filter_groups=[FilterGroup(filters=filters)], properties=properties, limit=SEARCH_PAGE,
                sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}], after=after)
            page = api.call("deals search", api.search.do_search, "deals", request, search=True)
            batch += page.results or []
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                break
        found += batch
        if len(batch) < SEARCH_CAP or not batch:
            return found
        last = str(batch[-1].id)


def _outcome(connector: HubSpotConnector, props: dict[str, Any]) -> str:
    """won or lost: the mapping's own stage lists first, else HubSpot's calculation from the pipeline."""
    stage = props.get("dealstage")
    mapping = connector.mapping
    if stage in mapping.won_stages:
        return "won"
    if stage in mapping.lost_stages:
        return "lost"
    return "won" if str(props.get("hs_is_closed_won")).lower() == "true" else "lost"


def _stages(connector: HubSpotConnector) -> dict[str, str]:
    """Stage id → label over every deal pipeline (custom pipelines' stage ids are opaque numbers)."""
    api = connector.api
    pipelines = api.call("deal pipelines", api.client.crm.pipelines.pipelines_api.get_all, "deals")
    return {stage.id: stage.label for pipeline in pipelines.results or [] for stage in pipeline.stages or []}


def _owners(connector: HubSpotConnector) -> dict[str, str]:
    """Owner id → email."""
    api = connector.api
    owners: dict[str, str] = {}
    after = None
    while True:
        page = api.call("owners", api.owners.get_page, limit=100, after=after)
        owners |= {str(o.id): o.email.lower() for o in page.results or [] if o.email}
        after = page.paging.next.after if page.paging and page.paging.next else None
        if not after:
            return owners


def _domain(value: Any) -> str | None:
    if not value:
        return None
    host = str(value).strip().lower().split("//", 1)[-1].split("/", 1)[0]
    return host.removeprefix("www.") or None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _whole(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None
