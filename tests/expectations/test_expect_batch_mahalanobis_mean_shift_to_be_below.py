import pytest
from great_expectations.compatibility import pydantic

from gx_poison_guard.expectations import ExpectBatchMahalanobisMeanShiftToBeBelow

from .helpers import assert_json_plain, expectation_for, pure_scores

TEST = "mean_shift"


def test_golden_path_clean_batch_passes_with_the_core_statistic(baseline, suite, clean_batch, validate):
    res = validate(clean_batch, expectation_for(baseline, suite, TEST))
    assert res.success is True
    observed = res.result["observed_value"]
    assert observed == pytest.approx(pure_scores(baseline, clean_batch).tests.mean_shift.statistic, abs=1e-3)
    assert 0.0 < res.result["details"]["p_value"] <= 1.0
    assert_json_plain(res.result)


def test_joint_drift_of_every_feature_fails(baseline, suite, clean_batch, validate):
    drifted = clean_batch + 0.3 * baseline.scale  # 0.3 sd on every feature
    res = validate(drifted, expectation_for(baseline, suite, TEST))
    assert res.success is False
    assert res.result["observed_value"] > expectation_for(baseline, suite, TEST).threshold
    assert res.result["details"]["p_value"] < 1e-6


@pytest.mark.parametrize("bad", [{"threshold": -1.0}, {"baseline_sha256": "abc"}, {"threshold": None}])
def test_bad_configuration_is_rejected(baseline, suite, bad):
    kwargs = {**expectation_for(baseline, suite, TEST).configuration.kwargs, **bad}
    kwargs.pop("batch_id", None)
    with pytest.raises(pydantic.ValidationError):
        ExpectBatchMahalanobisMeanShiftToBeBelow(**kwargs)


def test_threshold_is_required():
    with pytest.raises(pydantic.ValidationError, match="threshold"):
        ExpectBatchMahalanobisMeanShiftToBeBelow(column_list=["a", "b"], baseline_path="x", baseline_sha256="0" * 64)
