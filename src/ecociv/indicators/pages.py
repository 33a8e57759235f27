"""Pages: the indicator catalogue, an indicator's page, report forms and work queues."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from ecociv import monitoring, orgs, sources, waste
from ecociv.adapters.db import Database
from ecociv.adapters.files import FileStore
from ecociv.adapters.http import (
    XLSX_TYPE,
    Id,
    YearOrDefault,
    download,
    file_store,
    flash,
    get_db,
    get_readings,
    redirect,
    render,
    require,
    script_json,
)
from ecociv.adapters.readings import ReadingsStore
from ecociv.indicators import services
from ecociv.indicators.model import (
    STATE_SCALE,
    Confirmation,
    FormKind,
    ReportAction,
    ReportRef,
)
from ecociv.indicators.rules import confirmation_counts
from ecociv.kernel import (
    Actor,
    EcocivError,
    Permission,
    Role,
    SystemClock,
    ValidationError,
    can,
)
from ecociv.kernel.clock import to_local

router = APIRouter(include_in_schema=False)

FRAMEWORKS = {"quzhou_plan_2020": "衢州市规划目标", "national_demo_2019": "国家示范市县指标"}


@router.get("/indicators", response_class=HTMLResponse)
def catalogue(
    request: Request,
    framework: str = "quzhou_plan_2020",
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.INDICATOR_READ)),
) -> HTMLResponse:
    """The catalogue of one framework, with confirmation states and current city targets."""
    items = services.list_indicators(db, actor, framework)
    targets = {
        t.indicator_code: t
        for t in services.list_targets(db, actor)
        if t.org_unit_code == orgs.CITY_CODE
    }
    counts = confirmation_counts(items)
    return render(
        request,
        "indicators/catalogue.html",
        {
            "items": items,
            "targets": targets,
            "framework": framework,
            "frameworks": FRAMEWORKS,
            "counts": counts,
            "versions": services.frameworks(db, actor),
            "may_confirm": can(actor, Permission.FRAMEWORK_MANAGE),
        },
    )


@router.post("/indicators/frameworks/{code}/upload")
def upload_framework(
    request: Request,
    code: str,
    file: UploadFile = File(...),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.FRAMEWORK_MANAGE)),
) -> Response:
    """Add a framework version from an uploaded sheet in the catalogue's shape."""
    from ecociv.indicators.excel import read_catalogue

    data = file.file.read()
    try:
        result = services.load_framework_rows(
            db,
            actor,
            code,
            read_catalogue(data),
            source_file=file.filename or "",
            digest=hashlib.sha256(data).hexdigest(),
        )
    except ValidationError as exc:
        details = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors[:10])
        flash(request, f"未导入 (nothing loaded) — {details}", "error")
        return redirect(f"/indicators?framework={code}")
    flash(
        request,
        f"已载入第 {result['version']} 版，{result['indicators']} 个指标 · "
        f"version {result['version']} loaded",
    )
    return redirect(f"/indicators?framework={code}")


@router.get("/indicators/{code}", response_class=HTMLResponse)
def indicator_page(
    request: Request,
    code: str,
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.INDICATOR_READ)),
) -> HTMLResponse:
    """Definition, source, targets with history, the series per county as a chart, and for
    environmental-quality indicators the figures computed from monitoring data."""
    item = services.get_indicator(db, actor, code)
    series = services.indicator_series(db, actor, code)
    units = orgs.list_org_units(db, actor)
    history = services.list_targets(db, actor, code, history=True)
    chart = {
        "units": [
            {"code": u.code, "zh": u.name_zh, "en": u.name_en}
            for u in units
            if u.code in series.values
        ],
        "values": series.values,
        "states": series.states,
        "scale": list(STATE_SCALE),
        "numeric": item.value_kind.value in ("number", "percent"),
        "target": next(
            (
                t.value
                for t in history
                if t.is_current and t.org_unit_code == orgs.CITY_CODE and t.value is not None
            ),
            None,
        ),
    }
    years = sorted({y for d in series.values.values() for y in d})
    figures: list[monitoring.QualityFigure] = []
    figure_year = None
    if code in monitoring.INFORMED_INDICATORS:
        data_years = monitoring.data_years(store, actor)
        figure_year = data_years[-1] if data_years else None
        if figure_year is not None:
            figures = [
                f
                for f in monitoring.quality_figures(db, store, actor, year=figure_year)
                if f.indicator_code == code
            ]
    elif code in sources.PROGRAMME_INDICATORS and can(actor, Permission.SOURCE_READ):
        now = SystemClock().now()
        figure_year = to_local(now).year
        figures = [f for f in sources.programme_figures(db, actor, now) if f.indicator_code == code]
    elif (
        code in waste.WASTE_INDICATORS
        and can(actor, Permission.WASTE_READ)
        and actor.role is not Role.ENTERPRISE_USER
    ):
        now = SystemClock().now()
        figure_year = to_local(now).year
        figures = [
            f
            for f in waste.indicator_figures(db, actor, figure_year, now)
            if f.indicator_code == code
        ]
    return render(
        request,
        "indicators/indicator.html",
        {
            "item": item,
            "series": series,
            "units": units,
            "years": years,
            "current": [t for t in history if t.is_current],
            "history": history,
            "chart_json": script_json(chart),
            "may_confirm": can(actor, Permission.FRAMEWORK_MANAGE)
            and item.confirmation is not Confirmation.CONFIRMED,
            "may_set_targets": can(actor, Permission.TARGET_MANAGE)
            and item.confirmation is Confirmation.CONFIRMED
            and item.comparator is not None,
            "scale": STATE_SCALE,
            "figures": figures,
            "figure_year": figure_year,
            "figures_synthetic": bool(figures)
            and any(s.is_synthetic for s in monitoring.list_sites(db, actor)),
        },
    )


@router.post("/indicators/{code}/confirm")
def confirm(
    request: Request,
    code: str,
    citation: str = Form(""),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.FRAMEWORK_MANAGE)),
) -> Response:
    """Confirm a to-be-verified row."""
    try:
        services.confirm_indicator(db, actor, code, citation)
    except ValidationError as exc:
        flash(request, exc.message, "error")
        return redirect(f"/indicators/{code}")
    flash(request, f"{code} 已核实 · confirmed")
    return redirect(f"/indicators/{code}")


@router.post("/indicators/{code}/targets")
async def set_targets(
    request: Request,
    code: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.TARGET_MANAGE)),
) -> Response:
    """Set, revise or decompose targets from the form (one row per org unit)."""
    form = await request.form()
    changes = []
    for unit in orgs.list_org_units(db, actor):
        raw = str(form.get(f"value_{unit.code}", "")).strip()
        state = str(form.get(f"state_{unit.code}", "")).strip()
        if not raw and not state:
            continue
        try:
            value = float(raw) if raw else None
        except ValueError:
            flash(request, f"{unit.name_zh}: “{raw}” 不是数字 (not a number)", "error")
            return redirect(f"/indicators/{code}#targets")
        year_raw = str(form.get("year", "")).strip()
        changes.append(
            services.TargetChange(
                unit.code, value, state or None, int(year_raw) if year_raw.isdigit() else None
            )
        )
    parent = str(form.get("parent_id", "")).strip()
    try:
        if not changes:
            raise ValidationError("没有填写任何目标 (no target entered)", field="value")
        services.set_targets(
            db,
            actor,
            code,
            changes,
            reason=str(form.get("reason", "")),
            parent_id=int(parent) if parent.isdigit() else None,
        )
    except EcocivError as exc:
        flash(request, exc.message, "error")
        return redirect(f"/indicators/{code}#targets")
    flash(request, f"已保存 {len(changes)} 个目标 · targets saved")
    return redirect(f"/indicators/{code}#targets")


# ---- reports ---------------------------------------------------------------------------


def _subjects_for(actor: Actor, db: Database) -> list[dict[str, str]]:
    """The report subjects this actor fills in (its county or department)."""
    if actor.role is Role.COUNTY_OFFICER and actor.county_code:
        unit = orgs.get_org_unit(db, actor, actor.county_code)
        return [{"form": "county", "org": unit.code, "dept": "", "name": unit.name_zh}]
    if actor.role is Role.DEPARTMENT_OFFICER and actor.department_code:
        names = {d.code: d.name_zh for d in orgs.list_departments(db, actor)}
        return [
            {
                "form": "department",
                "org": orgs.CITY_CODE,
                "dept": actor.department_code,
                "name": names.get(actor.department_code, actor.department_code),
            }
        ]
    return []


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    year: YearOrDefault = 0,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> HTMLResponse:
    """Work queues, the year's reports and reporting completeness."""
    year = year or services.latest_year(db, actor)
    names = {u.code: u.name_zh for u in orgs.list_org_units(db, actor)}
    names |= {d.code: d.name_zh for d in orgs.list_departments(db, actor)}
    return render(
        request,
        "indicators/reports.html",
        {
            "year": year,
            "years": list(range(2017, 2026)),
            "queue": services.work_queue(db, actor, year),
            "reports": services.list_reports(db, actor, year),
            "completeness": services.reporting_completeness(db, actor, year),
            "names": names,
            "subjects": _subjects_for(actor, db),
        },
    )


@router.post("/reports/open")
def open_report(
    request: Request,
    form: str = Form(...),
    org_unit_code: str = Form(...),
    department_code: str = Form(""),
    year: int = Form(...),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_EDIT)),
) -> Response:
    """Open (create on first use) a report and go to its form."""
    try:
        kind = FormKind(form)
    except ValueError:
        raise ValidationError(f"未知的报表类型 {form}", field="form") from None
    view = services.open_report(db, actor, ReportRef(kind, org_unit_code, department_code, year))
    return redirect(f"/reports/{view.id}")


def _report_context(
    db: Database,
    actor: Actor,
    report_id: Id,
    errors: list[dict[str, str]] | None = None,
    submitted: dict[str, Any] | None = None,
) -> dict[str, Any]:
    view = services.get_report(db, actor, report_id)
    items = {i.code: i for i in services.list_indicators(db, actor)}
    values = dict(view.values)
    comments = dict(view.comments)
    if submitted:
        values.update(submitted.get("values", {}))
        comments.update(submitted.get("comments", {}))
    return {
        "view": view,
        "indicators": items,
        "scale": STATE_SCALE,
        "errors": errors or [],
        "error_fields": {e["field"] for e in errors or []},
        "values": values,
        "comments": comments,
        "issue_by_element": {i.element: i for i in view.issues},
    }


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(
    request: Request,
    report_id: Id,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> HTMLResponse:
    """The report form (read-only when the viewer may not edit it)."""
    return render(request, "indicators/report.html", _report_context(db, actor, report_id))


@router.post("/reports/{report_id}", response_class=HTMLResponse)
async def save_report(
    request: Request,
    report_id: Id,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_EDIT)),
) -> Response:
    """Save the form; with ``then=submit`` also submit it."""
    form = await request.form()
    view = services.get_report(db, actor, report_id)
    # only the fields the form sent: a partial post never blanks the others
    values = {e.code: str(form[f"v_{e.code}"]) for e in view.elements if f"v_{e.code}" in form}
    comments = {e.code: str(form[f"c_{e.code}"]) for e in view.elements if f"c_{e.code}" in form}
    try:
        services.save_values(db, actor, report_id, values, comments)
        if form.get("then") == "submit":
            services.act_on_report(db, actor, report_id, ReportAction.SUBMIT)
            flash(request, "已提交 · submitted")
        else:
            flash(request, "已保存 · saved")
    except ValidationError as exc:
        return render(
            request,
            "indicators/report.html",
            _report_context(
                db, actor, report_id, exc.errors, {"values": values, "comments": comments}
            ),
            422,
        )
    return redirect(f"/reports/{report_id}")


@router.post("/reports/{report_id}/action")
def report_action(
    request: Request,
    report_id: Id,
    action: str = Form(...),
    reason: str = Form(""),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> Response:
    """Approve, accept or return a report."""
    try:
        chosen = ReportAction(action)
    except ValueError:
        raise ValidationError(f"未知操作 {action}", field="action") from None
    try:
        services.act_on_report(db, actor, report_id, chosen, reason=reason)
    except ValidationError as exc:
        flash(request, exc.message, "error")
        return redirect(f"/reports/{report_id}")
    labels = {
        "approve": "已审核通过 · approved",
        "accept": "已采纳 · accepted",
        "return": "已退回 · returned",
        "submit": "已提交 · submitted",
    }
    flash(request, labels.get(chosen.value, chosen.value))
    return redirect(f"/reports/{report_id}")


@router.get("/reports/{report_id}/template.xlsx")
def report_template(
    report_id: Id,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> Response:
    """Download the Excel template."""
    name, data = services.report_template(db, actor, report_id)
    return download(data, name, XLSX_TYPE)


@router.post("/reports/{report_id}/upload", response_class=HTMLResponse)
def upload_report(
    request: Request,
    report_id: Id,
    file: UploadFile = File(...),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_EDIT)),
) -> Response:
    """Upload a filled template; every error is listed and nothing is saved."""
    try:
        services.upload_report(db, actor, report_id, file.file.read())
    except ValidationError as exc:
        return render(
            request,
            "indicators/report.html",
            _report_context(db, actor, report_id, exc.errors),
            422,
        )
    flash(request, "Excel 已导入 · uploaded")
    return redirect(f"/reports/{report_id}")


@router.post("/reports/{report_id}/evidence")
def add_evidence(
    request: Request,
    report_id: Id,
    element: str = Form(...),
    file: UploadFile = File(...),
    db: Database = Depends(get_db),
    store: FileStore = Depends(file_store),
    actor: Actor = Depends(require(Permission.REPORT_EDIT)),
) -> Response:
    """Attach evidence to a field."""
    try:
        services.add_evidence(
            db,
            actor,
            report_id,
            element,
            file.filename or "file",
            file.content_type or "",
            file.file.read(),
            store,
        )
    except ValidationError as exc:
        flash(request, exc.message, "error")
        return redirect(f"/reports/{report_id}")
    flash(request, "证明材料已上传 · evidence attached")
    return redirect(f"/reports/{report_id}")
