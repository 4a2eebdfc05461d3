"""MSK IAM auth (aws-msk-iam-auth) on the kafka-clients the uber-jar ships (issue 17 item 4).

AWS's connector table for FLINK-2_2 names ``flink-connector-kafka 4.0.0-2.0``; pom.xml uses
``5.0.0-2.2``, the connector release built against Flink 2.2, which brings kafka-clients 4.2.0.
These tests load the IAM login module and callback handler from the uber-jar, in the PyFlink gateway
JVM with the jar on the user class path exactly as the job has it, and show that on those
kafka-clients (1) a SASL client for ``AWS_MSK_IAM`` initialises and signs its first message with
static test credentials, and (2) a Kafka admin client configured with the job's IAM properties gets
as far as the SASL handshake with a real broker (the local one, whose SASL listener offers SCRAM
only, so the broker refuses the mechanism: the client side is complete up to that point).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from py4j.protocol import Py4JJavaError

from connectors.kafka_auth import MSK_IAM_CALLBACK_HANDLER, MSK_IAM_LOGIN_MODULE, client_properties
from flink_jobs.config import ENV_PROPERTIES, AppConfig, KafkaConfig, RunOptions
from msk_features.dev.stack.control import Endpoints

REPO = Path(__file__).resolve().parents[2]
BROKER_HOST = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com"
ACCESS_KEY = "AKIDEXAMPLE"


@pytest.fixture(scope="module")
def jvm(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The gateway JVM with the uber-jar on its user class path, as a local job has it."""
    from pyflink.java_gateway import get_gateway

    from flink_jobs.runtime.environment import create_table_env

    if not (REPO / "target" / "lib" / "pyflink-dependencies.jar").is_file():
        request.getfixturevalue("built_package")
    cfg = AppConfig(RunOptions("main.py", "lib/pyflink-dependencies.jar"), KafkaConfig("127.0.0.1:9"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_PROPERTIES, "local")
        create_table_env(cfg, REPO, "msk-iam-test")
    yield get_gateway().jvm


def test_the_uber_jar_ships_kafka_clients_4_2_and_the_iam_classes(jvm: Any) -> None:
    assert str(jvm.org.apache.kafka.common.utils.AppInfoParser.getVersion()) == "4.2.0"
    loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
    for name in (MSK_IAM_LOGIN_MODULE, MSK_IAM_CALLBACK_HANDLER):
        assert str(jvm.java.lang.Class.forName(name, True, loader).getName()) == name


def test_an_aws_msk_iam_sasl_client_signs_its_first_message(jvm: Any) -> None:
    from pyflink.java_gateway import get_gateway

    system = jvm.java.lang.System
    properties = {
        "aws.accessKeyId": ACCESS_KEY,
        "aws.secretAccessKey": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "aws.region": "us-east-1",
    }
    for key, value in properties.items():
        system.setProperty(key, value)
    try:
        iam = jvm.software.amazon.msk.auth.iam
        empty = jvm.java.util.HashMap()
        iam.IAMLoginModule().initialize(jvm.javax.security.auth.Subject(), None, empty, empty)
        login = jvm.javax.security.auth.login
        required = getattr(login, "AppConfigurationEntry$LoginModuleControlFlag").REQUIRED
        entries = jvm.java.util.ArrayList()
        entries.add(login.AppConfigurationEntry(MSK_IAM_LOGIN_MODULE, required, empty))
        handler = iam.IAMClientCallbackHandler()
        handler.configure(empty, "AWS_MSK_IAM", entries)
        mechanisms = get_gateway().new_array(jvm.java.lang.String, 1)
        mechanisms[0] = "AWS_MSK_IAM"
        client = jvm.javax.security.sasl.Sasl.createSaslClient(
            mechanisms, None, "kafka", BROKER_HOST, empty, handler
        )
        assert client is not None and client.hasInitialResponse()
        payload = json.loads(bytes(client.evaluateChallenge(b"")).decode("utf-8"))
    finally:
        for key in properties:
            system.clearProperty(key)
    assert payload["action"] == "kafka-cluster:Connect"
    assert payload["host"] == BROKER_HOST
    assert payload["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert payload["x-amz-credential"].startswith(f"{ACCESS_KEY}/")
    assert payload["x-amz-credential"].endswith("/us-east-1/kafka-cluster/aws4_request")
    assert len(payload["x-amz-signature"]) == 64
    assert payload["user-agent"].startswith("aws-msk-iam-auth/2.3.9/")


def test_an_admin_client_with_the_jobs_iam_properties_reaches_the_sasl_handshake(
    jvm: Any, local_stack: Endpoints
) -> None:
    kafka = KafkaConfig(local_stack.kafka_scram_bootstrap, auth="iam")
    props = jvm.java.util.Properties()
    for key, value in {
        **client_properties(kafka),
        # The local SASL listener's certificate is signed by the stack's own CA (MSK's by Amazon's).
        "ssl.truststore.location": local_stack.ca_file,
        "ssl.truststore.type": "PEM",
        "default.api.timeout.ms": "20000",
        "request.timeout.ms": "20000",
    }.items():
        props.setProperty(key, value)
    admin = jvm.org.apache.kafka.clients.admin.AdminClient.create(props)
    try:
        with pytest.raises(Py4JJavaError) as info:
            admin.describeCluster().nodes().get()
    finally:
        admin.close(jvm.java.time.Duration.ofSeconds(5))
    chain, throwable = [], info.value.java_exception
    while throwable is not None:
        chain.append((str(throwable.getClass().getSimpleName()), str(throwable.getMessage())))
        throwable = throwable.getCause()
    refused = [message for name, message in chain if name == "UnsupportedSaslMechanismException"]
    assert refused, chain
    assert "AWS_MSK_IAM" in refused[0] and "SCRAM-SHA-512" in refused[0]
