"""k-NN label disagreement and the label-mix G-test: known answers and properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from gx_poison_guard.exceptions import InputDataError
from gx_poison_guard.stats.labels import (
    MISSING,
    LabelReference,
    canonical_labels,
    encode_labels,
    label_disagreement,
    label_shift,
    label_shift_from_counts,
    stratified_reference,
)


def two_blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(-3, 1, (n, 3)), rng.normal(3, 1, (n, 3))])
    return X, np.repeat([0, 1], n)


def test_canonical_labels_unify_numbers_and_strings():
    assert canonical_labels([1, 1.0, "1", np.int64(1), True, 2.5]).tolist() == ["1", "1", "1", "1", "True", "2.5"]
    assert encode_labels([0, "1", 2, None], ("0", "1")).tolist() == [0, 1, MISSING, MISSING]


def test_a_flipped_row_scores_high_and_a_clean_one_low():
    X, y = two_blobs()
    ref = LabelReference(X, y, 2, k=10)
    scores = label_disagreement(ref, np.array([[-3.0, -3, -3], [-3.0, -3, -3], [0.0, 0, 0]]), np.array([0, 1, 0]))
    assert scores[0] < 0.05 and scores[1] > 0.95 and 0.2 < scores[2] < 0.8  # on the border: ambiguous


def test_a_rare_class_counts_as_much_as_a_common_one():
    """Votes are divided by class shares: a row amid rare-class rows is not suspect for being rare."""
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(0, 1, (950, 2)), rng.normal(4, 0.5, (50, 2))])
    y = np.repeat([0, 1], [950, 50])
    ref = LabelReference(X, y, 2, k=20)
    # a point between the rare cluster and the tail of the common one, labelled rare
    assert label_disagreement(ref, np.array([[3.0, 3.0]]), np.array([1]))[0] < 0.5


def test_missing_unknown_or_nonfinite_rows_score_infinity():
    X, y = two_blobs()
    ref = LabelReference(X, y, 2, k=5)
    s = label_disagreement(ref, np.array([[0.0, 0, 0], [np.nan, 0, 0], [1.0, 1, 1]]), np.array([MISSING, 0, 1]))
    assert np.isinf(s[:2]).all() and np.isfinite(s[2])


def test_a_reference_needs_two_rows_of_two_classes():
    with pytest.raises(InputDataError, match="at least 2 golden rows of each of at least 2 classes"):
        LabelReference(np.zeros((3, 2)), np.array([0, 0, 1]), 2)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n_test=st.integers(1, 20))
def test_scores_lie_in_unit_interval_and_ignore_class_names(seed, n_test):
    rng = np.random.default_rng(seed)
    X, y = two_blobs(60, seed)
    Z = rng.normal(0, 3, (n_test, 3))
    codes = rng.integers(0, 2, n_test)
    s = label_disagreement(LabelReference(X, y, 2, k=7), Z, codes)
    assert ((s >= 0) & (s < 1)).all()
    swapped = label_disagreement(LabelReference(X, 1 - y, 2, k=7), Z, 1 - codes)  # rename the classes
    np.testing.assert_allclose(s, swapped, atol=1e-12)


def test_stratified_reference_keeps_rare_classes():
    codes = np.repeat([0, 1], [9900, 100])
    keep = stratified_reference(codes, 1000, k=5)
    assert np.sum(codes[keep] == 1) == 100 and 800 <= np.sum(codes[keep] == 0) <= 1000
    assert np.unique(keep).size == keep.size


def test_label_shift_known_answers():
    assert label_shift(np.array([0] * 80 + [1] * 20), [0.8, 0.2]).statistic == pytest.approx(0.0)
    counts = np.array([60.0, 40.0])
    expected_g = 2 * np.sum(counts * np.log(counts / (100 * np.array([0.8, 0.2]))))
    got = label_shift(np.array([0] * 60 + [1] * 40), [0.8, 0.2])
    assert got.statistic == pytest.approx(expected_g)
    assert got.p_value == pytest.approx(stats.chi2.sf(expected_g, 1))
    assert got.shares.tolist() == [0.6, 0.4]
    assert np.isinf(label_shift(np.array([0, 1, MISSING]), [0.5, 0.5]).statistic)


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(0, 50), min_size=2, max_size=5).filter(lambda c: sum(c) > 0),
       seed=st.integers(0, 1000))
def test_g_statistic_is_non_negative_and_zero_only_at_the_golden_mix(counts, seed):
    shares = np.random.default_rng(seed).dirichlet(np.ones(len(counts)))
    g = label_shift_from_counts(counts, shares).statistic
    assert g >= 0
    assert label_shift_from_counts(np.asarray(shares) * 1000, shares).statistic == pytest.approx(0.0, abs=1e-9)
