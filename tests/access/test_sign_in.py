"""Sign-in, sessions and CSRF, each refusal its own test: what is refused, with what words, and that nothing
changed."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from leadpact.access import make_personal_token
from leadpact.clock import SimulatedClock
from leadpact.db import session_scope
from leadpact.handoff import Handoff
from tests.access.world import DAN, MIA, PASSWORD, RAE, AccessWorld, Caller, sign_in, user

WRONG = {"detail": "wrong email or password"}


def attempt(client: TestClient, email: str, password: str) -> tuple[int, dict[str, str], dict[str, str]]:
    """Try to sign in with a clean cookie jar; return the status, the body and the headers."""
    client.cookies.clear()
    response = client.post("/api/v1/session", json={"email": email, "password": password})
    return response.status_code, response.json(), dict(response.headers)


def test_wrong_password(client: TestClient, world: AccessWorld) -> None:
    status, body, headers = attempt(client, MIA, "not her password")
    assert (status, body) == (401, WRONG)
    assert "set-cookie" not in headers


def test_unknown_user_gets_the_same_answer(client: TestClient, world: AccessWorld) -> None:
    status, body, headers = attempt(client, "nobody@nw.example", PASSWORD)
    assert (status, body) == (401, WRONG)
    assert "set-cookie" not in headers


def test_a_disabled_user_cannot_sign_in(client: TestClient, world: AccessWorld, who: dict[str, Caller]) -> None:
    status, body, headers = attempt(client, DAN, PASSWORD)
    assert (status, body) == (401, {"detail": "this account is disabled: ask an admin"})
    assert "set-cookie" not in headers
    # A wrong password for a disabled account says only that the pair is wrong.
    assert attempt(client, DAN, "guess")[:2] == (401, WRONG)


def test_the_eleventh_failed_attempt_is_told_to_wait(client: TestClient, world: AccessWorld,
                                                     clock: SimulatedClock) -> None:
    for minute in range(10):
        assert attempt(client, MIA, f"guess {minute}")[:2] == (401, WRONG)
        clock.advance(timedelta(seconds=30))
    status, body, headers = attempt(client, MIA, PASSWORD)  # even the right password now waits
    assert status == 429
    # The oldest of the ten failures, five minutes ago, leaves the 15-minute window in ten minutes.
    assert body == {"detail": "too many failed sign-ins: wait 10 minute(s) before trying again"}
    assert headers["retry-after"] == str(10 * 60)
    clock.advance(timedelta(seconds=10 * 60 + 1))  # the oldest failure leaves the 15-minute window
    assert attempt(client, MIA, PASSWORD)[0] == 200


def test_failures_from_one_address_are_throttled_across_accounts(client: TestClient, world: AccessWorld) -> None:
    for n in range(10):
        assert attempt(client, f"guess{n}@nw.example", "guess")[:2] == (401, WRONG)
    status, body, _ = attempt(client, RAE, PASSWORD)
    assert status == 429 and "wait 15 minute(s)" in body["detail"]


def test_signing_in_starts_the_account_count_afresh(client: TestClient, world: AccessWorld) -> None:
    office, home = (TestClient(client.app, base_url="https://testserver", client=(address, 5000))
                    for address in ("10.0.0.1", "10.0.0.2"))
    for n in range(9):
        assert attempt(office, MIA, f"guess {n}")[:2] == (401, WRONG)
    assert attempt(office, MIA, PASSWORD)[0] == 200
    # The nine failures before the success no longer count against Mia: nine more from home, and she still gets in.
    for n in range(9):
        assert attempt(home, MIA, f"typo {n}")[:2] == (401, WRONG)
    assert attempt(home, MIA, PASSWORD)[0] == 200


def test_missing_csrf_token_is_refused(client: TestClient, world: AccessWorld) -> None:
    rae = sign_in(client, RAE)
    bare = Caller(name="rae without token", cookie=rae.cookie)
    refused = bare.request(client, "POST", f"/api/v1/handoffs/{world.ids['handoff_a']}/accept")
    assert refused.status_code == 403 and refused.json()["detail"].startswith("missing CSRF token")
    with session_scope() as session:
        assert session.get(Handoff, world.ids["handoff_a"]).state == "open"  # type: ignore[union-attr]
    assert rae.request(client, "POST", f"/api/v1/handoffs/{world.ids['handoff_a']}/accept").status_code == 200


def test_stale_csrf_token_is_refused(client: TestClient, world: AccessWorld) -> None:
    earlier = sign_in(client, RAE)
    later = sign_in(client, RAE)
    stale = Caller(name="rae with the earlier session's token", cookie=later.cookie, csrf=earlier.csrf)
    refused = stale.request(client, "POST", f"/api/v1/handoffs/{world.ids['handoff_a']}/accept")
    assert refused.status_code == 403 and refused.json()["detail"].startswith("stale or wrong CSRF token")
    with session_scope() as session:
        assert session.get(Handoff, world.ids["handoff_a"]).state == "open"  # type: ignore[union-attr]


def test_csrf_token_as_a_form_field(client: TestClient, world: AccessWorld) -> None:
    rae = sign_in(client, RAE)
    client.cookies.clear()
    headers = {"Cookie": f"leadpact_session={rae.cookie}"}
    url = f"/api/v1/handoffs/{world.ids['handoff_a']}/reassign"
    refused = client.post(url, data={"csrf_token": "not it"}, headers=headers)
    assert refused.status_code == 403 and "stale or wrong CSRF token" in refused.json()["detail"]
    # The right token passes the CSRF check; the rule then refuses a rep (reassigning is a manager's).
    passed = client.post(url, data={"csrf_token": rae.csrf}, headers=headers)
    assert passed.status_code == 403 and "rae@nw.example (rep) cannot do this" in passed.json()["detail"]


def test_a_bearer_token_needs_no_csrf_token(client: TestClient, world: AccessWorld, clock: SimulatedClock) -> None:
    with session_scope() as session:
        token = make_personal_token(session=session, user=user(session, RAE), name="t", now=clock.now(),
                                    actor="test")[1]
    client.cookies.clear()
    accepted = client.post(f"/api/v1/handoffs/{world.ids['handoff_a']}/accept",
                           headers={"Authorization": f"Bearer {token}"})
    assert accepted.status_code == 200, accepted.text


def test_an_expired_session_is_refused(client: TestClient, world: AccessWorld, clock: SimulatedClock) -> None:
    mia = sign_in(client, MIA)
    clock.advance(timedelta(hours=11, minutes=59))
    assert mia.request(client, "GET", "/api/v1/session").status_code == 200
    clock.advance(timedelta(minutes=1))
    expired = mia.request(client, "GET", "/api/v1/session")
    assert expired.status_code == 401
    assert expired.json() == {"detail": "this session expired at 2026-10-01 21:00 UTC: sign in again"}


def test_a_disabled_users_live_session_is_refused_on_its_next_request(
        client: TestClient, world: AccessWorld, who: dict[str, Caller]) -> None:
    rae = sign_in(client, RAE)
    assert rae.request(client, "GET", "/api/v1/handoffs").status_code == 200
    with session_scope() as session:
        rae_id = user(session, RAE).id
    assert who["admin"].request(client, "POST", f"/api/v1/users/{rae_id}/disable").status_code == 200
    refused = rae.request(client, "GET", "/api/v1/handoffs")
    assert refused.status_code == 401
    assert refused.json() == {"detail": "this session has ended (account disabled): sign in again"}


def test_a_changed_password_ends_every_old_session(client: TestClient, world: AccessWorld,
                                                   who: dict[str, Caller]) -> None:
    laptop, phone = sign_in(client, MIA), sign_in(client, MIA)
    with session_scope() as session:
        mia_id = user(session, MIA).id
    changed = who["admin"].request(client, "PUT", f"/api/v1/users/{mia_id}/password",
                                   json={"password": "a brand new passphrase"})
    assert changed.status_code == 204
    for old in (laptop, phone):
        refused = old.request(client, "GET", "/api/v1/session")
        assert refused.status_code == 401 and "password changed" in refused.json()["detail"]
    assert attempt(client, MIA, PASSWORD)[:2] == (401, WRONG)
    assert sign_in(client, MIA, "a brand new passphrase").request(client, "GET", "/api/v1/session").status_code == 200


def test_a_write_key_is_refused_on_the_json_api(client: TestClient, world: AccessWorld) -> None:
    for header in (f"Bearer {world.keys['ingest']}",):
        refused = client.get("/api/v1/handoffs", headers={"Authorization": header})
        assert refused.status_code == 403
        assert refused.json() == {"detail": "this is a write key (scope ingest): write keys can only send events"}


def test_a_disabled_users_personal_token_is_refused(client: TestClient, world: AccessWorld,
                                                    clock: SimulatedClock, who: dict[str, Caller]) -> None:
    with session_scope() as session:
        token = make_personal_token(session=session, user=user(session, RAE), name="t", now=clock.now(),
                                    actor="test")[1]
        rae_id = user(session, RAE).id
    client.cookies.clear()
    assert client.get("/api/v1/handoffs", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    who["admin"].request(client, "POST", f"/api/v1/users/{rae_id}/disable")
    refused = client.get("/api/v1/handoffs", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.json()["detail"].startswith("invalid API key")


def test_a_token_of_a_user_disabled_behind_its_back_is_refused(client: TestClient, world: AccessWorld,
                                                               clock: SimulatedClock) -> None:
    with session_scope() as session:
        token = make_personal_token(session=session, user=user(session, RAE), name="t", now=clock.now(),
                                    actor="test")[1]
    with session_scope() as session:
        user(session, RAE).is_active = False  # not through disable_user: the token row is still live
    client.cookies.clear()
    refused = client.get("/api/v1/handoffs", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.json() == {"detail": "this personal token's user is disabled: its tokens no longer work"}


def test_signing_out_ends_the_session(client: TestClient, world: AccessWorld) -> None:
    mia = sign_in(client, MIA)
    client.cookies.clear()
    out = client.delete("/api/v1/session", headers={"Cookie": f"leadpact_session={mia.cookie}",
                                                    "X-CSRF-Token": mia.csrf or ""})
    assert out.status_code == 204
    assert 'leadpact_session=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
    refused = mia.request(client, "GET", "/api/v1/session")
    assert refused.status_code == 401 and "ended (signed out)" in refused.json()["detail"]


def test_the_cookie_is_http_only_same_site_and_secure_over_tls(client: TestClient, world: AccessWorld) -> None:
    client.cookies.clear()
    cookie = client.post("/api/v1/session", json={"email": MIA, "password": PASSWORD}).headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie and "Path=/" in cookie
    plain = TestClient(client.app, base_url="http://testserver")
    over_http = plain.post("/api/v1/session", json={"email": MIA, "password": PASSWORD}).headers["set-cookie"]
    assert "HttpOnly" in over_http and "Secure" not in over_http


def test_a_forged_or_unknown_cookie_is_refused(client: TestClient, world: AccessWorld) -> None:
    mia = sign_in(client, MIA)
    assert mia.cookie is not None
    session_id, secret, signature = mia.cookie.split(".")
    for cookie, words in ((f"{session_id}.{secret}x.{signature}", "not valid"),
                          (f"{int(session_id) + 1}.{secret}.{signature}", "not valid"),
                          ("garbage", "not valid")):
        refused = Caller(name="forger", cookie=cookie).request(client, "GET", "/api/v1/session")
        assert refused.status_code == 401 and words in refused.json()["detail"]


def test_who_am_i(client: TestClient, world: AccessWorld, who: dict[str, Caller]) -> None:
    me = who["manager_a"].request(client, "GET", "/api/v1/session").json()
    assert (me["kind"], me["role"], me["label"], me["via"], me["user"]["name"]) == (
        "user", "manager", "maya@nw.example", "cookie", "Maya Manager")
    assert me["csrf_token"] == who["manager_a"].csrf and me["expires_at"] == "2026-10-01T21:00:00Z"


def test_sign_in_rows_are_kept_hashed(client: TestClient, world: AccessWorld) -> None:
    from leadpact.access.models import UserSession

    mia = sign_in(client, MIA)
    assert mia.cookie is not None
    secret = mia.cookie.split(".")[1]
    with session_scope() as session:
        stored = list(session.scalars(select(UserSession.secret_hash)))
        hashes = list(session.scalars(select(user(session, MIA).__class__.password_hash)))
    assert secret not in stored and all(h is None or h.startswith("$argon2id$") for h in hashes)
