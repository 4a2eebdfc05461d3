"""Producing a plan to Kafka with confluent-kafka, and the per-topic summary of what was (or would be) sent.

:func:`send` produces the records in plan order with an idempotent producer (``acks=all``,
``enable.idempotence=true``, ``linger.ms`` 5 unless given), optionally paced to ``rate`` records per
second, counts deliveries per topic in delivery callbacks, and stores the partition and offset Kafka
assigned on each record (``record.partition`` / ``record.offset``) and in
:attr:`SendSummary.positions`. It flushes at the end and raises :class:`DeliveryError` (naming the
topic and the Kafka error) if any record was not delivered.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, cast

from confluent_kafka import KafkaError, KafkaException, Producer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from msk_features.dev.generator.records import INVALID_KINDS, PlannedRecord

__all__ = [
    "PRODUCER_DEFAULTS",
    "PRODUCER_REQUIRED",
    "DeliveryError",
    "DeliveryFailure",
    "SendSummary",
    "send",
]

log = logging.getLogger(__name__)


class _TransientRetries(logging.Filter):
    """Drop librdkafka's notes about retries it recovers from by itself (e.g. a broker that has just
    started answering "Coordinator load in progress" while its transaction log loads)."""

    TRANSIENT = ("Coordinator load in progress: retrying",)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(note in message for note in self.TRANSIENT)


librdkafka_log = logging.getLogger(f"{__name__}.librdkafka")
librdkafka_log.addFilter(_TransientRetries())

PRODUCER_DEFAULTS: Final[dict[str, Any]] = {
    "linger.ms": 5,
    "message.timeout.ms": 60_000,
    "client.id": "msk-features-generate",
}
"""Producer settings used unless the caller's configuration sets them."""

PRODUCER_REQUIRED: Final[dict[str, Any]] = {"acks": "all", "enable.idempotence": True}
"""Producer settings always applied (no duplicates, no loss on leader change)."""


class _Message(Protocol):
    def partition(self) -> int | None: ...

    def offset(self) -> int | None: ...


class _Producer(Protocol):
    def produce(
        self, topic: str, value: bytes | None = ..., key: bytes | None = ..., **kwargs: Any
    ) -> None: ...

    def poll(self, timeout: float = ...) -> int: ...

    def flush(self, timeout: float = ...) -> int: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class DeliveryFailure:
    """A record Kafka did not acknowledge: its plan position, topic and the Kafka error."""

    seq: int
    topic: str
    error: str


@dataclass
class SendSummary:
    """Per-topic counts of the records by label, and (after :func:`send`) what Kafka acknowledged.

    ``counts[topic]`` counts labels ``valid``, ``out_of_order``, ``late`` and ``invalid:<kind>``;
    ``positions`` maps a record's ``seq`` to its ``(partition, offset)``. ``sent`` is ``False`` for
    a dry run (:meth:`from_records`).
    """

    counts: dict[str, Counter[str]] = field(default_factory=dict)
    delivered: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    positions: dict[int, tuple[int, int]] = field(default_factory=dict)
    failures: list[DeliveryFailure] = field(default_factory=list)
    sent: bool = False
    elapsed_s: float = 0.0

    @classmethod
    def from_records(cls, records: Sequence[PlannedRecord]) -> SendSummary:
        """The summary of a plan before sending: topics in the order of their sources in the
        pipeline (``source_index``), then the records of no known source by stream name."""
        summary = cls()

        def order(record: PlannedRecord) -> tuple[int, str]:
            index = record.source_index
            return (index if index is not None else 1 << 30, record.stream)

        for record in sorted(records, key=order):
            summary.counts.setdefault(record.topic, Counter())[record.label] += 1
        return summary

    @property
    def topics(self) -> list[str]:
        """Topics in the plan, in the order of :meth:`from_records`."""
        return list(self.counts)

    def count(self, topic: str, kind: str) -> int:
        """Records on ``topic`` of ``kind``: a label, or ``invalid`` for all invalid kinds together."""
        counter = self.counts.get(topic, Counter())
        if kind == "invalid":
            return sum(n for label, n in counter.items() if label.startswith("invalid:"))
        return counter.get(kind, 0)

    def total(self, topic: str | None = None) -> int:
        """Records on ``topic``, or in the whole plan."""
        topics = [topic] if topic is not None else self.topics
        return sum(sum(self.counts.get(t, Counter()).values()) for t in topics)

    def render_table(self, title: str | None = None) -> Table:
        """A rich table with one column per topic (and a total column when there are several).

        Rows: valid, out-of-order, late, invalid (all kinds) and one row per invalid kind present,
        total; after a real send also delivered and failed.
        """
        topics = self.topics
        table = Table(title=title, title_justify="left")
        table.add_column("records", justify="left")
        for topic in topics:
            table.add_column(topic, justify="right")
        if len(topics) > 1:
            table.add_column("all topics", justify="right", style="bold")

        def add(label: str, values: list[int], **style: Any) -> None:
            cells = [str(v) for v in values]
            if len(topics) > 1:
                cells.append(str(sum(values)))
            table.add_row(label, *cells, **style)

        add("valid", [self.count(t, "valid") for t in topics])
        add("out-of-order", [self.count(t, "out_of_order") for t in topics])
        add("late", [self.count(t, "late") for t in topics])
        add("invalid", [self.count(t, "invalid") for t in topics])
        for kind in INVALID_KINDS:
            values = [self.count(t, f"invalid:{kind}") for t in topics]
            if any(values):
                add(f"  {kind}", values, style="dim")
        add("total", [self.total(t) for t in topics], end_section=self.sent)
        if self.sent:
            add("delivered", [self.delivered[t] for t in topics])
            add("failed", [self.failed[t] for t in topics], style="red" if self.failures else None)
        return table


class DeliveryError(RuntimeError):
    """Some records were not delivered; the message names each topic and Kafka error."""

    def __init__(self, summary: SendSummary, undelivered: int = 0):
        self.summary = summary
        self.failures = list(summary.failures)
        groups: Counter[tuple[str, str]] = Counter((f.topic, f.error) for f in summary.failures)
        parts = [f"topic '{topic}': {error} ({n} record(s))" for (topic, error), n in groups.items()]
        if undelivered:
            parts.append(f"{undelivered} record(s) still unacknowledged when the flush timed out")
        total = len(summary.failures) + undelivered
        super().__init__(f"{total} of {summary.total()} record(s) were not delivered: " + "; ".join(parts))


def _describe(err: Any) -> str:
    if isinstance(err, KafkaError):
        return f"{err.name()}: {err.str()}"
    return str(err)


def _log_client_error(err: KafkaError) -> None:
    """librdkafka's error callback: fatal errors are logged as errors, the rest (retried) at debug."""
    if err.fatal():
        log.error("fatal Kafka client error: %s", _describe(err))
    else:
        log.debug("Kafka client error (retried): %s", _describe(err))


@contextmanager
def _progress(enabled: bool, total: int, console: Console | None) -> Iterator[Callable[..., None]]:
    """Yields ``update(advance=..., delivered=...)``: a rich progress bar, or a no-op when disabled."""
    if not enabled:
        yield lambda **_: None
        return
    bar = Progress(
        TextColumn("[bold]producing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[delivered]} acknowledged"),
        TimeElapsedColumn(),
        console=console or Console(stderr=True),
    )
    with bar:
        task = bar.add_task("producing", total=total, delivered=0)
        yield lambda **kwargs: bar.update(task, **kwargs)


def send(
    records: Sequence[PlannedRecord],
    producer_conf: dict[str, Any],
    rate: float | None = None,
    progress: bool = True,
    *,
    flush_timeout_s: float | None = None,
    producer_factory: Callable[[dict[str, Any]], _Producer] | None = None,
    console: Console | None = None,
) -> SendSummary:
    """Produce ``records`` in order and wait for every acknowledgement.

    ``producer_conf`` is a librdkafka configuration (e.g. from
    :func:`msk_features.kafka.auth.librdkafka_config`); :data:`PRODUCER_DEFAULTS` fill in what it
    does not set and :data:`PRODUCER_REQUIRED` always applies. ``rate`` is records per second
    (records are scheduled at ``start + i / rate``); ``None`` sends as fast as possible.
    ``flush_timeout_s`` bounds the final wait (default ``message.timeout.ms`` + 30 s).
    ``producer_factory`` builds the producer from the final configuration (default
    :class:`confluent_kafka.Producer`; tests pass a fake). ``progress`` shows a rich progress bar on
    ``console`` (default: stderr).

    Returns the summary with per-topic delivered counts and every record's partition and offset (also
    set on the records). Raises :class:`DeliveryError` if any record failed or was still
    unacknowledged at the end, ``ValueError`` for a non-positive rate, and
    :class:`confluent_kafka.KafkaException` if the producer cannot be created.
    """
    if rate is not None and rate <= 0:
        raise ValueError(f"rate must be > 0 records per second, got {rate}")
    conf = {**PRODUCER_DEFAULTS, **producer_conf, **PRODUCER_REQUIRED}
    conf.setdefault("error_cb", _log_client_error)
    conf.setdefault("logger", librdkafka_log)  # librdkafka's own log lines go through ``logging``
    if flush_timeout_s is None:
        flush_timeout_s = float(conf["message.timeout.ms"]) / 1000 + 30
    # confluent_kafka's Producer has these methods; its stub spells produce's keywords out, which a
    # Protocol with **kwargs does not match.
    producer = cast(_Producer, (producer_factory or Producer)(conf))
    summary = SendSummary.from_records(records)
    summary.sent = True
    log.info(
        "producing %d records to %s (rate %s)", len(records), conf.get("bootstrap.servers"), rate or "max"
    )

    def on_delivery_of(record: PlannedRecord) -> Callable[[Any, _Message], None]:
        def on_delivery(err: Any, msg: _Message) -> None:
            if err is not None:
                summary.failed[record.topic] += 1
                summary.failures.append(DeliveryFailure(record.seq, record.topic, _describe(err)))
                log.debug("record %d to %s failed: %s", record.seq, record.topic, _describe(err))
                return
            partition, offset = msg.partition(), msg.offset()
            assert partition is not None and offset is not None
            record.partition, record.offset = partition, offset
            summary.positions[record.seq] = (partition, offset)
            summary.delivered[record.topic] += 1

        return on_delivery

    started = time.monotonic()
    with _progress(progress, len(records), console) as update:
        for index, record in enumerate(records):
            if rate is not None:
                _wait_until(producer, started + index / rate)
            _produce(producer, record, on_delivery_of(record), summary)
            producer.poll(0)
            update(advance=1, delivered=sum(summary.delivered.values()))
        deadline = time.monotonic() + flush_timeout_s
        remaining = len(producer)
        while remaining > 0 and time.monotonic() < deadline:
            remaining = producer.flush(min(0.25, max(0.0, deadline - time.monotonic())))
            update(delivered=sum(summary.delivered.values()))
    summary.elapsed_s = time.monotonic() - started
    log.info(
        "delivered %d of %d records in %.1f s",
        sum(summary.delivered.values()),
        len(records),
        summary.elapsed_s,
    )
    if summary.failures or remaining > 0:
        raise DeliveryError(summary, undelivered=remaining)
    return summary


def _wait_until(producer: _Producer, when: float) -> None:
    """Serve delivery callbacks until the monotonic clock reaches ``when``."""
    while (pause := when - time.monotonic()) > 0:
        producer.poll(min(pause, 0.1))


def _produce(
    producer: _Producer,
    record: PlannedRecord,
    callback: Callable[[Any, _Message], None],
    summary: SendSummary,
) -> None:
    """Produce one record, waiting for queue space if the local queue is full."""
    while True:
        try:
            producer.produce(record.topic, value=record.value, key=record.key, on_delivery=callback)
            return
        except BufferError:
            producer.poll(0.1)
        except KafkaException as exc:
            error = exc.args[0] if exc.args else exc
            summary.failed[record.topic] += 1
            summary.failures.append(DeliveryFailure(record.seq, record.topic, _describe(error)))
            return
