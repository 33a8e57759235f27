"""Pages of pollution-source online monitoring: the overview (county compliance and the VOCs
/ catering programme), an outlet's page (devices, hourly charts against the limit lines,
latest values) and the warning centre with its lifecycle forms (CSRF-protected).

Signed-in users only (``SOURCE_READ``); scope (county, enterprise) is the services'. Chart
data go to the scripts in ``<script type="application/json">`` blocks (CSP).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.adapters.http import (
    Id,
    flash,
    get_db,
    get_readings,
    redirect_back,
    render,
    require,
    script_json,
)
from ecociv.adapters.readings import ReadingsStore
from ecociv.kernel import Actor, EcocivError, NotFoundError, Permission, Role, can, utc_now
from ecociv.kernel.alerts import ALERT_ACTION_NAMES
from ecociv.kernel.clock import to_local
from ecociv.sources import services
from ecociv.sources.model import (
    BASIS_NAMES,
    OUTLET_KIND_NAMES,
    PARAMETER_NAMES,
    PERIOD_NAMES,
    REFUSAL_NAMES,
    RULE_NAMES,
    SEVERITY_NAMES,
    STATE_NAMES,
    UNREGISTERED_OTHERS,
    AveragingPeriod,
    LimitBasis,
)
from ecociv.sources.rules import TRANSITIONS

router = APIRouter(include_in_schema=False)

#: Days of data the compliance summary covers, and hours the outlet charts show.
SUMMARY_DAYS = 30
CHART_HOURS = 7 * 24
#: The live chart's window and how often the page asks for new values.
LIVE_MINUTES = 120
LIVE_POLL_SECONDS = 15


def _names() -> dict[str, dict[str, tuple[str, str]]]:
    return {
        "kind": {k.value: v for k, v in OUTLET_KIND_NAMES.items()},
        "rule": {k.value: v for k, v in RULE_NAMES.items()},
        "severity": {k.value: v for k, v in SEVERITY_NAMES.items()},
        "state": {k.value: v for k, v in STATE_NAMES.items()},
        "period": {k.value: v for k, v in PERIOD_NAMES.items()},
        "basis": {k.value: v for k, v in BASIS_NAMES.items()},
        "parameter": PARAMETER_NAMES,
    }


#: Rows per page of the unregistered MNs and of a device's refused frames; the highest page.
PAGE_SIZE = 50
MAX_PAGE = 1_000_000


@router.get("/sources", response_class=HTMLResponse)
def overview(
    request: Request,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> HTMLResponse:
    now = utc_now()
    summary = services.compliance_summary(
        db, store, actor, start=now - timedelta(days=SUMMARY_DAYS), end=now
    )
    programme = services.vocs_catering_programme(db, actor, now)
    outlets = services.list_outlets(db, actor)
    devices = services.device_status(db, actor, now)
    statuses = {s.outlet_code: s for s in devices if s.registered}
    strangers = services.unregistered_devices(db, actor, page=page, page_size=PAGE_SIZE)
    return render(
        request,
        "sources/index.html",
        {
            "summary": summary,
            "programme": programme,
            "outlets": outlets,
            "statuses": statuses,
            "strangers": strangers,
            "others_mn": UNREGISTERED_OTHERS,
            "names": _names(),
            "days": SUMMARY_DAYS,
            "synthetic": any(o.is_synthetic for o in outlets),
        },
    )


@router.get("/sources/outlets/{code}", response_class=HTMLResponse)
def outlet_page(
    code: str,
    request: Request,
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> HTMLResponse:
    now = utc_now()
    outlet = services.get_outlet(db, actor, code)
    devices = services.device_status(db, actor, now, outlet_code=code)
    limits = services.list_limits(db, actor, outlet_code=code)
    hourly = services.outlet_hourly(
        db,
        store,
        actor,
        code,
        start=now - timedelta(hours=CHART_HOURS),
        end=now + timedelta(hours=1),
    )
    hour_limits = {lim.parameter_code: lim for lim in limits if lim.period is AveragingPeriod.HOUR}
    charts: list[dict[str, Any]] = []
    latest: list[dict[str, Any]] = []
    for parameter, points in hourly.items():
        limit = hour_limits.get(parameter)
        converted = limit is not None and limit.basis is LimitBasis.CONVERTED
        name = PARAMETER_NAMES.get(parameter, (parameter, parameter))
        charts.append(
            {
                "code": parameter,
                "name": list(name),
                "unit": limit.unit if limit else "",
                "limit": limit.limit_value if limit else None,
                "converted": converted,
                "points": [
                    [
                        to_local(p.hour).strftime("%Y-%m-%d %H:%M"),
                        round(p.zs_mean if converted and p.zs_mean is not None else p.mean, 4),
                        p.flag,
                    ]
                    for p in points
                ],
            }
        )
        last = points[-1]
        value = last.zs_mean if converted and last.zs_mean is not None else last.mean
        latest.append(
            {
                "code": parameter,
                "name": name,
                "hour": last.hour,
                "value": value,
                "flag": last.flag,
                "limit": limit,
                "over": limit is not None and last.valid and value > limit.limit_value,
            }
        )
    warnings = services.list_warnings(db, actor, services.WarningFilter(outlet_code=code), limit=50)
    return render(
        request,
        "sources/outlet.html",
        {
            "outlet": outlet,
            "devices": devices,
            "limits": limits,
            "latest": latest,
            "warnings": warnings,
            "charts_json": script_json({"charts": charts}),
            "live_minutes": LIVE_MINUTES,
            "live_poll_seconds": LIVE_POLL_SECONDS,
            "names": _names(),
            "synthetic": outlet.is_synthetic,
        },
    )


@router.get("/sources/enterprises/{uscc}", response_class=HTMLResponse)
def enterprise_page(
    uscc: str,
    request: Request,
    db: Database = Depends(get_db),
    store: ReadingsStore = Depends(get_readings),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> HTMLResponse:
    now = utc_now()
    outlets = services.list_outlets(db, actor, enterprise_uscc=uscc)
    if not outlets:
        raise NotFoundError(f"没有该企业的在线监控排放口 ({uscc}: no monitored outlets)")
    codes = {o.code for o in outlets}
    devices = [
        d
        for d in services.device_status(db, actor, now, county_code=outlets[0].county_code)
        if d.outlet_code in codes
    ]
    judged = services.outlet_compliance(
        db, store, actor, uscc, start=now - timedelta(days=SUMMARY_DAYS), end=now
    )
    warnings = services.list_warnings(
        db, actor, services.WarningFilter(enterprise_uscc=uscc), limit=100
    )
    live = [w for w in warnings if w.state.value in ("open", "acknowledged")]
    return render(
        request,
        "sources/enterprise.html",
        {
            "enterprise": outlets[0],
            "outlets": outlets,
            "devices": devices,
            "judged": judged,
            "warnings": warnings,
            "live_count": len(live),
            "names": _names(),
            "days": SUMMARY_DAYS,
            "synthetic": any(o.is_synthetic for o in outlets),
        },
    )


@router.get("/sources/devices/{mn}", response_class=HTMLResponse)
def device_page(
    mn: str,
    request: Request,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> HTMLResponse:
    detail = services.device_detail(db, actor, mn, utc_now(), page=page, page_size=PAGE_SIZE)
    return render(
        request,
        "sources/device.html",
        {
            "device": detail.status,
            "detail": detail,
            "refused": detail.refused,
            "others_mn": UNREGISTERED_OTHERS,
            "names": _names(),
            "refusals": REFUSAL_NAMES,
        },
    )


#: The warning centre's filters (query parameters), kept across a handling form.
WARNING_FILTERS = ("county", "rule", "state", "severity", "enterprise", "days")

ACTION_NAMES = ALERT_ACTION_NAMES


@router.get("/sources/warnings", response_class=HTMLResponse)
def warning_centre(
    request: Request,
    county: str = "",
    rule: str = "",
    state: str = "",
    severity: str = "",
    enterprise: str = "",
    days: int = Query(0, ge=0, le=3660, description="the last N days; 0: all"),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SOURCE_READ)),
) -> HTMLResponse:
    filters = services.WarningFilter(
        county_code=county or None,
        enterprise_uscc=enterprise or None,
        rule=rule or None,
        state=state or None,
        severity=severity or None,
        since=utc_now() - timedelta(days=days) if days > 0 else None,
    )
    warnings = services.list_warnings(db, actor, filters)
    may_handle = can(actor, Permission.WARNING_HANDLE)
    actions = {
        w.id: [a for a, (sources, _) in TRANSITIONS.items() if w.state in sources]
        if may_handle
        and (actor.role is not Role.COUNTY_OFFICER or actor.county_code == w.county_code)
        else []
        for w in warnings
    }
    counties = [u for u in orgs.list_org_units(db, actor) if u.level.value == "county"]
    return render(
        request,
        "sources/warnings.html",
        {
            "warnings": warnings,
            "actions": actions,
            "counties": counties,
            "county": county,
            "rule": rule,
            "state": state,
            "severity": severity,
            "enterprise": enterprise,
            "days": days,
            "names": _names(),
            "action_names": ACTION_NAMES,
            "back": request.url.query,
        },
    )


@router.post("/sources/warnings/{warning_id}")
def handle_warning(
    warning_id: Id,
    request: Request,
    action: str = Form(...),
    notes: str = Form(""),
    back: str = Form(""),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WARNING_HANDLE)),
) -> Response:
    try:
        services.handle(db, actor, warning_id, action, notes)
    except EcocivError as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, f"预警 {warning_id} 已更新 (warning updated)")
    # back to the same filtered list: only the centre's own filters are carried over
    return redirect_back("/sources/warnings", back, WARNING_FILTERS)
