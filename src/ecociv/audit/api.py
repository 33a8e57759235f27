"""JSON API: /api/v1/audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query

from ecociv.adapters.db import Database
from ecociv.adapters.http import PageNo, get_db, require
from ecociv.audit import services
from ecociv.audit.schemas import AuditPageOut
from ecociv.kernel import Actor, Permission

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=AuditPageOut)
def list_audit(
    actor_name: str | None = Query(None, alias="actor"),
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: PageNo = 1,
    page_size: int = Query(50, ge=1, le=500),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.AUDIT_READ)),
) -> Any:
    """Audit entries, newest first, filtered."""
    filters = services.AuditFilter(actor_name, action, entity_type, entity_id, since, until)
    return services.list_entries(db, actor, filters, page=page, page_size=page_size)
