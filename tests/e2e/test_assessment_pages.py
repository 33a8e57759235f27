"""Assessment pages, score sheets and the public results, through real requests.

Expected numbers are computed from the services (or by hand from the scheme's rules), then
looked for on the page: the pages must show what the services computed, never live data on
the public side before the city office publishes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from ecociv import assessment, indicators
from ecociv.adapters.db import Database
from ecociv.indicators import Confirmation
from tests.conftest import JIANGSHAN, KECHENG, SYSTEM, sign_in

QUJIANG = "330803"  # 衢江区: its 2023 report is returned, not accepted
SCHEME = "county-2023"


def database(client: TestClient) -> Database:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    return db


def anonymous(client: TestClient) -> TestClient:
    """A second browser on the same application, never signed in."""
    return TestClient(client.app)


def ranking(html: str, table: str) -> dict[str, tuple[int, float, str]]:
    """subject → (rank, total, grade) from the ranking table whose opening tag has ``table``."""
    found = re.search(rf"<table [^>]*{re.escape(table)}[^>]*>(.*?)</table>", html, re.S)
    assert found, table
    rows = {}
    for subject, body in re.findall(r'<tr data-subject="([^"]+)">(.*?)</tr>', found.group(1), re.S):
        rank = re.search(r'<td class="num">(\d+)</td>', body)
        total = re.search(r'class="num total">([\d.]+)<', body)
        grade = re.search(r'class="grade">([^<]+)', body)
        assert rank and total and grade, body
        rows[subject] = (int(rank.group(1)), float(total.group(1)), grade.group(1).strip())
    return rows


def scheme_ranking(html: str) -> dict[str, tuple[int, float, str]]:
    return ranking(html, 'id="ranking"')


def published_ranking(html: str, scheme: str = SCHEME) -> dict[str, tuple[int, float, str]]:
    return ranking(html, f'data-scheme="{scheme}"')


def live_totals(client: TestClient, scheme: str = SCHEME) -> dict[str, tuple[int, float, str]]:
    scored = assessment.score_year(database(client), SYSTEM, scheme)
    return {s.subject: (r, s.total, s.grade) for r, s in scored.ranked}


# ---- staff pages ------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["cityoffice", "inspector", "kecheng", "eco_bureau"])
def test_assessment_pages_render_for_government_roles(client: TestClient, username: str) -> None:
    sign_in(client, username)
    for page in (
        "/assessment",
        "/assessment?year=2022",
        f"/assessment/2023/counties/{KECHENG}",
        "/scoring",
        f"/scoring/{SCHEME}",
        "/scoring/department-2023",
    ):
        response = client.get(page)
        assert response.status_code == 200, page
        assert '<html lang="zh-CN">' in response.text


def test_enterprise_user_may_not_open_the_assessment(client: TestClient) -> None:
    sign_in(client, "enterprise")
    assert client.get("/assessment").status_code == 403
    assert client.get("/scoring").status_code == 403
    assert client.get("/results").status_code == 200


def test_overview_shows_the_city_shares_and_the_traffic_grid(client: TestClient) -> None:
    sign_in(client, "cityoffice")
    year = assessment.assess_year(database(client), SYSTEM, 2023)
    city = year.unit("330800")
    html = client.get("/assessment").text  # default: the latest year with data, 2023
    assert "评估 · 2023" in html
    assert f'id="city-share">{city.share():.1f}%<' in html
    assert f'id="city-share-binding">{city.share(True):.1f}%<' in html
    assert "合成演示数据" in html and 'id="chart-areas"' in html
    chart = json.loads(re.search(r'id="areas-data">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert chart["areas"] == list(year.areas)
    for status in ("attained", "not_attained", "no_data", "not_applicable"):
        assert chart["counts"][status] == [c[status] for c in year.areas.values()]
    # the grid: 柯城 attains forest cover QZ-036 in 2023 (52.47 ≥ 52), links to the indicator
    kecheng = {i.indicator.code: i for i in year.unit(KECHENG).items}["QZ-036"]
    assert kecheng.attainment.status is assessment.AttainmentStatus.ATTAINED
    row = re.search(r'<tr data-indicator="QZ-036">(.*?)</tr>', html, re.S).group(1)  # type: ignore[union-attr]
    cell = re.search(rf'data-county="{KECHENG}" data-status="(\w+)"><a ([^>]*)>([^<]+)<', row)
    assert cell and cell.group(1) == "attained"
    assert 'href="/indicators/QZ-036"' in cell.group(2) and "traffic-attained" in cell.group(2)
    assert cell.group(3) == f"{kecheng.value:.2f}"
    # 衢江's 2023 report is not accepted: no data in the official view
    assert f'data-county="{QUJIANG}" data-status="no_data"' in row
    # progress: every numeric city indicator, with its status
    assert html.count('<tr data-indicator="QZ-036" class=') == 1
    assert "/assessment/2023/report.docx" in html and "/assessment/2023/data.xlsx" in html


def test_including_pending_data_is_labelled_and_changes_the_numbers(client: TestClient) -> None:
    sign_in(client, "cityoffice")
    db = database(client)
    official = assessment.assess_year(db, SYSTEM, 2023).unit(QUJIANG)
    pending = assessment.assess_year(db, SYSTEM, 2023, accepted_only=False).unit(QUJIANG)
    assert official.share() == 0.0 and pending.share() is not None and pending.share() > 0
    html = client.get("/assessment?year=2023&include_pending=1").text
    assert 'id="pending-notice"' in html and "非正式" in html
    row = re.search(rf'<tr data-county="{QUJIANG}">(.*?)</tr>', html, re.S).group(1)  # type: ignore[union-attr]
    assert f"{pending.share():.1f}%" in row
    assert "cell-pending" in html
    official_html = client.get("/assessment?year=2023").text
    assert 'id="pending-notice"' not in official_html
    row = re.search(rf'<tr data-county="{QUJIANG}">(.*?)</tr>', official_html, re.S).group(1)  # type: ignore[union-attr]
    assert "0.0%" in row


def test_county_report_card_shows_targets_gaps_and_score_sheets(client: TestClient) -> None:
    sign_in(client, "inspector")
    db = database(client)
    unit = assessment.assess_year(db, SYSTEM, 2023).unit(KECHENG)
    html = client.get(f"/assessment/2023/counties/{KECHENG}").text
    assert f'id="county-share">{unit.share():.1f}%<' in html
    for item in unit.items:
        row = re.search(
            rf'<tr data-indicator="{re.escape(item.indicator.code)}"[^>]*>(.*?)</tr>', html, re.S
        )
        assert row, item.indicator.code
        if item.target is not None:
            assert item.target.describe() in row.group(1)
        assert f"traffic-{item.attainment.status.value}" in row.group(1)
        assert ("全市目标" in row.group(1)) == item.target_from_city
    assert any(i.target_from_city for i in unit.items)
    # the county scheme of 2023: 柯城 ranks first with 100 + 2 bonus, capped to 良好
    rank, total, grade = live_totals(client)[KECHENG]
    assert (rank, total, grade) == (1, 102.0, "良好")
    sheet = re.search(rf'data-scheme="{SCHEME}">(.*?)</section>', html, re.S).group(1)  # type: ignore[union-attr]
    assert '<strong class="sheet-total">102.00</strong>' in sheet and "良好" in sheet
    assert "第 1 名（共 6）" in sheet
    assert client.get("/assessment/2023/counties/330800").status_code == 404
    assert client.get("/assessment/2023/counties/999999").status_code == 404


def test_scheme_page_ranks_as_the_service_scores(client: TestClient) -> None:
    sign_in(client, "inspector")
    html = client.get(f"/scoring/{SCHEME}").text
    assert scheme_ranking(html) == live_totals(client)
    assert html.count('<details class="sheet"') == 6
    assert 'id="input-form"' not in html and 'id="items-form"' not in html  # read only
    assert 'id="publish-form"' not in html


def test_recording_a_fact_changes_the_total_as_computed_by_hand(client: TestClient) -> None:
    token = sign_in(client, "cityoffice")
    db = database(client)
    scored = assessment.score_year(db, SYSTEM, SCHEME)
    rank, total, grade = next(
        (r, s.total, s.grade) for r, s in scored.ranked if s.subject == JIANGSHAN
    )
    sheet = next(s for _r, s in scored.ranked if s.subject == JIANGSHAN)
    incidents = next(i for i in sheet.items if i.code == "incidents")
    assert (incidents.full_marks, incidents.points) == (10.0, 10.0)  # no events recorded yet
    # 生态环境问题: 10 points, 5 deducted per event → one event leaves 5, the total falls by 5
    response = client.post(
        f"/scoring/{SCHEME}/inputs",
        data={
            "csrf_token": token,
            "item_code": "incidents",
            "subject": JIANGSHAN,
            "event_count": "1",
            "note": "2023-06 督察反馈问题",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get(f"/scoring/{SCHEME}").text
    cutoffs = scored.scheme.scheme.grade_cutoffs  # 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60
    regraded = next(g for threshold, g in cutoffs if total - 5.0 >= threshold)
    assert (
        sheet.capped_to is None
        and not sheet.vetoed
        and grade == next(g for threshold, g in cutoffs if total >= threshold)
    )
    assert scheme_ranking(page)[JIANGSHAN] == (rank, total - 5.0, regraded)
    details = re.search(
        rf'<details class="sheet" id="subject-{JIANGSHAN}"(.*?)</details>', page, re.S
    )
    assert details
    assert re.search(r'data-item="incidents">.*?class="num points">5.0<', details.group(1))
    # a veto: the total stays, the grade falls to 不合格 and the county ranks last
    client.post(
        f"/scoring/{SCHEME}/inputs",
        data={"csrf_token": token, "item_code": "veto", "subject": JIANGSHAN, "triggered": "1"},
    )
    assert scheme_ranking(client.get(f"/scoring/{SCHEME}").text)[JIANGSHAN] == (
        6,
        total - 5.0,
        "不合格",
    )
    # an unknown subject is refused with a message, nothing recorded
    response = client.post(
        f"/scoring/{SCHEME}/inputs",
        data={"csrf_token": token, "item_code": "incidents", "subject": "ecology_environment"},
    )
    assert "不是本方案的考核对象" in response.text
    assert live_totals(client)[JIANGSHAN] == (6, total - 5.0, "不合格")


def test_saving_a_scheme_with_a_bad_item_kind_shows_the_error_and_saves_nothing(
    client: TestClient,
) -> None:
    token = sign_in(client, "admin")
    db = database(client)
    before = assessment.get_scheme(db, SYSTEM, SCHEME).scheme
    textarea = re.search(
        r'name="items_json"[^>]*>(.*?)</textarea>', client.get(f"/scoring/{SCHEME}").text, re.S
    )
    assert textarea
    items = json.loads(unescape(textarea.group(1)))
    assert [i["code"] for i in items] == [i.code for i in before.items]
    items[1]["kind"] = "no_such_kind"
    items[0]["full_marks"] = 99  # would change the total if anything were saved
    response = client.post(
        f"/scoring/{SCHEME}/items",
        data={"csrf_token": token, "items_json": json.dumps(items, ensure_ascii=False)},
    )
    assert response.status_code == 422
    errors = re.search(r'id="scheme-errors"(.*?)</div>', response.text, re.S)
    assert errors and "item 2: kind" in errors.group(1) and "code hw" in errors.group(1)
    assert "no_such_kind" in errors.group(1)
    assert "no_such_kind" in response.text.split('name="items_json"')[1]  # the text is kept
    assert assessment.get_scheme(db, SYSTEM, SCHEME).scheme == before
    # and good items are saved: full marks of the first item 15 → 20 raise 柯城's base by 5
    items[1]["kind"] = "binary"
    items[0]["full_marks"] = 20
    response = client.post(
        f"/scoring/{SCHEME}/items",
        data={"csrf_token": token, "items_json": json.dumps(items, ensure_ascii=False)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert assessment.get_scheme(db, SYSTEM, SCHEME).scheme.items[0].full_marks == 20
    assert live_totals(client)[KECHENG][1] == 107.0


def test_a_county_officer_cannot_post_scoring_inputs(client: TestClient) -> None:
    token = sign_in(client, "kecheng")
    form = {"csrf_token": token, "item_code": "incidents", "subject": KECHENG, "event_count": "0"}
    assert client.post(f"/scoring/{SCHEME}/inputs", data=form).status_code == 403
    api = client.post(
        f"/api/v1/scoring/schemes/{SCHEME}/inputs",
        json={"item_code": "incidents", "subject": KECHENG, "payload": {"event_count": 0}},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 403
    assert client.post("/results/2023/publish", data={"csrf_token": token}).status_code == 403
    assert live_totals(client)[KECHENG] == (1, 102.0, "良好")


# ---- publication and the public side ------------------------------------------------------


def test_results_show_nothing_live_before_publishing_and_the_ranking_after(
    client: TestClient,
) -> None:
    public = anonymous(client)
    before = public.get("/results")
    assert before.status_code == 200
    # the demo publishes 2021 only: nothing of 2023 is public yet
    assert 'id="year-2021"' in before.text and 'id="year-2023"' not in before.text
    assert f'data-scheme="{SCHEME}"' not in before.text
    assert public.get("/api/v1/assessment/scores/latest").json()["year"] == 2021
    assert [p["year"] for p in public.get("/api/v1/results").json()] == [2021]

    token = sign_in(client, "cityoffice")
    expected = live_totals(client)
    response = client.post(
        "/results/2023/publish", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/results#year-2023"

    html = public.get("/results").text
    assert 'id="year-2023"' in html and "合成演示数据" in html
    assert published_ranking(html) == expected
    city = assessment.assess_year(database(client), SYSTEM, 2023).unit("330800")
    assert f'<span class="kpi-value city-share">{city.share():.1f}%<' in html
    latest = public.get("/api/v1/assessment/scores/latest").json()
    assert latest["year"] == 2023 and latest["scheme"] == SCHEME
    assert {c: (s["total"], s["grade"]) for c, s in latest["scores"].items()} == {
        c: (t, g) for c, (_r, t, g) in expected.items()
    }
    assert latest["scores"][KECHENG]["name"] == "柯城区"

    # live changes after publication do not reach the public page
    client.post(
        f"/scoring/{SCHEME}/inputs",
        data={
            "csrf_token": token,
            "item_code": "incidents",
            "subject": KECHENG,
            "event_count": "2",
        },
    )
    assert live_totals(client)[KECHENG][1] == 92.0
    html = public.get("/results").text
    assert published_ranking(html)[KECHENG] == (1, 102.0, "良好")


def test_public_indicator_page_and_csv_hold_accepted_data_only(client: TestClient) -> None:
    public = anonymous(client)
    db = database(client)
    accepted = indicators.indicator_series(db, SYSTEM, "QZ-036", accepted_only=True)
    everything = indicators.indicator_series(db, SYSTEM, "QZ-036")
    pending_value = everything.values[QUJIANG][2023]
    assert everything.states[QUJIANG][2023] != "accepted" and pending_value is not None
    assert 2023 not in accepted.values[QUJIANG]

    page = public.get("/results/indicators/QZ-036")
    assert page.status_code == 200 and "合成演示数据" in page.text
    assert f"{pending_value:.2f}" not in page.text
    assert f"{accepted.values[QUJIANG][2022]:.2f}" in page.text

    response = public.get("/results/indicators/QZ-036.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["org_unit_code", "org_unit_name", "year", "value"]
    got = {(r[0], int(r[2])): float(r[3]) for r in rows[1:]}
    want = {
        (unit, year): value
        for unit, by_year in accepted.values.items()
        for year, value in by_year.items()
        if value is not None
    }
    assert got == pytest.approx(want)
    assert (QUJIANG, 2023) not in got
    assert [r[1] for r in rows[1:] if r[0] == QUJIANG][0] == "衢江区"
    assert str(pending_value) not in response.text


def test_an_unconfirmed_national_indicator_is_not_public(client: TestClient) -> None:
    public = anonymous(client)
    unconfirmed = next(
        i
        for i in indicators.list_indicators(database(client), SYSTEM, "national_demo_2019")
        if i.confirmation is not Confirmation.CONFIRMED
    )
    assert public.get(f"/results/indicators/{unconfirmed.code}.csv").status_code == 404
    assert public.get(f"/results/indicators/{unconfirmed.code}").status_code == 404
    listing = public.get("/results").text
    assert f'data-indicator="{unconfirmed.code}"' not in listing
    assert 'data-indicator="QZ-036"' in listing


# ---- API and documents --------------------------------------------------------------------


def test_assessment_api_uses_accepted_data_unless_asked(client: TestClient) -> None:
    sign_in(client, "inspector")
    official = client.get("/api/v1/assessment/2023").json()
    pending = client.get("/api/v1/assessment/2023?include_pending=true").json()
    share = {u["code"]: u["share"] for u in official["units"]}
    assert official["accepted_only"] is True and pending["accepted_only"] is False
    assert share[QUJIANG] == 0.0
    assert {u["code"]: u["share"] for u in pending["units"]}[QUJIANG] > 0
    forest = next(
        i
        for u in official["units"]
        if u["code"] == KECHENG
        for i in u["items"]
        if i["indicator"] == "QZ-036"
    )
    assert forest["status"] == "attained" and forest["target_text"].startswith("≥")
    sheets = client.get(f"/api/v1/scoring/schemes/{SCHEME}/sheets").json()
    assert {s["subject"]: (s["rank"], s["total"], s["grade"]) for s in sheets["sheets"]} == (
        live_totals(client)
    )
    assert (sheets["sheets"][0]["subject"], sheets["sheets"][0]["total"]) == (KECHENG, 102.0)
    assert sheets["sheets"][0]["capped_to"] == "良好"


def test_scheme_api_refuses_a_bad_kind_naming_the_item(client: TestClient) -> None:
    token = sign_in(client, "cityoffice")
    schemes = client.get("/api/v1/scoring/schemes").json()
    scheme = next(s for s in schemes if s["code"] == SCHEME)
    body = {
        k: scheme[k]
        for k in ("name", "year", "subject_kind", "items", "grade_cutoffs", "bonus_cap")
    }
    body["items"][2]["kind"] = "nonsense"
    response = client.put(
        f"/api/v1/scoring/schemes/{SCHEME}", json=body, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "items.2.kind"
    body["items"][2]["kind"] = "state_ladder"
    body["bonus_cap"] = 1
    saved = client.put(
        f"/api/v1/scoring/schemes/{SCHEME}", json=body, headers={"X-CSRF-Token": token}
    )
    assert saved.status_code == 200 and saved.json()["bonus_cap"] == 1
    assert live_totals(client)[KECHENG][1] == 101.0  # 100 + bonus 2 capped at 1


@pytest.mark.parametrize(("where", "text"), [("name", "县级考核\b方案"), ("item", "得分\u0001项")])
def test_a_control_character_in_a_scheme_is_refused_and_the_downloads_still_answer(
    client: TestClient, where: str, text: str
) -> None:
    """A control character cannot be written into .docx or .xlsx: it is refused at the door
    (issue 11, item 14), so the report and the score workbook keep answering."""
    token = sign_in(client, "cityoffice")
    scheme = next(s for s in client.get("/api/v1/scoring/schemes").json() if s["code"] == SCHEME)
    body = {
        k: scheme[k]
        for k in ("name", "year", "subject_kind", "items", "grade_cutoffs", "bonus_cap")
    }
    if where == "name":
        body["name"] = text
        field = "name"
    else:
        body["items"][0]["name"] = text
        field = "items.0.name"
    response = client.put(
        f"/api/v1/scoring/schemes/{SCHEME}", json=body, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    for url in (f"/scoring/{SCHEME}/scores.xlsx?include_pending=1", "/assessment/2023/report.docx"):
        assert client.get(url).status_code == 200, url


def test_word_and_excel_downloads(client: TestClient) -> None:
    sign_in(client, "inspector")
    for url, suffix in (
        ("/assessment/2023/report.docx", ".docx"),
        ("/assessment/2023/data.xlsx", ".xlsx"),
        (f"/scoring/{SCHEME}/scores.xlsx", ".xlsx"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.content[:2] == b"PK"  # an Office Open XML package
        assert "attachment" in response.headers["content-disposition"]
        assert response.headers["content-disposition"].endswith(suffix)


def test_csrf_token_is_needed_to_publish(client: TestClient) -> None:
    sign_in(client, "cityoffice")
    assert client.post("/results/2023/publish", data={}).status_code == 403
    published = assessment.publications(database(client), SYSTEM)
    assert [p["year"] for p in published] == [2021]  # the demo's; 2023 was not published
