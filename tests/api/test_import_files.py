"""Files that ended an import in "failed — internal error" are read, or refused with a reason."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from creditpilot.customers.models import Customer

pytestmark = [pytest.mark.store, pytest.mark.django_db, pytest.mark.usefixtures("inline_imports")]

URL = "/api/v1/companies/alpha/imports"
HEADER = "code,name,siren,country,segment,payment_terms"


def imported(persona, capture, name: str, content: bytes) -> dict:
    upload = SimpleUploadedFile(name, content)
    with capture(execute=True):
        job = persona.post(URL, {"kind": "customers", "file": upload}).json()
    return persona.get(f"{URL}/{job['id']}").json()


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_file_whose_lines_end_with_a_bare_cr_is_read(
    alice, alpha, django_capture_on_commit_callbacks
):
    content = f"{HEADER}\rHOOLI,Hooli SAS,,FR,GE,NET45\r".encode()
    job = imported(alice, django_capture_on_commit_callbacks, "clients.csv", content)
    assert job["status"] == "done", job
    assert Customer.objects.get(company=alpha, code="HOOLI").payment_terms == "NET45"


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"a" * 200_000 + b"\nA\n", "bad_csv", "longer than 131,072 characters"),
        ((";" + "x" * 140_000) * 2 + "\nA\n", "bad_csv", "longer than 131,072 characters"),
        (bytes(4096), "not_text", "not a text file"),
        (xlsx_bytes(), "not_text", "spreadsheet"),
    ],
    ids=["a header of 200,000 characters", "long fields", "zeros", "an XLSX named .csv"],
)
def test_an_unreadable_file_is_refused_with_its_reason(
    alice, django_capture_on_commit_callbacks, content, code, words
):
    if isinstance(content, str):
        content = content.encode()
    job = imported(alice, django_capture_on_commit_callbacks, "clients.csv", content)
    assert job["status"] == "refused", job
    assert words in job["message"]
    assert "internal error" not in job["message"]
    assert "UTF-16" not in job["message"]


def test_missing_columns_are_not_counted_as_rejected_rows(
    alice, django_capture_on_commit_callbacks
):
    job = imported(alice, django_capture_on_commit_callbacks, "clients.csv", b"code,name\nA,B\n")
    assert job["status"] == "refused"
    assert job["error_count"] == 0
    assert job["message"] == (
        "clients.csv, line 1: missing columns 'siren', 'country', 'segment', 'payment_terms' in the header, "
        "nothing imported"
    )
    assert {(e["line"], e["column"]) for e in job["errors"]} == {
        (1, "siren"),
        (1, "country"),
        (1, "segment"),
        (1, "payment_terms"),
    }
