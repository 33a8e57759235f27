"""Pollution-source online monitoring (污染源在线监控): outlets, the devices on them, the limits
of the discharge permit, the frames devices send, and the warnings raised on their data.

Plain values only: the HJ 212 codec turns bytes into :class:`DeviceFrame`; nothing here knows
the wire format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ecociv.kernel.alerts import ACTIVE_ALERT_STATES, ALERT_STATE_NAMES, AlertState


class OutletKind(StrEnum):
    """What an outlet discharges (排放口类型)."""

    WASTEWATER = "wastewater"  # 废水排放口
    FLUE_GAS = "flue_gas"  # 废气排放口（烟气 CEMS）
    VOCS = "vocs"  # VOCs 排放口
    CATERING_FUME = "catering_fume"  # 餐饮油烟排放口


OUTLET_KIND_NAMES = {
    OutletKind.WASTEWATER: ("废水", "Wastewater"),
    OutletKind.FLUE_GAS: ("废气", "Flue gas"),
    OutletKind.VOCS: ("VOCs", "VOCs"),
    OutletKind.CATERING_FUME: ("餐饮油烟", "Catering fume"),
}


class ProtocolEdition(StrEnum):
    """The HJ 212 edition a device speaks (per device, never assumed)."""

    HJ212_2005 = "2005"
    HJ212_2017 = "2017"


class CrcPolicy(StrEnum):
    """How a device's CRC is checked (hj212 note §2.5)."""

    STRICT = "strict"  # only the standard's CRC
    TOLERANT = "tolerant"  # the known variants accepted, and flagged


class AveragingPeriod(StrEnum):
    HOUR = "hour"  # 小时均值
    DAY = "day"  # 日均值


PERIOD_NAMES = {
    AveragingPeriod.HOUR: ("小时均值", "Hourly mean"),
    AveragingPeriod.DAY: ("日均值", "Daily mean"),
}


class LimitBasis(StrEnum):
    """Which concentration the permit limit applies to."""

    MEASURED = "measured"  # 实测浓度
    CONVERTED = "converted"  # 折算浓度（Zs，按基准含氧量折算）


BASIS_NAMES = {
    LimitBasis.MEASURED: ("实测浓度", "Measured"),
    LimitBasis.CONVERTED: ("折算浓度", "Converted (Zs)"),
}


#: Chinese names accepted in spreadsheets for each enum value.
KIND_ALIASES = {
    "废水": OutletKind.WASTEWATER,
    "废气": OutletKind.FLUE_GAS,
    "烟气": OutletKind.FLUE_GAS,
    "VOCs": OutletKind.VOCS,
    "vocs": OutletKind.VOCS,
    "餐饮油烟": OutletKind.CATERING_FUME,
    "油烟": OutletKind.CATERING_FUME,
}
PERIOD_ALIASES = {"小时": AveragingPeriod.HOUR, "小时均值": AveragingPeriod.HOUR}
PERIOD_ALIASES |= {"日": AveragingPeriod.DAY, "日均值": AveragingPeriod.DAY}
BASIS_ALIASES = {"实测": LimitBasis.MEASURED, "实测浓度": LimitBasis.MEASURED}
BASIS_ALIASES |= {"折算": LimitBasis.CONVERTED, "折算浓度": LimitBasis.CONVERTED}
CRC_ALIASES = {"严格": CrcPolicy.STRICT, "宽容": CrcPolicy.TOLERANT, "容错": CrcPolicy.TOLERANT}


#: Names of the parameters the pages show (HJ 212-2017 附录 B); others show their code.
PARAMETER_NAMES: dict[str, tuple[str, str]] = {
    "w00000": ("废水流量", "Wastewater flow"),
    "w01001": ("pH 值", "pH"),
    "w01018": ("化学需氧量", "COD"),
    "w21003": ("氨氮", "Ammonia nitrogen"),
    "w21011": ("总磷", "Total phosphorus"),
    "w21001": ("总氮", "Total nitrogen"),
    "a00000": ("废气流量", "Flue gas flow"),
    "a21026": ("二氧化硫", "SO2"),
    "a21002": ("氮氧化物", "NOx"),
    "a34013": ("颗粒物", "Particulates"),
    "a19001": ("氧含量", "O2"),
    "a01012": ("烟气温度", "Flue gas temperature"),
    "a01013": ("烟气压力", "Flue gas pressure"),
    "a01014": ("烟气湿度", "Flue gas humidity"),
    "a01011": ("烟气流速", "Flue gas velocity"),
    "a24088": ("非甲烷总烃", "NMHC"),
    "a25002": ("苯", "Benzene"),
    "a25003": ("甲苯", "Toluene"),
    "a25005": ("二甲苯", "Xylene"),
    # HJ 212 has no catering-fume code; "006" is the local code catering monitors send
    # (hj212 note §5, open question Q1: confirm with the Quzhou platform's code list)
    "006": ("油烟浓度", "Cooking fume"),
}


@dataclass(frozen=True, slots=True)
class Outlet:
    """A validated outlet; location GCJ-02; its county is its enterprise's."""

    code: str
    name: str
    kind: OutletKind
    enterprise_uscc: str
    longitude: float | None = None
    latitude: float | None = None
    is_synthetic: bool = False


@dataclass(frozen=True, slots=True)
class Device:
    """A validated monitoring device (数采仪), known by its MN."""

    mn: str
    outlet_code: str
    password_sha256: str
    edition: ProtocolEdition
    crc_policy: CrcPolicy
    online_timeout_minutes: int
    active: bool
    is_synthetic: bool = False


@dataclass(frozen=True, slots=True)
class PermitLimit:
    """A limit of the discharge permit for one parameter of an outlet."""

    outlet_code: str
    parameter_code: str  # HJ 212-2017 code, e.g. a21026
    period: AveragingPeriod
    limit_value: float
    unit: str
    basis: LimitBasis
    permit_text: str = ""


@dataclass(frozen=True, slots=True)
class RegistryRow:
    """One row of a registry import: an outlet, optionally one device and one limit."""

    row_number: int
    outlet: Outlet
    device: Device | None
    limit: PermitLimit | None


@dataclass(frozen=True, slots=True)
class OutletRecord:
    """A stored outlet with its enterprise's name and county."""

    code: str
    name: str
    kind: OutletKind
    enterprise_uscc: str
    enterprise_name: str
    county_code: str
    county_name_zh: str
    longitude: float | None
    latitude: float | None
    is_synthetic: bool


@dataclass(frozen=True, slots=True)
class LimitRecord:
    outlet_code: str
    parameter_code: str
    period: AveragingPeriod
    limit_value: float
    unit: str
    basis: LimitBasis
    permit_text: str


# ---- ingest ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrameValue:
    """One value of a frame: ``code`` is the HJ 212-2017 code (2005 codes already mapped),
    ``suffix`` Rtd, Avg, Min, Max, Cou, ZsRtd, ZsAvg, …, ``flag`` the data flag (N, M, …)."""

    code: str
    suffix: str
    value: float
    flag: str = "N"


@dataclass(frozen=True, slots=True)
class DeviceFrame:
    """A data frame of a device: CN (2011 real-time, 2051 minute, 2061 hour, 2031 day),
    DataTime (aware) and its values; ``received_at`` when the receiver got it."""

    mn: str
    cn: str
    data_time: datetime
    values: tuple[FrameValue, ...]
    received_at: datetime


@dataclass(frozen=True, slots=True)
class DeviceAuth:
    """What the receiver needs to know about an authenticated device."""

    mn: str
    outlet_code: str
    enterprise_uscc: str
    crc_policy: CrcPolicy
    edition: ProtocolEdition
    active: bool


@dataclass(frozen=True, slots=True)
class StoreOutcome:
    """What one batch of frames did in the readings store."""

    inserted: int
    unchanged: int
    replaced: int
    ignored: int = 0  # values of unknown devices or of CNs that carry no readings
    load_id: int | None = None


#: The per-device counters the receiver reports (deltas) to ``record_device_activity``.
ACTIVITY_COUNTERS = (
    "frames_ok",
    "frames_bad_crc",
    "frames_bad_format",
    "frames_duplicate",
    "frames_refused_auth",
    "frames_flagged",  # accepted under the tolerant CRC policy with a known variant or quirk
    "frames_split_incomplete",  # split packets whose other parts never came (HJ 212 §6.3)
)

#: Why the receiver refused a frame (the ``reason`` of a refused frame).
REFUSAL_NAMES = {
    "bad_crc": ("CRC 校验错误", "Bad CRC"),
    "bad_format": ("格式错误", "Malformed"),
    "refused_auth": ("设备未注册或密码错误", "Unknown device or wrong password"),
}


#: The activity row adding together unregistered MNs beyond those kept (no registered MN can
#: be ``*``: :data:`ecociv.sources.rules.MN_PATTERN`).
UNREGISTERED_OTHERS = "*"


@dataclass(frozen=True, slots=True)
class UnregisteredRetention:
    """What the registry keeps of traffic from unregistered MNs, however much arrives
    (``docs/operations.md``, "Receiver limits"): counters for the ``mns`` most recently seen
    (older ones are added into :data:`UNREGISTERED_OTHERS`), and refused frames, at most
    ``frames_per_mn`` per MN and ``frames`` in all (the newest kept). Registered MNs keep
    their own counters and up to ``REFUSED_KEPT_PER_MN`` refused frames each."""

    mns: int = 200
    frames_per_mn: int = 5
    frames: int = 1000

    def __post_init__(self) -> None:
        if min(self.mns, self.frames_per_mn, self.frames) < 1:
            raise ValueError("retention limits must be at least 1")


@dataclass(frozen=True, slots=True)
class RefusedFrame:
    """A refused frame as received (text decoded as UTF-8, undecodable bytes replaced)."""

    mn: str
    reason: str
    received_at: datetime
    raw: str


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A device with its online state and frame counters; ``registered`` false for an MN that
    tried to connect but is not in the registry."""

    mn: str
    registered: bool
    outlet_code: str
    outlet_name: str
    enterprise_uscc: str
    enterprise_name: str
    county_code: str
    active: bool
    online: bool
    online_timeout_minutes: int
    last_frame_at: datetime | None
    last_attempt_at: datetime | None
    counters: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DevicePage:
    """One page of a device list (``total`` over all pages)."""

    devices: list[DeviceStatus]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True, slots=True)
class DeviceDetail:
    """A device's status with one page of its refused frames, newest first."""

    status: DeviceStatus
    refused: list[RefusedFrame]
    refused_total: int
    page: int
    page_size: int


# ---- warnings ----------------------------------------------------------------------------


class WarningRule(StrEnum):
    EXCEEDANCE = "exceedance"  # 超标
    OFFLINE = "offline"  # 离线
    MISSING_DATA = "missing_data"  # 数据缺失
    FLAT_LINE = "flat_line"  # 数据恒值
    ZERO_VARIANCE = "zero_variance"  # 零方差（波动异常小）
    MAINTENANCE_SHARE = "maintenance_share"  # 运维/校准标记过多
    OUT_OF_RANGE = "out_of_range"  # 超出物理范围


RULE_NAMES = {
    WarningRule.EXCEEDANCE: ("超标排放", "Over the permit limit"),
    WarningRule.OFFLINE: ("设备离线", "Device offline"),
    WarningRule.MISSING_DATA: ("数据缺失", "Data missing"),
    WarningRule.FLAT_LINE: ("数据恒值", "Flat line"),
    WarningRule.ZERO_VARIANCE: ("数据零波动", "Zero variance"),
    WarningRule.MAINTENANCE_SHARE: ("运维校准标记过多", "Too many maintenance flags"),
    WarningRule.OUT_OF_RANGE: ("数值超出物理范围", "Physically impossible value"),
}


class Severity(StrEnum):
    CRITICAL = "critical"  # 严重
    MAJOR = "major"  # 较重
    MINOR = "minor"  # 一般


SEVERITY_NAMES = {
    Severity.CRITICAL: ("严重", "Critical"),
    Severity.MAJOR: ("较重", "Major"),
    Severity.MINOR: ("一般", "Minor"),
}


#: The platform's warning lifecycle (``ecociv.kernel.alerts``), under this domain's names.
WarningState = AlertState
STATE_NAMES = ALERT_STATE_NAMES
#: States in which a warning is still live: a new finding updates it instead of adding one.
ACTIVE_STATES = ACTIVE_ALERT_STATES


@dataclass(frozen=True, slots=True)
class HourlyPoint:
    """One parameter's hour at an outlet: mean of the measured values, mean of the converted
    (Zs) values if sent, how many values, and the hour's flag (N when valid)."""

    code: str
    hour: datetime  # start of the hour, aware UTC
    mean: float
    zs_mean: float | None
    count: int
    flag: str

    @property
    def valid(self) -> bool:
        return self.flag == "N"


@dataclass(frozen=True, slots=True)
class DeviceContext:
    """What the rules know about the device besides its data."""

    mn: str
    online_timeout_minutes: int
    last_frame_at: datetime | None
    limits: tuple[PermitLimit, ...] = ()


@dataclass(frozen=True, slots=True)
class EvaluationState:
    """Per device, kept between evaluations: the last hour already evaluated and the
    (rule, parameter) keys that are firing."""

    last_hour: datetime | None = None
    open_keys: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule firing for a device (and parameter), with its evidence."""

    rule: WarningRule
    parameter: str  # HJ 212 code, or "" for device-wide rules
    severity: Severity
    first_seen: datetime
    last_seen: datetime
    evidence: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule.value, self.parameter)


@dataclass(frozen=True, slots=True)
class WarningRecord:
    """A stored warning."""

    id: int
    rule: WarningRule
    severity: Severity
    device_mn: str
    outlet_code: str
    enterprise_uscc: str
    county_code: str
    parameter: str
    evidence: dict[str, Any]
    first_seen_at: datetime
    last_seen_at: datetime
    count: int
    state: WarningState
    handler: str
    notes: str
    cleared_at: datetime | None
    history: list[dict[str, Any]]
