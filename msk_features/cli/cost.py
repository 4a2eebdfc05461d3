"""``msk-features cost``: a monthly estimate for MSK (serverless and provisioned), Managed Flink and S3."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from msk_features.cli.options import output_option
from msk_features.cli.reports import cost_report, dumps
from msk_features.operations.cost import (
    CostError,
    CostEstimate,
    CostInputs,
    LineItem,
    UnknownBrokerTypeError,
    estimate_cost,
    total,
)

__all__ = ["cost"]

_console = Console()


def _table(title: str, items: list[LineItem]) -> Table:
    table = Table(title=title, header_style="bold")
    table.add_column("item")
    table.add_column("quantity", justify="right")
    table.add_column("USD / month", justify="right")
    for item in items:
        table.add_row(item.item, item.quantity, f"{item.monthly_usd:,.2f}")
    table.add_row("total", "", f"{total(items):,.2f}", style="bold")
    return table


@click.command("cost")
@click.option(
    "--message-bytes", type=click.FloatRange(min=1), default=500, show_default=True, help="Mean message size."
)
@click.option(
    "--messages-per-s",
    type=click.FloatRange(min=0),
    default=None,
    help="Input messages per second [default: 1000].",
)
@click.option(
    "--gb-per-day", type=click.FloatRange(min=0), default=None, help="Input volume instead of messages/s."
)
@click.option(
    "--retention-hours", type=click.FloatRange(min=0), default=168, show_default=True, help="Topic retention."
)
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    default=27,
    show_default=True,
    help="Partitions over all topics.",
)
@click.option(
    "--consumers",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Consumer groups reading the input (fan-out).",
)
@click.option(
    "--output-ratio",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Bytes written to output topics per input byte.",
)
@click.option(
    "--parallelism", type=click.IntRange(min=1), default=2, show_default=True, help="Flink parallelism."
)
@click.option(
    "--parallelism-per-kpu",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Flink parallelism per KPU.",
)
@click.option(
    "--snapshot-gb",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Flink snapshots kept.",
)
@click.option(
    "--parquet-ratio",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Parquet bytes on S3 per input JSON byte (archive + features, Snappy); an assumption, "
    "not a measurement.",
)
@click.option(
    "--lake-months", type=click.IntRange(min=0), default=12, show_default=True, help="Months of Parquet kept."
)
@click.option(
    "--brokers", type=click.IntRange(min=1), default=3, show_default=True, help="Provisioned brokers."
)
@click.option(
    "--broker-type",
    "broker_types",
    multiple=True,
    help="Provisioned broker type(s) [default: every priced type].",
)
@click.option(
    "--prices",
    "prices_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="JSON overriding price figures (same shape as msk_features/operations/pricing.json).",
)
@output_option()
def cost(
    message_bytes: float,
    messages_per_s: float | None,
    gb_per_day: float | None,
    retention_hours: float,
    partitions: int,
    consumers: int,
    output_ratio: float,
    parallelism: int,
    parallelism_per_kpu: int,
    snapshot_gb: float,
    parquet_ratio: float,
    lake_months: int,
    brokers: int,
    broker_types: tuple[str, ...],
    prices_file: Path | None,
    output: str,
) -> None:
    """Estimate the monthly cost of the pipeline and where MSK Provisioned beats Serverless.

    Prices are us-east-1 list prices with their source and date in msk_features/operations/pricing.json; the
    model is in msk_features/operations/cost.py. Network transfer between AZs, S3 requests and CloudWatch are
    not included.

    \b
    Examples:
      msk-features cost --messages-per-s 5000 --message-bytes 400
      msk-features cost --gb-per-day 100 --retention-hours 72 --parallelism 4 --parallelism-per-kpu 2
      msk-features cost --prices my-region-prices.json
      msk-features cost --output json | jq '.monthly_total_usd'
    """
    if messages_per_s is not None and gb_per_day is not None:
        raise click.UsageError("give --messages-per-s or --gb-per-day, not both")
    if gb_per_day is not None:
        messages_per_s = gb_per_day * 1e9 / 86400 / message_bytes
    inputs = CostInputs(
        message_bytes=message_bytes,
        messages_per_s=1000 if messages_per_s is None else messages_per_s,
        retention_hours=retention_hours,
        partitions=partitions,
        consumers=consumers,
        output_ratio=output_ratio,
        parallelism=parallelism,
        parallelism_per_kpu=parallelism_per_kpu,
        snapshot_gb=snapshot_gb,
        parquet_ratio=parquet_ratio,
        lake_months=lake_months,
        brokers=brokers,
    )
    try:
        estimate = estimate_cost(inputs, prices_file, broker_types)
    except UnknownBrokerTypeError as exc:
        raise click.BadParameter(str(exc), param_hint="--broker-type") from None
    except CostError as exc:
        raise click.ClickException(str(exc)) from None
    if output == "json":
        click.echo(dumps(cost_report(estimate)), nl=False)
    else:
        _print_tables(estimate)


def _print_tables(estimate: CostEstimate) -> None:
    inputs, prices = estimate.inputs, estimate.prices
    mb_s = inputs.bytes_in_per_s() / 1e6
    _console.print(
        f"[bold]{inputs.messages_per_s:,.0f} messages/s x {inputs.message_bytes:g} B = {mb_s:,.2f} MB/s in "
        f"({mb_s * 86400 / 1000:,.1f} GB/day)[/], {prices.region}, {prices.hours_per_month:g} h/month"
    )
    _console.print(_table("MSK Serverless", estimate.serverless))
    for broker_type, items in estimate.provisioned.items():
        _console.print(_table(f"MSK Provisioned, {inputs.brokers} x {broker_type}", items))
    _console.print(_table("Managed Service for Apache Flink", estimate.flink))
    _console.print(_table("S3 (Parquet)", estimate.lake))

    summary = Table(title="Monthly total and break-even", header_style="bold")
    for column in ("MSK option", "MSK", "+ Flink + S3", "provisioned cheaper above"):
        summary.add_column(column, justify="left" if column == "MSK option" else "right")
    rest, serverless = estimate.rest(), total(estimate.serverless)
    summary.add_row("serverless", f"{serverless:,.2f}", f"{serverless + rest:,.2f}", "")
    for broker_type, items in estimate.provisioned.items():
        point = estimate.breakeven[broker_type]
        if point is None:
            where = "never"
        elif point == 0:
            where = "always (cheaper even idle)"
        else:
            where = f"{point:,.0f} msg/s ({point * inputs.message_bytes / 1e6:,.2f} MB/s)"
        summary.add_row(
            f"provisioned {inputs.brokers} x {broker_type}",
            f"{total(items):,.2f}",
            f"{total(items) + rest:,.2f}",
            where,
        )
    _console.print(summary)
