"""Correlation-structure shift between a golden and a batch correlation matrix.

Each pair's correlations are compared on Fisher's z scale. With the golden
matrix treated as known, ``sqrt(n - 3) * (atanh(r_batch) - atanh(r_golden))``
is approximately standard normal under the null for a batch of ``n`` rows
(Fisher 1921; Steiger 1980 sums the squares). The test statistic is the
largest absolute pair z-score, which is sensitive to a few broken pairs and
names them; ``sum_sq`` (Steiger's statistic) is reported for whole-structure
change. Null distributions used for blocking are calibrated by resampling.

Properties: a matrix compared with itself gives exactly zero; invariant to
per-feature shifts and positive scalings of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..exceptions import InsufficientDataError
from .moments import FloatArray

_R_CLIP = 1.0 - 1e-12


@dataclass(frozen=True)
class CorrelationShift:
    """Result of :func:`correlation_shift`.

    Attributes
    ----------
    statistic : float
        ``max |z|`` over feature pairs.
    sum_sq : float
        Sum of squared pair z-scores (Steiger's chi-square-like statistic).
    pair_z : ndarray of shape (n_pairs,)
        Signed z-score of each upper-triangle pair, in ``pairs`` order.
    pairs : ndarray of shape (n_pairs, 2)
        Feature indices ``(i, j)``, ``i < j``.
    """

    statistic: float
    sum_sq: float
    pair_z: FloatArray
    pairs: npt.NDArray[np.intp]

    def top_pairs(self, k: int) -> list[tuple[int, int, float]]:
        """The ``k`` most shifted pairs as ``(i, j, z)``, largest ``|z|`` first."""
        order = np.argsort(-np.abs(self.pair_z), kind="stable")[:k]
        return [(int(self.pairs[o, 0]), int(self.pairs[o, 1]), float(self.pair_z[o])) for o in order]


def fisher_z(r: npt.ArrayLike) -> FloatArray:
    """Fisher's variance-stabilising transform ``atanh(r)``, clipped away from +-1."""
    return np.arctanh(np.clip(np.asarray(r, dtype=np.float64), -_R_CLIP, _R_CLIP))


def correlation_shift(golden: npt.ArrayLike, batch: npt.ArrayLike, n_rows: int) -> CorrelationShift:
    """Compare two correlation matrices pair by pair on Fisher's z scale.

    Parameters
    ----------
    golden, batch : array-like of shape (n_features, n_features)
    n_rows : int
        Rows the batch matrix was estimated from (at least 4).

    Examples
    --------
    >>> g = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> correlation_shift(g, g, n_rows=100).statistic
    0.0
    """
    if n_rows < 4:
        raise InsufficientDataError(
            what="A correlation-shift test", n_rows=n_rows, n_required=4,
            fix="Validate a larger batch.",
        )
    golden = np.asarray(golden, dtype=np.float64)
    i, j = np.triu_indices(golden.shape[0], k=1)
    diff = fisher_z(np.asarray(batch)[i, j]) - fisher_z(golden[i, j])
    pair_z = np.sqrt(n_rows - 3.0) * diff
    statistic = float(np.max(np.abs(pair_z))) if pair_z.size else 0.0
    return CorrelationShift(statistic, float(pair_z @ pair_z), pair_z, np.stack([i, j], axis=1))
