"""Compile an input contract (:mod:`flink_jobs.schemas`) into Flink SQL that parses and validates.

Everything runs in SQL (no Python UDF): the JSON type of a field is read from
``JSON_QUERY(doc, '$.f' WITH CONDITIONAL ARRAY WRAPPER)``, which yields ``["text"]`` for a string,
``[12.5]`` for a number and NULL for a missing field or JSON null. ``JSON_VALUE ... RETURNING`` is
never used on untrusted input: on Flink 2.2 a type mismatch there fails the whole job.

The checked view has the raw record columns, one typed column per field (NULL when the record is
invalid) and ``dlq_reason``: NULL for a valid record, else the reason of the first broken rule.
"""

from __future__ import annotations

from flink_jobs.schemas import Field, InputSchema

__all__ = [
    "TIMESTAMP_FORMAT",
    "checked_view_sql",
    "parsed_time_sql",
    "sql_string",
    "valid_columns",
    "valid_time_sql",
]

# Flink DATE_FORMAT / TO_TIMESTAMP pattern of the contract's timestamps.
TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
TIMESTAMP_REGEX = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"
DECIMAL_REGEX = r"^(0|[1-9][0-9]{0,13})(\.[0-9]{1,4})?$"
DECIMAL_TYPE = "DECIMAL(18, 4)"


def sql_string(value: str) -> str:
    """A SQL string literal for ``value`` (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def _doc(raw_column: str) -> str:
    return f"DECODE({raw_column}, 'UTF-8')"


def _wrapped(doc: str, name: str) -> str:
    return f"JSON_QUERY({doc}, '$.{name}' WITH CONDITIONAL ARRAY WRAPPER)"


def _text(doc: str, name: str) -> str:
    return f"JSON_VALUE({doc}, '$.{name}')"


def parsed_time_sql(text: str) -> str:
    """``TIMESTAMP(3)`` of a contract timestamp string, NULL unless it is a real instant in the exact form.

    ``TRY_CAST`` alone is lenient (it reads 30 February as 28 February), so the parsed value must
    format back to the very same text.
    """
    parsed = f"TRY_CAST(REPLACE(REPLACE({text}, 'T', ' '), 'Z', '') AS TIMESTAMP(3))"
    return (
        f"CASE WHEN REGEXP({text}, {sql_string(TIMESTAMP_REGEX)}) "
        f"AND DATE_FORMAT({parsed}, {sql_string(TIMESTAMP_FORMAT)}) = {text} "
        f"THEN {parsed} END"
    )


def _type_ok(field: Field, wrapped: str) -> str:
    """SQL condition: the field's JSON type is right (string, or number for decimals)."""
    if field.kind == "decimal":
        return f"REGEXP({wrapped}, '^\\[-?[0-9]')"
    return f"REGEXP({wrapped}, '^\\[\"')"


def _domain_ok(field: Field, text: str) -> tuple[str, str]:
    """(SQL condition, description) of the field's domain rule, given its text value."""
    if field.kind == "string":
        return f"CHAR_LENGTH({text}) > 0", "must not be empty"
    if field.kind == "decimal":
        return (
            f"REGEXP({text}, {sql_string(DECIMAL_REGEX)}) AND CAST({text} AS {DECIMAL_TYPE}) > 0",
            "must be a plain decimal > 0 with at most 14 integer and 4 fraction digits",
        )
    if field.kind == "code":
        assert field.pattern is not None
        return f"REGEXP({text}, {sql_string(field.pattern)})", f"must match {field.pattern}"
    if field.kind == "enum":
        choices = ", ".join(sql_string(c) for c in field.choices)
        return f"{text} IN ({choices})", "must be one of " + "|".join(field.choices)
    if field.kind == "timestamp":
        return (
            f"{parsed_time_sql(text)} IS NOT NULL",
            "must be a real UTC instant formatted YYYY-MM-DDTHH:MM:SS.mmmZ",
        )
    raise ValueError(f"unknown field kind {field.kind}")  # pragma: no cover


def _reason_sql(schema: InputSchema, raw_column: str, doc: str, encoded: str | None = None) -> str:
    """CASE expression: NULL for a valid record, else the first broken rule. ``encoded`` is ``doc``
    encoded back to UTF-8 bytes (differs from the raw bytes when they are not valid UTF-8)."""
    encoded = encoded or f"ENCODE({doc}, 'UTF-8')"
    whens = [
        f"WHEN {raw_column} IS NULL THEN 'missing value: the record has no value (tombstone)'",
        f"WHEN {encoded} <> {raw_column} THEN 'bad JSON: the value is not valid UTF-8'",
        f"WHEN NOT ({doc} IS JSON OBJECT) THEN 'bad JSON: the value is not a JSON object'",
    ]
    for field in schema.fields:
        wrapped = _wrapped(doc, field.name)
        text = _text(doc, field.name)
        expected = "a JSON number" if field.kind == "decimal" else "a JSON string"
        condition, rule = _domain_ok(field, text)
        whens += [
            f"WHEN {wrapped} IS NULL THEN {sql_string(f'missing field: {field.name}')}",
            f"WHEN NOT {_type_ok(field, wrapped)} "
            f"THEN {sql_string(f'wrong type: {field.name} must be {expected}')}",
            f"WHEN NOT ({condition}) THEN {sql_string(f'out of domain: {field.name} {rule}')}",
        ]
    return "CASE\n      " + "\n      ".join(whens) + "\n    END"


def _typed_sql(field: Field, doc: str) -> str:
    text = _text(doc, field.name)
    if field.kind == "decimal":
        return f"TRY_CAST({text} AS {DECIMAL_TYPE})"
    if field.kind == "timestamp":
        return parsed_time_sql(text)
    return text


def valid_time_sql(schema: InputSchema, raw_column: str = "raw_value") -> str:
    """``TIMESTAMP(3)`` event time of a *valid* record, NULL for an invalid one.

    Used as the event-time column of a source, so that an invalid record (e.g. a far-future time in
    a record missing other fields) never moves the watermark. It avoids ``DECODE``/``ENCODE``, which
    fail code generation inside a watermark generator on Flink 2.2: ``CAST`` decodes and encodes
    UTF-8 the same way.
    """
    doc = f"CAST({raw_column} AS STRING)"
    reason = _reason_sql(schema, raw_column, doc, encoded=f"CAST({doc} AS BYTES)")
    return f"CASE WHEN ({reason}) IS NULL THEN {parsed_time_sql(_text(doc, schema.time_field))} END"


def valid_columns(schema: InputSchema) -> list[str]:
    """Names of the typed columns of the checked view, in declaration order."""
    return [f.name for f in schema.fields]


def checked_view_sql(
    schema: InputSchema,
    view: str,
    source_table: str,
    raw_column: str = "raw_value",
    passthrough: tuple[str, ...] = (),
) -> str:
    """``CREATE TEMPORARY VIEW view AS SELECT ...`` validating ``source_table``'s raw values.

    Columns: ``passthrough`` columns of the source, the typed fields (only set for valid records)
    and ``dlq_reason`` (NULL when valid).
    """
    reason = _reason_sql(schema, raw_column, "doc")
    typed = ",\n    ".join(
        f"CASE WHEN reason IS NULL THEN {_typed_sql(f, 'doc')} END AS `{f.name}`" for f in schema.fields
    )
    keep = "".join(f"`{c}`, " for c in passthrough)
    return (
        f"CREATE TEMPORARY VIEW `{view}` AS\n"
        f"SELECT {keep}\n    {typed},\n    reason AS dlq_reason\n"
        f"FROM (\n  SELECT *,\n    {reason} AS reason\n"
        f"  FROM (SELECT *, {_doc(raw_column)} AS doc FROM `{source_table}`)\n)"
    )
