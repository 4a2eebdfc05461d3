"""What the reliability tests share: the generated input they stream, and how they report numbers.

``SPEC`` is a small seeded plan (30 users, 2 h of event time); ``STREAM_SPEC`` a longer one that a
feeder sends at ``RATE`` through a fault and the recovery. :func:`report` prints one line of numbers
for docs/RELIABILITY.md; :func:`straddling_windows` counts the ``txn_1h`` windows that hold records
sent on both sides of a restart (a restore that lost window state would get them wrong).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from msk_features.dev.generator.plan import GenerateSpec, PlannedRecord
from tests.reference.fraud import floor_to, parse_time

__all__ = ["RATE", "SPEC", "STREAM_SPEC", "report", "straddling_windows"]

SPEC = GenerateSpec(
    seed=21,
    transactions=900,
    clicks=750,
    profiles=90,
    users=30,
    merchants=15,
    span=timedelta(hours=2),
    invalid_fraction=0.02,
)
RATE = 30.0  # records per second
# A plan longer than a run needs (~3 min at RATE): the feeder keeps sending through the fault and the
# recovery and is then stopped; the reference covers exactly the records it sent.
STREAM_SPEC = replace(SPEC, transactions=3000, clicks=2500, profiles=300, span=timedelta(hours=6))


def report(name: str, **numbers: object) -> None:
    """One line of numbers for docs/RELIABILITY.md (shown with ``pytest -s``)."""
    print(f"\nRELIABILITY {name}: {json.dumps(numbers, default=str)}")


def _hop_windows(record: PlannedRecord) -> set[tuple[str, object]]:
    """The (user, 1 h window start) of the ``txn_1h`` windows (slide 5 min) holding ``record``."""
    assert record.event is not None
    first = floor_to(parse_time(record.event["event_time"]), timedelta(minutes=5))
    return {(record.event["user_id"], first - k * timedelta(minutes=5)) for k in range(12)}


def straddling_windows(before: list[PlannedRecord], after: list[PlannedRecord]) -> int:
    """How many txn_1h windows hold valid transactions sent before AND after the restart."""

    def windows(records: list[PlannedRecord]) -> set[tuple[str, object]]:
        out: set[tuple[str, object]] = set()
        for record in records:
            if record.stream == "transactions" and record.kind != "invalid":
                out |= _hop_windows(record)
        return out

    return len(windows(before) & windows(after))
