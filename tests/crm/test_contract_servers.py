"""The contract servers hold the official clients to REFERENCE.md: refused shapes come back in the vendor's error
shape, accepted ones in the shapes the clients deserialise."""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import SimplePublicObjectInputForCreate
from hubspot.crm.contacts.exceptions import ApiException as ContactsError
from hubspot.crm.objects import AssociationSpec, PublicAssociationsForObject, PublicObjectId
from hubspot.crm.objects import SimplePublicObjectInputForCreate as ObjectInput
from hubspot.crm.objects.exceptions import ApiException as ObjectsError
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest


@pytest.fixture
def client(hubspot):
    """The official HubSpot client on the contract server."""
    return HubSpot(access_token=hubspot.portal.token, host=hubspot.url)


@pytest.fixture
def sf(salesforce):
    """simple-salesforce on the contract server, trusting the test CA."""
    return Salesforce(instance_url=salesforce.url, session_id=salesforce.org.token, version="59.0",
                      session=salesforce.session())


def new(email, client):
    """A contact created with the official client."""
    return client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"email": email}))


def body(error):
    """The JSON body of a client exception."""
    return json.loads(error.body)


def test_hubspot_refuses_an_unknown_property_in_its_error_shape(client):
    with pytest.raises(ContactsError) as raised:
        client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"favourite_color": "x"}))
    answer = body(raised.value)
    assert raised.value.status == 400 and set(answer) == {"status", "message", "correlationId", "category"}
    assert answer["category"] == "VALIDATION_ERROR" and "PROPERTY_DOESNT_EXIST" in answer["message"]


def test_hubspot_answers_a_duplicate_email_with_409_and_the_existing_id(client):
    created = new("a@b.example", client)
    with pytest.raises(ContactsError) as raised:
        client.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"email": "A@b.example"}))
    assert raised.value.status == 409
    assert body(raised.value)["message"] == f"Contact already exists. Existing ID: {created.id}"
    assert body(raised.value)["category"] == "CONFLICT"


@pytest.mark.parametrize(("properties", "type_id", "problem"), [
    ({"hs_note_body": "x"}, 202, "REQUIRED_PROPERTY"),  # hs_timestamp is required
    ({"hs_timestamp": "2026-10-01T09:00:00Z", "hs_note_body": "x" * 65_537}, 202, "INVALID_LENGTH"),
    ({"hs_timestamp": "2026-10-01T09:00:00Z", "hs_note_body": "x"}, 204, "invalid association type 204"),
    ({"hs_timestamp": "yesterday", "hs_note_body": "x"}, 202, "INVALID_DATE"),
    ({"hs_timestamp": "2026-10-01T09:00:00Z", "hubspot_owner_id": "7"}, 202, "INVALID_OWNER_ID"),
])
def test_hubspot_validates_notes_as_the_reference_says(client, properties, type_id, problem):
    contact = new("n@b.example", client)
    note = ObjectInput(properties=properties, associations=[PublicAssociationsForObject(
        to=PublicObjectId(id=contact.id), types=[AssociationSpec(association_category="HUBSPOT_DEFINED",
                                                                 association_type_id=type_id)])])
    with pytest.raises(ObjectsError) as raised:
        client.crm.objects.basic_api.create("notes", note)
    assert raised.value.status == 400 and problem in body(raised.value)["message"]


def test_hubspot_rate_limits_with_policy_name_and_retry_after(client, hubspot):
    hubspot.portal.rate_limit, hubspot.portal.window = 2, 1.0
    client.crm.owners.owners_api.get_page()
    client.crm.owners.owners_api.get_page()
    # urllib3 itself waits out a 429 with Retry-After on a GET …
    assert client.crm.owners.owners_api.get_page().results
    assert [s for *_, s in hubspot.portal.log][-2:] == [429, 200]
    # … but not on a POST: that 429 reaches the caller, with the policy that was hit.
    new("q@b.example", client)
    with pytest.raises(ContactsError) as raised:
        new("r@b.example", client)
    assert raised.value.status == 429 and int(raised.value.headers["Retry-After"]) >= 1
    assert body(raised.value)["policyName"] == "TEN_SECONDLY_ROLLING"


def test_hubspot_owners_and_search_deserialise_in_the_client(client, hubspot):
    owners = client.crm.owners.owners_api.get_page(limit=1)
    assert owners.results[0].email == "rob@northwind.example" and owners.paging.next.after == "1"
    for n in range(3):
        new(f"s{n}@b.example", client)
    from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest

    token = Filter(property_name="email", operator="CONTAINS_TOKEN", value="*b.example")
    page = client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[token])], limit=2, properties=["email"]))
    assert page.total == 3 and len(page.results) == 2 and page.paging.next.after == "2"


def test_hubspot_search_lags_just_after_a_create(client, hubspot):
    hubspot.portal.index_lag = 30.0
    new("new@b.example", client)
    from hubspot.crm.contacts import PublicObjectSearchRequest

    assert client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(limit=10)).total == 0


def test_salesforce_refuses_missing_required_fields_and_bad_picklist_values(sf):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Lead.create({"Email": "a@b.example"})
    assert raised.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert raised.value.content[0]["fields"] == ["LastName", "Company"]
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Lead.create({"LastName": "B", "Company": "C", "Status": "Hot to trot"})
    assert raised.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_salesforce_upserts_by_external_id_and_pages_queries(sf, salesforce):
    assert sf.Lead.upsert("Leadpact_Id__c/p-1", {"LastName": "B", "Company": "C"}) == 201
    assert sf.Lead.upsert("Leadpact_Id__c/p-1", {"Title": "CTO"}) == 200
    with salesforce.org.lock:
        for n in range(2100):
            salesforce.org.insert("Lead", {"LastName": f"L{n}", "Company": "C"}, validate=False)
    result = sf.query_all("SELECT Id, LastName FROM Lead WHERE Company = 'C' ORDER BY LastName")
    assert result["totalSize"] == 2101 and len(result["records"]) == 2101
    first = sf.query("SELECT Id FROM Lead")
    assert first["done"] is False and first["nextRecordsUrl"].startswith("/services/data/v59.0/query/")


def test_salesforce_refuses_soql_on_unknown_fields(sf):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.query("SELECT Id, Shoe_Size__c FROM Lead")
    assert raised.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_hubspot_gdpr_delete_by_id_and_by_email_and_batch_archive(client, hubspot):
    from hubspot.crm.contacts import PublicGdprDeleteInput
    from hubspot.crm.objects import BatchInputSimplePublicObjectId, SimplePublicObjectId

    portal = hubspot.portal
    kept, purged = new("kept@b.example", client), new("gone@b.example", client)
    note = client.crm.objects.basic_api.create("notes", ObjectInput(
        properties={"hs_timestamp": "2026-10-01T09:00:00Z", "hs_note_body": "brief"},
        associations=[PublicAssociationsForObject(to=PublicObjectId(id=purged.id), types=[
            AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=202)])]))
    assert client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id=purged.id)) is None
    assert set(portal.objects["contacts"]) == {kept.id} and portal.associated("notes", note.id, "contacts") == []
    with pytest.raises(ContactsError) as raised:
        client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id=purged.id))
    assert raised.value.status == 404 and body(raised.value)["category"] == "OBJECT_NOT_FOUND"
    # By email: the contact with that address goes; an address with none is blocklisted instead.
    client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id="KEPT@b.example", id_property="email"))
    client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id="never@b.example", id_property="email"))
    assert portal.objects["contacts"] == {} and portal.blocklist == {"never@b.example"}
    with pytest.raises(ContactsError) as raised:
        client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id="x", id_property="phone"))
    assert raised.value.status == 400 and "not a unique property" in body(raised.value)["message"]
    # Archive: 204, and ids already gone are ignored.
    client.crm.objects.batch_api.archive("notes", BatchInputSimplePublicObjectId(
        inputs=[SimplePublicObjectId(id=note.id), SimplePublicObjectId(id="999999")]))
    assert portal.objects["notes"] == {} and portal.archived == [("notes", note.id)]


def test_salesforce_deletes_records_and_a_lead_takes_its_notes_and_tasks(sf, salesforce):
    org = salesforce.org
    lead = sf.Lead.create({"LastName": "Gone", "Company": "Acme"})["id"]
    other = sf.Lead.create({"LastName": "Kept", "Company": "Acme"})["id"]
    note = sf.Note.create({"ParentId": lead, "Title": "brief"})["id"]
    task = sf.Task.create({"WhoId": lead, "Subject": "call"})["id"]
    assert sf.Lead.delete(lead) == 204
    assert set(org.records["Lead"]) == {other} and org.records["Note"] == {} and org.records["Task"] == {}
    assert set(org.recycle_bin) == {lead, note, task}
    answer = sf.restful("composite/sobjects", method="DELETE", params={"ids": f"{other},{lead}", "allOrNone": "false"})
    assert [(a["id"], a["success"]) for a in answer] == [(other, True), (lead, False)]
    assert answer[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED" and org.records["Lead"] == {}
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite/sobjects", method="DELETE", params={"ids": ""})
