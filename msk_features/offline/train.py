"""Train a scoring's model on the offline data: labels joined point-in-time, XGBoost, a SageMaker artifact.

:func:`training_rows` turns the labels archive into label rows and joins them to the scored feature
set with :func:`msk_features.offline.training_set.point_in_time`, as of the *labelled event's* time
(``label_time`` = the label's ``txn_time``): the features as they were when the transaction
happened, which is what the job scored then. The label's own arrival (``labeled_at``, later) plays
no part: joining as of it would let clicks, profile changes and transactions after the event leak
into its features. Each row is encoded with :func:`flink_jobs.features.scoring.encode_row`, the
encoding the job uses on the way to the endpoint, so the model sees in training exactly what it is
sent in production.

:func:`train` splits by time, not at random: rows whose event time is before the cut train, the
rest is held out (by default the last 20 % of the labelled time range, :data:`HOLDOUT_FRACTION`),
as a model is used on transactions after those it learned from. It trains an XGBoost booster
(objective ``binary:logistic``, missing values as NaN, ``hist`` trees, one thread and a fixed seed:
the same data gives the same model) and reports on the held-out range: rows, positives, the base
rate, AUC, log loss, and precision and recall at the 0.5 threshold (:func:`holdout_metrics`).

:func:`write_artifact` writes what SageMaker's built-in XGBoost container serves: ``model.tar.gz``
holding one file, ``xgboost-model``, the booster as ``Booster.save_model`` writes it in UBJSON (the
container's serving code, ``serve_utils.get_loaded_booster``, tries ``pickle`` and then
``Booster.load_model``, which reads UBJSON), and ``model.json`` beside it (not in the tar) recording
the scoring, its inputs and their encodings, the XGBoost version, the training and holdout ranges
and the holdout metrics. The pinned XGBoost, 3.0.5, is the version the container image ``3.0-5``
installs (``aws/sagemaker-xgboost-container``, ``docker/3.0-5/base/Dockerfile.cpu``:
``XGBOOST_VERSION=3.0.5``), so a model trained here loads there unchanged.

Conventions of the labels source (the fraud pipeline's ``labels``): the pipeline's one source with
a ``label`` field, an enum whose first choice is the positive class unless another is named; the
scored feature set's entity key; one timestamp field besides its event time (the labelled event's
time, ``txn_time``); and the labelled event's id columns under the feature set's own names
(``txn_id``), which the join matches exactly. A transaction labelled more than once counts once,
with its latest label (greatest ``labeled_at``). The job archives the source under
``events/<source>``, where the labels are read from.

:func:`train_from_offline` is the ``msk-features train`` command: it reads the labels archive and
the scored feature set's rows from the offline path, does all of the above and writes the artifact
to a local folder or to ``s3://bucket/prefix``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import math
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pyarrow as pa

from flink_jobs.config import AppConfig, ConfigError, OfflineConfig
from flink_jobs.features import EventFeatures, PipelineSpec, Scoring, Source
from flink_jobs.features.compiler import row_time_column
from flink_jobs.features.scoring import describe, encode_row
from flink_jobs.pipelines import get_pipeline
from msk_features.offline.training_set import (
    LABEL_TIME,
    TrainingSetError,
    point_in_time,
    read_datasets,
    source_prefixes,
)

if TYPE_CHECKING:  # pragma: no cover
    import xgboost

__all__ = [
    "ARTIFACT",
    "HOLDOUT_FRACTION",
    "LABEL_COLUMN",
    "MODEL_FILE",
    "MODEL_JSON",
    "SAGEMAKER_XGBOOST_IMAGE",
    "HoldoutMetrics",
    "TrainError",
    "TrainParams",
    "TrainReport",
    "TrainResult",
    "TrainingRows",
    "auc",
    "check_out",
    "default_out",
    "default_positive",
    "holdout_metrics",
    "labels_dataset",
    "labels_source",
    "scoring_of",
    "train",
    "train_from_offline",
    "training_rows",
    "write_artifact",
]

LABEL_COLUMN: Final = "label"
"""The field that makes a source the pipeline's labels source (an enum: the label's classes)."""
HOLDOUT_FRACTION: Final = 0.2
"""By default the last 20 % of the labelled time range is held out."""
ARTIFACT: Final = "model.tar.gz"
MODEL_FILE: Final = "xgboost-model"
MODEL_JSON: Final = "model.json"
SAGEMAKER_XGBOOST_IMAGE: Final = "3.0-5"
"""The SageMaker XGBoost container version whose XGBoost (3.0.5) is pinned here."""
ENCODING_RULES: Final[dict[str, str]] = {
    "number": "the column as a double (a decimal to the nearest double)",
    "flag": "true 1.0, false 0.0",
    "category": "the index of the value in 'values' (0.0, 1.0, ...)",
    "missing": "null, NaN or a category not listed: a missing value (NaN in training, an empty CSV field "
    "sent to the endpoint)",
}


class TrainError(ValueError):
    """The data cannot train a model; the message says why and what to change."""


@dataclass(frozen=True)
class TrainParams:
    """XGBoost's settings: ``objective`` and ``nthread`` are fixed (binary labels, deterministic)."""

    rounds: int = 200
    max_depth: int = 4
    eta: float = 0.1
    seed: int = 0

    def booster_params(self) -> dict[str, Any]:
        """The parameter dict given to ``xgboost.train``."""
        return {
            "objective": "binary:logistic",
            "eval_metric": "logloss",
            "tree_method": "hist",
            "max_depth": self.max_depth,
            "eta": self.eta,
            "seed": self.seed,
            "nthread": 1,
        }


@dataclass(frozen=True)
class TrainingRows:
    """Encoded training rows in event-time order: ``x`` (NaN for missing), ``y`` (1.0 when the label
    is ``positive``), ``times`` (the labelled events' times, UTC), and what happened to the labels read."""

    x: np.ndarray
    y: np.ndarray
    times: list[datetime]
    labels_read: int
    duplicates: int
    without_features: int
    positive: str


@dataclass(frozen=True)
class HoldoutMetrics:
    """Quality on held-out rows; ``auc`` is None with one class only, ``precision`` with no row at
    or above the threshold."""

    rows: int
    positives: int
    base_rate: float
    auc: float | None
    log_loss: float
    precision: float | None
    recall: float | None
    threshold: float = 0.5


@dataclass
class TrainResult:
    """A trained booster and everything ``model.json`` records about it."""

    booster: xgboost.Booster
    scoring: Scoring
    pipeline: str
    params: TrainParams
    cut: datetime
    train_range: tuple[datetime, datetime]
    holdout_range: tuple[datetime, datetime]
    train_rows: int
    train_positives: int
    holdout: HoldoutMetrics
    positive: str
    labels: dict[str, int] = field(default_factory=dict)

    def description(self) -> dict[str, Any]:
        """The content of ``model.json`` (JSON-ready)."""
        import xgboost

        return {
            "format": 1,
            "pipeline": self.pipeline,
            "scoring": self.scoring.name,
            "feature_set": self.scoring.features.name,
            "output": self.scoring.output,
            "inputs": [describe(i) for i in self.scoring.inputs],
            "input_names": self.scoring.input_names(),
            "encoding_rules": ENCODING_RULES,
            "label": {"column": LABEL_COLUMN, "positive": self.positive, "time": "the labelled event's time"},
            "xgboost_version": xgboost.__version__,
            "sagemaker_xgboost_image": SAGEMAKER_XGBOOST_IMAGE,
            "artifact": {"file": ARTIFACT, "member": MODEL_FILE, "format": "ubj"},
            "params": {**self.params.booster_params(), "num_boost_round": self.params.rounds},
            "split": {"holdout_from": _instant(self.cut)},
            "training": {
                "from": _instant(self.train_range[0]),
                "to": _instant(self.train_range[1]),
                "rows": self.train_rows,
                "positives": self.train_positives,
            },
            "holdout": {
                "from": _instant(self.holdout_range[0]),
                "to": _instant(self.holdout_range[1]),
                **asdict(self.holdout),
            },
        } | dict(labels=self.labels)  # last: what happened to the labels read


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------------------------------
# The pipeline's scoring and labels
# --------------------------------------------------------------------------------------------------


def scoring_of(spec: PipelineSpec, name: str | None) -> Scoring:
    """The scoring ``name`` of ``spec`` (its only one when ``name`` is None)."""
    scorings = tuple(spec.scorings)
    if not scorings:
        raise TrainError(f"pipeline '{spec.name}' declares no scoring: there is no model to train")
    if name is None:
        if len(scorings) > 1:
            raise TrainError(
                f"pipeline '{spec.name}' has several scorings ({', '.join(s.name for s in scorings)}): "
                "name one with --scoring"
            )
        return scorings[0]
    for scoring in scorings:
        if scoring.name == name:
            return scoring
    raise TrainError(
        f"pipeline '{spec.name}' has no scoring named '{name}' (its scorings: "
        f"{', '.join(s.name for s in scorings)})"
    )


def labels_source(spec: PipelineSpec) -> tuple[Source, str]:
    """The pipeline's labels source (its one source with a ``label`` field) and its labelled-event
    time field (module docstring)."""
    found = [s for s in spec.sources if LABEL_COLUMN in (f.name for f in s.schema.fields)]
    if len(found) != 1:
        which = f" ({', '.join(s.name for s in found)})" if found else ""
        raise TrainError(
            f"pipeline '{spec.name}' needs exactly one source with a '{LABEL_COLUMN}' field, its labels "
            f"(the labels are read from its archive); it has {len(found)}{which}"
        )
    source = found[0]
    schema = source.schema
    times = [f.name for f in schema.fields if f.kind == "timestamp" and f.name != schema.time_field]
    if len(times) != 1:
        raise TrainError(
            f"source '{source.name}' needs exactly one timestamp field besides its event time "
            f"'{schema.time_field}' (the labelled event's time); it has {len(times)}"
        )
    return source, times[0]


def labels_dataset(source: Source) -> str:
    """Where the job archives ``source`` under the offline path: ``events/<source>``."""
    return f"events/{source.name}"


def default_positive(source: Source) -> str:
    """The first choice of the labels source's ``label`` enum (for the fraud pipeline, ``fraud``)."""
    (label,) = [f for f in source.schema.fields if f.name == LABEL_COLUMN]
    if not label.choices:
        raise TrainError(f"field '{LABEL_COLUMN}' of source '{source.name}' is not an enum: name --positive")
    return label.choices[0]


# --------------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------------


def _latest_label_per_event(labels: pa.Table, ids: Sequence[str], time_field: str) -> tuple[pa.Table, int]:
    """One label per labelled event (``ids``): the one with the greatest ``time_field``."""
    frame = labels.to_pandas()
    if not ids or time_field not in frame.columns:
        return labels, 0
    frame = frame.sort_values(time_field, kind="stable").drop_duplicates(list(ids), keep="last")
    return pa.Table.from_pandas(frame, preserve_index=False), labels.num_rows - len(frame)


def training_rows(
    spec: PipelineSpec, scoring: Scoring, labels: pa.Table, features: pa.Table, positive: str
) -> TrainingRows:
    """Join ``labels`` (the labels archive) to ``features`` (the scored set's rows) as of each
    labelled event's time, and encode every row that found its event's feature row.

    Labels whose event has no feature row (it is not in the dataset: outside the range read, or the
    transaction was invalid or late) are left out and counted in ``without_features``.
    """
    source, event_time = labels_source(spec)
    fs = scoring.features
    if not isinstance(fs, EventFeatures):  # pragma: no cover - Scoring's own check
        raise TrainError(f"scoring '{scoring.name}' scores '{fs.name}', which is not a per-event feature set")
    if labels.num_rows == 0:
        raise TrainError("the labels dataset holds no rows")
    needed = [fs.source.key, LABEL_COLUMN, event_time]
    missing = [c for c in needed if c not in labels.column_names]
    if missing:
        raise TrainError(
            f"the labels have no column {', '.join(repr(c) for c in missing)} (columns: "
            f"{', '.join(labels.column_names)})"
        )
    if row_time_column(fs) not in features.column_names:
        raise TrainError(f"feature set '{fs.name}' has no rows to join")
    values = set(labels.column(LABEL_COLUMN).to_pylist())
    if positive not in values:
        raise TrainError(
            f"no label is '{positive}' (labels seen: {', '.join(sorted(map(str, values)))}): name the "
            "positive class with --positive, or label some events positive"
        )
    ids = [c for c in fs.columns if c in labels.column_names]
    deduped, duplicates = _latest_label_per_event(labels, ids, source.schema.time_field)
    keep = [fs.source.key, *ids, LABEL_COLUMN, event_time]
    table = deduped.select(keep)
    table = table.append_column(LABEL_TIME, table.column(event_time))
    try:
        joined = point_in_time(table, [(fs, features)])
    except TrainingSetError as exc:
        raise TrainError(str(exc)) from None
    found_column = f"{fs.name}__{row_time_column(fs)}"
    rows = [r for r in joined.to_pylist() if r.get(found_column) is not None]
    rows.sort(key=lambda r: (_utc(r[event_time]), str(r.get(ids[0], "")) if ids else ""))
    prefix = f"{fs.name}__"
    x = np.array(
        [[math.nan if v is None else v for v in encode_row(scoring, _unprefixed(r, prefix))] for r in rows],
        dtype=np.float64,
    ).reshape(len(rows), len(scoring.inputs))
    y = np.array([1.0 if r[LABEL_COLUMN] == positive else 0.0 for r in rows], dtype=np.float64)
    return TrainingRows(
        x=x,
        y=y,
        times=[_utc(r[event_time]) for r in rows],
        labels_read=labels.num_rows,
        duplicates=duplicates,
        without_features=deduped.num_rows - len(rows),
        positive=positive,
    )


def _unprefixed(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}


def _utc(value: Any) -> datetime:
    """A Parquet timestamp (naive UTC, or aware), or contract text, as an aware UTC datetime."""
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


# --------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------


def auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve: the probability that a random positive scores above a random
    negative, ties counting one half (the Mann-Whitney U statistic over both class sizes); None
    when either class is absent."""
    y = np.asarray(y, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    positives = int((y == 1).sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ordered = scores[order]
    ranks = np.empty(len(scores), dtype=np.float64)
    start = 0
    while start < len(ordered):  # average ranks (1-based) over runs of equal scores
        end = start
        while end + 1 < len(ordered) and ordered[end + 1] == ordered[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    rank_sum = float(ranks[y == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def holdout_metrics(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> HoldoutMetrics:
    """Rows, positives, base rate, AUC, log loss (probabilities clipped to [1e-15, 1 - 1e-15]),
    precision and recall of ``p >= threshold``."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    rows = len(y)
    positives = int((y == 1).sum())
    clipped = np.clip(p, 1e-15, 1 - 1e-15)
    log_loss = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))) if rows else math.nan
    flagged = p >= threshold
    true_positives = int((flagged & (y == 1)).sum())
    return HoldoutMetrics(
        rows=rows,
        positives=positives,
        base_rate=positives / rows if rows else math.nan,
        auc=auc(y, p),
        log_loss=log_loss,
        precision=true_positives / int(flagged.sum()) if flagged.any() else None,
        recall=true_positives / positives if positives else None,
        threshold=threshold,
    )


# --------------------------------------------------------------------------------------------------
# Training and the artifact
# --------------------------------------------------------------------------------------------------


def default_cut(times: Sequence[datetime], holdout_fraction: float = HOLDOUT_FRACTION) -> datetime:
    """The instant that holds out the last ``holdout_fraction`` of the time range of ``times``."""
    first, last = min(times), max(times)
    return first + (last - first) * (1 - holdout_fraction)


def train(
    rows: TrainingRows,
    scoring: Scoring,
    pipeline: str,
    holdout_from: datetime | None = None,
    params: TrainParams | None = None,
) -> TrainResult:
    """Train on the rows before the cut (``holdout_from``, default :func:`default_cut`), report on
    the rest (module docstring); the positive class is the one ``rows`` were encoded with."""
    import xgboost

    params = params or TrainParams()
    positive = rows.positive
    if len(rows.times) == 0:
        raise TrainError("no label found its event's feature row: nothing to train on")
    cut = holdout_from.astimezone(UTC) if holdout_from is not None else default_cut(rows.times)
    times = np.array([t.timestamp() for t in rows.times])
    before = times < cut.timestamp()
    span = f"{_instant(min(rows.times))} .. {_instant(max(rows.times))}"
    if not before.any():
        raise TrainError(f"no labelled event before {_instant(cut)} to train on (events: {span})")
    if before.all():
        raise TrainError(f"no labelled event at or after {_instant(cut)} to hold out (events: {span})")
    y_train = rows.y[before]
    if len(set(y_train.tolist())) < 2:
        only = positive if y_train[0] == 1 else "not " + positive
        raise TrainError(
            f"the training range ({int(before.sum())} rows before {_instant(cut)}) has only '{only}' "
            "labels: a model needs both classes; move --holdout-from or add labels"
        )
    names = scoring.input_names()
    train_matrix = xgboost.DMatrix(rows.x[before], label=y_train, missing=np.nan, feature_names=names)
    booster = xgboost.train(params.booster_params(), train_matrix, num_boost_round=params.rounds)
    holdout = ~before
    test_matrix = xgboost.DMatrix(rows.x[holdout], missing=np.nan, feature_names=names)
    predictions = booster.predict(test_matrix)
    train_times = [t for t, b in zip(rows.times, before, strict=True) if b]
    holdout_times = [t for t, b in zip(rows.times, before, strict=True) if not b]
    return TrainResult(
        booster=booster,
        scoring=scoring,
        pipeline=pipeline,
        params=params,
        cut=cut,
        train_range=(min(train_times), max(train_times)),
        holdout_range=(min(holdout_times), max(holdout_times)),
        train_rows=int(before.sum()),
        train_positives=int(y_train.sum()),
        holdout=holdout_metrics(rows.y[holdout], predictions),
        labels={
            "read": rows.labels_read,
            "duplicates": rows.duplicates,
            "without_features": rows.without_features,
            "rows": len(rows.times),
        },
        positive=positive,
    )


def artifact_bytes(booster: xgboost.Booster) -> bytes:
    """``model.tar.gz``: one regular file ``xgboost-model`` (the booster saved by
    ``Booster.save_model`` in UBJSON), mode 0644, owner 0, mtime 0 and a gzip header without a
    time, so one booster always gives the same bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{MODEL_FILE}.ubj"  # the extension picks UBJSON (the default) explicitly
        booster.save_model(str(path))
        raw = path.read_bytes()
    tar_buffer = io.BytesIO()
    info = tarfile.TarInfo(MODEL_FILE)
    info.size, info.mode, info.mtime = len(raw), 0o644, 0
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        archive.addfile(info, io.BytesIO(raw))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as zipped:
        zipped.write(tar_buffer.getvalue())
    return out.getvalue()


def write_artifact(result: TrainResult, out_dir: Path) -> dict[str, Any]:
    """Write ``model.tar.gz`` and ``model.json`` into ``out_dir``; return the description written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = artifact_bytes(result.booster)
    description = result.description()
    description["artifact"]["sha256"] = hashlib.sha256(data).hexdigest()
    (out_dir / ARTIFACT).write_bytes(data)
    (out_dir / MODEL_JSON).write_text(json.dumps(description, indent=2) + "\n", encoding="utf-8")
    return description


# --------------------------------------------------------------------------------------------------
# The command: from the offline path to an artifact
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainReport:
    """A model trained from the offline data: where it was written (``out``, the ``files``) and
    everything ``model.json`` records (:meth:`TrainResult.description`, with the artifact's hash)."""

    out: str
    files: list[str]
    description: dict[str, Any]
    label_counts: dict[str, int]
    """The labels ``read``, older ``duplicates`` dropped, ``without_features`` and training ``rows``."""


def default_out(offline: OfflineConfig, scoring: str) -> str:
    """``<offline dir>/models/<scoring>`` for a local (``file://``) offline path, else
    ``./models/<scoring>``."""
    if offline.path.startswith("file://"):
        return str(Path(offline.path.removeprefix("file://")) / "models" / scoring)
    return str(Path("models") / scoring)


def check_out(target: str) -> str:
    """``target`` if it is a local folder or ``s3://bucket/prefix`` (``s3a://`` too); else
    :class:`TrainError`."""
    if "://" in target and not target.startswith(("s3://", "s3a://")):
        raise TrainError(f"'{target}' is neither a local folder nor s3://bucket/prefix")
    return target


def _upload(offline: OfflineConfig, local_dir: Path, target: str) -> list[str]:
    """Copy the files of ``local_dir`` to ``s3://bucket/prefix`` with the offline path's S3 settings
    (endpoint, path style, credentials: those of the local stack there, AWS's default chain on AWS)."""
    import dataclasses

    from msk_features.operations.outputs import offline_filesystem

    bucket_path = target.split("://", 1)[1].strip("/")
    fs, root = offline_filesystem(dataclasses.replace(offline, path=f"s3a://{bucket_path}"))
    written = []
    for path in sorted(local_dir.iterdir()):
        key = f"{root}/{path.name}"
        with fs.open_output_stream(key, compression=None) as stream:  # not "detect": .gz stays as is
            stream.write(path.read_bytes())
        written.append(f"s3://{key}")
    return written


def train_from_offline(
    cfg: AppConfig,
    pipeline: str | None,
    scoring: str | None = None,
    *,
    holdout_from: datetime | None = None,
    out: str | None = None,
    labels: str | None = None,
    sources: Sequence[str] = (),
    positive: str | None = None,
    params: TrainParams | None = None,
    progress: Callable[[str], object] | None = None,
) -> TrainReport:
    """Train ``pipeline``'s ``scoring`` model (its only one when None) on ``cfg``'s offline data and
    write ``model.tar.gz`` and ``model.json`` to ``out``; return where and what was written.
    ``pipeline`` None: the only pipeline there is (:func:`flink_jobs.pipelines.get_pipeline`).

    Reads the labels archive (``labels``, default :func:`labels_dataset` of the labels source) and
    the scored feature set's rows (from the live dataset, or the backfill runs named in ``sources``:
    :func:`msk_features.offline.training_set.source_prefixes`), joins them as of each labelled
    event's time (:func:`training_rows`), trains (:func:`train`) and writes the artifact
    (:func:`write_artifact`) to a local folder or ``s3://bucket/prefix`` (default :func:`default_out`).
    ``positive``: the positive label (default :func:`default_positive`). ``progress`` is told what
    is being done. Raises :class:`ConfigError` without an offline path and :class:`TrainError` when
    the data cannot train a model (the message says what to change).
    """
    offline = cfg.offline
    if offline is None:
        raise ConfigError(
            "offline", "path", "the labels and features are read from the offline path", "the group"
        )
    say = progress or (lambda message: None)
    spec = get_pipeline(pipeline)
    chosen = scoring_of(spec, scoring)
    source, _ = labels_source(spec)
    positive = positive or default_positive(source)
    target = check_out(out or default_out(offline, chosen.name))
    dataset, prefixes = (labels or labels_dataset(source)).strip("/"), source_prefixes(sources)
    say("Reading the labels and features…")
    label_table = read_datasets(offline, [""], dataset)
    if label_table.num_columns == 0:
        raise TrainError(
            f"no labels at {offline.path}/{dataset}: the job archives the '{source.name}' topic there "
            "(send labels, e.g. `msk-features generate`, and run the job), or name another dataset "
            "with --labels"
        )
    features_dataset = f"features/{chosen.features.name}"
    features = read_datasets(offline, prefixes, features_dataset)
    if features.num_columns == 0:
        where = ", ".join(f"{offline.path}/{p}{features_dataset}" for p in prefixes)
        raise TrainError(
            f"no rows of feature set '{chosen.features.name}' at {where}: run the job or a backfill "
            "first, or name another --source"
        )
    say(f"Training {chosen.name} on {label_table.num_rows:,} labels…")
    rows = training_rows(spec, chosen, label_table, features, positive)
    result = train(rows, chosen, spec.name, holdout_from, params)
    if target.startswith(("s3://", "s3a://")):
        with tempfile.TemporaryDirectory() as tmp:
            description = write_artifact(result, Path(tmp))
            written = _upload(offline, Path(tmp), target)
    else:
        description = write_artifact(result, Path(target))
        written = [str(Path(target) / name) for name in (ARTIFACT, MODEL_JSON)]
    return TrainReport(target, written, description, dict(result.labels))
