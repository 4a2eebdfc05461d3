"""Seeded, labelled test data for a pipeline's input topics.

Any pipeline (:mod:`~msk_features.dev.generator.planner`: a request, a planner, a report):

* :mod:`~msk_features.dev.generator.contract_values`: valid values from the contracts, shared key pools;
* :mod:`~msk_features.dev.generator.contract_faults`: invalid records, each breaking one contract rule;
* :mod:`~msk_features.dev.generator.contract_plan`: :class:`ContractSpec` -> ordered records;
* :mod:`~msk_features.dev.generator.pattern_text`: texts matching a ``code`` field's pattern;
* :mod:`~msk_features.dev.generator.profiles`: hand-written generators by pipeline name (the fraud
  profile: :class:`GenerateSpec` and :func:`build_plan`);
* shared: :mod:`~msk_features.dev.generator.records` (:class:`PlannedRecord`, kinds),
  :mod:`~msk_features.dev.generator.plan_options` (seed, span, fractions, delay, topics),
  :mod:`~msk_features.dev.generator.source_plan` (one source's records from its timeline, the merge),
  :mod:`~msk_features.dev.generator.disorder` (out-of-order and late times),
  :mod:`~msk_features.dev.generator.instants`, :mod:`~msk_features.dev.generator.json_text`,
  :mod:`~msk_features.dev.generator.durations`;
* :mod:`~msk_features.dev.generator.send`: produce a plan to Kafka, :class:`SendSummary`;
* :mod:`~msk_features.cli.generate`: the ``msk-features generate`` click command.

Typical use in a test::

    spec = GenerateSpec.from_total(200, seed=7, invalid_fraction=0.1, topics=cfg.topics)
    records = build_plan(spec)        # or build_contract_plan(ContractSpec.from_total(pipeline, 200))
    summary = send(records, librdkafka_config(cfg.kafka), progress=False)  # generator.send.send
    # record.partition / record.offset now hold each record's source position
"""

from msk_features.dev.generator.contract_plan import ContractSpec, build_contract_plan
from msk_features.dev.generator.durations import parse_duration
from msk_features.dev.generator.instants import DEFAULT_START, format_instant, parse_instant
from msk_features.dev.generator.profiles.fraud.events import STREAMS, Stream
from msk_features.dev.generator.profiles.fraud.plan import GenerateSpec, build_plan, split_count
from msk_features.dev.generator.records import (
    INVALID_KINDS,
    RECORD_KINDS,
    InvalidKind,
    PlannedRecord,
    RecordKind,
    SpecError,
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
    "ContractSpec",
    "DeliveryError",
    "DeliveryFailure",
    "GenerateSpec",
    "InvalidKind",
    "PlannedRecord",
    "RecordKind",
    "SendSummary",
    "SpecError",
    "Stream",
    "build_contract_plan",
    "build_plan",
    "format_instant",
    "parse_duration",
    "parse_instant",
    "split_count",
]
