"""Data Docs renderers and charts: plain sentences, offline SVG, nothing raw from the data."""

import pytest

from gx_poison_guard import charts
from gx_poison_guard.expectations import EXPECTATION_FOR_TEST

from .conftest import push_rows

SENTENCE_WORDS = {
    "mean_shift": "batch average",
    "correlation_shift": "move together",
    "feature_mean_shift": "standard errors away from its golden average",
    "feature_spread_shift": "spread may grow or shrink",
    "row_mahalanobis": "jointly unlikely",
    "row_isolation": "easy to isolate",
    "row_reconstruction": "main patterns",
    "drift_magnitude": "golden standard deviations",
    "row_label_disagreement": "nearest golden rows contradict",
    "label_shift": "as often as in the golden data",
    "near_duplicates": "near duplicate",
}


def test_charts_escape_labels_and_dollars():
    svg = charts.bar_chart(["<script>alert(1)</script>", "a$b"], [3.0, 1.0], 2.0, title="t & <b>")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "$" not in svg and "&#36;" in svg
    assert svg.count("<rect") == 2 and "#D62728" in svg  # the bar past the limit is red
    hist = charts.histogram([0.0, 1.0, 2.0], [5, 2], 1.5, title="h", overflow=3)
    assert hist.count("<rect") == 3 and "threshold 1.5" in hist and "2+" in hist


@pytest.fixture(scope="module")
def results(labelled_baseline, labelled_suite, labelled_batch, validate):
    poisoned, _ = push_rows(labelled_batch, labelled_baseline, 0.05, n_features=2, sigmas=8.0, seed=3)
    res = validate(poisoned, labelled_suite)
    return {r.expectation_config.meta["poison_guard_test"]: r for r in res.results
            if (r.expectation_config.meta or {}).get("poison_guard_test")}


@pytest.mark.parametrize("test", list(EXPECTATION_FOR_TEST))
def test_prescriptive_sentence_is_plain_english(results, test):
    cls = EXPECTATION_FOR_TEST[test]
    block = cls._prescriptive_renderer(configuration=results[test].expectation_config)[0]
    template, params = block["string_template"]["template"], block["string_template"]["params"]
    assert SENTENCE_WORDS[test] in template
    assert "baseline_sha256" not in template and "column_list" not in template
    assert all(f"${k}" in template for k in params if k in ("threshold", "max_pct"))
    assert cls._prescriptive_renderer(configuration=None, result=results[test])[0]["string_template"]["template"] == template
    assert cls._prescriptive_renderer(configuration=None, result=None)  # never raises: an error would drop the page


@pytest.mark.parametrize("test", list(EXPECTATION_FOR_TEST))
def test_observed_value_has_a_sentence_and_an_svg_chart(results, test):
    cls = EXPECTATION_FOR_TEST[test]
    out = cls._diagnostic_observed_value_renderer(result=results[test])
    blocks = out["content_blocks"]
    assert blocks[0]["string_template"]["template"].startswith(("Observed", "$count of $n rows"))
    assert blocks[-1]["string_template"]["template"].startswith("<svg")
    assert cls._diagnostic_observed_value_renderer(result=None) == "--"


def test_flagged_rows_table_lists_the_worst_rows(results):
    cls = EXPECTATION_FOR_TEST["row_mahalanobis"]
    table = cls._diagnostic_unexpected_table_renderer(result=results["row_mahalanobis"])
    assert isinstance(table, list) and table[0]["header_row"] == ["flagged row", "squared Mahalanobis distance"]
    assert len(table[0]["table"]) == 5
    assert cls._diagnostic_unexpected_table_renderer(result=None) == []


def test_warning_severity_is_said_in_the_sentence(results):
    import copy

    config = copy.deepcopy(results["mean_shift"].expectation_config)
    cls = EXPECTATION_FOR_TEST["mean_shift"]
    assert "Warns only" not in cls._prescriptive_renderer(configuration=config)[0]["string_template"]["template"]
    config.severity = "warning"
    assert "Warns only" in cls._prescriptive_renderer(configuration=config)[0]["string_template"]["template"]
