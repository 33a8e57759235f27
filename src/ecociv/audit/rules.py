"""The audit log's chain, its keys and its checkpoints (pure: keys and instants are passed in).

Two schemes, told apart by an entry's ``key_id`` (see ``docs/operations.md``, section 8):

- ``key_id == ""`` — the first scheme: ``row_hash`` is SHA-256 over a canonical JSON of the
  entry's fields and its predecessor's hash. Anyone can recompute it, so on its own it shows
  accidents, not a forger who re-hashes.
- otherwise — ``row_hash`` is HMAC-SHA256, with the audit key named by ``key_id``, over the
  same fields, the scheme number and the key id. The key is never in the database, so
  someone who holds only the database cannot make a valid entry.

The first entry links to :data:`GENESIS`; the first keyed entry of an upgraded database links
to the last unkeyed one, so its HMAC also seals everything before it. An unkeyed entry after a
keyed one is a forgery. Cutting the tail leaves a valid shorter chain: only a signed
:class:`Checkpoint` kept outside the database (its head sequence number and hash) shows it.

Anyone can write unkeyed entries, so where a key is configured an unkeyed entry verifies only
when a signed checkpoint accepted it (its ``unkeyed_through`` reaches the entry); otherwise a
whole chain rewritten without the key would verify. The operator accepts an upgraded
database's unkeyed entries once, with ``ecociv audit checkpoint --accept-unkeyed``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ecociv.audit.model import AuditEntry, BreakKind, ChainBreak, Checkpoint

GENESIS = "0" * 64
#: The number of the keyed scheme, hashed into every keyed entry and checkpoint.
KEYED_SCHEME = 1
#: At most this many anchors of the unkeyed part of the chain go into a checkpoint.
MAX_ANCHORS = 64


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


def key_id_of(key: str) -> str:
    """A short public name of a key (16 hex digits of a hash of it), stored with each entry
    so verify knows which key signed it; it reveals nothing usable about the key.

    Examples:
        >>> len(key_id_of("k" * 32)), key_id_of("k" * 32) == key_id_of("k" * 32)
        (16, True)
        >>> key_id_of("k" * 32) != key_id_of("j" * 32)
        True
    """
    return hashlib.sha256(b"ecociv audit key id\x00" + key.encode("utf-8")).hexdigest()[:16]


def keyring(keys: Iterable[str]) -> dict[str, str]:
    """The keys by their id."""
    return {key_id_of(k): k for k in keys}


def _fields(
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
) -> list[Any]:
    return [
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
    key: str | None = None,
) -> str:
    """The hash (hex) an entry carries: HMAC-SHA256 with ``key``, or without a key the
    unkeyed scheme's SHA-256."""
    fields = _fields(
        seq,
        prev_hash,
        occurred_at,
        actor,
        actor_role,
        action,
        entity_type,
        entity_id,
        before,
        after,
        request_id,
    )
    if key is None:
        return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()
    body = canonical_json([KEYED_SCHEME, key_id_of(key), *fields])
    return hmac.new(key.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).hexdigest()


def _entry_fields(entry: AuditEntry) -> list[Any]:
    return _fields(
        entry.seq,
        entry.prev_hash,
        entry.occurred_at,
        entry.actor,
        entry.actor_role,
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.before,
        entry.after,
        entry.request_id,
    )


def hash_of(entry: AuditEntry, key: str | None = None) -> str:
    """The hash an entry should carry (with ``key`` for a keyed entry)."""
    fields = _entry_fields(entry)
    if key is None:
        return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()
    body = canonical_json([KEYED_SCHEME, entry.key_id, *fields])
    return hmac.new(key.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).hexdigest()


def _keyless_hashes(entry: AuditEntry) -> set[str]:
    """What someone without the key could compute for an entry: plain SHA-256 of either
    scheme's body."""
    fields = _entry_fields(entry)
    bodies = (fields, [KEYED_SCHEME, entry.key_id, *fields])
    return {hashlib.sha256(canonical_json(b).encode("utf-8")).hexdigest() for b in bodies}


def _break(entry: AuditEntry, kind: BreakKind, reason: str) -> ChainBreak:
    return ChainBreak(entry.seq, reason, kind, entry.occurred_at)


def check_entry(
    entry: AuditEntry, keys: Mapping[str, str], *, keyed_before: bool
) -> ChainBreak | None:
    """An entry's own hash: the HMAC of a known key, or the unkeyed SHA-256 (allowed only
    before the first keyed entry; whether an unkeyed entry is accepted at all is
    :func:`first_break`'s question)."""
    if not entry.key_id:
        if keyed_before:
            return _break(
                entry,
                BreakKind.UNKEYED,
                "无密钥记录出现在有密钥记录之后 (an unkeyed entry after keyed ones: written "
                "or rewritten without the key)",
            )
        if hash_of(entry) != entry.row_hash:
            return _break(
                entry, BreakKind.EDITED, "内容与哈希不符 (row content does not match its hash)"
            )
        return None
    key = keys.get(entry.key_id)
    if key is None:
        return _break(
            entry,
            BreakKind.UNKNOWN_KEY,
            f"由未知密钥 {entry.key_id} 签名 (signed by an unknown key {entry.key_id}: not "
            "ECOCIV_AUDIT_KEY nor any of ECOCIV_AUDIT_PREVIOUS_KEYS)",
        )
    if hmac.compare_digest(hash_of(entry, key), entry.row_hash):
        return None
    if entry.row_hash in _keyless_hashes(entry):
        return _break(
            entry,
            BreakKind.REHASHED,
            "内容被修改并以无密钥哈希重算 (row edited and re-hashed without the key: HMAC "
            "does not match)",
        )
    return _break(
        entry,
        BreakKind.EDITED,
        "内容与 HMAC 不符 (row content does not match its HMAC)",
    )


def anchor_seqs(unkeyed_through: int) -> list[int]:
    """The entries of an unkeyed part ``1..unkeyed_through`` whose hashes a checkpoint keeps:
    at most :data:`MAX_ANCHORS`, evenly spaced, the last one always included.

    Examples:
        >>> anchor_seqs(0), anchor_seqs(3)
        ([], [1, 2, 3])
        >>> seqs = anchor_seqs(2633)
        >>> len(seqs), seqs[:2], seqs[-1]
        (63, [42, 84], 2633)
    """
    if unkeyed_through <= 0:
        return []
    step = -(-unkeyed_through // MAX_ANCHORS)
    seqs = list(range(step, unkeyed_through + 1, step))
    if seqs[-1] != unkeyed_through:
        if len(seqs) == MAX_ANCHORS:
            seqs[-1] = unkeyed_through
        else:
            seqs.append(unkeyed_through)
    return seqs


def _unkeyed_refused(
    entry: AuditEntry,
    *,
    keyed: bool,
    covered_through: int,
    signed_through: int,
    accept_unkeyed: bool,
    keyed_before: bool,
) -> ChainBreak | None:
    """Whether an unkeyed entry may stand where a key is configured (``keyed``)."""
    if entry.key_id or not keyed or entry.seq <= covered_through:
        return None
    if entry.seq <= signed_through:
        return _break(
            entry,
            BreakKind.UNKEYED,
            "无密钥记录：检查点签名时此记录有密钥，它已被无密钥改写 (an unkeyed entry where a "
            "signed checkpoint saw a keyed one: rewritten without the key)",
        )
    if accept_unkeyed and not keyed_before:
        return None
    return _break(
        entry,
        BreakKind.UNKEYED,
        "无密钥记录，且没有签名检查点接受它 (an unkeyed entry that no signed checkpoint "
        "accepted: written or rewritten without the key; after an upgrade from a version "
        "without the key, accept them once with `ecociv audit checkpoint --accept-unkeyed`)",
    )


def first_break(
    entries: Iterable[AuditEntry],
    keys: Mapping[str, str] | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    *,
    accept_unkeyed: bool = False,
) -> ChainBreak | None:
    """Walk entries in ``seq`` order; return the first one that breaks the chain, or None.

    ``keys`` are the audit keys by id (:func:`keyring`); ``checkpoints`` the signed heads
    read back from outside the database (already checked with :func:`read_checkpoint`).
    With a key, an unkeyed entry stands only where a checkpoint's ``unkeyed_through`` reaches
    it, or (``accept_unkeyed``: the operator accepting an upgraded database's unkeyed part)
    before the first keyed entry and beyond every checkpoint. A checkpoint's anchors place a
    rewrite of the unkeyed part within the range of entries that ends at the first anchor
    whose hash differs.
    """
    keys = keys or {}
    keyed = bool(keys)
    covered_through = max((c.unkeyed_through for c in checkpoints), default=0)
    signed_through = max((c.seq for c in checkpoints), default=0)
    wanted: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        wanted.setdefault(checkpoint.seq, []).append(checkpoint)
    anchors: dict[int, list[tuple[str, int, Checkpoint]]] = {}
    for checkpoint in checkpoints:
        start = 1
        for seq, row_hash in sorted(checkpoint.anchors):
            anchors.setdefault(seq, []).append((row_hash, start, checkpoint))
            start = seq + 1
    starts = {start for marks in anchors.values() for _h, start, _c in marks}
    region_entries: dict[int, AuditEntry] = {}
    expected_prev = GENESIS
    expected_seq = 1
    keyed_before = False
    for entry in entries:
        if entry.seq > expected_seq:
            missing = (
                str(expected_seq)
                if entry.seq == expected_seq + 1
                else f"{expected_seq}–{entry.seq - 1}"
            )
            return _break(
                entry,
                BreakKind.MISSING,
                f"序号不连续：第 {missing} 条缺失 (gap: entries {missing} were deleted)",
            )
        if entry.seq < expected_seq:
            return _break(
                entry, BreakKind.LINK, f"序号重复或乱序：应为 {expected_seq} (out of order)"
            )
        if entry.seq in starts:
            region_entries[entry.seq] = entry
        found = check_entry(entry, keys, keyed_before=keyed_before) or _unkeyed_refused(
            entry,
            keyed=keyed,
            covered_through=covered_through,
            signed_through=signed_through,
            accept_unkeyed=accept_unkeyed,
            keyed_before=keyed_before,
        )
        if found is not None:
            return found
        if entry.prev_hash != expected_prev:
            return _break(
                entry,
                BreakKind.LINK,
                "前序哈希不匹配：此前的记录被替换或重写 (prev_hash does not link to the row "
                "before: an earlier entry was replaced or rewritten)",
            )
        for row_hash, start, checkpoint in anchors.get(entry.seq, ()):
            if row_hash != entry.row_hash:
                when = instant_text(checkpoint.at)
                return _break(
                    region_entries.get(start, entry),
                    BreakKind.DIVERGED,
                    f"第 {start}–{entry.seq} 条中有记录被改写：第 {entry.seq} 条与 {when} 的检查点"
                    f"不符 (an entry in seq {start}–{entry.seq} was rewritten: seq={entry.seq} "
                    f"differs from the hash the checkpoint of {when} kept for it)",
                )
        for checkpoint in wanted.get(entry.seq, ()):
            if checkpoint.row_hash != entry.row_hash:
                return _break(
                    entry,
                    BreakKind.DIVERGED,
                    f"与 {instant_text(checkpoint.at)} 的检查点不符 (differs from the "
                    f"checkpoint of {instant_text(checkpoint.at)}: the entry was replaced)",
                )
        keyed_before = keyed_before or bool(entry.key_id)
        expected_prev = entry.row_hash
        expected_seq += 1
    return truncation(expected_seq - 1, checkpoints)


def truncation(head_seq: int, checkpoints: Sequence[Checkpoint]) -> ChainBreak | None:
    """The tail is cut when the log ends before the furthest head a checkpoint signed."""
    if not checkpoints:
        return None
    furthest = max(checkpoints, key=lambda c: c.seq)
    if furthest.seq <= head_seq:
        return None
    missing = head_seq + 1
    return ChainBreak(
        missing,
        f"日志止于第 {head_seq} 条，但 {instant_text(furthest.at)} 的检查点记录到第 "
        f"{furthest.seq} 条 (the log ends at seq={head_seq}, but the checkpoint of "
        f"{instant_text(furthest.at)} recorded head seq={furthest.seq}: entries "
        f"{missing}–{furthest.seq} were removed)",
        BreakKind.TRUNCATED,
        furthest.at,
    )


def _checkpoint_fields(
    seq: int,
    row_hash: str,
    at: datetime,
    count: int,
    key_id: str,
    unkeyed_through: int,
    anchors: Sequence[tuple[int, str]],
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "scheme": KEYED_SCHEME,
        "seq": seq,
        "row_hash": row_hash,
        "at": instant_text(at),
        "count": count,
        "key_id": key_id,
    }
    if unkeyed_through:  # a chain without unkeyed entries keeps the short form
        fields["unkeyed_through"] = unkeyed_through
        fields["anchors"] = [[s, h] for s, h in anchors]
    return fields


def sign_checkpoint(
    seq: int,
    row_hash: str,
    at: datetime,
    count: int,
    key: str,
    *,
    unkeyed_through: int = 0,
    anchors: Sequence[tuple[int, str]] = (),
) -> Checkpoint:
    """The head of the chain signed with the audit key (with the unkeyed part it accepts,
    and that part's anchors, when there is one)."""
    key_id = key_id_of(key)
    kept = tuple((int(s), str(h)) for s, h in anchors) if unkeyed_through else ()
    body = canonical_json(
        _checkpoint_fields(seq, row_hash, at, count, key_id, unkeyed_through, kept)
    )
    signature = hmac.new(key.encode("utf-8"), body.encode("utf-8"), hashlib.sha256).hexdigest()
    return Checkpoint(
        seq, row_hash, at.astimezone(UTC), count, key_id, signature, unkeyed_through, kept
    )


def checkpoint_record(checkpoint: Checkpoint) -> dict[str, Any]:
    """A checkpoint as the JSON object written to the file and posted to the webhook."""
    fields = _checkpoint_fields(
        checkpoint.seq,
        checkpoint.row_hash,
        checkpoint.at,
        checkpoint.count,
        checkpoint.key_id,
        checkpoint.unkeyed_through,
        checkpoint.anchors,
    )
    return {**fields, "signature": checkpoint.signature}


def checkpoint_line(checkpoint: Checkpoint) -> str:
    """One line of the checkpoints file (canonical JSON, no newline)."""
    return canonical_json(checkpoint_record(checkpoint))


class CheckpointError(ValueError):
    """A line of the checkpoints file that is not a valid signed checkpoint."""


def read_checkpoint(line: str, keys: Mapping[str, str]) -> Checkpoint:
    """Parse one line and check its signature; raise :class:`CheckpointError` if it is
    malformed, signed by an unknown key or its signature does not match."""
    try:
        data = json.loads(line)
        seq, row_hash, count = int(data["seq"]), str(data["row_hash"]), int(data["count"])
        key_id, signature = str(data["key_id"]), str(data["signature"])
        at = datetime.strptime(str(data["at"]), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        unkeyed_through = int(data.get("unkeyed_through", 0))
        anchors = [(int(s), str(h)) for s, h in data.get("anchors", [])]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"不是有效的检查点 (not a checkpoint: {exc})") from None
    key = keys.get(key_id)
    if key is None:
        raise CheckpointError(f"由未知密钥 {key_id} 签名 (signed by an unknown key {key_id})")
    expected = sign_checkpoint(
        seq, row_hash, at, count, key, unkeyed_through=unkeyed_through, anchors=anchors
    )
    if not hmac.compare_digest(expected.signature, signature):
        raise CheckpointError("签名不符 (signature does not match: the line was altered)")
    return expected


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
