"""API models of assessment: a year's attainment, scoring schemes and sheets, publications."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ecociv.assessment.model import (
    DEFAULT_GRADE_CUTOFFS,
    AttainmentStatus,
    ProgressStatus,
    RuleKind,
    ScoringItem,
)
from ecociv.assessment.services import (
    IndicatorAssessment,
    SchemeInfo,
    ScoredYear,
    YearAssessment,
)
from ecociv.kernel.inputs import Input


class ProgressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: ProgressStatus
    score: float | None
    cagr_observed: float | None
    cagr_required: float | None
    ratio: float | None
    base_year: int | None
    current_year: int | None
    warning: bool = Field(description="a dated target not on track before its deadline (预警)")
    base_value: float | None
    current_value: float | None
    note: str


class AssessedItemOut(BaseModel):
    indicator: str
    name_zh: str
    name_en: str
    unit: str
    binding: str | None
    value: float | str | None
    target: float | str | None
    target_text: str = Field(description="the target as worded, e.g. ≥ 69.85（2022年）")
    target_from_city: bool = Field(description="no own target: the city's target applies")
    status: AttainmentStatus
    gap: float | None = Field(description="shortfall in the indicator's unit; 0 when attained")
    note: str
    progress: ProgressOut | None
    state: str | None = Field(description="the report state behind the value")


class UnitAssessmentOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    share: float | None = Field(description="attained / applicable, per cent")
    share_binding: float | None = Field(description="the same over binding indicators")
    counts: dict[str, int]
    items: list[AssessedItemOut]


class AssessmentOut(BaseModel):
    year: int
    accepted_only: bool = Field(description="false: includes data not yet accepted")
    synthetic: bool
    framework_versions: dict[str, int]
    areas: dict[str, dict[str, int]] = Field(description="city counts per status by area")
    units: list[UnitAssessmentOut]


class SchemeItemIn(Input):
    model_config = ConfigDict(extra="forbid")

    code: str
    name: str = ""
    kind: RuleKind
    full_marks: float = 0.0
    params: dict[str, Any] = Field(default_factory=dict)


class SchemeItemOut(BaseModel):
    code: str
    name: str
    kind: RuleKind
    full_marks: float
    params: dict[str, Any]


class SchemeIn(Input):
    model_config = ConfigDict(extra="forbid")

    name: str
    year: int = Field(ge=2000, le=2100)
    subject_kind: Literal["county", "department"]
    items: list[SchemeItemIn]
    grade_cutoffs: list[tuple[float, str]] | None = Field(
        None, description="descending (threshold, grade) pairs; default 90/80/60/0"
    )
    bonus_cap: float | None = None


class SchemeOut(BaseModel):
    code: str
    name: str
    year: int
    subject_kind: str
    is_synthetic: bool
    updated_by: str
    items: list[SchemeItemOut]
    grade_cutoffs: list[tuple[float, str]]
    bonus_cap: float | None
    fail_grade: str


class ItemScoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    kind: RuleKind
    full_marks: float
    points: float
    explanation: str


class SheetOut(BaseModel):
    rank: int
    subject: str
    name: str
    base_points: float
    bonus_points: float
    total: float
    grade: str
    vetoed: bool
    capped_to: str | None
    explanation: str
    items: list[ItemScoreOut]


class SheetsOut(BaseModel):
    scheme: SchemeOut
    synthetic: bool
    sheets: list[SheetOut]


class InputIn(Input):
    model_config = ConfigDict(extra="forbid")

    item_code: str
    subject: str = Field(description="a county code or a department code")
    payload: dict[str, Any] = Field(
        description="facts: attained, state, value, target, events, event_count, waived, "
        "grade, triggered"
    )
    note: str = ""


class InputOut(BaseModel):
    scheme: str
    item_code: str
    subject: str
    payload: dict[str, Any]
    note: str


class PublishedOut(BaseModel):
    id: int
    year: int
    published_at: datetime


class PublicationOut(BaseModel):
    id: int
    year: int
    published_at: datetime
    payload: dict[str, Any] = Field(description="what was frozen: assessment and score sheets")
    framework_versions: dict[str, int]


class CountyScoreOut(BaseModel):
    total: float
    grade: str
    name: str


class LatestScoresOut(BaseModel):
    """Empty ({}) when nothing has been published."""

    year: int | None = None
    scheme: str | None = None
    scores: dict[str, CountyScoreOut] | None = None
    grades: list[str] | None = Field(None, description="the grades shown, best first")


# ---- from the services' value objects -------------------------------------------------------


def item_out(item: IndicatorAssessment) -> dict[str, Any]:
    """One assessed indicator as the API shows it."""
    return {
        "indicator": item.indicator.code,
        "name_zh": item.indicator.name_zh,
        "name_en": item.indicator.name_en,
        "unit": item.indicator.unit,
        "binding": item.indicator.binding.value if item.indicator.binding else None,
        "value": item.value,
        "target": item.target_value,
        "target_text": item.target.describe() if item.target else "",
        "target_from_city": item.target_from_city,
        "status": item.attainment.status,
        "gap": item.attainment.gap,
        "note": item.attainment.note,
        "progress": item.progress,
        "state": item.state,
    }


def assessment_out(assessment: YearAssessment) -> dict[str, Any]:
    """A year's assessment: every unit's shares and items."""
    return {
        "year": assessment.year,
        "accepted_only": assessment.accepted_only,
        "synthetic": assessment.synthetic,
        "framework_versions": assessment.framework_versions,
        "areas": assessment.areas,
        "units": [
            {
                "code": u.org_unit_code,
                "name_zh": u.name_zh,
                "name_en": u.name_en,
                "share": u.share(),
                "share_binding": u.share(True),
                "counts": u.counts(),
                "items": [item_out(i) for i in u.items],
            }
            for u in assessment.units
        ],
    }


def scheme_out(info: SchemeInfo) -> dict[str, Any]:
    """A scheme with its items as editable data."""
    scheme = info.scheme
    return {
        "code": scheme.code,
        "name": scheme.name,
        "year": scheme.year,
        "subject_kind": info.subject_kind,
        "is_synthetic": info.is_synthetic,
        "updated_by": info.updated_by,
        "items": [scheme_item_out(i) for i in scheme.items],
        "grade_cutoffs": [list(c) for c in scheme.grade_cutoffs],
        "bonus_cap": scheme.bonus_cap,
        "fail_grade": scheme.fail_grade,
    }


def scheme_item_out(item: ScoringItem) -> dict[str, Any]:
    """An item definition in the shape :func:`save_scheme` takes back."""
    return {
        "code": item.code,
        "name": item.name,
        "kind": item.kind.value,
        "full_marks": item.full_marks,
        "params": dict(item.params),
    }


def sheets_out(scored: ScoredYear) -> dict[str, Any]:
    """A scheme's ranked score sheets with item points and explanations."""
    return {
        "scheme": scheme_out(scored.scheme),
        "synthetic": scored.synthetic,
        "sheets": [
            {
                "rank": rank,
                "subject": sheet.subject,
                "name": scored.names.get(sheet.subject, sheet.subject),
                "base_points": sheet.base_points,
                "bonus_points": sheet.bonus_points,
                "total": sheet.total,
                "grade": sheet.grade,
                "vetoed": sheet.vetoed,
                "capped_to": sheet.capped_to,
                "explanation": sheet.explanation,
                "items": list(sheet.items),
            }
            for rank, sheet in scored.ranked
        ],
    }


def latest_county_scores(published: list[dict[str, Any]]) -> dict[str, Any]:
    """The county scores of the most recent publication that has a county scheme (frozen
    payloads only, never live data): {year, scheme, scores: {code: {total, grade, name}},
    grades}, or {} when nothing is published.

    A publication does not keep its scheme's grade cut-offs, so ``grades`` orders the usual
    names (优秀, 良好, 合格, 不合格) first and any other grade by its best total.
    """
    for publication in sorted(
        published, key=lambda p: (p["year"], p["published_at"]), reverse=True
    ):
        for scores in publication["payload"].get("scores", []):
            if scores.get("subject_kind") != "county" or not scores.get("sheets"):
                continue
            sheets = scores["sheets"]
            usual = [g for _t, g in DEFAULT_GRADE_CUTOFFS]
            best: dict[str, float] = {}
            for sheet in sheets:
                best[sheet["grade"]] = max(best.get(sheet["grade"], sheet["total"]), sheet["total"])
            grades = [g for g in usual if g in best] + sorted(
                (g for g in best if g not in usual), key=lambda g: -best[g]
            )
            return {
                "year": publication["year"],
                "scheme": scores["scheme"],
                "scores": {
                    sheet["subject"]: {
                        "total": sheet["total"],
                        "grade": sheet["grade"],
                        "name": sheet.get("name") or sheet["subject"],
                    }
                    for sheet in sheets
                },
                "grades": grades,
            }
    return {}
