"""The cost model, recomputed by hand for worked examples.

Prices from msk_features/operations/pricing.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from msk_features.cli import main
from msk_features.operations.cost import (
    CostError,
    CostInputs,
    UnknownBrokerTypeError,
    breakeven_messages_per_s,
    estimate_cost,
    flink_cost,
    load_prices,
    provisioned_cost,
    s3_cost,
    serverless_cost,
    total,
)

PRICES = load_prices()
# 400-byte messages at 5000/s = 2 MB/s in; outputs as large as the input; 2 consumer groups; 7 days.
EXAMPLE = CostInputs(message_bytes=400, messages_per_s=5000, retention_hours=168, partitions=27, consumers=2)
SECONDS = 730 * 3600  # 2,628,000 s in the model's month
GIB = 1024**3


def test_every_price_has_a_source_and_date() -> None:
    path = Path(__file__).parents[3] / "msk_features" / "operations" / "pricing.json"
    document = json.loads(path.read_text())
    assert document["region"] == "us-east-1"
    for key, figure in document["prices"].items():
        assert figure["source"].startswith("https://"), key
        assert figure["as_of"], key


def test_serverless_worked_example() -> None:
    # cluster 730 h x 0.75 = 547.50; partitions 27 x 730 x 0.0015 = 29.565
    # written (in + out topics) 4,000,000 B/s x 2,628,000 s = 1.0512e13 B = 9790.1 GiB x 0.10 = 979.01
    # read (2 groups on the input + 1 on the outputs) 6,000,000 B/s -> 14685.1 GiB x 0.05 = 734.25
    # stored 4,000,000 B/s x 604,800 s = 2253.06 GiB-months x 0.10 = 225.31
    items = {i.item: round(i.monthly_usd, 2) for i in serverless_cost(EXAMPLE, PRICES)}
    assert items == {
        "cluster": 547.50,
        "partitions": 29.57,
        "data written": round(4_000_000 * SECONDS / GIB * 0.10, 2),
        "data read": round(6_000_000 * SECONDS / GIB * 0.05, 2),
        "storage": round(4_000_000 * 604_800 / GIB * 0.10, 2),
    }
    assert items["data written"] == 979.01 and items["data read"] == 734.25 and items["storage"] == 225.31
    assert round(total(serverless_cost(EXAMPLE, PRICES)), 2) == 2515.63


def test_provisioned_worked_example() -> None:
    # 3 brokers x 730 h x 0.204 = 446.76; storage 4e6 B/s x 604,800 s x 3 replicas = 7257.6 GB x 0.10
    items = provisioned_cost(EXAMPLE, PRICES, "kafka.m7g.large")
    assert [round(i.monthly_usd, 2) for i in items] == [446.76, 725.76]


def test_flink_worked_example() -> None:
    # parallelism 4 at 2 per KPU: 2 KPUs + 1 orchestration = 3 x 730 x 0.11 = 240.90;
    # running storage 2 x 50 GB x 0.10 = 10.00; snapshots 20 GB x 0.023 = 0.46
    inputs = CostInputs(parallelism=4, parallelism_per_kpu=2, snapshot_gb=20)
    assert [round(i.monthly_usd, 2) for i in flink_cost(inputs, PRICES)] == [240.90, 10.00, 0.46]
    # parallelism 3 at 2 per KPU rounds up to 2 processing KPUs too
    assert (
        "2 + 1 orchestration"
        in flink_cost(CostInputs(parallelism=3, parallelism_per_kpu=2), PRICES)[0].quantity
    )


def test_s3_worked_example() -> None:
    # 2 MB/s x 0.5 x 2,628,000 s = 2628 GB a month, 12 months kept = 31,536 GB x 0.023 = 725.33
    assert round(total(s3_cost(EXAMPLE, PRICES)), 2) == 725.33


def test_breakeven_worked_example() -> None:
    # Serverless: 577.065 fixed + 0.387716 per msg/s (written 800 B, read 1200 B, stored 800 B x 7 d);
    # 6 x m7g.large: 893.52 fixed + 0.145152 per msg/s (800 B x 7 d x 3 replicas):
    # equal at (893.52 - 577.065) / (0.387716 - 0.145152) = 1304.6 msg/s.
    six = CostInputs(**{**EXAMPLE.__dict__, "brokers": 6})
    assert breakeven_messages_per_s(six, PRICES, "kafka.m7g.large") == pytest.approx(1304.6, abs=0.1)
    # 3 x t3.small (99.86 fixed) is cheaper than serverless (577.07) even idle.
    assert breakeven_messages_per_s(EXAMPLE, PRICES, "kafka.t3.small") == 0.0


def test_prices_can_be_overridden(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps({"prices": {"serverless_cluster_hour": {"value": 1.0, "source": "https://x"}}})
    )
    prices = load_prices(path)
    assert prices["serverless_cluster_hour"] == 1.0 and prices["flink_kpu_hour"] == 0.11
    path.write_text(json.dumps({"prices": {"flink_kpu_hour": {"value": "cheap"}}}))
    with pytest.raises(ValueError, match="price 'flink_kpu_hour' needs a numeric"):
        load_prices(path)


def test_cli_prints_tables_and_breakeven() -> None:
    result = CliRunner().invoke(
        main,
        ["cost", "--message-bytes", "400", "--messages-per-s", "5000", "--brokers", "6",
         "--broker-type", "kafka.m7g.large"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    output = " ".join(result.output.split())
    assert result.exit_code == 0, output
    assert "2,515.63" in output and "1,305 msg/s (0.52 MB/s)" in output
    bad = CliRunner().invoke(main, ["cost", "--broker-type", "kafka.x9.huge"])
    assert bad.exit_code == 2 and "no price for kafka.x9.huge" in " ".join(bad.output.split())
    both = CliRunner().invoke(main, ["cost", "--messages-per-s", "1", "--gb-per-day", "1"])
    assert both.exit_code == 2 and "not both" in both.output


def test_estimate_cost_gathers_every_bill_and_break_even() -> None:
    estimate = estimate_cost(EXAMPLE, broker_types=["kafka.m7g.large", "kafka.t3.small"])
    assert round(total(estimate.serverless), 2) == 2515.63  # the worked example above
    assert [round(i.monthly_usd, 2) for i in estimate.provisioned["kafka.m7g.large"]] == [446.76, 725.76]
    assert list(estimate.provisioned) == list(estimate.breakeven) == ["kafka.m7g.large", "kafka.t3.small"]
    assert estimate.breakeven["kafka.t3.small"] == 0.0  # cheaper even idle
    assert estimate.rest() == pytest.approx(total(flink_cost(EXAMPLE, PRICES)) + 725.33, abs=0.01)
    # Without broker types: every priced one.
    assert list(estimate_cost(EXAMPLE).provisioned) == PRICES.broker_types()


def test_estimate_cost_refuses_unknown_types_and_unusable_prices(tmp_path: Path) -> None:
    with pytest.raises(UnknownBrokerTypeError, match=r"no price for kafka.x9.huge \(priced: kafka\."):
        estimate_cost(EXAMPLE, broker_types=["kafka.x9.huge"])
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"prices": {"flink_kpu_hour": {"value": "cheap"}}}))
    with pytest.raises(CostError, match=r"cannot use the prices: .*price 'flink_kpu_hour' needs a numeric"):
        estimate_cost(EXAMPLE, path)
    path.write_text("{not json")
    with pytest.raises(CostError, match="cannot use the prices"):
        estimate_cost(EXAMPLE, path)
