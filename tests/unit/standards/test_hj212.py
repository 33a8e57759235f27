"""HJ 212-2017 packets: the CRC of 附录 A (and its typo), framing on a TCP stream
(docs/modules/hj212.md §1.3), the header and CP fields (表 3, 表 4), data flags (表 8), the 2005
quirks and code mapping (附录 B), split packets (PNUM/PNO) and the platform's answers
(docs/modules/hj212.md §4). The packets are the test vectors of docs/modules/hj212.md §7, copied
byte for byte; vectors marked *constructed* are built here from a published one."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecociv.kernel.errors import ValidationError
from ecociv.standards.hj212 import (
    BEIJING,
    CrcPolicy,
    CrcStatus,
    CrcVariant,
    Edition,
    ExeRtn,
    Frame,
    Framer,
    Junk,
    JunkReason,
    Packet,
    ProtocolError,
    QnRtn,
    QuirkCode,
    Reassembler,
    ReplyKind,
    build_reply,
    check_crc,
    code_2017,
    crc16_hj212,
    crc16_modbus,
    data_ack,
    data_flag,
    execution_result,
    frame,
    normalize_code,
    parameter,
    parse_packet,
    parse_time,
    reply_kind,
    request_ack,
    request_answer,
    set_time_request,
    split_frame,
)

STRICT, TOLERANT = CrcPolicy.STRICT, CrcPolicy.TOLERANT
NOW = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=BEIJING)

# --- §7.1 positive vectors (verbatim) --------------------------------------------------------

T1 = (
    b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag="
    b"5;CP=&&RtdInterval=30&&1C80"
)

T2 = (
    b"##0435QN=20210301111100112;ST=21;CN=2011;PW=123456;MN=ZLDSZ20210127;Flag=8;CP=&&Data"
    b"Time=20210301111100;w01001-Rtd=8.33,w01001-Flag=N;w01009-Rtd=10.15,w01009-Flag=N;w01"
    b"010-Rtd=9.7,w01010-Flag=N;w01014-Rtd=1425,w01014-Flag=N;w01003-Rtd=13.10,w01003-Flag"
    b"=N;w21011-Rtd=0,w21011-Flag=N;w21001-Rtd=3.563168,w21001-Flag=N;w21003-Rtd=0.0905500"
    b"2,w21003-Flag=N;w01019-Rtd=4.102818,w01019-Flag=N;w01008-Rtd=0,w01008-Flag=N;w23002-"
    b"Rtd=0,w23002-Flag=N&&7d00"
)

T3 = (
    b"##0317QN=20191012133710130;ST=22;CN=2011;PW=123456;MN=Y80110010000010;Flag=4;CP=&&Da"
    b"taTime=20191012133710;a21005-Rtd=0.00,a21005-Flag=N;a21004-Rtd=0.00,a21004-Flag=N;a2"
    b"1007-Rtd=0.033,a21007-Flag=N;a21006-Rtd=0.036,a21006-Flag=N;a21001-Rtd=25.40,a21001-"
    b"Flag=N;a21003-Rtd=101.94,a21003-Flag=N;a21002-Rtd=49.20,a21002-Flag=N&&cc01"
)

T4 = (
    b"##0624QN=20180303110906001;ST=32;CN=2011;PW=123456;MN=8888888000114W;Flag=4;CP=&&Dat"
    b"aTime=20180303105900;a00000-Rtd=0.0000,a00000-Flag=D;a34013-Rtd=0.0000,a34013-ZsRtd="
    b"0.00,a34013-Flag=D;a21026-Rtd=0.0000,a21026-ZsRtd=0.00,a21026-Flag=D;a21002-Rtd=0.00"
    b"00,a21002-ZsRtd=0.00,a21002-Flag=D;a21005-Rtd=0.0000,a21005-ZsRtd=0.00,a21005-Flag=D"
    b";a21018-Rtd=0.0000,a21018-ZsRtd=0.00,a21018-Flag=D;a21024-Rtd=0.0000,a21024-ZsRtd=0."
    b"00,a21024-Flag=D;a19001-Rtd=0.0000,a19001-Flag=D;a01011-Rtd=0.0000,a01011-Flag=D;a01"
    b"012-Rtd=0.0000,a01012-Flag=D;a01017-Rtd=0.0000,a01017-Flag=D;a01014-Rtd=0.0000,a0101"
    b"4-Flag=D;a01013-Rtd=0.0000,a01013-Flag=D&&2A80"
)

T5 = (
    b"##0979QN=20180303104513001;ST=32;CN=2051;PW=123456;MN=88888880000137;Flag=6;PNUM=2;P"
    b"NO=2;CP=&&DataTime=20180303101200;a21018-Cou=0.00,a21018-Min=0.00,a21018-Avg=0.00,a2"
    b"1018-Max=0.00,a21018-ZsMin=0.00,a21018-ZsAvg=0.00,a21018-ZsMax=0.00,a21018-Flag=D;a2"
    b"1024-Cou=0.00,a21024-Min=0.00,a21024-Avg=0.00,a21024-Max=0.00,a21024-ZsMin=0.00,a210"
    b"24-ZsAvg=0.00,a21024-ZsMax=0.00,a21024-Flag=D;a19001-Cou=0.0000,a19001-Min=0.0000,a1"
    b"9001-Avg=0.0000,a19001-Max=0.0000,a19001-Flag=D;a01011-Cou=0.0000,a01011-Min=0.0000,"
    b"a01011-Avg=0.0000,a01011-Max=0.0000,a01011-Flag=D;a01012-Cou=0.0000,a01012-Min=0.000"
    b"0,a01012-Avg=0.0000,a01012-Max=0.0000,a01012-Flag=D;a01017-Cou=0.0000,a01017-Min=0.0"
    b"000,a01017-Avg=0.0000,a01017-Max=0.0000,a01017-Flag=D;a01014-Cou=0.0000,a01014-Min=0"
    b".0000,a01014-Avg=0.0000,a01014-Max=0.0000,a01014-Flag=D;a01013-Cou=0.0000,a01013-Min"
    b"=0.0000,a01013-Avg=0.0000,a01013-Max=0.0000,a01013-Flag=D;w01018-Cou=0.0000,w01018-M"
    b"in=0.0000,w01018-Avg=0.0000,w01018-Max=0.0000,w01018-Flag=D&&E981"
)

T6 = b"##0078QN=20201008154743635;ST=91;CN=9014;PW=123456;MN=SD000001;Flag=9;CP=&&QnRtn=1&&71c0"

T11 = (
    b"##0218ST=32;CN=2011;PW=123456;,MN=88888881234567;FLAG=0;CP=&&DataTime=20180306120000"
    b";001-Rtd=6.951,001-Flag=N;060-Rtd=23.400,060-Flag=N;011-Rtd=134.119,011-Flag=N;B01-R"
    b"td=382.222,B01-Flag=N;B00-Rtd=156720160.000,B00-Flag=N&&2940"
)

T13 = (
    b"##1045ST=31;CN=2051;PW=123456;MN=756877X7916010;Flag=2;PNUM=2;PNO=1;CP=&&DataTime=20"
    b"180303102200;B02-Min=0.0000,B02-Avg=0.0000,B02-Max=0.0000,B02-Cou=0.0000,B02-Flag=D;"
    b"30-Min=109.8557,30-Avg=109.8712,30-Max=109.8885,30-Cou=0.0000,30-Flag=N;31-Min=103.4"
    b"228,31-Avg=103.4489,31-Max=103.4723,31-Cou=0.0000,31-Flag=N;32-Min=102.8947,32-Avg=1"
    b"02.9123,32-Max=102.9281,32-Cou=0.0000,32-Flag=N;33-Min=1003.0443,33-Avg=1003.0705,33"
    b"-Max=1003.0940,33-Cou=0.0000,33-Flag=T;34-Min=1003.1765,34-Avg=1003.1824,34-Max=1003"
    b".2093,34-Cou=0.0000,34-Flag=T;35-Min=102.8606,35-Avg=102.8729,35-Max=102.8770,35-Cou"
    b"=0.0000,35-Flag=N;36-Min=102.9935,36-Avg=103.0101,36-Max=103.0268,36-Cou=0.0000,36-F"
    b"lag=N;37-Min=103.2597,37-Avg=103.2753,37-Max=103.2928,37-Cou=0.0000,37-Flag=N;01-Min"
    b"=0.00,01-Avg=0.00,01-Max=0.00,01-Cou=0.00,01-ZsMin=0.00,01-ZsAvg=0.00,01-ZsMax=0.00,"
    b"01-Flag=D;02-Min=0.00,02-Avg=0.00,02-Max=0.00,02-Cou=0.00,02-ZsMin=0.00,02-ZsAvg=0.0"
    b"0,02-ZsMax=0.00,02-Flag=D;03-Min=0.00,03-Avg=0.00,03-Max=0.00,03-Cou=0.00,03-ZsMin=0"
    b".00,03-ZsAvg=0.00,03-ZsMax=0.00,03-Flag=D&&AB41"
)

T14 = b"##0069QN=20230723080035006;ST=91;CN=9021;PW=123456;MN=000201;Flag=4;CP=&&&&BDC1"

T16 = (
    "##0152QN=20160801085857223;ST=32;CN=3020;PW=123456;MN=010000A8900016F000169DC0;Flag="
    "5;CP=&&DataTime=20100301145000;PolId=w01018;i11001-Info=//清洗管路//&&9741"
).encode()

# --- §7.2 negative vectors ---------------------------------------------------------------------

N5 = (
    b"##0086QN=20170516010101001;ST=22;CN=1072;PW=123456;MN=ABCDEFG1234567;Flag=3;"
    b"CP=&&PW=654321&&E476"
)
N5_9013 = b"##0076ST=91;CN=9013;PW=123456;MN=ABCDEFG1234567;Flag=0;CP=&&QN=20170516010101001&&1CBA"


def data_segment(packet: bytes) -> bytes:
    """The data segment of a well-formed vector (between the length field and the CRC)."""
    return packet[6:-4]


def rewrap(segment: bytes, *, length: int | None = None, crc: str | None = None) -> bytes:
    """A frame with a chosen length field and CRC text (*constructed* vectors)."""
    declared = len(segment) if length is None else length
    check = f"{crc16_hj212(segment):04X}" if crc is None else crc
    return b"##%04d" % declared + segment + check.encode()


# =============================================================================================
# CRC — 附录 A, docs/modules/hj212.md §2


def test_crc_of_the_appendix_a_example_is_1c80_not_the_1c08_printed_in_the_prose() -> None:
    segment = data_segment(T1)
    assert len(segment) == 101
    assert crc16_hj212(segment) == 0x1C80
    assert crc16_hj212(segment) != 0x1C08
    assert crc16_modbus(segment) == 0x0759  # docs/modules/hj212.md §7.1 T1: "Modbus would be 0759"


@pytest.mark.parametrize(
    ("vector", "crc"),
    [
        ("T1", 0x1C80),
        ("T2", 0x7D00),
        ("T3", 0xCC01),
        ("T4", 0x2A80),
        ("T5", 0xE981),
        ("T6", 0x71C0),
        ("T11", 0x2940),
        ("T13", 0xAB41),
        ("T14", 0xBDC1),
        ("T16", 0x9741),
    ],
)
def test_crc_of_every_positive_vector(vector: str, crc: int) -> None:
    packet = globals()[vector]
    segment = data_segment(packet)
    assert int(packet[2:6]) == len(segment)
    assert crc16_hj212(segment) == crc


def test_the_crc_is_an_8_bit_check_whose_low_byte_is_one_of_eight_values() -> None:
    """Notes §2.2: only the old high byte survives each step, so the low byte of every HJ 212
    CRC is one of 00 01 40 41 80 81 C0 C1."""
    values = {
        crc16_hj212(bytes([a, b, c])) for a in range(0, 256, 7) for b in (0, 99) for c in range(256)
    }
    assert {value & 0xFF for value in values} <= {0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xC0, 0xC1}
    assert len(values) <= 256


def test_non_ascii_crc_is_over_utf8_bytes_and_the_code_unit_and_gbk_values_differ() -> None:
    """T16: UTF-8 152 bytes CRC 9741; UTF-16 code units (144 chars) 35C0; GBK 148 bytes DEC1."""
    text = data_segment(T16).decode("utf-8")
    assert len(text.encode("utf-8")) == 152 and len(text) == 144
    assert crc16_hj212(text.encode("utf-8")) == 0x9741
    assert crc16_hj212(ord(char) for char in text) == 0x35C0
    assert len(text.encode("gbk")) == 148 and crc16_hj212(text.encode("gbk")) == 0xDEC1


def test_check_crc_recognises_each_wild_variant() -> None:
    segment = data_segment(T1)
    hj, modbus = crc16_hj212(segment), crc16_modbus(segment)

    def variant(declared: str, length_field: bytes = b"") -> tuple[CrcStatus, CrcVariant | None]:
        verdict = check_crc(segment, declared, length_field=length_field)
        return verdict.status, verdict.variant

    assert variant("1C80") == (CrcStatus.OK, CrcVariant.HJ212)
    assert variant("1c80") == (CrcStatus.OK, CrcVariant.HJ212)
    assert variant(f"{modbus:04X}") == (CrcStatus.VARIANT, CrcVariant.MODBUS)
    swapped_modbus = ((modbus & 0xFF) << 8) | (modbus >> 8)
    assert variant(f"{swapped_modbus:04X}") == (CrcStatus.VARIANT, CrcVariant.MODBUS_SWAPPED)
    assert variant(f"{((hj & 0xFF) << 8) | (hj >> 8):04X}") == (
        CrcStatus.VARIANT,
        CrcVariant.HJ212_SWAPPED,
    )
    over_header = crc16_hj212(b"##0101" + segment)
    assert variant(f"{over_header:04X}", b"0101") == (CrcStatus.VARIANT, CrcVariant.HEADER_INCLUDED)
    assert check_crc(segment, None).status is CrcStatus.MISSING
    bad = check_crc(segment, "0B40")
    assert (bad.status, bad.variant, bad.expected) == (CrcStatus.BAD, None, "1C80")
    assert check_crc(segment, "zz12").status is CrcStatus.BAD


def test_crc_policy_strict_accepts_only_hj212_tolerant_adds_variants_and_missing() -> None:
    segment = data_segment(T1)
    ok = check_crc(segment, "1c80")
    modbus = check_crc(segment, "0759")
    missing = check_crc(segment, None)
    bad = check_crc(segment, "0000")
    assert ok.lowercase
    assert [v.accepted(STRICT) for v in (ok, modbus, missing, bad)] == [True, False, False, False]
    assert [v.accepted(TOLERANT) for v in (ok, modbus, missing, bad)] == [True, True, True, False]


def test_frame_writes_length_and_crc_over_utf8_bytes() -> None:
    assert frame(data_segment(T1).decode()) == T1 + b"\r\n"
    assert frame(data_segment(T16)) == T16 + b"\r\n"
    with pytest.raises(ValidationError):
        frame(b"x" * 10_000)


# =============================================================================================
# positive vectors — docs/modules/hj212.md §7.1


def test_t1_appendix_a_set_realtime_interval() -> None:
    packet = parse_packet(T1)
    assert (packet.qn, packet.st, packet.cn, packet.pw) == (
        "20160801085857223",
        "32",
        "1062",
        "100000",
    )
    assert packet.mn == "010000A8900016F000169DC0"
    assert (packet.flag.value, packet.flag.version, packet.flag.split, packet.flag.ack) == (
        5,
        1,
        False,
        True,
    )
    assert packet.edition is Edition.HJ_212_2017
    assert dict(packet.params) == {"RtdInterval": "30"}
    assert packet.measurements == {}
    assert packet.crc.status is CrcStatus.OK and packet.crc.declared == "1C80"
    assert packet.quirks == ()
    assert reply_kind(packet) is ReplyKind.NONE  # a platform request: the device answers it


def test_t2_surface_water_flag_8_lower_case_crc() -> None:
    packet = parse_packet(T2)
    assert (packet.st, packet.cn, packet.mn, packet.flag.value) == (
        "21",
        "2011",
        "ZLDSZ20210127",
        8,
    )
    assert packet.flag.version == 2 and not packet.flag.ack
    assert packet.edition is Edition.V2
    assert packet.data_time == datetime(2021, 3, 1, 11, 11, 0, tzinfo=BEIJING)
    assert len(packet.measurements) == 11
    assert packet.measurements["w01001"].values == {"Rtd": Decimal("8.33")}
    assert packet.measurements["w01001"].flag == "N"
    assert packet.measurements["w21003"].value("Rtd") == Decimal("0.09055002")
    assert packet.measurements["w01014"].value("Rtd") == 1425
    assert packet.measurements["w01003"].texts == {"Rtd": "13.10", "Flag": "N"}
    assert packet.crc.variant is CrcVariant.HJ212 and packet.crc.declared == "7d00"
    assert packet.has(QuirkCode.CRC_LOWERCASE)
    assert reply_kind(packet) is ReplyKind.NONE


def test_t3_ambient_air_realtime() -> None:
    packet = parse_packet(T3)
    assert (packet.st, packet.cn, packet.mn, packet.flag.value) == (
        "22",
        "2011",
        "Y80110010000010",
        4,
    )
    assert list(packet.measurements) == [
        "a21005",
        "a21004",
        "a21007",
        "a21006",
        "a21001",
        "a21003",
        "a21002",
    ]
    assert packet.measurements["a21003"].value("Rtd") == Decimal("101.94")
    assert packet.measurements["a21007"].value("Rtd") == Decimal("0.033")
    assert all(
        m.flag == "N" and m.flag_info and m.flag_info.valid for m in packet.measurements.values()
    )


def test_t4_cems_realtime_with_converted_values_and_flag_d() -> None:
    packet = parse_packet(T4)
    assert (packet.st, packet.cn, packet.mn) == ("32", "2011", "8888888000114W")
    assert len(packet.measurements) == 13
    so2 = packet.measurements["a21026"]
    assert so2.texts == {"Rtd": "0.0000", "ZsRtd": "0.00", "Flag": "D"}
    assert so2.values == {"Rtd": Decimal("0.0000"), "ZsRtd": Decimal("0.00")}
    assert str(so2.values["Rtd"]) == "0.0000"  # the text is kept exactly
    assert so2.flag_info is not None and so2.flag_info.valid is False
    assert so2.flag_info.name_en == "instrument fault"
    assert packet.measurements["a19001"].texts == {"Rtd": "0.0000", "Flag": "D"}
    # classified by its codes (gas), not by ST=32
    assert {parameter(code).medium for code in packet.measurements} == {"gas"}


def test_t5_split_minute_packet_flag_6() -> None:
    packet = parse_packet(T5)
    assert (packet.cn, packet.mn, packet.flag.value) == ("2051", "88888880000137", 6)
    assert (packet.flag.version, packet.flag.split, packet.flag.ack) == (1, True, False)
    assert (packet.pnum, packet.pno) == (2, 2) and packet.is_split
    assert len(packet.measurements) == 9
    hcl = packet.measurements["a21024"]
    assert set(hcl.values) == {"Cou", "Min", "Avg", "Max", "ZsMin", "ZsAvg", "ZsMax"}
    assert packet.measurements["w01018"].value("Avg") == Decimal(0)
    assert reply_kind(packet) is ReplyKind.NONE


def test_t6_non_standard_9014_with_flag_9() -> None:
    packet = parse_packet(T6)
    assert (packet.st, packet.cn, packet.mn, packet.flag.value) == ("91", "9014", "SD000001", 9)
    assert packet.flag.ack and packet.flag.version == 2
    assert dict(packet.params) == {"QnRtn": "1"}
    assert reply_kind(packet) is ReplyKind.NONE  # never answer an answer


def test_t11_malformed_2005_realtime_is_read_by_the_tolerance_rules() -> None:
    packet = parse_packet(T11)
    assert packet.qn is None and packet.mn == "88888881234567"
    assert packet.flag.value == 0 and packet.flag.present
    assert packet.edition is Edition.HJT_212_2005
    assert packet.header["Flag"] == "0"
    assert {code: m.code_2017 for code, m in packet.measurements.items()} == {
        "001": "w01001",
        "060": "w21003",
        "011": "w01018",
        "B01": "w00000",
        "B00": None,
    }
    assert packet.measurements["001"].value("Rtd") == Decimal("6.951")
    assert packet.measurements["060"].value("Rtd") == Decimal("23.400")
    assert packet.measurements["011"].value("Rtd") == Decimal("134.119")
    assert packet.measurements["B00"].texts["Rtd"] == "156720160.000"
    codes = {quirk.code: quirk for quirk in packet.quirks}
    assert codes[QuirkCode.HEADER_EMPTY_ITEM].offset == 30  # the ',' of ";,MN"
    assert codes[QuirkCode.HEADER_KEY_CASE].detail == "FLAG"
    assert codes[QuirkCode.UNMAPPED_CODE].detail == "B00"
    assert QuirkCode.QN_MISSING in codes
    assert reply_kind(packet) is ReplyKind.NONE


def test_t13_2005_split_packet_longer_than_1024_is_accepted_as_oversize() -> None:
    packet = parse_packet(T13)
    assert len(packet.frame.data) == 1045
    assert (packet.st, packet.cn, packet.mn, packet.flag.value) == (
        "31",
        "2051",
        "756877X7916010",
        2,
    )
    assert packet.edition is Edition.HJT_212_2005 and packet.flag.split and not packet.flag.ack
    assert (packet.pnum, packet.pno) == (2, 1)
    assert packet.has(QuirkCode.OVERSIZE)
    assert len(packet.measurements) == 12
    assert packet.measurements["B02"].code_2017 == "a00000"
    assert packet.measurements["33"].flag == "T"
    assert packet.measurements["33"].value("Max") == Decimal("1003.0940")
    assert packet.measurements["01"].value("ZsAvg") == Decimal("0.00")


def test_t14_vendor_heartbeat_9021_with_empty_cp() -> None:
    packet = parse_packet(T14)
    assert (packet.cn, packet.mn, packet.flag.value) == ("9021", "000201", 4)
    assert packet.params == {} and packet.measurements == {}
    assert reply_kind(packet) is ReplyKind.NONE  # A = 0


def test_t16_utf8_log_text_keeps_its_separators() -> None:
    packet = parse_packet(T16)
    assert packet.cn == "3020" and packet.flag.ack
    assert dict(packet.params) == {"DataTime": "20100301145000", "PolId": "w01018"}
    assert packet.measurements["i11001"].texts == {"Info": "//清洗管路//"}
    assert packet.measurements["i11001"].offset == 6 + 122
    assert reply_kind(packet) is ReplyKind.DATA_ACK


def test_t16_in_gbk_is_read_with_the_gb18030_fallback() -> None:
    """*Constructed*: the T16 segment encoded GBK (148 bytes, CRC DEC1; docs/modules/hj212.md
    §6 item 17)."""
    segment = data_segment(T16).decode("utf-8").encode("gbk")
    packet = parse_packet(rewrap(segment))
    assert packet.crc.expected == "DEC1"
    assert packet.measurements["i11001"].texts["Info"] == "//清洗管路//"
    assert packet.has(QuirkCode.GB18030_TEXT)


def test_t16_with_length_and_crc_over_characters_is_accepted_only_when_tolerant() -> None:
    """*Constructed*: what Java/C#/Qt devices send — L = 144 characters, CRC 35C0."""
    packet = rewrap(data_segment(T16), length=144, crc="35C0") + b"\r\n"
    with pytest.raises(ProtocolError) as refused:
        parse_packet(packet, crc_policy=STRICT)
    assert refused.value.reason == "crc_variant"
    accepted = parse_packet(packet, crc_policy=TOLERANT)
    assert accepted.crc.variant is CrcVariant.CODE_UNITS
    assert accepted.has(QuirkCode.LENGTH_MISMATCH) and accepted.has(QuirkCode.CRC_VARIANT)


# =============================================================================================
# negative vectors — docs/modules/hj212.md §7.2


def test_n5_modbus_crc_is_refused_when_strict_and_accepted_when_tolerant() -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_packet(N5, crc_policy=STRICT)
    error = refused.value
    assert (error.reason, error.field, error.offset) == ("crc_variant", "CRC", 6 + 86)
    assert error.crc is not None and error.crc.variant is CrcVariant.MODBUS
    assert error.crc.expected == "E681"
    assert error.mn == "ABCDEFG1234567"
    packet = parse_packet(N5, crc_policy=TOLERANT)
    assert packet.crc.variant is CrcVariant.MODBUS
    assert packet.has(QuirkCode.CRC_VARIANT)
    assert packet.params["PW"] == "654321"  # 2005: the new password travels as PW inside CP
    assert packet.flag.value == 3 and packet.edition is Edition.HJT_212_2005
    assert packet.has(QuirkCode.FLAG_D_WITHOUT_PNUM) and packet.pnum is None  # doubt D4


def test_n5_2005_style_9013_carries_the_request_qn_inside_cp() -> None:
    packet = parse_packet(N5_9013, crc_policy=TOLERANT)
    assert packet.crc.variant is CrcVariant.MODBUS
    assert packet.qn is None and packet.request_qn == "20170516010101001"


def test_n4_wrong_length_field_is_refused_when_strict_flagged_when_tolerant() -> None:
    """*Constructed* like N4 (declared 3 bytes short): T3's segment with L - 3."""
    segment = data_segment(T3)
    packet = rewrap(segment, length=len(segment) - 3) + b"\r\n"
    with pytest.raises(ProtocolError) as refused:
        parse_packet(packet, crc_policy=STRICT)
    assert (refused.value.reason, refused.value.offset, refused.value.field) == (
        "length_mismatch",
        2,
        "length",
    )
    accepted = parse_packet(packet, crc_policy=TOLERANT)
    mismatch = next(q for q in accepted.quirks if q.code is QuirkCode.LENGTH_MISMATCH)
    assert mismatch.detail == f"declared {len(segment) - 3}, actual {len(segment)}"
    assert accepted.measurements["a21002"].value("Rtd") == Decimal("49.20")


def test_n4_wrong_length_and_wrong_crc_is_refused_under_both_policies() -> None:
    """*Constructed* like N4: L declared short and a CRC that matches no algorithm (0b40)."""
    segment = data_segment(T3)
    packet = rewrap(segment, length=len(segment) - 3, crc="0b40") + b"\r\n"
    for policy in (STRICT, TOLERANT):
        with pytest.raises(ProtocolError) as refused:
            parse_packet(packet, crc_policy=policy)
        assert refused.value.reason == "crc_mismatch"
        assert refused.value.offset == 6 + len(segment)
        assert any(q.code is QuirkCode.LENGTH_MISMATCH for q in refused.value.quirks)


def test_stale_crc_of_a_template_is_refused_even_when_tolerant() -> None:
    """Notes §2.4: code that hard-codes a template's CRC while changing QN."""
    stale = T1.replace(b"QN=20160801085857223", b"QN=20160801085857224")
    for policy in (STRICT, TOLERANT):
        with pytest.raises(ProtocolError) as refused:
            parse_packet(stale, crc_policy=policy)
        assert refused.value.reason == "crc_mismatch"


@pytest.mark.parametrize(
    ("segment", "reason", "field", "index"),
    [
        (b"QN=1;ST=32;PW=1;MN=A;Flag=4;CP=&&&&", "cn_missing", "CN", 0),
        (b"QN=1;ST=32;CN=20x1;MN=A;CP=&&&&", "cn_format", "CN", 14),
        (b"ST=32;CN=2011;MN=A;Flag=x5;CP=&&&&", "flag_format", "Flag", 24),
        (b"ST=32;CN=2011;MN=A;Flag=256;CP=&&&&", "flag_format", "Flag", 24),
        (b"ST=32;CN=2011;MN=A;Flag=6;PNUM=2;PNO=3;CP=&&&&", "split_numbers", "PNO", 37),
        (b"ST=32;CN=2011;MN=A;Flag=6;PNUM=2;PNO=0;CP=&&&&", "split_numbers", "PNO", 37),
        (b"ST=32;CN=2011;MN=A;Flag=6;PNUM=x;PNO=1;CP=&&&&", "split_format", "PNUM", 31),
        (b"ST=32;CN=2011;MN=A B;CP=&&&&", "mn_format", "MN", 17),
        (b"ST=32;CN=2011;MN=A;Flag=4", "cp_missing", "CP", 25),
        (b"ST=32;CN=2011;MN=A;CP=&&DataTime=2016080108&&", "bad_datatime", "DataTime", 24),
    ],
)
def test_structural_errors_name_their_field_and_byte_offset(
    segment: bytes, reason: str, field: str, index: int
) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_packet(rewrap(segment), crc_policy=STRICT)
    assert (refused.value.reason, refused.value.field, refused.value.offset) == (
        reason,
        field,
        6 + index,
    )
    assert "(" in refused.value.message  # Chinese first, English in parentheses


def test_bad_datatime_is_flagged_not_refused_when_tolerant() -> None:
    packet = parse_packet(
        rewrap(b"ST=32;CN=2011;MN=A;CP=&&DataTime=2016080108&&"), crc_policy=TOLERANT
    )
    assert packet.data_time is None and packet.has(QuirkCode.BAD_DATATIME)


def test_framing_refusals_of_one_packet() -> None:
    with pytest.raises(ProtocolError) as no_header:
        split_frame(b"#0101QN=1")
    assert (no_header.value.reason, no_header.value.offset) == ("no_header", 0)
    with pytest.raises(ProtocolError) as bad_length:
        split_frame(b"##01a1QN=1;CP=&&&&1C80")
    assert (bad_length.value.reason, bad_length.value.offset) == ("bad_length", 2)
    with pytest.raises(ProtocolError) as unterminated:
        split_frame(b"##0010QN=1;CP=&&x")
    assert unterminated.value.reason == "unterminated_cp"


def test_header_tolerance_rules() -> None:
    """Notes §3.1: ',' for ';', spaces, missing ';' before CP (表 C.19), unknown keys kept,
    PNO before PNUM, keys by name never by position."""
    segment = (
        b"PNO=1 ,QN=20160801085857534,ST=32;CN=2061;PW=123456;MN=AB;XX=7;Flag=7;PNUM=2"
        b"CP=&& w01018-Avg = 40.1 ;w01018-Flag=N&&"
    )
    packet = parse_packet(rewrap(segment))
    assert (packet.qn, packet.cn, packet.pnum, packet.pno) == ("20160801085857534", "2061", 2, 1)
    assert packet.header["XX"] == "7"
    assert packet.measurements["w01018"].value("Avg") == Decimal("40.1")
    found = {quirk.code for quirk in packet.quirks}
    assert {
        QuirkCode.HEADER_COMMA,
        QuirkCode.HEADER_SPACES,
        QuirkCode.UNKNOWN_HEADER_KEY,
        QuirkCode.MISSING_SEPARATOR_BEFORE_CP,
    } <= found


def test_cp_values_grouped_by_code_not_by_separator_and_bad_numbers_kept_as_text() -> None:
    segment = (
        b"ST=22;CN=2061;MN=A;Flag=4;CP=&&DataTime=20170303000000;BeginTime=1,EndTime=2;"
        b"a01001-Avg=7.2,a01001-Max=9.70;a01001-Min=2.3,a01001-Flag=N;a01013-Avg=-0.026;"
        b"a21026-Avg=NaN;a21026-Flag=Q&&"
    )
    packet = parse_packet(rewrap(segment))
    assert packet.measurements["a01001"].values == {
        "Avg": Decimal("7.2"),
        "Max": Decimal("9.70"),
        "Min": Decimal("2.3"),
    }
    assert packet.measurements["a01013"].value("Avg") == Decimal("-0.026")
    assert packet.params["EndTime"] == "2"
    so2 = packet.measurements["a21026"]
    assert so2.values == {} and so2.texts["Avg"] == "NaN"
    assert so2.flag == "Q" and so2.flag_info is None
    assert packet.has(QuirkCode.BAD_NUMBER) and packet.has(QuirkCode.UNKNOWN_DATA_FLAG)


def test_data_flags_differ_between_2017_and_2005() -> None:
    """表 8 (2017) and the 2005 table: F = instrument stopped vs emission source stopped; B new in
    2017; P only in 2005; 0–3 only for 2005 air stations (docs/modules/hj212.md §3.7)."""
    assert data_flag("F", Edition.HJ_212_2017).name_zh == "在线监控（监测）仪器仪表停运"  # type: ignore[union-attr]
    assert data_flag("F", Edition.HJT_212_2005).name_zh == "排放源停运"  # type: ignore[union-attr]
    assert data_flag("B", Edition.HJ_212_2017) is not None
    assert data_flag("B", Edition.HJT_212_2005) is None
    assert data_flag("P", Edition.HJ_212_2017) is None
    assert data_flag("3", Edition.HJT_212_2005).valid is True  # type: ignore[union-attr]
    assert [data_flag(f, Edition.HJ_212_2017).valid for f in "NFMSDCTB"] == [  # type: ignore[union-attr]
        True,
        False,
        False,
        None,
        False,
        False,
        False,
        False,
    ]


# =============================================================================================
# framing on a stream — docs/modules/hj212.md §1.3, §7.3


def frames_of(events: list[Frame | Junk]) -> list[Frame]:
    return [event for event in events if isinstance(event, Frame)]


def test_s1_two_packets_in_one_read() -> None:
    events = Framer().feed(T1 + b"\r\n" + T14 + b"\r\n")
    assert [f.crc_text for f in frames_of(events)] == ["1C80", "BDC1"]
    assert [f.offset for f in frames_of(events)] == [0, len(T1) + 2]
    assert all(isinstance(event, Frame) for event in events)


def test_s2_a_packet_split_at_every_byte_then_a_second_split_across_reads() -> None:
    one, two = T1 + b"\r\n", T14 + b"\r\n"
    for cut in range(1, len(one)):
        framer = Framer()
        events = framer.feed(one[:cut]) + framer.feed(one[cut:] + two[:7]) + framer.feed(two[7:])
        assert [f.crc_text for f in frames_of(events)] == ["1C80", "BDC1"], cut
        assert len(events) == 2 and framer.pending == 0


def test_s3_junk_before_a_packet_is_one_garbage_chunk_at_offset_0() -> None:
    junk = bytes([0x00, 0xFF, 0x41, 0x54, 0x2B, 0x4F, 0x4B, 0x0D, 0x0A])
    events = Framer().feed(junk + T1 + b"\r\n")
    assert events[0] == Junk(0, junk, JunkReason.GARBAGE)
    assert len(events) == 2 and isinstance(events[1], Frame) and events[1].offset == 9


def test_s4_packet_without_crc_frames_with_crc_missing() -> None:
    stream = b"##0101" + data_segment(T1) + b"\r\n"
    (only,) = Framer().feed(stream)
    assert isinstance(only, Frame)
    assert only.crc_text is None and only.has(QuirkCode.CRC_MISSING)
    assert only.data == data_segment(T1)
    with pytest.raises(ProtocolError) as refused:
        parse_packet(only, crc_policy=STRICT)
    assert refused.value.reason == "crc_missing"
    assert parse_packet(only, crc_policy=TOLERANT).crc.status is CrcStatus.MISSING


def test_s5_lower_case_crc_is_accepted_as_hj212() -> None:
    (only,) = Framer().feed(T1[:-4] + b"1c80\r\n")
    assert isinstance(only, Frame)
    packet = parse_packet(only, crc_policy=STRICT)
    assert packet.crc.variant is CrcVariant.HJ212 and packet.crc.status is CrcStatus.OK


def test_bad_length_drops_the_two_header_bytes_and_resyncs() -> None:
    events = Framer().feed(b"##AB12" + T14 + b"\r\n")
    assert events[0] == Junk(0, b"##", JunkReason.BAD_LENGTH)
    assert events[1] == Junk(2, b"AB12", JunkReason.GARBAGE)
    assert isinstance(events[2], Frame) and events[2].offset == 6


def test_a_run_of_hashes_is_junk_up_to_the_last_two() -> None:
    events = Framer().feed(b"#" + T14 + b"\r\n")  # "###0069…"
    assert events[0] == Junk(0, b"#", JunkReason.GARBAGE)
    assert isinstance(events[1], Frame) and events[1].crc_text == "BDC1"


def test_a_half_sent_frame_is_cut_off_by_the_next_header() -> None:
    half = T1[:50]
    events = Framer().feed(half + T14 + b"\r\n")
    assert events[0] == Junk(0, half, JunkReason.TRUNCATED)
    assert isinstance(events[1], Frame) and events[1].offset == 50


def test_lf_only_trailer_and_over_declared_length_use_the_tolerant_path() -> None:
    framer = Framer()
    (lf_only,) = framer.feed(T1 + b"\n")
    assert isinstance(lf_only, Frame) and lf_only.has(QuirkCode.LF_TRAILER)
    assert lf_only.crc_text == "1C80"
    segment = data_segment(T14)
    (plus_six,) = framer.feed(rewrap(segment, length=len(segment) + 6) + b"\r\n")
    assert isinstance(plus_six, Frame) and plus_six.has(QuirkCode.LENGTH_MISMATCH)
    assert plus_six.offset == len(T1) + 1
    assert parse_packet(plus_six, crc_policy=TOLERANT).cn == "9021"


def test_a_line_that_does_not_end_the_cp_is_unterminated() -> None:
    events = Framer().feed(b"##0005hello world\r\n" + T14 + b"\r\n")
    assert events[0] == Junk(0, b"##0005hello world\r\n", JunkReason.UNTERMINATED_CP)
    assert isinstance(events[1], Frame)


def test_a_frame_without_end_is_dropped_past_the_largest_frame() -> None:
    framer = Framer(max_frame_bytes=200)
    assert framer.feed(b"##9999" + b"x" * 150) == []
    events = framer.feed(b"y" * 100)
    assert events[0] == Junk(0, b"##", JunkReason.OVERFLOW)
    assert framer.flush() == []  # the rest was garbage


def test_flush_reports_a_frame_cut_by_the_end_of_the_stream() -> None:
    framer = Framer()
    assert framer.feed(T1[:40]) == []
    assert framer.flush() == [Junk(0, T1[:40], JunkReason.TRUNCATED)]


def test_a_single_trailing_hash_is_kept_for_the_next_read() -> None:
    framer = Framer()
    assert framer.feed(b"xyz#") == [Junk(0, b"xyz", JunkReason.GARBAGE)]
    assert framer.pending == 1
    (only,) = framer.feed(T14[1:] + b"\r\n")
    assert isinstance(only, Frame) and only.offset == 3 and only.raw == T14 + b"\r\n"


STREAM_PARTS = [
    b"\x00\xffAT+OK\r\n",
    T1 + b"\r\n",
    T14 + b"\r\n",
    b"#x\r\n",
    T16 + b"\r\n",
]
STREAM = b"".join(STREAM_PARTS)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=12))
def test_any_split_of_a_stream_of_three_frames_with_junk_yields_the_same_frames(
    cuts: list[int],
) -> None:
    framer = Framer()
    events: list[Frame | Junk] = []
    bounds = [0, *sorted(cuts), len(STREAM)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        events += framer.feed(STREAM[start:end])
    events += framer.flush()
    frames = frames_of(events)
    assert [f.raw for f in frames] == [T1 + b"\r\n", T14 + b"\r\n", T16 + b"\r\n"]
    assert [f.offset for f in frames] == [9, 9 + len(T1) + 2, STREAM.index(T16)]
    junk = [event for event in events if isinstance(event, Junk)]
    assert all(j.reason is JunkReason.GARBAGE for j in junk)
    assert b"".join(j.data for j in junk) == STREAM_PARTS[0] + STREAM_PARTS[3]
    for piece in junk:
        assert STREAM[piece.offset : piece.offset + len(piece.data)] == piece.data


# =============================================================================================
# split packets — docs/modules/hj212.md §1.4


def split_part(qn: str, pno: int, groups: str) -> Packet:
    segment = (
        f"QN={qn};ST=32;CN=2051;PW=123456;MN=010000A8900016F000169DC0;Flag=7;PNUM=2;PNO={pno};"
        f"CP=&&DataTime=20160801084000;{groups}&&"
    )
    return parse_packet(frame(segment))


PART_1 = split_part(
    "20160801085857534", 1, "w00000-Cou=10.5,w00000-Flag=N;w01001-Avg=7.1,w01001-Flag=N"
)
PART_2 = split_part("20160801085857535", 2, "w01018-Avg=40.1,w01018-Flag=N")


def test_reassembler_emits_the_combined_packet_when_both_parts_arrived() -> None:
    reassembler = Reassembler()
    assert reassembler.add(PART_2, NOW) is None  # out of order
    assert reassembler.add(PART_2, NOW) is None  # a resend changes nothing
    combined = reassembler.add(PART_1, NOW + timedelta(seconds=5))
    assert combined is not None and reassembler.pending == 0
    assert list(combined.measurements) == ["w00000", "w01001", "w01018"]
    assert combined.measurements["w01018"].value("Avg") == Decimal("40.1")
    assert [part.qn for part in combined.parts] == ["20160801085857534", "20160801085857535"]
    assert combined.qn == "20160801085857534" and combined.pnum == 2 and combined.pno is None


def test_reassembler_times_out_an_incomplete_set_after_ten_minutes() -> None:
    reassembler = Reassembler()
    assert reassembler.add(PART_1, NOW) is None
    assert reassembler.expire(NOW + timedelta(minutes=10)) == []
    (overdue,) = reassembler.expire(NOW + timedelta(minutes=10, seconds=1))
    assert overdue.missing == (2,) and overdue.parts == (PART_1,)
    assert (overdue.key.mn, overdue.key.cn, overdue.key.data_time, overdue.key.pnum) == (
        "010000A8900016F000169DC0",
        "2051",
        "20160801084000",
        2,
    )
    assert reassembler.pending == 0


def test_reassembler_passes_unsplit_packets_through() -> None:
    packet = parse_packet(T3)
    assert Reassembler().add(packet, NOW) is packet


def test_each_sub_packet_is_acknowledged_with_its_own_qn() -> None:
    """表 C.50 and docs/modules/hj212.md §4.2: one 9014 per sub-packet."""
    assert data_ack(PART_1, NOW) == (
        b"##0087QN=20160801085857534;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=4;CP=&&&&5B40\r\n"
    )
    assert data_ack(PART_2, NOW) == (
        b"##0087QN=20160801085857535;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=4;CP=&&&&4A40\r\n"
    )


# =============================================================================================
# replies — docs/modules/hj212.md §4


def upload(qn: str, pw: str, mn: str, flag: int, cn: str = "2011") -> Packet:
    segment = (
        f"QN={qn};ST=32;CN={cn};PW={pw};MN={mn};Flag={flag};"
        "CP=&&DataTime=20160801085800;w01018-Rtd=1&&"
    )
    return parse_packet(frame(segment))


def test_9014_answer_to_an_upload_is_byte_exact() -> None:
    packet = upload("20160801085857223", "123456", "010000A8900016F000169DC0", 5)
    assert reply_kind(packet) is ReplyKind.DATA_ACK
    assert build_reply(packet, NOW) == (
        b"##0087QN=20160801085857223;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=4;CP=&&&&3240\r\n"
    )


def test_9014_answer_to_an_hour_packet_with_a_24_char_password() -> None:
    """*Constructed* upload with T8's header (Flag=5, 24-char PW)."""
    packet = upload("20190925181031464", "BF470F88957588DE902D1A52", "Z13401000010301", 5, "2061")
    assert data_ack(packet, NOW) == (
        b"##0096QN=20190925181031464;ST=91;CN=9014;PW=BF470F88957588DE902D1A52;"
        b"MN=Z13401000010301;Flag=4;CP=&&&&CE81\r\n"
    )


def test_9014_answer_keeps_version_bits_000010() -> None:
    packet = upload("20201030000000437", "123456", "NM100000_0005", 9)
    assert data_ack(packet, NOW) == (
        b"##0076QN=20201030000000437;ST=91;CN=9014;PW=123456;MN=NM100000_0005;Flag=8;"
        b"CP=&&&&71C0\r\n"
    )


def test_no_answer_when_a_is_0() -> None:
    assert reply_kind(upload("20160801085857223", "123456", "AB", 4)) is ReplyKind.NONE
    assert build_reply(upload("20160801085857223", "123456", "AB", 6), NOW) is None


def test_1013_time_calibration_gets_9013_then_a_1012_set_time_request() -> None:
    request = upload("20160801085857223", "123456", "010000A8900016F000169DC0", 5, "1013")
    assert reply_kind(request) is ReplyKind.REQUEST_ACK
    assert request_ack(request, NOW) == (
        b"##0087QN=20160801085857223;ST=91;CN=9013;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=4;CP=&&&&2A80\r\n"
    )
    at = datetime(2016, 8, 1, 8, 58, 57, tzinfo=BEIJING)
    assert set_time_request(request, at, qn="20160801085857223") == (
        b"##0112QN=20160801085857223;ST=32;CN=1012;PW=123456;MN=010000A8900016F000169DC0;"
        b"Flag=5;CP=&&SystemTime=20160801085857&&6C00\r\n"
    )
    fresh = set_time_request(request, at + timedelta(milliseconds=45))
    assert fresh.startswith(b"##0112QN=20160801085857045;")


def test_heartbeat_is_answered_with_9013_only_when_a_is_1() -> None:
    beat = parse_packet(
        frame("QN=20230723080035006;ST=91;CN=9015;PW=123456;MN=000201;Flag=5;CP=&&&&")
    )
    assert reply_kind(beat) is ReplyKind.REQUEST_ACK
    assert reply_kind(parse_packet(T14)) is ReplyKind.NONE


def test_2005_data_answer_puts_the_qn_and_data_cn_inside_cp() -> None:
    """Notes §4.4: the two candidate 2005 forms, byte-exact."""
    packet = upload("20040516010101001", "123456", "88888880000001", 1, "2051")
    assert packet.edition is Edition.HJT_212_2005 and reply_kind(packet) is ReplyKind.DATA_ACK
    assert (
        data_ack(packet, NOW) == b"##0049ST=91;CN=9014;CP=&&QN=20040516010101001;CN=2051&&5F00\r\n"
    )
    assert data_ack(packet, NOW, identity_2005=True) == (
        b"##0077ST=91;CN=9014;PW=123456;MN=88888880000001;CP=&&QN=20040516010101001;CN=2051&&B981\r\n"
    )


def test_a_packet_without_qn_is_answered_with_a_qn_from_now() -> None:
    packet = parse_packet(frame("ST=32;CN=2011;PW=1;MN=A;Flag=1;CP=&&&&"))
    assert b"QN=20240506070809123;CN=2011" in data_ack(packet, NOW)
    with pytest.raises(ValidationError):
        data_ack(packet, datetime(2024, 1, 1))  # noqa: DTZ001 - a naive instant is refused


def test_request_answer_and_execution_result_echo_the_qn() -> None:
    request = parse_packet(T1)
    answer = parse_packet(request_answer(request, QnRtn.READY, NOW))
    assert (answer.cn, answer.qn, answer.params["QnRtn"], answer.flag.value) == (
        "9011",
        "20160801085857223",
        "1",
        4,
    )
    result = parse_packet(execution_result(request, ExeRtn.SUCCESS, NOW))
    assert (result.cn, result.qn, result.params["ExeRtn"]) == ("9012", "20160801085857223", "1")


# =============================================================================================
# codes — 附录 B, docs/modules/hj212.md §5


def test_2005_codes_map_to_2017_codes() -> None:
    assert code_2017("011") == "w01018"
    assert code_2017("060") == "w21003"
    assert code_2017("B01") == "w00000"
    assert code_2017("B02") == "a00000"
    assert code_2017("01") == "a34013"
    assert code_2017("02") == "a21026"
    assert code_2017("03") == "a21002"
    assert code_2017("S01") == "a19001"
    assert code_2017("S08") == "a01013"
    assert code_2017("25") == "a24087"
    assert code_2017("L10") == "L10"
    assert code_2017("16") is None and code_2017("025") is None  # no successor (D13)
    with pytest.raises(ValidationError):
        code_2017("B00")


def test_parameter_lookup_with_ambient_air_override_and_capital_i() -> None:
    cod = parameter("w01018")
    assert (cod.name_zh, cod.unit, cod.medium, cod.code_2005) == (
        "化学需氧量",
        "mg/L",
        "water",
        "011",
    )
    assert parameter("011") == cod
    assert parameter("a21005", "ambient_air").unit == "mg/m3"
    assert parameter("a01011", "ambient_air").medium == "gas"  # falls back to gas
    assert parameter("I33101").code_2017 == "i33101"
    assert normalize_code("e10101") == "e10101"  # process code by pattern (表 B.4)
    with pytest.raises(ValidationError):
        parameter("zz999")


def test_parse_time_is_beijing_time() -> None:
    assert parse_time("20160801085857") == datetime(
        2016, 8, 1, 0, 58, 57, tzinfo=BEIJING
    ) + timedelta(hours=8)
    with pytest.raises(ValueError):
        parse_time("2016080108")


@given(st.binary(max_size=300))
def test_the_table_crc_equals_the_bit_by_bit_algorithm_of_appendix_a(data: bytes) -> None:
    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ byte
        for _ in range(8):
            carry = reg & 1
            reg >>= 1
            if carry:
                reg ^= 0xA001
    assert crc16_hj212(data) == reg
