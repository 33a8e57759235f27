"""Audit entries, signed checkpoints of the chain's head, and what verification finds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One write: who, when, what, to which entity, before → after, in which request.

    ``key_id`` names the key whose HMAC ``row_hash`` is; "" marks an entry of the first,
    unkeyed scheme (plain SHA-256), written before the chain had a key.
    """

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
    key_id: str = ""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The chain's head at one instant, signed with the audit key and kept outside the
    database, so that cutting the tail of the log is found.

    ``unkeyed_through`` is the last unkeyed entry the operator accepted when signing (0: none;
    see ``docs/operations.md``, section 8); ``anchors`` are (seq, hash) of entries spread over
    that unkeyed part, so a rewrite of it is placed within a short range of entries.
    """

    seq: int
    row_hash: str
    at: datetime
    count: int
    key_id: str
    signature: str
    unkeyed_through: int = 0
    anchors: tuple[tuple[int, str], ...] = ()


class BreakKind(StrEnum):
    """What kind of tampering a break shows."""

    EDITED = "edited"
    REHASHED = "rehashed"
    MISSING = "missing"
    LINK = "link"
    UNKEYED = "unkeyed"
    UNKNOWN_KEY = "unknown_key"
    TRUNCATED = "truncated"
    DIVERGED = "diverged"
    BAD_CHECKPOINT = "bad_checkpoint"


#: (zh, en) names of each kind, as verify prints them.
BREAK_NAMES: dict[BreakKind, tuple[str, str]] = {
    BreakKind.EDITED: ("记录被修改", "entry edited"),
    BreakKind.REHASHED: ("记录被修改并重算哈希", "entry edited and re-hashed without the key"),
    BreakKind.MISSING: ("记录被删除", "entries deleted"),
    BreakKind.LINK: ("链接断开", "broken link"),
    BreakKind.UNKEYED: ("无密钥记录", "entry written without the key"),
    BreakKind.UNKNOWN_KEY: ("未知密钥", "signed by an unknown key"),
    BreakKind.TRUNCATED: ("链尾被截断", "tail truncated"),
    BreakKind.DIVERGED: ("与检查点不符", "differs from a checkpoint"),
    BreakKind.BAD_CHECKPOINT: ("检查点无效", "invalid checkpoint"),
}


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first entry whose stored hash, link or place does not match, and why."""

    seq: int
    reason: str
    kind: BreakKind = BreakKind.EDITED
    occurred_at: datetime | None = None
