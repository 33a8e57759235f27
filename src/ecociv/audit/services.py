"""Use cases of the audit log: record a write, list entries, verify the chain, write and
read signed checkpoints of its head."""

from __future__ import annotations

import json
import logging
import os
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ecociv.adapters.db import AUDIT_KEY_INFO, Database
from ecociv.audit.model import BREAK_NAMES, AuditEntry, BreakKind, ChainBreak, Checkpoint
from ecociv.audit.rules import (
    GENESIS,
    CheckpointError,
    anchor_seqs,
    canonical_json,
    changed_fields,
    checkpoint_line,
    checkpoint_record,
    entry_hash,
    first_break,
    key_id_of,
    keyring,
    read_checkpoint,
    sign_checkpoint,
    truncation,
)
from ecociv.audit.tables import AuditRow
from ecociv.kernel import (
    Actor,
    Clock,
    ConflictError,
    Permission,
    SystemClock,
    ValidationError,
    ensure,
)

log = logging.getLogger(__name__)

#: Any constant: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 212_0001


class AuditKeyMissing(RuntimeError):
    """The chain is keyed but this process was given no audit key: an unkeyed entry after
    keyed ones would read as a forgery, so nothing is written (a set-up error, not input)."""


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    clock: Clock | None = None,
    only_changes: bool = True,
) -> AuditEntry:
    """Append an entry inside the caller's transaction (so the write and its record commit
    or roll back together)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    if only_changes:
        before, after = changed_fields(before, after)
    # Round-trip through canonical JSON so what is hashed equals what is read back.
    before = json.loads(canonical_json(before))
    after = json.loads(canonical_json(after))
    key: str | None = session.info.get(AUDIT_KEY_INFO)
    last = session.execute(
        select(AuditRow.seq, AuditRow.row_hash, AuditRow.key_id)
        .order_by(AuditRow.seq.desc())
        .limit(1)
    ).first()
    if key is None and last is not None and last.key_id:
        raise AuditKeyMissing("the audit chain is keyed: set ECOCIV_AUDIT_KEY to write to it")
    seq = 1 if last is None else last.seq + 1
    prev_hash = GENESIS if last is None else last.row_hash
    occurred_at = (clock or SystemClock()).now()
    request_id = actor.request_id or f"local-{uuid.uuid4().hex[:16]}"
    fields: dict[str, Any] = {
        "seq": seq,
        "prev_hash": prev_hash,
        "occurred_at": occurred_at,
        "actor": actor.username,
        "actor_role": str(actor.role),
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "before": before,
        "after": after,
        "request_id": request_id,
    }
    row_hash = entry_hash(**fields, key=key)
    key_id = key_id_of(key) if key is not None else ""
    session.add(
        AuditRow(
            **{**fields, "before": canonical_json(before), "after": canonical_json(after)},
            row_hash=row_hash,
            key_id=key_id,
        )
    )
    session.flush()
    return AuditEntry(**fields, row_hash=row_hash, key_id=key_id)


def _to_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        occurred_at=row.occurred_at,
        actor=row.actor,
        actor_role=row.actor_role,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        before=json.loads(row.before),
        after=json.loads(row.after),
        request_id=row.request_id,
        prev_hash=row.prev_hash,
        row_hash=row.row_hash,
        key_id=row.key_id,
    )


@dataclass(frozen=True, slots=True)
class CheckpointFile:
    """The valid checkpoints of a file and a break for its first invalid line, if any."""

    checkpoints: list[Checkpoint]
    problem: ChainBreak | None


def read_checkpoints(path: Path | None, keys: Sequence[str]) -> CheckpointFile:
    """Every line of the checkpoints file, each signature checked (no file: none)."""
    if path is None or not path.exists():
        return CheckpointFile([], None)
    ring = keyring(keys)
    valid: list[Checkpoint] = []
    problem: ChainBreak | None = None
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                valid.append(read_checkpoint(line, ring))
            except CheckpointError as exc:
                if problem is None:
                    problem = _bad_checkpoint(path, number, str(exc))
    return CheckpointFile(valid, problem)


def _bad_checkpoint(path: Path, number: int, reason: str) -> ChainBreak:
    where = f"{path} 第 {number} 行 (line {number})"
    return ChainBreak(0, f"{where}: {reason}", BreakKind.BAD_CHECKPOINT)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """How many entries were checked, the first break if any, and what was compared."""

    checked: int
    first_break: ChainBreak | None
    keyed: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    checkpoints: int = 0
    last_checkpoint: Checkpoint | None = None


@dataclass(frozen=True, slots=True)
class _Walk:
    checked: int
    keyed: int
    head: AuditEntry | None
    found: ChainBreak | None
    hashes: dict[int, str]


def _walk(
    db: Database,
    checkpoints: Sequence[Checkpoint],
    *,
    accept_unkeyed: bool = False,
    keep: frozenset[int] = frozenset(),
    batch: int = 5000,
) -> _Walk:
    """Read the whole log in order through :func:`first_break`, keeping the hashes of the
    entries in ``keep``."""
    checked = keyed = 0
    head: AuditEntry | None = None
    hashes: dict[int, str] = {}
    with db.reading() as session:
        result = session.execute(
            select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=batch)
        )
        try:

            def entries() -> Iterator[AuditEntry]:
                nonlocal checked, keyed, head
                for row in result.scalars():
                    checked += 1
                    head = _to_entry(row)
                    keyed += bool(head.key_id)
                    if head.seq in keep:
                        hashes[head.seq] = head.row_hash
                    yield head

            found = first_break(
                entries(), keyring(db.audit_keys), checkpoints, accept_unkeyed=accept_unkeyed
            )
        finally:
            result.close()  # a break stops early: release the server-side cursor
    return _Walk(checked, keyed, head, found, hashes)


def verify_chain(
    db: Database, *, checkpoints_path: Path | None = None, batch: int = 5000
) -> VerifyResult:
    """Walk the whole log in order with the database's audit keys, compare it with the
    signed checkpoints in ``checkpoints_path`` (if given), and report the first break."""
    marks = read_checkpoints(checkpoints_path, db.audit_keys)
    walk = _walk(db, marks.checkpoints, batch=batch)
    return VerifyResult(
        checked=walk.checked,
        first_break=walk.found or marks.problem,
        keyed=walk.keyed,
        head_seq=walk.head.seq if walk.head else 0,
        head_hash=walk.head.row_hash if walk.head else GENESIS,
        checkpoints=len(marks.checkpoints),
        last_checkpoint=max(marks.checkpoints, key=lambda c: c.at, default=None),
    )


@dataclass(frozen=True, slots=True)
class CheckpointResult:
    """The checkpoint written, and whether posting it failed (the file has it regardless)."""

    checkpoint: Checkpoint
    posted: bool
    post_error: str | None = None


def write_checkpoint(
    db: Database,
    path: Path,
    *,
    accept_unkeyed: bool = False,
    webhook_url: str = "",
    clock: Clock | None = None,
    timeout_s: float = 5.0,
) -> CheckpointResult:
    """Sign the chain's head with the audit key and append it to the checkpoints file (then
    post it to ``webhook_url``, if set).

    First the whole chain is verified against the checkpoints already in the file; anything
    wrong (a bad entry, a cut or rewritten tail, a bad line in the file) is refused with a
    :class:`ConflictError` naming the first bad entry, and nothing is written. Unkeyed entries
    that no earlier checkpoint accepted are refused too, unless ``accept_unkeyed``: the
    operator's one act after upgrading from a version without the key (docs/operations.md,
    section 8); the checkpoint then records them (``unkeyed_through``) with anchors."""
    if db.audit_key is None:
        raise ValidationError(
            "没有审计密钥 (no audit key: set ECOCIV_AUDIT_KEY)", field="audit_key"
        )
    marks = read_checkpoints(path, db.audit_keys)
    if marks.problem is not None:
        raise ConflictError(f"检查点文件有误 (the checkpoints file is bad): {marks.problem.reason}")
    with db.reading() as session:
        unkeyed_through = (
            session.scalar(select(func.max(AuditRow.seq)).where(AuditRow.key_id == "")) or 0
        )
    anchor_at = anchor_seqs(unkeyed_through)
    walk = _walk(db, marks.checkpoints, accept_unkeyed=accept_unkeyed, keep=frozenset(anchor_at))
    if walk.found is not None:
        brk = walk.found
        zh, en = BREAK_NAMES[brk.kind]
        where = f"第 {brk.seq} 条 (entry seq={brk.seq})"
        raise ConflictError(
            f"审计链有误，不签名 (the chain is broken; nothing signed): {where}: "
            f"{zh} ({en}; {brk.kind}): {brk.reason}"
        )
    head_seq = walk.head.seq if walk.head else 0
    head_hash = walk.head.row_hash if walk.head else GENESIS
    at = (clock or SystemClock()).now()
    checkpoint = sign_checkpoint(
        head_seq,
        head_hash,
        at,
        walk.checked,
        db.audit_key,
        unkeyed_through=unkeyed_through,
        anchors=[(seq, walk.hashes[seq]) for seq in anchor_at],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(checkpoint_line(checkpoint) + "\n")
        out.flush()
        os.fsync(out.fileno())
    if not webhook_url:
        return CheckpointResult(checkpoint, posted=False)
    error = _post_json(webhook_url, {"audit_checkpoint": checkpoint_record(checkpoint)}, timeout_s)
    return CheckpointResult(checkpoint, posted=error is None, post_error=error)


def key_signs_entries(db: Database, key: str) -> bool:
    """Whether any entry of the log is signed with ``key`` (so replacing the key file would
    leave them unverifiable). False when the database has no audit log yet."""
    try:
        with db.reading() as session:
            found = session.scalar(
                select(AuditRow.seq).where(AuditRow.key_id == key_id_of(key)).limit(1)
            )
    except DBAPIError:
        return False
    return found is not None


def has_entries(db: Database) -> bool:
    """Whether the log holds any entry. False when the database has no audit log yet."""
    try:
        with db.reading() as session:
            found = session.scalar(select(AuditRow.seq).limit(1))
    except DBAPIError:
        return False
    return found is not None


def _post_json(url: str, payload: dict[str, Any], timeout_s: float) -> str | None:
    """POST JSON; the error as text, or None when it was accepted."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - the URL is an operator setting
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            response.read()
    except Exception as exc:  # noqa: BLE001 - reported to the operator, never raised
        log.warning("audit checkpoint webhook %s failed: %s", url, exc)
        return str(exc)
    return None


@dataclass(frozen=True, slots=True)
class ChainStatus:
    """What the log page shows: the last signed checkpoint and whether the log still reaches
    it with the same hash (a cheap check; ``ecociv audit verify`` walks the whole chain)."""

    head_seq: int
    last_checkpoint: Checkpoint | None
    consistent: bool
    problem: str | None


def chain_status(db: Database, actor: Actor, path: Path | None) -> ChainStatus:
    """The head of the log against the last valid checkpoint in ``path``."""
    ensure(actor, Permission.AUDIT_READ)
    marks = read_checkpoints(path, db.audit_keys)
    last = max(marks.checkpoints, key=lambda c: c.at, default=None)
    with db.reading() as session:
        head_seq = session.scalar(select(func.max(AuditRow.seq))) or 0
        stored = (
            session.scalar(select(AuditRow.row_hash).where(AuditRow.seq == last.seq))
            if last is not None and last.seq
            else None
        )
    problem = marks.problem.reason if marks.problem else None
    cut = truncation(head_seq, marks.checkpoints)
    if cut is not None:
        problem = cut.reason
    elif last is not None and last.seq and stored != last.row_hash:
        problem = f"第 {last.seq} 条与检查点不符 (entry seq={last.seq} differs from the checkpoint)"
    return ChainStatus(head_seq, last, problem is None, problem)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What an admin filters the log by; every field optional."""

    actor: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    page_size: int


def list_entries(
    db: Database, actor: Actor, filters: AuditFilter, *, page: int = 1, page_size: int = 50
) -> AuditPage:
    """Entries matching the filter, newest first."""
    ensure(actor, Permission.AUDIT_READ)
    page = max(page, 1)
    page_size = min(max(page_size, 1), 500)
    conditions = []
    if filters.actor:
        conditions.append(AuditRow.actor == filters.actor)
    if filters.action:
        conditions.append(AuditRow.action == filters.action)
    if filters.entity_type:
        conditions.append(AuditRow.entity_type == filters.entity_type)
    if filters.entity_id:
        conditions.append(AuditRow.entity_id == filters.entity_id)
    if filters.since:
        conditions.append(AuditRow.occurred_at >= filters.since)
    if filters.until:
        conditions.append(AuditRow.occurred_at < filters.until)
    with db.reading() as session:
        total = session.scalar(select(func.count()).select_from(AuditRow).where(*conditions)) or 0
        rows = session.scalars(
            select(AuditRow)
            .where(*conditions)
            .order_by(AuditRow.seq.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        return AuditPage([_to_entry(r) for r in rows], total, page, page_size)


def distinct_values(db: Database, actor: Actor) -> dict[str, list[str]]:
    """The actions and entity types present, for the filter form."""
    ensure(actor, Permission.AUDIT_READ)
    with db.reading() as session:
        return {
            "action": list(session.scalars(select(AuditRow.action).distinct().order_by("action"))),
            "entity_type": list(
                session.scalars(select(AuditRow.entity_type).distinct().order_by("entity_type"))
            ),
        }
