"""How every ``msk-features`` command reports a mistake the user can fix: one red line, no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.markup import escape

__all__ = ["user_errors"]

_err = Console(stderr=True)


@contextmanager
def user_errors(*extra: type[Exception]) -> Iterator[None]:
    """Turn user-fixable errors into ``Error: ...`` on stderr and exit status 1 (130 on Ctrl-C).

    ``extra``: a command's own error types (e.g. ``TrainError``), passed by the command so that
    every other command does not pay for importing the module that defines them."""
    # Imported here so that `--help` does not pay for PyFlink's import.
    from flink_jobs.config import ConfigError
    from flink_jobs.features.compiler import FeatureSpecError
    from msk_features.dev.stack import LocalStackError
    from msk_features.kafka.preflight import KafkaConnectionError
    from msk_features.kafka.topic_setup import TopicError
    from msk_features.offline.model_artifact import ModelArtifactError
    from msk_features.operations.deploy import DeployError
    from msk_features.operations.outputs import TopicReadTimeout
    from msk_features.runner import JobFailed

    handled: tuple[type[Exception], ...] = (
        ConfigError,
        DeployError,
        FeatureSpecError,
        JobFailed,
        KafkaConnectionError,
        LocalStackError,
        ModelArtifactError,
        TopicError,
        TopicReadTimeout,
        FileNotFoundError,
        *extra,
    )
    try:
        yield
    except handled as exc:
        _err.print(f"[bold red]Error:[/] {escape(str(exc))}")
        raise click.exceptions.Exit(1) from None
    except KeyboardInterrupt:
        _err.print("[yellow]Interrupted.[/]")
        raise click.exceptions.Exit(130) from None
