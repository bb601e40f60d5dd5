"""GX tests of the drift_magnitude expectation: a limit, in golden sd, on how far the batch mean may drift."""

import pytest
from great_expectations.compatibility import pydantic

from gx_poison_guard.expectations import ExpectBatchDriftMagnitudeToBeBelow

from .helpers import assert_json_plain, expectation_for, pure_scores, shifted

TEST = "drift_magnitude"


def test_golden_path_clean_batch_passes_with_the_core_statistic(baseline, suite, clean_batch, validate):
    res = validate(clean_batch, expectation_for(baseline, suite, TEST))
    assert res.success is True
    assert res.result["observed_value"] == pytest.approx(pure_scores(baseline, clean_batch).tests.drift_magnitude.statistic,
                                                         abs=1e-4)
    assert_json_plain(res.result)


def test_threshold_is_the_contract_limit_when_the_batch_is_large(suite, baseline):
    assert expectation_for(baseline, suite, TEST).threshold == pytest.approx(1.0)  # calibrated value is ~0.2 sd


@pytest.mark.parametrize(("sds", "passes"), [(0.6, True), (1.4, False)])
def test_drift_passes_below_the_limit_and_fails_above_it(baseline, suite, clean_batch, validate, sds, passes):
    res = validate(shifted(clean_batch, baseline, "f2", sds), expectation_for(baseline, suite, TEST))
    assert res.success is passes
    assert res.result["details"]["worst_features"][0]["column"] == "f2"
    assert res.result["details"]["worst_features"][0]["shift_sd"] == pytest.approx(sds, abs=0.2)


def test_threshold_is_required():
    with pytest.raises(pydantic.ValidationError, match="threshold"):
        ExpectBatchDriftMagnitudeToBeBelow(column_list=["a", "b"], baseline_path="x", baseline_sha256="0" * 64)
