"""The backtest of predicted payment dates: train on what was settled before a date, predict the
invoices open at it or issued after it, measure against the day each was settled.

No look-ahead: the model learns only from settlements dated before ``as_of`` and each test
invoice's features are those of ``as_of`` (``features.py``). The test invoices are those open
at ``as_of`` (dated before it, not settled before it) or dated on it or after, and settled by
the ledger's last day (an invoice still open has no answer yet). Every method's date is at
least ``as_of`` and the invoice's date (it was not paid before: a due date already past
reads as "today"). The figures: the mean absolute error in days, the share within ±7 days,
and for "paid late" (settled after the due date) the accuracy of the prediction "late" and
the AUC of the predicted days late. The baselines: the due date; the due date plus the
customer's average days late; the invoice's date plus the customer's median days to pay
(both over its invoices settled before ``as_of``; the due date for a customer without any).
With too short a history the model is not trained: the JSON says so (``"model": null`` and
``"fallback"``, its reason) and gives the baselines.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError
from creditpilot.forecast.features import History
from creditpilot.forecast.model import HistoryTooShortError, train
from creditpilot.risk.backtest import auc

WITHIN_DAYS = 7


def backtest(company: Company, as_of: date, history: History | None = None) -> dict[str, Any]:
    """The backtest of ``as_of`` (see the module); refused when no invoice can be tested."""
    history = history or History(company)
    test = history.rows([as_of], None).filter(pl.col("settled_on").is_not_null())
    if test.is_empty():
        raise InvalidInputError(
            "nothing_to_test",
            f"no invoice open on or issued after {as_of.isoformat()} was settled since: "
            f"nothing to measure",
        )
    actual = test["settled_on"]
    result: dict[str, Any] = {"as_of": as_of.isoformat(), "n_train": 0, "n_test": test.height}
    try:
        model = train(history, as_of)
    except HistoryTooShortError as err:
        result["model"] = None
        result["fallback"] = str(err)
    else:
        result["n_train"] = model.n_train
        predicted = model.predict(test)
        result["model"] = measure(predicted["predicted"], actual, test)
    result["baselines"] = {
        name: measure(dates, actual, test) for name, dates in baselines(history, test).items()
    }
    return result


def baselines(history: History, test: pl.DataFrame) -> dict[str, pl.Series]:
    """The three baselines' dates for the test rows (one cutoff), from the settlements known
    before it."""
    cutoff = test["cutoff"][0]
    known = (
        history.invoices.filter(pl.col("settled_on") < cutoff)
        .with_columns(
            (pl.col("settled_on") - pl.col("due_date")).dt.total_days().alias("delay"),
            (pl.col("settled_on") - pl.col("date")).dt.total_days().alias("dtp"),
        )
        .group_by("customer_id")
        .agg(
            pl.col("delay").mean().alias("avg_delay"),
            pl.col("dtp").median().alias("median_dtp"),
        )
    )
    rows = test.join(known, on="customer_id", how="left")
    floor = pl.max_horizontal(pl.col("cutoff"), pl.col("date"))

    def clipped(expr: pl.Expr) -> pl.Series:
        return rows.select(pl.max_horizontal(expr, floor))[:, 0]

    return {
        "due_date": clipped(pl.col("due_date")),
        "customer_average_delay": clipped(
            pl.col("due_date") + pl.duration(days=pl.col("avg_delay").fill_null(0).round(0))
        ),
        "customer_median_days_to_pay": clipped(
            pl.when(pl.col("median_dtp").is_null())
            .then(pl.col("due_date"))
            .otherwise(pl.col("date") + pl.duration(days=pl.col("median_dtp").round(0)))
        ),
    }


def measure(predicted: pl.Series, actual: pl.Series, test: pl.DataFrame) -> dict[str, Any]:
    """The four figures of a method's dates against the settlement days."""
    due = test["due_date"]
    error = (predicted - actual).dt.total_days().abs().to_numpy()
    late = ((actual - due).dt.total_days() > 0).to_numpy()
    predicted_late_days = (predicted - due).dt.total_days().to_numpy().astype(float)
    return {
        "mae_days": round(float(error.mean()), 2),
        "within_7_days": round(float((error <= WITHIN_DAYS).mean()), 4),
        "late_accuracy": round(float(((predicted_late_days > 0) == late).mean()), 4),
        "late_auc": _auc(predicted_late_days, late),
    }


def _auc(scores: np.ndarray, outcomes: np.ndarray) -> float | None:
    value = auc(scores.tolist(), outcomes.tolist())
    return round(value, 4) if value is not None else None


def backtest_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
