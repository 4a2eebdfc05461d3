"""``msk-features manifest``: a pipeline's topics, datasets, sources and feature sets as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from flink_jobs.config import TopicsConfig, load_config
from msk_features.cli.errors import user_errors

__all__ = ["manifest"]


@click.command("manifest")
@click.argument("pipeline", required=False)
@click.option(
    "--properties",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Runtime properties whose `topics` and `offline` groups name and size the topics and "
    "datasets [default: the defaults, as in the Terraform examples].",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON here instead of standard output.",
)
def manifest(pipeline: str | None, properties: Path | None, output_file: Path | None) -> None:
    """Print the manifest of PIPELINE (default: pipeline.name of --properties, else the only one) as JSON.

    It is what the spec implies outside the job: every topic (inputs, dead letters, late events,
    one per feature set; partitions, compaction, retention), the Parquet datasets, the sources'
    contracts and the feature sets' columns. The local stack, `topics apply` and Terraform take
    their topics from it.

    \b
    Examples:
      msk-features manifest fraud
      msk-features manifest fraud -o terraform/examples/provisioned/fraud.manifest.json
      msk-features manifest --properties app.json | jq '.topics[].name'
    """
    from flink_jobs.features.manifest import manifest as build
    from flink_jobs.pipelines import get_pipeline
    from msk_features.cli.pipeline import chosen_pipeline

    with user_errors():
        cfg = load_config(properties) if properties is not None else None
        name = chosen_pipeline(pipeline, cfg)
        topics = cfg.topics if cfg is not None else TopicsConfig()
        offline = cfg.offline.path if cfg is not None and cfg.offline is not None else None
        document = build(get_pipeline(name), topics, offline)
    text = json.dumps(document, indent=2) + "\n"
    if output_file is not None:
        output_file.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output_file} ({len(document['topics'])} topics)", err=True)
    else:
        click.echo(text, nl=False)
