"""Every route × every role: the allow/deny decision, asserted by real requests.

The table below is written by hand from the issue's role descriptions, not derived from the
code's grant table, so a wrong grant fails here. A route missing from the table fails too.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from ecociv import indicators
from ecociv.kernel import Role
from tests.conftest import KECHENG, ROLE_USERS, SYSTEM, demo_enterprise, sign_in

ALL = frozenset(Role)
STAFF = ALL - {Role.PUBLIC}
ADMIN = frozenset({Role.ADMIN})
WRITERS = frozenset({Role.ADMIN, Role.CITY_OFFICE, Role.COUNTY_OFFICER})
AUDITORS = frozenset({Role.ADMIN, Role.INSPECTOR})
GOVERNMENT = STAFF - {Role.ENTERPRISE_USER}
REPORTERS = frozenset({Role.COUNTY_OFFICER, Role.DEPARTMENT_OFFICER})
CITY = frozenset({Role.ADMIN, Role.CITY_OFFICE})
#: A waste party's own records: its users for its unit, the bureau for any, administrators.
PARTIES = frozenset({Role.ADMIN, Role.CITY_OFFICE, Role.ENTERPRISE_USER})

EXPECTED: dict[tuple[str, str], frozenset[Role]] = {
    ("GET", "/"): ALL,
    ("GET", "/map"): ALL,
    ("GET", "/lang/{code}"): ALL,
    ("GET", "/healthz"): ALL,
    ("GET", "/login"): ALL,
    ("POST", "/login"): ALL,
    ("GET", "/account/password"): STAFF,
    ("POST", "/account/password"): STAFF,
    ("POST", "/account/sessions/{session_id}/revoke"): STAFF,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{username}/active"): ADMIN,
    ("POST", "/admin/users/{username}/sessions/revoke"): ADMIN,
    ("GET", "/admin/tokens"): ADMIN,
    ("POST", "/admin/tokens"): ADMIN,
    ("POST", "/admin/tokens/{token_id}/revoke"): ADMIN,
    ("GET", "/api/v1/me"): STAFF,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("GET", "/api/v1/tokens"): ADMIN,
    ("POST", "/api/v1/tokens"): ADMIN,
    ("DELETE", "/api/v1/tokens/{token_id}"): ADMIN,
    ("GET", "/orgs"): ALL,
    ("GET", "/enterprises"): STAFF,
    ("GET", "/enterprises/new"): WRITERS,
    ("POST", "/enterprises/new"): WRITERS,
    ("GET", "/enterprises/{uscc}"): STAFF,
    ("POST", "/enterprises/{uscc}"): WRITERS,
    ("GET", "/api/v1/org-units"): ALL,
    ("GET", "/api/v1/org-units/{code}"): ALL,
    ("GET", "/api/v1/departments"): ALL,
    ("GET", "/api/v1/boundaries"): ALL,
    ("GET", "/api/v1/boundaries/neighbours"): ALL,
    ("GET", "/api/v1/enterprises"): STAFF,
    ("POST", "/api/v1/enterprises"): WRITERS,
    ("GET", "/api/v1/enterprises/{uscc}"): STAFF,
    ("PATCH", "/api/v1/enterprises/{uscc}"): WRITERS,
    ("GET", "/audit"): AUDITORS,
    ("GET", "/api/v1/audit"): AUDITORS,
    ("GET", "/indicators"): GOVERNMENT,
    ("GET", "/indicators/{code}"): GOVERNMENT,
    ("POST", "/indicators/{code}/confirm"): ADMIN,
    ("POST", "/indicators/frameworks/{code}/upload"): ADMIN,
    ("POST", "/indicators/{code}/targets"): CITY,
    ("GET", "/reports"): GOVERNMENT,
    ("POST", "/reports/open"): REPORTERS,
    ("GET", "/reports/{report_id}"): GOVERNMENT,
    ("POST", "/reports/{report_id}"): REPORTERS,
    ("POST", "/reports/{report_id}/action"): GOVERNMENT,
    ("GET", "/reports/{report_id}/template.xlsx"): GOVERNMENT,
    ("POST", "/reports/{report_id}/upload"): REPORTERS,
    ("POST", "/reports/{report_id}/evidence"): REPORTERS,
    ("GET", "/api/v1/indicators"): GOVERNMENT,
    ("GET", "/api/v1/indicators/{code}"): GOVERNMENT,
    ("POST", "/api/v1/indicators/{code}/confirm"): ADMIN,
    ("GET", "/api/v1/frameworks"): GOVERNMENT,
    ("POST", "/api/v1/frameworks/{code}/versions"): ADMIN,
    ("GET", "/api/v1/targets"): GOVERNMENT,
    ("POST", "/api/v1/indicators/{code}/targets"): CITY,
    ("GET", "/api/v1/reports"): GOVERNMENT,
    ("POST", "/api/v1/reports"): GOVERNMENT,
    ("GET", "/api/v1/reports/{report_id}"): GOVERNMENT,
    ("PUT", "/api/v1/reports/{report_id}/values"): REPORTERS,
    ("POST", "/api/v1/reports/{report_id}/actions"): GOVERNMENT,
    ("GET", "/api/v1/reports/{report_id}/template.xlsx"): GOVERNMENT,
    ("POST", "/api/v1/reports/{report_id}/upload"): REPORTERS,
    ("POST", "/api/v1/reports/{report_id}/evidence"): REPORTERS,
    ("GET", "/api/v1/evidence/{evidence_id}"): GOVERNMENT,
    ("GET", "/api/v1/reporting/completeness"): GOVERNMENT,
    ("GET", "/assessment"): GOVERNMENT,
    ("GET", "/assessment/{year}/report.docx"): GOVERNMENT,
    ("GET", "/assessment/{year}/data.xlsx"): GOVERNMENT,
    ("GET", "/assessment/{year}/counties/{code}"): GOVERNMENT,
    ("GET", "/scoring"): GOVERNMENT,
    ("GET", "/scoring/{code}"): GOVERNMENT,
    ("GET", "/scoring/{code}/scores.xlsx"): GOVERNMENT,
    ("POST", "/scoring/{code}/inputs"): CITY,
    ("POST", "/scoring/{code}/items"): CITY,
    ("GET", "/results"): ALL,
    ("GET", "/results/indicators/{code}"): ALL,
    ("GET", "/results/indicators/{code}.csv"): ALL,
    ("GET", "/api/v1/assessment/{year}"): GOVERNMENT,
    ("GET", "/api/v1/scoring/schemes"): GOVERNMENT,
    ("GET", "/api/v1/scoring/schemes/{code}/sheets"): GOVERNMENT,
    ("PUT", "/api/v1/scoring/schemes/{code}"): CITY,
    ("POST", "/api/v1/scoring/schemes/{code}/inputs"): CITY,
    ("GET", "/api/v1/results"): ALL,
    ("GET", "/api/v1/assessment/scores/latest"): ALL,
    ("POST", "/results/{year}/publish"): CITY,
    ("POST", "/api/v1/results/{year}/publish"): CITY,
    ("GET", "/api/v1/monitoring/sites"): ALL,
    ("GET", "/api/v1/monitoring/sites/{code}"): ALL,
    ("POST", "/api/v1/monitoring/sites/import"): CITY,
    ("POST", "/api/v1/monitoring/readings"): CITY,
    ("POST", "/api/v1/monitoring/readings/import"): CITY,
    ("GET", "/api/v1/monitoring/loads"): CITY,
    ("GET", "/api/v1/monitoring/loads/{load_id}/rejects"): CITY,
    ("GET", "/api/v1/monitoring/water/sections"): ALL,
    ("GET", "/api/v1/monitoring/water/sections/{code}/trend"): ALL,
    ("GET", "/api/v1/monitoring/water/summary"): ALL,
    ("GET", "/api/v1/monitoring/soil/points"): ALL,
    ("GET", "/api/v1/monitoring/soil/summary"): ALL,
    ("GET", "/water"): ALL,
    ("GET", "/water/sections/{code}"): ALL,
    ("GET", "/soil"): ALL,
    ("GET", "/air"): ALL,
    ("GET", "/api/v1/monitoring/indicators"): ALL,
    ("GET", "/api/v1/monitoring/air/days"): ALL,
    ("GET", "/api/v1/monitoring/air/stations/{code}/days"): ALL,
    ("GET", "/api/v1/monitoring/air/annual"): ALL,
    ("GET", "/api/v1/monitoring/air/ranking"): ALL,
    ("GET", "/api/v1/sources/outlets"): STAFF,
    ("GET", "/api/v1/sources/outlets/{code}"): STAFF,
    ("GET", "/api/v1/sources/devices"): STAFF,
    ("GET", "/api/v1/sources/devices/{mn}"): STAFF,
    ("GET", "/api/v1/sources/outlets/{code}/live"): STAFF,
    ("GET", "/api/v1/sources/limits"): STAFF,
    ("POST", "/api/v1/sources/import"): CITY,
    ("GET", "/api/v1/sources/warnings"): STAFF,
    ("GET", "/api/v1/sources/warnings/{warning_id}"): STAFF,
    ("POST", "/api/v1/sources/warnings/{warning_id}/actions"): WRITERS,
    ("GET", "/api/v1/sources/compliance"): STAFF,
    ("GET", "/api/v1/sources/programme"): STAFF,
    ("GET", "/sources"): STAFF,
    ("GET", "/api/v1/waste/facilities"): STAFF,
    ("POST", "/api/v1/waste/facilities"): CITY,
    ("POST", "/api/v1/waste/licences"): CITY,
    ("POST", "/api/v1/waste/approvals"): CITY,
    ("POST", "/api/v1/waste/vehicles"): PARTIES,
    ("POST", "/api/v1/waste/crew"): PARTIES,
    ("POST", "/api/v1/waste/plans"): PARTIES,
    ("POST", "/api/v1/waste/ledger"): PARTIES,
    ("GET", "/api/v1/waste/ledger/{uscc}"): STAFF,
    ("GET", "/api/v1/waste/manifests"): STAFF,
    ("POST", "/api/v1/waste/manifests"): PARTIES,
    ("GET", "/api/v1/waste/manifests/{ref}"): STAFF,
    ("POST", "/api/v1/waste/manifests/{ref}/actions/{action}"): PARTIES,
    ("GET", "/api/v1/waste/relay-offers"): STAFF,
    ("POST", "/api/v1/waste/manifests/{ref}/relay/offer"): PARTIES,
    ("POST", "/api/v1/waste/manifests/{ref}/relay/withdraw"): PARTIES,
    ("POST", "/api/v1/waste/manifests/{ref}/relay/accept"): PARTIES,
    ("GET", "/api/v1/waste/manifests/{ref}/versions/{version}"): STAFF,
    ("PUT", "/api/v1/waste/manifests/{ref}/route"): PARTIES,
    ("GET", "/api/v1/waste/manifests/{ref}/track"): STAFF,
    ("POST", "/api/v1/waste/fixes"): PARTIES,
    ("GET", "/api/v1/waste/map"): STAFF,
    ("GET", "/api/v1/waste/warnings"): STAFF,
    ("POST", "/api/v1/waste/warnings/{warning_id}/actions"): WRITERS,
    ("GET", "/api/v1/waste/indicators"): GOVERNMENT,
    ("GET", "/waste/warnings"): STAFF,
    ("POST", "/waste/warnings/{warning_id}"): WRITERS,
    ("GET", "/waste/indicators"): GOVERNMENT,
    ("GET", "/waste"): STAFF,
    ("GET", "/waste/manifests"): STAFF,
    ("GET", "/waste/manifests/{ref}"): STAFF,
    ("GET", "/waste/manifests/{ref}/versions/{version}"): STAFF,
    ("GET", "/waste/manifests/{ref}/track"): STAFF,
    ("GET", "/waste/map"): STAFF,
    ("POST", "/waste/manifests/{ref}/actions/{action}"): PARTIES,
    ("GET", "/sources/outlets/{code}"): STAFF,
    ("GET", "/sources/enterprises/{uscc}"): STAFF,
    ("GET", "/sources/devices/{mn}"): STAFF,
    ("GET", "/sources/warnings"): STAFF,
    ("POST", "/sources/warnings/{warning_id}"): WRITERS,
    ("POST", "/logout"): STAFF,  # last: it ends the session
}
#: Framework routes outside the permission gate: the API description is public.
PUBLIC_FRAMEWORK = {
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/docs"),
    ("GET", "/docs/oauth2-redirect"),
}


def app_routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = set()
    for route in app.routes:
        inner = route.original_router.routes if hasattr(route, "original_router") else [route]
        for r in inner:
            for method in getattr(r, "methods", None) or ():
                if method != "HEAD":
                    found.add((method, r.path))
    return found


def route_permission(app, method: str, path: str):  # type: ignore[no-untyped-def]
    for route in app.routes:
        inner = route.original_router.routes if hasattr(route, "original_router") else [route]
        for r in inner:
            if r.path == path and method in (getattr(r, "methods", None) or ()):
                stack = list(r.dependant.dependencies)
                while stack:
                    dep = stack.pop()
                    if hasattr(dep.call, "permission"):
                        return dep.call.permission
                    stack.extend(dep.dependencies)
    return None


def test_every_route_is_in_the_permission_table(app) -> None:  # type: ignore[no-untyped-def]
    assert app_routes(app) - PUBLIC_FRAMEWORK == set(EXPECTED)


def test_every_route_passes_the_one_permission_gate(app) -> None:  # type: ignore[no-untyped-def]
    ungated = [key for key in EXPECTED if route_permission(app, *key) is None]
    assert ungated == []


def report_for(client: TestClient, role: Role) -> int:
    """A report the role may see: its own department's for a department officer, 柯城's 2023
    report for everyone else (the demo county officer is 柯城's)."""
    db = client.app.state.db  # type: ignore[attr-defined]
    reports = indicators.list_reports(db, SYSTEM, 2023)
    if role is Role.DEPARTMENT_OFFICER:
        return next(r.id for r in reports if r.ref.department_code == "ecology_environment")
    return next(r.id for r in reports if r.ref.org_unit_code == KECHENG)


def _request(client: TestClient, method: str, path: str, csrf: str, role: Role):  # type: ignore[no-untyped-def]
    uscc = demo_enterprise(KECHENG)  # 柯城's first enterprise: the demo enterprise user's own
    if path.startswith("/lang"):
        code = "en"
    elif path.startswith(("/indicators", "/api/v1/indicators", "/results/indicators")):
        code = "QZ-036"
    elif path.startswith(("/scoring", "/api/v1/scoring")):
        code = "county-2023"
    elif "frameworks" in path:
        code = "quzhou_plan_2020"
    elif path.startswith("/water"):
        code = "QZW01"
    else:
        code = KECHENG
    concrete = (
        path.replace("{code}", code)
        .replace("{uscc}", uscc)
        .replace("{username}", "inspector")
        .replace("{token_id}", "999999")
        .replace("{session_id}", "999999")
        .replace("{evidence_id}", "999999")
        .replace("{load_id}", "999999")
        .replace("{warning_id}", "999999")
        .replace("{mn}", "NO-SUCH-MN")
        .replace("{ref}", "20253308999999")
        .replace("{action}", "submit")
        .replace("{version}", "1")
        .replace("{year}", "2023")
        .replace("{report_id}", str(report_for(client, role)))
    )
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if path.startswith("/api/"):
        bodies = {
            "/api/v1/users": {},
            "/api/v1/tokens": {},
            "/api/v1/enterprises": {"uscc": "bad", "name": "", "county_code": KECHENG},
            "/api/v1/enterprises/{uscc}": {"name": ""},
            "/api/v1/reports/{report_id}/values": {"values": {}},
            "/api/v1/scoring/schemes/{code}": {"name": "", "items": []},
            "/api/v1/scoring/schemes/{code}/inputs": {"item_code": "no-such-item"},
        }
        json = bodies.get(path, {}) if method in ("POST", "PATCH", "PUT") else None
        return client.request(method, concrete, json=json, headers=headers, follow_redirects=False)
    if method == "POST":
        form = {"csrf_token": csrf}
        if path == "/login":
            form |= {"username": "nobody", "password": "wrong-password"}
        if path.startswith("/enterprises"):
            form |= {"county_code": KECHENG, "name": ""}
        if path == "/reports/{report_id}/action":
            form |= {"action": "no-such-action"}
        return client.post(concrete, data=form, follow_redirects=False)
    return client.request(method, concrete, follow_redirects=False)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_route_decisions_for_role(client: TestClient, role: Role) -> None:
    csrf = ""
    if role is not Role.PUBLIC:
        csrf = sign_in(client, ROLE_USERS[role])
    else:
        from tests.conftest import csrf_of

        csrf = csrf_of(client)
    wrong: list[str] = []
    for (method, path), allowed in EXPECTED.items():
        response = _request(client, method, path, csrf, role)
        status = response.status_code
        to_login = status == 303 and response.headers["location"].startswith("/login?")
        refused = status in (401, 403) or to_login
        if (method, path) == ("POST", "/login"):
            refused = status == 403  # a wrong password answers 401 by design
        if role in allowed and refused:
            wrong.append(f"{method} {path}: expected allowed, got {status}")
        if role not in allowed:
            expected = (401, 303) if role is Role.PUBLIC else (403,)
            if status not in expected or (status == 303 and not to_login):
                wrong.append(f"{method} {path}: expected refusal, got {status}")
    assert wrong == []
