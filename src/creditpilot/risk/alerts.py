"""Early warnings (C7): each day's rules over the scores and the ledger, and the digest.

The rules, run by the daily run after the scores:

- limit: what the customer owes passes 90 % of its credit limit (it was under the day before);
- downgrade: its rating is worse than at its previous score;
- worse: it starts paying later and later (3 months more than 5 days behind 12 months);
- event: an external event about it was published that day;
- broken_promise: a promise it made was found broken that day;
- concentration: it comes to owe more than 10 % of all the company's receivables;
- review: the review date set for its limit has come;
- insurance: its credit insurance ends within 30 days.

Each alert is kept once per customer, day and kind; the watch-list shows them, and each
user with an email address gets the day's alerts of the customers they see, in one email.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formataddr

from django.contrib.auth import get_user_model
from django.db.models import Sum

from creditpilot.accounts.models import Membership
from creditpilot.collections.models import Promise
from creditpilot.collections.sending import DEFAULT_SENDER, SmtpServer, configured_server
from creditpilot.companies.models import Company
from creditpilot.core.scorecard import RATINGS, WORST_RATING
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document
from creditpilot.risk.models import Alert, CreditCover, ExternalEvent, RiskScore

logger = logging.getLogger(__name__)
# in tenths, so that amounts in cents are compared as integers
LIMIT_TENTHS = 9  # 90 % of the credit limit
CONCENTRATION_TENTHS = 1  # 10 % of the receivables
RANK = {r: n for n, r in enumerate([*(r for r, _ in RATINGS), WORST_RATING])}

WORDS = {
    "limit": ("encours à {usage} % du plafond", "{usage} % of its credit limit in use"),
    "downgrade": (
        "note dégradée de {before} à {after}",
        "rating downgraded from {before} to {after}",
    ),
    "worse": ("paie de plus en plus tard", "pays later and later"),
    "event": ("événement publié : {kind}", "event published: {kind}"),
    "broken_promise": ("promesse de paiement non tenue", "broken promise to pay"),
    "concentration": (
        "concentre {share} % des créances de l'entreprise",
        "holds {share} % of the company's receivables",
    ),
    "review": ("revue du plafond prévue le {day}", "limit review due on {day}"),
    "insurance": (
        "l'assurance-crédit ({insurer}) prend fin le {day}",
        "the credit insurance ({insurer}) ends on {day}",
    ),
}
INSURANCE_NOTICE = timedelta(days=30)


EVENT_KINDS = {
    "safeguard": ("procédure de sauvegarde", "safeguard proceedings"),
    "receivership": ("redressement judiciaire", "receivership"),
    "liquidation": ("liquidation judiciaire", "liquidation"),
    "payment_incident": ("incident de paiement", "payment incident"),
    "rating_change": ("changement de cotation", "rating change"),
    "other": ("autre", "other"),
}


def alert_text(alert: Alert, language: str) -> str:
    french, english = WORDS[alert.kind]
    values = dict(alert.detail)
    if "kind" in values:
        names = EVENT_KINDS.get(values["kind"], (values["kind"], values["kind"]))
        values["kind"] = names[0] if language == "fr" else names[1]
    return (french if language == "fr" else english).format(**values)


def _owed(company: Company, as_of: date) -> dict[int, int]:
    return dict(
        Document.objects.filter(company=company, is_active=True, date__lte=as_of)
        .values_list("customer_id")
        .annotate(total=Sum("amount"))
        .values_list("customer_id", "total")
    )


def _limit_alerts(company: Company, as_of: date) -> Iterable[tuple[int, str, dict[str, str]]]:
    today, yesterday = _owed(company, as_of), _owed(company, as_of - timedelta(days=1))
    for customer_id, limit in Customer.objects.filter(
        company=company, credit_limit__gt=0
    ).values_list("id", "credit_limit"):
        now = today.get(customer_id, 0) or 0
        was = yesterday.get(customer_id, 0) or 0
        if now * 10 > LIMIT_TENTHS * limit >= was * 10:
            yield customer_id, Alert.Kind.LIMIT, {"usage": _percent(now, limit)}
    total = sum(v for v in today.values() if v and v > 0)
    total_before = sum(v for v in yesterday.values() if v and v > 0)
    for customer_id, owed in today.items():
        was = yesterday.get(customer_id, 0) or 0
        if (
            total
            and owed
            and owed * 10 > CONCENTRATION_TENTHS * total
            and not (total_before and was * 10 > CONCENTRATION_TENTHS * total_before)
        ):
            yield customer_id, Alert.Kind.CONCENTRATION, {"share": _percent(owed, total)}


def _percent(part: int, whole: int) -> str:
    """``part`` as a whole percentage of ``whole``, rounded half up, in integers.

    >>> _percent(9_500_00, 10_000_00), _percent(1, 3)
    ('95', '33')
    """
    return str((200 * part + whole) // (2 * whole))


def _score_alerts(company: Company, as_of: date) -> Iterable[tuple[int, str, dict[str, str]]]:
    today = {s.customer_id: s for s in RiskScore.objects.filter(company=company, day=as_of)}
    before = {
        customer_id: (rating, drivers)
        for customer_id, rating, drivers in RiskScore.objects.filter(
            company=company, day__lt=as_of, day__gte=as_of - timedelta(days=31)
        )
        .order_by("customer_id", "day")
        .values_list("customer_id", "rating", "drivers")
    }  # the latest before the day wins
    for customer_id, score in today.items():
        was, drivers_before = before.get(customer_id, (None, []))
        if was and RANK.get(score.rating, 0) > RANK.get(was, 0):
            yield customer_id, Alert.Kind.DOWNGRADE, {"before": was, "after": score.rating}
        # later and later: said the day it starts, not every day after
        if _worse(score.drivers) and not _worse(drivers_before):
            yield customer_id, Alert.Kind.WORSE, {}


def _worse(drivers: list[dict[str, str]]) -> bool:
    return any(d.get("code") == "worse_lately" for d in drivers)


def _day_alerts(company: Company, as_of: date) -> Iterable[tuple[int, str, dict[str, str]]]:
    for customer_id, kind in ExternalEvent.objects.filter(company=company, day=as_of).values_list(
        "customer_id", "kind"
    ):
        yield customer_id, Alert.Kind.EVENT, {"kind": kind}
    for customer_id in Promise.objects.filter(
        company=company, status=Promise.Status.BROKEN, resolved_on=as_of
    ).values_list("customer_id", flat=True):
        yield customer_id, Alert.Kind.BROKEN_PROMISE, {}


def _cover_alerts(company: Company, as_of: date) -> Iterable[tuple[int, str, dict[str, str]]]:
    """Said once: the first run on or after the review date, and 30 days before the cover ends."""
    said = {
        (customer_id, kind): day
        for customer_id, kind, day in Alert.objects.filter(
            company=company, kind__in=(Alert.Kind.REVIEW, Alert.Kind.INSURANCE)
        )
        .order_by("day")
        .values_list("customer_id", "kind", "day")
    }  # the latest of each wins
    for customer_id, review in CreditCover.objects.filter(
        company=company, review_date__lte=as_of
    ).values_list("customer_id", "review_date"):
        last = said.get((customer_id, Alert.Kind.REVIEW))
        if last is None or last < review:
            yield customer_id, Alert.Kind.REVIEW, {"day": review.strftime("%d/%m/%Y")}
    for customer_id, ends, insurer in CreditCover.objects.filter(
        company=company,
        insured_amount__gt=0,
        insurance_expires__gte=as_of,
        insurance_expires__lte=as_of + INSURANCE_NOTICE,
    ).values_list("customer_id", "insurance_expires", "insurer"):
        last = said.get((customer_id, Alert.Kind.INSURANCE))
        if last is None or last < ends - INSURANCE_NOTICE:
            yield (
                customer_id,
                Alert.Kind.INSURANCE,
                {"day": ends.strftime("%d/%m/%Y"), "insurer": insurer},
            )


def do_alerts(company: Company, as_of: date) -> int:
    """Run the rules for the day; returns how many new alerts were raised."""
    found = [
        *_limit_alerts(company, as_of),
        *_score_alerts(company, as_of),
        *_day_alerts(company, as_of),
        *_cover_alerts(company, as_of),
    ]
    known = set(Alert.objects.filter(company=company, day=as_of).values_list("customer_id", "kind"))
    new = [
        Alert(company=company, customer_id=c, day=as_of, kind=k, detail=d)
        for c, k, d in {(c, k): (c, k, d) for c, k, d in found}.values()
        if (c, k) not in known
    ]
    Alert.objects.bulk_create(new, batch_size=2000)
    return len(new)


def do_send_digests(company: Company, as_of: date, server: SmtpServer | None = None) -> int:
    """Each user with an email address gets the day's alerts of the customers they see."""
    server = server or configured_server()
    alerts = list(Alert.objects.filter(company=company, day=as_of).select_related("customer"))
    if server is None or not alerts:
        return 0
    sent = 0
    users = (
        get_user_model()
        .objects.filter(memberships__company=company, is_active=True)
        .exclude(email="")
    )
    grants = {
        user_id: (role, rep)
        for user_id, role, rep in Membership.objects.filter(company=company).values_list(
            "user_id", "role", "sales_rep"
        )
    }
    smtp = server.connect()
    try:
        for user in users:
            role, rep = grants.get(user.pk, ("", ""))
            seen = [a for a in alerts if _sees(role, rep, a.customer)]
            if seen:
                smtp.send_message(_digest(company, as_of, user.email, seen))
                sent += 1
    finally:
        smtp.quit()
    return sent


def _sees(role: str, sales_rep: str, customer: Customer) -> bool:
    """A sales user hears of their own customers only, as on the pages."""
    if role == "sales":
        return customer.sales_rep == sales_rep
    return bool(role)


def _digest(company: Company, as_of: date, to: str, alerts: list[Alert]) -> EmailMessage:
    email = EmailMessage()
    sender = company.sender_email or DEFAULT_SENDER
    email["From"] = formataddr((f"creditpilot – {company.name}", sender))
    email["To"] = to
    email["Subject"] = f"Alertes du {as_of.strftime('%d/%m/%Y')} – {company.name} ({len(alerts)})"
    lines = [f"Alertes du {as_of.strftime('%d/%m/%Y')} :", ""]
    for alert in alerts:
        lines.append(f"- {alert.customer.name} ({alert.customer.code}) : {alert_text(alert, 'fr')}")
    email.set_content("\n".join(lines) + "\n")
    logger.info("alert digest to %s: %s alerts", to, len(alerts))
    return email
