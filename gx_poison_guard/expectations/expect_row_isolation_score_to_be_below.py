"""ExpectRowIsolationScoreToBeBelow: few rows may be easy to isolate from the golden data."""

from __future__ import annotations

from typing import ClassVar

from ._base import _RowScoreExpectation


class ExpectRowIsolationScoreToBeBelow(_RowScoreExpectation):
    """Expect each row's isolation-forest score to be at most ``threshold``, for ``mostly`` of rows.

    The fraction of rows above the calibrated score threshold must stay at
    most ``1 - mostly``: "more than X % anomalous rows stops the pipeline".
    Non-linear and non-Gaussian, it complements Mahalanobis on skewed or
    multi-modal features. Scores are higher = more anomalous (about 0.5 for
    typical rows). Flagged row ids are reported.

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        threshold: conformal row threshold on the score.
        mostly: least fraction of rows at or below threshold.
        id_column: optional column naming the rows.
    """

    score_name: ClassVar[str] = "row_isolation"
    score_label: ClassVar[str] = "isolation score"
    sentence: ClassVar[str] = (
        "At most $max_pct% of rows may be easy to isolate from the golden data (isolation-forest score above "
        "$threshold)."
    )
