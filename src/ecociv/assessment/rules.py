"""Pure assessment rules: attainment, Open SDG progress, task-book scoring, ranking.

Sources are cited per function, mostly to docs/modules/indicators.md. Point arithmetic is
done in ``decimal.Decimal`` built from each float's shortest repr, so 38.1 − 35 is 3.1 (not
3.1000000000000014) and rounding is half-up on the decimal value people see (2.675 → 2.68).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from ecociv.assessment.model import (
    BONUS_KINDS,
    SHEET_KINDS,
    AttainmentResult,
    AttainmentStatus,
    Comparator,
    ItemInput,
    ItemScore,
    ProgressResult,
    ProgressStatus,
    RuleKind,
    ScoreSheet,
    ScoringItem,
    ScoringScheme,
)
from ecociv.kernel.errors import ValidationError

#: Open SDG: a zero base or target value is replaced by this (sdg-build ProgressMeasure).
ZERO_REPLACEMENT = 0.001
#: Open SDG thresholds on R = s·d·CAGR_o/|CAGR_r| with a numeric target.
RATIO_ON_TRACK = 0.95
RATIO_MODERATE = 0.6
#: Open SDG thresholds on s·d·CAGR_o without a numeric target (1.5 %, 0.5 %, 0 per year).
GROWTH_SUBSTANTIAL = 0.015
GROWTH_MODERATE = 0.005
#: Exponent of the natural-limit reduction coefficient C = 1 − (y₀/y_lim)^4.44.
LIMIT_EXPONENT = 4.44

_CENT = Decimal("0.01")
_ZERO = Decimal(0)


# --------------------------------------------------------------------------- numbers and text


def _finite(value: Any, field: str) -> float:
    """A finite float, or ValidationError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{field} 应为数值 (must be a number): {value!r}", field=field)
    number = float(value)
    if not math.isfinite(number):
        raise ValidationError(f"{field} 应为有限数值 (must be finite): {value!r}", field=field)
    return number


def _dec(value: float | int, field: str = "value") -> Decimal:
    """The decimal people see for a float (its shortest repr), e.g. 0.1 → Decimal('0.1')."""
    return Decimal(repr(_finite(value, field)))


def _points(value: Decimal) -> float:
    """Points rounded half-up to 2 decimals."""
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _fmt(value: Decimal | float | int) -> str:
    """A number for an explanation, at least one decimal: 3 → '3.0', 0.25 → '0.25'."""
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    text = format(number.normalize(), "f")
    if text in {"-0", "-0.0"}:
        text = "0"
    return text if "." in text else text + ".0"


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --------------------------------------------------------------------------------- attainment


def state_rank(state: str, scale: Sequence[str]) -> int:
    """Position of ``state`` on an ordered scale, lowest first.

    Qualitative targets are ordinal states with evidence, e.g. 未开展 < 开展 < 基本建成 < 建成
    (docs/modules/indicators.md §2 "Many targets are states", §6 principle 5).

    Examples:
        >>> scale = ("未开展", "开展", "基本建成", "建成")
        >>> state_rank("基本建成", scale)
        2
        >>> state_rank(" 建成 ", scale)
        3
        >>> state_rank("规划中", scale)
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ValidationError: 未知状态 “规划中”...
        >>> state_rank("建成", ())
        Traceback (most recent call last):
        ...
        ecociv.kernel.errors.ValidationError: 未知状态 “建成”...
    """
    wanted = state.strip()
    for index, step in enumerate(scale):
        if step.strip() == wanted:
            return index
    known = " < ".join(scale) or "—"
    raise ValidationError(
        f"未知状态 “{wanted}”，应为 {known} 之一 (unknown state {wanted!r}; scale: {known})",
        field="state",
    )


def assess_attainment(
    value: float | str | None,
    comparator: Comparator | str,
    target: float | str | None = None,
    *,
    required_state: str | None = None,
    scale: Sequence[str] = (),
    baseline: float | None = None,
    applicable: bool = True,
    tolerance: float = 1e-9,
) -> AttainmentResult:
    """Judge one value against its target (创建达标, docs/modules/indicators.md §3.1 and
    §6 "Attainment result").

    * not applicable → NOT_APPLICABLE, even when a value was reported (coastal rows for
      inland Quzhou are *not applicable*, not *missing*: docs/modules/indicators.md §1.2, §6
      principle 4);
    * no value → NO_DATA;
    * GE: attained when value ≥ target − tolerance, gap = max(0, target − value);
      LE mirrored; EQ: attained when |value − target| ≤ tolerance, gap = |value − target|;
    * INCREASE / DECREASE (提高 / 降低 without a number, docs/modules/indicators.md §2): compared
      with ``baseline``, which is returned as the target; no baseline → NO_DATA; gap None;
    * REACH: the state must be at or above ``required_state`` (or a string ``target``) on
      ``scale``; gap = steps still to climb.

    A gap is 0 whenever the value is attained (also within the tolerance).

    Examples:
        >>> assess_attainment(69.9, "ge", 69.85).status
        <AttainmentStatus.ATTAINED: 'attained'>
        >>> assess_attainment(69.8, Comparator.GE, 69.85).gap
        0.05
        >>> assess_attainment(38.0, "le", 35).gap
        3.0
        >>> assess_attainment("基本建成", "reach", required_state="建成",
        ...                   scale=("未开展", "开展", "基本建成", "建成")).gap
        1.0
        >>> assess_attainment(12.0, "increase", baseline=None).status
        <AttainmentStatus.NO_DATA: 'no_data'>
        >>> assess_attainment(None, "ge", 100).status
        <AttainmentStatus.NO_DATA: 'no_data'>
        >>> assess_attainment(95.0, "ge", 100, applicable=False).status
        <AttainmentStatus.NOT_APPLICABLE: 'not_applicable'>
    """
    comp = Comparator(comparator)
    if not applicable:
        return AttainmentResult(
            AttainmentStatus.NOT_APPLICABLE, value, target, None, "不适用 (not applicable)"
        )
    if _is_missing(value) or (isinstance(value, str) and not value.strip()):
        return AttainmentResult(AttainmentStatus.NO_DATA, None, target, None, "无数据 (no data)")
    assert value is not None
    if comp is Comparator.REACH:
        return _assess_state(value, target, required_state, scale)
    number = _finite(value, "value")
    if comp in (Comparator.INCREASE, Comparator.DECREASE):
        return _assess_trend(number, comp, baseline, tolerance)
    if target is None:
        raise ValidationError(
            f"比较方式 {comp} 需要目标值 (comparator {comp} needs a target)", field="target"
        )
    goal = _finite(target, "target")
    if comp is Comparator.GE:
        attained = number >= goal - tolerance
        gap = 0.0 if attained else float(_dec(goal) - _dec(number))
        zh, en = "≥", ">="
    elif comp is Comparator.LE:
        attained = number <= goal + tolerance
        gap = 0.0 if attained else float(_dec(number) - _dec(goal))
        zh, en = "≤", "<="
    else:
        attained = abs(number - goal) <= tolerance
        gap = 0.0 if attained else float(abs(_dec(number) - _dec(goal)))
        zh, en = "=", "="
    if attained:
        shown = f"{_fmt(number)} {zh} {_fmt(goal)}"
        note = f"{shown}，达标 (attained: {_fmt(number)} {en} {_fmt(goal)})"
    else:
        note = (
            f"{_fmt(number)} 未满足 {zh} {_fmt(goal)}，差距 {_fmt(gap)} "
            f"(not attained: {_fmt(number)} is not {en} {_fmt(goal)}, gap {_fmt(gap)})"
        )
    status = AttainmentStatus.ATTAINED if attained else AttainmentStatus.NOT_ATTAINED
    return AttainmentResult(status, number, goal, gap, note)


def _assess_trend(
    number: float, comp: Comparator, baseline: float | None, tolerance: float
) -> AttainmentResult:
    if _is_missing(baseline):
        return AttainmentResult(
            AttainmentStatus.NO_DATA,
            number,
            None,
            None,
            "缺少基线值，无法判断增减 (no baseline: cannot judge an increase or decrease)",
        )
    base = _finite(baseline, "baseline")
    if comp is Comparator.INCREASE:
        attained = number - base > tolerance
        zh, en = "提高", "increase"
    else:
        attained = base - number > tolerance
        zh, en = "降低", "decrease"
    verdict_zh = "达标" if attained else "未达标"
    verdict_en = "attained" if attained else "not attained"
    note = (
        f"基线 {_fmt(base)}，现值 {_fmt(number)}，要求{zh}：{verdict_zh} "
        f"(baseline {_fmt(base)}, value {_fmt(number)}, {en} required: {verdict_en})"
    )
    status = AttainmentStatus.ATTAINED if attained else AttainmentStatus.NOT_ATTAINED
    return AttainmentResult(status, number, base, None, note)


def _assess_state(
    value: float | str,
    target: float | str | None,
    required_state: str | None,
    scale: Sequence[str],
) -> AttainmentResult:
    required = required_state if required_state is not None else target
    if not isinstance(required, str) or not required.strip():
        raise ValidationError(
            "状态目标需要指定要求达到的状态 (a state target needs required_state)",
            field="required_state",
        )
    if not isinstance(value, str):
        raise ValidationError(
            f"状态目标的值应为状态名称 (a state target needs a state, not {value!r})",
            field="value",
        )
    reached, wanted = state_rank(value, scale), state_rank(required, scale)
    steps = max(0, wanted - reached)
    state, goal = value.strip(), required.strip()
    if steps == 0:
        status = AttainmentStatus.ATTAINED
        note = f"已达到“{goal}”（现为“{state}”）(reached {goal}: now {state})"
    else:
        status = AttainmentStatus.NOT_ATTAINED
        note = f"现为“{state}”，距“{goal}”还差 {steps} 级 ({steps} step(s) short of {goal})"
    return AttainmentResult(status, state, goal, float(steps), note)


def derive_relative_target(baseline_value: float, change: float) -> float:
    """The absolute target of a relative one: baseline × (1 + change), to 6 decimals.

    The plan gives coal consumption "−10 % or more vs 2017" without the 2017 value; the
    platform stores the baseline observation and derives 0.9 × the 2017 value
    (docs/modules/indicators.md §2, "Relative targets need a baseline value").

    Examples:
        >>> derive_relative_target(1234.5, -0.10)
        1111.05
        >>> derive_relative_target(60.0, 0.05)
        63.0
        >>> derive_relative_target(0.0, -0.10)
        0.0
    """
    base = _dec(baseline_value, "baseline_value")
    factor = Decimal(1) + _dec(change, "change")
    return round(float(base * factor), 6)


# ----------------------------------------------------------------------------------- progress


def _cagr(current: float, base: float, years: int) -> float:
    """Compound annual growth rate (sdg-build ``growth_calculation``)."""
    return float((current / base) ** (1 / years) - 1)


def _limit_coefficient(base: float, limit: float) -> float:
    """sdg-build ``get_progress_thresholds``: the reduction near a natural limit."""
    b, lim = abs(base), abs(limit)
    if b >= 2 * lim:  # first, so that C = 1 when base and limit are both zero
        return 1.0
    if b <= lim:
        return float(1 - (b / lim) ** LIMIT_EXPONENT)
    return float(1 - ((2 * lim - b) / lim) ** LIMIT_EXPONENT)


def _score_from_ratio(ratio: float) -> float:
    """−5…5 on the two lines through (0, −2.5), (0.6, 0) and (0.95, 2.5)."""
    if ratio >= RATIO_MODERATE:
        return min(5.0, 50 / 7 * ratio - 30 / 7)
    return max(-5.0, 25 / 6 * ratio - 2.5)


def progress(
    series: Mapping[int, float | None],
    *,
    base_year: int,
    direction: int,
    target_value: float | None = None,
    target_year: int | None = None,
    natural_limit: float | None = None,
    limit_is_max: bool = True,
) -> ProgressResult:
    """Progress of one series toward its target: the Statistics Canada method of Open SDG.

    Source: docs/modules/indicators.md §5, restating open-sdg/sdg-build ``sdg/ProgressMeasure.py``
    and open-sdg ``docs/progress-methodology.md``; followed step by step:

    1. The base is ``base_year`` or, when it has no value, the first later year with one; the
       current value is the latest year with data. Fewer than two years → INSUFFICIENT_DATA.
    2. A zero base or target is replaced by 0.001. Base and current (or base and target) of
       opposite sign → INSUFFICIENT_DATA, as sdg-build rejects them (no complex powers).
    3. With ``target_value``: if the latest value already meets it (≥ for direction +1,
       ≤ for −1) → TARGET_ACHIEVED, score 5 — sdg-build checks this first, so it holds even
       with a single data point. Otherwise CAGR_o = (y_now/y_base)^(1/(t_now − t_base)) − 1,
       CAGR_r = (target/y_base)^(1/(t_target − t_base)) − 1 and R = s·d·CAGR_o/|CAGR_r|
       (d = direction, s = −1 when the base is negative). R ≥ 0.95 SUBSTANTIAL (on track),
       0.6 ≤ R < 0.95 MODERATE (needs acceleration), 0 ≤ R < 0.6 LIMITED, R < 0 DETERIORATION.
       Score: min(5, 7.14·R − 4.29) for R ≥ 0.6, max(−5, 4.17·R − 2.5) below. Those
       coefficients (sdg-build: 7.1429, 4.2857, 4.1667) approximate the lines through
       (0.6, 0), (0.95, 2.5) and (0, −2.5); the exact fractions 50/7, 30/7 and 25/6 are used
       here so that score bands (≥ 2.5, ≥ 0, ≥ −2.5) agree with the status bands.
       If CAGR_r is 0 (target equals base) the ratio is undefined; the value has then moved
       away from its target: DETERIORATION, score −5, ratio None.
    4. Without a target: s·d·CAGR_o against 1.5 %, 0.5 % and 0 (SUBSTANTIAL, MODERATE, LIMITED,
       else DETERIORATION); score None. With ``natural_limit`` the positive thresholds are
       multiplied by C = 1 − (y₀/y_lim)^4.44 for a base at or under the limit, mirrored
       C = 1 − ((2·y_lim − y₀)/y_lim)^4.44 above it (a minimum limit), and C = 1 for a base at
       least twice the limit (absolute values, as sdg-build). sdg-build picks the branch by
       where the base lies, so ``limit_is_max`` changes no number: it only adds a note when
       the base is on the wrong side of its limit (sdg-build logs a warning there).
    5. ``warning``: a dated target (``target_year`` given) that is not achieved and not on
       track (status other than TARGET_ACHIEVED / SUBSTANTIAL) while the latest data year is
       before the target year — the early warning before the deadline (docs/modules/indicators.md
       §5, last line).

    Examples:
        >>> r = progress({2017: 60.0, 2020: 66.0}, base_year=2017, direction=1,
        ...              target_value=69.85, target_year=2022)
        >>> r.status, round(r.ratio, 3), round(r.score, 2), r.warning
        (<ProgressStatus.SUBSTANTIAL: 'substantial'>, 1.046, 3.18, False)
        >>> progress({2017: 60.0}, base_year=2017, direction=1).status
        <ProgressStatus.INSUFFICIENT_DATA: 'insufficient_data'>
        >>> progress({}, base_year=2017, direction=-1, target_value=1.0, target_year=2021).status
        <ProgressStatus.INSUFFICIENT_DATA: 'insufficient_data'>
    """
    if direction not in (1, -1):
        raise ValidationError(
            f"方向应为 +1（越大越好）或 −1（越小越好），而非 {direction} "
            f"(direction must be +1 or -1)",
            field="direction",
        )
    if target_value is not None and target_year is None:
        raise ValidationError(
            "有目标值时需给出目标年份 (a target value needs a target year)", field="target_year"
        )
    if target_year is not None and target_year <= base_year:
        raise ValidationError(
            f"目标年份 {target_year} 应晚于基准年 {base_year} "
            f"(target year must be after the base year)",
            field="target_year",
        )
    points = sorted(
        (int(year), _finite(v, f"series[{year}]"))
        for year, v in series.items()
        if not _is_missing(v)
    )
    target = None if target_value is None else _finite(target_value, "target_value")
    if target == 0:
        target = ZERO_REPLACEMENT
    limit = None if natural_limit is None else _finite(natural_limit, "natural_limit")

    def result(
        status: ProgressStatus,
        *,
        score: float | None = None,
        cagr_o: float | None = None,
        cagr_r: float | None = None,
        ratio: float | None = None,
        base: tuple[int, float] | None = None,
        note: str = "",
    ) -> ProgressResult:
        current = points[-1] if points else None
        current_year = current[0] if current else None
        warning = (
            target_year is not None
            and status not in (ProgressStatus.TARGET_ACHIEVED, ProgressStatus.SUBSTANTIAL)
            and current_year is not None
            and current_year < target_year
        )
        return ProgressResult(
            status=status,
            score=score,
            cagr_observed=cagr_o,
            cagr_required=cagr_r,
            ratio=ratio,
            base_year=base[0] if base else None,
            current_year=current_year,
            warning=warning,
            base_value=base[1] if base else None,
            current_value=current[1] if current else None,
            note=note,
        )

    base = next(((y, v) for y, v in points if y >= base_year), None)
    if points and target is not None:
        now = points[-1][1]
        if (direction == 1 and now >= target) or (direction == -1 and now <= target):
            return result(
                ProgressStatus.TARGET_ACHIEVED,
                score=5.0,
                base=base,
                note=f"最新值 {_fmt(now)} 已实现目标 {_fmt(target)} (target {_fmt(target)} met)",
            )
    if base is None or points[-1][0] - base[0] < 1:
        return result(
            ProgressStatus.INSUFFICIENT_DATA,
            base=base,
            note=f"{base_year} 年起不足两年的数据 (fewer than two years of data since {base_year})",
        )
    raw_base = base[1]
    sign = -1 if raw_base < 0 else 1
    base_value = ZERO_REPLACEMENT if raw_base == 0 else raw_base
    base = (base[0], base_value)
    current_year, current_value = points[-1]
    if (base_value > 0 > current_value) or (base_value < 0 < current_value):
        return result(
            ProgressStatus.INSUFFICIENT_DATA,
            base=base,
            note="基期值与现值正负号相反，无法计算增速 (base and current values differ in sign)",
        )
    cagr_o = _cagr(current_value, base_value, current_year - base[0])

    if target is not None and target_year is not None:
        if (base_value > 0 > target) or (base_value < 0 < target):
            return result(
                ProgressStatus.INSUFFICIENT_DATA,
                cagr_o=cagr_o,
                base=base,
                note="基期值与目标值正负号相反 (base and target values differ in sign)",
            )
        if target_year - base[0] < 1:
            return result(
                ProgressStatus.INSUFFICIENT_DATA,
                cagr_o=cagr_o,
                base=base,
                note=f"首个有数据的年份 {base[0]} 不早于目标年份 {target_year} "
                f"(first year with data is not before the target year)",
            )
        cagr_r = _cagr(target, base_value, target_year - base[0])
        if cagr_r == 0:
            return result(
                ProgressStatus.DETERIORATION,
                score=-5.0,
                cagr_o=cagr_o,
                cagr_r=cagr_r,
                base=base,
                note="目标值等于基期值而现值偏离目标 (target equals base; value moved away)",
            )
        ratio = sign * direction * cagr_o / abs(cagr_r)
        if ratio >= RATIO_ON_TRACK:
            status = ProgressStatus.SUBSTANTIAL
        elif ratio >= RATIO_MODERATE:
            status = ProgressStatus.MODERATE
        elif ratio >= 0:
            status = ProgressStatus.LIMITED
        else:
            status = ProgressStatus.DETERIORATION
        return result(
            status,
            score=_score_from_ratio(ratio),
            cagr_o=cagr_o,
            cagr_r=cagr_r,
            ratio=ratio,
            base=base,
        )

    growth = sign * direction * cagr_o
    coefficient = 1.0
    note = ""
    if limit is not None:
        coefficient = _limit_coefficient(raw_base, limit)
        if limit_is_max and base_value > limit:
            note = "基期值高于自然上限 (base above the natural maximum)"
        elif not limit_is_max and base_value < limit:
            note = "基期值低于自然下限 (base below the natural minimum)"
    if growth >= GROWTH_SUBSTANTIAL * coefficient:
        status = ProgressStatus.SUBSTANTIAL
    elif growth >= GROWTH_MODERATE * coefficient:
        status = ProgressStatus.MODERATE
    elif growth >= 0:
        status = ProgressStatus.LIMITED
    else:
        status = ProgressStatus.DETERIORATION
    return result(status, cagr_o=cagr_o, base=base, note=note)


# ------------------------------------------------------------------------------------ scoring


def _param(item: ScoringItem, key: str, *, default: Any = ...) -> Any:
    if key in item.params:
        return item.params[key]
    if default is ...:
        raise ValidationError(
            f"评分项 {item.code} 缺少参数 “{key}” (item {item.code}: parameter {key!r} missing)",
            field=item.code,
        )
    return default


def _param_dec(item: ScoringItem, key: str, *, default: Any = ...) -> Decimal | None:
    raw = _param(item, key, default=default)
    if raw is None:
        if default is ...:
            raise ValidationError(
                f"评分项 {item.code} 的参数 “{key}” 不能为空 (parameter {key!r} is empty)",
                field=item.code,
            )
        return None
    number = _dec(raw, f"{item.code}.{key}")
    if number < 0:
        raise ValidationError(
            f"评分项 {item.code} 参数 “{key}” 不能为负 (parameter {key!r} must be ≥ 0)",
            field=item.code,
        )
    return number


def _comparator(item: ScoringItem, default: str | None = None) -> str:
    raw = _param(item, "comparator", default=default)
    comp = str(raw).lower()
    if comp not in ("ge", "le"):
        raise ValidationError(
            f"评分项 {item.code} 的 comparator 应为 ge 或 le，而非 {raw!r} "
            f"(item {item.code}: comparator must be 'ge' or 'le')",
            field=item.code,
        )
    return comp


def _scored(item: ScoringItem, points: Decimal, zh: str, en: str) -> ItemScore:
    return ItemScore(
        code=item.code,
        name=item.name,
        kind=item.kind,
        full_marks=item.full_marks,
        points=_points(points),
        explanation=f"{zh} ({en})",
    )


def _no_data(item: ScoringItem, what: str = "") -> ItemScore:
    if item.kind in SHEET_KINDS:
        return _scored(item, _ZERO, "无数据，未触发", "no data: not triggered")
    detail_zh = f"（缺少{what}）" if what else ""
    detail_en = f" ({what} missing)" if what else ""
    return _scored(item, _ZERO, f"无数据{detail_zh}，得 0 分", f"no data{detail_en}: 0 points")


def _floored(item: ScoringItem, full: Decimal, deduction: Decimal, zh: str, en: str) -> ItemScore:
    """max(0, P − deduction): "扣完为止", an item never goes below 0
    (docs/modules/indicators.md §3.4 example 2)."""
    points = max(_ZERO, full - deduction)
    if full - deduction < 0:
        zh += "，扣完为止，得 0 分"
        en += f", floored at 0 of {_fmt(full)}"
    else:
        zh += f"，得 {_fmt(_points(points))} 分"
        en += f", {_fmt(_points(points))} of {_fmt(full)}"
    return _scored(item, points, zh, en)


def _event_total(item: ScoringItem, given: ItemInput) -> tuple[Decimal, str, str] | None:
    """Σ events, or event_count × per_event when no event is itemised; None if none."""
    if given.events:
        values = [_dec(e, f"{item.code}.events") for e in given.events]
        if any(v < 0 for v in values):
            raise ValidationError(
                f"评分项 {item.code} 的事件分值不能为负 (event points must be ≥ 0)",
                field=item.code,
            )
        total = sum(values, _ZERO)
        listed = " + ".join(_fmt(v) for v in values)
        return total, f"{len(values)} 次（{listed}）", f"{len(values)} event(s) ({listed})"
    if given.event_count < 0:
        raise ValidationError(
            f"评分项 {item.code} 的事件次数不能为负 (event count must be ≥ 0)", field=item.code
        )
    if given.event_count == 0:
        return None
    per_event = _param_dec(item, "per_event")
    assert per_event is not None
    total = per_event * given.event_count
    return (
        total,
        f"{given.event_count} 次 × {_fmt(per_event)}",
        f"{given.event_count} × {_fmt(per_event)}",
    )


def score_item(item: ScoringItem, given: ItemInput) -> ItemScore:
    """Points of one task-book item, rounded half-up to 2 decimals, with an explanation.

    Rule kinds and sources (docs/modules/indicators.md §3.4 and the table in §3.5; P = full marks):

    * BINARY — P if attained else 0 (national attainment, qualitative tasks).
    * STATE_LADDER — P × ``ladder[state]`` (share 0..1, set per book); unknown state → 0.
    * GAP_DEDUCTION — max(0, P − k·gap), k = ``per_unit``; gap = target − value for
      ``comparator`` "ge", value − target for "le"; with ``step`` the gap counts in started
      steps, ceil(gap/step)·step. 2018 prefecture target book: 0.5 point per µg/m³ of PM2.5
      above target, 0.25 per point of good-day ratio short, "扣完为止".
    * EVENT_DEDUCTION — max(0, P − Σ events), or event_count × ``per_event``; ``waived`` → P
      (2020 美丽XX book: monthly section penalties waived if the annual mean meets the target).
    * GRADE_MAPPING — ``grades[grade]`` points, none above P (2020 book: 60/45/30/10/0).
    * RATIO_TO_TARGET — P·min(X/T, 1) for "ge", P·min(T/X, 1) for "le" (X = 0 → P): common
      practice, no source document reached (docs/modules/indicators.md §7.7).
    * MIN_MAX — P × (60 + 40·(X − min)/(max − min))/100 over ``peers`` (X joins them if
      absent), inverted for ``comparator`` "le"; all equal → P (绿色发展指数, to verify §3.2).
    * BONUS — min(``cap``, Σ events or event_count × ``per_event``) (2020 book: 5 per section
      improving a class, capped at 20); these points are bonus, full marks must be 0.
    * VETO, GRADE_CAP — 0 points, full marks 0; they act on the sheet when ``triggered``.

    Examples:
        >>> pm25 = ScoringItem("A1", "PM2.5 年均浓度", RuleKind.GAP_DEDUCTION, 10,
        ...                    {"per_unit": 0.5, "comparator": "le", "unit": "µg/m³"})
        >>> s = score_item(pm25, ItemInput(value=38.0, target=35.0))
        >>> s.points
        8.5
        >>> s.explanation
        '值 38.0，目标 35.0，差距 3.0 µg/m³ × 0.5 = 扣 1.5 分，得 8.5 分
         (gap 3.0 × 0.5 = −1.5; value 38.0, target 35.0, 8.5 of 10.0)'
        >>> score_item(pm25, ItemInput()).explanation
        '无数据（缺少value）...'
        >>> ladder = ScoringItem("B1", "河湖长制", RuleKind.STATE_LADDER, 5.35,
        ...                      {"ladder": {"建成": 1, "基本建成": 0.5}})
        >>> score_item(ladder, ItemInput(state="基本建成")).points  # 2.675 → 2.68, half-up
        2.68
    """
    full = _dec(item.full_marks, f"{item.code}.full_marks")
    if full < 0:
        raise ValidationError(
            f"评分项 {item.code} 满分不能为负 (full marks must be ≥ 0)", field=item.code
        )
    kind = RuleKind(item.kind)
    if kind in BONUS_KINDS | SHEET_KINDS and full != 0:
        raise ValidationError(
            f"加分、否决、降级项 {item.code} 的满分应为 0 "
            f"(bonus, veto and grade-cap items carry 0 full marks)",
            field=item.code,
        )
    handler = _HANDLERS[kind]
    return handler(item, given, full)


def _binary(item: ScoringItem, given: ItemInput, full: Decimal) -> ItemScore:
    if given.attained is None:
        return _no_data(item, "attained")
    if given.attained:
        return _scored(item, full, f"达标，得 {_fmt(full)} 分", f"attained: {_fmt(full)}")
    return _scored(item, _ZERO, "未达标，得 0 分", "not attained: 0")


def _state_ladder(item: ScoringItem, given: ItemInput, full: Decimal) -> ItemScore:
    ladder = _param(item, "ladder")
    if not isinstance(ladder, Mapping):
        raise ValidationError(f"评分项 {item.code} 的 ladder 应为映射", field=item.code)
    if given.state is None or not given.state.strip():
        return _no_data(item, "state")
    state = given.state.strip()
    if state not in ladder:
        known = "、".join(str(k) for k in ladder)
        return _scored(
            item,
            _ZERO,
            f"状态“{state}”不在计分阶梯（{known}）中，得 0 分",
            f"state {state!r} is not on the ladder ({known}): 0",
        )
    share = _dec(ladder[state], f"{item.code}.ladder[{state}]")
    if not _ZERO <= share <= 1:
        raise ValidationError(
            f"评分项 {item.code} 阶梯系数应在 0–1 之间 (ladder share must be 0..1)",
            field=item.code,
        )
    points = full * share
    return _scored(
        item,
        points,
        f"状态“{state}”：{_fmt(full)} × {_fmt(share)} = {_fmt(_points(points))} 分",
        f"state {state}: {_fmt(full)} × {_fmt(share)} = {_fmt(_points(points))}",
    )


def _target_of(item: ScoringItem, given: ItemInput) -> float | None:
    if given.target is not None:
        return given.target
    raw = _param(item, "target", default=None)
    return None if raw is None else _finite(raw, f"{item.code}.target")


def _gap_deduction(item: ScoringItem, given: ItemInput, full: Decimal) -> ItemScore:
    per_unit = _param_dec(item, "per_unit")
    assert per_unit is not None
    comp = _comparator(item)
    step = _param_dec(item, "step", default=None)
    if step is not None and step == 0:
        raise ValidationError(f"评分项 {item.code} 的 step 不能为 0", field=item.code)
    unit = str(_param(item, "unit", default="")).strip()
    target = _target_of(item, given)
    if _is_missing(given.value) or target is None:
        return _no_data(item, "value" if _is_missing(given.value) else "target")
    assert given.value is not None
    value, goal = _dec(given.value), _dec(target, "target")
    raw_gap = max(_ZERO, goal - value if comp == "ge" else value - goal)
    head_zh = f"值 {_fmt(value)}，目标 {_fmt(goal)}"
    head_en = f"value {_fmt(value)}, target {_fmt(goal)}"
    if raw_gap == 0:
        return _scored(
            item,
            full,
            f"{head_zh}，达到目标，不扣分，得 {_fmt(full)} 分",
            f"target met: {head_en}, {_fmt(full)} of {_fmt(full)}",
        )
    gap = raw_gap
    step_zh = step_en = ""
    if step is not None:
        gap = (raw_gap / step).to_integral_value(rounding=ROUND_CEILING) * step
        step_zh = f"（差距 {_fmt(raw_gap)} 按每 {_fmt(step)} 计，不足一档按一档）"
        step_en = f"; gap {_fmt(raw_gap)} counted in started steps of {_fmt(step)}"
    deduction = per_unit * gap
    unit_text = f" {unit}" if unit else ""
    return _floored(
        item,
        full,
        deduction,
        f"{head_zh}，差距 {_fmt(gap)}{unit_text} × {_fmt(per_unit)} = 扣 {_fmt(deduction)} 分"
        f"{step_zh}",
        f"gap {_fmt(gap)} × {_fmt(per_unit)} = −{_fmt(deduction)}{step_en}; {head_en}",
    )


def _event_deduction(item: ScoringItem, given: ItemInput, full: Decimal) -> ItemScore:
    if given.waived:
        return _scored(
            item,
            full,
            f"年均值达标，免于扣分，得 {_fmt(full)} 分",
            f"waived, the annual mean meets the target: {_fmt(full)}",
        )
    events = _event_total(item, given)
    if events is None:
        return _scored(
            item, full, f"无扣分事件，得 {_fmt(full)} 分", f"no deductions: {_fmt(full)}"
        )
    total, zh, en = events
    return _floored(
        item, full, total, f"扣分事件 {zh}，共扣 {_fmt(total)} 分", f"{en} = −{_fmt(total)}"
    )


def _grade_mapping(item: ScoringItem, given: ItemInput, full: Decimal) -> ItemScore:
    grades = _param(item, "grades")
    if not isinstance(grades, Mapping):
        raise ValidationError(f"评分项 {item.code} 的 grades 应为映射", field=item.code)
    table = {str(k).strip(): _dec(v, f"{item.code}.grades[{k}]") for k, v in grades.items()}
    too_high = [k for k, v in table.items() if v > full or v < 0]
    if too_high:
        raise ValidationError(
            f"评分项 {item.code} 等级 {'、'.join(too_high)} 的分值应在 0 与满分 {_fmt(full)} "
            f"之间 (grade points must lie between 0 and full marks)",
            field=item.code,
        )
    if given.grade is None or not given.grade.strip():
        return _no_data(item, "grade")
    grade = given.grade.strip()
    if grade not in table:
        raise ValidationError(
            f"评分项 {item.code} 没有等级 “{grade}”，应为 {'、'.join(table)} 之一 "
            f"(unknown grade {grade!r})",
            field=item.code,
        )
    points = table[grade]
    return _scored(
        item,
        points,
        f"等级“{grade}”，得 {_fmt(points)} 分",
        f"grade {grade}: {_fmt(points)} of {_fmt(full)}",
    )


def _ratio_to_target(item: ScoringItem, given: ItemInput, full: Decimal) -> ItemScore:
    comp = _comparator(item)
    target = _target_of(item, given)
    if _is_missing(given.value) or target is None:
        return _no_data(item, "value" if _is_missing(given.value) else "target")
    assert given.value is not None
    value, goal = _dec(given.value), _dec(target, "target")
    if value < 0 or goal < 0:
        raise ValidationError(
            f"评分项 {item.code} 的完成值与目标值不能为负 (value and target must be ≥ 0)",
            field=item.code,
        )
    if comp == "ge":
        ratio = Decimal(1) if goal == 0 else min(value / goal, Decimal(1))
        formula = f"min({_fmt(value)}/{_fmt(goal)}, 1)"
    else:
        ratio = Decimal(1) if value == 0 else min(goal / value, Decimal(1))
        formula = f"min({_fmt(goal)}/{_fmt(value)}, 1)"
    points = full * ratio
    shown = _fmt(_points(points))
    return _scored(
        item,
        points,
        f"{_fmt(full)} × {formula} = {shown} 分",
        f"ratio to target: {_fmt(full)} × {formula} = {shown}",
    )


def _min_max(item: ScoringItem, given: ItemInput, full: Decimal) -> ItemScore:
    comp = _comparator(item, default="ge")
    if _is_missing(given.value):
        return _no_data(item, "value")
    assert given.value is not None
    value = _dec(given.value)
    pool = [_dec(p, f"{item.code}.peers") for p in given.peers]
    if value not in pool:
        pool.append(value)
    low, high = min(pool), max(pool)
    if low == high:
        return _scored(
            item,
            full,
            f"参比各方数值相同，得满分 {_fmt(full)} 分",
            f"all peers equal: {_fmt(full)}",
        )
    if comp == "ge":
        index = 60 + 40 * (value - low) / (high - low)
        formula = f"60 + 40 × ({_fmt(value)} − {_fmt(low)}) / ({_fmt(high)} − {_fmt(low)})"
    else:
        index = 60 + 40 * (high - value) / (high - low)
        formula = f"60 + 40 × ({_fmt(high)} − {_fmt(value)}) / ({_fmt(high)} − {_fmt(low)})"
    points = full * index / 100
    shown_index, shown = _fmt(_points(index)), _fmt(_points(points))
    return _scored(
        item,
        points,
        f"指数 {formula} = {shown_index}，{_fmt(full)} × {shown_index}/100 = {shown} 分",
        f"index {formula} = {shown_index}; {_fmt(full)} × index/100 = {shown}",
    )


def _bonus(item: ScoringItem, given: ItemInput, full: Decimal) -> ItemScore:
    cap = _param_dec(item, "cap", default=None)
    events = _event_total(item, given)
    if events is None:
        return _scored(item, _ZERO, "无加分事项，加 0 分", "no bonus events: +0")
    total, zh, en = events
    points = total if cap is None else min(total, cap)
    zh_text = f"加分 {zh} = {_fmt(total)}"
    en_text = f"bonus {en} = +{_fmt(total)}"
    if cap is not None and total > cap:
        zh_text += f"，超过上限 {_fmt(cap)}，计 {_fmt(points)} 分"
        en_text += f", capped at {_fmt(cap)}"
    else:
        zh_text += " 分"
    return _scored(item, points, zh_text, en_text)


def _veto(item: ScoringItem, given: ItemInput, full: Decimal) -> ItemScore:
    if given.triggered:
        return _scored(item, _ZERO, f"触发一票否决：{item.name}", f"veto triggered: {item.name}")
    return _scored(item, _ZERO, "未触发一票否决", "veto not triggered")


def _grade_cap(item: ScoringItem, given: ItemInput, full: Decimal) -> ItemScore:
    cap = str(_param(item, "cap")).strip()
    if given.triggered:
        return _scored(
            item,
            _ZERO,
            f"触发降级：{item.name}，等级不高于“{cap}”",
            f"grade cap triggered: {item.name}, grade no better than {cap}",
        )
    return _scored(item, _ZERO, "未触发降级", "grade cap not triggered")


_HANDLERS = {
    RuleKind.BINARY: _binary,
    RuleKind.STATE_LADDER: _state_ladder,
    RuleKind.GAP_DEDUCTION: _gap_deduction,
    RuleKind.EVENT_DEDUCTION: _event_deduction,
    RuleKind.GRADE_MAPPING: _grade_mapping,
    RuleKind.RATIO_TO_TARGET: _ratio_to_target,
    RuleKind.MIN_MAX: _min_max,
    RuleKind.BONUS: _bonus,
    RuleKind.VETO: _veto,
    RuleKind.GRADE_CAP: _grade_cap,
}


def _check_scheme(scheme: ScoringScheme) -> list[str]:
    """Validate the scheme's shape; return its grades, best first."""
    codes = [item.code for item in scheme.items]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValidationError(
            f"评分方案 {scheme.code} 的评分项编号重复：{'、'.join(duplicates)} "
            f"(duplicate item codes)",
            field="items",
        )
    thresholds = [float(threshold) for threshold, _ in scheme.grade_cutoffs]
    if any(a <= b for a, b in zip(thresholds, thresholds[1:], strict=False)):
        raise ValidationError(
            f"评分方案 {scheme.code} 的等级分数线应严格递减 (grade cut-offs must descend)",
            field="grade_cutoffs",
        )
    grades = [grade for _, grade in scheme.grade_cutoffs]
    if scheme.fail_grade not in grades:
        grades.append(scheme.fail_grade)
    for item in scheme.items:
        if RuleKind(item.kind) is RuleKind.GRADE_CAP:
            cap = str(_param(item, "cap")).strip()
            if cap not in grades:
                raise ValidationError(
                    f"评分项 {item.code} 的降级上限 “{cap}” 不是本方案的等级 "
                    f"(cap {cap!r} is not a grade of the scheme: {'、'.join(grades)})",
                    field=item.code,
                )
    return grades


def score_sheet(scheme: ScoringScheme, subject: str, inputs: Mapping[str, ItemInput]) -> ScoreSheet:
    """Score one subject (county or department) on an annual scheme.

    Annual score = Σ item points − deductions + bonus (2018 prefecture target book,
    docs/modules/indicators.md §3.4); bonus capped by the scheme (2020 美丽XX book: capped at 20);
    grade by the scheme's descending cut-offs (not confirmed anywhere, so configuration:
    docs/modules/indicators.md §7.4); a triggered veto (一票否决, Kaihua 2013) sets the grade to the
    fail grade while the total is still shown; a triggered grade cap (攻坚战考核: no 优秀 after an
    especially major incident, docs/modules/indicators.md §3.3) makes the grade no better than its
    ``cap``, grades ordered as the cut-offs. An item without input scores as no data: 0 points.
    Inputs for unknown items are an error.

    Examples:
        >>> scheme = ScoringScheme("T", "示例", 2024, (
        ...     ScoringItem("A", "规划", RuleKind.BINARY, 60),
        ...     ScoringItem("V", "重大事件", RuleKind.VETO, 0)))
        >>> sheet = score_sheet(scheme, "柯城区", {"A": ItemInput(attained=True)})
        >>> sheet.total, sheet.grade, sheet.vetoed
        (60.0, '合格', False)
        >>> score_sheet(scheme, "柯城区", {}).grade
        '不合格'
    """
    grades = _check_scheme(scheme)
    unknown = sorted(set(inputs) - {item.code for item in scheme.items})
    if unknown:
        raise ValidationError(
            f"评分方案 {scheme.code} 没有评分项 {'、'.join(unknown)} (unknown item codes)",
            field=unknown[0],
        )
    scores: list[ItemScore] = []
    base = bonus_raw = _ZERO
    vetoes: list[str] = []
    caps: list[tuple[int, str, str]] = []
    for item in scheme.items:
        given = inputs.get(item.code)
        score = _no_data(item) if given is None else score_item(item, given)
        scores.append(score)
        kind = RuleKind(item.kind)
        if kind in BONUS_KINDS:
            bonus_raw += _dec(score.points)
        else:
            base += _dec(score.points)
        if given is not None and given.triggered:
            if kind is RuleKind.VETO:
                vetoes.append(item.name)
            elif kind is RuleKind.GRADE_CAP:
                cap = str(_param(item, "cap")).strip()
                caps.append((grades.index(cap), cap, item.name))
    cap_total = None if scheme.bonus_cap is None else _dec(scheme.bonus_cap, "bonus_cap")
    bonus = bonus_raw if cap_total is None else min(bonus_raw, cap_total)
    total = base + bonus
    grade = next(
        (name for threshold, name in scheme.grade_cutoffs if _dec(threshold) <= total),
        scheme.fail_grade,
    )

    zh = f"基础分 {_fmt(base)}"
    en = f"base {_fmt(base)}"
    if bonus_raw or cap_total is not None:
        zh += f" + 加分 {_fmt(bonus)}"
        en += f" + bonus {_fmt(bonus)}"
        if cap_total is not None and bonus_raw > cap_total:
            zh += f"（加分合计 {_fmt(bonus_raw)}，上限 {_fmt(cap_total)}）"
            en += f" (bonus {_fmt(bonus_raw)} capped at {_fmt(cap_total)})"
    zh += f" = {_fmt(total)} 分，按分数线为“{grade}”"
    en += f" = {_fmt(total)}, grade by cut-offs {grade}"

    capped_to: str | None = None
    if vetoes:
        grade = scheme.fail_grade
        zh += f"；触发一票否决（{'、'.join(vetoes)}），等级为“{grade}”"
        en += f"; veto ({', '.join(vetoes)}): grade {grade}"
    elif caps:
        worst_index, cap, _ = max(caps)
        names = "、".join(name for _, _, name in caps)
        if grades.index(grade) < worst_index:
            grade = capped_to = cap
            zh += f"；触发降级（{names}），等级降为“{cap}”"
            en += f"; grade cap ({names}): grade lowered to {cap}"
        else:
            zh += f"；触发降级（{names}），等级已不高于“{cap}”，不变"
            en += f"; grade cap ({names}): grade already no better than {cap}"
    return ScoreSheet(
        scheme_code=scheme.code,
        subject=subject,
        items=tuple(scores),
        base_points=_points(base),
        bonus_points=_points(bonus),
        total=_points(total),
        grade=grade,
        vetoed=bool(vetoes),
        capped_to=capped_to,
        explanation=f"{zh} ({en})",
    )


def rank(sheets: Sequence[ScoreSheet]) -> list[tuple[int, ScoreSheet]]:
    """Rank sheets by total, highest first; ties share a rank ("1224" competition ranking);
    vetoed sheets come after all others, ranked among themselves the same way.

    Published annual results (plan 四, docs/modules/indicators.md §2) rank counties; a vetoed county
    cannot outrank one that passed, whatever its total. Equal totals keep their input order.

    Examples:
        >>> def s(name, total, vetoed=False):
        ...     return ScoreSheet("T", name, (), total, 0, total, "", vetoed, None, "")
        >>> ranked = rank([s("A", 90), s("B", 95), s("C", 90), s("D", 99, vetoed=True)])
        >>> [(r, x.subject) for r, x in ranked]
        [(1, 'B'), (2, 'A'), (2, 'C'), (4, 'D')]
        >>> rank([])
        []
    """
    ordered = sorted(sheets, key=lambda sheet: (sheet.vetoed, -sheet.total))
    ranked: list[tuple[int, ScoreSheet]] = []
    for position, sheet in enumerate(ordered, start=1):
        previous = ranked[-1] if ranked else None
        if (
            previous is not None
            and previous[1].vetoed == sheet.vetoed
            and previous[1].total == sheet.total
        ):
            ranked.append((previous[0], sheet))
        else:
            ranked.append((position, sheet))
    return ranked
