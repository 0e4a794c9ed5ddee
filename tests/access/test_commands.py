"""`leadpact users create|set-password|disable --password-stdin` and `leadpact keys create --user` through the
real CLI, checked against the real API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.db import session_scope
from leadpact.org.models import User

runner = CliRunner()
NEW = "a long new password"


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run `leadpact ARGS` with `stdin`; return exit code, stdout and stderr."""
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def sign_in(client: TestClient, email: str, password: str) -> int:
    """Try to sign in; return the status."""
    client.cookies.clear()
    return client.post("/api/v1/session", json={"email": email, "password": password}).status_code


def create_mia() -> None:
    code, out, err = invoke("users", "create", "--email", "mia@x.example", "--name", "Mia", "--role", "marketing",
                            "--password-stdin", stdin=NEW + "\n")
    assert (code, out, err) == (0, "created marketing #1 Mia <mia@x.example>\n", "")


def test_a_user_created_with_a_password_can_sign_in(client: TestClient) -> None:
    create_mia()
    assert sign_in(client, "mia@x.example", NEW) == 200
    assert sign_in(client, "mia@x.example", NEW + "\n") == 401  # the newline ended the password, not part of it


def test_a_user_created_without_a_password_cannot_sign_in_until_given_one(client: TestClient) -> None:
    code, _, err = invoke("users", "create", "--email", "rob@x.example", "--name", "Rob", "--role", "rep")
    assert code == 0 and "cannot sign in until given a password" in err
    assert sign_in(client, "rob@x.example", "") == 401
    assert invoke("users", "set-password", "rob@x.example", "--password-stdin", stdin=NEW)[:2] == (
        0, "password set for rob@x.example; 0 session(s) ended\n")
    assert sign_in(client, "rob@x.example", NEW) == 200


def test_set_password_ends_the_sessions_and_replaces_the_password(client: TestClient) -> None:
    create_mia()
    assert sign_in(client, "mia@x.example", NEW) == 200
    cookie = client.cookies["leadpact_session"]
    assert invoke("users", "set-password", "mia@x.example", "--password-stdin", stdin="another password!\n")[:2] == (
        0, "password set for mia@x.example; 1 session(s) ended\n")
    client.cookies.clear()
    assert client.get("/api/v1/session", headers={"Cookie": f"leadpact_session={cookie}"}).status_code == 401
    assert sign_in(client, "mia@x.example", NEW) == 401
    assert sign_in(client, "mia@x.example", "another password!") == 200


def test_a_short_password_is_refused_and_nothing_is_created(database_url: str) -> None:
    code, out, err = invoke("users", "create", "--email", "mia@x.example", "--name", "Mia", "--role", "marketing",
                            "--password-stdin", stdin="short\n")
    assert (code, out) == (2, "") and err == "error: the password has 5 characters; use at least 10\n"
    with session_scope() as session:
        assert session.scalars(select(User)).all() == []


def test_no_password_on_standard_input_is_refused(database_url: str) -> None:
    create_mia()
    code, _, err = invoke("users", "set-password", "mia@x.example", "--password-stdin", stdin="")
    assert code == 2 and err.startswith("error: no password on standard input")


def test_a_password_is_never_taken_from_the_command_line(database_url: str) -> None:
    create_mia()
    code, _, err = invoke("users", "set-password", "mia@x.example")
    assert code == 2 and "pass --password-stdin" in err


def test_set_password_for_an_unknown_user(database_url: str) -> None:
    code, _, err = invoke("users", "set-password", "nobody@x.example", "--password-stdin", stdin=NEW)
    assert code == 2 and err.startswith("error: no user with email nobody@x.example")


def test_disable_ends_sessions_and_refuses_sign_in(client: TestClient) -> None:
    create_mia()
    assert sign_in(client, "mia@x.example", NEW) == 200
    cookie = client.cookies["leadpact_session"]
    assert invoke("users", "disable", "mia@x.example")[:2] == (0, "disabled mia@x.example; 1 session(s) ended\n")
    client.cookies.clear()
    assert client.get("/api/v1/session", headers={"Cookie": f"leadpact_session={cookie}"}).status_code == 401
    assert sign_in(client, "mia@x.example", NEW) == 401
    assert invoke("users", "disable", "nobody@x.example")[0] == 2


def test_a_personal_token_acts_with_its_users_role(client: TestClient) -> None:
    create_mia()
    code, out, err = invoke("keys", "create", "--user", "mia@x.example", "--name", "laptop")
    assert code == 0 and "personal token #1 (laptop) for mia@x.example, acting as a marketing" in err
    token = out.splitlines()[-1]
    assert token.startswith("lp_pt_") and out == token + "\n"
    client.cookies.clear()
    me = client.get("/api/v1/session", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["role"], me["label"], me["via"]) == ("marketing", "mia@x.example", "token")
    # Marketing reads metrics but never acts for a rep, and manages no keys.
    assert client.get("/api/v1/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/keys", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert "personal" in invoke("keys", "list")[1]


def test_a_personal_token_for_an_unknown_user_is_refused(database_url: str) -> None:
    code, out, err = invoke("keys", "create", "--user", "nobody@x.example")
    assert (code, out) == (2, "") and "no user with email nobody@x.example" in err
