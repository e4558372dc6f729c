"""The backtest: the scores of a past date against what happened in the 12 months after it.

Each customer with something owed or sold in the year before the date is scored with
what the ledger knew at the date. It is a *positive* when one of its invoices went over
90 days past due in the 12 months after the date (or up to the ledger's last day): due
more than 90 days before a day of the window and still not fully paid that day. The
measures: the AUC (the chance that a positive is scored riskier than a negative, ties
count half), the Brier score of the probability, and a calibration table by rating; the
same for the baselines "weighted average days late alone" and "Altman Z'' alone" (over the
customers whose financial statements give it, with the model's AUC over the same ones). Probabilities by band of score
(or of days late, for the baseline) are fitted on the year before the date, whose outcome
was known at the date; the scorecard's own probability is kept where they do no better.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl

from creditpilot.collections.frames import query_frame, sql_day
from creditpilot.companies.models import Company
from creditpilot.core.scorecard import ALTMAN_DISTRESS, ALTMAN_SAFE, RATINGS, WORST_RATING
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Allocation, Document
from creditpilot.risk.behaviour import behaviour_frame, company_scores
from creditpilot.risk.financials import altman_by_customer

DOC = Document._meta.db_table
ALLOC = Allocation._meta.db_table
SERIOUS_DAYS = 90
WINDOW_DAYS = 365


def auc(scores: Sequence[float], outcomes: Sequence[bool]) -> float | None:
    """Area under the ROC curve of a risk measure (higher: riskier); None without both classes.

    >>> auc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]), auc([0.5, 0.5], [True, False])
    (1.0, 0.5)
    """
    positives = [s for s, y in zip(scores, outcomes, strict=True) if y]
    negatives = [s for s, y in zip(scores, outcomes, strict=True) if not y]
    if not positives or not negatives:
        return None
    ordered = sorted(negatives)
    wins = 0.0
    for p in positives:
        below = _count_below(ordered, p)
        ties = _count_below(ordered, p, inclusive=True) - below
        wins += below + ties / 2
    return wins / (len(positives) * len(negatives))


def _count_below(ordered: list[float], value: float, inclusive: bool = False) -> int:
    lo, hi = 0, len(ordered)
    while lo < hi:
        mid = (lo + hi) // 2
        if ordered[mid] < value or (inclusive and ordered[mid] == value):
            lo = mid + 1
        else:
            hi = mid
    return lo


def brier(probabilities: Sequence[float], outcomes: Sequence[bool]) -> float | None:
    """Mean squared error of the probabilities (0 is perfect).

    >>> brier([1.0, 0.0, 0.5], [True, False, True])
    0.08333333333333333
    """
    if not probabilities:
        return None
    return sum(
        (p - (1.0 if y else 0.0)) ** 2 for p, y in zip(probabilities, outcomes, strict=True)
    ) / len(probabilities)


def _outcomes(company: Company, as_of: date, end: date) -> set[int]:
    """Customers with an invoice over 90 days past due on some day of (as_of, end]."""
    debits = query_frame(
        f"SELECT id, customer_id, {sql_day('due_date')}, amount FROM {DOC} "
        f"WHERE company_id = %s AND is_active AND amount > 0 AND date <= %s AND due_date < %s",
        [company.id, end, end - timedelta(days=SERIOUS_DAYS)],
        {"id": pl.Int64, "customer_id": pl.Int64, "due_date": pl.Date, "amount": pl.Int64},
    ).with_columns((pl.col("due_date") + timedelta(days=SERIOUS_DAYS + 1)).alias("serious"))
    # the first day an invoice is over 90 days late must fall in the window, or be before it
    # with the invoice still open when the window starts
    debits = debits.with_columns(
        pl.max_horizontal(pl.col("serious"), pl.lit(as_of + timedelta(days=1))).alias("check")
    ).filter(pl.col("check") <= end)
    allocations = query_frame(
        f"SELECT invoice_id, {sql_day('date')}, amount FROM {ALLOC} "
        f"WHERE company_id = %s AND date <= %s",
        [company.id, end],
        {"invoice_id": pl.Int64, "date": pl.Date, "amount": pl.Int64},
    )
    paid_by_check = (
        debits.select("id", "check")
        .join(allocations, left_on="id", right_on="invoice_id")
        .filter(pl.col("date") <= pl.col("check"))
        .group_by("id")
        .agg(pl.col("amount").sum().alias("paid"))
    )
    late = debits.join(paid_by_check, on="id", how="left").filter(
        pl.col("amount") - pl.col("paid").fill_null(0) > 0
    )
    return set(late["customer_id"].to_list())


def _last_day(company: Company) -> date | None:
    return (
        Document.objects.filter(company=company, is_active=True)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


def _calibration(
    cards: list[Any], outcomes: dict[str, bool], pd_of: dict[str, float]
) -> list[dict[str, Any]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for card in cards:
        groups[card.rating].append(card)
    table = []
    for rating in [r for r, _ in RATINGS] + [WORST_RATING]:
        members = groups.get(rating, [])
        positives = sum(outcomes[c.customer] for c in members)
        mean_pd = sum(pd_of[c.customer] for c in members) / len(members) if members else None
        table.append(
            {
                "rating": rating,
                "n": len(members),
                "positives": positives,
                "predicted": _rounded(mean_pd),
                "observed": _rounded(positives / len(members) if members else None),
            }
        )
    return table


def _rounded(value: float | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _band_of_score(score: float) -> int:
    return min(int(score) // 10, 9)


def _band_of_days(days: float) -> int:
    return min(int(days) // 10, 9)


def _fit(bands: list[int], outcomes: list[bool]) -> dict[int, float] | None:
    """The share of positives by band, smoothed toward the overall rate (a thin band does not
    say 0 % or 100 %); None without both positives and negatives."""
    bad = sum(outcomes)
    if not bands or bad in (0, len(bands)):
        return None
    prior = bad / len(bands)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for band, y in zip(bands, outcomes, strict=True):
        counts[band][0] += 1
        counts[band][1] += y
    return {band: (counts[band][1] + 2 * prior) / (counts[band][0] + 2) for band in range(10)}


def _year(
    company: Company, start: date, end: date
) -> tuple[list[Any], dict[int, float], list[bool]]:
    """The cards of ``start``, each customer's weighted days late then, and what happened up
    to ``end``."""
    cards = company_scores(company, start).cards
    ids = dict(Customer.objects.filter(company=company).values_list("code", "id"))
    positives = _outcomes(company, start, end) if end > start else set()
    wadl = {
        ids_row["customer_id"]: float(ids_row["wadl"] or 0.0)
        for ids_row in behaviour_frame(company, start).iter_rows(named=True)
    }
    wadl_of = {c.customer: wadl.get(ids[c.customer], 0.0) for c in cards}
    return (
        cards,
        {i: wadl_of[c.customer] for i, c in enumerate(cards)},
        [ids[c.customer] in positives for c in cards],
    )


def _zone_band(z: Decimal) -> int:
    return 0 if z < ALTMAN_DISTRESS else 1 if z <= ALTMAN_SAFE else 2


def _altman_baseline(
    company: Company,
    as_of: date,
    scored: tuple[list[Any], list[bool]],
    fitted_on: tuple[list[Any], list[bool]],
    model_risk: list[float],
) -> dict[str, Any]:
    """Altman Z'' alone, over the customers whose statements closed by the date give it (the
    lower, the riskier; probabilities by zone fitted on the year before), beside the model's
    AUC over the same customers."""
    ids = dict(Customer.objects.filter(company=company).values_list("code", "id"))
    cards, ys = scored
    z_now = altman_by_customer(company, as_of)
    known = [i for i, c in enumerate(cards) if ids[c.customer] in z_now]
    if not known:
        return {"auc": None, "brier": None, "n": 0, "model_auc": None}
    zs = [z_now[ids[cards[i].customer]] for i in known]
    outcomes = [ys[i] for i in known]
    fit_cards, fit_ys = fitted_on
    z_then = altman_by_customer(company, as_of - timedelta(days=WINDOW_DAYS))
    fit = [
        (_zone_band(z_then[ids[c.customer]]), y)
        for c, y in zip(fit_cards, fit_ys, strict=True)
        if ids[c.customer] in z_then
    ]
    zones = _fit([b for b, _ in fit], [y for _, y in fit])
    return {
        "auc": _rounded(auc([-float(z) for z in zs], outcomes)),
        "brier": _rounded(brier([zones[_zone_band(z)] for z in zs], outcomes)) if zones else None,
        "n": len(known),
        "model_auc": _rounded(auc([model_risk[i] for i in known], outcomes)),
    }


def backtest(company: Company, as_of: date) -> dict[str, Any]:
    """Scores at ``as_of`` against the 12 months after; probabilities fitted on the year before
    (all known at ``as_of``) replace the scorecard's only where they predict better."""
    last = _last_day(company) or as_of
    end = min(as_of + timedelta(days=WINDOW_DAYS), last)
    cards, wadl, ys = _year(company, as_of, end)
    fit_cards, fit_wadl, fit_ys = _year(company, as_of - timedelta(days=WINDOW_DAYS), as_of)
    score_bins = _fit([_band_of_score(c.score) for c in fit_cards], fit_ys)
    days_bins = _fit([_band_of_days(fit_wadl[i]) for i in range(len(fit_cards))], fit_ys)
    card_pds = [float(c.pd) for c in cards]
    fitted = [score_bins[_band_of_score(c.score)] for c in cards] if score_bins else None
    calibrated = fitted is not None and (brier(fitted, ys) or 1) < (brier(card_pds, ys) or 1)
    pds = fitted if calibrated and fitted is not None else card_pds
    days = [wadl[i] for i in range(len(cards))]
    days_pds = [days_bins[_band_of_days(d)] for d in days] if days_bins else None
    outcomes = {c.customer: y for c, y in zip(cards, ys, strict=True)}
    return {
        "as_of": as_of.isoformat(),
        "until": end.isoformat(),
        "n": len(cards),
        "positives": sum(ys),
        "model": {
            "auc": _rounded(auc([-float(c.score) for c in cards], ys)),
            "brier": _rounded(brier(pds, ys)),
            "calibrated": calibrated,
        },
        "baselines": {
            "days_late": {
                "auc": _rounded(auc(days, ys)),
                "brier": _rounded(brier(days_pds, ys)) if days_pds else None,
            },
            "altman": _altman_baseline(
                company, as_of, (cards, ys), (fit_cards, fit_ys), [-float(c.score) for c in cards]
            ),
        },
        "calibration": _calibration(
            cards, outcomes, dict(zip([c.customer for c in cards], pds, strict=True))
        ),
    }


def backtest_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"
