"""Scoring: a model endpoint called from inside the job for every row of a per-event feature set.

A :class:`Scoring` names the feature set it scores (an :class:`~flink_jobs.features.EventFeatures`,
one row per on-time event), the model's inputs in order, and the output column. The job encodes each
row into the model's feature vector, calls the endpoint asynchronously from the JVM (the uber-jar's
``sagemaker`` model provider, through Flink's ``ML_PREDICT``), and writes one score row per feature
row to the scoring's Kafka topic (exactly-once, keyed by the entity) and Parquet dataset
(``scores/<name>``, partitioned like the feature set). A call that fails after its retries, or
returns something that is not a score, goes to the dead-letter topic with the reason and the input
vector; the job keeps running.

The feature vector is a list of DOUBLE values, one per input, in declaration order; a missing value
(NULL, or a category not listed) is sent as an empty field, which XGBoost reads as missing. The
encodings are exact and shared by the job's SQL and by training (:func:`encode`):

- :class:`Number`: the column as DOUBLE (a DECIMAL is converted to the nearest double);
- :class:`Flag`: a BOOLEAN column, TRUE as 1.0 and FALSE as 0.0;
- :class:`Category`: a STRING column, the index of its value in ``values`` (0.0, 1.0, ...).

A scoring runs only where the deployment names its endpoint (the ``scoring`` property group, key
``<name>.endpoint``; a SageMaker endpoint, or the local stack's): one spec serves a local endpoint
and a SageMaker one, and a job without an endpoint computes its features as before.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flink_jobs.features.feature_sets import EventFeatures
from flink_jobs.features.sources import Source

__all__ = ["Category", "Flag", "ModelInput", "Number", "Scoring", "describe", "encode", "encode_row"]

# SageMaker endpoint names: letters, digits and hyphens, no leading hyphen, at most 63 characters
# (CreateEndpoint API reference, EndpointName pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}).
ENDPOINT_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")


@dataclass(frozen=True)
class Number:
    """A numeric column (BIGINT, INT, DOUBLE, DECIMAL) as DOUBLE; NULL is missing."""

    column: str


@dataclass(frozen=True)
class Flag:
    """A BOOLEAN column: TRUE 1.0, FALSE 0.0; NULL is missing."""

    column: str


@dataclass(frozen=True)
class Category:
    """A STRING column as the index of its value in ``values``; NULL or another value is missing."""

    column: str
    values: tuple[str, ...]


ModelInput = Number | Flag | Category


@dataclass(frozen=True)
class Scoring:
    """Score every row of ``features`` with a model endpoint.

    ``inputs``: the model's features, in the order the model was trained with. ``output``: the score
    column (DOUBLE). ``columns``: columns of the feature row carried to the score row (e.g. an event
    id), after the key and the event time.
    """

    name: str
    features: EventFeatures
    inputs: tuple[ModelInput, ...]
    output: str = "score"
    columns: tuple[str, ...] = ()
    description: str = ""

    @property
    def source(self) -> Source:
        """The source of the scored feature set (its key and event time are the score row's)."""
        return self.features.source

    def input_names(self) -> list[str]:
        """The feature set's columns the model reads, in order."""
        return [i.column for i in self.inputs]


def encode(model_input: ModelInput, value: Any) -> float | None:
    """The value the model sees for ``value`` of ``model_input``'s column; None is missing.

    The job computes the same in SQL (:mod:`flink_jobs.features.compiler.scoring`); training and the
    parity check use this function.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(model_input, Number):
        if isinstance(value, bool):
            raise TypeError(f"{model_input.column}: a Number input got a boolean; use Flag")
        return float(Decimal(value)) if isinstance(value, Decimal | str) else float(value)
    if isinstance(model_input, Flag):
        if not isinstance(value, bool):
            raise TypeError(f"{model_input.column}: a Flag input needs a boolean, got {value!r}")
        return 1.0 if value else 0.0
    if value in model_input.values:
        return float(model_input.values.index(value))
    return None


def encode_row(scoring: Scoring, row: Mapping[str, Any]) -> list[float | None]:
    """The feature vector of one feature row (a mapping of column to value), in input order."""
    return [encode(i, row.get(i.column)) for i in scoring.inputs]


def describe(model_input: ModelInput) -> dict[str, Any]:
    """A model input as JSON-ready data (the manifest's and ``model.json``'s form): its column, its
    encoding (``number``, ``flag`` or ``category``) and, for a category, its values in order."""
    out: dict[str, Any] = {"column": model_input.column, "encoding": type(model_input).__name__.lower()}
    if isinstance(model_input, Category):
        out["values"] = list(model_input.values)
    return out
