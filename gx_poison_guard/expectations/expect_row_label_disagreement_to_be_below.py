"""ExpectRowLabelDisagreementToBeBelow: a row's label must agree with its golden neighbours."""

from __future__ import annotations

from typing import Any, ClassVar, Dict

import numpy as np
from great_expectations.compatibility import pydantic

from ..metrics import BATCH_SCORES, LABELS, ROW_IDS
from ..scoring import BatchScores
from ._base import _RowScoreExpectation


class ExpectRowLabelDisagreementToBeBelow(_RowScoreExpectation):
    """Expect each row's k-NN label disagreement to be at most ``threshold``, for ``mostly`` of rows.

    The score compares a row's distance to the golden rows of its own class
    with its distance to the nearest other class (0: deep in its own class,
    near 1: deep in another class; see :mod:`gx_poison_guard.stats.labels`).
    It catches label flips and backdoor rows relabelled to a target class,
    which leave every feature value clean. A missing label, or one the golden
    data never had, counts as beyond every golden row.

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        label_column: the column holding each row's label.
        threshold: conformal row threshold on the score.
        mostly: least fraction of rows at or below threshold.
        id_column: optional column naming the rows.
    """

    label_column: pydantic.StrictStr = pydantic.Field(..., description="Column holding each row's label.")
    success_keys: ClassVar = _RowScoreExpectation.success_keys + ("label_column",)
    metric_dependencies: ClassVar = (BATCH_SCORES, ROW_IDS, LABELS)

    score_name: ClassVar[str] = "row_label_disagreement"
    score_label: ClassVar[str] = "label disagreement"
    sentence: ClassVar[str] = (
        "At most $max_pct% of rows may carry a label that their nearest golden rows contradict (label "
        "disagreement above $threshold): flipped or planted labels."
    )

    def _row_scores(self, scores: BatchScores, metrics: Dict[str, Any]) -> np.ndarray:
        return scores.label_scores(metrics[LABELS])
