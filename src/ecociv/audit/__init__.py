"""The audit log: every write, attributed, append-only, in a keyed hash chain whose head is
checkpointed outside the database."""

from ecociv.audit.model import AuditEntry, BreakKind, ChainBreak, Checkpoint
from ecociv.audit.services import (
    AuditFilter,
    AuditKeyMissing,
    has_entries,
    key_signs_entries,
    list_entries,
    record,
    verify_chain,
    write_checkpoint,
)

__all__ = [
    "AuditEntry",
    "AuditFilter",
    "AuditKeyMissing",
    "BreakKind",
    "ChainBreak",
    "Checkpoint",
    "has_entries",
    "key_signs_entries",
    "list_entries",
    "record",
    "verify_chain",
    "write_checkpoint",
]
