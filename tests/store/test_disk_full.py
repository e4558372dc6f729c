"""A disk that fills up in the middle of an import: the import fails, the store is as it was."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import OperationalError, connection

from creditpilot.companies.services import do_add_company, do_init
from creditpilot.core.errors import DISK_FULL_MESSAGE, is_disk_full
from creditpilot.receivables.models import Allocation, Document, ImportBatch
from creditpilot.receivables.services import do_import_fec
from tests.fecbuilder import Fec, hand_ledger

pytestmark = [pytest.mark.store, pytest.mark.django_db(transaction=True)]


def _state() -> tuple[int, int, int]:
    return Document.objects.count(), Allocation.objects.count(), ImportBatch.objects.count()


def test_a_full_disk_during_an_import_leaves_the_store_as_it_was(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the disk is filled through SQLite's page limit")
    company = do_init()
    do_import_fec(company, hand_ledger().write(tmp_path / "FEC2026.txt"))
    before = _state()
    big = Fec()
    for n in range(3000):
        big.invoice("20260702", f"C{n % 300:03d}", f"FB{n:05d}", "120.00")
    path = big.write(tmp_path / "FEC-july.txt")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages + 8}")  # the disk fills up now
    try:
        # the driver's own error when the bulk path writes through the raw connection
        with pytest.raises((OperationalError, sqlite3.OperationalError)) as caught:
            do_import_fec(company, path)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 1073741823")
    assert is_disk_full(caught.value)
    assert _state() == before
    # once there is room again, the same file imports, as it does in a company that had room
    do_import_fec(company, path)
    control = do_add_company("ROOMY", "Roomy SAS")
    do_import_fec(control, hand_ledger().write(tmp_path / "FEC2026-control.txt"))
    do_import_fec(control, path)
    assert Document.objects.filter(company=company).count() == (
        Document.objects.filter(company=control).count()
    )
    assert "nothing was written" in DISK_FULL_MESSAGE
