"""ExpectBatchFeatureMeanShiftToBeBelow: no single feature's batch mean may move far."""

from __future__ import annotations

from typing import ClassVar

from ..scoring import BatchScores
from ._base import _BatchStatisticExpectation
from ._feature_details import worst_feature_bars, worst_features


class ExpectBatchFeatureMeanShiftToBeBelow(_BatchStatisticExpectation):
    """Expect the largest per-feature mean z-score, over all columns, to be at most ``threshold``.

    ``z_j = (xbar_j - mu_j) / (sigma_j / sqrt(n))``. It catches a shift
    concentrated in one or a few features (which T^2 dilutes over all
    degrees of freedom) and names the features that moved, with the shift in
    golden standard deviations.

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        threshold: largest passing max |z|.
    """

    test_name: ClassVar[str] = "feature_mean_shift"
    sentence: ClassVar[str] = (
        "No feature's batch average may move more than $threshold standard errors away from its golden average."
    )
    chart_title: ClassVar[str] = "Features whose average moved most (standard errors)"

    @classmethod
    def _bars(cls, details: dict) -> tuple[list[str], list[float]]:
        return worst_feature_bars(details)

    def _details(self, scores: BatchScores, metrics: dict) -> dict:
        return {"worst_features": worst_features(scores.tests.feature_mean_shift, self.column_list, "shift_sd")}
