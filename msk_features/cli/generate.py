"""``msk-features generate``: seeded test data to the input topics (attach with ``main.add_command``)."""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource
from confluent_kafka import KafkaException
from rich.console import Console

from flink_jobs.config import ENV_PROPERTIES, AppConfig, ConfigError, KafkaConfig, TopicsConfig, load_config
from flink_jobs.features import PipelineSpec
from msk_features.dev.generator.durations import parse_duration
from msk_features.dev.generator.instants import DEFAULT_START, format_instant, to_epoch_ms
from msk_features.dev.generator.planner import DEFAULT_COUNT, GenerateRequest, Planner
from msk_features.dev.generator.profiles import planner_for, profile_options
from msk_features.dev.generator.records import PlannedRecord, SpecError
from msk_features.dev.generator.send import DeliveryError, SendSummary, send
from msk_features.kafka.auth import librdkafka_config

__all__ = ["DEFAULT_PROPERTIES", "generate"]

log = logging.getLogger(__name__)

DEFAULT_PROPERTIES = Path(".local-stack/application_properties.json")
_BOOTSTRAP = re.compile(r"[A-Za-z0-9.\-\[\]:]+:\d{1,5}")


class DurationType(click.ParamType):
    """A duration: ``90s``, ``30m``, ``1h``, ``1h30m``, ``500ms`` or a number of seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class InstantType(click.ParamType):
    """An ISO-8601 instant, e.g. ``2026-11-24T10:00:00.000Z`` (no zone means UTC)."""

    name = "instant"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not an ISO-8601 instant (e.g. 2026-11-24T10:00:00.000Z)", param, ctx)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)


_FRACTION = click.FloatRange(0.0, 1.0)
_SOURCE_COUNT = re.compile(r"([A-Za-z0-9_.\-]+)=(\d+)")


class SourceCountType(click.ParamType):
    """``SOURCE=N``: exactly N records on that source's topic."""

    name = "source=n"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, int]:
        if isinstance(value, tuple):
            return value
        match = _SOURCE_COUNT.fullmatch(str(value).strip())
        if match is None:
            self.fail(f"{value!r} is not SOURCE=N (e.g. readings=500)", param, ctx)
        return match.group(1), int(match.group(2))


EPILOG = """\b
Examples:
  # the fraud pipeline: 1000 events (500 transactions, 400 clicks, 100 profiles)
  # and a label per transaction, to the local stack
  msk-features generate fraud --count 1000
  # the IoT pipeline from its contracts: what would be sent, with 5% invalid,
  # 5% out-of-order and 2% late records
  msk-features generate iot --count 10000 --invalid-fraction 0.05 \\
      --out-of-order-fraction 0.05 --late-fraction 0.02 --dry-run
  # the pipeline named by the properties' pipeline.name
  msk-features generate --count 1000 --properties app.json
  # a slow trickle of transactions only (no labels), to a broker on localhost
  msk-features generate fraud --transactions 600 --no-labels --rate 10 \\
      --bootstrap-servers localhost:9092
"""


@click.command(name="generate", epilog=EPILOG)
@click.argument("pipeline", required=False)
@click.option(
    "--count",
    type=click.IntRange(min=0),
    default=None,
    help="Total records, split over the sources: fraud 50% transactions / 40% clicks / 10% "
    "profiles (labels come on top, see --labels); another pipeline 4 shares per event source, 1 per "
    f"versioned source. [default: {DEFAULT_COUNT} when no count option is given]",
)
@click.option(
    "--source-count",
    "source_counts",
    type=SourceCountType(),
    multiple=True,
    help="Exactly N records on SOURCE's topic (overrides its share of --count; repeatable).",
)
@click.option(
    "--transactions",
    type=click.IntRange(min=0),
    default=None,
    help="fraud: records on the transactions topic (overrides its share of --count).",
)
@click.option(
    "--clicks",
    type=click.IntRange(min=0),
    default=None,
    help="fraud: records on the clicks topic (overrides its share of --count).",
)
@click.option(
    "--profiles",
    type=click.IntRange(min=0),
    default=None,
    help="fraud: records on the profiles topic (overrides its share of --count).",
)
@click.option(
    "--labels/--no-labels",
    default=True,
    show_default=True,
    help="fraud: also one label (fraud or legit, by the generator's hidden rule) per transaction the "
    "job scores (valid, on time), to the labels topic, minutes to hours after the transaction; not "
    "part of --count, and the --*-fraction options apply to them as to every topic.",
)
@click.option(
    "--keys",
    "--users",
    "keys",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Distinct values of each key field, shared by the sources keyed alike (fraud: simulated "
    "users u0001, u0002, ...).",
)
@click.option(
    "--merchants",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="fraud: number of simulated merchants (m0001, ...).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=42,
    show_default=True,
    help="Random seed: the same seed and options give byte-identical records.",
)
@click.option(
    "--start",
    type=InstantType(),
    default=format_instant(to_epoch_ms(DEFAULT_START)),
    show_default=True,
    help="Event time of the start of the simulated span (UTC).",
)
@click.option(
    "--span",
    type=DurationType(),
    default="1h",
    show_default=True,
    help="Simulated event-time span of the valid events, e.g. 90s, 30m, 1h, 1h30m.",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Records per second. [default: as fast as possible]",
)
@click.option(
    "--invalid-fraction",
    type=_FRACTION,
    default=0.0,
    show_default=True,
    help="Fraction of each topic's records that break exactly one validation rule.",
)
@click.option(
    "--out-of-order-fraction",
    type=_FRACTION,
    default=0.0,
    show_default=True,
    help="Fraction of valid records behind the topic's max event time by less than the watermark delay.",
)
@click.option(
    "--late-fraction",
    type=_FRACTION,
    default=0.0,
    show_default=True,
    help="Fraction of valid records more than watermark delay + 5s behind the topic's max event time.",
)
@click.option(
    "--watermark-delay",
    type=DurationType(),
    default=None,
    help="The job's bounded out-of-orderness (a source's own delay in its spec wins). [default: "
    "pipeline watermark.delay.seconds from the properties file, else 30s]",
)
@click.option(
    "--properties",
    "properties",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=ENV_PROPERTIES,
    default=DEFAULT_PROPERTIES,
    show_default=True,
    show_envvar=True,
    help="Runtime properties file (the pipeline when PIPELINE is not given, topic names, Kafka connection).",
)
@click.option(
    "--bootstrap-servers",
    default=None,
    metavar="HOST:PORT[,...]",
    help="Produce to these brokers over plaintext instead of the properties' kafka group.",
)
@click.option("--dry-run", is_flag=True, help="Print what would be sent; do not connect to Kafka.")
@click.option(
    "--output-jsonl",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write every record (topic, key, value, kind, reason, partition, offset) as JSON lines.",
)
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar.")
@click.pass_context
def generate(
    ctx: click.Context,
    pipeline: str | None,
    count: int | None,
    source_counts: tuple[tuple[str, int], ...],
    transactions: int | None,
    clicks: int | None,
    profiles: int | None,
    labels: bool,
    keys: int,
    merchants: int,
    seed: int,
    start: datetime,
    span: timedelta,
    rate: float | None,
    invalid_fraction: float,
    out_of_order_fraction: float,
    late_fraction: float,
    watermark_delay: timedelta | None,
    properties: Path,
    bootstrap_servers: str | None,
    dry_run: bool,
    output_jsonl: Path | None,
    progress: bool,
) -> None:
    """Produce seeded, labelled test records to the input topics of PIPELINE.

    PIPELINE defaults to pipeline.name of the properties file. A pipeline with a profile gets its
    realistic data; any other gets data from its input contracts: every field valid for its kind
    and domain, keys drawn from one pool per key field (sources keyed alike join), a versioned
    source's first version of each key just before --start and new versions during the span.

    The fraud profile: valid events are spread over --span of event time from --start; clicks lead
    up to purchases and every user gets a profile early on. Each transaction the job scores gets a
    label on the labels topic (--no-labels: none): fraud when at least three of a large amount (>=
    500), a country other than the user's home country, a high risk tier and no click in the 10
    minutes before hold, with 2% of the verdicts flipped; labeled_at is 1 min to 4 h after the
    transaction.

    The --*-fraction options mix in invalid records (each breaks exactly one validation rule:
    bad_json, missing_field, wrong_type or out_of_domain), out-of-order records (within the
    watermark delay) and late records (beyond it). The same --seed and options always give the
    same bytes. A table per topic summarizes what was sent.
    """
    console = Console()
    fractions = invalid_fraction + out_of_order_fraction + late_fraction
    if fractions > 1.0 + 1e-9:
        raise click.UsageError(
            f"--invalid-fraction + --out-of-order-fraction + --late-fraction is {fractions:g}; "
            "it must be at most 1"
        )
    if bootstrap_servers is not None:
        bootstrap_servers = _check_bootstrap(bootstrap_servers)
    counts: dict[str, int] = {}
    for name, n in source_counts:
        if name in counts:
            raise click.BadParameter(f"{name} is given twice", param_hint="'--source-count'")
        counts[name] = n
    try:
        request = GenerateRequest(
            seed=seed,
            count=count,
            source_counts=counts,
            keys=keys,
            start=start,
            span=span,
            invalid_fraction=invalid_fraction,
            out_of_order_fraction=out_of_order_fraction,
            late_fraction=late_fraction,
            watermark_delay=watermark_delay or timedelta(seconds=30),
        )
    except SpecError as exc:
        raise click.UsageError(str(exc)) from None
    need_kafka = not dry_run and bootstrap_servers is None
    cfg: AppConfig | None = None
    loaded = False
    if pipeline is None:
        # The pipeline comes from the properties: read them first.
        cfg, loaded = _load_properties(ctx, properties, need_kafka=need_kafka), True
        pipeline = _pipeline_name(cfg, properties)
    spec = _pipeline(pipeline)
    planner = planner_for(spec.name)
    request = dataclasses.replace(request, extra=_profile_extra(ctx, spec.name, planner))
    # Check the options before the properties file (when PIPELINE is given), so option errors come first.
    _check(planner, spec, request)
    if not loaded:
        cfg = _load_properties(ctx, properties, need_kafka=need_kafka)
    if watermark_delay is None:
        watermark_delay = timedelta(seconds=cfg.pipeline.watermark_delay_s if cfg is not None else 30)
    request = dataclasses.replace(
        request, watermark_delay=watermark_delay, topics=cfg.topics if cfg is not None else TopicsConfig()
    )
    _check(planner, spec, request)
    report = planner.plan(spec, request)
    records = report.records
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)

    console.print(report.description)
    if dry_run:
        summary = SendSummary.from_records(records)
        _write_jsonl(output_jsonl, records)
        console.print(summary.render_table(title="Dry run: nothing was sent"))
        _print_notes(console, report.notes)
        return

    producer_conf = _producer_conf(cfg, bootstrap_servers)
    try:
        summary = send(records, producer_conf, rate=rate, progress=progress)
    except DeliveryError as exc:
        _write_jsonl(output_jsonl, records)
        console.print(exc.summary.render_table(title="Partially sent"))
        raise click.ClickException(str(exc)) from None
    except KafkaException as exc:
        raise click.ClickException(f"Kafka producer error: {exc}") from None
    _write_jsonl(output_jsonl, records)
    console.print(
        summary.render_table(
            title=f"Sent to {producer_conf['bootstrap.servers']} in {summary.elapsed_s:.1f}s"
        )
    )
    _print_notes(console, report.notes)


def _pipeline_name(cfg: AppConfig | None, properties: Path) -> str:
    """pipeline.name of the properties (else the only pipeline), or a usage error saying how to name it."""
    from msk_features.cli.pipeline import named_pipeline

    where = f"{properties} names none" if cfg is not None else f"no properties file at {properties}"
    return named_pipeline(None, cfg, given_as="msk-features generate PIPELINE", detail=f" ({where})")


def _pipeline(name: str) -> PipelineSpec:
    from flink_jobs.pipelines import get_pipeline, pipeline_names

    if name not in pipeline_names():
        raise click.BadParameter(
            f"unknown pipeline '{name}' (one of {', '.join(pipeline_names())})", param_hint="'PIPELINE'"
        )
    try:
        return get_pipeline(name)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _profile_extra(ctx: click.Context, pipeline: str, planner: Planner) -> dict[str, Any]:
    """The profile's own options; another profile's option given on the command line is an error."""
    for name, owners in profile_options().items():
        if name in planner.options or ctx.get_parameter_source(name) != ParameterSource.COMMANDLINE:
            continue
        option = next(p for p in ctx.command.params if p.name == name)
        flags = "/".join(option.opts + option.secondary_opts)
        raise click.UsageError(
            f"{flags} is an option of the {' and '.join(owners)} pipeline's generator profile; pipeline "
            f"'{pipeline}' has {'another' if planner.options else 'none'} (its data comes from its input "
            "contracts): leave it out, and use --count / --source-count SOURCE=N for record counts"
        )
    return {name: ctx.params[name] for name in planner.options}


def _check(planner: Planner, spec: PipelineSpec, request: GenerateRequest) -> None:
    try:
        planner.check(spec, request)
    except SpecError as exc:
        raise click.UsageError(str(exc)) from None


def _check_bootstrap(value: str) -> str:
    servers = [s.strip() for s in value.split(",")]
    bad = [s for s in servers if not _BOOTSTRAP.fullmatch(s)]
    if bad:
        raise click.BadParameter(f"'{bad[0]}' is not host:port", param_hint="'--bootstrap-servers'")
    return ",".join(servers)


def _load_properties(ctx: click.Context, path: Path, need_kafka: bool) -> AppConfig | None:
    """The runtime properties, or ``None`` if the default file is absent and nothing needs it."""
    source = ctx.get_parameter_source("properties")
    explicit = source in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    if not path.exists() and not explicit and not need_kafka:
        log.info("no properties file at %s: default topic names", path)
        return None
    if not path.exists():
        origin = f"${ENV_PROPERTIES}" if source == ParameterSource.ENVIRONMENT else "--properties"
        hint = (
            ""
            if explicit
            else (
                f" (the default; pass --properties PATH, set ${ENV_PROPERTIES}, give --bootstrap-servers, "
                "or start the local stack)"
            )
        )
        raise click.BadParameter(f"no properties file at {path}{hint}", param_hint=f"'{origin}'")
    try:
        return load_config(path)
    except ConfigError as exc:
        raise click.ClickException(f"{path}: {exc}") from None


def _producer_conf(cfg: AppConfig | None, bootstrap_servers: str | None) -> dict[str, Any]:
    if bootstrap_servers is not None:
        return librdkafka_config(KafkaConfig(bootstrap_servers=bootstrap_servers, auth="plaintext"))
    assert cfg is not None  # _load_properties insists when sending without --bootstrap-servers
    try:
        return librdkafka_config(cfg.kafka)
    except ConfigError as exc:
        raise click.ClickException(f"{exc}; or pass --bootstrap-servers for a plaintext listener") from None


def _print_notes(console: Console, notes: tuple[str, ...]) -> None:
    for note in notes:
        console.print(note)


def _write_jsonl(path: Path | None, records: list[PlannedRecord]) -> None:
    if path is None:
        return
    try:
        with path.open("w", encoding="utf-8") as out:
            for record in records:
                out.write(record.to_json_line() + "\n")
    except OSError as exc:
        raise click.FileError(str(path), hint=exc.strerror or str(exc)) from None
    click.echo(f"wrote {len(records)} records to {path}", err=True)
