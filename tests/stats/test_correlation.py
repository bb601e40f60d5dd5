import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gx_poison_guard.exceptions import InsufficientDataError
from gx_poison_guard.stats.correlation import correlation_shift, fisher_z
from gx_poison_guard.stats.moments import Moments


def _random_correlation(seed, d):
    a = np.random.default_rng(seed).normal(size=(d + 2, d))
    return Moments.from_array(a).correlation()


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 8), st.integers(4, 10_000))
def test_a_matrix_against_itself_has_zero_shift(seed, d, n):
    r = _random_correlation(seed, d)
    result = correlation_shift(r, r, n)
    assert result.statistic == 0.0
    assert result.sum_sq == 0.0


def test_known_answer_two_features():
    g = np.array([[1.0, 0.5], [0.5, 1.0]])
    b = np.array([[1.0, 0.1], [0.1, 1.0]])
    z = np.sqrt(97) * (np.arctanh(0.1) - np.arctanh(0.5))
    result = correlation_shift(g, b, n_rows=100)
    assert result.statistic == pytest.approx(abs(z))
    assert result.sum_sq == pytest.approx(z**2)
    assert result.top_pairs(1) == [(0, 1, pytest.approx(z))]


def test_top_pairs_orders_by_absolute_shift():
    g = np.eye(3)
    b = np.array([[1.0, 0.2, -0.6], [0.2, 1.0, 0.4], [-0.6, 0.4, 1.0]])
    pairs = correlation_shift(g, b, n_rows=50).top_pairs(3)
    assert [(i, j) for i, j, _ in pairs] == [(0, 2), (1, 2), (0, 1)]
    assert pairs[0][2] < 0


def test_perfect_correlations_stay_finite():
    assert np.isfinite(fisher_z([1.0, -1.0])).all()


def test_needs_four_rows():
    with pytest.raises(InsufficientDataError, match="needs at least 4 rows: got 3"):
        correlation_shift(np.eye(2), np.eye(2), n_rows=3)
