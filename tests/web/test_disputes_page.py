"""Disputes to their resolution: an owner and a deadline, the owner's worklist past it, the
resolution, the statistics by reason and owner; audited, scoped, in French."""

from __future__ import annotations

import html
from datetime import date

import pytest

from creditpilot.accounts.services import do_add_user
from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.collections.disputes import (
    do_assign_dispute,
    do_resolve_dispute,
    overdue,
    statistics,
)
from creditpilot.collections.models import Dispute
from creditpilot.collections.services import do_add_dispute
from creditpilot.core.errors import InvalidInputError
from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.store]
OPENED = date(2026, 5, 1)


@pytest.fixture
def disputes(world):
    do_add_user("colin", password=PASSWORD, companies=[world.a], role="collector")
    do_add_dispute(world.a, "ACME", "FA002", "price", today=OPENED, note="prix du devis")
    do_add_dispute(world.a, "GLOBEX", "FA004", "delivery", today=date(2026, 6, 20))
    do_add_dispute(world.b, "ACME", "FA002", "quality", today=OPENED)
    return world


def ids(world, code: str) -> int:
    return Dispute.objects.get(company=world.a, customer__code=code).pk


def test_owner_deadline_resolution_and_statistics(disputes):
    w = disputes
    acme, globex = ids(w, "ACME"), ids(w, "GLOBEX")
    # no deadline set: due 30 days after its opening
    assert [d.pk for d in overdue(w.a, date(2026, 6, 1))] == [acme]
    do_assign_dispute(w.a, acme, "sam", date(2026, 6, 15), Actor("alice"))  # the sales rep
    with pytest.raises(InvalidInputError):
        do_assign_dispute(w.a, acme, "bob", None, Actor("alice"))  # not of this company
    with pytest.raises(InvalidInputError):
        do_assign_dispute(w.a, acme, "sam", date(2026, 4, 1), Actor("alice"))
    assert [d.pk for d in overdue(w.a, date(2026, 6, 1))] == []
    do_resolve_dispute(
        w.a, acme, "partial_credit", "avoir de 100 €", date(2026, 6, 11), Actor("sam")
    )
    with pytest.raises(InvalidInputError):
        do_resolve_dispute(w.a, acme, "rejected", "", date(2026, 6, 12), Actor("sam"))
    with pytest.raises(InvalidInputError):
        do_resolve_dispute(w.a, globex, "lost", "", date(2026, 6, 12), Actor("sam"))
    stats = statistics(w.a, date(2026, 6, 30), date(2025, 6, 30))
    assert stats.by_reason["price"].resolved == 1 and stats.by_reason["price"].average_days == 41
    assert stats.by_reason["delivery"].open == 1 and stats.by_owner["sam"].resolved == 1
    assert stats.by_resolution == {"partial_credit": 1}
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="dispute_").order_by("id")] == [
        "dispute_opened", "dispute_opened", "dispute_opened", "dispute_assigned",
        "dispute_resolved",
    ]  # fmt: skip


def test_the_page_in_french_the_owners_worklist_and_the_rights(disputes):
    w = disputes
    acme = ids(w, "ACME")
    url = f"/c/{w.a.code}/disputes/"
    page = html.unescape(w.client("alice").get(url + "?as_of=2026-06-30").content.decode())
    assert "Litiges" in page and "prix du devis" in page and "en retard" in page
    assert "Statistiques des 12 derniers mois" in page and "livraison" in page
    # the collector sees the unowned overdue dispute on the worklist, then gives it to colin
    worklist = html.unescape(
        w.client("colin").get(f"/c/{w.a.code}/worklist/?as_of=2026-06-30").content.decode()
    )
    assert "Litiges en retard" in worklist and "sans responsable" in worklist
    w.client("alice").post(url + f"{acme}/", {"owner": "colin", "deadline": "2026-06-10"})
    assert Dispute.objects.get(pk=acme).owner == "colin"
    # the sales rep reads, may not settle a dispute they do not own; another company: 404
    assert w.client("sam").post(url + f"{acme}/", {"resolution": "rejected"}).status_code == 403
    assert w.client("bob").post(url + f"{acme}/", {"resolution": "rejected"}).status_code == 404
    done = w.client("colin").post(
        url + f"{acme}/", {"resolution": "credit_note", "note": "avoir AV12"}, follow=True
    )
    assert "Litige résolu." in html.unescape(done.content.decode())
    d = Dispute.objects.get(pk=acme)
    assert (d.status, d.resolution, d.closed_by) == ("closed", "credit_note", "colin")
    audit = html.unescape(w.client("adam").get(f"/c/{w.a.code}/audit/").content.decode())
    assert "colin a résolu un litige de Acme SARL (ACME)" in audit and "avoir" in audit
    # B's dispute on its own ACME is untouched
    assert Dispute.objects.get(company=w.b).status == "open"
