import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from gx_poison_guard.exceptions import CalibrationError
from gx_poison_guard.stats.calibration import (
    conformal_rank,
    conformal_threshold,
    empirical_sf,
    empirical_threshold,
    exceedance_count_sf,
    family_wise_level,
    max_clean_count,
)


def test_conformal_threshold_known_answer_and_too_few_rows():
    assert conformal_rank(99, 0.01) == 99
    assert conformal_threshold(np.arange(1.0, 100.0), 0.05) == 95.0
    with pytest.raises(CalibrationError, match="needs at least 99 held-out clean rows: got 50"):
        conformal_threshold(np.arange(50.0), 0.01)


def test_conformal_threshold_is_exceeded_by_new_rows_at_most_alpha_on_average():
    rng = np.random.default_rng(0)
    rates = []
    for _ in range(300):
        thr = conformal_threshold(rng.normal(size=200), 0.05)
        rates.append(stats.norm.sf(thr))
    assert np.mean(rates) <= 0.05 + 0.005


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=5, max_size=60), st.floats(0.001, 0.5), st.floats(-120, 120))
def test_threshold_and_p_value_agree(null, level, value):
    threshold = empirical_threshold(null, level)
    rejected = empirical_sf(null, [value])[0] <= level
    assert rejected == (value > threshold)


def test_family_wise_level_controls_any_test_rejections():
    rng = np.random.default_rng(1)
    null = rng.normal(size=(4000, 3))
    null[:, 1] = null[:, 0] + 0.1 * rng.normal(size=4000)  # two dependent tests
    p = np.column_stack([empirical_sf(null[:, k], null[:, k]) for k in range(3)])
    level = family_wise_level(p, 0.01)
    rate = np.mean(np.any(p <= level, axis=1))
    assert rate <= 0.01
    assert level > 0.01 / 3  # dependence makes it less conservative than Bonferroni
    single = family_wise_level(p[:, :1], 0.01)
    assert np.mean(p[:, 0] <= single) == 0.01  # one test: exactly the target share of resamples


def test_beta_binomial_count_limit():
    c = max_clean_count(n=500, m=1000, rank=990, level=0.001)
    assert exceedance_count_sf([c + 1], 500, 1000, 990)[0] <= 0.001 < exceedance_count_sf([c], 500, 1000, 990)[0]
    # a more uncertain threshold (fewer calibration rows) needs a looser limit
    assert max_clean_count(n=500, m=100, rank=100, level=0.001) > max_clean_count(n=500, m=10_000, rank=9991, level=0.001)


@pytest.mark.parametrize("n,a,b,level", [(500, 10, 990, 0.001), (169, 1, 200, 0.0035), (10**6, 3, 2000, 1e-4), (20, 1, 1, 0.5)])
def test_beta_binomial_bisection_matches_a_full_scan(n, a, b, level):
    from gx_poison_guard.stats.calibration import betabinom_max_count

    c = betabinom_max_count(n, a, b, level)
    assert stats.betabinom.sf(c, n, a, b) <= level
    assert c == 0 or stats.betabinom.sf(c - 1, n, a, b) > level
