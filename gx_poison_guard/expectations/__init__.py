"""gx-poison-guard expectations; importing this module registers them with GX.

Class names are persisted in suite JSON (as snake case ``type``): never rename them.
"""

from ._base import exception_infos
from .expect_batch_drift_magnitude_to_be_below import ExpectBatchDriftMagnitudeToBeBelow
from .expect_batch_correlation_shift_to_be_below import ExpectBatchCorrelationShiftToBeBelow
from .expect_batch_feature_mean_shift_to_be_below import ExpectBatchFeatureMeanShiftToBeBelow
from .expect_batch_label_shift_to_be_below import ExpectBatchLabelShiftToBeBelow
from .expect_batch_near_duplicates_to_be_below import ExpectBatchNearDuplicatesToBeBelow
from .expect_batch_feature_spread_shift_to_be_below import ExpectBatchFeatureSpreadShiftToBeBelow
from .expect_batch_mahalanobis_mean_shift_to_be_below import ExpectBatchMahalanobisMeanShiftToBeBelow
from .expect_row_isolation_score_to_be_below import ExpectRowIsolationScoreToBeBelow
from .expect_row_mahalanobis_distance_to_be_below import ExpectRowMahalanobisDistanceToBeBelow
from .expect_row_label_disagreement_to_be_below import ExpectRowLabelDisagreementToBeBelow
from .expect_row_reconstruction_error_to_be_below import ExpectRowReconstructionErrorToBeBelow

#: Calibration test name -> expectation class.
EXPECTATION_FOR_TEST = {
    "mean_shift": ExpectBatchMahalanobisMeanShiftToBeBelow,
    "correlation_shift": ExpectBatchCorrelationShiftToBeBelow,
    "feature_mean_shift": ExpectBatchFeatureMeanShiftToBeBelow,
    "feature_spread_shift": ExpectBatchFeatureSpreadShiftToBeBelow,
    "drift_magnitude": ExpectBatchDriftMagnitudeToBeBelow,
    "label_shift": ExpectBatchLabelShiftToBeBelow,
    "near_duplicates": ExpectBatchNearDuplicatesToBeBelow,
    "row_mahalanobis": ExpectRowMahalanobisDistanceToBeBelow,
    "row_isolation": ExpectRowIsolationScoreToBeBelow,
    "row_reconstruction": ExpectRowReconstructionErrorToBeBelow,
    "row_label_disagreement": ExpectRowLabelDisagreementToBeBelow,
}

__all__ = [cls.__name__ for cls in EXPECTATION_FOR_TEST.values()] + ["EXPECTATION_FOR_TEST", "exception_infos"]
