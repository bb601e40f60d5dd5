"""Turn a saved baseline into a calibrated GX expectation suite (the generator)."""

from __future__ import annotations

from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe

from ._version import __version__
from .baseline import Baseline
from .calibration import SuiteCalibration, calibrate, default_tests
from .exceptions import PoisonGuardError
from .expectations import EXPECTATION_FOR_TEST
from .scoring import LABEL_TESTS, ROW_SCORES

#: pandas dtype names a numeric feature column may have.
NUMERIC_TYPES = [
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64",
    "float16", "float32", "float64", "Float32", "Float64", "bool", "boolean",
]


def build_suite(
    baseline: Baseline,
    *,
    name: str,
    batch_size: int,
    target_false_block_rate: float = 0.01,
    tests: tuple[str, ...] | None = None,
    id_column: str | None = None,
    warn_tests: tuple[str, ...] = (),
    consensus: int = 1,
    max_drift_sd: float | None = None,
    row_alpha: float | dict[str, float] | None = None,
    n_resamples: int = 4000,
    builtin_share: float = 0.1,
    range_tolerance: float = 0.1,
    random_state: int = 0,
    progress=None,
) -> gx.ExpectationSuite:
    """Build a GX expectation suite from a saved baseline, calibrated to a false-block rate.

    Parameters
    ----------
    baseline : Baseline
        Must have been saved (``baseline.save(path)``) or loaded: the suite
        pins the artifact's path and SHA-256 instead of inlining matrices.
    name : str
        Suite name.
    batch_size : int
        Rows per validated batch; batch-level thresholds hold for this size,
        and the suite expects between half and twice as many rows.
    target_false_block_rate : float, default 0.01
        Probability that the whole suite fails a clean batch.
    tests : tuple of str, optional
        Multivariate tests to include (default: every test the baseline
        supports; the label checks need a baseline fitted with labels).
    id_column : str, optional
        Column identifying rows in reports (default: the index labels).
    warn_tests : tuple of str, default ()
        Tests that only warn: their expectations get GX severity
        ``"warning"`` and are calibrated as a family of their own.
    consensus : int, default 1
        Blocking tests that must fail together to block (k-of-m); thresholds
        are calibrated for it and it is recorded in the suite's ``meta``. The
        CLI's breaker applies the contract's ``consensus``, which
        ``poison-guard baseline`` passes here.
    max_drift_sd : float, optional
        Floor of the ``drift_magnitude`` threshold in golden standard
        deviations (default 1.0).
    row_alpha, n_resamples, builtin_share, range_tolerance, random_state, progress
        Calibration settings, see :func:`gx_poison_guard.calibration.calibrate`.

    Returns
    -------
    great_expectations.ExpectationSuite
        Built-in column checks plus the multivariate expectations; ``meta``
        holds the calibration evidence under ``"gx_poison_guard"``.
    """
    if baseline.path is None or baseline.sha256 is None:
        raise PoisonGuardError(
            "The baseline has not been saved, so a suite cannot pin it. Call baseline.save(path) "
            "first (suites reference the artifact by path and SHA-256)."
        )
    tests = default_tests(baseline) if tests is None else tuple(tests)
    floors = None if max_drift_sd is None else {"drift_magnitude": max_drift_sd}
    cal = calibrate(
        baseline, batch_size=batch_size, target_false_block_rate=target_false_block_rate, tests=tests,
        row_alpha=row_alpha, n_resamples=n_resamples, builtin_share=builtin_share,
        range_tolerance=range_tolerance, warn_tests=warn_tests, consensus=consensus, batch_floors=floors,
        random_state=random_state, progress=progress,
    )
    expectations = _builtin_expectations(baseline, cal, id_column) + _multivariate_expectations(
        baseline, cal, tests, id_column
    )
    for expectation in expectations:
        if (expectation.meta or {}).get("poison_guard_test") in cal.warn_tests:
            expectation.severity = "warning"
    return gx.ExpectationSuite(name=name, expectations=expectations, meta={"gx_poison_guard": _meta(baseline, cal)})


def _builtin_expectations(baseline: Baseline, cal: SuiteCalibration, id_column: str | None) -> list:
    label = [baseline.label_column] if any(t in LABEL_TESTS for t in [*cal.row_rules, *cal.batch_thresholds]) else []
    required = list(baseline.columns) + ([id_column] if id_column else []) + label
    n = cal.batch_size
    out: list = [
        gxe.ExpectTableColumnsToMatchSet(column_set=required, exact_match=False),
        gxe.ExpectTableRowCountToBeBetween(min_value=max(10, n // 2), max_value=2 * n),
    ]
    for rule in cal.ranges:
        out += [
            gxe.ExpectColumnValuesToBeInTypeList(column=rule.column, type_list=NUMERIC_TYPES),
            gxe.ExpectColumnValuesToNotBeNull(column=rule.column, mostly=1.0),
            gxe.ExpectColumnValuesToBeBetween(
                column=rule.column, min_value=rule.min_value, max_value=rule.max_value, mostly=rule.mostly
            ),
        ]
    return out


def _multivariate_expectations(baseline, cal: SuiteCalibration, tests, id_column) -> list:
    common = {"column_list": list(baseline.columns), "baseline_path": str(baseline.path),
              "baseline_sha256": baseline.sha256}
    out = []
    for test in tests:
        cls = EXPECTATION_FOR_TEST[test]
        if test in ROW_SCORES:
            rule = cal.row_rules[test]
            kwargs: dict[str, Any] = {"threshold": rule.threshold, "mostly": rule.mostly,
                                      "extreme_threshold": rule.extreme_threshold,
                                      "max_extreme_rows": rule.extreme_max_count}
            if id_column:
                kwargs["id_column"] = id_column
        else:
            kwargs = {"threshold": cal.batch_thresholds[test]}
            if test == "near_duplicates":
                kwargs["radius"] = cal.duplicate_radius
                if id_column:
                    kwargs["id_column"] = id_column
        if test in LABEL_TESTS:
            kwargs["label_column"] = baseline.label_column
        out.append(cls(**common, **kwargs, meta={"poison_guard_test": test}))
    return out


def _meta(baseline: Baseline, cal: SuiteCalibration) -> dict:
    return {
        "package_version": __version__,
        "schema_version": 1,
        "baseline": {"path": str(baseline.path), "sha256": baseline.sha256,
                     "columns": list(baseline.columns), **baseline.info},
        "calibration": cal.to_meta(),
    }
