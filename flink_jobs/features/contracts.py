"""Input contracts, declared as data in each pipeline's module (e.g. :mod:`flink_jobs.pipelines.fraud`).

Each input topic carries UTF-8 JSON objects, one event per message; its contract names the fields,
which one is the entity key (also the Kafka message key) and which is the event time. A record is
*valid* when it satisfies every field rule below; otherwise it goes to the dead-letter topic with the
reason of the first rule it breaks (fields are checked in declaration order). Fields not declared
in the contract are ignored. A JSON ``null`` counts as missing.

Field kinds and their exact rules:

- ``string``: a JSON string, non-empty.
- ``decimal``: a JSON number written as a plain positive decimal, at most 14 integer digits and 4
  fraction digits (no exponent), greater than zero; typed ``DECIMAL(18, 4)`` (no rounding ever happens).
- ``double``: a JSON number (integer, fraction or exponent) whose nearest double is finite; typed
  ``DOUBLE`` (that nearest value).
- ``code``: a JSON string matching ``pattern`` (e.g. ``^[A-Z]{3}$`` for an ISO 4217 currency).
- ``enum``: a JSON string, one of ``choices``.
- ``timestamp``: a JSON string ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC, exactly three millisecond digits)
  naming a real instant (no 30 February, no hour 25); typed ``TIMESTAMP(3)`` in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Field", "FieldKind", "InputSchema"]

FieldKind = Literal["string", "decimal", "double", "code", "enum", "timestamp"]


@dataclass(frozen=True)
class Field:
    """One required field of an input record and the rule it must satisfy (see module docstring)."""

    name: str
    kind: FieldKind
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind == "code" and not self.pattern:
            raise ValueError(f"field {self.name}: a code field needs a pattern")
        if self.kind == "enum" and not self.choices:
            raise ValueError(f"field {self.name}: an enum field needs choices")


@dataclass(frozen=True)
class InputSchema:
    """An input topic's contract: its fields, which one is the entity key and which is event time.

    ``key`` has no default: every pipeline names its own entity (``user_id``, ``device_id``, ...).
    """

    name: str
    fields: tuple[Field, ...]
    key: str
    time_field: str = "event_time"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"schema {self.name!r}: a name is lower case letters, digits and _")
        names = [f.name for f in self.fields]
        for required in (self.key, self.time_field):
            if required not in names:
                raise ValueError(f"schema {self.name}: {required} is not one of its fields")
        if len(set(names)) != len(names):
            raise ValueError(f"schema {self.name}: duplicate field names")
