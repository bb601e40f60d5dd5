"""ExpectBatchLabelShiftToBeBelow: the batch's class shares must match the golden ones."""

from __future__ import annotations

from typing import Any, ClassVar, Dict

from great_expectations.compatibility import pydantic

from ..metrics import BATCH_SCORES, LABELS
from ..scoring import BatchScores
from ._base import _BatchStatisticExpectation, rounded


class ExpectBatchLabelShiftToBeBelow(_BatchStatisticExpectation):
    """Expect the G-statistic of the batch's class counts against the golden class shares to be at most ``threshold``.

    Random label flips on imbalanced data (a fraud label at 2 %) and
    class-targeted flips change how often each label occurs long before any
    single row looks wrong. A missing label, or one the golden data never
    had, makes the statistic infinite (fails closed). The details list each
    class's share in the batch and in the golden data.

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        label_column: the column holding each row's label.
        threshold: largest passing G-statistic (calibrated on resampled clean batches).
    """

    label_column: pydantic.StrictStr = pydantic.Field(..., description="Column holding each row's label.")
    success_keys: ClassVar = _BatchStatisticExpectation.success_keys + ("label_column",)
    metric_dependencies: ClassVar = (BATCH_SCORES, LABELS)

    test_name: ClassVar[str] = "label_shift"
    sentence: ClassVar[str] = (
        "Each label must occur about as often as in the golden data (G-statistic of the label counts at most "
        "$threshold): flipped labels change the mix."
    )
    chart_title: ClassVar[str] = "How far the label mix moved (G-statistic)"

    def _statistic(self, scores: BatchScores, metrics: Dict[str, Any]) -> float:
        return scores.label_shift_of(metrics[LABELS]).statistic

    def _details(self, scores: BatchScores, metrics: dict) -> dict:
        shift = scores.label_shift_of(metrics[LABELS])
        classes = scores.baseline.label_classes
        return {"p_value": rounded(shift.p_value, 8),
                "label_shares": [{"label": c, "batch": rounded(b, 4) if b == b else None, "golden": rounded(g, 4)}
                                 for c, b, g in zip(classes, shift.shares, shift.golden_shares)]}
