"""The audit chain: each entry hashes (with the audit key, HMAC) its content and its
predecessor's hash; signed checkpoints of the head show a cut tail."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ecociv.audit.model import AuditEntry, BreakKind, Checkpoint
from ecociv.audit.rules import (
    GENESIS,
    CheckpointError,
    anchor_seqs,
    checkpoint_line,
    entry_hash,
    first_break,
    hash_of,
    key_id_of,
    keyring,
    read_checkpoint,
    sign_checkpoint,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "prev_hash": prev,
            "occurred_at": T0 + timedelta(seconds=seq),
            "actor": "kecheng",
            "actor_role": "county_officer",
            "action": "enterprise.update",
            "entity_type": "enterprise",
            "entity_id": f"E{seq}",
            "before": {"name": "旧"},
            "after": {"name": f"新{seq}"},
            "request_id": f"r{seq}",
        }
        row_hash = entry_hash(**fields)  # type: ignore[arg-type]
        entries.append(AuditEntry(**fields, row_hash=row_hash))  # type: ignore[arg-type]
        prev = row_hash
    return entries


def test_an_untouched_chain_has_no_break() -> None:
    assert first_break(chain(5)) is None
    assert first_break([]) is None


def test_changing_any_field_breaks_the_chain_at_that_row() -> None:
    entries = chain(5)
    entries[2] = replace(entries[2], after={"name": "篡改"})
    found = first_break(entries)
    assert found is not None and found.seq == 3


def test_changing_the_time_breaks_the_chain() -> None:
    entries = chain(3)
    entries[1] = replace(entries[1], occurred_at=entries[1].occurred_at + timedelta(microseconds=1))
    found = first_break(entries)
    assert found is not None and found.seq == 2


def test_a_deleted_row_is_found_at_the_gap() -> None:
    entries = chain(5)
    del entries[1]
    found = first_break(entries)
    assert found is not None and found.seq == 3


def test_recomputing_a_tampered_rows_hash_breaks_the_next_link() -> None:
    entries = chain(4)
    forged = replace(entries[1], actor="someone-else")
    fields = {
        k: getattr(forged, k)
        for k in (
            "seq",
            "prev_hash",
            "occurred_at",
            "actor",
            "actor_role",
            "action",
            "entity_type",
            "entity_id",
            "before",
            "after",
            "request_id",
        )
    }
    entries[1] = replace(forged, row_hash=entry_hash(**fields))
    found = first_break(entries)
    assert found is not None and found.seq == 3


# --- the keyed chain (docs/operations.md, section 8) -------------------------------------

KEY = "audit-key-for-unit-tests-" + "k" * 16
OTHER_KEY = "another-audit-key-for-tests-" + "o" * 16
KEYS = keyring([KEY])


def keyed_chain(n: int, *, unkeyed: int = 0, key: str = KEY) -> list[AuditEntry]:
    """``unkeyed`` entries of the first scheme, then keyed ones up to ``n``, as an upgraded
    database holds them."""
    entries = chain(unkeyed)
    prev = entries[-1].row_hash if entries else GENESIS
    for seq in range(unkeyed + 1, n + 1):
        fields = {
            "seq": seq,
            "prev_hash": prev,
            "occurred_at": T0 + timedelta(seconds=seq),
            "actor": "jiangshan",
            "actor_role": "county_officer",
            "action": "manifest.submit",
            "entity_type": "manifest",
            "entity_id": f"M{seq}",
            "before": None,
            "after": {"state": "submitted"},
            "request_id": f"k{seq}",
        }
        row_hash = entry_hash(**fields, key=key)  # type: ignore[arg-type]
        entries.append(
            AuditEntry(**fields, row_hash=row_hash, key_id=key_id_of(key))  # type: ignore[arg-type]
        )
        prev = row_hash
    return entries


def rehash_without_key(entry: AuditEntry, **changes: object) -> AuditEntry:
    """What a forger holding only the database can do: edit, then recompute a plain hash."""
    edited = replace(entry, **changes)  # type: ignore[arg-type]
    return replace(edited, row_hash=hash_of(replace(edited, key_id="")))


def checkpoint_at(
    entries: list[AuditEntry], seq: int, key: str = KEY, *, unkeyed_through: int = 0
) -> Checkpoint:
    head = entries[seq - 1]
    anchors = [(s, entries[s - 1].row_hash) for s in anchor_seqs(unkeyed_through)]
    return sign_checkpoint(
        seq,
        head.row_hash,
        T0 + timedelta(days=1),
        seq,
        key,
        unkeyed_through=unkeyed_through,
        anchors=anchors,
    )


def test_keyed_entries_verify_only_with_their_key() -> None:
    entries = keyed_chain(5)
    assert first_break(entries, KEYS) is None
    found = first_break(entries, keyring([OTHER_KEY]))
    assert found is not None
    assert (found.seq, found.kind) == (1, BreakKind.UNKNOWN_KEY)
    assert first_break(entries, keyring([OTHER_KEY, KEY])) is None  # an earlier key still verifies


def test_an_upgraded_chain_links_its_first_keyed_entry_to_the_last_unkeyed() -> None:
    entries = keyed_chain(6, unkeyed=3)
    assert [e.key_id == "" for e in entries] == [True, True, True, False, False, False]
    assert entries[3].prev_hash == entries[2].row_hash
    assert first_break(entries, KEYS, accept_unkeyed=True) is None
    assert first_break(entries, KEYS, [checkpoint_at(entries, 6, unkeyed_through=3)]) is None


def test_an_edited_keyed_entry_is_named_edited() -> None:
    entries = keyed_chain(5)
    entries[2] = replace(entries[2], after={"state": "disposed"})
    found = first_break(entries, KEYS)
    assert found is not None
    assert (found.seq, found.kind, found.occurred_at) == (
        3,
        BreakKind.EDITED,
        entries[2].occurred_at,
    )


def test_an_edit_rehashed_without_the_key_is_named_rehashed() -> None:
    entries = keyed_chain(5)
    entries[2] = rehash_without_key(entries[2], actor="mallory")
    # the forger also re-links the rest of the chain; it cannot sign it
    entries[3] = replace(entries[3], prev_hash=entries[2].row_hash)
    found = first_break(entries, KEYS)
    assert found is not None and (found.seq, found.kind) == (3, BreakKind.REHASHED)


def test_rehashing_the_unkeyed_part_of_an_upgraded_chain_breaks_the_first_keyed_link() -> None:
    entries = keyed_chain(6, unkeyed=3)
    forged = replace(entries[1], actor="mallory")
    entries[1] = replace(forged, row_hash=hash_of(forged))
    entries[2] = replace(entries[2], prev_hash=entries[1].row_hash)
    entries[2] = replace(entries[2], row_hash=hash_of(entries[2]))
    found = first_break(entries, KEYS, accept_unkeyed=True)
    assert found is not None and (found.seq, found.kind) == (4, BreakKind.LINK)


def test_an_unkeyed_entry_after_keyed_ones_is_a_forgery() -> None:
    entries = keyed_chain(5)
    entries[3] = rehash_without_key(entries[3], key_id="")
    found = first_break(entries, KEYS)
    assert found is not None and (found.seq, found.kind) == (4, BreakKind.UNKEYED)


def test_an_entry_signed_by_an_unknown_key_is_named() -> None:
    entries = keyed_chain(5)
    tail = keyed_chain(5, key=OTHER_KEY)
    entries[4] = replace(tail[4], prev_hash=entries[3].row_hash)
    found = first_break(entries, KEYS)
    assert found is not None and (found.seq, found.kind) == (5, BreakKind.UNKNOWN_KEY)
    assert key_id_of(OTHER_KEY) in found.reason


def test_a_deleted_middle_entry_is_a_gap_at_the_next() -> None:
    entries = keyed_chain(6)
    del entries[2:4]
    found = first_break(entries, KEYS)
    assert found is not None and (found.seq, found.kind) == (5, BreakKind.MISSING)
    assert "3–4" in found.reason


def test_renumbering_after_a_delete_breaks_the_signature() -> None:
    entries = keyed_chain(5)
    del entries[2]
    entries[2:] = [replace(e, seq=e.seq - 1) for e in entries[2:]]
    found = first_break(entries, KEYS)
    assert found is not None and (found.seq, found.kind) == (3, BreakKind.EDITED)


def test_a_replaced_entry_is_found_even_when_validly_signed_elsewhere() -> None:
    """A row replaced by another, properly signed entry (e.g. from another copy of the
    database) carries a valid HMAC of its own but does not link, or differs from the
    checkpoint."""
    entries = keyed_chain(5)
    other = keyed_chain(5)
    other[4] = replace(other[4], request_id="elsewhere")
    other[4] = replace(other[4], row_hash=hash_of(other[4], KEY))
    entries[4] = other[4]
    assert first_break(entries, KEYS) is None  # same seq, same predecessor: a valid entry
    mark = checkpoint_at(keyed_chain(5), 5)
    found = first_break(entries, KEYS, [mark])
    assert found is not None and (found.seq, found.kind) == (5, BreakKind.DIVERGED)


def test_a_replaced_entry_that_does_not_link_is_a_broken_link() -> None:
    entries = keyed_chain(5)
    fresh = keyed_chain(5)[2]
    entries[2] = replace(fresh, prev_hash="f" * 64)
    entries[2] = replace(entries[2], row_hash=hash_of(entries[2], KEY))
    found = first_break(entries, KEYS)
    assert found is not None and (found.seq, found.kind) == (3, BreakKind.LINK)


def test_a_truncated_tail_is_found_against_the_checkpoint_at_below_and_above() -> None:
    entries = keyed_chain(8)
    mark = checkpoint_at(entries, 6)
    assert first_break(entries[:7], KEYS, [mark]) is None  # head one above the checkpoint
    assert first_break(entries[:6], KEYS, [mark]) is None  # head at the checkpoint
    found = first_break(entries[:5], KEYS, [mark])  # head one below: entry 6 was cut
    assert found is not None
    assert (found.seq, found.kind, found.occurred_at) == (6, BreakKind.TRUNCATED, mark.at)
    assert "seq=5" in found.reason and "seq=6" in found.reason
    assert first_break(entries[:5], KEYS) is None  # without a checkpoint, nothing shows it


def test_an_emptied_log_is_truncated_at_its_first_entry() -> None:
    mark = checkpoint_at(keyed_chain(3), 3)
    found = first_break([], KEYS, [mark])
    assert found is not None and (found.seq, found.kind) == (1, BreakKind.TRUNCATED)


def test_a_checkpoint_line_reads_back_only_unaltered_and_with_a_known_key() -> None:
    mark = checkpoint_at(keyed_chain(4), 4)
    line = checkpoint_line(mark)
    assert read_checkpoint(line, KEYS) == mark
    altered = line.replace('"seq":4', '"seq":9')
    with pytest.raises(CheckpointError, match="signature"):
        read_checkpoint(altered, KEYS)
    with pytest.raises(CheckpointError, match="unknown key"):
        read_checkpoint(line, keyring([OTHER_KEY]))
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        read_checkpoint("{not json", KEYS)
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        read_checkpoint('{"seq": 1}', KEYS)


def test_a_keyed_hash_differs_from_the_unkeyed_one_and_from_another_keys() -> None:
    fields = {
        "seq": 1,
        "prev_hash": GENESIS,
        "occurred_at": T0,
        "actor": "a",
        "actor_role": "admin",
        "action": "x",
        "entity_type": "t",
        "entity_id": "1",
        "before": None,
        "after": None,
        "request_id": "r",
    }
    hashes = {
        entry_hash(**fields),  # type: ignore[arg-type]
        entry_hash(**fields, key=KEY),  # type: ignore[arg-type]
        entry_hash(**fields, key=OTHER_KEY),  # type: ignore[arg-type]
    }
    assert len(hashes) == 3


# --- unkeyed entries stand only where a signed checkpoint accepted them -------------------


def rewrite_unkeyed(entries: list[AuditEntry], start: int = 1, **changes: object) -> None:
    """A forger without the key rewrites the chain from ``start`` as plain SHA-256 entries,
    changing the first one, and re-links the rest: every link recomputes."""
    prev = entries[start - 2].row_hash if start > 1 else GENESIS
    for i in range(start - 1, len(entries)):
        edited = replace(entries[i], prev_hash=prev, key_id="")
        if i == start - 1:
            edited = replace(edited, **changes)  # type: ignore[arg-type]
        entries[i] = replace(edited, row_hash=hash_of(edited))
        prev = entries[i].row_hash


def test_a_whole_chain_rewritten_without_the_key_is_unkeyed_at_its_first_entry() -> None:
    entries = keyed_chain(6)
    rewrite_unkeyed(entries, actor="mallory")
    assert first_break(entries) is None  # without a key configured, nothing could tell
    found = first_break(entries, KEYS)
    assert found is not None and (found.seq, found.kind) == (1, BreakKind.UNKEYED)
    assert "--accept-unkeyed" in found.reason


def test_a_rewrite_under_an_earlier_checkpoint_is_named_at_its_first_entry_not_the_head() -> None:
    entries = keyed_chain(8)
    mark = checkpoint_at(entries, 8)
    whole = list(entries)
    rewrite_unkeyed(whole, 1, actor="mallory")
    # the checkpoint saw entry 1 keyed: even accepting unkeyed entries does not let it stand
    for accept in (False, True):
        found = first_break(whole, KEYS, [mark], accept_unkeyed=accept)
        assert found is not None and (found.seq, found.kind) == (1, BreakKind.UNKEYED)
        assert "checkpoint" in found.reason
    rewrite_unkeyed(entries, 3, actor="mallory")
    found = first_break(entries, KEYS, [mark], accept_unkeyed=True)
    assert found is not None and (found.seq, found.kind) == (3, BreakKind.UNKEYED)


def test_unkeyed_entries_stand_up_to_the_checkpoints_unkeyed_through_at_below_and_above() -> None:
    entries = keyed_chain(8, unkeyed=4)
    assert first_break(entries, KEYS, [checkpoint_at(entries, 8, unkeyed_through=4)]) is None
    found = first_break(entries, KEYS, [checkpoint_at(entries, 8, unkeyed_through=3)])
    assert found is not None and (found.seq, found.kind) == (4, BreakKind.UNKEYED)
    # an unkeyed_through beyond the unkeyed part accepts nothing more: entry 5 is keyed
    assert first_break(entries, KEYS, [checkpoint_at(entries, 8, unkeyed_through=5)]) is None
    # entries written after the checkpoint without the key are refused
    longer = keyed_chain(10, unkeyed=4)
    rewrite_unkeyed(longer, 9)
    found = first_break(longer, KEYS, [checkpoint_at(longer, 8, unkeyed_through=4)])
    assert found is not None and (found.seq, found.kind) == (9, BreakKind.UNKEYED)


def test_accepting_unkeyed_entries_covers_only_those_before_the_first_keyed_one() -> None:
    entries = keyed_chain(6, unkeyed=2)
    assert first_break(entries, KEYS, accept_unkeyed=True) is None
    found = first_break(entries, KEYS)
    assert found is not None and (found.seq, found.kind) == (1, BreakKind.UNKEYED)
    rewrite_unkeyed(entries, 5)
    found = first_break(entries, KEYS, accept_unkeyed=True)
    assert found is not None and (found.seq, found.kind) == (5, BreakKind.UNKEYED)


def test_anchors_spread_over_the_unkeyed_part_at_most_max_anchors() -> None:
    assert anchor_seqs(0) == []
    assert anchor_seqs(63) == list(range(1, 64))
    assert anchor_seqs(64) == list(range(1, 65))  # at the limit: every entry
    assert anchor_seqs(65) == list(range(2, 65, 2)) + [65]  # one above: every other entry
    for n in (1, 100, 2633, 1_000_003):
        seqs = anchor_seqs(n)
        assert len(seqs) <= 64 and seqs[-1] == n and seqs == sorted(set(seqs))


def test_a_rewrite_of_an_accepted_unkeyed_part_is_placed_between_two_anchors() -> None:
    entries = keyed_chain(300, unkeyed=256)
    mark = checkpoint_at(entries, 300, unkeyed_through=256)
    assert [s for s, _ in mark.anchors][:3] == [4, 8, 12]  # 256 entries, 64 anchors
    assert first_break(entries, KEYS, [mark]) is None
    rewrite_unkeyed(entries[:256], 1)  # keep the keyed part; only re-link within the prefix
    forged = entries[:256]
    rewrite_unkeyed(forged, 10, actor="mallory")
    entries[:256] = forged
    found = first_break(entries, KEYS, [mark])
    assert found is not None
    assert (found.seq, found.kind) == (9, BreakKind.DIVERGED)
    assert "seq 9–12" in found.reason and found.occurred_at == entries[8].occurred_at


def test_a_checkpoint_with_anchors_reads_back_and_an_altered_anchor_is_refused() -> None:
    entries = keyed_chain(6, unkeyed=3)
    mark = checkpoint_at(entries, 6, unkeyed_through=3)
    line = checkpoint_line(mark)
    assert read_checkpoint(line, KEYS) == mark
    assert mark.anchors == tuple((s, entries[s - 1].row_hash) for s in (1, 2, 3))
    altered = line.replace(entries[1].row_hash, "0" * 64)
    with pytest.raises(CheckpointError, match="signature"):
        read_checkpoint(altered, KEYS)
    with pytest.raises(CheckpointError, match="signature"):
        read_checkpoint(line.replace('"unkeyed_through":3', '"unkeyed_through":6'), KEYS)
