"""Table-level metrics shared by every gx-poison-guard expectation.

``table.poison_guard.batch_scores`` loads the pinned baseline (verifying its
SHA-256 on every validation), converts the batch to a float matrix once, and
returns a :class:`~gx_poison_guard.scoring.BatchScores`. Its kwargs are only
the domain and ``(baseline_path, baseline_sha256)``, so GX computes it once
per validation however many expectations read it; thresholds are never
metric kwargs. ``table.poison_guard.row_ids`` returns the id of every row in
the same order (the ``id_column`` values, or the index labels).

Rows are never dropped here (``ignore_row_if`` is not applied): rows with
NaN or inf are scored ``+inf`` and make the expectations fail closed.
Only the pandas engine is implemented; on other engines GX finds no
provider, the metric errors and every expectation fails (closed).
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider

from ..baseline import Baseline, load_baseline
from ..artifact import verify_artifact
from ..exceptions import InputDataError
from ..frames import feature_matrix
from ..scoring import BatchScores

BATCH_SCORES = "table.poison_guard.batch_scores"
ROW_IDS = "table.poison_guard.row_ids"
LABELS = "table.poison_guard.labels"
_DOMAIN_KEYS = ("batch_id", "table", "column_list", "row_condition", "condition_parser")
_CACHE_SIZE = 8
_baselines: OrderedDict[str, Baseline] = OrderedDict()
_artifact_root: Path | None = None


def set_artifact_root(root: str | Path | None) -> None:
    """Resolve relative ``baseline_path`` kwargs against ``root`` (default: the working directory).

    A project's suites pin artifacts by paths relative to the project root, so
    the committed ``gx/`` folder works wherever the repository is checked out.
    """
    global _artifact_root
    _artifact_root = None if root is None else Path(root)


def resolve_artifact_path(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() or _artifact_root is None else _artifact_root / p


def verified_baseline(path: str, sha256: str) -> Baseline:
    """Load the baseline at ``path`` if it hashes to ``sha256``; parsed copies are cached by hash.

    The file is re-read and re-hashed on every call, so a file changed
    between validations is caught even when its parsed copy is cached.
    """
    path = resolve_artifact_path(path)
    digest = verify_artifact(path, sha256)
    if digest not in _baselines:
        _baselines[digest] = load_baseline(path, sha256)
        while len(_baselines) > _CACHE_SIZE:
            _baselines.popitem(last=False)
    _baselines.move_to_end(digest)
    return _baselines[digest]


def _domain_frame(execution_engine: PandasExecutionEngine, metric_domain_kwargs: dict):
    """The batch rows after ``row_condition``; no row is dropped for missing values."""
    domain = {k: v for k, v in dict(metric_domain_kwargs).items() if k != "ignore_row_if"}
    return execution_engine.get_domain_records(domain_kwargs=domain)


class BatchScoresMetric(TableMetricProvider):
    """Every gx-poison-guard statistic of one batch, computed once and shared."""

    metric_name = BATCH_SCORES
    domain_keys = _DOMAIN_KEYS
    value_keys = ("baseline_path", "baseline_sha256")

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        baseline = verified_baseline(metric_value_kwargs["baseline_path"], metric_value_kwargs["baseline_sha256"])
        column_list = list(metric_domain_kwargs.get("column_list") or [])
        if column_list != list(baseline.columns):
            raise InputDataError(
                f"The expectation's column_list {column_list!r} differs from the baseline's columns "
                f"{list(baseline.columns)!r}. Rebuild the suite from this baseline with build_suite()."
            )
        df = _domain_frame(execution_engine, metric_domain_kwargs)
        if len(df) == 0:
            raise InputDataError(
                "The batch is empty: got 0 rows. Check the ingestion step that produced it; an empty "
                "batch cannot be shown to be clean."
            )
        return BatchScores(baseline, feature_matrix(df, baseline.columns))


def _column_values(df, column: str, what: str, fix: str) -> np.ndarray:
    """The values of ``column`` in scoring order; a batch without it fails closed."""
    if column not in df.columns:
        raise InputDataError(f"The batch lacks the {what} column {column!r}: got columns "
                             f"{list(map(str, df.columns))!r}. {fix}")
    return df[column].to_numpy(dtype=object)


class RowIdsMetric(TableMetricProvider):
    """Row ids of the batch in scoring order: ``id_column`` values, or the index labels."""

    metric_name = ROW_IDS
    domain_keys = _DOMAIN_KEYS
    value_keys = ("id_column",)

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        df = _domain_frame(execution_engine, metric_domain_kwargs)
        id_column = metric_value_kwargs.get("id_column")
        if id_column is None:
            return np.asarray(df.index)
        return _column_values(df, id_column, "id", "Add it, or rebuild the suite with the right id_column.")


class LabelsMetric(TableMetricProvider):
    """The batch's labels in scoring order, read from ``label_column`` (fails closed when it is absent)."""

    metric_name = LABELS
    domain_keys = _DOMAIN_KEYS
    value_keys = ("label_column",)

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine, metric_domain_kwargs, metric_value_kwargs, metrics, runtime_configuration):
        df = _domain_frame(execution_engine, metric_domain_kwargs)
        return _column_values(df, metric_value_kwargs.get("label_column"), "label",
                              "Add it (the label checks need every row's label), or drop the label checks from "
                              "the contract's detectors.")
