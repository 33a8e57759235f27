"""JSON API: /api/v1/indicators, /frameworks, /targets, /reports, /evidence."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from ecociv.adapters.db import Database
from ecociv.adapters.files import FileStore
from ecociv.adapters.http import XLSX_TYPE, Id, download, file_store, get_db, require
from ecociv.indicators import services
from ecociv.indicators.model import ReportRef, ReportView
from ecociv.indicators.schemas import (
    ActionIn,
    ConfirmIn,
    IndicatorOut,
    ReportOpenIn,
    ReportOut,
    ReportSummaryOut,
    TargetOut,
    TargetsIn,
    ValuesIn,
)
from ecociv.kernel import Actor, Permission

router = APIRouter(prefix="/api/v1", tags=["indicators"])


def report_out(view: ReportView) -> dict[str, Any]:
    return {
        "id": view.id,
        "form": view.ref.form,
        "org_unit_code": view.ref.org_unit_code,
        "department_code": view.ref.department_code,
        "year": view.ref.year,
        "subject_name": view.subject_name,
        "state": view.state,
        "due_on": view.due_on,
        "first_submitted_at": view.first_submitted_at,
        "returned_reason": view.returned_reason,
        "values": view.values,
        "comments": view.comments,
        "previous": view.previous,
        "issues": list(view.issues),
        "elements": list(view.elements),
    }


@router.get("/indicators", response_model=list[IndicatorOut])
def list_indicators(
    framework: str | None = None,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.INDICATOR_READ)),
) -> Any:
    """Indicators of the current framework versions; unconfirmed rows say so."""
    return services.list_indicators(db, actor, framework)


@router.get("/indicators/{code}", response_model=IndicatorOut)
def get_indicator(
    code: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.INDICATOR_READ)),
) -> Any:
    """One indicator."""
    return services.get_indicator(db, actor, code)


@router.post("/indicators/{code}/confirm", response_model=IndicatorOut)
def confirm_indicator(
    code: str,
    body: ConfirmIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.FRAMEWORK_MANAGE)),
) -> Any:
    """Confirm a to-be-verified row, citing the source checked."""
    return services.confirm_indicator(db, actor, code, body.citation)


@router.get("/frameworks")
def list_frameworks(
    db: Database = Depends(get_db), actor: Actor = Depends(require(Permission.INDICATOR_READ))
) -> list[dict[str, Any]]:
    """Every loaded framework version."""
    return services.frameworks(db, actor)


@router.post("/frameworks/{code}/versions", status_code=201)
def upload_framework(
    code: str,
    file: UploadFile = File(...),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.FRAMEWORK_MANAGE)),
) -> dict[str, int]:
    """Add a framework version from an Excel sheet in the catalogue's shape."""
    from ecociv.indicators.excel import read_catalogue

    data = file.file.read()
    rows = read_catalogue(data)
    return services.load_framework_rows(
        db,
        actor,
        code,
        rows,
        source_file=file.filename or "",
        digest=hashlib.sha256(data).hexdigest(),
    )


@router.get("/targets", response_model=list[TargetOut])
def list_targets(
    indicator: str | None = None,
    history: bool = False,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.INDICATOR_READ)),
) -> Any:
    """Current targets, or every revision with history=true."""
    return services.list_targets(db, actor, indicator, history=history)


@router.post("/indicators/{code}/targets", response_model=list[TargetOut], status_code=201)
def set_targets(
    code: str,
    body: TargetsIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.TARGET_MANAGE)),
) -> Any:
    """Set, revise or decompose targets (each a new revision with the reason)."""
    changes = [services.TargetChange(**c.model_dump()) for c in body.changes]
    return services.set_targets(
        db, actor, code, changes, reason=body.reason, parent_id=body.parent_id
    )


@router.get("/reports", response_model=list[ReportSummaryOut])
def list_reports(
    year: int | None = Query(None, ge=1900, le=2100),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> Any:
    """Reports the caller may see."""
    return [
        {
            "id": r.id,
            "form": r.ref.form,
            "org_unit_code": r.ref.org_unit_code,
            "department_code": r.ref.department_code,
            "year": r.ref.year,
            "state": r.state,
            "due_on": r.due_on,
            "submitted_at": r.submitted_at,
            "on_time": r.on_time,
            "filled": r.filled,
            "expected": r.expected,
        }
        for r in services.list_reports(db, actor, year)
    ]


@router.post("/reports", response_model=ReportOut)
def open_report(
    body: ReportOpenIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> Any:
    """Open a county's or department's report for a year (created on first use)."""
    ref = ReportRef(body.form, body.org_unit_code, body.department_code, body.year)
    return report_out(services.open_report(db, actor, ref))


@router.get("/reports/{report_id}", response_model=ReportOut)
def get_report(
    report_id: Id,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> Any:
    """A report with this year's and last year's values and open issues."""
    return report_out(services.get_report(db, actor, report_id))


@router.put("/reports/{report_id}/values", response_model=ReportOut)
def save_values(
    report_id: Id,
    body: ValuesIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_EDIT)),
) -> Any:
    """Save values and comments (all or nothing)."""
    return report_out(services.save_values(db, actor, report_id, body.values, body.comments))


@router.post("/reports/{report_id}/actions", response_model=ReportOut)
def act(
    report_id: Id,
    body: ActionIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> Any:
    """submit, approve, accept or return (with a reason)."""
    return report_out(services.act_on_report(db, actor, report_id, body.action, reason=body.reason))


@router.get("/reports/{report_id}/template.xlsx")
def template(
    report_id: Id,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> Response:
    """The report as an Excel template to fill and upload."""
    name, data = services.report_template(db, actor, report_id)
    return download(data, name, XLSX_TYPE)


@router.post("/reports/{report_id}/upload", response_model=ReportOut)
def upload(
    report_id: Id,
    file: UploadFile = File(...),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_EDIT)),
) -> Any:
    """Upload a filled template: nothing is saved if any cell is wrong."""
    return report_out(services.upload_report(db, actor, report_id, file.file.read()))


@router.post("/reports/{report_id}/evidence", status_code=201)
def add_evidence(
    report_id: Id,
    element: str = Form(...),
    file: UploadFile = File(...),
    db: Database = Depends(get_db),
    store: FileStore = Depends(file_store),
    actor: Actor = Depends(require(Permission.REPORT_EDIT)),
) -> dict[str, Any]:
    """Attach a document or photo to a field."""
    info = services.add_evidence(
        db,
        actor,
        report_id,
        element,
        file.filename or "file",
        file.content_type or "",
        file.file.read(),
        store,
    )
    return {"id": info.id, "sha256": info.sha256, "filename": info.filename}


@router.get("/evidence/{evidence_id}")
def download_evidence(
    evidence_id: Id,
    db: Database = Depends(get_db),
    store: FileStore = Depends(file_store),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> Response:
    """Download an evidence file."""
    info = services.get_evidence(db, actor, evidence_id)
    return download(store.get(info.sha256), info.filename, info.content_type)


@router.get("/reporting/completeness")
def completeness(
    year: int = Query(..., ge=2000, le=2100),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.REPORT_READ)),
) -> dict[str, Any]:
    """Expected, submitted and on-time reports per form."""
    return services.reporting_completeness(db, actor, year)
