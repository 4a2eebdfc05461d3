"""The one-line errors of the job's topic creation for Java failures the local broker cannot produce
(it runs without an authorizer): MSK refusing the application's identity the topic actions."""

from __future__ import annotations

import pytest

from connectors.kafka_topic_setup import TopicSetupError, topic_failure
from flink_jobs.config import KafkaConfig

IAM = KafkaConfig("boot-abc.c1.kafka-serverless.us-east-1.amazonaws.com:9098", auth="iam")


@pytest.mark.parametrize(
    "denied",
    [
        "org.apache.kafka.common.errors.TopicAuthorizationException",
        "org.apache.kafka.common.errors.ClusterAuthorizationException",
    ],
)
def test_no_permission_names_the_topic_and_the_iam_actions(denied: str) -> None:
    chain = [
        ("java.util.concurrent.ExecutionException", "wrapped"),
        (denied, "Authorization failed."),
    ]
    error = topic_failure(IAM, chain, ["features-txn-1m"], "create")
    assert isinstance(error, TopicSetupError)
    message = str(error)
    assert message.startswith("property group 'kafka', key 'create.topics'")
    assert "may not create topic 'features-txn-1m'" in message
    assert "kafka-cluster:CreateTopic" in message and "kafka-cluster:DescribeTopic" in message
    assert "create.topics=false" in message and "\n" not in message


def test_an_iam_login_refused_is_the_preflights_error() -> None:
    chain = [("org.apache.kafka.common.errors.SaslAuthenticationException", "Access denied")]
    message = str(topic_failure(IAM, chain, ["transactions"], "list"))
    assert "rejected the application's IAM identity" in message and "kafka-cluster:Connect" in message


def test_another_broker_refusal_names_the_topic_and_the_reason() -> None:
    chain = [("org.apache.kafka.common.errors.PolicyViolationException", "partitions above quota")]
    message = str(topic_failure(IAM, chain, ["clicks"], "create"))
    assert "cannot create topic 'clicks': PolicyViolationException: partitions above quota" in message
