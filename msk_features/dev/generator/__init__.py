"""Seeded, labelled test data for the pipeline's input topics.

* :mod:`~msk_features.dev.generator.events`: valid events (pure);
* :mod:`~msk_features.dev.generator.faults`: invalid values, out-of-order and late times (pure);
* :mod:`~msk_features.dev.generator.plan`: :class:`GenerateSpec` -> ordered :class:`PlannedRecord`
  list (pure);
* :mod:`~msk_features.dev.generator.send`: produce a plan to Kafka, :class:`SendSummary`;
* :mod:`~msk_features.cli.generate`: the ``msk-features generate`` click command.

Typical use in a test::

    spec = GenerateSpec.from_total(200, seed=7, invalid_fraction=0.1, topics=cfg.topics)
    records = build_plan(spec)
    summary = send(records, librdkafka_config(cfg.kafka), progress=False)  # generator.send.send
    # record.partition / record.offset now hold each record's source position
"""

from msk_features.dev.generator.events import STREAMS, Stream, format_instant, parse_instant
from msk_features.dev.generator.faults import INVALID_KINDS, InvalidKind
from msk_features.dev.generator.plan import (
    DEFAULT_START,
    RECORD_KINDS,
    GenerateSpec,
    PlannedRecord,
    RecordKind,
    SpecError,
    build_plan,
    parse_duration,
    split_count,
)
from msk_features.dev.generator.send import DeliveryError, DeliveryFailure, SendSummary

# ``send`` (the function) is deliberately not re-exported: it would shadow the ``send`` submodule,
# and ``mock.patch("msk_features.dev.generator.send.Producer")`` must keep working. Import it with
# ``from msk_features.dev.generator.send import send``.

__all__ = [
    "DEFAULT_START",
    "INVALID_KINDS",
    "RECORD_KINDS",
    "STREAMS",
    "DeliveryError",
    "DeliveryFailure",
    "GenerateSpec",
    "InvalidKind",
    "PlannedRecord",
    "RecordKind",
    "SendSummary",
    "SpecError",
    "Stream",
    "build_plan",
    "format_instant",
    "parse_duration",
    "parse_instant",
    "split_count",
]
