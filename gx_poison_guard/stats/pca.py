"""PCA (linear autoencoder) reconstruction error on standardised features.

Rows are standardised with the golden location and scale, projected on the
top ``k`` principal axes of the golden correlation matrix, and the squared
residual ``||z||^2 - ||V z||^2`` is the error (no reconstruction is built).
``k`` is the smallest number of axes explaining ``explained_variance`` of the
golden variance, capped at ``n_features - 1`` so a residual space remains.
Rows that break the dominant correlation structure land in the residual
space; rows that only move along it do not (Mahalanobis covers those).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .moments import DEFAULT_CHUNK_ROWS, FloatArray


@dataclass(frozen=True)
class PCAModel:
    """Principal axes fitted on golden rows.

    Attributes
    ----------
    location, scale : ndarray of shape (n_features,)
        Standardisation applied before projecting.
    components : ndarray of shape (n_components, n_features)
        Orthonormal principal axes (rows) of the standardised data.
    """

    location: FloatArray
    scale: FloatArray
    components: FloatArray


def fit_pca(
    X: npt.ArrayLike, location: npt.ArrayLike, scale: npt.ArrayLike, *, explained_variance: float = 0.9
) -> PCAModel:
    """Fit principal axes of the standardised rows ``X``."""
    if not 0.0 < explained_variance < 1.0:
        raise ValueError(f"explained_variance must lie in (0, 1): got {explained_variance!r}.")
    Z = (np.asarray(X, dtype=np.float64) - location) / scale
    _, singular, vt = np.linalg.svd(Z, full_matrices=False)
    share = np.cumsum(singular**2) / np.sum(singular**2)
    k = int(np.searchsorted(share, explained_variance) + 1)
    k = max(1, min(k, Z.shape[1] - 1))
    return PCAModel(np.asarray(location, float), np.asarray(scale, float), vt[:k].copy())


def reconstruction_errors(
    model: PCAModel, X: npt.ArrayLike, *, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> FloatArray:
    """Squared reconstruction error per row, **higher = more anomalous**.

    Examples
    --------
    >>> m = PCAModel(np.zeros(2), np.ones(2), np.array([[1.0, 0.0]]))
    >>> reconstruction_errors(m, [[5.0, 2.0]]).tolist()
    [4.0]
    """
    X = np.asarray(X, dtype=np.float64)
    inv_scale = 1.0 / model.scale
    Vt = np.ascontiguousarray(model.components.T * inv_scale[:, None])  # project raw rows
    offset = model.location @ Vt
    out = np.empty(X.shape[0])
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite rows give non-finite errors
        for start in range(0, X.shape[0], chunk_rows):
            block = X[start : start + chunk_rows]
            Z = (block - model.location) * inv_scale
            P = block @ Vt
            P -= offset
            out[start : start + chunk_rows] = np.einsum("ij,ij->i", Z, Z) - np.einsum("ij,ij->i", P, P)
        return np.maximum(out, 0.0, out=out)  # rounding can go slightly negative
