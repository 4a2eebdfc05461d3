"""The fraud profile as a :class:`~msk_features.dev.generator.planner.Planner`: the command's options
to a :class:`~msk_features.dev.generator.profiles.fraud.plan.GenerateSpec`, and how its plan is shown.

Its own options (``extra``): ``transactions``, ``clicks``, ``profiles`` (exact records per topic,
overriding their share of the count; also accepted as per-source counts), ``labels`` (a label per
scored transaction, on top of the count) and ``merchants``. The request's ``keys`` are its users.
A total is split 50/40/10 (:func:`~msk_features.dev.generator.profiles.fraud.plan.split_count`);
with no total and no per-topic count, :data:`~msk_features.dev.generator.planner.DEFAULT_COUNT`.
"""

from __future__ import annotations

from flink_jobs.features import PipelineSpec
from msk_features.dev.generator.durations import format_duration
from msk_features.dev.generator.instants import format_instant
from msk_features.dev.generator.planner import DEFAULT_COUNT, GenerateRequest, PlanReport
from msk_features.dev.generator.profiles.fraud.events import STREAMS
from msk_features.dev.generator.profiles.fraud.plan import COUNTED, GenerateSpec, build_plan, split_count
from msk_features.dev.generator.records import PlannedRecord, SpecError

__all__ = ["FraudProfile"]


class FraudProfile:
    """The fraud pipeline's realistic data: sessions before purchases, evolving profiles, labels."""

    options: frozenset[str] = frozenset({*COUNTED, "labels", "merchants"})

    def spec(self, request: GenerateRequest) -> GenerateSpec:
        """The :class:`GenerateSpec` of ``request`` (``SpecError`` if it cannot be generated)."""
        explicit: dict[str, int | None] = {name: request.extra.get(name) for name in COUNTED}
        for name, n in request.source_counts.items():
            if name == "labels":
                raise SpecError(
                    "labels: one per scored transaction, not counted; --no-labels leaves them out"
                )
            if name not in COUNTED:
                raise SpecError(f"the fraud pipeline has no source '{name}' (counted: {', '.join(COUNTED)})")
            if explicit[name] is not None:
                raise SpecError(f"{name}: give its count once (--{name} or --source-count {name}=N)")
            explicit[name] = n
        count = request.count
        if count is None and all(n is None for n in explicit.values()):
            count = DEFAULT_COUNT
        shares = split_count(count) if count is not None else (0, 0, 0)
        t, c, p = (share if n is None else n for n, share in zip(explicit.values(), shares, strict=True))
        return GenerateSpec(
            **request.plan_options(),
            transactions=t,
            clicks=c,
            profiles=p,
            labels=bool(request.extra.get("labels", False)),
            users=request.keys,
            merchants=int(request.extra.get("merchants", 50)),
        )

    def check(self, pipeline: PipelineSpec, request: GenerateRequest) -> None:
        """Raise :class:`SpecError` if ``request`` cannot be generated."""
        self.spec(request)

    def plan(self, pipeline: PipelineSpec, request: GenerateRequest) -> PlanReport:
        """The fraud profile's records, its one-line description, the label note and a warning when
        some users get no profile."""
        spec = self.spec(request)
        records = build_plan(spec)
        warnings: tuple[str, ...] = ()
        if 0 < spec.profiles < spec.users:
            warnings = (f"only {spec.profiles} of {spec.users} users get a profile (--profiles < --users)",)
        note = label_note(records)
        return PlanReport(records, describe(spec), (note,) if note else (), warnings)


def describe(spec: GenerateSpec) -> str:
    """One line: the seed, the records per topic, users, merchants, the span and the delay."""
    per_topic = ", ".join(f"{spec.count(s)} {s} → {spec.topic(s)}" for s in STREAMS if s != "labels")
    labels = f" and {spec.count('labels')} labels → {spec.topic('labels')}" if spec.labels else ""
    return (
        f"seed {spec.seed}: {spec.events} events ({per_topic}){labels}; "
        f"{spec.users} users, {spec.merchants} merchants; "
        f"event time {format_instant(spec.start_ms)} + {format_duration(spec.span)}; "
        f"watermark delay {format_duration(spec.watermark_delay)}"
    )


def label_note(records: list[PlannedRecord]) -> str | None:
    """How many of the labels the job will archive (valid and out of order) say fraud, or ``None``."""
    kept = [r.event for r in records if r.stream == "labels" and r.kind in ("valid", "out_of_order")]
    if not kept:
        return None
    fraud = sum(1 for event in kept if event is not None and event["label"] == "fraud")
    return f"labels: {fraud} fraud of {len(kept)} on time ({fraud / len(kept):.1%})"
