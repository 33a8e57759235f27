"""Pure rules of the indicator system: reading catalogues, the report state machine,
validation of reported values, indicator values and the city roll-up, timeliness.

Sources: docs/modules/indicators.md §1–2 for the catalogues, §4 for
the DHIS2 ideas used here (data elements, Σnumerator/Σdenominator roll-up, approval levels,
timeliness), and the issue's approval flow: draft → submitted → approved by the county or
department head → accepted by the city office, returned with a reason at any step.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ecociv.indicators.model import (
    STATE_SCALE,
    Aggregation,
    Binding,
    Comparator,
    Confirmation,
    ElementSpec,
    FormKind,
    IndicatorSpec,
    Issue,
    ReportAction,
    ReportState,
    TargetSpec,
    ValueKind,
)
from ecociv.kernel.errors import ConflictError, PermissionDeniedError, ValidationError

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A change against last year larger than this share needs a comment (a setting per form).
DEFAULT_MAX_CHANGE_SHARE = 0.3
#: Reports for year Y are due on 31 March of Y+1 (the annual task book's usual deadline).
DUE_MONTH, DUE_DAY = 3, 31


class CatalogueError(ValidationError):
    """A catalogue row that cannot be read; the message names the row and column."""


class ReportTransitionError(ConflictError):
    """An action the report's state does not allow."""


# ---- catalogues ---------------------------------------------------------------------------

_LEVELS = {"市县": "city|county", "市": "city", "县": "county", "": "city|county"}
_BINDING = {"约束性": Binding.BINDING, "参考性": Binding.REFERENCE, "": None}
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")
_YEAR = re.compile(r"^\s*(\d{4})\s*$")


def required_state_of(wording: str, direction: str = "") -> str:
    """Read a qualitative target onto the scale 未开展 < 开展 < 基本建成 < 建成.

    Examples:
        >>> required_state_of("基本建成"), required_state_of("较为完备")
        ('基本建成', '基本建成')
        >>> required_state_of("出台"), required_state_of("制定实施")
        ('建成', '建成')
        >>> required_state_of("全面推进", "qualitative:开展")
        '开展'
    """
    text = wording.strip()
    if direction == "qualitative:开展":
        return "开展"
    if text.startswith(("基本", "较为")):
        return "基本建成"
    return "建成"


def state_rank(state: str) -> int:
    """Position on the state scale; ValidationError naming the state if it is not on it.

    Examples:
        >>> state_rank("未开展"), state_rank("建成")
        (0, 3)
    """
    try:
        return STATE_SCALE.index(state)
    except ValueError:
        raise ValidationError(
            f"“{state}” 不是有效状态，应为 {' / '.join(STATE_SCALE)} (not a state on the scale)",
            field="state",
        ) from None


def _comparator(direction: str, row: int, column: str) -> Comparator | None:
    table = {
        "=": Comparator.EQ,
        "≥": Comparator.GE,
        "≤": Comparator.LE,
        "increase": Comparator.INCREASE,
        "decrease": Comparator.DECREASE,
    }
    if direction in table:
        return table[direction]
    if direction.startswith("qualitative:"):
        return Comparator.REACH
    if direction in ("", "baseline_only"):
        return None
    raise CatalogueError(
        f"第 {row} 行 {column} 列：无法识别的方向 “{direction}”", field=f"row {row}: {column}"
    )


def _value_kind(unit: str, comparator: Comparator | None) -> ValueKind:
    if comparator is Comparator.REACH:
        return ValueKind.STATE
    if unit.startswith("%"):
        return ValueKind.PERCENT
    if comparator is None:
        return ValueKind.TEXT
    return ValueKind.NUMBER


def parse_national(
    rows: Sequence[Mapping[str, str]],
) -> tuple[list[IndicatorSpec], list[TargetSpec]]:
    """Rows of the national demonstration-city catalogue. Every row loads; only *confirmed*
    rows yield targets (unconfirmed rows are shown as 待核实 and never assessed)."""
    specs: list[IndicatorSpec] = []
    targets: list[TargetSpec] = []
    for number, row in enumerate(rows, start=2):
        code = (row.get("row_id") or "").strip()
        if not code:
            raise CatalogueError(f"第 {number} 行 row_id 列为空", field=f"row {number}: row_id")
        try:
            confirmation = Confirmation(row.get("confirmation", "").strip())
        except ValueError:
            raise CatalogueError(
                f"第 {number} 行 confirmation 列：“{row.get('confirmation')}” 应为 "
                "confirmed / partial / unverified",
                field=f"row {number}: confirmation",
            ) from None
        direction = (row.get("direction") or "").strip()
        comparator = _comparator(direction, number, "direction")
        spec = IndicatorSpec(
            code=code,
            framework="national_demo_2019",
            number=(row.get("number") or "").strip(),
            name_zh=row.get("name_zh", "").strip(),
            name_en=row.get("name_en", "").strip(),
            unit=(row.get("unit") or "").strip(),
            area_zh=row.get("area_zh", ""),
            area_en=row.get("area_en", ""),
            task_zh=row.get("task_zh", ""),
            task_en=row.get("task_en", ""),
            value_kind=_value_kind((row.get("unit") or "").strip(), comparator),
            comparator=comparator,
            binding=_BINDING.get((row.get("indicator_type") or "").strip()),
            levels=_LEVELS.get((row.get("applicability") or "").strip(), "city|county"),
            confirmation=confirmation,
            source=row.get("source", ""),
            note=row.get("note", ""),
        )
        specs.append(spec)
        if confirmation is Confirmation.CONFIRMED and comparator is not None:
            for level, column in (("city", "target_city"), ("county", "target_county")):
                wording = (row.get(column) or "").strip()
                if wording and level in spec.levels:
                    targets.append(
                        _target_from(code, comparator, wording, direction, None, False, level)
                    )
    return specs, targets


def _target_from(
    code: str,
    comparator: Comparator,
    wording: str,
    direction: str,
    year: int | None,
    recurring: bool,
    level: str = "city",
) -> TargetSpec:
    if comparator is Comparator.EQ and "稳定在" in wording:
        comparator = Comparator.GE  # "稳定在 20%": keep at least 20 % (read as ≥, not =)
    if comparator is Comparator.REACH:
        return TargetSpec(
            code,
            comparator,
            required_state=required_state_of(wording, direction),
            year=year,
            recurring=recurring,
            wording=wording,
            level=level,
        )
    found = _NUMBER.match(wording)
    value = float(found.group(1)) if found else None
    return TargetSpec(
        code, comparator, value=value, year=year, recurring=recurring, wording=wording, level=level
    )


def parse_plan(rows: Sequence[Mapping[str, str]]) -> tuple[list[IndicatorSpec], list[TargetSpec]]:
    """Rows of the Quzhou plan's targets (all checked word for word against the plan).

    A target "较2017年下降" X % is read as a relative target on the absolute quantity: at most
    (1 − X/100) × the 2017 value (the issue's coal example)."""
    specs: list[IndicatorSpec] = []
    targets: list[TargetSpec] = []
    for number, row in enumerate(rows, start=2):
        code = (row.get("code") or "").strip()
        if not re.match(r"^QZ-\d{3}$", code):
            raise CatalogueError(
                f"第 {number} 行 code 列：“{code}” 应形如 QZ-001", field=f"row {number}: code"
            )
        direction = (row.get("direction") or "").strip()
        comparator = _comparator(direction, number, "direction")
        unit = (row.get("unit") or "").strip()
        wording = (row.get("target") or "").strip()
        year_text = (row.get("target_year") or "").strip()
        year_match = _YEAR.match(year_text)
        year = int(year_match.group(1)) if year_match else None
        recurring = year_text == "every year"
        baseline = (row.get("baseline") or "").strip()
        name_zh = row.get("name_zh", "").strip()
        relative = re.match(r"^(\d{4})", baseline) and "下降" in name_zh
        if relative:
            comparator = Comparator.LE
        elif comparator is Comparator.EQ and wording and not _NUMBER.match(wording):
            # a stated condition ("不出市"): assessed as a state that must be reached
            comparator = Comparator.REACH
        specs.append(
            IndicatorSpec(
                code=code,
                framework="quzhou_plan_2020",
                number=code.removeprefix("QZ-"),
                name_zh=name_zh,
                name_en=row.get("name_en", "").strip(),
                unit=unit,
                value_kind=ValueKind.NUMBER if relative else _value_kind(unit, comparator),
                comparator=comparator,
                binding=Binding.BINDING,
                levels="city",
                confirmation=Confirmation.CONFIRMED,
                source="衢政发〔2020〕9号 " + (row.get("plan_section") or "").strip(),
                quote=row.get("quote", ""),
                plan_section=(row.get("plan_section") or "").strip(),
            )
        )
        if comparator is None or not wording:
            continue
        if relative:
            found = _NUMBER.match(wording)
            if not found:
                raise CatalogueError(
                    f"第 {number} 行 target 列：“{wording}” 不是数字", field=f"row {number}: target"
                )
            targets.append(
                TargetSpec(
                    code,
                    Comparator.LE,
                    year=year,
                    baseline_year=int(baseline[:4]),
                    relative_change=-float(found.group(1)) / 100,
                    wording=f"较{baseline[:4]}年下降{wording}%",
                )
            )
            continue
        if comparator not in (Comparator.INCREASE, Comparator.DECREASE):
            target = _target_from(code, comparator, wording, direction, year, recurring)
            if target.comparator is not Comparator.REACH and target.value is None:
                raise CatalogueError(
                    f"第 {number} 行 target 列：“{wording}” 不是数字", field=f"row {number}: target"
                )
            targets.append(target)
        else:
            targets.append(TargetSpec(code, comparator, year=year, wording=wording))
    return specs, targets


def parse_reporting(rows: Sequence[Mapping[str, str]]) -> list[ElementSpec]:
    """The reporting configuration: one data element per row."""
    elements: list[ElementSpec] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        code = (row.get("element_code") or "").strip()
        if not re.match(r"^[a-z][a-z0-9_]*$", code) or code in seen:
            raise CatalogueError(
                f"第 {number} 行 element_code 列：“{code}” 无效或重复",
                field=f"row {number}: element_code",
            )
        seen.add(code)
        try:
            elements.append(
                ElementSpec(
                    code=code,
                    indicator_code=row["indicator_code"].strip(),
                    form=FormKind(row["form"].strip()),
                    department_code=(row.get("department_code") or "").strip(),
                    role=row["element_role"].strip(),
                    name_zh=row["element_name_zh"].strip(),
                    name_en=row["element_name_en"].strip(),
                    unit=row["element_unit"].strip(),
                    value_kind=ValueKind(row["value_kind"].strip()),
                    aggregation=Aggregation(row["aggregation"].strip()),
                    applicable_zones=tuple(
                        z for z in (row.get("applicable_zones") or "").split("|") if z
                    ),
                    sum_of_county_element=(row.get("sum_of_county_element") or "").strip(),
                )
            )
        except (KeyError, ValueError) as exc:
            raise CatalogueError(f"第 {number} 行：{exc}", field=f"row {number}") from None
    return elements


def is_applicable(element: ElementSpec, function_zone: str | None) -> bool:
    """Whether a county must report an element (an empty zone list means every county).

    Examples:
        >>> zones = ("national_agricultural_production",)
        >>> e = ElementSpec("x", "QZ-037", FormKind.COUNTY, "", "value", "", "", "",
        ...                 ValueKind.NUMBER, Aggregation.SUM, zones)
        >>> is_applicable(e, "national_agricultural_production"), is_applicable(e, None)
        (True, False)
    """
    return not element.applicable_zones or (function_zone or "") in element.applicable_zones


def confirmation_counts(items: Iterable[IndicatorSpec | Any]) -> dict[str, int]:
    """How many indicators are in each confirmation state (for the catalogue page).

    Examples:
        >>> confirmation_counts([])
        {'confirmed': 0, 'partial': 0, 'unverified': 0}
    """
    counts = {c.value: 0 for c in Confirmation}
    for item in items:
        counts[item.confirmation.value] += 1
    return counts


# ---- report state machine -----------------------------------------------------------------

_ACTION_NAMES = {
    ReportAction.SAVE: "保存",
    ReportAction.SUBMIT: "提交",
    ReportAction.APPROVE: "审核通过",
    ReportAction.ACCEPT: "采纳",
    ReportAction.RETURN: "退回",
}


def next_state(
    state: ReportState,
    action: ReportAction,
    *,
    is_reporter: bool,
    is_head: bool,
    is_city_office: bool,
    reason: str = "",
) -> ReportState:
    """The state after an action, or an error saying why it is not allowed.

    draft/returned --save--> same; draft/returned --submit--> submitted (by the reporter);
    submitted --approve--> approved (by the county or department head); approved --accept-->
    accepted (by the city office; then locked); submitted --return--> returned (head or city
    office); approved --return--> returned (city office); a return needs a reason.

    Examples:
        >>> next_state(ReportState.DRAFT, ReportAction.SUBMIT, is_reporter=True,
        ...            is_head=False, is_city_office=False)
        <ReportState.SUBMITTED: 'submitted'>
    """
    name = _ACTION_NAMES[action]
    if state is ReportState.ACCEPTED:
        raise ReportTransitionError(f"已采纳的数据已锁定，不能{name} (accepted data is locked)")
    editable = state in (ReportState.DRAFT, ReportState.RETURNED)
    if action in (ReportAction.SAVE, ReportAction.SUBMIT):
        if not editable:
            raise ReportTransitionError(
                f"报表状态为“{state.value}”，不能{name} (only a draft or returned report can "
                f"be {action.value}d)"
            )
        if not is_reporter:
            raise PermissionDeniedError(f"只有本单位填报人员可以{name} (reporters only)")
        return state if action is ReportAction.SAVE else ReportState.SUBMITTED
    if action is ReportAction.APPROVE:
        if state is not ReportState.SUBMITTED:
            raise ReportTransitionError(f"只有已提交的报表可以审核 (state is {state.value})")
        if not is_head:
            raise PermissionDeniedError("只有本单位负责人可以审核 (the head approves)")
        return ReportState.APPROVED
    if action is ReportAction.ACCEPT:
        if state is not ReportState.APPROVED:
            raise ReportTransitionError(f"只有已审核的报表可以采纳 (state is {state.value})")
        if not is_city_office:
            raise PermissionDeniedError("只有市创建办可以采纳 (the city office accepts)")
        return ReportState.ACCEPTED
    # RETURN
    if state not in (ReportState.SUBMITTED, ReportState.APPROVED):
        raise ReportTransitionError(f"状态为“{state.value}”的报表不能退回")
    allowed = is_city_office or (is_head and state is ReportState.SUBMITTED)
    if not allowed:
        raise PermissionDeniedError("无权退回该报表 (not allowed to return this report)")
    if not reason.strip():
        raise ValidationError("退回必须说明理由 (a return needs a reason)", field="reason")
    return ReportState.RETURNED


# ---- validation ---------------------------------------------------------------------------


def _as_number(value: float | str | None) -> float | None:
    if value is None or isinstance(value, str):
        return None
    return float(value)


def validate_values(
    elements: Sequence[ElementSpec],
    values: Mapping[str, float | str | None],
    comments: Mapping[str, str],
    previous: Mapping[str, float | str | None],
    *,
    complete: bool = False,
    max_change_share: float = DEFAULT_MAX_CHANGE_SHARE,
) -> list[Issue]:
    """Check a report's values: numbers not negative, states on the scale, a rate's
    numerator not above its denominator, a change against last year beyond the set share
    explained by a comment, and (``complete``) every element filled or its absence explained.

    Examples:
        >>> n = ElementSpec("num", "I", FormKind.COUNTY, "", "numerator", "", "", "",
        ...                 ValueKind.PERCENT, Aggregation.RATE)
        >>> d = ElementSpec("den", "I", FormKind.COUNTY, "", "denominator", "", "", "",
        ...                 ValueKind.PERCENT, Aggregation.RATE)
        >>> [i.element for i in validate_values([n, d], {"num": 12, "den": 10}, {}, {})]
        ['num']
    """
    issues: list[Issue] = []
    by_indicator: dict[str, dict[str, str]] = {}
    for element in elements:
        by_indicator.setdefault(element.indicator_code, {})[element.role] = element.code
        value = values.get(element.code)
        if value is None or value == "":
            if complete and not (comments.get(element.code) or "").strip():
                issues.append(
                    Issue(
                        element.code,
                        "未填写；无数据时请在说明中写明原因 "
                        "(no value: fill it in or explain in a comment)",
                    )
                )
            continue
        if element.value_kind is ValueKind.STATE:
            if not isinstance(value, str) or value not in STATE_SCALE:
                issues.append(
                    Issue(
                        element.code,
                        f"“{value}” 不是有效状态，应为 "
                        f"{' / '.join(STATE_SCALE)} (not a state on the scale)",
                    )
                )
            continue
        number = _as_number(value)
        if number is None or math.isnan(number) or math.isinf(number):
            issues.append(Issue(element.code, f"“{value}” 不是数字 (not a number)"))
            continue
        if number < 0:
            issues.append(Issue(element.code, f"{number:g} 为负数 (negative)"))
            continue
        before = _as_number(previous.get(element.code))
        if before is not None and before > 0:
            change = abs(number - before) / before
            if change > max_change_share and not (comments.get(element.code) or "").strip():
                issues.append(
                    Issue(
                        element.code,
                        f"较上年 {before:g} 变化 {change:.0%}，"
                        f"超过 {max_change_share:.0%}，请填写说明 "
                        f"(changed {change:.0%} from last year; explain in a comment)",
                        severity="comment_required",
                    )
                )
    for roles in by_indicator.values():
        if "numerator" in roles and "denominator" in roles:
            num = _as_number(values.get(roles["numerator"]))
            den = _as_number(values.get(roles["denominator"]))
            if num is not None and den is not None and num > den:
                issues.append(
                    Issue(
                        roles["numerator"],
                        f"分子 {num:g} 大于分母 {den:g} (numerator above denominator)",
                    )
                )
    return issues


def check_city_total(
    element: ElementSpec,
    city_value: float | None,
    county_values: Mapping[str, float | None],
    expected_counties: Iterable[str],
    *,
    tolerance_share: float = 0.01,
) -> Issue | None:
    """A city total reported by a department must match the sum of the counties' values
    (within ``tolerance_share``) once every county has reported.

    Examples:
        >>> e = ElementSpec("city_x", "I", FormKind.DEPARTMENT, "d", "value", "", "", "",
        ...                 ValueKind.NUMBER, Aggregation.NONE, (), "x")
        >>> check_city_total(e, 100.0, {"a": 60.0, "b": 40.5}, ["a", "b"]) is None
        True
        >>> check_city_total(e, 100.0, {"a": 60.0, "b": 50.0}, ["a", "b"]).element
        'city_x'
    """
    if city_value is None:
        return None
    parts = [county_values.get(c) for c in expected_counties]
    if any(p is None for p in parts):
        return None
    total = sum(p for p in parts if p is not None)
    if abs(total - city_value) > tolerance_share * max(abs(total), abs(city_value), 1e-9):
        return Issue(
            element.code,
            f"全市合计 {city_value:g} 与各县之和 {total:g} 不符 "
            f"(city total differs from the sum of the counties)",
        )
    return None


# ---- indicator values ---------------------------------------------------------------------


def rate(
    numerators: Iterable[float | None],
    denominators: Iterable[float | None],
    factor: float = 100.0,
) -> float | None:
    """Σnumerator / Σdenominator × factor over the pairs where both are present.

    A city rate is Σnumerator/Σdenominator of its counties, never an average of county
    percentages (DHIS2 Indicator numerator/denominator and IndicatorType factor;
    docs/modules/indicators.md §4, §6 roll-up rules). None when no pair is complete or the
    denominators sum to zero.

    Examples:
        >>> rate([50, 1], [100, 10])  # 51/110, not (50 % + 10 %)/2 = 30 %
        46.3636...
        >>> rate([3, None], [4, 10], factor=1)
        0.75
        >>> rate([], []) is None
        True
        >>> rate([0], [0]) is None
        True
    """
    nums, dens = list(numerators), list(denominators)
    if len(nums) != len(dens):
        raise ValidationError(
            f"分子 {len(nums)} 个、分母 {len(dens)} 个，数量不一致 "
            f"({len(nums)} numerators but {len(dens)} denominators)",
            field="denominators",
        )
    pairs = [
        (n, d)
        for n, d in zip(nums, dens, strict=True)
        if n is not None and d is not None and math.isfinite(n) and math.isfinite(d)
    ]
    if not pairs:
        return None
    total_den = math.fsum(d for _, d in pairs)
    if total_den == 0:
        return None
    return math.fsum(n for n, _ in pairs) / total_den * factor


def indicator_value(
    aggregation: Aggregation, parts: Mapping[str, float | str | None]
) -> float | str | None:
    """One org unit's indicator value from its reported elements (keyed by role)."""
    if aggregation is Aggregation.RATE:
        return rate([_as_number(parts.get("numerator"))], [_as_number(parts.get("denominator"))])
    return parts.get("value")


def roll_up(
    aggregation: Aggregation, counties: Sequence[Mapping[str, float | str | None]]
) -> float | str | None:
    """The city value from the applicable counties' parts: Σnum/Σden for rates, the sum
    for amounts, the lowest state for states — only when every applicable county has
    reported (a city value from some counties would misstate the city).

    Examples:
        >>> roll_up(Aggregation.SUM, [{"value": 2}, {"value": 3}])
        5.0
        >>> roll_up(Aggregation.SUM, [{"value": 2}, {"value": None}]) is None
        True
        >>> roll_up(Aggregation.RATE, [{"numerator": 1, "denominator": 2},
        ...                            {"numerator": None, "denominator": None}]) is None
        True
        >>> roll_up(Aggregation.MIN_STATE, [{"value": "建成"}, {"value": "开展"}])
        '开展'
    """
    if not counties:
        return None
    if aggregation is Aggregation.RATE:
        if any(
            _as_number(c.get("numerator")) is None or _as_number(c.get("denominator")) is None
            for c in counties
        ):
            return None
        return rate(
            [_as_number(c.get("numerator")) for c in counties],
            [_as_number(c.get("denominator")) for c in counties],
        )
    values = [c.get("value") for c in counties]
    if any(v is None for v in values):
        return None
    if aggregation is Aggregation.SUM:
        return float(sum(_as_number(v) or 0.0 for v in values))
    if aggregation is Aggregation.MIN_STATE:
        return min((str(v) for v in values), key=state_rank)
    return None


# ---- timeliness and completeness ----------------------------------------------------------


def due_date(year: int) -> date:
    """The deadline of the report for ``year``: 31 March of the next year.

    Examples:
        >>> due_date(2021)
        datetime.date(2022, 3, 31)
    """
    return date(year + 1, DUE_MONTH, DUE_DAY)


def is_on_time(submitted_at: datetime | None, due_on: date) -> bool | None:
    """Submitted (first time) by the end of the due day, Beijing time; None if not yet."""
    if submitted_at is None:
        return None
    return submitted_at.astimezone(SHANGHAI).date() <= due_on


def completeness(expected: int, submitted: int, on_time: int) -> dict[str, float | int | None]:
    """DHIS2's reporting rate and on-time rate (percent of expected reports).

    Examples:
        >>> completeness(6, 5, 4)
        {'expected': 6, 'submitted': 5, 'on_time': 4, 'rate': 83.3, 'on_time_rate': 66.7}
    """

    def pct(part: int) -> float | None:
        return round(part / expected * 100, 1) if expected else None

    return {
        "expected": expected,
        "submitted": submitted,
        "on_time": on_time,
        "rate": pct(submitted),
        "on_time_rate": pct(on_time),
    }


def select_target(targets: Sequence[TargetSpec], year: int) -> TargetSpec | None:
    """The target that applies in ``year``: the latest one dated in or before the year, else a
    recurring or undated (plan-period) target, else the earliest future one (to show the gap).

    Examples:
        >>> t21 = TargetSpec("x", Comparator.GE, 1.0, year=2021)
        >>> t25 = TargetSpec("x", Comparator.GE, 2.0, year=2025)
        >>> select_target([t21, t25], 2023).year, select_target([t21, t25], 2019).year
        (2021, 2021)
    """
    past = [t for t in targets if t.year is not None and t.year <= year]
    if past:
        return max(past, key=lambda t: t.year or 0)
    standing = [t for t in targets if t.year is None]
    if standing:
        return standing[0]
    future = [t for t in targets if t.year is not None]
    return min(future, key=lambda t: t.year or 0) if future else None


def resolve_relative(target: TargetSpec, baseline_value: float | None) -> float | None:
    """The absolute value of a relative target (e.g. 10 % below the 2017 value).

    Examples:
        >>> t = TargetSpec("QZ-013", Comparator.LE, baseline_year=2017, relative_change=-0.1)
        >>> resolve_relative(t, 500.0)
        450.0
    """
    if target.relative_change is None:
        return target.value
    if baseline_value is None:
        return None
    return round(baseline_value * (1 + target.relative_change), 6)
