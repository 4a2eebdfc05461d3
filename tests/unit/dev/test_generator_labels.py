"""Unit tests of the generator's labels stream: one delayed fraud/legit verdict per scored transaction.

The fraud rule is re-derived here from the generator's docstring
(``msk_features.dev.generator.profiles.fraud.events``), by a plain scan of the planned records, not
with the generator's own helpers: the rule's four signals of each transaction, from the records the
job keeps, then "at least three of four".
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from msk_features.cli.generate import generate
from msk_features.dev.generator import GenerateSpec, PlannedRecord, build_plan
from tests.unit.dev.test_generator import FAULTY, SCHEMAS, fingerprint, real_instant, violations

KEPT = ("valid", "out_of_order")
MINUTE_MS, HOUR_MS = 60_000, 3_600_000


def ms(text: str) -> int:
    moment = real_instant(text)
    assert moment is not None, text
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


@pytest.fixture(scope="module")
def labelled_plan() -> tuple[GenerateSpec, list[PlannedRecord]]:
    """A dense plan (12,000 events of 300 users over 3 h) with every kind of fault."""
    spec = GenerateSpec.from_total(
        12_000,
        seed=11,
        users=300,
        span=timedelta(hours=3),
        invalid_fraction=0.04,
        out_of_order_fraction=0.04,
        late_fraction=0.02,
        labels=True,
    )
    return spec, build_plan(spec)


def kept(records: list[PlannedRecord], stream: str) -> list[PlannedRecord]:
    return [r for r in records if r.stream == stream and r.kind in KEPT]


def expected_verdict(txn: dict, clicks: list[dict], profiles: list[dict]) -> bool:
    """The documented rule, by brute force over the user's kept clicks and profile versions."""
    t = ms(txn["event_time"])
    recent = sum(1 for c in clicks if t - 10 * MINUTE_MS <= ms(c["event_time"]) <= t)
    in_force = None
    for profile in profiles:  # topic order: equal updated_at, the later record wins
        if ms(profile["updated_at"]) <= t and (
            in_force is None or ms(profile["updated_at"]) >= ms(in_force["updated_at"])
        ):
            in_force = profile
    signals = (
        txn["amount"] >= Decimal("500.00"),
        in_force is not None and txn["country"] != in_force["home_country"],
        in_force is not None and in_force["risk_tier"] == "high",
        recent == 0,
    )
    return sum(signals) >= 3


def test_one_label_per_scored_transaction_not_counted_in_the_events(
    labelled_plan: tuple[GenerateSpec, list[PlannedRecord]],
) -> None:
    spec, records = labelled_plan
    scored = kept(records, "transactions")
    labels = [r for r in records if r.stream == "labels"]
    assert spec.events == 12_000 and spec.count("labels") == len(labels) == len(scored)
    assert spec.total == len(records) == 12_000 + len(labels)
    assert {r.topic for r in labels} == {"labels"}
    # The faults apply to labels as to every topic; the rest name exactly the scored transactions.
    assert Counter(r.kind for r in labels) == spec.kind_counts("labels")
    named = [r.event["txn_id"] for r in labels if r.event is not None]
    assert len(named) == len(set(named))
    by_id = {r.event["txn_id"]: r.event for r in scored if r.event is not None}
    assert set(named) <= set(by_id)
    for r in labels:
        if r.event is not None:
            txn = by_id[r.event["txn_id"]]
            assert (r.event["user_id"], r.event["txn_time"]) == (txn["user_id"], txn["event_time"])
            assert r.key == txn["user_id"].encode()


def test_labels_arrive_one_minute_to_four_hours_later_in_labeled_at_order(
    labelled_plan: tuple[GenerateSpec, list[PlannedRecord]],
) -> None:
    _, records = labelled_plan
    valid = [r.event for r in records if r.stream == "labels" and r.kind == "valid"]
    delays = [ms(e["labeled_at"]) - ms(e["txn_time"]) for e in valid if e is not None]
    assert min(delays) >= MINUTE_MS and max(delays) <= 4 * HOUR_MS
    assert min(delays) < 10 * MINUTE_MS and max(delays) > 3 * HOUR_MS  # the whole range is used
    times = [ms(e["labeled_at"]) for e in valid if e is not None]
    assert times == sorted(times), "valid labels are in labeled_at order: a delay makes none late"
    # In the plan (emission order), a label never comes before its transaction.
    position = {r.event["txn_id"]: r.seq for r in records if r.stream == "transactions" and r.event}
    assert all(position[r.event["txn_id"]] < r.seq for r in records if r.stream == "labels" and r.event)


def test_labels_follow_the_documented_rule_up_to_the_noise(
    labelled_plan: tuple[GenerateSpec, list[PlannedRecord]],
) -> None:
    _, records = labelled_plan
    clicks: dict[str, list[dict]] = {}
    profiles: dict[str, list[dict]] = {}
    for r in kept(records, "clicks"):
        clicks.setdefault(r.event["user_id"], []).append(r.event)  # type: ignore[index]
    for r in kept(records, "profiles"):
        profiles.setdefault(r.event["user_id"], []).append(r.event)  # type: ignore[index]
    truth = {}
    for r in kept(records, "transactions"):
        txn = r.event
        assert txn is not None
        user = txn["user_id"]
        truth[txn["txn_id"]] = expected_verdict(txn, clicks.get(user, []), profiles.get(user, []))
    labels = [r.event for r in records if r.stream == "labels" and r.event is not None]
    flipped = sum(1 for e in labels if (e["label"] == "fraud") != truth[e["txn_id"]])
    fraud_by_rule = sum(truth[e["txn_id"]] for e in labels)
    n = len(labels)
    # 2 % noise: within about 4 standard deviations (sqrt(0.02 * 0.98 / n) is 0.14 % at n = 10,000).
    assert n > 5_000
    assert 0.014 < flipped / n < 0.026, (flipped, n)
    # The rule itself picks out a minority, neither none nor most.
    assert 0.03 < fraud_by_rule / n < 0.20, fraud_by_rule / n
    # Noise flips both ways: some of the rule's frauds are labelled legit, some legit ones fraud.
    flips = Counter(truth[e["txn_id"]] for e in labels if (e["label"] == "fraud") != truth[e["txn_id"]])
    assert flips[True] > 0 and flips[False] > 0


def test_labels_are_deterministic_and_leave_the_other_topics_unchanged() -> None:
    spec = GenerateSpec.from_total(3_000, seed=5, users=80, labels=True, **FAULTY)
    first, second = build_plan(spec), build_plan(spec)
    assert fingerprint(first) == fingerprint(second)
    other_seed = build_plan(GenerateSpec.from_total(3_000, seed=6, users=80, labels=True, **FAULTY))
    assert fingerprint(first) != fingerprint(other_seed)
    without = build_plan(GenerateSpec.from_total(3_000, seed=5, users=80, **FAULTY))
    assert not [r for r in without if r.stream == "labels"]
    assert [r.value for r in first if r.stream != "labels"] == [r.value for r in without]


def test_label_records_satisfy_or_break_the_contract_as_labelled(
    labelled_plan: tuple[GenerateSpec, list[PlannedRecord]],
) -> None:
    _, records = labelled_plan
    labels = [r for r in records if r.stream == "labels"]
    for r in labels:
        if r.kind == "invalid":
            assert violations("labels", r.value) == [(r.invalid_kind, r.field)], (r.reason, r.value)
        else:
            assert violations("labels", r.value) == [], r.value
            assert list(json.loads(r.value)) == list(SCHEMAS["labels"])
    broken = {r.field for r in labels if r.kind == "invalid" and r.invalid_kind == "out_of_domain"}
    assert {"label", "txn_time", "labeled_at"} & broken


def test_out_of_order_and_late_labels_move_labeled_at_only(
    labelled_plan: tuple[GenerateSpec, list[PlannedRecord]],
) -> None:
    _, records = labelled_plan
    txn_time = {
        r.event["txn_id"]: r.event["event_time"] for r in records if r.stream == "transactions" and r.event
    }
    running_max: int | None = None
    seen = Counter()
    for r in (r for r in records if r.stream == "labels"):
        if r.event is None:
            continue
        assert r.event["txn_time"] == txn_time[r.event["txn_id"]]
        at = ms(r.event["labeled_at"])
        if r.kind == "valid":
            running_max = at if running_max is None else max(running_max, at)
        else:
            assert running_max is not None
            behind = running_max - at
            seen[r.kind] += 1
            if r.kind == "out_of_order":
                assert 0 < behind < 30_000
            else:
                assert behind > 35_000
    assert seen["out_of_order"] > 0 and seen["late"] > 0


def test_cli_generates_labels_by_default_and_not_with_no_labels(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MSK_FEATURES_PROPERTIES", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    out = tmp_path / "with.jsonl"
    result = runner.invoke(generate, ["fraud", "--count", "300", "--dry-run", "--output-jsonl", str(out)])
    assert result.exit_code == 0, result.output
    assert "300 events" in result.output and "150 labels → labels" in result.output
    assert "fraud of 150 on time" in result.output
    topics = Counter(json.loads(line)["topic"] for line in out.read_text().splitlines())
    assert topics == {"transactions": 150, "clicks": 120, "profiles": 30, "labels": 150}
    none = tmp_path / "without.jsonl"
    result = runner.invoke(
        generate, ["fraud", "--count", "300", "--no-labels", "--dry-run", "--output-jsonl", str(none)]
    )
    assert result.exit_code == 0, result.output
    assert "→ labels" not in result.output and "fraud of" not in result.output
    assert {json.loads(line)["topic"] for line in none.read_text().splitlines()} == {
        "transactions",
        "clicks",
        "profiles",
    }
