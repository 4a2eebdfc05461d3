"""Compile an input contract (:mod:`flink_jobs.schemas`) into Flink SQL that parses and validates.

Everything runs in SQL (no Python UDF): the JSON type of a field is read from
``JSON_QUERY(doc, '$.f' WITH UNCONDITIONAL ARRAY WRAPPER)``, which yields ``["text"]`` for a string,
``[12.5]`` for a number, ``[[...]]`` / ``[{...}]`` for an array / object and NULL for a missing field
or JSON null (a *conditional* wrapper would leave ``["text"]``, an array holding a string, looking
like a string). ``JSON_VALUE ... RETURNING`` is never used on untrusted input: on Flink 2.2 a type
mismatch there fails the whole job.

The checked view has the raw record columns, one typed column per field (NULL when the record is
invalid) and ``dlq_reason``: NULL for a valid record, else the reason of the first broken rule.

Record rules, checked in this order before the field rules of :mod:`flink_jobs.schemas`:

1. ``missing value``: the value is null (a tombstone).
2. ``too large``: the Kafka key and value together hold more than :data:`MAX_RECORD_CHARS`
   (250,000) characters after UTF-8 decoding (an undecodable byte sequence counts as one
   character). A character is at most 4 bytes, so every record that passes is at most 1,000,000
   bytes: it and its late-events or dead-letter copy (plus under 1 KB of headers) fit the broker's
   default ``message.max.bytes`` (1,048,588, also MSK's) and the producer's default
   ``max.request.size`` (1,048,576). The dead-letter record of a too-large record carries no key
   and no value (they might not fit); its headers name the source position, where the original
   stays for the topic's retention.
3. ``bad JSON``: the value is not valid UTF-8; or it does not start (after JSON whitespace) with a
   JSON object: not JSON, JSON of another type (array, string, number, ``null``), ``NaN`` /
   ``Infinity`` literals, single quotes, comments, a byte-order mark, nesting deeper than
   :data:`MAX_JSON_DEPTH` (1000, the root object included: Jackson's limit).

Parsing is Jackson's, as Flink's JSON functions use it, and these consequences are deliberate
(the test reference, ``tests/reference/fraud.py``, implements the same):

- duplicate names: the *last* occurrence counts (Jackson, and Python's ``json``, do the same);
- anything after the closing brace of the object is ignored (Jackson reads one value);
- the Kafka key is not validated: features are keyed by the value's ``user_id``; a null key or a
  key different from ``user_id`` changes only the partition the producer chose;
- a lone UTF-16 surrogate escape (``"\\ud800"``) in a string reads as ``?``;
- numbers are read as exact decimals and their text is the canonical form of that decimal (Java's
  ``BigDecimal.toString``: ``1e2`` is ``1E+2`` and breaks the decimal rule, ``100.0e0`` is ``100.0``
  and passes it).

Time fields (``timestamp`` kind), beyond their format: the instant is not before
1970-01-01T00:00:00.000Z (event-time arithmetic is defined from the epoch) and not more than
:data:`MAX_AHEAD_OF_KAFKA_TIME` (1 day) after the record's Kafka timestamp (``time_reference``
column, the producer's create time or the broker's append time). A record far in the future (a
wrong clock, year 9999) would otherwise push the watermark ahead and make every later record of its
partition late; with this rule one record can move it at most a day past the producer's clock.
Historical (backfill) event times are not limited. The session time zone must be UTC (the job sets
``table.local-time-zone``), since the Kafka timestamp is compared as a UTC wall-clock time.
"""

from __future__ import annotations

from datetime import timedelta

from connectors.fast_path import PLAIN_CHOICE, PLAIN_PATTERN, fast_pattern, selection_sql, value_sql
from connectors.sql_text import sql_string
from flink_jobs.schemas import Field, InputSchema

__all__ = [
    "MAX_AHEAD_OF_KAFKA_TIME",
    "MAX_JSON_DEPTH",
    "MAX_RECORD_CHARS",
    "REAL_INSTANT_REGEX",
    "TIMESTAMP_FORMAT",
    "TOO_LARGE_REASON",
    "checked_view_sql",
    "parsed_time_sql",
    "sql_string",
    "valid_columns",
    "valid_time_sql",
]

# Flink DATE_FORMAT / TO_TIMESTAMP pattern of the contract's timestamps.
TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
TIMESTAMP_REGEX = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"
_YEAR_FROM_1970 = "(19[7-9][0-9]|[2-9][0-9]{3})"
_LEAP_YEAR_FROM_1970 = (  # divisible by 4, and a century only when divisible by 400
    "(19(7[26]|8[048]|9[26])|[2-9][0-9](0[48]|[2468][048]|[13579][26])|([2468][048]|[3579][26])00)"
)
_MONTH_DAY = (
    "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
)
REAL_INSTANT_REGEX = (
    f"^({_YEAR_FROM_1970}-{_MONTH_DAY}|{_LEAP_YEAR_FROM_1970}-02-29)"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z$"
)
"""The timestamps that are valid apart from the Kafka-time bound: the exact form, a real calendar
date (proleptic Gregorian, as ``java.time``), a real time of day, from 1970 on. The event-time column
checks this pattern instead of parsing and formatting back; the checked view does the latter, and
``tests/flink/test_instant_rules.py`` holds the two (and Python's calendar) equal."""
DECIMAL_REGEX = r"^(0|[1-9][0-9]{0,13})(\.[0-9]{1,4})?$"
DECIMAL_TYPE = "DECIMAL(18, 4)"
MAX_RECORD_CHARS = 250_000
"""Largest key + value size, in decoded characters, of a record that can be valid (rule 2)."""
MAX_JSON_DEPTH = 1000
"""Deepest nesting of a valid value, the root object included (Jackson's ``maxNestingDepth``)."""
MAX_AHEAD_OF_KAFKA_TIME = timedelta(days=1)
"""How far a valid record's event time may be after its Kafka timestamp."""
LINE_TERMINATORS = r"[\n\r\x{85}\x{2028}\x{2029}]"
EPOCH_SQL = "TIMESTAMP '1970-01-01 00:00:00.000'"
TOO_LARGE_REASON = (
    f"too large: the key and value hold more than {MAX_RECORD_CHARS} characters "
    "(its key and value are not copied; read them at the source position)"
)


def _record_rules(raw_column: str, key_column: str | None, encoded: str) -> list[str]:
    """The record rules a valid record passes, as conditions: it has a value, key and value hold
    at most :data:`MAX_RECORD_CHARS` characters, and ``encoded`` (the decoded value encoded back to
    UTF-8) equals the raw bytes. The JSON-object rule is the caller's: it costs a parse."""
    return [
        f"{raw_column} IS NOT NULL",
        f"{_size_sql(raw_column, key_column)} <= {MAX_RECORD_CHARS}",
        f"{encoded} = {raw_column}",
    ]


def _size_sql(raw_column: str, key_column: str | None) -> str:
    """Characters of the value plus the key (when counted), as :data:`MAX_RECORD_CHARS` counts them."""
    return _chars(raw_column) + (f" + {_chars(key_column)}" if key_column else "")


def _doc(raw_column: str) -> str:
    return f"DECODE({raw_column}, 'UTF-8')"


def _wrapped(doc: str, name: str) -> str:
    return f"JSON_QUERY({doc}, '$.{name}' WITH UNCONDITIONAL ARRAY WRAPPER)"


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


def _domain_rules(
    field: Field, text: str, time_reference: str | None, parsed: str | None = None
) -> list[tuple[str, str]]:
    """(SQL condition, description) of each domain rule of the field, given its text value.

    ``time_reference`` is a ``TIMESTAMP_LTZ(3)`` expression (the Kafka timestamp) that a time field
    may be at most :data:`MAX_AHEAD_OF_KAFKA_TIME` after; ``None`` skips that rule. ``parsed`` is
    :func:`parsed_time_sql` of ``text`` for a timestamp field, when the caller has it as a column.
    """
    if field.kind == "string":
        return [(f"CHAR_LENGTH({text}) > 0", "must not be empty")]
    if field.kind == "decimal":
        return [
            (
                f"REGEXP({text}, {sql_string(DECIMAL_REGEX)}) AND CAST({text} AS {DECIMAL_TYPE}) > 0",
                "must be a plain decimal > 0 with at most 14 integer and 4 fraction digits",
            )
        ]
    if field.kind == "code":
        assert field.pattern is not None
        # Java's ``$`` also matches before a final line terminator: "USD\n" must not pass ^[A-Z]{3}$.
        no_line_end = f"NOT REGEXP({text}, {sql_string(LINE_TERMINATORS)})"
        return [
            (f"REGEXP({text}, {sql_string(field.pattern)}) AND {no_line_end}", f"must match {field.pattern}")
        ]
    if field.kind == "enum":
        choices = ", ".join(sql_string(c) for c in field.choices)
        return [(f"{text} IN ({choices})", "must be one of " + "|".join(field.choices))]
    if field.kind == "timestamp":
        parsed = parsed or parsed_time_sql(text)
        rules = [
            (f"{parsed} IS NOT NULL", "must be a real UTC instant formatted YYYY-MM-DDTHH:MM:SS.mmmZ"),
            (f"{parsed} >= {EPOCH_SQL}", "must not be before 1970-01-01T00:00:00.000Z"),
        ]
        if time_reference is not None:
            days = MAX_AHEAD_OF_KAFKA_TIME.days
            rules.append(
                (
                    f"{time_reference} IS NULL OR "
                    f"{parsed} <= CAST({time_reference} AS TIMESTAMP(3)) + INTERVAL '{days}' DAY",
                    f"must be at most {days} day after the record's Kafka timestamp",
                )
            )
        return rules
    raise ValueError(f"unknown field kind {field.kind}")  # pragma: no cover


def _chars(column: str) -> str:
    """Characters of a BYTES column decoded as UTF-8 (0 for NULL); ``CAST`` as in :func:`valid_time_sql`."""
    return f"COALESCE(CHAR_LENGTH(CAST({column} AS STRING)), 0)"


def _reason_sql(
    schema: InputSchema,
    raw_column: str,
    doc: str,
    key_column: str | None,
    time_reference: str | None,
    encoded: str | None = None,
    extracted: bool = False,
) -> str:
    """CASE expression: NULL for a valid record, else the first broken rule. ``encoded`` is ``doc``
    encoded back to UTF-8 bytes (differs from the raw bytes when they are not valid UTF-8).
    ``extracted``: read each field from the columns of :func:`_extracted_columns` instead of
    calling the JSON functions on ``doc`` at every use."""
    encoded = encoded or f"ENCODE({doc}, 'UTF-8')"
    size = _size_sql(raw_column, key_column)
    whens = [
        f"WHEN {raw_column} IS NULL THEN 'missing value: the record has no value (tombstone)'",
        f"WHEN {size} > {MAX_RECORD_CHARS} THEN {sql_string(TOO_LARGE_REASON)}",
        f"WHEN {encoded} <> {raw_column} THEN 'bad JSON: the value is not valid UTF-8'",
        f"WHEN NOT ({doc} IS JSON OBJECT) THEN 'bad JSON: the value is not a JSON object'",
    ]
    for field in schema.fields:
        wrapped = f"`j_{field.name}`" if extracted else _wrapped(doc, field.name)
        text = f"`t_{field.name}`" if extracted else _text(doc, field.name)
        expected = "a JSON number" if field.kind == "decimal" else "a JSON string"
        whens += [
            f"WHEN {wrapped} IS NULL THEN {sql_string(f'missing field: {field.name}')}",
            f"WHEN NOT {_type_ok(field, wrapped)} "
            f"THEN {sql_string(f'wrong type: {field.name} must be {expected}')}",
        ]
        parsed = f"`p_{field.name}`" if extracted and field.kind == "timestamp" else None
        whens += [
            f"WHEN NOT COALESCE({condition}, FALSE) THEN {sql_string(f'out of domain: {field.name} {rule}')}"
            for condition, rule in _domain_rules(field, text, time_reference, parsed)
        ]
    return "CASE\n      " + "\n      ".join(whens) + "\n    END"


def _materialised(expression: str) -> str:
    """``expression``, computed once per record however often the query above uses it.

    Flink's planner merges stacked projections and inlines a column at every use, so a JSON field
    read by ten rules would be parsed out of the document ten times (Flink 2.2 neither shares
    common subexpressions nor caches a parsed document). It does not inline an expression that is
    not deterministic (FlinkRelUtil.isMergeable), so the always-true ``RAND() < 2`` keeps this one
    in the projection below, where it is evaluated once. Measured in ``docs/benchmarks``.
    """
    return f"CASE WHEN RAND() < 2 THEN {expression} END"


def _instant_sql(text: str) -> str:
    """``TIMESTAMP(3)`` of a text known to match :data:`REAL_INSTANT_REGEX` (one parse, no checks)."""
    return f"TRY_CAST(REPLACE(REPLACE({text}, 'T', ' '), 'Z', '') AS TIMESTAMP(3))"


def _before_limit_sql(text: str, time_reference: str) -> str:
    """A timestamp text is at most :data:`MAX_AHEAD_OF_KAFKA_TIME` after ``time_reference`` (or it is
    NULL). Texts of :data:`REAL_INSTANT_REGEX` have a fixed width, so text order is time order, and
    formatting the limit is cheaper than parsing the text."""
    limit = f"CAST({time_reference} AS TIMESTAMP(3)) + INTERVAL '{MAX_AHEAD_OF_KAFKA_TIME.days}' DAY"
    return f"{time_reference} IS NULL OR {text} <= DATE_FORMAT({limit}, {sql_string(TIMESTAMP_FORMAT)})"


def _fast_sql(
    schema: InputSchema,
    selection: str,
    record_rules: list[str],
    time_reference: str | None,
) -> str | None:
    """TRUE when the record is valid by the fast path (:mod:`connectors.fast_path`): the record
    rules hold, the selection matches the pattern and every time is within the Kafka-time bound.
    FALSE sends the record to the slow path (which may still find it valid). None: no fast path."""
    pattern = fast_pattern(schema, DECIMAL_REGEX, REAL_INSTANT_REGEX)
    if pattern is None:
        return None
    conditions = [*record_rules, f"REGEXP({selection}, {sql_string(pattern)})"]
    if time_reference is not None:
        conditions += [
            _before_limit_sql(value_sql(f, selection), time_reference)
            for f in schema.fields
            if f.kind == "timestamp"
        ]
    return "COALESCE(" + "\n        AND ".join(f"({c})" for c in conditions) + ", FALSE)"


def _extracted_columns(schema: InputSchema, doc: str, fast: bool) -> str:
    """Once per record: ``j_<field>`` (the field's wrapped JSON), ``t_<field>`` (its text) and, for a
    timestamp, ``p_<field>`` (:func:`parsed_time_sql` of the text, the costliest check after the
    JSON calls, which the rules and the typed column would otherwise each repeat).

    With ``fast`` (the columns ``sel`` and ``fast`` exist), a record valid by the fast path reads
    its texts from ``sel`` and needs no wrapped JSON (its reason is NULL without the rules);
    only the other records call the JSON functions per field."""
    columns = []
    for field in schema.fields:
        wrapped, text = _wrapped(doc, field.name), _text(doc, field.name)
        parsed = parsed_time_sql(text) if field.kind == "timestamp" else None
        if fast:
            wrapped = f"CASE WHEN fast THEN CAST(NULL AS STRING) ELSE {wrapped} END"
            text = f"CASE WHEN fast THEN {value_sql(field, 'sel')} ELSE {text} END"
            if parsed is not None:
                parsed = f"CASE WHEN fast THEN {_instant_sql(value_sql(field, 'sel'))} ELSE {parsed} END"
        columns.append(f"{_materialised(wrapped)} AS `j_{field.name}`")
        columns.append(f"{_materialised(text)} AS `t_{field.name}`")
        if parsed is not None:
            columns.append(f"{_materialised(parsed)} AS `p_{field.name}`")
    return ",\n      ".join(columns)


def _typed_sql(field: Field, doc: str, extracted: bool = False) -> str:
    text = f"`t_{field.name}`" if extracted else _text(doc, field.name)
    if field.kind == "decimal":
        return f"TRY_CAST({text} AS {DECIMAL_TYPE})"
    if field.kind == "timestamp":
        return f"`p_{field.name}`" if extracted else parsed_time_sql(text)
    return text


def _field_ok_sql(field: Field, doc: str) -> str | None:
    """One condition with ONE JSON call: the field is present, of its JSON type and in its domain.

    It matches a pattern against the field's canonical JSON (``JSON_QUERY`` re-serialises:
    ``["USD"]``, ``[12.5]``), so each rule of :func:`_domain_rules` becomes part of that pattern.
    None when the field needs more than one call (timestamps) or its values could hold characters
    that JSON escapes (codes and choices outside ``[A-Za-z0-9_]``).
    """
    open_string, close_string = r'^\["', r'"\]$'
    if field.kind == "string":
        pattern = open_string + r'(?!"\]$)'  # a non-empty JSON string
    elif field.kind == "decimal":
        number = DECIMAL_REGEX.removeprefix("^").removesuffix("$")
        pattern = r"^\[(?!0(\.0+)?\])" + number + r"\]$"  # the decimal rule, and not zero
    elif field.kind == "code" and field.pattern and PLAIN_PATTERN.fullmatch(field.pattern):
        pattern = open_string + field.pattern.removeprefix("^").removesuffix("$") + close_string
    elif field.kind == "enum" and all(PLAIN_CHOICE.fullmatch(c) for c in field.choices):
        # A pattern, not IN: the planner expands IN into one comparison (one JSON call) per choice.
        pattern = open_string + "(" + "|".join(field.choices) + ")" + close_string
    else:
        return None
    return f"REGEXP({_wrapped(doc, field.name)}, {sql_string(pattern)})"


def valid_time_sql(
    schema: InputSchema,
    raw_column: str = "raw_value",
    key_column: str | None = "kafka_key",
    time_reference: str | None = "kafka_timestamp",
) -> str:
    """``TIMESTAMP(3)`` event time of a *valid* record, NULL for an invalid one.

    Used as the event-time column of a source, so that an invalid record (e.g. a far-future time in
    a record missing other fields) never moves the watermark. Flink evaluates it twice per record
    (in the source, which computes per-partition watermarks, and in the projection after it), and
    an expression here cannot be computed once into a column, so it is written to parse the
    document as few times as possible: first the fast path (:mod:`connectors.fast_path`: the
    selection matched by one pattern, 2 + one per timestamp field JSON calls), else one JSON call
    per field (:func:`_field_ok_sql`) where the rules allow, instead of one per rule. It accepts
    exactly the records :func:`checked_view_sql` finds valid (tests/flink/test_watermark_validity.py
    and tests/flink/test_instant_rules.py hold the two against each other). It avoids
    ``DECODE``/``ENCODE``, which fail code generation inside a
    watermark generator on Flink 2.2: ``CAST`` decodes and encodes UTF-8 the same way.
    ``key_column`` and ``time_reference`` must be those given to :func:`checked_view_sql`.
    """
    doc = f"CAST({raw_column} AS STRING)"
    record_rules = _record_rules(raw_column, key_column, f"CAST({doc} AS BYTES)")
    conditions = [*record_rules, f"{doc} IS JSON OBJECT"]
    value = None
    for field in schema.fields:
        compact = _field_ok_sql(field, doc)
        if compact is not None:
            conditions.append(compact)
            continue
        wrapped = _wrapped(doc, field.name)
        if field.kind == "timestamp":
            # A real instant from 1970 on, by pattern (REAL_INSTANT_REGEX) on the canonical JSON:
            # the rules of _domain_rules without parsing and formatting back. The Kafka-time bound
            # compares texts (fixed width, so text order is time order): formatting the bound is
            # cheaper than parsing the field. The instant is parsed once, for the value.
            form = r'^\["' + REAL_INSTANT_REGEX.removeprefix("^").removesuffix("$") + r'"\]$'
            text = f"SUBSTR({wrapped}, 3, 24)"
            conditions.append(f"REGEXP({wrapped}, {sql_string(form)})")
            if time_reference is not None:
                days = MAX_AHEAD_OF_KAFKA_TIME.days
                limit = f"CAST({time_reference} AS TIMESTAMP(3)) + INTERVAL '{days}' DAY"
                limit_text = f"DATE_FORMAT({limit}, {sql_string(TIMESTAMP_FORMAT)})"
                conditions.append(f"{time_reference} IS NULL OR {text} <= {limit_text}")
            if field.name == schema.time_field:
                value = f"TRY_CAST(REPLACE(REPLACE({text}, 'T', ' '), 'Z', '') AS TIMESTAMP(3))"
            continue
        text = _text(doc, field.name)
        conditions.append(_type_ok(field, wrapped))
        conditions += [c for c, _ in _domain_rules(field, text, time_reference)]
    if value is None:  # pragma: no cover - every contract's time field is a timestamp
        value = parsed_time_sql(_text(doc, schema.time_field))
    valid = "\n        AND ".join(f"COALESCE({c}, FALSE)" for c in conditions)
    selection = selection_sql(schema, doc)
    fast = _fast_sql(schema, selection, record_rules, time_reference)
    if fast is None:
        return f"CASE WHEN {valid}\n    THEN {value} END"
    (time_field,) = [f for f in schema.fields if f.name == schema.time_field]
    fast_value = _instant_sql(value_sql(time_field, selection))
    return f"CASE WHEN {fast}\n    THEN {fast_value}\n    WHEN {valid}\n    THEN {value} END"


def valid_columns(schema: InputSchema) -> list[str]:
    """Names of the typed columns of the checked view, in declaration order."""
    return [f.name for f in schema.fields]


def checked_view_sql(
    schema: InputSchema,
    view: str,
    source_table: str,
    raw_column: str = "raw_value",
    passthrough: tuple[str, ...] = (),
    key_column: str | None = "kafka_key",
    time_reference: str | None = "kafka_timestamp",
) -> str:
    """``CREATE TEMPORARY VIEW view AS SELECT ...`` validating ``source_table``'s raw values.

    Layers, each computed once per record (:func:`_materialised`): the selection ``sel`` and the
    fast-path verdict ``fast`` (:mod:`connectors.fast_path`); the field columns (from ``sel`` on
    the fast path, else one JSON call each); the reason (NULL on the fast path, else the first
    broken rule, :func:`_reason_sql`); the typed columns.

    Columns: ``passthrough`` columns of the source, the typed fields (only set for valid records)
    and ``dlq_reason`` (NULL when valid). ``key_column`` (BYTES) counts towards the record size;
    ``time_reference`` (``TIMESTAMP_LTZ(3)``) bounds time fields; ``None`` leaves either rule out.
    """
    reason = _reason_sql(schema, raw_column, "doc", key_column, time_reference, extracted=True)
    typed = ",\n    ".join(
        f"CASE WHEN reason IS NULL THEN {_typed_sql(f, 'doc', extracted=True)} END AS `{f.name}`"
        for f in schema.fields
    )
    keep = "".join(f"`{c}`, " for c in passthrough)
    record_rules = _record_rules(raw_column, key_column, "ENCODE(doc, 'UTF-8')")
    fast = _fast_sql(schema, "sel", record_rules, time_reference)
    source = f"SELECT *, {_doc(raw_column)} AS doc FROM `{source_table}`"
    if fast is not None:
        reason = f"CASE WHEN fast THEN CAST(NULL AS STRING) ELSE {reason} END"
        source = (
            f"SELECT *, {_materialised(fast)} AS fast FROM (\n"
            f"      SELECT *, {_materialised(selection_sql(schema, 'doc'))} AS sel FROM ({source})\n    )"
        )
    extracted = f"SELECT *,\n      {_extracted_columns(schema, 'doc', fast is not None)}\n    FROM ({source})"
    return (
        f"CREATE TEMPORARY VIEW `{view}` AS\n"
        f"SELECT {keep}\n    {typed},\n    reason AS dlq_reason\n"
        f"FROM (\n  SELECT *,\n    {_materialised(reason)} AS reason\n"
        f"  FROM (\n    {extracted}\n  )\n)"
    )
