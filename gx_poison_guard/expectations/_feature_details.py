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


def worst_feature_bars(details: dict) -> tuple[list[str], list[float]]:
    """Chart bars (column, |z|) of the worst features reported in ``details``."""
    worst = details.get("worst_features") or []
    return [w["column"] for w in worst], [abs(float(w["z"])) for w in worst]
