"""Worst-feature details shared by the per-feature mean and spread expectations."""

from __future__ import annotations

from ..stats.univariate import FeatureShift
from ._base import TOP_K, rounded


def worst_features(shift: FeatureShift, columns: list[str], ratio_name: str) -> list[dict]:
    """The ``TOP_K`` features with the largest ``|z|``, with their ratio."""
    return [
        {"column": columns[j], "z": rounded(shift.z[j], 3), ratio_name: rounded(shift.ratio[j], 4)}
        for j in shift.worst(TOP_K)
    ]
