"""The ``msk-features`` command group: every command, registered by purpose.

Each command lives in a module of :mod:`msk_features.cli` named after it and is a thin layer (parse
options, call a plain function that returns a report, render it, set the exit code) over the
workflows in :mod:`msk_features.operations`, :mod:`msk_features.offline`, :mod:`msk_features.dev`
and :mod:`msk_features.bench`.
"""

from __future__ import annotations

import click

from msk_features.cli import (
    backfill,
    bench,
    cost,
    demo,
    deploy,
    generate,
    lag,
    local,
    manifest,
    parity,
    pipeline,
    switch_over,
    tail,
    topics,
    train,
    training_set,
)

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="msk-flink-features")
def main() -> None:
    """Real-time ML features on Amazon MSK and Managed Service for Apache Flink.

    Typical local loop: `msk-features local up`, `msk-features generate`, `msk-features run`,
    `msk-features outputs`; or all of it with `msk-features demo`. Operating a deployment:
    `topics apply`, `deploy`, `lag`, `tail`, and `cost` to size it. Every command has --help.
    """


# The pipeline itself
main.add_command(pipeline.sql)
main.add_command(manifest.manifest)
main.add_command(pipeline.run)
main.add_command(pipeline.outputs)
# Development tools: the local stack, test data, the demo
main.add_command(local.local)
main.add_command(generate.generate)
main.add_command(demo.demo)
# Operations
main.add_command(topics.topics)
main.add_command(tail.tail)
main.add_command(lag.lag)
main.add_command(cost.cost)
main.add_command(deploy.deploy)
# The offline loop
main.add_command(backfill.backfill)
main.add_command(parity.parity)
main.add_command(training_set.training_set)
main.add_command(train.train)
main.add_command(switch_over.switch_over)
# Benchmarks
main.add_command(bench.bench)
