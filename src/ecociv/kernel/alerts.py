"""The lifecycle every warning of the platform follows, whatever raised it (pollution-source
data, hazardous-waste transfers): open → acknowledged → resolved | false positive, an open
warning may also be closed directly. A rule that stops firing clears a warning (its
``cleared_at``) but only a person closes it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from ecociv.kernel.errors import ConflictError, ValidationError


class AlertState(StrEnum):
    OPEN = "open"  # 待处理
    ACKNOWLEDGED = "acknowledged"  # 已确认
    RESOLVED = "resolved"  # 已办结
    FALSE_POSITIVE = "false_positive"  # 误报


ALERT_STATE_NAMES: Final[Mapping[AlertState, tuple[str, str]]] = {
    AlertState.OPEN: ("待处理", "Open"),
    AlertState.ACKNOWLEDGED: ("已确认", "Acknowledged"),
    AlertState.RESOLVED: ("已办结", "Resolved"),
    AlertState.FALSE_POSITIVE: ("误报", "False positive"),
}

#: States in which a warning is still live: a new finding updates it instead of adding one.
ACTIVE_ALERT_STATES: Final = (AlertState.OPEN, AlertState.ACKNOWLEDGED)

#: The legal transitions: action → (states it may start from, state it ends in).
ALERT_TRANSITIONS: Final[Mapping[str, tuple[frozenset[AlertState], AlertState]]] = {
    "acknowledge": (frozenset({AlertState.OPEN}), AlertState.ACKNOWLEDGED),
    "resolve": (
        frozenset({AlertState.OPEN, AlertState.ACKNOWLEDGED}),
        AlertState.RESOLVED,
    ),
    "false_positive": (
        frozenset({AlertState.OPEN, AlertState.ACKNOWLEDGED}),
        AlertState.FALSE_POSITIVE,
    ),
}

#: Names of the handling actions, for the forms.
ALERT_ACTION_NAMES: Final[Mapping[str, tuple[str, str]]] = {
    "acknowledge": ("确认", "Acknowledge"),
    "resolve": ("办结", "Resolve"),
    "false_positive": ("标为误报", "False positive"),
}


def next_alert_state(state: AlertState, action: str) -> AlertState:
    """The state after ``action``, or ConflictError when the action is not legal now.

    Examples:
        >>> next_alert_state(AlertState.OPEN, "acknowledge")
        <AlertState.ACKNOWLEDGED: 'acknowledged'>
    """
    if action not in ALERT_TRANSITIONS:
        raise ValidationError(f"未知操作 {action} (unknown action)", field="action")
    starts, target = ALERT_TRANSITIONS[action]
    if state not in starts:
        raise ConflictError(
            f"预警当前为 {state.value}，不能执行 {action} (illegal transition)", field="state"
        )
    return target
