"""The fast path of validation: a typical record checked and read with ONE JSON call.

On Flink 2.2 each ``JSON_QUERY``/``JSON_VALUE`` call parses the whole document again, and parsing is
most of the cost of validation. One call with a multi-property path,
``JSON_QUERY(doc, '$[''f1'',''f2'',...]' WITH UNCONDITIONAL ARRAY WRAPPER)`` (:func:`selection_sql`),
returns the contract's fields as canonical JSON with the names sorted, whatever their order in the
path or the record: ``[{"amount":12.5,"country":"DE",...}]``. A missing field is left out and a
JSON null stays ``null``; duplicate names resolve as in single-field calls (the last one); each
value is serialised as a single-field ``JSON_QUERY`` serialises it; for a value that is not a JSON
object the call is NULL. (If a Flink version ordered the names differently, no record would match
the pattern and every record would take the slow path: correct, only slower;
``tests/flink/test_fast_path.py`` would fail.)

:func:`fast_pattern` is a regular expression that this text matches only when every field is
present, of its JSON type and in its domain, *and* holds no backslash: without escapes, a string
value is exactly the characters between its quotes and no value can contain a quote, so the
pattern is unambiguous and :func:`value_sql` can read each field's text with ``REGEXP_EXTRACT``
instead of another JSON call. A record the pattern rejects (invalid, or valid with an escape in a
string) takes the slow path, one JSON call per field and rule, which names the broken rule. The
pattern has no repeated group, so Java's regex engine does not recurse on long values.

None of this changes which records are valid: ``tests/flink/test_validation.py`` and
``tests/flink/test_watermark_validity.py`` check the verdicts against the independent reference on
the bad-input corpus.
"""

from __future__ import annotations

import re

from connectors.sql_text import sql_string
from flink_jobs.schemas import Field, InputSchema

__all__ = ["PLAIN_CHOICE", "PLAIN_PATTERN", "fast_pattern", "selection_sql", "value_sql"]

PLAIN_CHOICE = re.compile(r"[A-Za-z0-9_]+")
"""Names and enum choices that JSON never escapes and a regex takes literally."""
PLAIN_PATTERN = re.compile(r"\^[A-Za-z0-9\[\]{}\-]+\$")
"""Code patterns whose matches need no JSON escaping, so they can be matched inside the JSON."""


def selection_sql(schema: InputSchema, doc: str) -> str:
    """One JSON call: the contract's fields of ``doc`` as canonical JSON (see the module doc)."""
    path = "$[" + ",".join(f"'{f.name}'" for f in schema.fields) + "]"
    return f"JSON_QUERY({doc}, {sql_string(path)} WITH UNCONDITIONAL ARRAY WRAPPER)"


def _value_pattern(field: Field, decimal_regex: str, instant_regex: str) -> str | None:
    """The regex of the field's canonical JSON value when valid and free of escapes; None if unknown."""
    if field.kind == "string":
        return r'"[^"\\]++"'  # non-empty; possessive: no backtracking, no recursion
    if field.kind == "decimal":
        number = decimal_regex.removeprefix("^").removesuffix("$")
        return r"(?!0(\.0+)?[,}])" + number  # the decimal rule, and not zero
    if field.kind == "code" and field.pattern and PLAIN_PATTERN.fullmatch(field.pattern):
        return '"' + field.pattern.removeprefix("^").removesuffix("$") + '"'
    if field.kind == "enum" and all(PLAIN_CHOICE.fullmatch(c) for c in field.choices):
        return '"(' + "|".join(field.choices) + ')"'
    if field.kind == "timestamp":
        return '"' + instant_regex.removeprefix("^").removesuffix("$") + '"'
    return None


def fast_pattern(schema: InputSchema, decimal_regex: str, instant_regex: str) -> str | None:
    """The regex that :func:`selection_sql` matches for a valid record without escapes.

    ``decimal_regex`` and ``instant_regex`` are the anchored rules of decimal and timestamp texts.
    None when a field's rules cannot be written as a pattern on its JSON (the contract then always
    takes the slow path).
    """
    parts = []
    for field in sorted(schema.fields, key=lambda f: f.name):  # the selection's keys come sorted
        value = _value_pattern(field, decimal_regex, instant_regex)
        if value is None or not PLAIN_CHOICE.fullmatch(field.name):
            return None
        parts.append(f'"{field.name}":{value}')
    return r"^\[\{" + ",".join(parts) + r"\}\]$"


def value_sql(field: Field, selection: str) -> str:
    """The text of ``field`` (as ``JSON_VALUE`` reads it) from a selection that matched the pattern."""
    key = '"' + field.name + '":'
    pattern = key + "([^,}]*)" if field.kind == "decimal" else key + '"([^"]*)"'
    return f"REGEXP_EXTRACT({selection}, {sql_string(pattern)}, 1)"
