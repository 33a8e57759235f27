"""Import every domain's tables so Base.metadata is complete (for Alembic and checks)."""

from ecociv.audit import tables as audit_tables
from ecociv.indicators import tables as indicators_tables
from ecociv.orgs import tables as orgs_tables
from ecociv.users import tables as users_tables

__all__ = ["audit_tables", "indicators_tables", "orgs_tables", "users_tables"]
