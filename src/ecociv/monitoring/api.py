"""JSON API: /api/v1/monitoring/sites."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, UploadFile

from ecociv.adapters.db import Database
from ecociv.adapters.http import get_db, require
from ecociv.kernel import Actor, Permission
from ecociv.monitoring import services
from ecociv.monitoring.rules import csv_rows
from ecociv.monitoring.schemas import SiteImportOut, SiteOut

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])


@router.get("/sites", response_model=list[SiteOut])
def list_sites(
    kind: str | None = None,
    county_code: str | None = None,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """Monitoring sites (public information), filtered by kind and county."""
    return services.list_sites(db, actor, kind=kind, county_code=county_code)


@router.get("/sites/{code}", response_model=SiteOut)
def get_site(
    code: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.MONITORING_READ)),
) -> Any:
    """One monitoring site by its code."""
    return services.get_site(db, actor, code)


@router.post("/sites/import", response_model=SiteImportOut)
async def import_sites(
    file: UploadFile = File(...),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.MONITORING_WRITE)),
) -> Any:
    """Create or update sites from a UTF-8 CSV (columns as `ecociv monitoring import-sites`).
    All or nothing; errors name the row and field."""
    rows = csv_rows(await file.read(), services.REQUIRED_SITE_COLUMNS)
    return services.import_sites(db, actor, rows)
