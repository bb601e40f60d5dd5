"""Near-duplicate density: nearest-neighbour distances and close rows."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.neighbors import NearestNeighbors

from gx_poison_guard.stats import density


def reference_nn(Z):
    distances, index = NearestNeighbors(n_neighbors=2).fit(Z).kneighbors(Z)
    return np.where(index[:, 0] == np.arange(len(Z)), distances[:, 1], distances[:, 0])


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 300), d=st.integers(1, 12), seed=st.integers(0, 10_000), duplicates=st.integers(0, 5))
def test_blockwise_distances_equal_a_tree_search(n, d, seed, duplicates):
    Z = np.random.default_rng(seed).normal(size=(n, d))
    for i in range(min(duplicates, n - 1)):
        Z[i + 1] = Z[0]
    np.testing.assert_allclose(density.nearest_neighbour_distances(Z), reference_nn(Z), rtol=1e-9, atol=1e-9)


def test_large_sets_use_the_tree(monkeypatch):
    monkeypatch.setattr(density, "BRUTE_FORCE_ROWS", 10)
    Z = np.random.default_rng(0).normal(size=(50, 3))
    Z[7] = Z[3]
    got = density.nearest_neighbour_distances(Z)
    np.testing.assert_allclose(got, reference_nn(Z))
    assert got[3] == got[7] == 0.0


def test_close_rows_are_ordered_closest_first_and_the_radius_is_a_quarter_of_the_median():
    assert density.close_rows([0.5, 0.1, 3.0, 0.0], 0.6).tolist() == [3, 1, 0]
    Z = np.random.default_rng(1).normal(size=(5000, 4))
    radius = density.clean_radius(Z, 200, np.random.default_rng(2))
    medians = [np.median(density.nearest_neighbour_distances(Z[np.random.default_rng(s).choice(5000, 200, replace=False)]))
               for s in range(20)]
    assert radius == pytest.approx(0.25 * np.median(medians), rel=0.1)
    assert density.nearest_neighbour_distances(np.zeros((1, 3))).tolist() == [np.inf]
