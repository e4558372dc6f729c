"""The month end's provisions in the app: read in French, approved by who may, downloaded."""

from __future__ import annotations

import html
from datetime import date

import pytest

from creditpilot.audit.models import AuditEvent
from creditpilot.risk.models import ProvisionRun
from creditpilot.risk.provisions import do_propose_provisions

pytestmark = [pytest.mark.store]


def test_the_month_end_is_read_approved_and_downloaded(world):
    run = do_propose_provisions(world.a, date(2027, 1, 31))
    assert run.lines, "the hand ledger has invoices over 180 days late by then"
    url = f"/c/{world.a.code}/provisions/"
    page = html.unescape(world.client("alice").get(url).content.decode())
    assert "Provisions pour créances douteuses" in page and "à valider" in page
    assert "Valider ces provisions" in page and "plus de 180 jours de retard" in page
    # a sales user reads, does not approve; another company's user sees nothing of it
    assert "Valider ces provisions" not in world.client("sam").get(url).content.decode()
    assert world.client("sam").post(url + "approve/", {"month": "2027-01-31"}).status_code == 403
    assert "2027" not in world.client("bob").get(f"/c/{world.b.code}/provisions/").content.decode()
    assert world.client("bob").post(url + "approve/", {"month": "2027-01-31"}).status_code == 404
    done = world.client("alice").post(url + "approve/", {"month": "2027-01-31"}, follow=True)
    assert "Provisions validées." in html.unescape(done.content.decode())
    run.refresh_from_db()
    assert run.status == ProvisionRun.Status.APPROVED and run.approved_by == "alice"
    audit = html.unescape(world.client("adam").get(f"/c/{world.a.code}/audit/").content.decode())
    assert "a validé les provisions pour créances douteuses au 2027-01-31" in audit
    fec = world.client("audrey").get(url + "2027-01-31/fec/")
    assert fec.status_code == 200 and fec.content.decode().startswith("JournalCode|")
    assert "681740" in fec.content.decode()
    assert world.client("sam").get(url + "2027-01-31/fec/").status_code == 403
    assert AuditEvent.objects.filter(action="provisions_approved").count() == 1


def test_the_month_s_write_offs_are_listed_with_their_vat(world):
    run = do_propose_provisions(world.a, date(2027, 1, 31))
    line = run.lines[0]
    run.writeoffs = [
        {**line, "case": 1, "day": "2027-01-20", "open": 1_200_00, "open_excl_vat": 1_000_00,
         "vat": 200_00, "vat_known": True},
    ]  # fmt: skip
    run.save()
    page = html.unescape(
        world.client("alice").get(f"/c/{world.a.code}/provisions/").content.decode()
    )
    assert "Passées en perte dans le mois" in page and "TVA régularisée" in page
    assert "1 000,00 €" in page.replace("\u202f", " ").replace("\xa0", " ")
