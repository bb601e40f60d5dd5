"""The generated suite: contents, serialisation, and the breast_cancer poisoning scenarios."""

import json

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

import gx_poison_guard as pg
from gx_poison_guard.calibration import decide
from gx_poison_guard.expectations import EXPECTATION_FOR_TEST
from gx_poison_guard.frames import feature_matrix
from gx_poison_guard.scoring import BatchScores

from .conftest import FEATURES, correlated_frame, permute_rows, push_rows

CUSTOM_TYPES = {cls.expectation_type for cls in EXPECTATION_FOR_TEST.values()}


def _by_type(res):
    out = {}
    for r in res.results:
        out.setdefault(r.expectation_config.type, []).append(r)
    return out


def test_suite_holds_builtins_and_every_custom_expectation(suite, baseline, labelled_suite):
    assert CUSTOM_TYPES <= {e.expectation_type for e in labelled_suite.expectations}
    types = [e.expectation_type for e in suite.expectations]
    label_types = {"expect_row_label_disagreement_to_be_below", "expect_batch_label_shift_to_be_below"}
    opt_in = {"expect_batch_near_duplicates_to_be_below"}
    assert CUSTOM_TYPES - label_types - opt_in <= set(types)
    assert not (label_types | opt_in) & set(types)  # no labels, no label checks; near duplicates only when asked
    d = baseline.n_features
    assert types.count("expect_column_values_to_be_between") == d
    assert types.count("expect_column_values_to_not_be_null") == d
    assert types.count("expect_column_values_to_be_in_type_list") == d
    assert {"expect_table_columns_to_match_set", "expect_table_row_count_to_be_between"} <= set(types)


def test_every_verdict_parameter_is_stored_and_meta_is_json(suite):
    stored = json.loads(json.dumps(suite.to_json_dict()))
    for e in stored["expectations"]:
        if e["type"] in CUSTOM_TYPES:
            assert {"threshold", "baseline_path", "baseline_sha256", "column_list"} <= set(e["kwargs"])
            if e["type"].startswith("expect_row_"):
                assert "mostly" in e["kwargs"]
        if e["type"] == "expect_column_values_to_be_between":
            assert {"min_value", "max_value", "mostly"} <= set(e["kwargs"])
    cal = stored["meta"]["gx_poison_guard"]["calibration"]
    assert cal["target_false_block_rate"] == 0.01 and cal["batch_size"] == 400
    assert cal["resampled_false_block_rate"] <= 0.01 * (1 - cal["builtin_share"])
    assert stored["meta"]["gx_poison_guard"]["baseline"]["sha256"] == suite.expectations[-1].baseline_sha256


def test_ranges_are_widened_not_observed_and_stay_non_negative(baseline, suite):
    cal = suite.meta["gx_poison_guard"]["calibration"]["ranges"]
    for j, column in enumerate(baseline.columns):
        lo, hi, mostly = cal[column]
        assert lo < baseline.minimum[j] and hi > baseline.maximum[j]
        assert 0.9 < mostly <= 1.0
    assert cal["f5"][0] >= 0.0  # the log-normal feature is positive in the golden data


def test_unsaved_baseline_is_refused(golden):
    b = pg.fit_baseline(golden, columns=FEATURES)
    with pytest.raises(pg.PoisonGuardError, match=r"Call baseline.save\(path\) first"):
        pg.build_suite(b, name="x", batch_size=100)


def test_pure_decision_matches_the_gx_verdicts(baseline, suite, validate):
    cal = pg.calibrate(baseline, batch_size=400, n_resamples=2000)
    for seed in range(3):
        batch = correlated_frame(400, seed=100 + seed)
        if seed == 1:
            batch, _ = permute_rows(batch, 0.2, seed=seed)
        if seed == 2:
            batch, _ = push_rows(batch, baseline, 0.05, n_features=2, sigmas=8.0, seed=seed)
        pure = decide(cal, BatchScores(baseline, feature_matrix(batch, baseline.columns)))
        res = validate(batch, suite, result_format="SUMMARY")
        gx_fail = {r.expectation_config.meta.get("poison_guard_test") or f"range:{r.expectation_config.kwargs['column']}"
                   for r in res.results if not r.success}
        assert gx_fail == {name for name, ok in pure.items() if not ok}
        assert res.success == all(pure.values())


# --- the acceptance scenarios on sklearn's breast_cancer ---------------------------------


@pytest.fixture(scope="module")
def cancer(tmp_path_factory):
    """Baseline from 400 breast_cancer rows (half held out for calibration); 169 rows stay unseen.

    One seeded split. Over 20 splits (benchmarks/breast_cancer_scenarios.py) the suite tripped on
    20/20 permuted and 20/20 pushed batches; row-Mahalanobis alone failed 19/20 pushed batches.
    """
    df = load_breast_cancer(as_frame=True).data
    order = np.random.default_rng(1).permutation(len(df))
    golden, held_out = df.iloc[order[:400]], df.iloc[order[400:]].reset_index(drop=True)
    b = pg.fit_baseline(golden, columns=list(df.columns), calibration_fraction=0.5)
    b.save(tmp_path_factory.mktemp("cancer") / "cancer.baseline.jsonl")
    return b, pg.build_suite(b, name="cancer", batch_size=len(held_out)), held_out


def test_clean_held_out_batch_passes(cancer, validate):
    _, suite, held_out = cancer
    assert validate(held_out, suite).success is True


def test_correlation_breaking_with_unchanged_marginals_fails_multivariate_but_passes_builtins(cancer, validate):
    _, suite, held_out = cancer
    poisoned, rows = permute_rows(held_out, 0.10, seed=5)
    res = _by_type(validate(poisoned, suite))
    builtin = [r for t, rs in res.items() if t not in CUSTOM_TYPES for r in rs]
    assert builtin and all(r.success for r in builtin)  # every per-column GX check passes
    correlation = res["expect_batch_correlation_shift_to_be_below"][0]
    assert not correlation.success
    assert correlation.result["details"]["top_pairs"][0]["z"] < -4  # correlations weakened


def test_far_outliers_trip_and_row_mahalanobis_reports_exactly_those_rows_first(cancer, validate):
    b, suite, held_out = cancer
    poisoned, rows = push_rows(held_out, b, 0.05, n_features=3, sigmas=8.0, seed=7)
    res = validate(poisoned, suite)
    assert res.success is False
    row_maha = _by_type(res)["expect_row_mahalanobis_distance_to_be_below"][0]
    assert row_maha.success is False
    ids = row_maha.result["unexpected_index_list"]
    assert sorted(ids[: rows.size]) == rows.tolist()
    assert len(ids) <= rows.size + 2  # at most a couple of clean rows above the 1-in-m threshold
