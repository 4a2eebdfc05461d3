"""Variant parsing of ``python -m msk_features.bench.side_by_side``."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from msk_features.bench.side_by_side import Variant, main, parse_roots, parse_variant


def test_empty_variant_has_no_environment() -> None:
    assert parse_variant("default=") == Variant("default", {})


def test_values_keep_equals_and_commas() -> None:
    variant = parse_variant("jfr=JVM_ARGS=-XX:StartFlightRecording=filename=/tmp/x.jfr,settings=profile;X=1")
    assert variant.env == {
        "JVM_ARGS": "-XX:StartFlightRecording=filename=/tmp/x.jfr,settings=profile",
        "X": "1",
    }


@pytest.mark.parametrize("text", ["noequals", "=JVM_ARGS=x", "name=VAR"])
def test_bad_variant_is_a_usage_error(text: str) -> None:
    with pytest.raises(click.BadParameter):
        parse_variant(text)


def test_help_names_the_options() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "--variant" in result.output and "--output" in result.output


def test_root_names_a_checkout_of_a_variant(tmp_path) -> None:
    (tmp_path / "main.py").write_text("")
    assert parse_roots((f"old={tmp_path}",), {"old", "new"}) == {"old": tmp_path.resolve()}


@pytest.mark.parametrize("text", ["old", "other=/", "old=/nonexistent-checkout"])
def test_bad_root_is_a_usage_error(text: str) -> None:
    with pytest.raises(click.BadParameter):
        parse_roots((text,), {"old"})
