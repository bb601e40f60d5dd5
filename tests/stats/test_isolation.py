import numpy as np
import pytest
from sklearn.ensemble import IsolationForest

from gx_poison_guard.stats.isolation import (
    FlatForest,
    anomaly_scores,
    average_path_length,
    fit_flat_forest,
    whitening_projection,
)


@pytest.mark.parametrize("n_fit,d,n_estimators,max_samples", [(2000, 5, 100, "auto"), (60, 3, 17, 40), (500, 12, 50, 128)])
def test_scores_equal_sklearn_score_samples(n_fit, d, n_estimators, max_samples):
    rng = np.random.default_rng(n_fit)
    X = rng.standard_t(3, size=(n_fit, d))
    Y = np.vstack([rng.standard_t(3, size=(300, d)), rng.normal(0, 20, size=(20, d))])
    ours = fit_flat_forest(X, range_aware=False, n_estimators=n_estimators, max_samples=max_samples, random_state=3)
    theirs = IsolationForest(n_estimators=n_estimators, max_samples=max_samples, random_state=3).fit(X)
    np.testing.assert_allclose(anomaly_scores(ours, Y, chunk_rows=64), -theirs.score_samples(Y), rtol=1e-12)


def test_input_map_equals_sklearn_on_mapped_rows():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(500, 4)), rng.normal(size=(100, 4))
    center, projection = rng.normal(size=4), rng.normal(size=(4, 4))
    ours = fit_flat_forest(X, center=center, projection=projection, range_aware=False, random_state=1)
    theirs = IsolationForest(random_state=1).fit((X - center) @ projection)
    np.testing.assert_allclose(anomaly_scores(ours, Y), -theirs.score_samples((Y - center) @ projection), rtol=1e-12)


def test_whitening_projection_decorrelates():
    rng = np.random.default_rng(1)
    cov = np.cov(rng.normal(size=(200, 3)) @ rng.normal(size=(3, 3)), rowvar=False)
    scale, projection = whitening_projection(cov)
    mapped_cov = projection.T @ (cov / np.outer(scale, scale)) @ projection
    np.testing.assert_allclose(mapped_cov, np.eye(3), atol=1e-10)


def test_nonfinite_rows_score_infinite_and_arrays_round_trip():
    forest = fit_flat_forest(np.random.default_rng(2).normal(size=(300, 3)), n_estimators=10)
    Y = np.array([[0.0, 0.0, 0.0], [np.nan, 0.0, 0.0], [0.0, np.inf, 0.0]])
    scores = anomaly_scores(forest, Y)
    assert 0 < scores[0] < 1 and np.isinf(scores[1:]).all()
    again = FlatForest.from_arrays(forest.to_arrays())
    np.testing.assert_array_equal(anomaly_scores(again, Y), scores)


def test_inconsistent_arrays_are_rejected():
    arrays = fit_flat_forest(np.random.default_rng(3).normal(size=(100, 3)), n_estimators=5).to_arrays()
    arrays["leaf_path_length"] = arrays["leaf_path_length"][:, :-1]
    with pytest.raises(ValueError, match="leaf array"):
        FlatForest.from_arrays(arrays)


def test_average_path_length_known_values():
    np.testing.assert_allclose(average_path_length([1, 2, 256]), [0.0, 1.0, 2 * (np.log(255) + np.euler_gamma) - 2 * 255 / 256])
