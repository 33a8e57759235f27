"""Use cases of assessment: attainment and progress for a year, annual scoring, publication.

Assessment reads the indicator data through ``ecociv.indicators``; official results use
accepted data only (staff may look at data still in the workflow, marked as such).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecociv import audit, indicators, orgs
from ecociv.adapters.db import Database
from ecociv.assessment.model import (
    DEFAULT_GRADE_CUTOFFS,
    AttainmentResult,
    AttainmentStatus,
    ItemInput,
    ProgressResult,
    RuleKind,
    ScoreSheet,
    ScoringItem,
    ScoringScheme,
)
from ecociv.assessment.rules import assess_attainment, progress, rank, score_item, score_sheet
from ecociv.assessment.tables import PublicationRow, SchemeItemRow, SchemeRow, ScoreInputRow
from ecociv.indicators import (
    STATE_SCALE,
    Binding,
    Comparator,
    Confirmation,
    FormKind,
    IndicatorInfo,
    TargetInfo,
    ValueKind,
)
from ecociv.kernel import (
    Actor,
    Clock,
    NotFoundError,
    Permission,
    SystemClock,
    ValidationError,
    ensure,
)

CITY = orgs.CITY_CODE
#: Values are judged and scored as published: rounded to two decimals (so a published 15.00
#: meets "≥ 15" in the attainment check and in the score sheet alike).
DECIMALS = 2
#: The plan's base year (规划基准年 2017): progress is measured from it.
BASE_YEAR = 2017


@dataclass(frozen=True, slots=True)
class IndicatorAssessment:
    """One indicator for one org unit and year: value, target, attainment, progress."""

    indicator: IndicatorInfo
    org_unit_code: str
    year: int
    value: float | str | None
    target: TargetInfo | None
    target_value: float | str | None
    target_from_city: bool
    attainment: AttainmentResult
    progress: ProgressResult | None
    state: str | None  # the report state behind the value


@dataclass(frozen=True, slots=True)
class UnitAssessment:
    """Every assessed indicator of one org unit in one year, with attainment shares."""

    org_unit_code: str
    name_zh: str
    name_en: str
    year: int
    items: tuple[IndicatorAssessment, ...]

    def counts(self, binding_only: bool = False) -> dict[str, int]:
        chosen = [
            i for i in self.items if not binding_only or i.indicator.binding is Binding.BINDING
        ]
        return {
            s.value: sum(1 for i in chosen if i.attainment.status is s) for s in AttainmentStatus
        }

    def share(self, binding_only: bool = False) -> float | None:
        """Attained / applicable (no data counts against, not applicable is left out)."""
        c = self.counts(binding_only)
        applicable = c["attained"] + c["not_attained"] + c["no_data"]
        return round(c["attained"] / applicable * 100, 1) if applicable else None


@dataclass(frozen=True, slots=True)
class YearAssessment:
    """The city and its counties for one year."""

    year: int
    accepted_only: bool
    units: tuple[UnitAssessment, ...]
    framework_versions: dict[str, int]
    synthetic: bool
    areas: dict[str, dict[str, int]] = field(default_factory=dict)

    def unit(self, code: str) -> UnitAssessment:
        found = next((u for u in self.units if u.org_unit_code == code), None)
        if found is None:
            raise NotFoundError(f"没有单位 {code} 的评估 (no such org unit)")
        return found


def _direction(comparator: Comparator, target: float | None, base: float | None) -> int:
    if comparator in (Comparator.LE, Comparator.DECREASE):
        return -1
    if comparator is Comparator.EQ and target is not None and base is not None and target < base:
        return -1
    return 1


def _applies(indicator: IndicatorInfo, unit: orgs.OrgUnit) -> bool:
    if unit.level is orgs.OrgLevel.CITY:
        return "city" in indicator.levels or any(
            e.form is FormKind.DEPARTMENT for e in indicator.elements
        )
    county = [e for e in indicator.elements if e.form is FormKind.COUNTY]
    if county:
        zone = unit.function_zone.value if unit.function_zone else ""
        return any(not e.applicable_zones or zone in e.applicable_zones for e in county)
    return "county" in indicator.levels and not indicator.elements


def _assess_one(
    indicator: IndicatorInfo,
    unit: orgs.OrgUnit,
    year: int,
    series: indicators.IndicatorSeries,
    targets: Sequence[TargetInfo],
) -> IndicatorAssessment:
    values = series.values.get(unit.code, {})
    value = values.get(year)
    if isinstance(value, float | int):
        value = round(float(value), DECIMALS)
    state = series.states.get(unit.code, {}).get(year)
    own = [t for t in targets if t.org_unit_code == unit.code]
    from_city = False
    if not own and unit.code != CITY:
        aggregation = indicator.aggregation
        # a city total cannot be a county's target; rates, states and relative targets can
        own = [
            t
            for t in targets
            if t.org_unit_code == CITY
            and (aggregation is not indicators.Aggregation.SUM or t.relative_change is not None)
        ]
        from_city = bool(own)
    chosen_spec = indicators.select_target([t.as_spec() for t in own], year)
    chosen = next((t for t in own if chosen_spec is not None and t.as_spec() == chosen_spec), None)
    applicable = _applies(indicator, unit)
    comparator = chosen.comparator if chosen else indicator.comparator
    target_value: float | str | None = None
    baseline: float | str | None = None
    if chosen is not None:
        if chosen.relative_change is not None:
            base = values.get(chosen.baseline_year or BASE_YEAR)
            target_value = indicators.resolve_relative(
                chosen.as_spec(), base if isinstance(base, float | int) else None
            )
        else:
            target_value = chosen.required_state or chosen.value
        if comparator in (Comparator.INCREASE, Comparator.DECREASE):
            baseline = values.get(year - 1)
            if isinstance(baseline, float | int):
                baseline = round(float(baseline), DECIMALS)
    if chosen is None or comparator is None:
        # without a target for this unit the indicator is not assessed here
        result = AttainmentResult(
            AttainmentStatus.NOT_APPLICABLE,
            value,
            None,
            None,
            "没有适用于本单位的目标 (no target for this unit)",
        )
    elif chosen.relative_change is not None and target_value is None:
        result = AttainmentResult(
            AttainmentStatus.NO_DATA if applicable else AttainmentStatus.NOT_APPLICABLE,
            value,
            None,
            None,
            f"缺少基准年 {chosen.baseline_year} 数据 (no baseline value)",
        )
    else:
        result = assess_attainment(
            value,
            comparator,
            target_value if isinstance(target_value, float | int) else None,
            required_state=target_value if isinstance(target_value, str) else None,
            scale=STATE_SCALE,
            baseline=baseline if isinstance(baseline, float | int) else None,
            applicable=applicable,
        )
    trend = None
    numeric = {y: float(v) for y, v in values.items() if isinstance(v, float | int) and y <= year}
    if (
        applicable
        and chosen is not None
        and comparator is not None
        and numeric
        and (comparator is not Comparator.REACH)
    ):
        numeric_target = target_value if isinstance(target_value, float | int) else None
        base = numeric.get(BASE_YEAR) or numeric[min(numeric)]
        try:
            trend = progress(
                numeric,
                base_year=BASE_YEAR,
                direction=_direction(comparator, numeric_target, base),
                target_value=numeric_target if chosen.year else None,
                target_year=chosen.year if numeric_target is not None else None,
                natural_limit=100.0 if indicator.value_kind is ValueKind.PERCENT else None,
            )
        except ValidationError:
            trend = None
    return IndicatorAssessment(
        indicator, unit.code, year, value, chosen, target_value, from_city, result, trend, state
    )


def assess_in(session: Session, year: int, *, accepted_only: bool = True) -> YearAssessment:
    """Attainment and progress of every confirmed indicator for the city and each county."""
    units = orgs.list_org_units_in(session)
    items = [
        i for i in indicators.indicators_in(session) if i.confirmation is Confirmation.CONFIRMED
    ]
    targets = indicators.targets_in(session)
    observed = indicators.observed_values(session, accepted_only=accepted_only)
    by_indicator: dict[str, list[TargetInfo]] = {}
    for target in targets:
        by_indicator.setdefault(target.indicator_code, []).append(target)
    results: dict[str, list[IndicatorAssessment]] = {u.code: [] for u in units}
    for indicator in items:
        series = indicators.series_in(session, indicator, observed)
        for unit in units:
            one = _assess_one(indicator, unit, year, series, by_indicator.get(indicator.code, []))
            if unit.code == CITY or one.attainment.status is not AttainmentStatus.NOT_APPLICABLE:
                results[unit.code].append(one)
    versions = {i.framework_code: i.framework_version for i in items}
    city_items = results[CITY]
    areas: dict[str, dict[str, int]] = {}
    for one in city_items:
        area = one.indicator.area_zh or one.indicator.plan_section.split("(")[0] or "其他"
        bucket = areas.setdefault(area, {s.value: 0 for s in AttainmentStatus})
        bucket[one.attainment.status.value] += 1
    return YearAssessment(
        year=year,
        accepted_only=accepted_only,
        units=tuple(
            UnitAssessment(u.code, u.name_zh, u.name_en, year, tuple(results[u.code]))
            for u in units
        ),
        framework_versions=versions,
        synthetic=year in observed.synthetic_years,
        areas=areas,
    )


def assess_year(
    db: Database, actor: Actor, year: int, *, accepted_only: bool = True
) -> YearAssessment:
    """The year's assessment (accepted data unless ``accepted_only`` is False)."""
    ensure(actor, Permission.ASSESSMENT_READ)
    with db.reading() as session:
        return assess_in(session, year, accepted_only=accepted_only)


# ---- scoring -------------------------------------------------------------------------------


def _scheme(row: SchemeRow, items: Sequence[SchemeItemRow]) -> ScoringScheme:
    return ScoringScheme(
        code=row.code,
        name=row.name,
        year=row.year,
        items=tuple(
            ScoringItem(i.code, i.name, RuleKind(i.kind), i.full_marks, dict(i.params))
            for i in sorted(items, key=lambda r: r.sort_order)
        ),
        grade_cutoffs=tuple((float(t), str(g)) for t, g in row.grade_cutoffs),
        bonus_cap=row.bonus_cap,
        fail_grade=row.fail_grade,
    )


@dataclass(frozen=True, slots=True)
class SchemeInfo:
    id: int
    scheme: ScoringScheme
    subject_kind: str
    is_synthetic: bool
    updated_by: str


def _scheme_rows(session: Session, code: str) -> tuple[SchemeRow, list[SchemeItemRow]]:
    row = session.scalar(select(SchemeRow).where(SchemeRow.code == code))
    if row is None:
        raise NotFoundError(f"没有评分方案 {code} (no such scheme)")
    items = list(session.scalars(select(SchemeItemRow).where(SchemeItemRow.scheme_id == row.id)))
    return row, items


def list_schemes(db: Database, actor: Actor) -> list[SchemeInfo]:
    """Every scoring scheme, newest year first."""
    ensure(actor, Permission.ASSESSMENT_READ)
    with db.reading() as session:
        result = []
        for row in session.scalars(
            select(SchemeRow).order_by(SchemeRow.year.desc(), SchemeRow.code)
        ):
            items = list(
                session.scalars(select(SchemeItemRow).where(SchemeItemRow.scheme_id == row.id))
            )
            result.append(
                SchemeInfo(
                    row.id, _scheme(row, items), row.subject_kind, row.is_synthetic, row.updated_by
                )
            )
        return result


def get_scheme(db: Database, actor: Actor, code: str) -> SchemeInfo:
    """One scheme by code."""
    ensure(actor, Permission.ASSESSMENT_READ)
    with db.reading() as session:
        row, items = _scheme_rows(session, code)
        return SchemeInfo(
            row.id, _scheme(row, items), row.subject_kind, row.is_synthetic, row.updated_by
        )


def validate_scheme_items(items: Sequence[Mapping[str, Any]]) -> list[ScoringItem]:
    """Turn submitted item definitions into items, checking each by scoring an empty and a
    trial input; errors name the item's row and field."""
    made: list[ScoringItem] = []
    seen: set[str] = set()
    for number, raw in enumerate(items, start=1):
        where = f"item {number}"
        try:
            kind = RuleKind(str(raw.get("kind", "")))
        except ValueError:
            raise ValidationError(
                f"{where}: 未知的评分规则 “{raw.get('kind')}” (unknown rule kind)",
                field=f"{where}: kind",
            ) from None
        code = str(raw.get("code", "")).strip()
        if not code or code in seen:
            raise ValidationError(
                f"{where}: 代码为空或重复 (code missing or repeated)", field=f"{where}: code"
            )
        seen.add(code)
        try:
            full = float(raw.get("full_marks", 0))
        except (TypeError, ValueError):
            raise ValidationError(
                f"{where}: 满分必须是数字", field=f"{where}: full_marks"
            ) from None
        params = raw.get("params") or {}
        if not isinstance(params, dict):
            raise ValidationError(
                f"{where}: params 必须是对象 (an object)", field=f"{where}: params"
            )
        item = ScoringItem(code, str(raw.get("name", code)), kind, full, params)
        try:
            score_item(item, ItemInput())
        except ValidationError as exc:
            raise ValidationError(f"{where}: {exc.message}", field=f"{where}: params") from None
        made.append(item)
    return made


def save_scheme(
    db: Database,
    actor: Actor,
    *,
    code: str,
    name: str,
    year: int,
    subject_kind: str,
    items: Sequence[Mapping[str, Any]],
    grade_cutoffs: Sequence[tuple[float, str]] | None = None,
    bonus_cap: float | None = None,
    synthetic: bool = False,
    clock: Clock | None = None,
) -> SchemeInfo:
    """Create or replace a scheme and its items (the scheme is data an admin edits)."""
    ensure(actor, Permission.SCORING_MANAGE)
    clock = clock or SystemClock()
    if subject_kind not in ("county", "department"):
        raise ValidationError("考核对象应为 county 或 department", field="subject_kind")
    made = validate_scheme_items(items)
    pairs = list(grade_cutoffs or DEFAULT_GRADE_CUTOFFS)
    cutoffs: list[list[Any]] = [[float(t), str(g)] for t, g in pairs]
    thresholds = [float(t) for t, _g in pairs]
    if thresholds != sorted(thresholds, reverse=True):
        raise ValidationError(
            "等次分数线须从高到低排列 (cut-offs must descend)", field="grade_cutoffs"
        )
    with db.transaction() as session:
        row = session.scalar(select(SchemeRow).where(SchemeRow.code == code))
        before = None
        if row is None:
            row = SchemeRow(
                code=code,
                name=name,
                year=year,
                subject_kind=subject_kind,
                grade_cutoffs=cutoffs,
                bonus_cap=bonus_cap,
                fail_grade=str(cutoffs[-1][1]),
                is_synthetic=synthetic,
                updated_at=clock.now(),
                updated_by=actor.username,
            )
            session.add(row)
            session.flush()
        else:
            old = list(
                session.scalars(select(SchemeItemRow).where(SchemeItemRow.scheme_id == row.id))
            )
            before = {"items": [asdict(i) for i in _scheme(row, old).items]}
            for old_row in old:
                session.delete(old_row)
            session.flush()
            row.name, row.year, row.subject_kind = name, year, subject_kind
            row.grade_cutoffs, row.bonus_cap = cutoffs, bonus_cap
            row.fail_grade = str(cutoffs[-1][1])
            row.updated_at, row.updated_by = clock.now(), actor.username
        for order, item in enumerate(made):
            session.add(
                SchemeItemRow(
                    scheme_id=row.id,
                    code=item.code,
                    name=item.name,
                    kind=item.kind.value,
                    full_marks=item.full_marks,
                    params=dict(item.params),
                    sort_order=order,
                )
            )
        audit.record(
            session,
            actor,
            "scheme.save",
            "scoring_scheme",
            code,
            before,
            {"items": [asdict(i) for i in made], "cutoffs": cutoffs},
            clock=clock,
            only_changes=False,
        )
        session.flush()
        return SchemeInfo(
            row.id,
            _scheme(
                row,
                list(
                    session.scalars(select(SchemeItemRow).where(SchemeItemRow.scheme_id == row.id))
                ),
            ),
            row.subject_kind,
            row.is_synthetic,
            row.updated_by,
        )


_PAYLOAD_FIELDS = {
    "attained": bool,
    "state": str,
    "value": float,
    "target": float,
    "events": list,
    "event_count": int,
    "waived": bool,
    "grade": str,
    "triggered": bool,
}


def record_input(
    db: Database,
    actor: Actor,
    scheme_code: str,
    item_code: str,
    subject: str,
    payload: Mapping[str, Any],
    note: str = "",
    clock: Clock | None = None,
) -> None:
    """Record the facts for an item and subject (events, a grade, a veto…), replacing any
    earlier record; every change is audited."""
    ensure(actor, Permission.SCORING_MANAGE)
    clock = clock or SystemClock()
    clean: dict[str, Any] = {}
    for key, value in payload.items():
        kind = _PAYLOAD_FIELDS.get(key)
        if kind is None:
            raise ValidationError(f"未知字段 {key} (unknown field)", field=key)
        if kind is list:
            if not isinstance(value, list) or not all(isinstance(v, int | float) for v in value):
                raise ValidationError(f"{key} 应为数字列表", field=key)
            clean[key] = [float(v) for v in value]
        elif kind is float:
            clean[key] = float(value)
        elif kind is int:
            clean[key] = int(value)
        elif kind is bool:
            clean[key] = bool(value)
        else:
            clean[key] = str(value)
    with db.transaction() as session:
        row, items = _scheme_rows(session, scheme_code)
        if item_code not in {i.code for i in items}:
            raise NotFoundError(f"方案中没有评分项 {item_code}", field="item_code")
        if subject not in _subjects(session, row.subject_kind):
            raise ValidationError(f"{subject} 不是本方案的考核对象", field="subject")
        cell = session.scalar(
            select(ScoreInputRow).where(
                ScoreInputRow.scheme_id == row.id,
                ScoreInputRow.item_code == item_code,
                ScoreInputRow.subject == subject,
            )
        )
        before = None if cell is None else dict(cell.payload)
        if cell is None:
            cell = ScoreInputRow(
                scheme_id=row.id,
                item_code=item_code,
                subject=subject,
                payload=clean,
                note=note,
                recorded_by=actor.username,
                recorded_at=clock.now(),
            )
            session.add(cell)
        else:
            cell.payload, cell.note = clean, note
            cell.recorded_by, cell.recorded_at = actor.username, clock.now()
        audit.record(
            session,
            actor,
            "score.input",
            "score_input",
            f"{scheme_code}/{item_code}/{subject}",
            before,
            clean,
            clock=clock,
        )


def _subjects(session: Session, subject_kind: str) -> dict[str, str]:
    if subject_kind == "county":
        return {
            u.code: u.name_zh
            for u in orgs.list_org_units_in(session)
            if u.level is orgs.OrgLevel.COUNTY
        }
    departments = sorted(
        {r.department_code for r in indicators.expected_subjects(session) if r.department_code}
    )
    result = {}
    for code in departments:
        found = orgs.department_in(session, code)
        result[code] = found.name_zh if found else code
    return result


@dataclass(frozen=True, slots=True)
class ScoredYear:
    """Score sheets of a scheme, ranked, with the inputs each item used."""

    scheme: SchemeInfo
    ranked: list[tuple[int, ScoreSheet]]
    names: dict[str, str]
    inputs: dict[str, dict[str, ItemInput]]
    synthetic: bool


def _inputs_for(
    session: Session, scheme: ScoringScheme, subject_kind: str, assessment: YearAssessment
) -> tuple[dict[str, dict[str, ItemInput]], dict[str, str]]:
    subjects = _subjects(session, subject_kind)
    scheme_id = session.scalar(select(SchemeRow.id).where(SchemeRow.code == scheme.code))
    manual: dict[tuple[str, str], dict[str, Any]] = {
        (r.item_code, r.subject): dict(r.payload)
        for r in session.scalars(select(ScoreInputRow).where(ScoreInputRow.scheme_id == scheme_id))
    }
    reports = {
        (r.ref.org_unit_code if r.ref.form is FormKind.COUNTY else r.ref.department_code): r
        for r in indicators.list_reports_in(session, scheme.year)
    }
    by_unit = {u.org_unit_code: {i.indicator.code: i for i in u.items} for u in assessment.units}
    own_codes: dict[str, set[str]] = {}
    for element in indicators.all_elements(session):
        if element.form is FormKind.DEPARTMENT:
            own_codes.setdefault(element.department_code, set()).add(element.indicator_code)
    result: dict[str, dict[str, ItemInput]] = {s: {} for s in subjects}
    for item in scheme.items:
        source = str(item.params.get("source", ""))
        peers: tuple[float, ...] = ()
        if source == "indicator":
            code = str(item.params.get("indicator", ""))
            peers = tuple(
                float(v)
                for s in subjects
                for v in [getattr(by_unit.get(s, {}).get(code), "value", None)]
                if isinstance(v, float)
            )
        for subject in subjects:
            given: dict[str, Any] = {}
            if source == "indicator":
                one = by_unit.get(subject, {}).get(str(item.params.get("indicator", "")))
                if one is not None and one.attainment.status is not AttainmentStatus.NO_DATA:
                    status = one.attainment.status
                    given["attained"] = status is AttainmentStatus.ATTAINED
                    if isinstance(one.value, str):
                        given["state"] = one.value
                    elif isinstance(one.value, float | int):
                        given["value"] = float(one.value)  # already at DECIMALS
                        given["peers"] = peers
                    if isinstance(one.target_value, float | int):
                        given["target"] = round(float(one.target_value), DECIMALS)
            elif source == "on_time":
                report = reports.get(subject)
                if report is not None and report.submitted_at is not None:
                    given["attained"] = bool(report.on_time)
            elif source == "attained_share":
                mine = [
                    i
                    for c, i in by_unit.get(CITY, {}).items()
                    if c in own_codes.get(subject, set())
                ]
                judged = [
                    i for i in mine if i.attainment.status is not AttainmentStatus.NOT_APPLICABLE
                ]
                if judged:
                    attained = sum(
                        1 for i in judged if i.attainment.status is AttainmentStatus.ATTAINED
                    )
                    given["value"] = round(attained / len(judged) * 100, 2)
                    given["target"] = 100.0
            if item.kind in (RuleKind.EVENT_DEDUCTION, RuleKind.BONUS):
                given.setdefault("event_count", 0)  # nothing recorded: no events
            recorded = manual.get((item.code, subject))
            if recorded:
                given.update({k: tuple(v) if k == "events" else v for k, v in recorded.items()})
            if given:
                result[subject][item.code] = ItemInput(**given)
    return result, subjects


def score_year(
    db: Database, actor: Actor, scheme_code: str, *, accepted_only: bool = True
) -> ScoredYear:
    """Score every subject of a scheme from the year's (accepted) data and recorded facts."""
    ensure(actor, Permission.ASSESSMENT_READ)
    with db.reading() as session:
        row, items = _scheme_rows(session, scheme_code)
        scheme = _scheme(row, items)
        assessment = assess_in(session, scheme.year, accepted_only=accepted_only)
        inputs, names = _inputs_for(session, scheme, row.subject_kind, assessment)
        sheets = [score_sheet(scheme, subject, inputs[subject]) for subject in names]
        info = SchemeInfo(row.id, scheme, row.subject_kind, row.is_synthetic, row.updated_by)
        return ScoredYear(
            info, rank(sheets), names, inputs, row.is_synthetic or assessment.synthetic
        )


# ---- publication ---------------------------------------------------------------------------


def _assessment_payload(assessment: YearAssessment) -> dict[str, Any]:
    def one(item: IndicatorAssessment) -> dict[str, Any]:
        return {
            "indicator": item.indicator.code,
            "name_zh": item.indicator.name_zh,
            "name_en": item.indicator.name_en,
            "unit": item.indicator.display_unit,
            "binding": item.indicator.binding.value if item.indicator.binding else None,
            "value": item.value,
            "target": item.target_value,
            "target_text": item.target.describe() if item.target else "",
            "status": item.attainment.status.value,
            "gap": item.attainment.gap,
            "progress": item.progress.status.value if item.progress else None,
        }

    return {
        "units": [
            {
                "code": u.org_unit_code,
                "name_zh": u.name_zh,
                "name_en": u.name_en,
                "share": u.share(),
                "share_binding": u.share(True),
                "counts": u.counts(),
                "items": [one(i) for i in u.items],
            }
            for u in assessment.units
        ],
        "synthetic": assessment.synthetic,
    }


def _scores_payload(scored: ScoredYear) -> dict[str, Any]:
    return {
        "scheme": scored.scheme.scheme.code,
        "name": scored.scheme.scheme.name,
        "subject_kind": scored.scheme.subject_kind,
        "grade_cutoffs": [list(c) for c in scored.scheme.scheme.grade_cutoffs],
        "sheets": [
            {
                "rank": r,
                "subject": s.subject,
                "name": scored.names.get(s.subject),
                "base_points": s.base_points,
                "bonus_points": s.bonus_points,
                "total": s.total,
                "grade": s.grade,
                "vetoed": s.vetoed,
                "capped_to": s.capped_to,
                "explanation": s.explanation,
                "items": [asdict(i) | {"kind": i.kind.value} for i in s.items],
            }
            for r, s in scored.ranked
        ],
    }


def publish_year(
    db: Database, actor: Actor, year: int, clock: Clock | None = None
) -> dict[str, Any]:
    """Freeze and publish the year's assessment (accepted data only) and its schemes' score
    sheets; the public page shows the latest publication of each year."""
    ensure(actor, Permission.RESULTS_PUBLISH)
    clock = clock or SystemClock()
    assessment = assess_year(db, actor, year, accepted_only=True)
    schemes = [s for s in list_schemes(db, actor) if s.scheme.year == year]
    payload = {
        "assessment": _assessment_payload(assessment),
        "scores": [_scores_payload(score_year(db, actor, s.scheme.code)) for s in schemes],
    }
    with db.transaction() as session:
        for old in session.scalars(
            select(PublicationRow).where(
                PublicationRow.year == year, PublicationRow.is_current.is_(True)
            )
        ):
            old.is_current = False
        row = PublicationRow(
            year=year,
            payload=payload,
            framework_versions=assessment.framework_versions,
            published_at=clock.now(),
            published_by=actor.username,
            is_current=True,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "results.publish",
            "publication",
            row.id,
            None,
            {"year": year, "schemes": [s.scheme.code for s in schemes]},
            clock=clock,
        )
        return {"id": row.id, "year": year, "published_at": row.published_at}


def publications(db: Database, actor: Actor) -> list[dict[str, Any]]:
    """The current publication of every year (public)."""
    ensure(actor, Permission.PUBLIC_RESULTS)
    with db.reading() as session:
        return [
            {
                "id": r.id,
                "year": r.year,
                "published_at": r.published_at,
                "payload": r.payload,
                "framework_versions": r.framework_versions,
            }
            for r in session.scalars(
                select(PublicationRow)
                .where(PublicationRow.is_current.is_(True))
                .order_by(PublicationRow.year.desc())
            )
        ]


def public_indicators(db: Database, actor: Actor) -> list[IndicatorInfo]:
    """Confirmed indicators (definitions, not data) for the public results page."""
    ensure(actor, Permission.PUBLIC_RESULTS)
    with db.reading() as session:
        return [
            i for i in indicators.indicators_in(session) if i.confirmation is Confirmation.CONFIRMED
        ]


def public_series(db: Database, actor: Actor, code: str) -> indicators.IndicatorSeries:
    """A confirmed indicator's accepted values only (for the public page and CSV)."""
    ensure(actor, Permission.PUBLIC_RESULTS)
    series = indicators.indicator_series(db, actor, code, accepted_only=True)
    if series.indicator.confirmation is not Confirmation.CONFIRMED:
        raise NotFoundError(f"指标 {code} 待核实，不公开 (not published)")
    return series
