"""The enterprise register through the API: bearer tokens, credit-code errors, county scope."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ecociv import users
from ecociv.adapters.db import Database
from ecociv.audit.tables import AuditRow
from ecociv.kernel.uscc import check_char
from tests.conftest import JIANGSHAN, KECHENG, SYSTEM, demo_enterprise, sign_in

BODY = "91330802MA2E0B0C1"
GOOD = BODY + check_char(BODY)


def bearer(db: Database, username: str) -> dict[str, str]:
    issued = users.create_token(db, SYSTEM, username=username, name=f"test {username}")
    return {"Authorization": f"Bearer {issued.secret}"}


def audit_count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(AuditRow)) or 0


def test_county_officer_registers_in_own_county_with_a_token(
    client: TestClient, db: Database
) -> None:
    response = client.post(
        "/api/v1/enterprises",
        headers=bearer(db, "kecheng"),
        json={
            "uscc": GOOD.lower(),
            "name": "柯城测试企业有限公司",
            "county_code": KECHENG,
            "industry_code": "C2614",
            "tags": ["key_polluter"],
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["uscc"] == GOOD
    assert (
        client.get(f"/api/v1/enterprises/{GOOD}", headers=bearer(db, "inspector")).json()["name"]
        == "柯城测试企业有限公司"
    )


def test_wrong_check_character_is_rejected_saying_which(client: TestClient, db: Database) -> None:
    wrong = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
    response = client.post(
        "/api/v1/enterprises",
        headers=bearer(db, "kecheng"),
        json={"uscc": wrong, "name": "某企业", "county_code": KECHENG},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "uscc" and "校验码错误" in body["detail"]
    assert f"应为 “{GOOD[17]}”" in body["detail"]


def test_wrong_length_and_bad_characters_are_named(client: TestClient, db: Database) -> None:
    headers = bearer(db, "kecheng")
    short = client.post(
        "/api/v1/enterprises",
        headers=headers,
        json={"uscc": GOOD[:16], "name": "某企业", "county_code": KECHENG},
    )
    assert "实际为 16 位" in short.json()["detail"]
    bad = client.post(
        "/api/v1/enterprises",
        headers=headers,
        json={"uscc": GOOD[:5] + "O" + GOOD[6:], "name": "某企业", "county_code": KECHENG},
    )
    assert "第 6 位字符 “O”" in bad.json()["detail"]


def test_county_officer_gets_403_writing_another_county_and_nothing_changes(
    client: TestClient, db: Database
) -> None:
    headers = bearer(db, "kecheng")
    theirs = demo_enterprise(JIANGSHAN)
    before = client.get(f"/api/v1/enterprises/{theirs}", headers=headers).json()
    audited = audit_count(db)
    patch = client.patch(
        f"/api/v1/enterprises/{theirs}", headers=headers, json={"name": "越权修改"}
    )
    assert patch.status_code == 403
    body = "91330881MA2E0B0C1"
    create = client.post(
        "/api/v1/enterprises",
        headers=headers,
        json={"uscc": body + check_char(body), "name": "越权登记", "county_code": JIANGSHAN},
    )
    assert create.status_code == 403
    assert client.get(f"/api/v1/enterprises/{theirs}", headers=headers).json() == before
    assert (
        client.get(f"/api/v1/enterprises/{body + check_char(body)}", headers=headers).status_code
        == 404
    )
    assert audit_count(db) == audited


def test_county_officer_gets_403_on_the_edit_page_of_another_county(client: TestClient) -> None:
    token = sign_in(client, "kecheng")
    theirs = demo_enterprise(JIANGSHAN)
    page = client.get(f"/enterprises/{theirs}")
    assert page.status_code == 200 and 'id="enterprise-form"' not in page.text
    response = client.post(
        f"/enterprises/{theirs}",
        data={"csrf_token": token, "name": "越权修改", "county_code": JIANGSHAN},
    )
    assert response.status_code == 403
    assert "越权修改" not in client.get(f"/enterprises/{theirs}").text


def test_enterprise_user_sees_only_its_own_enterprise(client: TestClient, db: Database) -> None:
    headers = bearer(db, "enterprise")
    page = client.get("/api/v1/enterprises", headers=headers).json()
    assert [e["uscc"] for e in page["items"]] == [demo_enterprise(KECHENG)]
    other = client.get(f"/api/v1/enterprises/{demo_enterprise(JIANGSHAN)}", headers=headers)
    assert other.status_code == 403


def test_a_revoked_or_unknown_token_is_401(client: TestClient, db: Database) -> None:
    issued = users.create_token(db, SYSTEM, username="inspector", name="x")
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    users.revoke_token(db, SYSTEM, issued.info.id)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer ecv_nope"}).status_code == 401


def test_admin_issues_a_token_shown_once_and_lists_it_without_the_secret(
    client: TestClient,
) -> None:
    token = sign_in(client, "admin")
    response = client.post(
        "/admin/tokens", data={"csrf_token": token, "username": "inspector", "name": "数据接口"}
    )
    assert response.status_code == 201
    secret = response.text.split('id="token-secret">')[1].split("<")[0]
    assert secret.startswith("ecv_")
    listing = client.get("/admin/tokens").text
    assert secret not in listing and secret[:10] in listing
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["username"]
        == "inspector"
    )


def test_filters_and_paging(client: TestClient, db: Database) -> None:
    headers = bearer(db, "inspector")
    everything = client.get("/api/v1/enterprises?page_size=500", headers=headers).json()
    assert everything["total"] == 36 and all(e["is_synthetic"] for e in everything["items"])
    kecheng = client.get(f"/api/v1/enterprises?county_code={KECHENG}", headers=headers).json()
    assert kecheng["total"] == 6
    tagged = client.get("/api/v1/enterprises?tag=hw_transporter", headers=headers).json()
    assert all("hw_transporter" in e["tags"] for e in tagged["items"]) and tagged["total"] > 0
    page2 = client.get("/api/v1/enterprises?page=2&page_size=10", headers=headers).json()
    assert len(page2["items"]) == 10 and page2["page"] == 2
