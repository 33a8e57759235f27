"""Hash chain of the audit log.

Each entry's ``row_hash`` is SHA-256 over its predecessor's hash and a canonical JSON
serialisation of its own fields; the first entry links to :data:`GENESIS`. Changing any
field of any stored row, deleting a row or re-ordering rows breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ecociv.audit.model import AuditEntry, ChainBreak

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no insignificant whitespace (the hashed and stored form).

    Examples:
        >>> canonical_json({"b": 1, "a": "衢州"})
        '{"a":"衢州","b":1}'
        >>> canonical_json(None)
        'null'
    """
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def instant_text(instant: datetime) -> str:
    """An instant as fixed-width UTC text, microseconds included."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    seq: int,
    prev_hash: str,
    occurred_at: datetime,
    actor: str,
    actor_role: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    request_id: str,
) -> str:
    """SHA-256 (hex) of an entry and the hash of the entry before it."""
    body = canonical_json(
        [
            seq,
            prev_hash,
            instant_text(occurred_at),
            actor,
            actor_role,
            action,
            entity_type,
            entity_id,
            before,
            after,
            request_id,
        ]
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def hash_of(entry: AuditEntry) -> str:
    """The hash an entry should carry."""
    return entry_hash(
        seq=entry.seq,
        prev_hash=entry.prev_hash,
        occurred_at=entry.occurred_at,
        actor=entry.actor,
        actor_role=entry.actor_role,
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        before=entry.before,
        after=entry.after,
        request_id=entry.request_id,
    )


def first_break(entries: Iterable[AuditEntry]) -> ChainBreak | None:
    """Walk entries in ``seq`` order; return the first one that breaks the chain, or None."""
    expected_prev = GENESIS
    expected_seq = 1
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainBreak(entry.seq, f"序号不连续：应为 {expected_seq} (gap or reordering)")
        if entry.prev_hash != expected_prev:
            return ChainBreak(
                entry.seq, "前序哈希不匹配 (prev_hash does not link to the row before)"
            )
        if hash_of(entry) != entry.row_hash:
            return ChainBreak(entry.seq, "内容与哈希不符 (row content does not match its hash)")
        expected_prev = entry.row_hash
        expected_seq += 1
    return None


def changed_fields(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Keep only the fields that changed (both sides), so the log shows the difference.

    Examples:
        >>> changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3})
        ({'b': 2}, {'b': 3})
        >>> changed_fields(None, {"a": 1})
        (None, {'a': 1})
    """
    if before is None or after is None:
        return before, after
    keys = sorted(set(before) | set(after))
    diff = [k for k in keys if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in diff}, {k: after.get(k) for k in diff}
