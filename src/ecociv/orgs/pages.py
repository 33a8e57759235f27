"""Pages: the organisation overview and the enterprise register."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ecociv.adapters.db import Database
from ecociv.adapters.http import PageNo, flash, get_db, redirect, render, require
from ecociv.kernel import Actor, Permission, Role, ValidationError, can
from ecociv.orgs import services
from ecociv.orgs.model import TAG_NAMES, EnterpriseDraft, OrgLevel

router = APIRouter(include_in_schema=False)


def _number(raw: str, field: str) -> float | None:
    text = raw.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValidationError(f"“{raw}” 不是数字 (not a number)", field=field) from None


def _counties(db: Database, actor: Actor) -> list[object]:
    return [u for u in services.list_org_units(db, actor) if u.level is OrgLevel.COUNTY]


@router.get("/orgs", response_class=HTMLResponse)
def organisation(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ORG_READ)),
) -> HTMLResponse:
    """The city, its counties and the municipal departments."""
    return render(
        request,
        "orgs/organisation.html",
        {
            "units": services.list_org_units(db, actor),
            "departments": services.list_departments(db, actor),
        },
    )


@router.get("/enterprises", response_class=HTMLResponse)
def enterprises(
    request: Request,
    county_code: str = "",
    tag: str = "",
    q: str = "",
    page: PageNo = 1,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ENTERPRISE_READ)),
) -> HTMLResponse:
    """The enterprise register with filters."""
    result = services.list_enterprises(
        db,
        actor,
        county_code=county_code or None,
        tag=tag or None,
        query=q or None,
        page=page,
        page_size=50,
    )
    return render(
        request,
        "orgs/enterprises.html",
        {
            "result": result,
            "counties": _counties(db, actor),
            "tags": TAG_NAMES,
            "filters": {"county_code": county_code, "tag": tag, "q": q},
            "may_create": can(actor, Permission.ENTERPRISE_WRITE),
        },
    )


def _form_context(
    db: Database,
    actor: Actor,
    values: Mapping[str, Any],
    errors: list[dict[str, str]] | None = None,
) -> dict[str, object]:
    counties = _counties(db, actor)
    if actor.role is Role.COUNTY_OFFICER:
        counties = [c for c in counties if getattr(c, "code", None) == actor.county_code]
    return {
        "counties": counties,
        "tags": TAG_NAMES,
        "values": values,
        "errors": errors or [],
        "error_fields": {e["field"] for e in errors or []},
    }


@router.get("/enterprises/new", response_class=HTMLResponse)
def new_enterprise(
    request: Request,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ENTERPRISE_WRITE)),
) -> HTMLResponse:
    """The registration form."""
    values: dict[str, Any] = {"county_code": actor.county_code or "", "datum": "GCJ-02", "tags": []}
    return render(
        request, "orgs/enterprise_form.html", {**_form_context(db, actor, values), "mode": "create"}
    )


@router.post("/enterprises/new", response_class=HTMLResponse)
def create_enterprise(
    request: Request,
    uscc: str = Form(""),
    name: str = Form(""),
    county_code: str = Form(""),
    address: str = Form(""),
    industry_code: str = Form(""),
    longitude: str = Form(""),
    latitude: str = Form(""),
    datum: str = Form("GCJ-02"),
    tags: list[str] = Form([]),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ENTERPRISE_WRITE)),
) -> Response:
    """Register an enterprise from the form; on error re-show it with every problem."""
    values: dict[str, Any] = {
        "uscc": uscc,
        "name": name,
        "county_code": county_code,
        "address": address,
        "industry_code": industry_code,
        "longitude": longitude,
        "latitude": latitude,
        "datum": datum,
        "tags": tags,
    }
    try:
        record = services.create_enterprise(
            db,
            actor,
            EnterpriseDraft(
                uscc=uscc,
                name=name,
                county_code=county_code,
                address=address,
                industry_code=industry_code,
                longitude=_number(longitude, "longitude"),
                latitude=_number(latitude, "latitude"),
                datum=datum,
                tags=tags,
            ),
        )
    except ValidationError as exc:
        return render(
            request,
            "orgs/enterprise_form.html",
            {**_form_context(db, actor, values, exc.errors), "mode": "create"},
            422,
        )
    flash(request, f"已登记 {record.name} · registered")
    return redirect(f"/enterprises/{record.uscc}")


@router.get("/enterprises/{uscc}", response_class=HTMLResponse)
def enterprise_detail(
    request: Request,
    uscc: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ENTERPRISE_READ)),
) -> HTMLResponse:
    """One enterprise, with the edit form for those who may edit it."""
    record = services.get_enterprise(db, actor, uscc)
    may_edit = can(actor, Permission.ENTERPRISE_WRITE) and (
        actor.role is not Role.COUNTY_OFFICER or actor.county_code == record.county_code
    )
    values: dict[str, Any] = {**asdict(record), "tags": list(record.tags)}
    values["datum"] = "GCJ-02"
    return render(
        request,
        "orgs/enterprise_detail.html",
        {
            "record": record,
            "may_edit": may_edit,
            **_form_context(db, actor, values),
            "mode": "edit",
        },
    )


@router.post("/enterprises/{uscc}", response_class=HTMLResponse)
def edit_enterprise(
    request: Request,
    uscc: str,
    name: str = Form(""),
    county_code: str = Form(""),
    address: str = Form(""),
    industry_code: str = Form(""),
    longitude: str = Form(""),
    latitude: str = Form(""),
    datum: str = Form("GCJ-02"),
    tags: list[str] = Form([]),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ENTERPRISE_WRITE)),
) -> Response:
    """Save the edit form."""
    changes: dict[str, Any] = {
        "name": name,
        "county_code": county_code,
        "address": address,
        "industry_code": industry_code,
        "tags": tags,
        "datum": datum,
    }
    try:
        changes["longitude"] = _number(longitude, "longitude")
        changes["latitude"] = _number(latitude, "latitude")
        record = services.update_enterprise(db, actor, uscc, changes)
    except ValidationError as exc:
        current = services.get_enterprise(db, actor, uscc)
        values = {**changes, "uscc": current.uscc, "longitude": longitude, "latitude": latitude}
        return render(
            request,
            "orgs/enterprise_detail.html",
            {
                "record": current,
                "may_edit": True,
                **_form_context(db, actor, values, exc.errors),
                "mode": "edit",
            },
            422,
        )
    flash(request, f"已保存 {record.name} · saved")
    return redirect(f"/enterprises/{record.uscc}")
