"""Synthetic monitoring devices that speak HJ 212-2017 to a receiver (for the demo, the tests
and the benchmark). Everything they send is invented and labelled so: every device's MN is
registered as a synthetic demo device.

A device sends one upload per period (hourly data CN=2061 by default, or real-time CN=2011)
with Flag=5 (protocol 2017, answer wanted), waits for the 9014 answer, and resends the same
bytes (same QN) up to three times when none comes (HJ 212-2017 §6.6 超时重发). Faults, each
deterministic for a seed:

- ``crc_error_rate``: a copy of the frame with a corrupted CRC is sent first (a real line error);
- ``split_rate``: the frame's bytes are written in several random pieces with pauses;
- ``offline_hours``: hours (by index) in which the device sends nothing;
- ``exceed_rate``: hours whose concentrations are raised above the usual level;
- ``stuck_from``: from this hour on, every value repeats the previous hour's (a stuck analyser).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ecociv.standards import hj212

#: Parameters by outlet kind: (HJ 212-2017 code, typical hourly mean, converted (Zs) too).
PARAMETERS: dict[str, tuple[tuple[str, float, bool], ...]] = {
    "wastewater": (("w01018", 28.0, False), ("w21003", 1.6, False), ("w01001", 7.2, False),
                   ("w00000", 12.0, False)),
    "flue_gas": (("a21026", 18.0, True), ("a21002", 45.0, True), ("a34013", 6.0, True),
                 ("a00000", 35.0, False)),
    "vocs": (("a24088", 12.0, False), ("a00000", 8.0, False)),
    "catering_fume": (("a34013", 0.8, False), ("a24088", 4.0, False)),
}  # fmt: skip
#: Flow and pH are not concentrations: faults that raise concentrations leave them alone.
NOT_CONCENTRATIONS = frozenset({"w00000", "a00000", "w01001"})
ST_BY_KIND = {"wastewater": "32", "flue_gas": "31", "vocs": "31", "catering_fume": "31"}
ANSWER_TIMEOUT_S = 5.0
RESENDS = 3


@dataclass(frozen=True, slots=True)
class SimDevice:
    mn: str
    password: str
    kind: str  # wastewater | flue_gas | vocs | catering_fume


@dataclass(frozen=True, slots=True)
class Faults:
    crc_error_rate: float = 0.0
    split_rate: float = 0.0
    offline_hours: frozenset[int] = frozenset()
    exceed_rate: float = 0.0
    exceed_factor: float = 3.0
    stuck_from: int | None = None


@dataclass
class SimResult:
    """What the devices did and what came back."""

    sent: int = 0  # good frames sent (first tries)
    resent: int = 0
    corrupted: int = 0  # frames sent with a broken CRC
    answered: int = 0  # good frames whose 9014 arrived
    unanswered: int = 0
    answers_bad_crc: int = 0
    per_device: dict[str, int] = field(default_factory=dict)


def hourly_values(
    device: SimDevice, hours: int, faults: Faults, rng: random.Random
) -> list[list[tuple[str, float, float | None]]]:
    """Per hour: (code, measured mean, converted mean or None) for each parameter."""
    out: list[list[tuple[str, float, float | None]]] = []
    for hour in range(hours):
        if faults.stuck_from is not None and hour > faults.stuck_from and out:
            out.append(list(out[-1]))
            continue
        exceed = rng.random() < faults.exceed_rate
        row = []
        for code, typical, converted in PARAMETERS[device.kind]:
            daily = 1.0 + 0.25 * ((hour % 24) in range(8, 20))
            value = typical * daily * rng.uniform(0.75, 1.25)
            if code == "w01001":
                value = rng.uniform(6.8, 7.6)
            elif exceed and code not in NOT_CONCENTRATIONS:
                value *= faults.exceed_factor
            value = round(value, 3)
            row.append((code, value, round(value * 1.12, 3) if converted else None))
        out.append(row)
    return out


def upload_frame(
    device: SimDevice,
    at: datetime,
    values: Sequence[tuple[str, float, float | None]],
    *,
    qn: str,
    cn: str = "2061",
) -> bytes:
    """One upload (Flag=5: 2017, answer wanted) of hourly Min/Avg/Max (or Rtd for 2011)."""
    groups = []
    for code, value, converted in values:
        if cn == "2011":
            parts = [f"{code}-Rtd={value}"]
            if converted is not None:
                parts.append(f"{code}-ZsRtd={converted}")
        else:
            parts = [f"{code}-Min={round(value * 0.9, 3)}", f"{code}-Avg={value}",
                     f"{code}-Max={round(value * 1.1, 3)}"]  # fmt: skip
            if converted is not None:
                parts.append(f"{code}-ZsAvg={converted}")
        parts.append(f"{code}-Flag=N")
        groups.append(",".join(parts))
    stamp = at.strftime("%Y%m%d%H%M%S")
    segment = (
        f"QN={qn};ST={ST_BY_KIND[device.kind]};CN={cn};PW={device.password};MN={device.mn};"
        f"Flag=5;CP=&&DataTime={stamp};{';'.join(groups)}&&"
    )
    return hj212.frame(segment)


def corrupt(frame: bytes) -> bytes:
    """The same frame with its CRC changed (a line error)."""
    body, crc = frame[:-6], frame[-6:-2]
    wrong = f"{(int(crc, 16) ^ 0x0101):04X}".encode()
    return body + wrong + b"\r\n"


async def _write(
    writer: asyncio.StreamWriter, data: bytes, rng: random.Random, split: bool
) -> None:
    if not split or len(data) < 4:
        writer.write(data)
        await writer.drain()
        return
    cuts = sorted(rng.sample(range(1, len(data)), k=min(3, len(data) - 1)))
    start = 0
    for cut in [*cuts, len(data)]:
        writer.write(data[start:cut])
        await writer.drain()
        await asyncio.sleep(0.001)
        start = cut


async def _answer(reader: asyncio.StreamReader, framer: hj212.Framer) -> hj212.Frame | None:
    while True:
        chunk = await reader.read(4096)
        if not chunk:
            return None
        for event in framer.feed(chunk):
            if isinstance(event, hj212.Frame):
                return event


async def play_device(
    host: str,
    port: int,
    device: SimDevice,
    *,
    start: datetime,
    hours: int,
    faults: Faults = Faults(),
    seed: int = 0,
    cn: str = "2061",
    result: SimResult | None = None,
    timeout_s: float = ANSWER_TIMEOUT_S,
    step: timedelta = timedelta(hours=1),
    pace_s: float = 0.0,
) -> SimResult:
    """One device's uploads: ``hours`` periods of ``step`` (an hour unless given) from
    ``start`` (aware). With ``pace_s`` the device waits that long between uploads, as a
    real-time device does (CN 2011 every few seconds)."""
    result = result or SimResult()
    rng = random.Random(f"{seed}:{device.mn}")
    reader, writer = await asyncio.open_connection(host, port)
    framer = hj212.Framer()
    try:
        for hour, values in enumerate(hourly_values(device, hours, faults, rng)):
            if hour in faults.offline_hours:
                continue
            if pace_s and hour:
                await asyncio.sleep(pace_s)
            at = start + step * hour
            qn = at.strftime("%Y%m%d%H%M%S") + f"{hour % 1000:03d}"
            data = upload_frame(device, at, values, qn=qn, cn=cn)
            if rng.random() < faults.crc_error_rate:
                await _write(writer, corrupt(data), rng, False)
                result.corrupted += 1
            split = rng.random() < faults.split_rate
            result.sent += 1
            for attempt in range(RESENDS + 1):
                if attempt:
                    result.resent += 1
                await _write(writer, data, rng, split)
                try:
                    answer = await asyncio.wait_for(_answer(reader, framer), timeout_s)
                except TimeoutError:
                    continue
                if answer is None:
                    break
                try:
                    hj212.parse_packet(answer, crc_policy=hj212.CrcPolicy.STRICT)
                except hj212.ProtocolError:
                    result.answers_bad_crc += 1
                result.answered += 1
                result.per_device[device.mn] = result.per_device.get(device.mn, 0) + 1
                break
            else:
                result.unanswered += 1
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
    return result


async def play(
    host: str,
    port: int,
    devices: Sequence[SimDevice],
    *,
    start: datetime,
    hours: int,
    faults: Faults = Faults(),
    seed: int = 0,
    cn: str = "2061",
    timeout_s: float = ANSWER_TIMEOUT_S,
    step: timedelta = timedelta(hours=1),
    pace_s: float = 0.0,
) -> SimResult:
    """Every device at once, each on its own connection."""
    result = SimResult()
    await asyncio.gather(
        *(
            play_device(
                host,
                port,
                device,
                start=start,
                hours=hours,
                faults=faults,
                seed=seed,
                cn=cn,
                result=result,
                timeout_s=timeout_s,
                step=step,
                pace_s=pace_s,
            )
            for device in devices
        )
    )
    return result
