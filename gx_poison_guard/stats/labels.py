"""k-nearest-neighbour label agreement: does a row's label match its golden neighbours?

Label flipping and backdoor relabelling leave every feature value clean, so no
feature-space detector can see them. What they change is the pairing of a
row with its label: a flipped row sits among golden rows of *another* class.
For a row ``x`` labelled ``y``, take its ``k`` nearest golden rows (whitened
coordinates, so correlated or differently-scaled features do not dominate),
weight the ``i``-th nearest by ``1 / i``, and let ``v_c`` be the weighted
share of class ``c``. Dividing by the class's share of the golden rows
``pi_c`` makes rare classes (fraud) count as much as common ones::

    r_c   = (v_c + 1 / (2 k)) / pi_c           (smoothed relative vote)
    score = 1 - r_y / sum_c r_c                in [0, 1)

0: every neighbour agrees; near 1: the neighbours all belong to another
class (the k-NN label sanitisation of Paudice et al. 2018, as a score so
that a conformal threshold can be set on held-out clean rows). A label the
golden data never had scores ``+inf``: it cannot be vetted. Votes, not
distance ratios: in more than a few dimensions, distances to every class
concentrate and a ratio of them tells flipped rows from clean ones poorly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from sklearn.neighbors import NearestNeighbors

from ..exceptions import InputDataError

FloatArray = npt.NDArray[np.float64]
DEFAULT_NEIGHBOURS = 20
MISSING = -1  # code of a missing label or one the golden data never had


def canonical_labels(values: npt.ArrayLike) -> np.ndarray:
    """Labels as strings (``1``, ``1.0`` and ``"1"`` are one class); missing values become ``None``.

    Examples
    --------
    >>> canonical_labels([1, 0.0, "cat", None, float("nan")]).tolist()
    ['1', '0', 'cat', None, None]
    """
    out = []
    for v in pd.Series(list(values), dtype=object):
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            out.append(None)
        elif isinstance(v, (bool, np.bool_)):
            out.append(str(bool(v)))
        elif isinstance(v, (int, np.integer)):
            out.append(str(int(v)))
        elif isinstance(v, (float, np.floating)):
            out.append(str(int(v)) if float(v).is_integer() else repr(float(v)))
        else:
            out.append(str(v))
    return np.array(out, dtype=object)


def encode_labels(values: npt.ArrayLike, classes: tuple[str, ...]) -> np.ndarray:
    """Integer code of each label in ``classes``; :data:`MISSING` for a missing or unknown label."""
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index.get(v, MISSING) if v is not None else MISSING for v in canonical_labels(values)],
                    dtype=np.int64)


def stratified_reference(codes: np.ndarray, max_rows: int, *, k: int = DEFAULT_NEIGHBOURS,
                         random_state: int = 0) -> np.ndarray:
    """Positions of at most about ``max_rows`` rows, each class in proportion but never below ``20 k`` rows.

    Rare classes (fraud) keep enough neighbours for a stable distance.
    """
    rng = np.random.default_rng(random_state)
    n = codes.size
    keep = []
    for c in np.unique(codes):
        members = np.flatnonzero(codes == c)
        quota = min(members.size, max(int(round(max_rows * members.size / n)), 20 * k))
        keep.append(np.sort(rng.choice(members, quota, replace=False)))
    return np.sort(np.concatenate(keep))


@dataclass(frozen=True)
class LabelReference:
    """Golden rows (whitened) and their class codes, indexed for neighbour search."""

    rows: FloatArray
    codes: np.ndarray
    n_classes: int
    k: int = DEFAULT_NEIGHBOURS

    def __post_init__(self) -> None:
        counts = np.bincount(self.codes, minlength=self.n_classes)
        if self.n_classes < 2 or counts.min() < 2:
            raise InputDataError(
                f"A label-agreement check needs at least 2 golden rows of each of at least 2 classes: got "
                f"{dict(enumerate(counts.tolist()))}. Add golden rows of the rare class, or drop the label check."
            )

    def votes(self, Z: FloatArray) -> FloatArray:
        """Rank-weighted share of each class among the ``k`` nearest reference rows of each row of ``Z``."""
        k = min(self.k, self.rows.shape[0])
        _, index = NearestNeighbors(n_neighbors=k).fit(self.rows).kneighbors(Z)
        weights = 1.0 / np.arange(1, k + 1)
        weights /= weights.sum()
        out = np.zeros((Z.shape[0], self.n_classes))
        neighbour_codes = self.codes[index]
        for c in range(self.n_classes):
            out[:, c] = (neighbour_codes == c) @ weights
        return out

    @property
    def class_shares(self) -> FloatArray:
        return np.bincount(self.codes, minlength=self.n_classes) / self.codes.size


def label_disagreement(reference: LabelReference, Z: FloatArray, codes: np.ndarray) -> FloatArray:
    """Score of each row of ``Z`` with label code ``codes`` (see the module docstring); higher = more suspect.

    Rows with a missing or unknown label (code :data:`MISSING`) or a non-finite
    feature score ``+inf``.

    Examples
    --------
    >>> ref = LabelReference(np.array([[0.0], [0.1], [5.0], [5.1]]), np.array([0, 0, 1, 1]), 2, k=2)
    >>> s = label_disagreement(ref, np.array([[0.05], [0.05], [5.0]]), np.array([0, 1, -1]))
    >>> bool(s[0] < 0.25), bool(s[1] > 0.75), float(s[2])
    (True, True, inf)
    """
    Z = np.asarray(Z, dtype=np.float64)
    codes = np.asarray(codes)
    scores = np.full(Z.shape[0], np.inf)
    ok = (codes != MISSING) & np.isfinite(Z).all(axis=1)
    if not ok.any():
        return scores
    relative = (reference.votes(Z[ok]) + 0.5 / reference.k) / reference.class_shares
    own = relative[np.arange(relative.shape[0]), codes[ok]]
    scores[ok] = 1.0 - own / relative.sum(axis=1)
    return scores


@dataclass(frozen=True)
class LabelShift:
    """How far a batch's class shares are from the golden ones.

    Attributes
    ----------
    statistic : float
        The G-statistic ``2 sum_c n_c log(n_c / (n pi_c))`` (``+inf`` when a
        row has a missing or unknown label).
    p_value : float
        Its asymptotic chi^2 (``k - 1`` df) p-value, for reading only: thresholds
        are calibrated on resampled clean batches.
    shares, golden_shares : ndarray of shape (n_classes,)
    """

    statistic: float
    p_value: float
    shares: FloatArray
    golden_shares: FloatArray


def label_shift(codes: np.ndarray, golden_shares: npt.ArrayLike) -> LabelShift:
    """G-test of a batch's label codes against the golden class shares.

    Random label flips on imbalanced data (fraud) move the class shares long
    before any single row looks wrong; so do class-targeted flips.

    Examples
    --------
    >>> round(label_shift(np.array([0] * 90 + [1] * 10), [0.9, 0.1]).statistic, 6)
    0.0
    >>> label_shift(np.array([0] * 70 + [1] * 30), [0.9, 0.1]).p_value < 1e-6
    True
    """
    golden = np.asarray(golden_shares, dtype=np.float64)
    codes = np.asarray(codes)
    if codes.size == 0 or (codes == MISSING).any():
        return LabelShift(math.inf, 0.0, np.full(golden.size, np.nan), golden)
    counts = np.bincount(codes, minlength=golden.size).astype(np.float64)
    return label_shift_from_counts(counts, golden)


def label_shift_from_counts(counts: npt.ArrayLike, golden_shares: npt.ArrayLike) -> LabelShift:
    """:func:`label_shift` from class counts (possibly weighted, for resampled batches)."""
    counts = np.asarray(counts, dtype=np.float64)
    golden = np.asarray(golden_shares, dtype=np.float64)
    n = counts.sum()
    expected = n * golden
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(counts / expected), 0.0)
    g = float(2.0 * terms.sum())
    g = max(g, 0.0) if math.isfinite(g) else math.inf
    return LabelShift(g, float(stats.chi2.sf(g, golden.size - 1)), counts / n, golden)
