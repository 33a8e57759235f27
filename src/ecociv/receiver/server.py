"""The HJ 212 receiver: an asyncio TCP server for online monitoring devices.

Per frame, in this order (docs/modules/hj212.md §4.3): frame the byte stream (:class:`hj212.Framer`:
concatenated, split and junk-prefixed frames), parse it, identify the device by MN and password,
check its CRC by the device's policy (strict or tolerant, docs/modules/hj212.md §2.5), **append it
durably to the frame log** (one ``fsync`` per group of frames arriving within ``commit_window``),
and only then answer 9014/9013 when the frame's Flag asks for it. A separate task moves logged
frames into the readings store and evaluates warnings, one batch at a time, so each device's frames
are handled in order by one worker and two simultaneous frames cannot race. After a crash the log is
replayed from its checkpoint, and loading is idempotent, so no acknowledged reading is lost and
none is stored twice.

Refused frames (unknown MN, wrong password, bad CRC under the device's policy, malformed) get
no answer (docs/modules/hj212.md §6 item 7) and are counted. Those of a registered MN are kept in
the log as ``rejected`` records with their reason; those of unregistered MNs are counted within a
fixed budget and only sampled into the log (:class:`~ecociv.receiver.limits.UnregisteredBudget`), so
what an attacker sends is never stored in proportion. Resends of an already logged (MN, CN, QN)
are answered again (the first answer may have been lost) and counted as duplicates, not logged
twice.

Connections are capped per address, per device (MN) and in all, an idle connection is
closed, the descriptor limit is raised at start and log lines are rate-limited
(:mod:`ecociv.receiver.limits`, ``docs/operations.md`` "Receiver limits"). When accept()
itself fails (EMFILE), asyncio's server logs it and pauses accepting for a second instead of
spinning; the log filter keeps those lines to a few per minute.

The server knows no database: a :class:`Backend` authenticates devices and processes logged
records; :mod:`ecociv.receiver` wires the real one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, OrderedDict
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from ecociv.adapters.framelog import FrameLog
from ecociv.kernel import Clock, SystemClock
from ecociv.receiver.limits import (
    OTHERS,
    Admission,
    ConnectionBook,
    ConnectionLimits,
    RateLimitFilter,
    UnregisteredBudget,
    UnregisteredTally,
    descriptor_budget,
    raise_fd_limit,
)
from ecociv.standards import hj212

log = logging.getLogger("ecociv.receiver")
T = TypeVar("T")

#: Pending connections the kernel queues (a city's devices reconnect together after an outage).
BACKLOG = 4096
#: Frames read from a socket at a time.
READ_BYTES = 64 * 1024
#: Exact resends remembered for duplicate detection (MN, CN, QN).
DUPLICATE_MEMORY = 200_000
#: (MN, password) answers and MN registrations remembered (least recently used go first).
AUTH_MEMORY = 10_000
#: Loggers whose lines the rate limit applies to (asyncio logs failed accepts).
LIMITED_LOGGERS = ("ecociv.receiver", "asyncio")
#: CNs whose CP carries measurements to store (uploads, HJ 212-2017 表 9).
DATA_COMMANDS = frozenset({"2011", "2021", "2031", "2041", "2051", "2061", "2081", "3020"})


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """What the receiver needs to know of a registered device."""

    mn: str
    crc_policy: str  # "strict" or "tolerant"
    active: bool = True


class Backend(Protocol):
    def authenticate(self, mn: str, password: str) -> DeviceIdentity | None: ...

    def is_registered(self, mn: str) -> bool: ...

    def process(
        self,
        records: Sequence[dict[str, Any]],
        counts: dict[str, Counter[str]],
        last_seen: dict[str, datetime],
        now: datetime,
    ) -> None: ...


@dataclass
class ReceiverStats:
    """Frame counts per registered MN (unregistered MNs together under ``*``), stream-level
    junk, connections admitted and connections closed by a limit (``refused_address``,
    ``refused_total``, ``evicted``, ``replaced``: the oldest of a device's connections beyond
    its cap, ``idle``)."""

    per_device: dict[str, Counter[str]] = field(default_factory=dict)
    junk: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    closed: Counter[str] = field(default_factory=Counter)

    def count(self, mn: str, what: str, n: int = 1) -> None:
        self.per_device.setdefault(mn, Counter())[what] += n

    def total(self, what: str) -> int:
        return sum(c[what] for c in self.per_device.values())


def run_async(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code. When this thread already runs an
    event loop (an embedding application, a test harness), the coroutine gets a fresh loop
    in a worker thread instead of failing."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def _values(packet: hj212.Packet) -> list[list[Any]]:
    out: list[list[Any]] = []
    for m in packet.measurements.values():
        code = m.code_2017 or m.code
        for suffix, value in m.values.items():
            out.append([code, suffix, float(value), m.flag or ""])
    return out


class Receiver:
    """The receiver's state: frame log, device cache, duplicate memory and counters."""

    def __init__(
        self,
        backend: Backend,
        frame_log: FrameLog,
        *,
        clock: Clock | None = None,
        commit_window: float = 0.002,
        process_interval: float = 0.5,
        process_batch: int = 20_000,
        auth_ttl: timedelta = timedelta(minutes=1),
        limits: ConnectionLimits | None = None,
        unregistered: UnregisteredBudget | None = None,
        log_filter: RateLimitFilter | None = None,
    ) -> None:
        self.backend = backend
        self.log = frame_log
        self.clock = clock or SystemClock()
        self.commit_window = commit_window
        self.process_interval = process_interval
        self.process_batch = process_batch
        self.auth_ttl = auth_ttl
        self.stats = ReceiverStats()
        self.limits = limits or ConnectionLimits()
        self.unregistered = unregistered or UnregisteredBudget()
        self.log_filter = log_filter or RateLimitFilter()
        self.fd_limit: int | None = None
        self.backlog = BACKLOG
        self._book: ConnectionBook[asyncio.StreamWriter] = ConnectionBook(self.limits)
        self._tally = UnregisteredTally(self.unregistered)
        self._auth: OrderedDict[tuple[str, str], tuple[DeviceIdentity | None, datetime]] = (
            OrderedDict()
        )
        self._registered: OrderedDict[str, tuple[bool, datetime]] = OrderedDict()
        self._seen: OrderedDict[tuple[str, str, str], None] = OrderedDict()
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._commit_lock = asyncio.Lock()
        self._commit_scheduled = False
        self._reassembler = hj212.Reassembler()
        self._unsent: dict[str, Counter[str]] = {}
        self._last_seen: dict[str, datetime] = {}
        self._tail = frame_log.tail(frame_log.checkpoint())
        self._server: asyncio.Server | None = None
        self._processor: asyncio.Task[None] | None = None
        self._stopping = False
        self._handlers: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    # ---- lifecycle ----------------------------------------------------------------------

    async def start(self, host: str, port: int) -> asyncio.Server:
        """Raise the descriptor limit (and keep the total cap below it), install the log
        rate limit, replay what the log holds beyond its checkpoint, then listen."""
        self.fd_limit = raise_fd_limit()
        total, self.backlog = descriptor_budget(self.limits.total, BACKLOG, self.fd_limit)
        if total != self.limits.total:
            log.warning(
                "total connection cap lowered from %d to %d (descriptor limit %s)",
                self.limits.total,
                total,
                self.fd_limit,
            )
            self.limits = ConnectionLimits(
                idle_seconds=self.limits.idle_seconds,
                per_address=self.limits.per_address,
                unauthenticated=min(self.limits.unauthenticated, total - 1),
                total=total,
                per_device=self.limits.per_device,
            )
            self._book = ConnectionBook(self.limits)
        for name in LIMITED_LOGGERS:
            logging.getLogger(name).addFilter(self.log_filter)
        await self.process_once()
        self._server = await asyncio.start_server(self._serve, host, port, backlog=self.backlog)
        self._processor = asyncio.create_task(self._process_loop())
        return self._server

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def open_connections(self) -> int:
        return self._book.total

    @property
    def unauthenticated_connections(self) -> int:
        return self._book.unauthenticated

    async def stop(self) -> None:
        """Stop listening, commit what is pending and process everything logged."""
        self._stopping = True
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for writer in list(self._writers):  # end open connections, then their handlers
            writer.close()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._commit_pending()
        if self._processor is not None:
            self._processor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._processor
        await self.process_once()
        self.log.close()
        self.log_filter.flush(log, final=True)
        for name in LIMITED_LOGGERS:
            logging.getLogger(name).removeFilter(self.log_filter)

    # ---- connections --------------------------------------------------------------------

    def _admit(self, writer: asyncio.StreamWriter) -> bool:
        peer = writer.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        verdict, evicted = self._book.admit(writer, address)
        if verdict is not Admission.ADMITTED:
            self.stats.closed[verdict.value] += 1
            log.warning("connection from %s closed at once: %s", address, verdict.value)
            writer.close()  # nothing read
            return False
        if evicted is not None:
            self.stats.closed["evicted"] += 1
            log.warning("oldest unauthenticated connection closed to make room")
            evicted.close()
        self.stats.connections += 1
        return True

    def _authenticated(self, writer: asyncio.StreamWriter, mn: str) -> None:
        replaced = self._book.authenticated(writer, mn)
        if replaced is not None:
            self.stats.closed["replaced"] += 1
            log.warning(
                "oldest connection of %s closed: more than %d connections authenticated as it",
                mn,
                self.limits.per_device,
            )
            replaced.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._stopping:
            writer.close()
            return
        if not self._admit(writer):
            return
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        self._writers.add(writer)
        framer = hj212.Framer()
        try:
            while True:
                try:
                    async with asyncio.timeout(self.limits.idle_seconds):
                        chunk = await reader.read(READ_BYTES)
                except TimeoutError:
                    self.stats.closed["idle"] += 1
                    break
                if not chunk:
                    break
                replies = []
                for event in framer.feed(chunk):
                    if isinstance(event, hj212.Junk):
                        self.stats.junk[str(event.reason)] += 1
                        continue
                    reply, device = await self._accept(event)
                    if device:
                        self._authenticated(writer, device)
                    if reply:
                        replies.append(reply)
                if replies:
                    writer.write(b"".join(replies))
                    await writer.drain()
            for event in framer.flush():
                if isinstance(event, hj212.Junk):
                    self.stats.junk[str(event.reason)] += 1
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:  # one connection's fault must not stop the others
            log.exception("connection failed")
        finally:
            self._book.release(writer)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()
            if task is not None:
                self._handlers.discard(task)

    async def _identify(self, mn: str, password: str) -> DeviceIdentity | None:
        now = self.clock.now()
        key = (mn, password)
        cached = self._auth.get(key)
        if cached is not None and now - cached[1] < self.auth_ttl:
            self._auth.move_to_end(key)
            return cached[0]
        identity = await asyncio.to_thread(self.backend.authenticate, mn, password)
        self._auth[key] = (identity, now)
        self._auth.move_to_end(key)
        while len(self._auth) > AUTH_MEMORY:
            self._auth.popitem(last=False)
        return identity

    async def _is_registered(self, mn: str) -> bool:
        if not mn:
            return False
        now = self.clock.now()
        cached = self._registered.get(mn)
        if cached is not None and now - cached[1] < self.auth_ttl:
            self._registered.move_to_end(mn)
            return cached[0]
        found = await asyncio.to_thread(self.backend.is_registered, mn)
        self._registered[mn] = (found, now)
        self._registered.move_to_end(mn)
        while len(self._registered) > AUTH_MEMORY:
            self._registered.popitem(last=False)
        return found

    def _note(self, mn: str, what: str, *, registered: bool = True) -> None:
        self.stats.count(mn if registered else OTHERS, what)
        key = mn if registered else self._tally.key(mn)
        self._unsent.setdefault(key, Counter())[what] += 1

    async def _reject(self, mn: str, reason: str, frame: hj212.Frame) -> None:
        registered = await self._is_registered(mn)
        self._note(mn, reason, registered=registered)
        if not registered and not self._tally.sample(mn):
            return  # counted, not kept
        record = {
            "kind": "rejected",
            "mn": mn,
            "reason": reason,
            "received_at": self.clock.now().isoformat(),
            "raw": frame.raw.decode("utf-8", errors="replace"),
        }
        await self._commit(record)

    async def accept(self, frame: hj212.Frame) -> bytes | None:
        """Handle one frame; return the reply to send (None: nothing)."""
        return (await self._accept(frame))[0]

    async def _accept(self, frame: hj212.Frame) -> tuple[bytes | None, str]:
        """The reply to send (None: nothing), and the MN the frame authenticated as ("" when
        it did not)."""
        now = self.clock.now()
        try:
            packet = hj212.parse_packet(frame, crc_policy=hj212.CrcPolicy.TOLERANT)
        except hj212.ProtocolError as exc:
            reason = "bad_crc" if exc.reason.startswith("crc") else "bad_format"
            await self._reject(exc.mn or "", reason, frame)
            return None, ""
        mn = packet.mn or ""
        identity = await self._identify(mn, packet.pw or "") if mn else None
        if identity is None or not identity.active:
            await self._reject(mn, "refused_auth", frame)
            return None, ""
        if identity.crc_policy == hj212.CrcPolicy.STRICT.value:
            try:
                packet = hj212.parse_packet(frame, crc_policy=hj212.CrcPolicy.STRICT)
            except hj212.ProtocolError as exc:
                reason = "bad_crc" if exc.reason.startswith("crc") else "bad_format"
                await self._reject(mn, reason, frame)
                return None, mn
        elif packet.quirks or packet.crc.status != hj212.CrcStatus.OK:
            self._note(mn, "flagged")
        self._last_seen[mn] = now
        key = (mn, packet.cn or "", packet.qn or "")
        if packet.qn and key in self._seen:
            self._note(mn, "duplicate")
            return hj212.build_reply(packet, now), mn
        if packet.cn in DATA_COMMANDS and packet.measurements:
            if packet.data_time is None:
                await self._reject(mn, "bad_format", frame)
                return None, mn
            record = {
                "kind": "data",
                "mn": mn,
                "cn": packet.cn,
                "qn": packet.qn or "",
                "data_time": packet.data_time.isoformat(),
                "received_at": now.isoformat(),
                "values": _values(packet),
                "quirks": [str(q.code) for q in packet.quirks],
            }
            await self._commit(record)  # durable before any answer
            if packet.is_split:
                self._reassembler.add(packet, now)
                self._note(mn, "split_part")
        self._note(mn, "ok")
        if packet.qn:
            self._seen[key] = None
            if len(self._seen) > DUPLICATE_MEMORY:
                self._seen.popitem(last=False)
        return hj212.build_reply(packet, now), mn

    # ---- group commit -------------------------------------------------------------------

    async def _commit(self, record: dict[str, Any]) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((record, future))
        if not self._commit_scheduled:
            self._commit_scheduled = True
            asyncio.get_running_loop().call_later(
                self.commit_window, lambda: asyncio.ensure_future(self._commit_pending())
            )
        await future

    async def _commit_pending(self) -> None:
        async with self._commit_lock:
            self._commit_scheduled = False
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                await asyncio.to_thread(self.log.append_many, [r for r, _ in batch])
            except Exception as exc:  # nothing durable: no answer for any of them
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                raise
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    # ---- processing ---------------------------------------------------------------------

    async def _process_loop(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.process_interval)
            try:
                await self.process_once()
            except Exception:  # the log keeps the frames; the next round retries
                log.exception("processing logged frames failed")

    async def process_once(self) -> int:
        """Move logged records into the store (via the backend), then checkpoint."""
        records = self._tail.read(self.process_batch)
        counts, self._unsent = self._unsent, {}
        last_seen, self._last_seen = self._last_seen, {}
        self._tally = UnregisteredTally(self.unregistered)
        self.log_filter.flush(log)
        for split in self._reassembler.expire(self.clock.now()):
            counts.setdefault(split.key.mn or "", Counter())["split_incomplete"] += 1
        if not records and not counts:
            return 0
        try:
            await asyncio.to_thread(
                self.backend.process, records, counts, last_seen, self.clock.now()
            )
        except Exception:
            # read again from the checkpoint next round; counters are sent again too
            self._tail = self.log.tail(self.log.checkpoint())
            for mn, counter in counts.items():
                self._unsent.setdefault(mn, Counter()).update(counter)
            raise
        if records:
            self.log.set_checkpoint(int(records[-1]["seq"]))
        return len(records)
