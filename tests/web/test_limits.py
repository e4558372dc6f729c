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
