"""The credit policy (C3): by rating, the longest terms, the limit formula and the guarantee.

A company's policy has one row per rating. Missing rows take the default, a French SME's:

| rating | longest terms | limit: months of sales | at most, of equity | guarantee |
| --- | --- | --- | --- | --- |
| A | 60 days | 3 | 20 % | none |
| B | 60 days | 2 | 15 % | none |
| C | 45 days | 1.5 | 10 % | credit insurance |
| D | 30 days | 1 | 5 % | bank guarantee |
| E | on receipt | 0 | 0 % | prepayment |

The recommended limit of a customer, with its reasons: its average monthly sales over 12
months times the months its rating deserves; no more than the share of its equity in its
latest financial statements, where they are known; and, where an insurer covers more, the
cover in force. Rounded down to the hundred. A guarantee the policy asks for and that is
not held, and terms longer than the rating allows, are said beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import connection, transaction
from django.db.models import Sum

from creditpilot.audit.services import Actor, record
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError
from creditpilot.core.formats import money_text, short_date
from creditpilot.core.money import format_cents
from creditpilot.core.terms import parse_terms
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document
from creditpilot.risk.models import CreditCover, CreditPolicy, FinancialStatement, Guarantee

RATING_ORDER = "ABCDE"
DEFAULT_POLICY: dict[str, tuple[int, Decimal, Decimal, str]] = {
    "A": (60, Decimal(3), Decimal(20), Guarantee.NONE),
    "B": (60, Decimal(2), Decimal(15), Guarantee.NONE),
    "C": (45, Decimal("1.5"), Decimal(10), Guarantee.CREDIT_INSURANCE),
    "D": (30, Decimal(1), Decimal(5), Guarantee.BANK_GUARANTEE),
    "E": (0, Decimal(0), Decimal(0), Guarantee.PREPAYMENT),
}
GUARANTEES = {
    "none": ("aucune", "none"),
    "prepayment": ("paiement d'avance", "prepayment"),
    "deposit": ("acompte", "deposit"),
    "bank_guarantee": ("caution bancaire", "bank guarantee"),
    "credit_insurance": ("assurance-crédit", "credit insurance"),
}
WORDS = {
    "no_rating": (
        "pas encore de note : pas de recommandation",
        "no rating yet: no recommendation",
    ),
    "sales": (
        "{months} mois de ses ventes des 12 derniers mois ({monthly} par mois) : {amount}",
        "{months} months of its sales over the last 12 months ({monthly} a month): {amount}",
    ),
    "no_sales": (
        "aucune vente depuis 12 mois : rien sur ses ventes",
        "no sales in 12 months: nothing from its sales",
    ),
    "equity": (
        "au plus {percent} % de ses capitaux propres ({equity} au {year_end}) : {amount}",
        "at most {percent} % of its equity ({equity} at {year_end}): {amount}",
    ),
    "negative_equity": (
        "capitaux propres négatifs au {year_end} : rien à découvert",
        "negative equity at {year_end}: nothing unsecured",
    ),
    "insured": (
        "{insurer} couvre {amount} jusqu'au {expires} : le plafond suit la garantie",
        "{insurer} covers {amount} until {expires}: the limit follows the cover",
    ),
    "insured_less": (
        "{insurer} couvre {amount} jusqu'au {expires}",
        "{insurer} covers {amount} until {expires}",
    ),
    "guarantee_missing": (
        "la politique de crédit demande une garantie ({guarantee}) en note {rating} : "
        "aucune n'est enregistrée",
        "the credit policy asks for a guarantee ({guarantee}) at rating {rating}: none is recorded",
    ),
    "terms_beyond": (
        "délai accordé de {days} jours au plus, au-delà des {max} jours de la note {rating}",
        "terms of up to {days} days, beyond the {max} days of rating {rating}",
    ),
}
NO_EXPIRY = ("sans échéance", "no end date")


@dataclass(frozen=True)
class PolicyRow:
    rating: str
    max_terms_days: int
    sales_months: Decimal
    equity_percent: Decimal
    guarantee: str


@dataclass
class Recommendation:
    limit: int | None  # cents; None while the customer has no rating
    rating: str
    guarantee: str  # what the policy asks for at the rating
    guarantee_missing: bool = False
    terms_beyond_policy: bool = False
    reasons: list[str] = field(default_factory=list)


def company_policy(company: Company) -> dict[str, PolicyRow]:
    """The company's policy, rating by rating (the default where it set nothing)."""
    rows = {r: PolicyRow(r, *DEFAULT_POLICY[r]) for r in RATING_ORDER}
    for p in CreditPolicy.objects.filter(company=company):
        rows[p.rating] = PolicyRow(
            p.rating, p.max_terms_days, p.sales_months, p.equity_percent, p.guarantee
        )
    return rows


def policy_guarantee(company: Company, rating: str) -> str:
    """The guarantee the company's policy asks for at ``rating`` ("none" without a rating)."""
    if rating not in DEFAULT_POLICY:
        return Guarantee.NONE
    # raw, on the credit check's path: the ORM takes longer to build it than SQLite to answer
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT guarantee FROM {CreditPolicy._meta.db_table} "
            "WHERE company_id = %s AND rating = %s",
            [company.pk, rating],
        )
        row = cursor.fetchone()
    set_by_company = row[0] if row else None
    return set_by_company or DEFAULT_POLICY[rating][3]


@transaction.atomic
def do_set_policy(company: Company, rows: list[PolicyRow], actor: Actor) -> None:
    """Replace the policy's rows given; each value checked, all or nothing."""
    before = company_policy(company)
    for row in rows:
        if row.rating not in DEFAULT_POLICY:
            raise InvalidInputError("bad_rating", f"no rating {row.rating!r} (A to E)")
        if not 0 <= row.max_terms_days <= 365:
            raise InvalidInputError("bad_terms_days", "the longest terms are 0 to 365 days")
        if not Decimal(0) <= row.sales_months <= Decimal(24):
            raise InvalidInputError("bad_months", "the months of sales are 0 to 24")
        if not Decimal(0) <= row.equity_percent <= Decimal(100):
            raise InvalidInputError("bad_percent", "the share of equity is 0 to 100 %")
        if row.guarantee not in GUARANTEES:
            raise InvalidInputError("bad_guarantee", f"no guarantee {row.guarantee!r}")
        CreditPolicy.objects.update_or_create(
            company=company,
            rating=row.rating,
            defaults={
                "max_terms_days": row.max_terms_days,
                "sales_months": row.sales_months,
                "equity_percent": row.equity_percent,
                "guarantee": row.guarantee,
            },
        )
    for row in rows:
        if before[row.rating] != row:
            record(
                "policy_changed",
                company_id=company.pk,
                actor=actor,
                object_type="policy",
                object_ref=row.rating,
                before=_row_json(before[row.rating]),
                after=_row_json(row),
            )


def _row_json(row: PolicyRow) -> dict[str, str | int]:
    return {
        "max_terms_days": row.max_terms_days,
        "sales_months": str(row.sales_months),
        "equity_percent": str(row.equity_percent),
        "guarantee": row.guarantee,
    }


def recommendation(
    customer: Customer, today: date, language: str = "fr", terms_code: str | None = None
) -> Recommendation:
    """The policy's limit for the customer and its reasons, in ``language``.

    ``terms_code``: the terms the customer has (its own, else the company's default)."""
    lang = 0 if language == "fr" else 1
    currency = customer.company.currency

    def say(key: str, **values: object) -> str:
        return WORDS[key][lang].format(**values)

    def money(cents: int) -> str:
        return money_text(cents, currency, language)

    rating = customer.rating
    if rating not in DEFAULT_POLICY:
        return Recommendation(None, "", Guarantee.NONE, reasons=[say("no_rating")])
    row = company_policy(customer.company)[rating]
    found = Recommendation(0, rating, row.guarantee)
    sales = int(
        Document.objects.filter(
            customer=customer,
            is_active=True,
            kind="invoice",
            date__gt=today - timedelta(days=365),
            date__lte=today,
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    own = _hundreds(Decimal(sales) / 12 * row.sales_months)
    if sales > 0:
        found.reasons.append(
            say(
                "sales",
                months=_number(row.sales_months, language),
                monthly=money(sales // 12),
                amount=money(own),
            )
        )
    else:
        found.reasons.append(say("no_sales"))
    statement = (
        FinancialStatement.objects.filter(
            customer=customer, year_end__lte=today, equity__isnull=False
        )
        .order_by("-year_end")
        .first()
    )
    if statement is not None and statement.equity is not None:
        year_end = short_date(statement.year_end, language)
        if statement.equity <= 0:
            own = 0
            found.reasons.append(say("negative_equity", year_end=year_end))
        else:
            cap = _hundreds(Decimal(statement.equity) * row.equity_percent / 100)
            if cap < own:
                own = cap
                found.reasons.append(
                    say(
                        "equity",
                        percent=_number(row.equity_percent, language),
                        equity=money(statement.equity),
                        year_end=year_end,
                        amount=money(cap),
                    )
                )
    found.limit = own
    cover = CreditCover.objects.filter(customer=customer).first()
    insured = cover.insured_on(today) if cover else 0
    if cover and insured:
        expires = (
            short_date(cover.insurance_expires, language)
            if cover.insurance_expires
            else NO_EXPIRY[lang]
        )
        insurer = cover.insurer or ("l'assureur", "the insurer")[lang]
        key = "insured" if insured > own else "insured_less"
        found.reasons.append(say(key, insurer=insurer, amount=money(insured), expires=expires))
        found.limit = max(own, _hundreds(Decimal(insured)))
    if row.guarantee != Guarantee.NONE and not _holds(cover, row.guarantee, today):
        found.guarantee_missing = True
        found.reasons.append(
            say("guarantee_missing", guarantee=GUARANTEES[row.guarantee][lang], rating=rating)
        )
    code = terms_code or customer.payment_terms or customer.company.default_terms
    try:
        days = parse_terms(code).longest_days
    except InvalidInputError:
        days = 0
    if days > row.max_terms_days:
        found.terms_beyond_policy = True
        found.reasons.append(say("terms_beyond", days=days, max=row.max_terms_days, rating=rating))
    return found


def guarantee_held(customer: Customer, guarantee: str, today: date) -> bool:
    """Whether the customer's recorded cover gives the ``guarantee`` on ``today``."""
    return _holds(CreditCover.objects.filter(customer=customer).first(), guarantee, today)


def _holds(cover: CreditCover | None, guarantee: str, today: date) -> bool:
    if cover is None:
        return False
    if guarantee == Guarantee.CREDIT_INSURANCE:
        return cover.insured_on(today) > 0
    return cover.guarantee == guarantee


def _hundreds(cents: Decimal) -> int:
    """Rounded down to the hundred euros (10,000 cents)."""
    return int((cents / 10000).to_integral_value(ROUND_DOWN)) * 10000


def _number(value: Decimal, language: str) -> str:
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if language == "fr" else text


@dataclass(frozen=True)
class CoverValues:
    insurer: str = ""
    insured_amount: int | None = None
    insurance_decided: date | None = None
    insurance_expires: date | None = None
    guarantee: str = Guarantee.NONE
    guarantee_amount: int | None = None
    review_date: date | None = None


@transaction.atomic
def do_set_cover(
    company: Company, customer: Customer, values: CoverValues, actor: Actor
) -> CreditCover:
    """Record what secures the customer's credit (insurer's cover, guarantee, review date)."""
    if customer.company_id != company.pk:
        raise InvalidInputError("unknown_customer", "no such customer in this company")
    for name in ("insured_amount", "guarantee_amount"):
        amount = getattr(values, name)
        if amount is not None and amount < 0:
            raise InvalidInputError("negative_amount", f"{name}: an amount is zero or more")
    if values.guarantee not in GUARANTEES:
        raise InvalidInputError("bad_guarantee", f"no guarantee {values.guarantee!r}")
    if (
        values.insurance_decided
        and values.insurance_expires
        and values.insurance_expires < values.insurance_decided
    ):
        raise InvalidInputError(
            "expires_before_decided", "the cover cannot end before it was decided"
        )
    if values.insured_amount and not values.insurer.strip():
        raise InvalidInputError("insurer_missing", "name the insurer of the cover")
    cover, _ = CreditCover.objects.select_for_update().get_or_create(
        customer=customer, defaults={"company": company}
    )
    before = _cover_json(cover)
    cover.insurer = values.insurer.strip()[:100]
    cover.insured_amount = values.insured_amount
    cover.insurance_decided = values.insurance_decided
    cover.insurance_expires = values.insurance_expires
    cover.guarantee = values.guarantee
    cover.guarantee_amount = values.guarantee_amount
    cover.review_date = values.review_date
    cover.updated_by = actor.username
    cover.save()
    record(
        "cover_changed",
        company_id=company.pk,
        actor=actor,
        object_type="customer",
        object_ref=customer.code,
        before=before,
        after=_cover_json(cover),
    )
    return cover


def _cover_json(cover: CreditCover) -> dict[str, str | None]:
    def day(d: date | None) -> str | None:
        return d.isoformat() if d else None

    def cents(c: int | None) -> str | None:
        return format_cents(c) if c is not None else None

    return {
        "insurer": cover.insurer,
        "insured_amount": cents(cover.insured_amount),
        "insurance_decided": day(cover.insurance_decided),
        "insurance_expires": day(cover.insurance_expires),
        "guarantee": cover.guarantee,
        "guarantee_amount": cents(cover.guarantee_amount),
        "review_date": day(cover.review_date),
    }
