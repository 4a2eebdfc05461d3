"""The input contracts of the reference pipeline, declared as data.

Each input topic carries UTF-8 JSON objects, one event per message, keyed by ``user_id``. A record is
*valid* when it satisfies every field rule below; otherwise it goes to the dead-letter topic with the
reason of the first rule it breaks (fields are checked in declaration order). Fields not declared
here are ignored. A JSON ``null`` counts as missing.

Field kinds and their exact rules:

- ``string``: a JSON string, non-empty.
- ``decimal``: a JSON number written as a plain positive decimal, at most 14 integer digits and 4
  fraction digits (no exponent), greater than zero; typed ``DECIMAL(18, 4)`` (no rounding ever happens).
- ``code``: a JSON string matching ``pattern`` (ISO 4217 currency ``[A-Z]{3}``, ISO 3166 alpha-2
  country ``[A-Z]{2}``).
- ``enum``: a JSON string, one of ``choices``.
- ``timestamp``: a JSON string ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC, exactly three millisecond digits)
  naming a real instant (no 30 February, no hour 25); typed ``TIMESTAMP(3)`` in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CLICKS", "INPUTS", "PROFILES", "TRANSACTIONS", "Field", "InputSchema"]

FieldKind = Literal["string", "decimal", "code", "enum", "timestamp"]


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
    """An input topic's contract: its fields, which one is the entity key and which is event time."""

    name: str
    fields: tuple[Field, ...]
    key: str = "user_id"
    time_field: str = "event_time"

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        for required in (self.key, self.time_field):
            if required not in names:
                raise ValueError(f"schema {self.name}: {required} is not one of its fields")
        if len(set(names)) != len(names):
            raise ValueError(f"schema {self.name}: duplicate field names")


CURRENCY = r"^[A-Z]{3}$"
COUNTRY = r"^[A-Z]{2}$"

TRANSACTIONS = InputSchema(
    name="transactions",
    fields=(
        Field("txn_id", "string", description="unique transaction id"),
        Field("user_id", "string"),
        Field("merchant_id", "string"),
        Field("amount", "decimal", description="positive amount in the transaction currency"),
        Field("currency", "code", pattern=CURRENCY, description="ISO 4217 code"),
        Field("country", "code", pattern=COUNTRY, description="ISO 3166-1 alpha-2 code"),
        Field("event_time", "timestamp"),
    ),
)

CLICKS = InputSchema(
    name="clicks",
    fields=(
        Field("click_id", "string"),
        Field("user_id", "string"),
        Field("page", "string"),
        Field("action", "enum", choices=("view", "add_to_cart", "checkout", "login")),
        Field("event_time", "timestamp"),
    ),
)

PROFILES = InputSchema(
    name="profiles",
    fields=(
        Field("user_id", "string"),
        Field("home_country", "code", pattern=COUNTRY),
        Field("risk_tier", "enum", choices=("low", "medium", "high")),
        Field("updated_at", "timestamp"),
    ),
    time_field="updated_at",
)

INPUTS: tuple[InputSchema, ...] = (TRANSACTIONS, CLICKS, PROFILES)
