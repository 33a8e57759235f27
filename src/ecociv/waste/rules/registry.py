"""Checks of what enters the registry of hazardous-waste parties: natural keys (plates,
qualification numbers, GPS device ids, licence, approval and filing numbers), quantities,
positions, expected travel times and the time of a GPS fix (docs/inputs.md, "Parameters").

Pure: no database, no clock; ``now`` is passed in.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final

from ecociv.kernel.errors import ValidationError
from ecociv.kernel.inputs import control_character_in
from ecociv.waste.model import tonnes

#: The largest quantity any registry or plan field may state, in tonnes: far above the annual
#: scale of any licence in the city, so only a mistyped or hostile number meets it.
MAX_TONNES: Final = Decimal(1_000_000)
ZERO_T: Final = Decimal(0)

#: The longest expected travel time of a planned route (W03), in minutes: seven days.
MAX_ETA_MINUTES: Final = 7 * 24 * 60

#: A GPS fix may be stamped at most this long after the server's clock (clock drift of a
#: vehicle terminal); a later fix is one that has not happened yet and is refused.
FUTURE_FIX_TOLERANCE: Final = timedelta(minutes=10)

#: Longitude and latitude bounds of China, the box GPS fixes are already checked against
#: (:mod:`ecociv.waste.services.tracks`).
CHINA_LONGITUDE: Final = (73.0, 136.0)
CHINA_LATITUDE: Final = (3.0, 54.0)

_LATIN_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def natural_key(raw: str) -> str:
    """A natural key as stored and looked up: NFKC (full-width letters and digits become
    ASCII), no white space anywhere, Latin letters upper case; Chinese characters stay.

    Variants of one plate, qualification number or device id are one key, so no unit can
    register a look-alike of another unit's key.

    >>> natural_key(" 浙h Q1001 ")
    '浙HQ1001'
    >>> natural_key("Ｄ330803101")
    'D330803101'
    >>> natural_key("qzdemo-gps-102")
    'QZDEMO-GPS-102'
    >>> natural_key("浙\\u3000HQ1001")
    '浙HQ1001'
    """
    return "".join(unicodedata.normalize("NFKC", raw).split()).translate(_LATIN_UPPER)


def check_key(raw: str, field: str, max_length: int, *, required: bool = True) -> str:
    """The natural key of ``raw`` (:func:`natural_key`), refused when blank (if required),
    longer than its column or holding a control character, naming the field.

    >>> check_key(" 浙hq1001", "plate", 12)
    '浙HQ1001'
    >>> check_key(" ", "number", 60)
    Traceback (most recent call last):
    ...
    ecociv.kernel.errors.ValidationError: 不能为空 (number must not be blank)
    """
    key = natural_key(raw)
    if required and not key:
        raise ValidationError(f"不能为空 ({field} must not be blank)", field=field)
    check_text(key, field, max_length)
    return key


def check_text(value: str, field: str, max_length: int) -> str:
    """A text field: at most ``max_length`` characters, no control character.

    >>> check_text("HW08", "code", 12)
    'HW08'
    >>> check_text("a\\x00b", "code", 12)
    Traceback (most recent call last):
    ...
    ecociv.kernel.errors.ValidationError: 不能含控制字符 U+0000 (code must not contain U+0000)
    """
    character = control_character_in(value)
    if character is not None:
        code = f"U+{ord(character):04X}"
        message = f"不能含控制字符 {code} ({field} must not contain {code})"
        raise ValidationError(message, field=field)
    if len(value) > max_length:
        raise ValidationError(
            f"最多 {max_length} 个字符，收到 {len(value)} 个 "
            f"({field}: at most {max_length} characters)",
            field=field,
        )
    return value


def check_tonnes(value: Decimal | int | str | float, field: str) -> Decimal:
    """A quantity in tonnes: finite, 0 ≤ t ≤ :data:`MAX_TONNES`.

    >>> check_tonnes("1000000", "planned_t")
    Decimal('1000000')
    >>> check_tonnes("1000000.001", "planned_t")
    Traceback (most recent call last):
    ...
    ecociv.kernel.errors.ValidationError: 数量须在 0 至 1000000 吨之间 (planned_t: 0 to 1000000 t)
    """
    t = tonnes(value, field=field)
    if not ZERO_T <= t <= MAX_TONNES:
        raise ValidationError(
            f"数量须在 0 至 {MAX_TONNES} 吨之间 ({field}: 0 to {MAX_TONNES} t)", field=field
        )
    return t


def check_position(longitude: float | None, latitude: float | None) -> None:
    """A site's position: both or neither given, within China's box (which lies inside
    −180…180 and −90…90).

    >>> check_position(118.87, 28.94)
    >>> check_position(1e308, 28.94)
    Traceback (most recent call last):
    ...
    ecociv.kernel.errors.ValidationError: 经度 1e+308 不在中国范围内（73–136） ...
    """
    if (longitude is None) != (latitude is None):
        raise ValidationError(
            "经纬度须同时填写 (longitude and latitude go together)",
            field="latitude" if latitude is None else "longitude",
        )
    if longitude is None or latitude is None:
        return
    low, high = CHINA_LONGITUDE
    if not (math.isfinite(longitude) and low <= longitude <= high):
        raise ValidationError(
            f"经度 {longitude} 不在中国范围内（73–136） (longitude out of range)",
            field="longitude",
        )
    low, high = CHINA_LATITUDE
    if not (math.isfinite(latitude) and low <= latitude <= high):
        raise ValidationError(
            f"纬度 {latitude} 不在中国范围内（3–54） (latitude out of range)", field="latitude"
        )


def check_eta(eta_minutes: int) -> int:
    """An expected travel time: 1 … :data:`MAX_ETA_MINUTES` minutes.

    >>> check_eta(10080)
    10080
    """
    if not 0 < eta_minutes <= MAX_ETA_MINUTES:
        raise ValidationError(
            f"预计用时须在 1 至 {MAX_ETA_MINUTES} 分钟之间 (eta_minutes: 1 to {MAX_ETA_MINUTES})",
            field="eta_minutes",
        )
    return eta_minutes


def fix_in_future(observed_at: datetime, now: datetime) -> bool:
    """True when a fix is stamped more than :data:`FUTURE_FIX_TOLERANCE` after ``now``.

    >>> from datetime import UTC
    >>> now = datetime(2026, 1, 1, tzinfo=UTC)
    >>> fix_in_future(now + FUTURE_FIX_TOLERANCE, now)
    False
    >>> fix_in_future(now + FUTURE_FIX_TOLERANCE + timedelta(seconds=1), now)
    True
    """
    return observed_at - now > FUTURE_FIX_TOLERANCE
