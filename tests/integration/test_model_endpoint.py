"""The local model endpoint against botocore's real ``sagemaker-runtime`` client (SigV4-signed).

Each test talks to an endpoint process started as the stack starts it (tests/support/model_endpoint.py):
predictions equal the booster's in memory, bit for bit; errors carry the codes and statuses AWS
documents; latency and faults land on the configured calls; 50 concurrent callers are all answered;
the process stops by pid and frees its port. No broker, no JVM: a few seconds in all.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, ReadTimeoutError

from msk_features.dev.model_endpoint.process import endpoint_healthy
from msk_features.dev.stack.control import LocalStack, pid_alive
from msk_features.dev.stack.ports import free_ports, is_port_free
from tests.support.model_endpoint import ENDPOINT_NAME, ModelEndpoint, TrainedModel
from tests.support.stack import fake_endpoints

StartEndpoint = Any


def client(url: str, **config: Any) -> Any:
    """A boto3 ``sagemaker-runtime`` client for ``url``: dummy credentials, no retries."""
    import boto3

    return boto3.client(
        "sagemaker-runtime",
        endpoint_url=url,
        region_name="eu-west-1",
        aws_access_key_id="AKIDLOCAL",
        aws_secret_access_key="local-secret",
        config=Config(retries={"total_max_attempts": 1}, **config),
    )


def csv_body(rows: np.ndarray) -> str:
    """Rows as the job sends them: ``repr`` of each double, an empty field for a missing value."""
    return "\n".join(",".join("" if np.isnan(v) else repr(float(v)) for v in row) for row in rows)


def invoke(sm: Any, body: str, **kwargs: Any) -> Any:
    return sm.invoke_endpoint(EndpointName=ENDPOINT_NAME, Body=body, ContentType="text/csv", **kwargs)


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_signed_csv_predictions_equal_the_booster_in_memory(
    model_endpoint: ModelEndpoint, xgboost_model: TrainedModel
) -> None:
    import xgboost as xgb

    rows = xgboost_model.rows
    assert np.isnan(rows).any() and np.isnan(rows[0]).all()
    expected = xgboost_model.booster.predict(xgb.DMatrix(rows))
    assert expected.dtype == np.float32 and len(set(expected.tolist())) > 10

    response = invoke(client(model_endpoint.url), csv_body(rows), Accept="text/csv")

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["ContentType"] == "text/csv; charset=utf-8"
    assert response["InvokedProductionVariant"] == "AllTraffic"
    text = response["Body"].read().decode()
    assert text == "".join(f"{float(p)!r}\n" for p in expected)
    served = np.array([float(line) for line in text.splitlines()])
    assert np.array_equal(served.astype(np.float32), expected)
    assert np.array_equal(served, expected.astype(np.float64))  # the float32 values, exactly


def test_a_double_is_rounded_to_float32_before_the_trees(
    model_endpoint: ModelEndpoint, xgboost_model: TrainedModel
) -> None:
    """A double just below a split threshold that rounds to it goes the threshold's way, as in XGBoost."""
    import xgboost as xgb

    root = json.loads(xgboost_model.booster.get_dump(dump_format="json")[0])
    feature, threshold = int(root["split"].lstrip("f")), np.float32(root["split_condition"])
    below = np.nextafter(np.float64(threshold), -np.inf)
    assert np.float32(below) == threshold and below < float(threshold)
    rows = np.full((3, 4), np.nan)
    rows[:, feature] = [below, float(threshold), float(np.nextafter(threshold, np.float32(-np.inf)))]
    expected = xgboost_model.booster.predict(xgb.DMatrix(rows))
    assert expected[0] == expected[1] != expected[2]

    text = invoke(client(model_endpoint.url), csv_body(rows))["Body"].read().decode()

    assert [float(line) for line in text.splitlines()] == [float(p) for p in expected]


def test_json_and_default_accept(model_endpoint: ModelEndpoint, xgboost_model: TrainedModel) -> None:
    import xgboost as xgb

    rows = xgboost_model.rows[:5]
    expected = [float(p) for p in xgboost_model.booster.predict(xgb.DMatrix(rows))]
    sm = client(model_endpoint.url)

    as_json = invoke(sm, csv_body(rows), Accept="application/json")
    assert as_json["ContentType"] == "application/json"
    assert json.loads(as_json["Body"].read()) == {"predictions": [{"score": p} for p in expected]}

    default = invoke(sm, csv_body(rows))  # no Accept: the container's default, text/csv
    assert default["ContentType"] == "text/csv; charset=utf-8"
    assert [float(line) for line in default["Body"].read().decode().splitlines()] == expected


def test_unknown_endpoint_is_a_validation_error(model_endpoint: ModelEndpoint) -> None:
    sm = client(model_endpoint.url)
    with pytest.raises(sm.exceptions.ValidationError) as excinfo:
        sm.invoke_endpoint(EndpointName="no-such-model", Body="1,2,3,4", ContentType="text/csv")
    assert error_of(excinfo) == ("ValidationError", 400)
    assert excinfo.value.response["Error"]["Message"] == (
        "Endpoint no-such-model of account 123456789012 not found."
    )


def test_unsigned_and_malformed_requests_are_refused(model_endpoint: ModelEndpoint) -> None:
    unsigned = client(model_endpoint.url, signature_version=UNSIGNED)
    with pytest.raises(ClientError) as excinfo:
        invoke(unsigned, "1,2,3,4")
    assert error_of(excinfo) == ("MissingAuthenticationTokenException", 403)

    url = f"{model_endpoint.url}/endpoints/{ENDPOINT_NAME}/invocations"
    sigv2 = {"Authorization": "AWS AKIDLOCAL:c2lnbmF0dXJl", "Content-Type": "text/csv"}
    status, headers, body = raw_post(url, b"1,2,3,4", sigv2)
    assert (status, headers["x-amzn-ErrorType"]) == (403, "IncompleteSignatureException")
    assert "Authorization header requires 'Credential' parameter." in body["message"]

    request = AWSRequest("POST", url, data=b"1,2,3,4", headers={"Content-Type": "text/csv"})
    SigV4Auth(Credentials("AKIDLOCAL", "local-secret"), "execute-api", "eu-west-1").add_auth(request)
    status, headers, body = raw_post(url, b"1,2,3,4", dict(request.headers.items()))
    assert (status, headers["x-amzn-ErrorType"]) == (403, "InvalidSignatureException")
    assert body["message"].startswith("Credential should be scoped to correct service: 'sagemaker'.")

    refused = model_endpoint.stats()["refused"]
    assert refused["MissingAuthenticationTokenException"] >= 1
    assert refused["IncompleteSignatureException"] >= 1


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def test_model_errors_are_wrapped_as_sagemaker_does(model_endpoint: ModelEndpoint) -> None:
    sm = client(model_endpoint.url)
    cases = [
        ("1,2,3,4,5,6", "text/csv", "text/csv", 400, "Unable to evaluate payload provided"),
        ("1,x,3,4", "text/csv", "text/csv", 415, "Loading csv data failed"),
        ("1 2:3", "text/libsvm", "text/csv", 415, "Content-type text/libsvm"),
        ("1,2,3,4", "text/csv", "image/png", 406, "Accept type image/png is not supported"),
    ]
    for body, content_type, accept, status, message in cases:
        with pytest.raises(sm.exceptions.ModelError) as excinfo:
            sm.invoke_endpoint(EndpointName=ENDPOINT_NAME, Body=body, ContentType=content_type, Accept=accept)
        response = excinfo.value.response
        assert error_of(excinfo) == ("ModelError", 424), body
        assert response["OriginalStatusCode"] == status, body
        assert response["OriginalMessage"].startswith(message), response["OriginalMessage"]
        assert response["Error"]["Message"].startswith(f"Received client error ({status}) from primary")
        assert response["LogStreamArn"].endswith(f"/aws/sagemaker/Endpoints/{ENDPOINT_NAME}")


def test_custom_attributes_are_accepted_and_not_echoed(model_endpoint: ModelEndpoint) -> None:
    sm = client(model_endpoint.url)
    response = invoke(sm, "1,2,3,4", CustomAttributes="trace=abc")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "CustomAttributes" not in response
    with pytest.raises(sm.exceptions.ValidationError):
        invoke(sm, "1,2,3,4", CustomAttributes="x" * 1025)


def test_latency_option_adds_the_latency(start_model_endpoint: StartEndpoint) -> None:
    endpoint = start_model_endpoint("--latency-ms", "300")
    sm = client(endpoint.url)
    invoke(sm, "1,2,3,4")  # the connection is open before timing
    started = time.monotonic()
    invoke(sm, "1,2,3,4")
    assert time.monotonic() - started >= 0.3
    assert endpoint.stats()["options"]["latency_ms"] == 300.0


def test_faults_land_on_the_configured_calls(start_model_endpoint: StartEndpoint) -> None:
    endpoint = start_model_endpoint(
        "--fail",
        "model@calls:2",
        "--fail",
        "throttle@every:3",
        "--fail",
        "internal@calls:4",
        "--fail",
        "unavailable@calls:5",
        "--fail",
        "not-ready@calls:7",
    )
    sm = client(endpoint.url)
    outcomes: list[tuple[str, int]] = []
    for _ in range(9):
        try:
            invoke(sm, "1,2,3,4")
            outcomes.append(("ok", 200))
        except ClientError as exc:
            outcomes.append(
                (exc.response["Error"]["Code"], exc.response["ResponseMetadata"]["HTTPStatusCode"])
            )
    assert outcomes == [
        ("ok", 200),
        ("ModelError", 424),
        ("ThrottlingException", 400),
        ("InternalFailure", 500),
        ("ServiceUnavailable", 503),
        ("ThrottlingException", 400),
        ("ModelNotReadyException", 429),
        ("ok", 200),
        ("ThrottlingException", 400),
    ]
    stats = endpoint.stats()["endpoints"][ENDPOINT_NAME]
    assert stats["calls"] == 9 and stats["answered"] == 2
    assert stats["injected"] == {"model": 1, "throttle": 3, "internal": 1, "unavailable": 1, "not-ready": 1}


def test_a_hang_outlasts_the_client_timeout(start_model_endpoint: StartEndpoint) -> None:
    endpoint = start_model_endpoint("--fail", "hang@calls:1", "--hang-s", "30")
    sm = client(endpoint.url, read_timeout=1, connect_timeout=5)
    started = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        invoke(sm, "1,2,3,4")
    assert time.monotonic() - started >= 1.0
    assert invoke(sm, "1,2,3,4")["ResponseMetadata"]["HTTPStatusCode"] == 200  # call 2: answered
    assert endpoint.stats()["endpoints"][ENDPOINT_NAME]["injected"] == {"hang": 1}


def test_rate_faults_are_seeded(start_model_endpoint: StartEndpoint) -> None:
    runs = []
    for _ in range(2):
        endpoint = start_model_endpoint("--fail", "internal@rate:0.3", "--seed", "11")
        sm = client(endpoint.url)
        failed = []
        for call in range(1, 31):
            try:
                invoke(sm, "1,2,3,4")
            except ClientError:
                failed.append(call)
        runs.append(failed)
        endpoint.stop()
    assert runs[0] == runs[1] and 0 < len(runs[0]) < 30


def test_fifty_concurrent_callers_are_all_answered(
    start_model_endpoint: StartEndpoint, xgboost_model: TrainedModel
) -> None:
    import xgboost as xgb

    endpoint = start_model_endpoint("--latency-ms", "100")
    sm = client(endpoint.url, max_pool_connections=50)
    rows = xgboost_model.rows
    expected = [float(p) for p in xgboost_model.booster.predict(xgb.DMatrix(rows))]
    results: dict[int, list[float]] = {}
    errors: list[BaseException] = []

    def call(worker: int) -> None:
        try:
            for round_ in range(3):
                index = (worker + round_ * 50) % len(rows)
                body = invoke(sm, csv_body(rows[index : index + 1]))["Body"].read().decode()
                results[worker * 3 + round_] = [index, float(body)]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(worker,)) for worker in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    assert len(results) == 150
    assert all(score == expected[int(index)] for index, score in results.values())
    stats = endpoint.stats()
    assert stats["endpoints"][ENDPOINT_NAME]["answered"] == 150
    assert stats["max_in_flight"] >= 10, stats


def test_the_process_stops_by_pid_and_frees_its_port(start_model_endpoint: StartEndpoint) -> None:
    endpoint = start_model_endpoint()
    assert endpoint_healthy(endpoint.url)
    endpoint.stop()  # what the fixtures run at teardown
    assert not pid_alive(endpoint.pid)
    assert is_port_free(endpoint.port)
    assert not endpoint_healthy(endpoint.url, timeout_s=1.0)


def test_several_models_by_name(start_model_endpoint: StartEndpoint, xgboost_model: TrainedModel) -> None:
    endpoint = start_model_endpoint(
        models=[f"{ENDPOINT_NAME}={xgboost_model.artifact}", f"other-model={xgboost_model.artifact}"]
    )
    sm = client(endpoint.url)
    first = invoke(sm, "1,2,3,4")["Body"].read()
    other = sm.invoke_endpoint(EndpointName="other-model", Body="1,2,3,4", ContentType="text/csv")
    assert other["Body"].read() == first
    counts = {name: s["calls"] for name, s in endpoint.stats()["endpoints"].items()}
    assert counts == {ENDPOINT_NAME: 1, "other-model": 1}


def test_cli_endpoint_serves_until_sigterm(tmp_path: Path, xgboost_model: TrainedModel) -> None:
    (port,) = free_ports(1)
    command = [
        str(Path(sys.executable).with_name("msk-features")),
        "local",
        "endpoint",
        "--model",
        f"{ENDPOINT_NAME}={xgboost_model.artifact}",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not endpoint_healthy(url, timeout_s=1.0):
            assert process.poll() is None and time.monotonic() < deadline, (
                process.stdout and process.stdout.read()
            )
            time.sleep(0.1)
        assert invoke(client(url), "1,2,3,4")["ResponseMetadata"]["HTTPStatusCode"] == 200
        os.kill(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output
    assert f"Model endpoint listening on {url}" in output


def test_stack_serves_models_and_down_stops_them(tmp_path: Path, xgboost_model: TrainedModel) -> None:
    """The stack's model component alone: endpoints.json as a running broker and S3 server would have
    written it (they are not started; nothing here signals them), then serve_models, status, down."""
    state = tmp_path / "stack"
    state.mkdir()
    (state / "endpoints.json").write_text(fake_endpoints(state).to_json(), encoding="utf-8")
    stack = LocalStack(state)

    try:
        endpoints = stack.serve_models({ENDPOINT_NAME: xgboost_model.artifact})
        recorded = stack.read_endpoints()
        assert recorded == endpoints
        assert endpoints.models == (f"{ENDPOINT_NAME}={xgboost_model.artifact.resolve()}",)
        assert endpoints.model_endpoint_url.startswith("http://127.0.0.1:")
        assert (state / "pids" / "model.pid").read_text().strip() == str(endpoints.model_pid)
        report = stack.status()["model"]
        assert report["alive"] and report["healthy"] and report["endpoint"] == endpoints.model_endpoint_url
        assert (
            invoke(client(endpoints.model_endpoint_url), "1,2,3,4")["ResponseMetadata"]["HTTPStatusCode"]
            == 200
        )

        again = stack.serve_models({ENDPOINT_NAME: xgboost_model.artifact})  # restarted, same port
        assert (
            again.model_endpoint_url == endpoints.model_endpoint_url
            and again.model_pid != endpoints.model_pid
        )
        assert not pid_alive(endpoints.model_pid)

        assert stack.down() == [f"model (pid {again.model_pid})"]
        assert not pid_alive(again.model_pid) and is_port_free(again.model_port or 0)
        after = stack.read_endpoints()
        assert after is not None and after.model_endpoint_url == "" and after.models == ()
        assert not (state / "pids" / "model.pid").exists()
    finally:
        stack.down()  # a no-op once down() ran


def test_cli_up_model_then_status_and_down(
    tmp_path: Path, xgboost_model: TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`local up --model` through click, with the broker and S3 steps stubbed (no JVM here)."""
    from click.testing import CliRunner

    from msk_features.cli import main
    from msk_features.dev.stack import control as stack_module

    state = tmp_path / "stack"
    monkeypatch.setattr(
        stack_module.LocalStack, "_start_missing", lambda self, *args: fake_endpoints(self.state_dir)
    )
    monkeypatch.setattr(stack_module, "check_connection", lambda *args, **kwargs: None)
    monkeypatch.setattr(stack_module, "ensure_topics", lambda *args, **kwargs: [])
    monkeypatch.setattr(stack_module, "ensure_buckets", lambda *args, **kwargs: [])
    runner = CliRunner()
    spec = f"{ENDPOINT_NAME}={xgboost_model.artifact}"

    try:
        result = runner.invoke(main, ["local", "up", "--model", spec, "--state-dir", str(state)])
        assert result.exit_code == 0, result.output
        endpoints = LocalStack(state).read_endpoints()
        assert endpoints is not None and endpoints.model_pid and endpoints.models == (spec,)
        printed = " ".join(result.output.split())  # rich wraps at the terminal width
        url = endpoints.model_endpoint_url
        assert f"Model endpoint: {url} (SageMaker runtime; endpoints {ENDPOINT_NAME})" in printed
        assert invoke(client(url), "1,2,3,4")["ResponseMetadata"]["HTTPStatusCode"] == 200

        again = runner.invoke(main, ["local", "up", "--state-dir", str(state)])  # no --model: kept as it is
        assert again.exit_code == 0, again.output
        kept = LocalStack(state).read_endpoints()
        assert kept is not None and (kept.model_pid, kept.model_endpoint_url) == (endpoints.model_pid, url)

        status = runner.invoke(main, ["local", "status", "--json", "--state-dir", str(state)])
        model = json.loads(status.output)["model"]
        assert (model["pid"], model["alive"], model["healthy"]) == (endpoints.model_pid, True, True)

        bad = runner.invoke(
            main, ["local", "up", "--model", "x=/no/such/model.tar.gz", "--state-dir", str(state)]
        )
        assert bad.exit_code == 2 and "no such file" in bad.output

        down = runner.invoke(main, ["local", "down", "--state-dir", str(state)])
        assert down.exit_code == 0 and f"model (pid {endpoints.model_pid})" in " ".join(down.output.split())
        assert not pid_alive(endpoints.model_pid)
    finally:
        LocalStack(state).down()  # a no-op once `down` ran
