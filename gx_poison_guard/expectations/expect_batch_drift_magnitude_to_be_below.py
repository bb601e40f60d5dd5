"""ExpectBatchDriftMagnitudeToBeBelow: a whole-batch shift too large to be benign drift blocks."""

from __future__ import annotations

from typing import ClassVar

from ..scoring import BatchScores
from ._base import _BatchStatisticExpectation
from ._feature_details import worst_features


class ExpectBatchDriftMagnitudeToBeBelow(_BatchStatisticExpectation):
    """Expect no feature's batch mean to move more than ``threshold`` golden standard deviations.

    The mean-shift tests report drift, and by default only warn: seasonal
    drift must not stop a pipeline. This expectation is the limit on how much
    drift is tolerated, as an effect size (``|xbar_j - mu_j| / sigma_j``, which
    does not grow with the batch size). The threshold is the contract's
    ``max_drift_sd`` (default 1.0), raised if needed to the calibrated
    critical value so that small clean batches are not blocked by chance.

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        threshold: largest passing shift, in golden standard deviations.
    """

    test_name: ClassVar[str] = "drift_magnitude"
    sentence: ClassVar[str] = (
        "However the batch drifts, no feature's average may move more than $threshold golden standard deviations "
        "(larger drift is treated as an attack, not as a season)."
    )
    chart_title: ClassVar[str] = "Features whose average moved most (golden standard deviations)"

    @classmethod
    def _bars(cls, details: dict) -> tuple[list[str], list[float]]:
        worst = details.get("worst_features") or []
        return [w["column"] for w in worst], [abs(float(w["shift_sd"])) for w in worst]

    def _details(self, scores: BatchScores, metrics: dict) -> dict:
        return {"worst_features": worst_features(scores.tests.drift_magnitude, self.column_list, "shift_sd")}
