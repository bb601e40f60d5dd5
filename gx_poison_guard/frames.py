"""Turn a data frame into the float matrix the statistics core works on, or say why not."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .exceptions import InputDataError


def feature_matrix(df: pd.DataFrame, columns: Sequence[str], *, what: str = "batch") -> np.ndarray:
    """Return ``df[columns]`` as a float64 array of shape (n_rows, n_columns).

    Raises
    ------
    InputDataError
        If a column is missing or not numeric. Non-finite values are kept
        (as NaN or inf) for the caller to handle.
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputDataError(
            f"The {what} lacks feature column(s) {missing!r}: got columns {list(map(str, df.columns))!r}. "
            "Pass data with every baseline column, or refit the baseline on the columns you have."
        )
    non_numeric = [
        f"{c!r} ({df[c].dtype})"
        for c in columns
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
    ]
    if non_numeric:
        raise InputDataError(
            f"The {what} has non-numeric feature column(s): {', '.join(non_numeric)}. "
            "Convert them to numbers (or fix the text values) before validating."
        )
    return df[list(columns)].to_numpy(dtype=np.float64, na_value=np.nan)


def nonfinite_rows(X: np.ndarray) -> np.ndarray:
    """Positions of rows holding NaN or +-inf in any feature."""
    return np.flatnonzero(~np.isfinite(X).all(axis=1))
