"""Who may do what: roles, the actor of a request, and the one permission check.

Every route and every service asks :func:`can` / :func:`ensure`; scope checks (a county
officer writes only its own county, an enterprise user sees only its own enterprise) are the
``ensure_*_scope`` functions below. Nothing else in the code base decides access.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from ecociv.kernel.errors import PermissionDeniedError


class Role(StrEnum):
    """The platform's roles (docs/glossary.md)."""

    ADMIN = "admin"  # 系统管理员
    CITY_OFFICE = "city_office"  # 市创建办（生态文明建设示范市创建工作领导小组办公室）
    COUNTY_OFFICER = "county_officer"  # 县（市、区）工作人员，限本县
    DEPARTMENT_OFFICER = "department_officer"  # 市直部门工作人员，限本部门
    ENTERPRISE_USER = "enterprise_user"  # 企业用户，限本企业
    INSPECTOR = "inspector"  # 督查人员：只读全部
    PUBLIC = "public"  # 公众（未登录）


ROLE_NAMES: dict[Role, tuple[str, str]] = {
    Role.ADMIN: ("系统管理员", "Administrator"),
    Role.CITY_OFFICE: ("市创建办", "City leading-group office"),
    Role.COUNTY_OFFICER: ("县（市、区）用户", "County officer"),
    Role.DEPARTMENT_OFFICER: ("市直部门用户", "Department officer"),
    Role.ENTERPRISE_USER: ("企业用户", "Enterprise user"),
    Role.INSPECTOR: ("督查人员", "Inspector"),
    Role.PUBLIC: ("公众", "Public"),
}


class Permission(StrEnum):
    """Actions a route or service may require."""

    DASHBOARD_VIEW = "dashboard.view"
    MAP_VIEW = "map.view"
    ORG_READ = "org.read"
    ENTERPRISE_READ = "enterprise.read"
    ENTERPRISE_WRITE = "enterprise.write"
    AUDIT_READ = "audit.read"
    USER_MANAGE = "user.manage"
    TOKEN_MANAGE = "token.manage"
    ACCOUNT_SELF = "account.self"
    INDICATOR_READ = "indicator.read"
    FRAMEWORK_MANAGE = "framework.manage"
    TARGET_MANAGE = "target.manage"
    REPORT_READ = "report.read"
    REPORT_EDIT = "report.edit"
    REPORT_APPROVE = "report.approve"
    REPORT_ACCEPT = "report.accept"
    ASSESSMENT_READ = "assessment.read"
    SCORING_MANAGE = "scoring.manage"
    RESULTS_PUBLISH = "results.publish"
    PUBLIC_RESULTS = "results.public"
    MONITORING_READ = "monitoring.read"
    MONITORING_WRITE = "monitoring.write"
    SOURCE_READ = "source.read"
    SOURCE_MANAGE = "source.manage"
    WARNING_HANDLE = "warning.handle"
    WASTE_READ = "waste.read"
    WASTE_ACT = "waste.act"
    WASTE_MANAGE = "waste.manage"
    WASTE_RECORD = "waste.record"
    WASTE_WARNING_HANDLE = "waste.warning.handle"


_ALL_SIGNED_IN = frozenset(Role) - {Role.PUBLIC}
_GOVERNMENT = _ALL_SIGNED_IN - {Role.ENTERPRISE_USER}
_REPORTERS = frozenset({Role.COUNTY_OFFICER, Role.DEPARTMENT_OFFICER})
_CITY = frozenset({Role.ADMIN, Role.CITY_OFFICE})

#: The role → permission table. Scope (which county, which enterprise) is checked separately.
GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.DASHBOARD_VIEW: frozenset(Role),
    Permission.MAP_VIEW: frozenset(Role),
    Permission.ORG_READ: frozenset(Role),
    Permission.ENTERPRISE_READ: _ALL_SIGNED_IN,
    Permission.ENTERPRISE_WRITE: frozenset({Role.ADMIN, Role.CITY_OFFICE, Role.COUNTY_OFFICER}),
    Permission.AUDIT_READ: frozenset({Role.ADMIN, Role.INSPECTOR}),
    Permission.USER_MANAGE: frozenset({Role.ADMIN}),
    Permission.TOKEN_MANAGE: frozenset({Role.ADMIN}),
    Permission.ACCOUNT_SELF: _ALL_SIGNED_IN,
    Permission.INDICATOR_READ: _GOVERNMENT,
    Permission.FRAMEWORK_MANAGE: frozenset({Role.ADMIN}),
    Permission.TARGET_MANAGE: _CITY,
    Permission.REPORT_READ: _GOVERNMENT,
    Permission.REPORT_EDIT: _REPORTERS,
    Permission.REPORT_APPROVE: _REPORTERS,
    Permission.REPORT_ACCEPT: _CITY,
    Permission.ASSESSMENT_READ: _GOVERNMENT,
    Permission.SCORING_MANAGE: _CITY,
    Permission.RESULTS_PUBLISH: _CITY,
    Permission.PUBLIC_RESULTS: frozenset(Role),
    Permission.MONITORING_READ: frozenset(Role),  # site lists are public information
    Permission.MONITORING_WRITE: _CITY,
    # pollution-source online monitoring: never public; county and enterprise scope in services
    Permission.SOURCE_READ: _ALL_SIGNED_IN,
    Permission.SOURCE_MANAGE: _CITY,
    Permission.WARNING_HANDLE: frozenset({Role.ADMIN, Role.CITY_OFFICE, Role.COUNTY_OFFICER}),
    # hazardous waste: never public; enterprise users see and act for their own enterprise only,
    # county officers see their county; the bureau (city office) manages licences and approvals
    Permission.WASTE_READ: _ALL_SIGNED_IN,
    Permission.WASTE_ACT: frozenset({Role.ADMIN, Role.ENTERPRISE_USER}),
    Permission.WASTE_MANAGE: _CITY,
    # records a party keeps (vehicles, crew, plans, ledger, GPS fixes, manifest steps): its own
    # users for its own unit, the bureau for any (the services check which unit)
    Permission.WASTE_RECORD: frozenset({Role.ADMIN, Role.CITY_OFFICE, Role.ENTERPRISE_USER}),
    Permission.WASTE_WARNING_HANDLE: frozenset({Role.ADMIN, Role.CITY_OFFICE, Role.COUNTY_OFFICER}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Whoever makes a request: a signed-in user, a machine token, the CLI, or the public."""

    username: str
    role: Role
    user_id: int | None = None
    county_code: str | None = None
    department_code: str | None = None
    enterprise_id: int | None = None
    request_id: str | None = None
    via_token: bool = False
    is_head: bool = False  # 单位负责人: approves its county's or department's reports

    @property
    def is_authenticated(self) -> bool:
        return self.role is not Role.PUBLIC

    def with_request(self, request_id: str) -> Actor:
        return replace(self, request_id=request_id)


PUBLIC_ACTOR = Actor(username="public", role=Role.PUBLIC)


def can(actor: Actor, permission: Permission) -> bool:
    """Whether the actor's role holds the permission (scope aside).

    Examples:
        >>> can(PUBLIC_ACTOR, Permission.MAP_VIEW)
        True
        >>> can(PUBLIC_ACTOR, Permission.ENTERPRISE_READ)
        False
    """
    return actor.role in GRANTS[permission]


def ensure(actor: Actor, permission: Permission) -> None:
    """Raise PermissionDeniedError unless the actor holds the permission."""
    if not can(actor, permission):
        raise PermissionDeniedError(f"角色 {actor.role} 无权执行 {permission} (not permitted)")


def ensure_county_scope(actor: Actor, county_code: str | None) -> None:
    """A write touching a county's data: the city office and admins anywhere, a county
    officer only in its own county, everyone else nowhere."""
    if actor.role in (Role.ADMIN, Role.CITY_OFFICE):
        return
    if actor.role is Role.COUNTY_OFFICER and county_code and actor.county_code == county_code:
        return
    raise PermissionDeniedError(
        f"{actor.username} 无权操作 {county_code or '市级'} 的数据 "
        "(outside this account's county scope)"
    )


def may_read_enterprise(actor: Actor, enterprise_id: int) -> bool:
    """Enterprise users see their own enterprise only; other signed-in roles see all."""
    if not can(actor, Permission.ENTERPRISE_READ):
        return False
    if actor.role is Role.ENTERPRISE_USER:
        return actor.enterprise_id == enterprise_id
    return True


def ensure_enterprise_scope(actor: Actor, enterprise_id: int) -> None:
    """Raise unless the actor may read this enterprise's record."""
    if not may_read_enterprise(actor, enterprise_id):
        raise PermissionDeniedError("无权查看该企业 (outside this account's enterprise scope)")
