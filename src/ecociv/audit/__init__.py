"""The audit log: every write, attributed, append-only and hash-chained."""

from ecociv.audit.model import AuditEntry, ChainBreak
from ecociv.audit.services import AuditFilter, list_entries, record, verify_chain

__all__ = ["AuditEntry", "AuditFilter", "ChainBreak", "list_entries", "record", "verify_chain"]
