"""The fraud profile's plan: from a :class:`GenerateSpec` to the ordered list of records to produce (pure).

Semantics of :func:`build_plan`:

* Per stream, ``n`` records where ``n`` is the spec's count for it. Of these, exactly
  ``round_half_up(n * fraction)`` are ``invalid``, ``out_of_order`` and ``late`` (clamped so they
  never exceed ``n`` together); the rest are ``valid``. Which positions get which kind is a seeded
  shuffle, except that no out-of-order or late record comes before the topic's first valid record.
* Valid records carry base events spread over ``[start, start + span)`` in non-decreasing event time
  per topic (see :mod:`~msk_features.dev.generator.profiles.fraud.events` for how clicks interleave
  with purchases and how profile versions evolve).
* ``out_of_order`` and ``late`` records are valid events whose time field is moved behind the
  maximum event time of the *valid* records already planned on that topic (see
  :mod:`~msk_features.dev.generator.disorder` for the distances). They never raise that maximum.
* ``invalid`` records break exactly one validation rule. Where their time is readable it equals the
  topic's running maximum (or, before the first valid record, a time no later than it), so invalid
  records never move the maximum either, whether or not a consumer counts them.
* With ``labels``, every transaction the job scores (the ``valid`` and ``out_of_order`` ones) gets
  one record on the labels topic, computed from the records of the other topics that the job keeps
  (``valid`` and ``out_of_order``, with the times the job sees): see
  :func:`~msk_features.dev.generator.profiles.fraud.events.label_timeline` for the fraud rule and
  the delay. They come on top of the three counts, in ``labeled_at`` order, and the fractions apply
  to them as to every topic (an out-of-order or late label moves ``labeled_at``, never ``txn_time``).
* Each topic's records are planned by :func:`~msk_features.dev.generator.source_plan.plan_source`
  (keyed by ``user_id``). Topics are merged by their base (emission) time, ties broken profiles,
  clicks, transactions, labels, then position; the order within a topic is preserved. ``seq`` is
  the index in the plan.

The same spec (seed included) gives a byte-identical plan, on any machine.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from random import Random
from typing import Any, Final

from msk_features.dev.generator.contract_plan import split_by_weight
from msk_features.dev.generator.disorder import out_of_order_range
from msk_features.dev.generator.json_text import Event, TimedEvent
from msk_features.dev.generator.plan_options import PlanOptions
from msk_features.dev.generator.profiles.fraud.events import (
    STREAMS,
    TIME_FIELD,
    Stream,
    click_timeline,
    label_timeline,
    make_world,
    profile_timeline,
    transaction_timeline,
)
from msk_features.dev.generator.profiles.fraud.faults import make_invalid
from msk_features.dev.generator.records import InvalidValue, PlannedRecord, RecordKind, SpecError
from msk_features.dev.generator.source_plan import PlannedSource, SourceTarget, merge_sources, plan_source

__all__ = ["COUNTED", "DEFAULT_RATIOS", "GenerateSpec", "build_plan", "split_count"]

log = logging.getLogger(__name__)

DEFAULT_RATIOS: Final[tuple[int, int, int]] = (5, 4, 1)
"""Default split of a total count: 50% transactions, 40% clicks, 10% profiles."""

COUNTED: Final[tuple[Stream, ...]] = ("transactions", "clicks", "profiles")
"""The streams whose record counts a spec sets, in :func:`split_count`'s order (labels follow the
transactions)."""
_STREAM_RANK: Final[dict[Stream, int]] = {"profiles": 0, "clicks": 1, "transactions": 2, "labels": 3}
_SCORED: Final[frozenset[RecordKind]] = frozenset({"valid", "out_of_order"})
"""Kinds of records the job keeps (valid, on time): the transactions it scores and labels cover."""


# --------------------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------------------


def split_count(total: int, ratios: tuple[int, int, int] = DEFAULT_RATIOS) -> tuple[int, int, int]:
    """Split ``total`` into (transactions, clicks, profiles) by integer ``ratios``, summing to ``total``.

    Largest remainder: each share is ``floor(total * ratio / sum)``, the leftover goes one by one to
    the largest fractional parts (ties: transactions, then clicks, then profiles).
    """
    if total < 0:
        raise SpecError(f"count must be >= 0, got {total}")
    if sum(ratios) <= 0 or min(ratios) < 0:
        raise SpecError(f"ratios must be non-negative with a positive sum, got {ratios}")
    shares = split_by_weight(total, dict(zip(COUNTED, ratios, strict=True)))
    return shares["transactions"], shares["clicks"], shares["profiles"]


# --------------------------------------------------------------------------------------------------
# Spec and records
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class GenerateSpec(PlanOptions):
    """What to generate; the plan is a pure function of it (seed included).

    ``transactions`` / ``clicks`` / ``profiles`` are the exact record counts per topic (all kinds
    included); :meth:`from_total` splits one total 50/40/10. ``labels``: also one label per scored
    transaction (valid or out of order) on the labels topic, not part of those counts (see
    :meth:`count`). Users are ``u0001``.., merchants ``m0001``... The seed, span, fractions, topics
    and ``watermark_delay`` (the job's bounded out-of-orderness, 30 s by default, which out-of-order
    and late times are measured against) are :class:`PlanOptions`.
    """

    transactions: int = 0
    clicks: int = 0
    profiles: int = 0
    users: int = 100
    merchants: int = 50
    labels: bool = False

    def __post_init__(self) -> None:
        for name in COUNTED:
            if getattr(self, name) < 0:
                raise SpecError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.users < 1:
            raise SpecError(f"users must be >= 1, got {self.users}")
        if self.merchants < 1:
            raise SpecError(f"merchants must be >= 1, got {self.merchants}")
        self.check_options()
        if self.out_of_order_fraction > 0:
            try:
                out_of_order_range(self.delay_ms)
            except ValueError as exc:
                raise SpecError(f"out_of_order_fraction > 0 needs watermark_delay >= 2ms: {exc}") from None
        for stream in STREAMS:
            counts = self.kind_counts(stream)
            if counts["out_of_order"] + counts["late"] > 0 and counts["valid"] == 0:
                raise SpecError(
                    f"{stream}: out-of-order and late records need at least one valid record before "
                    "them; lower the fractions or raise the count"
                )

    @classmethod
    def from_total(cls, count: int, **kwargs: Any) -> GenerateSpec:
        """A spec whose ``count`` records are split 50% transactions / 40% clicks / 10% profiles."""
        transactions, clicks, profiles = split_count(count)
        return cls(transactions=transactions, clicks=clicks, profiles=profiles, **kwargs)

    @property
    def delay_ms(self) -> int:
        """The watermark delay in milliseconds."""
        return self.watermark_delay // timedelta(milliseconds=1)

    def count(self, stream: Stream) -> int:
        """The number of records on ``stream``; for ``labels``, the scored transactions (or 0)."""
        if stream == "labels":
            if not self.labels:
                return 0
            kinds = self.kind_counts("transactions")
            return sum(kinds[kind] for kind in _SCORED)
        return int(getattr(self, stream))

    @property
    def events(self) -> int:
        """Transactions, clicks and profiles: what ``--count`` and :meth:`from_total` split."""
        return self.transactions + self.clicks + self.profiles

    @property
    def total(self) -> int:
        """The number of records in the plan, labels included."""
        return self.events + self.count("labels")

    def topic(self, stream: Stream) -> str:
        """The Kafka topic of ``stream``."""
        return self.topics.source_topic(stream)

    def kind_counts(self, stream: Stream) -> dict[RecordKind, int]:
        """Exact records per kind on ``stream`` (see the module docstring for the rounding)."""
        return self.split(self.count(stream))


# --------------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------------


def _plan_stream(spec: GenerateSpec, stream: Stream, base: list[TimedEvent]) -> PlannedSource:
    """The records of one stream (:func:`~msk_features.dev.generator.source_plan.plan_source`),
    keyed by user."""
    target = SourceTarget(
        stream, spec.topic(stream), STREAMS.index(stream), "user_id", TIME_FIELD[stream], spec.delay_ms
    )

    def invalid(rng: Random, event: Event, time_ms: int) -> InvalidValue:
        return make_invalid(rng, stream, event, time_ms)

    return plan_source(spec.seed, target, spec.kind_counts(stream), base, invalid)


def _kept(planned: PlannedSource) -> list[TimedEvent]:
    """``(event time, event)`` of the records the job keeps (valid, out of order), in topic order."""
    kept = []
    for _, record in planned:
        if record.kind in _SCORED:
            assert record.event is not None and record.event_time_ms is not None
            kept.append((record.event_time_ms, record.event))
    return kept


def build_plan(spec: GenerateSpec) -> list[PlannedRecord]:
    """The records to produce, in emission order (see the module docstring for the semantics)."""
    start_ms, span_ms = spec.start_ms, spec.span_ms
    world = make_world(Random(f"{spec.seed}:world"), spec.users, spec.merchants)
    base: dict[Stream, list[TimedEvent]] = {}
    base["transactions"] = transaction_timeline(
        Random(f"{spec.seed}:transactions"), spec.transactions, world, start_ms, span_ms, f"t-{spec.seed}-"
    )
    base["clicks"] = click_timeline(
        Random(f"{spec.seed}:clicks"),
        spec.clicks,
        base["transactions"],
        world,
        start_ms,
        span_ms,
        f"c-{spec.seed}-",
    )
    base["profiles"] = profile_timeline(
        Random(f"{spec.seed}:profiles"), spec.profiles, world, start_ms, span_ms
    )
    if 0 < spec.profiles < spec.users:
        log.info("only %d of %d users get a profile (profiles < users)", spec.profiles, spec.users)

    planned: dict[Stream, PlannedSource] = {
        stream: _plan_stream(spec, stream, base[stream]) for stream in STREAMS if stream != "labels"
    }
    base["labels"] = []
    if spec.labels:
        kept = {stream: _kept(records) for stream, records in planned.items()}
        base["labels"] = label_timeline(
            Random(f"{spec.seed}:labels"), kept["transactions"], kept["clicks"], kept["profiles"]
        )
    planned["labels"] = _plan_stream(spec, "labels", base["labels"])
    records = merge_sources((_STREAM_RANK[stream], planned[stream]) for stream in STREAMS)
    log.info(
        "planned %d records (seed %d): %s",
        len(records),
        spec.seed,
        ", ".join(f"{spec.count(s)} {s}" for s in STREAMS),
    )
    return records
