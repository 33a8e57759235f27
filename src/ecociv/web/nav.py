"""Navigation: each module registers its entries; a user sees only what they may open."""

from __future__ import annotations

from dataclasses import dataclass

from ecociv.kernel import Actor, Permission, can


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


#: Messages built at run time (an org unit's level, capitalised).
DYNAMIC_MESSAGES = (
    N_("City"),
    N_("County"),
    # report states, forms and binding classes, shown by their stored value
    N_("draft"),
    N_("submitted"),
    N_("approved"),
    N_("accepted"),
    N_("returned"),
    N_("county"),
    N_("department"),
    N_("binding"),
    N_("reference"),
)


@dataclass(frozen=True, slots=True)
class NavItem:
    """A top-level navigation entry (label is an English msgid)."""

    label: str
    href: str
    permission: Permission


#: In display order. Only modules that exist are listed; a test opens every link.
NAV: tuple[NavItem, ...] = (
    NavItem(N_("Dashboard"), "/", Permission.DASHBOARD_VIEW),
    NavItem(N_("One map"), "/map", Permission.MAP_VIEW),
    NavItem(N_("Water map"), "/water", Permission.MONITORING_READ),
    NavItem(N_("Air quality"), "/air", Permission.MONITORING_READ),
    NavItem(N_("Soil"), "/soil", Permission.MONITORING_READ),
    NavItem(N_("Pollution sources"), "/sources", Permission.SOURCE_READ),
    NavItem(N_("Hazardous waste"), "/waste", Permission.WASTE_READ),
    NavItem(N_("Organisation"), "/orgs", Permission.ORG_READ),
    NavItem(N_("Indicators"), "/indicators", Permission.INDICATOR_READ),
    NavItem(N_("Annual reports"), "/reports", Permission.REPORT_READ),
    NavItem(N_("Assessment"), "/assessment", Permission.ASSESSMENT_READ),
    NavItem(N_("Scoring"), "/scoring", Permission.ASSESSMENT_READ),
    NavItem(N_("Public results"), "/results", Permission.PUBLIC_RESULTS),
    NavItem(N_("Enterprises"), "/enterprises", Permission.ENTERPRISE_READ),
    NavItem(N_("Audit log"), "/audit", Permission.AUDIT_READ),
    NavItem(N_("Users"), "/admin/users", Permission.USER_MANAGE),
    NavItem(N_("API tokens"), "/admin/tokens", Permission.TOKEN_MANAGE),
)


def visible_nav(actor: Actor) -> list[NavItem]:
    """The entries this actor may open."""
    return [item for item in NAV if can(actor, item.permission)]
