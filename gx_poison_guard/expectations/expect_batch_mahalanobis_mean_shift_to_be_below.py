"""ExpectBatchMahalanobisMeanShiftToBeBelow: the batch mean must stay near the golden mean, jointly."""

from __future__ import annotations

from typing import ClassVar

from ..scoring import BatchScores
from ._base import _BatchStatisticExpectation, rounded


class ExpectBatchMahalanobisMeanShiftToBeBelow(_BatchStatisticExpectation):
    """Expect the batch mean's Hotelling T^2 against the golden mean to be at most ``threshold``.

    ``T^2 = n (xbar - mu)^T Sigma^{-1} (xbar - mu)`` with the golden (shrunk)
    covariance. It sees a joint shift of many features that each stay within
    their own noise, e.g. a whole-batch drift or a poisoned sub-population
    that moves the mean. The chi-square p-value is reported; the threshold
    itself is calibrated on resampled clean batches.

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        threshold: largest passing T^2.
    """

    test_name: ClassVar[str] = "mean_shift"
    sentence: ClassVar[str] = (
        "The batch average, taken over all $n_features features together, must stay close to the golden "
        "data's average (Hotelling T² at most $threshold, calibrated on clean batches)."
    )
    chart_title: ClassVar[str] = "Shift of the batch average (Hotelling T²)"

    def _details(self, scores: BatchScores, metrics: dict) -> dict:
        test = scores.tests.mean_shift
        return {"p_value": rounded(test.p_value, 12), "mahalanobis_of_mean": rounded(test.mahalanobis_of_mean)}
