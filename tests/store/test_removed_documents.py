"""A document the next FEC no longer has goes, whatever the credit manager did about it.

The layers above the store keep rows that reference documents (a dispute, a step of
dunning sent, a promise or a litigation case over some invoices, a predicted payment).
The import deletes the documents a file no longer has in SQL; those rows go with them as
their models say, or the import failed at its commit (a foreign key still pointing at the
document) and every later export of the period with it.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import CASCADE, SET_NULL
from django.utils import translation

from creditpilot.collections.models import Dispute, LitigationCase, Promise, StepSent
from creditpilot.companies.services import do_add_company
from creditpilot.forecast.models import ForecastRun, PredictedPayment
from creditpilot.receivables.models import Document, ImportBatch
from creditpilot.receivables.services import do_import_fec
from creditpilot.web.reasons import reason
from tests.fecbuilder import hand_ledger

pytestmark = [pytest.mark.store, pytest.mark.django_db(transaction=True)]


def _ledger():
    fec = hand_ledger()
    fec.invoice("20260615", "GLOBEX", "FA100", "600.00")
    fec.invoice("20260616", "GLOBEX", "FA101", "250.00")
    return fec


def test_a_document_the_file_no_longer_has_goes_with_what_was_done_about_it(tmp_path):
    company = do_add_company("GONE", "Gone")
    do_import_fec(company, _ledger().write(tmp_path / "d1.txt"))
    invoices = Document.objects.filter(company=company, kind="invoice")
    gone, kept = invoices.get(number="FA100"), invoices.get(number="FA101")
    customer = gone.customer
    Dispute.objects.create(
        company=company, customer=customer, item=gone, reason="price", opened_on=date(2026, 6, 20)
    )
    StepSent.objects.create(
        company=company, customer=customer, item=gone, step_key="d15", sent_on=date(2026, 7, 1)
    )
    promise = Promise.objects.create(
        company=company,
        customer=customer,
        amount=85000,
        promised_date=date(2026, 7, 15),
        made_on=date(2026, 7, 2),
    )
    promise.items.set([gone, kept])
    case = LitigationCase.objects.create(
        company=company, customer=customer, opened_on=date(2026, 7, 3)
    )
    case.items.set([gone, kept])
    run = ForecastRun.objects.create(company=company, day=date(2026, 7, 1), method="fallback")
    for doc in (gone, kept):
        PredictedPayment.objects.create(
            run=run,
            customer=customer,
            invoice=doc,
            open_amount=doc.amount,
            low=date(2026, 7, 10),
            predicted=date(2026, 7, 20),
            high=date(2026, 7, 30),
        )

    # the next export: FA100 was cancelled in the accounts (its entry deleted)
    fec = _ledger()
    fec.lines = [line for line in fec.lines if "FA100" not in line]
    result = do_import_fec(company, fec.write(tmp_path / "d2.txt"))

    assert result.changed and result.counts["documents_removed"] == 1
    # and the user is told, in the reader's language
    assert result.warnings == [
        "documents gone from the file, removed with their follow-up (dispute, dunning, "
        "promise, case or forecast): FA100 (1 in all)"
    ]
    (stored,) = ImportBatch.objects.get(pk=result.batch_id).warnings
    assert stored["code"] == "removed_with_follow_up"
    with translation.override("fr"):
        assert reason(stored) == (
            "pièces absentes du fichier, retirées avec leur suivi (litige, relance, "
            "promesse, procédure ou prévision) : FA100 (1 au total)"
        )
    assert not Document.objects.filter(pk=gone.pk).exists()
    assert not Dispute.objects.filter(company=company).exists()
    assert not StepSent.objects.filter(company=company).exists()
    # a promise or a case over several invoices keeps the others
    assert list(Promise.objects.get(pk=promise.pk).items.all()) == [kept]
    assert list(LitigationCase.objects.get(pk=case.pk).items.all()) == [kept]
    assert list(PredictedPayment.objects.values_list("invoice_id", flat=True)) == [kept.pk]


def test_every_relation_to_a_document_is_one_the_removal_knows():
    """A relation added later with another rule (PROTECT, SET_DEFAULT...) must be thought
    about in ``services._remove_dependents``, not deleted by it."""
    for relation in Document._meta.related_objects:
        assert relation.many_to_many or relation.on_delete in (CASCADE, SET_NULL), relation
