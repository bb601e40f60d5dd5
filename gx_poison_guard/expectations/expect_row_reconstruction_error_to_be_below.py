"""ExpectRowReconstructionErrorToBeBelow: rows must lie near the golden principal subspace."""

from __future__ import annotations

from typing import ClassVar

from ._base import _RowScoreExpectation


class ExpectRowReconstructionErrorToBeBelow(_RowScoreExpectation):
    """Expect each row's PCA reconstruction error to be at most ``threshold``, for ``mostly`` of rows.

    A linear autoencoder fitted on standardised golden rows; rows that break
    the dominant correlation structure leave its subspace. Flagged row ids
    are reported.

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        threshold: conformal row threshold on the squared error.
        mostly: least fraction of rows at or below threshold.
        id_column: optional column naming the rows.
    """

    score_name: ClassVar[str] = "row_reconstruction"
    score_label: ClassVar[str] = "reconstruction error"
    sentence: ClassVar[str] = (
        "At most $max_pct% of rows may break the main patterns of the golden data (PCA reconstruction error "
        "above $threshold)."
    )
