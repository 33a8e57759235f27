"""Pollution-source online monitoring (污染源在线监控): outlets, devices and permit limits;
frames from the HJ 212 receiver into the readings store; warnings and their lifecycle; the
county compliance summary and the VOCs / catering programme."""

from ecociv.sources.model import (
    DeviceAuth,
    DeviceFrame,
    DeviceStatus,
    FrameValue,
    OutletKind,
    RefusedFrame,
    StoreOutcome,
    WarningRecord,
    WarningRule,
    WarningState,
)
from ecociv.sources.rules.warnings import WarningSettings
from ecociv.sources.services import (
    PROGRAMME_INDICATORS,
    CheckSummary,
    EvaluationOutcome,
    Programme,
    WebhookNotifier,
    authenticate_device,
    device_status,
    evaluate_all,
    evaluate_device,
    import_registry,
    programme_figures,
    record_device_activity,
    record_refused_frames,
    store_frames,
    vocs_catering_programme,
)

__all__ = [
    "CheckSummary",
    "DeviceAuth",
    "DeviceFrame",
    "DeviceStatus",
    "EvaluationOutcome",
    "FrameValue",
    "OutletKind",
    "RefusedFrame",
    "Programme",
    "StoreOutcome",
    "WarningRecord",
    "WarningRule",
    "WarningSettings",
    "WarningState",
    "WebhookNotifier",
    "authenticate_device",
    "device_status",
    "evaluate_all",
    "evaluate_device",
    "import_registry",
    "record_device_activity",
    "record_refused_frames",
    "store_frames",
    "PROGRAMME_INDICATORS",
    "programme_figures",
    "vocs_catering_programme",
]
