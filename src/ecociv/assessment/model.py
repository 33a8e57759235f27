"""Value objects of assessment: attainment, progress toward dated targets, annual scoring.

Three views of the same indicator data (docs/modules/indicators.md §6, principle 7):

* attainment — pass/fail against a threshold or a required state (创建达标, §3.1);
* progress — the Open SDG / Statistics Canada trajectory status toward a dated target (§5);
* scoring — the annual task book (年度工作任务书 + 评分标准和细则): items with rule kinds,
  a total out of (usually) 100 points and a grade (§3.4, §3.5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ecociv.indicators.model import Comparator as _IndicatorComparator

#: One comparator for targets and attainment, defined with the indicators (pure module).
Comparator = _IndicatorComparator


class AttainmentStatus(StrEnum):
    """Result of the 达标 check; not applicable is distinct from missing data (§1.2, §6.4)."""

    ATTAINED = "attained"  # 达标
    NOT_ATTAINED = "not_attained"  # 未达标
    NOT_APPLICABLE = "not_applicable"  # 不适用 (e.g. coastal rows for inland Quzhou)
    NO_DATA = "no_data"  # 无数据


@dataclass(frozen=True, slots=True)
class AttainmentResult:
    """One value judged against one target.

    ``gap`` is the shortfall in the indicator's unit: > 0 when short, 0 when attained, None when
    the comparison is not numeric (increase/decrease, no data, not applicable). For a required
    state it is the number of steps on the scale still to climb.
    """

    status: AttainmentStatus
    value: float | str | None
    target: float | str | None
    gap: float | None
    note: str = ""


class ProgressStatus(StrEnum):
    """Open SDG progress status (sdg-build ``ProgressMeasure``), docs/modules/indicators.md §5."""

    TARGET_ACHIEVED = "target_achieved"  # 已实现目标
    SUBSTANTIAL = "substantial"  # 进展显著，按期可实现 (on track)
    MODERATE = "moderate"  # 进展一般，需加快 (needs acceleration)
    LIMITED = "limited"  # 进展有限
    DETERIORATION = "deterioration"  # 退步
    INSUFFICIENT_DATA = "insufficient_data"  # 数据不足


@dataclass(frozen=True, slots=True)
class ProgressResult:
    """Trajectory of one series toward its target.

    ``score`` runs from −5 to 5 (None without a numeric target or without enough data);
    ``ratio`` is R = s·d·CAGR_o/|CAGR_r|; ``warning`` is True when a dated target is not achieved,
    not on track and the deadline has not yet passed — the early warning of the plan's dated
    targets. ``base_value``, ``current_value`` and ``note`` say which numbers were used and why a
    result is missing.
    """

    status: ProgressStatus
    score: float | None
    cagr_observed: float | None
    cagr_required: float | None
    ratio: float | None
    base_year: int | None
    current_year: int | None
    warning: bool
    base_value: float | None = None
    current_value: float | None = None
    note: str = ""


class RuleKind(StrEnum):
    """How a task-book item turns evidence into points (docs/modules/indicators.md §3.5)."""

    BINARY = "binary"  # P if attained else 0
    STATE_LADDER = "state_ladder"  # P × share of the reached state
    GAP_DEDUCTION = "gap_deduction"  # max(0, P − k·gap), 扣完为止
    EVENT_DEDUCTION = "event_deduction"  # max(0, P − Σ penalties), with waiver
    GRADE_MAPPING = "grade_mapping"  # table grade → points
    RATIO_TO_TARGET = "ratio_to_target"  # P·min(X/T, 1) or P·min(T/X, 1)
    MIN_MAX = "min_max"  # P·(60 + 40·(X − min)/(max − min))/100 over peers
    BONUS = "bonus"  # + b per event, capped
    VETO = "veto"  # 一票否决: grade set to fail
    GRADE_CAP = "grade_cap"  # grade no better than a cap


#: Rule kinds whose points are bonus points (added on top of the base, under the scheme cap).
BONUS_KINDS = frozenset({RuleKind.BONUS})
#: Rule kinds that give no points and act on the sheet's grade when triggered.
SHEET_KINDS = frozenset({RuleKind.VETO, RuleKind.GRADE_CAP})

#: A common four-band scale; the cut-offs were not confirmed in any source
#: (docs/modules/indicators.md §7.4), so every scheme states its own and this is only a default.
DEFAULT_GRADE_CUTOFFS: tuple[tuple[float, str], ...] = (
    (90.0, "优秀"),
    (80.0, "良好"),
    (60.0, "合格"),
    (0.0, "不合格"),
)


@dataclass(frozen=True, slots=True)
class ScoringItem:
    """One line of a scoring standard (评分标准): full marks P and the rule's parameters.

    Parameters by kind: STATE_LADDER ``ladder`` (state → share 0..1); GAP_DEDUCTION ``per_unit``,
    ``comparator`` ("ge" or "le"), optional ``step``, ``target``, ``unit``; EVENT_DEDUCTION
    optional ``per_event``; GRADE_MAPPING ``grades`` (grade → points); RATIO_TO_TARGET
    ``comparator``, optional ``target``; MIN_MAX optional ``comparator`` ("le" inverts); BONUS
    ``per_event`` and optional ``cap``; GRADE_CAP ``cap`` (a grade name).
    """

    code: str
    name: str
    kind: RuleKind
    full_marks: float
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class ItemInput:
    """What a county (or department) brings to one item; every field is optional.

    ``events`` are points per event (a penalty for event deduction, a bonus for bonus items);
    when empty, ``event_count`` × the item's ``per_event`` is used instead.
    """

    attained: bool | None = None
    state: str | None = None
    value: float | None = None
    target: float | None = None
    peers: tuple[float, ...] = ()
    events: tuple[float, ...] = ()
    event_count: int = 0
    waived: bool = False
    grade: str | None = None
    triggered: bool = False


@dataclass(frozen=True, slots=True)
class ItemScore:
    """Points of one item, with the explanation (Chinese, then English in parentheses)."""

    code: str
    name: str
    kind: RuleKind
    full_marks: float
    points: float
    explanation: str


@dataclass(frozen=True, slots=True)
class ScoringScheme:
    """An annual scoring standard: its items and grade cut-offs (descending thresholds)."""

    code: str
    name: str
    year: int
    items: tuple[ScoringItem, ...]
    grade_cutoffs: tuple[tuple[float, str], ...] = DEFAULT_GRADE_CUTOFFS
    bonus_cap: float | None = None
    fail_grade: str = "不合格"


@dataclass(frozen=True, slots=True)
class ScoreSheet:
    """One subject's scored sheet: item points, base + bonus = total, and the grade."""

    scheme_code: str
    subject: str
    items: tuple[ItemScore, ...]
    base_points: float
    bonus_points: float
    total: float
    grade: str
    vetoed: bool
    capped_to: str | None
    explanation: str
