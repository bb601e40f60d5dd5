import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gx_poison_guard.exceptions import InsufficientDataError
from gx_poison_guard.stats.moments import Moments

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def test_known_answer_against_numpy():
    X = np.random.default_rng(0).normal(size=(1000, 4)) * [1, 10, 100, 0.1] + [5, -3, 1e4, 0]
    m = Moments.from_array(X, chunk_rows=64)
    assert m.n == 1000
    np.testing.assert_allclose(m.mean, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(m.covariance(), np.cov(X, rowvar=False), rtol=1e-10)
    np.testing.assert_allclose(m.correlation(), np.corrcoef(X, rowvar=False), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.std(), X.std(axis=0, ddof=1), rtol=1e-10)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 40), st.integers(1, 4)), elements=finite), st.data())
def test_merge_of_chunks_equals_whole(X, data):
    cut = data.draw(st.integers(0, X.shape[0]))
    merged = Moments.from_array(X[:cut]).merge(Moments.from_array(X[cut:]))
    whole = Moments.from_array(X)
    assert merged.n == whole.n
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(merged.comoment, whole.comoment, rtol=1e-7, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(3, 30), st.integers(1, 3)), elements=finite), st.data())
def test_merge_is_associative(X, data):
    a, b = sorted(data.draw(st.lists(st.integers(0, X.shape[0]), min_size=2, max_size=2)))
    p, q, r = (Moments.from_array(part) for part in (X[:a], X[a:b], X[b:]))
    left, right = p.merge(q).merge(r), p.merge(q.merge(r))
    np.testing.assert_allclose(left.mean, right.mean, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(left.comoment, right.comoment, rtol=1e-7, atol=1e-6)


def test_shift_and_chunking_do_not_change_the_result():
    X = np.random.default_rng(1).normal(1e6, 1.0, size=(5000, 3))  # large offset: naive Gram loses digits
    a = Moments.from_array(X, shift=X[0], chunk_rows=100)
    b = Moments.from_array(X, chunk_rows=5000)
    np.testing.assert_allclose(a.covariance(), np.cov(X, rowvar=False), rtol=1e-8)
    np.testing.assert_allclose(a.covariance(), b.covariance(), rtol=1e-8)


def test_empty_sample_merges_as_identity_and_has_no_covariance():
    X = np.ones((3, 2))
    empty = Moments.from_array(np.empty((0, 2)))
    assert empty.merge(Moments.from_array(X)).n == 3
    with pytest.raises(InsufficientDataError, match="needs at least 2 rows: got 0"):
        empty.covariance()


def test_constant_feature_has_zero_correlation():
    X = np.column_stack([np.arange(5.0), np.full(5, 2.0)])
    np.testing.assert_array_equal(Moments.from_array(X).correlation(), np.eye(2))
