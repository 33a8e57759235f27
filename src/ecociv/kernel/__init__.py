"""Pure shared vocabulary: errors, actors and permissions, official codes, the clock."""

from ecociv.kernel.access import (
    PUBLIC_ACTOR,
    ROLE_NAMES,
    Actor,
    Permission,
    Role,
    can,
    ensure,
    ensure_county_scope,
    ensure_enterprise_scope,
)
from ecociv.kernel.clock import Clock, SystemClock, utc_now
from ecociv.kernel.errors import (
    ConflictError,
    EcocivError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from ecociv.kernel.uscc import UsccError, check_char, validate_uscc

__all__ = [
    "PUBLIC_ACTOR",
    "ROLE_NAMES",
    "Actor",
    "Clock",
    "ConflictError",
    "EcocivError",
    "NotFoundError",
    "Permission",
    "PermissionDeniedError",
    "Role",
    "SystemClock",
    "UsccError",
    "ValidationError",
    "can",
    "check_char",
    "ensure",
    "ensure_county_scope",
    "ensure_enterprise_scope",
    "utc_now",
    "validate_uscc",
]
