"""The next day's export parses only its new and changed entries (receivables/digests.py).

Every test imports the same files into two companies: one as it runs (the entries the
last import read byte for byte are skipped), one with the skipping turned off (the file
read whole every time), and holds the two ledgers equal: documents, derived state,
allocations, counts.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from creditpilot.companies.services import do_add_company
from creditpilot.customers.models import Customer
from creditpilot.receivables import digests, services
from creditpilot.receivables.models import Allocation, Document, ImportBatch, LedgerPeriod
from creditpilot.receivables.services import ImportRefusedError, do_import_fec
from tests.fecbuilder import Fec, hand_ledger

pytestmark = [pytest.mark.store, pytest.mark.django_db]

counter = itertools.count()
DOC_COLUMNS = [
    "key",
    "customer__code",
    "kind",
    "number",
    "label",
    "journal",
    "entry_number",
    "account",
    "date",
    "entry_date",
    "due_date",
    "amount",
    "currency",
    "currency_amount",
    "lettering",
    "lettering_date",
    "effective_lettering",
    "is_sale",
    "is_opening",
    "entry_excl_vat",
    "entry_total",
    "is_active",
]


def ledger(company):
    """Everything the ledger holds, named by the documents' keys rather than their ids."""
    docs = sorted(Document.objects.filter(company=company).values_list(*DOC_COLUMNS))
    allocations = sorted(
        Allocation.objects.filter(company=company).values_list(
            "customer__code", "invoice__key", "credit__key", "amount", "method", "date", "due_date"
        )
    )
    customers = sorted(
        Customer.objects.filter(company=company).values_list("code", "name", "unapplied_credits")
    )
    periods = sorted(LedgerPeriod.objects.filter(company=company).values_list("start", "end"))
    return docs, allocations, customers, periods


@pytest.fixture
def pair(monkeypatch):
    """Two companies: ``fast`` as the import runs, ``full`` reading every file whole."""
    fast = do_add_company(f"FAST{next(counter)}", "Fast")
    full = do_add_company(f"FULL{next(counter)}", "Full")
    prefetch = digests.prefetch

    def nothing_kept_for_full(company, context):
        # no digests and nothing read ahead: ``full`` skips no entry and reads the stored
        # fingerprints in the diff
        return None if company.pk == full.pk else prefetch(company, context)

    monkeypatch.setattr(digests, "prefetch", nothing_kept_for_full)
    return fast, full


def both(pair, path, **options):
    fast, full = pair
    a = do_import_fec(fast, path, **options)
    b = do_import_fec(full, path, **options)
    assert a.counts == b.counts
    assert ledger(fast) == ledger(full)
    assert b.entries_skipped == 0
    return a


def day_one() -> Fec:
    f = hand_ledger()
    f.invoice("20260615", "GLOBEX", "FA100", "600.00")
    f.payment("20260620", "ACME", "300.00", "VIR ACME JUIN")
    return f


@pytest.mark.parametrize("seeks", [services._SEEKS, 0], ids=["sought-by-day", "period-read"])
def test_the_next_day_parses_only_the_entries_added_changed_or_moved(
    pair, tmp_path, monkeypatch, seeks
):
    # the stored documents the file no longer has, found day by day or by reading the period
    monkeypatch.setattr(services, "_SEEKS", seeks)
    first = day_one()
    result = both(pair, first.write(tmp_path / "d1.txt"))
    entries = result.entries_read
    assert result.entries_skipped == 0 and entries == 18
    second = day_one()
    # an entry changed in place: the invoice FA100 lettered the next day
    changed = [i for i, line in enumerate(second.lines) if "FA100" in line and "|411000|" in line]
    fields = second.lines[changed[0]].split("|")
    fields[13:15] = ["B", "20260701"]
    second.lines[changed[0]] = "|".join(fields)
    # an entry removed: the payment of the 20th of June
    second.lines = [line for line in second.lines if "|VIR ACME JUIN|" not in line]
    # an entry added, at the top (every line below moves)
    added = Fec(counter=900)
    added.invoice("20260701", "UMBRELLA", "FA200", "120.00")
    added.payment("20260701", "GLOBEX", "600.00", "VIR GLOBEX FA100", let="B", datelet="20260701")
    second.lines = [*added.lines, *second.lines]
    result = both(pair, second.write(tmp_path / "d2.txt"))
    # the changed entry and the two new ones are parsed; the others are skipped
    assert (result.entries_read, result.entries_skipped) == (3, entries - 2)
    assert result.counts["documents_added"] == 2
    assert result.counts["documents_changed"] == 1
    assert result.counts["documents_removed"] == 1
    fast, _ = pair
    assert Customer.objects.filter(company=fast, code="UMBRELLA").exists()
    # and the day after, nothing new: every entry skipped, nothing written
    third = second.text().replace("FA200", "FA201")
    (tmp_path / "d3.txt").write_text(third, encoding="utf-8", newline="")
    result = both(pair, tmp_path / "d3.txt")
    assert (result.entries_read, result.entries_skipped) == (1, entries)


def test_bad_input_in_a_new_entry_is_refused_with_its_line_column_and_reason(pair, tmp_path):
    fast, full = pair
    both(pair, day_one().write(tmp_path / "d1.txt"))
    before = ledger(fast)
    second = day_one()
    second.invoice("20260701", "ACME", "FA300", "60.00")
    second.lines[-2] = second.lines[-2].replace("|20260701|706000|", "|2026-07-01|706000|")
    path = second.write(tmp_path / "d2.txt")
    refusals = []
    for company in (fast, full):
        with pytest.raises(ImportRefusedError) as refused:
            do_import_fec(company, path)
        refusals.append([e.as_dict() for e in refused.value.errors])
        error = refused.value.errors[0]
        assert (error.file, error.line, error.column) == (
            str(path),
            len(second.lines),
            "EcritureDate",
        )
        assert error.code == "bad_date" and "2026-07-01" in error.message
    assert refusals[0] == refusals[1]
    assert ledger(fast) == before
    assert not ImportBatch.objects.filter(company=fast, file_name="d2.txt").exists()
    # accepted without its bad entry, the same as the full read
    result = both(pair, path, accept_valid_rows=True)
    assert result.entries_skipped == 18 and result.counts["rejected_rows"] == 1


def test_a_changed_setting_reads_the_file_whole(pair, tmp_path):
    fast, full = pair
    both(pair, day_one().write(tmp_path / "d1.txt"))
    for company in pair:
        company.opening_journals = "AN,OUV"
        company.save()
    second = day_one()
    second.invoice("20260701", "ACME", "FA300", "60.00")
    result = both(pair, second.write(tmp_path / "d2.txt"))
    assert result.entries_skipped == 0 and result.entries_read == 19
    third = day_one()
    third.invoice("20260702", "ACME", "FA301", "70.00")
    assert both(pair, third.write(tmp_path / "d3.txt")).entries_skipped == 18


def test_a_store_changed_behind_the_digests_reads_the_file_whole(pair, tmp_path):
    fast, full = pair
    both(pair, day_one().write(tmp_path / "d1.txt"))
    for company in pair:
        doc = Document.objects.get(company=company, number="FA100")
        Allocation.objects.filter(invoice=doc).delete()
        doc.delete()
    second = day_one()
    second.invoice("20260701", "ACME", "FA300", "60.00")
    result = both(pair, second.write(tmp_path / "d2.txt"))
    assert result.entries_skipped == 0
    assert Document.objects.filter(company=fast, number="FA100").exists()


def test_an_account_given_an_auxiliary_account_elsewhere_refuses_the_skipped_lines(pair, tmp_path):
    first = day_one()
    # a customer's own account, without an auxiliary account: accepted
    first.line("VT", "VT777", "20260601", "411ACME", "", "FA777", "Facture FA777", debit="12")
    first.line("VT", "VT777", "20260601", "706000", "", "FA777", "Facture FA777", credit="12")
    both(pair, first.write(tmp_path / "d1.txt"))
    second = Fec(lines=list(first.lines))
    # the next day the same account is written with an auxiliary account: the skipped
    # entry's line has no customer any more, as a full read says
    second.line("VT", "VT778", "20260701", "411ACME", "ACME", "FA778", "Facture FA778", debit="5")
    second.line("VT", "VT778", "20260701", "706000", "", "FA778", "Facture FA778", credit="5")
    path = second.write(tmp_path / "d2.txt")
    messages = []
    for company in pair:
        with pytest.raises(ImportRefusedError) as refused:
            do_import_fec(company, path)
        messages.append([e.as_dict() for e in refused.value.errors])
    assert messages[0] == messages[1]
    assert messages[0][0]["code"] == "no_customer"


def test_terms_changed_by_a_customers_file_still_skip_and_give_the_full_ledger(pair, tmp_path):
    from creditpilot.receivables.customers import do_import_customers

    both(pair, day_one().write(tmp_path / "d1.txt"))
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "code;name;siren;country;segment;payment_terms\n"
        "ACME;Acme SARL;;FR;;NET60\nNEWCO;Newco;;FR;;NET45\n"
    )
    for company in pair:
        do_import_customers(company, customers)
    second = day_one()
    second.invoice("20260701", "ACME", "FA300", "60.00")
    second.invoice("20260701", "NEWCO", "FA301", "90.00")
    result = both(pair, second.write(tmp_path / "d2.txt"))
    assert result.entries_skipped == 18
    fast, _ = pair
    doc = Document.objects.get(company=fast, number="FA300")
    assert doc.due_date == date(2026, 8, 30)  # NET60 from the customers file


def test_a_file_over_two_periods_is_compared_with_every_document_of_its_days(pair, tmp_path):
    """What the import reads of the store as it begins is the latest period's documents;
    the file's days outside that period (here, another period's) are read as the documents
    are compared: a document of the earlier period that the file no longer has goes."""
    may, june = Fec(counter=100), Fec(counter=200)
    may.invoice("20260510", "ACME", "FA510", "120.00")
    may.invoice("20260520", "GLOBEX", "FA520", "240.00")
    june.invoice("20260601", "ACME", "FA601", "360.00")
    june.payment("20260620", "ACME", "360.00", "VIR ACME FA601")
    both(pair, may.write(tmp_path / "may.txt"))
    both(pair, june.write(tmp_path / "june.txt"))
    july = Fec(counter=300)
    july.invoice("20260701", "UMBRELLA", "FA701", "480.00")
    kept_of_may = [line for line in may.lines if "FA520" not in line]
    changed = [line.replace("VIR ACME FA601", "VIR ACME FA601 JUIN") for line in june.lines]
    both_months = Fec(lines=[*kept_of_may, *changed, *july.lines])
    result = both(pair, both_months.write(tmp_path / "may-july.txt"))
    assert result.counts["documents_removed"] == 1  # FA520, of the May period
    assert result.counts["documents_changed"] == 1  # the payment's label
    assert result.counts["documents_added"] == 1
    fast, _ = pair
    assert not Document.objects.filter(company=fast, number="FA520").exists()
    assert list(LedgerPeriod.objects.filter(company=fast).values_list("start", "end")) == [
        (date(2026, 5, 10), date(2026, 7, 1))
    ]


def test_a_file_imported_already_is_known_by_its_hash_whatever_its_batch_counted(pair, tmp_path):
    """The hash of a file is awaited at once only when an earlier import had as many lines;
    otherwise it is made while the file is read, and asked for before anything is written:
    a file imported already (here, by a batch that did not count its lines) writes nothing."""
    fast, _ = pair
    path = day_one().write(tmp_path / "d1.txt")
    assert do_import_fec(fast, path).changed
    lines = ImportBatch.objects.get(company=fast).counts["lines"]
    before = ledger(fast), ImportBatch.objects.filter(company=fast).count()
    ImportBatch.objects.filter(company=fast).update(counts={})
    again = do_import_fec(fast, path)
    assert not again.changed
    assert (ledger(fast), ImportBatch.objects.filter(company=fast).count()) == before
    # and known at once by the lines an import counted
    ImportBatch.objects.filter(company=fast).update(counts={"lines": lines})
    assert services._may_be_imported(fast, lines)
    assert not do_import_fec(fast, path).changed
