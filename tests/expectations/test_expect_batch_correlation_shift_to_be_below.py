import pytest

from ..conftest import permute_rows
from .helpers import assert_json_plain, expectation_for, pure_scores

TEST = "correlation_shift"


def test_golden_path_clean_batch_passes(baseline, suite, clean_batch, validate):
    res = validate(clean_batch, expectation_for(baseline, suite, TEST))
    assert res.success is True
    assert res.result["observed_value"] == pytest.approx(
        pure_scores(baseline, clean_batch).tests.correlation_shift.statistic, abs=1e-3
    )
    assert_json_plain(res.result)


def test_broken_correlations_with_unchanged_marginals_fail_and_name_pairs(baseline, suite, clean_batch, validate):
    poisoned, _ = permute_rows(clean_batch, 0.3, seed=1)
    for c in clean_batch.columns:  # every column keeps exactly its values
        assert sorted(poisoned[c]) == sorted(clean_batch[c])
    res = validate(poisoned, expectation_for(baseline, suite, TEST))
    assert res.success is False
    top = res.result["details"]["top_pairs"][0]
    assert set(top["columns"]) <= set(baseline.columns)
    assert abs(top["batch_r"]) < abs(top["golden_r"])  # permutation weakens the strongest link
    assert abs(top["z"]) == pytest.approx(res.result["observed_value"], abs=1e-2)
