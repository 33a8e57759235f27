"""Pages of hazardous-waste supervision (危险废物全过程监管): the overview (manifests by state,
the latest ones), the manifest search, a manifest's page (its four signed sections, lines,
events, versions and the forms of the steps the viewer's unit may take), an old version as it
was, a manifest's track with playback, and the transport map (facilities and vehicles in
transit).

Signed-in users only (``WASTE_READ``); scope (enterprise, county) is the services'. A step is a
form post (``WASTE_RECORD``, CSRF-protected) to ``/waste/manifests/{ref}/actions/{action}``: the
handler turns the form into the rules' inputs, calls :func:`services.act` once and redirects
back with the outcome flashed; a refused step names the field or line and changes nothing.
Map and track data go to the scripts in ``<script type="application/json">`` blocks (CSP).

A manifest is addressed by its 14-digit number, or by its id while it is a draft (shown as
``#id``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.adapters.http import (
    Id,
    PageNo,
    YearOrDefault,
    flash,
    get_db,
    redirect,
    redirect_back,
    render,
    require,
    script_json,
)
from ecociv.kernel import (
    Actor,
    EcocivError,
    NotFoundError,
    Permission,
    Role,
    ValidationError,
    can,
    utc_now,
)
from ecociv.kernel.alerts import ALERT_ACTION_NAMES, ALERT_STATE_NAMES, ALERT_TRANSITIONS
from ecociv.kernel.clock import to_local
from ecociv.standards import waste as catalogue
from ecociv.waste import services
from ecociv.waste.model import (
    LINE_DECISION_NAMES,
    MANIFEST_STATE_NAMES,
    PARTY_ROLE_NAMES,
    SECTION_NAMES,
    SIGNATURE_METHOD_NAMES,
    TRANSFER_TYPE_NAMES,
    WASTE_KIND_NAMES,
    LineDecision,
    ManifestState,
    WasteKind,
    tonnes,
)
from ecociv.waste.rules import (
    TRANSITIONS,
    LegInput,
    LineDisposal,
    LineReceipt,
)
from ecociv.waste.rules.indicators import INDICATOR_NAMES, PLAN_TARGETS
from ecociv.waste.rules.tracks import GPS_GAP_MINUTES
from ecociv.waste.rules.warnings import SEVERITY_NAMES, WARNING_RULE_NAMES, WARNING_RULE_SOURCES

router = APIRouter(include_in_schema=False)

#: The warnings a track shows beside its playback: transit too long and the track rules.
TRACK_WARNING_RULES = ("W03", "W06", "W07", "W08")

#: Rows per page of the search, and manifests listed on the overview.
PAGE_SIZE = 50
LATEST = 10
#: The steps a browser user takes with a simple form; the others (revising a draft, a return
#: manifest, finishing a correction, completing a paper backfill) go through the API.
FORM_ACTIONS = (
    "submit",
    "cancel",
    "depart",
    "offer_relay",
    "withdraw_relay",
    "accept_relay",
    "deliver",
    "confirm_receipt",
    "report_disposal",
    "start_correction",
)
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_YES = frozenset({"on", "1", "true", "yes"})


def _names() -> dict[str, dict[str, tuple[str, str]]]:
    return {
        "state": {k.value: v for k, v in MANIFEST_STATE_NAMES.items()},
        "kind": {k.value: v for k, v in WASTE_KIND_NAMES.items()},
        "decision": {k.value: v for k, v in LINE_DECISION_NAMES.items()},
        "section": {k.value: v for k, v in SECTION_NAMES.items()},
        "role": {k.value: v for k, v in PARTY_ROLE_NAMES.items()},
        "method": {k.value: v for k, v in SIGNATURE_METHOD_NAMES.items()},
        "transfer": {k.value: v for k, v in TRANSFER_TYPE_NAMES.items()},
        "action": {k: (r.name_zh, r.name_en) for k, r in TRANSITIONS.items()},
    }


def _link(ref: str) -> str:
    """A manifest's address in a page URL: its number, or the id of a draft."""
    return ref.strip().lstrip("#")


def _path(view: services.ManifestView) -> str:
    return f"/waste/manifests/{view.manifest.number or view.id}"


# ---- overview, search ------------------------------------------------------------------------


@router.get("/waste", response_class=HTMLResponse)
def overview(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> HTMLResponse:
    counts = list(services.count_by_state(db, actor).items())
    latest = services.search_manifests(db, actor, services.ManifestFilter(), page_size=LATEST)
    offers = services.relay_offers(db, actor)
    return render(
        request,
        "waste/index.html",
        {
            "counts": counts,
            "total": sum(n for _, n in counts),
            "latest": latest,
            "offers": offers,
            "names": _names(),
            "synthetic": any(i.is_synthetic for i in latest.items),
        },
    )


def _day(raw: str, label: str, errors: list[str]) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors.append(f"{label}“{raw}”不是有效日期 (not a date: YYYY-MM-DD)")
        return None


@router.get("/waste/manifests", response_class=HTMLResponse)
def search(
    request: Request,
    party: str = "",
    code: str = "",
    county: str = "",
    state: str = "",
    kind: str = "",
    in_city: str = "",
    submitted_from: str = "",
    submitted_to: str = "",
    number: str = "",
    page: PageNo = 1,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> HTMLResponse:
    errors: list[str] = []
    states = {s.value for s in ManifestState}
    kinds = {k.value for k in WasteKind}
    filters = services.ManifestFilter(
        party_uscc=party.strip() or None,
        code=code.strip() or None,
        county_code=county.strip() or None,
        state=state if state in states else None,
        waste_kind=kind if kind in kinds else None,
        submitted_from=_day(submitted_from, "提交日期起", errors),
        submitted_to=_day(submitted_to, "提交日期止", errors),
        number=number.strip() or None,
        in_city={"yes": True, "no": False}.get(in_city),
    )
    found = services.search_manifests(db, actor, filters, page=page, page_size=PAGE_SIZE)
    query = {
        "party": party,
        "code": code,
        "county": county,
        "state": state,
        "kind": kind,
        "in_city": in_city,
        "submitted_from": submitted_from,
        "submitted_to": submitted_to,
        "number": number,
    }
    kept = {k: v for k, v in query.items() if v}
    last_page = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    counties = [u for u in orgs.list_org_units(db, actor) if u.level.value == "county"]
    return render(
        request,
        "waste/manifests.html",
        {
            "found": found,
            "form": query,
            "errors": errors,
            "counties": counties,
            "names": _names(),
            "page": found.page,
            "last_page": last_page,
            "prev_url": "?" + urlencode({**kept, "page": found.page - 1}) if found.page > 1 else "",
            "next_url": "?" + urlencode({**kept, "page": found.page + 1})
            if found.page < last_page
            else "",
            "synthetic": any(i.is_synthetic for i in found.items),
        },
    )


# ---- one manifest ----------------------------------------------------------------------------


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if value is None:
        return "–"
    return str(value)


def _events(view: services.ManifestView) -> list[dict[str, Any]]:
    return [
        {
            "event": e,
            "data": [(k, _plain(v)) for k, v in e.data.items() if k != "late"],
            "late": bool(e.data.get("late")),
        }
        for e in view.events
    ]


def _methods() -> list[tuple[str, str, str]]:
    """The utilisation/disposal method codes a receiver may choose (unconfirmed ones left
    out, as the rules refuse them)."""
    return [
        (m.code, m.name_zh, m.name_en) for m in catalogue.methods().values() if not m.unconfirmed
    ]


@router.get("/waste/manifests/{ref}", response_class=HTMLResponse)
def manifest_page(
    ref: str,
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> HTMLResponse:
    view = services.get_manifest(db, actor, ref)
    number = view.manifest.number
    warnings = (
        services.list_warnings(db, actor, services.WarningFilter(manifest_no=number))
        if number
        else []
    )
    return render(
        request,
        "waste/manifest.html",
        {
            "view": view,
            "m": view.manifest,
            "warnings": warnings,
            "states": {k.value: v for k, v in ALERT_STATE_NAMES.items()},
            "base": _path(view),
            "events": _events(view),
            "forms": [a for a in view.actions if a in FORM_ACTIONS],
            "api_only": [a for a in view.actions if a not in FORM_ACTIONS],
            "on_behalf": actor.role is Role.ADMIN,
            "methods": _methods(),
            "today": to_local(utc_now()).date().isoformat(),
            "names": _names(),
            "synthetic": view.is_synthetic,
        },
    )


@router.get("/waste/manifests/{ref}/versions/{version}", response_class=HTMLResponse)
def version_page(
    ref: str,
    version: Id,
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> HTMLResponse:
    view = services.get_manifest(db, actor, ref)
    old = services.manifest_version(db, actor, ref, version)
    return render(
        request,
        "waste/version.html",
        {
            "view": view,
            "m": old,
            "base": _path(view),
            "names": _names(),
            "synthetic": view.is_synthetic,
        },
    )


@router.get("/waste/manifests/{ref}/track", response_class=HTMLResponse)
def track_page(
    ref: str,
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> HTMLResponse:
    view = services.get_manifest(db, actor, ref)
    track = services.manifest_track(db, actor, ref, utc_now())
    m = view.manifest
    warnings = (
        [
            w
            for w in services.list_warnings(db, actor, services.WarningFilter(manifest_no=m.number))
            if w.rule in TRACK_WARNING_RULES
        ]
        if m.number
        else []
    )
    sites = []
    for role, uscc in (("consignor", m.consignor_uscc), ("receiver", m.receiver_uscc)):
        site = view.parties.get(uscc)
        if site is not None and site.longitude is not None and site.latitude is not None:
            sites.append(
                {"role": role, "name": site.name, "lon": site.longitude, "lat": site.latitude}
            )
    data = {
        "reference": track.reference,
        "datum": "GCJ-02",
        "times": [int(t.timestamp() * 1000) for t in track.times],
        "labels": [to_local(t).strftime("%m-%d %H:%M:%S") for t in track.times],
        "lon": [round(x, 6) for x in track.lon],
        "lat": [round(y, 6) for y in track.lat],
        "speed": track.speed_kmh,
        "stops": [
            {
                "lon": round(s["lon"], 6),
                "lat": round(s["lat"], 6),
                "minutes": s["minutes"],
                "start": to_local(s["start"]).strftime("%m-%d %H:%M"),
                "end": to_local(s["end"]).strftime("%m-%d %H:%M"),
            }
            for s in track.stops
        ],
        "route": {
            "lon": [round(x, 6) for x in track.route_lon],
            "lat": [round(y, 6) for y in track.route_lat],
        },
        "sites": sites,
        "synthetic": view.is_synthetic,
    }
    return render(
        request,
        "waste/track.html",
        {
            "view": view,
            "m": m,
            "track": track,
            "base": _path(view),
            "route": view.route,
            "track_json": script_json(data),
            "warnings": warnings,
            "states": {k.value: v for k, v in ALERT_STATE_NAMES.items()},
            "names": _names(),
            "synthetic": view.is_synthetic,
        },
    )


@router.get("/waste/map", response_class=HTMLResponse)
def transport_map_page(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> HTMLResponse:
    data = services.transport_map(db, actor, utc_now())
    facilities = [f["properties"] for f in data["facilities"]["features"]]
    vehicles = [
        {**v["properties"], "last_fix": datetime.fromisoformat(v["properties"]["last_fix_at"])}
        for v in data["vehicles"]["features"]
    ]
    return render(
        request,
        "waste/map.html",
        {
            "vehicles": vehicles,
            "facility_count": len(facilities),
            "in_city_count": sum(1 for f in facilities if f["in_city"]),
            "map_json": script_json(data),
            "gap_minutes": int(GPS_GAP_MINUTES),
            "synthetic": any(f["synthetic"] for f in facilities)
            or any(v["synthetic"] for v in vehicles),
        },
    )


# ---- the steps -------------------------------------------------------------------------------


async def _form(request: Request) -> dict[str, str]:
    """A form's text fields (the CSRF check has already read and cached the form)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _lines(form: Mapping[str, str], prefix: str) -> list[int]:
    """The line numbers a form has a ``{prefix}_{n}`` field for, in order."""
    found = set()
    for key in form:
        name, _, number = key.rpartition("_")
        if name == prefix and number.isdigit():
            found.add(int(number))
    return sorted(found)


def _quantity(
    form: Mapping[str, str], name: str, line_no: int, what_zh: str, *, required: bool = True
) -> Decimal | None:
    raw = form.get(f"{name}_{line_no}", "").strip()
    field = f"lines[{line_no}].{name}"
    if not raw:
        if not required:
            return None
        raise ValidationError(
            f"第 {line_no} 行：须填写{what_zh}（吨） ({name} required)", field=field
        )
    try:
        return tonnes(raw, field=field)
    except ValidationError as exc:
        raise ValidationError(f"第 {line_no} 行{what_zh}：{exc.message}", field=field) from None


def _leg(form: Mapping[str, str]) -> LegInput:
    return LegInput(
        vehicle_plate=form.get("vehicle_plate", ""),
        crew=tuple(c for c in _SEPARATORS.split(form.get("crew", "")) if c),
        start_place=form.get("start_place", ""),
        labels_match=form.get("labels_match", "").lower() in _YES,
    )


def _receipts(form: Mapping[str, str]) -> list[LineReceipt]:
    receipts = []
    for n in _lines(form, "decision"):
        raw = form.get(f"decision_{n}", "")
        try:
            decision = LineDecision(raw)
        except ValueError:
            raise ValidationError(
                f"第 {n} 行：请选择处理意见（接受、部分接受或拒收） (choose a decision)",
                field=f"lines[{n}].decision",
            ) from None
        received = _quantity(form, "received_t", n, "接收量")
        assert received is not None
        accepted = None
        if decision is LineDecision.PARTIAL:
            accepted = _quantity(form, "accepted_t", n, "接受量", required=False)
        receipts.append(
            LineReceipt(
                line_no=n,
                received_t=received,
                decision=decision,
                method_code=form.get(f"method_code_{n}", "").strip(),
                accepted_t=accepted,
                note=form.get(f"note_{n}", "").strip(),
                found_form=form.get(f"found_form_{n}", "").strip(),
                found_packaging=form.get(f"found_packaging_{n}", "").strip(),
            )
        )
    return receipts


def _disposals(form: Mapping[str, str]) -> list[LineDisposal]:
    disposals = []
    for n in _lines(form, "disposed_t"):
        disposed = _quantity(form, "disposed_t", n, "利用处置量")
        assert disposed is not None
        raw = form.get(f"disposed_on_{n}", "").strip()
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise ValidationError(
                f"第 {n} 行：利用处置日期“{raw}”无效 (not a date: YYYY-MM-DD)",
                field=f"lines[{n}].disposed_on",
            ) from None
        disposals.append(
            LineDisposal(
                line_no=n,
                disposed_t=disposed,
                disposed_on=day,
                method_code=form.get(f"method_code_{n}", "").strip(),
            )
        )
    return disposals


def _args(action: str, form: Mapping[str, str]) -> dict[str, Any]:
    """The rules' inputs of a step, from its form."""
    if action == "submit":
        shipped = {n: _quantity(form, "shipped_t", n, "转移量") for n in _lines(form, "shipped_t")}
        return {"shipped_t": shipped}
    if action in ("cancel", "start_correction"):
        return {"reason": form.get("reason", "")}
    if action in ("depart", "accept_relay"):
        return {"leg": _leg(form)}
    if action == "offer_relay":
        return {"to_carrier_uscc": form.get("to_carrier_uscc", ""), "place": form.get("place", "")}
    if action == "withdraw_relay":
        return {}
    if action == "deliver":
        return {"end_place": form.get("end_place", "")}
    if action == "confirm_receipt":
        return {"receipts": _receipts(form)}
    if action == "report_disposal":
        return {"disposals": _disposals(form)}
    raise ValidationError(
        f"“{action}”不能在页面上办理，请通过接口办理 (not a page action: use the API)",
        field="action",
    )


def _message(exc: EcocivError) -> str:
    """The error as flashed: its message, and any further errors it lists."""
    more: list[str] = []
    if isinstance(exc, ValidationError):
        more = [
            e["message"] for e in exc.errors if e.get("message") and e["message"] != exc.message
        ]
    return "；".join([exc.message, *more[:5]])


@router.post("/waste/manifests/{ref}/actions/{action}")
def act(
    ref: str,
    action: str,
    request: Request,
    form: dict[str, str] = Depends(_form),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_RECORD)),
) -> Response:
    back = f"/waste/manifests/{_link(ref)}"
    if form.get("back") == "/waste":  # a relay taken over from the overview's offers
        back = "/waste"
    try:
        args = _args(action, form)
        view = services.act(
            db, actor, ref, action, args, on_behalf_of=form.get("on_behalf_of", "").strip() or None
        )
    except NotFoundError:
        raise
    except EcocivError as exc:
        flash(request, _message(exc), "error")
        return redirect(back)
    rule = TRANSITIONS[action]
    flash(request, f"联单 {view.reference}：{rule.name_zh}已完成 ({rule.name_en}: done)")
    return redirect(_path(view))


# ---- warnings and indicators ------------------------------------------------------------------

#: The warning centre's filters (query parameters), kept across a handling form.
WARNING_FILTERS = ("rule", "state", "severity", "county", "unit", "manifest")


@router.get("/waste/warnings", response_class=HTMLResponse)
def warning_centre(
    request: Request,
    rule: str = "",
    state: str = "",
    severity: str = "",
    county: str = "",
    unit: str = "",
    manifest: str = "",
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> HTMLResponse:
    filters = services.WarningFilter(
        rule=rule or None, state=state or None, severity=severity or None,
        county_code=county or None, unit_uscc=unit or None, manifest_no=manifest or None,
    )  # fmt: skip
    warnings = services.list_warnings(db, actor, filters)
    may_handle = can(actor, Permission.WASTE_WARNING_HANDLE)
    actions = {
        w.id: [a for a, (starts, _) in ALERT_TRANSITIONS.items() if w.state in starts]
        if may_handle
        and (actor.role is not Role.COUNTY_OFFICER or actor.county_code == w.county_code)
        else []
        for w in warnings
    }
    counties = [u for u in orgs.list_org_units(db, actor) if u.level.value == "county"]
    return render(
        request,
        "waste/warnings.html",
        {
            "warnings": warnings,
            "actions": actions,
            "counties": counties,
            "filters": {
                "rule": rule,
                "state": state,
                "severity": severity,
                "county": county,
                "unit": unit,
                "manifest": manifest,
            },  # fmt: skip
            "rules": {r.value: n for r, n in WARNING_RULE_NAMES.items()},
            "sources": {r.value: src for r, src in WARNING_RULE_SOURCES.items()},
            "severities": {s.value: n for s, n in SEVERITY_NAMES.items()},
            "states": {s.value: n for s, n in ALERT_STATE_NAMES.items()},
            "action_names": ALERT_ACTION_NAMES,
            "back": request.url.query,
        },
    )


@router.post("/waste/warnings/{warning_id}")
async def handle_warning(
    warning_id: Id,
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_WARNING_HANDLE)),
) -> Response:
    form = await request.form()
    try:
        services.handle(
            db, actor, warning_id, str(form.get("action", "")), str(form.get("notes", ""))
        )
    except EcocivError as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, f"预警 {warning_id} 已更新 (warning updated)")
    return redirect_back("/waste/warnings", str(form.get("back", "")), WARNING_FILTERS)


@router.get("/waste/indicators", response_class=HTMLResponse)
def indicators_page(
    request: Request,
    year: YearOrDefault = 0,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.WASTE_READ)),
) -> HTMLResponse:
    now = utc_now()
    chosen = year or to_local(now).year
    if not 2018 <= chosen <= to_local(now).year:
        raise ValidationError(f"年份 {chosen} 不在 2018 至今之间 (year out of range)", field="year")
    table = services.indicator_table(db, actor, chosen, now)
    return render(
        request,
        "waste/indicators.html",
        {
            "table": table,
            "year": chosen,
            "years": list(range(to_local(now).year, 2017, -1)),
            "names": {k.value: v for k, v in INDICATOR_NAMES.items()},
            "targets": PLAN_TARGETS,
            "synthetic": table.synthetic,
        },
    )
