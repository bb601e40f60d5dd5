import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import mahalanobis
from sklearn.covariance import ledoit_wolf

from gx_poison_guard.exceptions import InsufficientDataError
from gx_poison_guard.stats.mahalanobis import (
    fit_shrunk_covariance,
    mean_shift_test,
    row_squared_distances,
    whitening_matrix,
)
from gx_poison_guard.stats.moments import Moments


def _spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + d * np.eye(d)


def test_row_distances_match_scipy():
    rng = np.random.default_rng(0)
    cov, mu = _spd(rng, 4), rng.normal(size=4)
    X = rng.normal(size=(50, 4)) * 3
    got = row_squared_distances(X, mu, whitening_matrix(cov), chunk_rows=7)
    precision = np.linalg.inv(cov)
    want = [mahalanobis(x, mu, precision) ** 2 for x in X]
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_whitening_gives_precision():
    cov = _spd(np.random.default_rng(1), 5)
    W = whitening_matrix(cov)
    np.testing.assert_allclose(W.T @ W, np.linalg.inv(cov), rtol=1e-10, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6))
def test_distances_are_affine_invariant(seed, d):
    rng = np.random.default_rng(seed)
    cov, mu = _spd(rng, d), rng.normal(size=d)
    X = rng.normal(size=(20, d))
    A = _spd(rng, d) / d + rng.normal(size=(d, d)) * 0.1  # invertible, well conditioned
    b = rng.normal(size=d) * 10
    before = row_squared_distances(X, mu, whitening_matrix(cov))
    after = row_squared_distances(X @ A.T + b, A @ mu + b, whitening_matrix(A @ cov @ A.T))
    np.testing.assert_allclose(after, before, rtol=1e-6, atol=1e-8)


def test_fitted_estimator_is_invariant_to_feature_scale_shift_and_order():
    rng = np.random.default_rng(2)
    X = rng.multivariate_normal(np.zeros(4), _spd(rng, 4), size=300)
    Y = rng.normal(size=(10, 4))
    scale, shift, order = np.array([1e-3, 1.0, 50.0, 7.0]), np.array([3.0, -1e4, 0.0, 2.0]), [2, 0, 3, 1]
    a = fit_shrunk_covariance(X)
    b = fit_shrunk_covariance((X * scale + shift)[:, order])
    da = row_squared_distances(Y, a.location, whitening_matrix(a.covariance))
    db = row_squared_distances((Y * scale + shift)[:, order], b.location, whitening_matrix(b.covariance))
    np.testing.assert_allclose(da, db, rtol=1e-8)


def test_shrinkage_is_ledoit_wolf_on_standardised_data_and_keeps_variances():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 30)) @ rng.normal(size=(30, 30))  # n close to d: raw covariance ill-conditioned
    fit = fit_shrunk_covariance(X)
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    assert fit.shrinkage == pytest.approx(ledoit_wolf(Z, assume_centered=True)[1])
    np.testing.assert_allclose(np.diag(fit.covariance), X.var(axis=0, ddof=1), rtol=1e-10)
    assert np.linalg.cond(fit.covariance / np.outer(X.std(0, ddof=1), X.std(0, ddof=1))) < 1e4


def test_mean_shift_test_known_answer():
    X = np.array([[1.0, 0.0], [3.0, 2.0], [2.0, 1.0], [2.0, 1.0]])  # mean (2, 1)
    result = mean_shift_test(Moments.from_array(X), [0.0, 0.0], np.eye(2))
    assert result.statistic == pytest.approx(4 * 5.0)
    assert result.mahalanobis_of_mean == pytest.approx(5**0.5)
    assert result.p_value == pytest.approx(stats.chi2.sf(20.0, df=2))


def test_mean_shift_test_rejects_empty_batch():
    with pytest.raises(InsufficientDataError, match="got 0"):
        mean_shift_test(Moments.from_array(np.empty((0, 2))), [0, 0], np.eye(2))
