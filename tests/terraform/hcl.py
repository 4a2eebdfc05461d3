"""Reading the Terraform sources with python-hcl2, and parsing Terraform type constraints.

python-hcl2 (8.x) keeps string literals quoted (``'"x"'``) and gives expressions as ``"${...}"``
strings; :func:`unquote` and :func:`parse_type` turn those into plain Python values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
MODULES = TERRAFORM / "modules"
EXAMPLES = TERRAFORM / "examples"
PROPERTIES_MODULE = MODULES / "flink_app" / "modules" / "properties"


def tf_files() -> list[Path]:
    """Every ``.tf`` file under terraform/ (not the provider caches)."""
    return sorted(p for p in TERRAFORM.rglob("*.tf") if ".terraform" not in p.parts)


def load(path: Path) -> dict[str, Any]:
    """Parse one ``.tf`` file."""
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle)


def unquote(value: Any) -> Any:
    """``'"x"'`` -> ``'x'``; containers recursively; other values unchanged."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if k != "__is_block__"}
    return value


def blocks(path: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    """``(name, body)`` of every ``variable``/``output`` block (one label) in ``path``."""
    found = []
    for entry in load(path).get(kind, []):
        for name, body in entry.items():
            found.append((unquote(name), body))
    return found


def labelled_blocks(path: Path, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``(type, name, body)`` of every ``resource``/``data`` block in ``path``."""
    found = []
    for entry in load(path).get(kind, []):
        for type_name, named in entry.items():
            for name, body in named.items():
                found.append((unquote(type_name), unquote(name), body))
    return found


def module_locals(path: Path) -> dict[str, Any]:
    """All ``locals`` of one file, merged."""
    merged: dict[str, Any] = {}
    for entry in load(path).get("locals", []):
        merged.update(entry)
    return merged


# --------------------------------------------------------------------------------------------------
# Type constraints
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TfType:
    """A parsed type constraint: ``kind`` is string/number/bool/any/object/map/list/set/tuple.

    ``attrs`` holds an object's attributes; ``element`` a collection's element type;
    ``optional`` and ``default`` come from ``optional(T, default)``.
    """

    kind: str
    attrs: tuple[tuple[str, TfType], ...] = ()
    element: TfType | None = None
    optional: bool = False
    default: Any = None

    def attr(self, name: str) -> TfType:
        return dict(self.attrs)[name]

    @property
    def attr_names(self) -> set[str]:
        return {name for name, _ in self.attrs}


_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<id>[A-Za-z_][\w-]*)|(?P<p>[(){}\[\],=:]))'
)


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ValueError(f"cannot tokenize type at {text[pos : pos + 30]!r}")
        tokens.append(match.group(match.lastgroup))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


class _Parser:
    def __init__(self, text: str):
        if text.startswith("${") and text.endswith("}"):
            text = text[2:-1]
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.i]
        if expected is not None and token != expected:
            raise ValueError(f"expected {expected!r}, got {token!r} at token {self.i}")
        self.i += 1
        return token

    def type(self) -> TfType:
        name = self.take()
        if name in ("string", "number", "bool", "any"):
            return TfType(name)
        self.take("(")
        if name == "object":
            attrs = self.object_type()
            self.take(")")
            return TfType("object", attrs=tuple(attrs))
        if name in ("map", "list", "set"):
            element = self.type()
            self.take(")")
            return TfType(name, element=element)
        if name == "optional":
            inner = self.type()
            default = None
            if self.peek() == ",":
                self.take(",")
                default = self.literal()
            self.take(")")
            return TfType(inner.kind, inner.attrs, inner.element, optional=True, default=default)
        raise ValueError(f"unsupported type constructor {name!r}")

    def object_type(self) -> list[tuple[str, TfType]]:
        self.take("{")
        attrs = []
        while self.peek() != "}":
            name = self.take()
            self.take("=")
            attrs.append((name, self.type()))
            if self.peek() == ",":
                self.take(",")
        self.take("}")
        return attrs

    def literal(self) -> Any:
        token = self.take()
        if token.startswith('"'):
            return token[1:-1]
        if token == "{":
            self.i -= 1
            depth = 0
            while True:
                t = self.take()
                depth += {"{": 1, "}": -1}.get(t, 0)
                if depth == 0:
                    return {}
        if token == "[":
            while self.take() != "]":
                pass
            return []
        if token in ("true", "false"):
            return token == "true"
        if token == "null":
            return None
        return float(token) if "." in token else int(token)


def parse_type(expression: str) -> TfType:
    """Parse a type constraint as python-hcl2 returns it, e.g. ``'${object({a = optional(string)})}'``."""
    parser = _Parser(expression)
    parsed = parser.type()
    if parser.peek() is not None:
        raise ValueError(f"trailing tokens after type: {parser.tokens[parser.i :]}")
    return parsed


def variable_type(path: Path, name: str) -> TfType:
    """The parsed type of variable ``name`` in ``path``."""
    for var_name, body in blocks(path, "variable"):
        if var_name == name:
            return parse_type(body["type"])
    raise KeyError(f"no variable {name!r} in {path}")
