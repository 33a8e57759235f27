"""Shell pages: the home dashboard, the one map, the language switch, the health check."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from ecociv import orgs
from ecociv.adapters.db import Database
from ecociv.adapters.http import get_db, render, require, script_json
from ecociv.kernel import Actor, Permission, can
from ecociv.web.i18n import LOCALES

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.DASHBOARD_VIEW)),
) -> HTMLResponse:
    """The home dashboard: what everyone may see, plus enterprise figures for staff."""
    units = orgs.list_org_units(db, actor)
    counties = [u for u in units if u.level is orgs.OrgLevel.COUNTY]
    city = next((u for u in units if u.level is orgs.OrgLevel.CITY), None)
    chart: dict[str, Any] = {
        "counties": [
            {
                "code": c.code,
                "name_zh": c.name_zh,
                "name_en": c.name_en,
                "area_km2": c.area_km2,
                "zone": c.function_zone.value if c.function_zone else None,
            }
            for c in counties
        ],
        "zones": {z.value: {"zh": n[0], "en": n[1]} for z, n in orgs.FUNCTION_ZONE_NAMES.items()},
    }
    enterprise_total = None
    if can(actor, Permission.ENTERPRISE_READ):
        counts = orgs.enterprise_counts(db, actor)
        chart["enterprises"] = counts
        chart["tags"] = {t.value: {"zh": n[0], "en": n[1]} for t, n in orgs.TAG_NAMES.items()}
        enterprise_total = orgs.grand_total(counts)
    return render(
        request,
        "home.html",
        {
            "city": city,
            "counties": counties,
            "departments": orgs.list_departments(db, actor),
            "enterprise_total": enterprise_total,
            "chart_json": script_json(chart),
        },
    )


@router.get("/map", response_class=HTMLResponse)
def one_map(request: Request, actor: Actor = Depends(require(Permission.MAP_VIEW))) -> HTMLResponse:
    """The one map: city and county boundaries, ready for every module's layers."""
    layers = {"enterprises": can(actor, Permission.ENTERPRISE_READ)}
    return render(request, "map.html", {"layers_json": json.dumps(layers)})


@router.get("/lang/{code}")
def switch_language(
    request: Request,
    code: str,
    next: str = "/",
    actor: Actor = Depends(require(Permission.DASHBOARD_VIEW)),
) -> RedirectResponse:
    """Switch between 中文 and English (kept in the session)."""
    if code in LOCALES:
        request.session["lang"] = code
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.get("/healthz")
def health(
    db: Database = Depends(get_db), actor: Actor = Depends(require(Permission.DASHBOARD_VIEW))
) -> JSONResponse:
    """Liveness and database reachability, for the reverse proxy and monitoring."""
    units = orgs.list_org_units(db, actor)
    return JSONResponse({"status": "ok", "org_units": len(units)})
