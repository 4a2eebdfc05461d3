"""Online/offline parity of inference: the scores the job served equal the model's own predictions.

For a scoring, the job wrote each transaction's score to the scores dataset (``scores/<name>``) and
its feature row to the scored feature set's dataset. :func:`compare_scores` encodes each feature
row with the spec (:func:`flink_jobs.features.encode_row`, what training uses), scores it with the
model artifact offline (XGBoost, float32 like the container) and compares, row by row, with the
score served for the same event id: equal means bit for bit. Rows with a feature row but no score
(dead letters) and scores without a feature row are counted, not hidden.

With labels (the labels archive), it also reports the served scores' AUC against the labels that
arrived later: how the model did on events it had not seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from flink_jobs.features import Scoring, encode_row

__all__ = ["ScoreParity", "compare_scores"]


@dataclass(frozen=True)
class ScoreParity:
    """How the served scores compare with the model's offline predictions."""

    feature_rows: int
    scores: int
    equal: int
    different: int
    max_abs_difference: float
    without_score: int
    without_features: int
    labelled: int = 0
    auc: float | None = None

    @property
    def ok(self) -> bool:
        """Every score served equals the model's, and every feature row got one."""
        return self.different == 0 and self.without_score == 0 and self.without_features == 0


def compare_scores(
    scoring: Scoring,
    artifact: Path,
    features: Sequence[Mapping[str, Any]],
    scores: Sequence[Mapping[str, Any]],
    id_column: str,
    labels: Mapping[str, bool] | None = None,
) -> ScoreParity:
    """Compare ``scores`` (rows with ``id_column`` and the scoring's output) with the model in
    ``artifact`` applied to ``features`` (rows of the scored feature set); ``labels`` maps event ids
    to the positive class (True) for the AUC."""
    import xgboost as xgb

    from msk_features.offline.model_artifact import load_booster
    from msk_features.offline.train import auc

    by_id = {row[id_column]: row for row in features}
    served = {row[id_column]: float(row[scoring.output]) for row in scores}
    common = sorted(set(by_id) & set(served))
    booster = load_booster(artifact)
    vectors = np.array(
        [[np.nan if v is None else v for v in encode_row(scoring, by_id[i])] for i in common],
        dtype=np.float64,
    ).reshape(len(common), len(scoring.inputs))
    # Named as the booster's features when it has names (msk-features train gives them), else not.
    matrix = xgb.DMatrix(vectors, missing=np.nan, feature_names=booster.feature_names)
    offline = booster.predict(matrix).astype(np.float32).astype(np.float64)
    online = np.array([served[i] for i in common], dtype=np.float64)
    differences = np.abs(online - offline)
    labelled = [i for i in common if labels is not None and i in labels]
    area = None
    if labelled:
        assert labels is not None
        area = auc(
            np.array([1.0 if labels[i] else 0.0 for i in labelled]), np.array([served[i] for i in labelled])
        )
    return ScoreParity(
        feature_rows=len(by_id),
        scores=len(served),
        equal=int((differences == 0).sum()),
        different=int((differences != 0).sum()),
        max_abs_difference=float(differences.max()) if len(common) else 0.0,
        without_score=len(set(by_id) - set(served)),
        without_features=len(set(served) - set(by_id)),
        labelled=len(labelled),
        auc=area,
    )
