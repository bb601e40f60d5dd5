"""Mergeable first and second moments of a multivariate sample.

``Moments`` holds the sufficient statistics ``(n, mean, comoment)`` where
``comoment = sum_i (x_i - mean)(x_i - mean)^T``. Two ``Moments`` computed on
disjoint chunks merge exactly (Chan, Golub & LeVeque 1979), so a large batch
can be reduced chunk by chunk, or by another engine, and combined here.

Properties: exact merge (associative and commutative up to rounding);
numerically stable because each chunk is centred on a shift close to its
mean before its Gram matrix is formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..exceptions import InsufficientDataError

FloatArray = npt.NDArray[np.float64]

DEFAULT_CHUNK_ROWS = 8192


@dataclass(frozen=True)
class Moments:
    """Count, mean and co-moment matrix of a sample.

    Parameters
    ----------
    n : int
        Number of rows.
    mean : ndarray of shape (n_features,)
        Column means.
    comoment : ndarray of shape (n_features, n_features)
        ``sum_i (x_i - mean)(x_i - mean)^T``.
    """

    n: int
    mean: FloatArray
    comoment: FloatArray

    @classmethod
    def from_array(
        cls,
        X: npt.ArrayLike,
        *,
        shift: npt.ArrayLike | None = None,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> Moments:
        """Compute moments of ``X`` in chunks, without an n-by-d temporary.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        shift : array-like of shape (n_features,), optional
            A point close to the mean (e.g. the baseline location). Sums are
            taken around it for numerical stability. Defaults to the first
            chunk's mean.
        chunk_rows : int
            Rows per chunk.

        Examples
        --------
        >>> m = Moments.from_array([[0.0, 1.0], [2.0, 3.0]])
        >>> m.n, m.mean.tolist(), m.covariance().tolist()
        (2, [1.0, 2.0], [[2.0, 2.0], [2.0, 2.0]])
        """
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-dimensional (rows, features): got shape {X.shape}.")
        n, d = X.shape
        if n == 0:
            return cls(0, np.zeros(d), np.zeros((d, d)))
        c = np.asarray(shift, dtype=np.float64) if shift is not None else X[:chunk_rows].mean(axis=0)
        s1 = np.zeros(d)
        s2 = np.zeros((d, d))
        for start in range(0, n, chunk_rows):
            block = X[start : start + chunk_rows] - c
            s1 += block.sum(axis=0)
            s2 += block.T @ block
        offset = s1 / n
        comoment = s2 - n * np.outer(offset, offset)
        return cls(n, c + offset, _symmetrize(comoment))

    def merge(self, other: Moments) -> Moments:
        """Return the moments of the union of the two samples (exact)."""
        if self.n == 0:
            return other
        if other.n == 0:
            return self
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.n / n)
        comoment = self.comoment + other.comoment + np.outer(delta, delta) * (self.n * other.n / n)
        return Moments(n, mean, _symmetrize(comoment))

    def covariance(self, *, ddof: int = 1) -> FloatArray:
        """Sample covariance matrix with ``ddof`` delta degrees of freedom."""
        if self.n - ddof <= 0:
            raise InsufficientDataError(
                what="A covariance", n_rows=self.n, n_required=ddof + 1,
                fix="Pass a larger sample.",
            )
        return self.comoment / (self.n - ddof)

    def std(self, *, ddof: int = 1) -> FloatArray:
        """Per-feature standard deviation."""
        return np.sqrt(np.clip(np.diag(self.covariance(ddof=ddof)), 0.0, None))

    def correlation(self) -> FloatArray:
        """Pearson correlation matrix; a constant feature gets zero correlation."""
        var = np.diag(self.comoment)
        scale = np.sqrt(np.where(var > 0, var, np.inf))
        corr = self.comoment / np.outer(scale, scale)
        np.fill_diagonal(corr, 1.0)
        return np.clip(corr, -1.0, 1.0)


def _symmetrize(a: FloatArray) -> FloatArray:
    return (a + a.T) / 2.0
