"""Per-feature shift of the batch mean and spread against the golden baseline.

Mean: ``z_j = (xbar_j - mu_j) / (sigma_j / sqrt(n))``, approximately N(0, 1)
under the null by the central limit theorem.

Spread: ``log(s_j^2 / sigma_j^2)`` standardised by its delta-method standard
error ``sqrt(kappa_j / n - (n - 3) / (n (n - 1)))``, where ``kappa_j`` is the
golden (non-excess) kurtosis, so heavy-tailed features do not dominate. The
ratio of standard deviations ``s_j / sigma_j`` is reported alongside.

Both tests take the largest ``|z|`` over features and name the worst ones;
null distributions used for blocking are calibrated by resampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..exceptions import InsufficientDataError
from .moments import FloatArray, Moments


@dataclass(frozen=True)
class FeatureShift:
    """Per-feature z-scores and the largest absolute one.

    Attributes
    ----------
    statistic : float
        ``max_j |z_j|``.
    z : ndarray of shape (n_features,)
        Signed z-score per feature.
    ratio : ndarray of shape (n_features,)
        For the mean test, the shift in golden standard deviations
        ``(xbar - mu) / sigma``; for the spread test, ``s / sigma``.
    """

    statistic: float
    z: FloatArray
    ratio: FloatArray

    def worst(self, k: int) -> list[int]:
        """Indices of the ``k`` features with the largest ``|z|``."""
        return [int(i) for i in np.argsort(-np.abs(self.z), kind="stable")[:k]]


def mean_shift_z(moments: Moments, location: npt.ArrayLike, scale: npt.ArrayLike) -> FeatureShift:
    """z-score of each feature's batch mean against the golden mean.

    Examples
    --------
    >>> m = Moments.from_array([[1.0], [3.0], [2.0], [2.0]])
    >>> mean_shift_z(m, [1.0], [1.0]).statistic
    2.0
    """
    if moments.n < 1:
        raise InsufficientDataError(
            what="A mean-shift test", n_rows=moments.n, n_required=1, fix="Validate a non-empty batch."
        )
    shift = (moments.mean - np.asarray(location)) / np.asarray(scale)
    z = shift * np.sqrt(moments.n)
    return FeatureShift(float(np.max(np.abs(z))), z, shift)


def spread_shift_z(moments: Moments, scale: npt.ArrayLike, kurtosis: npt.ArrayLike) -> FeatureShift:
    """z-score of each feature's log variance ratio against the golden variance."""
    n = moments.n
    if n < 4:
        raise InsufficientDataError(
            what="A spread-shift test", n_rows=n, n_required=4, fix="Validate a larger batch."
        )
    scale = np.asarray(scale, dtype=np.float64)
    var_ratio = np.diag(moments.comoment) / (n - 1) / scale**2
    log_ratio = np.log(np.maximum(var_ratio, np.finfo(float).tiny))
    se = np.sqrt(np.maximum(np.asarray(kurtosis) / n - (n - 3) / (n * (n - 1.0)), 1e-12))
    z = log_ratio / se
    return FeatureShift(float(np.max(np.abs(z))), z, np.sqrt(var_ratio))
