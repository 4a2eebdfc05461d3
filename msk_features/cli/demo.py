"""``msk-features demo``: the reference pipeline end to end on the local stack (see msk_features.dev.demo)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from msk_features.cli.errors import user_errors
from msk_features.cli.pipeline import print_summary, run_with_progress

__all__ = ["demo"]

_console = Console()
_err = Console(stderr=True)


@click.command("demo")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Records to generate (50% transactions, 40% clicks, 10% profiles).",
)
@click.option("--span", default="2h", show_default=True, help="Event-time span of the generated data.")
@click.option("--users", type=click.IntRange(min=1), default=2000, show_default=True, help="Distinct users.")
@click.option(
    "--invalid-fraction", type=click.FloatRange(0, 1), default=0.02, show_default=True, help="Per topic."
)
@click.option(
    "--late-fraction", type=click.FloatRange(0, 1), default=0.01, show_default=True, help="Per topic."
)
@click.option("--seed", type=int, default=42, show_default=True, help="Generator seed.")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Local stack state dir [default: $MSK_FEATURES_STACK_DIR, else ./.local-stack].",
)
@click.option(
    "--keep-stack/--stop-stack",
    default=False,
    show_default=True,
    help="Leave the local stack running at the end (a stack that was running before is always kept).",
)
@click.option(
    "--scoring/--no-scoring",
    "scoring_step",
    default=True,
    show_default=True,
    help="Also train the fraud model, serve it on the local endpoint and score a later batch.",
)
def demo(
    count: int,
    span: str,
    users: int,
    invalid_fraction: float,
    late_fraction: float,
    seed: int,
    state_dir: Path | None,
    keep_stack: bool,
    scoring_step: bool,
) -> None:
    """The reference pipeline end to end on the local stack, with a summary of every output.

    Starts (or reuses) the local stack, resets the pipeline's topics and offline data, generates
    seeded events over SPAN (with invalid, out-of-order and late records, and labels that arrive
    later; single-partition input topics, so which records are late is exact), runs the fraud
    pipeline in bounded mode, then shows rows per output, a sample of txn_features and the Parquet
    files, checked against what was sent. Then (unless --no-scoring) it trains the fraud model on
    that offline data, serves it on the local endpoint (SageMaker's runtime protocol) and runs the
    pipeline with its scoring over a second, later batch: every transaction's score, and the scores
    served against the model's own offline predictions. Stops the stack it started.
    """
    from flink_jobs.config import TopicsConfig
    from flink_jobs.pipelines import pipeline_topics
    from msk_features.dev.demo import expected_counts, generate_and_send, reset_pipeline_data
    from msk_features.dev.generator.plan import GenerateSpec, parse_duration
    from msk_features.dev.generator.send import SendSummary
    from msk_features.dev.stack.control import LocalStack, default_state_dir
    from msk_features.dev.stack.properties import local_app_config, write_local_properties
    from msk_features.operations.outputs import summarise_outputs
    from msk_features.runner import REPO_ROOT

    directory = state_dir.resolve() if state_dir else default_state_dir()
    started = time.monotonic()
    stack = LocalStack(directory, progress=lambda m: _console.print(f"[dim]• {escape(m)}[/]"))
    was_running = stack.status()["kafka"]["alive"]
    ok = False
    try:
        with user_errors():
            _console.rule("1. local stack")
            topics = TopicsConfig(partitions=1)
            endpoints = stack.up()
            cfg = local_app_config(endpoints, topics=topics)
            reset_pipeline_data(cfg, endpoints.s3_client())
            endpoints = stack.up(topics=pipeline_topics(topics))
            properties = write_local_properties(endpoints, directory, topics=topics)
            _console.print(f"Kafka {endpoints.kafka_plaintext_bootstrap}, S3 {endpoints.s3_endpoint_url}")
            _console.print(f"Properties: {properties}")

            _console.rule("2. generate")
            spec = GenerateSpec.from_total(
                count,
                seed=seed,
                users=users,
                span=parse_duration(span),
                invalid_fraction=invalid_fraction,
                out_of_order_fraction=0.02,
                late_fraction=late_fraction,
                topics=cfg.topics,
                labels=True,
            )
            records = generate_and_send(cfg, spec)
            _console.print(SendSummary.from_records(records).render_table("Sent"))

            _console.rule("3. run the fraud pipeline (bounded)")
            result = run_with_progress(properties, REPO_ROOT)
            _console.print(
                f"Job finished in {result.seconds:.1f} s ({len(records) / result.seconds:,.0f} records/s)."
            )

            _console.rule("4. outputs")
            summary = summarise_outputs(cfg)
        ok = print_summary(summary, expected_counts(records))
        if scoring_step:
            with user_errors():
                ok = _demo_scoring(stack, directory, cfg, spec, endpoints) and ok
        _console.print(f"Demo took {time.monotonic() - started:.0f} s.")
    finally:
        if was_running or keep_stack:
            _console.print("The local stack keeps running: stop it with `msk-features local down`.")
        else:
            stack.down()
            _console.print("[dim]• Stopped the local stack.[/]")
    if not ok:
        _err.print("[bold red]Some outputs differ from what was sent.[/]")
        sys.exit(1)


def _demo_scoring(stack: Any, directory: Path, cfg: Any, spec: Any, endpoints: Any) -> bool:
    """Steps 5 to 7 of the demo: train, serve, score a later batch; True when the parity holds."""
    from dataclasses import replace

    from flink_jobs.config import ScoringConfig, to_property_groups
    from flink_jobs.pipelines import get_pipeline, pipeline_topics, prefixed_topics
    from msk_features.dev.demo import generate_and_send, reset_pipeline_data, scoring_outcome, train_model
    from msk_features.dev.generator.send import SendSummary
    from msk_features.dev.stack.properties import local_app_config
    from msk_features.runner import REPO_ROOT

    scoring = get_pipeline(cfg.pipeline.name).scorings[0]
    _console.rule(f"5. train the {scoring.name} model on that offline data")
    model = train_model(cfg, directory / "models" / scoring.name, scoring)
    holdout = model.description["holdout"]
    _console.print(
        f"XGBoost on {model.description['training']['rows']:,} labelled transactions; held out "
        f"{holdout['rows']:,} later ones: AUC {holdout['auc']:.4f}, precision {holdout['precision']:.4f}, "
        f"recall {holdout['recall']:.4f} at 0.5 (base rate {holdout['base_rate']:.4f})."
    )
    _console.print(f"Artifact: {model.artifact}")

    _console.rule("6. serve it on the local endpoint (SageMaker runtime protocol)")
    endpoint_name = scoring.name.replace("_", "-")
    endpoints = stack.serve_models({endpoint_name: model.artifact})
    _console.print(f"POST {endpoints.model_endpoint_url}/endpoints/{endpoint_name}/invocations")

    _console.rule("7. score a later batch: the pipeline with its scoring (bounded)")
    live_topics = prefixed_topics("live-", cfg.pipeline.name, partitions=1)
    live = local_app_config(endpoints, topics=live_topics, prefix="offline-live")
    live = replace(
        live,
        scoring=ScoringConfig(
            endpoints={scoring.name: endpoint_name},
            endpoint_override=endpoints.model_endpoint_url,
            region="us-east-1",
            access_key="local",
            secret_key="local",
        ),
    )
    reset_pipeline_data(live, endpoints.s3_client())
    stack.up(topics=pipeline_topics(live_topics, cfg.pipeline.name))
    later = replace(spec, seed=spec.seed + 1, start=spec.start + spec.span, topics=live.topics)
    records = generate_and_send(live, later)
    _console.print(SendSummary.from_records(records).render_table("Sent (later batch)"))
    properties = directory / "application_properties.scoring.json"
    properties.write_text(json.dumps(to_property_groups(live), indent=2), encoding="utf-8")
    result = run_with_progress(properties, REPO_ROOT)
    _console.print(
        f"Job finished in {result.seconds:.1f} s ({len(records) / result.seconds:,.0f} records/s)."
    )
    outcome = scoring_outcome(live, scoring, model.artifact)
    parity = outcome["parity"]
    table = Table(title=f"{scoring.name}: served online vs the model offline", header_style="bold")
    table.add_column("")
    table.add_column("value", justify="right")
    table.add_row(f"scores in {outcome['topic']} (read_committed)", f"{outcome['topic_records']:,}")
    table.add_row("txn_features rows (Parquet)", f"{parity.feature_rows:,}")
    table.add_row("scores in Parquet equal to the model's, bit for bit", f"{parity.equal:,}")
    table.add_row("different", f"{parity.different:,}")
    table.add_row(
        "feature rows without a score / dead letters",
        f"{parity.without_score:,} / {outcome['dead_letters']:,}",
    )
    if parity.auc is not None:
        table.add_row(
            f"AUC of the served scores against {parity.labelled:,} later labels", f"{parity.auc:.4f}"
        )
    _console.print(table)
    return parity.ok and outcome["topic_records"] == parity.scores
