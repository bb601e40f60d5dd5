"""Score one batch against a baseline: every statistic the expectations decide on.

This is the single place where batch statistics are computed, for GX
validation and for calibration alike, so thresholds are calibrated on
exactly the numbers they are later compared with. Batch-level tests work on
mergeable :class:`~gx_poison_guard.stats.moments.Moments` of the finite rows;
row-level scores are computed lazily (the isolation forest is the costly
one) and cached, so several expectations reading one ``BatchScores`` pay for
each score once.

Drift versus poison: row scores are measured around the batch's own centre.
Before scoring, every row is moved by the gap between the batch's winsorised
mean and the golden one (:attr:`BatchScores.centre_offset`). A coherent
whole-batch shift (seasonal drift) therefore raises the batch-level mean
tests, which report drift, but flags no row; rows far from the rest of their
own batch are still flagged, and those are what poison looks like. A
whole-batch shift too large to be benign is caught by ``drift_magnitude``
(a limit in golden standard deviations) and by the range checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .baseline import Baseline
from .exceptions import InputDataError
from .stats.correlation import CorrelationShift, correlation_shift
from .stats.isolation import anomaly_scores
from .stats.density import close_rows, nearest_neighbour_distances
from .stats.labels import LabelShift, label_disagreement, label_shift
from .stats.mahalanobis import MeanShiftTest, mean_shift_test, row_squared_distances
from .stats.moments import Moments
from .stats.pca import reconstruction_errors
from .stats.univariate import FeatureShift, clipped_column_moments, mean_shift_sd, mean_shift_z, spread_shift_z

#: Batch-level tests: name -> statistic extracted from :class:`BatchTests`.
BATCH_TESTS = ("mean_shift", "correlation_shift", "feature_mean_shift", "feature_spread_shift", "drift_magnitude",
               "label_shift", "near_duplicates")
#: Row-level scores: name -> attribute of :class:`BatchScores`; higher = more anomalous.
ROW_SCORES = ("row_mahalanobis", "row_isolation", "row_reconstruction", "row_label_disagreement")
#: Batch tests computed from the batch's moments (fields of :class:`BatchTests`).
MOMENT_TESTS = ("mean_shift", "correlation_shift", "feature_mean_shift", "feature_spread_shift", "drift_magnitude")
#: Tests that need the baseline's label column.
LABEL_TESTS = ("label_shift", "row_label_disagreement")
#: Tests that see a change of the whole batch's distribution: drift, which warns by default.
DRIFT_TESTS = ("mean_shift", "feature_mean_shift", "feature_spread_shift")


@dataclass(frozen=True)
class BatchTests:
    """The batch-level test results of one batch."""

    mean_shift: MeanShiftTest
    correlation_shift: CorrelationShift
    feature_mean_shift: FeatureShift
    feature_spread_shift: FeatureShift
    drift_magnitude: FeatureShift

    def statistic(self, name: str) -> float:
        """The scalar a threshold applies to, for a feature test ``name`` in :data:`BATCH_TESTS`."""
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
        drift_magnitude=mean_shift_sd(moments, baseline.location, baseline.scale),
    )


class BatchScores:
    """Statistics of one batch against a baseline.

    Parameters
    ----------
    baseline : Baseline
    X : ndarray of shape (n_rows, n_features)
        The batch's feature matrix, in ``baseline.columns`` order; may hold
        NaN or inf.
    labels : array-like of shape (n_rows,), optional
        The batch's labels, for the label-agreement score.

    Notes
    -----
    Rows with NaN or inf get row score ``+inf`` (always flagged) and are left
    out of the batch moments; ``nonfinite_positions`` lists them so that
    expectations can fail closed.
    """

    def __init__(self, baseline: Baseline, X: np.ndarray, labels=None) -> None:
        self.baseline = baseline
        self.X = np.asarray(X, dtype=np.float64)
        self.finite = np.isfinite(self.X).all(axis=1)
        self.labels = labels

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
    def _clipped_moments(self) -> tuple[np.ndarray, np.ndarray]:
        b = self.baseline
        return clipped_column_moments(self._finite_rows, b.clip_low, b.clip_high)

    @cached_property
    def tests(self) -> BatchTests:
        return batch_tests(self.baseline, self.moments, self._clipped_moments[1])

    def batch_statistic(self, name: str, *, radius: float | None = None) -> float:
        """The scalar a threshold applies to, for any test in :data:`BATCH_TESTS`.

        ``near_duplicates`` needs its calibrated ``radius``.
        """
        if name == "label_shift":
            return self.label_shift.statistic
        if name == "near_duplicates":
            if radius is None:
                raise ValueError("near_duplicates needs the calibrated radius")
            return float(self.near_duplicate_rows(radius).size)
        return self.tests.statistic(name)

    @cached_property
    def nearest_neighbour_distances(self) -> np.ndarray:
        """Whitened distance from each finite row to its nearest other row of the batch (``+inf`` if not finite)."""
        out = np.full(self.n_rows, np.inf)
        out[self.finite] = nearest_neighbour_distances(self.baseline.whiten(self._finite_rows))
        return out

    def near_duplicate_rows(self, radius: float) -> np.ndarray:
        """Positions of rows with another row closer than ``radius`` (whitened), closest first."""
        return close_rows(self.nearest_neighbour_distances, radius)

    @cached_property
    def label_shift(self) -> LabelShift:
        """G-test of the batch's class shares against the golden ones."""
        return self.label_shift_of(self._require_labels())

    def label_shift_of(self, labels) -> LabelShift:
        b = self.baseline
        return label_shift(b.label_codes(self._check_labels(labels)), b.label_shares)

    def _require_labels(self):
        if self.labels is None:
            raise InputDataError(
                "The label checks got no labels for this batch. Include the contract's label_column in the batch."
            )
        return self.labels

    def _check_labels(self, labels) -> np.ndarray:
        labels = np.asarray(labels, dtype=object)
        if labels.shape != (self.n_rows,):
            raise InputDataError(f"Got {labels.shape[0] if labels.ndim else 0} labels for {self.n_rows} rows. "
                                 "Pass one label per row.")
        return labels

    @cached_property
    def centre_offset(self) -> np.ndarray:
        """The batch's winsorised mean minus the golden one: the whole-batch shift row scores discount."""
        if self._finite_rows.shape[0] < 2:  # nothing to centre on; such a batch fails closed anyway
            return np.zeros(self.baseline.n_features)
        return self._clipped_moments[0] - self.baseline.clipped_centre

    @cached_property
    def _centred(self) -> np.ndarray:
        return self.X - self.centre_offset

    @cached_property
    def row_mahalanobis(self) -> np.ndarray:
        """Squared Mahalanobis distance per row, around the batch's own centre."""
        b = self.baseline
        return self._flag_nonfinite(row_squared_distances(self._centred, b.location, b.whitening))

    @cached_property
    def row_isolation(self) -> np.ndarray:
        """Isolation-forest anomaly score per row, around the batch's own centre."""
        return self._flag_nonfinite(anomaly_scores(self.baseline.forest, self._centred))

    @cached_property
    def row_reconstruction(self) -> np.ndarray:
        """PCA reconstruction error per row, around the batch's own centre."""
        return self._flag_nonfinite(reconstruction_errors(self.baseline.pca, self._centred))

    @cached_property
    def row_label_disagreement(self) -> np.ndarray:
        """k-NN label disagreement per row (``+inf`` for a missing or unknown label)."""
        return self.label_scores(self._require_labels())

    def label_scores(self, labels) -> np.ndarray:
        """k-NN label disagreement of every row given ``labels`` (see :mod:`~gx_poison_guard.stats.labels`)."""
        b = self.baseline
        labels = self._check_labels(labels)
        return self._flag_nonfinite(label_disagreement(b.label_reference, b.whiten(self._centred),
                                                       b.label_codes(labels)))

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
