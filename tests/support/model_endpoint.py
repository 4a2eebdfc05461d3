"""Fixtures for the local model endpoint: a tiny XGBoost model and endpoint processes serving it.

Imported by ``tests/conftest.py``. ``xgboost_model`` (session) trains a small deterministic binary
classifier and packs it as a SageMaker ``model.tar.gz``; ``model_endpoint`` (session) serves it as
SageMaker endpoint ``fraud-score`` on a free loopback port, started as the stack starts it
(``python -m msk_features.dev.model_endpoint.server``, detached) and stopped by pid at the end of the
session; ``start_model_endpoint`` (per test) starts more, with options such as ``--latency-ms`` or
``--fail``, and stops each at the end of the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from msk_features.dev.model_endpoint.process import (
    ModelEndpointProcess,
    RunningEndpoint,
    endpoint_stats,
    stop_endpoint,
)
from msk_features.offline.model_artifact import pack_booster

ENDPOINT_NAME = "fraud-score"
FEATURES = 4


@dataclass(frozen=True)
class TrainedModel:
    """A booster, its artifact, and rows to score (float64, NaN = missing) that reach many leaves."""

    booster: Any
    artifact: Path
    rows: np.ndarray


@dataclass
class ModelEndpoint:
    """An endpoint process serving :data:`ENDPOINT_NAME` (and any other models it was given)."""

    running: RunningEndpoint
    process: ModelEndpointProcess
    names: tuple[str, ...]
    stopped: bool = field(default=False)

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def pid(self) -> int:
        return self.running.pid

    @property
    def port(self) -> int:
        return self.running.port

    def stats(self) -> dict[str, Any]:
        """The server's ``/_local/stats``."""
        return endpoint_stats(self.url)

    def log(self) -> str:
        """The process's log so far."""
        return self.process.log_file.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """SIGTERM the process by pid (SIGKILL after 10 s), only while it is still our endpoint."""
        if self.stopped:
            return
        assert stop_endpoint(self.process, self.running, grace_s=10.0), (
            f"model endpoint pid {self.pid} did not stop"
        )
        self.stopped = True


def train_model(directory: Path) -> TrainedModel:
    """Train a 20-tree depth-3 binary:logistic booster on 400 seeded rows with 15 % missing values
    (one thread, fixed seeds: the same trees every time) and pack it as ``directory/model.tar.gz``."""
    import xgboost as xgb

    rng = np.random.default_rng(20261204)
    x = rng.normal(size=(400, FEATURES))
    y = ((x[:, 0] + 0.5 * x[:, 1] - x[:, 2] * x[:, 3]) > 0).astype(np.float64)
    x[rng.random(x.shape) < 0.15] = np.nan
    params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "nthread": 1, "seed": 0}
    booster = xgb.train(params, xgb.DMatrix(x, label=y), num_boost_round=20)
    rows = rng.normal(size=(64, FEATURES)) * rng.choice([1e-3, 1.0, 7.0], size=(64, FEATURES))
    rows[rng.random(rows.shape) < 0.2] = np.nan
    rows[0, :] = np.nan  # a row of missing values only
    return TrainedModel(booster, pack_booster(booster, directory / "model.tar.gz"), rows)


@pytest.fixture(scope="session")
def xgboost_model(tmp_path_factory: pytest.TempPathFactory) -> TrainedModel:
    """The tiny deterministic model of :func:`train_model`, trained once per session."""
    return train_model(tmp_path_factory.mktemp("model"))


def _launch(directory: Path, models: Sequence[str], extra_args: Sequence[str]) -> ModelEndpoint:
    process = ModelEndpointProcess(directory, logs_dir=directory)
    running = process.launch(models, extra_args, timeout_s=60.0)
    return ModelEndpoint(running, process, tuple(spec.partition("=")[0] for spec in models))


@pytest.fixture(scope="session")
def model_endpoint(
    tmp_path_factory: pytest.TempPathFactory, xgboost_model: TrainedModel
) -> Iterator[ModelEndpoint]:
    """:data:`ENDPOINT_NAME` serving :func:`xgboost_model`, no latency or faults, for the session."""
    endpoint = _launch(tmp_path_factory.mktemp("endpoint"), [f"{ENDPOINT_NAME}={xgboost_model.artifact}"], ())
    try:
        yield endpoint
    finally:
        endpoint.stop()


StartEndpoint = Callable[..., ModelEndpoint]


@pytest.fixture
def start_model_endpoint(tmp_path: Path, xgboost_model: TrainedModel) -> Iterator[StartEndpoint]:
    """``start(*extra_args, models=None)``: an endpoint with more options (e.g. ``"--latency-ms",
    "50"``); ``models`` (``NAME=PATH`` strings) default to :data:`ENDPOINT_NAME` with the session's
    model. Every endpoint started is stopped at the end of the test."""
    started: list[ModelEndpoint] = []

    def start(*extra_args: str, models: Sequence[str] | None = None) -> ModelEndpoint:
        directory = tmp_path / f"endpoint-{len(started)}"
        directory.mkdir()
        specs = list(models) if models is not None else [f"{ENDPOINT_NAME}={xgboost_model.artifact}"]
        endpoint = _launch(directory, specs, extra_args)
        started.append(endpoint)
        return endpoint

    try:
        yield start
    finally:
        for endpoint in started:
            endpoint.stop()
