"""JSON API: /api/v1/org-units, /departments, /boundaries, /enterprises."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from ecociv.adapters.db import Database
from ecociv.adapters.http import PageNo, get_db, require
from ecociv.kernel import Actor, Permission
from ecociv.orgs import services
from ecociv.orgs.model import EnterpriseDraft
from ecociv.orgs.schemas import (
    DepartmentOut,
    EnterpriseCreate,
    EnterpriseOut,
    EnterprisePageOut,
    EnterpriseUpdate,
    OrgUnitOut,
)

router = APIRouter(prefix="/api/v1", tags=["organisation"])


@router.get("/org-units", response_model=list[OrgUnitOut])
def list_org_units(
    db: Database = Depends(get_db), actor: Actor = Depends(require(Permission.ORG_READ))
) -> Any:
    """The city and its six county-level units."""
    return services.list_org_units(db, actor)


@router.get("/org-units/{code}", response_model=OrgUnitOut)
def get_org_unit(
    code: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ORG_READ)),
) -> Any:
    """One org unit by its administrative division code."""
    return services.get_org_unit(db, actor, code)


@router.get("/departments", response_model=list[DepartmentOut])
def list_departments(
    db: Database = Depends(get_db), actor: Actor = Depends(require(Permission.ORG_READ))
) -> Any:
    """Municipal departments that carry the plan's tasks."""
    return services.list_departments(db, actor)


@router.get("/boundaries")
def boundaries(
    db: Database = Depends(get_db), actor: Actor = Depends(require(Permission.MAP_VIEW))
) -> dict[str, Any]:
    """City and county boundaries as GeoJSON (GCJ-02)."""
    return services.boundaries_geojson(db, actor)


@router.get("/boundaries/neighbours")
def neighbour_boundaries(actor: Actor = Depends(require(Permission.MAP_VIEW))) -> dict[str, Any]:
    """The six neighbouring cities as GeoJSON (GCJ-02), for map context."""
    return services.neighbours_geojson(actor)


@router.get("/enterprises", response_model=EnterprisePageOut)
def list_enterprises(
    county_code: str | None = None,
    tag: str | None = None,
    q: str | None = Query(None, description="part of the name or credit code"),
    page: PageNo = 1,
    page_size: int = Query(50, ge=1, le=500),
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ENTERPRISE_READ)),
) -> Any:
    """Enterprises the caller may see (an enterprise user: only its own)."""
    return services.list_enterprises(
        db, actor, county_code=county_code, tag=tag, query=q, page=page, page_size=page_size
    )


@router.post("/enterprises", response_model=EnterpriseOut, status_code=201)
def create_enterprise(
    body: EnterpriseCreate,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ENTERPRISE_WRITE)),
) -> Any:
    """Register an enterprise (county officers: in their own county only)."""
    return services.create_enterprise(db, actor, EnterpriseDraft(**body.model_dump()))


@router.get("/enterprises/{uscc}", response_model=EnterpriseOut)
def get_enterprise(
    uscc: str,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ENTERPRISE_READ)),
) -> Any:
    """One enterprise by its 统一社会信用代码."""
    return services.get_enterprise(db, actor, uscc)


@router.patch("/enterprises/{uscc}", response_model=EnterpriseOut)
def update_enterprise(
    uscc: str,
    body: EnterpriseUpdate,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ENTERPRISE_WRITE)),
) -> Any:
    """Change an enterprise's fields (county officers: in their own county only)."""
    return services.update_enterprise(db, actor, uscc, body.model_dump(exclude_unset=True))
