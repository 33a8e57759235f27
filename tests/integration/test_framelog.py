"""The durable frame log: appends survive a reopen, a torn last line is never read, the tail
reads only what is new, and processed segments are removed."""

from __future__ import annotations

from pathlib import Path

from ecociv.adapters.framelog import FrameLog


def test_appends_are_numbered_and_survive_a_reopen(tmp_path: Path) -> None:
    log = FrameLog(tmp_path)
    assert log.append_many([{"mn": "A"}, {"mn": "B"}]) == [1, 2]
    log.close()
    with FrameLog(tmp_path) as again:
        assert again.append_many([{"mn": "C"}]) == [3]
        assert [r["mn"] for r in again.after(0)] == ["A", "B", "C"]
        assert [r["seq"] for r in again.after(2)] == [3]


def test_a_torn_last_line_is_not_read(tmp_path: Path) -> None:
    log = FrameLog(tmp_path)
    log.append_many([{"mn": "A"}])
    log.close()
    segment = next(tmp_path.glob("frames-*.jsonl"))
    with open(segment, "a", encoding="utf-8") as handle:
        handle.write('{"mn": "B", "se')  # the process died mid-write
    with FrameLog(tmp_path) as reopened:
        assert [r["mn"] for r in reopened.after(0)] == ["A"]
        assert reopened.tail(0).read() == [{"mn": "A", "seq": 1}]
        assert reopened.append_many([{"mn": "C"}]) == [2]  # starts on a line of its own
        assert [r["mn"] for r in reopened.after(0)] == ["A", "C"]


def test_the_tail_reads_only_new_records_across_segments(tmp_path: Path) -> None:
    log = FrameLog(tmp_path, segment_bytes=60)  # a new segment every two records or so
    tail = log.tail(0)
    request_close = log.close
    log.append_many([{"n": i} for i in range(3)])
    assert [r["n"] for r in tail.read()] == [0, 1, 2]
    assert tail.read() == []
    for i in range(3, 9):
        log.append_many([{"n": i}])
    assert len(list(tmp_path.glob("frames-*.jsonl"))) > 1
    assert [r["n"] for r in tail.read(limit=4)] == [3, 4, 5, 6]
    assert [r["n"] for r in tail.read()] == [7, 8]
    request_close()


def test_a_checkpoint_removes_processed_segments_and_bounds_replay(tmp_path: Path) -> None:
    log = FrameLog(tmp_path, segment_bytes=60)
    for i in range(8):
        log.append_many([{"n": i}])
    before = len(list(tmp_path.glob("frames-*.jsonl")))
    log.set_checkpoint(6)
    assert len(list(tmp_path.glob("frames-*.jsonl"))) < before
    assert log.checkpoint() == 6
    log.close()
    with FrameLog(tmp_path, segment_bytes=60) as reopened:
        assert [r["seq"] for r in reopened.after(reopened.checkpoint())] == [7, 8]
        assert reopened.append_many([{"n": 8}]) == [9]


def test_one_writer_per_frame_log_a_second_is_refused_naming_the_holder(tmp_path: Path) -> None:
    """Two receivers on one log would number records twice and cut each other's lines: the
    second opening fails with the holder's PID, and works again once the first is closed."""
    import os

    import pytest

    from ecociv.adapters.framelog import LOCK_FILE, FrameLogLocked
    from ecociv.kernel import ConflictError

    first = FrameLog(tmp_path)
    first.append_many([{"mn": "A"}])
    with pytest.raises(FrameLogLocked) as refused:
        FrameLog(tmp_path)
    assert refused.value.pid == os.getpid()
    assert f"process {os.getpid()}" in refused.value.message
    assert isinstance(refused.value, ConflictError)
    assert (tmp_path / LOCK_FILE).read_text().strip() == str(os.getpid())
    assert [r["mn"] for r in first.after(0)] == ["A"]  # the holder is unharmed
    first.close()
    assert (tmp_path / LOCK_FILE).read_text() == ""  # released: it names nobody
    with FrameLog(tmp_path) as second:
        assert second.append_many([{"mn": "B"}]) == [2]
        with pytest.raises(FrameLogLocked):
            first.append_many([{"mn": "C"}])  # a write after close takes the lock again
    assert FrameLog(tmp_path).checkpoint() == 0  # dropped without close: released at once
    FrameLog(tmp_path).close()


def test_the_frames_folder_can_be_backed_up_while_a_writer_holds_it(tmp_path: Path) -> None:
    import tarfile

    from ecociv.adapters.backup import create_archive

    var_dir = tmp_path / "var"
    with FrameLog(var_dir / "frames") as log:
        log.append_many([{"mn": "A", "n": i} for i in range(3)])
        result = create_archive(
            var_dir,
            f"sqlite:///{tmp_path / 'none.db'}",
            tmp_path / "backup.tar",
            version="test",
            include_db=False,
        )
        log.append_many([{"mn": "B"}])  # still the writer
    with tarfile.open(result.path) as archive:
        names = archive.getnames()
    assert any(n.endswith("frames/frames-1.jsonl") for n in names)
