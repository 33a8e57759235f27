"""``ecociv hj212 parse FILE``: read captured HJ 212 packets and print them as JSON Lines.

A text capture holds one packet per line (``##0101QN=…&&1C80``); a raw capture (``--raw``, or
detected: control bytes other than tab/CR/LF, text that is not UTF-8, or several packets on a
line) is the byte stream of a connection and goes through the same :class:`Framer` a receiver
uses. Each packet becomes one JSON object (``"type": "packet"``) with its header, Flag bits,
edition, CP parameters and measurements (numbers as decimal strings, exactly as sent), the CRC
verdict, the quirks and the answer the platform would send; a refused packet is
``"type": "refused"`` with the reason, field and byte offset; bytes the framer dropped are
``"type": "junk"`` with their stream offset.

Exit code 0 when every frame is good, 1 when any was refused or dropped as a bad frame
(``bad_length``, ``unterminated_cp``, ``truncated``, ``overflow``); garbage between frames (modem
chatter) does not count against the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ecociv.standards.hj212 import (
    CrcPolicy,
    CrcVerdict,
    Frame,
    Framer,
    Junk,
    JunkReason,
    Packet,
    ProtocolError,
    Quirk,
    parse_packet,
    reply_kind,
    split_frame,
)

app = typer.Typer(help="HJ 212 数据传输 · HJ 212 packets", no_args_is_help=True)


@app.callback()
def main() -> None:
    """HJ 212 数据传输 · HJ 212 packets."""


def _quirk(quirk: Quirk) -> dict[str, Any]:
    return {"code": quirk.code.value, "detail": quirk.detail, "offset": quirk.offset}


def _crc(verdict: CrcVerdict | None) -> dict[str, Any] | None:
    if verdict is None:
        return None
    return {
        "status": verdict.status.value,
        "variant": verdict.variant.value if verdict.variant else None,
        "declared": verdict.declared,
        "expected": verdict.expected,
    }


def _packet(packet: Packet, where: dict[str, int]) -> dict[str, Any]:
    return {
        "type": "packet",
        **where,
        "qn": packet.qn,
        "st": packet.st,
        "cn": packet.cn,
        "pw": packet.pw,
        "mn": packet.mn,
        "flag": {
            "value": packet.flag.value,
            "present": packet.flag.present,
            "version": packet.flag.version,
            "ack": packet.flag.ack,
            "split": packet.flag.split,
        },
        "edition": packet.edition.value,
        "pnum": packet.pnum,
        "pno": packet.pno,
        "data_time": packet.data_time.isoformat() if packet.data_time else None,
        "params": dict(packet.params),
        "measurements": {
            code: {
                "code_2017": m.code_2017,
                "values": {suffix: str(value) for suffix, value in m.values.items()},
                "texts": dict(m.texts),
                "flag": m.flag,
                "flag_meaning": m.flag_info.name_en if m.flag_info else None,
                "flag_valid": m.flag_info.valid if m.flag_info else None,
            }
            for code, m in packet.measurements.items()
        },
        "crc": _crc(packet.crc),
        "quirks": [_quirk(q) for q in packet.quirks],
        "reply": reply_kind(packet).value,
    }


def _refused(error: ProtocolError, where: dict[str, int], raw: bytes) -> dict[str, Any]:
    return {
        "type": "refused",
        **where,
        "reason": error.reason,
        "field": error.field,
        "offset": error.offset,
        "message": error.message,
        "mn": error.mn,
        "crc": _crc(error.crc),
        "quirks": [_quirk(q) for q in error.quirks],
        "raw": raw.decode("utf-8", errors="backslashreplace"),
    }


def _junk(junk: Junk) -> dict[str, Any]:
    return {
        "type": "junk",
        "stream_offset": junk.offset,
        "reason": junk.reason.value,
        "length": len(junk.data),
        "hex": junk.data.hex(" "),
    }


def _looks_raw(content: bytes) -> bool:
    if any(byte < 0x20 and byte not in (0x09, 0x0A, 0x0D) for byte in content):
        return True
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(line.count(b"##") > 1 for line in content.splitlines())


def _emit(record: dict[str, Any]) -> None:
    typer.echo(json.dumps(record, ensure_ascii=False))


def _parse_frame(frame: Frame, policy: CrcPolicy, where: dict[str, int]) -> bool:
    try:
        packet = parse_packet(frame, crc_policy=policy)
    except ProtocolError as error:
        _emit(_refused(error, where, frame.raw))
        return False
    _emit(_packet(packet, where))
    return True


def _parse_lines(content: bytes, policy: CrcPolicy) -> bool:
    good = True
    for number, line in enumerate(content.split(b"\n"), start=1):
        text = line.strip()
        if not text:
            continue
        where = {"line": number}
        try:
            frame = split_frame(text)
        except ProtocolError as error:
            _emit(_refused(error, where, text))
            good = False
            continue
        good = _parse_frame(frame, policy, where) and good
    return good


def _parse_stream(content: bytes, policy: CrcPolicy) -> bool:
    framer = Framer()
    good = True
    for event in [*framer.feed(content), *framer.flush()]:
        if isinstance(event, Junk):
            _emit(_junk(event))
            good = good and event.reason is JunkReason.GARBAGE
        else:
            good = _parse_frame(event, policy, {"stream_offset": event.offset}) and good
    return good


@app.command()
def parse(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="报文文件 (capture file)")
    ],
    raw: Annotated[
        bool, typer.Option("--raw", help="原始字节流 (a raw byte capture of a TCP stream)")
    ] = False,
    policy: Annotated[
        CrcPolicy,
        typer.Option(
            "--policy", help="CRC 接受策略 (CRC acceptance policy, docs/modules/hj212.md §2.5)"
        ),
    ] = CrcPolicy.STRICT,
) -> None:
    """解析 HJ 212 报文，逐包输出 JSON (parse HJ 212 packets; one JSON object per line)."""
    content = file.read_bytes()
    if raw or _looks_raw(content):
        good = _parse_stream(content, policy)
    else:
        good = _parse_lines(content, policy)
    raise typer.Exit(0 if good else 1)
