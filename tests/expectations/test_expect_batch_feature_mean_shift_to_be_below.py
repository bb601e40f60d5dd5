from .helpers import assert_json_plain, expectation_for, shifted

TEST = "feature_mean_shift"


def test_golden_path_clean_batch_passes(baseline, suite, clean_batch, validate):
    res = validate(clean_batch, expectation_for(baseline, suite, TEST))
    assert res.success is True
    assert len(res.result["details"]["worst_features"]) == 5
    assert_json_plain(res.result)


def test_one_shifted_feature_fails_and_is_named_first(baseline, suite, clean_batch, validate):
    res = validate(shifted(clean_batch, baseline, "f2", 0.5), expectation_for(baseline, suite, TEST))
    assert res.success is False
    worst = res.result["details"]["worst_features"][0]
    assert worst["column"] == "f2"
    assert 0.35 < worst["shift_sd"] < 0.65 and worst["z"] > 7
