"""The properties loader: valid documents parse; every mistake names group, key and expected form."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flink_jobs.config import (
    ConfigError,
    load_config,
    parse_config,
    properties_path,
    to_property_groups,
)

RUN = "kinesis.analytics.flink.run.options"


def document(**groups: dict[str, str]) -> list[dict[str, object]]:
    base: dict[str, dict[str, str]] = {
        RUN: {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
        "kafka": {"bootstrap.servers": "b-1.example:9098,b-2.example:9098", "auth": "iam"},
    }
    base.update({k.replace("__", "."): v for k, v in groups.items()})
    return [{"PropertyGroupId": g, "PropertyMap": m} for g, m in base.items()]


def test_minimal_document_parses_with_defaults() -> None:
    cfg = parse_config(document())
    assert cfg.run_options.python == "main.py"
    assert cfg.run_options.jarfile == "lib/pyflink-dependencies.jar"
    assert cfg.kafka.bootstrap_servers == "b-1.example:9098,b-2.example:9098"
    assert cfg.kafka.auth == "iam"
    assert cfg.sink.delivery_guarantee == "exactly-once"
    assert cfg.sink.transaction_timeout_ms <= 900_000
    assert cfg.offline is None
    assert cfg.pipeline.watermark_delay_s == 30


def test_round_trip_through_property_groups() -> None:
    cfg = parse_config(
        document(
            kafka={
                "bootstrap.servers": "h:9096",
                "auth": "scram",
                "sasl.username": "u",
                "sasl.password": "p",
            },
            offline={"path": "s3a://bucket/prefix", "s3.path.style.access": "true"},
            pipeline={"watermark.delay.seconds": "45", "version": "v7"},
            kafka__sink={"delivery.guarantee": "at-least-once"},
        )
    )
    assert cfg.pipeline.watermark_delay_s == 45
    assert cfg.offline is not None and cfg.offline.s3_path_style is True
    assert cfg.sink.delivery_guarantee == "at-least-once"
    again = parse_config(json.loads(json.dumps(to_property_groups(cfg))))
    assert again == cfg


def test_missing_group_is_named() -> None:
    doc = [g for g in document() if g["PropertyGroupId"] != "kafka"]
    with pytest.raises(ConfigError) as err:
        parse_config(doc)
    assert err.value.group == "kafka"
    assert "property group 'kafka'" in str(err.value)
    assert "missing" in str(err.value)


def test_missing_run_options_group_is_named() -> None:
    doc = [g for g in document() if g["PropertyGroupId"] != RUN]
    with pytest.raises(ConfigError, match=r"property group 'kinesis\.analytics\.flink\.run\.options'"):
        parse_config(doc)


def test_missing_key_is_named_with_expected_form() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(document(kinesis__analytics__flink__run__options={"python": "main.py"}))
    message = str(err.value)
    assert err.value.group == RUN and err.value.key == "jarfile"
    assert "key 'jarfile'" in message and "missing" in message
    assert "lib/pyflink-dependencies.jar" in message  # the expected form


@pytest.mark.parametrize(
    ("group", "key", "value", "expected"),
    [
        ("kafka", "bootstrap.servers", "localhost", "host:port"),
        ("kafka", "auth", "kerberos", "plaintext, scram, mtls, iam"),
        ("kafka", "bounded", "yes", "true or false"),
        ("kafka.sink", "transaction.timeout.ms", "3600000", "transaction.max.timeout.ms"),
        ("kafka.sink", "transaction.timeout.ms", "ten", "milliseconds"),
        ("offline", "path", "s3://bucket/x", "s3a://bucket/prefix"),
        ("pipeline", "watermark.delay.seconds", "-5", "seconds from 0 to 86400"),
        ("topics", "transactions", "bad topic!", "a Kafka topic name"),
    ],
)
def test_malformed_value_is_named(group: str, key: str, value: str, expected: str) -> None:
    doc = document()
    existing = next((g for g in doc if g["PropertyGroupId"] == group), None)
    if existing is None:
        base = {"offline": {"path": "s3a://b/p"}}.get(group, {})
        existing = {"PropertyGroupId": group, "PropertyMap": dict(base)}
        doc.append(existing)
    existing["PropertyMap"][key] = value  # type: ignore[index]
    with pytest.raises(ConfigError) as err:
        parse_config(doc)
    message = str(err.value)
    assert err.value.group == group and err.value.key == key
    assert f"property group '{group}', key '{key}'" in message
    assert "malformed value" in message
    assert expected in message


def test_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"key 'bootstrap\.server'.*unknown key.*bootstrap\.servers"):
        parse_config(document(kafka={"bootstrap.server": "h:9092", "bootstrap.servers": "h:9092"}))


def test_non_string_value_is_rejected() -> None:
    with pytest.raises(ConfigError, match=r"key 'partitions'.*not a string"):
        parse_config(document(topics={"partitions": 3}))  # type: ignore[dict-item]


def test_auth_mode_requires_its_keys() -> None:
    with pytest.raises(ConfigError, match=r"key 'sasl\.username'.*required when auth is 'scram'"):
        parse_config(document(kafka={"bootstrap.servers": "h:9096", "auth": "scram"}))
    with pytest.raises(ConfigError, match=r"key 'ssl\.keystore\.location'.*required when auth is 'mtls'"):
        parse_config(document(kafka={"bootstrap.servers": "h:9094", "auth": "mtls"}))


def test_document_shape_errors() -> None:
    with pytest.raises(ConfigError, match="JSON list of property groups"):
        parse_config({"kafka": {}})
    with pytest.raises(ConfigError, match="is not a property group"):
        parse_config([{"PropertyGroupId": "kafka"}])
    with pytest.raises(ConfigError, match="appears twice"):
        parse_config([*document(), {"PropertyGroupId": "kafka", "PropertyMap": {}}])


def test_load_config_file_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(ConfigError, match=r"no properties file at .*nope\.json"):
        load_config(missing)
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config(broken)
    good = tmp_path / "application_properties.json"
    good.write_text(json.dumps(document()), encoding="utf-8")
    monkeypatch.setenv("MSK_FEATURES_PROPERTIES", str(good))
    assert properties_path() == good
    assert load_config().kafka.auth == "iam"
    monkeypatch.delenv("MSK_FEATURES_PROPERTIES")
    assert str(properties_path()) == "/etc/flink/application_properties.json"


def test_feature_topics_group_names_topics_per_feature_set() -> None:
    cfg = parse_config(document(feature__topics={"txn_1m": "online.txn-1m"}, pipeline={"name": "fraud"}))
    assert cfg.topics.feature_topic("txn_1m") == "online.txn-1m"
    assert cfg.topics.feature_topic("txn_features") == "features-txn-features"
    again = parse_config(to_property_groups(cfg))
    assert again.topics.feature_topics == {"txn_1m": "online.txn-1m"}


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (
            {"feature__topics": {"txn_1m": "bad topic!"}},
            "property group 'feature.topics', key 'txn_1m': malformed value: 'bad topic!' is not a valid "
            "Kafka topic name (expected a Kafka topic name (default features-<feature set>, '_' as '-'))",
        ),
        (
            {"feature__topics": {"Txn 1m": "t"}},
            "property group 'feature.topics', key 'Txn 1m': malformed key "
            "(expected a feature set name of the pipeline, e.g. txn_1m)",
        ),
        (
            {"kafka__sinks": {"delivery.guarantee": "exactly-once"}},
            "property group 'kafka.sinks': unknown property group in <properties> (expected one of "
            "kinesis.analytics.flink.run.options, kafka, topics, kafka.sink, offline, pipeline, backfill, "
            "scoring, feature.topics)",
        ),
        (
            {"pipeline": {"name": "Fraud"}},
            "property group 'pipeline', key 'name': malformed value: 'Fraud' is not a pipeline name "
            "(lower case letters, digits, _) "
            "(expected the name of a pipeline in flink_jobs.pipelines, e.g. fraud)",
        ),
        (
            {"topics": {"retention.ms": "-2"}},
            "property group 'topics', key 'retention.ms': malformed value: -2 is out of range "
            "(expected milliseconds to keep records of non-compacted topics (-1: forever))",
        ),
    ],
)
def test_feature_and_pipeline_mistakes_are_named(groups: dict[str, dict[str, str]], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(document(**groups))
    assert str(info.value) == message


@pytest.mark.parametrize(
    "password",
    [
        "env:SCRAM_PASSWORD",
        "secretsmanager:AmazonMSK_app:password",
        "secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_app-AbCdEf:password",
        "a literal, for throw-away local runs",
    ],
)
def test_secret_keys_take_references(password: str) -> None:
    kafka = {"bootstrap.servers": "h:9096", "auth": "scram", "sasl.username": "u", "sasl.password": password}
    cfg = parse_config(document(kafka=kafka))
    assert cfg.kafka.scram_password == password  # kept as written: resolved only by the Kafka client
    assert to_property_groups(cfg)[1]["PropertyMap"]["sasl.password"] == password


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("sasl.password", "env:1BAD", "does not name an environment variable"),
        ("sasl.password", "env:", "does not name an environment variable"),
        ("sasl.password", "secretsmanager:AmazonMSK_app", "needs a secret and a JSON key"),
        ("sasl.password", "secretsmanager:AmazonMSK_app:", "needs a secret and a JSON key"),
        ("sasl.password", "secretsmanager:bad name:password", "neither a Secrets Manager secret name nor"),
        ("sasl.password", "${env:SCRAM_PASSWORD}", r"Kafka '\$\{...\}' variables are not accepted"),
        ("ssl.keystore.password", "env:KS-PASSWORD", "does not name an environment variable"),
        ("ssl.key.password", "secretsmanager:keys:key password", "is not a JSON key"),
    ],
)
def test_malformed_secret_references_name_key_and_forms(key: str, value: str, problem: str) -> None:
    kafka = {"bootstrap.servers": "h:9094", "auth": "mtls", "ssl.keystore.location": "/k.pem", key: value}
    with pytest.raises(ConfigError) as caught:
        parse_config(document(kafka=kafka))
    message = str(caught.value)
    assert f"property group 'kafka', key '{key}'" in message
    assert re.search(problem, message), message
    assert "env:VARIABLE or secretsmanager:<secret name or ARN>:<json key>" in message
