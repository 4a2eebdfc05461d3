"""Operator uids named for the statement they serve, so that a savepoint survives a changed plan.

A savepoint maps state to operators by uid. Flink's SQL planner leaves the uids of a statement set
to the DataStream layer, which hashes each operator's position in the whole topology, or (option
``table.exec.uid.generation`` = ``ALWAYS``) writes ``<id>_<transformation>`` with ``<id>`` from a
static counter over the plan's nodes. Either way the uids of operators that did not change move
when a statement is added or removed before them: measured on the fraud pipeline, dropping its first
feature set left 41 of 72 counter-based uids in place and gave two of them to *other* operators
(``txn_1h``'s Kafka sink took ``txn_1m``'s uid), so a restore fails or, worse, hands one operator's
state to another (``tests/flink/test_operator_uids.py``).

A compiled plan (FLIP-190) lets each node carry its own ``table.exec.uid.format`` in its
``configuration``, and a pipeline run from a compiled plan gets explicit uids (the default
``PLAN_ONLY``). :func:`with_stable_uids` gives every node of the plan the format
``<sink>.<kind>.<n>_<transformation>``:

- ``<sink>`` is the sink table of the *first* statement (in statement-set order) whose operators
  include the node: the node's owner. Sources and input validation belong to the first statement
  (the dead letters, which every pipeline has); a feature set's own operators belong to its Kafka
  sink, ``<set>_kafka``, a table named for the feature set;
- ``<kind>`` is the node type without prefix and version (``window-aggregate``, ``over-aggregate``,
  ``sink``, ...), ``<n>`` counts nodes of that kind within the owner, depth first from the sink;
- ``<transformation>`` is Flink's own name for each transformation a node makes (``sink`` and
  ``constraint-validator``; ``streaming-writer`` and ``partition-committer``; ...).

So adding or removing a feature set, or reordering the spec, leaves the uid of every operator of the
other feature sets, of the inputs and of the archives as it was; a changed feature set gets new
uids only where its own query changed. A savepoint's state that no operator claims fails the
restore (Flink's default), so a change that cannot keep state is an error at start, never a silent
loss. What this does not change is Flink's rule that an operator's state must fit its new query
(the same key, aggregates and window): a feature set's query itself must not change.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["UID_FORMAT_OPTION", "stable_uid_names", "with_stable_uids"]

UID_FORMAT_OPTION = "table.exec.uid.format"
_SINK_TYPE = re.compile(r"^stream-exec-sink_\d+$")
_KIND = re.compile(r"^(?:stream|batch)-exec-(.*?)_\d+$")
_TABLE = re.compile(r"`((?:[^`]|``)*)`$")


def _sink_table(node: dict[str, Any]) -> str:
    """The table name (last part of the identifier) of a sink node."""
    identifier = node["dynamicTableSink"]["table"]["identifier"]
    found = _TABLE.search(identifier)
    return found.group(1).replace("``", "`") if found else identifier


def stable_uid_names(plan: dict[str, Any]) -> dict[int, str]:
    """Node id -> ``<sink>.<kind>.<n>`` for every node of a compiled plan's JSON (see the module)."""
    nodes = {node["id"]: node for node in plan["nodes"]}
    inputs: dict[int, list[int]] = {}
    for edge in plan["edges"]:
        inputs.setdefault(edge["target"], []).append(edge["source"])
    names: dict[int, str] = {}
    for sink in (n for n in plan["nodes"] if _SINK_TYPE.match(n["type"])):
        owner = _sink_table(sink)
        counts: dict[str, int] = {}
        stack = [sink["id"]]
        while stack:
            node_id = stack.pop()
            if node_id in names:
                continue  # an earlier statement's node
            match = _KIND.match(nodes[node_id]["type"])
            kind = match.group(1) if match else nodes[node_id]["type"]
            names[node_id] = f"{owner}.{kind}.{counts.get(kind, 0)}"
            counts[kind] = counts.get(kind, 0) + 1
            stack.extend(reversed(inputs.get(node_id, [])))
    missing = sorted(set(nodes) - set(names))
    if missing:  # every node of a statement set feeds a sink; anything else is a planner change
        raise ValueError(f"compiled plan nodes {missing} feed no sink: cannot name their uids")
    return names


def with_stable_uids(plan_json: str) -> str:
    """The compiled plan ``plan_json`` with each node's uid format set to its stable name."""
    plan = json.loads(plan_json)
    names = stable_uid_names(plan)
    for node in plan["nodes"]:
        node.setdefault("configuration", {})[UID_FORMAT_OPTION] = f"{names[node['id']]}_<transformation>"
    return json.dumps(plan)
