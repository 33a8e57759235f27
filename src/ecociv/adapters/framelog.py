"""An append-only, fsync'd log of received frames: what makes an acknowledgement safe.

The receiver answers a device (HJ 212 9014) only after the frame is in this log on disk, and a
separate step moves logged frames into the readings store. If the process dies between the two,
the next start replays the log from the last checkpoint; loading is idempotent on (site,
parameter, time), so a replayed frame adds nothing twice (docs/modules/hj212.md §4.3: log, answer,
then process).

Layout under ``folder``: segment files ``frames-<n>.jsonl`` (one JSON object per line, each
with a monotonically increasing ``seq``) and ``checkpoint.json`` holding the last ``seq``
processed. Appends are grouped: :meth:`FrameLog.append_many` writes a batch with one
``fsync``. A torn last line (the process died mid-write) is ignored on reading, since it was
never acknowledged.

One writer per folder: opening a :class:`FrameLog` takes an exclusive, non-blocking
``flock`` on ``writer.lock`` in the folder (holding the writer's PID) before anything is
repaired or appended, and :meth:`FrameLog.close` releases it. Two receivers on one log would
number records twice and cut each other's lines; the second refuses to start instead
(:class:`FrameLogLocked`, ``docs/operations.md`` "Receiver limits"). The lock is advisory:
copying the folder (``ecociv backup``) still works while a receiver runs. The kernel drops
the lock when its process dies, so a killed receiver leaves nothing to clean up.

This module knows no protocol: records are plain JSON-able dicts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from ecociv.kernel.errors import ConflictError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux: no lock
    fcntl = None  # type: ignore[assignment]

#: A segment is closed once it holds this many bytes; old segments are removed once processed.
SEGMENT_BYTES = 64 * 1024 * 1024
#: The file in the folder that the writer holds locked (it contains the writer's PID).
LOCK_FILE = "writer.lock"


class FrameLogLocked(ConflictError):
    """Another process (or another :class:`FrameLog` in this one) writes this frame log."""

    def __init__(self, folder: Path, pid: int | None) -> None:
        self.folder = folder
        self.pid = pid
        zh = f"进程 {pid} " if pid else "另一进程"
        en = f"process {pid}" if pid else "another process"
        super().__init__(
            f"帧日志 {folder} 正由{zh}写入（已有接收服务在运行？一个帧日志只能有一个接收服务）"
            f"(the frame log {folder} is held by {en}: is a receiver already running? "
            "one receiver per frame log)",
            field="frames",
        )


class FrameLog:
    """The durable frame log in ``folder`` (created on first use), held exclusively until
    :meth:`close` (:class:`FrameLogLocked` if another writer holds it)."""

    def __init__(self, folder: Path, *, segment_bytes: int = SEGMENT_BYTES) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.segment_bytes = segment_bytes
        self._lock: IO[str] | None = self._acquire()
        self._repair()
        self._seq = self._last_seq()
        self._handle: Any = None
        self._segment = self._current_segment()

    # ---- the writer's lock --------------------------------------------------------------

    def _acquire(self) -> IO[str]:
        """Lock ``writer.lock`` (without waiting) and write this process's PID into it."""
        handle = open(self.folder / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.seek(0)
                holder = handle.read().strip()
                handle.close()
                pid = int(holder) if holder.isdigit() else None
                raise FrameLogLocked(self.folder, pid) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return handle

    def _held(self) -> None:
        """Take the lock again if :meth:`close` released it (a write after close)."""
        if self._lock is None:
            self._lock = self._acquire()

    def _release(self) -> None:
        if self._lock is None:
            return
        self._lock.truncate(0)  # a lock file left behind names nobody
        self._lock.flush()
        if fcntl is not None:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
        self._lock.close()
        self._lock = None

    # ---- writing ----------------------------------------------------------------------

    def _segments(self) -> list[Path]:
        return sorted(
            self.folder.glob("frames-*.jsonl"), key=lambda p: int(p.stem.split("-", 1)[1])
        )

    def _repair(self) -> None:
        """Cut a torn last line (the process died mid-write; it was never acknowledged) so
        that the next append starts on a line of its own."""
        segments = self._segments()
        if not segments:
            return
        last = segments[-1]
        data = last.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(last, "r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)
                os.fsync(handle.fileno())

    def _current_segment(self) -> Path:
        segments = self._segments()
        return segments[-1] if segments else self.folder / "frames-1.jsonl"

    def _last_seq(self) -> int:
        last = 0
        for record in self._read_all():
            last = max(last, int(record["seq"]))
        return max(last, self.checkpoint())

    def append_many(self, records: Sequence[Mapping[str, Any]]) -> list[int]:
        """Append records durably (one write and one fsync for the batch); return their seqs."""
        if not records:
            return []
        self._held()
        lines = []
        seqs = []
        for record in records:
            self._seq += 1
            seqs.append(self._seq)
            lines.append(json.dumps({**record, "seq": self._seq}, ensure_ascii=False))
        if self._handle is None:
            self._handle = open(self._segment, "a", encoding="utf-8")  # noqa: SIM115
        self._handle.write("\n".join(lines) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        if self._handle.tell() >= self.segment_bytes:
            self._handle.close()
            self._handle = None
            number = int(self._segment.stem.split("-", 1)[1]) + 1
            self._segment = self.folder / f"frames-{number}.jsonl"
        return seqs

    def close(self) -> None:
        """Close the segment being written and release the writer's lock."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._release()

    def __del__(self) -> None:
        # A log dropped without close() (one opened to read its checkpoint, say) closes its
        # files and releases the lock at once rather than whenever the files are collected.
        if getattr(self, "_handle", None) is not None:
            self._handle.close()
        if getattr(self, "_lock", None) is not None:
            self._release()

    def __enter__(self) -> FrameLog:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---- reading and checkpoints --------------------------------------------------------

    def _read_all(self) -> Iterator[dict[str, Any]]:
        for segment in self._segments():
            with open(segment, encoding="utf-8") as handle:
                for line in handle:
                    if not line.endswith("\n"):
                        return  # a torn last line: never acknowledged
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        return

    def after(self, seq: int, limit: int | None = None) -> list[dict[str, Any]]:
        """Records with a seq above ``seq``, in order (at most ``limit``)."""
        out = []
        for record in self._read_all():
            if int(record["seq"]) > seq:
                out.append(record)
                if limit is not None and len(out) >= limit:
                    break
        return out

    def tail(self, after_seq: int) -> LogTail:
        """A reader of the records after ``after_seq`` that remembers where it stopped."""
        return LogTail(self, after_seq)

    def checkpoint(self) -> int:
        """The last seq moved into the store (0 when none)."""
        path = self.folder / "checkpoint.json"
        if not path.exists():
            return 0
        return int(json.loads(path.read_text(encoding="utf-8"))["seq"])

    def set_checkpoint(self, seq: int) -> None:
        """Record that every record up to ``seq`` is processed (atomic replace), and remove
        segments whose records are all processed (never the one being written)."""
        self._held()
        path = self.folder / "checkpoint.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"seq": seq}), encoding="utf-8")
        with open(temporary, encoding="utf-8") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        for segment in self._segments()[:-1]:
            if segment == self._segment:
                continue
            last = 0
            with open(segment, encoding="utf-8") as handle:
                for line in handle:
                    if line.endswith("\n"):
                        last = int(json.loads(line)["seq"])
            if last <= seq:
                segment.unlink()

    @property
    def last_seq(self) -> int:
        return self._seq


class LogTail:
    """Reads a frame log forward from a seq, keeping its place (segment number and byte
    offset) so each call reads only what was appended since the last one."""

    def __init__(self, log: FrameLog, after_seq: int) -> None:
        self.log = log
        self.after_seq = after_seq
        self._segment_number = 0
        self._offset = 0

    def read(self, limit: int = 10_000) -> list[dict[str, Any]]:
        """Up to ``limit`` complete records appended since the last call, in order."""
        out: list[dict[str, Any]] = []
        for segment in self.log._segments():
            number = int(segment.stem.split("-", 1)[1])
            if number < self._segment_number:
                continue
            if number > self._segment_number:
                self._segment_number, self._offset = number, 0
            with open(segment, "rb") as handle:
                handle.seek(self._offset)
                for line in handle:
                    if not line.endswith(b"\n"):
                        return out  # torn or still being written: read it next time
                    self._offset += len(line)
                    record = json.loads(line)
                    if int(record["seq"]) > self.after_seq:
                        out.append(record)
                        self.after_seq = int(record["seq"])
                        if len(out) >= limit:
                            return out
        return out
