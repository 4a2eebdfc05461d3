"""The local model endpoint's parts without a server: faults, SigV4 shape checks, formats, artifacts."""

from __future__ import annotations

import io
import json
import pickle
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from msk_features.dev.model_endpoint.faults import FaultPlan, FaultRule, parse_fault_rule
from msk_features.dev.model_endpoint.formats import (
    ContainerError,
    check_content_type,
    encode_csv,
    encode_json,
    negotiate_accept,
    parse_csv,
)
from msk_features.dev.model_endpoint.server import parse_model_specs
from msk_features.dev.model_endpoint.sigv4 import AuthFailure, Credential, check_sigv4
from msk_features.dev.stack.control import Endpoints
from msk_features.offline.model_artifact import ModelArtifactError, load_booster, pack_booster

SIGNATURE = "a" * 64


def signed(
    credential: str = "AKID/20261204/eu-west-1/sagemaker/aws4_request", **extra: str
) -> dict[str, str]:
    headers = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, "
        f"SignedHeaders=content-type;host;x-amz-date, Signature={SIGNATURE}",
        "X-Amz-Date": "20261204T101500Z",
    }
    headers.update(extra)
    return headers


# -- faults -----------------------------------------------------------------------------------------


def test_fault_rules_parse_and_print_back() -> None:
    for spec in ("model@every:10", "throttle@calls:3,7", "hang@rate:0.25", "not-ready@calls:1"):
        assert parse_fault_rule(spec).spec() == spec
    assert parse_fault_rule("internal@calls:7,3") == FaultRule("internal", calls=frozenset({3, 7}))


@pytest.mark.parametrize(
    "spec", ["boom@every:3", "model", "model@every:0", "model@sometimes:3", "model@rate:1.5", "model@calls:0"]
)
def test_bad_fault_rules_name_the_accepted_forms(spec: str) -> None:
    with pytest.raises(ValueError, match="fault rule"):
        parse_fault_rule(spec)


def test_the_first_matching_rule_wins_and_calls_count_from_one() -> None:
    plan = FaultPlan.parse(["model@calls:2", "throttle@every:2"])
    assert [plan.fault_for("m", call) for call in range(1, 7)] == [
        None,
        "model",
        None,
        "throttle",
        None,
        "throttle",
    ]


def test_rate_decisions_depend_on_the_seed_only() -> None:
    plan = FaultPlan.parse(["internal@rate:0.1"], seed=5)
    failed = [call for call in range(1, 20_001) if plan.fault_for("m", call)]
    assert failed == [
        call for call in range(1, 20_001) if FaultPlan.parse(["internal@rate:0.1"], 5).fault_for("m", call)
    ]
    assert 0.09 < len(failed) / 20_000 < 0.11
    other_seed = FaultPlan.parse(["internal@rate:0.1"], seed=6)
    assert failed != [call for call in range(1, 20_001) if other_seed.fault_for("m", call)]
    assert FaultPlan.parse(["internal@rate:0"]).fault_for("m", 1) is None
    assert FaultPlan.parse(["internal@rate:1"]).fault_for("m", 1) == "internal"


# -- SigV4 ------------------------------------------------------------------------------------------


def test_a_well_formed_signature_is_accepted_whatever_the_key_and_region() -> None:
    assert check_sigv4(signed()) == Credential("AKID", "20261204", "eu-west-1", "sagemaker")
    lower = {key.lower(): value for key, value in signed().items()}
    assert isinstance(check_sigv4(lower), Credential)


@pytest.mark.parametrize(
    ("headers", "code", "message"),
    [
        ({}, "MissingAuthenticationTokenException", "Missing Authentication Token"),
        (
            {"Authorization": "AWS AKID:c2ln", "X-Amz-Date": "20261204T101500Z"},
            "IncompleteSignatureException",
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.",
        ),
        (
            {"Authorization": signed()["Authorization"]},
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ),
        (
            signed("AKID/20261204/eu-west-1/s3/aws4_request"),
            "InvalidSignatureException",
            "Credential should be scoped to correct service: 'sagemaker'.",
        ),
        (
            signed("AKID/20261203/eu-west-1/sagemaker/aws4_request"),
            "InvalidSignatureException",
            "Date in Credential scope does not match",
        ),
        (
            signed("AKID/20261204/sagemaker/aws4_request"),
            "IncompleteSignatureException",
            "Credential must have",
        ),
        (
            {**signed(), "Authorization": signed()["Authorization"].replace("content-type;host;", "")},
            "IncompleteSignatureException",
            "'Host' or ':authority' must be a 'SignedHeader'",
        ),
        (
            {**signed(), "Authorization": signed()["Authorization"].replace(SIGNATURE, "xyz")},
            "InvalidSignatureException",
            "The request signature we calculated does not match",
        ),
    ],
)
def test_refusals_use_aws_codes(headers: dict[str, str], code: str, message: str) -> None:
    failure = check_sigv4(headers)
    assert isinstance(failure, AuthFailure)
    assert (failure.status, failure.code) == (403, code)
    assert failure.message.startswith(message), failure.message


# -- formats ----------------------------------------------------------------------------------------


def test_csv_rows_with_missing_fields() -> None:
    rows = parse_csv(b" 1.5,,3\n,nan, -2e3 \r\n0,0,0\n")
    assert rows.dtype == np.float64 and rows.shape == (3, 3)
    assert np.array_equal(
        rows, np.array([[1.5, np.nan, 3], [np.nan, np.nan, -2000], [0, 0, 0]]), equal_nan=True
    )


@pytest.mark.parametrize("body", [b"1,2\n3", b"1,a", b"\xff,1"])
def test_unreadable_csv_is_the_containers_415(body: bytes) -> None:
    with pytest.raises(ContainerError) as excinfo:
        parse_csv(body)
    assert excinfo.value.status == 415


def test_predictions_are_written_so_a_float32_reads_back_exactly() -> None:
    predictions = np.array([0.1, 1 / 3, 0.0, 1.0], dtype=np.float32)
    text = encode_csv(list(predictions)).decode()
    assert text == "0.10000000149011612\n0.3333333432674408\n0.0\n1.0\n"
    assert np.array_equal(np.array(text.split(), dtype=np.float64).astype(np.float32), predictions)
    assert json.loads(encode_json(list(predictions))) == {
        "predictions": [{"score": float(p)} for p in predictions]
    }


def test_content_type_and_accept_negotiation() -> None:
    for content_type in (None, "text/csv", "TEXT/CSV; charset=utf-8"):
        check_content_type(content_type)
    for content_type, status in (("text/libsvm", 415), ("application/json", 415)):
        with pytest.raises(ContainerError) as excinfo:
            check_content_type(content_type)
        assert excinfo.value.status == status
    assert [negotiate_accept(a) for a in (None, "", "*/*", "text/csv", "application/json; q=1")] == [
        "text/csv",
        "text/csv",
        "text/csv",
        "text/csv",
        "application/json",
    ]
    for accept in ("application/jsonlines", "image/png"):
        with pytest.raises(ContainerError) as excinfo:
            negotiate_accept(accept)
        assert excinfo.value.status == 406


def test_model_specs() -> None:
    models = parse_model_specs(["fraud-score=a/model.tar.gz", "b=/tmp/x.tar.gz"])
    assert models == {"fraud-score": Path("a/model.tar.gz").resolve(), "b": Path("/tmp/x.tar.gz")}
    for bad in (["noequals"], ["-bad=x"], ["a=x", "a=y"], ["a="]):
        with pytest.raises(ValueError, match="--model"):
            parse_model_specs(bad)


# -- artifacts ----------------------------------------------------------------------------------------


def tiny_booster() -> Any:
    import xgboost as xgb

    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    return xgb.train({"max_depth": 2, "nthread": 1}, xgb.DMatrix(x, label=x[:, 0] > 19), num_boost_round=2)


def test_an_artifact_round_trips(tmp_path: Path) -> None:
    import xgboost as xgb

    booster = tiny_booster()
    path = pack_booster(booster, tmp_path / "model.tar.gz")
    with tarfile.open(path) as archive:
        assert archive.getnames() == ["xgboost-model"]
    loaded = load_booster(path)
    rows = xgb.DMatrix(np.array([[3.0, np.nan], [30.0, 31.0]]))
    assert np.array_equal(loaded.predict(rows), booster.predict(rows))
    assert pack_booster(booster, tmp_path / "again.tar.gz").read_bytes() == path.read_bytes()


def write_tar(path: Path, name: str, data: bytes) -> Path:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    with tarfile.open(path, "w:gz") as archive:
        archive.addfile(info, io.BytesIO(data))
    return path


def test_bad_artifacts_are_refused(tmp_path: Path) -> None:
    cases = {
        tmp_path / "missing.tar.gz": "does not exist",
        write_tar(tmp_path / "other.tar.gz", "model.json", b"{}"): "has no 'xgboost-model'",
        write_tar(tmp_path / "pickle.tar.gz", "xgboost-model", pickle.dumps({"a": 1})): "is a pickle",
        write_tar(tmp_path / "junk.tar.gz", "./xgboost-model", b"not a model"): "is not an XGBoost model",
    }
    (tmp_path / "plain.tar.gz").write_bytes(b"plain text")
    cases[tmp_path / "plain.tar.gz"] = "not a readable model.tar.gz"
    for path, message in cases.items():
        with pytest.raises(ModelArtifactError, match=message):
            load_booster(path)


def test_endpoints_json_without_model_fields_still_reads() -> None:
    old = {
        "state_dir": "/s",
        "kafka_version": "3.9.1",
        "kafka_plaintext_bootstrap": "127.0.0.1:1",
        "kafka_scram_bootstrap": "127.0.0.1:2",
        "kafka_controller_port": 3,
        "scram_username": "u",
        "scram_password": "p",
        "ca_file": "/s/ca.pem",
        "s3_endpoint_url": "http://127.0.0.1:4",
        "s3_access_key": "test",
        "s3_secret_key": "test",
        "s3_region": "us-east-1",
        "buckets": [],
        "topics": [],
        "kafka_pid": 1,
        "s3_pid": 2,
    }
    endpoints = Endpoints.from_json(json.dumps(old))
    assert (endpoints.model_endpoint_url, endpoints.models, endpoints.model_pid, endpoints.model_port) == (
        "",
        (),
        0,
        None,
    )
    served = Endpoints.from_json(
        json.dumps(
            {**old, "model_endpoint_url": "http://127.0.0.1:5", "models": ["a=/m.tar.gz"], "model_pid": 9}
        )
    )
    assert served.models == ("a=/m.tar.gz",) and served.model_port == 5 and served.model_names() == ["a"]
    assert Endpoints.from_json(served.to_json()) == served


def test_connections_send_without_nagle_delay() -> None:
    """A response goes out as two writes (headers, then body): with Nagle's algorithm on, the body
    waits for the client's delayed ACK of the headers, up to 40 ms per call, which no clock of the
    endpoint sees (measured: a 200 ms endpoint took 252 ms at the provider, 208 ms with this set;
    docs/benchmarks/scoring-2026-12-04.md). ``StreamRequestHandler.setup`` sets TCP_NODELAY on each
    accepted connection when this attribute is true."""
    from msk_features.dev.model_endpoint.server import _Handler

    assert _Handler.disable_nagle_algorithm is True
