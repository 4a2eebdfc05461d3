"""``msk-features train``: a scoring's model from the offline labels and features, as a SageMaker artifact."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from flink_jobs.config import ConfigError, OfflineConfig, load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import output_option, properties_option

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = ["train"]

_console = Console()
_err = Console(stderr=True)
LIVE = "live"
LABELS_DATASET = "events/labels"


class _Instant(click.ParamType):
    """An ISO-8601 instant (``2026-11-24T11:36Z``, ``...:00.000Z``); no zone means UTC."""

    name = "instant"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            self.fail(f"{value!r} is not an ISO-8601 instant (e.g. 2026-11-24T11:30:00Z)", param, ctx)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _dataset(offline: OfflineConfig, prefixes: list[str], name: str) -> pa.Table:
    """``<prefix><name>`` under every prefix, as one table (no columns when none has a file)."""
    import pyarrow as pa

    from msk_features.operations.outputs import read_offline

    tables = [t for t in (read_offline(offline, f"{p}{name}") for p in prefixes) if t.num_columns]
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables, promote_options="permissive")


def _default_out(offline: OfflineConfig, scoring: str) -> str:
    """``<offline dir>/models/<scoring>`` for a local offline path, else ``./models/<scoring>``."""
    if offline.path.startswith("file://"):
        return str(Path(offline.path.removeprefix("file://")) / "models" / scoring)
    return str(Path("models") / scoring)


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


def _fmt(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


@click.command("train")
@click.argument("pipeline", required=False)
@click.option(
    "--scoring", "scoring_name", default=None, help="The scoring to train [default: the pipeline's only one]."
)
@click.option(
    "--holdout-from",
    type=_Instant(),
    default=None,
    help="Hold out the labelled events at or after this instant [default: the last 20 % of their "
    "time range].",
)
@click.option(
    "--out",
    "out",
    default=None,
    help="Folder for model.tar.gz and model.json: a local path or s3://bucket/prefix [default: "
    "<offline dir>/models/<scoring> for a file:// offline path, else ./models/<scoring>].",
)
@click.option(
    "--labels",
    "labels_dataset",
    default=LABELS_DATASET,
    show_default=True,
    help="The labels dataset under the offline path (the job's archive of the labels topic).",
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="Read the scored feature set from a backfill run (backfill/<run>) instead of the live dataset; "
    "repeatable, 'live' names the live one.",
)
@click.option(
    "--positive",
    default=None,
    help="The positive label value [default: the first of the label's choices, fraud].",
)
@click.option("--rounds", type=click.IntRange(min=1), default=200, show_default=True, help="Boosting rounds.")
@click.option("--max-depth", type=click.IntRange(min=1), default=4, show_default=True, help="Tree depth.")
@click.option(
    "--eta",
    type=click.FloatRange(min=0, min_open=True),
    default=0.1,
    show_default=True,
    help="Learning rate.",
)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="XGBoost's seed.")
@properties_option()
@output_option()
def train(
    pipeline: str | None,
    scoring_name: str | None,
    holdout_from: datetime | None,
    out: str | None,
    labels_dataset: str,
    sources: tuple[str, ...],
    positive: str | None,
    rounds: int,
    max_depth: int,
    eta: float,
    seed: int,
    properties: Path,
    output: str,
) -> None:
    """Train PIPELINE's scoring model (XGBoost) on the offline labels and features; write the artifact.

    Reads the labels archive (events/labels) and the scored feature set's dataset (for fraud_score:
    features/txn_features) from the offline path, joins each label to its transaction's feature row
    as of the transaction's time (txn_time: the features the job scored it with; the label arrived
    later, at labeled_at), encodes the rows exactly as the job encodes them for the endpoint, trains
    on the events before the cut and reports on the held-out rest: rows, positives, base rate, AUC,
    log loss, precision and recall at 0.5. Writes model.tar.gz (xgboost-model inside, what
    SageMaker's XGBoost container 3.0-5 loads) and model.json beside it. The same data and options
    give the same model.

    \b
    Examples:
      msk-features train fraud
      msk-features train fraud --holdout-from 2026-11-24T11:36Z --out models/fraud_score
      msk-features train fraud --out s3://my-bucket/models/fraud_score/2026-12-03 --output json
    """
    from flink_jobs.pipelines import get_pipeline
    from msk_features.offline.train import (
        TrainError,
        TrainParams,
        default_positive,
        labels_source,
        scoring_of,
        training_rows,
        write_artifact,
    )
    from msk_features.offline.train import train as fit

    with user_errors():
        cfg = load_config(properties)
        spec = get_pipeline(pipeline or cfg.pipeline.name)
        if cfg.offline is None:
            raise ConfigError(
                "offline", "path", "the labels and features are read from the offline path", "the group"
            )
        try:
            scoring = scoring_of(spec, scoring_name)
            source, _ = labels_source(spec)
            positive = positive or default_positive(source)
        except TrainError as exc:
            raise click.ClickException(str(exc)) from None
        target = out or _default_out(cfg.offline, scoring.name)
        remote = target.startswith(("s3://", "s3a://"))
        if "://" in target and not remote:
            raise click.BadParameter(
                f"'{target}' is neither a local folder nor s3://bucket/prefix", param_hint="'--out'"
            )
        prefixes = ["" if s in ("", LIVE) else f"{s.strip('/')}/" for s in sources or (LIVE,)]
        status = _err.status("Reading the labels and features…") if output == "table" else None
        if status is not None:
            status.start()
        try:
            labels = _dataset(cfg.offline, [""], labels_dataset.strip("/"))
            if labels.num_columns == 0:
                raise click.ClickException(
                    f"no labels at {cfg.offline.path}/{labels_dataset.strip('/')}: the job archives the "
                    f"'{source.name}' topic there (send labels, e.g. `msk-features generate`, and run "
                    "the job), or name another dataset with --labels"
                )
            dataset = f"features/{scoring.features.name}"
            features = _dataset(cfg.offline, prefixes, dataset)
            if features.num_columns == 0:
                where = ", ".join(f"{cfg.offline.path}/{p}{dataset}" for p in prefixes)
                raise click.ClickException(
                    f"no rows of feature set '{scoring.features.name}' at {where}: run the job or a backfill "
                    "first, or name another --source"
                )
            if status is not None:
                status.update(f"Training {scoring.name} on {labels.num_rows:,} labels…")
            params = TrainParams(rounds=rounds, max_depth=max_depth, eta=eta, seed=seed)
            try:
                rows = training_rows(spec, scoring, labels, features, positive)
                result = fit(rows, scoring, spec.name, holdout_from, params, positive)
            except TrainError as exc:
                raise click.ClickException(str(exc)) from None
            if remote:
                with tempfile.TemporaryDirectory() as tmp:
                    description = write_artifact(result, Path(tmp))
                    written = _upload(cfg.offline, Path(tmp), target)
            else:
                description = write_artifact(result, Path(target))
                written = [str(Path(target) / name) for name in ("model.tar.gz", "model.json")]
        finally:
            if status is not None:
                status.stop()
    report = {"out": target, "files": written, **description}
    if output == "json":
        click.echo(json.dumps(report, indent=2))
        return
    _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    train_part, holdout = report["training"], report["holdout"]
    table = Table(
        title=f"Model {report['scoring']} of {report['pipeline']} (XGBoost {report['xgboost_version']})"
    )
    table.add_column("")
    table.add_column("training", justify="right")
    table.add_column("holdout", justify="right")
    table.add_row("from", train_part["from"], holdout["from"])
    table.add_row("to", train_part["to"], holdout["to"])
    table.add_row("rows", f"{train_part['rows']:,}", f"{holdout['rows']:,}")
    table.add_row("positives", f"{train_part['positives']:,}", f"{holdout['positives']:,}")
    table.add_row(
        "base rate",
        _fmt(train_part["positives"] / train_part["rows"] if train_part["rows"] else None),
        _fmt(holdout["base_rate"]),
    )
    table.add_row("AUC", "", _fmt(holdout["auc"]))
    table.add_row("log loss", "", _fmt(holdout["log_loss"]))
    table.add_row(f"precision at {holdout['threshold']}", "", _fmt(holdout["precision"]))
    table.add_row(f"recall at {holdout['threshold']}", "", _fmt(holdout["recall"]))
    _console.print(table)
    labels = report["labels"]
    _console.print(
        f"Labels: {labels['read']:,} read, {labels['duplicates']:,} older duplicates dropped, "
        f"{labels['without_features']:,} without a feature row; inputs: {', '.join(report['input_names'])}."
    )
    for path in report["files"]:
        _console.print(f"Wrote {path}")
