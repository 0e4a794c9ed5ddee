"""Column mapping: default spellings, explicit overrides, mapping files, and clear errors."""

from __future__ import annotations

import pytest

from leadpact.imports.mapping import MappingError, build_mapping, load_mapping_file, parse_map_options


@pytest.mark.parametrize(
    ("column", "field"),
    [
        ("Email", "email"),
        ("E-mail", "email"),
        ("email_address", "email"),
        ("First Name", "first_name"),
        ("firstName", "first_name"),
        ("Last Name", "last_name"),
        ("Company", "company"),
        ("Account Name", "company"),
        ("Employees", "employees"),
        ("Employee Count", "employees"),
        ("NumberOfEmployees", "employees"),
        ("Job Title", "title"),
        ("User ID", "user_id"),
    ],
)
def test_people_default_spellings(column, field):
    assert build_mapping("people", [column]).fields == {column: field}


@pytest.mark.parametrize(
    ("column", "field"),
    [("Website", "domain"), ("Domain", "domain"), ("Account Name", "name"), ("Account Owner", "owner")],
)
def test_account_default_spellings(column, field):
    assert build_mapping("accounts", [column]).fields == {column: field}


def test_unknown_columns_are_kept_as_traits_and_empty_cells_dropped():
    column_map = build_mapping("people", ["Email", "Lead Source", "Notes"])
    fields, extra = column_map.apply({"Email": "a@acme.io", "Lead Source": "webinar", "Notes": None})
    assert fields == {"email": "a@acme.io"}
    assert extra == {"Lead Source": "webinar"}


def test_explicit_mapping_overrides_defaults_and_frees_the_default_column():
    column_map = build_mapping("people", ["Email", "Work Address"], {"Work Address": "email"})
    assert column_map.fields == {"Work Address": "email"}
    fields, extra = column_map.apply({"Email": "home@gmail.com", "Work Address": "a@acme.io"})
    assert fields == {"email": "a@acme.io"} and extra == {"Email": "home@gmail.com"}


def test_explicit_mapping_to_a_named_trait_and_ignore():
    column_map = build_mapping("people", ["Email", "Lead Source", "Internal"],
                               {"Lead Source": "traits.lead_source", "Internal": "ignore"})
    assert column_map.apply({"Email": "a@acme.io", "Lead Source": "ads", "Internal": "x"}) == (
        {"email": "a@acme.io"},
        {"lead_source": "ads"},
    )


def test_explicit_column_matches_loosely_when_unambiguous():
    assert build_mapping("people", ["Work E-mail"], {"work email": "email"}).fields == {"Work E-mail": "email"}


def test_unknown_target_field_names_it_and_the_allowed_fields():
    with pytest.raises(MappingError) as error:
        build_mapping("people", ["Mail"], {"Mail": "emial"})
    message = str(error.value)
    assert "unknown field 'emial' for people" in message
    assert "allowed fields: email, first_name" in message and "traits.NAME" in message


def test_unknown_source_column_names_the_columns_there_are():
    with pytest.raises(MappingError, match="column 'Mail', which is not in the file; its columns are Email, Name"):
        build_mapping("people", ["Email", "Name"], {"Mail": "email"})


def test_two_columns_to_one_field_is_an_error():
    with pytest.raises(MappingError, match="both map to 'email'"):
        build_mapping("people", ["A", "B"], {"A": "email", "B": "email"})


def test_map_options_and_mapping_files(tmp_path):
    assert parse_map_options(["Work Address=email", "a=b=c"]) == {"Work Address": "email", "a=b": "c"}
    with pytest.raises(MappingError, match="must look like source_column=field"):
        parse_map_options(["email"])
    (tmp_path / "m.yaml").write_text("columns:\n  Work Address: email\n  Org: company\n")
    (tmp_path / "m.json").write_text('{"Work Address": "email"}')
    assert load_mapping_file(tmp_path / "m.yaml") == {"Work Address": "email", "Org": "company"}
    assert load_mapping_file(tmp_path / "m.json") == {"Work Address": "email"}
    (tmp_path / "bad.yaml").write_text("- just\n- a list\n")
    with pytest.raises(MappingError, match="must be an object"):
        load_mapping_file(tmp_path / "bad.yaml")


def test_dotted_headers_map_to_themselves():
    column_map = build_mapping("events", ["properties.plan", "context.campaign.source", "Plan"])
    assert column_map.fields == {"properties.plan": "properties.plan",
                                 "context.campaign.source": "context.campaign.source"}
    people = build_mapping("people", ["traits.tier"])
    assert people.apply({"traits.tier": "A"}) == ({}, {"tier": "A"})
