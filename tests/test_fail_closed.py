"""Inputs the suite cannot validate must fail it, with a message that says what is wrong."""

import shutil

import numpy as np
import pytest

import gx_poison_guard as pg

from .conftest import FEATURES

from .test_suite import CUSTOM_TYPES


def _custom(res):
    return [r for r in res.results if r.expectation_config.type in CUSTOM_TYPES]


def _messages(results):
    out = []
    for r in results:
        info = r.exception_info or {}
        infos = info.values() if info and "raised_exception" not in info else [info]
        out += [str(i.get("exception_message")) for i in infos if i and i.get("raised_exception")]
        out.append(str((r.result or {}).get("details", {}).get("error", "")))
    return " ".join(out)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_non_finite_value_fails_every_multivariate_check(suite, clean_batch, validate, value):
    batch = clean_batch.copy()
    batch.iloc[17, 2] = value
    res = validate(batch, suite)
    assert res.success is False
    custom = _custom(res)
    assert custom and not any(r.success for r in custom)
    assert "1 of 400 rows hold NaN or inf" in _messages(custom)
    row = [r for r in custom if r.expectation_config.type == "expect_row_mahalanobis_distance_to_be_below"][0]
    assert 17 in row.result["unexpected_index_list"]  # the row is still reported for quarantine


def test_missing_column_fails_with_the_column_named(suite, clean_batch, validate):
    res = validate(clean_batch.drop(columns=["f3"]), suite)
    assert res.success is False
    assert not any(r.success for r in _custom(res))
    assert "lacks feature column(s) ['f3']" in _messages(_custom(res))


def test_text_in_a_numeric_column_fails(suite, clean_batch, validate):
    batch = clean_batch.astype({"f1": object})
    batch.loc[5, "f1"] = "12,5"
    res = validate(batch, suite)
    assert res.success is False
    assert "non-numeric feature column(s): 'f1'" in _messages(_custom(res))


def test_empty_batch_fails(suite, clean_batch, validate):
    res = validate(clean_batch.iloc[:0], suite)
    assert res.success is False
    assert not any(r.success for r in _custom(res))
    assert "The batch is empty: got 0 rows" in _messages(_custom(res))


def test_one_changed_byte_in_the_artifact_fails_validation_with_an_integrity_error(baseline, golden, tmp_path, validate, clean_batch):
    path = tmp_path / "copy.baseline.jsonl"
    shutil.copy(baseline.path, path)
    b = pg.load_baseline(path)
    suite = pg.build_suite(b, name="tamper", batch_size=400, n_resamples=500)
    assert validate(clean_batch, suite).success is True
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 3] ^= 0x01
    path.write_bytes(bytes(raw))
    res = validate(clean_batch, suite)
    assert res.success is False
    custom = _custom(res)
    assert not any(r.success for r in custom)
    assert "copy.baseline.jsonl' failed its integrity check" in _messages(custom)


def test_a_different_artifact_at_the_pinned_path_fails(baseline, golden, tmp_path, validate, clean_batch):
    path = tmp_path / "swap.baseline.jsonl"
    shutil.copy(baseline.path, path)
    suite = pg.build_suite(pg.load_baseline(path), name="swap", batch_size=400, n_resamples=500)
    other = pg.fit_baseline(golden.iloc[:2000], columns=FEATURES)
    other.save(path)  # a well-formed artifact, but not the pinned one
    res = validate(clean_batch, suite)
    assert res.success is False
    assert "is not the baseline this suite was built for" in _messages(_custom(res))
