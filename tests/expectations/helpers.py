"""Helpers for per-expectation GX tests."""

from __future__ import annotations

import numpy as np
import pytest
from great_expectations.compatibility import pydantic

from gx_poison_guard.expectations import EXPECTATION_FOR_TEST
from gx_poison_guard.frames import feature_matrix
from gx_poison_guard.scoring import BatchScores

from ..conftest import expectation_kwargs


def expectation_for(baseline, suite, test: str, **overrides):
    """The expectation build_suite made for ``test``, optionally with changed kwargs."""
    kwargs = {**expectation_kwargs(baseline, suite, test), **overrides}
    return EXPECTATION_FOR_TEST[test](**kwargs)


def pure_scores(baseline, df) -> BatchScores:
    labels = df[baseline.label_column].to_numpy(dtype=object) if baseline.has_labels else None
    return BatchScores(baseline, feature_matrix(df, baseline.columns), labels)


def shifted(df, baseline, column: str, sds: float):
    out = df.copy()
    j = baseline.columns.index(column)
    out[column] = out[column] + sds * baseline.scale[j]
    return out


def scaled_spread(df, column: str, factor: float):
    out = df.copy()
    out[column] = out[column].mean() + (out[column] - out[column].mean()) * factor
    return out


def assert_json_plain(value):
    """Everything GX will store is plain Python (no numpy scalars)."""
    if isinstance(value, dict):
        for v in value.values():
            assert_json_plain(v)
    elif isinstance(value, list):
        for v in value:
            assert_json_plain(v)
    else:
        assert not isinstance(value, np.generic), f"numpy value {value!r} in result"


def off_subspace_rows(df, baseline, fraction: float, sigmas: float, seed: int):
    """Move a random ``fraction`` of rows ``sigmas`` golden sds along the least-variance principal axis."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(df), int(round(fraction * len(df))), replace=False)
    _, vectors = np.linalg.eigh(baseline.correlation)
    direction = vectors[:, 0] * baseline.scale  # smallest eigenvalue first
    out = df.copy()
    out.iloc[rows, [df.columns.get_loc(c) for c in baseline.columns]] += sigmas * direction
    return out, np.sort(rows)


def off_everywhere_rows(df, baseline, fraction: float, sigmas: float, seed: int):
    """Replace a random ``fraction`` of rows by points ``sigmas`` sds off on every feature (random signs)."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(df), int(round(fraction * len(df))), replace=False)
    out = df.copy()
    signs = rng.choice([-1.0, 1.0], size=(rows.size, baseline.n_features))
    out.iloc[rows, [df.columns.get_loc(c) for c in baseline.columns]] = baseline.location + sigmas * signs * baseline.scale
    return out, np.sort(rows)


def check_clean_batch_passes(validate, baseline, suite, test, clean_batch):
    expectation = expectation_for(baseline, suite, test)
    res = validate(clean_batch, expectation)
    assert res.success is True
    flagged = int(np.sum(pure_scores(baseline, clean_batch).row_scores(test) > expectation.threshold))
    assert res.result["unexpected_count"] == flagged
    assert res.result["observed_value"] == pytest.approx(flagged / len(clean_batch))
    assert_json_plain(res.result)


def check_poisoned_rows_fail_and_are_reported(validate, baseline, suite, test, clean_batch, poison):
    batch = clean_batch.assign(row_id=[f"r{i}" for i in range(len(clean_batch))])
    poisoned, rows = poison(batch, baseline, 0.05, 8.0, 3)
    res = validate(poisoned, expectation_for(baseline, suite, test, id_column="row_id"))
    assert res.success is False
    ids = res.result["unexpected_index_list"]
    expected = {f"r{i}" for i in rows}
    assert expected <= set(ids)
    assert set(ids[: len(expected)]) == expected  # the poisoned rows are reported first (worst score)
    assert res.result["partial_unexpected_index_list"] == ids[:20]
    assert res.result["details"]["top_rows"][0]["id"] in expected


def check_index_labels_are_the_default_ids(validate, baseline, suite, test, clean_batch, poison):
    poisoned, rows = poison(clean_batch, baseline, 0.05, 8.0, 3)
    poisoned.index = poisoned.index + 1000
    res = validate(poisoned, expectation_for(baseline, suite, test))
    assert {int(i) + 1000 for i in rows} <= set(res.result["unexpected_index_list"])


def check_mostly_is_required_and_bounded(baseline, suite, test):
    kwargs = {k: v for k, v in expectation_for(baseline, suite, test).configuration.kwargs.items() if k != "batch_id"}
    cls = EXPECTATION_FOR_TEST[test]
    with pytest.raises(pydantic.ValidationError, match="mostly"):
        cls(**{k: v for k, v in kwargs.items() if k != "mostly"})
    with pytest.raises(pydantic.ValidationError, match="mostly"):
        cls(**{**kwargs, "mostly": 1.5})
