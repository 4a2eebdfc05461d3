"""Unit tests of ``msk-features train``: rows as of the transaction, encoding, metrics, model, artifact.

Data: synthetic feature rows whose fraud rule is known (written here), and, for the command, an
offline dataset built from a generated plan by the independent reference
(:mod:`tests.reference.offline_data`). No Kafka, no Flink.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import tarfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import xgboost
from click.testing import CliRunner

from flink_jobs.config import load_config
from flink_jobs.features.scoring import encode_row
from flink_jobs.pipelines import fraud, get_pipeline
from msk_features.cli import main
from msk_features.dev.generator import GenerateSpec, build_plan
from msk_features.offline.train import (
    ARTIFACT,
    MODEL_FILE,
    MODEL_JSON,
    TrainError,
    TrainParams,
    artifact_bytes,
    auc,
    check_out,
    default_positive,
    holdout_metrics,
    labels_dataset,
    labels_source,
    scoring_of,
    train,
    train_from_offline,
    training_rows,
    write_artifact,
)
from tests.reference.fraud import InputRecord
from tests.reference.offline_data import LABELS_SCHEMA, TXN_FEATURES_SCHEMA, write_offline

SPEC = get_pipeline("fraud")
SCORING = fraud.fraud_score
START = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def feature_row(txn_id: str, user: str, at: datetime, **values: Any) -> dict[str, Any]:
    row = {
        "user_id": user,
        "event_time": naive(at),
        "txn_id": txn_id,
        "amount": Decimal("10.0000"),
        "country": "US",
        "txn_count_10m": 1,
        "amount_avg_10m": Decimal("10.000000"),
        "clicks_10m_before": 1,
        "seconds_since_last_click": Decimal("5.000"),
        "home_country": "US",
        "risk_tier": "low",
        "is_foreign": False,
        "pipeline_version": "t",
    }
    row.update(values)
    return row


def label_row(txn_id: str, user: str, at: datetime, label: str, delay: timedelta) -> dict[str, Any]:
    return {
        "txn_id": txn_id,
        "user_id": user,
        "label": label,
        "txn_time": naive(at),
        "labeled_at": naive(at + delay),
        "kafka_partition": 0,
        "kafka_offset": 0,
        "pipeline_version": "t",
    }


def known_rule_data(n: int, noise: float, seed: int = 1) -> tuple[pa.Table, pa.Table]:
    """``n`` transactions over 20 h; fraud iff (amount >= 500 and abroad) or (high tier and no
    click before), with ``noise`` of the verdicts flipped; labels arrive 1 min to 4 h later."""
    rng = Random(seed)
    features, labels = [], []
    for i in range(n):
        at = START + timedelta(seconds=i * 72_000 / n)
        amount = Decimal(rng.choice((rng.randint(100, 9_999), rng.randint(10_000, 200_000)))).scaleb(-2)
        foreign = rng.random() < 0.3 if rng.random() < 0.95 else None
        tier = rng.choice(("low", "medium", "high", None))
        clicks = rng.choice((0, 0, 1, 2, 3))
        since = (
            None if clicks == 0 and rng.random() < 0.5 else Decimal(rng.randint(1_000, 900_000)).scaleb(-3)
        )
        row = feature_row(
            f"t{i:05d}",
            f"u{rng.randint(1, 300):03d}",
            at,
            amount=amount.quantize(Decimal("0.0001")),
            amount_avg_10m=amount.quantize(Decimal("0.000001")),
            clicks_10m_before=clicks,
            seconds_since_last_click=since,
            risk_tier=tier,
            is_foreign=foreign,
            home_country=None if tier is None else "US",
        )
        fraud_ = (amount >= 500 and foreign is True) or (tier == "high" and clicks == 0)
        if rng.random() < noise:
            fraud_ = not fraud_
        features.append(row)
        delay = timedelta(milliseconds=rng.randint(60_000, 4 * 3_600_000))
        labels.append(label_row(row["txn_id"], row["user_id"], at, "fraud" if fraud_ else "legit", delay))
    return (
        pa.Table.from_pylist(features, schema=TXN_FEATURES_SCHEMA),
        pa.Table.from_pylist(labels, schema=LABELS_SCHEMA),
    )


@pytest.fixture(scope="module")
def known() -> tuple[pa.Table, pa.Table]:
    return known_rule_data(4_000, noise=0.01)


# --------------------------------------------------------------------------------------------------
# Encoding and rows
# --------------------------------------------------------------------------------------------------


def test_encode_row_matches_a_hand_computed_vector() -> None:
    row = {
        "amount": Decimal("512.5000"),
        "txn_count_10m": 3,
        "amount_avg_10m": Decimal("200.125000"),
        "clicks_10m_before": 0,
        "seconds_since_last_click": None,
        "is_foreign": True,
        "risk_tier": "high",
    }
    assert encode_row(SCORING, row) == [512.5, 3.0, 200.125, 0.0, None, 1.0, 2.0]
    assert encode_row(SCORING, {**row, "is_foreign": False, "risk_tier": "extreme"})[5:] == [0.0, None]


def test_rows_take_the_transactions_own_features_not_those_when_the_label_arrived() -> None:
    """Label u1's first transaction: its row, not the user's later one (which comes before the
    label's arrival, at labeled_at); the row is encoded as the job encodes it, NaN for missing."""
    t1, t2 = START, START + timedelta(minutes=5)
    features = pa.Table.from_pylist(
        [
            feature_row(
                "a", "u1", t1, amount=Decimal("900.0000"), is_foreign=True, seconds_since_last_click=None
            ),
            feature_row("b", "u1", t2, amount=Decimal("20.0000"), risk_tier="medium", txn_count_10m=2),
        ],
        schema=TXN_FEATURES_SCHEMA,
    )
    labels = pa.Table.from_pylist(
        [
            label_row("a", "u1", t1, "fraud", timedelta(hours=1)),
            label_row("b", "u1", t2, "legit", timedelta(minutes=1)),
        ],
        schema=LABELS_SCHEMA,
    )
    rows = training_rows(SPEC, SCORING, labels, features, "fraud")
    assert rows.times == [t1, t2]
    assert rows.y.tolist() == [1.0, 0.0]
    first, second = rows.x.tolist()
    assert first[:4] == [900.0, 1.0, 10.0, 1.0] and math.isnan(first[4]) and first[5:] == [1.0, 0.0]
    assert second == [20.0, 2.0, 10.0, 1.0, 5.0, 0.0, 1.0]


def test_a_relabelled_transaction_counts_once_with_its_latest_label() -> None:
    at = START
    features = pa.Table.from_pylist([feature_row("a", "u1", at)], schema=TXN_FEATURES_SCHEMA)
    labels = pa.Table.from_pylist(
        [
            label_row("a", "u1", at, "fraud", timedelta(hours=2)),  # the correction, later
            label_row("a", "u1", at, "legit", timedelta(minutes=3)),
            label_row("zz", "u1", at, "legit", timedelta(minutes=3)),  # no feature row
        ],
        schema=LABELS_SCHEMA,
    )
    rows = training_rows(SPEC, SCORING, labels, features, "fraud")
    assert rows.y.tolist() == [1.0]
    assert (rows.labels_read, rows.duplicates, rows.without_features) == (3, 1, 1)


# --------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------


def brute_force_auc(y: list[int], s: list[float]) -> float:
    pairs = [(p, n) for p, n in itertools.product(range(len(y)), repeat=2) if y[p] == 1 and y[n] == 0]
    return sum(1.0 if s[p] > s[n] else 0.5 if s[p] == s[n] else 0.0 for p, n in pairs) / len(pairs)


def test_auc_by_hand_and_against_every_pair() -> None:
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert auc(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5
    assert auc(np.array([1, 1]), np.array([0.2, 0.3])) is None
    rng = Random(3)
    for _ in range(20):
        y = [rng.randint(0, 1) for _ in range(40)] + [0, 1]
        s = [rng.randint(0, 9) / 10 for _ in range(42)]  # many ties
        assert auc(np.array(y), np.array(s)) == pytest.approx(brute_force_auc(y, s), abs=1e-12)


def test_holdout_metrics_by_hand() -> None:
    y = np.array([1, 0, 1, 0, 0])
    p = np.array([0.9, 0.6, 0.4, 0.1, 0.2])
    m = holdout_metrics(y, p)
    assert (m.rows, m.positives, m.base_rate) == (5, 2, 0.4)
    assert (m.precision, m.recall) == (0.5, 0.5)  # flagged: 0.9 (fraud), 0.6 (legit)
    expected = -(math.log(0.9) + math.log(0.4) + math.log(0.4) + math.log(0.9) + math.log(0.8)) / 5
    assert m.log_loss == pytest.approx(expected, rel=1e-12)
    assert m.auc == pytest.approx(5 / 6)
    assert holdout_metrics(np.array([0, 1]), np.array([0.1, 0.2])).precision is None


# --------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------


def test_a_known_rule_is_learned_and_shuffled_labels_are_not(known: tuple[pa.Table, pa.Table]) -> None:
    features, labels = known
    rows = training_rows(SPEC, SCORING, labels, features, "fraud")
    result = train(rows, SCORING, "fraud")
    assert result.train_rows + result.holdout.rows == 4_000
    assert result.holdout.rows == pytest.approx(800, abs=2)  # the last 20 % of 20 h
    assert result.train_range[1] < result.cut <= result.holdout_range[0]
    assert result.holdout.auc is not None and result.holdout.auc > 0.95, result.holdout
    assert result.holdout.precision is not None and result.holdout.precision > 0.9
    # Negative control: the same rows with the labels shuffled carry no signal.
    shuffled = list(labels.column("label").to_pylist())
    Random(7).shuffle(shuffled)
    control = labels.set_column(labels.schema.get_field_index("label"), "label", pa.array(shuffled))
    noise = train(training_rows(SPEC, SCORING, control, features, "fraud"), SCORING, "fraud")
    assert noise.holdout.auc is not None and 0.4 < noise.holdout.auc < 0.6, noise.holdout


def test_holdout_from_moves_the_cut_and_mistakes_are_explained(known: tuple[pa.Table, pa.Table]) -> None:
    features, labels = known
    rows = training_rows(SPEC, SCORING, labels, features, "fraud")
    cut = START + timedelta(hours=10)
    result = train(rows, SCORING, "fraud", holdout_from=cut, params=TrainParams(rounds=20))
    assert result.cut == cut and result.holdout.rows == 2_000
    with pytest.raises(TrainError, match=r"no labelled event at or after 2026-11-25T00:00:00\.000Z"):
        train(rows, SCORING, "fraud", holdout_from=START + timedelta(days=1))
    with pytest.raises(TrainError, match="no labelled event before"):
        train(rows, SCORING, "fraud", holdout_from=START)
    legit = labels.set_column(
        labels.schema.get_field_index("label"),
        "label",
        pa.array(["legit"] * (labels.num_rows - 1) + ["fraud"]),
    )
    with pytest.raises(TrainError, match="has only 'not fraud' labels: a model needs both classes"):
        train(training_rows(SPEC, SCORING, legit, features, "fraud"), SCORING, "fraud")
    with pytest.raises(TrainError, match="no label is 'chargeback'"):
        training_rows(SPEC, SCORING, labels, features, "chargeback")


def test_scoring_selection_names_what_there_is() -> None:
    assert scoring_of(SPEC, None) is SCORING and scoring_of(SPEC, "fraud_score") is SCORING
    with pytest.raises(TrainError, match="no scoring named 'fraud' \\(its scorings: fraud_score\\)"):
        scoring_of(SPEC, "fraud")
    with pytest.raises(TrainError, match="pipeline 'iot' declares no scoring"):
        scoring_of(get_pipeline("iot"), None)


def test_the_artifact_opens_with_xgboost_and_predicts_as_the_model(
    known: tuple[pa.Table, pa.Table], tmp_path: Path
) -> None:
    features, labels = known
    rows = training_rows(SPEC, SCORING, labels, features, "fraud")
    result = train(rows, SCORING, "fraud", params=TrainParams(rounds=50))
    description = write_artifact(result, tmp_path)
    with tarfile.open(tmp_path / ARTIFACT, "r:gz") as archive:
        assert archive.getnames() == [MODEL_FILE]
        member = archive.getmember(MODEL_FILE)
        assert member.isfile() and member.mode == 0o644
        raw = archive.extractfile(member).read()  # type: ignore[union-attr]
    assert raw[:1] == b"{" and raw[1:2] != b'"'  # UBJSON, not JSON text
    loaded = xgboost.Booster()
    loaded.load_model(bytearray(raw))
    # As the SageMaker container loads it: Booster().load_model(path) of the extracted file.
    (tmp_path / "extracted").mkdir()
    (tmp_path / "extracted" / MODEL_FILE).write_bytes(raw)
    from_file = xgboost.Booster()
    from_file.load_model(str(tmp_path / "extracted" / MODEL_FILE))
    matrix = xgboost.DMatrix(rows.x, missing=np.nan)  # no feature names, as a CSV request has none
    expected = result.booster.predict(
        xgboost.DMatrix(rows.x, missing=np.nan, feature_names=SCORING.input_names())
    )
    assert np.array_equal(loaded.predict(matrix, validate_features=False), expected)
    assert np.array_equal(from_file.predict(matrix, validate_features=False), expected)
    # model.json, beside the tar (not in it)
    written = json.loads((tmp_path / MODEL_JSON).read_text())
    assert written == json.loads(json.dumps(description))
    assert written["scoring"] == "fraud_score" and written["feature_set"] == "txn_features"
    assert written["input_names"] == SCORING.input_names()
    assert written["inputs"][5] == {"column": "is_foreign", "encoding": "flag"}
    assert written["inputs"][6] == {
        "column": "risk_tier",
        "encoding": "category",
        "values": ["low", "medium", "high"],
    }
    assert written["xgboost_version"] == xgboost.__version__ == "3.0.5"
    assert written["params"]["objective"] == "binary:logistic" and written["params"]["num_boost_round"] == 50
    assert (
        written["holdout"]["rows"] == result.holdout.rows and written["holdout"]["auc"] == result.holdout.auc
    )
    assert written["training"]["from"] == "2026-11-24T00:00:00.000Z"


def test_the_same_data_gives_the_same_artifact_bytes(known: tuple[pa.Table, pa.Table]) -> None:
    features, labels = known
    rows = training_rows(SPEC, SCORING, labels, features, "fraud")
    first = artifact_bytes(train(rows, SCORING, "fraud", params=TrainParams(rounds=30)).booster)
    second = artifact_bytes(train(rows, SCORING, "fraud", params=TrainParams(rounds=30)).booster)
    assert first == second
    with tarfile.open(fileobj=io.BytesIO(first), mode="r:gz") as archive:
        assert archive.getmember(MODEL_FILE).mtime == 0


# --------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------


def properties(path: Path, offline: Path | None) -> Path:
    groups: list[dict[str, Any]] = [
        {
            "PropertyGroupId": "kinesis.analytics.flink.run.options",
            "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
        },
        {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "localhost:9092"}},
    ]
    if offline is not None:
        groups.append({"PropertyGroupId": "offline", "PropertyMap": {"path": f"file://{offline}"}})
    path.write_text(json.dumps(groups), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def generated_offline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The offline datasets the job would write for a generated plan with labels (the reference)."""
    spec = GenerateSpec.from_total(
        8_000, seed=4, users=150, span=timedelta(hours=3), invalid_fraction=0.02, labels=True
    )
    offsets: dict[str, int] = {}
    records = []
    for r in build_plan(spec):
        offsets[r.stream] = offsets.get(r.stream, -1) + 1
        records.append(InputRecord(r.stream, 0, offsets[r.stream], r.kind != "invalid", r.event))
    root = tmp_path_factory.mktemp("offline")
    written = write_offline(records, root)
    assert written["events/labels"] > 3_000
    return root


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MSK_FEATURES_PROPERTIES", raising=False)
    return CliRunner()


def test_help_shows_examples(runner: CliRunner) -> None:
    result = runner.invoke(main, ["train", "--help"])
    assert result.exit_code == 0
    for text in ("Examples:", "--holdout-from", "--scoring", "--out", "model.tar.gz", "txn_time"):
        assert text in result.output
    assert "train" in runner.invoke(main, ["--help"]).output


def test_command_trains_on_generated_data_and_reports_json(
    runner: CliRunner, tmp_path: Path, generated_offline: Path
) -> None:
    props = properties(tmp_path / "props.json", generated_offline)
    out = tmp_path / "model"
    result = runner.invoke(
        main, ["train", "fraud", "--properties", str(props), "--out", str(out), "--output", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["files"] == [str(out / ARTIFACT), str(out / MODEL_JSON)]
    assert (out / ARTIFACT).is_file() and json.loads((out / MODEL_JSON).read_text())[
        "scoring"
    ] == "fraud_score"
    holdout = report["holdout"]
    assert holdout["rows"] > 500 and 0 < holdout["positives"] < holdout["rows"]
    assert holdout["auc"] > 0.8, holdout  # the generator's rule, through its 2 % noise
    assert report["labels"]["without_features"] == 0
    # The table form, and the default folder under a local offline path.
    table = runner.invoke(main, ["train", "fraud", "--properties", str(props), "--rounds", "20"])
    assert table.exit_code == 0, table.output
    assert "AUC" in table.output and "Wrote" in table.output
    assert (generated_offline / "models" / "fraud_score" / ARTIFACT).is_file()


@pytest.mark.parametrize(
    ("args", "offline", "message"),
    [
        ([], "empty", "no labels at file://"),
        (["--labels", "events/nope"], "generated", "events/nope"),
        (["--source", "backfill/none"], "generated", "no rows of feature set 'txn_features'"),
        (["--scoring", "nope"], "generated", "pipeline 'fraud' has no scoring named 'nope'"),
        (["--holdout-from", "2030-01-01T00:00Z"], "generated", "no labelled event at or after 2030-01-01"),
        (["--positive", "chargeback"], "generated", "no label is 'chargeback'"),
        ([], None, "property group 'offline'"),
        (["--out", "ftp://host/x"], "generated", "neither a local folder nor s3://bucket/prefix"),
    ],
)
def test_user_mistakes_are_one_clear_line(
    runner: CliRunner,
    tmp_path: Path,
    generated_offline: Path,
    args: list[str],
    offline: str | None,
    message: str,
) -> None:
    root = {"empty": tmp_path / "empty", "generated": generated_offline, None: None}[offline]
    props = properties(tmp_path / "props.json", root)
    result = runner.invoke(
        main, ["train", "fraud", "--properties", str(props), "--out", str(tmp_path / "m"), *args]
    )
    assert result.exit_code in (1, 2), result.output
    assert message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m" / ARTIFACT).exists()


def test_out_s3_uploads_both_files_with_the_offline_paths_s3_settings(
    runner: CliRunner, tmp_path: Path, generated_offline: Path
) -> None:
    """Offline data and the model on an S3 API server (moto, on loopback), as on the local stack."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="k",
            aws_secret_access_key="s",
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket="lake")
        for path in generated_offline.rglob("*.parquet"):
            if "models" not in path.parts:
                s3.upload_file(str(path), "lake", f"offline/{path.relative_to(generated_offline)}")
        props = properties(tmp_path / "props.json", None)
        groups = json.loads(props.read_text())
        groups.append(
            {
                "PropertyGroupId": "offline",
                "PropertyMap": {
                    "path": "s3a://lake/offline",
                    "s3.endpoint": endpoint,
                    "s3.path.style.access": "true",
                    "s3.access.key": "k",
                    "s3.secret.key": "s",
                },
            }
        )
        props.write_text(json.dumps(groups))
        args = [
            "train",
            "fraud",
            "--properties",
            str(props),
            "--rounds",
            "10",
            "--out",
            "s3://lake/models/fraud_score/v1",
        ]
        result = runner.invoke(main, [*args, "--output", "json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["files"] == [
            "s3://lake/models/fraud_score/v1/model.json",
            "s3://lake/models/fraud_score/v1/model.tar.gz",
        ]
        body = s3.get_object(Bucket="lake", Key="models/fraud_score/v1/model.tar.gz")["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
            assert archive.getnames() == [MODEL_FILE]
        described = json.loads(
            s3.get_object(Bucket="lake", Key="models/fraud_score/v1/model.json")["Body"].read()
        )
        assert described["scoring"] == "fraud_score"
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------------
# The command's workflow, called directly
# --------------------------------------------------------------------------------------------------


def test_train_from_offline_returns_what_it_wrote(tmp_path: Path, generated_offline: Path) -> None:
    cfg = load_config(properties(tmp_path / "props.json", generated_offline))
    said: list[str] = []
    out = tmp_path / "model"
    report = train_from_offline(
        cfg, "fraud", out=str(out), params=TrainParams(rounds=10), progress=said.append
    )
    assert report.out == str(out) and report.files == [str(out / ARTIFACT), str(out / MODEL_JSON)]
    assert json.loads((out / MODEL_JSON).read_text()) == json.loads(json.dumps(report.description))
    assert report.description["scoring"] == "fraud_score"  # the pipeline's only scoring
    # The positive class is the first choice of the labels source's `label` field, from the spec.
    (label_field,) = [f for f in fraud.labels.schema.fields if f.name == "label"]
    assert report.description["label"]["positive"] == label_field.choices[0]
    assert report.label_counts == report.description["labels"]
    assert report.label_counts["read"] == pq_rows(generated_offline / "events" / "labels")
    assert said[0] == "Reading the labels and features…" and said[1].startswith("Training fraud_score on ")


def test_the_labels_source_is_the_one_with_a_label_field() -> None:
    source, event_time = labels_source(SPEC)
    assert (source.name, event_time) == (fraud.labels.name, "txn_time")
    assert labels_dataset(source) == f"events/{fraud.labels.name}"
    assert default_positive(source) == "fraud"
    with pytest.raises(TrainError, match="pipeline 'iot' needs exactly one source with a 'label' field"):
        labels_source(get_pipeline("iot"))


def test_out_must_be_a_folder_or_s3() -> None:
    assert check_out("models/x") == "models/x" and check_out("s3://b/p") == "s3://b/p"
    with pytest.raises(TrainError, match="'ftp://h/x' is neither a local folder nor s3://bucket/prefix"):
        check_out("ftp://h/x")


def pq_rows(folder: Path) -> int:
    import pyarrow.dataset as pads

    return int(pads.dataset(str(folder), format="parquet", partitioning="hive").count_rows())
