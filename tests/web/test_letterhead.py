"""The company's letterhead and sender, set on the settings page, checked, audited."""

from __future__ import annotations

import pytest

from creditpilot.audit.models import AuditEvent
from creditpilot.companies.models import Company

pytestmark = [pytest.mark.store]


def test_the_letterhead_is_saved_and_a_wrong_iban_refused(world):
    client = world.client("adam")
    url = f"/c/{world.a.code}/settings/"
    form = {
        "name": world.a.name,
        "default_terms": "NET30",
        "siren": "552 100 554",
        "address": "3 rue des Lilas\n69003 Lyon",
        "phone": "04 72 00 00 00",
        "sender_email": "relances@acme-holding.fr",
        "iban": "FR76 3000 6000 0112 3456 7890 188",
        "bic": "AGRIFRPP",
        "legal_mentions": "",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "IBAN invalide" in refused.content.decode()
    assert (
        client.post(url, {**form, "iban": "FR76 3000 6000 0112 3456 7890 189"}).status_code == 302
    )
    company = Company.objects.get(pk=world.a.pk)
    assert (company.siren, company.iban, company.sender_email) == (
        "552100554",
        "FR7630006000011234567890189",
        "relances@acme-holding.fr",
    )
    event = AuditEvent.objects.filter(action="settings_changed").latest("id")
    assert event.after["iban"] == "FR7630006000011234567890189"
    # an older form without the letterhead leaves it as it is
    assert client.post(url, {"name": "Acme Holding", "default_terms": "NET30"}).status_code == 302
    assert Company.objects.get(pk=world.a.pk).iban == "FR7630006000011234567890189"
