"""ExpectBatchNearDuplicatesToBeBelow: rows must not be packed together more densely than clean rows are."""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Optional

from great_expectations.compatibility import pydantic

from ..metrics import BATCH_SCORES, ROW_IDS
from ..scoring import BatchScores
from ._base import PARTIAL_COUNT, TOP_K, _BatchStatisticExpectation, plain, rounded


class ExpectBatchNearDuplicatesToBeBelow(_BatchStatisticExpectation):
    """Expect at most ``threshold`` rows to have another row of the batch closer than ``radius``.

    Distances are whitened (golden covariance). ``radius`` is a quarter of the
    median within-batch nearest-neighbour distance of clean batches of the
    declared size, and ``threshold`` the calibrated count a clean batch
    reaches. It catches poison concentrated in a few locations (copies of one
    golden-looking row, a tight cluster near a target), which stays inside
    every per-row threshold. The close rows are reported, closest first.

    Args:
        column_list: feature columns, in the baseline's order.
        baseline_path: baseline artifact path.
        baseline_sha256: SHA-256 the artifact must hash to.
        radius: whitened distance below which two rows count as near duplicates.
        threshold: largest passing count of such rows.
        id_column: optional column naming the rows.
    """

    radius: pydantic.confloat(gt=0.0) = pydantic.Field(..., description="Whitened near-duplicate distance.")
    id_column: Optional[pydantic.StrictStr] = pydantic.Field(
        None, description="Column whose values identify flagged rows (default: the index labels)."
    )
    success_keys: ClassVar = _BatchStatisticExpectation.success_keys + ("radius", "id_column")
    metric_dependencies: ClassVar = (BATCH_SCORES, ROW_IDS)

    test_name: ClassVar[str] = "near_duplicates"
    sentence: ClassVar[str] = (
        "At most $threshold rows may have a near duplicate in the batch (another row closer than $radius in "
        "whitened units): poison is often concentrated in a few locations."
    )
    chart_title: ClassVar[str] = "Rows with a near duplicate in the batch"

    @classmethod
    def _sentence_params(cls, kwargs: dict) -> dict:
        radius = kwargs.get("radius")
        return {**super()._sentence_params(kwargs), "radius": "?" if radius is None else f"{float(radius):.3g}"}

    def _statistic(self, scores: BatchScores, metrics: Dict[str, Any]) -> float:
        return scores.batch_statistic(self.test_name, radius=self.radius)

    def _details(self, scores: BatchScores, metrics: dict) -> dict:
        rows = scores.near_duplicate_rows(self.radius)
        ids = metrics[ROW_IDS]
        distances = scores.nearest_neighbour_distances
        return {"radius": self.radius, "id_column": self.id_column,
                "top_rows": [{"id": plain(ids[i]), "distance": rounded(distances[i])} for i in rows[:TOP_K]]}

    def _decide(self, scores, metrics, result_format) -> dict:
        decision = super()._decide(scores, metrics, result_format)
        ids = metrics[ROW_IDS]
        rows = scores.near_duplicate_rows(self.radius)
        result = decision["result"]
        result.update(element_count=scores.n_rows, unexpected_count=int(rows.size),
                      unexpected_percent=rounded(100.0 * rows.size / max(scores.n_rows, 1), 6),
                      partial_unexpected_index_list=[plain(ids[i]) for i in rows[:PARTIAL_COUNT]])
        if result_format.get("result_format") == "COMPLETE":
            result["unexpected_index_list"] = [plain(v) for v in ids[rows].tolist()]
        return decision
