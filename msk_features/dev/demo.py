"""The reference pipeline end to end on the local stack: generate, run bounded, summarise the outputs.

Steps (:func:`run_demo`): start (or reuse) the local stack; reset the pipeline's topics and offline
prefix so the run is repeatable; produce seeded events (with invalid, out-of-order and late records,
and the labels that arrive later) to single-partition input topics, so which records are late is
exact; run :data:`REFERENCE_PIPELINE` in bounded mode; read every output back (topics with
``read_committed``, Parquet through the S3 API) and check what can be checked from the generator's
own records (:func:`expected_counts`): dead letters = invalid records sent, late events = late
records sent, archived events = the rest.

Then the model: train the pipeline's scoring model on that offline data
(:func:`msk_features.offline.train.train_from_offline`), serve it on the local endpoint, and run the
pipeline again with its scoring over a second, later batch of events (topics and offline prefix of
their own): every transaction gets its score, and the scores served equal the model's offline
predictions (:func:`scoring_outcome`).

:func:`run_demo` reports each step's result to its ``progress`` callback as the step ends (the
command renders them as they come) and returns them all as a :class:`DemoReport`.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from confluent_kafka.admin import AdminClient

from flink_jobs.config import AppConfig, ScoringConfig, TopicsConfig, to_property_groups
from flink_jobs.features import Scoring
from flink_jobs.pipelines import get_pipeline, pipeline_topics, prefixed_topics
from msk_features.dev.generator.profiles.fraud.plan import GenerateSpec, build_plan
from msk_features.dev.generator.records import PlannedRecord
from msk_features.dev.generator.send import SendSummary, send
from msk_features.dev.stack.control import LocalStack, default_state_dir
from msk_features.dev.stack.properties import local_app_config, write_local_properties
from msk_features.kafka.auth import librdkafka_config
from msk_features.offline.score_parity import ScoreParity
from msk_features.operations.outputs import (
    OutputSummary,
    feature_rows_from_table,
    read_offline,
    read_topic,
    summarise_outputs,
)
from msk_features.runner import REPO_ROOT, JobRun, run_job

__all__ = [
    "REFERENCE_PIPELINE",
    "BatchSent",
    "DemoEvent",
    "DemoReport",
    "DemoSettings",
    "JobFinished",
    "JobRunning",
    "ModelServed",
    "ModelTrained",
    "Note",
    "OutputsChecked",
    "ScoringOutcome",
    "ScoringSteps",
    "StackLeft",
    "StackReady",
    "Step",
    "expected_counts",
    "generate_and_send",
    "outputs_as_expected",
    "reset_pipeline_data",
    "run_demo",
    "scoring_outcome",
]

REFERENCE_PIPELINE: Final = "fraud"
"""The pipeline the demo runs: the generator's events and labels, and the scoring, are its."""


@dataclass(frozen=True)
class DemoSettings:
    """What ``msk-features demo`` runs: the generated data (``count`` records over ``span``, their
    users, fractions and seed), the local stack's folder (None: :func:`default_state_dir`), whether
    to leave a stack it started running, and whether to do the scoring steps (5 to 7)."""

    count: int = 100_000
    span: timedelta = timedelta(hours=2)
    users: int = 2000
    invalid_fraction: float = 0.02
    late_fraction: float = 0.01
    seed: int = 42
    state_dir: Path | None = None
    keep_stack: bool = False
    scoring: bool = True


# --------------------------------------------------------------------------------------------------
# What the demo reports, step by step (to ``progress``) and at the end (in the report)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A step begins: its number and what it does."""

    number: int
    title: str


@dataclass(frozen=True)
class Note:
    """A line of progress (the local stack's own, e.g. "Starting Kafka")."""

    text: str


@dataclass(frozen=True)
class StackReady:
    """Step 1's result: the broker, the S3 server and the properties file the job runs with."""

    kafka_bootstrap: str
    s3_endpoint: str
    properties: Path


@dataclass(frozen=True)
class BatchSent:
    """A batch of generated records was sent: per topic and label (``summary``)."""

    title: str
    records: int
    summary: SendSummary


@dataclass(frozen=True)
class JobRunning:
    """The bounded job is running (reported about once a second)."""

    elapsed_s: float


@dataclass(frozen=True)
class JobFinished:
    """The bounded job finished: its wall time and the records it was given."""

    seconds: float
    records: int


@dataclass(frozen=True)
class OutputsChecked:
    """Step 4's result: every output read back, what the generator's own records predict for some of
    them (:func:`expected_counts`) and whether those predictions hold."""

    summary: OutputSummary
    expected: dict[str, int]
    ok: bool


@dataclass(frozen=True)
class ModelTrained:
    """Step 5's result: the scoring trained, its artifact and ``model.json``'s content."""

    scoring: str
    artifact: Path
    description: dict[str, Any]


@dataclass(frozen=True)
class ModelServed:
    """Step 6's result: the model's endpoint name and invocation URL on the local endpoint."""

    endpoint: str
    url: str


@dataclass(frozen=True)
class ScoringOutcome:
    """What the scoring run served: the scores topic and its records (``read_committed``), the
    scoring's dead letters, and the scores dataset against the model's own offline predictions."""

    scoring: str
    feature_set: str
    topic: str
    topic_records: int
    dead_letters: int
    parity: ScoreParity

    @property
    def ok(self) -> bool:
        """Every score served equals the model's, and the topic holds as many as the dataset."""
        return self.parity.ok and self.topic_records == self.parity.scores


@dataclass(frozen=True)
class StackLeft:
    """The end: the local stack was stopped, or left running (``kept``)."""

    kept: bool


@dataclass(frozen=True)
class ScoringSteps:
    """Steps 5 to 7: the model, where it was served, the later batch, its job and the scores."""

    model: ModelTrained
    served: ModelServed
    sent: BatchSent
    job: JobFinished
    outcome: ScoringOutcome


@dataclass(frozen=True)
class DemoReport:
    """Everything the demo did: each step's result, its wall time and whether the stack was kept."""

    pipeline: str
    stack: StackReady
    sent: BatchSent
    job: JobFinished
    outputs: OutputsChecked
    scoring: ScoringSteps | None
    seconds: float
    stack_kept: bool

    @property
    def ok(self) -> bool:
        """The outputs are as the generator predicts and (when scored) the scores are the model's."""
        return self.outputs.ok and (self.scoring is None or self.scoring.outcome.ok)


DemoEvent = (
    Step
    | Note
    | StackReady
    | BatchSent
    | JobRunning
    | JobFinished
    | OutputsChecked
    | ModelTrained
    | ModelServed
    | ScoringOutcome
    | DemoReport
    | StackLeft
)
"""What :func:`run_demo` tells its ``progress`` callback, in order."""


# --------------------------------------------------------------------------------------------------
# The steps
# --------------------------------------------------------------------------------------------------


def expected_counts(records: list[PlannedRecord]) -> dict[str, int]:
    """From the generator's labels: invalid records, late records, and on-time valid events per input."""
    counts = Counter(r.kind for r in records)
    expected = {"dead-letter": counts["invalid"], "late-events": counts["late"]}
    for stream in sorted({r.stream for r in records}):
        expected[f"events/{stream}"] = sum(
            1 for r in records if r.stream == stream and r.kind in ("valid", "out_of_order")
        )
    return expected


def outputs_as_expected(summary: OutputSummary, expected: dict[str, int]) -> bool:
    """True when every output that ``expected`` names has that count: a topic by the first word of
    its label (``dead-letter (…)``), a dataset by its name (``events/<source>``)."""
    counts = {label.split(" ", 1)[0]: n for label, n in summary.topics.items()}
    counts.update({ds.name: ds.rows for ds in summary.datasets})
    return all(expected[key] == n for key, n in counts.items() if key in expected)


def reset_pipeline_data(cfg: AppConfig, s3_client: Any, timeout_s: float = 30.0) -> None:
    """Delete the pipeline's topics (re-create them with ``up``) and its offline objects."""
    admin = AdminClient(librdkafka_config(cfg.kafka))
    existing = set(admin.list_topics(timeout=10).topics)
    names = [spec.name for spec in pipeline_topics(cfg.topics, cfg.pipeline.name) if spec.name in existing]
    if names:
        for future in admin.delete_topics(names, operation_timeout=timeout_s).values():
            future.result()
        deadline = time.monotonic() + timeout_s
        while set(names) & set(admin.list_topics(timeout=10).topics):
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics {names} were not deleted within {timeout_s:.0f} s")
            time.sleep(0.2)
    if cfg.offline is not None and cfg.offline.path.startswith("s3a://"):
        bucket, _, prefix = cfg.offline.path.removeprefix("s3a://").partition("/")
        paginator = s3_client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3_client.delete_objects(Bucket=bucket, Delete={"Objects": keys})


def generate_and_send(cfg: AppConfig, spec: GenerateSpec, progress: bool = True) -> list[PlannedRecord]:
    """Build the plan for ``spec`` and send it to ``cfg``'s cluster; return the records as sent."""
    records = build_plan(spec)
    send(records, librdkafka_config(cfg.kafka), progress=progress)
    return records


def scoring_outcome(
    cfg: AppConfig, scoring: Scoring, artifact: Path, timeout_s: float = 60.0
) -> ScoringOutcome:
    """What the scoring run served: scores in the topic, the scoring's dead letters, and the parity
    of the scores dataset with the model's offline predictions (:mod:`msk_features.offline.score_parity`),
    with the served scores' AUC against the labels that arrived later (positive: the first choice
    of the labels source's ``label``, as training takes it)."""
    from msk_features.offline.score_parity import compare_scores
    from msk_features.offline.train import LABEL_COLUMN, default_positive, labels_dataset, labels_source

    assert cfg.offline is not None
    client = librdkafka_config(cfg.kafka)
    topic = cfg.topics.scores_topic(scoring.name)
    served = read_topic(client, topic, timeout_s=timeout_s)
    dead = [
        r
        for r in read_topic(client, cfg.topics.dead_letter, timeout_s=timeout_s)
        if r.headers.get("dlq.scoring") == scoring.name.encode()
    ]
    source, _ = labels_source(get_pipeline(cfg.pipeline.name))
    positive = default_positive(source)
    id_column = scoring.columns[0]
    features = feature_rows_from_table(read_offline(cfg.offline, f"features/{scoring.features.name}"))
    scores = feature_rows_from_table(read_offline(cfg.offline, f"scores/{scoring.name}"))
    label_rows = feature_rows_from_table(read_offline(cfg.offline, labels_dataset(source)))
    labels = {row[id_column]: row[LABEL_COLUMN] == positive for row in label_rows}
    parity = compare_scores(scoring, artifact, features, scores, id_column, labels)
    return ScoringOutcome(scoring.name, scoring.features.name, topic, len(served), len(dead), parity)


def _run_job(properties: Path, tell: Callable[[DemoEvent], object] | None) -> JobRun:
    """Run the bounded job; tell :class:`JobRunning` about once a second while it runs."""
    if tell is None:
        return run_job(properties, REPO_ROOT)
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = run_job(properties, REPO_ROOT)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    started = time.monotonic()
    thread.start()
    while thread.is_alive():
        tell(JobRunning(time.monotonic() - started))
        thread.join(timeout=1.0)
    if "error" in outcome:
        raise outcome["error"]
    result: JobRun = outcome["result"]
    return result


def run_demo(settings: DemoSettings, progress: Callable[[DemoEvent], object] | None = None) -> DemoReport:
    """Run the demo (module docstring) with ``settings``; return every step's result.

    ``progress`` receives, in order, each :class:`Step` as it begins, the local stack's
    :class:`Note` lines, each step's result as it ends, :class:`JobRunning` while a job runs, the
    :class:`DemoReport` when every step is done and :class:`StackLeft` last, also when a step
    fails. Stops the local stack unless it was running before or ``settings.keep_stack``. Raises
    what the steps raise (the stack's, Kafka's, the job's and training's own errors).
    """

    def tell(event: DemoEvent) -> None:
        if progress is not None:
            progress(event)

    directory = settings.state_dir.resolve() if settings.state_dir else default_state_dir()
    started = time.monotonic()
    stack = LocalStack(directory, progress=lambda message: tell(Note(message)))
    kept = settings.keep_stack or bool(stack.status()["kafka"]["alive"])
    try:
        tell(Step(1, "local stack"))
        topics = TopicsConfig(partitions=1)
        endpoints = stack.up()
        cfg = local_app_config(endpoints, topics=topics, pipeline=REFERENCE_PIPELINE)
        reset_pipeline_data(cfg, endpoints.s3_client())
        endpoints = stack.up(topics=pipeline_topics(topics, REFERENCE_PIPELINE))
        properties = write_local_properties(endpoints, directory, topics=topics, pipeline=REFERENCE_PIPELINE)
        ready = StackReady(endpoints.kafka_plaintext_bootstrap, endpoints.s3_endpoint_url, properties)
        tell(ready)

        tell(Step(2, "generate"))
        spec = GenerateSpec.from_total(
            settings.count,
            seed=settings.seed,
            users=settings.users,
            span=settings.span,
            invalid_fraction=settings.invalid_fraction,
            out_of_order_fraction=0.02,
            late_fraction=settings.late_fraction,
            topics=cfg.topics,
            labels=True,
        )
        sent, records = _send(cfg, spec, "Sent", progress is not None)
        tell(sent)

        tell(Step(3, f"run the {REFERENCE_PIPELINE} pipeline (bounded)"))
        job = JobFinished(_run_job(properties, progress).seconds, sent.records)
        tell(job)

        tell(Step(4, "outputs"))
        summary = summarise_outputs(cfg)
        expected = expected_counts(records)
        outputs = OutputsChecked(summary, expected, outputs_as_expected(summary, expected))
        tell(outputs)

        scored = _scoring_steps(stack, directory, cfg, spec, tell, progress) if settings.scoring else None
        report = DemoReport(
            REFERENCE_PIPELINE, ready, sent, job, outputs, scored, time.monotonic() - started, kept
        )
        tell(report)
        return report
    finally:
        if not kept:
            stack.down()
        tell(StackLeft(kept))


def _send(cfg: AppConfig, spec: GenerateSpec, title: str, bar: bool) -> tuple[BatchSent, list[PlannedRecord]]:
    """Generate ``spec`` and send it (with a progress bar when ``bar``): the batch and its records."""
    records = generate_and_send(cfg, spec, progress=bar)
    return BatchSent(title, len(records), SendSummary.from_records(records)), records


def _scoring_steps(
    stack: LocalStack,
    directory: Path,
    cfg: AppConfig,
    spec: GenerateSpec,
    tell: Callable[[DemoEvent], None],
    progress: Callable[[DemoEvent], object] | None,
) -> ScoringSteps:
    """Steps 5 to 7: train, serve, score a later batch."""
    from msk_features.offline.train import ARTIFACT, train_from_offline

    pipeline = get_pipeline(cfg.pipeline.name)
    scoring = pipeline.scorings[0]
    tell(Step(5, f"train the {scoring.name} model on that offline data"))
    out = directory / "models" / scoring.name
    trained = train_from_offline(cfg, pipeline.name, scoring.name, out=str(out))
    model = ModelTrained(scoring.name, out / ARTIFACT, trained.description)
    tell(model)

    tell(Step(6, "serve it on the local endpoint (SageMaker runtime protocol)"))
    endpoint_name = scoring.name.replace("_", "-")
    endpoints = stack.serve_models({endpoint_name: model.artifact})
    served = ModelServed(
        endpoint_name, f"{endpoints.model_endpoint_url}/endpoints/{endpoint_name}/invocations"
    )
    tell(served)

    tell(Step(7, "score a later batch: the pipeline with its scoring (bounded)"))
    live_topics = prefixed_topics("live-", cfg.pipeline.name, partitions=1)
    live = local_app_config(endpoints, topics=live_topics, prefix="offline-live", pipeline=cfg.pipeline.name)
    live = replace(
        live,
        scoring=ScoringConfig(
            endpoints={scoring.name: endpoint_name},
            endpoint_override=endpoints.model_endpoint_url,
            region="us-east-1",
            access_key="local",
            secret_key="local",
        ),
    )
    reset_pipeline_data(live, endpoints.s3_client())
    stack.up(topics=pipeline_topics(live_topics, cfg.pipeline.name))
    later = replace(spec, seed=spec.seed + 1, start=spec.start + spec.span, topics=live.topics)
    sent, _ = _send(live, later, "Sent (later batch)", progress is not None)
    tell(sent)
    properties = directory / "application_properties.scoring.json"
    properties.write_text(json.dumps(to_property_groups(live), indent=2), encoding="utf-8")
    job = JobFinished(_run_job(properties, progress).seconds, sent.records)
    tell(job)
    outcome = scoring_outcome(live, scoring, model.artifact)
    tell(outcome)
    return ScoringSteps(model, served, sent, job, outcome)
