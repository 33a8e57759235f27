"""Pages: the city's assessment, a county's report card, score sheets, the public results."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ecociv import indicators, orgs
from ecociv.adapters.db import Database
from ecociv.adapters.http import (
    XLSX_TYPE,
    YearOrDefault,
    YearPath,
    download,
    flash,
    get_db,
    redirect,
    render,
    require,
    script_json,
)
from ecociv.adapters.tables import csv_row
from ecociv.assessment import documents, services
from ecociv.assessment.schemas import scheme_item_out
from ecociv.kernel import (
    Actor,
    EcocivError,
    NotFoundError,
    Permission,
    SystemClock,
    ValidationError,
    can,
)

router = APIRouter(include_in_schema=False)

CITY = orgs.CITY_CODE
XLSX = XLSX_TYPE
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FIRST_YEAR = 2017
#: Chart order of attainment statuses (bottom to top of a stacked bar).
STATUS_ORDER = ("attained", "not_attained", "no_data", "not_applicable")


def _years(db: Database, actor: Actor) -> tuple[int, list[int]]:
    """The latest year with data and every year since the plan's base year."""
    latest = indicators.latest_year(db, actor)
    return latest, list(range(FIRST_YEAR, max(latest, FIRST_YEAR) + 1))


def _county_schemes(db: Database, actor: Actor, year: int) -> list[services.SchemeInfo]:
    return [
        s
        for s in services.list_schemes(db, actor)
        if s.scheme.year == year and s.subject_kind == "county"
    ]


# ---- the city's assessment -------------------------------------------------------------


@router.get("/assessment", response_class=HTMLResponse)
def overview(
    request: Request,
    year: YearOrDefault = 0,
    include_pending: int = 0,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ASSESSMENT_READ)),
) -> HTMLResponse:
    """Attainment by area, the traffic-light grid of counties and progress toward targets."""
    latest, years = _years(db, actor)
    year = year or latest
    assessment = services.assess_year(db, actor, year, accepted_only=not include_pending)
    city = assessment.unit(CITY)
    counties = [u for u in assessment.units if u.org_unit_code != CITY]
    cells = {(u.org_unit_code, i.indicator.code): i for u in counties for i in u.items}
    reported = [
        i
        for i in city.items
        if any(e.form is indicators.FormKind.COUNTY for e in i.indicator.elements)
    ]
    numeric = [
        i
        for i in city.items
        if i.indicator.value_kind in (indicators.ValueKind.NUMBER, indicators.ValueKind.PERCENT)
    ]
    chart = {
        "areas": list(assessment.areas),
        "statuses": list(STATUS_ORDER),
        "counts": {s: [c.get(s, 0) for c in assessment.areas.values()] for s in STATUS_ORDER},
    }
    return render(
        request,
        "assessment/overview.html",
        {
            "assessment": assessment,
            "year": year,
            "years": years,
            "include_pending": bool(include_pending),
            "city": city,
            "counties": counties,
            "reported": reported,
            "cells": cells,
            "numeric": numeric,
            "chart_json": script_json(chart),
            "area_en": {
                i.indicator.area_zh: i.indicator.area_en
                for i in city.items
                if i.indicator.area_zh and i.indicator.area_en
            },
            "schemes": [s for s in services.list_schemes(db, actor) if s.scheme.year == year],
            "published": {p["year"] for p in services.publications(db, actor)},
            "may_publish": can(actor, Permission.RESULTS_PUBLISH),
        },
    )


@router.get("/assessment/{year}/report.docx")
def report_docx(
    year: YearPath,
    include_pending: int = 0,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ASSESSMENT_READ)),
) -> Response:
    """The year's assessment report (Word): city, counties and every scheme of the year."""
    accepted_only = not include_pending
    assessment = services.assess_year(db, actor, year, accepted_only=accepted_only)
    scored = [
        services.score_year(db, actor, s.scheme.code, accepted_only=accepted_only)
        for s in services.list_schemes(db, actor)
        if s.scheme.year == year
    ]
    data = documents.assessment_report_docx(assessment, scored, generated_at=SystemClock().now())
    suffix = "" if accepted_only else "-含未采纳数据"
    return download(data, f"衢州市{year}年度生态文明建设示范市创建评估报告{suffix}.docx", DOCX)


@router.get("/assessment/{year}/data.xlsx")
def data_xlsx(
    year: YearPath,
    include_pending: int = 0,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ASSESSMENT_READ)),
) -> Response:
    """The year's attainment data of every unit and indicator (Excel)."""
    assessment = services.assess_year(db, actor, year, accepted_only=not include_pending)
    suffix = "" if not include_pending else "-含未采纳数据"
    return download(
        documents.assessment_xlsx(assessment), f"衢州市{year}年度评估数据{suffix}.xlsx", XLSX
    )


@router.get("/assessment/{year}/counties/{code}", response_class=HTMLResponse)
def county_card(
    request: Request,
    year: YearPath,
    code: str,
    include_pending: int = 0,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ASSESSMENT_READ)),
) -> HTMLResponse:
    """A county's report card: every assessed indicator and its score sheets of the year."""
    assessment = services.assess_year(db, actor, year, accepted_only=not include_pending)
    if code == CITY or code not in {u.org_unit_code for u in assessment.units}:
        raise NotFoundError(f"没有县（市、区）{code} (no such county)")
    sheets = []
    for info in _county_schemes(db, actor, year):
        scored = services.score_year(db, actor, info.scheme.code, accepted_only=not include_pending)
        found = next(((r, s) for r, s in scored.ranked if s.subject == code), None)
        if found is not None:
            sheets.append(
                {"info": info, "rank": found[0], "sheet": found[1], "of": len(scored.ranked)}
            )
    return render(
        request,
        "assessment/county.html",
        {
            "assessment": assessment,
            "unit": assessment.unit(code),
            "year": year,
            "include_pending": bool(include_pending),
            "sheets": sheets,
        },
    )


# ---- scoring ----------------------------------------------------------------------------


@router.get("/scoring", response_class=HTMLResponse)
def schemes(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ASSESSMENT_READ)),
) -> HTMLResponse:
    """Every scoring scheme (年度工作任务书及评分标准)."""
    return render(
        request,
        "assessment/schemes.html",
        {
            "schemes": services.list_schemes(db, actor),
            "published": {p["year"] for p in services.publications(db, actor)},
        },
    )


def _scheme_context(
    db: Database,
    actor: Actor,
    code: str,
    include_pending: bool = False,
    items_text: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    scored = services.score_year(db, actor, code, accepted_only=not include_pending)
    scheme = scored.scheme.scheme
    year_publications = [p for p in services.publications(db, actor) if p["year"] == scheme.year]
    chart = {
        "names": [scored.names.get(s.subject, s.subject) for _r, s in scored.ranked],
        "totals": [s.total for _r, s in scored.ranked],
        "grades": [s.grade for _r, s in scored.ranked],
        "vetoed": [s.vetoed for _r, s in scored.ranked],
        "grade_order": [g for _t, g in scheme.grade_cutoffs],
    }
    return {
        "scored": scored,
        "scheme": scheme,
        "include_pending": include_pending,
        "chart_json": script_json(chart),
        "items_text": items_text
        if items_text is not None
        else json.dumps([scheme_item_out(i) for i in scheme.items], ensure_ascii=False, indent=2),
        "errors": errors or [],
        "publication": year_publications[0] if year_publications else None,
        "may_manage": can(actor, Permission.SCORING_MANAGE),
        "may_publish": can(actor, Permission.RESULTS_PUBLISH),
        "grade_options": {
            i.code: list(i.params.get("grades", {})) for i in scheme.items if i.params.get("grades")
        },
    }


@router.get("/scoring/{code}", response_class=HTMLResponse)
def scheme_page(
    request: Request,
    code: str,
    include_pending: int = 0,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ASSESSMENT_READ)),
) -> HTMLResponse:
    """The scheme's ranking and every subject's item points with explanations."""
    return render(
        request,
        "assessment/scheme.html",
        _scheme_context(db, actor, code, include_pending=bool(include_pending)),
    )


@router.get("/scoring/{code}/scores.xlsx")
def scores_xlsx(
    code: str,
    include_pending: int = 0,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ASSESSMENT_READ)),
) -> Response:
    """The scheme's ranking and score sheets with explanations (Excel)."""
    scored = services.score_year(db, actor, code, accepted_only=not include_pending)
    suffix = "" if not include_pending else "-含未采纳数据"
    return download(documents.scores_xlsx([scored]), f"{code}-评分表{suffix}.xlsx", XLSX)


@router.post("/scoring/{code}/inputs")
def record_input(
    request: Request,
    code: str,
    item_code: str = Form(...),
    subject: str = Form(...),
    event_count: str = Form(""),
    grade: str = Form(""),
    triggered: str = Form(""),
    note: str = Form(""),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SCORING_MANAGE)),
) -> Response:
    """Record the facts of an item for a subject: events, a grade, a triggered veto or cap."""
    payload: dict[str, Any] = {"triggered": bool(triggered)}
    try:
        if event_count.strip():
            if not event_count.strip().isdigit():
                raise ValidationError(
                    f"事件数“{event_count}”应为非负整数 (event count: a whole number)",
                    field="event_count",
                )
            payload["event_count"] = int(event_count)
        if grade.strip():
            payload["grade"] = grade.strip()
        services.record_input(db, actor, code, item_code, subject, payload, note)
    except EcocivError as exc:
        flash(request, exc.message, "error")
        return redirect(f"/scoring/{code}#record-input")
    flash(request, f"已记录 {item_code} · {subject} (recorded)")
    return redirect(f"/scoring/{code}#subject-{subject}")


@router.post("/scoring/{code}/items", response_class=HTMLResponse)
def save_items(
    request: Request,
    code: str,
    items_json: str = Form(...),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SCORING_MANAGE)),
) -> Response:
    """Replace the scheme's items from JSON; any error is shown and nothing is saved."""
    info = services.get_scheme(db, actor, code)
    scheme = info.scheme
    try:
        try:
            items = json.loads(items_json)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg} (invalid JSON)",
                field="items_json",
            ) from None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValidationError(
                "应为评分项对象的数组 (a JSON array of item objects)", field="items_json"
            )
        services.save_scheme(
            db,
            actor,
            code=scheme.code,
            name=scheme.name,
            year=scheme.year,
            subject_kind=info.subject_kind,
            items=items,
            grade_cutoffs=scheme.grade_cutoffs,
            bonus_cap=scheme.bonus_cap,
        )
    except ValidationError as exc:
        return render(
            request,
            "assessment/scheme.html",
            _scheme_context(
                db, actor, code, items_text=items_json, errors=_named_errors(exc, items_json)
            ),
            422,
        )
    flash(request, f"评分方案 {code} 已保存 · scheme saved")
    return redirect(f"/scoring/{code}")


def _named_errors(exc: ValidationError, items_json: str) -> list[dict[str, str]]:
    """The service names an item by its position ("item 3"); add the item's code."""
    try:
        items = json.loads(items_json)
    except json.JSONDecodeError:
        items = None
    errors = []
    for error in exc.errors or [{"field": exc.field or "", "message": exc.message}]:
        field = str(error.get("field") or "")
        position = field.split(":")[0].removeprefix("item ").strip()
        if isinstance(items, list) and position.isdigit() and 0 < int(position) <= len(items):
            raw = items[int(position) - 1]
            if isinstance(raw, dict) and raw.get("code"):
                field = f"{field} (code {raw['code']})"
        message = str(error.get("message", ""))
        where = str(error.get("field") or "").split(":")[0]
        errors.append({"field": field, "message": message.removeprefix(f"{where}: ")})
    return errors


@router.post("/results/{year}/publish")
def publish(
    request: Request,
    year: YearPath,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.RESULTS_PUBLISH)),
) -> Response:
    """Freeze and publish the year's results (accepted data only)."""
    services.publish_year(db, actor, year)
    flash(request, f"{year} 年度结果已发布 · results published")
    return redirect(f"/results#year-{year}")


# ---- the public results ------------------------------------------------------------------


@router.get("/results", response_class=HTMLResponse)
def public_results(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.PUBLIC_RESULTS)),
) -> HTMLResponse:
    """What publish_year froze, year by year; and the confirmed indicators' accepted data."""
    published = services.publications(db, actor)
    return render(
        request,
        "assessment/results.html",
        {
            "publications": published,
            "city_code": CITY,
            "indicators": services.public_indicators(db, actor),
            "synthetic": any(p["payload"]["assessment"].get("synthetic") for p in published),
        },
    )


def _public_rows(
    db: Database, actor: Actor, code: str
) -> tuple[indicators.IndicatorSeries, list[orgs.OrgUnit], list[dict[str, Any]]]:
    """The accepted series (404 unless confirmed), the units with values, one row per value."""
    series = services.public_series(db, actor, code)
    units = [u for u in orgs.list_org_units(db, actor) if series.values.get(u.code)]
    rows = [
        {"unit": unit, "year": year, "value": value}
        for unit in units
        for year, value in sorted(series.values[unit.code].items())
        if value is not None
    ]
    return series, [u for u in units if any(r["unit"] is u for r in rows)], rows


@router.get("/results/indicators/{code}.csv")
def public_csv(
    code: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.PUBLIC_RESULTS)),
) -> Response:
    """A confirmed indicator's accepted values as CSV (UTF-8 with BOM for Excel)."""
    series, _units, rows = _public_rows(db, actor, code)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["org_unit_code", "org_unit_name", "year", "value"])
    for row in rows:
        writer.writerow(csv_row([row["unit"].code, row["unit"].name_zh, row["year"], row["value"]]))
    name = f"{code}-public{'-synthetic' if series.synthetic else ''}.csv"
    return download(buffer.getvalue().encode("utf-8-sig"), name, "text/csv; charset=utf-8")


@router.get("/results/indicators/{code}", response_class=HTMLResponse)
def public_indicator(
    request: Request,
    code: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.PUBLIC_RESULTS)),
) -> HTMLResponse:
    """A confirmed indicator's accepted values per county and year, as a table and chart."""
    series, units, rows = _public_rows(db, actor, code)
    years = sorted({r["year"] for r in rows})
    chart = {
        "units": [{"code": u.code, "zh": u.name_zh, "en": u.name_en} for u in units],
        "years": years,
        "values": {u.code: [series.values[u.code].get(y) for y in years] for u in units},
        "numeric": series.indicator.value_kind.value in ("number", "percent"),
        "scale": list(indicators.STATE_SCALE),
    }
    return render(
        request,
        "assessment/public_indicator.html",
        {
            "item": series.indicator,
            "series": series,
            "units": units,
            "years": years,
            "chart_json": script_json(chart),
        },
    )
