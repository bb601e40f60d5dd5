"""ExpectRowMahalanobisDistanceToBeBelow: rows must not be jointly unlikely under the golden covariance."""

from __future__ import annotations

from typing import ClassVar

from ._base import _RowScoreExpectation


class ExpectRowMahalanobisDistanceToBeBelow(_RowScoreExpectation):
    """Expect each row's squared Mahalanobis distance to be at most ``threshold``, for ``mostly`` of rows.

    Catches rows whose values are each in range but jointly unlikely (a
    tall-and-light record, a broken ratio), and far outliers. The flagged
    rows' ids are reported (``id_column`` values, or index labels).

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        threshold: conformal row threshold on the squared distance.
        mostly: least fraction of rows at or below threshold.
        id_column: optional column naming the rows.
    """

    score_name: ClassVar[str] = "row_mahalanobis"
    score_label: ClassVar[str] = "squared Mahalanobis distance"
    sentence: ClassVar[str] = (
        "At most $max_pct% of rows may be jointly unlikely under the golden data, even when each value is in "
        "range (squared Mahalanobis distance above $threshold)."
    )
