"""The local stack against real processes: a Kafka 3.9.1 broker and moto's S3 server."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

from click.testing import CliRunner
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, ConfigResource

from flink_jobs.config import BROKER_MAX_TRANSACTION_TIMEOUT_MS
from flink_jobs.pipelines import pipeline_topics
from flink_jobs.topics import TopicSpec
from msk_features.cli.local import local
from msk_features.dev.stack.control import Endpoints, LocalStack, pid_alive
from msk_features.kafka.auth import librdkafka_config
from msk_features.kafka.topic_setup import ensure_topics


def _round_trip(
    conf: dict[str, object], topic: str, messages: list[bytes], timeout_s: float = 30.0
) -> list[bytes]:
    """Produce ``messages`` to ``topic`` (one partition) and read them back from the beginning."""
    producer = Producer({**conf, "enable.idempotence": True})
    for message in messages:
        producer.produce(topic, value=message, key=b"k")
    assert producer.flush(timeout_s) == 0, "messages were not delivered"
    consumer = Consumer(
        {
            **conf,
            "group.id": f"test-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    received: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(received) < len(messages) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            assert msg.error() is None, msg.error()
            received.append(msg.value())
    finally:
        consumer.close()
    return received


def test_up_returns_endpoints(local_stack: Endpoints) -> None:
    state_dir = Path(local_stack.state_dir)
    assert local_stack.kafka_version == "3.9.1"
    assert local_stack.kafka_plaintext_bootstrap.startswith("127.0.0.1:")
    assert local_stack.kafka_scram_bootstrap.startswith("127.0.0.1:")
    assert local_stack.plaintext_port != local_stack.scram_port
    assert local_stack.scram_username and len(local_stack.scram_password) >= 16
    assert Path(local_stack.ca_file).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert local_stack.s3_endpoint_url.startswith("http://127.0.0.1:")
    assert (local_stack.s3_access_key, local_stack.s3_secret_key) == ("test", "test")
    assert local_stack.buckets == ("msk-features-local",)
    assert pid_alive(local_stack.kafka_pid) and pid_alive(local_stack.s3_pid)

    endpoints_file = state_dir / "endpoints.json"
    assert stat.S_IMODE(endpoints_file.stat().st_mode) == 0o600
    assert Endpoints.from_json(endpoints_file.read_text()) == local_stack
    assert Endpoints.from_json(local_stack.to_json()) == local_stack

    scram = local_stack.kafka_config("scram")
    assert scram.auth == "scram"
    assert (scram.truststore_location, scram.truststore_type) == (local_stack.ca_file, "PEM")
    assert (scram.scram_username, scram.scram_password) == (
        local_stack.scram_username,
        local_stack.scram_password,
    )
    assert local_stack.kafka_config("plaintext").bootstrap_servers == local_stack.kafka_plaintext_bootstrap


def test_second_up_reuses_the_running_processes(local_stack: Endpoints) -> None:
    stack = LocalStack(Path(local_stack.state_dir))
    specs = pipeline_topics(None, "fraud")  # the session stack's topics (tests/conftest.py)
    again = stack.up(topics=specs)
    assert (again.kafka_pid, again.s3_pid) == (local_stack.kafka_pid, local_stack.s3_pid)
    assert again.kafka_plaintext_bootstrap == local_stack.kafka_plaintext_bootstrap
    assert again.scram_password == local_stack.scram_password
    assert [result.outcome for result in stack.topic_results] == ["exists"] * len(specs)


def test_existing_topic_with_other_partition_count_is_reported_not_changed(local_stack: Endpoints) -> None:
    results = ensure_topics(local_stack.kafka_plaintext_bootstrap, [TopicSpec("transactions", 7)])
    assert results[0].outcome == "mismatch"
    assert results[0].partitions == 3
    assert "3 partitions" in results[0].detail


def test_topics_exist_with_partitions_and_compaction(local_stack: Endpoints) -> None:
    admin = AdminClient({"bootstrap.servers": local_stack.kafka_plaintext_bootstrap})
    metadata = admin.list_topics(timeout=10)
    specs = pipeline_topics(None, "fraud")
    for spec in specs:
        assert spec.name in metadata.topics, f"topic {spec.name} is missing"
        assert len(metadata.topics[spec.name].partitions) == spec.partitions
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in ("profiles", "transactions")]
    configs = {res.name: fut.result(10) for res, fut in admin.describe_configs(resources).items()}
    assert configs["profiles"]["cleanup.policy"].value == "compact"
    assert configs["transactions"]["cleanup.policy"].value == "delete"
    assert configs["transactions"]["retention.ms"].value == str(7 * 24 * 3600 * 1000)


def test_broker_settings_match_msk(local_stack: Endpoints) -> None:
    admin = AdminClient({"bootstrap.servers": local_stack.kafka_plaintext_bootstrap})
    resource = ConfigResource(ConfigResource.Type.BROKER, "1")
    config = admin.describe_configs([resource])[resource].result(10)
    assert config["auto.create.topics.enable"].value == "false"
    assert config["transaction.max.timeout.ms"].value == str(BROKER_MAX_TRANSACTION_TIMEOUT_MS)
    assert config["offsets.topic.replication.factor"].value == "1"


def test_plaintext_round_trip(local_stack: Endpoints) -> None:
    topic = f"it-plaintext-{uuid.uuid4().hex[:8]}"
    ensure_topics(local_stack.kafka_plaintext_bootstrap, [TopicSpec(topic, 1)])
    messages = [f"plaintext-{i}-{uuid.uuid4()}".encode() for i in range(5)]
    conf = librdkafka_config(local_stack.kafka_config("plaintext"))
    assert _round_trip(conf, topic, messages) == messages


def test_s3_server_lists_the_bucket(local_stack: Endpoints) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=local_stack.s3_endpoint_url,
        aws_access_key_id=local_stack.s3_access_key,
        aws_secret_access_key=local_stack.s3_secret_key,
        region_name=local_stack.s3_region,
    )
    names = [bucket["Name"] for bucket in client.list_buckets()["Buckets"]]
    assert "msk-features-local" in names
    body = uuid.uuid4().bytes
    client.put_object(Bucket="msk-features-local", Key="it/check.bin", Body=body)
    assert client.get_object(Bucket="msk-features-local", Key="it/check.bin")["Body"].read() == body


def test_status_reports_healthy(local_stack: Endpoints) -> None:
    report = LocalStack(Path(local_stack.state_dir)).status()
    assert report["kafka"] == {
        "pid": local_stack.kafka_pid,
        "alive": True,
        "healthy": True,
        "endpoint": local_stack.kafka_plaintext_bootstrap,
        "scram_endpoint": local_stack.kafka_scram_bootstrap,
    }
    assert report["s3"] == {
        "pid": local_stack.s3_pid,
        "alive": True,
        "healthy": True,
        "endpoint": local_stack.s3_endpoint_url,
    }


def test_cli_status(local_stack: Endpoints, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(local, ["status", "--json", "--state-dir", local_stack.state_dir])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["kafka"]["healthy"] and report["s3"]["healthy"]
    assert report["kafka"]["pid"] == local_stack.kafka_pid

    table = runner.invoke(local, ["status", "--state-dir", local_stack.state_dir])
    assert table.exit_code == 0, table.output
    assert local_stack.kafka_plaintext_bootstrap in table.output

    empty = runner.invoke(local, ["status", "--state-dir", str(tmp_path / "nothing-here")])
    assert empty.exit_code == 1
    assert "local up" in empty.output


def test_down_stops_exactly_what_up_started(tmp_path: Path) -> None:
    stack = LocalStack(tmp_path / "own-stack")
    endpoints = stack.up(topics=[TopicSpec("only-topic", 1)], buckets=["own-bucket"])
    pids = {"kafka": endpoints.kafka_pid, "s3": endpoints.s3_pid}
    assert all(pid_alive(pid) for pid in pids.values())
    assert endpoints.buckets == ("own-bucket",) and endpoints.topics == ("only-topic",)

    stopped = stack.down()
    assert sorted(stopped) == sorted(f"{name} (pid {pid})" for name, pid in pids.items())
    assert not any(pid_alive(pid) for pid in pids.values())
    assert not (stack.pids_dir / "kafka.pid").exists() and not (stack.pids_dir / "s3.pid").exists()
    assert stack.down() == []
    report = stack.status()
    assert not report["kafka"]["alive"] and not report["s3"]["alive"]

    # A pid file naming a process that is not ours is removed, and the process is left alone.
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (stack.pids_dir / "kafka.pid").write_text(f"{stranger.pid}\n")
        assert stack.down() == []
        assert stranger.poll() is None, "down() killed a process it did not start"
        assert not (stack.pids_dir / "kafka.pid").exists()

        # ... and up() starts a fresh broker instead of "reusing" the stranger.
        (stack.pids_dir / "kafka.pid").write_text(f"{stranger.pid}\n")
        again = stack.up(topics=[TopicSpec("only-topic", 1)], buckets=["own-bucket"])
        assert again.kafka_pid not in (stranger.pid, pids["kafka"])
        assert [result.outcome for result in stack.topic_results] == ["exists"]  # data survived down/up
        assert again.scram_password == endpoints.scram_password
        assert len(stack.down()) == 2
        assert not pid_alive(again.kafka_pid) and not pid_alive(again.s3_pid)
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()
    assert os.path.isdir(stack.state_dir)
