"""Monthly cost of running a pipeline: MSK (serverless or provisioned), Managed Flink and S3.

The model, month = ``hours_per_month`` hours (730), all traffic steady:

- Input: ``message_bytes`` x ``messages_per_s`` bytes/s produced to the input topics; the job
  writes ``output_ratio`` bytes to its output topics per input byte (features, dead letters).
- MSK Serverless: cluster-hours + partition-hours + GiB written (input and output topics) + GiB read
  (``consumers`` groups read the input, one group reads the outputs) + GiB-months stored (everything
  written, kept ``retention_hours``; replication is not billed).
- MSK Provisioned: broker-hours of ``brokers`` brokers of a type + GB-months of broker storage
  (everything written, kept ``retention_hours``, times the replication factor 3).
- Managed Flink: KPUs = ceil(parallelism / parallelism per KPU) + 1 orchestration KPU, each
  KPU-hour billed; 50 GB running storage per processing KPU; snapshots as given.
- S3: Parquet written = input bytes x ``parquet_ratio`` (the archive and the features, compressed),
  kept ``lake_months`` months: GB-months at steady state. Requests are not counted.

The break-even traffic is where a provisioned option's monthly cost equals the serverless cost: both
are linear in messages/s, so it is exact (capacity limits of a broker type are not modelled).
Prices come from ``pricing.json`` (region, date and source per figure) and can be overridden.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "GIB",
    "CostError",
    "CostEstimate",
    "CostInputs",
    "LineItem",
    "Prices",
    "UnknownBrokerTypeError",
    "breakeven_messages_per_s",
    "estimate_cost",
    "flink_cost",
    "load_prices",
    "provisioned_cost",
    "s3_cost",
    "serverless_cost",
]

GIB = 2**30
GB = 10**9
REPLICATION_FACTOR = 3


@dataclass(frozen=True)
class Prices:
    """Price figures by key (see ``pricing.json``) and the month length in hours."""

    values: Mapping[str, float]
    sources: Mapping[str, str]
    region: str
    hours_per_month: float = 730

    def __getitem__(self, key: str) -> float:
        return self.values[key]

    def broker_types(self) -> list[str]:
        """Broker instance types with a price, e.g. ``kafka.m7g.large``."""
        return sorted(k.removeprefix("broker_hour.") for k in self.values if k.startswith("broker_hour."))


def load_prices(overrides: Path | None = None) -> Prices:
    """The packaged price file, with the figures of ``overrides`` (same JSON shape) replacing ours."""
    document = json.loads(
        resources.files("msk_features.operations").joinpath("pricing.json").read_text("utf-8")
    )
    prices: dict[str, Any] = dict(document["prices"])
    if overrides is not None:
        extra = json.loads(Path(overrides).read_text(encoding="utf-8"))
        for key, figure in extra.get("prices", {}).items():
            if not isinstance(figure, dict) or not isinstance(figure.get("value"), int | float):
                raise ValueError(f"{overrides}: price '{key}' needs a numeric \"value\"")
            prices[key] = {**prices.get(key, {}), **figure}
        document = {**document, **{k: v for k, v in extra.items() if k != "prices"}}
    return Prices(
        values={k: float(v["value"]) for k, v in prices.items()},
        sources={k: str(v.get("source", "?")) for k, v in prices.items()},
        region=str(document["region"]),
        hours_per_month=float(document.get("hours_per_month", 730)),
    )


@dataclass(frozen=True)
class CostInputs:
    """Traffic and sizing; see the module docstring for what each means."""

    message_bytes: float = 500
    messages_per_s: float = 1000
    retention_hours: float = 168
    partitions: int = 27
    consumers: int = 2
    output_ratio: float = 1.0
    parallelism: int = 2
    parallelism_per_kpu: int = 1
    snapshot_gb: float = 0.0
    parquet_ratio: float = 0.5
    lake_months: int = 12
    brokers: int = 3

    def bytes_in_per_s(self) -> float:
        return self.message_bytes * self.messages_per_s

    def seconds_per_month(self, prices: Prices) -> float:
        return prices.hours_per_month * 3600


@dataclass(frozen=True)
class LineItem:
    """One line of a bill: what, how much of it, and the monthly cost."""

    item: str
    quantity: str
    monthly_usd: float


def serverless_cost(inputs: CostInputs, prices: Prices) -> list[LineItem]:
    """MSK Serverless, monthly."""
    hours = prices.hours_per_month
    seconds = inputs.seconds_per_month(prices)
    written = inputs.bytes_in_per_s() * (1 + inputs.output_ratio)
    read = inputs.bytes_in_per_s() * (inputs.consumers + inputs.output_ratio)
    written_gib = written * seconds / GIB
    read_gib = read * seconds / GIB
    stored_gib = written * inputs.retention_hours * 3600 / GIB
    return [
        LineItem("cluster", f"{hours:g} cluster-hours", hours * prices["serverless_cluster_hour"]),
        LineItem(
            "partitions",
            f"{inputs.partitions} x {hours:g} h",
            inputs.partitions * hours * prices["serverless_partition_hour"],
        ),
        LineItem("data written", f"{written_gib:,.1f} GiB", written_gib * prices["serverless_in_gib"]),
        LineItem("data read", f"{read_gib:,.1f} GiB", read_gib * prices["serverless_out_gib"]),
        LineItem(
            "storage", f"{stored_gib:,.1f} GiB-months", stored_gib * prices["serverless_storage_gib_month"]
        ),
    ]


def provisioned_cost(inputs: CostInputs, prices: Prices, broker_type: str) -> list[LineItem]:
    """MSK Provisioned with ``inputs.brokers`` brokers of ``broker_type``, monthly."""
    hours = prices.hours_per_month
    written = inputs.bytes_in_per_s() * (1 + inputs.output_ratio)
    stored_gb = written * inputs.retention_hours * 3600 * REPLICATION_FACTOR / GB
    return [
        LineItem(
            f"{inputs.brokers} x {broker_type}",
            f"{inputs.brokers * hours:g} broker-hours",
            inputs.brokers * hours * prices[f"broker_hour.{broker_type}"],
        ),
        LineItem(
            "broker storage",
            f"{stored_gb:,.1f} GB-months (x{REPLICATION_FACTOR} replicas)",
            stored_gb * prices["provisioned_storage_gb_month"],
        ),
    ]


def flink_cost(inputs: CostInputs, prices: Prices) -> list[LineItem]:
    """Managed Service for Apache Flink, monthly."""
    hours = prices.hours_per_month
    processing = math.ceil(inputs.parallelism / inputs.parallelism_per_kpu)
    kpus = processing + 1
    storage_gb = processing * prices["flink_running_storage_gb_per_kpu"]
    return [
        LineItem(
            "KPUs",
            f"{processing} + 1 orchestration = {kpus} x {hours:g} h",
            kpus * hours * prices["flink_kpu_hour"],
        ),
        LineItem(
            "running storage",
            f"{storage_gb:g} GB-months",
            storage_gb * prices["flink_running_storage_gb_month"],
        ),
        LineItem(
            "snapshots",
            f"{inputs.snapshot_gb:g} GB-months",
            inputs.snapshot_gb * prices["flink_snapshot_gb_month"],
        ),
    ]


def s3_cost(inputs: CostInputs, prices: Prices) -> list[LineItem]:
    """Parquet on S3 at steady state (``lake_months`` months kept), monthly."""
    monthly_gb = inputs.bytes_in_per_s() * inputs.parquet_ratio * inputs.seconds_per_month(prices) / GB
    stored = monthly_gb * inputs.lake_months
    return [
        LineItem(
            "Parquet storage",
            f"{monthly_gb:,.1f} GB/month x {inputs.lake_months} months",
            stored * prices["s3_standard_gb_month"],
        )
    ]


def total(items: list[LineItem]) -> float:
    """Sum of the monthly costs of ``items``."""
    return sum(item.monthly_usd for item in items)


def breakeven_messages_per_s(inputs: CostInputs, prices: Prices, broker_type: str) -> float | None:
    """Messages/s above which ``broker_type`` provisioned is cheaper than serverless (None: never)."""
    at_zero = dict(inputs.__dict__, messages_per_s=0.0)
    at_one = dict(inputs.__dict__, messages_per_s=1.0)
    s0, s1 = (total(serverless_cost(CostInputs(**v), prices)) for v in (at_zero, at_one))
    p0, p1 = (total(provisioned_cost(CostInputs(**v), prices, broker_type)) for v in (at_zero, at_one))
    slope = (s1 - s0) - (p1 - p0)
    if slope <= 0:
        return None
    return max(0.0, (p0 - s0) / slope)


class CostError(ValueError):
    """The estimate cannot be made (unreadable prices); the message says why."""


class UnknownBrokerTypeError(CostError):
    """A broker type without a price; the message lists the priced ones."""


@dataclass(frozen=True)
class CostEstimate:
    """A monthly estimate: each bill, per provisioned broker type its bill and its break-even
    traffic (messages/s above which it is cheaper than serverless; None: never, 0: even idle)."""

    inputs: CostInputs
    prices: Prices
    serverless: list[LineItem]
    provisioned: dict[str, list[LineItem]]
    breakeven: dict[str, float | None]
    flink: list[LineItem]
    lake: list[LineItem]

    def rest(self) -> float:
        """Managed Flink plus S3: what every MSK option adds to its own bill."""
        return total(self.flink) + total(self.lake)


def estimate_cost(
    inputs: CostInputs, prices_file: Path | None = None, broker_types: Sequence[str] = ()
) -> CostEstimate:
    """The monthly bills of ``inputs`` at the packaged prices (overridden by ``prices_file``), with
    MSK Provisioned for each of ``broker_types`` (default: every priced type).

    Raises :class:`CostError` when the prices cannot be used and :class:`UnknownBrokerTypeError` for
    a broker type without a price."""
    try:
        prices = load_prices(prices_file)
    except (ValueError, KeyError) as exc:
        raise CostError(f"cannot use the prices: {exc}") from None
    types = list(broker_types) or prices.broker_types()
    unknown = [t for t in types if t not in prices.broker_types()]
    if unknown:
        raise UnknownBrokerTypeError(
            f"no price for {', '.join(unknown)} "
            f"(priced: {', '.join(prices.broker_types())}; add it with --prices)"
        )
    return CostEstimate(
        inputs=inputs,
        prices=prices,
        serverless=serverless_cost(inputs, prices),
        provisioned={t: provisioned_cost(inputs, prices, t) for t in types},
        breakeven={t: breakeven_messages_per_s(inputs, prices, t) for t in types},
        flink=flink_cost(inputs, prices),
        lake=s3_cost(inputs, prices),
    )
