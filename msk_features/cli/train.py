"""``msk-features train``: a scoring's model from the offline labels and features, as a SageMaker artifact
(:func:`msk_features.offline.train.train_from_offline`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from flink_jobs.config import load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import output_option, properties_option
from msk_features.cli.pipeline import chosen_pipeline
from msk_features.cli.reports import dumps, train_report

__all__ = ["train"]

_console = Console()
_err = Console(stderr=True)


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


def _out(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--out``: a local folder or s3://bucket/prefix."""
    from msk_features.offline.train import TrainError, check_out

    try:
        return None if value is None else check_out(value)
    except TrainError as exc:
        raise click.BadParameter(str(exc)) from None


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
    callback=_out,
    help="Folder for model.tar.gz and model.json: a local path or s3://bucket/prefix [default: "
    "<offline dir>/models/<scoring> for a file:// offline path, else ./models/<scoring>].",
)
@click.option(
    "--labels",
    "labels_dataset",
    default=None,
    help="The labels dataset under the offline path [default: the job's archive of the labels source, "
    "events/<source>, e.g. events/labels].",
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
    help="The positive label value [default: the first choice of the labels source's label field].",
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
    labels_dataset: str | None,
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
    from msk_features.offline.train import TrainError, TrainParams, train_from_offline

    params = TrainParams(rounds=rounds, max_depth=max_depth, eta=eta, seed=seed)
    with user_errors(TrainError), _progress(output == "table") as progress:
        cfg = load_config(properties)
        report = train_from_offline(
            cfg,
            chosen_pipeline(pipeline, cfg),
            scoring_name,
            holdout_from=holdout_from,
            out=out,
            labels=labels_dataset,
            sources=sources,
            positive=positive,
            params=params,
            progress=progress,
        )
    if output == "json":
        click.echo(dumps(train_report(report)), nl=False)
    else:
        _print_report(train_report(report), report.label_counts)


@contextlib.contextmanager
def _progress(shown: bool) -> Iterator[Callable[[str], object] | None]:
    """A spinner on stderr that the workflow's progress messages update (none when not ``shown``)."""
    if not shown:
        yield None
        return
    with _err.status("Reading the labels and features…") as status:
        yield lambda message: status.update(message)


def _print_report(report: dict[str, Any], labels: dict[str, int]) -> None:
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
    _console.print(
        f"Labels: {labels['read']:,} read, {labels['duplicates']:,} older duplicates dropped, "
        f"{labels['without_features']:,} without a feature row; inputs: {', '.join(report['input_names'])}."
    )
    for path in report["files"]:
        _console.print(f"Wrote {path}")
