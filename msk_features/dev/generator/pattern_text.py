"""Text that matches a contract's ``code`` pattern, drawn at random (pure).

A ``code`` field's pattern is a Java regular expression matched against the whole text
(``flink_jobs/features/contracts.py``). :func:`matching_text` understands the subset that such
patterns use: literals and escaped literals, ``.``, character classes (``[A-Z]``, ``[a-z0-9_-]``,
``[^...]``, with ``\\d``, ``\\w``, ``\\s`` inside or outside), groups (``(...)``, ``(?:...)``),
alternation ``|``, the quantifiers ``?``, ``*``, ``+``, ``{n}``, ``{n,}``, ``{n,m}`` (a lazy or
possessive suffix is accepted and ignored) and the anchors ``^`` and ``$``. An unbounded
quantifier repeats at most 3 times more than its minimum. ``.`` and negated classes draw from the
printable ASCII characters (no space, quote or backslash). Anything else (look-around,
back-references, ``\\p{...}``) raises :class:`PatternError` naming the construct; so does a draw that
Python's own ``re.fullmatch`` does not accept (a pattern whose Python and Java readings differ).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from random import Random
from typing import Final

__all__ = ["PatternError", "PatternText", "matching_text"]

_PRINTABLE: Final = tuple(c for c in string.printable[:94] if c not in "\"'\\")
_CLASS_ESCAPES: Final[dict[str, tuple[str, ...]]] = {
    "d": tuple(string.digits),
    "w": tuple(string.ascii_letters + string.digits + "_"),
    "s": (" ",),
    "D": tuple(c for c in _PRINTABLE if c not in string.digits),
    "W": tuple(c for c in _PRINTABLE if not (c.isalnum() or c == "_")),
    "S": _PRINTABLE,
}
_CONTROL_ESCAPES: Final[dict[str, str]] = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_UNBOUNDED_EXTRA: Final = 3


class PatternError(ValueError):
    """A pattern this module cannot draw text for; the message names the pattern and the construct."""


@dataclass(frozen=True)
class _Chars:
    choices: tuple[str, ...]


@dataclass(frozen=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Alt:
    options: tuple[_Node, ...]


@dataclass(frozen=True)
class _Repeat:
    node: _Node
    low: int
    high: int


_Node = _Chars | _Seq | _Alt | _Repeat


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0

    def fail(self, what: str) -> PatternError:
        return PatternError(f"cannot draw text for pattern {self.pattern!r}: {what} (at {self.pos})")

    def peek(self) -> str | None:
        return self.pattern[self.pos] if self.pos < len(self.pattern) else None

    def take(self) -> str:
        char = self.peek()
        if char is None:
            raise self.fail("unexpected end")
        self.pos += 1
        return char

    def alternation(self) -> _Node:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else _Alt(tuple(options))

    def sequence(self) -> _Node:
        items: list[_Node] = []
        while (char := self.peek()) is not None and char not in "|)":
            atom = self.atom()
            if atom is not None:
                items.append(self.quantified(atom))
        return _Seq(tuple(items))

    def atom(self) -> _Node | None:
        char = self.take()
        if char in "^$":
            return None
        if char == "(":
            if self.peek() == "?":
                if self.pattern[self.pos : self.pos + 2] != "?:":
                    raise self.fail("look-around and named or flagged groups are not supported")
                self.pos += 2
            inner = self.alternation()
            if self.take() != ")":
                raise self.fail("an unclosed group")
            return inner
        if char == "[":
            return self.char_class()
        if char == ".":
            return _Chars(_PRINTABLE)
        if char == "\\":
            return _Chars(self.escape())
        if char in "*+?{":
            raise self.fail(f"a quantifier {char!r} with nothing before it")
        return _Chars((char,))

    def escape(self) -> tuple[str, ...]:
        char = self.take()
        if char in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[char]
        if char in _CONTROL_ESCAPES:
            return (_CONTROL_ESCAPES[char],)
        if char.isalnum():
            raise self.fail(f"the escape \\{char} is not supported")
        return (char,)

    def char_class(self) -> _Node:
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        chosen: list[str] = []
        first = True
        while True:
            char = self.take()
            if char == "]" and not first:
                break
            first = False
            if char == "\\":
                chosen.extend(self.escape())
                continue
            if char == "[":
                raise self.fail("nested classes are not supported")
            if self.peek() == "-" and self.pattern[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.pos += 1
                end = self.take()
                if end == "\\":
                    raise self.fail("an escaped range end is not supported")
                if ord(end) < ord(char):
                    raise self.fail(f"the range {char}-{end} is reversed")
                chosen.extend(chr(code) for code in range(ord(char), ord(end) + 1))
            else:
                chosen.append(char)
        if negated:
            excluded = set(chosen)
            chosen = [c for c in _PRINTABLE if c not in excluded]
        if not chosen:
            raise self.fail("a class that matches no printable character")
        return _Chars(tuple(dict.fromkeys(chosen)))

    def quantified(self, atom: _Node) -> _Node:
        char = self.peek()
        if char is None or char not in "?*+{":
            return atom
        self.pos += 1
        if char == "?":
            low, high = 0, 1
        elif char == "*":
            low, high = 0, _UNBOUNDED_EXTRA
        elif char == "+":
            low, high = 1, 1 + _UNBOUNDED_EXTRA
        else:
            match = re.compile(r"(\d+)(?:(,)(\d*))?\}").match(self.pattern, self.pos)
            if match is None:
                raise self.fail("a malformed {n,m} quantifier")
            self.pos = match.end()
            low = int(match.group(1))
            if match.group(2) is None:
                high = low
            elif match.group(3):
                high = int(match.group(3))
            else:
                high = low + _UNBOUNDED_EXTRA
            if high < low:
                raise self.fail(f"the quantifier {{{low},{high}}} is reversed")
        if self.peek() in ("?", "+"):  # lazy or possessive: the same texts match
            self.pos += 1
        return _Repeat(atom, low, high)


def _draw(rng: Random, node: _Node, out: list[str]) -> None:
    if isinstance(node, _Chars):
        out.append(rng.choice(node.choices))
    elif isinstance(node, _Seq):
        for item in node.items:
            _draw(rng, item, out)
    elif isinstance(node, _Alt):
        _draw(rng, rng.choice(node.options), out)
    else:
        for _ in range(rng.randint(node.low, node.high)):
            _draw(rng, node.node, out)


@dataclass(frozen=True)
class PatternText:
    """A parsed pattern; :meth:`draw` returns a random text that the whole pattern matches."""

    pattern: str
    _tree: _Node

    @classmethod
    def parse(cls, pattern: str) -> PatternText:
        """The pattern parsed, or :class:`PatternError` for a construct outside the subset."""
        parser = _Parser(pattern)
        tree = parser.alternation()
        if parser.peek() is not None:
            raise parser.fail("an unbalanced ')'")
        return cls(pattern, tree)

    def draw(self, rng: Random) -> str:
        """A text the whole pattern matches (checked with ``re.fullmatch``)."""
        out: list[str] = []
        _draw(rng, self._tree, out)
        text = "".join(out)
        if re.fullmatch(self.pattern, text) is None:
            raise PatternError(
                f"cannot draw text for pattern {self.pattern!r}: drew {text!r}, which it refuses"
            )
        return text


def matching_text(rng: Random, pattern: str) -> str:
    """One random text that the whole ``pattern`` matches (see the module docstring)."""
    return PatternText.parse(pattern).draw(rng)
