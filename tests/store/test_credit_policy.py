"""The credit policy: the recommended limit with its reasons, guarantees, insurance, reviews."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.companies.models import Company
from creditpilot.companies.services import do_init
from creditpilot.core.errors import InvalidInputError
from creditpilot.customers.models import Customer
from creditpilot.receivables.customers import do_import_customers
from creditpilot.receivables.invoices import do_import_invoices
from creditpilot.risk.alerts import do_alerts
from creditpilot.risk.credit import credit_check
from creditpilot.risk.models import Alert, CreditPolicy, FinancialStatement
from creditpilot.risk.policy import (
    CoverValues,
    PolicyRow,
    company_policy,
    do_set_cover,
    do_set_policy,
    recommendation,
)

pytestmark = [pytest.mark.store, pytest.mark.django_db]
TODAY = date(2026, 6, 30)
ME = Actor("alice")


@pytest.fixture
def company(tmp_path) -> Company:
    company = do_init()
    (tmp_path / "c.csv").write_text(
        "code,name,siren,country,segment,payment_terms\n"
        "ACME,Acme SARL,,FR,PME,NET30\nSLOW,Slow SA,,FR,PME,EOM45\n"
    )
    do_import_customers(company, tmp_path / "c.csv")
    # 120,000.00 of sales to ACME over the 12 months to TODAY (one invoice dated before them)
    (tmp_path / "i.csv").write_text(
        "customer_code,number,date,due_date,amount,currency\n"
        + "".join(f"ACME,F{m},2026-{m:02d}-05,2026-{m:02d}-28,10000.00,EUR\n" for m in range(1, 7))
        + "".join(f"ACME,G{m},2025-{m:02d}-05,2025-{m:02d}-28,10000.00,EUR\n" for m in range(7, 13))
        + "ACME,OLD,2025-06-30,2025-07-30,99999.00,EUR\n"
        + "SLOW,S1,2026-06-01,2026-08-31,3000.00,EUR\n"
    )
    do_import_invoices(company, tmp_path / "i.csv")
    return company


def _customer(company: Company, code: str, rating: str) -> Customer:
    Customer.objects.filter(company=company, code=code).update(rating=rating)
    return Customer.objects.get(company=company, code=code)


def test_months_of_sales_by_rating_rounded_down_to_the_hundred(company):
    advice = recommendation(_customer(company, "ACME", "B"), TODAY)
    # 120,000.00 / 12 = 10,000.00 a month, 2 months at rating B
    assert advice.limit == 20_000_00 and advice.guarantee == "none"
    assert advice.reasons[0].replace("\u202f", " ").replace("\u00a0", " ") == (
        "2 mois de ses ventes des 12 derniers mois (10 000,00 € par mois) : 20 000,00 €"
    )
    assert recommendation(_customer(company, "ACME", "C"), TODAY).limit == 15_000_00
    assert recommendation(_customer(company, "ACME", "E"), TODAY).limit == 0
    assert recommendation(_customer(company, "ACME", ""), TODAY).limit is None


def test_equity_caps_it_and_negative_equity_leaves_nothing_unsecured(company):
    acme = _customer(company, "ACME", "B")
    FinancialStatement.objects.create(
        company=company, customer=acme, year_end=date(2025, 12, 31), equity=100_000_00
    )
    advice = recommendation(acme, TODAY, "en")
    # 15 % of 100,000.00 = 15,000.00 < 20,000.00 from the sales
    assert advice.limit == 15_000_00
    assert "at most 15 % of its equity (€100,000.00 at 31/12/2025): €15,000.00" in advice.reasons
    FinancialStatement.objects.create(
        company=company, customer=acme, year_end=date(2026, 3, 31), equity=-5_000_00
    )
    advice = recommendation(acme, TODAY, "en")
    assert advice.limit == 0 and "negative equity at 31/03/2026" in advice.reasons[-1]
    # a statement closed after the day is not known yet
    assert recommendation(acme, date(2026, 3, 30), "en").limit == 15_000_00


def test_an_insurers_larger_cover_raises_it_while_in_force(company):
    acme = _customer(company, "ACME", "C")
    do_set_cover(
        company,
        acme,
        CoverValues(
            insurer="Allianz Trade",
            insured_amount=50_000_00,
            insurance_decided=date(2026, 1, 15),
            insurance_expires=date(2026, 12, 31),
        ),
        ME,
    )
    advice = recommendation(acme, TODAY, "en")
    assert advice.limit == 50_000_00 and not advice.guarantee_missing
    assert "Allianz Trade covers €50,000.00 until 31/12/2026" in advice.reasons[-1]
    # before the decision and after the end, the cover counts for nothing
    before = recommendation(acme, date(2026, 1, 10), "en")
    assert before.limit < 50_000_00 and before.guarantee_missing
    after = recommendation(acme, date(2027, 1, 1), "en")
    assert after.guarantee_missing
    assert (
        "the credit policy asks for a guarantee (credit insurance) at rating C: none is recorded"
        in after.reasons
    )


def test_terms_longer_than_the_rating_allows_are_said(company):
    slow = _customer(company, "SLOW", "D")
    advice = recommendation(slow, TODAY, "fr")
    # 45 days end of month: up to 75 days, over the 30 days of rating D
    assert advice.terms_beyond_policy
    assert "délai accordé de 75 jours au plus, au-delà des 30 jours de la note D" in advice.reasons
    assert not recommendation(_customer(company, "ACME", "D"), TODAY).terms_beyond_policy


def test_the_companys_policy_replaces_the_default_and_is_audited(company):
    rows = list(company_policy(company).values())
    rows[1] = PolicyRow("B", 45, Decimal("2.5"), Decimal(15), "deposit")
    do_set_policy(company, rows, ME)
    assert CreditPolicy.objects.filter(company=company).count() == 5
    assert company_policy(company)["B"].sales_months == Decimal("2.5")
    event = AuditEvent.objects.get(action="policy_changed")
    assert event.object_ref == "B" and event.after["sales_months"] == "2.5"
    advice = recommendation(_customer(company, "ACME", "B"), TODAY, "en")
    assert advice.limit == 25_000_00 and advice.guarantee == "deposit" and advice.guarantee_missing
    do_set_cover(company, _customer(company, "ACME", "B"), CoverValues(guarantee="deposit"), ME)
    assert not recommendation(_customer(company, "ACME", "B"), TODAY).guarantee_missing


@pytest.mark.parametrize(
    "row",
    [
        PolicyRow("B", 400, Decimal(2), Decimal(15), "none"),
        PolicyRow("B", 60, Decimal(30), Decimal(15), "none"),
        PolicyRow("B", 60, Decimal(2), Decimal(150), "none"),
        PolicyRow("B", 60, Decimal(2), Decimal(15), "gold"),
        PolicyRow("Z", 60, Decimal(2), Decimal(15), "none"),
    ],
)
def test_a_bad_policy_row_is_refused_and_nothing_is_saved(company, row):
    good = PolicyRow("A", 30, Decimal(1), Decimal(5), "none")
    with pytest.raises(InvalidInputError):
        do_set_policy(company, [good, row], ME)
    assert not CreditPolicy.objects.exists() and not AuditEvent.objects.filter(
        action="policy_changed"
    )


@pytest.mark.parametrize(
    ("values", "code"),
    [
        (CoverValues(insurer="X", insured_amount=-1), "negative_amount"),
        (
            CoverValues(
                insurer="X",
                insured_amount=1,
                insurance_decided=date(2026, 5, 1),
                insurance_expires=date(2026, 4, 1),
            ),
            "expires_before_decided",
        ),
        (CoverValues(insured_amount=10_000_00), "insurer_missing"),
        (CoverValues(guarantee="gold"), "bad_guarantee"),
    ],
)
def test_a_bad_cover_is_refused(company, values, code):
    with pytest.raises(InvalidInputError) as err:
        do_set_cover(company, _customer(company, "ACME", "B"), values, ME)
    assert err.value.code == code
    assert not AuditEvent.objects.filter(action="cover_changed").exists()


def test_review_dates_and_ending_covers_are_said_once_by_the_daily_alerts(company):
    acme = _customer(company, "ACME", "B")
    do_set_cover(
        company,
        acme,
        CoverValues(
            insurer="Coface",
            insured_amount=30_000_00,
            insurance_expires=TODAY + timedelta(days=40),
            review_date=TODAY + timedelta(days=2),
        ),
        ME,
    )
    assert AuditEvent.objects.get(action="cover_changed").after["insured_amount"] == "30000.00"
    kinds = []
    for n in range(15):
        day = TODAY + timedelta(days=n)
        do_alerts(company, day)
        kinds += [(a.kind, (a.day - TODAY).days) for a in Alert.objects.filter(day=day)]
    assert kinds == [("review", 2), ("insurance", 10)]
    insurance = Alert.objects.get(kind="insurance")
    assert insurance.detail == {"day": "09/08/2026", "insurer": "Coface"}


def test_the_credit_check_holds_an_order_without_the_guarantee_the_policy_asks_for(company):
    acme = _customer(company, "ACME", "C")
    Customer.objects.filter(pk=acme.pk).update(credit_limit=500_000_00)
    acme.refresh_from_db()
    held = credit_check(company, acme, 100_00, TODAY)
    assert held.decision == "hold"
    assert "the credit policy asks for credit insurance at rating C" in held.reasons
    do_set_cover(company, acme, CoverValues(insurer="Atradius", insured_amount=50_000_00), ME)
    assert (
        "the credit policy asks for credit insurance at rating C"
        not in credit_check(company, acme, 100_00, TODAY).reasons
    )
