"""`msk-features bench` options that need no run: the scoring stage's latency."""

from __future__ import annotations

from click.testing import CliRunner

from msk_features.bench.scoring_stage import DEFAULT_LATENCY_MS
from msk_features.bench.suite import Sizes
from msk_features.cli.bench import bench


def test_the_help_names_the_scoring_stages_real_default() -> None:
    # The CLI states the default in its help (it leaves None to Sizes, to keep its import light).
    result = CliRunner().invoke(bench, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert f"[default: {DEFAULT_LATENCY_MS};" in " ".join(result.output.split())
    assert Sizes().scoring_latency_ms == DEFAULT_LATENCY_MS


def test_a_latency_below_one_ms_is_refused_by_name() -> None:
    result = CliRunner().invoke(bench, ["--scoring-latency-ms", "0"])
    assert result.exit_code == 2
    assert "--scoring-latency-ms" in result.output and "0" in result.output
