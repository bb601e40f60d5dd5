"""Row scores are measured around the batch's own centre: coherent drift moves no row, poison still does."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import gx_poison_guard as pg

from .conftest import correlated_frame


@settings(max_examples=25, deadline=None)
@given(shift=st.lists(st.floats(-0.3, 0.3), min_size=6, max_size=6), seed=st.integers(0, 1000))
def test_a_whole_batch_shift_inside_the_clip_range_leaves_every_row_score_unchanged(baseline, shift, seed):
    rows = baseline.calibration_rows
    margin = 0.35 * baseline.scale
    inside = ((rows > baseline.clip_low + margin) & (rows < baseline.clip_high - margin)).all(axis=1)
    X = rows[inside][np.random.default_rng(seed).choice(inside.sum(), 100, replace=False)]
    moved = X + np.asarray(shift) * baseline.scale
    before, after = pg.BatchScores(baseline, X), pg.BatchScores(baseline, moved)
    np.testing.assert_allclose(after.centre_offset - before.centre_offset, np.asarray(shift) * baseline.scale,
                               rtol=1e-9, atol=1e-9)
    for name in ("row_mahalanobis", "row_isolation", "row_reconstruction"):
        np.testing.assert_allclose(after.row_scores(name), before.row_scores(name), rtol=1e-7, atol=1e-9)
    # ... while the drift tests see the whole shift, in golden standard deviations
    np.testing.assert_allclose(after.tests.drift_magnitude.ratio - before.tests.drift_magnitude.ratio, shift, atol=1e-9)


def test_far_rows_stay_far_from_their_own_batch(baseline):
    X = correlated_frame(400, seed=9).to_numpy(copy=True)
    X[:8, 0] = baseline.location[0] + 10 * baseline.scale[0]
    scores = pg.BatchScores(baseline, X).row_mahalanobis
    assert set(np.argsort(-scores)[:8]) == set(range(8))
    assert abs(pg.BatchScores(baseline, X).centre_offset[0]) < 0.05 * baseline.scale[0]  # winsorised: 2 % of rows barely move it


def test_a_batch_of_too_few_finite_rows_is_not_centred(baseline):
    X = np.full((3, 6), np.nan)
    X[0] = baseline.location
    scores = pg.BatchScores(baseline, X)
    assert (scores.centre_offset == 0).all() and np.isinf(scores.row_mahalanobis[1:]).all()
