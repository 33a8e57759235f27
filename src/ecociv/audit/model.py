"""Audit entries and the result of checking their chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One write: who, when, what, to which entity, before → after, in which request."""

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
    prev_hash: str
    row_hash: str


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry whose stored hash or link does not match."""

    seq: int
    reason: str
