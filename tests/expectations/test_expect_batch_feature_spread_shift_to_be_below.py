from .helpers import assert_json_plain, expectation_for, scaled_spread

TEST = "feature_spread_shift"


def test_golden_path_clean_batch_passes(baseline, suite, clean_batch, validate):
    res = validate(clean_batch, expectation_for(baseline, suite, TEST))
    assert res.success is True
    assert_json_plain(res.result)


def test_inflated_noise_on_one_feature_fails_and_reports_the_ratio(baseline, suite, clean_batch, validate):
    res = validate(scaled_spread(clean_batch, "f3", 1.6), expectation_for(baseline, suite, TEST))
    assert res.success is False
    worst = res.result["details"]["worst_features"][0]
    assert worst["column"] == "f3" and 1.3 < worst["std_ratio"] < 1.9


def test_collapsed_feature_fails(baseline, suite, clean_batch, validate):
    res = validate(scaled_spread(clean_batch, "f1", 0.5), expectation_for(baseline, suite, TEST))
    assert res.success is False and res.result["details"]["worst_features"][0]["z"] < 0
