"""Valid values of any pipeline's input contracts, and the shared key pools that make sources join (pure).

The rules are those of :mod:`flink_jobs.features.contracts` (and docs/validation.md): every field is
required (a JSON ``null`` counts as missing), so every generated event has every field of its
contract, in declaration order, none ``null``. Per field kind:

* ``string``: non-empty. A source's key field, and any field of the same name and rule in another
  source, draws from the key pool (below). Another field named ``*_id`` gets a value unique within
  its source, ``<stem>-<seed>-<n>`` (``stem``: the name without ``_id``, ``n``: 1, 2, ... in draw
  order, seven digits). Any other string is one of 20 words ``<field>-01`` .. ``<field>-20``.
* ``decimal``: a plain decimal with two fraction digits in ``[0.01, 1000.00]`` (a
  :class:`~decimal.Decimal`, written exactly): within 14 integer and 4 fraction digits, > 0.
* ``double``: a number with three fraction digits in ``[-100.000, 1000.000]``.
* ``code``: one of up to 20 distinct texts drawn once per field from its pattern
  (:mod:`msk_features.dev.generator.pattern_text`).
* ``enum``: one of the choices, uniformly.
* ``timestamp``: the event-time field holds the event's time; another timestamp field an instant
  drawn uniformly from the hour before it (``[t - 1 h, t]``); both as ``YYYY-MM-DDTHH:MM:SS.mmmZ``.

Key pools: one per key rule (a source's key field: its name, kind, pattern and choices), shared by
every source whose key (or any field) has that rule, so every source keyed by ``device_id`` draws
from the same devices. A pool holds ``keys`` distinct values (fewer when the rule allows fewer: an
enum's choices, a narrow pattern): ``<stem>-0001`` .. for a string key, else distinct draws of the
kind's values. Each value has an activity weight drawn from (1, 1, 1, 2, 3, 5, 8); events pick a key
in proportion to it.

All randomness comes from :class:`random.Random` instances passed in; the same seed gives the same
values on every platform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from random import Random
from typing import Any, Final

from flink_jobs.features import Field, InputSchema, PipelineSpec
from msk_features.dev.generator.instants import format_instant
from msk_features.dev.generator.json_text import Event, encode_json
from msk_features.dev.generator.pattern_text import PatternError, PatternText
from msk_features.dev.generator.records import SpecError

__all__ = [
    "VALUE_KINDS",
    "WORDS_PER_FIELD",
    "ContractValueError",
    "FieldRule",
    "KeyPool",
    "SourceValues",
    "key_bytes",
    "key_pools",
    "rule_of",
]

VALUE_KINDS: Final = frozenset({"string", "decimal", "double", "code", "enum", "timestamp"})
"""Every field kind this module draws values for (another kind is refused, naming source and field)."""
WORDS_PER_FIELD: Final = 20
"""Distinct values of a plain ``string`` field (and at most of a ``code`` field) per field."""
_KEY_WEIGHTS: Final[tuple[int, ...]] = (1, 1, 1, 2, 3, 5, 8)
_OTHER_TIME_MS: Final = 3_600_000
_DRAW_ATTEMPTS: Final = 50

FieldRule = tuple[str, str, str | None, tuple[str, ...]]
"""What identifies a field's values across sources: name, kind, pattern, choices (not the description)."""


class ContractValueError(SpecError):
    """A contract this generator cannot draw values for; the message names the source and field."""


def rule_of(contract_field: Field) -> FieldRule:
    """The field's rule: equal rules (in any source) share a key pool."""
    return (contract_field.name, contract_field.kind, contract_field.pattern, contract_field.choices)


def _stem(name: str) -> str:
    return name[: -len("_id")] if name.endswith("_id") and len(name) > len("_id") else name


def _decimal(rng: Random) -> Decimal:
    return Decimal(rng.randint(1, 100_000)).scaleb(-2)


def _double(rng: Random) -> Decimal:
    return Decimal(rng.randint(-100_000, 1_000_000)).scaleb(-3)


def _pattern(where: str, pattern: str | None) -> PatternText:
    try:
        return PatternText.parse(pattern or "")
    except PatternError as exc:
        raise ContractValueError(f"{where}: {exc}") from None


def _distinct(rng: Random, draw: Callable[[Random], Any], n: int) -> tuple[Any, ...]:
    """Up to ``n`` distinct draws (fewer when ``_DRAW_ATTEMPTS * n`` draws find no more)."""
    seen: dict[str, Any] = {}
    for _ in range(_DRAW_ATTEMPTS * n):
        if len(seen) >= n:
            break
        value = draw(rng)
        seen.setdefault(encode_json(value), value)
    return tuple(seen.values())


@dataclass(frozen=True)
class KeyPool:
    """The values of one key rule and their activity weights (see the module docstring)."""

    rule: FieldRule
    values: tuple[Any, ...]
    cum_weights: tuple[int, ...]

    def pick(self, rng: Random) -> Any:
        """A value drawn in proportion to its weight."""
        return rng.choices(self.values, cum_weights=self.cum_weights)[0]


def _key_values(rng: Random, where: str, contract_field: Field, keys: int) -> tuple[Any, ...]:
    kind = contract_field.kind
    if kind == "string":
        return tuple(f"{_stem(contract_field.name)}-{i:04d}" for i in range(1, keys + 1))
    if kind == "enum":
        return contract_field.choices[:keys]
    if kind == "code":
        return _distinct(rng, _pattern(where, contract_field.pattern).draw, keys)
    if kind == "decimal":
        return _distinct(rng, _decimal, keys)
    if kind == "double":
        return _distinct(rng, _double, keys)
    if kind == "timestamp":
        return _distinct(
            rng, lambda r: format_instant(r.randrange(1_600_000_000_000, 1_800_000_000_000)), keys
        )
    raise ContractValueError(f"{where}: no values for field kind {kind!r}")


def key_pools(rng: Random, pipeline: PipelineSpec, keys: int) -> dict[FieldRule, KeyPool]:
    """One pool per distinct key rule of the pipeline's sources, in source order (module docstring)."""
    pools: dict[FieldRule, KeyPool] = {}
    for source in pipeline.sources:
        key_field = next(f for f in source.schema.fields if f.name == source.key)
        rule = rule_of(key_field)
        if rule in pools:
            continue
        values = _key_values(rng, f"source {source.name}, key {key_field.name}", key_field, keys)
        weights = [rng.choice(_KEY_WEIGHTS) for _ in values]
        pools[rule] = KeyPool(rule, values, tuple(accumulate(weights)))
    return pools


def key_bytes(value: Any) -> bytes:
    """The Kafka message key of a key value: the text of a string, else its JSON text, in UTF-8."""
    return (value if isinstance(value, str) else encode_json(value)).encode("utf-8")


@dataclass
class SourceValues:
    """Draws the valid events of one source (its contract, the shared pools, a seed for unique ids).

    :meth:`event` assembles one event in contract order; :meth:`revise` is the next version of a
    versioned source's entity: each field other than the key and the event time is drawn anew with
    probability 1/2, else kept.
    """

    schema: InputSchema
    pools: dict[FieldRule, KeyPool]
    seed: int
    rng: Random
    _patterns: dict[str, PatternText] = field(default_factory=dict)
    _words: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    _next_id: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for contract_field in self.schema.fields:
            where = f"source {self.schema.name}, field {contract_field.name}"
            if contract_field.kind == "code":
                pattern = _pattern(where, contract_field.pattern)
                self._patterns[contract_field.name] = pattern
                self._words[contract_field.name] = _distinct(self.rng, pattern.draw, WORDS_PER_FIELD)
            elif contract_field.kind not in VALUE_KINDS:
                raise ContractValueError(f"{where}: no values for field kind {contract_field.kind!r}")

    @property
    def key_pool(self) -> KeyPool:
        """The pool of this source's key."""
        key_field = next(f for f in self.schema.fields if f.name == self.schema.key)
        return self.pools[rule_of(key_field)]

    def value(self, contract_field: Field, time_ms: int) -> Any:
        """A valid value of ``contract_field`` in an event at ``time_ms`` (module docstring)."""
        name, kind = contract_field.name, contract_field.kind
        pool = self.pools.get(rule_of(contract_field))
        if pool is not None:
            return pool.pick(self.rng)
        if kind == "timestamp":
            if name == self.schema.time_field:
                return format_instant(time_ms)
            return format_instant(time_ms - self.rng.randint(0, _OTHER_TIME_MS))
        if kind == "string":
            if name.endswith("_id"):
                self._next_id[name] = self._next_id.get(name, 0) + 1
                return f"{_stem(name)}-{self.seed}-{self._next_id[name]:07d}"
            return f"{name}-{self.rng.randint(1, WORDS_PER_FIELD):02d}"
        if kind == "code":
            return self.rng.choice(self._words[name])
        if kind == "decimal":
            return _decimal(self.rng)
        if kind == "double":
            return _double(self.rng)
        if kind == "enum":
            return self.rng.choice(contract_field.choices)
        raise ContractValueError(
            f"source {self.schema.name}, field {name}: no values for field kind {kind!r}"
        )

    def event(self, time_ms: int, key: Any | None = None) -> Event:
        """A valid event at ``time_ms``; its key is ``key`` when given, else drawn from the pool."""
        event: Event = {}
        for contract_field in self.schema.fields:
            if contract_field.name == self.schema.key and key is not None:
                event[contract_field.name] = key
            else:
                event[contract_field.name] = self.value(contract_field, time_ms)
        return event

    def revise(self, previous: Event, time_ms: int) -> Event:
        """The next version of ``previous`` at ``time_ms`` (see the class docstring)."""
        event: Event = {}
        for contract_field in self.schema.fields:
            name = contract_field.name
            if name == self.schema.time_field:
                event[name] = format_instant(time_ms)
            elif name == self.schema.key or self.rng.random() < 0.5:
                event[name] = previous[name]
            else:
                event[name] = self.value(contract_field, time_ms)
        return event
