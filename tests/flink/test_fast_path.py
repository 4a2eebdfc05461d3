"""The fast path of validation (:mod:`connectors.fast_path`) is the path typical records take.

Which records are valid is checked elsewhere (the verdicts of both paths against the independent
reference); a pattern that never matched would pass those checks and only cost speed. Here: every
valid record of the generator matches it, one field value with an escape sends a record to the
slow path, and the texts read from the selection equal ``JSON_VALUE``'s.
"""

from __future__ import annotations

import json

import pytest
from pyflink.table import EnvironmentSettings, TableEnvironment

from connectors.fast_path import fast_pattern, selection_sql, value_sql
from connectors.validation import DECIMAL_REGEX, REAL_INSTANT_REGEX, sql_string
from flink_jobs.schemas import INPUTS
from msk_features.generator.plan import GenerateSpec, build_plan

pytestmark = pytest.mark.flink


def test_valid_records_take_the_fast_path_and_read_the_same_texts() -> None:
    records = build_plan(GenerateSpec(transactions=200, clicks=200, profiles=100, users=20))
    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("parallelism.default", "1")
    for schema in INPUTS:
        values = [r.value for r in records if r.stream == schema.name]
        assert values, schema.name
        escaped = json.loads(values[0])
        escaped[schema.fields[0].name] = 'a "quoted" id'  # still valid, but holds escapes
        values.append(json.dumps(escaped).encode())
        pattern = fast_pattern(schema, DECIMAL_REGEX, REAL_INSTANT_REGEX)
        assert pattern is not None, schema.name
        rows = ", ".join(f"({i}, X'{v.hex()}')" for i, v in enumerate(values))
        selection = selection_sql(schema, "doc")
        fast_texts = ", ".join(f"{value_sql(f, 'sel')} AS `f_{f.name}`" for f in schema.fields)
        json_texts = ", ".join(f"JSON_VALUE(doc, '$.{f.name}') AS `j_{f.name}`" for f in schema.fields)
        query = (
            f"SELECT seq, REGEXP(sel, {sql_string(pattern)}), {fast_texts}, {json_texts} FROM ("
            f"SELECT seq, doc, {selection} AS sel FROM ("
            f"SELECT seq, CAST(CAST(v AS BYTES) AS STRING) AS doc FROM (VALUES {rows}) AS T(seq, v)))"
        )
        fields = len(schema.fields)
        with env.execute_sql(query).collect() as results:
            for seq, fast, *texts in results:
                if seq == len(values) - 1:
                    assert fast is False, f"{schema.name}: a value with an escape takes the slow path"
                    continue
                assert fast is True, f"{schema.name}: {values[seq]!r} misses the fast path"
                assert texts[:fields] == texts[fields:], f"{schema.name}: {values[seq]!r}"
