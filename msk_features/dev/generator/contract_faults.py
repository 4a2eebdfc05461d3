"""Invalid records of any contract, each breaking exactly one of its rules, labelled with it (pure).

The rules are docs/validation.md's, checked in this order: the value is UTF-8; it is one JSON
object; then per field, in contract order: present and not ``null``; its JSON type (a number for
``decimal`` and ``double``, a string otherwise); its domain. :func:`make_invalid` takes a valid
event (every field valid) and breaks one rule, so the decoder's first broken rule is the labelled
one. The kind is uniform over :data:`~msk_features.dev.generator.records.INVALID_KINDS`, then the
field uniform over those the kind applies to (:func:`applicable_fields`), then the variant:

* ``bad_json`` (field ``None``): the JSON text cut short (1 .. length - 1 characters), the values
  as a CSV line, a byte ``0xE9`` (latin-1, not UTF-8) inside the first string value (after the
  opening brace when there is none), or the values as a JSON array;
* ``missing_field``: the field removed, or set to ``null`` (which counts as missing);
* ``wrong_type``: a ``decimal``/``double`` field as the JSON string of its number or as ``true``;
  any other field as a number, ``true`` or a one-element array of its value;
* ``out_of_domain``: the right JSON type, a value the rule refuses: ``string`` empty; ``decimal``
  ``0.00``, negative, five fraction digits or fifteen integer digits; ``double`` ``±1e309`` written
  out (no finite double); ``code`` a near miss of the value that the pattern refuses (lower or upper
  case, a character more or fewer, a prefix); ``enum`` a near miss not among the choices;
  ``timestamp`` a malformed or unreal time (month 13, no ``Z``, no milliseconds, a space for ``T``,
  an offset, 30 February, hour 24) or one before 1970.

``reason`` starts with the decoder's reason text (``missing field: <name>``, ``wrong type: <name>
must be a JSON number``, ``out of domain: <name> must ...``, ``bad JSON: ...``), then says what was
done. Rules this module does not break (the size limit, a time more than a day after the Kafka
timestamp, tombstones) depend on the whole record or the send time; the bad-input corpus
(``tests/support/bad_corpus.py``) covers them.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from random import Random
from typing import Any, Final

from flink_jobs.features import Field, InputSchema
from msk_features.dev.generator.instants import malformed_instants
from msk_features.dev.generator.json_text import Event, encode_event, encode_json
from msk_features.dev.generator.records import INVALID_KINDS, InvalidKind, InvalidValue

__all__ = ["applicable_fields", "decoder_reason", "make_invalid", "make_invalid_of", "out_of_domain_values"]

_NUMBER_KINDS: Final = frozenset({"decimal", "double"})
_LATIN1: Final = b"\xe9"


def decoder_reason(contract_field: Field, kind: InvalidKind) -> str:
    """The start of the decoder's reason for breaking ``contract_field``'s rule of ``kind``."""
    name = contract_field.name
    if kind == "missing_field":
        return f"missing field: {name}"
    if kind == "wrong_type":
        json_type = "number" if contract_field.kind in _NUMBER_KINDS else "string"
        return f"wrong type: {name} must be a JSON {json_type}"
    if kind == "out_of_domain":
        return f"out of domain: {name} must"
    raise ValueError(f"{kind} is not a rule of one field")


def out_of_domain_values(contract_field: Field, value: Any) -> list[tuple[Any, str]]:
    """``(value, what)`` pairs of the right JSON type that ``contract_field``'s rule refuses, derived
    from the valid ``value`` (empty for a ``code`` whose pattern accepts every near miss)."""
    kind = contract_field.kind
    if kind == "string":
        return [("", "an empty string")]
    if kind == "decimal":
        return [
            (Decimal("0.00"), "zero"),
            (-Decimal(value), "a negative number"),
            (Decimal(value) + Decimal("0.00001"), "five fraction digits"),
            (Decimal("123456789012345.5"), "fifteen integer digits"),
        ]
    if kind == "double":
        return [(Decimal("1e309"), "1e309 written out"), (Decimal("-1e309"), "-1e309 written out")]
    if kind == "code":
        text = str(value)
        misses = [text.lower(), text.upper(), text + "X", text[:-1], "!" + text, text[:1]]
        pattern = contract_field.pattern or ""
        found = [m for m in dict.fromkeys(misses) if re.fullmatch(pattern, m) is None]
        return [(m, f'"{m}", which the pattern refuses') for m in found]
    if kind == "enum":
        text = str(value)
        misses = [text.upper(), text.capitalize(), text + "_other", "unknown"]
        found = [m for m in dict.fromkeys(misses) if m not in contract_field.choices]
        return [(m, f'"{m}", not one of the choices') for m in found]
    if kind == "timestamp":
        return _bad_times(str(value))
    raise ValueError(f"field {contract_field.name}: no out-of-domain values for kind {kind!r}")


def _bad_times(good: str) -> list[tuple[Any, str]]:
    return [*malformed_instants(good), ("1969-12-31T23:59:59.999Z", "before 1970-01-01T00:00:00.000Z")]


def applicable_fields(schema: InputSchema, kind: InvalidKind, event: Event) -> tuple[Field | None, ...]:
    """Fields that ``kind`` can break in ``event`` (``(None,)`` for ``bad_json``)."""
    if kind == "bad_json":
        return (None,)
    if kind == "out_of_domain":
        return tuple(f for f in schema.fields if out_of_domain_values(f, event[f.name]))
    return schema.fields


def make_invalid(rng: Random, schema: InputSchema, event: Event) -> InvalidValue:
    """An invalid value derived from the valid ``event`` (see the module docstring for the draws)."""
    kind = rng.choice(INVALID_KINDS)
    contract_field = rng.choice(applicable_fields(schema, kind, event))
    return make_invalid_of(rng, schema, event, kind, contract_field)


def make_invalid_of(
    rng: Random, schema: InputSchema, event: Event, kind: InvalidKind, contract_field: Field | None
) -> InvalidValue:
    """An invalid value of the given ``kind`` breaking ``contract_field`` (``None`` for ``bad_json``)."""
    if kind == "bad_json":
        return _bad_json(rng, schema, event)
    if contract_field is None or contract_field not in schema.fields:
        raise ValueError(f"{kind} needs a field of {schema.name}, got {contract_field}")
    name = contract_field.name
    reason = decoder_reason(contract_field, kind)
    broken = dict(event)
    if kind == "missing_field":
        if rng.random() < 0.5:
            del broken[name]
            return InvalidValue(encode_event(broken), kind, name, f"{reason} (absent)")
        broken[name] = None
        return InvalidValue(encode_event(broken), kind, name, f"{reason} (null)")
    if kind == "wrong_type":
        value, what = _wrong_type(rng, contract_field, event[name])
    elif kind == "out_of_domain":
        value, what = rng.choice(out_of_domain_values(contract_field, event[name]))
    else:
        raise ValueError(f"unknown invalid kind {kind!r}")
    broken[name] = value
    return InvalidValue(encode_event(broken), kind, name, f"{reason}: {what}")


def _wrong_type(rng: Random, contract_field: Field, value: Any) -> tuple[Any, str]:
    if contract_field.kind in _NUMBER_KINDS:
        text = encode_json(value)
        return rng.choice(((text, f'the string "{text}"'), (True, "true")))
    digits = "".join(ch for ch in str(value) if ch.isdigit())[-9:] or "0"
    return rng.choice(((int(digits), f"the number {int(digits)}"), (True, "true"), ([value], "an array")))


def _bad_json(rng: Random, schema: InputSchema, event: Event) -> InvalidValue:
    text = encode_json(event)
    variant = rng.randrange(4)
    if variant == 0:
        cut = rng.randrange(1, len(text))
        value, reason = text[:cut].encode("utf-8"), f"truncated JSON text ({cut} of {len(text)} characters)"
    elif variant == 1:
        value, reason = ",".join(encode_json(v).strip('"') for v in event.values()).encode(), "a CSV line"
    elif variant == 2:
        value, where = _latin1(schema, event, text)
        reason = f"a latin-1 byte 0xE9 {where}"
    else:
        value, reason = encode_json(list(event.values())).encode("utf-8"), "a JSON array, not an object"
    if _is_json_object(value):  # a CSV line of one value could read as JSON: fall back to the array
        value, reason = encode_json(list(event.values())).encode("utf-8"), "a JSON array, not an object"
    prefix = (
        "bad JSON: the value is not valid UTF-8"
        if variant == 2
        else "bad JSON: the value is not a JSON object"
    )
    return InvalidValue(value, "bad_json", None, f"{prefix}: {reason}")


def _latin1(schema: InputSchema, event: Event, text: str) -> tuple[bytes, str]:
    for contract_field in schema.fields:
        value = event[contract_field.name]
        if isinstance(value, str) and value:
            member = f"{encode_json(contract_field.name)}:{encode_json(value)}"
            head, _, tail = text.partition(member)
            inside = member[:-1].encode("utf-8") + _LATIN1 + b'"'
            return head.encode("utf-8") + inside + tail.encode("utf-8"), f"in {contract_field.name}"
    return b"{" + _LATIN1 + text[1:].encode("utf-8"), "after the opening brace"


def _is_json_object(value: bytes) -> bool:
    try:
        return isinstance(json.loads(value.decode("utf-8")), dict)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return False
