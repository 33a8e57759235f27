"""What the root command line hands to each domain's commands (no settings, no I/O here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ecociv.kernel.access import Actor


@dataclass
class CliContext:
    """The database (built lazily by the composition root) and the acting operator."""

    make_db: Callable[[], Any]
    actor: Actor
    _db: Any = field(default=None, repr=False)

    def close(self) -> None:
        """Release the database connections, if any were opened."""
        if self._db is not None:
            self._db.dispose()
            self._db = None

    @property
    def db(self) -> Any:
        if self._db is None:
            self._db = self.make_db()
        return self._db
