"""`ecociv hj212 parse`: captured packets in, one JSON object per packet out; exit code 1 when
any frame was refused. Run on the Typer app of ``ecociv.hj212_cli`` itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from ecociv.hj212_cli import app

runner = CliRunner()

T1 = (
    b"##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
    b"CP=&&RtdInterval=30&&1C80"
)
T14 = b"##0069QN=20230723080035006;ST=91;CN=9021;PW=123456;MN=000201;Flag=4;CP=&&&&BDC1"
T11 = (
    b"##0218ST=32;CN=2011;PW=123456;,MN=88888881234567;FLAG=0;CP=&&DataTime=20180306120000;"
    b"001-Rtd=6.951,001-Flag=N;060-Rtd=23.400,060-Flag=N;011-Rtd=134.119,011-Flag=N;"
    b"B01-Rtd=382.222,B01-Flag=N;B00-Rtd=156720160.000,B00-Flag=N&&2940"
)
N5 = (
    b"##0086QN=20170516010101001;ST=22;CN=1072;PW=123456;MN=ABCDEFG1234567;Flag=3;"
    b"CP=&&PW=654321&&E476"
)
JUNK = b"\x00\xffAT+OK\r\n"


def run(*args: str) -> tuple[int, list[dict[str, Any]]]:
    result = runner.invoke(app, list(args))
    lines = [line for line in result.output.splitlines() if line.strip()]
    return result.exit_code, [json.loads(line) for line in lines]


def test_text_capture_prints_one_json_object_per_packet(tmp_path: Path) -> None:
    capture = tmp_path / "packets.txt"
    capture.write_bytes(T1 + b"\n\n" + T11 + b"\r\n" + T14 + b"\n")
    code, records = run("parse", str(capture))
    assert code == 0
    assert [r["type"] for r in records] == ["packet", "packet", "packet"]
    assert [r["line"] for r in records] == [1, 3, 4]
    t1, t11, t14 = records
    assert (t1["cn"], t1["mn"], t1["params"]) == (
        "1062",
        "010000A8900016F000169DC0",
        {"RtdInterval": "30"},
    )
    assert t1["flag"] == {"value": 5, "present": True, "version": 1, "ack": True, "split": False}
    assert t1["edition"] == "2017"
    assert t1["crc"] == {"status": "ok", "variant": "hj212", "declared": "1C80", "expected": "1C80"}
    assert t11["edition"] == "2005" and t11["mn"] == "88888881234567" and t11["qn"] is None
    assert t11["measurements"]["011"]["code_2017"] == "w01018"
    assert t11["measurements"]["011"]["values"] == {"Rtd": "134.119"}
    assert t11["measurements"]["B00"]["code_2017"] is None
    assert t11["data_time"] == "2018-03-06T12:00:00+08:00"
    assert {q["code"] for q in t11["quirks"]} >= {"header_key_case", "unmapped_code", "qn_missing"}
    assert t14["cn"] == "9021" and t14["reply"] == "none"


def test_a_refused_packet_makes_the_exit_code_1(tmp_path: Path) -> None:
    capture = tmp_path / "packets.txt"
    capture.write_bytes(T1 + b"\n" + N5 + b"\n")
    code, records = run("parse", str(capture))
    assert code == 1
    assert records[0]["type"] == "packet"
    refused = records[1]
    assert (refused["type"], refused["reason"], refused["field"], refused["offset"]) == (
        "refused",
        "crc_variant",
        "CRC",
        92,
    )
    assert refused["crc"]["variant"] == "modbus" and refused["mn"] == "ABCDEFG1234567"


def test_tolerant_policy_accepts_the_modbus_crc(tmp_path: Path) -> None:
    capture = tmp_path / "packets.txt"
    capture.write_bytes(N5 + b"\n")
    code, records = run("parse", str(capture), "--policy", "tolerant")
    assert code == 0
    assert records[0]["crc"]["variant"] == "modbus"
    assert {q["code"] for q in records[0]["quirks"]} >= {"crc_variant", "flag_d_without_pnum"}


def test_raw_capture_is_framed_and_junk_reported_with_its_stream_offset(tmp_path: Path) -> None:
    capture = tmp_path / "stream.bin"
    capture.write_bytes(JUNK + T1 + b"\r\n" + T14 + b"\r\n")
    code, records = run("parse", str(capture))  # binary content: detected as a raw capture
    assert code == 0
    assert records[0] == {
        "type": "junk",
        "stream_offset": 0,
        "reason": "garbage",
        "length": 9,
        "hex": "00 ff 41 54 2b 4f 4b 0d 0a",
    }
    assert [(r["type"], r["stream_offset"], r["cn"]) for r in records[1:]] == [
        ("packet", 9, "1062"),
        ("packet", 9 + len(T1) + 2, "9021"),
    ]


def test_raw_capture_with_a_bad_frame_exits_1(tmp_path: Path) -> None:
    capture = tmp_path / "stream.txt"
    capture.write_bytes(T14 + b"\r\n##0005hello\r\n" + T1[:40])
    code, records = run("parse", str(capture), "--raw")
    assert code == 1
    assert [(r["type"], r.get("reason"), r["stream_offset"]) for r in records] == [
        ("packet", None, 0),
        ("junk", "unterminated_cp", len(T14) + 2),
        ("junk", "truncated", len(T14) + 2 + 13),
    ]
