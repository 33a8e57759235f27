"""Import every domain's tables so Base.metadata is complete (for Alembic and checks)."""

from ecociv.audit import tables as audit_tables
from ecociv.orgs import tables as orgs_tables
from ecociv.users import tables as users_tables

__all__ = ["audit_tables", "orgs_tables", "users_tables"]
