"""``msk-features generate``: seeded test data to the input topics (attach with ``main.add_command``)."""

from __future__ import annotations

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
from msk_features.dev.generator.events import STREAMS, format_instant, to_epoch_ms
from msk_features.dev.generator.plan import (
    DEFAULT_START,
    GenerateSpec,
    PlannedRecord,
    SpecError,
    build_plan,
    format_duration,
    parse_duration,
    split_count,
)
from msk_features.dev.generator.send import DeliveryError, SendSummary, send
from msk_features.kafka.auth import librdkafka_config

__all__ = ["DEFAULT_PROPERTIES", "generate"]

log = logging.getLogger(__name__)

DEFAULT_PROPERTIES = Path(".local-stack/application_properties.json")
DEFAULT_COUNT = 1000
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

EPILOG = """\b
Examples:
  # 1000 events (500 transactions, 400 clicks, 100 profiles) and a label per
  # transaction to the local stack
  msk-features generate --count 1000
  # what would be sent, with 5% invalid, 5% out-of-order and 2% late records
  msk-features generate --count 10000 --invalid-fraction 0.05 \\
      --out-of-order-fraction 0.05 --late-fraction 0.02 --dry-run
  # a slow trickle of transactions only (no labels), to a broker on localhost
  msk-features generate --transactions 600 --no-labels --rate 10 --bootstrap-servers localhost:9092
"""


@click.command(name="generate", epilog=EPILOG)
@click.option(
    "--count",
    type=click.IntRange(min=0),
    default=None,
    help=f"Total events, split 50% transactions / 40% clicks / 10% profiles (labels come on top, see "
    f"--labels). [default: {DEFAULT_COUNT} when no count option is given]",
)
@click.option(
    "--transactions",
    type=click.IntRange(min=0),
    default=None,
    help="Records on the transactions topic (overrides its share of --count).",
)
@click.option(
    "--clicks",
    type=click.IntRange(min=0),
    default=None,
    help="Records on the clicks topic (overrides its share of --count).",
)
@click.option(
    "--profiles",
    type=click.IntRange(min=0),
    default=None,
    help="Records on the profiles topic (overrides its share of --count).",
)
@click.option(
    "--labels/--no-labels",
    default=True,
    show_default=True,
    help="Also one label (fraud or legit, by the generator's hidden rule) per transaction the job "
    "scores (valid, on time), to the labels topic, minutes to hours after the transaction; not part "
    "of --count, and the --*-fraction options apply to them as to every topic.",
)
@click.option(
    "--users",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Number of simulated users (u0001, u0002, ...).",
)
@click.option(
    "--merchants",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Number of simulated merchants (m0001, ...).",
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
    help="The job's bounded out-of-orderness. [default: pipeline watermark.delay.seconds "
    "from the properties file, else 30s]",
)
@click.option(
    "--properties",
    "properties",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=ENV_PROPERTIES,
    default=DEFAULT_PROPERTIES,
    show_default=True,
    show_envvar=True,
    help="Runtime properties file (topic names, Kafka connection).",
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
    count: int | None,
    transactions: int | None,
    clicks: int | None,
    profiles: int | None,
    labels: bool,
    users: int,
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
    """Produce seeded, labelled test events to the transactions, clicks, profiles and labels topics.

    Valid events are spread over --span of event time from --start; clicks lead up to purchases and
    every user gets a profile early on. Each transaction the job scores gets a label on the labels
    topic (--no-labels: none): fraud when at least three of a large amount (>= 500), a country other
    than the user's home country, a high risk tier and no click in the 10 minutes before hold, with
    2% of the verdicts flipped; labeled_at is 1 min to 4 h after the transaction. The --*-fraction
    options mix in invalid records (each breaks exactly one validation rule: bad_json,
    missing_field, wrong_type or out_of_domain), out-of-order records (within the watermark delay)
    and late records (beyond it). The same --seed
    and options always give the same bytes. A table per topic summarizes what was sent.
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
    counts = _counts(count, transactions, clicks, profiles)
    options: dict[str, Any] = {
        "seed": seed,
        "transactions": counts[0],
        "clicks": counts[1],
        "profiles": counts[2],
        "labels": labels,
        "users": users,
        "merchants": merchants,
        "start": start,
        "span": span,
        "invalid_fraction": invalid_fraction,
        "out_of_order_fraction": out_of_order_fraction,
        "late_fraction": late_fraction,
    }
    # Check the options before the properties file, so option errors come first.
    _spec(options, watermark_delay or timedelta(seconds=30), TopicsConfig())
    cfg = _load_properties(ctx, properties, need_kafka=not dry_run and bootstrap_servers is None)
    if watermark_delay is None:
        watermark_delay = timedelta(seconds=cfg.pipeline.watermark_delay_s if cfg is not None else 30)
    spec = _spec(options, watermark_delay, cfg.topics if cfg is not None else TopicsConfig())
    records = build_plan(spec)
    if 0 < spec.profiles < spec.users:
        click.echo(
            f"warning: only {spec.profiles} of {spec.users} users get a profile (--profiles < --users)",
            err=True,
        )

    console.print(_describe(spec))
    if dry_run:
        summary = SendSummary.from_records(records)
        _write_jsonl(output_jsonl, records)
        console.print(summary.render_table(title="Dry run: nothing was sent"))
        _print_label_note(console, records)
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
    _print_label_note(console, records)


def _spec(options: dict[str, Any], watermark_delay: timedelta, topics: TopicsConfig) -> GenerateSpec:
    try:
        return GenerateSpec(**options, watermark_delay=watermark_delay, topics=topics)
    except SpecError as exc:
        raise click.UsageError(str(exc)) from None


def _check_bootstrap(value: str) -> str:
    servers = [s.strip() for s in value.split(",")]
    bad = [s for s in servers if not _BOOTSTRAP.fullmatch(s)]
    if bad:
        raise click.BadParameter(f"'{bad[0]}' is not host:port", param_hint="'--bootstrap-servers'")
    return ",".join(servers)


def _counts(
    count: int | None, transactions: int | None, clicks: int | None, profiles: int | None
) -> tuple[int, int, int]:
    """Per-topic counts: explicit options win, the rest is their share of --count (or 0)."""
    explicit = (transactions, clicks, profiles)
    if count is None and all(n is None for n in explicit):
        count = DEFAULT_COUNT
    shares = split_count(count) if count is not None else (0, 0, 0)
    t, c, p = (share if n is None else n for n, share in zip(explicit, shares, strict=True))
    return t, c, p


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


def _describe(spec: GenerateSpec) -> str:
    per_topic = ", ".join(f"{spec.count(s)} {s} → {spec.topic(s)}" for s in STREAMS if s != "labels")
    labels = f" and {spec.count('labels')} labels → {spec.topic('labels')}" if spec.labels else ""
    return (
        f"seed {spec.seed}: {spec.events} events ({per_topic}){labels}; "
        f"{spec.users} users, {spec.merchants} merchants; "
        f"event time {format_instant(spec.start_ms)} + {format_duration(spec.span)}; "
        f"watermark delay {format_duration(spec.watermark_delay)}"
    )


def _print_label_note(console: Console, records: list[PlannedRecord]) -> None:
    """How many of the labels the job will archive (valid and out of order) say fraud."""
    kept = [r.event for r in records if r.stream == "labels" and r.kind in ("valid", "out_of_order")]
    if kept:
        fraud = sum(1 for event in kept if event is not None and event["label"] == "fraud")
        console.print(f"labels: {fraud} fraud of {len(kept)} on time ({fraud / len(kept):.1%})")


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
