"""JSON API: /api/v1/assessment, /scoring, /results."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path

from ecociv.adapters.db import Database
from ecociv.adapters.http import get_db, require
from ecociv.assessment import services
from ecociv.assessment.schemas import (
    AssessmentOut,
    InputIn,
    InputOut,
    LatestScoresOut,
    PublicationOut,
    PublishedOut,
    SchemeIn,
    SchemeOut,
    SheetsOut,
    assessment_out,
    latest_county_scores,
    scheme_out,
    sheets_out,
)
from ecociv.kernel import Actor, Permission

router = APIRouter(prefix="/api/v1", tags=["assessment"])

YEAR = Path(..., ge=2000, le=2100)


@router.get(
    "/assessment/scores/latest", response_model=LatestScoresOut, response_model_exclude_none=True
)
def latest_scores(
    db: Database = Depends(get_db), actor: Actor = Depends(require(Permission.PUBLIC_RESULTS))
) -> Any:
    """County totals and grades of the most recent published county scheme ({} if none)."""
    return latest_county_scores(services.publications(db, actor))


@router.get("/assessment/{year}", response_model=AssessmentOut)
def assessment(
    year: int = YEAR,
    include_pending: bool = False,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ASSESSMENT_READ)),
) -> Any:
    """Attainment and progress of the city and every county (accepted data unless
    include_pending=true)."""
    return assessment_out(services.assess_year(db, actor, year, accepted_only=not include_pending))


@router.get("/scoring/schemes", response_model=list[SchemeOut])
def list_schemes(
    db: Database = Depends(get_db), actor: Actor = Depends(require(Permission.ASSESSMENT_READ))
) -> Any:
    """Every scoring scheme, newest year first."""
    return [scheme_out(s) for s in services.list_schemes(db, actor)]


@router.get("/scoring/schemes/{code}/sheets", response_model=SheetsOut)
def sheets(
    code: str,
    include_pending: bool = False,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.ASSESSMENT_READ)),
) -> Any:
    """The scheme's score sheets, ranked, each item with its points and explanation."""
    return sheets_out(services.score_year(db, actor, code, accepted_only=not include_pending))


@router.put("/scoring/schemes/{code}", response_model=SchemeOut)
def save_scheme(
    code: str,
    body: SchemeIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SCORING_MANAGE)),
) -> Any:
    """Create or replace a scheme; a bad item names its row and field and saves nothing."""
    return scheme_out(
        services.save_scheme(
            db,
            actor,
            code=code,
            name=body.name,
            year=body.year,
            subject_kind=body.subject_kind,
            items=[i.model_dump(mode="json") for i in body.items],
            grade_cutoffs=body.grade_cutoffs,
            bonus_cap=body.bonus_cap,
        )
    )


@router.post("/scoring/schemes/{code}/inputs", response_model=InputOut, status_code=201)
def record_input(
    code: str,
    body: InputIn,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.SCORING_MANAGE)),
) -> Any:
    """Record the facts of one item for one subject (replacing an earlier record)."""
    services.record_input(db, actor, code, body.item_code, body.subject, body.payload, body.note)
    return {"scheme": code, **body.model_dump()}


@router.post("/results/{year}/publish", response_model=PublishedOut, status_code=201)
def publish(
    year: int = YEAR,
    db: Database = Depends(get_db),
    actor: Actor = Depends(require(Permission.RESULTS_PUBLISH)),
) -> Any:
    """Freeze and publish the year's assessment (accepted data) and score sheets."""
    return services.publish_year(db, actor, year)


@router.get("/results", response_model=list[PublicationOut])
def results(
    db: Database = Depends(get_db), actor: Actor = Depends(require(Permission.PUBLIC_RESULTS))
) -> Any:
    """The current publication of every year (public)."""
    return services.publications(db, actor)
