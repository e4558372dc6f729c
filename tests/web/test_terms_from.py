"""The customer form dates a change of terms: invoices issued before keep theirs."""

from __future__ import annotations

import pytest
import time_machine

from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document

pytestmark = [pytest.mark.store, pytest.mark.django_db]


def due(world, number):
    return Document.objects.get(company=world.a, number=number).due_date.isoformat()


def test_new_terms_apply_from_the_date_the_form_gives(world):
    client = world.client("alice")
    url = f"/c/{world.a.code}/customers/GLOBEX/edit/"
    with time_machine.travel("2026-06-30 10:00 +0200", tick=False):
        # Globex's first terms apply from the start: FA003 (03-01) and FA004 (04-15) move
        assert client.post(url, {"payment_terms": "NET60"}).status_code == 302
        assert (due(world, "FA003"), due(world, "FA004")) == ("2026-04-30", "2026-06-14")
        # then EOM45 for invoices from 2026-04-01: FA004 -> 05-30 end of month; FA003 stays
        response = client.post(url, {"payment_terms": "EOM45", "terms_from": "2026-04-01"})
        page = client.get(f"/c/{world.a.code}/customers/GLOBEX/").content.decode()
    assert response.status_code == 302
    assert (due(world, "FA003"), due(world, "FA004")) == ("2026-04-30", "2026-05-31")
    globex = Customer.objects.get(company=world.a, code="GLOBEX")
    assert [(t.terms, str(t.effective_from)) for t in globex.terms_history.all()] == [
        ("NET60", "None"),
        ("EOM45", "2026-04-01"),
    ]
    assert 'type="date"' in page and 'name="terms_from"' in page
