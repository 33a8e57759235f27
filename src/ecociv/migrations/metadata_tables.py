"""Import every domain's tables so Base.metadata is complete (for Alembic and checks)."""

from ecociv.assessment import tables as assessment_tables
from ecociv.audit import tables as audit_tables
from ecociv.indicators import tables as indicators_tables
from ecociv.monitoring import tables as monitoring_tables
from ecociv.orgs import tables as orgs_tables
from ecociv.sources import tables as sources_tables
from ecociv.users import tables as users_tables
from ecociv.waste import tables as waste_tables

__all__ = [
    "assessment_tables",
    "audit_tables",
    "indicators_tables",
    "monitoring_tables",
    "orgs_tables",
    "sources_tables",
    "users_tables",
    "waste_tables",
]
