"""A stand-in model over a scoring's inputs, for tests and benchmarks that run the job with an
endpoint before any real model is trained: XGBoost on seeded synthetic vectors of the scoring's
width (amount-, count-, flag- and category-like values, some missing), packed as a SageMaker
artifact. Its own predictions on feature rows encoded by :func:`flink_jobs.features.encode_row`
are what the scores topic must hold (the online/offline parity of inference). ``msk-features
train`` makes the real one from labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from flink_jobs.features import Scoring, encode_row
from msk_features.offline.model_artifact import pack_booster


@dataclass(frozen=True)
class ScoringModel:
    """A booster for ``scoring`` and its artifact (``model.tar.gz``)."""

    scoring: Scoring
    booster: Any
    artifact: Path

    def scores(self, rows: Sequence[Mapping[str, Any]]) -> list[float]:
        """The model's own score of each feature row (float32 as float), offline."""
        import xgboost as xgb

        vectors = np.array(
            [[np.nan if v is None else v for v in encode_row(self.scoring, row)] for row in rows],
            dtype=np.float64,
        )
        predictions = self.booster.predict(xgb.DMatrix(vectors, missing=np.nan))
        return [float(p) for p in predictions.astype(np.float32)]


def train_scoring_model(scoring: Scoring, directory: Path, seed: int = 20261203) -> ScoringModel:
    """40 trees of depth 4 over 2,000 seeded vectors whose label depends on every input (one thread,
    fixed seeds: the same trees every time), so that most feature rows reach different leaves."""
    import xgboost as xgb

    rng = np.random.default_rng(seed)
    width = len(scoring.inputs)
    x = rng.gamma(2.0, 50.0, size=(2_000, width)) * rng.choice([0.01, 1.0, 10.0], size=(2_000, width))
    x[:, -2:] = rng.integers(0, 3, size=(2_000, 2))  # flag- and category-like columns
    weights = rng.normal(size=width)
    y = (x @ weights > np.median(x @ weights)).astype(np.float64)
    x[rng.random(x.shape) < 0.1] = np.nan
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.3, "nthread": 1, "seed": 0}
    booster = xgb.train(params, xgb.DMatrix(x, label=y, missing=np.nan), num_boost_round=40)
    directory.mkdir(parents=True, exist_ok=True)
    return ScoringModel(scoring, booster, pack_booster(booster, directory / "model.tar.gz"))
