"""Signing in and out through the pages: cookies, CSRF, lock-out, password change."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

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
