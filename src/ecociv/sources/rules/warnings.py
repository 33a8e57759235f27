"""Warning rules on one device's hourly data (pure: no database, no clock).

:func:`evaluate` runs every rule over a look-back window of a device's hourly points, in time
order, and returns the findings that fire, the keys that stopped firing and the new state.
The service runs it one device at a time under a lock on the device's state row, so two
frames arriving together cannot raise the same warning twice (the duplicate-alarm race
ThingsBoard users meet, anchors note §1.10).

How a rule decides, the same for all: in the window it finds *episodes* (hours that break
it) and whether the device is *currently* breaking it. It fires when it is currently broken,
or when an episode holds an hour newer than the last evaluated hour (a short breach between
two evaluations is not lost). An open key that no longer fires is *cleared*.

Each threshold is a named field of :class:`WarningSettings`; its docstring says where it
comes from. Only complete hours (ended before ``now``) are judged.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ecociv.kernel.clock import to_local
from ecociv.sources.model import (
    AveragingPeriod,
    DeviceContext,
    EvaluationState,
    Finding,
    HourlyPoint,
    Severity,
    WarningRule,
)
from ecociv.sources.rules import MAINTENANCE_FLAGS, value_for

HOUR = timedelta(hours=1)
#: How many hours an evidence list keeps (the newest).
EVIDENCE_HOURS = 24


@dataclass(frozen=True, slots=True)
class WarningSettings:
    """The thresholds of the warning rules."""

    #: Hours re-scanned at each evaluation, so late and back-filled data are judged too
    #: (the OpenAQ look-back lesson, anchors note §3).
    lookback_hours: int = 48
    #: Flat line: the same hourly value this many hours running. Constant readings are the
    #: first pattern of stuck or falsified data that supervision platforms flag (数据恒值).
    flat_line_hours: int = 6
    #: Zero variance: over this many hours the valid hourly values vary less than
    #: ``zero_variance_max_cv`` (coefficient of variation) — an analyser that no longer
    #: measures, or data that are made up (数据波动异常小).
    zero_variance_hours: int = 24
    zero_variance_min_points: int = 12
    zero_variance_max_cv: float = 0.001
    #: Missing data: this many consecutive complete hours without an hourly value of a
    #: parameter (HJ 75-2017 data validity: an hour without data is an invalid hour).
    missing_hours: int = 4
    #: Window of the missing-data rule.
    missing_window_hours: int = 24
    #: Maintenance/calibration share: more than this share of the window's hours flagged M, C,
    #: D or F (HJ 212-2017 表 8 flags) — maintenance used to hide emissions.
    maintenance_window_hours: int = 24
    maintenance_max_share: float = 0.25
    maintenance_min_hours: int = 6
    #: A daily limit is judged on a local day with at least this many valid hours (the 20-hour
    #: validity of a daily mean in the data-validity rules the monitoring module applies).
    min_valid_hours_per_day: int = 20
    #: Physical ranges (lower, upper) per parameter code: pH 0–14, O2 0–21 % (air holds
    #: 20.9 %), humidity 0–100 %, wastewater flow below 10 000 L/s and flue-gas flow below
    #: 5 000 m³/s (far beyond any single outlet in the city).
    ranges: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: {
            "w01001": (0.0, 14.0),
            "a19001": (0.0, 21.0),
            "a01014": (0.0, 100.0),
            "w00000": (0.0, 10_000.0),
            "a00000": (0.0, 5_000.0),
        }
    )
    #: Parameters that may be negative (temperatures, static pressure): every other value
    #: is a concentration, flow or share and cannot be below zero.
    may_be_negative: frozenset[str] = frozenset({"a01012", "a01013", "a01001", "w01010"})


SEVERITY: Mapping[WarningRule, Severity] = {
    WarningRule.EXCEEDANCE: Severity.CRITICAL,
    WarningRule.OUT_OF_RANGE: Severity.MAJOR,
    WarningRule.FLAT_LINE: Severity.MAJOR,
    WarningRule.ZERO_VARIANCE: Severity.MAJOR,
    WarningRule.OFFLINE: Severity.MAJOR,
    WarningRule.MISSING_DATA: Severity.MINOR,
    WarningRule.MAINTENANCE_SHARE: Severity.MINOR,
}


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _evidence_hours(hours: Sequence[tuple[datetime, float]]) -> list[dict[str, Any]]:
    return [{"hour": _iso(h), "value": round(v, 6)} for h, v in hours[-EVIDENCE_HOURS:]]


@dataclass
class _Ctx:
    state: EvaluationState
    now: datetime
    settings: WarningSettings
    findings: list[Finding] = field(default_factory=list)

    def is_new(self, hour: datetime) -> bool:
        return self.state.last_hour is None or hour > self.state.last_hour

    def decide(
        self,
        rule: WarningRule,
        parameter: str,
        episodes: Sequence[Sequence[tuple[datetime, float]]],
        currently: bool,
        evidence: dict[str, Any],
        first_seen: datetime | None = None,
        last_seen: datetime | None = None,
    ) -> None:
        fresh = any(self.is_new(h) for episode in episodes for h, _ in episode)
        if not (currently or fresh):
            return
        hours = [h for episode in episodes for h, _ in episode]
        self.findings.append(
            Finding(
                rule=rule,
                parameter=parameter,
                severity=SEVERITY[rule],
                first_seen=first_seen or (min(hours) if hours else self.now),
                last_seen=last_seen or (max(hours) + HOUR if hours else self.now),
                evidence=evidence,
            )
        )


def _runs(hours: Sequence[datetime]) -> list[list[datetime]]:
    """Consecutive hours grouped."""
    runs: list[list[datetime]] = []
    for h in hours:
        if runs and h - runs[-1][-1] == HOUR:
            runs[-1].append(h)
        else:
            runs.append([h])
    return runs


def exceedance(ctx: _Ctx, points: Sequence[HourlyPoint], device: DeviceContext) -> None:
    """Over the permit limit (排污许可证限值): an hourly limit judged on each valid hour, a
    daily limit on each complete local day with enough valid hours; the value is the
    converted (Zs) concentration where the permit's basis is converted."""
    by_code: dict[str, list[HourlyPoint]] = defaultdict(list)
    for p in points:
        if p.valid:
            by_code[p.code].append(p)
    for limit in device.limits:
        judged: list[tuple[datetime, float]] = []
        for p in by_code.get(limit.parameter_code, []):
            value = value_for(p, limit.basis)
            if value is not None:
                judged.append((p.hour, value))
        parameter = limit.parameter_code
        if limit.period is AveragingPeriod.DAY:
            parameter = f"{limit.parameter_code}:day"
            judged = _daily_means(judged, ctx)
        over = [(h, v) for h, v in judged if v > limit.limit_value]
        currently = bool(judged) and judged[-1][1] > limit.limit_value
        ctx.decide(
            WarningRule.EXCEEDANCE,
            parameter,
            [over] if over else [],
            currently,
            {
                "limit": limit.limit_value,
                "unit": limit.unit,
                "basis": limit.basis.value,
                "period": limit.period.value,
                "max": max((v for _, v in over), default=None),
                "hours": _evidence_hours(over),
            },
        )


def _daily_means(
    judged: Sequence[tuple[datetime, float]], ctx: _Ctx
) -> list[tuple[datetime, float]]:
    """Means of complete local days (Asia/Shanghai) with enough valid hours, labelled by the
    day's last hour (so a day counts as new once its last hour is)."""
    days: dict[Any, list[tuple[datetime, float]]] = defaultdict(list)
    for h, v in judged:
        days[to_local(h).date()].append((h, v))
    out: list[tuple[datetime, float]] = []
    for _day, values in sorted(days.items()):
        last = max(h for h, _ in values)
        day_end = to_local(last).replace(hour=0) + timedelta(days=1)
        if len(values) >= ctx.settings.min_valid_hours_per_day and day_end <= ctx.now:
            out.append((max(h for h, _ in values), sum(v for _, v in values) / len(values)))
    return out


def offline(ctx: _Ctx, device: DeviceContext) -> None:
    """Device offline (设备离线): no frame for longer than the device's own timeout. A device
    that never sent a frame is shown as never connected, not warned."""
    if device.last_frame_at is None:
        return
    silent = ctx.now - device.last_frame_at
    currently = silent > timedelta(minutes=device.online_timeout_minutes)
    ctx.decide(
        WarningRule.OFFLINE,
        "",
        [],
        currently,
        {
            "last_frame_at": _iso(device.last_frame_at),
            "timeout_minutes": device.online_timeout_minutes,
            "silent_minutes": int(silent.total_seconds() // 60),
        },
        first_seen=device.last_frame_at + timedelta(minutes=device.online_timeout_minutes),
        last_seen=ctx.now,
    )


def missing_data(
    ctx: _Ctx, points: Sequence[HourlyPoint], device: DeviceContext, end: datetime
) -> None:
    """Data missing (数据缺失): at least ``missing_hours`` consecutive complete hours without a
    value of a parameter the device reports (or a parameter with a permit limit), counted
    from the parameter's first hour in the window. Skipped while the device is offline (that
    warning covers it) and for a device that never reported (it is not connected yet)."""
    if device.last_frame_at is None or ctx.now - device.last_frame_at > timedelta(
        minutes=device.online_timeout_minutes
    ):
        return
    s = ctx.settings
    start = end - s.missing_window_hours * HOUR
    seen: dict[str, set[datetime]] = defaultdict(set)
    for p in points:
        if start <= p.hour < end:
            seen[p.code].add(p.hour)
    codes = set(seen) | {lim.parameter_code for lim in device.limits}
    for code in sorted(codes):
        hours = seen.get(code, set())
        first = min(hours) if hours else start
        slots = []
        h = first
        while h < end:
            if h not in hours:
                slots.append(h)
            h += HOUR
        gaps = [run for run in _runs(slots) if len(run) >= s.missing_hours]
        currently = bool(gaps) and gaps[-1][-1] == end - HOUR
        ctx.decide(
            WarningRule.MISSING_DATA,
            code,
            [[(g, math.nan) for g in run] for run in gaps],
            currently,
            {
                "missing_hours": sum(len(run) for run in gaps),
                "threshold_hours": s.missing_hours,
                "gaps": [{"from": _iso(run[0]), "to": _iso(run[-1] + HOUR)} for run in gaps],
            },
        )


def flat_line(ctx: _Ctx, points: Sequence[HourlyPoint]) -> None:
    """Flat line (数据恒值): the same valid hourly value ``flat_line_hours`` hours running."""
    n = ctx.settings.flat_line_hours
    for code, series in _valid_series(points).items():
        episodes: list[list[tuple[datetime, float]]] = []
        run: list[tuple[datetime, float]] = []
        for h, v in series:
            if run and h - run[-1][0] == HOUR and _same(v, run[-1][1]):
                run.append((h, v))
            else:
                if len(run) >= n:
                    episodes.append(run)
                run = [(h, v)]
        if len(run) >= n:
            episodes.append(run)
        currently = bool(episodes) and episodes[-1][-1] == series[-1]
        ctx.decide(
            WarningRule.FLAT_LINE,
            code,
            episodes,
            currently,
            {
                "value": episodes[-1][-1][1] if episodes else None,
                "hours_running": len(episodes[-1]) if episodes else 0,
                "threshold_hours": n,
                "hours": _evidence_hours(episodes[-1]) if episodes else [],
            },
        )


def zero_variance(ctx: _Ctx, points: Sequence[HourlyPoint], end: datetime) -> None:
    """Zero variance (数据波动异常小): over the last ``zero_variance_hours`` the valid hourly
    values' coefficient of variation is below ``zero_variance_max_cv`` (with at least
    ``zero_variance_min_points`` hours). Values all equal are the flat-line rule's."""
    s = ctx.settings
    start = end - s.zero_variance_hours * HOUR
    for code, series in _valid_series(points).items():
        window = [(h, v) for h, v in series if start <= h < end]
        values = [v for _, v in window]
        if len(values) < s.zero_variance_min_points or len(set(values)) == 1:
            continue
        mean = statistics.fmean(values)
        std = statistics.pstdev(values)
        cv = std / abs(mean) if mean else math.inf
        currently = cv < s.zero_variance_max_cv
        ctx.decide(
            WarningRule.ZERO_VARIANCE,
            code,
            [window] if currently else [],
            currently,
            {
                "cv": cv,
                "threshold_cv": s.zero_variance_max_cv,
                "mean": mean,
                "std": std,
                "hours": len(values),
            },
        )


def maintenance_share(ctx: _Ctx, points: Sequence[HourlyPoint], end: datetime) -> None:
    """Maintenance/calibration flags too often (运维校准标记过多): more than
    ``maintenance_max_share`` of the window's hours of a parameter flagged M, C, D or F."""
    s = ctx.settings
    start = end - s.maintenance_window_hours * HOUR
    by_code: dict[str, list[HourlyPoint]] = defaultdict(list)
    for p in points:
        if start <= p.hour < end:
            by_code[p.code].append(p)
    for code, series in sorted(by_code.items()):
        if len(series) < s.maintenance_min_hours:
            continue
        flagged = [p for p in series if p.flag in MAINTENANCE_FLAGS]
        share = len(flagged) / len(series)
        currently = share > s.maintenance_max_share
        ctx.decide(
            WarningRule.MAINTENANCE_SHARE,
            code,
            [[(p.hour, p.mean) for p in flagged]] if currently else [],
            currently,
            {
                "share": share,
                "threshold_share": s.maintenance_max_share,
                "flagged_hours": len(flagged),
                "hours": len(series),
                "flags": sorted({p.flag for p in flagged}),
            },
        )


def out_of_range(ctx: _Ctx, points: Sequence[HourlyPoint]) -> None:
    """Out-of-range physics (数值超出物理范围): a negative concentration or flow, or a value
    outside the parameter's physical range (pH, O2, humidity, absurd flows)."""
    s = ctx.settings
    by_code: dict[str, list[HourlyPoint]] = defaultdict(list)
    for p in points:
        if p.valid:
            by_code[p.code].append(p)
    for code, series in sorted(by_code.items()):
        low, high = s.ranges.get(code, (-math.inf if code in s.may_be_negative else 0.0, math.inf))
        bad: list[tuple[datetime, float]] = []
        for p in series:
            values = [p.mean] + ([p.zs_mean] if p.zs_mean is not None else [])
            wrong = [v for v in values if not low <= v <= high]
            if wrong:
                bad.append((p.hour, wrong[0]))
        currently = bool(bad) and bad[-1][0] == series[-1].hour
        ctx.decide(
            WarningRule.OUT_OF_RANGE,
            code,
            [bad] if bad else [],
            currently,
            {
                "low": None if math.isinf(low) else low,
                "high": None if math.isinf(high) else high,
                "hours": _evidence_hours(bad),
            },
        )


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _valid_series(points: Sequence[HourlyPoint]) -> dict[str, list[tuple[datetime, float]]]:
    series: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for p in sorted(points, key=lambda p: (p.code, p.hour)):
        if p.valid:
            series[p.code].append((p.hour, p.mean))
    return dict(sorted(series.items()))


def evaluate(
    state: EvaluationState,
    hourly_points: Sequence[HourlyPoint],
    now: datetime,
    *,
    device: DeviceContext,
    settings: WarningSettings | None = None,
) -> tuple[EvaluationState, list[Finding], list[tuple[str, str]]]:
    """Run every rule on one device's hourly points (any order; sorted here) at ``now``.

    Returns the new state, the findings that fire (new or continuing: the caller updates a
    live warning of the same key instead of adding one) and the previously open keys that
    no longer fire.
    """
    settings = settings or WarningSettings()
    end = now.replace(minute=0, second=0, microsecond=0)  # start of the current hour
    start = end - settings.lookback_hours * HOUR
    points = sorted(
        (p for p in hourly_points if start <= p.hour < end), key=lambda p: (p.code, p.hour)
    )
    ctx = _Ctx(state, now, settings)
    exceedance(ctx, points, device)
    offline(ctx, device)
    missing_data(ctx, points, device, end)
    flat_line(ctx, points)
    zero_variance(ctx, points, end)
    maintenance_share(ctx, points, end)
    out_of_range(ctx, points)
    firing = {f.key for f in ctx.findings}
    cleared = sorted(state.open_keys - firing)
    last_hour = max((p.hour for p in points), default=None)
    if state.last_hour is not None and (last_hour is None or state.last_hour > last_hour):
        last_hour = state.last_hour
    return EvaluationState(last_hour, frozenset(firing)), ctx.findings, cleared
