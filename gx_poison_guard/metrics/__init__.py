"""GX metric providers: compute shared per-batch statistics once, for every expectation that reads them."""

from .batch_scores import (
    BATCH_SCORES,
    LABELS,
    ROW_IDS,
    BatchScoresMetric,
    LabelsMetric,
    RowIdsMetric,
    set_artifact_root,
)

__all__ = ["BATCH_SCORES", "LABELS", "ROW_IDS", "BatchScoresMetric", "LabelsMetric", "RowIdsMetric",
           "set_artifact_root"]
