"""Flink's planner on the reference pipeline with its scoring: one ML_PREDICT node however many
statements read the predictions (each row is sent to the endpoint once), the scoring's operators
owned by its own sinks (adding or removing the scoring leaves every other operator's uid), and the
plan naming the job's model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flink_jobs.config import parse_config
from flink_jobs.features.compiler.operator_uids import stable_uid_names
from flink_jobs.runtime.job import build_pipeline
from tests.flink.test_compiled_plan import DOCUMENT, table_env

SCORING = {"PropertyGroupId": "scoring", "PropertyMap": {"fraud_score.endpoint": "fraud-score"}}


def _plan(jar: Path, document: list[dict]) -> dict:
    env = table_env(jar)
    statements = build_pipeline(parse_config(document)).statement_set(env)
    return json.loads(statements.compile_plan().as_json_string())


@pytest.fixture(scope="module")
def plans(built_package: Path) -> tuple[dict, dict]:
    jar = built_package.parent / "lib" / "pyflink-dependencies.jar"
    return _plan(jar, DOCUMENT), _plan(jar, [*DOCUMENT, SCORING])


def test_one_model_call_per_row(plans: tuple[dict, dict]) -> None:
    _, scored = plans
    predict = [n for n in scored["nodes"] if n["type"].startswith("stream-exec-ml-predict-table-function")]
    assert len(predict) == 1, [n["type"] for n in predict]
    sinks = [n for n in scored["nodes"] if n["type"].startswith("stream-exec-sink")]
    assert len(sinks) == len([n for n in plans[0]["nodes"] if n["type"].startswith("stream-exec-sink")]) + 3
    # The plan names the model only; its options are resolved from the catalog when the plan is loaded,
    # which the job does in the environment where it has just created the model (CompiledPipeline.execute).
    assert predict[0]["modelSpec"]["model"]["identifier"].endswith("`fraud_score_model`")


def test_the_scoring_leaves_every_other_uid(plans: tuple[dict, dict]) -> None:
    plain, scored = (set(stable_uid_names(p).values()) for p in plans)
    added = scored - plain
    assert plain <= scored, f"uids that moved: {sorted(plain - scored)}"
    assert added and all(uid.startswith("fraud_score_") for uid in added), sorted(added)
