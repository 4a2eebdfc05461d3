"""Benchmark input: clean generated events (no invalid, late or out-of-order records), preloaded once.

Every run reads the same records from the earliest offsets, so the runs compare like for like. The
events come from :mod:`msk_features.dev.generator` (the demo's generator): transactions, clicks and
profiles in the 50/40/10 split, spread over ``span`` of event time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flink_jobs.config import TopicsConfig
from flink_jobs.pipelines import input_topics, prefixed_topics
from msk_features.bench.workload import FULL, HOPPING, TRANSACTIONS, TUMBLING
from msk_features.dev.generator.instants import parse_instant
from msk_features.dev.generator.plan import GenerateSpec, build_plan
from msk_features.dev.generator.send import send
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.kafka.topic_setup import ensure_topics

__all__ = ["Preloaded", "expected_window_rows", "preload"]


@dataclass(frozen=True)
class Preloaded:
    """Input topics and how many records each holds."""

    topics: TopicsConfig
    counts: dict[str, int]
    users: int
    send_s: float
    transactions: tuple[tuple[str, int], ...] = ()
    """``(user_id, event time in epoch ms)`` of every transaction sent."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def preload(
    endpoints: Endpoints,
    prefix: str,
    transactions: int,
    clicks: int,
    profiles: int,
    users: int,
    span: timedelta,
    partitions: int = 3,
    seed: int = 7,
) -> Preloaded:
    """Create ``prefix``-ed input topics of the full pipeline with ``partitions`` each and send the
    generated records."""
    topics = prefixed_topics(f"{prefix}-", FULL, partitions=partitions)
    names = dict(topics.sources)
    ensure_topics(endpoints.kafka_plaintext_bootstrap, input_topics(topics, FULL))
    spec = GenerateSpec(
        seed=seed,
        transactions=transactions,
        clicks=clicks,
        profiles=profiles,
        users=users,
        merchants=max(50, users // 20),
        span=span,
        topics=topics,
    )
    records = build_plan(spec)
    summary = send(records, librdkafka_config(endpoints.kafka_config("plaintext")), progress=False)
    counts = {stream: summary.delivered.get(name, 0) for stream, name in names.items()}
    txns = tuple(
        (str(r.event["user_id"]), parse_instant(str(r.event["event_time"])))
        for r in records
        if r.stream == TRANSACTIONS and r.event is not None
    )
    return Preloaded(topics, counts, users, summary.elapsed_s, txns)


def expected_window_rows(pre: Preloaded) -> dict[str, int]:
    """Rows the subset's tumbling (1 min) and hopping (1 h every 5 min) windows must emit for ``pre``'s
    transactions: one per user and window holding at least one transaction, computed here directly."""
    minute, slide, size = 60_000, 300_000, 3_600_000
    tumbling = {(user, t // minute) for user, t in pre.transactions}
    hopping = {
        (user, k) for user, t in pre.transactions for k in range((t - size) // slide + 1, t // slide + 1)
    }
    return {TUMBLING: len(tumbling), HOPPING: len(hopping)}
