"""The operations commands against the real local broker: `topics apply` (creates, is idempotent,
reports drift), `tail`, `lag` and their error messages."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from confluent_kafka.admin import AdminClient, ConfigResource

from flink_jobs.config import to_property_groups
from flink_jobs.pipelines import pipeline_topics
from flink_jobs.topics import TopicSpec
from msk_features.cli import main
from msk_features.dev.stack.control import Endpoints
from msk_features.dev.stack.properties import local_app_config
from msk_features.kafka.topic_setup import ensure_topics
from tests.support.pipeline_run import unique_topics


def properties(endpoints: Endpoints, prefix: str, tmp: Path, auth: str = "plaintext") -> Path:
    cfg = local_app_config(endpoints, auth=auth, topics=unique_topics(prefix, partitions=2), pipeline="fraud")  # type: ignore[arg-type]
    path = tmp / f"{prefix}properties.json"
    path.write_text(json.dumps(to_property_groups(cfg)))
    return path


def apply(path: Path, *extra: str) -> tuple[int, str]:
    # A wide console, so that table cells are not folded across lines.
    result = CliRunner().invoke(
        main, ["topics", "apply", "--properties", str(path), *extra], env={"COLUMNS": "300"}
    )
    return result.exit_code, " ".join(result.output.split())


def test_creates_every_topic_then_reports_them_as_existing(local_stack: Endpoints, tmp_path: Path) -> None:
    path = properties(local_stack, "ta-", tmp_path, auth="scram")  # through SASL_SSL + SCRAM
    code, output = apply(path)
    assert code == 0, output
    specs = pipeline_topics(unique_topics("ta-", partitions=2), "fraud")
    assert output.count("created") == len(specs) and "ta-labels" in output  # every input, labels included
    admin = AdminClient({"bootstrap.servers": local_stack.kafka_plaintext_bootstrap})
    metadata = admin.list_topics(timeout=10)
    for spec in specs:
        assert len(metadata.topics[spec.name].partitions) == 2
    feature_topic = unique_topics("ta-").feature_topic("txn_1m")
    resources = [ConfigResource(ConfigResource.Type.TOPIC, n) for n in ("ta-profiles", feature_topic)]
    configs = {r.name: f.result(10) for r, f in admin.describe_configs(resources).items()}
    assert configs["ta-profiles"]["cleanup.policy"].value == "compact"
    assert configs[feature_topic]["retention.ms"].value == str(7 * 24 * 3600 * 1000)

    code, output = apply(path)
    assert code == 0 and output.count(" exists ") == len(specs) and "created" not in output


def test_dry_run_creates_nothing(local_stack: Endpoints, tmp_path: Path) -> None:
    code, output = apply(properties(local_stack, "tdry-", tmp_path), "--dry-run")
    assert code == 0 and output.count("missing") == len(
        pipeline_topics(unique_topics("tdry-", partitions=2), "fraud")
    )
    metadata = AdminClient({"bootstrap.servers": local_stack.kafka_plaintext_bootstrap}).list_topics(
        timeout=10
    )
    assert not [name for name in metadata.topics if name.startswith("tdry-")]


def test_drift_is_reported_not_fixed(local_stack: Endpoints, tmp_path: Path) -> None:
    ensure_topics(local_stack.kafka_plaintext_bootstrap, [TopicSpec("tdrift-clicks", 1)])
    code, output = apply(properties(local_stack, "tdrift-", tmp_path))
    assert code == 1
    assert "tdrift-clicks │ mismatch" in output
    assert "has 1 partitions, the spec says 2" in output
    assert "1 topic(s) differ from the spec" in output
    metadata = AdminClient({"bootstrap.servers": local_stack.kafka_plaintext_bootstrap}).list_topics(
        timeout=10
    )
    assert len(metadata.topics["tdrift-clicks"].partitions) == 1


def test_unreachable_broker_is_named(tmp_path: Path) -> None:
    document = [
        {
            "PropertyGroupId": "kinesis.analytics.flink.run.options",
            "PropertyMap": {"python": "main.py", "jarfile": "x.jar"},
        },
        {
            "PropertyGroupId": "kafka",
            "PropertyMap": {"bootstrap.servers": "127.0.0.1:9", "auth": "plaintext"},
        },
    ]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document))
    code, output = apply(path, "--pipeline", "fraud", "--timeout", "3")
    assert code == 1, output
    assert "127.0.0.1:9" in output and "Traceback" not in output


def test_no_pipeline_named_says_how_to_name_one(tmp_path: Path) -> None:
    """Properties without pipeline.name and no --pipeline: a usage error listing the pipelines."""
    document = [
        {
            "PropertyGroupId": "kinesis.analytics.flink.run.options",
            "PropertyMap": {"python": "main.py", "jarfile": "x.jar"},
        },
        {
            "PropertyGroupId": "kafka",
            "PropertyMap": {"bootstrap.servers": "127.0.0.1:9", "auth": "plaintext"},
        },
    ]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document))
    code, output = apply(path, "--timeout", "3")
    assert code == 2, output
    assert "--pipeline" in output and "fraud" in output and "iot" in output and "Traceback" not in output


def test_tail_shows_committed_records_from_the_beginning(local_stack: Endpoints, tmp_path: Path) -> None:
    """`msk-features tail`: JSON values compactly, non-UTF-8 values as hex, limit honoured."""
    from confluent_kafka import Producer

    topic = "tail-demo"
    ensure_topics(local_stack.kafka_plaintext_bootstrap, [TopicSpec(topic, 1)])
    producer = Producer({"bootstrap.servers": local_stack.kafka_plaintext_bootstrap})
    producer.produce(topic, key=b"u1", value=b'{"a": 1,  "b": "x"}', headers=[("h", b"v")])
    producer.produce(topic, key=b"u2", value=b"\xff\xfe")
    producer.produce(topic, key=b"u3", value=b"plain text")
    producer.flush(10)
    path = properties(local_stack, "tail-", tmp_path)
    result = CliRunner().invoke(
        main,
        ["tail", topic, "--properties", str(path), "--from-beginning", "--limit", "2", "--headers"],
        env={"COLUMNS": "300"},
    )
    output = " ".join(result.output.split())
    assert result.exit_code == 0, output
    assert "tail-demo: 2 record(s), read_committed" in output
    assert '{"a":1,"b":"x"}' in output and "0xfffe" in output and "h=v" in output
    assert "plain text" not in output

    missing = CliRunner().invoke(main, ["tail", "no-such-topic", "--properties", str(path)])
    assert missing.exit_code == 1 and "topic 'no-such-topic' does not exist" in missing.output


def test_lag_per_partition_with_time_lag_and_threshold(local_stack: Endpoints, tmp_path: Path) -> None:
    """10 + 5 records; the group committed 4 on partition 0 and 5 on partition 1: lag 6 and 0."""
    import time

    from confluent_kafka import Consumer, Producer, TopicPartition

    topic, group = "lag-demo", "lag-demo-group"
    ensure_topics(local_stack.kafka_plaintext_bootstrap, [TopicSpec(topic, 2)])
    producer = Producer({"bootstrap.servers": local_stack.kafka_plaintext_bootstrap})
    old = int(time.time() * 1000) - 120_000  # the unconsumed records are two minutes old
    for i in range(10):
        producer.produce(topic, value=b"x", partition=0, timestamp=old + i)
    for i in range(5):
        producer.produce(topic, value=b"y", partition=1, timestamp=old + i)
    producer.flush(10)
    committer = Consumer({"bootstrap.servers": local_stack.kafka_plaintext_bootstrap, "group.id": group})
    committer.commit(offsets=[TopicPartition(topic, 0, 4), TopicPartition(topic, 1, 5)], asynchronous=False)
    committer.close()
    path = properties(local_stack, "lag-", tmp_path)

    def run(*extra: str) -> tuple[int, str]:
        result = CliRunner().invoke(
            main, ["lag", "--properties", str(path), "--group", group, *extra], env={"COLUMNS": "300"}
        )
        return result.exit_code, " ".join(result.output.split())

    code, output = run()  # the group's topics, found from its committed offsets
    assert code == 0, output
    assert "│ lag-demo │ 0 │ 10 │ 4 │ 6 │" in output
    assert "│ lag-demo │ 1 │ 5 │ 5 │ 0 │ 0.0 │" in output
    time_lag = float(output.split("│ lag-demo │ 0 │ 10 │ 4 │ 6 │ ")[1].split(" ")[0])
    assert 119 <= time_lag < 600
    assert "│ total │ │ │ │ 6 │" in output

    assert run("--topic", topic, "--max-lag", "6")[0] == 0
    code, output = run("--topic", topic, "--max-lag", "5")
    assert code == 3 and "total lag 6 > 5" in output
    code, output = run("--max-time-lag", "60")
    assert code == 3 and "time lag" in output
    code, output = run("--topic", "no-such-topic")
    assert code == 1 and "topic 'no-such-topic' does not exist" in output


@pytest.mark.parametrize(
    "command", [["topics", "apply"], ["lag", "--topic", "transactions"], ["tail", "transactions"]]
)
def test_wrong_scram_password_is_one_clear_line(
    local_stack: Endpoints, tmp_path: Path, command: list[str]
) -> None:
    cfg = local_app_config(local_stack, auth="scram", pipeline="fraud")
    cfg = replace(cfg, kafka=replace(cfg.kafka, scram_password="not-the-password"))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(to_property_groups(cfg)))
    result = CliRunner().invoke(main, [*command, "--properties", str(path)])
    output = " ".join(result.output.split())
    assert result.exit_code == 1, output
    assert local_stack.kafka_scram_bootstrap in output and "credentials" in output.lower(), output
    assert "not-the-password" not in output and "Traceback" not in output
