"""Use cases of the indicator system: catalogues, targets, annual reports and their workflow."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecociv import audit, orgs
from ecociv.adapters.db import Database
from ecociv.adapters.files import MAX_BYTES, FileStore
from ecociv.indicators.model import (
    Aggregation,
    Binding,
    Comparator,
    Confirmation,
    ElementSpec,
    EvidenceInfo,
    FormKind,
    IndicatorInfo,
    IndicatorSpec,
    Issue,
    ReportAction,
    ReportEvent,
    ReportRef,
    ReportState,
    ReportSummary,
    ReportView,
    TargetInfo,
    TargetSpec,
    ValueKind,
)
from ecociv.indicators.rules import (
    check_city_total,
    completeness,
    due_date,
    is_applicable,
    is_on_time,
    next_state,
    parse_national,
    parse_plan,
    parse_reporting,
    state_rank,
    validate_values,
)
from ecociv.indicators.tables import (
    DataElementRow,
    DataValueRow,
    EvidenceRow,
    FrameworkRow,
    IndicatorLinkRow,
    IndicatorRow,
    ReportEventRow,
    ReportRow,
    TargetRow,
)
from ecociv.kernel import (
    Actor,
    Clock,
    ConflictError,
    NotFoundError,
    Permission,
    PermissionDeniedError,
    Role,
    SystemClock,
    ValidationError,
    ensure,
)

_DATA = resources.files("ecociv.indicators").joinpath("data")
CITY = orgs.CITY_CODE

#: The catalogues shipped with the package: code → (file, title zh, title en, document).
CATALOGUES = {
    "national_demo_2019": (
        "national_demo_2019.csv",
        "国家生态文明建设示范市县建设指标",
        "National eco-civilisation demonstration city/county indicators",
        "环生态〔2019〕76号",
    ),
    "quzhou_plan_2020": (
        "quzhou_plan_targets.csv",
        "衢州市创建国家生态文明建设示范市规划目标",
        "Targets of the Quzhou demonstration-city plan",
        "衢政发〔2020〕9号",
    ),
}


def _read(name: str) -> tuple[list[dict[str, str]], str]:
    raw = _DATA.joinpath(name).read_bytes()
    text = raw.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text))), hashlib.sha256(raw).hexdigest()


def _parse(
    code: str, rows: Sequence[Mapping[str, str]]
) -> tuple[list[IndicatorSpec], list[TargetSpec]]:
    return parse_national(rows) if code == "national_demo_2019" else parse_plan(rows)


# ---- catalogues -------------------------------------------------------------------------


def load_catalogues(db: Database, actor: Actor, clock: Clock | None = None) -> dict[str, int]:
    """Load the shipped catalogues, the reporting configuration and the plan's city targets.
    Safe to run twice: a catalogue already loaded from the same file is left alone."""
    ensure(actor, Permission.FRAMEWORK_MANAGE)
    clock = clock or SystemClock()
    counts = {"frameworks": 0, "indicators": 0, "targets": 0, "elements": 0}
    with db.transaction() as session:
        for code, (name, title_zh, title_en, document) in CATALOGUES.items():
            rows, digest = _read(name)
            current = _current_framework(session, code)
            if current is not None and current.source_sha256 == digest:
                continue
            specs, targets = _parse(code, rows)
            framework = _store_framework(
                session, actor, clock, code, title_zh, title_en, document, name, digest, specs
            )
            counts["frameworks"] += 1
            counts["indicators"] += len(specs)
            counts["targets"] += _store_catalogue_targets(session, actor, clock, framework, targets)
        counts["elements"] = _load_elements(session, actor, clock)
        links, _digest = _read("links.csv")
        existing = {
            (r.plan_code, r.national_code) for r in session.scalars(select(IndicatorLinkRow))
        }
        for link in links:
            key = (link["plan_code"], link["national_code"])
            if key not in existing:
                session.add(
                    IndicatorLinkRow(
                        plan_code=key[0], national_code=key[1], relation=link["relation"]
                    )
                )
    return counts


def _current_framework(session: Session, code: str) -> FrameworkRow | None:
    return session.scalar(
        select(FrameworkRow).where(FrameworkRow.code == code, FrameworkRow.is_current.is_(True))
    )


def _store_framework(
    session: Session,
    actor: Actor,
    clock: Clock,
    code: str,
    title_zh: str,
    title_en: str,
    document: str,
    source_file: str,
    digest: str,
    specs: Sequence[IndicatorSpec],
) -> FrameworkRow:
    previous = _current_framework(session, code)
    version = 1 if previous is None else previous.version + 1
    if previous is not None:
        previous.is_current = False
    framework = FrameworkRow(
        code=code,
        version=version,
        title_zh=title_zh,
        title_en=title_en,
        document_no=document,
        source_file=source_file,
        source_sha256=digest,
        row_count=len(specs),
        is_current=True,
        loaded_at=clock.now(),
        loaded_by=actor.username,
    )
    session.add(framework)
    session.flush()
    confirmed_before = {}
    if previous is not None:
        confirmed_before = {
            r.code: r
            for r in session.scalars(
                select(IndicatorRow).where(IndicatorRow.framework_id == previous.id)
            )
        }
    for order, spec in enumerate(specs):
        old = confirmed_before.get(spec.code)
        keep = (
            old is not None
            and old.confirmation == Confirmation.CONFIRMED.value
            and (spec.confirmation is not Confirmation.CONFIRMED)
        )
        session.add(
            IndicatorRow(
                framework_id=framework.id,
                code=spec.code,
                number=spec.number,
                sort_order=order,
                area_zh=spec.area_zh,
                area_en=spec.area_en,
                task_zh=spec.task_zh,
                task_en=spec.task_en,
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                unit=spec.unit,
                value_kind=spec.value_kind.value,
                comparator=spec.comparator.value if spec.comparator else None,
                binding=spec.binding.value if spec.binding else None,
                levels=spec.levels,
                # an admin's confirmation carries over to a new version of the same row
                confirmation=Confirmation.CONFIRMED.value if keep else spec.confirmation.value,
                confirmed_by=old.confirmed_by if keep and old else None,
                confirmed_at=old.confirmed_at if keep and old else None,
                confirmation_citation=old.confirmation_citation if keep and old else "",
                source=spec.source,
                quote=spec.quote,
                plan_section=spec.plan_section,
                note=spec.note,
            )
        )
    audit.record(
        session,
        actor,
        "framework.load",
        "indicator_framework",
        f"{code} v{version}",
        None,
        {"rows": len(specs), "sha256": digest, "file": source_file},
        clock=clock,
    )
    return framework


def _store_catalogue_targets(
    session: Session,
    actor: Actor,
    clock: Clock,
    framework: FrameworkRow,
    targets: Sequence[TargetSpec],
) -> int:
    """City (and, for county-level rows, every county's) targets from a catalogue, unless a
    current target for that indicator and org unit already exists."""
    counties = [u.code for u in _counties(session)]
    made = 0
    for spec in targets:
        units = [CITY] if spec.level == "city" else counties
        for unit in units:
            exists = session.scalar(
                select(TargetRow.id).where(
                    TargetRow.framework_code == framework.code,
                    TargetRow.indicator_code == spec.indicator_code,
                    TargetRow.org_unit_code == unit,
                    TargetRow.is_current.is_(True),
                )
            )
            if exists is not None:
                continue
            row = _target_row(
                spec,
                framework.code,
                unit,
                actor,
                clock,
                source=f"{framework.document_no} {spec.wording}".strip(),
            )
            session.add(row)
            made += 1
    session.flush()
    return made


def _target_row(
    spec: TargetSpec,
    framework_code: str,
    org_unit: str,
    actor: Actor,
    clock: Clock,
    *,
    source: str,
    revision: int = 1,
    reason: str = "",
    parent_id: int | None = None,
) -> TargetRow:
    return TargetRow(
        framework_code=framework_code,
        indicator_code=spec.indicator_code,
        org_unit_code=org_unit,
        year=spec.year,
        recurring=spec.recurring,
        comparator=spec.comparator.value,
        value=spec.value,
        required_state=spec.required_state,
        baseline_year=spec.baseline_year,
        relative_change=spec.relative_change,
        wording=spec.wording,
        source=source,
        parent_id=parent_id,
        revision=revision,
        is_current=True,
        reason=reason,
        created_by=actor.username,
        created_at=clock.now(),
    )


def _load_elements(session: Session, actor: Actor, clock: Clock) -> int:
    rows, _digest = _read("reporting.csv")
    changed = 0
    for order, spec in enumerate(parse_reporting(rows)):
        values = {
            "indicator_code": spec.indicator_code,
            "form": spec.form.value,
            "department_code": spec.department_code,
            "role": spec.role,
            "name_zh": spec.name_zh,
            "name_en": spec.name_en,
            "unit": spec.unit,
            "value_kind": spec.value_kind.value,
            "aggregation": spec.aggregation.value,
            "applicable_zones": list(spec.applicable_zones),
            "sum_of_county_element": spec.sum_of_county_element,
            "sort_order": order,
        }
        row = session.get(DataElementRow, spec.code)
        before = None if row is None else {k: getattr(row, k) for k in values}
        if row is None:
            session.add(DataElementRow(code=spec.code, **values))
        elif before != values:
            for key, value in values.items():
                setattr(row, key, value)
        if before != values:
            changed += 1
            audit.record(
                session,
                actor,
                "data_element.load",
                "data_element",
                spec.code,
                before,
                values,
                clock=clock,
            )
    session.flush()
    return changed


def _counties(session: Session) -> list[orgs.OrgUnit]:
    return [u for u in orgs.list_org_units_in(session) if u.level is orgs.OrgLevel.COUNTY]


def _element(row: DataElementRow) -> ElementSpec:
    return ElementSpec(
        code=row.code,
        indicator_code=row.indicator_code,
        form=FormKind(row.form),
        department_code=row.department_code,
        role=row.role,
        name_zh=row.name_zh,
        name_en=row.name_en,
        unit=row.unit,
        value_kind=ValueKind(row.value_kind),
        aggregation=Aggregation(row.aggregation),
        applicable_zones=tuple(row.applicable_zones or ()),
        sum_of_county_element=row.sum_of_county_element,
    )


def all_elements(session: Session) -> list[ElementSpec]:
    """Every data element, in form order."""
    return [
        _element(r)
        for r in session.scalars(select(DataElementRow).order_by(DataElementRow.sort_order))
    ]


def _indicator(
    row: IndicatorRow,
    framework: FrameworkRow,
    elements: Sequence[ElementSpec],
    links: Sequence[str],
) -> IndicatorInfo:
    return IndicatorInfo(
        id=row.id,
        framework_code=framework.code,
        framework_version=framework.version,
        code=row.code,
        number=row.number,
        area_zh=row.area_zh,
        area_en=row.area_en,
        name_zh=row.name_zh,
        name_en=row.name_en,
        unit=row.unit,
        value_kind=ValueKind(row.value_kind),
        comparator=Comparator(row.comparator) if row.comparator else None,
        binding=Binding(row.binding) if row.binding else None,
        levels=row.levels,
        confirmation=Confirmation(row.confirmation),
        confirmation_citation=row.confirmation_citation,
        source=row.source,
        quote=row.quote,
        plan_section=row.plan_section,
        note=row.note,
        elements=tuple(e for e in elements if e.indicator_code == row.code),
        linked=tuple(links),
    )


def indicators_in(session: Session, framework_code: str | None = None) -> list[IndicatorInfo]:
    """Indicators of the current version of each framework (or of one)."""
    query = (
        select(IndicatorRow, FrameworkRow)
        .join(FrameworkRow, FrameworkRow.id == IndicatorRow.framework_id)
        .where(FrameworkRow.is_current.is_(True))
    )
    if framework_code:
        query = query.where(FrameworkRow.code == framework_code)
    query = query.order_by(FrameworkRow.code, IndicatorRow.sort_order)
    elements = all_elements(session)
    links: dict[str, list[str]] = {}
    for link in session.scalars(select(IndicatorLinkRow)):
        links.setdefault(link.plan_code, []).append(link.national_code)
        links.setdefault(link.national_code, []).append(link.plan_code)
    return [
        _indicator(row, fw, elements, links.get(row.code, []))
        for row, fw in session.execute(query).all()
    ]


def list_indicators(
    db: Database, actor: Actor, framework_code: str | None = None
) -> list[IndicatorInfo]:
    """The catalogue: every indicator of the current framework versions."""
    ensure(actor, Permission.INDICATOR_READ)
    with db.reading() as session:
        return indicators_in(session, framework_code)


def get_indicator(db: Database, actor: Actor, code: str) -> IndicatorInfo:
    """One indicator by code."""
    ensure(actor, Permission.INDICATOR_READ)
    with db.reading() as session:
        for item in indicators_in(session):
            if item.code == code:
                return item
    raise NotFoundError(f"没有指标 {code} (no such indicator)")


def confirm_indicator(
    db: Database, actor: Actor, code: str, citation: str, clock: Clock | None = None
) -> IndicatorInfo:
    """An admin confirms a to-be-verified row against its source, citing it."""
    ensure(actor, Permission.FRAMEWORK_MANAGE)
    clock = clock or SystemClock()
    if len(citation.strip()) < 6:
        raise ValidationError(
            "请注明核实依据（文件、页码） (cite the source checked)", field="citation"
        )
    with db.transaction() as session:
        row = session.scalar(
            select(IndicatorRow)
            .join(FrameworkRow, FrameworkRow.id == IndicatorRow.framework_id)
            .where(IndicatorRow.code == code, FrameworkRow.is_current.is_(True))
        )
        if row is None:
            raise NotFoundError(f"没有指标 {code} (no such indicator)")
        before = {"confirmation": row.confirmation, "citation": row.confirmation_citation}
        row.confirmation = Confirmation.CONFIRMED.value
        row.confirmation_citation = citation.strip()
        row.confirmed_by, row.confirmed_at = actor.username, clock.now()
        audit.record(
            session,
            actor,
            "indicator.confirm",
            "indicator",
            code,
            before,
            {"confirmation": row.confirmation, "citation": row.confirmation_citation},
            clock=clock,
        )
    return get_indicator(db, actor, code)


def frameworks(db: Database, actor: Actor) -> list[dict[str, Any]]:
    """Every loaded framework version, newest first."""
    ensure(actor, Permission.INDICATOR_READ)
    with db.reading() as session:
        rows = session.scalars(
            select(FrameworkRow).order_by(FrameworkRow.code, FrameworkRow.version.desc())
        )
        return [
            {
                "id": r.id,
                "code": r.code,
                "version": r.version,
                "title_zh": r.title_zh,
                "title_en": r.title_en,
                "document_no": r.document_no,
                "rows": r.row_count,
                "current": r.is_current,
                "loaded_at": r.loaded_at,
                "loaded_by": r.loaded_by,
                "sha256": r.source_sha256,
            }
            for r in rows
        ]


def load_framework_rows(
    db: Database,
    actor: Actor,
    code: str,
    rows: Sequence[Mapping[str, str]],
    *,
    source_file: str,
    digest: str,
    clock: Clock | None = None,
) -> dict[str, int]:
    """Add a new version of a framework from rows in the catalogue's shape (an uploaded
    sheet). All rows are checked first; older versions stay for the assessments that used
    them."""
    ensure(actor, Permission.FRAMEWORK_MANAGE)
    clock = clock or SystemClock()
    if code not in CATALOGUES:
        raise ValidationError(f"未知的指标体系 {code} (unknown framework)", field="framework")
    specs, targets = _parse(code, rows)
    if not specs:
        raise ValidationError("表格中没有指标行 (no rows)", field="file")
    _name, title_zh, title_en, document = CATALOGUES[code]
    with db.transaction() as session:
        framework = _store_framework(
            session, actor, clock, code, title_zh, title_en, document, source_file, digest, specs
        )
        made = _store_catalogue_targets(session, actor, clock, framework, targets)
        return {"version": framework.version, "indicators": len(specs), "targets": made}


# ---- targets ---------------------------------------------------------------------------


def _target_info(row: TargetRow) -> TargetInfo:
    return TargetInfo(
        id=row.id,
        framework_code=row.framework_code,
        indicator_code=row.indicator_code,
        org_unit_code=row.org_unit_code,
        year=row.year,
        recurring=row.recurring,
        comparator=Comparator(row.comparator),
        value=row.value,
        required_state=row.required_state,
        baseline_year=row.baseline_year,
        relative_change=row.relative_change,
        wording=row.wording,
        source=row.source,
        revision=row.revision,
        is_current=row.is_current,
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
        parent_id=row.parent_id,
    )


def targets_in(
    session: Session, *, current_only: bool = True, indicator_code: str | None = None
) -> list[TargetInfo]:
    query = select(TargetRow)
    if current_only:
        query = query.where(TargetRow.is_current.is_(True))
    if indicator_code:
        query = query.where(TargetRow.indicator_code == indicator_code)
    return [
        _target_info(r)
        for r in session.scalars(
            query.order_by(
                TargetRow.indicator_code,
                TargetRow.org_unit_code,
                TargetRow.year,
                TargetRow.revision,
            )
        )
    ]


def list_targets(
    db: Database, actor: Actor, indicator_code: str | None = None, *, history: bool = False
) -> list[TargetInfo]:
    """Current targets (or every revision with ``history``)."""
    ensure(actor, Permission.INDICATOR_READ)
    with db.reading() as session:
        return targets_in(session, current_only=not history, indicator_code=indicator_code)


@dataclass(frozen=True, slots=True)
class TargetChange:
    """A new target value for one org unit (a revision, or a first target)."""

    org_unit_code: str
    value: float | None = None
    required_state: str | None = None
    year: int | None = None


def set_targets(
    db: Database,
    actor: Actor,
    indicator_code: str,
    changes: Sequence[TargetChange],
    *,
    reason: str,
    parent_id: int | None = None,
    clock: Clock | None = None,
) -> list[TargetInfo]:
    """Set or revise targets (the plan asks for dynamic adjustment): each change makes a new
    revision and keeps the old one as history, with the reason. With ``parent_id`` the
    changes decompose that city target to the counties."""
    ensure(actor, Permission.TARGET_MANAGE)
    clock = clock or SystemClock()
    if len(reason.strip()) < 2:
        raise ValidationError("请说明调整理由 (a reason is required)", field="reason")
    made: list[TargetInfo] = []
    with db.transaction() as session:
        indicator = next((i for i in indicators_in(session) if i.code == indicator_code), None)
        if indicator is None:
            raise NotFoundError(f"没有指标 {indicator_code} (no such indicator)")
        if indicator.confirmation is not Confirmation.CONFIRMED:
            raise ConflictError(
                "该指标待核实，不能设定目标 (indicator not confirmed)", field="indicator"
            )
        parent = session.get(TargetRow, parent_id) if parent_id else None
        if parent_id and (parent is None or parent.indicator_code != indicator_code):
            raise NotFoundError(f"没有编号为 {parent_id} 的城市目标 (no such city target)")
        comparator = Comparator(parent.comparator) if parent else indicator.comparator
        if comparator is None:
            raise ConflictError("该指标没有可比较的方向 (indicator has no direction)")
        known = {u.code for u in orgs.list_org_units_in(session)}
        for number, change in enumerate(changes, start=1):
            where = f"row {number}: "
            if change.org_unit_code not in known:
                raise ValidationError(
                    f"未知的行政单位 {change.org_unit_code}", field=where + "org_unit_code"
                )
            if comparator is Comparator.REACH:
                if not change.required_state:
                    raise ValidationError(
                        "请选择目标状态 (state required)", field=where + "required_state"
                    )
                state_rank(change.required_state)
            elif comparator in (Comparator.GE, Comparator.LE, Comparator.EQ) and (
                change.value is None
            ):
                raise ValidationError("请填写目标值 (value required)", field=where + "value")
            year = change.year if change.year is not None else (parent.year if parent else None)
            old = session.scalar(
                select(TargetRow).where(
                    TargetRow.framework_code == indicator.framework_code,
                    TargetRow.indicator_code == indicator_code,
                    TargetRow.org_unit_code == change.org_unit_code,
                    TargetRow.year.is_(None) if year is None else TargetRow.year == year,
                    TargetRow.is_current.is_(True),
                )
            )
            before = None
            if old is not None:
                old.is_current = False
                before = {
                    "value": old.value,
                    "required_state": old.required_state,
                    "revision": old.revision,
                }
            spec = TargetSpec(
                indicator_code,
                comparator,
                change.value,
                change.required_state,
                year,
                parent.recurring if parent else False,
                wording=f"{'分解自市级目标' if parent else '调整'}：{reason.strip()}",
            )
            row = _target_row(
                spec,
                indicator.framework_code,
                change.org_unit_code,
                actor,
                clock,
                source=f"{actor.username} 设定",
                revision=(old.revision + 1 if old else 1),
                reason=reason.strip(),
                parent_id=parent.id if parent else None,
            )
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor,
                "target.set",
                "target",
                f"{indicator_code}@{change.org_unit_code}/{year or '-'}",
                before,
                {
                    "value": row.value,
                    "required_state": row.required_state,
                    "revision": row.revision,
                    "reason": row.reason,
                },
                clock=clock,
            )
            made.append(_target_info(row))
    return made


# ---- reports ---------------------------------------------------------------------------


def _form_elements(
    session: Session, ref: ReportRef, elements: Sequence[ElementSpec] | None = None
) -> list[ElementSpec]:
    """The elements a report asks for (pass ``elements`` when listing many reports, so the
    element table is read once)."""
    chosen = [e for e in (elements or all_elements(session)) if e.form is ref.form]
    if ref.form is FormKind.DEPARTMENT:
        return [e for e in chosen if e.department_code == ref.department_code]
    unit = orgs.org_unit_in(session, ref.org_unit_code)
    zone = unit.function_zone.value if unit is not None and unit.function_zone else None
    return [e for e in chosen if is_applicable(e, zone)]


def _capacities(actor: Actor, ref: ReportRef) -> tuple[bool, bool, bool]:
    """(reporter, head, city office) for this actor and report."""
    own = (
        ref.form is FormKind.COUNTY
        and actor.role is Role.COUNTY_OFFICER
        and actor.county_code == ref.org_unit_code
    ) or (
        ref.form is FormKind.DEPARTMENT
        and actor.role is Role.DEPARTMENT_OFFICER
        and actor.department_code == ref.department_code
    )
    city = actor.role in (Role.CITY_OFFICE, Role.ADMIN)
    return own, own and actor.is_head, city


def may_see(actor: Actor, ref: ReportRef) -> bool:
    """City roles and inspectors see every report; a county or department only its own."""
    if actor.role in (Role.ADMIN, Role.CITY_OFFICE, Role.INSPECTOR):
        return True
    return _capacities(actor, ref)[0]


def _ensure_sees(actor: Actor, ref: ReportRef) -> None:
    ensure(actor, Permission.REPORT_READ)
    if not may_see(actor, ref):
        raise PermissionDeniedError("无权查看该单位的报表 (outside this account's scope)")


def _ref_of(row: ReportRow) -> ReportRef:
    return ReportRef(FormKind(row.form), row.org_unit_code, row.department_code, row.year)


def _check_ref(session: Session, ref: ReportRef) -> str:
    """Validate the subject of a report; return its display name."""
    if ref.form is FormKind.COUNTY:
        unit = orgs.org_unit_in(session, ref.org_unit_code)
        if unit is None or unit.level is not orgs.OrgLevel.COUNTY or ref.department_code:
            raise NotFoundError(f"没有县（市、区）{ref.org_unit_code} (no such county)")
        return unit.name_zh
    department = orgs.department_in(session, ref.department_code)
    if department is None or ref.org_unit_code != CITY:
        raise NotFoundError(f"没有部门 {ref.department_code} (no such department)")
    return department.name_zh


def _values_of(
    session: Session, report_id: int
) -> tuple[dict[str, float | str | None], dict[str, str]]:
    values: dict[str, float | str | None] = {}
    comments: dict[str, str] = {}
    for row in session.scalars(select(DataValueRow).where(DataValueRow.report_id == report_id)):
        values[row.element_code] = row.value_text if row.value_text is not None else row.value_num
        comments[row.element_code] = row.comment
    return values, comments


def _find_report(session: Session, ref: ReportRef) -> ReportRow | None:
    return session.scalar(
        select(ReportRow).where(
            ReportRow.form == ref.form.value,
            ReportRow.org_unit_code == ref.org_unit_code,
            ReportRow.department_code == ref.department_code,
            ReportRow.year == ref.year,
        )
    )


def _previous_values(session: Session, ref: ReportRef) -> dict[str, float | str | None]:
    last = _find_report(
        session, ReportRef(ref.form, ref.org_unit_code, ref.department_code, ref.year - 1)
    )
    return _values_of(session, last.id)[0] if last is not None else {}


def open_report(
    db: Database, actor: Actor, ref: ReportRef, clock: Clock | None = None
) -> ReportView:
    """The report of a county or department for a year, created as a draft on first use by
    one of its reporters; others may only look at an existing one."""
    _ensure_sees(actor, ref)
    clock = clock or SystemClock()
    with db.transaction() as session:
        _check_ref(session, ref)
        row = _find_report(session, ref)
        if row is None:
            reporter, _head, _city = _capacities(actor, ref)
            if not reporter:
                raise NotFoundError("该报表尚未创建 (no report yet)")
            now = clock.now()
            row = ReportRow(
                form=ref.form.value,
                org_unit_code=ref.org_unit_code,
                department_code=ref.department_code,
                year=ref.year,
                state=ReportState.DRAFT.value,
                due_on=due_date(ref.year),
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            audit.record(
                session,
                actor,
                "report.create",
                "report",
                row.id,
                None,
                {
                    "form": row.form,
                    "org_unit": row.org_unit_code,
                    "department": row.department_code,
                    "year": row.year,
                },
                clock=clock,
            )
        report_id = row.id
    return get_report(db, actor, report_id)


def get_report(db: Database, actor: Actor, report_id: int) -> ReportView:
    """A report with everything its page shows."""
    ensure(actor, Permission.REPORT_READ)
    with db.reading() as session:
        row = session.get(ReportRow, report_id)
        if row is None:
            raise NotFoundError(f"没有编号为 {report_id} 的报表 (no such report)")
        ref = _ref_of(row)
        _ensure_sees(actor, ref)
        return _view(session, row, actor)


def _view(session: Session, row: ReportRow, actor: Actor) -> ReportView:
    ref = _ref_of(row)
    name = _check_ref(session, ref)
    elements = _form_elements(session, ref)
    values, comments = _values_of(session, row.id)
    previous = _previous_values(session, ref)
    state = ReportState(row.state)
    issues = validate_values(elements, values, comments, previous, complete=True)
    issues += _city_total_issues(session, elements, values, ref.year)
    reporter, head, city = _capacities(actor, ref)
    evidence = tuple(
        EvidenceInfo(
            e.id,
            e.element_code,
            e.filename,
            e.content_type,
            e.size_bytes,
            e.sha256,
            e.uploaded_by,
            e.uploaded_at,
        )
        for e in session.scalars(
            select(EvidenceRow).where(EvidenceRow.report_id == row.id).order_by(EvidenceRow.id)
        )
    )
    events = tuple(
        ReportEvent(e.at, e.actor, e.action, e.from_state, e.to_state, e.reason)
        for e in session.scalars(
            select(ReportEventRow)
            .where(ReportEventRow.report_id == row.id)
            .order_by(ReportEventRow.id)
        )
    )
    editable = state in (ReportState.DRAFT, ReportState.RETURNED)
    return ReportView(
        id=row.id,
        ref=ref,
        state=state,
        due_on=row.due_on,
        first_submitted_at=row.first_submitted_at,
        returned_reason=row.returned_reason,
        elements=tuple(elements),
        values=values,
        comments=comments,
        previous=previous,
        evidence=evidence,
        issues=tuple(issues),
        events=events,
        may_edit=editable and reporter,
        may_approve=state is ReportState.SUBMITTED and head,
        may_accept=state is ReportState.APPROVED and city,
        may_return=(state is ReportState.SUBMITTED and (head or city))
        or (state is ReportState.APPROVED and city),
        subject_name=name,
    )


def _city_total_issues(
    session: Session,
    elements: Sequence[ElementSpec],
    values: Mapping[str, float | str | None],
    year: int,
) -> list[Issue]:
    issues: list[Issue] = []
    checks = [e for e in elements if e.sum_of_county_element]
    if not checks:
        return issues
    counties = [u.code for u in _counties(session)]
    for element in checks:
        county_values: dict[str, float | None] = {}
        rows = session.execute(
            select(ReportRow.org_unit_code, DataValueRow.value_num)
            .join(DataValueRow, DataValueRow.report_id == ReportRow.id)
            .where(
                ReportRow.form == FormKind.COUNTY.value,
                ReportRow.year == year,
                DataValueRow.element_code == element.sum_of_county_element,
                ReportRow.state != ReportState.DRAFT.value,
            )
        ).all()
        county_values = dict(rows)
        city = values.get(element.code)
        found = check_city_total(
            element, city if isinstance(city, float | int) else None, county_values, counties
        )
        if found is not None:
            issues.append(found)
    return issues


def _coerce(element: ElementSpec, raw: Any, where: str) -> float | str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if element.value_kind is ValueKind.STATE:
        return str(raw).strip()
    if isinstance(raw, bool):
        raise ValidationError(f"{where}“{raw}” 不是数字 (not a number)", field=element.code)
    if isinstance(raw, int | float):
        return float(raw)
    try:
        return float(str(raw).strip().replace(",", ""))
    except ValueError:
        raise ValidationError(
            f"{where}“{raw}” 不是数字 (not a number)", field=element.code
        ) from None


def save_values(
    db: Database,
    actor: Actor,
    report_id: int,
    raw_values: Mapping[str, Any],
    comments: Mapping[str, str],
    *,
    clock: Clock | None = None,
    source: str = "form",
) -> ReportView:
    """Save a report's values. Any error (not a number, negative, not a state, numerator above
    denominator) refuses the whole save with every error listed; nothing is written."""
    ensure(actor, Permission.REPORT_EDIT)
    clock = clock or SystemClock()
    with db.transaction() as session:
        row = _lock_report(session, report_id)
        ref = _ref_of(row)
        _ensure_sees(actor, ref)
        reporter, head, city = _capacities(actor, ref)
        next_state(
            ReportState(row.state),
            ReportAction.SAVE,
            is_reporter=reporter,
            is_head=head,
            is_city_office=city,
        )
        elements = {e.code: e for e in _form_elements(session, ref)}
        unknown = sorted(set(raw_values) - set(elements))
        if unknown:
            raise ValidationError(
                f"表单中没有这些字段：{', '.join(unknown)} (unknown fields)", field=unknown[0]
            )
        errors: list[dict[str, str]] = []
        current, old_comments = _values_of(session, row.id)
        merged = dict(current)
        for code, raw in raw_values.items():
            try:
                merged[code] = _coerce(elements[code], raw, "")
            except ValidationError as exc:
                errors.append({"field": code, "message": exc.message})
        merged_comments = {
            **old_comments,
            **{k: v.strip() for k, v in comments.items() if k in elements},
        }
        issues = validate_values(
            list(elements.values()), merged, merged_comments, _previous_values(session, ref)
        )
        errors += [
            {"field": i.element, "message": i.message} for i in issues if i.severity == "error"
        ]
        if errors:
            raise ValidationError(
                f"{len(errors)} 处错误，未保存 (nothing saved): "
                f"{errors[0]['field']}: {errors[0]['message']}",
                field=errors[0]["field"],
                errors=errors,
            )
        now = clock.now()
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        cells = {
            v.element_code: v
            for v in session.scalars(select(DataValueRow).where(DataValueRow.report_id == row.id))
        }
        for code in set(raw_values) | {k for k in comments if k in elements}:
            value = merged.get(code)
            comment = merged_comments.get(code, "")
            cell = cells.get(code)
            old = (
                (None, "")
                if cell is None
                else (
                    cell.value_text if cell.value_text is not None else cell.value_num,
                    cell.comment,
                )
            )
            if old == (value, comment):
                continue
            before[code], after[code] = old[0], value
            if comment != old[1]:
                before[f"{code}.comment"], after[f"{code}.comment"] = old[1], comment
            if cell is None:
                cell = DataValueRow(
                    report_id=row.id, element_code=code, updated_at=now, updated_by=actor.username
                )
                session.add(cell)
            cell.value_num = value if isinstance(value, float) else None
            cell.value_text = value if isinstance(value, str) else None
            cell.comment, cell.updated_at, cell.updated_by = comment, now, actor.username
        if after:
            row.updated_at = now
            audit.record(
                session,
                actor,
                f"report.save.{source}",
                "report",
                row.id,
                before,
                after,
                clock=clock,
                only_changes=False,
            )
        return _view(session, row, actor)


def _lock_report(session: Session, report_id: int) -> ReportRow:
    query = select(ReportRow).where(ReportRow.id == report_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise NotFoundError(f"没有编号为 {report_id} 的报表 (no such report)")
    return row


def act_on_report(
    db: Database,
    actor: Actor,
    report_id: int,
    action: ReportAction,
    *,
    reason: str = "",
    clock: Clock | None = None,
) -> ReportView:
    """Submit, approve, accept or return a report (one legal transition, recorded)."""
    permission = {
        ReportAction.SUBMIT: Permission.REPORT_EDIT,
        ReportAction.APPROVE: Permission.REPORT_APPROVE,
        ReportAction.ACCEPT: Permission.REPORT_ACCEPT,
        ReportAction.RETURN: Permission.REPORT_READ,
        ReportAction.SAVE: Permission.REPORT_EDIT,
    }[action]
    ensure(actor, permission)
    clock = clock or SystemClock()
    with db.transaction() as session:
        row = _lock_report(session, report_id)
        ref = _ref_of(row)
        _ensure_sees(actor, ref)
        reporter, head, city = _capacities(actor, ref)
        state = ReportState(row.state)
        new = next_state(
            state, action, is_reporter=reporter, is_head=head, is_city_office=city, reason=reason
        )
        if action is ReportAction.SUBMIT:
            view = _view(session, row, actor)
            blocking = list(view.issues)
            if blocking:
                errors = [{"field": i.element, "message": i.message} for i in blocking]
                raise ValidationError(
                    f"{len(errors)} 处问题需先处理，未提交 (not submitted): "
                    f"{errors[0]['field']}: {errors[0]['message']}",
                    field=errors[0]["field"],
                    errors=errors,
                )
        now = clock.now()
        row.state = new.value
        row.updated_at = now
        if action is ReportAction.SUBMIT and row.first_submitted_at is None:
            row.first_submitted_at = now
        row.returned_reason = reason.strip() if action is ReportAction.RETURN else ""
        session.add(
            ReportEventRow(
                report_id=row.id,
                at=now,
                actor=actor.username,
                action=action.value,
                from_state=state.value,
                to_state=new.value,
                reason=reason.strip(),
            )
        )
        audit.record(
            session,
            actor,
            f"report.{action.value}",
            "report",
            row.id,
            {"state": state.value},
            {"state": new.value, "reason": reason.strip()},
            clock=clock,
        )
        session.flush()
        return _view(session, row, actor)


def add_evidence(
    db: Database,
    actor: Actor,
    report_id: int,
    element_code: str,
    filename: str,
    content_type: str,
    data: bytes,
    store: FileStore,
    clock: Clock | None = None,
) -> EvidenceInfo:
    """Attach a document or photo to a field of an editable report."""
    ensure(actor, Permission.REPORT_EDIT)
    clock = clock or SystemClock()
    if not data:
        raise ValidationError("文件为空 (empty file)", field="file")
    if len(data) > MAX_BYTES:
        raise ValidationError(
            f"文件超过 {MAX_BYTES // 1024 // 1024} MiB (file too large)", field="file"
        )
    with db.transaction() as session:
        row = _lock_report(session, report_id)
        ref = _ref_of(row)
        _ensure_sees(actor, ref)
        reporter, head, city = _capacities(actor, ref)
        next_state(
            ReportState(row.state),
            ReportAction.SAVE,
            is_reporter=reporter,
            is_head=head,
            is_city_office=city,
        )
        if element_code not in {e.code for e in _form_elements(session, ref)}:
            raise ValidationError(f"表单中没有字段 {element_code}", field="element")
        digest = store.put(data)
        evidence = EvidenceRow(
            report_id=row.id,
            element_code=element_code,
            filename=filename[-200:] or "file",
            content_type=content_type or "application/octet-stream",
            size_bytes=len(data),
            sha256=digest,
            uploaded_at=clock.now(),
            uploaded_by=actor.username,
        )
        session.add(evidence)
        session.flush()
        audit.record(
            session,
            actor,
            "report.evidence",
            "report",
            row.id,
            None,
            {"element": element_code, "file": evidence.filename, "sha256": digest},
            clock=clock,
        )
        return EvidenceInfo(
            evidence.id,
            element_code,
            evidence.filename,
            evidence.content_type,
            evidence.size_bytes,
            digest,
            actor.username,
            evidence.uploaded_at,
        )


def get_evidence(db: Database, actor: Actor, evidence_id: int) -> EvidenceInfo:
    """An evidence file's record, if the actor may see its report."""
    ensure(actor, Permission.REPORT_READ)
    with db.reading() as session:
        row = session.get(EvidenceRow, evidence_id)
        if row is None:
            raise NotFoundError("没有该证明材料 (no such file)")
        report = session.get(ReportRow, row.report_id)
        assert report is not None
        _ensure_sees(actor, _ref_of(report))
        return EvidenceInfo(
            row.id,
            row.element_code,
            row.filename,
            row.content_type,
            row.size_bytes,
            row.sha256,
            row.uploaded_by,
            row.uploaded_at,
        )


# ---- queues, completeness, values for assessment ---------------------------------------


def list_reports(db: Database, actor: Actor, year: int | None = None) -> list[ReportSummary]:
    """Reports the actor may see, with their state and timeliness."""
    ensure(actor, Permission.REPORT_READ)
    with db.reading() as session:
        query = select(ReportRow).order_by(
            ReportRow.year.desc(),
            ReportRow.form,
            ReportRow.org_unit_code,
            ReportRow.department_code,
        )
        if year is not None:
            query = query.where(ReportRow.year == year)
        filled = dict(
            session.execute(
                select(DataValueRow.report_id, func.count()).group_by(DataValueRow.report_id)
            ).all()
        )
        result = []
        elements = all_elements(session)
        for row in session.scalars(query):
            ref = _ref_of(row)
            if not may_see(actor, ref):
                continue
            result.append(
                ReportSummary(
                    id=row.id,
                    ref=ref,
                    state=ReportState(row.state),
                    due_on=row.due_on,
                    submitted_at=row.first_submitted_at,
                    on_time=is_on_time(row.first_submitted_at, row.due_on),
                    returned_reason=row.returned_reason,
                    filled=int(filled.get(row.id, 0)),
                    expected=len(_form_elements(session, ref, elements)),
                )
            )
        return result


def work_queue(db: Database, actor: Actor, year: int) -> dict[str, list[ReportSummary]]:
    """What waits for this actor: reports to fill or fix, to approve, to accept."""
    reports = list_reports(db, actor, year)
    queue: dict[str, list[ReportSummary]] = {"fill": [], "approve": [], "accept": []}
    for item in reports:
        reporter, head, city = _capacities(actor, item.ref)
        if reporter and item.state in (ReportState.DRAFT, ReportState.RETURNED):
            queue["fill"].append(item)
        if head and item.state is ReportState.SUBMITTED:
            queue["approve"].append(item)
        if city and item.state is ReportState.APPROVED:
            queue["accept"].append(item)
    return queue


def expected_subjects(session: Session) -> list[ReportRef]:
    """Every county and every department with a form, for one year (year filled in later)."""
    subjects = [ReportRef(FormKind.COUNTY, u.code, "", 0) for u in _counties(session)]
    departments = sorted(
        {e.department_code for e in all_elements(session) if e.form is FormKind.DEPARTMENT}
    )
    subjects += [ReportRef(FormKind.DEPARTMENT, CITY, d, 0) for d in departments]
    return subjects


def reporting_completeness(db: Database, actor: Actor, year: int) -> dict[str, Any]:
    """Expected, submitted and on-time reports per form for a year (DHIS2 reporting rates)."""
    ensure(actor, Permission.REPORT_READ)
    with db.reading() as session:
        subjects = expected_subjects(session)
        rows = {
            (_ref_of(r).form, r.org_unit_code, r.department_code): r
            for r in session.scalars(select(ReportRow).where(ReportRow.year == year))
        }
        result: dict[str, Any] = {}
        for form in FormKind:
            expected = [s for s in subjects if s.form is form]
            submitted = on_time = 0
            for subject in expected:
                row = rows.get((form, subject.org_unit_code, subject.department_code))
                if row is not None and row.first_submitted_at is not None:
                    submitted += 1
                    on_time += bool(is_on_time(row.first_submitted_at, row.due_on))
            result[form.value] = completeness(len(expected), submitted, on_time)
        return result


@dataclass(frozen=True, slots=True)
class ObservedValues:
    """Reported values by (org unit, year) → element → value, with report states."""

    values: dict[tuple[str, int], dict[str, float | str | None]]
    states: dict[tuple[str, int], ReportState]
    synthetic: bool
    synthetic_years: frozenset[int] = frozenset()


def observed_values(session: Session, *, accepted_only: bool) -> ObservedValues:
    """Every reported value (county reports by county; department reports on the city)."""
    query = select(
        ReportRow.org_unit_code,
        ReportRow.year,
        ReportRow.state,
        ReportRow.is_synthetic,
        DataValueRow.element_code,
        DataValueRow.value_num,
        DataValueRow.value_text,
    ).join(DataValueRow, DataValueRow.report_id == ReportRow.id)
    if accepted_only:
        query = query.where(ReportRow.state == ReportState.ACCEPTED.value)
    values: dict[tuple[str, int], dict[str, float | str | None]] = {}
    states: dict[tuple[str, int], ReportState] = {}
    synthetic_years: set[int] = set()
    for unit, year, state, is_synthetic, element, num, text in session.execute(query).all():
        values.setdefault((unit, year), {})[element] = text if text is not None else num
        states[(unit, year)] = ReportState(state)
        if is_synthetic:
            synthetic_years.add(year)
    return ObservedValues(values, states, bool(synthetic_years), frozenset(synthetic_years))


def mark_synthetic(session: Session, report_id: int) -> None:
    """Label a report as synthetic demo data (shown on every page that uses it)."""
    row = session.get(ReportRow, report_id)
    if row is not None:
        row.is_synthetic = True


# ---- Excel -------------------------------------------------------------------------------


def report_template(db: Database, actor: Actor, report_id: int) -> tuple[str, bytes]:
    """The report as an Excel template: (file name, bytes)."""
    from ecociv.indicators import excel

    view = get_report(db, actor, report_id)
    with db.reading() as session:
        names = {i.code: i.name_zh for i in indicators_in(session)}
    name = f"{view.subject_name}-{view.ref.year}-填报表-{view.id}.xlsx"
    return name, excel.template(view, names)


def upload_report(
    db: Database, actor: Actor, report_id: int, data: bytes, clock: Clock | None = None
) -> ReportView:
    """Save the values of a filled template. Any error anywhere — a bad cell, an unknown
    code, a numerator above its denominator — saves nothing and names sheet, row, column."""
    from ecociv.indicators import excel

    ensure(actor, Permission.REPORT_EDIT)
    view = get_report(db, actor, report_id)
    if not view.may_edit:
        next_state(
            view.state,
            ReportAction.SAVE,
            is_reporter=_capacities(actor, view.ref)[0],
            is_head=False,
            is_city_office=False,
        )
    parsed = excel.read_upload(data, view)
    try:
        return save_values(
            db, actor, report_id, parsed.values, parsed.comments, clock=clock, source="excel"
        )
    except ValidationError as exc:
        errors = [
            {"field": excel.cell_of(parsed, e["field"]), "message": e["message"]}
            for e in exc.errors
        ]
        raise ValidationError(
            f"{len(errors)} 处错误，未保存任何数据 (nothing saved): "
            f"{errors[0]['field']}: {errors[0]['message']}",
            field=errors[0]["field"],
            errors=errors,
        ) from None


# ---- series for charts and assessment -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicatorSeries:
    """An indicator's values per org unit and year (the city rolled up from its counties,
    or reported by its department), with the report state behind each value."""

    indicator: IndicatorInfo
    values: dict[str, dict[int, float | str | None]]
    states: dict[str, dict[int, str]]
    synthetic: bool


def series_in(
    session: Session, indicator: IndicatorInfo, observed: ObservedValues
) -> IndicatorSeries:
    """Compute an indicator's series from observed element values."""
    from ecociv.indicators.rules import indicator_value, roll_up

    values: dict[str, dict[int, float | str | None]] = {}
    states: dict[str, dict[int, str]] = {}
    if not indicator.elements:
        return IndicatorSeries(indicator, values, states, observed.synthetic)
    county_elements = [e for e in indicator.elements if e.form is FormKind.COUNTY]
    city_elements = [e for e in indicator.elements if e.form is FormKind.DEPARTMENT]
    aggregation = indicator.elements[0].aggregation
    counties = _counties(session)
    years = sorted({year for (_unit, year) in observed.values})
    for year in years:
        parts_by_county: list[dict[str, float | str | None]] = []
        for county in counties:
            applicable = [
                e
                for e in county_elements
                if is_applicable(e, county.function_zone.value if county.function_zone else None)
            ]
            if not applicable:
                continue
            reported = observed.values.get((county.code, year))
            if reported is None:
                parts_by_county.append({e.role: None for e in applicable})
                continue
            parts = {e.role: reported.get(e.code) for e in applicable}
            parts_by_county.append(parts)
            values.setdefault(county.code, {})[year] = indicator_value(aggregation, parts)
            states.setdefault(county.code, {})[year] = observed.states[(county.code, year)].value
        city_reported = observed.values.get((CITY, year), {})
        if city_elements and any(e.code in city_reported for e in city_elements):
            parts = {e.role: city_reported.get(e.code) for e in city_elements}
            values.setdefault(CITY, {})[year] = indicator_value(aggregation, parts)
            states.setdefault(CITY, {})[year] = observed.states[(CITY, year)].value
        elif county_elements and parts_by_county:
            rolled = roll_up(aggregation, parts_by_county)
            if rolled is not None:
                values.setdefault(CITY, {})[year] = rolled
    return IndicatorSeries(indicator, values, states, observed.synthetic)


def indicator_series(
    db: Database, actor: Actor, code: str, *, accepted_only: bool = False
) -> IndicatorSeries:
    """An indicator's series. The public sees accepted data only; staff may include data
    still in the workflow (each value carries its report state)."""
    if not accepted_only:
        ensure(actor, Permission.INDICATOR_READ)
    with db.reading() as session:
        indicator = next((i for i in indicators_in(session) if i.code == code), None)
        if indicator is None:
            raise NotFoundError(f"没有指标 {code} (no such indicator)")
        observed = observed_values(session, accepted_only=accepted_only)
        return series_in(session, indicator, observed)


def latest_year(db: Database, actor: Actor, clock: Clock | None = None) -> int:
    """The most recent year any report exists for, else last year (Beijing time)."""
    ensure(actor, Permission.REPORT_READ)
    with db.reading() as session:
        found = session.scalar(select(func.max(ReportRow.year)))
    if found is not None:
        return int(found)
    from ecociv.indicators.rules import SHANGHAI

    return (clock or SystemClock()).now().astimezone(SHANGHAI).year - 1


def list_reports_in(session: Session, year: int) -> list[ReportSummary]:
    """Every report of a year with timeliness, inside a caller's transaction (no scope
    filter: for the assessment, which reads all data)."""
    result = []
    for row in session.scalars(select(ReportRow).where(ReportRow.year == year)):
        ref = _ref_of(row)
        result.append(
            ReportSummary(
                id=row.id,
                ref=ref,
                state=ReportState(row.state),
                due_on=row.due_on,
                submitted_at=row.first_submitted_at,
                on_time=is_on_time(row.first_submitted_at, row.due_on),
                returned_reason=row.returned_reason,
                filled=0,
                expected=0,
            )
        )
    return result
