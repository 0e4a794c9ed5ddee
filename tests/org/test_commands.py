"""`leadpact users` and `leadpact teams` through the real CLI app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from leadpact.cli import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    """Run `leadpact ARGS` and return exit code, stdout and stderr."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_create_and_list(database_url: str) -> None:
    assert invoke("users", "create", "--email", "sam@x.example", "--name", "Sam Sales", "--role", "manager")[:2] == (
        0, "created manager #1 Sam Sales <sam@x.example>\n")
    code, out, _ = invoke("teams", "create", "emea", "--name", "EMEA", "--manager", "sam@x.example",
                          "--timezone", "Europe/Berlin")
    assert (code, out) == (0, "created team emea (EMEA), timezone Europe/Berlin, managed by sam@x.example\n")
    code, out, _ = invoke("users", "create", "--email", "rob@x.example", "--name", "Rob", "--role", "rep",
                          "--team", "emea")
    assert (code, out) == (0, "created rep #2 Rob <rob@x.example> in team emea\n")
    users = json.loads(invoke("users", "list", "--json")[1])
    assert [(u["email"], u["role"], u["team"]) for u in users] == [
        ("sam@x.example", "manager", None), ("rob@x.example", "rep", "emea")]
    assert "rob@x.example" in invoke("users", "list")[1]
    teams = json.loads(invoke("teams", "list", "--json")[1])
    assert teams == [{"key": "emea", "name": "EMEA", "manager": "sam@x.example", "timezone": "Europe/Berlin",
                      "reps": 1}]
    assert invoke("teams", "list")[1].startswith("emea ")


def test_bad_input_exits_2_with_a_clear_error(database_url: str) -> None:
    invoke("users", "create", "--email", "a@x.example", "--name", "A", "--role", "admin")
    cases = [
        (("users", "create", "--email", "b@x.example", "--name", "B", "--role", "boss"), "unknown role 'boss'"),
        (("users", "create", "--email", "a@x.example", "--name", "A", "--role", "admin"), "already exists"),
        (("users", "create", "--email", "c@x.example", "--name", "C", "--role", "rep", "--team", "apac"),
         "no team with key 'apac'"),
        (("teams", "create", "apac", "--name", "APAC", "--manager", "nobody@x.example"), "no user with email"),
        (("teams", "create", "apac", "--name", "APAC", "--manager", "a@x.example"), "must have role manager"),
    ]
    for args, message in cases:
        code, _, err = invoke(*args)
        assert code == 2 and err.startswith("error: ") and message in err, (args, err)
    assert json.loads(invoke("users", "list", "--json")[1])[0]["email"] == "a@x.example"
    assert len(json.loads(invoke("users", "list", "--json")[1])) == 1
    assert json.loads(invoke("teams", "list", "--json")[1]) == []
