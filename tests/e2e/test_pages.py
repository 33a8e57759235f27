"""Every page each role can reach renders; navigation has no dead links; zh_CN first."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from ecociv.kernel import Role
from ecociv.web.nav import NAV
from tests.conftest import KECHENG, ROLE_USERS, demo_enterprise, sign_in

NAV_LINK = re.compile(r'<nav class="mainnav"[^>]*>(.*?)</nav>', re.S)


def nav_links(html: str) -> list[str]:
    found = NAV_LINK.search(html)
    assert found
    return re.findall(r'href="([^"]+)"', found.group(1))


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_navigation_link_opens(client: TestClient, role: Role) -> None:
    if role is not Role.PUBLIC:
        sign_in(client, ROLE_USERS[role])
    links = nav_links(client.get("/").text)
    assert links, "navigation is empty"
    for href in links:
        response = client.get(href)
        assert response.status_code == 200, (href, response.status_code)
        assert '<html lang="zh-CN">' in response.text


def test_public_sees_only_public_modules(client: TestClient) -> None:
    assert nav_links(client.get("/").text) == [
        "/",
        "/map",
        "/water",
        "/air",
        "/soil",
        "/orgs",
        "/results",
    ]


def test_admin_sees_every_module(client: TestClient) -> None:
    sign_in(client, "admin")
    assert nav_links(client.get("/").text) == [item.href for item in NAV]


def test_dashboard_embeds_chart_data_and_labels_synthetic_data(client: TestClient) -> None:
    sign_in(client, "cityoffice")
    html = client.get("/").text
    assert 'id="chart-areas"' in html and 'id="chart-enterprises"' in html
    assert "/static/vendor/echarts.min.js" in html
    assert "合成演示数据" in html


def test_enterprise_pages_render_with_synthetic_badge(client: TestClient) -> None:
    sign_in(client, "kecheng")
    listing = client.get(f"/enterprises?county_code={KECHENG}").text
    assert listing.count('<a href="/enterprises/9') == 6
    assert "合成演示数据" in listing
    detail = client.get(f"/enterprises/{demo_enterprise(KECHENG)}")
    assert detail.status_code == 200 and 'id="enterprise-form"' in detail.text


def test_map_page_loads_vendored_leaflet_and_no_internet_tiles(client: TestClient) -> None:
    html = client.get("/map").text
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html
    script = client.get("/static/js/map.js").text
    assert "tileLayer" not in script and "/api/v1/boundaries" in script


def test_english_switch_keeps_the_page_and_translates(client: TestClient) -> None:
    response = client.get("/lang/en?next=/orgs", follow_redirects=False)
    assert response.headers["location"] == "/orgs"
    html = client.get("/orgs").text
    assert '<html lang="en">' in html and "Municipal departments" in html
    assert "Kecheng District" in html
    client.get("/lang/zh_CN")
    assert "市直部门" in client.get("/orgs").text


def test_unknown_page_is_a_404_page(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.text


def test_enterprise_form_shows_every_error_and_keeps_input(client: TestClient) -> None:
    token = sign_in(client, "kecheng")
    response = client.post(
        "/enterprises/new",
        data={
            "csrf_token": token,
            "uscc": "91330802MA2E0B0C1X",
            "name": "x",
            "county_code": KECHENG,
            "longitude": "abc",
            "latitude": "29",
        },
    )
    assert response.status_code == 422
    assert 'data-field="uscc"' in response.text or 'data-field="longitude"' in response.text
    assert 'value="91330802MA2E0B0C1X"' in response.text


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/enterprises" in spec["paths"]
    assert not any(path.startswith("/enterprises") for path in spec["paths"])
