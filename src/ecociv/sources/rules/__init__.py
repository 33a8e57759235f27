"""Pure rules of the pollution-source registry and its data: validating registry rows, the
parameter name of a stored reading, hourly points from raw readings, data-flag validity and
the compliance share. No database, no clock: values are passed in."""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ecociv.kernel import ValidationError
from ecociv.kernel.alerts import ALERT_TRANSITIONS, next_alert_state
from ecociv.kernel.inputs import CONTROL_CHARACTERS
from ecociv.sources.model import (
    BASIS_ALIASES,
    CRC_ALIASES,
    KIND_ALIASES,
    PERIOD_ALIASES,
    AveragingPeriod,
    CrcPolicy,
    Device,
    HourlyPoint,
    LimitBasis,
    Outlet,
    OutletKind,
    PermitLimit,
    ProtocolEdition,
    RegistryRow,
)

#: An outlet code: letters, digits, dash, underscore (排污许可证排放口编号 such as DW001).
OUTLET_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
#: An MN: HJ 212-2017 表 3 allows up to 24 characters; devices in the field send letters,
#: digits and underscores (hj212 note §3.1), so the registry accepts those, up to 40.
MN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
#: A parameter code: HJ 212-2017 附录 B codes (w01018, a21026) or a platform-local code for
#: parameters the standard lacks (catering fume, note §5).
PARAMETER_CODE = re.compile(r"^[A-Za-z0-9]{2,12}$")
#: Default minutes of silence after which a device counts as offline.
DEFAULT_ONLINE_TIMEOUT_MINUTES = 60
#: Longest accepted offline timeout (a week).
MAX_ONLINE_TIMEOUT_MINUTES = 7 * 24 * 60
#: GCJ-02 coordinates of Quzhou lie well inside this box; anything else is a typo.
LONGITUDE_RANGE = (73.0, 136.0)
LATITUDE_RANGE = (3.0, 54.0)

#: CNs whose values are readings (HJ 212-2017 表 9), and how their parameter is named in the
#: readings store: real-time and hourly data keep ``code-suffix``; minute and daily data get
#: their own series so that an hour's mean never mixes them (their DataTime can equal an hour
#: start: a 10:00 minute value and the 10:00 hourly value would share the key).
DATA_CNS: Mapping[str, str] = {
    "2011": "",  # 实时数据
    "2061": "",  # 小时数据
    "2051": "-minute",  # 分钟数据
    "2031": "-day",  # 日数据
}

#: HJ 212-2017 表 8 data flags. Only N counts as a valid value in statistics (hj212 note
#: §3.7): F stopped, M maintenance, S manual set value, D fault, C calibration, T over the
#: measuring range, B communication fault. 2005's P (power failure) is invalid too.
VALID_FLAG = "N"
#: Flags that mark maintenance or calibration (M, C) or an instrument out of service (D, F).
MAINTENANCE_FLAGS = frozenset({"M", "C", "D", "F"})
#: HJ 212-2017 附录 C notes: a flue-gas hourly value is normal when at least 75 % of the
#: values below it are normal.
VALID_SHARE_FOR_HOUR = 0.75


def hash_password(password: str) -> str:
    """SHA-256 hex of a device password (the registry never stores the password itself)."""
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def parameter_name(code: str, suffix: str, cn: str) -> str | None:
    """The readings-store parameter of a frame value, or None for a CN that carries no
    readings (e.g. 3020 site information).

    Examples:
        >>> parameter_name("a21026", "ZsAvg", "2061")
        'a21026-ZsAvg'
        >>> parameter_name("a21026", "Avg", "2051")
        'a21026-Avg-minute'
        >>> parameter_name("i12001", "Info", "3020") is None
        True
    """
    series = DATA_CNS.get(cn)
    if series is None:
        return None
    return f"{code}-{suffix}{series}"


def visible_text(text: str) -> str:
    """``text`` with each C0 control character but tab, line feed and carriage return, and
    DEL, written as ``\\xNN``: how a refused frame or an MN is stored. PostgreSQL cannot
    hold a NUL in text, and the spreadsheets made from stored text cannot hold the others
    (``docs/inputs.md``); a backslash is kept as it is.

    Examples:
        >>> visible_text("MN=A\\x00B;CP=&&\\x7f&&\\r\\n")
        'MN=A\\\\x00B;CP=&&\\\\x7f&&\\r\\n'
    """
    return CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


# ---- registry rows ---------------------------------------------------------------------


def _enum(value: str, kind: type, aliases: Mapping[str, object], field: str) -> object:
    text = value.strip()
    if text in aliases:
        return aliases[text]
    try:
        return kind(text.lower())
    except ValueError:
        allowed = "、".join(dict.fromkeys([*aliases, *(m.value for m in kind)]))  # type: ignore[attr-defined]
        raise ValidationError(
            f"“{value}” 不是有效值，应为 {allowed} (invalid value)", field=field
        ) from None


def _number(value: str, field: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValidationError(f"“{value}” 不是数字 (not a number)", field=field) from None
    if not math.isfinite(number):
        raise ValidationError(f"“{value}” 不是有限数 (not finite)", field=field)
    return number


def _bool(value: str, field: str) -> bool:
    text = value.strip().lower()
    if text in ("", "true", "1", "yes", "是", "启用"):
        return True
    if text in ("false", "0", "no", "否", "停用"):
        return False
    raise ValidationError(f"“{value}” 应为 是/否 (expected yes or no)", field=field)


def validate_registry_row(
    number: int, row: Mapping[str, str], *, synthetic: bool = False
) -> RegistryRow:
    """One registry row (an outlet, optionally a device and a permit limit) checked; every
    problem is raised as one ValidationError whose errors name the field."""
    errors: list[dict[str, str]] = []

    def text(field: str) -> str:
        return (row.get(field) or "").strip()

    def check(field: str, fn: object) -> object:
        try:
            return fn()  # type: ignore[operator]
        except ValidationError as exc:
            errors.append({"field": field, "message": exc.message})
            return None

    code = text("outlet_code")
    if not OUTLET_CODE.match(code):
        errors.append({"field": "outlet_code", "message": "排放口编码为空或含非法字符 (bad code)"})
    name = text("outlet_name")
    if not name:
        errors.append({"field": "outlet_name", "message": "排放口名称不能为空 (required)"})
    uscc = text("enterprise_uscc").upper()
    if not uscc:
        errors.append({"field": "enterprise_uscc", "message": "企业信用代码不能为空 (required)"})
    kind = check("kind", lambda: _enum(text("kind"), OutletKind, KIND_ALIASES, "kind"))
    lon = lat = None
    if text("longitude") or text("latitude"):
        lon = check("longitude", lambda: _number(text("longitude"), "longitude"))
        lat = check("latitude", lambda: _number(text("latitude"), "latitude"))
        datum = text("datum") or "GCJ-02"
        if datum.upper() != "GCJ-02":
            errors.append({"field": "datum", "message": "坐标须为 GCJ-02 (datum must be GCJ-02)"})
        if isinstance(lon, float) and not LONGITUDE_RANGE[0] <= lon <= LONGITUDE_RANGE[1]:
            errors.append({"field": "longitude", "message": "经度超出范围 (out of range)"})
        if isinstance(lat, float) and not LATITUDE_RANGE[0] <= lat <= LATITUDE_RANGE[1]:
            errors.append({"field": "latitude", "message": "纬度超出范围 (out of range)"})
    is_synthetic = synthetic or text("synthetic").lower() == "true"

    device = None
    mn = text("mn")
    if mn:
        if not MN_PATTERN.match(mn):
            errors.append({"field": "mn", "message": "MN 含非法字符或过长 (bad MN)"})
        password = text("password")
        stored_hash = text("password_sha256").lower()
        if password:
            stored_hash = hash_password(password)
        elif not re.fullmatch(r"[0-9a-f]{64}", stored_hash):
            errors.append({"field": "password", "message": "设备密码不能为空 (required)"})
        edition = check(
            "edition",
            lambda: _enum(text("edition") or "2017", ProtocolEdition, {}, "edition"),
        )
        crc = check(
            "crc_policy",
            lambda: _enum(text("crc_policy") or "strict", CrcPolicy, CRC_ALIASES, "crc_policy"),
        )
        timeout: object = DEFAULT_ONLINE_TIMEOUT_MINUTES
        if text("online_timeout_minutes"):
            timeout = check(
                "online_timeout_minutes",
                lambda: _number(text("online_timeout_minutes"), "online_timeout_minutes"),
            )
            if isinstance(timeout, float) and not (
                timeout.is_integer() and 1 <= timeout <= MAX_ONLINE_TIMEOUT_MINUTES
            ):
                errors.append(
                    {
                        "field": "online_timeout_minutes",
                        "message": f"应为 1–{MAX_ONLINE_TIMEOUT_MINUTES} 的整数 (minutes)",
                    }
                )
        active = check("active", lambda: _bool(text("active"), "active"))
        if not errors:
            device = Device(
                mn=mn,
                outlet_code=code,
                password_sha256=stored_hash,
                edition=edition,  # type: ignore[arg-type]
                crc_policy=crc,  # type: ignore[arg-type]
                online_timeout_minutes=int(timeout),  # type: ignore[call-overload]
                active=bool(active),
                is_synthetic=is_synthetic,
            )

    limit = None
    parameter = text("parameter_code")
    if parameter:
        if not PARAMETER_CODE.match(parameter):
            errors.append({"field": "parameter_code", "message": "因子编码格式错误 (bad code)"})
        period = check(
            "period",
            lambda: _enum(text("period") or "hour", AveragingPeriod, PERIOD_ALIASES, "period"),
        )
        value = check("limit_value", lambda: _number(text("limit_value"), "limit_value"))
        if isinstance(value, float) and value <= 0:
            errors.append({"field": "limit_value", "message": "限值须大于 0 (must be positive)"})
        basis = check(
            "basis",
            lambda: _enum(text("basis") or "measured", LimitBasis, BASIS_ALIASES, "basis"),
        )
        unit = text("unit")
        if not unit:
            errors.append({"field": "unit", "message": "单位不能为空 (required)"})
        if not errors:
            limit = PermitLimit(
                outlet_code=code,
                parameter_code=parameter.lower() if parameter[0].isalpha() else parameter,
                period=period,  # type: ignore[arg-type]
                limit_value=float(value),  # type: ignore[arg-type]
                unit=unit,
                basis=basis,  # type: ignore[arg-type]
                permit_text=text("permit_text"),
            )

    if errors:
        raise ValidationError(
            f"第 {number} 行：{errors[0]['field']}: {errors[0]['message']}",
            field=errors[0]["field"],
            errors=errors,
        )
    outlet = Outlet(
        code=code,
        name=name,
        kind=kind,  # type: ignore[arg-type]
        enterprise_uscc=uscc,
        longitude=lon if isinstance(lon, float) else None,
        latitude=lat if isinstance(lat, float) else None,
        is_synthetic=is_synthetic,
    )
    return RegistryRow(number, outlet, device, limit)


# ---- hourly points -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawReading:
    """A stored reading as the rules see it."""

    parameter: str  # as stored: code-suffix[-minute|-day]
    observed_at: datetime  # aware
    value: float
    flag: str


def _hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_flag(flags: Sequence[str]) -> str:
    """The flag of an hour from the flags of its values: N when at least
    :data:`VALID_SHARE_FOR_HOUR` of them are N, else the most frequent other flag.

    Examples:
        >>> hour_flag(["N", "N", "N", "M"])
        'N'
        >>> hour_flag(["N", "M", "M", "C"])
        'M'
    """
    if not flags:
        return ""
    valid = sum(1 for f in flags if f == VALID_FLAG)
    if valid / len(flags) >= VALID_SHARE_FOR_HOUR:
        return VALID_FLAG
    others = Counter(f for f in flags if f != VALID_FLAG)
    return sorted(others.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


@dataclass(frozen=True, slots=True)
class LivePoint:
    """One real-time (CN 2011 ``Rtd``) or minute (CN 2051 ``Avg``) value of a parameter, with
    the converted (Zs) value sent beside it, if any."""

    code: str
    observed_at: datetime
    value: float
    converted: float | None
    flag: str


#: Live series: the real-time value where sent, else the minute mean (HJ 212-2017 §6.6).
_LIVE_SUFFIXES = {"Rtd": 0, "Avg-minute": 1}
_LIVE_CONVERTED = {"ZsRtd": 0, "ZsAvg-minute": 1}


def live_points(readings: Iterable[RawReading]) -> dict[str, list[LivePoint]]:
    """Per parameter code, the live values in time order: real-time values (``code-Rtd``),
    or minute means (``code-Avg-minute``) for a device that sends no real-time data; the
    converted value (``ZsRtd`` / ``ZsAvg`` of the same series) beside each. Hourly and daily
    series are left out.

    Examples:
        >>> t = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
        >>> rows = [RawReading("a21026-Rtd", t, 30.0, "N"),
        ...         RawReading("a21026-ZsRtd", t, 41.0, "N"),
        ...         RawReading("a21026-Avg", t, 29.0, "N")]
        >>> [(p.value, p.converted) for p in live_points(rows)["a21026"]]
        [(30.0, 41.0)]
    """
    measured: dict[tuple[str, int], dict[datetime, RawReading]] = defaultdict(dict)
    converted: dict[tuple[str, int], dict[datetime, float]] = defaultdict(dict)
    for r in readings:
        code, _, suffix = r.parameter.partition("-")
        if suffix in _LIVE_SUFFIXES:
            measured[(code, _LIVE_SUFFIXES[suffix])][r.observed_at] = r
        elif suffix in _LIVE_CONVERTED:
            converted[(code, _LIVE_CONVERTED[suffix])][r.observed_at] = r.value
    out: dict[str, list[LivePoint]] = {}
    for code, series in sorted({(code, series) for code, series in measured}):
        if code in out:  # real-time values already chosen for this code
            continue
        zs = converted.get((code, series), {})
        out[code] = [
            LivePoint(code, at, r.value, zs.get(at), r.flag)
            for at, r in sorted(measured[(code, series)].items())
        ]
    return out


def hourly_points(readings: Iterable[RawReading]) -> list[HourlyPoint]:
    """Hourly points per parameter code: the hourly value (``code-Avg`` of hourly or minute
    data) where sent, else the mean of the real-time values (``code-Rtd``) of the hour; the
    converted value likewise from ``ZsAvg`` / ``ZsRtd``. Daily series are left out."""
    buckets: dict[tuple[str, datetime, str], list[RawReading]] = defaultdict(list)
    for r in readings:
        if r.parameter.endswith("-day"):
            continue
        code, _, rest = r.parameter.partition("-")
        suffix = rest.removesuffix("-minute")
        if suffix not in ("Avg", "Rtd", "ZsAvg", "ZsRtd"):
            continue
        buckets[(code, _hour_of(r.observed_at), suffix)].append(r)
    hours = sorted({(code, hour) for code, hour, _ in buckets})
    points: list[HourlyPoint] = []
    for code, hour in hours:
        measured = buckets.get((code, hour, "Avg")) or buckets.get((code, hour, "Rtd"))
        if not measured:
            continue
        converted = buckets.get((code, hour, "ZsAvg")) or buckets.get((code, hour, "ZsRtd"))
        points.append(
            HourlyPoint(
                code=code,
                hour=hour,
                mean=sum(r.value for r in measured) / len(measured),
                zs_mean=sum(r.value for r in converted) / len(converted) if converted else None,
                count=len(measured),
                flag=hour_flag([r.flag for r in measured]),
            )
        )
    return points


def value_for(point: HourlyPoint, basis: LimitBasis) -> float | None:
    """The value a limit of that basis applies to: the converted (Zs) mean where the permit
    states a converted concentration (None if the device sent none), else the measured."""
    if basis is LimitBasis.CONVERTED:
        return point.zs_mean
    return point.mean


# ---- compliance ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compliance:
    """Valid hours judged against hourly limits, and how many were within them."""

    valid_hours: int
    within_hours: int

    @property
    def rate(self) -> float | None:
        return self.within_hours / self.valid_hours if self.valid_hours else None


def compliance(points: Sequence[HourlyPoint], limits: Sequence[PermitLimit]) -> Compliance:
    """An outlet's valid hours within its hourly limits: an hour of a limited parameter is
    judged when its flag is N and it has the value of the limit's basis; it is within when
    that value is at most the limit (达标 = 不超过限值)."""
    by_code = {lim.parameter_code: lim for lim in limits if lim.period is AveragingPeriod.HOUR}
    valid = within = 0
    for p in points:
        limit = by_code.get(p.code)
        if limit is None or not p.valid:
            continue
        value = value_for(p, limit.basis)
        if value is None:
            continue
        valid += 1
        within += value <= limit.limit_value
    return Compliance(valid, within)


# ---- warning lifecycle ---------------------------------------------------------------------

#: The legal transitions of a warning (the platform's lifecycle, ``ecociv.kernel.alerts``).
TRANSITIONS = ALERT_TRANSITIONS
next_state = next_alert_state
