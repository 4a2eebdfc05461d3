"""The properties loader: valid documents parse; every mistake names group, key and expected form."""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from pathlib import Path

import pytest

from flink_jobs.config import (
    AppConfig,
    ConfigError,
    load_config,
    parse_config,
    properties_path,
    to_property_groups,
)
from flink_jobs.properties import Key, declaration, is_property_group

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
            "(expected the name of a pipeline module (see flink_jobs.pipelines))",
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


# --------------------------------------------------------------------------------------------------
# Every declared key, generated from the declarations: a key added to a group class is tested here
# as soon as SAMPLES gives it a value (the first test fails until then).
# --------------------------------------------------------------------------------------------------


def declared_keys() -> list[tuple[str, Key]]:
    """(AppConfig field, key) for every key declared on the group classes that AppConfig holds."""
    hints = typing.get_type_hints(AppConfig)
    found: list[tuple[str, Key]] = []
    for app_field in dataclasses.fields(AppConfig):
        hint = hints[app_field.name]
        cls = next(c for c in (hint, *typing.get_args(hint)) if is_property_group(c))
        found += [(app_field.name, key) for key in declaration(cls).keys]
    return found


DECLARED = declared_keys()
NAME_SAMPLE = "some_name"
"""The name an open key's sample uses (``{name}.endpoint`` -> ``some_name.endpoint``)."""

SAMPLES: dict[tuple[str, str], str] = {
    # (group, declared key or open key template) -> a valid value that is not the field's default,
    # written as to_property_groups writes it, and consistent with every other sample (auth scram
    # with its user and password, from before to, switch.over with added.feature.sets).
    (RUN, "python"): "job.py",
    (RUN, "jarfile"): "lib/job.jar",
    (RUN, "pyFiles"): "a.py,b.py",
    ("kafka", "bootstrap.servers"): "b-1.example:9096,b-2.example:9096",
    ("kafka", "auth"): "scram",
    ("kafka", "group.id"): "consumers",
    ("kafka", "sasl.username"): "env:SCRAM_USER",
    ("kafka", "sasl.password"): "secretsmanager:AmazonMSK_app:password",
    ("kafka", "ssl.truststore.location"): "/certs/ca.pem",
    ("kafka", "ssl.truststore.type"): "JKS",
    ("kafka", "ssl.keystore.location"): "/certs/client.p12",
    ("kafka", "ssl.keystore.type"): "PKCS12",
    ("kafka", "ssl.keystore.password"): "env:KEYSTORE_PASSWORD",
    ("kafka", "ssl.key.password"): "env:KEY_PASSWORD",
    ("kafka", "scan.startup.mode"): "latest-offset",
    ("kafka", "bounded"): "true",
    ("kafka", "create.topics"): "false",
    ("topics", "{name}"): "t-source",
    ("topics", "dead.letter"): "t-dead-letter",
    ("topics", "late.events"): "t-late-events",
    ("topics", "partitions"): "6",
    ("topics", "retention.ms"): "-1",
    ("feature.topics", "{name}"): "t-features",
    ("kafka.sink", "delivery.guarantee"): "at-least-once",
    ("kafka.sink", "transactional.id.prefix"): "app-1",
    ("kafka.sink", "transaction.timeout.ms"): "60000",
    ("offline", "path"): "s3a://lake/features",
    ("offline", "s3.endpoint"): "http://127.0.0.1:9000",
    ("offline", "s3.path.style.access"): "true",
    ("offline", "s3.access.key"): "access",
    ("offline", "s3.secret.key"): "secret",
    ("pipeline", "name"): "some_pipeline",
    ("pipeline", "version"): "9.9.9",
    ("pipeline", "watermark.delay.seconds"): "5",
    ("pipeline", "idle.timeout.seconds"): "7",
    ("pipeline", "checkpoint.interval.ms"): "500",
    ("pipeline", "parallelism"): "4",
    ("pipeline", "feature.sets"): "a,b",
    ("pipeline", "added.feature.sets"): "b",
    ("pipeline", "switch.over"): "2026-11-24T10:00:00.250Z",
    ("backfill", "from"): "2026-11-24T10:00:00Z",
    ("backfill", "to"): "2026-11-24T12:00:00Z",
    ("backfill", "feature.sets"): "a",
    ("backfill", "run"): "run-1",
    ("backfill", "lookback.seconds"): "3600",
    ("scoring", "{name}.endpoint"): "endpoint-1",
    ("scoring", "region"): "eu-west-1",
    ("scoring", "endpoint.override"): "http://127.0.0.1:8085",
    ("scoring", "access.key"): "access",
    ("scoring", "secret.key"): "secret",
    ("scoring", "max.in.flight"): "8",
    ("scoring", "attempt.timeout.ms"): "500",
    ("scoring", "max.attempts"): "5",
    ("scoring", "backoff.ms"): "50",
}

MALFORMED = ("", "Not Valid!")
"""Values tried in turn until one is refused: every parser refuses at least one of them."""


def property_key(key: Key) -> str:
    """The key a document uses for ``key``'s sample (an open key names :data:`NAME_SAMPLE`)."""
    return key.key_for(NAME_SAMPLE) if key.is_open else key.key


def full_groups(changed: Key | None = None, value: str = "") -> dict[str, dict[str, str]]:
    """Every declared key with its sample, by group (``changed``'s key with ``value`` instead)."""
    groups: dict[str, dict[str, str]] = {}
    for _, key in DECLARED:
        text = value if key == changed else SAMPLES[(key.group, key.key)]
        groups.setdefault(key.group, {})[property_key(key)] = text
    return groups


def full_document(changed: Key | None = None, value: str = "") -> list[dict[str, object]]:
    """:func:`full_groups` as a properties document."""
    return [{"PropertyGroupId": g, "PropertyMap": m} for g, m in full_groups(changed, value).items()]


def key_id(declared: tuple[str, Key]) -> str:
    return f"{declared[1].group}/{declared[1].key}"


def test_every_declared_key_has_a_sample() -> None:
    declared = {(key.group, key.key) for _, key in DECLARED}
    assert sorted(declared - set(SAMPLES)) == [], "give these keys a sample value in SAMPLES"
    assert sorted(set(SAMPLES) - declared) == [], "these samples name no declared key"
    assert len(declared) == len(DECLARED), "a key is declared twice in one group"


@pytest.mark.parametrize("declared", DECLARED, ids=key_id)
def test_every_declared_key_fills_its_field(declared: tuple[str, Key]) -> None:
    app_field, key = declared
    cfg = parse_config(full_document())
    value = getattr(getattr(cfg, app_field), key.attr)
    parsed = key.parse(SAMPLES[(key.group, key.key)])
    assert value == ({NAME_SAMPLE: parsed} if key.is_open else parsed)
    group_class = type(getattr(cfg, app_field))
    default = next(f for f in dataclasses.fields(group_class) if f.name == key.attr)
    if default.default_factory is not dataclasses.MISSING:
        assert value != default.default_factory(), "the sample must differ from the default"
    elif default.default is not dataclasses.MISSING:
        assert value != default.default, "the sample must differ from the default"


@pytest.mark.parametrize("declared", DECLARED, ids=key_id)
def test_every_declared_key_is_written_back(declared: tuple[str, Key]) -> None:
    _, key = declared
    cfg = parse_config(full_document())
    written = {g["PropertyGroupId"]: g["PropertyMap"] for g in to_property_groups(cfg)}
    assert written[key.group][property_key(key)] == SAMPLES[(key.group, key.key)]


def test_the_full_document_round_trips() -> None:
    written = to_property_groups(parse_config(full_document()))
    assert {g["PropertyGroupId"]: g["PropertyMap"] for g in written} == full_groups()


@pytest.mark.parametrize("declared", DECLARED, ids=key_id)
def test_every_declared_key_refuses_a_malformed_value(declared: tuple[str, Key]) -> None:
    _, key = declared
    name = property_key(key)
    refused = [bad for bad in MALFORMED if _refuses(key, bad)]
    assert refused, f"{key.group}/{name} accepts every value of {MALFORMED}"
    with pytest.raises(ConfigError) as err:
        parse_config(full_document(key, refused[0]))
    assert (err.value.group, err.value.key) == (key.group, name)
    message = str(err.value)
    assert message.startswith(f"property group '{key.group}', key '{name}': malformed value: ")
    assert message.endswith(f" (expected {key.expected})")


def _refuses(key: Key, value: str) -> bool:
    try:
        key.parse(value)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("group", sorted({key.group for _, key in DECLARED}))
def test_every_group_refuses_a_key_it_does_not_declare(group: str) -> None:
    groups = full_groups()
    groups[group]["No.Such.Key"] = "x"
    with pytest.raises(ConfigError) as err:
        parse_config([{"PropertyGroupId": g, "PropertyMap": m} for g, m in groups.items()])
    assert (err.value.group, err.value.key) == (group, "No.Such.Key")
    assert re.search(r": (unknown|malformed) key \(expected ", str(err.value)), str(err.value)
