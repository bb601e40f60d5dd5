"""The golden baseline: what "normal" looks like, learned from vetted clean rows.

``fit_baseline`` splits the golden rows at random into a *fit* part (default
70 %) and a held-out *calibration* part (30 %). Everything that describes the
data (location, scale, winsorised spread, shrunk covariance, correlation, isolation
forest, PCA axes, column ranges) is learned on the fit part only; the
calibration rows are kept, untouched, so that thresholds can later be set on
data the models never saw, for any batch size and false-block target.

``Baseline.save`` writes an integrity-checked artifact (see
:mod:`gx_poison_guard.artifact`); ``load_baseline`` verifies it. Nothing here
imports Great Expectations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__
from .artifact import read_artifact, write_artifact
from .exceptions import BaselineIntegrityError, InputDataError, InsufficientDataError
from .frames import feature_matrix, nonfinite_rows
from .stats.isolation import FlatForest, fit_flat_forest, whitening_projection
from .stats.labels import DEFAULT_NEIGHBOURS, LabelReference, canonical_labels, encode_labels, stratified_reference
from .stats.mahalanobis import fit_shrunk_covariance, whitening_matrix
from .stats.moments import Moments
from .stats.pca import PCAModel, fit_pca
from .stats.univariate import WINSOR_QUANTILE

DEFAULT_CALIBRATION_FRACTION = 0.3
DEFAULT_MAX_CALIBRATION_ROWS = 20_000
DEFAULT_MAX_REFERENCE_ROWS = 5_000
_LABEL_FIELDS = ("reference_rows", "reference_labels", "calibration_labels")
_ARRAY_FIELDS = (
    "location", "scale", "covariance", "correlation", "minimum", "maximum",
    "clip_low", "clip_high", "clipped_scale", "clipped_kurtosis", "calibration_rows",
)


@dataclass(eq=False)
class Baseline:
    """A fitted golden baseline.

    Attributes
    ----------
    columns : tuple of str
        Feature columns, in the order of every array below.
    location, scale : ndarray of shape (n_features,)
        Fit-part mean and standard deviation (ddof=1).
    covariance : ndarray of shape (n_features, n_features)
        Ledoit-Wolf-shrunk covariance (see :mod:`gx_poison_guard.stats.mahalanobis`).
    correlation : ndarray of shape (n_features, n_features)
        Fit-part sample correlation (unshrunk), the reference for correlation shift.
    minimum, maximum : ndarray of shape (n_features,)
        Fit-part column ranges.
    clip_low, clip_high : ndarray of shape (n_features,)
        Fit-part 0.5 % and 99.5 % quantiles, where the spread test clips values.
    clipped_scale, clipped_kurtosis : ndarray of shape (n_features,)
        Standard deviation and non-excess kurtosis of the clipped fit values.
    forest : FlatForest
        Isolation forest as plain arrays, fitted in PCA-whitened coordinates.
    pca : PCAModel
        Principal axes of the standardised fit rows.
    calibration_rows : ndarray of shape (n_calibration, n_features)
        Held-out clean rows, never seen by the models.
    label_column : str or None
        The label the label-agreement check reads, when the baseline has one.
    label_classes : tuple of str
        Golden label values (canonical strings, see :func:`~gx_poison_guard.stats.labels.canonical_labels`).
    reference_rows : ndarray of shape (n_reference, n_features) or None
        Fit rows (a class-stratified subset) the label check finds neighbours among.
    reference_labels, calibration_labels : ndarray of int or None
        Class codes of the reference and calibration rows.
    info : dict
        JSON-safe provenance: split sizes, settings, dtypes, versions.
    """

    columns: tuple[str, ...]
    location: np.ndarray
    scale: np.ndarray
    covariance: np.ndarray
    correlation: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    clip_low: np.ndarray
    clip_high: np.ndarray
    clipped_scale: np.ndarray
    clipped_kurtosis: np.ndarray
    forest: FlatForest
    pca: PCAModel
    calibration_rows: np.ndarray
    info: dict[str, Any]
    label_column: str | None = None
    label_classes: tuple[str, ...] = ()
    reference_rows: np.ndarray | None = None
    reference_labels: np.ndarray | None = None
    calibration_labels: np.ndarray | None = None
    path: Path | None = field(default=None, compare=False)
    sha256: str | None = field(default=None, compare=False)

    @property
    def n_features(self) -> int:
        return len(self.columns)

    @cached_property
    def whitening(self) -> np.ndarray:
        """``L^{-1}`` of the shrunk covariance; rows whitened by it have identity covariance."""
        return whitening_matrix(self.covariance)

    @cached_property
    def clipped_centre(self) -> np.ndarray:
        """Mean of the held-out rows clipped at ``clip_low/clip_high``: where a clean batch's winsorised mean sits."""
        return np.clip(self.calibration_rows, self.clip_low, self.clip_high).mean(axis=0)

    @property
    def has_labels(self) -> bool:
        return self.label_column is not None

    @cached_property
    def label_reference(self) -> LabelReference:
        """The whitened golden rows the label-agreement check compares a row with."""
        if not self.has_labels:
            raise InputDataError(
                "This baseline was fitted without a label column, so it cannot check labels. Set label_column "
                "in the contract (fit_baseline(label_column=...)) and rebuild the baseline."
            )
        return LabelReference(self.whiten(self.reference_rows), self.reference_labels, len(self.label_classes),
                              k=int(self.info.get("label_neighbours", DEFAULT_NEIGHBOURS)))

    @property
    def label_shares(self) -> np.ndarray:
        """Share of each class among all golden rows."""
        return np.asarray(self.info["label_shares"], dtype=np.float64)

    def whiten(self, X: np.ndarray) -> np.ndarray:
        """Rows in coordinates where the golden data has identity covariance."""
        return (np.asarray(X, dtype=np.float64) - self.location) @ self.whitening.T

    def label_codes(self, labels) -> np.ndarray:
        """Class code of each label (-1: missing, or a value the golden data never had)."""
        return encode_labels(labels, self.label_classes)

    def save(self, path: str | Path) -> str:
        """Write the artifact to ``path`` and remember where; return its SHA-256."""
        manifest = {"columns": list(self.columns), "info": self.info,
                    "pca_components": int(self.pca.components.shape[0]),
                    "label_column": self.label_column, "label_classes": list(self.label_classes)}
        arrays = {name: getattr(self, name) for name in _ARRAY_FIELDS}
        if self.has_labels:
            arrays.update({name: getattr(self, name) for name in _LABEL_FIELDS})
        arrays.update({f"forest.{k}": v for k, v in self.forest.to_arrays().items()})
        arrays["pca.components"] = self.pca.components
        self.sha256 = write_artifact(path, manifest, arrays)
        self.path = Path(path)
        return self.sha256


def load_baseline(path: str | Path, expected_sha256: str | None = None) -> Baseline:
    """Load and verify a baseline artifact written by :meth:`Baseline.save`.

    Parameters
    ----------
    path : str or Path
    expected_sha256 : str, optional
        The hash a suite pinned; a different file fails closed.

    Raises
    ------
    BaselineIntegrityError
        If the file is unreadable, modified, or not the pinned one.
    """
    manifest, arrays, digest = read_artifact(path, expected_sha256)
    try:
        columns = tuple(str(c) for c in manifest["columns"])
        forest = FlatForest.from_arrays({k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("forest.")})
        forest.check(n_features=len(columns))
        fields = {name: np.array(arrays[name]) for name in _ARRAY_FIELDS}
        pca = PCAModel(fields["location"], fields["scale"], np.array(arrays["pca.components"]))
        labels = {}
        if manifest.get("label_column") is not None:
            labels = {name: np.array(arrays[name]) for name in _LABEL_FIELDS}
            labels.update(label_column=str(manifest["label_column"]),
                          label_classes=tuple(str(c) for c in manifest["label_classes"]))
        baseline = Baseline(columns=columns, forest=forest, pca=pca, info=manifest["info"], **fields, **labels)
        _check_shapes(baseline)
    except (KeyError, ValueError, TypeError) as exc:
        raise BaselineIntegrityError(path, f"has an inconsistent structure ({exc})",
                                     "Rebuild it with fit_baseline(...).save(path)") from None
    baseline.path, baseline.sha256 = Path(path), digest
    return baseline


def _check_shapes(b: Baseline) -> None:
    d = b.n_features
    for name in ("location", "scale", "minimum", "maximum", "clip_low", "clip_high", "clipped_scale", "clipped_kurtosis"):
        if getattr(b, name).shape != (d,):
            raise ValueError(f"{name} has shape {getattr(b, name).shape}, expected ({d},)")
    for name in ("covariance", "correlation"):
        if getattr(b, name).shape != (d, d):
            raise ValueError(f"{name} has shape {getattr(b, name).shape}, expected ({d}, {d})")
    if b.calibration_rows.ndim != 2 or b.calibration_rows.shape[1] != d:
        raise ValueError("calibration rows do not match the columns")
    if b.pca.components.ndim != 2 or b.pca.components.shape[1] != d:
        raise ValueError("PCA components do not match the columns")
    if b.has_labels:
        k = len(b.label_classes)
        if b.reference_rows.ndim != 2 or b.reference_rows.shape[1] != d:
            raise ValueError("reference rows do not match the columns")
        if b.reference_labels.shape != (b.reference_rows.shape[0],) or b.calibration_labels.shape != (
                b.calibration_rows.shape[0],):
            raise ValueError("label codes do not match their rows")
        codes = np.concatenate([b.reference_labels, b.calibration_labels])
        if k < 2 or codes.min() < 0 or codes.max() >= k:
            raise ValueError("label codes lie outside the label classes")
        if len(b.info.get("label_shares", ())) != k:
            raise ValueError("label shares do not match the label classes")


def fit_baseline(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    calibration_fraction: float = DEFAULT_CALIBRATION_FRACTION,
    max_calibration_rows: int = DEFAULT_MAX_CALIBRATION_ROWS,
    label_column: str | None = None,
    max_reference_rows: int = DEFAULT_MAX_REFERENCE_ROWS,
    n_estimators: int = 100,
    explained_variance: float = 0.9,
    random_state: int = 0,
) -> Baseline:
    """Learn a golden baseline from vetted clean rows.

    Parameters
    ----------
    df : pandas.DataFrame
        Clean rows. Every feature value must be finite.
    columns : sequence of str
        Numeric feature columns to guard.
    calibration_fraction : float, default 0.3
        Share of rows held out (at random) for calibrating thresholds.
    max_calibration_rows : int, default 20000
        Cap on the held-out rows kept in the artifact (a random subset).
    label_column : str, optional
        Class label of each row, for the label-agreement check (label flips,
        backdoor relabelling). Every golden row must have one.
    max_reference_rows : int, default 5000
        Cap on the fit rows kept as label neighbours (class-stratified; rare
        classes keep at least 200 rows).
    n_estimators : int, default 100
        Isolation-forest trees.
    explained_variance : float, default 0.9
        Variance share kept by the PCA reconstruction model.
    random_state : int, default 0
        Seed of the split and the isolation forest.

    Returns
    -------
    Baseline

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> wine = load_wine(as_frame=True).data
    >>> b = fit_baseline(wine, columns=list(wine.columns)[:5])
    >>> b.n_features, b.calibration_rows.shape[0]
    (5, 53)
    """
    columns = _check_columns(columns)
    X = _clean_golden_matrix(df, columns)
    if not 0.0 < calibration_fraction < 1.0:
        raise ValueError(f"calibration_fraction must lie in (0, 1): got {calibration_fraction!r}.")
    fit_index, cal_index = split_golden(X.shape[0], calibration_fraction, random_state)
    fit_rows, cal_rows = X[fit_index], X[cal_index][:max_calibration_rows]
    _check_fit_rows(fit_rows, columns)
    baseline = _fit(fit_rows, cal_rows, columns, df, n_estimators, explained_variance, random_state,
                    calibration_fraction)
    if label_column is not None:
        _add_labels(baseline, df, label_column, fit_index, cal_index[:max_calibration_rows], fit_rows,
                    max_reference_rows, random_state)
    return baseline


def _add_labels(baseline, df, label_column, fit_index, cal_index, fit_rows, max_reference_rows, random_state) -> None:
    """Store the golden labels the label-agreement check needs (fails on missing labels or a single class)."""
    if label_column not in df.columns:
        raise InputDataError(f"The golden data lacks the label column {label_column!r}: got columns "
                             f"{list(map(str, df.columns))!r}. Add it, or drop label_column.")
    labels = canonical_labels(df[label_column].to_numpy())
    missing = np.flatnonzero([v is None for v in labels])
    if missing.size:
        raise InputDataError(f"The golden label column {label_column!r} has {missing.size} missing value(s) (first "
                             f"at position {int(missing[0])}). Label every golden row, or drop label_column.")
    classes = tuple(sorted(set(labels.tolist())))
    codes = encode_labels(labels, classes)
    keep = stratified_reference(codes[fit_index], max_reference_rows, random_state=random_state)
    baseline.label_column, baseline.label_classes = str(label_column), classes
    baseline.reference_rows = np.ascontiguousarray(fit_rows[keep])
    baseline.reference_labels = codes[fit_index][keep]
    baseline.calibration_labels = codes[cal_index]
    baseline.info["label_neighbours"] = DEFAULT_NEIGHBOURS
    shares = np.bincount(codes, minlength=len(classes)) / codes.size
    baseline.info["label_shares"] = [float(x) for x in shares]
    baseline.info["n_reference_rows"] = int(keep.size)
    baseline.label_reference  # noqa: B018 -- validates: at least 2 rows in each of 2 classes


def split_golden(n_rows: int, calibration_fraction: float, random_state: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the fit rows and of the held-out calibration rows, as ``fit_baseline`` splits them."""
    order = np.random.default_rng(random_state).permutation(n_rows)
    n_cal = int(round(n_rows * calibration_fraction))
    return order[n_cal:], order[:n_cal]


def _fit(fit_rows, cal_rows, columns, df, n_estimators, explained_variance, random_state,
         calibration_fraction) -> Baseline:
    moments = Moments.from_array(fit_rows)
    scale = moments.std()
    clip_low, clip_high = np.quantile(fit_rows, [WINSOR_QUANTILE, 1.0 - WINSOR_QUANTILE], axis=0)
    clipped = np.clip(fit_rows, clip_low, clip_high)
    clipped_scale = clipped.std(axis=0, ddof=1)
    centred = (clipped - clipped.mean(axis=0)) / np.where(clipped_scale > 0, clipped_scale, 1.0)
    clipped_kurtosis = np.mean(centred**4, axis=0) * ((len(fit_rows) - 1) / len(fit_rows)) ** 2
    shrunk = fit_shrunk_covariance(fit_rows)
    info = {
        # no timestamp: the same golden rows and settings give the same bytes and SHA-256
        "golden_sha256": hashlib.sha256(np.ascontiguousarray(np.vstack([fit_rows, cal_rows])).tobytes()).hexdigest(),
        "package_version": __version__,
        "n_golden_rows": int(len(fit_rows) + len(cal_rows)),
        "n_fit_rows": int(len(fit_rows)),
        "n_calibration_rows": int(len(cal_rows)),
        "calibration_fraction": float(calibration_fraction),
        "split": "uniform random permutation of the golden rows (seeded)",
        "random_state": int(random_state),
        "covariance_estimator": "Ledoit-Wolf shrinkage of the correlation matrix",
        "shrinkage": shrunk.shrinkage,
        "n_estimators": int(n_estimators),
        "explained_variance": float(explained_variance),
        "dtypes": {c: str(df[c].dtype) for c in columns},
    }
    return Baseline(
        columns=tuple(columns),
        location=moments.mean,
        scale=scale,
        clip_low=clip_low,
        clip_high=clip_high,
        clipped_scale=clipped_scale,
        clipped_kurtosis=clipped_kurtosis,
        covariance=shrunk.covariance,
        correlation=moments.correlation(),
        minimum=fit_rows.min(axis=0),
        maximum=fit_rows.max(axis=0),
        forest=_fit_forest(fit_rows, moments.mean, shrunk.covariance, n_estimators, random_state),
        pca=fit_pca(fit_rows, moments.mean, scale, explained_variance=explained_variance),
        calibration_rows=np.ascontiguousarray(cal_rows),
        info=info,
    )


def _fit_forest(fit_rows, location, covariance, n_estimators, random_state) -> FlatForest:
    """Isolation forest on PCA-whitened standardised rows (see :mod:`~gx_poison_guard.stats.isolation`)."""
    scale, rotation = whitening_projection(covariance)
    return fit_flat_forest(fit_rows, center=location, projection=rotation / scale[:, None],
                           n_estimators=n_estimators, random_state=random_state)


def _check_columns(columns: Sequence[str]) -> list[str]:
    if isinstance(columns, str) or not columns:
        raise InputDataError(
            f"columns must be a non-empty list of feature names: got {columns!r}. "
            "Pass e.g. columns=['amount', 'age']."
        )
    columns = [str(c) for c in columns]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise InputDataError(f"columns lists {duplicated!r} more than once. Pass each feature once.")
    if len(columns) < 2:
        raise InputDataError(
            f"A multivariate baseline needs at least 2 feature columns: got {columns!r}. "
            "Add columns, or use GX's column expectations for a single feature."
        )
    return columns


def _clean_golden_matrix(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    X = feature_matrix(df, columns, what="golden data")
    bad = nonfinite_rows(X)
    if bad.size:
        raise InputDataError(
            f"The golden data has {bad.size} row(s) with NaN or inf in feature columns "
            f"(first at position {int(bad[0])}). Clean or drop them: a baseline must be learned "
            "from fully observed, vetted rows."
        )
    return X


def _check_fit_rows(fit_rows: np.ndarray, columns: list[str]) -> None:
    n, d = fit_rows.shape
    if n < 2 * d + 2:
        raise InsufficientDataError(
            what=f"A baseline of {d} features", n_rows=n, n_required=2 * d + 2,
            fix="Provide more golden rows (this counts the fit part only), or fewer columns.",
        )
    clip = np.quantile(fit_rows, [WINSOR_QUANTILE, 1.0 - WINSOR_QUANTILE], axis=0)
    constant = [c for c, s in zip(columns, np.clip(fit_rows, clip[0], clip[1]).std(axis=0)) if not s > 0]
    if constant:
        raise InputDataError(
            f"Feature column(s) {constant!r} are constant in the golden data (or in 99 % of it), so "
            "no shift can be measured on them. Drop them from columns, or check the golden file."
        )
