"""Shared fields and result building for gx-poison-guard expectations.

Two families, both batch-level GX expectations reading one shared metric:

* ``_BatchStatisticExpectation``: one statistic of the whole batch must stay
  ``<= threshold``.
* ``_RowScoreExpectation``: each row's score must be ``<= threshold`` for at
  least ``mostly`` of the rows (GX's ``mostly`` semantics: the fraction of
  flagged rows may be at most ``1 - mostly``); flagged row ids are reported.

Every field that changes a verdict is required (GX omits defaults from suite
JSON, so a default changed in a later release would silently change stored
suites). Any batch holding NaN or inf in a feature fails, naming the rows.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Any, ClassVar, Dict, List, Optional, Tuple, Union

import numpy as np
from great_expectations.compatibility import pydantic
from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.expectations.expectation import BatchExpectation
from great_expectations.expectations.expectation_configuration import parse_result_format
from great_expectations.expectations.model_field_types import ConditionParser
from great_expectations.expectations.row_conditions import RowConditionType

from ..metrics import BATCH_SCORES, ROW_IDS
from ..scoring import BatchScores

PARTIAL_COUNT = 20
TOP_K = 5
_SHA256 = pydantic.constr(regex=r"^[0-9a-f]{64}$")


def plain(value: Any) -> Any:
    """Convert numpy scalars to Python ones (GX stores results as JSON)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def rounded(x: float, digits: int = 6) -> float | str:
    """A JSON-safe rounded float; infinities become strings."""
    x = float(x)
    return round(x, digits) if math.isfinite(x) else str(x)


class _PoisonGuardExpectation(BatchExpectation):
    """Fields common to every gx-poison-guard expectation."""

    column_list: List[pydantic.StrictStr] = pydantic.Field(
        ..., description="Feature columns, in the baseline's order."
    )
    baseline_path: pydantic.StrictStr = pydantic.Field(
        ..., description="Path of the baseline artifact (relative paths resolve from the working directory)."
    )
    baseline_sha256: _SHA256 = pydantic.Field(..., description="SHA-256 the artifact must hash to.")
    threshold: pydantic.confloat(ge=0.0) = pydantic.Field(..., description="Largest passing value.")
    row_condition: RowConditionType = None
    condition_parser: Union[ConditionParser, None] = None

    domain_keys: ClassVar[Tuple[str, ...]] = ("batch_id", "column_list", "row_condition", "condition_parser")
    domain_type: ClassVar[MetricDomainTypes] = MetricDomainTypes.MULTICOLUMN

    @abstractmethod
    def _decide(self, scores: BatchScores, metrics: Dict[str, Any], result_format: dict) -> dict:
        """Return ``{"success": bool, "result": {...}}`` for a batch of finite rows."""

    def _validate(self, metrics: Dict, runtime_configuration: Optional[dict] = None, execution_engine=None) -> dict:
        scores: BatchScores = metrics[BATCH_SCORES]
        result_format = parse_result_format((runtime_configuration or {}).get("result_format", {}))
        decision = self._decide(scores, metrics, result_format)
        bad = scores.nonfinite_positions
        if bad.size:
            decision["success"] = False
            decision["result"]["details"]["error"] = (
                f"{bad.size} of {scores.n_rows} rows hold NaN or inf in feature columns, so the batch "
                "cannot be validated; clean or quarantine those rows and validate again."
            )
            decision["result"]["details"]["nonfinite_row_positions"] = bad[:PARTIAL_COUNT].tolist()
        decision["success"] = bool(decision["success"])
        return decision


class _BatchStatisticExpectation(_PoisonGuardExpectation):
    """A batch statistic from :class:`~gx_poison_guard.scoring.BatchTests` must be ``<= threshold``."""

    test_name: ClassVar[str]
    success_keys: ClassVar[Tuple[str, ...]] = ("baseline_path", "baseline_sha256", "threshold")
    metric_dependencies: ClassVar[Tuple[str, ...]] = (BATCH_SCORES,)

    @abstractmethod
    def _details(self, scores: BatchScores) -> dict:
        """What a person can act on: which features or pairs moved, p-values."""

    def _decide(self, scores, metrics, result_format) -> dict:
        statistic = scores.tests.statistic(self.test_name)
        details = {"statistic": rounded(statistic), "threshold": self.threshold,
                   "n_rows": scores.moments.n, **self._details(scores)}
        return {"success": statistic <= self.threshold,
                "result": {"observed_value": rounded(statistic, 4), "details": details}}


class _RowScoreExpectation(_PoisonGuardExpectation):
    """Each row's score must be ``<= threshold`` for at least ``mostly`` of the rows."""

    score_name: ClassVar[str]
    mostly: pydantic.confloat(ge=0.0, le=1.0) = pydantic.Field(
        ..., description="Least fraction of rows that must score at or below threshold."
    )
    id_column: Optional[pydantic.StrictStr] = pydantic.Field(
        None, description="Column whose values identify flagged rows (default: the index labels)."
    )
    success_keys: ClassVar[Tuple[str, ...]] = (
        "baseline_path", "baseline_sha256", "threshold", "mostly", "id_column",
    )
    metric_dependencies: ClassVar[Tuple[str, ...]] = (BATCH_SCORES, ROW_IDS)

    def _decide(self, scores, metrics, result_format) -> dict:
        row_scores = scores.row_scores(self.score_name)
        flagged = np.flatnonzero(row_scores > self.threshold)
        flagged = flagged[np.argsort(-row_scores[flagged], kind="stable")]  # worst first
        ids = metrics[ROW_IDS]
        n, k = scores.n_rows, flagged.size
        fraction = k / n
        result = {
            "observed_value": rounded(fraction, 6),
            "element_count": n,
            "unexpected_count": int(k),
            "unexpected_percent": rounded(100.0 * fraction, 6),
            "partial_unexpected_index_list": [plain(ids[i]) for i in flagged[:PARTIAL_COUNT]],
            "details": {
                "threshold": self.threshold,
                "max_fraction": rounded(1.0 - self.mostly, 6),
                "id_column": self.id_column,
                "top_rows": [{"id": plain(ids[i]), "score": rounded(row_scores[i])} for i in flagged[:TOP_K]],
            },
        }
        if result_format.get("result_format") == "COMPLETE":
            result["unexpected_index_list"] = [plain(v) for v in ids[flagged].tolist()]
        return {"success": fraction <= 1.0 - self.mostly + 1e-12, "result": result}
