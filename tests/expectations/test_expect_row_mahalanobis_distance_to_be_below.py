"""GX tests of the row_mahalanobis expectation; poisoned scenario: rows pushed to 8 sd on 2 of 6 features (in-range elsewhere)."""

from ..conftest import push_rows as _push_rows
from .helpers import (
    check_clean_batch_passes,
    check_index_labels_are_the_default_ids,
    check_mostly_is_required_and_bounded,
    check_poisoned_rows_fail_and_are_reported,
)

TEST = "row_mahalanobis"


def poison(df, baseline, fraction, sigmas, seed):
    return _push_rows(df, baseline, fraction, n_features=2, sigmas=sigmas, seed=seed)


def test_golden_path_clean_batch_passes(baseline, suite, clean_batch, validate):
    check_clean_batch_passes(validate, baseline, suite, TEST, clean_batch)


def test_poisoned_rows_fail_and_are_reported_by_id(baseline, suite, clean_batch, validate):
    check_poisoned_rows_fail_and_are_reported(validate, baseline, suite, TEST, clean_batch, poison)


def test_index_labels_are_the_default_ids(baseline, suite, clean_batch, validate):
    check_index_labels_are_the_default_ids(validate, baseline, suite, TEST, clean_batch, poison)


def test_mostly_is_required_and_bounded(baseline, suite):
    check_mostly_is_required_and_bounded(baseline, suite, TEST)
