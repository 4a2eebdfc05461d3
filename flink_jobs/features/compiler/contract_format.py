"""Options of the ``contract-json`` format: an input contract, written for the uber-jar's decoder.

The format (``src/main/java/com/mskflinkfeatures/format``) decodes each Kafka record value once,
with Jackson's streaming parser, and checks it against the contract of :mod:`flink_jobs.features.contracts`:
the record rules (a value, its size, UTF-8, one JSON object at most :data:`MAX_JSON_DEPTH` deep),
then per field in declaration order: present and not null, its JSON type, its domain. Its physical
columns are the contract's fields, typed; its metadata (``value.<key>`` on a Kafka table) is the
verdict: ``reason`` (NULL when every rule it checks holds, else the first broken one), ``raw`` (the
original bytes, for the dead-letter and late-events copies) and ``chars`` (the value's characters).
The rules that need the Kafka record's key or timestamp stay in SQL (:mod:`.contract_sql`).

Nothing here names a pipeline: the options are generated from whatever contract is given.
"""

from __future__ import annotations

import json

from flink_jobs.features.contracts import Field, InputSchema

__all__ = ["FORMAT", "MAX_JSON_DEPTH", "MAX_RECORD_CHARS", "contract_json", "value_format_options"]

FORMAT = "contract-json"
"""Identifier of the format (``ContractJsonFormatFactory.IDENTIFIER``)."""
MAX_RECORD_CHARS = 250_000
"""Largest key + value size, in decoded characters, of a record that can be valid. A character is at
most 4 bytes, so a record that passes is at most 1,000,000 bytes: it and its late-events or
dead-letter copy (plus under 1 KB of headers) fit the broker's default ``message.max.bytes``
(1,048,588, also MSK's) and the producer's default ``max.request.size`` (1,048,576)."""
MAX_JSON_DEPTH = 1000
"""Deepest nesting of a valid value, the root object included (Jackson's ``maxNestingDepth``;
``Contract.MAX_DEPTH`` in the format)."""


def _field_json(field: Field) -> dict[str, object]:
    out: dict[str, object] = {"name": field.name, "kind": field.kind}
    if field.pattern is not None:
        out["pattern"] = field.pattern
    if field.choices:
        out["choices"] = list(field.choices)
    return out


def contract_json(schema: InputSchema) -> str:
    """The contract as the format's ``schema`` option: compact JSON, fields in declaration order."""
    return json.dumps({"fields": [_field_json(f) for f in schema.fields]}, separators=(",", ":"))


def value_format_options(schema: InputSchema) -> dict[str, str]:
    """Kafka table options that decode the record value with the format and ``schema``'s contract."""
    return {
        "value.format": FORMAT,
        f"value.{FORMAT}.schema": contract_json(schema),
        f"value.{FORMAT}.max-chars": str(MAX_RECORD_CHARS),
    }
