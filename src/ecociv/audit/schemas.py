"""API models of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    occurred_at: datetime
    actor: str
    actor_role: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str
    row_hash: str
    #: The id of the audit key whose HMAC row_hash is; "" for an entry of the unkeyed scheme.
    key_id: str


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    total: int
    page: int
    page_size: int
