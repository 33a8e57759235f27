"""HJ 212 packets: framing, CRC, parsing, split packets and replies (pure).

HJ 212-2017 《污染物在线监控（监测）系统数据传输标准》 is the protocol by which enterprise
data loggers (数采仪) and monitoring stations report to the platform over TCP; HJ/T 212-2005 is
its predecessor, still spoken by many devices, and HJ 212-2025 replaces it from 2026-01-01. The
rules implemented here follow the standard's clauses as cited on each function, with the field
behaviour recorded in the project's HJ 212 reference, ``docs/modules/hj212.md``, cited by section
("docs/modules/hj212.md §x").
This module does no I/O, reads no clock (``now`` is passed in) and knows no database: a receiver
feeds bytes to a :class:`Framer`, hands each :class:`Frame` to :func:`parse_packet` with the
device's :class:`CrcPolicy`, and sends what :func:`build_reply` returns.

Layers, bottom up:

* :func:`crc16_hj212` — the check of 附录 A exactly; :func:`check_crc` also recognises the wild
  variants of docs/modules/hj212.md §2.4 and returns a :class:`CrcVerdict`; :class:`CrcPolicy` is
  the per-device acceptance policy of docs/modules/hj212.md §2.5.
* :class:`Framer` — the incremental framing algorithm of docs/modules/hj212.md §1.3 (standard
  §6.3.1 表 2), with byte offsets in the stream for every frame and every piece of junk.
  :func:`split_frame` frames one complete packet (a line of a text capture).
* :func:`parse_packet` — header fields (表 3), the Flag bits (§6.3.2), the CP area (§6.3.3,
  表 4), data flags (表 8 and the 2005 table), the edition, the 2005 codes mapped to 2017 codes
  (附录 B "原编码"), and :class:`ProtocolError` naming the byte offset and field of a refusal.
* :class:`Reassembler` — split packets (PNUM/PNO, 表 3, 表 C.49/C.50).
* :func:`reply_kind`, :func:`data_ack` (9014), :func:`request_ack` (9013), :func:`request_answer`
  (9011), :func:`execution_result` (9012), :func:`set_time_request` (1012) —
  docs/modules/hj212.md §4.
* The code table ``data/hj212_codes.csv`` (copied unchanged from the shared standards data;
  provenance in ``data/README.md``): :func:`parameter`, :func:`code_2017`, :func:`normalize_code`.

Decisions where the sources are silent or disagree:

* Numbers are :class:`decimal.Decimal`, never float: a reading is a decimal text written by the
  device (``w21003-Rtd=0.09055002``, ``a01013-Avg=-0.026``), Decimal keeps it exactly (including
  its trailing zeros, ``0.0000``), and limits of the standards are compared as decimals elsewhere
  in ``ecociv.standards``; the original text is kept too (:attr:`Measurement.texts`).
* Flag version ``000010`` (Flag 8–11) is reported as :attr:`Edition.V2`: docs/modules/hj212.md
  (§0, doubts D1, D11) finds it used both by the CNEMC surface-water profile and, in one
  implementation, by HJ 212-2025. Which one a device speaks is a per-MN setting of the receiver,
  not decided here.
* Framing (docs/modules/hj212.md §1.3) is extended by two resynchronisation rules that document
  leaves open: a run of more than two ``#`` is read as junk followed by the last ``##``; and a
  header ``##`` + 4 digits found inside a frame that failed the length check ends that frame as
  ``truncated`` (a half-sent frame after a reconnect), so the next, complete frame is not swallowed.
* Tolerant framing (wrong length, missing CRC, LF-only trailer) is always done by the
  :class:`Framer` and recorded as quirks; :func:`parse_packet` refuses such frames under the
  ``strict`` policy and accepts them under ``tolerant`` (docs/modules/hj212.md §6 item 3).
* Besides the variants of docs/modules/hj212.md §2.4, :func:`check_crc` recognises the HJ 212 CRC
  byte-swapped and computed over the wrong span (``##`` and the length field included, or the length
  field included). They are accepted only under ``tolerant``, like every variant.
* A frame whose CRC matches no algorithm is refused under both policies (§2.5: tolerant widens the
  accepted algorithms, it does not accept corruption).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Final

from ecociv.kernel.errors import ValidationError

STANDARD: Final = "HJ 212"
EDITION: Final = "2017"

#: Beijing time, in which QN, DataTime, SystemTime … are written without an offset
#: (docs/modules/hj212.md §6 item 9). China has kept UTC+8 without daylight saving since 1991, so a
#: fixed offset is exact.
BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")

HEADER: Final = b"##"
TRAILER: Final = b"\r\n"
#: Largest data segment the standard allows (§6.3.1 表 2); longer ones are accepted (``oversize``).
STANDARD_MAX_DATA: Final = 1024
#: Largest data segment the 4-digit length field can declare (docs/modules/hj212.md §1.1).
MAX_DATA: Final = 9999
#: Largest frame: ``##`` + length + 9999 bytes + CRC + CR LF (docs/modules/hj212.md §1.3 step 4).
MAX_FRAME_BYTES: Final = 2 + 4 + MAX_DATA + 4 + 2

_HEX: Final = frozenset(b"0123456789abcdefABCDEF")
_HEADER_RE: Final = re.compile(rb"##[0-9]{4}")
_CP_RE: Final = re.compile(r"CP\s*=\s*&&")
_NUMBER_RE: Final = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_MN_RE: Final = re.compile(r"[A-Za-z0-9_\-.]{1,64}")
_ST_RE: Final = re.compile(r"[0-9A-Z]{2}")
_QN_RE: Final = re.compile(r"[0-9]{17}")
_CN_RE: Final = re.compile(r"[0-9]{4}")
_SPLIT_NUMBER_RE: Final = re.compile(r"[0-9]{1,4}")
_PROCESS_CODE_RE: Final = re.compile(r"[eg][0-9a-b][0-9]{2}[0-9]{2}")


# ---------------------------------------------------------------------------------------------
# errors and quirks


class QuirkCode(StrEnum):
    """Deviations from the standard that are tolerated and recorded (docs/modules/hj212.md §6)."""

    LENGTH_MISMATCH = "length_mismatch"  # docs/modules/hj212.md §1.3 step 4
    CRC_MISSING = "crc_missing"  # docs/modules/hj212.md §1.3 step 4, §2.4
    LF_TRAILER = "lf_trailer"  # docs/modules/hj212.md §1.3, LF without CR
    OVERSIZE = "oversize"  # data segment > 1024 bytes, docs/modules/hj212.md §1.1
    CRC_LOWERCASE = "crc_lowercase"  # docs/modules/hj212.md §2.4
    CRC_VARIANT = "crc_variant"  # docs/modules/hj212.md §2.4, accepted under the tolerant policy
    GB18030_TEXT = "gb18030_text"  # docs/modules/hj212.md §6 item 17
    HEADER_COMMA = "header_comma"  # docs/modules/hj212.md §3.1, 表 C.22/C.48
    HEADER_EMPTY_ITEM = "header_empty_item"  # ";,MN" (T11)
    HEADER_KEY_CASE = "header_key_case"  # "FLAG" (T11)
    HEADER_SPACES = "header_spaces"  # docs/modules/hj212.md §3.1
    MISSING_SEPARATOR_BEFORE_CP = "missing_separator_before_cp"  # "Flag=5CP=&&" (表 C.19)
    BAD_HEADER_ITEM = "bad_header_item"  # a header item without "="
    UNKNOWN_HEADER_KEY = "unknown_header_key"
    DUPLICATE_KEY = "duplicate_key"
    QN_MISSING = "qn_missing"  # 2005 uploads (docs/modules/hj212.md §4.4)
    QN_FORMAT = "qn_format"
    ST_MISSING = "st_missing"
    ST_FORMAT = "st_format"
    PW_FORMAT = "pw_format"
    MN_MISSING = "mn_missing"
    FLAG_MISSING = "flag_missing"  # 2005 (docs/modules/hj212.md §0, §6 item 6)
    FLAG_D_WITHOUT_PNUM = "flag_d_without_pnum"  # docs/modules/hj212.md §1.4, doubt D4
    PNUM_WITHOUT_FLAG_D = "pnum_without_flag_d"
    BAD_CP_ITEM = "bad_cp_item"
    BAD_NUMBER = "bad_number"
    BAD_DATATIME = "bad_datatime"  # tolerant policy only
    UNMAPPED_CODE = "unmapped_code"  # docs/modules/hj212.md §6 item 18, doubt D13
    UNKNOWN_DATA_FLAG = "unknown_data_flag"  # docs/modules/hj212.md §3.7
    UNKNOWN_CN = "unknown_cn"  # docs/modules/hj212.md §3.4, §6 item 18


@dataclass(frozen=True, slots=True)
class Quirk:
    """One tolerated deviation: its code, a short detail and the byte offset in the frame."""

    code: QuirkCode
    detail: str = ""
    offset: int | None = None


class ProtocolError(ValidationError):
    """A frame refused: ``reason`` is a stable code (``crc_mismatch``, ``cn_missing`` …),
    ``offset`` the byte offset in the frame (from the first ``#``), ``field`` the field.

    ``mn`` is the device number when it could be read, so that a receiver can count quarantined
    frames per device (docs/modules/hj212.md §2.5); ``crc`` is the verdict when the CRC was checked.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        offset: int | None = None,
        field: str | None = None,
        crc: CrcVerdict | None = None,
        quirks: tuple[Quirk, ...] = (),
        mn: str | None = None,
    ) -> None:
        where = f" @ byte {offset}" if offset is not None else ""
        super().__init__(f"{message}{where}", field=field)
        self.reason = reason
        self.offset = offset
        self.crc = crc
        self.quirks = quirks
        self.mn = mn


# ---------------------------------------------------------------------------------------------
# CRC (附录 A, docs/modules/hj212.md §2)


def crc16_hj212(data: bytes | Iterable[int]) -> int:
    """The HJ 212 check of 附录 A over the data segment (docs/modules/hj212.md §2.1).

    Register 0xFFFF; for each byte ``reg = (reg >> 8) ^ byte`` (only the old high byte survives,
    unlike CRC-16/MODBUS), then eight right shifts XORing 0xA001 on a carry; no final XOR. Written
    as ``%04X``, high byte first. The 附录 A prose prints ``1C08`` for its example; the packet and
    the computation give ``1C80`` (docs/modules/hj212.md §2.3, doubt D7):

    >>> segment = (b"QN=20160801085857223;ST=32;CN=1062;PW=100000;"
    ...            b"MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&")
    >>> f"{crc16_hj212(segment):04X}"
    '1C80'

    Any iterable of integers is accepted, so that the code-unit variant of docs/modules/hj212.md
    §2.4 can be computed with the same routine.
    """
    reg = 0xFFFF
    table = _HJ212_TABLE
    for byte in data:
        # after ``(reg >> 8) ^ byte`` the register is below 256, so the eight shifts that
        # follow depend on that value alone: one table lookup does them
        reg = table[(reg >> 8) ^ byte] if byte < 256 else _shift8((reg >> 8) ^ byte)
    return reg


def _shift8(reg: int) -> int:
    """Eight right shifts of 附录 A, XORing 0xA001 on each carry."""
    for _ in range(8):
        carry = reg & 1
        reg >>= 1
        if carry:
            reg ^= 0xA001
    return reg


#: ``_shift8`` of every byte value: the table form of the same algorithm.
_HJ212_TABLE = tuple(_shift8(value) for value in range(256))


def crc16_modbus(data: bytes) -> int:
    """Plain CRC-16/MODBUS (``reg ^= byte``), the variant some devices send (docs/modules/hj212.md
    §2.4, N5).

    >>> f"{crc16_modbus(b'123456789'):04X}"
    '4B37'
    """
    reg = 0xFFFF
    for byte in data:
        reg ^= byte
        for _ in range(8):
            carry = reg & 1
            reg >>= 1
            if carry:
                reg ^= 0xA001
    return reg


def _swap(value: int) -> int:
    return ((value & 0xFF) << 8) | (value >> 8)


class CrcVariant(StrEnum):
    """The algorithm a declared CRC matched (docs/modules/hj212.md §2.4)."""

    HJ212 = "hj212"  # 附录 A; upper or lower case hex
    MODBUS = "modbus"  # plain CRC-16/MODBUS
    MODBUS_SWAPPED = "modbus_swapped"  # Modbus, low byte first
    HJ212_SWAPPED = "hj212_swapped"  # 附录 A value, low byte first
    CODE_UNITS = "code_units"  # over UTF-16 code units / code points instead of UTF-8 bytes
    HEADER_INCLUDED = "header_included"  # over "##" + length + data segment (wrong span)
    LENGTH_INCLUDED = "length_included"  # over length + data segment (wrong span)


class CrcStatus(StrEnum):
    """Outcome of a CRC check: the HJ 212 value, a known variant, no CRC, or no match."""

    OK = "ok"
    VARIANT = "variant"
    MISSING = "missing"
    BAD = "bad"


class CrcPolicy(StrEnum):
    """Per-device CRC acceptance policy, set by an operator for each MN (docs/modules/hj212.md
    §2.5).

    ``strict`` (default for new devices) accepts the HJ 212 value only, in either hex case, and
    a standard frame (declared length right, CR LF); ``tolerant`` also accepts the variants of
    docs/modules/hj212.md §2.4, a missing CRC, a wrong length field and an LF-only trailer,
    recording each.
    """

    STRICT = "strict"
    TOLERANT = "tolerant"


@dataclass(frozen=True, slots=True)
class CrcVerdict:
    """What the CRC of a frame says.

    ``declared`` is the text sent (``None`` when missing); ``expected`` the HJ 212 value over the
    data segment, upper case; ``variant`` the algorithm the declared value matched (``hj212``
    when ``status`` is ``ok``, ``None`` when missing or bad).
    """

    status: CrcStatus
    variant: CrcVariant | None
    declared: str | None
    expected: str

    @property
    def lowercase(self) -> bool:
        """The declared hex has lower-case letters (accepted, docs/modules/hj212.md §2.4)."""
        return self.declared is not None and self.declared != self.declared.upper()

    def accepted(self, policy: CrcPolicy) -> bool:
        """Whether a device under ``policy`` may send this (docs/modules/hj212.md §2.5).

        >>> check_crc(b"CP=&&&&", "0000").accepted(CrcPolicy.TOLERANT)
        False
        """
        if self.status is CrcStatus.OK:
            return True
        if self.status is CrcStatus.BAD:
            return False
        return policy is CrcPolicy.TOLERANT


def check_crc(data: bytes, declared: str | None, *, length_field: bytes = b"") -> CrcVerdict:
    """Compare a declared CRC with the data segment; recognise the variants of docs/modules/hj212.md
    §2.4.

    ``length_field`` is the 4-digit length as sent, needed to recognise a CRC computed over the
    wrong span. The HJ 212 value is tried first, case-insensitively; then, in this order, Modbus,
    Modbus byte-swapped, HJ 212 byte-swapped, the code-unit CRC (only when the segment is not
    ASCII) and the two wrong spans.

    >>> check_crc(b"QN=20170516010101001;ST=22;CN=1072;PW=123456;MN=ABCDEFG1234567;Flag=3;"
    ...           b"CP=&&PW=654321&&", "E476").variant
    <CrcVariant.MODBUS: 'modbus'>
    """
    value = crc16_hj212(data)
    expected = f"{value:04X}"
    if declared is None:
        return CrcVerdict(CrcStatus.MISSING, None, None, expected)
    text = declared.strip()
    if len(text) != 4 or any(ch not in "0123456789abcdefABCDEF" for ch in text):
        return CrcVerdict(CrcStatus.BAD, None, declared, expected)
    got = int(text, 16)
    if got == value:
        return CrcVerdict(CrcStatus.OK, CrcVariant.HJ212, declared, expected)
    for variant, candidate in _crc_candidates(data, value, length_field):
        if got == candidate():
            return CrcVerdict(CrcStatus.VARIANT, variant, declared, expected)
    return CrcVerdict(CrcStatus.BAD, None, declared, expected)


def _crc_candidates(
    data: bytes, value: int, length_field: bytes
) -> list[tuple[CrcVariant, Callable[[], int]]]:
    """The variants in the order they are tried; each is computed only when reached."""
    candidates: list[tuple[CrcVariant, Callable[[], int]]] = [
        (CrcVariant.MODBUS, lambda: crc16_modbus(data)),
        (CrcVariant.MODBUS_SWAPPED, lambda: _swap(crc16_modbus(data))),
        (CrcVariant.HJ212_SWAPPED, lambda: _swap(value)),
    ]
    if not data.isascii():
        candidates.append((CrcVariant.CODE_UNITS, lambda: _code_unit_crc(data)))
    if length_field:
        candidates.append(
            (CrcVariant.HEADER_INCLUDED, lambda: crc16_hj212(HEADER + length_field + data))
        )
        candidates.append((CrcVariant.LENGTH_INCLUDED, lambda: crc16_hj212(length_field + data)))
    return candidates


def _code_unit_crc(data: bytes) -> int:
    """The CRC over UTF-16 code units, as Java/C#/Qt implementations compute it
    (docs/modules/hj212.md §2.4, T16); for text inside the Basic Multilingual Plane this is also the
    code-point CRC (Go runes)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    units = text.encode("utf-16-be")
    return crc16_hj212(int.from_bytes(units[i : i + 2], "big") for i in range(0, len(units), 2))


# ---------------------------------------------------------------------------------------------
# framing (§6.3.1 表 2, docs/modules/hj212.md §1.3)


class JunkReason(StrEnum):
    """Why bytes of the stream were dropped (docs/modules/hj212.md §1.3)."""

    GARBAGE = "garbage"  # bytes before a "##" (step 1)
    BAD_LENGTH = "bad_length"  # "##" not followed by 4 digits (step 2)
    UNTERMINATED_CP = "unterminated_cp"  # a line that ends neither in "&&" + CRC nor "&&" (step 4)
    TRUNCATED = "truncated"  # a frame cut off by the next header, or at the end of the stream
    OVERFLOW = "overflow"  # no frame end within the largest frame (step 4)


@dataclass(frozen=True, slots=True)
class Junk:
    """Bytes dropped from the stream, at stream position ``offset``."""

    offset: int
    data: bytes
    reason: JunkReason


@dataclass(frozen=True, slots=True)
class Frame:
    """One framed packet: ``raw`` whole (``##`` to trailer), at stream position ``offset``.

    ``data`` is the data segment, ``crc_text`` the 4 hex digits as sent (``None`` when missing),
    ``declared_length`` the length field; ``quirks`` are framing deviations (length mismatch,
    missing CRC, LF-only trailer, oversize), with offsets inside the frame.
    """

    offset: int
    raw: bytes
    data: bytes
    crc_text: str | None
    declared_length: int
    quirks: tuple[Quirk, ...] = ()

    @property
    def length_field(self) -> bytes:
        """The 4-digit length field as sent."""
        return self.raw[2:6]

    def has(self, code: QuirkCode) -> bool:
        """Whether the frame carries a quirk of this code."""
        return any(quirk.code is code for quirk in self.quirks)


FramerEvent = Frame | Junk


def _is_hex(chunk: bytes | bytearray) -> bool:
    return len(chunk) == 4 and all(byte in _HEX for byte in chunk)


def _split_body(body: bytes) -> tuple[bytes, str | None] | None:
    """Notes §1.3 step 4: a body ending in ``&&`` + 4 hex digits, or in ``&&`` (no CRC)."""
    if len(body) >= 6 and body[-6:-4] == b"&&" and _is_hex(body[-4:]):
        return body[:-4], body[-4:].decode("ascii")
    if body.endswith(b"&&"):
        return body, None
    return None


def _frame_quirks(
    declared: int, data: bytes, crc_text: str | None, lf_only: bool
) -> tuple[Quirk, ...]:
    quirks: list[Quirk] = []
    if len(data) != declared:
        quirks.append(
            Quirk(
                QuirkCode.LENGTH_MISMATCH,
                f"declared {declared}, actual {len(data)}",
                2,
            )
        )
    if crc_text is None:
        quirks.append(Quirk(QuirkCode.CRC_MISSING, "", 6 + len(data)))
    if lf_only:
        quirks.append(Quirk(QuirkCode.LF_TRAILER, "", 6 + len(data) + (4 if crc_text else 0)))
    if len(data) > STANDARD_MAX_DATA:
        quirks.append(Quirk(QuirkCode.OVERSIZE, f"{len(data)} > {STANDARD_MAX_DATA}", 2))
    return tuple(quirks)


class Framer:
    """Incremental framing of one TCP connection's byte stream (docs/modules/hj212.md §1.3,
    normative).

    Feed the bytes of each ``recv()``; get back, in stream order, :class:`Frame` objects and
    :class:`Junk` for dropped bytes, each with its position in the stream. Frames may arrive
    concatenated, split at any byte, or after junk:

    1. bytes before ``##`` are garbage (a trailing single ``#`` is kept);
    2. ``##`` not followed by 4 ASCII digits: the 2 header bytes are dropped (``bad_length``);
    3. strict path: ``L`` from the length field; when the buffer holds ``6 + L + 6`` bytes, the 4
       bytes after the data segment are hex digits (either case) and the next two are CR LF,
       that is the frame;
    4. tolerant path (the length field is wrong, or the CRC or CR is missing): the frame ends at
       the first LF after byte 6; its body (before CR LF, or LF alone) ends in ``&&`` + 4 hex
       digits, or in ``&&`` (CRC missing); anything else is ``unterminated_cp``. While the buffer
       is shorter than the declared frame and the body is not yet well formed, wait for more
       bytes; past :data:`MAX_FRAME_BYTES` with no end, drop the ``##`` (``overflow``).

    Two resynchronisation rules extend docs/modules/hj212.md §1.3 (module docstring): a run of ``#``
    is read up to its last ``##``, and a new ``##`` + 4 digits inside a frame that failed the length
    check ends it as ``truncated``.

    >>> framer = Framer()
    >>> events = framer.feed(b"AT+OK\\r\\n##0009CP=&&&&")
    >>> events
    [Junk(offset=0, data=b'AT+OK\\r\\n', reason=<JunkReason.GARBAGE: 'garbage'>)]
    >>> [event.offset for event in framer.feed(b"4E40\\r\\n")]
    [7]
    """

    def __init__(self, *, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self._buffer = bytearray()
        self._position = 0
        self._max = max_frame_bytes

    @property
    def position(self) -> int:
        """Stream position of the first byte still buffered."""
        return self._position

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[FramerEvent]:
        """Add received bytes; return every frame and junk they complete, in stream order."""
        self._buffer += chunk
        events: list[FramerEvent] = []
        while (step := self._step()) is not None:
            events.append(step)
        return _merge_garbage(events)

    def flush(self) -> list[FramerEvent]:
        """At the end of the stream: report bytes still buffered as junk (``truncated`` if they
        start a frame, else ``garbage``)."""
        if not self._buffer:
            return []
        reason = JunkReason.TRUNCATED if self._buffer.startswith(HEADER) else JunkReason.GARBAGE
        return [self._drop(len(self._buffer), reason)]

    def _drop(self, count: int, reason: JunkReason) -> Junk:
        junk = Junk(self._position, bytes(self._buffer[:count]), reason)
        del self._buffer[:count]
        self._position += count
        return junk

    def _take(
        self, count: int, data: bytes, crc_text: str | None, declared: int, lf_only: bool
    ) -> Frame:
        frame = Frame(
            self._position,
            bytes(self._buffer[:count]),
            data,
            crc_text,
            declared,
            _frame_quirks(declared, data, crc_text, lf_only),
        )
        del self._buffer[:count]
        self._position += count
        return frame

    def _step(self) -> FramerEvent | None:
        """One rule of docs/modules/hj212.md §1.3 applied to the head of the buffer;
        ``None`` = wait."""
        buffer = self._buffer
        if not buffer:
            return None
        start = buffer.find(HEADER)
        if start < 0:
            keep = 1 if buffer.endswith(b"#") else 0
            return (
                self._drop(len(buffer) - keep, JunkReason.GARBAGE) if len(buffer) > keep else None
            )
        while start + 2 < len(buffer) and buffer[start + 2] == 0x23:
            start += 1
        if start > 0:
            return self._drop(start, JunkReason.GARBAGE)
        if len(buffer) < 6:
            return None
        if not buffer[2:6].isdigit():
            return self._drop(2, JunkReason.BAD_LENGTH)
        declared = int(buffer[2:6])
        need = 6 + declared + 6
        if (
            len(buffer) >= need
            and _is_hex(buffer[6 + declared : 6 + declared + 4])
            and buffer[6 + declared + 4 : need] == TRAILER
        ):
            crc = buffer[6 + declared : 6 + declared + 4].decode("ascii")
            return self._take(need, bytes(buffer[6 : 6 + declared]), crc, declared, False)
        # tolerant path: the frame cannot extend past the next header
        following = _HEADER_RE.search(buffer, 6)
        limit = following.start() if following else len(buffer)
        newline = buffer.find(b"\n", 6, limit)
        if newline < 0:
            if following:
                return self._drop(limit, JunkReason.TRUNCATED)
            if len(buffer) > self._max:
                return self._drop(2, JunkReason.OVERFLOW)
            return None
        lf_only = buffer[newline - 1] != 0x0D or newline - 1 < 6
        body = bytes(buffer[6 : newline if lf_only else newline - 1])
        split = _split_body(body)
        if split is None:
            if len(buffer) < need and not following:
                return None  # probably a line break inside a //log//: wait for the declared end
            return self._drop(newline + 1, JunkReason.UNTERMINATED_CP)
        return self._take(newline + 1, split[0], split[1], declared, lf_only)


def _merge_garbage(events: list[FramerEvent]) -> list[FramerEvent]:
    merged: list[FramerEvent] = []
    for event in events:
        last = merged[-1] if merged else None
        if (
            isinstance(event, Junk)
            and isinstance(last, Junk)
            and event.reason is JunkReason.GARBAGE
            and last.reason is JunkReason.GARBAGE
            and last.offset + len(last.data) == event.offset
        ):
            merged[-1] = Junk(last.offset, last.data + event.data, JunkReason.GARBAGE)
        else:
            merged.append(event)
    return merged


def split_frame(raw: bytes, *, offset: int = 0) -> Frame:
    """Frame one complete packet, such as a line of a text capture (trailer optional).

    The same rules as :class:`Framer` (docs/modules/hj212.md §1.3): the declared length first, then
    the tolerant reading. Raises :class:`ProtocolError` when ``raw`` is not one frame.

    >>> split_frame(b"##0009CP=&&&&4E40").crc_text
    '4E40'
    """
    if not raw.startswith(HEADER):
        raise ProtocolError(
            "报文应以 ## 开头 (a packet starts with '##')", reason="no_header", offset=0
        )
    if len(raw) < 6 or not raw[2:6].isdigit():
        raise ProtocolError(
            "数据段长度应为 4 位数字 (the data length must be 4 digits)",
            reason="bad_length",
            offset=2,
            field="length",
        )
    declared = int(raw[2:6])
    end, lf_only = len(raw), False
    if raw.endswith(TRAILER):
        end -= 2
    elif raw.endswith(b"\n"):
        end, lf_only = end - 1, True
    crc: str | None
    if end == 6 + declared + 4 and _is_hex(raw[6 + declared : end]):
        data, crc = raw[6 : 6 + declared], raw[6 + declared : end].decode("ascii")
    else:
        split = _split_body(raw[6:end])
        if split is None:
            raise ProtocolError(
                "数据区未以 && 结束 (the CP area does not end with '&&' before the CRC)",
                reason=JunkReason.UNTERMINATED_CP.value,
                offset=end,
                field="CP",
            )
        data, crc = split
    return Frame(offset, raw, data, crc, declared, _frame_quirks(declared, data, crc, lf_only))


def frame(segment: str | bytes) -> bytes:
    """Wrap a data segment as a frame: ``##`` + 4-digit byte length + segment + CRC + CR LF
    (§6.3.1 表 2; length and CRC over UTF-8 bytes, docs/modules/hj212.md §1.1, doubt D2).

    >>> frame("ST=91;CN=9014;CP=&&QN=20040516010101001;CN=2051&&")
    b'##0049ST=91;CN=9014;CP=&&QN=20040516010101001;CN=2051&&5F00\\r\\n'
    """
    data = segment.encode("utf-8") if isinstance(segment, str) else segment
    if len(data) > MAX_DATA:
        raise ValidationError(
            f"数据段超过 9999 字节 (data segment of {len(data)} bytes exceeds 9999)",
            field="length",
        )
    return b"##%04d%s%04X\r\n" % (len(data), data, crc16_hj212(data))


# ---------------------------------------------------------------------------------------------
# code table (附录 B)


@dataclass(frozen=True, slots=True)
class Parameter:
    """One row of ``hj212_codes.csv``: 附录 B 表 B.1–B.3, B.10 with the 2005 "原编码"."""

    code_2017: str | None
    code_2005: str | None
    name_zh: str
    name_en: str
    unit: str
    medium: str


@cache
def parameters() -> tuple[Parameter, ...]:
    """Every row of the code table, in file order."""
    source = resources.files("ecociv.standards").joinpath("data/hj212_codes.csv")
    with source.open(encoding="utf-8") as handle:
        return tuple(
            Parameter(
                row["code_2017"] or None,
                row["code_2005"] or None,
                row["name_zh"],
                row["name_en"],
                row["unit"],
                row["medium"],
            )
            for row in csv.DictReader(handle)
        )


@cache
def _by_2017() -> dict[tuple[str, str], Parameter]:
    return {(p.code_2017, p.medium): p for p in parameters() if p.code_2017}


@cache
def _by_2005() -> dict[str, Parameter]:
    return {p.code_2005: p for p in parameters() if p.code_2005}


@cache
def _codes_2017() -> dict[str, Parameter]:
    found: dict[str, Parameter] = {}
    for p in parameters():
        if p.code_2017 and p.medium != "ambient_air":
            found.setdefault(p.code_2017, p)
    return found


def _unknown_code(code: str) -> ValidationError:
    return ValidationError(
        f"未知的 HJ 212 参数编码 “{code}” (unknown HJ 212 parameter code {code!r})", field="code"
    )


def code_2017(code_2005: str) -> str | None:
    """The HJ 212-2017 code of an HJ/T 212-2005 code (附录 B "原编码"); ``None`` for the 2005
    codes with no successor (``025``, ``16``, ``99``, ``B03``; doubt D13).

    >>> code_2017("011"), code_2017("B02"), code_2017("025")
    ('w01018', 'a00000', None)
    """
    row = _by_2005().get(code_2005.strip())
    if row is None:
        raise _unknown_code(code_2005)
    return row.code_2017


def parameter(code: str, medium: str | None = None) -> Parameter:
    """Name, unit and medium of a 2017 or 2005 code (docs/modules/hj212.md §5).

    ``medium="ambient_air"`` gives the unit ambient-air stations report in, falling back to
    ``gas``; site codes printed with a capital ``I`` (``I33400``) are read as ``i``.

    >>> parameter("a34004").unit, parameter("a34004", "ambient_air").unit
    ('ng/m3', 'ug/m3')
    >>> parameter("060").name_en
    'ammonia nitrogen'
    """
    key = code.strip()
    if key[:1] == "I":
        key = "i" + key[1:]
    if medium is not None:
        for candidate in (medium, "gas") if medium == "ambient_air" else (medium,):
            row = _by_2017().get((key, candidate))
            if row is not None:
                return row
    row = _codes_2017().get(key) or _by_2005().get(key)
    if row is None:
        raise _unknown_code(code)
    return row


def normalize_code(code: str) -> str | None:
    """The 2017 code for a code found in a packet, or ``None`` when it has none.

    A 2017 code maps to itself (``I`` read as ``i``), a 2005 code through the table (each code
    independently, as packets mix generations: docs/modules/hj212.md §6 item 12), a process code
    ``e…``/``g…`` (表 B.4–B.7) by its pattern.

    >>> normalize_code("B01"), normalize_code("w01018"), normalize_code("B00")
    ('w00000', 'w01018', None)
    """
    key = code.strip()
    if key[:1] == "I":
        key = "i" + key[1:]
    if key in _codes_2017():
        return key
    row = _by_2005().get(key)
    if row is not None:
        return row.code_2017
    if _PROCESS_CODE_RE.fullmatch(key):
        return key
    return None


# ---------------------------------------------------------------------------------------------
# flags, editions, data flags


class Edition(StrEnum):
    """Protocol edition read from the Flag version bits (§6.3.2 表 3, docs/modules/hj212.md §0)."""

    HJT_212_2005 = "2005"  # version 000000, or no Flag field at all
    HJ_212_2017 = "2017"  # version 000001
    V2 = "v2"  # version 000010: CNEMC surface-water profile or HJ 212-2025 (doubts D1, D11)
    UNKNOWN = "unknown"  # any other version


@dataclass(frozen=True, slots=True)
class PacketFlag:
    """The Flag field, bits ``V5 V4 V3 V2 V1 V0 D A`` (§6.3.2 表 3, docs/modules/hj212.md §3.2).

    >>> flag = PacketFlag(7)
    >>> flag.version, flag.split, flag.ack
    (1, True, True)
    """

    value: int
    present: bool = True

    @property
    def version(self) -> int:
        """Bits V5..V0: 0 = HJ/T 212-2005, 1 = HJ 212-2017, 2 = see :attr:`Edition.V2`."""
        return self.value >> 2

    @property
    def split(self) -> bool:
        """Bit D: the data segment carries PNUM and PNO."""
        return bool(self.value & 2)

    @property
    def ack(self) -> bool:
        """Bit A: the sender wants an answer."""
        return bool(self.value & 1)

    @property
    def edition(self) -> Edition:
        """The edition these version bits name."""
        if not self.present or self.version == 0:
            return Edition.HJT_212_2005
        if self.version == 1:
            return Edition.HJ_212_2017
        if self.version == 2:
            return Edition.V2
        return Edition.UNKNOWN


@dataclass(frozen=True, slots=True)
class DataFlagInfo:
    """Meaning of a data flag (``xxxxxx-Flag``) and whether the value counts as valid.

    ``valid`` is the handling docs/modules/hj212.md §3.7 proposes: ``True`` for normal data,
    ``False`` for invalid, ``None`` where it is a judgement for operators (manual set values, 2005
    air meteorological values).
    """

    flag: str
    name_zh: str
    name_en: str
    valid: bool | None


#: HJ 212-2017 表 8 data flags.
DATA_FLAGS_2017: Final[Mapping[str, DataFlagInfo]] = {
    info.flag: info
    for info in (
        DataFlagInfo("N", "在线监控（监测）仪器仪表工作正常", "instrument normal", True),
        DataFlagInfo("F", "在线监控（监测）仪器仪表停运", "instrument stopped", False),
        DataFlagInfo("M", "在线监控（监测）仪器仪表处于维护期间产生的数据", "maintenance", False),
        DataFlagInfo("S", "手工输入的设定值", "manually entered set value", None),
        DataFlagInfo("D", "在线监控（监测）仪器仪表故障", "instrument fault", False),
        DataFlagInfo("C", "在线监控（监测）仪器仪表处于校准状态", "calibrating", False),
        DataFlagInfo("T", "在线监控（监测）仪器仪表采样数值超过测量上限", "over range", False),
        DataFlagInfo(
            "B", "在线监控（监测）仪器仪表与数采仪通讯异常", "communication abnormal", False
        ),
    )
}

#: HJ/T 212-2005 data flags as reproduced by implementations (docs/modules/hj212.md §3.7): pollution
#: sources P F C M T D S N; ambient-air stations 0–3.
DATA_FLAGS_2005: Final[Mapping[str, DataFlagInfo]] = {
    info.flag: info
    for info in (
        DataFlagInfo("P", "电源故障", "power failure", False),
        DataFlagInfo("F", "排放源停运", "emission source stopped", False),
        DataFlagInfo("C", "校验", "calibration", False),
        DataFlagInfo("M", "维护", "maintenance", False),
        DataFlagInfo("T", "超测上限", "over range", False),
        DataFlagInfo("D", "故障", "fault", False),
        DataFlagInfo("S", "设定值", "set value", None),
        DataFlagInfo("N", "正常", "normal", True),
        DataFlagInfo("0", "校准数据", "calibration data (air station)", False),
        DataFlagInfo("1", "气象参数", "meteorological parameter (air station)", None),
        DataFlagInfo("2", "异常数据", "abnormal data (air station)", False),
        DataFlagInfo("3", "正常数据", "normal data (air station)", True),
    )
}


def data_flag(flag: str, edition: Edition) -> DataFlagInfo | None:
    """Meaning of a data flag in an edition (2017 表 8; the 2005 table for 2005 packets);
    ``None`` when unknown (store the raw flag, docs/modules/hj212.md §3.7).

    >>> data_flag("F", Edition.HJ_212_2017).name_en, data_flag("F", Edition.HJT_212_2005).name_en
    ('instrument stopped', 'emission source stopped')
    """
    table = DATA_FLAGS_2005 if edition is Edition.HJT_212_2005 else DATA_FLAGS_2017
    return table.get(flag.strip())


#: Command codes of HJ 212-2017 表 9 with their names, plus the 2005 and field codes listed in
#: docs/modules/hj212.md §3.4; anything else is recorded as ``unknown_cn`` and still parsed.
COMMANDS: Final[Mapping[str, str]] = {
    "1000": "设置超时时间及重发次数 (set timeout and retries)",
    "1001": "设置超限报警时间 (2005: set over-limit alarm time)",
    "1011": "提取/上传现场机时间 (get/upload device time)",
    "1012": "设置现场机时间 (set device time)",
    "1013": "现场机时间校准请求 (device time calibration request)",
    "1021": "提取污染物报警门限值 (2005: get alarm limits)",
    "1022": "设置污染物报警门限值 (2005: set alarm limits)",
    "1031": "提取上位机地址 (2005: get platform address)",
    "1032": "设置上位机地址 (2005: set platform address)",
    "1041": "提取数据上报时间 (2005: get report time)",
    "1042": "设置数据上报时间 (2005: set report time)",
    "1061": "提取/上传实时数据间隔 (get/upload real-time interval)",
    "1062": "设置实时数据间隔 (set real-time interval)",
    "1063": "提取/上传分钟数据间隔 (get/upload minute interval)",
    "1064": "设置分钟数据间隔 (set minute interval)",
    "1072": "设置现场机密码 (set device password)",
    "2011": "污染物实时数据 (real-time data)",
    "2012": "停止察看污染物实时数据 (stop real-time data)",
    "2021": "设备运行状态数据 (facility running state)",
    "2022": "停止察看设备运行状态 (stop running state)",
    "2031": "污染物日历史数据 (daily data)",
    "2041": "设备运行时间日历史数据 (daily running time)",
    "2051": "污染物分钟数据 (minute data)",
    "2061": "污染物小时数据 (hourly data)",
    "2071": "污染物报警记录 (2005: alarm records)",
    "2072": "上传报警事件 (2005: alarm event)",
    "2081": "数采仪开机时间 (datalogger restart time)",
    "3011": "零点校准量程校准 (zero/span calibration)",
    "3012": "即时采样 (immediate sampling)",
    "3013": "启动清洗/反吹 (start cleaning/blowback)",
    "3014": "比对采样 (comparison sampling; 2005: set sampling period)",
    "3015": "超标留样 (over-limit sample keeping)",
    "3016": "设置采样时间周期 (set sampling period)",
    "3017": "提取/上传采样时间周期 (get/upload sampling period)",
    "3018": "提取/上传出样时间 (get/upload sample output time)",
    "3019": "提取/上传设备唯一标识 (get/upload instrument id)",
    "3020": "提取/上传现场机信息 (get/upload site information)",
    "3021": "设置现场机参数 (set site parameters)",
    "9011": "请求应答 (request answer)",
    "9012": "执行结果 (execution result)",
    "9013": "通知应答 (notification answer)",
    "9014": "数据应答 (data answer)",
    "9015": "心跳 (heartbeat; vendor / 2025)",
    "9021": "心跳 (heartbeat; 2005 vendor)",
}

#: Suffixes whose values are text, not numbers (表 4): flags, ids, logs, timestamps.
TEXT_SUFFIXES: Final = frozenset({"Flag", "EFlag", "SN", "Info", "SampleTime", "ID"})


# ---------------------------------------------------------------------------------------------
# packets (§6.3.2 表 3, §6.3.3 表 4)


@dataclass(frozen=True, slots=True)
class Measurement:
    """The items of one code in the CP area (``w01018-Rtd``, ``w01018-Flag`` … → ``w01018``).

    ``code`` as sent; ``code_2017`` its 2017 code (``None`` if unmapped); ``values`` the
    numeric suffixes (Rtd, Avg, Min, Max, Cou, ZsRtd, ZsAvg, ZsMin, ZsMax, RT, RS, Data …) as
    :class:`~decimal.Decimal`; ``texts`` every suffix as sent; ``flag`` the data flag and
    ``flag_info`` its meaning in the packet's edition; ``offset`` the byte offset of the first
    item of the group in the frame.
    """

    code: str
    code_2017: str | None
    values: Mapping[str, Decimal]
    texts: Mapping[str, str]
    flag: str | None
    flag_info: DataFlagInfo | None
    offset: int

    def value(self, suffix: str) -> Decimal | None:
        """The numeric value of a suffix, or ``None``."""
        return self.values.get(suffix)


@dataclass(frozen=True, slots=True)
class Packet:
    """A parsed packet.

    Header fields (表 3) are as sent, ``None`` when absent; ``header`` keeps every header item
    (known keys under their standard spelling, unknown keys as sent). ``params`` are the CP items
    without a code (DataTime, RtdInterval, PolId, SystemTime, QnRtn, 2005 ``QN``/``CN`` …) as
    text; ``data_time`` is DataTime in Beijing time; ``measurements`` the code groups in order.
    ``parts`` holds the sub-packets when the packet was combined by a :class:`Reassembler`.
    """

    frame: Frame
    text: str
    qn: str | None
    st: str | None
    cn: str
    pw: str | None
    mn: str | None
    flag: PacketFlag
    pnum: int | None
    pno: int | None
    edition: Edition
    header: Mapping[str, str]
    params: Mapping[str, str]
    data_time: datetime | None
    measurements: Mapping[str, Measurement]
    crc: CrcVerdict
    quirks: tuple[Quirk, ...] = ()
    parts: tuple[Packet, ...] = field(default=())

    @property
    def request_qn(self) -> str | None:
        """The QN a reply refers to: the header QN, or in 2005 replies the QN inside CP (§4.4)."""
        return self.qn if self.qn is not None else self.params.get("QN")

    @property
    def is_split(self) -> bool:
        """The packet is one of several (PNUM > 1)."""
        return self.pnum is not None and self.pno is not None and self.pnum > 1

    def has(self, code: QuirkCode) -> bool:
        """Whether the packet carries a quirk of this code."""
        return any(quirk.code is code for quirk in self.quirks)


_HEADER_KEYS: Final[Mapping[str, str]] = {
    key.upper(): key for key in ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")
}


def parse_time(text: str) -> datetime:
    """A HJ 212 time ``YYYYMMDDhhmmss`` (N14, 表 4) or a QN ``YYYYMMDDhhmmsszzz``, Beijing time.

    >>> parse_time("20160801085857223").isoformat()
    '2016-08-01T08:58:57.223000+08:00'
    """
    value = text.strip()
    if not value.isdigit() or len(value) not in (14, 17):
        raise ValueError(f"not YYYYMMDDhhmmss: {text!r}")
    moment = datetime.strptime(value[:14], "%Y%m%d%H%M%S").replace(tzinfo=BEIJING)
    return moment + timedelta(milliseconds=int(value[14:] or 0))


def format_qn(now: datetime) -> str:
    """A QN (``YYYYMMDDhhmmsszzz``, Beijing time, 表 3) for an aware instant."""
    if now.tzinfo is None:
        raise ValidationError("时间须带时区 (the instant must be timezone-aware)", field="now")
    local = now.astimezone(BEIJING)
    return local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}"


def _best_effort_mn(data: bytes) -> str | None:
    match = re.search(rb"MN\s*=\s*([A-Za-z0-9_\-.]{1,64})", data)
    return match.group(1).decode("ascii") if match else None


def _refuse_frame(frame: Frame, verdict: CrcVerdict, policy: CrcPolicy) -> list[Quirk]:
    """CRC and framing acceptance (docs/modules/hj212.md §2.5, §6 item 3); returns the quirks to
    record."""
    crc_offset = 6 + len(frame.data)
    mn = _best_effort_mn(frame.data)
    quirks = list(frame.quirks)
    if verdict.status is CrcStatus.BAD:
        raise ProtocolError(
            f"CRC 校验错误：收到 {verdict.declared}，应为 {verdict.expected} "
            f"(CRC mismatch: got {verdict.declared}, expected {verdict.expected})",
            reason="crc_mismatch",
            offset=crc_offset,
            field="CRC",
            crc=verdict,
            quirks=frame.quirks,
            mn=mn,
        )
    if policy is CrcPolicy.STRICT:
        if verdict.status is CrcStatus.VARIANT:
            raise ProtocolError(
                f"CRC 为非标准算法 {verdict.variant}，严格模式不接受 "
                f"(CRC computed as {verdict.variant}, refused under the strict policy; "
                f"HJ 212 value {verdict.expected})",
                reason="crc_variant",
                offset=crc_offset,
                field="CRC",
                crc=verdict,
                quirks=frame.quirks,
                mn=mn,
            )
        for quirk in frame.quirks:
            if quirk.code is QuirkCode.OVERSIZE:
                continue
            raise ProtocolError(
                f"报文格式不符合标准：{quirk.code}，严格模式不接受 "
                f"(non-standard frame: {quirk.code} {quirk.detail}, refused under the strict "
                "policy)",
                reason=quirk.code.value,
                offset=quirk.offset,
                field="CRC" if quirk.code is QuirkCode.CRC_MISSING else "length",
                crc=verdict,
                quirks=frame.quirks,
                mn=mn,
            )
    if verdict.status is CrcStatus.VARIANT:
        quirks.append(Quirk(QuirkCode.CRC_VARIANT, str(verdict.variant), crc_offset))
    if verdict.lowercase:
        quirks.append(Quirk(QuirkCode.CRC_LOWERCASE, "", crc_offset))
    return quirks


def _decode(data: bytes, quirks: list[Quirk]) -> str:
    """UTF-8 first, GB18030 as fallback (§6.3 and docs/modules/hj212.md §6 item 17)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ProtocolError(
                "数据段不是 UTF-8 或 GB18030 文本 (data segment is neither UTF-8 nor GB18030)",
                reason="bad_encoding",
                offset=6 + exc.start,
                field="data",
            ) from exc
        quirks.append(Quirk(QuirkCode.GB18030_TEXT, "", 6 + exc.start))
        return text


def _byte_offset(text: str, index: int, encoding: str) -> int:
    return 6 + len(text[:index].encode(encoding))


def _cp_items(content: str) -> list[tuple[int, str]]:
    """Split the CP content on ``;`` and ``,``, keeping ``//…//`` logs whole (§6.3.3)."""
    items: list[tuple[int, str]] = []
    start = index = 0
    while index < len(content):
        char = content[index]
        if char == "=":
            after = index + 1
            while after < len(content) and content[after] == " ":
                after += 1
            if content.startswith("//", after):
                close = content.find("//", after + 2)
                if close >= 0:
                    index = close + 2
                    continue
        elif char in ";,":
            items.append((start, content[start:index]))
            start = index + 1
        index += 1
    items.append((start, content[start:]))
    return items


class _Parser:
    """One data segment's parse; collects quirks and raises :class:`ProtocolError`."""

    def __init__(self, frame: Frame, text: str, encoding: str, policy: CrcPolicy) -> None:
        self.frame = frame
        self.text = text
        self.encoding = encoding
        self.policy = policy
        self.quirks: list[Quirk] = []

    def offset(self, index: int) -> int:
        return _byte_offset(self.text, index, self.encoding)

    def quirk(self, code: QuirkCode, detail: str = "", index: int | None = None) -> None:
        self.quirks.append(Quirk(code, detail, None if index is None else self.offset(index)))

    def refuse(self, message: str, *, reason: str, index: int, field: str) -> ProtocolError:
        return ProtocolError(
            message,
            reason=reason,
            offset=self.offset(index),
            field=field,
            quirks=tuple(self.quirks),
            mn=_best_effort_mn(self.frame.data),
        )

    def header(self, end: int) -> dict[str, tuple[str, int]]:
        """Header items before ``CP=&&``, by key (表 3; tolerance rules of docs/modules/hj212.md
        §3.1)."""
        part = self.text[:end]
        if "," in part:
            self.quirk(QuirkCode.HEADER_COMMA, "", part.index(","))
        found: dict[str, tuple[str, int]] = {}
        start = 0
        for position, char in enumerate([*part, ";"]):
            if char not in ";,":
                continue
            item, item_start = part[start:position], start
            start = position + 1
            if not item.strip():
                if position < len(part) or item:
                    self.quirk(QuirkCode.HEADER_EMPTY_ITEM, "", item_start)
                continue
            if "=" not in item:
                self.quirk(QuirkCode.BAD_HEADER_ITEM, item, item_start)
                continue
            raw_key, raw_value = item.split("=", 1)
            key, value = raw_key.strip(), raw_value.strip()
            if key != raw_key or value != raw_value:
                self.quirk(QuirkCode.HEADER_SPACES, key, item_start)
            canonical = _HEADER_KEYS.get(key.upper())
            if canonical is None:
                self.quirk(QuirkCode.UNKNOWN_HEADER_KEY, key, item_start)
                canonical = key
            elif canonical != key:
                self.quirk(QuirkCode.HEADER_KEY_CASE, key, item_start)
            if canonical in found:
                self.quirk(QuirkCode.DUPLICATE_KEY, canonical, item_start)
                continue
            found[canonical] = (value, item_start + len(raw_key) + 1)
        return found

    def flag(self, header: Mapping[str, tuple[str, int]]) -> PacketFlag:
        if "Flag" not in header:
            self.quirk(QuirkCode.FLAG_MISSING)
            return PacketFlag(0, present=False)
        value, index = header["Flag"]
        if not value.isdigit() or int(value) > 255:
            raise self.refuse(
                f"Flag 应为 0–255 的整数 (Flag must be an integer 0-255, got {value!r})",
                reason="flag_format",
                index=index,
                field="Flag",
            )
        return PacketFlag(int(value))

    def split_numbers(
        self, header: Mapping[str, tuple[str, int]], flag: PacketFlag
    ) -> tuple[int | None, int | None]:
        numbers: dict[str, int] = {}
        for key in ("PNUM", "PNO"):
            if key in header:
                value, index = header[key]
                if not _SPLIT_NUMBER_RE.fullmatch(value):
                    raise self.refuse(
                        f"{key} 应为 1–4 位数字 ({key} must be 1-4 digits, got {value!r})",
                        reason="split_format",
                        index=index,
                        field=key,
                    )
                numbers[key] = int(value)
        pnum, pno = numbers.get("PNUM"), numbers.get("PNO")
        if pnum is None or pno is None:
            if flag.split:
                self.quirk(QuirkCode.FLAG_D_WITHOUT_PNUM)
            return None, None
        if not flag.split:
            self.quirk(QuirkCode.PNUM_WITHOUT_FLAG_D)
        if pnum < 1 or not 1 <= pno <= pnum:
            raise self.refuse(
                f"分包序号超出范围 (PNO {pno} outside 1..PNUM {pnum})",
                reason="split_numbers",
                index=header["PNO"][1],
                field="PNO",
            )
        return pnum, pno

    def identity(self, header: Mapping[str, tuple[str, int]]) -> None:
        """QN, ST, PW, MN formats (表 3, tolerances of docs/modules/hj212.md §3.1)."""
        if "QN" not in header:
            self.quirk(QuirkCode.QN_MISSING)
        elif not _QN_RE.fullmatch(header["QN"][0]):
            self.quirk(QuirkCode.QN_FORMAT, header["QN"][0], header["QN"][1])
        if "ST" not in header:
            self.quirk(QuirkCode.ST_MISSING)
        elif not _ST_RE.fullmatch(header["ST"][0]):
            self.quirk(QuirkCode.ST_FORMAT, header["ST"][0], header["ST"][1])
        if "PW" in header and not 1 <= len(header["PW"][0]) <= 32:
            self.quirk(QuirkCode.PW_FORMAT, header["PW"][0], header["PW"][1])
        if "MN" not in header:
            self.quirk(QuirkCode.MN_MISSING)
        elif not _MN_RE.fullmatch(header["MN"][0]):
            raise self.refuse(
                f"MN 含非法字符 (MN must be 1-64 of A-Z a-z 0-9 _ - ., got {header['MN'][0]!r})",
                reason="mn_format",
                index=header["MN"][1],
                field="MN",
            )

    def cp(
        self, start: int, end: int, edition: Edition
    ) -> tuple[dict[str, str], dict[str, Measurement]]:
        """The CP items (§6.3.3, 表 4): parameters by name, measurements grouped by code."""
        params: dict[str, str] = {}
        groups: dict[str, list[tuple[str, str, int]]] = {}
        for item_start, item in _cp_items(self.text[start:end]):
            index = start + item_start
            if not item.strip():
                continue
            if "=" not in item:
                self.quirk(QuirkCode.BAD_CP_ITEM, item.strip(), index)
                continue
            raw_key, raw_value = item.split("=", 1)
            key, value = raw_key.strip(), raw_value.strip()
            if "-" in key:
                code, suffix = (part.strip() for part in key.split("-", 1))
                groups.setdefault(code, []).append((suffix, value, index))
            elif key in params:
                self.quirk(QuirkCode.DUPLICATE_KEY, key, index)
            else:
                params[key] = value
        measurements = {
            code: self.measurement(code, items, edition) for code, items in groups.items()
        }
        return params, measurements

    def measurement(
        self, code: str, items: list[tuple[str, str, int]], edition: Edition
    ) -> Measurement:
        texts: dict[str, str] = {}
        values: dict[str, Decimal] = {}
        for suffix, value, index in items:
            if suffix in texts:
                self.quirk(QuirkCode.DUPLICATE_KEY, f"{code}-{suffix}", index)
                continue
            texts[suffix] = value
            if suffix in TEXT_SUFFIXES:
                continue
            if _NUMBER_RE.fullmatch(value):
                try:
                    values[suffix] = Decimal(value)
                    continue
                except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
                    pass
            self.quirk(QuirkCode.BAD_NUMBER, f"{code}-{suffix}={value}", index)
        mapped = normalize_code(code)
        if mapped is None:
            self.quirk(QuirkCode.UNMAPPED_CODE, code, items[0][2])
        flag = texts.get("Flag")
        info = data_flag(flag, edition) if flag is not None else None
        if flag is not None and info is None:
            self.quirk(QuirkCode.UNKNOWN_DATA_FLAG, f"{code}-Flag={flag}", items[0][2])
        return Measurement(code, mapped, values, texts, flag, info, self.offset(items[0][2]))

    def data_time(self, params: Mapping[str, str], cp_start: int) -> datetime | None:
        text = params.get("DataTime")
        if text is None:
            return None
        try:
            if len(text.strip()) != 14:
                raise ValueError(text)
            return parse_time(text)
        except ValueError:
            index = self.text.find("DataTime", cp_start)
            if self.policy is CrcPolicy.TOLERANT:
                self.quirk(QuirkCode.BAD_DATATIME, text, index)
                return None
            raise self.refuse(
                f"DataTime 应为 YYYYMMDDhhmmss (DataTime must be YYYYMMDDhhmmss, got {text!r})",
                reason="bad_datatime",
                index=index,
                field="DataTime",
            ) from None


def parse_packet(frame: bytes | Frame, *, crc_policy: CrcPolicy = CrcPolicy.STRICT) -> Packet:
    """Parse one frame (bytes of one packet, trailer optional, or a :class:`Frame`).

    Order of checks: framing (docs/modules/hj212.md §1.3) → CRC under ``crc_policy`` (附录 A,
    docs/modules/hj212.md §2.5; a CRC that matches nothing is refused under both policies) → text
    (UTF-8, GB18030 fallback) → header (表 3: keys case-insensitive, ``;`` or ``,``, parsed by key
    never by position, docs/modules/hj212.md §3.1) → CP (§6.3.3; content between the first ``CP=&&``
    and the last ``&&``, items grouped by code, docs/modules/hj212.md §3.6). CN is required (4
    digits); Flag, when present, is 0–255; PNO must lie in 1..PNUM (docs/modules/hj212.md §1.4); MN,
    when present, is ``[A-Za-z0-9_\\-.]{1,64}``; DataTime is ``YYYYMMDDhhmmss`` (refused under
    ``strict``, a quirk under ``tolerant``). Everything else that deviates is recorded in
    :attr:`Packet.quirks`.

    >>> packet = parse_packet(b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;"
    ...     b"MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80")
    >>> packet.cn, packet.flag.ack, packet.edition, packet.params["RtdInterval"]
    ('1062', True, <Edition.HJ_212_2017: '2017'>, '30')
    """
    framed = frame if isinstance(frame, Frame) else split_frame(frame)
    verdict = check_crc(framed.data, framed.crc_text, length_field=framed.length_field)
    quirks = _refuse_frame(framed, verdict, crc_policy)
    text = _decode(framed.data, quirks)
    encoding = "gb18030" if any(q.code is QuirkCode.GB18030_TEXT for q in quirks) else "utf-8"
    parser = _Parser(framed, text, encoding, crc_policy)
    parser.quirks.extend(quirks)

    match = _CP_RE.search(text)
    if match is None:
        raise parser.refuse(
            "缺少数据区 CP=&& (no 'CP=&&' in the data segment)",
            reason="cp_missing",
            index=len(text),
            field="CP",
        )
    cp_start = match.end()
    cp_end = text.rfind("&&")
    if cp_end < cp_start or text[cp_end + 2 :].strip():
        raise parser.refuse(
            "数据区未以 && 结束 (the CP area does not end with '&&')",
            reason="cp_unterminated",
            index=len(text),
            field="CP",
        )
    if match.start() > 0 and text[match.start() - 1] not in ";,":
        parser.quirk(QuirkCode.MISSING_SEPARATOR_BEFORE_CP, "", match.start())

    header = parser.header(match.start())
    if "CN" not in header:
        raise parser.refuse(
            "缺少命令编码 CN (no CN in the header)", reason="cn_missing", index=0, field="CN"
        )
    cn, cn_index = header["CN"]
    if not _CN_RE.fullmatch(cn):
        raise parser.refuse(
            f"CN 应为 4 位数字 (CN must be 4 digits, got {cn!r})",
            reason="cn_format",
            index=cn_index,
            field="CN",
        )
    if cn not in COMMANDS:
        parser.quirk(QuirkCode.UNKNOWN_CN, cn, cn_index)
    flag = parser.flag(header)
    pnum, pno = parser.split_numbers(header, flag)
    parser.identity(header)
    edition = flag.edition
    params, measurements = parser.cp(cp_start, cp_end, edition)
    data_time = parser.data_time(params, cp_start)

    def get(key: str) -> str | None:
        return header[key][0] if key in header else None

    return Packet(
        frame=framed,
        text=text,
        qn=get("QN"),
        st=get("ST"),
        cn=cn,
        pw=get("PW"),
        mn=get("MN"),
        flag=flag,
        pnum=pnum,
        pno=pno,
        edition=edition,
        header={key: value for key, (value, _) in header.items()},
        params=params,
        data_time=data_time,
        measurements=measurements,
        crc=verdict,
        quirks=tuple(parser.quirks),
    )


# ---------------------------------------------------------------------------------------------
# split packets (表 3 PNUM/PNO, 表 C.49/C.50, docs/modules/hj212.md §1.4)


@dataclass(frozen=True, slots=True)
class SplitKey:
    """Sub-packets belong together when MN, CN, DataTime and PNUM agree (docs/modules/hj212.md
    §1.4); each has its own QN (表 C.50), so QN is not part of the key."""

    mn: str | None
    cn: str
    data_time: str | None
    pnum: int


@dataclass(frozen=True, slots=True)
class IncompleteSplit:
    """A split set that timed out: the parts received and the PNOs missing."""

    key: SplitKey
    parts: tuple[Packet, ...]
    missing: tuple[int, ...]
    first_seen: datetime


@dataclass
class _Pending:
    first_seen: datetime
    parts: dict[int, Packet]


class Reassembler:
    """Combines the sub-packets of a split upload (PNUM/PNO, 表 3; docs/modules/hj212.md §1.4).

    Each sub-packet is a complete frame with its own QN and CRC, acknowledged on its own
    (表 C.50), and its CP is self-contained (表 C.49) — so a receiver should store each part as
    it comes and may use this class to learn when a set is whole or overdue. :meth:`add` returns
    an unsplit packet at once, a sub-packet ``None`` until its set is complete, then the
    combined packet: the header, QN and CRC of part 1, the parameters and measurements of all
    parts in PNO order (a code repeated in a later part keeps its first value), the parts
    themselves in :attr:`Packet.parts`. A repeated PNO (a resend) is ignored. :meth:`expire`
    returns the sets whose first part is older than ``timeout`` (default 10 minutes).
    """

    def __init__(self, *, timeout: timedelta = timedelta(minutes=10)) -> None:
        self._timeout = timeout
        self._pending: dict[SplitKey, _Pending] = {}

    @property
    def pending(self) -> int:
        """Number of incomplete sets held."""
        return len(self._pending)

    def add(self, packet: Packet, now: datetime) -> Packet | None:
        """Add a packet received at ``now``; return a packet when one is complete."""
        if not packet.is_split or packet.pnum is None or packet.pno is None:
            return packet
        key = SplitKey(packet.mn, packet.cn, packet.params.get("DataTime"), packet.pnum)
        pending = self._pending.setdefault(key, _Pending(now, {}))
        pending.parts.setdefault(packet.pno, packet)
        if len(pending.parts) < packet.pnum:
            return None
        del self._pending[key]
        return _combine([pending.parts[number] for number in sorted(pending.parts)])

    def expire(self, now: datetime) -> list[IncompleteSplit]:
        """Remove and return the sets first seen more than ``timeout`` before ``now``."""
        overdue = [
            key
            for key, pending in self._pending.items()
            if now - pending.first_seen > self._timeout
        ]
        expired: list[IncompleteSplit] = []
        for key in overdue:
            pending = self._pending.pop(key)
            expired.append(
                IncompleteSplit(
                    key,
                    tuple(pending.parts[number] for number in sorted(pending.parts)),
                    tuple(n for n in range(1, key.pnum + 1) if n not in pending.parts),
                    pending.first_seen,
                )
            )
        return expired


def _combine(parts: list[Packet]) -> Packet:
    params: dict[str, str] = {}
    measurements: dict[str, Measurement] = {}
    quirks: list[Quirk] = []
    for part in parts:
        for key, value in part.params.items():
            params.setdefault(key, value)
        for code, measurement in part.measurements.items():
            measurements.setdefault(code, measurement)
        quirks.extend(part.quirks)
    return replace(
        parts[0],
        pno=None,
        params=params,
        measurements=measurements,
        quirks=tuple(quirks),
        parts=tuple(parts),
    )


# ---------------------------------------------------------------------------------------------
# replies (docs/modules/hj212.md §4, 附录 C)


class ReplyKind(StrEnum):
    """What the platform sends back for a received packet (docs/modules/hj212.md §4.1)."""

    NONE = "none"
    DATA_ACK = "9014"
    REQUEST_ACK = "9013"


#: Device uploads the platform acknowledges with 9014 when A = 1 (docs/modules/hj212.md §4.1;
#: 表 C.14–C.44): every 2xxx data command (incl. noise, process and 2005 alarm variants) and these.
_UPLOADS: Final = frozenset({"3015", "3019", "3020"})
_INTERACTION_REPLIES: Final = frozenset({"9011", "9012", "9013", "9014"})


def is_heartbeat(packet: Packet) -> bool:
    """A device frame with CN 9015–9099 and an empty CP (docs/modules/hj212.md §6 item 11)."""
    return (
        packet.cn.startswith("90")
        and int(packet.cn[2:]) >= 15
        and not packet.params
        and not packet.measurements
    )


def reply_kind(packet: Packet) -> ReplyKind:
    """The decision table of docs/modules/hj212.md §4.1 for frames received from devices.

    * 9011–9014 (answers to the platform or its answers echoed): nothing;
    * 1013 time-calibration request: 9013, always (表 C.4), then a 1012 set-time request;
    * heartbeat (CN 9015–9099, empty CP) with A = 1: 9013 (doubt D10);
    * uploads — CN 2xxx, 3015, 3019, 3020 — with A = 1: 9014 (表 C.14–C.44; each sub-packet
      of a split upload on its own, 表 C.50); with A = 0 or no Flag (2005): nothing;
    * anything else (answers to our requests, Flag 4): nothing.

    A frame refused by :func:`parse_packet` (bad CRC under ``strict``) gets no answer (表 2).
    """
    if packet.cn in _INTERACTION_REPLIES:
        return ReplyKind.NONE
    if packet.cn == "1013":
        return ReplyKind.REQUEST_ACK
    if is_heartbeat(packet):
        return ReplyKind.REQUEST_ACK if packet.flag.ack else ReplyKind.NONE
    if packet.flag.ack and (packet.cn.startswith("2") or packet.cn in _UPLOADS):
        return ReplyKind.DATA_ACK
    return ReplyKind.NONE


def wants_answer(packet: Packet) -> bool:
    """Whether the packet asks for an answer the platform gives (:func:`reply_kind`)."""
    return reply_kind(packet) is not ReplyKind.NONE


def _segment(items: list[tuple[str, str | None]], cp: str) -> str:
    head = ";".join(f"{key}={value}" for key, value in items if value is not None)
    return f"{head};CP=&&{cp}&&"


def _reply_flag(packet: Packet) -> str:
    """Version bits of the received frame, A = 0, D = 0 (docs/modules/hj212.md §4.2)."""
    return str(packet.flag.version << 2)


def _echo_qn(packet: Packet, now: datetime) -> str:
    return packet.request_qn or format_qn(now)


def _reply_2017(packet: Packet, cn: str, cp: str, now: datetime) -> bytes:
    return frame(
        _segment(
            [
                ("QN", _echo_qn(packet, now)),
                ("ST", "91"),
                ("CN", cn),
                ("PW", packet.pw),
                ("MN", packet.mn),
                ("Flag", _reply_flag(packet)),
            ],
            cp,
        )
    )


def data_ack(packet: Packet, now: datetime, *, identity_2005: bool = False) -> bytes:
    """The 9014 data answer (docs/modules/hj212.md §4.2, 表 C.14, C.50), framed.

    2017 and later: ``QN=<received QN>;ST=91;CN=9014;PW=<PW>;MN=<MN>;Flag=<version bits>;CP=&&&&``.
    2005 (docs/modules/hj212.md §4.4, doubt D3): ``ST=91;CN=9014;CP=&&QN=<QN>;CN=<data CN>&&``, with
    PW and MN when ``identity_2005``. ``now`` supplies a QN when the packet has none (2005 uploads).

    >>> upload = parse_packet(b"##0061QN=20160801085857223;CN=2011;MN=A1;Flag=5;"
    ...                       b"CP=&&w01018-Rtd=1&&A001")
    >>> data_ack(upload, datetime(2024, 1, 1, tzinfo=BEIJING))
    b'##0055QN=20160801085857223;ST=91;CN=9014;MN=A1;Flag=4;CP=&&&&42C0\\r\\n'
    """
    if packet.edition is Edition.HJT_212_2005:
        return frame(
            _segment(
                [
                    ("ST", "91"),
                    ("CN", "9014"),
                    ("PW", packet.pw if identity_2005 else None),
                    ("MN", packet.mn if identity_2005 else None),
                ],
                f"QN={_echo_qn(packet, now)};CN={packet.cn}",
            )
        )
    return _reply_2017(packet, "9014", "", now)


def request_ack(packet: Packet, now: datetime) -> bytes:
    """The 9013 notification answer (表 C.4; docs/modules/hj212.md §4.1, §4.4), framed.

    2017 and later: as the 9014 form with ``CN=9013``. 2005: ``ST=91;CN=9013;PW=…;MN=…;
    CP=&&QN=<QN>&&`` (the request's QN inside CP).
    """
    if packet.edition is Edition.HJT_212_2005:
        return frame(
            _segment(
                [("ST", "91"), ("CN", "9013"), ("PW", packet.pw), ("MN", packet.mn)],
                f"QN={_echo_qn(packet, now)}",
            )
        )
    return _reply_2017(packet, "9013", "", now)


class QnRtn(StrEnum):
    """Request answer codes (表 7), sent in 9011."""

    READY = "1"
    REJECTED = "2"
    PW_ERROR = "3"
    MN_ERROR = "4"
    ST_ERROR = "5"
    FLAG_ERROR = "6"
    QN_ERROR = "7"
    CN_ERROR = "8"
    CRC_ERROR = "9"
    UNKNOWN = "100"


class ExeRtn(StrEnum):
    """Execution result codes (表 6), sent in 9012."""

    SUCCESS = "1"
    FAILED = "2"
    CONDITION_ERROR = "3"
    TIMEOUT = "4"
    BUSY = "5"
    SYSTEM_FAULT = "6"
    NO_DATA = "100"


def request_answer(packet: Packet, qn_rtn: QnRtn, now: datetime) -> bytes:
    """The 9011 request answer to a request (表 C.1; 2005 form with QN in CP, docs/modules/hj212.md
    §4.4).

    The platform never owes a device a 9011 (docs/modules/hj212.md §4.1: devices answer the
    platform's requests); this serves device simulators and tests.
    """
    if packet.edition is Edition.HJT_212_2005:
        return frame(
            _segment(
                [("ST", "91"), ("CN", "9011"), ("PW", packet.pw), ("MN", packet.mn), ("Flag", "0")],
                f"QN={_echo_qn(packet, now)};QnRtn={qn_rtn.value}",
            )
        )
    return _reply_2017(packet, "9011", f"QnRtn={qn_rtn.value}", now)


def execution_result(packet: Packet, exe_rtn: ExeRtn, now: datetime) -> bytes:
    """The 9012 execution result to a request (表 C.1; 2005 form, docs/modules/hj212.md §4.4)."""
    if packet.edition is Edition.HJT_212_2005:
        return frame(
            _segment(
                [("ST", "91"), ("CN", "9012"), ("PW", packet.pw), ("MN", packet.mn)],
                f"QN={_echo_qn(packet, now)};ExeRtn={exe_rtn.value}",
            )
        )
    return _reply_2017(packet, "9012", f"ExeRtn={exe_rtn.value}", now)


def set_time_request(packet: Packet, now: datetime, *, qn: str | None = None) -> bytes:
    """The 1012 set-time request that follows a 1013 (表 C.4; docs/modules/hj212.md §4.2): the
    device's ST, PW and MN, a fresh QN from ``now`` (or ``qn``), Flag = version bits + A, and
    ``SystemTime`` = ``now`` in Beijing time."""
    system_time = now.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")
    return frame(
        _segment(
            [
                ("QN", qn or format_qn(now)),
                ("ST", packet.st),
                ("CN", "1012"),
                ("PW", packet.pw),
                ("MN", packet.mn),
                ("Flag", str((packet.flag.version << 2) | 1)),
            ],
            f"SystemTime={system_time}",
        )
    )


def build_reply(packet: Packet, now: datetime) -> bytes | None:
    """The answer :func:`reply_kind` calls for, framed, or ``None``."""
    kind = reply_kind(packet)
    if kind is ReplyKind.DATA_ACK:
        return data_ack(packet, now)
    if kind is ReplyKind.REQUEST_ACK:
        return request_ack(packet, now)
    return None
