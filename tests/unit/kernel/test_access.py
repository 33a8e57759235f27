"""One permission check: role grants and county scope."""

from __future__ import annotations

import pytest

from ecociv.kernel import (
    PUBLIC_ACTOR,
    Actor,
    Permission,
    PermissionDeniedError,
    Role,
    can,
    ensure,
    ensure_county_scope,
    ensure_enterprise_scope,
)

KECHENG = Actor("kecheng", Role.COUNTY_OFFICER, user_id=3, county_code="330802")


def test_public_reads_the_map_but_not_the_enterprise_register() -> None:
    assert can(PUBLIC_ACTOR, Permission.MAP_VIEW)
    assert not can(PUBLIC_ACTOR, Permission.ENTERPRISE_READ)


def test_inspector_reads_but_never_writes() -> None:
    inspector = Actor("i", Role.INSPECTOR)
    assert can(inspector, Permission.ENTERPRISE_READ)
    assert can(inspector, Permission.AUDIT_READ)
    assert not can(inspector, Permission.ENTERPRISE_WRITE)
    with pytest.raises(PermissionDeniedError):
        ensure(inspector, Permission.USER_MANAGE)


def test_county_officer_writes_only_its_own_county() -> None:
    ensure_county_scope(KECHENG, "330802")
    with pytest.raises(PermissionDeniedError, match="330881"):
        ensure_county_scope(KECHENG, "330881")
    with pytest.raises(PermissionDeniedError):
        ensure_county_scope(KECHENG, None)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CITY_OFFICE])
def test_city_roles_write_any_county(role: Role) -> None:
    ensure_county_scope(Actor("x", role), "330881")


@pytest.mark.parametrize("role", [Role.DEPARTMENT_OFFICER, Role.ENTERPRISE_USER, Role.INSPECTOR])
def test_other_roles_write_no_county(role: Role) -> None:
    with pytest.raises(PermissionDeniedError):
        ensure_county_scope(Actor("x", role, county_code="330802"), "330802")


def test_enterprise_user_sees_only_its_own_enterprise() -> None:
    user = Actor("e", Role.ENTERPRISE_USER, enterprise_id=7)
    ensure_enterprise_scope(user, 7)
    with pytest.raises(PermissionDeniedError):
        ensure_enterprise_scope(user, 8)
    ensure_enterprise_scope(KECHENG, 8)
