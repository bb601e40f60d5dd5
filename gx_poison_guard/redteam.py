"""Red-team a suite: seeded attack scenarios and a harness that measures what the suite catches.

Each scenario takes a clean batch (a ``DataFrame`` holding the baseline's
feature columns) and the :class:`~gx_poison_guard.baseline.Baseline`, and
returns a :class:`Poisoned` batch with the ground-truth mask of poisoned rows.
Poisoned rows *replace* clean rows (``ceil(fraction * n)`` of them), so the
batch size stays the same. "sd" means golden standard deviations. Recipes
follow the project's detection note (scenarios S1-S11); every parameter is an
argument. Drift scenarios (S2b, S9) poison no row: their mask is all False,
and a suite should report them as drift (warn), not block them as poison.

:func:`run_redteam` replays clean and attacked batches through a calibrated
suite's verdict (:func:`gx_poison_guard.calibration.decide` plus the
contract's block/warn policy) and reports batch detection rates with
Clopper-Pearson intervals and the share of poisoned rows the row detectors
flagged. Nothing here imports Great Expectations.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .baseline import Baseline
from .breaker import CheckOutcome, decide_breaker
from .calibration import SuiteCalibration, decide
from .scoring import BatchScores
from .stats.calibration import clopper_pearson


@dataclass(frozen=True)
class Poisoned:
    """An attacked batch and which of its rows were poisoned."""

    batch: pd.DataFrame
    mask: np.ndarray


def _rows(n: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must lie in (0, 1]: got {fraction!r}.")
    return np.sort(rng.choice(n, min(n, math.ceil(fraction * n)), replace=False))


def _result(batch: pd.DataFrame, out: pd.DataFrame, rows: np.ndarray) -> Poisoned:
    mask = np.zeros(len(batch), dtype=bool)
    mask[rows] = True
    return Poisoned(out, mask)


def _features(df: pd.DataFrame, baseline: Baseline) -> np.ndarray:
    return df[list(baseline.columns)].to_numpy(dtype=np.float64, copy=True)


def _set_features(out: pd.DataFrame, baseline: Baseline, rows: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    cols = [out.columns.get_loc(c) for c in baseline.columns]
    out = out.astype({c: np.float64 for c in baseline.columns})
    out.iloc[rows, cols] = values
    return out


def far_outliers(batch, baseline, *, fraction: float, seed: int, low: float = 6.0, high: float = 10.0,
                 max_features: int = 3, min_features: int = 1) -> Poisoned:
    """S1: ``min_features`` to ``max_features`` features of each poisoned row set to +-U(low, high) sd."""
    rng = np.random.default_rng(seed)
    rows = _rows(len(batch), fraction, rng)
    X = _features(batch, baseline)[rows]
    for i in range(rows.size):
        j = rng.choice(baseline.n_features, rng.integers(min_features, max_features + 1), replace=False)
        X[i, j] = baseline.location[j] + rng.choice([-1, 1], j.size) * rng.uniform(low, high, j.size) * baseline.scale[j]
    return _result(batch, _set_features(batch.copy(), baseline, rows, X), rows)


def global_outliers(batch, baseline, *, fraction: float, seed: int, widen: float = 0.1) -> Poisoned:
    """S1b (ADBench "global"): every feature uniform on the golden range widened by ``widen``."""
    rng = np.random.default_rng(seed)
    rows = _rows(len(batch), fraction, rng)
    span = baseline.maximum - baseline.minimum
    X = rng.uniform(baseline.minimum - widen * span, baseline.maximum + widen * span, (rows.size, baseline.n_features))
    return _result(batch, _set_features(batch.copy(), baseline, rows, X), rows)


def subset_shift(batch, baseline, *, fraction: float, seed: int, shift_sd: float = 0.5, n_features: int = 3) -> Poisoned:
    """S2a: poisoned rows moved ``shift_sd`` on ``n_features`` features chosen once (expected hard)."""
    rng = np.random.default_rng(seed)
    rows = _rows(len(batch), fraction, rng)
    j = rng.choice(baseline.n_features, min(n_features, baseline.n_features), replace=False)
    X = _features(batch, baseline)[rows]
    X[:, j] += shift_sd * baseline.scale[j]
    return _result(batch, _set_features(batch.copy(), baseline, rows, X), rows)


def _within_bounds(moved: np.ndarray, original: np.ndarray, baseline: Baseline, respect_bounds: bool) -> np.ndarray:
    """Natural drift cannot leave physical bounds (no negative counts): when asked, a moved value stops at
    the golden min/max (or at its own original value, if that already lay beyond)."""
    if not respect_bounds:
        return moved
    return np.clip(moved, np.minimum(baseline.minimum, original), np.maximum(baseline.maximum, original))


def whole_batch_drift(batch, baseline, *, seed: int, shift_sd: float = 0.5, n_features: int = 3,
                      respect_bounds: bool = True) -> Poisoned:
    """S2b: every row moved ``shift_sd`` on ``n_features`` features. Drift, not poison: empty mask.

    With ``respect_bounds`` (default) moved values stay inside the golden
    min/max, as a real covariate shift of a count, an amount or a category
    code does; without it, values leave the golden range and the range checks
    block the batch, by design.
    """
    rng = np.random.default_rng(seed)
    j = rng.choice(baseline.n_features, min(n_features, baseline.n_features), replace=False)
    original = _features(batch, baseline)
    X = original.copy()
    X[:, j] += shift_sd * baseline.scale[j]
    X = _within_bounds(X, original, baseline, respect_bounds)
    return Poisoned(_set_features(batch.copy(), baseline, np.arange(len(batch)), X), np.zeros(len(batch), bool))


def correlation_break(batch, baseline, *, fraction: float, seed: int) -> Poisoned:
    """S3: each feature permuted independently among the poisoned rows (every column keeps its values)."""
    rng = np.random.default_rng(seed)
    rows = _rows(len(batch), fraction, rng)
    X = _features(batch, baseline)[rows]
    X = np.column_stack([X[rng.permutation(rows.size), j] for j in range(baseline.n_features)])
    return _result(batch, _set_features(batch.copy(), baseline, rows, X), rows)


def jointly_unlikely(batch, baseline, *, fraction: float, seed: int, mode: str = "min_eigen") -> Poisoned:
    """S4: rows with every |z| <= 2 that contradict the golden correlations.

    ``mode="pair"`` sets the most correlated pair to +1.5 / -1.5 sign(r) sd on
    top of a clean row; ``mode="min_eigen"`` places rows along the direction of
    least golden variance, ``clip(2 sign(v_min) + 0.3 N(0, I), -2, 2)``.
    """
    rng = np.random.default_rng(seed)
    rows = _rows(len(batch), fraction, rng)
    Z = (_features(batch, baseline)[rows] - baseline.location) / baseline.scale
    if mode == "pair":
        r = baseline.correlation - np.eye(baseline.n_features)
        i, j = np.unravel_index(np.argmax(np.abs(r)), r.shape)
        Z[:, i], Z[:, j] = 1.5, -1.5 * np.sign(r[i, j])
    elif mode == "min_eigen":
        v = np.linalg.eigh(baseline.correlation)[1][:, 0]
        Z = np.clip(2.0 * np.sign(v) + 0.3 * rng.standard_normal((rows.size, baseline.n_features)), -2.0, 2.0)
    else:
        raise ValueError(f"mode must be 'pair' or 'min_eigen': got {mode!r}.")
    return _result(batch, _set_features(batch.copy(), baseline, rows, baseline.location + Z * baseline.scale), rows)


def backdoor_trigger(batch, baseline, *, fraction: float, seed: int, n_triggers: int = 3, placement: str = "random",
                     label_column: str | None = None, target_label=None) -> Poisoned:
    """S5: ``n_triggers`` features set to their golden 99th percentile (in bounds); label set to the target.

    With a ``label_column``, the poisoned rows are drawn from the rows of
    other classes (when there are enough), as a backdoor relabels them.

    ``placement="least_correlated"`` puts the trigger on the features least
    correlated with the others (hardest for Mahalanobis).
    """
    rng = np.random.default_rng(seed)
    rows = _rows(len(batch), fraction, rng)
    if label_column is not None:  # poison rows of the other classes, so every poisoned row changes its label
        others = np.flatnonzero(batch[label_column].to_numpy() != target_label)
        if others.size >= rows.size:
            rows = np.sort(rng.choice(others, rows.size, replace=False))
    if placement == "least_correlated":
        j = np.argsort(np.abs(baseline.correlation - np.eye(baseline.n_features)).sum(axis=0))[:n_triggers]
    elif placement == "random":
        j = rng.choice(baseline.n_features, min(n_triggers, baseline.n_features), replace=False)
    else:
        raise ValueError(f"placement must be 'random' or 'least_correlated': got {placement!r}.")
    X = _features(batch, baseline)[rows]
    X[:, j] = np.quantile(baseline.calibration_rows[:, j], 0.99, axis=0)
    out = _set_features(batch.copy(), baseline, rows, X)
    if label_column is not None:
        out.iloc[rows, out.columns.get_loc(label_column)] = target_label
    return _result(batch, out, rows)


def label_flip(batch, baseline, *, fraction: float, seed: int, label_column: str, mode: str = "random") -> Poisoned:
    """S6: change the label of ``fraction`` of rows; features are untouched, so feature detectors cannot see it.

    ``mode="random"`` (S6a) picks rows at random and gives each a random other
    class; ``mode="boundary"`` (S6b, expected hard) picks the rows a
    logistic regression is least sure of and gives each its second most likely
    class (never its own): flips that look like honest label noise. The
    regression is fitted on the baseline's golden rows when it has labels,
    else on the batch.
    """
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    y = batch[label_column].to_numpy()
    classes = np.unique(np.concatenate([y, _golden_classes(baseline, y.dtype)]))
    if classes.size < 2:
        raise ValueError(f"label_flip needs at least 2 classes: {label_column!r} has {classes.size}.")
    k = min(len(batch), math.ceil(fraction * len(batch)))
    new = y.copy()
    if mode == "random":
        rows = np.sort(rng.choice(len(batch), k, replace=False))
        for i in rows:
            new[i] = rng.choice(classes[classes != y[i]])
    elif mode == "boundary":
        Z = (_features(batch, baseline) - baseline.location) / baseline.scale
        golden = _golden_classes(baseline, y.dtype)
        if golden.size >= 2:  # the recipe: the boundary of a model fitted on golden data
            model = _golden_classifier(baseline, y.dtype)
        else:
            model = LogisticRegression(max_iter=2000).fit(Z, y)
        proba = model.predict_proba(Z)
        top_two = np.sort(proba, axis=1)[:, -2:]
        rows = np.sort(np.argsort(top_two[:, 1] - top_two[:, 0], kind="stable")[:k])
        ranked = model.classes_[np.argsort(-proba[rows], axis=1)]
        new[rows] = np.where(ranked[:, 0] == y[rows], ranked[:, 1], ranked[:, 0])
    else:
        raise ValueError(f"mode must be 'random' or 'boundary': got {mode!r}.")
    out = batch.copy()
    out[label_column] = new
    return _result(batch, out, rows)


@functools.lru_cache(maxsize=8)
def _golden_classifier(baseline: Baseline, dtype):
    """Logistic regression of the golden labels on standardised features (fitted once per baseline)."""
    from sklearn.linear_model import LogisticRegression

    fit_X = (baseline.reference_rows - baseline.location) / baseline.scale
    return LogisticRegression(max_iter=2000).fit(fit_X, _golden_classes(baseline, dtype)[baseline.reference_labels])


@functools.lru_cache(maxsize=8)
def _median_golden_nn_distance(baseline: Baseline) -> float:
    """Median nearest-neighbour distance among the held-out rows, standardised (computed once per baseline)."""
    from scipy.spatial import cKDTree

    Z = (baseline.calibration_rows - baseline.location) / baseline.scale
    return float(np.median(cKDTree(Z).query(Z, k=2)[0][:, 1]))


@functools.lru_cache(maxsize=8)
def _held_out_mahalanobis(baseline: Baseline) -> np.ndarray:
    return BatchScores(baseline, baseline.calibration_rows).row_mahalanobis


def _golden_classes(baseline: Baseline, dtype) -> np.ndarray:
    """The baseline's label classes in the batch's label dtype (none when it has no labels)."""
    if not baseline.has_labels:
        return np.array([], dtype=dtype)
    try:
        return np.array([float(c) for c in baseline.label_classes]).astype(dtype) if dtype.kind in "iuf" else \
            np.array(baseline.label_classes, dtype=dtype)
    except ValueError:
        return np.array([], dtype=dtype)


def clustered_poison(batch, baseline, *, fraction: float, seed: int, radius_nn: float = 0.5,
                     label_column: str | None = None) -> Poisoned:
    """S7: poisoned rows scattered within ``radius_nn`` x the median golden nearest-neighbour distance of one golden point.

    With a ``label_column`` and a labelled baseline, the poisoned rows carry a
    class other than the target point's (Koh et al.: concentrated, mislabelled).
    """
    rng = np.random.default_rng(seed)
    rows = _rows(len(batch), fraction, rng)
    Z = (baseline.calibration_rows - baseline.location) / baseline.scale
    nn = _median_golden_nn_distance(baseline)
    t = rng.integers(len(Z))
    u = rng.standard_normal((rows.size, baseline.n_features))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    points = Z[t] + radius_nn * nn * u * rng.uniform(0, 1, (rows.size, 1))
    out = _set_features(batch.copy(), baseline, rows, baseline.location + points * baseline.scale)
    if label_column is not None:
        classes = _golden_classes(baseline, batch[label_column].to_numpy().dtype)
        if classes.size >= 2:
            others = np.delete(classes, baseline.calibration_labels[t])
            out = _set_labels(out, label_column, rows, others[rng.integers(0, others.size, rows.size)])
    return _result(batch, out, rows)


def _set_labels(out: pd.DataFrame, label_column: str, rows: np.ndarray, values) -> pd.DataFrame:
    labels = out[label_column].to_numpy().copy()
    labels[rows] = values
    out[label_column] = labels
    return out


def seasonal_drift(batch, baseline, *, amplitude_sd: float = 0.5, phase: float = 0.25,
                   respect_bounds: bool = True) -> Poisoned:
    """S9 (negative control): every row moved ``amplitude_sd sin(2 pi phase)`` along the first principal axis.

    ``respect_bounds`` as in :func:`whole_batch_drift`.
    """
    v = np.linalg.eigh(baseline.correlation)[1][:, -1]
    shift = amplitude_sd * math.sin(2 * math.pi * phase) * v * baseline.scale
    original = _features(batch, baseline)
    X = _within_bounds(original + shift, original, baseline, respect_bounds)
    return Poisoned(_set_features(batch.copy(), baseline, np.arange(len(batch)), X), np.zeros(len(batch), bool))


def adaptive_inside(batch, baseline, *, fraction: float, seed: int, n_locations: int = 3, depth: float = 0.5,
                    label_column: str | None = None) -> Poisoned:
    """S11 (known-hard ceiling): poison concentrated on ``n_locations`` golden-like points inside every threshold.

    Each location is a held-out clean row whose Mahalanobis distance is at the
    ``depth`` quantile of the golden ones; poisoned rows copy those locations
    (an attacker who knows the defence stays inside it, Koh et al. 2018).
    """
    rng = np.random.default_rng(seed)
    rows = _rows(len(batch), fraction, rng)
    cal = baseline.calibration_rows
    d2 = _held_out_mahalanobis(baseline)
    near = np.argsort(np.abs(d2 - np.quantile(d2, depth)))[: max(n_locations, 1)]
    picked = near[rng.integers(0, near.size, rows.size)]
    out = _set_features(batch.copy(), baseline, rows, cal[picked])
    if label_column is not None:  # each copy keeps its location's own golden label: inside the label checks too
        classes = _golden_classes(baseline, batch[label_column].to_numpy().dtype)
        if classes.size >= 2:
            out = _set_labels(out, label_column, rows, classes[baseline.calibration_labels[picked]])
    return _result(batch, out, rows)


@dataclass(frozen=True)
class Scenario:
    """A named attack: ``make(batch, baseline, fraction, seed)`` returns a :class:`Poisoned` batch."""

    id: str
    name: str
    make: Callable[[pd.DataFrame, Baseline, float, int], Poisoned]
    drift: bool = False  # whole-batch drift: should warn, not block


def scenarios(label_column: str | None = None) -> list[Scenario]:
    """The scenario catalogue; label scenarios only when a label column is given."""
    out = [
        Scenario("S1", "far outliers (6-10 sd on 1-3 features)", lambda b, bl, f, s: far_outliers(b, bl, fraction=f, seed=s)),
        Scenario("S1b", "global outliers (uniform on the widened range)", lambda b, bl, f, s: global_outliers(b, bl, fraction=f, seed=s)),
        Scenario("S2a", "subset shift (+0.5 sd on 3 features)", lambda b, bl, f, s: subset_shift(b, bl, fraction=f, seed=s)),
        Scenario("S3", "correlation breaking, marginals kept", lambda b, bl, f, s: correlation_break(b, bl, fraction=f, seed=s)),
        Scenario("S4", "in range but jointly unlikely", lambda b, bl, f, s: jointly_unlikely(b, bl, fraction=f, seed=s)),
        Scenario("S5", "backdoor trigger (99th pct on 3 features)",
                 lambda b, bl, f, s: backdoor_trigger(b, bl, fraction=f, seed=s, label_column=label_column,
                                                      target_label=_first_label(b, label_column))),
        Scenario("S7", "clustered poison near one point", lambda b, bl, f, s: clustered_poison(b, bl, fraction=f, seed=s, label_column=label_column)),
        Scenario("S11", "adaptive: inside every threshold", lambda b, bl, f, s: adaptive_inside(b, bl, fraction=f, seed=s, label_column=label_column)),
        Scenario("S2b", "whole-batch drift (+0.5 sd on 3 features)", lambda b, bl, f, s: whole_batch_drift(b, bl, seed=s), drift=True),
        Scenario("S9", "seasonal drift along the main axis (0.5 sd)", lambda b, bl, f, s: seasonal_drift(b, bl), drift=True),
    ]
    if label_column is not None:
        out[6:6] = [
            Scenario("S6", "random label flips",
                     lambda b, bl, f, s: label_flip(b, bl, fraction=f, seed=s, label_column=label_column)),
            Scenario("S6b", "label flips at the class boundary",
                     lambda b, bl, f, s: label_flip(b, bl, fraction=f, seed=s, label_column=label_column,
                                                    mode="boundary")),
        ]
    return out


def _first_label(batch: pd.DataFrame, label_column: str | None):
    return None if label_column is None else batch[label_column].iloc[0]


@dataclass(frozen=True)
class RedTeamRow:
    """One line of the red-team table."""

    scenario: str
    name: str
    fraction: float
    batches: int
    blocked: int
    blocked_ci: tuple[float, float]
    rows_caught: float | None  # share of poisoned rows flagged by any row detector
    drift: bool
    warned: int = 0  # batches let through with a warning (drift reported)

    @property
    def rate(self) -> float:
        return self.blocked / self.batches


def run_redteam(
    baseline: Baseline,
    calibration: SuiteCalibration,
    clean_batches: Iterable[pd.DataFrame],
    *,
    policy: dict[str, str] | None = None,
    fractions: tuple[float, ...] = (0.01, 0.05, 0.10),
    label_column: str | None = None,
    seed: int = 0,
) -> list[RedTeamRow]:
    """Replay clean and attacked batches through the suite's verdict.

    Parameters
    ----------
    clean_batches : iterable of DataFrame
        Clean batches holding the baseline's columns (and ``label_column``).
        Each is used once clean (S0) and once per scenario and fraction.
    policy : dict, optional
        Detector -> ``"block"``/``"warn"`` (the contract's); a batch counts as
        blocked when a failed check is not a warning. Tests the calibration
        treats as warn-only warn unless the policy says otherwise, and the
        calibration's k-of-m ``consensus`` applies.
    """
    batches = list(clean_batches)
    policy = {**{t: "warn" for t in calibration.warn_tests}, **(policy or {})}
    catalogue = scenarios(label_column)
    counts = {("S0", 0.0): [0, 0, 0, 0, 0]}  # blocked, batches, poisoned rows caught, poisoned rows, warned
    for b, clean in enumerate(batches):
        _tally(counts[("S0", 0.0)], clean, np.zeros(len(clean), bool), baseline, calibration, policy)
        for scenario in catalogue:
            for fraction in ((0.0,) if scenario.drift else fractions):
                attacked = scenario.make(clean, baseline, fraction or 1.0, seed * 100_003 + b)
                key = (scenario.id, fraction)
                _tally(counts.setdefault(key, [0, 0, 0, 0, 0]), attacked.batch, attacked.mask, baseline, calibration, policy)
    names = {"S0": ("clean batches (false blocks)", False), **{s.id: (s.name, s.drift) for s in catalogue}}
    return [
        RedTeamRow(sid, names[sid][0], fraction, c[1], c[0], clopper_pearson(c[0], c[1]),
                   (c[2] / c[3]) if c[3] else None, names[sid][1], c[4])
        for (sid, fraction), c in counts.items()
    ]


def _tally(count, batch, mask, baseline, calibration, policy) -> None:
    labels = batch[baseline.label_column].to_numpy(dtype=object) if baseline.has_labels else None
    scores = BatchScores(baseline, _features(batch, baseline), labels)
    outcomes = [CheckOutcome(name, ok, detector=not name.startswith("range:"))
                for name, ok in decide(calibration, scores).items()]
    verdict = decide_breaker(outcomes, policy, calibration.consensus)
    count[0] += verdict.tripped
    count[4] += verdict.status == "warn"
    count[1] += 1
    if mask.any():
        flagged = np.zeros(len(batch), bool)
        for test, rule in calibration.row_rules.items():
            flagged |= scores.row_scores(test) > rule.threshold
        count[2] += int(np.count_nonzero(flagged & mask))
        count[3] += int(mask.sum())


def format_table(rows: list[RedTeamRow]) -> str:
    """The red-team table as Markdown."""
    lines = ["| scenario | attack | poisoned share | batches blocked | rate (95% CI) | warned (drift) "
             "| poisoned rows flagged |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        share = "all rows (drift)" if r.drift else ("0 (clean)" if r.scenario == "S0" else f"{r.fraction:.0%}")
        caught = "" if r.rows_caught is None else f"{r.rows_caught:.0%}"
        lines.append(f"| {r.scenario} | {r.name} | {share} | {r.blocked}/{r.batches} | "
                     f"{r.rate:.1%} [{r.blocked_ci[0]:.1%}, {r.blocked_ci[1]:.1%}] | {r.warned}/{r.batches} | {caught} |")
    return "\n".join(lines)
