"""The decision matrix: who decides each escalation by amount, rating and key customer; the
sales rep consulted first; each decision kept, audited; the matrix edited by who may."""

from __future__ import annotations

import html

import pytest

from creditpilot.accounts.services import do_add_user
from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.collections.decisions import (
    DEFAULT_MATRIX,
    Row,
    company_matrix,
    do_decide,
    do_set_matrix,
    verdict_for,
    who_decides,
)
from creditpilot.collections.models import CustomerProfile, Decision
from creditpilot.core.errors import InvalidInputError
from creditpilot.customers.models import Customer
from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.store]


def test_who_decides_by_amount_rating_and_key_customer():
    notice = DEFAULT_MATRIX["formal_notice"]
    assert who_decides(notice, 5_000_00, "C", False).role == "collector"
    assert who_decides(notice, 5_000_01, "C", False).role == "credit_manager"
    assert who_decides(notice, 50_000_01, "C", False).role == "management"
    assert not who_decides(notice, 1_00, "C", False).consult_sales
    assert who_decides(notice, 1_00, "B", False).consult_sales  # a customer worth keeping
    assert who_decides(notice, 1_00, "D", True).consult_sales  # a key customer
    write_off = DEFAULT_MATRIX["write_off"]
    assert who_decides(write_off, 1_000_00, "E", False).role == "credit_manager"
    assert who_decides(write_off, 1_000_01, "E", False).role == "management"
    unbounded = Row("lawyer", 0, None, consult_sales=False)
    assert who_decides(unbounded, 10**12, "A", True) == type(who_decides(unbounded, 1, "A", True))(
        "credit_manager", False
    )


def test_a_decision_belongs_to_the_role_the_matrix_names(world):
    do_add_user("colin", password=PASSWORD, companies=[world.a], role="collector")
    globex = Customer.objects.get(company=world.a, code="GLOBEX")
    Customer.objects.filter(pk=globex.pk).update(rating="D")
    globex.refresh_from_db()
    with pytest.raises(InvalidInputError) as err:
        do_decide(world.a, globex, "lawyer", 12_000_00, True, "impayé", False, Actor("alice"),
                  "credit_manager")  # fmt: skip
    assert err.value.params["needed"] == "management"
    made = do_decide(world.a, globex, "lawyer", 12_000_00, True, "impayé depuis 6 mois", False,
                     Actor("mona"), "management")  # fmt: skip
    assert (made.decided_by, made.role, made.approved) == ("mona", "management", True)
    # a key customer: the sales rep first
    CustomerProfile.objects.create(company=world.a, customer=globex, key_customer=True)
    assert verdict_for(world.a, globex, "formal_notice", 1_000_00).consult_sales
    with pytest.raises(InvalidInputError):
        do_decide(world.a, globex, "formal_notice", 1_000_00, True, "relances sans effet",
                  False, Actor("colin"), "collector")  # fmt: skip
    do_decide(world.a, globex, "formal_notice", 1_000_00, True, "relances sans effet", True,
              Actor("colin"), "collector")  # fmt: skip
    with pytest.raises(InvalidInputError):
        do_decide(world.a, globex, "formal_notice", 1_000_00, True, "  ", True, Actor("colin"),
                  "collector")  # fmt: skip
    assert AuditEvent.objects.filter(action="escalation_decided").count() == 2


def test_the_matrix_page_and_the_customer_page_in_french(world):
    url = f"/c/{world.a.code}/decisions/"
    page = html.unescape(world.client("alice").get(url).content.decode())
    assert "Matrice de décision" in page and "Injonction de payer" in page
    assert "le credit manager jusqu'à 10" in page and "la direction au-delà" in page
    values = {}
    for action in company_matrix(world.a):
        values[f"collector_{action}"] = "0"
        values[f"manager_{action}"] = "25 000,00" if action == "lawyer" else ""
    assert world.client("sam").post(url, values).status_code == 403
    world.client("adam").post(url, values)
    assert company_matrix(world.a)["lawyer"] == Row("lawyer", 0, 25_000_00, False)
    assert company_matrix(world.a)["write_off"].manager_up_to is None
    bad = world.client("adam").post(url, values | {"manager_lawyer": "beaucoup"}, follow=True)
    assert "Un montant n'est pas valide." in html.unescape(bad.content.decode())
    with pytest.raises(InvalidInputError):
        do_set_matrix(world.a, [Row("lawyer", 5_00, 1_00)], Actor("adam"))

    customer = f"/c/{world.a.code}/customers/INITECH/"
    body = html.unescape(world.client("alice").get(customer).content.decode())
    assert "Décider d'une escalade" in body and "Mise en demeure" in body
    refused = world.client("alice").post(
        customer + "decide/",
        {"action": "lawyer", "amount": "30 000", "reason": "irrécouvrable",
         "decision": "approve"},
        follow=True,
    )  # fmt: skip
    assert "Cette décision revient à la direction." in html.unescape(refused.content.decode())
    world.client("alice").post(
        customer + "decide/",
        {"action": "lawyer", "amount": "2 000", "reason": "dossier complet", "decision": "approve"},
    )
    assert Decision.objects.get(company=world.a).action == "lawyer"
    assert world.client("bob").post(customer + "decide/", {"action": "lawyer"}).status_code == 404
    audit = html.unescape(world.client("adam").get(f"/c/{world.a.code}/audit/").content.decode())
    assert "escalation decided" not in audit
