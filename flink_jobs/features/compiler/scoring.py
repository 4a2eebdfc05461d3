"""Scorings: a per-event feature set's rows encoded, sent to a model endpoint with ``ML_PREDICT``
and routed to the scores topic and dataset, or, when the call failed, to the dead-letter topic.

For a :class:`~flink_jobs.features.scoring.Scoring` ``s`` over feature set ``f`` the job has:

- ``<s>_inputs``: a view of ``f``'s rows with the key, the event time, the carried columns and each
  model input encoded to DOUBLE under its own name (the encodings of the spec);
- ``<s>_model``: ``CREATE TEMPORARY MODEL`` with those DOUBLE inputs, OUTPUT (the score DOUBLE, the
  reason STRING), provider ``sagemaker`` (the uber-jar's, ``com.mskflinkfeatures.model``);
- ``<s>_predictions``: ``ML_PREDICT`` over the inputs view, asynchronous, in input order
  (``ORDERED``: a key's scores keep its events' order in the topic), with a queue of
  :data:`QUEUE_SLOTS_PER_CALL` x ``max.in.flight`` rows and watermarks per parallel instance (the
  provider itself keeps ``max.in.flight`` calls in flight), and a timeout above the provider's
  retry budget for every row a row may wait behind, so that a slow endpoint gives a dead letter,
  never a failed job;
- the scores topic and dataset: the rows with a score; the dead-letter topic (its own sink, so its
  Kafka transactions are its own): the rows with a reason, the input vector as a JSON value.

The predictions view is read by three statements; the planner computes it once (sub-plan reuse,
checked by ``tests/flink/test_scoring_plan.py``), so each row is sent to the endpoint once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.parquet_sink import partition_values_sql
from flink_jobs.config import ScoringConfig
from flink_jobs.features.compiler.names import REASON_COLUMN, VERSION_COLUMN
from flink_jobs.features.compiler.types import TIMESTAMP_TYPE, output_columns
from flink_jobs.features.scoring import Category, Flag, ModelInput, Number, Scoring
from flink_jobs.sql_text import TIMESTAMP_FORMAT, headers_sql, quote, sql_string

__all__ = [
    "REASON_COLUMN",
    "ScoringSql",
    "call_budget_ms",
    "input_sql",
    "score_columns",
    "scoring_sql",
]


QUEUE_SLOTS_PER_CALL = 4
"""ML_PREDICT queue slots per call allowed in flight: rows and watermarks share the ordered queue."""

# ML_PREDICT's timeout covers the provider's whole retry budget (for every row it may wait behind)
# plus this margin.
_TIMEOUT_MARGIN_MS = 10_000


def input_sql(model_input: ModelInput) -> str:
    """The DOUBLE expression of one model input: the spec's encodings (:func:`flink_jobs.features.encode`)."""
    column = quote(model_input.column)
    if isinstance(model_input, Number):
        return f"CAST({column} AS DOUBLE)"
    if isinstance(model_input, Flag):
        return f"CAST(CASE WHEN {column} THEN 1 WHEN NOT {column} THEN 0 END AS DOUBLE)"
    assert isinstance(model_input, Category)
    cases = " ".join(f"WHEN {sql_string(v)} THEN {i}" for i, v in enumerate(model_input.values))
    return f"CAST(CASE {column} {cases} END AS DOUBLE)"


def score_columns(scoring: Scoring) -> list[tuple[str, str]]:
    """The typed columns of a score row: the key, the event time, the carried columns, the score,
    the pipeline version."""
    types = dict(output_columns(scoring.features))
    source = scoring.source
    names = [source.key, source.event_time, *scoring.columns]
    return [*((n, types[n]) for n in names), (scoring.output, "DOUBLE"), (VERSION_COLUMN, "STRING")]


def call_budget_ms(cfg: ScoringConfig) -> int:
    """The longest one row's call can take in the provider, retries included (its ``callBudget``):
    every attempt at its timeout plus ``min(backoff x 2^(i-1), 20 x backoff)`` before retry ``i``."""
    retries = sum(min(cfg.backoff_ms * 2 ** (i - 1), 20 * cfg.backoff_ms) for i in range(1, cfg.max_attempts))
    return cfg.max_attempts * cfg.attempt_timeout_ms + retries


@dataclass
class ScoringSql:
    """The statements of one scoring: views and the model (setup); the selects of its outputs."""

    setup: list[str] = field(default_factory=list)
    scores_select: str = ""
    offline_select: str = ""
    dead_letter_select: str = ""


def _with(options: dict[str, str]) -> str:
    return "WITH (\n" + ",\n".join(f"  {sql_string(k)} = {sql_string(v)}" for k, v in options.items()) + "\n)"


def _model_options(endpoint: str, cfg: ScoringConfig) -> dict[str, str]:
    options = {
        "provider": "sagemaker",
        "endpoint": endpoint,
        "attempt-timeout": f"{cfg.attempt_timeout_ms} ms",
        "max-attempts": str(cfg.max_attempts),
        "backoff": f"{cfg.backoff_ms} ms",
        "max-connections": str(cfg.max_in_flight),
    }
    if cfg.region:
        options["region"] = cfg.region
    if cfg.endpoint_override:
        options["endpoint-override"] = cfg.endpoint_override
    if cfg.access_key and cfg.secret_key:
        options["access-key-id"] = cfg.access_key
        options["secret-access-key"] = cfg.secret_key
    return options


def scoring_sql(
    scoring: Scoring, features_view: str, endpoint: str, cfg: ScoringConfig, version: str
) -> ScoringSql:
    """The SQL of ``scoring`` over the feature set's view ``features_view``, calling ``endpoint``."""
    source = scoring.source
    key, time = source.key, source.event_time
    inputs_view, model, predictions = (
        f"{scoring.name}_inputs",
        f"{scoring.name}_model",
        f"{scoring.name}_predictions",
    )
    kept = [key, time, *scoring.columns]
    items = [*(quote(c) for c in kept), *(f"{input_sql(i)} AS {quote(i.column)}" for i in scoring.inputs)]
    out = ScoringSql()
    out.setup.append(
        f"CREATE TEMPORARY VIEW {quote(inputs_view)} AS\nSELECT "
        + ",\n  ".join(items)
        + f"\nFROM {quote(features_view)}"
    )
    model_inputs = ", ".join(f"{quote(i.column)} DOUBLE" for i in scoring.inputs)
    out.setup.append(
        f"CREATE TEMPORARY MODEL {quote(model)}\n"
        f"INPUT ({model_inputs})\n"
        f"OUTPUT ({quote(scoring.output)} DOUBLE, {quote(REASON_COLUMN)} STRING)\n"
        f"{_with(_model_options(endpoint, cfg))}"
    )
    # The provider bounds the calls in flight (max-connections); ML_PREDICT's ordered queue is
    # QUEUE_SLOTS_PER_CALL times larger because each watermark takes a slot until the rows before it
    # are answered (measured: docs/benchmarks/scoring-2026-12-03.md). A row may then wait behind
    # (QUEUE_SLOTS_PER_CALL - 1) x max.in.flight others, each slot freed within one call budget.
    runtime = {
        "async": "true",
        "max-concurrent-operations": str(cfg.max_in_flight * QUEUE_SLOTS_PER_CALL),
        "output-mode": "ORDERED",
        "timeout": f"{QUEUE_SLOTS_PER_CALL * call_budget_ms(cfg) + _TIMEOUT_MARGIN_MS} ms",
    }
    config_map = "MAP[" + ", ".join(f"{sql_string(k)}, {sql_string(v)}" for k, v in runtime.items()) + "]"
    descriptor = ", ".join(quote(i.column) for i in scoring.inputs)
    out.setup.append(
        f"CREATE TEMPORARY VIEW {quote(predictions)} AS\n"
        f"SELECT * FROM ML_PREDICT(TABLE {quote(inputs_view)}, MODEL {quote(model)}, "
        f"DESCRIPTOR({descriptor}), {config_map})"
    )
    columns = score_columns(scoring)
    online = ", ".join(
        f"DATE_FORMAT({quote(n)}, {sql_string(TIMESTAMP_FORMAT)}) AS {quote(n)}"
        if t == TIMESTAMP_TYPE
        else quote(n)
        for n, t in columns[:-1]
    )
    scored = f"WHERE {quote(REASON_COLUMN)} IS NULL"
    out.scores_select = (
        f"SELECT {online}, {sql_string(version)} AS {VERSION_COLUMN}\nFROM {quote(predictions)}\n{scored}"
    )
    offline = ", ".join(quote(n) for n, _ in columns[:-1])
    out.offline_select = (
        f"SELECT {offline}, {sql_string(version)} AS {VERSION_COLUMN}, {partition_values_sql(time)}\n"
        f"FROM {quote(predictions)}\n{scored}"
    )
    value = ", ".join(
        [
            *(f"KEY {sql_string(c)} VALUE {_json_value(c, dict(columns).get(c))}" for c in kept),
            *(f"KEY {sql_string(i.column)} VALUE {quote(i.column)}" for i in scoring.inputs),
        ]
    )
    headers = {
        "dlq.reason": quote(REASON_COLUMN),
        "dlq.scoring": sql_string(scoring.name),
        "dlq.endpoint": sql_string(endpoint),
        "pipeline.version": sql_string(version),
    }
    out.dead_letter_select = (
        f"SELECT CAST({quote(key)} AS BYTES) AS kafka_key, "
        f"CAST(JSON_OBJECT({value} NULL ON NULL) AS BYTES) AS raw_value, {headers_sql(headers)} AS headers\n"
        f"FROM {quote(predictions)}\nWHERE {quote(REASON_COLUMN)} IS NOT NULL"
    )
    return out


def _json_value(column: str, sql_type: str | None) -> str:
    if sql_type == TIMESTAMP_TYPE:
        return f"DATE_FORMAT({quote(column)}, {sql_string(TIMESTAMP_FORMAT)})"
    return quote(column)
