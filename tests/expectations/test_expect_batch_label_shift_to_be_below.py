"""GX tests of the label_shift expectation: the batch's label mix must match the golden one."""

import numpy as np
import pytest
from great_expectations.compatibility import pydantic

from gx_poison_guard.expectations import ExpectBatchLabelShiftToBeBelow

from .helpers import assert_json_plain, expectation_for, pure_scores

TEST = "label_shift"


def flip_to(df, label: int, fraction: float, seed: int):
    """Relabel a random ``fraction`` of the rows of the other class as ``label`` (features untouched)."""
    rng = np.random.default_rng(seed)
    others = np.flatnonzero(df["label"].to_numpy() != label)
    rows = rng.choice(others, int(round(fraction * len(df))), replace=False)
    out = df.copy()
    out.iloc[rows, out.columns.get_loc("label")] = label
    return out


def test_golden_path_clean_batch_passes_with_the_core_statistic(labelled_baseline, labelled_suite, labelled_batch, validate):
    res = validate(labelled_batch, expectation_for(labelled_baseline, labelled_suite, TEST))
    assert res.success is True
    assert res.result["observed_value"] == pytest.approx(pure_scores(labelled_baseline, labelled_batch).label_shift.statistic,
                                                         abs=1e-3)
    shares = res.result["details"]["label_shares"]
    assert [s["label"] for s in shares] == ["0", "1"] and sum(s["batch"] for s in shares) == pytest.approx(1.0)
    assert_json_plain(res.result)


def test_class_targeted_flips_fail(labelled_baseline, labelled_suite, labelled_batch, validate):
    res = validate(flip_to(labelled_batch, 1, 0.10, seed=2), expectation_for(labelled_baseline, labelled_suite, TEST))
    assert res.success is False
    assert res.result["details"]["p_value"] < 1e-4


def test_an_unknown_label_fails_closed(labelled_baseline, labelled_suite, labelled_batch, validate):
    batch = labelled_batch.astype({"label": object})
    batch.iloc[0, batch.columns.get_loc("label")] = "unknown"
    res = validate(batch, expectation_for(labelled_baseline, labelled_suite, TEST))
    assert res.success is False and res.result["observed_value"] == "inf"


def test_label_column_is_required(labelled_baseline, labelled_suite):
    kwargs = expectation_for(labelled_baseline, labelled_suite, TEST).configuration.kwargs
    with pytest.raises(pydantic.ValidationError, match="label_column"):
        ExpectBatchLabelShiftToBeBelow(**{k: v for k, v in kwargs.items() if k not in ("label_column", "batch_id")})
