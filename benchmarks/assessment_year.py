"""How long a year's assessment takes on the Quzhou demo data, against reading the data alone.

Run: .venv/bin/python benchmarks/assessment_year.py [--repeat 5] [--year 2021]

Builds the demo database (migrations, catalogues, 69 synthetic annual reports) in a temporary
SQLite file, then times, in one process: (reference) reading every accepted value with one
query, and the full assessment (series, roll-ups, targets, attainment and progress for the
city and six counties) and the scoring of a county scheme on top of it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from ecociv import assessment, demo, indicators, orgs
from ecociv.adapters import migrate
from ecociv.adapters.db import Database
from ecociv.kernel import Actor, Role

ACTOR = Actor("bench", Role.ADMIN, request_id="bench")


def timed(function, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", type=int, default=2021)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        db = Database(url)
        orgs.load_reference_data(db, ACTOR)
        indicators.load_catalogues(db, ACTOR)
        demo.load_demo(db, ACTOR)

        def read_only() -> None:
            with db.reading() as session:
                indicators.observed_values(session, accepted_only=True)

        def assess() -> None:
            assessment.assess_year(db, ACTOR, args.year)

        def score() -> None:
            assessment.score_year(db, ACTOR, f"county-{args.year}")

        reference = timed(read_only, args.repeat)
        full = timed(assess, args.repeat)
        scoring = timed(score, args.repeat)
        result = assessment.assess_year(db, ACTOR, args.year)
        cells = sum(len(u.items) for u in result.units)
        db.dispose()
    print(
        f"year {args.year}: {len(result.units)} org units, {cells} indicator assessments, "
        f"{args.repeat} runs each (median, min, max in ms)"
    )
    for label, runs in (
        ("reference: read accepted values (1 query)", reference),
        ("assessment: attainment + progress", full),
        ("scoring: county scheme (includes assessment)", scoring),
    ):
        print(
            f"  {label:48s} {statistics.median(runs) * 1000:8.1f} "
            f"{min(runs) * 1000:8.1f} {max(runs) * 1000:8.1f}"
        )
    print(
        f"  assessment / reference: {statistics.median(full) / statistics.median(reference):.1f}x"
    )


if __name__ == "__main__":
    main()
