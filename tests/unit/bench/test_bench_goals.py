"""The bench report's goal rows: the full pipeline's goal judged on the plain run and on the marginal row."""

from __future__ import annotations

from typing import Any

from msk_features.bench.report import PREVIOUS_REPORT, _goals

PREVIOUS = PREVIOUS_REPORT["full_events_per_cpu_s"]


def _results(full: float, marginal: float | None) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [{"label": "full exactly-once", "events_per_cpu_s": full}]
    if marginal is not None:
        rows.append({"label": "full exactly-once, marginal (3x data less 1x)", "events_per_cpu_s": marginal})
    return {"ratios": {}, "throughput": rows}


def test_marginal_row_has_its_own_verdict() -> None:
    goals = _goals(_results(full=2 * PREVIOUS, marginal=4 * PREVIOUS))
    assert goals[0][1] == f"2.00x ({2 * PREVIOUS:,.0f})"
    assert goals[0][2] == "missed by 2x"
    assert goals[1][0].startswith("the same, marginal cost")
    assert goals[1][1] == f"4.00x ({4 * PREVIOUS:,.0f})"
    assert goals[1][2] == "met"


def test_without_marginal_row_no_marginal_goal() -> None:
    goals = _goals(_results(full=PREVIOUS, marginal=None))
    assert not any(goal.startswith("the same, marginal") for goal, _, _ in goals)
    assert goals[0][2] == "missed by 4x"
