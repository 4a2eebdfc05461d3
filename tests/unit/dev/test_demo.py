"""The demo's checks of its outputs against the generator's own records (no stack, no job: the demo
itself runs with `make demo`)."""

from __future__ import annotations

from msk_features.dev.demo import expected_counts, outputs_as_expected
from msk_features.dev.generator.records import PlannedRecord
from msk_features.operations.outputs import DatasetSummary, OutputSummary


def record(seq: int, stream: str, kind: str) -> PlannedRecord:
    return PlannedRecord(seq, f"t-{stream}", stream, None, b"{}", kind, None)  # type: ignore[arg-type]


RECORDS = [
    record(0, "a", "valid"),
    record(1, "a", "out_of_order"),
    record(2, "a", "late"),
    record(3, "a", "invalid"),
    record(4, "b", "valid"),
    record(5, "b", "invalid"),
]


def test_expected_counts_come_from_the_records_kinds() -> None:
    # dead letters: the 2 invalid; late events: the 1 late; archived: valid and out-of-order per stream
    assert expected_counts(RECORDS) == {"dead-letter": 2, "late-events": 1, "events/a": 2, "events/b": 1}


def summary(dead: int, archived_a: int) -> OutputSummary:
    return OutputSummary(
        topics={"dead-letter (dlq)": dead, "late-events (late)": 1, "txn_1m (features-txn-1m)": 99},
        datasets=[DatasetSummary("events/a", 1, archived_a, 1, 1), DatasetSummary("features/x", 1, 5, 1, 1)],
    )


def test_outputs_as_expected_checks_every_output_the_expectations_name() -> None:
    expected = expected_counts(RECORDS)
    assert outputs_as_expected(summary(dead=2, archived_a=2), expected)  # events/b not read: not checked
    assert not outputs_as_expected(summary(dead=3, archived_a=2), expected)  # a topic, by its label's name
    assert not outputs_as_expected(summary(dead=2, archived_a=1), expected)  # a dataset, by its name
