"""``msk-features topics``: create or verify the pipeline's topics through the Kafka admin API.

Managed Flink cannot create topics and MSK does not auto-create them, so the topics a pipeline reads
and writes (inputs, dead letters, late events, one per feature set) are created from the same specs
the job is compiled from, with the properties the job runs with: run this from a host that can reach
the brokers (inside the VPC for MSK), once after ``terraform apply`` and again after adding a
feature set. Existing topics are never changed: a partition count, cleanup policy or retention that
differs from the spec is reported as drift, and the command exits with status 1.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from flink_jobs.config import load_config
from msk_features.cli.errors import user_errors
from msk_features.cli.options import output_option, properties_option
from msk_features.cli.reports import dumps, topics_report

__all__ = ["topics"]

_console = Console()
_err = Console(stderr=True)


@click.group("topics")
def topics() -> None:
    """Create or verify the pipeline's Kafka topics (partitions, retention, compaction)."""


@topics.command("apply")
@properties_option(
    "Runtime properties: the cluster, its auth mode, topic names, partitions and retention "
    "(on AWS: `terraform output -raw application_properties_json > app.json`)."
)
@click.option("--pipeline", default=None, help="Pipeline whose topics to apply [default: pipeline.name].")
@click.option(
    "--replication-factor",
    type=int,
    default=-1,
    show_default=True,
    help="For new topics; -1 uses the cluster's default.replication.factor (3 on a 3-broker MSK cluster).",
)
@click.option("--dry-run", is_flag=True, help="Only report what would be created and what has drifted.")
@click.option("--timeout", "timeout_s", type=float, default=30.0, show_default=True, help="Seconds per call.")
@output_option()
def apply(
    properties: Path,
    pipeline: str | None,
    replication_factor: int,
    dry_run: bool,
    timeout_s: float,
    output: str,
) -> None:
    """Create the pipeline's missing topics; report existing ones that differ from the spec.

    Idempotent: a second run reports every topic as `exists`. All auth modes of the properties work,
    MSK IAM included (credentials from the default AWS chain).

    \b
    Examples:
      msk-features topics apply --dry-run
      terraform output -raw application_properties_json > app.json
      msk-features topics apply --properties app.json
      msk-features topics apply --dry-run --output json | jq '.topics[] | select(.outcome != "exists")'
    """
    from flink_jobs.pipelines import pipeline_topics
    from msk_features.cli.pipeline import chosen_pipeline
    from msk_features.kafka.auth import librdkafka_config
    from msk_features.kafka.preflight import check_connection
    from msk_features.kafka.topic_setup import ensure_topics

    with user_errors():
        cfg = load_config(properties)
        name = chosen_pipeline(pipeline, cfg, given_as="--pipeline NAME")
        specs = pipeline_topics(cfg.topics, name)
        check_connection(cfg.kafka, timeout_s=timeout_s)
        results = ensure_topics(
            librdkafka_config(cfg.kafka),
            specs,
            timeout_s=timeout_s,
            replication_factor=replication_factor,
            create=not dry_run,
        )
    drift = [r for r in results if r.outcome == "mismatch"]
    if output == "json":
        click.echo(dumps(topics_report(name, cfg.kafka.bootstrap_servers, dry_run, results)), nl=False)
        if drift:
            raise click.exceptions.Exit(1)
        return
    table = Table(title=f"Topics of pipeline {name} on {cfg.kafka.bootstrap_servers}", header_style="bold")
    for column in ("topic", "outcome", "partitions", "cleanup", "retention.ms", "detail"):
        table.add_column(column, overflow="fold")
    colours = {"created": "green", "exists": "dim", "missing": "yellow", "mismatch": "red"}
    for result in results:
        table.add_row(
            result.name,
            f"[{colours[result.outcome]}]{result.outcome}[/]",
            str(result.partitions),
            "compact" if result.compacted else "delete",
            "" if result.compacted or result.retention_ms is None else str(result.retention_ms),
            result.detail,
        )
    _console.print(table)
    if drift:
        _err.print(
            f"[bold red]{len(drift)} topic(s) differ from the spec[/] and were left unchanged: change them "
            "with the Kafka admin tools (partitions can only grow), or the properties."
        )
        raise click.exceptions.Exit(1)
