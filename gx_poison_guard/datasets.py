"""Deterministic example data: card transactions with real dependencies between features.

The generator is the bank-fraud example of the project's brief. Each row is
one card payment; features depend on each other the way payment data does:

* ``account_age_days`` grows with ``customer_age``;
* ``device_trust`` grows with account age (new accounts have untrusted devices);
* ``distance_km`` (from the card holder's home) depends on the merchant
  category (travel is far, groceries near) and is larger at night;
* ``amount`` depends on the category, the distance and the customer's age;
* ``tx_count_24h`` is higher for online merchants.

``is_fraud`` is a label (rare, more likely for far, large payments on
untrusted devices); ``transaction_id`` names rows. Nothing is downloaded:
the same seed always gives the same rows.

:func:`correlated_frame` is a plainer source: Gaussian rows with a fixed
random correlation and one skewed feature, for measuring false-block rates
on unlimited fresh batches of one known distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CATEGORIES = ("grocery", "fuel", "restaurant", "electronics", "travel", "online")
_CATEGORY_P = np.array([0.30, 0.15, 0.20, 0.08, 0.07, 0.20])
_LOG_AMOUNT = np.array([3.3, 3.8, 3.4, 5.2, 5.8, 4.0])
_LOG_DISTANCE = np.array([1.0, 2.0, 1.5, 1.8, 5.5, 0.3])
FEATURES = {
    "customer_age": "float", "account_age_days": "float", "hour": "int", "merchant_category": "int",
    "distance_km": "float", "amount": "float", "tx_count_24h": "int", "device_trust": "float",
}


def card_transactions(n: int, *, seed: int = 0, start_id: int = 0) -> pd.DataFrame:
    """``n`` clean card transactions.

    Examples
    --------
    >>> df = card_transactions(1000, seed=1)
    >>> list(df.columns)[:3], len(df)
    (['transaction_id', 'customer_age', 'account_age_days'], 1000)
    >>> bool(df[["amount", "distance_km"]].corr().iloc[0, 1] > 0.3)
    True
    """
    rng = np.random.default_rng(seed)
    age = np.clip(rng.normal(45, 14, n), 18, 90)
    account_age = np.exp(5.5 + 0.03 * (age - 45) + rng.normal(0, 0.8, n))
    category = rng.choice(len(CATEGORIES), size=n, p=_CATEGORY_P)
    hour = np.floor(np.mod(rng.normal(14, 4, n), 24)).astype(int)
    night = (hour < 6) | (hour >= 22)
    distance = np.exp(_LOG_DISTANCE[category] + 0.5 * night + rng.normal(0, 0.6, n))
    amount = np.exp(_LOG_AMOUNT[category] + 0.12 * np.log1p(distance) + 0.006 * (age - 45) + rng.normal(0, 0.45, n))
    trust = np.clip(1 / (1 + np.exp(-(-2.5 + 0.5 * np.log(account_age)))) + rng.normal(0, 0.08, n), 0, 1)
    count = rng.poisson(1.2 + 1.5 * (category == 5) + 0.4 * night)
    risk = -6.0 + 0.5 * np.log1p(distance) + 0.3 * np.log(amount) - 2.0 * trust
    fraud = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)
    return pd.DataFrame({
        "transaction_id": np.arange(start_id, start_id + n), "customer_age": age.round(1),
        "account_age_days": account_age.round(1), "hour": hour, "merchant_category": category,
        "distance_km": distance.round(3), "amount": amount.round(2), "tx_count_24h": count,
        "device_trust": trust.round(4), "is_fraud": fraud,
    })


def card_poisoning_attack(clean: pd.DataFrame, *, fraction: float = 0.06, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Replace ``fraction`` of rows with crafted "legitimate" payments a fraudster wants the model to learn.

    Every value stays inside the range seen in clean data, so per-column
    checks pass: large electronics purchases from brand-new accounts on highly
    trusted devices, close to home, in the small hours, labelled not fraud.
    Jointly, such rows do not occur. Returns the batch and the positions of
    the poisoned rows.
    """
    rng = np.random.default_rng(seed)
    out = clean.copy()
    rows = np.sort(rng.choice(len(out), int(round(fraction * len(out))), replace=False))
    k = rows.size
    poison = {
        "account_age_days": rng.uniform(5, 40, k).round(1),
        "device_trust": rng.uniform(0.93, 0.99, k).round(4),
        "merchant_category": np.full(k, CATEGORIES.index("electronics")),
        "hour": rng.integers(2, 5, k),
        "distance_km": rng.uniform(0.5, 3.0, k).round(3),
        "amount": rng.uniform(600, 1400, k).round(2),
        "is_fraud": np.zeros(k, dtype=int),
    }
    for column, values in poison.items():
        out.iloc[rows, out.columns.get_loc(column)] = values
    return out, rows


def card_seasonal_drift(clean: pd.DataFrame, *, strength: float = 1.0) -> pd.DataFrame:
    """The holiday season: everyone spends more and shops later in the day.

    With ``strength=1``, every amount is 35 % higher and every payment one
    hour later (capped at 23h). A coherent whole-batch shift that keeps how
    features relate to each other: natural drift, to be reported as a
    warning rather than blocked.
    """
    out = clean.copy()
    out["amount"] = (out["amount"] * (1 + 0.35 * strength)).round(2)
    out["hour"] = np.minimum(out["hour"] + int(round(strength)), 23)
    return out


def correlated_frame(n: int, *, d: int = 6, seed: int = 0, structure_seed: int = 42, labels: bool = False) -> pd.DataFrame:
    """Rows ``f0..f{d-1}`` from a fixed correlated distribution; the last feature is skewed (log-normal).

    ``structure_seed`` fixes the distribution, ``seed`` the sample, so golden
    rows and fresh clean batches can be drawn from one distribution (tests and
    benchmarks measure false-block rates on them). With ``labels``, a
    ``label`` column (0/1) follows a noisy linear rule of the first two
    features, like a real class boundary.

    Examples
    --------
    >>> correlated_frame(3, d=4, labels=True).columns.tolist()
    ['f0', 'f1', 'f2', 'f3', 'label']
    """
    s = np.random.default_rng(structure_seed)
    a = s.normal(size=(d, d))
    cov = a @ a.T + 0.5 * np.eye(d)
    scale = s.uniform(0.5, 5.0, size=d)
    corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    mean = s.normal(0, 10, size=d)
    z = np.random.default_rng(seed).multivariate_normal(np.zeros(d), corr, size=n)
    x = mean + z * scale
    x[:, -1] = np.exp(z[:, -1] / 2.0) * scale[-1]  # skewed, positive
    df = pd.DataFrame(x, columns=[f"f{i}" for i in range(d)])
    if labels:
        noise = np.random.default_rng(seed + 1).normal(0, 0.3, size=n)
        df["label"] = (z[:, 0] - z[:, 1] + noise > 0).astype(int)
    return df
