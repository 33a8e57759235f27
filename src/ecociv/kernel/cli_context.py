"""What the root command line hands to each domain's commands (no settings, no I/O here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ecociv.kernel.access import Actor


@dataclass
class CliContext:
    """The database and the readings store (built lazily by the composition root) and the
    acting operator."""

    make_db: Callable[[], Any]
    actor: Actor
    make_readings: Callable[[], Any] | None = None
    #: Where new warnings are posted (the ``warning_webhook_url`` setting; "" for nowhere).
    webhook_url: Callable[[], str] = lambda: ""
    #: The audit checkpoints file and where each checkpoint is posted ("" for nowhere).
    audit_checkpoints: Callable[[], Any] = lambda: None
    audit_webhook_url: Callable[[], str] = lambda: ""
    _db: Any = field(default=None, repr=False)

    def close(self) -> None:
        """Release the database connections, if any were opened."""
        if self._db is not None:
            self._db.dispose()
            self._db = None

    @property
    def readings(self) -> Any:
        """The readings store (opened per call by the store itself; nothing to release)."""
        if self.make_readings is None:
            raise RuntimeError("no readings store configured")
        return self.make_readings()

    @property
    def db(self) -> Any:
        if self._db is None:
            self._db = self.make_db()
        return self._db
