"""Runtime properties declared on the dataclass fields they fill: the declaration and how one group of
properties is read and written.

A property group is a frozen dataclass decorated with :func:`property_group` (the group id, once),
each field declared with :func:`prop` (its key, the parser of the value's text and the expected form
named by every error about it, once). A key is one of two kinds:

- a fixed key (e.g. the one of ``KafkaConfig.bootstrap_servers``): the field holds the parsed value.
  A field without a default is a required key.
- an open key, whose template holds :data:`NAME` before, after or instead of a fixed part (e.g. the
  keys of ``ScoringConfig.endpoints``, ``<scoring name>.endpoint``): every key of that shape fills
  one entry of the field, a mapping from the name (lower case letters, digits, ``_``) to the parsed
  value. ``key_form`` says what such a key looks like.

A field may fill another group than its class's (``group=``): ``feature.topics``, whose keys are
all open, fills a field of the ``topics`` class. This module knows no group: the groups and the
application configuration are :mod:`flink_jobs.config` (the topics groups :mod:`flink_jobs.topics`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar, dataclass_transform, overload

__all__ = [
    "NAME",
    "ConfigError",
    "GroupDeclaration",
    "Key",
    "boolean",
    "choice",
    "declaration",
    "integer",
    "is_property_group",
    "key_of",
    "prop",
    "property_group",
    "property_text",
    "read_group",
    "text",
    "write_group",
]

NAME = "{name}"
"""The placeholder of an open key's template: where the name chosen by the user goes."""

_NAME_PATTERN = "[a-z][a-z0-9_]*"
_METADATA = "flink_jobs.properties"

T = TypeVar("T")


class ConfigError(ValueError):
    """A runtime property is missing or malformed; the message names group, key and expected form."""

    def __init__(self, group: str, key: str | None, problem: str, expected: str | None = None):
        self.group = group
        self.key = key
        where = f"property group '{group}'" + (f", key '{key}'" if key else "")
        message = f"{where}: {problem}"
        if expected:
            message += f" (expected {expected})"
        super().__init__(message)


@dataclass(frozen=True)
class Key:
    """One declared key, as its class resolves it: the ``group`` it is in, the ``key`` (or an open
    key's template, with :data:`NAME`), the field it fills (``attr``), the parser of the value's text
    (raising ``ValueError`` with the problem), the ``expected`` form and, for an open key, the
    ``key_form``. ``required``: the field has no default."""

    group: str
    key: str
    attr: str
    parse: Callable[[str], Any]
    expected: str
    required: bool = False
    key_form: str | None = None

    @property
    def is_open(self) -> bool:
        """The key is a template: every key of its shape fills one entry of the field's mapping."""
        return NAME in self.key

    def name_in(self, key: str) -> str | None:
        """The name that ``key`` gives this open key's template, or None if it is not of its shape."""
        prefix, _, suffix = self.key.partition(NAME)
        match = re.fullmatch(re.escape(prefix) + f"({_NAME_PATTERN})" + re.escape(suffix), key)
        return match.group(1) if match else None

    def key_for(self, name: str) -> str:
        """The key that names ``name`` in this open key's template."""
        return self.key.replace(NAME, name)


@dataclass(frozen=True)
class _Declared:
    """What :func:`prop` puts in the field's metadata, before the class names the group and field."""

    key: str
    parse: Callable[[str], Any]
    expected: str
    key_form: str | None
    group: str | None


@overload
def prop(
    key: str,
    parse: Callable[[str], Any],
    expected: str,
    *,
    key_form: str | None = None,
    group: str | None = None,
) -> Any: ...


@overload
def prop(
    key: str,
    parse: Callable[[str], Any],
    expected: str,
    *,
    default: T,
    key_form: str | None = None,
    group: str | None = None,
) -> T: ...


@overload
def prop(
    key: str,
    parse: Callable[[str], Any],
    expected: str,
    *,
    default_factory: Callable[[], T],
    key_form: str | None = None,
    group: str | None = None,
) -> T: ...


def prop(
    key: str,
    parse: Callable[[str], Any],
    expected: str,
    *,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
    key_form: str | None = None,
    group: str | None = None,
) -> Any:
    """The field filled by property ``key`` of its class's group (or of ``group``): a dataclass field
    (``default`` or ``default_factory`` as :func:`dataclasses.field`; none: the key is required).

    ``parse`` turns the value's text into the field's value, raising ``ValueError`` with the problem;
    ``expected`` is the form every error about the key names. An open key (``key`` holds
    :data:`NAME`) fills a mapping, needs ``key_form`` and cannot be required.
    """
    if (NAME in key) != (key_form is not None):
        raise TypeError(f"property key '{key}': key_form is given exactly when the key holds {NAME}")
    if NAME in key and default_factory is dataclasses.MISSING:
        raise TypeError(f"open property key '{key}' fills a mapping: give default_factory=dict")
    metadata = {_METADATA: _Declared(key, parse, expected, key_form, group)}
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)


@dataclass(frozen=True)
class GroupDeclaration:
    """A property group class's declaration: its group ``id``, its ``keys`` in field order (those of
    other groups included) and ``omit_if_default`` (see :func:`property_group`)."""

    id: str
    keys: tuple[Key, ...]
    omit_if_default: bool = False

    def groups(self) -> list[str]:
        """The groups the class's fields fill: its own, then the others, in field order."""
        return list(dict.fromkeys([self.id, *(key.group for key in self.keys)]))


_DECLARATION = "__property_group__"


@dataclass_transform(frozen_default=True, field_specifiers=(prop,))
def property_group(group_id: str, *, omit_if_default: bool = False) -> Callable[[type[T]], type[T]]:
    """A class decorator: the class becomes a frozen dataclass filled by property group ``group_id``,
    every field declared with :func:`prop`. ``omit_if_default``: :func:`write_group`'s callers
    leave the group out of a document when the value equals the class's defaults (so a document
    mentions the group only when it configures something)."""

    def declare(cls: type[T]) -> type[T]:
        data_class: Any = dataclasses.dataclass(frozen=True)(cls)  # Any: mypy cannot see type[T] is one
        keys: list[Key] = []
        for field in dataclasses.fields(data_class):
            declared = field.metadata.get(_METADATA)
            if not isinstance(declared, _Declared):
                raise TypeError(f"{cls.__name__}.{field.name} is not declared with prop()")
            required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
            keys.append(
                Key(
                    declared.group or group_id,
                    declared.key,
                    field.name,
                    declared.parse,
                    declared.expected,
                    required,
                    declared.key_form,
                )
            )
        for group in dict.fromkeys(key.group for key in keys):
            in_group = [key.key for key in keys if key.group == group]
            if len(in_group) != len(set(in_group)) or sum(NAME in key for key in in_group) > 1:
                raise TypeError(f"{cls.__name__}: group '{group}' declares a key twice, or two open keys")
        if omit_if_default and any(key.required for key in keys):
            raise TypeError(f"{cls.__name__}: omit_if_default needs a default for every field")
        setattr(data_class, _DECLARATION, GroupDeclaration(group_id, tuple(keys), omit_if_default))
        return data_class

    return declare


def is_property_group(cls: object) -> bool:
    """``cls`` is a class declared with :func:`property_group`."""
    return isinstance(cls, type) and isinstance(getattr(cls, _DECLARATION, None), GroupDeclaration)


def declaration(cls: type) -> GroupDeclaration:
    """The declaration of property group class ``cls``."""
    declared = getattr(cls, _DECLARATION, None)
    if not isinstance(declared, GroupDeclaration):
        raise TypeError(f"{cls.__name__} is not declared with property_group()")
    return declared


def key_of(cls: type, attr: str) -> Key:
    """The key that fills field ``attr`` of property group class ``cls``."""
    return next(key for key in declaration(cls).keys if key.attr == attr)


def read_group(group: str, keys: Sequence[Key], property_map: Mapping[str, Any]) -> dict[str, Any]:
    """The field values (by field name) that ``property_map``, group ``group``'s map, gives ``keys``
    (the keys declared in that group); a :class:`ConfigError` naming the group, the key and the
    expected form for the first mistake.

    Without an open key, a key not declared is refused first (the first in sorted order), listing the
    declared ones. Then the fixed keys in declaration order: a required one must be there, every value
    must be a string that its parser accepts. Then the other keys in the map's order, each of the open
    key's shape: when the template is the bare name (:data:`NAME`) any other key is a malformed name;
    when it adds to the name (``<name>.endpoint``) a key of another shape is an unknown key (likely a
    fixed key misspelt), so the fixed keys are listed too. Fields whose key is absent are left out
    (the class's defaults fill them).
    """
    fixed = {key.key: key for key in keys if not key.is_open}
    open_key = next((key for key in keys if key.is_open), None)
    if open_key is None:
        unknown = sorted(set(property_map) - set(fixed))
        if unknown:
            raise ConfigError(group, unknown[0], "unknown key", "one of " + ", ".join(sorted(fixed)))
    values: dict[str, Any] = {}
    for name, key in fixed.items():
        if name not in property_map:
            if key.required:
                raise ConfigError(group, name, "the key is missing", key.expected)
            continue
        values[key.attr] = _parse(group, name, key, property_map[name])
    if open_key is not None:
        entries: dict[str, Any] = {}
        for name, raw in property_map.items():
            if name in fixed:
                continue
            entry = open_key.name_in(name)
            if entry is None:
                if open_key.key == NAME:
                    raise ConfigError(group, name, "malformed key", open_key.key_form)
                listed = ", ".join(sorted(fixed))
                raise ConfigError(group, name, "unknown key", f"{open_key.key_form}, or one of {listed}")
            entries[entry] = _parse(group, name, open_key, raw)
        if entries:
            values[open_key.attr] = entries
    return values


def _parse(group: str, name: str, key: Key, raw: Any) -> Any:
    if not isinstance(raw, str):
        raise ConfigError(group, name, f"value {raw!r} is not a string", key.expected)
    try:
        return key.parse(raw)
    except ValueError as exc:
        raise ConfigError(group, name, f"malformed value: {exc}", key.expected) from None


def write_group(obj: object, keys: Sequence[Key]) -> dict[str, str]:
    """The property map of ``keys`` (declared in one group) for ``obj``, in declaration order: the
    inverse of :func:`read_group`. A field holding None is left out; an open key writes one key per
    entry of its mapping."""
    property_map: dict[str, str] = {}
    for key in keys:
        value = getattr(obj, key.attr)
        if key.is_open:
            property_map.update({key.key_for(name): property_text(v) for name, v in value.items()})
        elif value is not None:
            property_map[key.key] = property_text(value)
    return property_map


def property_text(value: object) -> str:
    """The text of a property value as the parsers read it back."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        text = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return text + (f".{value.microsecond // 1000:03d}Z" if value.microsecond else "Z")
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


# --------------------------------------------------------------------------------------------------
# Parsers of the common value forms
# --------------------------------------------------------------------------------------------------


def text(value: str) -> str:
    """Any text that is not blank."""
    if value.strip() == "":
        raise ValueError("it is empty")
    return value


def integer(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """A parser of a decimal integer from ``minimum`` to ``maximum`` (None: no upper bound)."""

    def parse(value: str) -> int:
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            raise ValueError(f"'{value}' is not an integer")
        number = int(value)
        if number < minimum or (maximum is not None and number > maximum):
            raise ValueError(f"{number} is out of range")
        return number

    return parse


def boolean(value: str) -> bool:
    """``true`` or ``false``, in any case."""
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ValueError(f"'{value}' is not a boolean")


def choice(*choices: str) -> Callable[[str], str]:
    """A parser of one of ``choices``, exactly as written."""

    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"'{value}' is not one of the allowed values")
        return value

    return parse
