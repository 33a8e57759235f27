"""How fast the audit log appends and verifies, against the cost of hashing alone.

Run: .venv/bin/python benchmarks/audit_chain.py [--entries 20000] [--database-url URL]

Appends N entries (one transaction each, as services do), then verifies the whole chain, on
a fresh SQLite file (or the given URL, which must be an empty database). Entries are keyed
(HMAC-SHA256 with a benchmark key). The reference is the bare HMAC + canonical-JSON work for
the same N entries in one process: verification cannot be faster than that, so the ratio
shows what the database round trips add.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.audit import record, verify_chain
from ecociv.audit.rules import canonical_json
from ecociv.kernel import Actor, Role

ACTOR = Actor("bench", Role.ADMIN, request_id="bench")
KEY = "benchmark-audit-key-" + "b" * 32


def payload(i: int) -> tuple[dict[str, object], dict[str, object]]:
    return {"name": f"企业{i}", "tags": ["key_polluter"]}, {"name": f"企业{i}改", "tags": []}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    n = args.entries
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        db = Database(url, audit_key=KEY)

        started = time.perf_counter()
        for i in range(n):
            before, after = payload(i)
            with db.transaction() as session:
                record(session, ACTOR, "enterprise.update", "enterprise", i, before, after)
        append_s = time.perf_counter() - started

        started = time.perf_counter()
        result = verify_chain(db)
        verify_s = time.perf_counter() - started
        assert result.first_break is None and result.checked == result.keyed == n
        db.dispose()

    started = time.perf_counter()
    prev = "0" * 64
    stamp = datetime.now(UTC)
    for i in range(n):
        before, after = payload(i)
        body = canonical_json(
            [
                i,
                prev,
                stamp.isoformat(),
                "bench",
                "admin",
                "enterprise.update",
                "enterprise",
                str(i),
                before,
                after,
                "bench",
            ]
        )
        prev = hmac.new(KEY.encode(), body.encode(), hashlib.sha256).hexdigest()
    hash_s = time.perf_counter() - started

    print(f"database: {url.split('@')[-1] if args.database_url else 'sqlite (temporary file)'}")
    print(f"entries: {n}")
    print(f"append (one transaction each): {append_s:.2f} s, {n / append_s:,.0f} entries/s")
    print(f"verify whole chain:            {verify_s:.2f} s, {n / verify_s:,.0f} entries/s")
    print(f"reference, HMAC alone:         {hash_s:.2f} s, {n / hash_s:,.0f} entries/s")
    print(f"verify / hashing-alone ratio:  {verify_s / hash_s:.1f}x")


if __name__ == "__main__":
    main()
