"""Score one batch against a baseline: every statistic the expectations decide on.

This is the single place where batch statistics are computed, for GX
validation and for calibration alike, so thresholds are calibrated on
exactly the numbers they are later compared with. Batch-level tests work on
mergeable :class:`~gx_poison_guard.stats.moments.Moments` of the finite rows;
row-level scores are computed lazily (the isolation forest is the costly
one) and cached, so several expectations reading one ``BatchScores`` pay for
each score once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .baseline import Baseline
from .stats.correlation import CorrelationShift, correlation_shift
from .stats.isolation import anomaly_scores
from .stats.mahalanobis import MeanShiftTest, mean_shift_test, row_squared_distances
from .stats.moments import Moments
from .stats.pca import reconstruction_errors
from .stats.univariate import FeatureShift, clipped_column_variance, mean_shift_z, spread_shift_z

#: Batch-level tests: name -> statistic extracted from :class:`BatchTests`.
BATCH_TESTS = ("mean_shift", "correlation_shift", "feature_mean_shift", "feature_spread_shift")
#: Row-level scores: name -> attribute of :class:`BatchScores`; higher = more anomalous.
ROW_SCORES = ("row_mahalanobis", "row_isolation", "row_reconstruction")


@dataclass(frozen=True)
class BatchTests:
    """The batch-level test results of one batch."""

    mean_shift: MeanShiftTest
    correlation_shift: CorrelationShift
    feature_mean_shift: FeatureShift
    feature_spread_shift: FeatureShift

    def statistic(self, name: str) -> float:
        """The scalar a threshold applies to, for test ``name`` in :data:`BATCH_TESTS`."""
        return float(getattr(self, name).statistic)


def batch_tests(baseline: Baseline, moments: Moments, clipped_variance: np.ndarray) -> BatchTests:
    """Run every batch-level test on a batch's finite rows.

    ``moments`` are those rows' moments; ``clipped_variance`` is their
    per-column variance after clipping at ``baseline.clip_low/clip_high``.
    """
    return BatchTests(
        mean_shift=mean_shift_test(moments, baseline.location, baseline.whitening),
        correlation_shift=correlation_shift(baseline.correlation, moments.correlation(), moments.n),
        feature_mean_shift=mean_shift_z(moments, baseline.location, baseline.scale),
        feature_spread_shift=spread_shift_z(
            moments.n, clipped_variance, baseline.clipped_scale, baseline.clipped_kurtosis
        ),
    )


class BatchScores:
    """Statistics of one batch against a baseline.

    Parameters
    ----------
    baseline : Baseline
    X : ndarray of shape (n_rows, n_features)
        The batch's feature matrix, in ``baseline.columns`` order; may hold
        NaN or inf.

    Notes
    -----
    Rows with NaN or inf get row score ``+inf`` (always flagged) and are left
    out of the batch moments; ``nonfinite_positions`` lists them so that
    expectations can fail closed.
    """

    def __init__(self, baseline: Baseline, X: np.ndarray) -> None:
        self.baseline = baseline
        self.X = np.asarray(X, dtype=np.float64)
        self.finite = np.isfinite(self.X).all(axis=1)

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @cached_property
    def nonfinite_positions(self) -> np.ndarray:
        return np.flatnonzero(~self.finite)

    @cached_property
    def _finite_rows(self) -> np.ndarray:
        return self.X if self.finite.all() else self.X[self.finite]

    @cached_property
    def moments(self) -> Moments:
        return Moments.from_array(self._finite_rows, shift=self.baseline.location)

    @cached_property
    def tests(self) -> BatchTests:
        b = self.baseline
        clipped = clipped_column_variance(self._finite_rows, b.clip_low, b.clip_high)
        return batch_tests(b, self.moments, clipped)

    @cached_property
    def row_mahalanobis(self) -> np.ndarray:
        """Squared Mahalanobis distance per row."""
        b = self.baseline
        return self._flag_nonfinite(row_squared_distances(self.X, b.location, b.whitening))

    @cached_property
    def row_isolation(self) -> np.ndarray:
        """Isolation-forest anomaly score per row."""
        return self._flag_nonfinite(anomaly_scores(self.baseline.forest, self.X))

    @cached_property
    def row_reconstruction(self) -> np.ndarray:
        """PCA reconstruction error per row."""
        return self._flag_nonfinite(reconstruction_errors(self.baseline.pca, self.X))

    def row_scores(self, name: str) -> np.ndarray:
        """Row score array ``name`` from :data:`ROW_SCORES`."""
        if name not in ROW_SCORES:
            raise KeyError(f"unknown row score {name!r}: expected one of {ROW_SCORES}")
        return getattr(self, name)

    def _flag_nonfinite(self, scores: np.ndarray) -> np.ndarray:
        if not self.finite.all():
            scores = scores.copy()
            scores[~self.finite] = np.inf
        return scores
