"""Threshold calibration primitives: conformal row thresholds and a family-wise batch level.

Row level: a row threshold is the conformal quantile of held-out clean scores
(Vovk et al. 2005; Bates et al. 2023): with ``m`` calibration scores the
``j = ceil((m + 1)(1 - alpha))``-th smallest one is exceeded by a new clean
row with probability at most ``alpha``. The exceedance probability ``q`` of
that fixed threshold is itself random, ``q ~ Beta(m + 1 - j, j)``, so the
count of exceeding rows in a clean batch of ``n`` rows is beta-binomial
(not binomial). Using the beta-binomial tail keeps the batch false-block rate
at its target *on average over calibration draws*, which the plain binomial
does not (it under-states the tail when ``m`` is small).

Batch level: several tests guard one batch, and the batch is blocked when
any of them fails. :func:`family_wise_level` finds the largest common
per-test level ``alpha'`` such that the fraction of resampled clean batches
failing *any* test stays within the target (Westfall & Young's min-p
procedure); it accounts for the dependence between tests, so it is less
conservative than Bonferroni's ``alpha / K``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import stats

from ..exceptions import CalibrationError
from .moments import FloatArray


def conformal_rank(m: int, alpha: float) -> int:
    """Rank ``j`` (1-based, ascending) of the conformal ``1 - alpha`` quantile of ``m`` scores."""
    j = math.ceil((m + 1) * (1.0 - alpha))
    if j > m:
        raise CalibrationError(
            f"A row threshold at a {alpha:.3%} false-flag rate needs at least "
            f"{math.ceil(1.0 / alpha) - 1} held-out clean rows: got {m}. Fit on more golden rows, "
            "raise calibration_fraction, or raise row_alpha."
        )
    return j


def conformal_threshold(scores: npt.ArrayLike, alpha: float) -> float:
    """Conformal ``1 - alpha`` quantile of held-out clean scores.

    Examples
    --------
    >>> conformal_threshold(np.arange(1.0, 100.0), 0.05)  # 95th of 99 scores
    95.0
    """
    scores = np.sort(np.asarray(scores, dtype=np.float64))
    return float(scores[conformal_rank(scores.size, alpha) - 1])


def exceedance_count_sf(counts: npt.ArrayLike, n: int, m: int, rank: int) -> FloatArray:
    """P(count >= c) for a clean batch of ``n`` rows under the beta-binomial null.

    ``rank`` is the conformal rank ``j`` of the threshold among ``m`` scores,
    so the exceedance probability is ``Beta(m + 1 - j, j)``.
    """
    counts = np.asarray(counts, dtype=np.float64)
    return stats.betabinom.sf(counts - 1, n, m + 1 - rank, rank)


def max_clean_count(n: int, m: int, rank: int, level: float) -> int:
    """Largest count ``c`` of rows above a conformal threshold with P(count > c) <= ``level``."""
    return betabinom_max_count(n, m + 1 - rank, rank, level)


def betabinom_max_count(n: int, a: float, b: float, level: float) -> int:
    """Smallest ``c`` with P(X > c) <= ``level`` for X ~ BetaBinomial(n, a, b) (bisection)."""
    lo, hi = 0, n  # P(X > n) = 0 <= level, so hi always qualifies
    while lo < hi:
        mid = (lo + hi) // 2
        if stats.betabinom.sf(mid, n, a, b) <= level:
            hi = mid
        else:
            lo = mid + 1
    return lo


def empirical_sf(null: npt.ArrayLike, values: npt.ArrayLike) -> FloatArray:
    """Resampling p-value ``(1 + #{null >= v}) / (B + 1)`` of each value."""
    null = np.sort(np.asarray(null, dtype=np.float64))
    values = np.asarray(values, dtype=np.float64)
    greater_equal = null.size - np.searchsorted(null, values, side="left")
    return (1.0 + greater_equal) / (null.size + 1.0)


def empirical_threshold(null: npt.ArrayLike, level: float) -> float:
    """Smallest passing bound ``t`` whose resampling p-value for ``s > t`` is at most ``level``.

    A statistic passes when ``s <= t``. Returns ``+inf`` when ``level`` is too
    small for the number of resamples (nothing can be rejected).
    """
    null = np.sort(np.asarray(null, dtype=np.float64))[::-1]
    j = min(int(math.floor(level * (null.size + 1) + 1e-9)), null.size)
    # p(s) <= level  <=>  #{null >= s} <= j - 1  <=>  s > (j-th largest null value)
    return float(null[j - 1]) if j >= 1 else math.inf


def family_wise_level(p_values: npt.ArrayLike, target: float) -> float:
    """Largest per-test level whose any-test rejection rate over resamples is <= ``target``.

    Parameters
    ----------
    p_values : array-like of shape (n_resamples, n_tests)
        Each resampled clean batch's p-value under each test.
    target : float
        Family-wise false-block rate.

    Returns
    -------
    float
        ``alpha'``; a test rejects when its p-value is ``<= alpha'``.
    """
    min_p = np.sort(np.min(np.asarray(p_values, dtype=np.float64), axis=1))
    allowed = int(math.floor(target * min_p.size + 1e-9))  # batches that may fail
    if allowed >= min_p.size:
        return 1.0
    # reject p <= level: choose level just below the (allowed+1)-th smallest min-p
    cutoff = min_p[allowed]
    below = min_p[min_p < cutoff]
    return float(below[-1]) if below.size else 0.0


def consensus_level(p_values: npt.ArrayLike, target: float, k: int = 1) -> float:
    """Largest per-test level at which *k or more* tests reject at most ``target`` of the resamples.

    A batch has at least ``k`` rejections at level ``a`` exactly when its
    ``k``-th smallest p-value is ``<= a``, so this is :func:`family_wise_level`
    on that order statistic; ``k = 1`` is the min-p (any-test) rule.

    Examples
    --------
    >>> p = np.array([[0.001, 0.5], [0.2, 0.3], [0.6, 0.9], [0.05, 0.04]])
    >>> consensus_level(p, 0.25, k=1), consensus_level(p, 0.25, k=2)
    (0.001, 0.05)
    """
    P = np.sort(np.asarray(p_values, dtype=np.float64), axis=1)
    if not 1 <= k <= P.shape[1]:
        raise ValueError(f"k must lie between 1 and the {P.shape[1]} tests: got {k!r}.")
    return family_wise_level(P[:, k - 1 : k], target)


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial (Clopper-Pearson) interval for ``k`` successes in ``n`` trials."""
    a = 1.0 - confidence
    lo = float(stats.beta.ppf(a / 2, k, n - k + 1)) if k > 0 else 0.0
    hi = float(stats.beta.ppf(1 - a / 2, k + 1, n - k)) if k < n else 1.0
    return lo, hi
