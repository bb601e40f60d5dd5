"""ExpectBatchFeatureSpreadShiftToBeBelow: no single feature's spread may grow or shrink far."""

from __future__ import annotations

from typing import ClassVar

from ..scoring import BatchScores
from ._base import _BatchStatisticExpectation
from ._feature_details import worst_feature_bars, worst_features


class ExpectBatchFeatureSpreadShiftToBeBelow(_BatchStatisticExpectation):
    """Expect the largest per-feature log-variance-ratio z-score to be at most ``threshold``.

    ``log(s_j^2 / sigma_j^2)`` of values winsorised at the golden 0.5 % and
    99.5 % quantiles (so one extreme row cannot dominate), standardised with
    the golden kurtosis. It
    catches noise injection (availability attacks inflate variance) and
    collapsed or duplicated data (variance shrinks), and reports the ratio of
    standard deviations ``s_j / sigma_j`` of the worst features.

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        threshold: largest passing max |z|.
    """

    test_name: ClassVar[str] = "feature_spread_shift"
    sentence: ClassVar[str] = (
        "No feature's spread may grow or shrink by more than $threshold standard errors compared with the golden data."
    )
    chart_title: ClassVar[str] = "Features whose spread changed most (standard errors)"

    @classmethod
    def _bars(cls, details: dict) -> tuple[list[str], list[float]]:
        return worst_feature_bars(details)

    def _details(self, scores: BatchScores, metrics: dict) -> dict:
        return {"worst_features": worst_features(scores.tests.feature_spread_shift, self.column_list, "std_ratio")}
