"""Options shared by several ``msk-features`` commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["DEFAULT_PROPERTIES", "output_option", "properties_option"]

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_PROPERTIES = Path(".local-stack") / "application_properties.json"


def properties_option(
    help_text: str = "Runtime properties file, in Managed Flink's application_properties.json shape.",
) -> Callable[[F], F]:
    """``--properties FILE`` (also ``$MSK_FEATURES_PROPERTIES``), default the local stack's file."""
    return click.option(
        "--properties",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="MSK_FEATURES_PROPERTIES",
        default=DEFAULT_PROPERTIES,
        show_default=True,
        help=help_text,
    )


def output_option() -> Callable[[F], F]:
    """``--output table|json``: a rich table (default) or one JSON document on standard output
    (:mod:`msk_features.cli.reports`), for scripts; the exit status is the same either way."""
    return click.option(
        "--output",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="table: for people; json: one JSON document on standard output, for scripts.",
    )
