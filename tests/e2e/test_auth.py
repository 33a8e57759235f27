"""Signing in and out through the pages: cookies, CSRF, lock-out, password change."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ecociv import users
from ecociv.adapters.db import Database
from ecociv.audit.tables import AuditRow
from ecociv.config import Settings
from ecociv.web.app import create_app
from tests.conftest import DEMO_PASSWORD, csrf_of, sign_in


def audit_count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(AuditRow)) or 0


def test_session_cookie_is_signed_httponly_and_samesite(client: TestClient) -> None:
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"username": "kecheng", "password": DEMO_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    header = response.headers.get("set-cookie", "")
    assert "ecociv_session=" in header
    assert "httponly" in header.lower() and "samesite=lax" in header.lower()
    assert "secure" not in header.lower()  # plain http in tests


def test_cookie_is_secure_when_configured(settings: Settings, db: Database) -> None:
    app = create_app(settings.model_copy(update={"cookie_secure": True}), db=db)
    with TestClient(app, base_url="https://testserver") as client:
        header = client.get("/login").headers.get("set-cookie", "")
    assert "secure" in header.lower()


def test_wrong_password_shows_an_error_and_no_session(client: TestClient) -> None:
    token = csrf_of(client)
    response = client.post(
        "/login", data={"username": "kecheng", "password": "nope-nope-1", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert client.get("/api/v1/me").status_code == 401


def test_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "kecheng", "password": DEMO_PASSWORD})
    assert response.status_code == 403
    assert client.get("/api/v1/me").status_code == 401


def test_signed_in_form_post_without_csrf_changes_nothing(client: TestClient, db: Database) -> None:
    sign_in(client, "admin")
    before = audit_count(db)
    response = client.post("/admin/tokens", data={"username": "inspector", "name": "x"})
    assert response.status_code == 403
    response = client.post(
        "/admin/tokens", data={"username": "inspector", "name": "x", "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert audit_count(db) == before


def test_cookie_api_write_needs_the_csrf_header(client: TestClient) -> None:
    token = sign_in(client, "admin")
    body = {"username": "inspector", "name": "gateway"}
    assert client.post("/api/v1/tokens", json=body).status_code == 403
    assert (
        client.post("/api/v1/tokens", json=body, headers={"X-CSRF-Token": token}).status_code == 201
    )


def test_five_failed_logins_lock_the_account_on_the_page(client: TestClient) -> None:
    token = csrf_of(client)
    for _ in range(5):
        client.post(
            "/login",
            data={"username": "inspector", "password": "wrong-pass-1", "csrf_token": token},
        )
    response = client.post(
        "/login", data={"username": "inspector", "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401
    assert "锁定" in response.text


def test_login_redirects_only_to_local_pages(client: TestClient) -> None:
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={
            "username": "kecheng",
            "password": DEMO_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_logout_ends_the_session(client: TestClient) -> None:
    token = sign_in(client, "kecheng")
    assert client.get("/api/v1/me").json()["username"] == "kecheng"
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    assert client.get("/api/v1/me").status_code == 401


def test_password_change_keeps_this_session_and_ends_others(app, db: Database) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as first, TestClient(app) as second:
        token = sign_in(first, "kecheng")
        sign_in(second, "kecheng")
        response = first.post(
            "/account/password",
            data={
                "csrf_token": token,
                "old_password": DEMO_PASSWORD,
                "new_password": "kecheng-new-2026",
                "repeat_password": "kecheng-new-2026",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert first.get("/api/v1/me").status_code == 200
        assert second.get("/api/v1/me").status_code == 401


def test_pages_redirect_anonymous_users_to_login(client: TestClient) -> None:
    response = client.get("/enterprises", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/enterprises"


def test_every_response_carries_a_request_id_and_security_headers(client: TestClient) -> None:
    response = client.get("/", headers={"X-Request-ID": "req-12345678"})
    assert response.headers["x-request-id"] == "req-12345678"
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]


# ---- server-side sessions (issue 11, item 8) ---------------------------------------------


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as browser, TestClient(app) as thief:
        token = sign_in(browser, "kecheng")
        thief.cookies.set("ecociv_session", browser.cookies["ecociv_session"])
        assert thief.get("/api/v1/me").json()["username"] == "kecheng"
        browser.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert thief.get("/api/v1/me").status_code == 401
        assert thief.get("/account/password", follow_redirects=False).status_code == 303


def test_disabling_an_account_ends_all_its_sessions(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as admin, TestClient(app) as first, TestClient(app) as second:
        sign_in(first, "inspector")
        sign_in(second, "inspector")
        csrf = sign_in(admin, "admin")
        response = admin.post(
            "/admin/users/inspector/active",
            data={"csrf_token": csrf, "active": "false"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert first.get("/api/v1/me").status_code == 401
        assert second.get("/api/v1/me").status_code == 401


def test_a_user_sees_their_sessions_and_ends_another_one(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as here, TestClient(app, headers={"User-Agent": "Phone/1.0"}) as phone:
        sign_in(phone, "kecheng")
        csrf = sign_in(here, "kecheng")
        page = here.get("/account/password").text
        assert 'id="sessions"' in page and "Phone/1.0" in page
        other = re.findall(r'action="/account/sessions/(\d+)/revoke"', page)
        assert len(other) == 2
        phone_id = min(int(i) for i in other)  # the phone signed in first
        response = here.post(
            f"/account/sessions/{phone_id}/revoke",
            data={"csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert phone.get("/api/v1/me").status_code == 401
        assert here.get("/api/v1/me").status_code == 200


def test_ending_someone_elses_session_is_not_found(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as admin, TestClient(app) as officer:
        admin_csrf = sign_in(admin, "admin")
        admin_ids = re.findall(
            r'action="/account/sessions/(\d+)/revoke"', admin.get("/account/password").text
        )
        csrf = sign_in(officer, "kecheng")
        response = officer.post(
            f"/account/sessions/{admin_ids[0]}/revoke", data={"csrf_token": csrf}
        )
        assert response.status_code == 404
        assert admin.get("/api/v1/me").status_code == 200
        too_big = officer.post(f"/account/sessions/{2**64}/revoke", data={"csrf_token": csrf})
        assert too_big.status_code == 422
        assert admin_csrf


def test_an_admin_ends_a_users_sessions_from_the_users_page(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as admin, TestClient(app) as officer:
        sign_in(officer, "inspector")
        csrf = sign_in(admin, "admin")
        assert 'action="/admin/users/inspector/sessions/revoke"' in admin.get("/admin/users").text
        response = admin.post(
            "/admin/users/inspector/sessions/revoke",
            data={"csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert officer.get("/api/v1/me").status_code == 401
        assert admin.get("/api/v1/me").status_code == 200


# ---- passwords (item 9) ----------------------------------------------------------------


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "password12"])
def test_weak_passwords_are_refused_on_the_pages_and_the_api(client: TestClient, weak: str) -> None:
    csrf = sign_in(client, "admin")
    form = {
        "csrf_token": csrf,
        "old_password": DEMO_PASSWORD,
        "new_password": weak,
        "repeat_password": weak,
    }
    response = client.post("/account/password", data=form)
    assert response.status_code == 422 and "密码太容易被猜到" in response.text
    response = client.post(
        "/admin/users",
        data={"csrf_token": csrf, "username": "newcomer", "role": "inspector", "password": weak},
    )
    assert response.status_code == 422 and "密码太容易被猜到" in response.text
    response = client.post(
        "/api/v1/users",
        json={"username": "newcomer", "password": weak, "role": "inspector"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "password"
    assert "too easy to guess" in response.json()["detail"]
    strong = client.post(
        "/api/v1/users",
        json={"username": "newcomer", "password": "lemon-table-7", "role": "inspector"},
        headers={"X-CSRF-Token": csrf},
    )
    assert strong.status_code == 201


# ---- one answer, per-address limit, off the event loop (items 7 and 9) --------------------


def _attempt(client: TestClient, username: str, password: str) -> tuple[int, str]:
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    found = re.search(r'id="login-error">([^<]*)<', response.text)
    return response.status_code, found.group(1) if found else ""


def test_unknown_and_known_users_get_the_same_status_and_message(client: TestClient) -> None:
    unknown = _attempt(client, "no_such_user", "wrong-password")
    known = _attempt(client, "kecheng", "wrong-password")
    assert unknown == known
    assert unknown[0] == 401 and "用户名或密码错误" in unknown[1]
    for _ in range(5):
        _attempt(client, "inspector", "wrong-password")
    assert _attempt(client, "inspector", DEMO_PASSWORD) == unknown  # locked: same answer


def test_the_per_address_limit_triggers_across_different_usernames(
    settings: Settings, db: Database
) -> None:
    app = create_app(settings.model_copy(update={"login_address_max_failures": 3}), db=db)
    with (
        TestClient(app, client=("192.0.2.1", 4000)) as attacker,
        TestClient(app, client=("192.0.2.2", 4000)) as colleague,
    ):
        refused = _attempt(attacker, "nobody", "wrong-password")
        _attempt(attacker, "kecheng", "wrong-password")
        _attempt(attacker, "inspector", "wrong-password")
        # the right password of a fourth account, from the same address: refused alike
        assert _attempt(attacker, "admin", DEMO_PASSWORD) == refused
        assert attacker.get("/api/v1/me").status_code == 401
        sign_in(colleague, "admin")  # another address signs in


def test_password_checks_run_off_the_event_loop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecociv.users import services

    seen: list[bool] = []
    real = services.sign_in

    def watching(*args: Any, **kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "sign_in", watching)
    sign_in(client, "kecheng")
    assert seen == [False]  # called from a worker thread, not on the loop


# ---- the audit log (item 10) -------------------------------------------------------------


def test_sign_in_failure_and_sign_out_through_the_pages_are_audited(
    client: TestClient, db: Database
) -> None:
    _attempt(client, "kecheng", "wrong-password")
    token = sign_in(client, "kecheng")
    client.post("/logout", data={"csrf_token": token})
    with db.reading() as s:
        rows = s.execute(
            select(AuditRow.action, AuditRow.actor, AuditRow.after)
            .where(AuditRow.action.in_(["user.login", "user.login_failed", "user.logout"]))
            .order_by(AuditRow.seq)
        ).all()
    assert [(r.action, r.actor) for r in rows] == [
        ("user.login_failed", "public"),
        ("user.login", "kecheng"),
        ("user.logout", "kecheng"),
    ]
    assert json.loads(rows[0].after) == {"reason": "wrong_password", "client": "testclient"}


# ---- the command line ---------------------------------------------------------------------


def test_the_command_line_refuses_weak_passwords_and_lists_and_ends_sessions(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from ecociv.cli import app as cli
    from ecociv.kernel import PUBLIC_ACTOR

    runner = CliRunner()
    env = {"ECOCIV_VAR_DIR": str(tmp_path / "var"), "ECOCIV_ENV": "development"}
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0
    weak = runner.invoke(
        cli, ["user", "create", "ops", "--role", "inspector"], env=env, input="password12\n" * 2
    )
    assert weak.exit_code == 1 and "too easy to guess" in weak.output
    made = runner.invoke(
        cli, ["user", "create", "ops", "--role", "inspector"], env=env, input="lemon-table-7\n" * 2
    )
    assert made.exit_code == 0, made.output
    reset = runner.invoke(cli, ["user", "set-password", "ops"], env=env, input="aaaaaaaaaa\n" * 2)
    assert reset.exit_code == 1 and "too easy to guess" in reset.output
    key = (tmp_path / "var" / "audit_key").read_text().strip()  # made by `init`
    db = Database(f"sqlite:///{tmp_path / 'var' / 'ecociv.db'}", audit_key=key)
    policy = users.LoginPolicy(
        max_failures=5,
        lockout=timedelta(minutes=15),
        address_max_failures=20,
        address_window=timedelta(minutes=15),
        session_lifetime=timedelta(hours=8),
        session_idle=timedelta(hours=1),
    )
    signed = users.sign_in(
        db, PUBLIC_ACTOR, "ops", "lemon-table-7", policy=policy, client_address="203.0.113.5"
    )
    listed = runner.invoke(cli, ["user", "sessions", "ops"], env=env)
    assert listed.exit_code == 0 and "203.0.113.5" in listed.output
    ended = runner.invoke(cli, ["user", "end-sessions", "ops"], env=env)
    assert "ended 1 sessions of ops" in ended.output
    assert users.account_for_session(db, signed.session_secret, idle=timedelta(hours=1)) is None
    db.dispose()
