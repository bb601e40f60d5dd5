import numpy as np
import pytest

from gx_poison_guard.exceptions import InsufficientDataError
from gx_poison_guard.stats.moments import Moments
from gx_poison_guard.stats.univariate import clipped_column_variance, mean_shift_z, spread_shift_z


def test_mean_shift_known_answer():
    X = np.array([[1.0, 10.0], [3.0, 10.0], [2.0, 12.0], [2.0, 12.0]])  # means 2, 11
    result = mean_shift_z(Moments.from_array(X), location=[1.0, 11.0], scale=[2.0, 1.0])
    np.testing.assert_allclose(result.z, [0.5 * 2, 0.0])
    np.testing.assert_allclose(result.ratio, [0.5, 0.0])
    assert result.statistic == pytest.approx(1.0)
    assert result.worst(1) == [0]


def test_spread_shift_known_answer_and_sign():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_000, 2)) * [1.0, 3.0]
    n = 10_000
    var = X.var(axis=0, ddof=1)
    result = spread_shift_z(n, var, scale=[1.0, 1.0], kurtosis=[3.0, 3.0])
    se = np.sqrt(3.0 / n - (n - 3) / (n * (n - 1)))
    np.testing.assert_allclose(result.z, np.log(var) / se)
    np.testing.assert_allclose(result.ratio, np.sqrt(var))
    assert result.worst(1) == [1] and result.z[1] > 0


def test_spread_of_clean_gaussian_batches_is_roughly_standard_normal():
    rng = np.random.default_rng(1)
    z = [spread_shift_z(500, rng.normal(size=(500, 1)).var(axis=0, ddof=1), [1.0], [3.0]).z[0] for _ in range(400)]
    assert abs(np.mean(z)) < 0.2 and 0.8 < np.std(z) < 1.2


def test_spread_needs_four_rows():
    with pytest.raises(InsufficientDataError, match="got 3"):
        spread_shift_z(3, [1.0], [1.0], [3.0])


def test_clipped_variance_known_answer():
    X = np.array([[0.0, 5.0], [1.0, 6.0], [2.0, 7.0], [100.0, -50.0]])
    got = clipped_column_variance(X, low=[0.0, 5.0], high=[3.0, 7.0], chunk_rows=3)
    np.testing.assert_allclose(got, [np.var([0, 1, 2, 3], ddof=1), np.var([5, 6, 7, 5], ddof=1)])


def test_one_extreme_row_moves_the_clipped_variance_little():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 1))
    Y = np.vstack([X, [[50.0]]])
    low, high = np.quantile(X, [0.005, 0.995])
    assert clipped_column_variance(Y, [low], [high])[0] < 1.2 * clipped_column_variance(X, [low], [high])[0]
    assert Y.var(ddof=1) > 10 * X.var(ddof=1)
