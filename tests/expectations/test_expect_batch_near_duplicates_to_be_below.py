"""GX tests of the near_duplicates expectation: poison concentrated in a few locations."""

import numpy as np
import pytest
from great_expectations.compatibility import pydantic

from gx_poison_guard.expectations import ExpectBatchNearDuplicatesToBeBelow

from .helpers import assert_json_plain, expectation_for, pure_scores

TEST = "near_duplicates"


def copies(df, baseline, fraction: float, seed: int, jitter: float = 0.0):
    """Replace a random ``fraction`` of rows by copies of one clean row (plus a tiny jitter, in golden sd)."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(df), int(round(fraction * len(df))), replace=False))
    out = df.copy()
    cols = [out.columns.get_loc(c) for c in baseline.columns]
    source = df.iloc[rows[0], cols].to_numpy(dtype=float)
    noise = jitter * rng.standard_normal((rows.size, len(cols))) * baseline.scale
    out.iloc[rows, cols] = source + noise
    return out, rows


def test_golden_path_clean_batch_passes(labelled_baseline, labelled_suite, labelled_batch, validate):
    expectation = expectation_for(labelled_baseline, labelled_suite, TEST)
    res = validate(labelled_batch, expectation)
    assert res.success is True
    assert res.result["observed_value"] == pure_scores(labelled_baseline, labelled_batch).batch_statistic(
        TEST, radius=expectation.radius)
    assert expectation.radius > 0 and res.result["details"]["radius"] == expectation.radius
    assert_json_plain(res.result)


@pytest.mark.parametrize("jitter", [0.0, 0.01])
def test_copies_of_one_row_fail_and_are_reported(labelled_baseline, labelled_suite, labelled_batch, validate, jitter):
    batch = labelled_batch.assign(row_id=[f"r{i}" for i in range(len(labelled_batch))])
    poisoned, rows = copies(batch, labelled_baseline, 0.03, seed=4, jitter=jitter)
    res = validate(poisoned, expectation_for(labelled_baseline, labelled_suite, TEST, id_column="row_id"))
    assert res.success is False
    assert {f"r{i}" for i in rows} <= set(res.result["unexpected_index_list"])
    for test in ("row_mahalanobis", "row_isolation"):  # each copy is an ordinary row
        assert validate(poisoned, expectation_for(labelled_baseline, labelled_suite, test)).success is True


def test_radius_is_required():
    with pytest.raises(pydantic.ValidationError, match="radius"):
        ExpectBatchNearDuplicatesToBeBelow(column_list=["a", "b"], baseline_path="x", baseline_sha256="0" * 64,
                                           threshold=3.0)
