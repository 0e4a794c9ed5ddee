"""One person's months of activity, walked in time order and written as Segment messages.

Anonymous browsing comes first; the first form ties the device to a user id (identify); a second device
is linked later by identify or alias. Emails only reach people already identified.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from typing import Any

from leadpact.demo.behaviour import BEHAVIOURS, REFERRERS, Behaviour, behaviour_key, campaign_for
from leadpact.demo.catalog import CatalogIndex
from leadpact.demo.draw import pick, randint
from leadpact.demo.messages import DAY_MS, MessageFactory, to_ms, web_context
from leadpact.demo.pages import FORM_EVENTS, pages_for
from leadpact.demo.records import Account, ContentAsset, PersonIdentities
from leadpact.demo.schedule import EmailSend, late_time, place_in_day, ramp_time
from leadpact.demo.truth import AccountTruth, PersonTruth
from leadpact.demo.vocabulary import COUNTRIES, SITE, USER_AGENTS


@dataclass
class ChunkContext:
    """What every journey of a chunk shares: its generator, message factory, catalog, window and sends."""

    rng: random.Random
    factory: MessageFactory
    catalog: CatalogIndex
    start_ms: int
    end_ms: int
    sends: list[EmailSend]


class Journey:
    """Plans and renders the touches of one person (or, with no identities, an anonymous visitor)."""

    def __init__(self, ctx: ChunkContext, *, anonymous_ids: tuple[str, ...], country: str | None,
                 identities: PersonIdentities | None = None, traits: dict[str, Any] | None = None,
                 truth: PersonTruth | None = None, account: Account | None = None,
                 account_truth: AccountTruth | None = None) -> None:
        self.ctx, self.rng = ctx, ctx.rng
        self.identities, self.base_traits, self.account = identities, traits, account
        key = "visitor" if truth is None else behaviour_key(truth.noise_kind, truth.intent, bool(truth.duplicate_of))
        self.behaviour: Behaviour = BEHAVIOURS[key]
        self.offset = COUNTRIES.get(country or "US", COUNTRIES["US"])[2]
        self.problem = account_truth.problem if account_truth and truth and truth.noise_kind == "none" else None
        self.devices = [(anonymous_id, (pick(self.rng, USER_AGENTS), self._ip())) for anonymous_id in anonymous_ids]
        self.window = self._window(truth, account_truth)
        self.out: list[dict[str, Any]] = []
        self.heap: list[tuple[int, int, str, Any]] = []
        self.intent = truth.intent if truth else "none"
        self.identified = self.touched = self.known_before = False
        self.linked: set[str] = set()
        self.end_stamp = ctx.factory.timestamp(ctx.end_ms)
        self._sequence = 0

    def run(self) -> list[dict[str, Any]]:
        """Return this person's messages in time order, each strictly later than the one before."""
        self._plan()
        cursor, random_, heap = self.ctx.start_ms, self.rng.random, self.heap
        while heap:
            ms, _, kind, payload = heapq.heappop(heap)
            ms = max(ms, cursor + 120_000 + int(random_() * 39) * 60_000)  # at least minutes apart
            if ms >= self.ctx.end_ms:
                break
            if self.known_before and not self.identified:
                self._crm_identify(max(self.ctx.start_ms, ms - randint(self.rng, 60, 48 * 60) * 60_000))
            if kind == "email":
                cursor = self._email(ms, payload) if self.identified else cursor
            elif kind == "attend":
                cursor = self._attend(ms, payload)
            else:
                cursor = self._session(ms, *payload)
        return [m for m in self.out if m["timestamp"] < self.end_stamp]

    # -- planning ----------------------------------------------------------------------------------

    def _plan(self) -> None:
        rng, b, ctx = self.rng, self.behaviour, self.ctx
        self.known_before = self.identities is not None and rng.random() < b.known_before
        low, high = self.window or (ctx.start_ms, ctx.end_ms)
        sessions = [("browse", None) for _ in range(randint(rng, *b.sessions))]
        if self.identities is not None:
            sessions += [("download", "download")] * randint(rng, *b.downloads)
            sessions += [("webinar", "webinar")] * randint(rng, *b.webinars)
        for mode, action in sessions:
            self._add(self._when(low, high), "session", (mode, action))
        if self.identities is None:
            return
        late_low, late_high = self.window if self.window else (ctx.start_ms, ctx.end_ms)
        decided = False
        # A committee whose window lies outside the simulated months makes no decision-stage moves in it.
        stalled = self.intent == "evaluating" and self.window is None
        for action, chance in (("demo", b.demo), ("pricing_request", b.pricing_request), ("trial", b.trial)):
            if rng.random() < chance and not stalled:
                self._add(self._placed(late_time(rng, late_low, late_high)), "session", ("decision", action))
                decided = True
        if not self.known_before and not decided and not any(action for _, action in sessions):
            self._add(self._when(low, high), "session", ("browse", "newsletter"))
        # Whether a send is opened is drawn up front: only opened sends need a place in the timeline.
        open_rate = b.open_rate
        for send in ctx.sends:
            if rng.random() < open_rate:
                self._add(send.ms, "email", send)

    def _window(self, truth: PersonTruth | None, account: AccountTruth | None) -> tuple[int, int] | None:
        """The stretch in which an in-market person is active, or None to spread over the whole period."""
        if truth is None or account is None or not account.in_market or truth.intent == "none":
            return None
        low = max(self.ctx.start_ms, to_ms(account.timing_start) - 21 * DAY_MS)
        high = min(self.ctx.end_ms, to_ms(account.timing_end))
        return (low, high) if high - low >= 3 * DAY_MS else None

    def _when(self, low: int, high: int) -> int:
        ms = ramp_time(self.rng, low, high) if self.window else low + int(self.rng.random() * (high - low))
        return self._placed(ms)

    def _placed(self, ms: int) -> int:
        placed = place_in_day(self.rng, ms, self.offset, self.behaviour.office_hours)
        return min(max(placed, self.ctx.start_ms + 60_000), self.ctx.end_ms - 60_000)

    def _add(self, ms: int, kind: str, payload: Any) -> None:
        self._sequence += 1  # breaks ties so payloads are never compared
        heapq.heappush(self.heap, (ms, self._sequence, kind, payload))

    # -- rendering ---------------------------------------------------------------------------------

    def _session(self, ms: int, mode: str, action: str | None, channel: str | None = None,
                 landing: ContentAsset | None = None, campaign: dict[str, str] | None = None) -> int:
        rng, factory = self.rng, self.ctx.factory
        anonymous_id, device = self.devices[0 if len(self.devices) == 1 or rng.random() < 0.7 else 1]
        if channel is None:
            channel = self._channel()
        if mode == "browse":
            mode = self.behaviour.mode_draw.draw(rng)
        pages = pages_for(rng, self.ctx.catalog, mode, action, self.problem, landing)
        if campaign is None:
            campaign = campaign_for(rng, channel, self.problem or _maybe_problem(rng, pages[0]), pages[0].topic)
        referrer = REFERRERS[channel]
        before = len(self.out)
        user_id = self._link(ms, anonymous_id, device, pages[0])
        if len(self.out) > before:
            ms += randint(rng, 300, 2500)
        append, page, random_ = self.out.append, factory.page, rng.random
        for asset in pages:
            append(page(ms, anonymous_id, user_id, asset, referrer, campaign, device))
            campaign, referrer = None, SITE + asset.path  # the campaign rides on the landing page only
            ms += 15_000 + int(random_() * 225_000)  # milliseconds vary, as real clocks do
        self.touched = True
        if action is not None and self.identities is not None:
            ms = self._act(ms, action, pages[-1], anonymous_id, device)
        return ms

    def _channel(self) -> str:
        if self.touched:  # returning visitors mostly come straight back or search again
            draw = self.rng.random()
            if draw < 0.45:
                return "direct"
            if draw < 0.75:
                return "organic"
        return self.behaviour.channel_draw.draw(self.rng)

    def _link(self, ms: int, anonymous_id: str, device: tuple[str, str], asset: ContentAsset) -> str | None:
        """Tie a device to the known user on their first visit from it after they were identified."""
        if not self.identified or self.identities is None:
            return None
        user_id = self.identities.user_id
        if anonymous_id not in self.linked:
            context = web_context(asset, device)
            if self.rng.random() < 0.2:
                self.out.append(self.ctx.factory.alias(ms, anonymous_id, user_id, context))
            else:
                self.out.append(self.ctx.factory.identify(ms, anonymous_id, user_id, self._traits(), context))
            self.linked.add(anonymous_id)
        return user_id

    def _act(self, ms: int, action: str, asset: ContentAsset, anonymous_id: str, device: tuple[str, str]) -> int:
        rng, factory = self.rng, self.ctx.factory
        form, event = FORM_EVENTS[action]
        context = web_context(asset, device)
        ms += randint(rng, 30_000, 150_000)
        properties: dict[str, Any] = {"form": form, "path": asset.path}
        if asset.gated:
            properties["asset_id"] = asset.id
        self.out.append(factory.track(ms, anonymous_id, self.identities.user_id if anonymous_id in self.linked
                                      else None, "Form Submitted", properties, context))
        first = not self.identified
        ms += randint(rng, 150, 900)
        self.out.append(factory.identify(ms, anonymous_id, self.identities.user_id, self._traits(),
                                         web_context(asset, device)))
        self.identified = True
        self.linked.add(anonymous_id)
        if first and self.account is not None and rng.random() < 0.4:
            ms += randint(rng, 150, 900)
            self.out.append(factory.group(ms, anonymous_id, self.identities.user_id, self.account.domain,
                                          _group_traits(self.account), web_context(asset, device)))
        if event is not None:
            ms += randint(rng, 150, 900)
            details = {"asset_id": asset.id, "title": asset.title} if asset.gated else {"form": form}
            if action == "pricing_request":
                details["plan"] = pick(rng, ("team", "business", "enterprise"))
            self.out.append(factory.track(ms, anonymous_id, self.identities.user_id, event, details,
                                          web_context(asset, device)))
        if action == "webinar" and rng.random() < self.behaviour.attend_rate:
            self._add(ms + randint(rng, 2, 12) * DAY_MS, "attend", asset)
        return ms

    def _attend(self, ms: int, asset: ContentAsset) -> int:
        properties = {"asset_id": asset.id, "title": asset.title, "duration_minutes": randint(self.rng, 10, 60)}
        self.out.append(self.ctx.factory.track(ms, None, self.identities.user_id, "Webinar Attended", properties,
                                               {"traits": {"email": self.identities.email}}))
        return ms

    def _email(self, ms: int, send: EmailSend) -> int:
        b, rng, factory = self.behaviour, self.rng, self.ctx.factory
        context = {"traits": {"email": self.identities.email}}
        ms += randint(rng, 0, 36 * 3_600_000)  # people open newsletters hours after the send
        self.out.append(factory.track(ms, None, self.identities.user_id, "Email Opened",
                                      {"campaign": send.campaign, "subject": send.subject}, context))
        if rng.random() >= b.click_rate:
            return ms
        ms += randint(rng, 10_000, 300_000)
        self.out.append(factory.track(ms, None, self.identities.user_id, "Email Clicked",
                                      {"campaign": send.campaign, "asset_id": send.asset.id, "url": send.asset.url},
                                      {"traits": {"email": self.identities.email}}))
        campaign = {"name": send.campaign, "source": "newsletter", "medium": "email", "content": send.asset.id}
        return self._session(ms + randint(rng, 3_000, 30_000), "awareness", None, "email", send.asset, campaign)

    def _crm_identify(self, ms: int) -> None:
        """Known contacts arrive already identified: the CRM sync sends their traits once."""
        self.out.append(self.ctx.factory.identify(ms, None, self.identities.user_id, self._traits(),
                                                  {"traits": {"email": self.identities.email}}))
        self.identified = True

    def _traits(self) -> dict[str, Any]:
        """Traits a form captures: always email and name; the rest only sometimes, as real forms go."""
        traits = dict(self.base_traits or {})
        rng = self.rng
        company = traits.pop("company", None)
        for key, keep in (("title", 0.92), ("seniority", 0.7), ("department", 0.7), ("country", 0.8),
                          ("phone", 0.8)):
            if key in traits and rng.random() >= keep:
                del traits[key]
        if company:
            company = {k: v for k, v in company.items()
                       if k == "name" or rng.random() < (0.6 if k == "industry" else 0.55)}
            traits["company"] = company
        return traits

    def _ip(self) -> str:
        # Documentation address ranges (RFC 5737): realistic shape, never a real person's address.
        block = pick(self.rng, ("192.0.2", "198.51.100", "203.0.113"))
        return f"{block}.{randint(self.rng, 1, 254)}"


def _group_traits(account: Account) -> dict[str, Any]:
    traits = {"name": account.name, "industry": account.industry, "employees": account.employees,
              "website": account.website, "country": account.country}
    return {k: v for k, v in traits.items() if v is not None}


def _maybe_problem(rng: random.Random, asset: ContentAsset) -> str | None:
    return asset.problem if asset.problem and rng.random() < 0.7 else None
