"""Unit tests of the contract-driven generator (any pipeline) and of ``msk-features generate PIPELINE``.

The validator below is written from docs/validation.md's table (the decoder's rules and their
order), not from the generator's code: it lists every rule a record value breaks, as
``(kind, field)`` pairs, for any contract.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any, get_args

import pytest
from click.testing import CliRunner

from flink_jobs.features import Field, InputSchema, PipelineSpec, Source
from flink_jobs.features.contracts import FieldKind
from flink_jobs.pipelines import get_pipeline
from msk_features.cli.generate import generate
from msk_features.dev.generator import (
    ContractSpec,
    PlannedRecord,
    SendSummary,
    SpecError,
    build_contract_plan,
)
from msk_features.dev.generator.contract_values import VALUE_KINDS, ContractValueError
from msk_features.dev.generator.instants import format_instant, malformed_instants, parse_instant
from msk_features.dev.generator.pattern_text import PatternError, matching_text
from msk_features.dev.generator.planner import ContractPlanner, GenerateRequest
from msk_features.dev.generator.records import InvalidValue, RecordKind
from msk_features.dev.generator.source_plan import PlannedSource, SourceTarget, merge_sources, plan_source

# --------------------------------------------------------------------------------------------------
# Pipelines under test: the shipped ones and one with every field kind
# --------------------------------------------------------------------------------------------------

ACCOUNTS = InputSchema(
    name="accounts",
    key="account_id",
    fields=(
        Field("account_id", "string"),
        Field("tier", "enum", choices=("basic", "pro")),
        Field("region", "code", pattern=r"^(eu|us)-[a-z]{2,4}-\d$"),
        Field("limit", "double"),
        Field("changed_at", "timestamp"),
    ),
    time_field="changed_at",
)
PAYMENTS = InputSchema(
    name="payments",
    key="account_id",
    fields=(
        Field("payment_id", "string"),
        Field("account_id", "string"),
        Field("memo", "string"),
        Field("method", "enum", choices=("card", "wire", "cash")),
        Field("ref", "code", pattern=r"[A-Z]{2}\d{3,5}"),
        Field("amount", "decimal"),
        Field("score", "double"),
        Field("booked_at", "timestamp"),
        Field("event_time", "timestamp"),
    ),
)
TERMINALS = InputSchema(
    name="terminals",
    key="terminal",
    fields=(
        Field("terminal", "code", pattern=r"^T-[0-9]{2}$"),
        Field("state", "enum", choices=("up", "down")),
        Field("seen_at", "timestamp"),
    ),
    time_field="seen_at",
)
EVERY_KIND = PipelineSpec(
    name="every_kind",
    sources=(
        Source(PAYMENTS),
        Source(ACCOUNTS, versioned=True, watermark_delay=timedelta(seconds=5)),
        Source(TERMINALS, topic="terminal-events"),
    ),
    feature_sets=(),
)
PIPELINES = {"iot": get_pipeline("iot"), "fraud": get_pipeline("fraud"), "every_kind": EVERY_KIND}


def test_every_field_kind_of_the_contracts_has_values() -> None:
    assert set(get_args(FieldKind)) == set(VALUE_KINDS)
    kinds = {f.kind for s in EVERY_KIND.sources for f in s.schema.fields}
    assert kinds == set(get_args(FieldKind)), "the test pipeline declares every kind"


# --------------------------------------------------------------------------------------------------
# An independent validator, from docs/validation.md
# --------------------------------------------------------------------------------------------------

INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _in_domain(field: Field, value: Any) -> bool:
    if field.kind == "string":
        return value != ""
    if field.kind == "decimal":
        _, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        if exponent > 0:  # 1e2 reads 1E+2: not a plain decimal
            return False
        integer_digits = max(len(digits) + exponent, 0)
        return value > 0 and -exponent <= 4 and integer_digits <= 14
    if field.kind == "double":
        return math.isfinite(float(value))
    if field.kind == "code":
        return re.fullmatch(field.pattern or "", value) is not None
    if field.kind == "enum":
        return value in field.choices
    if field.kind == "timestamp":
        if not INSTANT.fullmatch(value):
            return False
        try:
            instant = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            return False
        return instant >= datetime(1970, 1, 1)
    raise AssertionError(field.kind)


def violations(schema: InputSchema, value: bytes) -> list[tuple[str, str | None]]:
    """Every rule ``value`` breaks: ``[("bad_json", None)]`` or one ``(kind, field)`` per broken field."""
    try:
        parsed = json.loads(
            value.decode("utf-8"), parse_float=Decimal, parse_int=Decimal, parse_constant=_no_constants
        )
    except ValueError:
        return [("bad_json", None)]
    if not isinstance(parsed, dict):
        return [("bad_json", None)]
    broken: list[tuple[str, str | None]] = []
    for field in schema.fields:
        got = parsed.get(field.name)
        if got is None:
            broken.append(("missing_field", field.name))
        elif field.kind in ("decimal", "double"):
            if not isinstance(got, Decimal):
                broken.append(("wrong_type", field.name))
            elif not _in_domain(field, got):
                broken.append(("out_of_domain", field.name))
        elif not isinstance(got, str):
            broken.append(("wrong_type", field.name))
        elif not _in_domain(field, got):
            broken.append(("out_of_domain", field.name))
    return broken


def expected_reason(schema: InputSchema, kind: str, name: str | None) -> str:
    """The start of the decoder's reason (docs/validation.md's table)."""
    if kind == "bad_json":
        return "bad JSON: the value is not"
    field = next(f for f in schema.fields if f.name == name)
    if kind == "missing_field":
        return f"missing field: {name}"
    if kind == "wrong_type":
        json_type = "number" if field.kind in ("decimal", "double") else "string"
        return f"wrong type: {name} must be a JSON {json_type}"
    return f"out of domain: {name} must"


def test_the_validator_sees_each_rule() -> None:
    ok = b'{"terminal":"T-01","state":"up","seen_at":"2026-11-24T10:00:00.000Z"}'
    assert violations(TERMINALS, ok) == []
    assert violations(TERMINALS, ok[:-1]) == [("bad_json", None)]
    assert violations(TERMINALS, ok.replace(b'"up"', b"null")) == [("missing_field", "state")]
    assert violations(TERMINALS, ok.replace(b'"up"', b"1")) == [("wrong_type", "state")]
    assert violations(TERMINALS, ok.replace(b"T-01", b"T-1")) == [("out_of_domain", "terminal")]
    assert violations(TERMINALS, ok.replace(b"10:00:00.000", b"24:00:00.000")) == [
        ("out_of_domain", "seen_at")
    ]
    assert violations(PAYMENTS, b'{"amount": 1e2}')[5] == ("out_of_domain", "amount")
    assert violations(ACCOUNTS, b'{"limit": 1e309}')[3] == ("out_of_domain", "limit")


# --------------------------------------------------------------------------------------------------
# Valid and invalid records
# --------------------------------------------------------------------------------------------------


def _plan(name: str, count: int = 1500, **kwargs: Any) -> tuple[ContractSpec, list[PlannedRecord]]:
    spec = ContractSpec.from_total(PIPELINES[name], count, **kwargs)
    return spec, build_contract_plan(spec)


def _schemas(name: str) -> dict[str, InputSchema]:
    return {s.name: s.schema for s in PIPELINES[name].sources}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_valid_records_satisfy_their_contract(name: str) -> None:
    _, records = _plan(name, invalid_fraction=0.1, out_of_order_fraction=0.1, late_fraction=0.05)
    schemas = _schemas(name)
    kept = [r for r in records if r.kind != "invalid"]
    assert kept
    for record in kept:
        schema = schemas[record.stream]
        assert violations(schema, record.value) == [], record.value
        event = json.loads(record.value)
        assert list(event) == [f.name for f in schema.fields], "every field, in contract order, none null"
        assert record.key == str(event[schema.key]).encode(), "the Kafka key is the key field's value"


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_invalid_records_break_exactly_the_labelled_rule(name: str) -> None:
    _, records = _plan(name, 4000, invalid_fraction=0.5, seed=3)
    schemas = _schemas(name)
    invalid = [r for r in records if r.kind == "invalid"]
    seen: Counter[str] = Counter()
    for record in invalid:
        schema = schemas[record.stream]
        assert record.invalid_kind is not None and record.reason is not None and record.event is None
        assert violations(schema, record.value) == [(record.invalid_kind, record.field)], record.value
        assert record.reason.startswith(expected_reason(schema, record.invalid_kind, record.field)), (
            record.reason
        )
        seen[record.invalid_kind] += 1
        if record.field is not None:
            seen[
                f"{record.invalid_kind}:{next(f.kind for f in schema.fields if f.name == record.field)}"
            ] += 1
    assert set(seen) >= {"bad_json", "missing_field", "wrong_type", "out_of_domain"}
    kinds = {f.kind for s in schemas.values() for f in s.fields}
    for kind in kinds:
        assert seen[f"out_of_domain:{kind}"] > 0 and seen[f"wrong_type:{kind}"] > 0, kind


def test_malformed_and_pre_1970_times_are_out_of_domain() -> None:
    _, records = _plan("every_kind", 4000, invalid_fraction=1.0, seed=11)
    times = [
        json.loads(r.value)[r.field]
        for r in records
        if r.invalid_kind == "out_of_domain"
        and r.field in ("booked_at", "event_time", "changed_at", "seen_at")
    ]
    assert any(t.startswith("1969-") for t in times)
    assert any(not INSTANT.fullmatch(t) for t in times)


# --------------------------------------------------------------------------------------------------
# Keys, versions, times
# --------------------------------------------------------------------------------------------------


def _keys(records: list[PlannedRecord], stream: str, field: str) -> set[str]:
    return {json.loads(r.value)[field] for r in records if r.stream == stream and r.kind == "valid"}


def test_sources_keyed_alike_share_the_keys() -> None:
    _, records = _plan("iot", 3000, keys=40)
    readings, devices = _keys(records, "readings", "device_id"), _keys(records, "devices", "device_id")
    assert len(devices) == 40 and readings <= devices, "every reading's device has a version"
    assert len(readings) > 30
    _, records = _plan("every_kind", 3000, keys=25)
    payments, accounts = _keys(records, "payments", "account_id"), _keys(records, "accounts", "account_id")
    assert len(accounts) == 25 and payments <= accounts
    terminals = _keys(records, "terminals", "terminal")
    assert len(terminals) == 25 and all(re.fullmatch(r"T-\d{2}", t) for t in terminals)


def test_a_versioned_source_has_a_version_per_key_before_the_span_and_more_during_it() -> None:
    spec, records = _plan("iot", 2000, keys=50)
    start = spec.start_ms
    versions: dict[str, list[datetime]] = defaultdict(list)
    for record in records:
        if record.stream == "devices" and record.kind == "valid":
            event = json.loads(record.value)
            versions[event["device_id"]].append(
                datetime.strptime(event["updated_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
            )
    starts = datetime.fromtimestamp(start / 1000, tz=UTC).replace(tzinfo=None)
    assert len(versions) == 50
    assert all(times[0] < starts for times in versions.values()), "the first version comes before the span"
    assert sum(len(times) for times in versions.values()) > 50
    assert any(len(times) > 2 for times in versions.values()), "a few versions per key during the span"
    end = starts + spec.span
    assert all(starts <= t < end for times in versions.values() for t in times[1:])


def test_event_sources_spread_over_the_span() -> None:
    spec, records = _plan("iot", 2000)
    times = [r.event_time_ms for r in records if r.stream == "readings" and r.kind == "valid"]
    assert times == sorted(times)
    assert all(t is not None and spec.start_ms <= t < spec.start_ms + spec.span_ms for t in times)


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_the_same_seed_gives_the_same_records(name: str) -> None:
    options = {"invalid_fraction": 0.1, "out_of_order_fraction": 0.1, "late_fraction": 0.1}
    first = [(r.topic, r.key, r.value, r.label) for r in _plan(name, 600, seed=5, **options)[1]]
    again = [(r.topic, r.key, r.value, r.label) for r in _plan(name, 600, seed=5, **options)[1]]
    other = [(r.topic, r.key, r.value, r.label) for r in _plan(name, 600, seed=6, **options)[1]]
    assert first == again and first != other


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_fractions_out_of_order_and_late_are_honoured(name: str) -> None:
    fractions = {"invalid_fraction": 0.07, "out_of_order_fraction": 0.11, "late_fraction": 0.05}
    spec, records = _plan(name, 2001, seed=9, watermark_delay=timedelta(seconds=20), **fractions)
    by_source = {s.name: s for s in PIPELINES[name].sources}
    assert [r.seq for r in records] == list(range(len(records)))
    for stream, source in by_source.items():
        mine = [r for r in records if r.stream == stream]
        n = len(mine)
        assert n == spec.count(stream)
        kinds = Counter(r.kind for r in mine)
        want = {
            k: math.floor(n * f + 0.5)
            for k, f in zip(("invalid", "out_of_order", "late"), fractions.values(), strict=True)
        }
        assert {k: kinds[k] for k in want} == want
        delay = (source.watermark_delay or timedelta(seconds=20)) // timedelta(milliseconds=1)
        high: int | None = None
        for record in mine:  # topic order
            time = record.event_time_ms
            if record.kind == "valid":
                assert time is not None
                high = time if high is None else max(high, time)
            elif record.kind == "out_of_order":
                assert high is not None and time is not None and high - delay < time < high
            elif record.kind == "late":
                assert high is not None and time is not None and time < high - delay - 5_000
            else:
                event = _readable(record)
                if event is not None and high is not None and record.field != source.event_time:
                    assert event[source.event_time] <= _fmt(high), "an invalid record never moves the maximum"


def _readable(record: PlannedRecord) -> dict[str, Any] | None:
    try:
        parsed = json.loads(record.value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _fmt(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_counts_topics_and_summary_order() -> None:
    spec = ContractSpec(EVERY_KIND, {"payments": 7, "terminals": 3})
    records = build_contract_plan(spec)
    assert Counter(r.topic for r in records) == {"payments": 7, "terminal-events": 3}
    assert ContractSpec.from_total(get_pipeline("iot"), 1001).counts == {"readings": 801, "devices": 200}
    iot = build_contract_plan(ContractSpec.from_total(get_pipeline("iot"), 100))
    assert iot[0].stream == "devices", "the first versions come first"
    assert SendSummary.from_records(iot).topics == ["readings", "devices"], "declaration order"


@pytest.mark.parametrize(
    ("kwargs", "mention"),
    [
        ({"counts": {"nope": 3}}, "no source 'nope'"),
        ({"counts": {"readings": 2}, "late_fraction": 1.0}, "valid record"),
        ({"keys": 0}, "keys"),
        ({"span": timedelta(0)}, "span"),
        ({"counts": {"readings": 5}, "out_of_order_fraction": 0.5, "watermark_delay": timedelta(0)}, "delay"),
    ],
)
def test_bad_specs_are_refused_by_name(kwargs: dict[str, Any], mention: str) -> None:
    with pytest.raises(SpecError, match=mention):
        ContractSpec(get_pipeline("iot"), **kwargs)


def test_a_pattern_outside_the_subset_is_refused_naming_the_field() -> None:
    odd = InputSchema(
        "odd",
        (Field("k", "string"), Field("c", "code", pattern=r"(?=x)x"), Field("t", "timestamp")),
        "k",
        "t",
    )
    with pytest.raises(ContractValueError, match="source odd, field c"):
        build_contract_plan(ContractSpec(PipelineSpec("odd", (Source(odd),), ()), {"odd": 3}))


@pytest.mark.parametrize(
    "pattern",
    [r"^[A-Z]{3}$", r"^[a-z]{3}-[0-9]{2}$", r"(ab|c)+\.x?", r"[^a-z]{2,}", r"\d{4}-\w{1,3}", r"a*b"],
)
def test_pattern_text_matches_its_pattern(pattern: str) -> None:
    rng = Random(1)
    assert all(re.fullmatch(pattern, matching_text(rng, pattern)) for _ in range(200))


@pytest.mark.parametrize("pattern", [r"(?<=a)b", r"\p{Upper}", r"[z-a]", r"(a", r"a)", r"x{3,1}"])
def test_pattern_text_refuses_what_it_cannot_draw(pattern: str) -> None:
    with pytest.raises(PatternError, match="cannot draw text"):
        matching_text(Random(1), pattern)


# --------------------------------------------------------------------------------------------------
# What every generator shares: one source's records, the merge, the options, malformed instants
# --------------------------------------------------------------------------------------------------

T0 = 1_800_000_000_000  # 2027-01-15T08:00:00.000Z


def real_ms(text: str) -> int:
    """Epoch milliseconds of ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (strptime, not the generator's parser)."""
    instant = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _shared_source(counts: dict[RecordKind, int], delay_ms: int = 10_000) -> tuple[list[Any], PlannedSource]:
    """A source of 40 events one second apart, keyed by ``who``, and its planned records; the
    invalid maker records what it was given and returns a marker value."""
    base = [
        (T0 + i * 1_000, {"who": f"w{i % 3}", "n": i, "at": format_instant(T0 + i * 1_000)})
        for i in range(40)
    ]
    target = SourceTarget("things", "things-topic", 2, "who", "at", delay_ms)
    calls: list[Any] = []

    def invalid(rng: Random, event: dict[str, Any], time_ms: int) -> InvalidValue:
        calls.append((event, time_ms))
        return InvalidValue(b"not json", "bad_json", None, "made up")

    return calls, plan_source(7, target, counts, base, invalid)


def test_plan_source_places_kinds_and_moves_times_behind_the_running_maximum() -> None:
    counts: dict[RecordKind, int] = {"valid": 25, "out_of_order": 5, "late": 4, "invalid": 6}
    calls, planned = _shared_source(counts)
    assert [emit for emit, _ in planned] == [T0 + i * 1_000 for i in range(40)], "emission is the base time"
    assert Counter(r.kind for _, r in planned) == counts
    assert next(r.kind for _, r in planned if r.kind != "invalid") == "valid"
    max_ms: int | None = None
    invalid_times = []
    for i, (base_ms, record) in enumerate(planned):
        assert (record.topic, record.stream, record.source_index) == ("things-topic", "things", 2)
        assert record.key == f"w{i % 3}".encode()
        if record.kind == "invalid":
            assert record.event is None and record.value == b"not json" and record.reason == "made up"
            invalid_times.append(base_ms if max_ms is None else max_ms)
            continue
        assert record.event is not None and record.event["n"] == i
        assert json.loads(record.value) == record.event
        time_ms = real_ms(record.event["at"])
        if record.kind == "valid":
            assert time_ms == base_ms
            max_ms = time_ms if max_ms is None else max(max_ms, time_ms)
        elif record.kind == "out_of_order":
            assert max_ms is not None and max_ms - 10_000 < time_ms < max_ms
        else:
            assert max_ms is not None and time_ms < max_ms - 10_000 - 5_000
    assert [time_ms for _, time_ms in calls] == invalid_times
    assert all(real_ms(event["at"]) == time_ms for event, time_ms in calls), "the event holds time_ms"


def test_plan_source_is_a_function_of_seed_and_name() -> None:
    counts: dict[RecordKind, int] = {"valid": 30, "out_of_order": 4, "late": 3, "invalid": 3}
    first, second = _shared_source(counts)[1], _shared_source(counts)[1]
    assert [r.to_json_line() for _, r in first] == [r.to_json_line() for _, r in second]


def test_merge_sources_orders_by_time_then_rank_then_position() -> None:
    def record(name: str) -> PlannedRecord:
        return PlannedRecord(-1, name, name, None, b"{}", "valid", {})

    a1, a2, b1, b2 = record("a1"), record("a2"), record("b1"), record("b2")
    merged = merge_sources([(1, [(5, a1), (5, a2)]), (0, [(5, b1), (3, b2)])])
    assert [r.topic for r in merged] == ["b2", "b1", "a1", "a2"]
    assert [r.seq for r in merged] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("kwargs", "mention"),
    [
        ({"late_fraction": 1.5}, "late_fraction must be within"),
        ({"invalid_fraction": 0.7, "late_fraction": 0.7}, "at most 1"),
        ({"start": datetime(2026, 1, 1)}, "time zone"),
        ({"watermark_delay": timedelta(-1)}, "watermark_delay"),
        ({"span": timedelta(0)}, "span"),
        ({"keys": 0}, "keys"),
    ],
)
def test_the_request_checks_the_shared_options(kwargs: dict[str, Any], mention: str) -> None:
    with pytest.raises(SpecError, match=mention):
        GenerateRequest(**kwargs)


def test_specs_take_the_requests_options() -> None:
    request = GenerateRequest(seed=9, span=timedelta(minutes=5), late_fraction=0.25, keys=7)
    spec = ContractPlanner().spec(get_pipeline("iot"), request)
    assert (spec.seed, spec.span, spec.late_fraction, spec.keys) == (9, timedelta(minutes=5), 0.25, 7)
    assert spec.start == request.start and spec.topics == request.topics


def test_malformed_instants_are_all_refused() -> None:
    good = format_instant(T0 + 123)
    texts = [text for text, _ in malformed_instants(good)]
    assert len(set(texts)) == 7 and good not in texts
    for text in texts:
        with pytest.raises(ValueError):
            parse_instant(text)


# --------------------------------------------------------------------------------------------------
# The command, for any pipeline
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.delenv("MSK_FEATURES_PROPERTIES", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_cli_plans_iot_from_its_contracts(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "iot.jsonl"
    args = ["iot", "--count", "500", "--keys", "20", "--seed", "4", "--invalid-fraction", "0.1"]
    result = runner.invoke(generate, [*args, "--dry-run", "--output-jsonl", str(out)])
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output and "readings" in result.output and "devices" in result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = build_contract_plan(
        ContractSpec.from_total(get_pipeline("iot"), 500, keys=20, seed=4, invalid_fraction=0.1)
    )
    assert lines == [r.to_json_dict() for r in expected]
    assert Counter(line["topic"] for line in lines) == {"readings": 400, "devices": 100}


def test_cli_takes_the_pipeline_from_the_properties(runner: CliRunner, tmp_path: Path) -> None:
    props = tmp_path / "props.json"
    groups = [
        {
            "PropertyGroupId": "kinesis.analytics.flink.run.options",
            "PropertyMap": {"python": "main.py", "jarfile": "lib/deps.jar"},
        },
        {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "localhost:9092"}},
        {"PropertyGroupId": "pipeline", "PropertyMap": {"name": "iot", "watermark.delay.seconds": "12"}},
        {"PropertyGroupId": "topics", "PropertyMap": {"readings": "r-in"}},
    ]
    props.write_text(json.dumps(groups), encoding="utf-8")
    result = runner.invoke(
        generate, ["--properties", str(props), "--source-count", "readings=9", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "pipeline iot" in result.output and "9 readings → r-in" in result.output
    assert "watermark delay 12s" in result.output


@pytest.mark.parametrize(
    ("args", "mention"),
    [
        (["--dry-run"], "PIPELINE"),
        (["nope", "--dry-run"], "unknown pipeline 'nope'"),
        (["iot", "--no-labels", "--dry-run"], "--labels/--no-labels"),
        (["iot", "--transactions", "5", "--dry-run"], "--transactions"),
        (["iot", "--merchants", "5", "--dry-run"], "--merchants"),
        (["iot", "--source-count", "clicks=5", "--dry-run"], "no source 'clicks'"),
        (["iot", "--source-count", "readings", "--dry-run"], "SOURCE=N"),
        (["iot", "--source-count", "readings=1", "--late-fraction", "1", "--dry-run"], "valid record"),
        (["fraud", "--source-count", "labels=5", "--dry-run"], "labels"),
    ],
)
def test_cli_errors_name_the_mistake(runner: CliRunner, args: list[str], mention: str) -> None:
    result = runner.invoke(generate, args)
    assert result.exit_code == 2, result.output
    assert mention in result.output and "Traceback" not in result.output


def test_cli_fraud_source_count_is_its_topic_count(runner: CliRunner, tmp_path: Path) -> None:
    out, same = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path, option in ((out, ["--transactions", "30"]), (same, ["--source-count", "transactions=30"])):
        result = runner.invoke(generate, ["fraud", *option, "--dry-run", "--output-jsonl", str(path)])
        assert result.exit_code == 0, result.output
    assert out.read_text() == same.read_text()
