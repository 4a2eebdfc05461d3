"""Operator uids of the compiled job survive adding a feature set (Flink's planner, no cluster).

v1 is the fraud pipeline without ``txn_1m``, the spec's *first* feature set; v2 is all of it. The
job's plans (``CompiledPipeline.execute``'s path: compile, :func:`with_stable_uids`, load) are
translated by Flink's planner into transformations, whose uids a savepoint's state is matched by.
Every operator of v1 must keep its uid in v2 and carry the same operator there; only stateless
``Calc`` nodes may move (an empty state is skipped on restore). Negative control: Flink's own
counter-based uids (``<id>_<transformation>``, what ``table.exec.uid.generation=ALWAYS`` gives) lose
stateful operators and give some uids to other operators.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pyflink.table import PlanReference, TableEnvironment

from flink_jobs.config import AppConfig, parse_config
from flink_jobs.features.compiler import compile_pipeline
from flink_jobs.features.compiler.operator_uids import with_stable_uids
from flink_jobs.pipelines import get_pipeline
from tests.flink.test_compiled_plan import DOCUMENT, table_env

FRAUD = get_pipeline("fraud")


Plan = tuple[str, TableEnvironment]


def compiled(jar: Path, cfg: AppConfig) -> Plan:
    """The job's compiled plan and its environment (one each: a plan names temporary tables, which
    only the environment that registered them can resolve)."""
    env = table_env(jar)
    return compile_pipeline(FRAUD, cfg).statement_set(env).compile_plan().as_json_string(), env


def transformation_uids(env: TableEnvironment, plan: str) -> dict[str, str]:
    """uid -> operator name (its ``[node id]`` suffix removed) of every transformation of ``plan``."""
    compiled = env.load_plan(PlanReference.from_json_string(plan))
    roots = env._j_tenv.getPlanner().translatePlan(compiled._j_compiled_plan.unwrap())
    found: dict[str, str] = {}
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        t = stack.pop()
        if t.getId() in seen:
            continue
        seen.add(t.getId())
        if t.getUid() is not None:
            found[t.getUid()] = re.sub(r"\[\d+\]", "", t.getName())
        stack.extend(list(t.getInputs()))
    return found


def counter_uids(plan: str) -> dict[str, str]:
    """Flink's ``<id>_<kind>`` per node, ids counted from 1 in each plan as in a fresh JVM."""
    nodes = json.loads(plan)["nodes"]
    first = min(n["id"] for n in nodes)
    return {f"{n['id'] - first + 1}": re.sub(r"_\d+$", "", n["type"]) for n in nodes}


@pytest.fixture(scope="module")
def plans(built_package: Path) -> tuple[Plan, Plan]:
    jar = built_package.parent / "lib" / "pyflink-dependencies.jar"
    base = parse_config(DOCUMENT)
    without_first = replace(
        base, pipeline=replace(base.pipeline, feature_sets=tuple(FRAUD.feature_set_names()[1:]))
    )
    return compiled(jar, without_first), compiled(jar, base)


def test_every_v1_operator_keeps_its_uid_in_v2(plans: tuple[Plan, Plan]) -> None:
    (v1_plan, v1_env), (v2_plan, v2_env) = plans
    v1 = transformation_uids(v1_env, with_stable_uids(v1_plan))
    v2 = transformation_uids(v2_env, with_stable_uids(v2_plan))
    assert len(v1) > 50 and len(v2) > len(v1)
    assert all(re.fullmatch(r"\w+\.[a-z-]+\.\d+_[a-z-]+", uid) for uid in v1), v1
    moved = {uid: name for uid, name in v1.items() if v2.get(uid) != name}
    assert all(name == "Calc" for name in moved.values()), moved
    assert len(moved) <= 2, moved
    # Each kind of stateful operator is there: sources, window and OVER aggregates, both sinks.
    kept = {v1[uid] for uid in v1 if uid not in moved}
    for kind in ("WindowAggregate", "GlobalWindowAggregate", "OverAggregate", "StreamingFileWriter"):
        assert kind in kept, kept
    assert {"session_kafka", "dead_letter", "transactions_raw"} <= kept
    # The added set's operators are new uids, named for it.
    added = set(v2) - set(v1)
    assert added and all(uid.startswith(("txn_1m_", "txn_1h_kafka.calc")) for uid in added), added


def test_flinks_counter_uids_would_not_restore(plans: tuple[Plan, Plan]) -> None:
    """Negative control: the same change with Flink's own uid scheme."""
    (v1_plan, _), (v2_plan, _) = plans
    v1, v2 = counter_uids(v1_plan), counter_uids(v2_plan)
    stateful = ("stream-exec-sink", "stream-exec-over-aggregate", "stream-exec-window-aggregate")
    lost_or_swapped = [uid for uid, kind in v1.items() if kind in stateful and v2.get(uid) != kind]
    same_kind_other_operator = [
        uid
        for uid in v1
        if v1[uid] == v2.get(uid) == "stream-exec-sink"
        and json.loads(v1_plan)["nodes"][int(uid) - 1]["dynamicTableSink"]["table"]["identifier"]
        != json.loads(v2_plan)["nodes"][int(uid) - 1]["dynamicTableSink"]["table"]["identifier"]
    ]
    assert lost_or_swapped or same_kind_other_operator
    assert same_kind_other_operator, "a sink's uid would name another sink after the change"
