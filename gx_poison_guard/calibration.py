"""Calibrate every threshold of a suite to one stated false-block rate.

How the target ``alpha`` (default 1 %) is split:

* ``builtin_share`` of it (default 10 %) goes to GX's per-column range checks,
  Bonferroni-split over the columns. Each range is the fit-part min/max
  widened by ``range_tolerance`` of the fit range (never below 0 for a
  feature whose golden values are all non-negative); the share of held-out rows
  outside it sets a beta-binomial null for the out-of-range count of a clean
  batch, and ``mostly`` allows the count that null exceeds with probability
  at most ``alpha * builtin_share / n_columns``. Null checks use
  ``mostly=1.0`` and column/type checks cannot fail on clean data, so they
  spend nothing.
* The rest goes to the multivariate expectations jointly. ``n_resamples``
  clean batches of ``batch_size`` rows are drawn with replacement from the
  held-out calibration rows; each gets a p-value per test (resampling
  p-values for batch statistics, beta-binomial p-values for counts of rows
  above the conformal row threshold, which also carry the uncertainty of
  that threshold). The common per-test level ``alpha'`` is the largest whose
  any-test rejection rate over the resamples stays within the multivariate
  share (min-p), and each threshold is its test's ``alpha'`` critical value.
  This is the ensemble fusion: a batch blocks when its smallest calibrated
  p-value is at most ``alpha'`` (Bonferroni-style min-p, but calibrated on the
  tests' real dependence instead of assuming the worst). With
  ``consensus=k`` the level is instead the largest at which *k or more*
  tests reject at most the target share of clean batches (k-of-m consensus).
* Tests that only warn (``warn_tests``: by default the whole-batch drift
  tests) form a family of their own, calibrated the same way to the same
  target, so warnings are rare on clean data too and never spend the block
  budget.
* ``batch_floors`` sets a least threshold for a batch test (the contract's
  ``max_drift_sd`` for ``drift_magnitude``): the threshold is the larger of
  the floor and the calibrated value, so the floor can only lower the
  false-block rate.

The result records all of it (:meth:`SuiteCalibration.to_meta`) so a suite
carries its own evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import functools
import math

import numpy as np

from .baseline import Baseline
from .exceptions import CalibrationError
from .scoring import BATCH_TESTS, LABEL_TESTS, MOMENT_TESTS, ROW_SCORES, BatchScores, batch_tests
from .stats.calibration import (
    betabinom_max_count,
    clopper_pearson,
    conformal_rank,
    consensus_level,
    empirical_sf,
    empirical_threshold,
    exceedance_count_sf,
    max_clean_count,
)
from .stats.labels import label_shift_from_counts
from .stats.moments import Moments

ALL_TESTS = BATCH_TESTS + ROW_SCORES
#: Tests a suite has only when asked: near_duplicates needs batches no larger than the held-out rows.
OPT_IN_TESTS = ("near_duplicates",)
#: The default tests that need only feature columns.
FEATURE_TESTS = tuple(t for t in ALL_TESTS if t not in LABEL_TESTS and t not in OPT_IN_TESTS)
#: Row scores with a ceiling that clean rows reach (their rarest quantile would flag nothing) -> default row rate.
BOUNDED_ROW_SCORES = {"row_isolation": 0.01, "row_label_disagreement": 0.05}
#: The drift limit (golden standard deviations of a feature's batch mean) when none is given.
DEFAULT_MAX_DRIFT_SD = 1.0
#: Near-duplicate rows a batch may always hold: one coincidental pair never blocks. Real data repeats
#: itself (sklearn digits: 8x8 images of 17 grey levels) in ways a few hundred held-out rows may not
#: show; without the floor, clean digits batches of 200 were blocked 10 times in 100.
NEAR_DUPLICATE_FLOOR = 2.0


def default_tests(baseline: Baseline) -> tuple[str, ...]:
    """The default tests the baseline supports: the label checks only when it has labels."""
    return FEATURE_TESTS + (LABEL_TESTS if baseline.has_labels else ())


@dataclass(frozen=True)
class RowRule:
    """A calibrated row-level test.

    Pass while at most ``max_count`` rows (a ``1 - mostly`` share) score above
    ``threshold`` *and* at most ``extreme_max_count`` rows score above
    ``extreme_threshold``, the largest held-out clean score (the extreme-row
    rule: a clean batch almost never has a row beyond every golden row, so a
    handful of far outliers trips even when the fraction is small).
    """

    threshold: float
    row_alpha: float
    conformal_rank: int
    n_calibration_rows: int
    max_count: int
    mostly: float
    extreme_threshold: float
    extreme_max_count: int


@dataclass(frozen=True)
class RangeRule:
    """A calibrated per-column range for GX's ``ExpectColumnValuesToBeBetween``."""

    column: str
    min_value: float
    max_value: float
    mostly: float


@dataclass(frozen=True)
class SuiteCalibration:
    """Thresholds for one batch size and false-block target, with their evidence."""

    batch_size: int
    target_false_block_rate: float
    builtin_share: float
    family_level: float
    n_resamples: int
    batch_thresholds: dict[str, float]
    row_rules: dict[str, RowRule]
    ranges: list[RangeRule]
    resampled_false_block_rate: float
    resampled_test_rates: dict[str, float]
    random_state: int
    warn_tests: tuple[str, ...] = ()
    warn_level: float = 0.0
    resampled_false_warn_rate: float = 0.0
    consensus: int = 1
    batch_floors: dict[str, float] | None = None
    duplicate_radius: float = 0.0

    def blocks(self, passed: dict[str, bool]) -> bool:
        """Whether a :func:`decide` verdict blocks the batch under this calibration's policy.

        Range checks always block; a failed warn-only test does not; the
        other tests block when at least ``consensus`` of them fail.
        """
        if any(not ok for name, ok in passed.items() if name.startswith("range:")):
            return True
        failed = [name for name, ok in passed.items()
                  if not ok and not name.startswith("range:") and name not in self.warn_tests]
        return len(failed) >= self.consensus

    def warns(self, passed: dict[str, bool]) -> bool:
        """Whether a warn-only test failed."""
        return any(not passed.get(name, True) for name in self.warn_tests)

    def to_meta(self) -> dict:
        """JSON-safe summary for the suite's ``meta``."""
        meta = asdict(self)
        meta["ranges"] = {r["column"]: [r["min_value"], r["max_value"], r["mostly"]] for r in meta["ranges"]}
        meta["method"] = (
            "builtin_share of the target split over per-column range checks (Bonferroni, "
            "beta-binomial count null); the rest over the multivariate tests by min-p over "
            "resampled clean batches drawn from held-out calibration rows; warn-only tests as a "
            "second family at the full target"
        )
        return meta


def calibrate(
    baseline: Baseline,
    *,
    batch_size: int,
    target_false_block_rate: float = 0.01,
    tests: tuple[str, ...] | None = None,
    row_alpha: float | dict[str, float] | None = None,
    n_resamples: int = 4000,
    builtin_share: float = 0.1,
    range_tolerance: float = 0.1,
    warn_tests: tuple[str, ...] = (),
    consensus: int = 1,
    batch_floors: dict[str, float] | None = None,
    random_state: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> SuiteCalibration:
    """Calibrate thresholds of ``tests`` for clean batches of ``batch_size`` rows.

    Parameters
    ----------
    baseline : Baseline
    batch_size : int
        Rows per validated batch (at least 10).
    target_false_block_rate : float, default 0.01
        Probability that the whole suite blocks a clean batch.
    tests : tuple of str, optional
        Multivariate tests in the suite, from :data:`ALL_TESTS` (default: all
        the baseline supports, see :func:`default_tests`).
    row_alpha : float or dict, optional
        Share of clean rows a row-level test flags: one value for all, or a
        dict by test name. Defaults (see :func:`default_row_alpha`): the
        rarest rate the held-out rows support for Mahalanobis and PCA, 1 %
        for the isolation forest, 5 % for label disagreement.
    n_resamples : int, default 4000
        Clean batches resampled for the batch-level null.
    builtin_share : float, default 0.1
        Share of the target spent on GX's per-column range checks.
    range_tolerance : float, default 0.1
        Ranges widen the fit-part min/max by this share of the range.
    warn_tests : tuple of str, default ()
        Tests that only warn; calibrated as their own family (see the module docstring).
    consensus : int, default 1
        Block when at least this many blocking tests fail (1: any, the min-p fusion).
    batch_floors : dict, optional
        Least threshold per batch test, e.g. ``{"drift_magnitude": 1.0}``
        (defaults: :data:`DEFAULT_MAX_DRIFT_SD` for ``drift_magnitude``,
        :data:`NEAR_DUPLICATE_FLOOR` for ``near_duplicates``).
    random_state : int, default 0
    progress : callable, optional
        Called as ``progress(done, total)`` while clean batches are resampled.
    """
    tests = default_tests(baseline) if tests is None else tuple(tests)
    cal = baseline.calibration_rows
    row_alpha = _row_alphas(row_alpha, [t for t in tests if t in ROW_SCORES], cal.shape[0])
    floors = {"drift_magnitude": DEFAULT_MAX_DRIFT_SD, "near_duplicates": NEAR_DUPLICATE_FLOOR, **(batch_floors or {})}
    _check_arguments(batch_size, target_false_block_rate, tests, row_alpha, n_resamples, builtin_share)
    _check_policy(baseline, tests, warn_tests, consensus, floors, batch_size)
    rng = np.random.default_rng(random_state)
    row_tests = [t for t in tests if t in ROW_SCORES]
    row_thresholds, flagged = _row_thresholds(baseline, cal, row_tests, row_alpha)
    batch_null, row_counts = _resampled_nulls(
        baseline, cal, batch_size, n_resamples, rng, [t for t in tests if t in MOMENT_TESTS or t == "label_shift"],
        flagged, progress
    )
    radius = 0.0
    if "near_duplicates" in tests:
        radius, batch_null["near_duplicates"] = _near_duplicate_null(baseline, batch_size, n_resamples, random_state)
    p_values = _p_values(batch_null, row_counts, batch_size, cal.shape[0], row_thresholds, floors)
    block_family = {t: p for t, p in p_values.items() if _base_test(t) not in warn_tests}
    warn_family = {t: p for t, p in p_values.items() if _base_test(t) in warn_tests}
    mv_target = target_false_block_rate * (1.0 - builtin_share)
    level = _family_level(block_family, mv_target, consensus, n_resamples, tests)
    warn_level = _family_level(warn_family, target_false_block_rate, 1, n_resamples, tests) if warn_family else 0.0
    levels = {t: (warn_level if _base_test(t) in warn_tests else level) for t in tests}
    batch_thresholds = {t: max(empirical_threshold(null, levels[t]), floors.get(t, 0.0))
                        for t, null in batch_null.items()}
    row_rules = {t: _row_rule(row_thresholds, t, cal.shape[0], batch_size, row_alpha[t], levels[t])
                 for t in row_tests}
    rejected = {t: p <= levels[_base_test(t)] for t, p in p_values.items()}
    block_votes = _votes(rejected, lambda t: _base_test(t) not in warn_tests, n_resamples)
    warn_votes = _votes(rejected, lambda t: _base_test(t) in warn_tests, n_resamples)
    return SuiteCalibration(
        batch_size=batch_size,
        target_false_block_rate=target_false_block_rate,
        builtin_share=builtin_share,
        family_level=level,
        n_resamples=n_resamples,
        batch_thresholds=batch_thresholds,
        row_rules=row_rules,
        ranges=_range_rules(baseline, batch_size, target_false_block_rate * builtin_share, range_tolerance),
        resampled_false_block_rate=float((block_votes >= consensus).mean()),
        resampled_test_rates={t: float(r.mean()) for t, r in rejected.items()},
        random_state=random_state,
        warn_tests=tuple(t for t in tests if t in warn_tests),
        warn_level=warn_level,
        resampled_false_warn_rate=float((warn_votes >= 1).mean()),
        consensus=consensus,
        batch_floors={t: f for t, f in floors.items() if t in batch_null},
        duplicate_radius=radius,
    )


@functools.lru_cache(maxsize=4)
def _near_duplicate_null(baseline, n, n_resamples, random_state) -> tuple[float, np.ndarray]:
    """The near-duplicate radius and the close-row counts of clean batches drawn *without* replacement.

    It has its own random stream, so calibrations of one baseline that differ
    only in policy (consensus, warn tests) share it, computed once.
    """
    from .stats.density import clean_radius, close_rows, nearest_neighbour_distances

    rng = np.random.default_rng([random_state, 1])
    Z = baseline.whiten(baseline.calibration_rows)
    radius = clean_radius(Z, n, rng)
    null = np.array([close_rows(nearest_neighbour_distances(Z[rng.choice(Z.shape[0], n, replace=False)]), radius).size
                     for _ in range(n_resamples)], dtype=np.float64)
    null.setflags(write=False)  # shared by every caller of the cache
    return radius, null


def _base_test(name: str) -> str:
    """The test a calibration column belongs to (``row_x:extreme`` -> ``row_x``)."""
    return name.split(":", 1)[0]


def _votes(rejected: dict[str, np.ndarray], member, n: int) -> np.ndarray:
    """How many tests of a family reject each resampled batch (a row test's two rules count once)."""
    votes = np.zeros(n, dtype=np.int64)
    for test in dict.fromkeys(_base_test(t) for t in rejected if member(t)):
        votes += np.any(np.column_stack([r for t, r in rejected.items() if _base_test(t) == test]), axis=1)
    return votes


def _family_level(p_values: dict[str, np.ndarray], target: float, consensus: int, n_resamples: int, tests) -> float:
    if not p_values:
        return 0.0
    groups = [[i for i, t in enumerate(p_values) if _base_test(t) == base]
              for base in dict.fromkeys(_base_test(t) for t in p_values)]
    P = np.column_stack(list(p_values.values()))
    test_min_p = np.column_stack([P[:, g].min(axis=1) for g in groups])  # a row test fails on either rule
    level = consensus_level(test_min_p, target, consensus)
    if level <= 0.0:
        raise CalibrationError(
            f"{n_resamples} resampled batches are too few to reach a {target:.3%} family-wise "
            f"false-block rate over {len(tests)} tests. Raise n_resamples or the target rate."
        )
    return level


def _check_policy(baseline, tests, warn_tests, consensus, floors, batch_size) -> None:
    m = baseline.calibration_rows.shape[0]
    if "near_duplicates" in tests and batch_size > m:
        raise CalibrationError(
            f"near_duplicates is calibrated on clean batches drawn without replacement from the {m} held-out rows, "
            f"so batches of {batch_size} rows are too large. Drop near_duplicates, or give more golden rows."
        )
    if not baseline.has_labels and any(t in LABEL_TESTS for t in tests):
        raise CalibrationError(
            f"Tests {[t for t in tests if t in LABEL_TESTS]!r} need labels, but the baseline has no label column. "
            "Fit it with label_column=..., or drop those tests."
        )
    stray = sorted(set(warn_tests) - set(tests))
    if stray:
        raise CalibrationError(f"warn_tests names {stray!r}, which are not among the tests {list(tests)!r}.")
    blocking = [t for t in tests if t not in warn_tests]
    if not 1 <= consensus <= max(len(blocking), 1):
        raise CalibrationError(
            f"consensus must lie between 1 and the {len(blocking)} blocking tests: got {consensus!r}."
        )
    for test, floor in floors.items():
        if not (isinstance(floor, (int, float)) and floor >= 0.0 and math.isfinite(floor)):
            raise CalibrationError(f"The floor of {test} must be a finite number >= 0: got {floor!r}.")


def default_row_alpha(test: str, n_calibration_rows: int) -> float:
    """Default share of clean rows a row-level test flags.

    Mahalanobis and PCA errors are unbounded, so a rarer threshold keeps
    catching far rows while flagging fewer clean ones, and the count test
    gains power (signal ~ TPR / sqrt(row_alpha)): the rarest rate ``m``
    held-out rows support, ``1 / (m + 1)``, floored at 0.1 %. Isolation
    scores are bounded by ``2 ** (-1 / c(psi))`` (about 0.93): a rare
    quantile of heavy-tailed clean data sits at that ceiling with no room
    above it, so the isolation test uses 1 %. Label disagreement is bounded
    by 1 and clean rows on a class border reach it, so it uses 5 %: its
    threshold then rests on 5 % of the held-out rows instead of a handful (on
    sklearn digits, 449 held-out rows, clean batches of 200 were falsely
    flagged 18/60 times at 1 %, 1/60 at 2 %, 0/60 at 5 %), while flipped
    labels still land far above it (breast_cancer, batches of 100 with 5 %
    flipped: caught 4/60 at 1 %, 29/60 at 5 %).
    """
    floor = BOUNDED_ROW_SCORES.get(test, 0.001)
    return max(floor, 1.0 / (n_calibration_rows + 1))


def _row_alphas(row_alpha, tests: list[str], m: int) -> dict[str, float]:
    if isinstance(row_alpha, dict):
        unknown = sorted(set(row_alpha) - set(ROW_SCORES))
        if unknown:
            raise CalibrationError(f"row_alpha names unknown row tests {unknown!r}: expected some of {ROW_SCORES}.")
        return {t: row_alpha.get(t, default_row_alpha(t, m)) for t in tests}
    return {t: default_row_alpha(t, m) if row_alpha is None else row_alpha for t in tests}


def _check_arguments(batch_size, target, tests, row_alpha, n_resamples, builtin_share) -> None:
    unknown = sorted(set(tests) - set(ALL_TESTS))
    if unknown or not tests:
        raise CalibrationError(f"tests must be a non-empty subset of {ALL_TESTS}: got unknown {unknown!r}.")
    if not 0.0 < target < 0.5:
        raise CalibrationError(f"target_false_block_rate must lie in (0, 0.5): got {target!r}.")
    for test, alpha in row_alpha.items():
        if not 0.0 < alpha < 0.5:
            raise CalibrationError(f"row_alpha for {test} must lie in (0, 0.5): got {alpha!r}.")
    if not 0.0 <= builtin_share < 1.0:
        raise CalibrationError(f"builtin_share must lie in [0, 1): got {builtin_share!r}.")
    if batch_size < 10:
        raise CalibrationError(f"batch_size must be at least 10 rows: got {batch_size!r}. Validate larger batches.")
    if n_resamples < 100:
        raise CalibrationError(f"n_resamples must be at least 100: got {n_resamples!r}.")


#: Suffix of the extreme-row count test of a row detector in calibration tables.
EXTREME = ":extreme"


def _row_thresholds(baseline, cal, tests, row_alpha):
    """Conformal threshold and rank per row count test, and which calibration rows exceed it.

    Each row detector has two count tests: rows above its conformal
    threshold, and rows above its largest held-out score (rank ``m``, the
    extreme-row rule). When the conformal rank already is ``m`` the two
    coincide and give identical p-values, so the family level is unchanged.
    """
    labels = np.array(baseline.label_classes, dtype=object)[baseline.calibration_labels] if baseline.has_labels else None
    scores = BatchScores(baseline, cal, labels)
    m = cal.shape[0]
    thresholds, flagged = {}, {}
    for t in tests:
        raw = scores.row_scores(t)
        ordered = np.sort(raw)
        for key, rank in ((t, conformal_rank(m, row_alpha[t])), (t + EXTREME, m)):
            thresholds[key] = (float(ordered[rank - 1]), rank)
            flagged[key] = (raw > thresholds[key][0]).astype(np.float64)
    return thresholds, flagged


def _resampled_nulls(baseline, cal, n, n_resamples, rng, batch_tests_, flagged, progress=None):
    """Batch statistics and flagged-row counts of clean batches of ``n`` rows drawn with replacement.

    A draw is ``n`` row indices when ``n <= m``, else the equivalent multinomial multiplicities of
    the ``m`` calibration rows with weighted moments, so a draw costs O(min(n, m) d^2).
    """
    m = cal.shape[0]
    shifted = cal - baseline.location
    clip_shift = (baseline.clip_low + baseline.clip_high) / 2.0
    clipped = np.clip(cal, baseline.clip_low, baseline.clip_high) - clip_shift
    null = {t: np.empty(n_resamples) for t in batch_tests_}
    counts = {t: np.empty(n_resamples) for t in flagged}
    feature_tests = [t for t in batch_tests_ if t in MOMENT_TESTS]
    classes = np.eye(len(baseline.label_classes))[baseline.calibration_labels] if "label_shift" in null else None
    for r in range(n_resamples):
        if n <= m:
            idx = rng.integers(0, m, size=n)
            moments = Moments.from_array(cal[idx], shift=baseline.location)
            clipped_variance = clipped[idx].var(axis=0, ddof=1)
            draw = {t: f[idx].sum() for t, f in flagged.items()}
            class_counts = None if classes is None else classes[idx].sum(axis=0)
        else:
            w = rng.multinomial(n, np.full(m, 1.0 / m)).astype(np.float64)
            moments = _weighted_moments(shifted, w, baseline.location)
            clipped_variance = _weighted_column_variance(clipped, w)
            draw = {t: f @ w for t, f in flagged.items()}
            class_counts = None if classes is None else w @ classes
        if feature_tests:
            result = batch_tests(baseline, moments, clipped_variance)
            for t in feature_tests:
                null[t][r] = result.statistic(t)
        if class_counts is not None:
            null["label_shift"][r] = label_shift_from_counts(class_counts, baseline.label_shares).statistic
        for t, c in draw.items():
            counts[t][r] = c
        if progress is not None and ((r + 1) % 100 == 0 or r + 1 == n_resamples):
            progress(r + 1, n_resamples)
    return null, counts


def _weighted_column_variance(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-column variance (ddof=1) of the sample holding row ``i`` ``weights[i]`` times."""
    n = weights.sum()
    s1 = weights @ values
    s2 = weights @ (values * values)
    return np.maximum(s2 - s1**2 / n, 0.0) / (n - 1)


def _weighted_moments(shifted: np.ndarray, weights: np.ndarray, shift: np.ndarray) -> Moments:
    """Moments of the sample holding row ``i`` of ``shifted + shift`` ``weights[i]`` times."""
    n = weights.sum()
    offset = (weights @ shifted) / n
    gram = shifted.T @ (shifted * weights[:, None])
    comoment = gram - n * np.outer(offset, offset)
    return Moments(int(n), shift + offset, (comoment + comoment.T) / 2.0)


def _p_values(batch_null, row_counts, batch_size, m, row_thresholds, floors) -> dict[str, np.ndarray]:
    """Per-test p-value of every resampled batch (tests in calibration order).

    A batch statistic at or below its floor can never fail, so its p-value is 1.
    """
    p = {t: np.where(null > floors.get(t, -np.inf), empirical_sf(null, null), 1.0) for t, null in batch_null.items()}
    for t, counts in row_counts.items():
        p[t] = exceedance_count_sf(counts, batch_size, m, row_thresholds[t][1])
    return p


def _row_rule(thresholds, test, m, batch_size, row_alpha, level) -> RowRule:
    threshold, rank = thresholds[test]
    extreme, _ = thresholds[test + EXTREME]
    max_count = max_clean_count(batch_size, m, rank, level)
    return RowRule(threshold, row_alpha, rank, m, max_count, _mostly_allowing(max_count, batch_size),
                   extreme, max_clean_count(batch_size, m, m, level))


def _mostly_allowing(max_count: int, n: int) -> float:
    """Largest 6-decimal ``mostly`` that passes ``max_count`` flagged rows of ``n`` and fails one more."""
    return float(np.floor((1.0 - (max_count + 0.5) / n) * 1e6) / 1e6)


def _range_rules(baseline: Baseline, batch_size: int, budget: float, tolerance: float) -> list[RangeRule]:
    cal = baseline.calibration_rows
    m, d = cal.shape
    span = baseline.maximum - baseline.minimum
    lo, hi = baseline.minimum - tolerance * span, baseline.maximum + tolerance * span
    lo = np.where(baseline.minimum >= 0.0, np.maximum(lo, 0.0), lo)  # non-negative stays non-negative
    rules = []
    for j, column in enumerate(baseline.columns):
        outside = int(np.count_nonzero((cal[:, j] < lo[j]) | (cal[:, j] > hi[j])))
        # exceedance probability of the fixed range ~ Beta(outside + 1, m - outside + 1)
        max_count = betabinom_max_count(batch_size, outside + 1, m - outside + 1, budget / d)
        rules.append(RangeRule(column, float(lo[j]), float(hi[j]), _mostly_allowing(max_count, batch_size)))
    return rules



def decide(calibration: SuiteCalibration, scores: BatchScores) -> dict[str, bool]:
    """Whether each calibrated check passes one batch, as the built suite decides it.

    Covers the multivariate tests and the per-column range checks (with
    GX's ``mostly`` rule); a batch holding NaN or inf fails every check,
    as the suite's null checks and expectations do. Fast enough to replay
    thousands of batches when measuring false-block rates.

    Returns
    -------
    dict
        Test name (or ``"range:<column>"``) -> passed.
    """
    if scores.nonfinite_positions.size:
        names = list(calibration.batch_thresholds) + list(calibration.row_rules)
        return {name: False for name in names + [f"range:{r.column}" for r in calibration.ranges]}
    out = {t: scores.batch_statistic(t, radius=calibration.duplicate_radius) <= thr
           for t, thr in calibration.batch_thresholds.items()}
    n = scores.n_rows
    for t, rule in calibration.row_rules.items():
        row_scores = scores.row_scores(t)
        flagged = int(np.count_nonzero(row_scores > rule.threshold))
        extreme = int(np.count_nonzero(row_scores > rule.extreme_threshold))
        out[t] = flagged / n <= 1.0 - rule.mostly + 1e-12 and extreme <= rule.extreme_max_count
    for j, rule in enumerate(calibration.ranges):
        x = scores.X[:, j]
        outside = int(np.count_nonzero((x < rule.min_value) | (x > rule.max_value)))
        out[f"range:{rule.column}"] = (n - outside) / n >= rule.mostly
    return out


@dataclass(frozen=True)
class FalseBlockRate:
    """Realized false blocks of a calibrated suite over clean batches."""

    n_batches: int
    n_blocked: int
    by_check: dict[str, int]

    @property
    def rate(self) -> float:
        return self.n_blocked / self.n_batches

    def interval(self, confidence: float = 0.99) -> tuple[float, float]:
        """Clopper-Pearson interval of the realized rate."""
        return clopper_pearson(self.n_blocked, self.n_batches, confidence)


def false_block_rate(calibration: SuiteCalibration, baseline: Baseline, batches) -> FalseBlockRate:
    """Replay clean batches through :func:`decide` and count the blocked ones.

    ``batches`` yields feature matrices, or ``(X, labels)`` pairs when the
    calibration has a label test. ``by_check`` counts every failed check,
    warn-only ones included.
    """
    blocked, by_check, n = 0, {}, 0
    for batch in batches:
        X, labels = batch if isinstance(batch, tuple) else (batch, None)
        verdict = decide(calibration, BatchScores(baseline, X, labels))
        failed = [name for name, ok in verdict.items() if not ok]
        blocked += calibration.blocks(verdict)
        for name in failed:
            by_check[name] = by_check.get(name, 0) + 1
        n += 1
    return FalseBlockRate(n, blocked, by_check)
