import numpy as np
from sklearn.decomposition import PCA

from gx_poison_guard.stats.pca import fit_pca, reconstruction_errors


def test_errors_match_sklearn_reconstruction():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(800, 6)) @ rng.normal(size=(6, 6)) + 5
    mu, sd = X.mean(0), X.std(0, ddof=1)
    model = fit_pca(X, mu, sd, explained_variance=0.8)
    k = model.components.shape[0]
    Z = (X - mu) / sd
    sk = PCA(n_components=k).fit(Z)
    Y = rng.normal(size=(50, 6)) * 3 + 5
    Zy = (Y - mu) / sd
    want = ((Zy - sk.inverse_transform(sk.transform(Zy)) - 0) ** 2).sum(axis=1)
    # sklearn centres on the mean of Z, which is 0 up to rounding
    np.testing.assert_allclose(reconstruction_errors(model, Y, chunk_rows=7), want, rtol=1e-6, atol=1e-9)


def test_components_keep_a_residual_space_and_meet_the_variance_share():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 4))
    model = fit_pca(X, X.mean(0), X.std(0, ddof=1), explained_variance=0.999)
    assert model.components.shape == (3, 4)
    np.testing.assert_allclose(model.components @ model.components.T, np.eye(3), atol=1e-12)
