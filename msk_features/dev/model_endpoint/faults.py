"""Deterministic fault injection for the local model endpoint: which call fails, and how.

A rule is written ``KIND@SCHEDULE`` (the endpoint's ``--fail`` option, repeatable):

- ``KIND`` is one of :data:`FAULTS`: ``internal`` (HTTP 500 ``InternalFailure``), ``unavailable``
  (503 ``ServiceUnavailable``), ``model`` (424 ``ModelError``, as when the container answers 500),
  ``throttle`` (400 ``ThrottlingException`` with ``{"message": null}``, what SageMaker sends when an
  endpoint's concurrency is exceeded), ``not-ready`` (429 ``ModelNotReadyException``) or ``hang``
  (no response: the connection is held for the endpoint's hang time, then closed);
- ``SCHEDULE`` is ``every:N`` (calls N, 2N, 3N, ...), ``calls:A,B,...`` (exactly those calls) or
  ``rate:P`` (each call with probability P, 0 <= P <= 1).

Calls are numbered per endpoint from 1, in the order the server accepted them. A ``rate`` decision
is a hash of (seed, endpoint name, call number, rule position), not a shared random stream, so the
same seed fails the same call numbers however many threads serve them. When several rules match a
call, the first one given wins.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["FAULTS", "FaultKind", "FaultPlan", "FaultRule", "parse_fault_rule"]

FaultKind = Literal["internal", "unavailable", "model", "throttle", "not-ready", "hang"]
FAULTS: tuple[FaultKind, ...] = ("internal", "unavailable", "model", "throttle", "not-ready", "hang")

_SCHEDULE = re.compile(r"(every|calls|rate):(.+)")


@dataclass(frozen=True)
class FaultRule:
    """Fail calls with ``kind``: every ``every``-th call, the calls in ``calls``, or at ``rate``.

    Exactly one of ``every``, ``calls`` and ``rate`` is set.
    """

    kind: FaultKind
    every: int | None = None
    calls: frozenset[int] = frozenset()
    rate: float | None = None

    def __post_init__(self) -> None:
        chosen = [self.every is not None, bool(self.calls), self.rate is not None]
        if sum(chosen) != 1:
            raise ValueError("a fault rule needs exactly one of every, calls and rate")
        if self.every is not None and self.every < 1:
            raise ValueError(f"every must be at least 1, got {self.every}")
        if any(call < 1 for call in self.calls):
            raise ValueError("call numbers start at 1")
        if self.rate is not None and not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], got {self.rate}")

    def matches(self, call: int, draw: float) -> bool:
        """True if call number ``call`` (1-based) fails; ``draw`` is its uniform value in [0, 1)."""
        if self.every is not None:
            return call % self.every == 0
        if self.calls:
            return call in self.calls
        assert self.rate is not None
        return draw < self.rate

    def spec(self) -> str:
        """The rule as ``KIND@SCHEDULE`` (what :func:`parse_fault_rule` reads)."""
        if self.every is not None:
            return f"{self.kind}@every:{self.every}"
        if self.calls:
            return f"{self.kind}@calls:{','.join(str(c) for c in sorted(self.calls))}"
        return f"{self.kind}@rate:{self.rate}"


def parse_fault_rule(text: str) -> FaultRule:
    """Parse ``KIND@SCHEDULE``; raises ``ValueError`` with the accepted forms on a mistake."""
    forms = f"KIND@every:N, KIND@calls:A,B,... or KIND@rate:P with KIND one of {', '.join(FAULTS)}"
    kind, sep, schedule = text.strip().partition("@")
    if not sep or kind not in FAULTS:
        raise ValueError(f"fault rule {text!r}: expected {forms}")
    match = _SCHEDULE.fullmatch(schedule.strip())
    if match is None:
        raise ValueError(f"fault rule {text!r}: expected {forms}")
    form, value = match.groups()
    try:
        if form == "every":
            return FaultRule(kind, every=int(value))
        if form == "calls":
            return FaultRule(kind, calls=frozenset(int(v) for v in value.split(",")))
        return FaultRule(kind, rate=float(value))
    except ValueError as exc:
        raise ValueError(f"fault rule {text!r}: {exc}") from None


@dataclass(frozen=True)
class FaultPlan:
    """The rules of a server and the seed of their ``rate`` draws."""

    rules: tuple[FaultRule, ...] = ()
    seed: int = 0

    @classmethod
    def parse(cls, specs: Sequence[str], seed: int = 0) -> FaultPlan:
        """A plan from ``KIND@SCHEDULE`` strings, in order."""
        return cls(tuple(parse_fault_rule(spec) for spec in specs), seed)

    def draw(self, endpoint: str, call: int, rule: int = 0) -> float:
        """The uniform value in [0, 1) of call ``call`` of ``endpoint`` for the ``rule``-th rule (from
        0): ``blake2b(f"{seed}/{endpoint}/{call}/{rule}", digest_size=8)`` as a big-endian integer,
        divided by 2**64."""
        key = f"{self.seed}/{endpoint}/{call}/{rule}".encode()
        return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2.0**64

    def fault_for(self, endpoint: str, call: int) -> FaultKind | None:
        """The fault injected into call number ``call`` (1-based) of ``endpoint``, or None."""
        for index, rule in enumerate(self.rules):
            draw = self.draw(endpoint, call, index) if rule.rate is not None else 0.0
            if rule.matches(call, draw):
                return rule.kind
        return None
