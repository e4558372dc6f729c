"""GET .../kpis reads the day's cached snapshot like the aging: the figures of ``report kpis``, computed once."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from creditpilot.reports.kpis import kpi_report
from tests.api.support import AS_OF
from tests.fecbuilder import Fec

pytestmark = [pytest.mark.store, pytest.mark.django_db]

URL = "/api/v1/companies/alpha/kpis"


@pytest.mark.parametrize(
    "day", [AS_OF, date(2026, 5, 31), date(2026, 1, 15), date(2025, 12, 31), date(1900, 1, 1)]
)
def test_the_cached_kpis_are_those_of_the_report_to_the_cent(alice, alpha, day):
    first = alice.get(URL, as_of=day.isoformat()).json()
    again = alice.get(URL, as_of=day.isoformat()).json()
    assert first == again == kpi_report(alpha, day).as_json()


def test_the_second_request_of_the_day_reads_the_cache(
    alice, alpha, django_assert_max_num_queries, monkeypatch
):
    alice.get(URL, as_of=AS_OF.isoformat())

    def recomputed(*args, **kwargs):
        raise AssertionError("the KPIs were computed again")

    monkeypatch.setattr("creditpilot.reports.positions.aged_buckets_by_customer", recomputed)
    monkeypatch.setattr("creditpilot.reports.positions._kpis_json", recomputed)
    with django_assert_max_num_queries(6):
        assert alice.get(URL, as_of=AS_OF.isoformat()).json()["dso"] == "60.6"


def test_the_kpis_follow_an_import(bob, beta, django_capture_on_commit_callbacks, inline_imports):
    url = "/api/v1/companies/beta/kpis"
    before = bob.get(url, as_of=AS_OF.isoformat()).json()
    assert before["total"] == "480.00"
    fec = Fec()
    fec.invoice("20260612", "ACME", "B-002", "120.00")
    upload = SimpleUploadedFile("FEC202606.txt", fec.text().encode())
    with django_capture_on_commit_callbacks(execute=True):
        bob.post("/api/v1/companies/beta/imports", {"kind": "fec", "file": upload})
    after = bob.get(url, as_of=AS_OF.isoformat()).json()
    assert after["total"] == "600.00"
    assert after["top_debtors"] == [{"code": "ACME", "name": "Beta's Acme", "total": "600.00"}]
    assert after == kpi_report(beta, AS_OF).as_json()
