"""The public pages of environmental quality over the synthetic demo year: the water map, a
section's detail, farmland soil and air quality."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from fastapi.testclient import TestClient

from tests.conftest import sign_in

pytestmark = pytest.mark.usefixtures("demo_readings")

TEMPLATES = Path(__file__).resolve().parents[2] / "src/ecociv/monitoring/templates"
#: 24 surface-water sections and 6 drinking-water sources in the demo.
WATER_SITES = 30
#: The boundary section whose June is 劣V (NH3-N after the plum rains); class III over 2025.
STORM_SECTION = "QZW15"
STORM_CHIEF = "江山港江山市段河长（演示）"
KECHENG = "330802"


def points(html: str) -> list[dict[str, Any]]:
    """The map's markers, as the page hands them to the script."""
    found = re.search(r'<script type="application/json" id="water-points">(.*?)</script>', html)
    assert found, "no marker data on the page"
    data: list[dict[str, Any]] = json.loads(found.group(1))
    return data


def table_codes(html: str) -> list[str]:
    body = html.split('id="sections-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-code="([^"]+)"', body)


def test_the_public_sees_every_water_site_coloured_by_its_class(client: TestClient) -> None:
    response = client.get("/water")
    assert response.status_code == 200
    html = response.text
    markers = points(html)
    assert len(markers) == WATER_SITES
    assert all(m["lat"] and m["lon"] and m["colour"].startswith("#") for m in markers)
    storm = next(m for m in markers if m["code"] == STORM_SECTION)
    assert (storm["label"], storm["colour"], storm["target"]) == ("III", "#3cb44b", "III")
    assert storm["url"] == f"/water/sections/{STORM_SECTION}?year=2025"
    assert sorted(table_codes(html)) == sorted(m["code"] for m in markers)
    assert 'id="synthetic-badge"' in html and "合成演示数据" in html
    # the legend I … 劣V, and the county and river shares with the city last
    assert re.search(r"劣V · 重度污染", html)
    county_table = html.split('id="summary-county"', 1)[1].split("</table>", 1)[0]
    assert county_table.rstrip().count("<tr") == 1 + 6 + 1
    assert "衢州市" in county_table.split("<tr")[-1]
    # the public finds the three pages in the navigation
    for href in ("/water", "/air", "/soil"):
        assert f'href="{href}"' in html


def test_a_month_is_judged_on_its_own_means(client: TestClient) -> None:
    html = client.get("/water", params={"period": "2025-06"}).text
    storm = next(m for m in points(html) if m["code"] == STORM_SECTION)
    assert (storm["label"], storm["colour"]) == ("劣V", "#e02020")
    assert storm["attains"] is False
    row = html.split(f'<tr data-code="{STORM_SECTION}">', 1)[1].split("</tr>", 1)[0]
    assert "劣V" in row and "未达标" in row and "氨氮" in row


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"county": KECHENG}, lambda m: m["county"] == "柯城区"),
        ({"river": "江山港"}, lambda m: m["river"] == "江山港"),
        ({"kind": "drinking_water_source"}, lambda m: m["kind"] == "drinking_water_source"),
    ],
    ids=["county", "river", "kind"],
)
def test_a_filter_narrows_the_listed_sections(
    client: TestClient, params: dict[str, str], check: Any
) -> None:
    html = client.get("/water", params={"period": "2025"} | params).text
    markers = points(html)
    assert 0 < len(markers) < WATER_SITES
    assert all(check(m) for m in markers)
    assert sorted(table_codes(html)) == sorted(m["code"] for m in markers)
    key, value = next(iter(params.items()))
    assert re.search(rf'<option value="{re.escape(value)}" selected>', html), key


def test_a_section_shows_its_river_chief_and_its_twelve_months(client: TestClient) -> None:
    response = client.get(f"/water/sections/{STORM_SECTION}", params={"year": 2025})
    assert response.status_code == 200
    html = response.text
    assert f'<dd id="river-chief">{STORM_CHIEF}</dd>' in html
    assert "交接断面" in html and "江山市" in html
    months = re.findall(r'<tr data-period="(2025-\d\d)">', html)
    assert months == [f"2025-{m:02d}" for m in range(1, 13)]
    june = html.split('<tr data-period="2025-06">', 1)[1].split("</tr>", 1)[0]
    assert "劣V" in june and "超标" in june
    chart = json.loads(
        re.search(r'id="water-trend-data">(.*?)</script>', html).group(1)  # type: ignore[union-attr]
    )
    assert chart["classes"][5] == 6 and chart["target"] == 3
    assert chart["limits"]["nh3n"] == 1.0  # GB 3838-2002 class III
    assert 'id="synthetic-badge"' in html
    # the map's side panel gets the detail alone
    partial = client.get(f"/water/sections/{STORM_SECTION}", params={"year": 2025, "partial": 1})
    assert "<html" not in partial.text and STORM_CHIEF in partial.text
    assert 'id="water-trend-data"' in partial.text


def test_an_unknown_section_or_period_is_refused_clearly(client: TestClient) -> None:
    assert client.get("/water/sections/NOPE").status_code == 404
    assert client.get("/water", params={"period": "2025-13"}).status_code == 422


def test_signed_in_staff_see_the_same_pages(client: TestClient) -> None:
    sign_in(client, "kecheng")
    assert STORM_CHIEF in client.get(f"/water/sections/{STORM_SECTION}").text
    assert len(points(client.get("/water").text)) == WATER_SITES
    assert client.get("/soil").status_code == 200


def test_the_soil_page_lists_each_point_with_its_category(client: TestClient) -> None:
    response = client.get("/soil")
    assert response.status_code == 200
    html = response.text
    rows = re.findall(r'<tr data-code="(QZS\d+)">', html)
    assert len(rows) == 30
    strict = html.split('<tr data-code="QZS07">', 1)[1].split("</tr>", 1)[0]
    assert "严格管控" in strict and "Cd 1.86 &gt; 0.3" in strict
    summary = html.split('id="soil-summary"', 1)[1].split("</table>", 1)[0]
    assert "衢州市" in summary.split("<tr")[-1]
    chart = json.loads(re.search(r'id="soil-data">(.*?)</script>', html).group(1))  # type: ignore[union-attr]
    assert chart["categories"] == ["优先保护", "安全利用", "严格管控"]
    assert sum(sum(v) for v in chart["counts"].values()) == 30
    assert 'id="synthetic-badge"' in html
    only = client.get("/soil", params={"county": KECHENG}).text
    assert len(re.findall(r'<tr data-code="(QZS\d+)">', only)) == 5


def test_the_air_page_shows_the_calendar_the_month_and_the_ranking(client: TestClient) -> None:
    response = client.get("/air", params={"county": KECHENG, "year": 2025, "month": 1})
    assert response.status_code == 200
    html = response.text
    calendar = json.loads(
        re.search(r'id="aqi-calendar-data">(.*?)</script>', html).group(1)  # type: ignore[union-attr]
    )
    assert calendar["year"] == 2025 and len(calendar["days"]) == 365
    days = re.findall(r'<tr data-day="(2025-01-\d\d)">', html)
    assert len(days) == 31
    table = html.split('id="aqi-days"', 1)[1].split("</table>", 1)[0]
    assert table.count('data-edition="2012">HJ 633-2012<') == 31
    assert re.search(r'id="good-day-ratio">\d+\.\d%<', html)
    ranking = html.split('id="air-ranking"', 1)[1].split("</table>", 1)[0]
    assert ranking.count("<tr data-code=") == 6
    annual = html.split('id="air-annual"', 1)[1].split("</table>", 1)[0]
    assert "PM2.5" in annual and "GB 3095-2012" in html
    assert 'id="synthetic-badge"' in html


def test_the_pages_in_english(client: TestClient) -> None:
    client.get("/lang/en", params={"next": "/water"})
    water = client.get("/water").text
    assert '<html lang="en">' in water
    assert "Water environment map" in water and "水环境地图" not in water
    section = client.get(f"/water/sections/{STORM_SECTION}").text
    assert "River chief" in section and "ammonia nitrogen" in section
    soil = client.get("/soil").text
    assert "Strict control" in soil and "Farmland soil" in soil


def _msgids() -> set[str]:
    """The English messages of these pages (those with a space: plain words may be data)."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(TEMPLATES), [("**.html", "jinja2")], keywords={"_": None}
    ):
        if isinstance(message, str) and " " in message and "%(" not in message:
            found.add(message)
    return found


def test_no_message_is_left_in_english_on_the_chinese_pages(client: TestClient) -> None:
    messages = _msgids()
    assert len(messages) > 20
    pages = [
        client.get("/water").text,
        client.get(f"/water/sections/{STORM_SECTION}").text,
        client.get("/soil").text,
    ]
    left = sorted(m for m in messages for html in pages if m in html)
    assert left == []


def test_an_indicator_page_shows_the_figures_the_monitoring_data_give(client: TestClient) -> None:
    sign_in(client, "cityoffice")
    html = client.get("/indicators/N2019-08").text
    panel = html.split('id="monitoring-figures"', 1)[1].split("</section>", 1)[0]
    assert "2025" in panel and "合成演示数据" in panel
    city = re.findall(
        r"<tr><td>衢州市</td><td>([^<]+)</td>\s*<td class=\"num\">([^<]+)</td>", panel
    )
    # every demo section is class III or better over 2025 (the June 劣V at the boundary
    # section is one month; its year is III), so none is worse than V
    figures = {measure: value.strip() for measure, value in city}
    assert figures["水质达到或优于Ⅲ类比例"] == "100.0 %"
    assert figures["劣Ⅴ类水体比例"] == "0.0 %"
    assert 'id="monitoring-figures"' not in client.get("/indicators/QZ-036").text
