"""Page: browse and filter the audit log."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ecociv.adapters.db import Database
from ecociv.adapters.http import PageNo, get_db, render, require
from ecociv.audit import services
from ecociv.kernel import Actor, Permission, ValidationError
from ecociv.kernel.clock import SHANGHAI

router = APIRouter(include_in_schema=False)


def _day(raw: str, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"日期格式应为 YYYY-MM-DD: {raw}", field=field) from None


@router.get("/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    actor_name: str = "",
    action: str = "",
    entity_type: str = "",
    entity_id: str = "",
    since: str = "",
    until: str = "",
    page: PageNo = 1,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.AUDIT_READ)),
) -> HTMLResponse:
    """The audit log, newest first; dates are local (Asia/Shanghai) days."""
    first, last = _day(since, "since"), _day(until, "until")
    filters = services.AuditFilter(
        actor=actor_name or None,
        action=action or None,
        entity_type=entity_type or None,
        entity_id=entity_id or None,
        since=datetime.combine(first, datetime.min.time(), SHANGHAI) if first else None,
        until=datetime.combine(last + timedelta(days=1), datetime.min.time(), SHANGHAI)
        if last
        else None,
    )
    result = services.list_entries(db, actor, filters, page=page, page_size=50)
    return render(
        request,
        "audit/log.html",
        {
            "result": result,
            "choices": services.distinct_values(db, actor),
            "chain": services.chain_status(
                db, actor, getattr(request.app.state, "audit_checkpoints", None)
            ),
            "filters": {
                "actor_name": actor_name,
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "since": since,
                "until": until,
            },
        },
    )
