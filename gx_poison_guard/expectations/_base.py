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
from great_expectations.render import LegacyDiagnosticRendererType, LegacyRendererType
from great_expectations.render.renderer.renderer import renderer

from .. import charts
from ..metrics import BATCH_SCORES, ROW_IDS
from ..scoring import BatchScores

PARTIAL_COUNT = 20
TOP_K = 5
HISTOGRAM_BINS = 30
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


def _fmt(value: Any) -> str:
    """A short human number: 4 significant digits, thousands unscaled."""
    if value is None:
        return "?"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return str(x)
    return f"{x:.4g}" if abs(x) < 1e6 else f"{x:.3e}"


def _string(template: str, params: dict) -> dict:
    return {"content_block_type": "string_template", "string_template": {"template": template, "params": params}}


def exception_infos(result) -> list[dict]:
    """A validation result's exception records: GX stores one dict, or one per failed metric."""
    info = result.exception_info or {}
    infos = [info] if "raised_exception" in info else list(info.values())
    return [i for i in infos if isinstance(i, dict)]


def _error_text(result) -> dict:
    """What the page shows when the check could not decide (it failed closed)."""
    messages = [str(i["exception_message"]) for i in exception_infos(result) if i.get("exception_message")]
    return _string("Could not be validated, so it failed: $error", {"error": messages[0] if messages else "unknown error"})


def score_histogram(scores: np.ndarray, threshold: float, bins: int = HISTOGRAM_BINS) -> dict:
    """Counts of finite row scores on a range that shows the threshold; beyond it, an overflow count."""
    finite = scores[np.isfinite(scores)]
    if finite.size == 0:
        return {"edges": [0.0, float(threshold) * 1.5 or 1.0], "counts": [0], "overflow": int(scores.size)}
    low = float(min(finite.min(), threshold))
    high = float(max(threshold * 1.25 if threshold > 0 else threshold + 1.0, np.quantile(finite, 0.99)))
    counts, edges = np.histogram(np.clip(finite, low, None), bins=bins, range=(low, high))
    overflow = int(np.count_nonzero(finite > high) + (scores.size - finite.size))
    return {"edges": [round(float(e), 6) for e in edges], "counts": counts.tolist(), "overflow": overflow}


class _PoisonGuardExpectation(BatchExpectation):
    """Fields common to every gx-poison-guard expectation."""

    column_list: List[pydantic.StrictStr] = pydantic.Field(
        ..., description="Feature columns, in the baseline's order."
    )
    baseline_path: pydantic.StrictStr = pydantic.Field(
        ...,
        description="Path of the baseline artifact; a relative path resolves from the project root given to "
        "load_context(project_root_dir=...), else from the working directory.",
    )
    baseline_sha256: _SHA256 = pydantic.Field(..., description="SHA-256 the artifact must hash to.")
    threshold: pydantic.confloat(ge=0.0) = pydantic.Field(..., description="Largest passing value.")
    row_condition: RowConditionType = None
    condition_parser: Union[ConditionParser, None] = None

    domain_keys: ClassVar[Tuple[str, ...]] = ("batch_id", "column_list", "row_condition", "condition_parser")
    domain_type: ClassVar[MetricDomainTypes] = MetricDomainTypes.MULTICOLUMN

    #: Plain-English rule for Data Docs; ``$name`` placeholders come from :meth:`_sentence_params`.
    sentence: ClassVar[str] = ""

    @abstractmethod
    def _decide(self, scores: BatchScores, metrics: Dict[str, Any], result_format: dict) -> dict:
        """Return ``{"success": bool, "result": {...}}`` for a batch of finite rows."""

    @classmethod
    def _sentence_params(cls, kwargs: dict) -> dict:
        return {"threshold": _fmt(kwargs.get("threshold")), "n_features": len(kwargs.get("column_list") or [])}

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        """One plain-English sentence; never the raw kwargs (a failure here would drop the whole page)."""
        if configuration is None and result is not None:
            configuration = result.expectation_config
        params = cls._sentence_params(dict(configuration.kwargs) if configuration else {})
        severity = getattr(getattr(configuration, "severity", None), "value", getattr(configuration, "severity", None))
        warns = " (Warns only: the contract lets the batch through when this fails.)" if severity == "warning" else ""
        return [_string(cls._rule_text() + warns, params)]

    @classmethod
    def _rule_text(cls) -> str:
        return cls.sentence

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.OBSERVED_VALUE)
    def _diagnostic_observed_value_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        if result is None:
            return "--"
        outcome = result.result or {}
        if not outcome.get("details"):
            return _error_text(result)
        details = outcome["details"]
        blocks = [_string(cls._observed_sentence(), {**cls._observed_params(outcome), "limit": _fmt(details.get("threshold"))})]
        if details.get("error"):
            blocks.append(_string("$error", {"error": details["error"]}))
        chart = cls._chart(outcome)
        if chart:
            blocks.append({"content_block_type": "string_template", "string_template": {"template": chart, "params": {}}})
        return {"content_block_type": "content_block_container", "content_blocks": blocks}

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.UNEXPECTED_STATEMENT)
    def _diagnostic_unexpected_statement_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        return []

    @classmethod
    def _observed_sentence(cls) -> str:
        return "Observed $observed (limit $limit)."

    @classmethod
    def _observed_params(cls, outcome: dict) -> dict:
        return {"observed": _fmt(outcome.get("observed_value"))}

    @classmethod
    def _chart(cls, outcome: dict) -> str:
        return ""

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
    def _details(self, scores: BatchScores, metrics: Dict[str, Any]) -> dict:
        """What a person can act on: which features or pairs moved, p-values."""

    @classmethod
    def _chart(cls, outcome: dict) -> str:
        details = outcome["details"]
        labels, values = cls._bars(details)
        return charts.bar_chart(labels, values, float(details["threshold"]), title=cls.chart_title)

    chart_title: ClassVar[str] = ""

    @classmethod
    def _bars(cls, details: dict) -> tuple[list[str], list[float]]:
        return ["this batch"], [float(details["statistic"])]

    def _statistic(self, scores: BatchScores, metrics: Dict[str, Any]) -> float:
        return scores.tests.statistic(self.test_name)

    def _decide(self, scores, metrics, result_format) -> dict:
        statistic = self._statistic(scores, metrics)
        details = {"statistic": rounded(statistic), "threshold": self.threshold,
                   "n_rows": scores.moments.n, **self._details(scores, metrics)}
        return {"success": statistic <= self.threshold,
                "result": {"observed_value": rounded(statistic, 4), "details": details}}


class _RowScoreExpectation(_PoisonGuardExpectation):
    """Each row's score must be ``<= threshold`` for at least ``mostly`` of the rows."""

    score_name: ClassVar[str]
    mostly: pydantic.confloat(ge=0.0, le=1.0) = pydantic.Field(
        ..., description="Least fraction of rows that must score at or below threshold."
    )
    extreme_threshold: pydantic.confloat(ge=0.0) = pydantic.Field(
        ..., description="Largest held-out golden score: rows above it are beyond anything seen in clean data."
    )
    max_extreme_rows: pydantic.conint(ge=0) = pydantic.Field(
        ..., description="Most rows a batch may hold above extreme_threshold."
    )
    id_column: Optional[pydantic.StrictStr] = pydantic.Field(
        None, description="Column whose values identify flagged rows (default: the index labels)."
    )
    success_keys: ClassVar[Tuple[str, ...]] = (
        "baseline_path", "baseline_sha256", "threshold", "mostly", "extreme_threshold", "max_extreme_rows", "id_column",
    )
    metric_dependencies: ClassVar[Tuple[str, ...]] = (BATCH_SCORES, ROW_IDS)

    def _row_scores(self, scores: BatchScores, metrics: Dict[str, Any]) -> np.ndarray:
        return scores.row_scores(self.score_name)

    def _decide(self, scores, metrics, result_format) -> dict:
        row_scores = self._row_scores(scores, metrics)
        flagged = np.flatnonzero(row_scores > self.threshold)
        flagged = flagged[np.argsort(-row_scores[flagged], kind="stable")]  # worst first
        ids = metrics[ROW_IDS]
        n, k = scores.n_rows, flagged.size
        fraction = k / n
        extreme = int(np.count_nonzero(row_scores > self.extreme_threshold))
        result = {
            "observed_value": rounded(fraction, 6),
            "element_count": n,
            "unexpected_count": int(k),
            "unexpected_percent": rounded(100.0 * fraction, 6),
            "partial_unexpected_index_list": [plain(ids[i]) for i in flagged[:PARTIAL_COUNT]],
            "details": {
                "threshold": self.threshold,
                "max_fraction": rounded(1.0 - self.mostly, 6),
                "extreme_threshold": self.extreme_threshold,
                "extreme_count": extreme,
                "max_extreme_rows": self.max_extreme_rows,
                "id_column": self.id_column,
                "top_rows": [{"id": plain(ids[i]), "score": rounded(row_scores[i])} for i in flagged[:TOP_K]],
            },
        }
        result["details"]["histogram"] = score_histogram(row_scores, self.threshold)
        if result_format.get("result_format") == "COMPLETE":
            result["unexpected_index_list"] = [plain(v) for v in ids[flagged].tolist()]
        success = fraction <= 1.0 - self.mostly + 1e-12 and extreme <= self.max_extreme_rows
        return {"success": success, "result": result}

    score_label: ClassVar[str] = "score"

    @classmethod
    def _sentence_params(cls, kwargs: dict) -> dict:
        mostly = kwargs.get("mostly")
        max_pct = "?" if mostly is None else _fmt(100.0 * (1.0 - float(mostly)))
        return {**super()._sentence_params(kwargs), "max_pct": max_pct,
                "extreme": _fmt(kwargs.get("extreme_threshold")), "max_extreme": kwargs.get("max_extreme_rows", "?")}

    @classmethod
    def _rule_text(cls) -> str:
        return cls.sentence + " At most $max_extreme rows may score beyond every held-out golden row (above $extreme)."

    @classmethod
    def _observed_sentence(cls) -> str:
        return ("$count of $n rows ($pct%) scored above the threshold; at most $max_pct% may. "
                "$extreme_count beyond every golden row; at most $max_extreme may.")

    @classmethod
    def _observed_params(cls, outcome: dict) -> dict:
        details = outcome["details"]
        return {"count": outcome.get("unexpected_count", 0), "n": outcome.get("element_count", 0),
                "pct": _fmt(outcome.get("unexpected_percent", 0.0)), "max_pct": _fmt(100.0 * float(details["max_fraction"])),
                "extreme_count": details.get("extreme_count", "?"), "max_extreme": details.get("max_extreme_rows", "?")}

    @classmethod
    def _chart(cls, outcome: dict) -> str:
        h = outcome["details"].get("histogram")
        if not h:
            return ""
        return charts.histogram(h["edges"], h["counts"], float(outcome["details"]["threshold"]), overflow=h["overflow"],
                                title=f"{cls.score_label[:1].upper()}{cls.score_label[1:]} of each row")

    @classmethod
    @renderer(renderer_type=LegacyDiagnosticRendererType.UNEXPECTED_TABLE)
    def _diagnostic_unexpected_table_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        rows = ((result.result or {}).get("details") or {}).get("top_rows") if result is not None else None
        if not rows:
            return []
        return [{"content_block_type": "table", "header_row": ["flagged row", cls.score_label],
                 "table": [[str(r["id"]), _fmt(r["score"])] for r in rows],
                 "styling": {"body": {"classes": ["table-bordered", "table-sm", "mt-3"]}}}]
