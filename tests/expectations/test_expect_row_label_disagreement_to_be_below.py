"""GX tests of the row_label_disagreement expectation; poisoned scenario: labels flipped on rows far from the class boundary."""

import numpy as np
import pytest
from great_expectations.compatibility import pydantic

from gx_poison_guard.expectations import ExpectRowLabelDisagreementToBeBelow

from .helpers import (
    check_clean_batch_passes,
    check_index_labels_are_the_default_ids,
    check_mostly_is_required_and_bounded,
    check_poisoned_rows_fail_and_are_reported,
    expectation_for,
)

TEST = "row_label_disagreement"


def poison(df, baseline, fraction, sigmas, seed):
    """Flip the label of a random ``fraction`` of the rows that lie clearly inside their class (features untouched)."""
    rng = np.random.default_rng(seed)
    z = (df[list(baseline.columns)].to_numpy() - baseline.location) / baseline.scale
    confident = np.flatnonzero(np.abs(z[:, 0] - z[:, 1]) > 2.0)
    rows = np.sort(rng.choice(confident, int(round(fraction * len(df))), replace=False))
    out = df.copy()
    out.iloc[rows, out.columns.get_loc("label")] = 1 - out["label"].to_numpy()[rows]
    return out, rows


def test_golden_path_clean_batch_passes(labelled_baseline, labelled_suite, labelled_batch, validate):
    check_clean_batch_passes(validate, labelled_baseline, labelled_suite, TEST, labelled_batch)


def test_flipped_labels_fail_and_are_reported_by_id(labelled_baseline, labelled_suite, labelled_batch, validate):
    check_poisoned_rows_fail_and_are_reported(validate, labelled_baseline, labelled_suite, TEST, labelled_batch, poison)


def test_index_labels_are_the_default_ids(labelled_baseline, labelled_suite, labelled_batch, validate):
    check_index_labels_are_the_default_ids(validate, labelled_baseline, labelled_suite, TEST, labelled_batch, poison)


def test_feature_detectors_cannot_see_the_flips(labelled_baseline, labelled_suite, labelled_batch, validate):
    flipped, _ = poison(labelled_batch, labelled_baseline, 0.05, 0.0, 3)
    for test in ("row_mahalanobis", "row_isolation", "correlation_shift"):
        assert validate(flipped, expectation_for(labelled_baseline, labelled_suite, test)).success is True


def test_a_label_never_seen_in_the_golden_data_is_beyond_every_golden_row(
        labelled_baseline, labelled_suite, labelled_batch, validate):
    batch = labelled_batch.astype({"label": object})
    batch.iloc[[3, 9], batch.columns.get_loc("label")] = "2"
    res = validate(batch, expectation_for(labelled_baseline, labelled_suite, TEST))
    assert res.success is False
    assert res.result["details"]["extreme_count"] >= 2
    assert {3, 9} <= set(res.result["unexpected_index_list"])


def test_a_batch_without_the_label_column_fails_closed(labelled_baseline, labelled_suite, labelled_batch, validate):
    res = validate(labelled_batch.drop(columns="label"), expectation_for(labelled_baseline, labelled_suite, TEST))
    assert res.success is False
    assert "lacks the label column 'label'" in str(res.exception_info)


def test_mostly_and_label_column_are_required(labelled_baseline, labelled_suite):
    check_mostly_is_required_and_bounded(labelled_baseline, labelled_suite, TEST)
    kwargs = expectation_for(labelled_baseline, labelled_suite, TEST).configuration.kwargs
    with pytest.raises(pydantic.ValidationError, match="label_column"):
        ExpectRowLabelDisagreementToBeBelow(**{k: v for k, v in kwargs.items() if k not in ("label_column", "batch_id")})
