"""The payment-date model: three gradient-boosted trees (quantiles 10 %, 50 %, 90 %) of the days
between an invoice's due date (the cutoff, once past due) and the day it is settled, learnt from invoices seen at past
cutoffs whose settlement was known at the date of training; the 10 %-90 % interval is then
widened (or narrowed) on a fifth of those rows held out, until it holds 80 % of them.

The model trains in seconds (scikit-learn's histogram gradient boosting, a capped sample of
rows); with too short a history it is not trained and the callers fall back on the customer's
median days to pay (or the due date for a customer without history).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from creditpilot.forecast.features import CATEGORICAL, FEATURES, History, monthly_cutoffs

QUANTILES = (0.1, 0.5, 0.9)
MIN_TRAIN_ROWS = 300  # fewer known settlements than this: no model (the baselines answer)
MIN_CUSTOMERS = 10
MAX_TRAIN_ROWS = 150_000  # a random sample beyond (the same each time)
CUTOFFS = 24  # every 30 days over the two years before the date
HORIZON = 30  # days after a cutoff whose new invoices are learnt from
MAX_ITER = 120
CENSORED_AFTER = 180  # days: an invoice unpaid that long after a cutoff is learnt from
COVERAGE = 0.8  # the interval's
CALIBRATION_SHARE = 0.2
MIN_CALIBRATION = 100


# what the model predicts the days after: the due date, or the cutoff for an invoice already
# past due then (the days it will still wait, which trees learn far better than a delay
# bound to exceed the days already past due)
BASE = pl.max_horizontal(pl.col("due_date"), pl.col("cutoff"))


class HistoryTooShortError(Exception):
    """Too few settled invoices before the date to train on; the message says how many."""


@dataclass
class PaymentModel:
    as_of: date
    n_train: int
    trees: list[HistGradientBoostingRegressor]
    features: list[str]
    margin: float = 0.0  # days added to both ends of the interval (calibration)

    def predict(self, rows: pl.DataFrame) -> pl.DataFrame:
        """``rows`` with ``low``, ``predicted`` and ``high``: dates, none before the cutoff nor
        the invoice's date, in order."""
        if rows.is_empty():
            return _with_dates(rows, [np.zeros(0)] * 3)
        x = _matrix(rows, self.features)
        with threadpool_limits(1):  # OpenMP threads fight over a shared machine's cores
            low, mid, high = (tree.predict(x) for tree in self.trees)
        return _with_dates(rows, [low - self.margin, mid, high + self.margin])


def training_rows(history: History, as_of: date) -> pl.DataFrame:
    """Invoices seen at the cutoffs before ``as_of`` whose settlement was known before it; and,
    seen at a cutoff at least ``CENSORED_AFTER`` days old, those still unpaid at ``as_of``,
    taken as paid then (the least they were late by): left out, they would teach the model
    that every old unpaid invoice is paid soon."""
    first = history.invoices["date"].min()
    cutoffs = monthly_cutoffs(as_of, first, CUTOFFS) if first is not None else []  # type: ignore[arg-type]
    known = (pl.col("settled_on") < as_of) | (
        pl.col("cutoff") <= as_of - timedelta(days=CENSORED_AFTER)
    )
    rows = history.rows(cutoffs, HORIZON, where=known, sample=MAX_TRAIN_ROWS)
    paid = pl.when(pl.col("settled_on") < as_of).then(pl.col("settled_on")).otherwise(as_of)
    return rows.with_columns((paid - BASE).dt.total_days().alias("delay"))


def train(history: History, as_of: date) -> PaymentModel:
    """The model of ``as_of``; HistoryTooShortError when the history is too short."""
    rows = training_rows(history, as_of)
    customers = rows["customer_id"].n_unique() if not rows.is_empty() else 0
    if rows.height < MIN_TRAIN_ROWS or customers < MIN_CUSTOMERS:
        raise HistoryTooShortError(
            f"history too short to train: {history.selected} invoices settled before "
            f"{as_of.isoformat()} (each counted at every monthly cutoff it was open at) from "
            f"{customers} customers, where {MIN_TRAIN_ROWS} from {MIN_CUSTOMERS} customers are "
            f"needed"
        )
    n_train = history.selected
    features = [f for f in FEATURES if f != "score" or _covered(rows, f)]
    x = _matrix(rows, features)
    y = rows["delay"].cast(pl.Float64).to_numpy()
    categorical = [f in CATEGORICAL for f in features]
    # a fifth of the rows held out to widen the interval until it holds 80 % of them
    # (conformalized quantile regression): quantile trees alone are too sure of themselves
    held = np.random.default_rng(0).random(len(y)) < CALIBRATION_SHARE
    if held.sum() < MIN_CALIBRATION:
        held[:] = False
    x_fit, y_fit = x[~held], y[~held]

    def fit(q: float) -> HistGradientBoostingRegressor:
        tree = HistGradientBoostingRegressor(
            loss="quantile",
            quantile=q,
            max_iter=MAX_ITER,
            learning_rate=0.1,
            max_leaf_nodes=31,
            min_samples_leaf=20,
            categorical_features=categorical if any(categorical) else None,
            early_stopping=False,
            random_state=0,
        )
        # one OpenMP thread each (many times faster than OpenMP's threads on a busy machine;
        # the limit is the calling thread's)
        with threadpool_limits(1):
            return tree.fit(x_fit, y_fit)

    # the three trees learn apart, each on a thread of its own: their loops let go of
    # Python's lock, and the same trees come out as one after the other (2.1 s each for
    # 150,000 rows; 6.4 s in a row, 4.5 s side by side on two cores)
    with ThreadPoolExecutor(len(QUANTILES), thread_name_prefix="creditpilot-fit") as pool:
        trees = list(pool.map(fit, QUANTILES))
    return PaymentModel(as_of, n_train, trees, features, _margin(trees, x[held], y[held]))


def _margin(trees: list[HistGradientBoostingRegressor], x: np.ndarray, y: np.ndarray) -> float:
    """The days to add on both sides of the 10 %-90 % interval for it to hold 80 % of the held
    out rows (negative: it was too wide)."""
    if len(y) == 0:
        return 0.0
    with threadpool_limits(1):
        low, high = trees[0].predict(x), trees[-1].predict(x)
    scores = np.maximum(low - y, y - high)
    level = min(1.0, COVERAGE * (1 + 1 / len(y)))
    return float(np.quantile(scores, level))


def _covered(rows: pl.DataFrame, feature: str) -> bool:
    """A feature most training rows know (the risk score, once scores have a history)."""
    return rows[feature].null_count() < rows.height / 2


def _matrix(rows: pl.DataFrame, features: list[str]) -> np.ndarray:
    return rows.select(pl.col(f).cast(pl.Float64) for f in features).to_numpy()


def _with_dates(rows: pl.DataFrame, delays: list[np.ndarray]) -> pl.DataFrame:
    """Delays (days after the due date, or after the cutoff once it is past due) to dates, each at least the cutoff and the invoice's
    date; the three kept in order."""
    ordered = np.sort(np.vstack(delays).T, axis=1) if len(delays[0]) else np.zeros((0, 3))
    floor = pl.max_horizontal(pl.col("cutoff"), pl.col("date"))
    out = rows.with_columns(
        pl.Series(f"_q{i}", np.rint(ordered[:, i]).astype(np.int64)) for i in range(3)
    )
    return out.with_columns(
        pl.max_horizontal(BASE + pl.duration(days=pl.col(f"_q{i}")), floor).alias(name)
        for i, name in enumerate(("low", "predicted", "high"))
    ).drop("_q0", "_q1", "_q2")
