"""Credit limits asked for and granted within delegations, in the customer page, audited."""

from __future__ import annotations

import html

import pytest

from creditpilot.accounts.services import do_add_user
from creditpilot.audit.models import AuditEvent
from creditpilot.customers.models import Customer
from creditpilot.risk.models import LimitRequest
from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.store]


@pytest.fixture
def people(world):
    do_add_user("colin", password=PASSWORD, companies=[world.a], role="collector")
    do_add_user("mona", password=PASSWORD, companies=[world.a], role="management")
    return world


def test_a_limit_within_the_delegation_is_granted_at_once(people):
    url = f"/c/{people.a.code}/customers/GLOBEX/limit/"
    people.client("colin").post(url, {"amount": "8 000,00", "reason": "bon payeur"})
    globex = Customer.objects.get(company=people.a, code="GLOBEX")
    assert globex.credit_limit == 8_000_00
    assert LimitRequest.objects.get().status == "approved"
    assert AuditEvent.objects.filter(action="limit_approved").count() == 1


def test_above_the_delegation_it_waits_for_someone_who_may_grant_it(people):
    url = f"/c/{people.a.code}/customers/GLOBEX/limit/"
    people.client("colin").post(url, {"amount": "250000", "reason": "gros contrat"})
    request = LimitRequest.objects.get()
    assert request.status == "pending"
    assert Customer.objects.get(company=people.a, code="GLOBEX").credit_limit is None
    # a credit manager's delegation (100,000 EUR) does not cover it; management's does
    refused = people.client("alice").post(
        url, {"decision": "approve", "request": request.pk}, follow=True
    )
    assert "Ce plafond dépasse votre délégation." in html.unescape(refused.content.decode())
    page = html.unescape(
        people.client("mona").get(f"/c/{people.a.code}/customers/GLOBEX/").content.decode()
    )
    assert "en attente de décision" in page and "Accorder" in page
    people.client("mona").post(url, {"decision": "approve", "request": request.pk})
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", "mona")
    assert Customer.objects.get(company=people.a, code="GLOBEX").credit_limit == 250_000_00


def test_an_auditor_asks_for_nothing_and_a_reason_is_needed(people):
    url = f"/c/{people.a.code}/customers/GLOBEX/limit/"
    assert people.client("audrey").post(url, {"amount": "1", "reason": "x"}).status_code == 403
    missing = people.client("colin").post(url, {"amount": "100", "reason": ""}, follow=True)
    assert "Indiquez pourquoi ce plafond est demandé." in html.unescape(missing.content.decode())
    assert not LimitRequest.objects.exists()


def test_the_page_gives_the_policys_reasons_and_records_the_insurance(people):
    Customer.objects.filter(company=people.a, code="GLOBEX").update(rating="C")
    url = f"/c/{people.a.code}/customers/GLOBEX/"
    page = html.unescape(people.client("alice").get(url).content.decode())
    assert "garantie demandée à cette note : assurance-crédit" in page
    assert (
        "la politique de crédit demande une garantie (assurance-crédit) en note C : aucune n'est enregistrée"
        in page
    )
    people.client("alice").post(
        url + "cover/",
        {
            "insurer": "Allianz Trade",
            "insured_amount": "40 000,00",
            "insurance_decided": "2026-01-15",
            "insurance_expires": "2099-12-31",
            "guarantee": "none",
            "guarantee_amount": "",
            "review_date": "2026-01-31",
        },
    )
    page = html.unescape(people.client("alice").get(url).content.decode())
    assert "Assurance-crédit : Allianz Trade" in page and "revue à faire" in page
    assert "aucune n'est enregistrée" not in page
    event = AuditEvent.objects.get(action="cover_changed")
    assert event.after["insurer"] == "Allianz Trade"
    audit = html.unescape(people.client("adam").get(f"/c/{people.a.code}/audit/").content.decode())
    assert "a modifié les garanties du crédit de" in audit and "Assureur-crédit" in audit
    # a bad date is refused, nothing changes; an auditor changes nothing
    refused = people.client("alice").post(
        url + "cover/", {"insurer": "X", "insurance_expires": "31/12/2026"}, follow=True
    )
    assert "Un montant ou une date n'est pas valide." in html.unescape(refused.content.decode())
    assert people.client("audrey").post(url + "cover/", {"insurer": "Y"}).status_code == 403
    assert AuditEvent.objects.filter(action="cover_changed").count() == 1


def test_the_policy_is_set_on_the_settings_page_by_who_may(people):
    url = f"/c/{people.a.code}/settings/"
    page = html.unescape(people.client("alice").get(url).content.decode())
    assert "Politique de crédit" in page and "caution bancaire" in page
    values = {}
    for rating, days, months, equity, guarantee in [
        ("A", "60", "3", "20", "none"),
        ("B", "60", "2,5", "15", "none"),
        ("C", "45", "1,5", "10", "credit_insurance"),
        ("D", "30", "1", "5", "bank_guarantee"),
        ("E", "0", "0", "0", "prepayment"),
    ]:
        values |= {
            f"days_{rating}": days,
            f"months_{rating}": months,
            f"equity_{rating}": equity,
            f"guarantee_{rating}": guarantee,
        }
    assert people.client("sam").post(url + "policy/", values).status_code == 403
    done = people.client("adam").post(url + "policy/", values, follow=True)
    assert "Politique de crédit enregistrée." in html.unescape(done.content.decode())
    assert AuditEvent.objects.filter(action="policy_changed").count() == 1  # B alone changed
    bad = people.client("adam").post(url + "policy/", values | {"months_B": "deux"}, follow=True)
    assert "Un nombre de la politique n'est pas valide." in html.unescape(bad.content.decode())
