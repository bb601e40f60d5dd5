"""ExpectBatchCorrelationShiftToBeBelow: pairwise correlations must stay near the golden ones."""

from __future__ import annotations

from typing import ClassVar

from ..scoring import BatchScores
from ._base import TOP_K, _BatchStatisticExpectation, rounded


class ExpectBatchCorrelationShiftToBeBelow(_BatchStatisticExpectation):
    """Expect the largest Fisher-z correlation shift over feature pairs to be at most ``threshold``.

    For every pair, ``sqrt(n - 3) (atanh r_batch - atanh r_golden)`` is about
    N(0, 1) on clean data. Poison that keeps each column's values in range
    but breaks how columns move together (permuted or synthetic rows) shows
    here while every per-column check passes. Reports the most shifted pairs.

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        threshold: largest passing max |z| over pairs.
    """

    test_name: ClassVar[str] = "correlation_shift"
    sentence: ClassVar[str] = (
        "Features must move together as they do in the golden data: no pair of the $n_features features may "
        "change its correlation by more than $threshold standard errors."
    )
    chart_title: ClassVar[str] = "Most changed correlations (standard errors)"

    @classmethod
    def _bars(cls, details: dict) -> tuple[list[str], list[float]]:
        pairs = details.get("top_pairs") or []
        return [f"{p['columns'][0]} ~ {p['columns'][1]}" for p in pairs], [abs(float(p["z"])) for p in pairs]

    def _details(self, scores: BatchScores, metrics: dict) -> dict:
        shift = scores.tests.correlation_shift
        golden, batch = scores.baseline.correlation, scores.moments.correlation()
        cols = self.column_list
        pairs = [
            {"columns": [cols[i], cols[j]], "golden_r": rounded(golden[i, j], 4),
             "batch_r": rounded(batch[i, j], 4), "z": rounded(z, 3)}
            for i, j, z in shift.top_pairs(TOP_K)
        ]
        return {"sum_sq": rounded(shift.sum_sq, 3), "top_pairs": pairs}
