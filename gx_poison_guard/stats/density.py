"""Near-duplicate density: too many rows packed closer together than clean rows ever are.

Attacks that must stay inside every per-row threshold concentrate their
points in a few locations (Koh, Steinhardt & Liang 2018): copies of one
golden-looking row, or a tight cluster around a target point. Each row is
unremarkable; together they are far denser than clean data. The statistic is
the number of rows whose nearest neighbour *within the batch* (in whitened
coordinates) is closer than a radius, set at a quarter of the median
within-batch nearest-neighbour distance of clean batches of the same size.
Its clean distribution is calibrated by resampling held-out rows *without*
replacement (a resampled duplicate would look like an attack).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.neighbors import NearestNeighbors

FloatArray = npt.NDArray[np.float64]
#: The radius as a share of the median clean within-batch nearest-neighbour distance.
RADIUS_SHARE = 0.25
#: Up to this many rows, nearest neighbours come from blocks of the distance matrix (a tree is slower there).
BRUTE_FORCE_ROWS = 20_000
_BLOCK_ROWS = 1024


def nearest_neighbour_distances(Z: npt.ArrayLike) -> FloatArray:
    """Distance from each row to the nearest *other* row (0 for an exact duplicate).

    Examples
    --------
    >>> nearest_neighbour_distances([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]]).tolist()
    [0.0, 5.0, 0.0]
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.shape[0] < 2:
        return np.full(Z.shape[0], np.inf)
    if Z.shape[0] <= BRUTE_FORCE_ROWS:
        return _brute_force_nn(Z)
    distances, index = NearestNeighbors(n_neighbors=2).fit(Z).kneighbors(Z)
    # with exact duplicates the first neighbour may be the other copy, not the row itself: both are 0 then
    own = index[:, 0] == np.arange(Z.shape[0])
    return np.where(own, distances[:, 1], distances[:, 0])


def _brute_force_nn(Z: FloatArray) -> FloatArray:
    """Nearest other row by blocks of squared distances; the chosen neighbour's distance is recomputed exactly."""
    centred = Z - Z.mean(axis=0)
    sq = np.einsum("ij,ij->i", centred, centred)
    nearest = np.empty(Z.shape[0], dtype=np.int64)
    for start in range(0, Z.shape[0], _BLOCK_ROWS):
        block = slice(start, min(start + _BLOCK_ROWS, Z.shape[0]))
        d2 = sq[block, None] + sq[None, :] - 2.0 * (centred[block] @ centred.T)
        d2[np.arange(d2.shape[0]), np.arange(block.start, block.stop)] = np.inf
        nearest[block] = d2.argmin(axis=1)
    diff = Z - Z[nearest]
    return np.sqrt(np.einsum("ij,ij->i", diff, diff))


def close_rows(distances: npt.ArrayLike, radius: float) -> np.ndarray:
    """Positions of rows whose nearest neighbour is closer than ``radius``, closest first."""
    distances = np.asarray(distances, dtype=np.float64)
    close = np.flatnonzero(distances < radius)
    return close[np.argsort(distances[close], kind="stable")]


def clean_radius(Z: npt.ArrayLike, batch_size: int, rng: np.random.Generator, n_batches: int = 20) -> float:
    """:data:`RADIUS_SHARE` x the median within-batch nearest-neighbour distance of clean batches.

    Batches of ``batch_size`` rows are drawn without replacement from the clean rows ``Z``.
    """
    Z = np.asarray(Z, dtype=np.float64)
    median = np.median(np.concatenate([
        nearest_neighbour_distances(Z[rng.choice(Z.shape[0], batch_size, replace=False)]) for _ in range(n_batches)
    ]))
    return float(RADIUS_SHARE * median)
