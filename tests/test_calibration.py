"""Calibration: thresholds hold their stated false-block rate on clean batches the suite never saw."""

import numpy as np
import pytest
from scipy import stats

import gx_poison_guard as pg
from gx_poison_guard.calibration import decide, default_row_alpha, false_block_rate

from .conftest import FEATURES, correlated_frame


def test_realized_false_block_rate_is_inside_the_binomial_interval_of_the_target():
    """1000 fresh clean batches of 500 rows from the golden data's distribution."""
    golden = correlated_frame(20_000, seed=1)
    b = pg.fit_baseline(golden, columns=FEATURES)
    cal = pg.calibrate(b, batch_size=500, target_false_block_rate=0.01)
    stream = correlated_frame(1000 * 500, seed=2).to_numpy()
    result = false_block_rate(cal, b, (stream[i * 500 : (i + 1) * 500] for i in range(1000)))
    lo, hi = stats.binom.interval(0.99, 1000, 0.01)
    assert lo <= result.n_blocked <= hi, (result.n_blocked, result.by_check)
    assert cal.resampled_false_block_rate <= 0.009
    assert set(result.by_check) <= set(cal.batch_thresholds) | set(cal.row_rules) | {f"range:{c}" for c in b.columns}


def test_a_lower_target_blocks_fewer_clean_batches(baseline):
    loose = pg.calibrate(baseline, batch_size=400, target_false_block_rate=0.05, n_resamples=2000)
    strict = pg.calibrate(baseline, batch_size=400, target_false_block_rate=0.005, n_resamples=2000)
    assert strict.family_level < loose.family_level
    for test, thr in strict.batch_thresholds.items():
        assert thr >= loose.batch_thresholds[test]
    for test, rule in strict.row_rules.items():
        assert rule.max_count >= loose.row_rules[test].max_count
    assert loose.resampled_false_block_rate <= 0.05 * 0.9


def test_row_rules_use_conformal_thresholds_and_documented_rates(baseline):
    cal = pg.calibrate(baseline, batch_size=400, n_resamples=500)
    m = baseline.calibration_rows.shape[0]
    assert cal.row_rules["row_isolation"].row_alpha == default_row_alpha("row_isolation", m) == 0.01
    assert cal.row_rules["row_mahalanobis"].row_alpha == pytest.approx(max(0.001, 1 / (m + 1)))
    scores = pg.BatchScores(baseline, baseline.calibration_rows).row_mahalanobis
    rule = cal.row_rules["row_mahalanobis"]
    assert rule.threshold == np.sort(scores)[rule.conformal_rank - 1]
    assert np.mean(scores > rule.threshold) <= rule.row_alpha


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"batch_size": 5}, "batch_size must be at least 10"),
        ({"target_false_block_rate": 0.0}, "target_false_block_rate must lie in"),
        ({"tests": ("nope",)}, "unknown"),
        ({"row_alpha": {"row_nope": 0.1}}, "unknown row tests"),
        ({"row_alpha": 0.0001}, "needs at least 9999 held-out clean rows"),
    ],
)
def test_bad_calibration_settings_are_refused(baseline, kwargs, match):
    with pytest.raises(pg.CalibrationError, match=match):
        pg.calibrate(baseline, **{"batch_size": 400, "n_resamples": 200, **kwargs})


def test_weighted_moments_equal_moments_of_the_repeated_rows():
    from gx_poison_guard.calibration import _weighted_moments
    from gx_poison_guard.stats.moments import Moments

    rng = np.random.default_rng(0)
    X, w = rng.normal(size=(30, 3)), rng.integers(0, 4, size=30)
    shift = X.mean(0) + 1.0
    got = _weighted_moments(X - shift, w.astype(float), shift)
    want = Moments.from_array(np.repeat(X, w, axis=0))
    assert got.n == want.n
    np.testing.assert_allclose(got.mean, want.mean, rtol=1e-12)
    np.testing.assert_allclose(got.comoment, want.comoment, rtol=1e-10)


def test_large_batches_calibrate_quickly_through_multiplicities(baseline):
    import time

    t = time.perf_counter()
    cal = pg.calibrate(baseline, batch_size=1_000_000, n_resamples=1000)
    assert time.perf_counter() - t < 20
    assert cal.row_rules["row_mahalanobis"].max_count < 0.01 * 1_000_000


def test_extreme_row_rule_catches_a_handful_of_far_rows_the_fraction_allows():
    golden = correlated_frame(20_000, seed=1)
    b = pg.fit_baseline(golden, columns=FEATURES)
    cal = pg.calibrate(b, batch_size=1000, n_resamples=2000)
    rule = cal.row_rules["row_mahalanobis"]
    scores = pg.BatchScores(b, b.calibration_rows).row_mahalanobis
    assert rule.extreme_threshold == scores.max() > rule.threshold  # rank m, above the conformal rank
    assert rule.extreme_max_count < rule.max_count
    batch = correlated_frame(1000, seed=5).to_numpy(copy=True)
    rows = np.random.default_rng(0).choice(1000, rule.extreme_max_count + 1, replace=False)
    batch[rows, :2] = b.location[:2] + 12 * b.scale[:2]  # a few rows far beyond anything golden
    verdict = decide(cal, pg.BatchScores(b, batch))
    flagged = np.sum(pg.BatchScores(b, batch).row_mahalanobis > rule.threshold)
    assert flagged <= rule.max_count  # the fraction rule alone would let them through
    assert verdict["row_mahalanobis"] is False


def test_warn_tests_form_their_own_family_and_never_block(baseline):
    drift = ("mean_shift", "feature_mean_shift", "feature_spread_shift")
    cal = pg.calibrate(baseline, batch_size=400, n_resamples=2000, warn_tests=drift)
    assert cal.warn_tests == drift and 0 < cal.warn_level and cal.resampled_false_warn_rate <= 0.01
    assert cal.resampled_false_block_rate <= 0.009
    everything = pg.calibrate(baseline, batch_size=400, n_resamples=2000)
    assert cal.family_level > everything.family_level  # fewer blocking tests share the block budget
    verdict = {t: t not in drift for t in [*cal.batch_thresholds, *cal.row_rules]}
    assert not cal.blocks(verdict) and cal.warns(verdict)
    assert cal.blocks({**verdict, "row_mahalanobis": False})
    assert cal.blocks({**{t: True for t in verdict}, "range:f0": False})  # range checks always block


def test_consensus_needs_k_failures_and_is_calibrated_on_their_joint_rate(baseline):
    one = pg.calibrate(baseline, batch_size=400, n_resamples=2000)
    two = pg.calibrate(baseline, batch_size=400, n_resamples=2000, consensus=2)
    assert two.family_level >= one.family_level and two.resampled_false_block_rate <= 0.009
    names = [*two.batch_thresholds, *two.row_rules]
    single = {t: t != "row_mahalanobis" for t in names}
    assert one.blocks(single) and not two.blocks(single)
    assert two.blocks({**single, "correlation_shift": False})


def test_drift_limit_is_a_floor_on_the_calibrated_threshold(baseline):
    cal = pg.calibrate(baseline, batch_size=400, n_resamples=1000, batch_floors={"drift_magnitude": 0.8})
    assert cal.batch_thresholds["drift_magnitude"] == 0.8 and cal.batch_floors == {"drift_magnitude": 0.8}
    tiny = pg.calibrate(baseline, batch_size=10, n_resamples=1000, batch_floors={"drift_magnitude": 0.01})
    assert tiny.batch_thresholds["drift_magnitude"] > 0.5  # 10 rows: clean means wander; the calibrated value wins


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"consensus": 0}, "consensus must lie between 1"),
        ({"warn_tests": ("row_nope",)}, "not among the tests"),
        ({"tests": ("label_shift",)}, "need labels"),
        ({"batch_floors": {"drift_magnitude": -1.0}}, "finite number >= 0"),
    ],
)
def test_bad_policy_settings_are_refused(baseline, kwargs, match):
    with pytest.raises(pg.CalibrationError, match=match):
        pg.calibrate(baseline, **{"batch_size": 400, "n_resamples": 200, **kwargs})


def test_label_tests_are_calibrated_from_the_held_out_labels(labelled_baseline):
    cal = pg.calibrate(labelled_baseline, batch_size=400, n_resamples=1000)
    assert {"label_shift", "row_label_disagreement"} <= set(cal.batch_thresholds) | set(cal.row_rules)
    clean = correlated_frame(4000, seed=11, labels=True)
    batches = [(clean[FEATURES].to_numpy()[i:i + 400], clean["label"].to_numpy()[i:i + 400]) for i in range(0, 4000, 400)]
    assert false_block_rate(cal, labelled_baseline, batches).n_blocked <= 1
    flipped = clean.iloc[:400].copy()
    zeros = flipped.index[flipped["label"] == 0][:80]
    flipped.loc[zeros, "label"] = 1  # class-targeted flips: 20 % of rows turn from class 0 to class 1
    verdict = decide(cal, pg.BatchScores(labelled_baseline, flipped[FEATURES].to_numpy(), flipped["label"].to_numpy()))
    assert verdict["label_shift"] is False
