"""The spec -> SQL compiler without a JVM: invalid specs fail with the spec and field named, and the
compiled SQL has the shape the design promises (window TVFs, OVER windows, no UDF, append-only)."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest

from flink_jobs.config import ConfigError, parse_config
from flink_jobs.features import (
    AsOf,
    Compare,
    Count,
    Cumulate,
    Equals,
    FeatureSpecError,
    Hopping,
    Last,
    PipelineSpec,
    Related,
    Rolling,
    SecondsSinceLatest,
    Session,
    Sum,
    Tumbling,
    WindowFeatures,
    compile_pipeline,
    hours,
    milliseconds,
    minutes,
    seconds,
    validate,
)
from flink_jobs.features.compiler import output_columns
from flink_jobs.pipelines import fraud, get_pipeline, pipeline_topics
from flink_jobs.runtime.job import build_pipeline
from flink_jobs.sql_text import interval

CFG = parse_config(
    [
        {
            "PropertyGroupId": "kinesis.analytics.flink.run.options",
            "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
        },
        {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "b-1:9098", "auth": "iam"}},
        {"PropertyGroupId": "offline", "PropertyMap": {"path": "s3a://lake/features"}},
        {"PropertyGroupId": "feature.topics", "PropertyMap": {"txn_1m": "online.txn-1m"}},
        {"PropertyGroupId": "pipeline", "PropertyMap": {"name": "fraud"}},
    ]
)
# The same without the fraud pipeline's feature topic override: for the small test pipelines below.
CFG_PLAIN = dataclasses.replace(CFG, topics=dataclasses.replace(CFG.topics, feature_topics={}))


def pipeline_with(*feature_sets: object) -> PipelineSpec:
    return PipelineSpec("test", (fraud.transactions, fraud.clicks, fraud.profiles), tuple(feature_sets))  # type: ignore[arg-type]


def window(**changes: object) -> WindowFeatures:
    return dataclasses.replace(fraud.txn_1h, **changes)  # type: ignore[arg-type]


INVALID: list[tuple[str, PipelineSpec, str]] = [
    (
        "unknown column",
        pipeline_with(window(aggregations=(Sum("s", "amountt"),))),
        "feature set 'txn_1h', field 'aggregations[0].column': unknown column 'amountt' of source "
        "'transactions' (its columns: txn_id, user_id, merchant_id, amount, currency, country, event_time)",
    ),
    (
        "slide does not divide the size",
        pipeline_with(window(window=Hopping(hours(1), minutes(7)))),
        "feature set 'txn_1h', field 'window.slide': the slide 7 min does not divide the size 1 h",
    ),
    (
        "step does not divide the size",
        pipeline_with(window(window=Cumulate(hours(1), minutes(25)))),
        "feature set 'txn_1h', field 'window.step': the step 25 min does not divide the size 1 h",
    ),
    (
        "zero size",
        pipeline_with(window(window=Tumbling(timedelta(0)))),
        "feature set 'txn_1h', field 'window.size': the duration must be positive, got 0 ms",
    ),
    (
        "negative gap",
        pipeline_with(dataclasses.replace(fraud.session, window=Session(-minutes(5)))),
        "feature set 'session', field 'window.gap': the duration must be positive, got -5 min",
    ),
    (
        "negative rolling range",
        pipeline_with(dataclasses.replace(fraud.txn_features, window=Rolling(-seconds(1)))),
        "feature set 'txn_features', field 'window.range': the duration must be positive, got -1 s",
    ),
    (
        "sub-millisecond duration",
        pipeline_with(window(window=Tumbling(timedelta(microseconds=1500)))),
        "feature set 'txn_1h', field 'window.size': 0:00:00.001500 is not a whole number of milliseconds",
    ),
    (
        "duplicate output name",
        pipeline_with(window(aggregations=(Count("n"), Sum("n", "amount")))),
        "feature set 'txn_1h', field 'aggregations[1].name': duplicate output name 'n' "
        "(already the output of aggregations[0].name)",
    ),
    (
        "output name equal to the key",
        pipeline_with(window(aggregations=(Count("user_id"),))),
        "feature set 'txn_1h', field 'aggregations[0].name': duplicate output name 'user_id' "
        "(already the output of source.key)",
    ),
    (
        "enrichment column equal to an event column",
        pipeline_with(
            dataclasses.replace(
                fraud.txn_features,
                columns=("txn_id", "amount", "country", "merchant_id"),
                enrich=(AsOf(fraud.profiles, ("user_id",)),),
            )
        ),
        "feature set 'txn_features', field 'enrich[0].columns[0]': duplicate output name 'user_id' "
        "(already the output of source.key)",
    ),
    (
        "duplicate feature set name",
        pipeline_with(fraud.txn_1m, dataclasses.replace(fraud.txn_1h, name="txn_1m")),
        "pipeline 'test', field 'feature_sets[1].name': duplicate feature set name 'txn_1m'",
    ),
    (
        "filter on a decimal",
        pipeline_with(window(aggregations=(Count("n", where=Equals("amount", "1.5")),))),
        "feature set 'txn_1h', field 'aggregations[0].where.column': Equals compares text, and 'amount' "
        "is a decimal column (filter on a string, code or enum column)",
    ),
    (
        "filter never matching an enum",
        pipeline_with(
            dataclasses.replace(fraud.session, aggregations=(Count("n", where=Equals("action", "buy")),))
        ),
        "feature set 'session', field 'aggregations[0].where.value': 'buy' is not one of the choices of "
        "'action' (view, add_to_cart, checkout, login): the filter would never match",
    ),
    (
        "sum of a string",
        pipeline_with(window(aggregations=(Sum("s", "merchant_id"),))),
        "feature set 'txn_1h', field 'aggregations[0].column': Sum needs a decimal or double column, "
        "'merchant_id' is string",
    ),
    (
        "filter on an unknown column",
        pipeline_with(window(aggregations=(Count("n", where=Equals("kind", "x")),))),
        "feature set 'txn_1h', field 'aggregations[0].where.column': unknown column 'kind' of source "
        "'transactions' (its columns: txn_id, user_id, merchant_id, amount, currency, country, event_time)",
    ),
    (
        "as-of from a topic that is not versioned",
        pipeline_with(dataclasses.replace(fraud.txn_features, enrich=(AsOf(fraud.clicks, ("page",)),))),
        "feature set 'txn_features', field 'enrich[0].source': "
        "source 'clicks' is not versioned (versioned=True)",
    ),
    (
        "seconds-since outside related",
        pipeline_with(window(aggregations=(SecondsSinceLatest("s"),))),
        "feature set 'txn_1h', field 'aggregations[0]': SecondsSinceLatest is only allowed in related(...)",
    ),
    (
        "compare with an unknown column",
        pipeline_with(
            dataclasses.replace(fraud.txn_features, compare=(Compare("x", "country", "<>", "home"),))
        ),
        "feature set 'txn_features', field 'compare[0].right': unknown column 'home' (known: user_id, "
        "event_time, txn_id, amount, country, txn_count_10m, amount_avg_10m, clicks_10m_before, "
        "seconds_since_last_click, home_country, risk_tier)",
    ),
    (
        "related source missing from the pipeline",
        PipelineSpec("test", (fraud.transactions, fraud.profiles), (fraud.txn_features,)),
        "feature set 'txn_features', field 'related[0].source': source 'clicks' is not in the pipeline",
    ),
    (
        "missing column",
        pipeline_with(window(aggregations=(Last("l"),))),
        "feature set 'txn_1h', field 'aggregations[0].column': Last needs a column",
    ),
    (
        "bad feature set name",
        pipeline_with(window(name="Txn 1h")),
        "pipeline 'test', field 'feature_sets[0].name': 'Txn 1h' is not a valid name "
        "(lower case letter, then letters, digits, _)",
    ),
    (
        "no feature sets",
        pipeline_with(),
        "pipeline 'test', field 'feature_sets': the pipeline has no feature set",
    ),
]


@pytest.mark.parametrize(("case", "spec", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_spec_fails_with_spec_and_field_named(case: str, spec: PipelineSpec, message: str) -> None:
    with pytest.raises(FeatureSpecError) as info:
        compile_pipeline(spec, CFG)
    assert str(info.value) == message


def test_reference_pipeline_is_valid() -> None:
    validate(get_pipeline("fraud"))


def test_unknown_pipeline_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"property group 'pipeline', key 'name': unknown pipeline 'frod'"):
        get_pipeline("frod")


def statements() -> list[str]:
    compiled = build_pipeline(CFG)
    return [*compiled.setup, *compiled.inserts]


def test_compiled_sql_has_no_python_udf_and_only_append_only_operators() -> None:
    sql = build_pipeline(CFG).sql()
    assert not re.search(r"\bFUNCTION\b|\bPYTHON\b|\bLANGUAGE\b", sql, re.IGNORECASE)
    for statement in statements():
        assert re.match(r"(CREATE TEMPORARY (TABLE|VIEW)|INSERT INTO) ", statement), statement[:80]
    # Aggregations only over windows: every GROUP BY groups by a window TVF's bounds; no regular join,
    # no deduplication or top-N (ROW_NUMBER); OVER windows are ranges ordered by event time.
    for group_by in re.findall(r"GROUP BY ([^\n;]*)", sql):
        assert group_by.endswith("window_start, window_end"), group_by
    assert not re.search(r"\bJOIN\b|ROW_NUMBER|\bDISTINCT\s+ON\b", sql)
    windows = re.findall(r"WINDOW w AS \(([^)]*)\)", sql)
    assert len(windows) == 2
    for over in windows:
        assert re.fullmatch(
            r"PARTITION BY `user_id` ORDER BY `event_time` RANGE BETWEEN .+ PRECEDING AND CURRENT ROW", over
        )


def test_windows_compile_to_table_valued_functions() -> None:
    sql = build_pipeline(CFG).sql()
    assert "TUMBLE(TABLE `transactions_on_time`, DESCRIPTOR(`event_time`), INTERVAL '1' MINUTE)" in sql
    assert (
        "HOP(TABLE `transactions_on_time`, DESCRIPTOR(`event_time`), INTERVAL '5' MINUTE, INTERVAL '1' HOUR)"
        in sql
    )
    # Exactly 30 min apart must be two sessions: Flink merges sessions whose gap equals the gap.
    assert (
        "SESSION(TABLE `clicks_on_time` PARTITION BY `user_id`, DESCRIPTOR(`event_time`), "
        "INTERVAL '0 00:29:59.999' DAY TO SECOND(3))" in sql
    )
    assert "window_end + INTERVAL '0.001' SECOND AS window_end" in sql


def test_cumulate_and_a_new_feature_set_in_a_few_lines() -> None:
    clicks_10m = WindowFeatures(
        name="clicks_10m",
        source=fraud.clicks,
        window=Cumulate(size=minutes(10), step=minutes(2)),
        aggregations=(Count("clicks"), Last("last_page", "page")),
    )
    compiled = compile_pipeline(pipeline_with(clicks_10m), CFG_PLAIN)
    sql = compiled.sql()
    assert (
        "CUMULATE(TABLE `clicks_on_time`, DESCRIPTOR(`event_time`), "
        "INTERVAL '2' MINUTE, INTERVAL '10' MINUTE)" in sql
    )
    assert [o.target for o in compiled.outputs if o.feature_set == "clicks_10m"] == [
        "features-clicks-10m",
        "s3a://lake/features/features/clicks_10m",
    ]
    assert output_columns(clicks_10m) == [
        ("user_id", "STRING"),
        ("window_start", "TIMESTAMP(3)"),
        ("window_end", "TIMESTAMP(3)"),
        ("clicks", "BIGINT"),
        ("last_page", "STRING"),
        ("pipeline_version", "STRING"),
    ]


def test_reference_output_columns() -> None:
    assert [name for name, _ in output_columns(fraud.txn_features)] == [
        "user_id", "event_time", "txn_id", "amount", "country", "txn_count_10m", "amount_avg_10m",
        "clicks_10m_before", "seconds_since_last_click", "home_country", "risk_tier", "is_foreign",
        "pipeline_version",
    ]  # fmt: skip
    assert dict(output_columns(fraud.txn_1h))["amount_avg"] == "DECIMAL(38, 6)"
    assert dict(output_columns(fraud.session))["duration_s"] == "DECIMAL(18, 3)"


def test_topics_and_sinks_come_from_properties() -> None:
    compiled = build_pipeline(CFG)
    kafka = {o.feature_set: o.target for o in compiled.outputs if o.kind == "kafka"}
    assert kafka == {
        "txn_1m": "online.txn-1m",  # from feature.topics
        "txn_1h": "features-txn-1h",
        "session": "features-session",
        "txn_features": "features-txn-features",
    }
    names = [(spec.name, spec.role, spec.compacted) for spec in pipeline_topics(CFG.topics, "fraud")]
    assert names == [
        ("transactions", "input", False), ("clicks", "input", False), ("profiles", "input", True),
        ("labels", "input", False),
        ("dead-letter", "dead_letter", False), ("late-events", "late_events", False),
        ("online.txn-1m", "features", False), ("features-txn-1h", "features", False),
        ("features-session", "features", False), ("features-txn-features", "features", False),
        ("scores-fraud-score", "scores", False),
    ]  # fmt: skip
    sql = compiled.sql()
    assert "'scan.watermark.idle-timeout' = '60 s'" in sql
    assert "WATERMARK FOR rowtime AS rowtime - INTERVAL '30' SECOND" in sql
    assert "'sink.transactional-id-prefix' = 'msk-flink-features-txn_features_kafka'" in sql


def test_source_spec_overrides_the_watermark_properties() -> None:
    strict = dataclasses.replace(fraud.transactions, watermark_delay=seconds(5), idle_timeout=seconds(10))
    spec = PipelineSpec("test", (strict,), (dataclasses.replace(fraud.txn_1m, source=strict),))
    sql = compile_pipeline(spec, CFG_PLAIN).sql()
    assert "rowtime - INTERVAL '5' SECOND" in sql and "'scan.watermark.idle-timeout' = '10 s'" in sql


def test_related_window_and_filters_compile() -> None:
    checkouts = Related(
        fraud.clicks, Rolling(hours(1)), (Count("checkouts_1h", where=Equals("action", "checkout")),)
    )
    fs = dataclasses.replace(fraud.txn_features, related=(*fraud.txn_features.related, checkouts))
    sql = compile_pipeline(pipeline_with(fs), CFG_PLAIN).sql()
    assert "COUNT(CASE WHEN event_kind = 'clicks' AND `clicks__action` = 'checkout' THEN 1 END) OVER w" in sql
    assert "RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW" in sql


def test_milliseconds_helper() -> None:
    assert milliseconds(1500) == timedelta(seconds=1.5)


def test_printed_sql_redacts_secrets_but_the_job_gets_them() -> None:
    scram = parse_config(
        [
            {
                "PropertyGroupId": "kinesis.analytics.flink.run.options",
                "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
            },
            {
                "PropertyGroupId": "kafka",
                "PropertyMap": {
                    "bootstrap.servers": "b-1:9096",
                    "auth": "scram",
                    "sasl.username": "svc",
                    "sasl.password": "s3cr'et-Pa55",
                },
            },
            {"PropertyGroupId": "pipeline", "PropertyMap": {"name": "fraud"}},
        ]
    )
    compiled = build_pipeline(scram)
    printed = compiled.sql()
    assert "s3cr" not in printed and "Pa55" not in printed
    assert "'properties.sasl.jaas.config' = '<redacted>'" in printed
    assert "'properties.sasl.mechanism' = 'SCRAM-SHA-512'" in printed
    assert "Pa55" in compiled.sql(redact=False)
    assert any("Pa55" in statement for statement in compiled.setup)


def test_intervals_take_one_unit_up_to_99_else_day_to_second() -> None:
    """``INTERVAL 'n' SECOND`` holds 2 digits: Flink refused 100 s and more at job start."""
    assert interval(timedelta(seconds=30)) == "INTERVAL '30' SECOND"
    assert interval(timedelta(seconds=100)) == "INTERVAL '0 00:01:40.000' DAY TO SECOND(3)"
    assert interval(timedelta(minutes=100)) == "INTERVAL '0 01:40:00.000' DAY TO SECOND(3)"
    assert interval(timedelta(days=1)) == "INTERVAL '1' DAY"
    assert interval(timedelta(minutes=30) - timedelta(milliseconds=1)) == (
        "INTERVAL '0 00:29:59.999' DAY TO SECOND(3)"
    )
    assert interval(timedelta(0)) == "INTERVAL '0 00:00:00.000' DAY TO SECOND(3)"
    assert interval(timedelta(days=400)) == "INTERVAL '400 00:00:00.000' DAY(3) TO SECOND(3)"
    with pytest.raises(ValueError):
        interval(timedelta(seconds=-1))
