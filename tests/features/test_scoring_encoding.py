"""The model inputs' SQL encodings, run by Flink, equal the spec's (:func:`flink_jobs.features.encode`,
what training and the parity check use) on every kind of value: decimals that are not exact doubles,
large counts, NULLs, unknown categories. Bit-for-bit: a model sees the same vector online and
offline."""

from __future__ import annotations

import math
from decimal import Decimal

from pyflink.table import TableEnvironment

from flink_jobs.features import Category, Flag, Number, encode
from flink_jobs.features.compiler.scoring import input_sql

INPUTS = (
    Number("amount"),
    Number("avg"),
    Number("count"),
    Flag("foreign"),
    Category("tier", ("low", "medium", "high")),
)

# amount DECIMAL(18, 4), avg DECIMAL(38, 6), count BIGINT, foreign BOOLEAN, tier STRING
ROWS = [
    (Decimal("0.1000"), Decimal("0.333333"), 0, True, "low"),
    (Decimal("12345678901234.5678"), Decimal("98765432109876543210.123457"), 2**53 + 1, False, "medium"),
    (Decimal("99.9900"), Decimal("1.000001"), 7, None, "high"),
    (Decimal("0.0001"), None, None, True, "High"),  # not a listed value: missing
    (None, Decimal("-5.500000"), 1, False, None),
]


def _literal(value: object, sql_type: str) -> str:
    if value is None:
        return f"CAST(NULL AS {sql_type})"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return f"'{value}'"
    return f"CAST('{value}' AS {sql_type})"


def test_sql_encodings_equal_the_spec(table_env: TableEnvironment) -> None:
    types = ("DECIMAL(18, 4)", "DECIMAL(38, 6)", "BIGINT", "BOOLEAN", "STRING")
    values = ",\n".join(
        "(" + ", ".join(_literal(v, t) for v, t in zip(row, types, strict=True)) + ")" for row in ROWS
    )
    names = ", ".join(f"`{i.column}`" for i in INPUTS)
    encoded = ", ".join(f"{input_sql(i)} AS `{i.column}`" for i in INPUTS)
    query = f"SELECT {encoded} FROM (VALUES {values}) AS t({names})"
    with table_env.execute_sql(query).collect() as results:
        got = [tuple(row) for row in results]
    expected = [tuple(encode(i, v) for i, v in zip(INPUTS, row, strict=True)) for row in ROWS]
    assert len(got) == len(expected)
    for have, want in zip(sorted(got, key=repr), sorted(expected, key=repr), strict=True):
        for h, w in zip(have, want, strict=True):
            assert (h is None and w is None) or (
                isinstance(h, float) and math.copysign(1, h) == math.copysign(1, w) and h == w
            ), f"{have} != {want}"
