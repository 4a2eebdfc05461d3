"""Adding a feature set to a running pipeline (issue 15, item 4; the procedure of docs/evolving.md).

v1 of the reference pipeline runs without ``txn_1m`` on the local stack (real broker, S3 server,
the job's own mini-cluster), reads the first half of the input and is stopped with a savepoint
(no drain: windows stay open in its state). ``msk-features switch-over`` reads S from the archive.
v2 (every feature set; ``added.feature.sets = txn_1m``, ``switch.over = S``) restores that
savepoint, reads the second half and is stopped with a draining savepoint. Then ``txn_1m`` is
backfilled up to the instant v2 serves it from, and:

- the feature sets v1 had equal the independent reference for ALL input, on Kafka (read_committed)
  and in Parquet, although windows straddle the restore: their state was handed to the same
  operators (stable uids), not to other ones or dropped;
- ``txn_1m``'s live rows are exactly the reference's from S + 1 min on; its backfill exactly the
  reference's before; together, every reference row once;
- ``msk-features parity`` over the whole range reports no difference for any feature set, and
  attributes ``txn_1m``'s rows before S + 1 min as not served (without the switch-over in its
  properties, the negative control, it counts them missing and exits 1);
- a training set over live and history (``--source live --source backfill/<run>``) finds, for a
  label at each reference window's end, that window.

Marked ``reliability`` (two job runs, three backfill jobs: about 5 minutes here), run by
``make reliability``; ``make test`` keeps to its time budget.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from msk_features.cli import main
from msk_features.dev.generator.plan import GenerateSpec
from msk_features.dev.generator.send import send
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import feature_rows_from_table, read_offline, utc_text
from tests.reference.fraud import parse_time
from tests.support.fraud_check import assert_same_rows, kafka_rows, parquet_rows, reference_for
from tests.support.jobs import JobProcess, prepare_run, start_job, wait_caught_up, write_properties
from tests.support.pipeline_run import FEATURE_SETS
from tests.support.recovery import report, straddling_windows

pytestmark = pytest.mark.slow

ADDED = "txn_1m"
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SPEC = GenerateSpec(
    seed=27,
    transactions=900,
    clicks=750,
    profiles=90,
    users=30,
    merchants=15,
    start=T0,
    span=timedelta(hours=2),
    invalid_fraction=0.02,
)
# Past every row: the last hop window (1 h) and session of the drained job end before it.
RANGE = (T0 - timedelta(hours=1), T0 + SPEC.span + timedelta(hours=2))


def cli(*args: str) -> Any:
    """``msk-features ARGS --output json`` in-process; the decoded report (exit status 0 asserted)."""
    result = CliRunner().invoke(main, [*args, "--output", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_feature_set_added_from_a_savepoint_keeps_the_others_state_and_parity_holds(
    local_stack: Endpoints, built_package: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    run = prepare_run(local_stack, SPEC, "evolve-", tmp_path)
    others = tuple(fs for fs in FEATURE_SETS if fs != ADDED)
    v1 = replace(run.cfg, pipeline=replace(run.cfg.pipeline, feature_sets=others))
    v1_properties = write_properties(v1, tmp_path / "v1.json")
    half = len(run.records) // 2
    first_half, second_half = run.records[:half], run.records[half:]
    assert straddling_windows(first_half, second_half) > 0, "precondition: windows span the restore"
    conf = librdkafka_config(local_stack.kafka_config("plaintext"))

    first = start_job(v1_properties, tmp_path / "checkpoints", tmp_path / "v1.log")
    second: JobProcess | None = None
    try:
        first.wait_all_tasks_running()
        send(first_half, conf, progress=False)
        wait_caught_up(v1, first)
        savepoint = first.stop_with_savepoint(tmp_path / "savepoints", drain=False)
        assert first.popen.returncode == 0, first.output_tail()

        plan = cli("switch-over", "fraud", "--feature-set", ADDED, "--properties", str(v1_properties))
        switch = parse_time(plan["switch_over"])
        last_read = max(
            parse_time(r.event["event_time"])
            for r in first_half
            if r.stream == "transactions" and r.kind != "invalid" and r.event is not None
        )
        assert switch == last_read + timedelta(milliseconds=1), plan
        v2 = replace(
            run.cfg, pipeline=replace(run.cfg.pipeline, added_feature_sets=(ADDED,), switch_over=switch)
        )
        assert plan["properties"]["pipeline"]["switch.over"] == utc_text(switch)
        v2_properties = write_properties(v2, tmp_path / "v2.json")

        second = start_job(
            v2_properties, tmp_path / "checkpoints", tmp_path / "v2.log", restore_from=savepoint
        )
        second.wait_all_tasks_running()
        send(second_half, conf, progress=False)
        wait_caught_up(v2, second)
        second.stop_with_savepoint(tmp_path / "final-savepoint", drain=True)
        assert second.popen.returncode == 0, second.output_tail()
    finally:
        first.ensure_stopped()
        if second is not None:
            second.ensure_stopped()

    expected = reference_for(run.records, run.cfg)
    assert not expected.late, "precondition: no record is late by the per-partition rule"
    for name in others:  # state kept across the restore: every row, once
        assert expected.features[name], f"precondition: the reference expects {name} rows"
        assert_same_rows(kafka_rows(v2, name), expected.features[name], f"Kafka {name}")
        assert_same_rows(parquet_rows(v2, name), expected.features[name], f"Parquet {name}")

    (entry,) = plan["feature_sets"]
    served_from = parse_time(entry["complete_from"])
    assert served_from == switch + timedelta(minutes=1)
    served = [r for r in expected.features[ADDED] if r["window_end"] >= utc_text(served_from)]
    unserved = [r for r in expected.features[ADDED] if r["window_end"] < utc_text(served_from)]
    assert served and unserved, "precondition: txn_1m rows on both sides of the switch-over"
    assert_same_rows(kafka_rows(v2, ADDED), served, f"Kafka {ADDED} from {entry['complete_from']}")
    assert_same_rows(parquet_rows(v2, ADDED), served, f"Parquet {ADDED} from {entry['complete_from']}")

    # The backfill the switch-over printed, with v2's properties: the rows before it is served.
    command = entry["backfill"].split()[2:]  # after "msk-features backfill"
    history = cli("backfill", *command, "--properties", str(v2_properties))
    assert v2.offline is not None
    backfilled = feature_rows_from_table(
        read_offline(v2.offline, f"backfill/{history['run']}/features/{ADDED}")
    )
    assert_same_rows(backfilled, unserved, f"backfill of {ADDED} before {entry['complete_from']}")

    window = ["--from", utc_text(RANGE[0]), "--to", utc_text(RANGE[1]), "--properties", str(v2_properties)]
    parity = cli("parity", "fraud", *window)
    assert parity["ok"], parity
    by_set = {(f["feature_set"], f["live"]): f for f in parity["feature_sets"]}
    for (name, _live), found in by_set.items():
        assert found["missing"] == found["extra"] == found["different"] == 0, found
        if name == ADDED:
            assert (found["matched"], found["not_served"]) == (len(served), len(unserved)), found
            assert found["served_from"] == entry["complete_from"]
        else:
            assert found["matched"] == len(expected.features[name]) and found["served_from"] is None, found
    assert set(by_set) == {(fs, live) for fs in FEATURE_SETS for live in ("kafka", "parquet")}
    # Negative control: the same parity without the switch-over in the properties counts the rows
    # before it as missing, and fails.
    plain = write_properties(run.cfg, tmp_path / "without-switch-over.json")
    window[-1] = str(plain)
    unattributed = CliRunner().invoke(main, ["parity", "fraud", *window, "--output", "json"])
    assert unattributed.exit_code == 1, unattributed.output
    missing = {
        f["live"]: f["missing"] for f in json.loads(unattributed.stdout)["feature_sets"] if f["missing"]
    }
    assert missing == {"kafka": len(unserved), "parquet": len(unserved)}, missing

    # What a model trains on: live and history together, one label at each reference window's end.
    reference = sorted(expected.features[ADDED], key=lambda r: (r["user_id"], r["window_end"]))
    labels = tmp_path / "labels.parquet"
    pq.write_table(
        pa.table(
            {
                "user_id": [r["user_id"] for r in reference],
                "label_time": [r["window_end"] for r in reference],
                "label": list(range(len(reference))),
            }
        ),
        labels,
    )
    sources = ["--source", "live", "--source", f"backfill/{history['run']}"]
    out = tmp_path / "train.parquet"
    args = ["--labels", str(labels), "--feature-set", ADDED, *sources, "--out", str(out)]
    trained = cli("training-set", "fraud", *args, "--properties", str(v2_properties))
    assert trained["with_a_row"] == {ADDED: len(reference)}
    rows = pq.read_table(out).to_pylist()
    assert [(r["user_id"], r[f"{ADDED}__txn_count"]) for r in rows] == [
        (r["user_id"], r["txn_count"]) for r in reference
    ]
    report(
        "evolution",
        seconds=round(time.monotonic() - started),
        records_sent=len(run.records),
        switch_over=plan["switch_over"],
        served_from=entry["complete_from"],
        straddling_txn_1h_windows=straddling_windows(first_half, second_half),
        rows={name: len(expected.features[name]) for name in FEATURE_SETS},
        added_rows_served=len(served),
        added_rows_backfilled=len(unserved),
    )
