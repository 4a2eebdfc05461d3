"""The Quix Streams alternative of the benchmark (``benchmarks/alternatives/``) on the real broker.

Clean generated transactions (3 partitions, a few users) go to a fresh topic; the Quix app runs in
its own virtualenv (``.venv-bench``) as a subprocess and must stop by itself. Its output is checked
against windows computed here independently (:mod:`tests.reference.fraud`, plain Python over the
records sent), restricted to the windows Quix closes: a user's window closes once that user's
largest event time reaches ``window_end + grace``. ``compare.py`` must accept Quix's output against
the full reference (as our Flink job emits every window in bounded mode) and reject a mutated copy.
"""

from __future__ import annotations

import copy
import json
import subprocess
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from benchmarks.alternatives.compare import (
    WindowMismatch,
    close_horizons,
    compare_windows,
    epoch_ms,
    read_quix_rows,
)
from msk_features.dev.generator.plan import GenerateSpec
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from tests.reference.fraud import InputRecord, txn_1h, txn_1m
from tests.support.pipeline_run import send_inputs

REPO = Path(__file__).resolve().parents[2]
BENCH_PYTHON = REPO / ".venv-bench" / "bin" / "python"
APP = REPO / "benchmarks" / "alternatives" / "quix_windows.py"
GRACE_MS = 30_000
TRANSACTIONS = 3000


def _run_quix(
    endpoints: Endpoints, input_topic: str, prefix: str, state_dir: Path, *options: str
) -> dict[str, Any]:
    proc = subprocess.run(
        [
            str(BENCH_PYTHON),
            str(APP),
            "--bootstrap",
            endpoints.kafka_plaintext_bootstrap,
            "--input-topic",
            input_topic,
            "--output-prefix",
            prefix,
            "--state-dir",
            str(state_dir),
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"quix_windows.py exited {proc.returncode}:\n{proc.stderr[-6000:]}", pytrace=False)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _closed(rows: list[dict[str, Any]], horizons: dict[str, int]) -> list[dict[str, Any]]:
    """The rows whose window Quix has closed: ``window_end + grace <= user's largest event time``."""
    return [r for r in rows if epoch_ms(r["window_end"]) + GRACE_MS <= horizons[r["user_id"]]]


def _by_window(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    indexed = {(r["user_id"], r["window_start"], r["window_end"]): r for r in rows}
    assert len(indexed) == len(rows), "a window appears more than once"
    return indexed


def _assert_values(
    name: str,
    got: dict[tuple[str, str, str], dict[str, Any]],
    want: dict[tuple[str, str, str], dict[str, Any]],
) -> None:
    """Counts exact; sums and maxima exact at 4 places; means within the reference's 6-place rounding."""
    missing, extra = sorted(want.keys() - got.keys()), sorted(got.keys() - want.keys())
    assert not missing and not extra, f"{name}: missing {missing[:5]}, extra {extra[:5]}"
    for key, row in got.items():
        ref = want[key]
        for field in ("txn_count", "distinct_merchants"):
            if field in ref:
                assert row[field] == ref[field], f"{name} {key} {field}: {row[field]} != {ref[field]}"
        for field in ("amount_sum", "amount_max"):
            if field in ref:
                value = Decimal(row[field]).quantize(Decimal("0.0001"))
                assert value == ref[field], f"{name} {key} {field}: {row[field]} != {ref[field]}"
        if "amount_avg" in ref:
            assert abs(Decimal(row["amount_avg"]) - ref["amount_avg"]) <= Decimal("0.0000005000001"), (
                f"{name} {key} amount_avg: {row['amount_avg']} != {ref['amount_avg']}"
            )


@pytest.mark.parametrize("guarantee", ["at-least-once", "exactly-once"])
def test_quix_windows_match_independent_reference(
    local_stack: Endpoints, tmp_path: Path, guarantee: str
) -> None:
    if not BENCH_PYTHON.exists():
        pytest.skip(
            f"{BENCH_PYTHON} does not exist: create it with `python3 -m venv .venv-bench && "
            ".venv-bench/bin/pip install -r benchmarks/alternatives/requirements.txt`"
        )
    prefix = f"quix-{uuid.uuid4().hex[:8]}-"
    spec = GenerateSpec(
        seed=11, transactions=TRANSACTIONS, users=6, merchants=8, span=timedelta(hours=3)
    )  # clean: no invalid, out-of-order or late records
    sent = send_inputs(local_stack, spec, prefix, partitions=3)
    txns = [
        InputRecord("transactions", r.partition or 0, r.offset or 0, True, r.event)
        for r in sent.records
        if r.stream == "transactions"
    ]
    assert len(txns) == TRANSACTIONS and len({t.partition for t in txns}) == 3

    options = ["--exactly-once"] if guarantee == "exactly-once" else []
    topic = sent.topics.source_topic("transactions")
    summary = _run_quix(local_stack, topic, prefix, tmp_path / "state", *options)
    assert summary["complete"] and summary["records"] == TRANSACTIONS
    assert summary["late_dropped"] == 0
    assert summary["processing_guarantee"] == guarantee

    client = librdkafka_config(local_stack.kafka_config("plaintext"))
    quix = read_quix_rows(client, summary["output_topics"])  # read_committed
    assert {k: len(v) for k, v in quix.items()} == summary["output_rows"]

    horizons: dict[str, int] = {}
    for t in txns:
        horizons[t.event["user_id"]] = max(
            horizons.get(t.event["user_id"], 0), epoch_ms(t.event["event_time"])
        )
    reference = {"txn_1m": txn_1m(txns, "v-ref"), "txn_1h": txn_1h(txns, "v-ref")}
    for name, rows in reference.items():
        expected = _closed(rows, horizons)
        assert 0 < len(expected) < len(rows), (
            f"{name}: Quix should close some windows and leave the last open"
        )
        _assert_values(name, _by_window(quix[name]), _by_window(expected))
    assert max(r["distinct_merchants"] for r in quix["txn_1h"]) > 1
    assert max(r["txn_count"] for r in quix["txn_1m"]) > 1

    # compare.py: accepts Quix against the full reference (every window, like ours in bounded mode) ...
    assert close_horizons(client, sent.topics.source_topic("transactions")) == horizons
    result = compare_windows(quix, reference, horizons, GRACE_MS)
    for name, rows in reference.items():
        assert result[name]["compared"] == result[name]["equal"] == len(quix[name])
        assert result[name]["only_ours_after_horizon"] == len(rows) - len(quix[name]) > 0

    # ... and rejects one changed value, and one closed window missing from Quix.
    changed = copy.deepcopy(quix)
    changed["txn_1h"][len(changed["txn_1h"]) // 2]["amount_max"] += Decimal("0.01")
    with pytest.raises(WindowMismatch, match="amount_max"):
        compare_windows(changed, reference, horizons, GRACE_MS)
    dropped = copy.deepcopy(quix)
    del dropped["txn_1m"][0]
    with pytest.raises(WindowMismatch, match="missing from Quix although Quix closed it"):
        compare_windows(dropped, reference, horizons, GRACE_MS)
