"""POST, GET /api/v1/companies/{company}/imports and GET .../imports/{job_id}."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from creditpilot.customers.models import Customer
from creditpilot.receivables.models import ImportJob
from tests.api.support import AS_OF, error_of
from tests.fecbuilder import Fec

pytestmark = [pytest.mark.store, pytest.mark.django_db, pytest.mark.usefixtures("inline_imports")]

URL = "/api/v1/companies/alpha/imports"
HEADER = "code,name,siren,country,segment,payment_terms,vat,sales_rep,email,credit_limit,currency\n"


def csv(name, rows=""):
    return SimpleUploadedFile(name, (HEADER + rows).encode(), content_type="text/csv")


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """POST an import and run its job as the commit would (inline, see ``inline_imports``)."""

    def post(persona, data, url=URL):
        with django_capture_on_commit_callbacks(execute=True):
            return persona.post(url, data)

    return post


def test_a_customers_file_is_imported_and_the_job_reports_the_counts(alice, alpha, submit):
    upload = csv("clients.csv", "HOOLI,Hooli SAS,,FR,GE,NET45,,Nadia,,20000.00,EUR\n")
    response = submit(alice, {"kind": "customers", "file": upload})
    assert response.status_code == 202
    job = response.json()
    assert (job["kind"], job["file_name"], job["created_by"]) == (
        "customers",
        "clients.csv",
        "alice",
    )
    assert job["status"] in {"queued", "done"}

    done = alice.get(f"{URL}/{job['id']}").json()
    assert done["status"] == "done"
    assert done["changed"] is True
    assert done["counts"] == {
        "rows": 1,
        "customers_added": 1,
        "customers_changed": 0,
        "rejected_rows": 0,
    }
    assert (done["errors"], done["error_count"]) == ([], 0)
    assert done["finished_at"] is not None
    assert Customer.objects.get(company=alpha, code="HOOLI").credit_limit == 2000000


def test_a_fec_is_imported_and_the_aged_balance_follows(bob, beta, submit):
    fec = Fec()
    fec.invoice("20260612", "ACME", "B-002", "120.00")
    upload = SimpleUploadedFile("FEC202606.txt", fec.text().encode())
    job = submit(bob, {"kind": "fec", "file": upload}, "/api/v1/companies/beta/imports")
    done = bob.get(f"/api/v1/companies/beta/imports/{job.json()['id']}").json()
    assert done["status"] == "done", done
    assert (
        done["counts"]["lines"],
        done["counts"]["customer_lines"],
        done["counts"]["rejected_rows"],
    ) == (3, 1, 0)
    assert (
        bob.get("/api/v1/companies/beta/aging", as_of=AS_OF).json()["total"] == "600.00"
    )  # 480 + 120


def test_a_file_with_a_bad_row_is_refused_with_the_line_and_changes_nothing(alice, alpha, submit):
    upload = csv(
        "clients.csv",
        "HOOLI,Hooli SAS,,FR,GE,NET45,,,,,EUR\nBAD,Bad SIREN,123456789,FR,PME,,,,,,EUR\n",
    )
    job = submit(alice, {"kind": "customers", "file": upload}).json()
    done = alice.get(f"{URL}/{job['id']}").json()
    assert done["status"] == "refused"
    assert done["error_count"] == 1
    assert [(e["file"], e["line"], e["column"], e["code"]) for e in done["errors"]] == [
        ("clients.csv", 3, "siren", "bad_siren")
    ]
    assert "123456789" in done["message"]
    assert not Customer.objects.filter(company=alpha, code__in=["HOOLI", "BAD"]).exists()


def test_accept_valid_rows_imports_the_good_rows_and_lists_the_rejected_ones(alice, alpha, submit):
    upload = csv(
        "clients.csv",
        "HOOLI,Hooli SAS,,FR,GE,NET45,,,,,EUR\nBAD,Bad SIREN,123456789,FR,PME,,,,,,EUR\n",
    )
    data = {"kind": "customers", "file": upload, "accept_valid_rows": "true"}
    job = submit(alice, data).json()
    done = alice.get(f"{URL}/{job['id']}").json()
    assert (done["status"], done["accept_valid_rows"], done["counts"]["customers_added"]) == (
        "done",
        True,
        1,
    )
    assert [e["line"] for e in done["errors"]] == [3]
    assert Customer.objects.filter(company=alpha, code="HOOLI").exists()


@pytest.mark.parametrize(
    "name, content, status, code",
    [
        ("empty.csv", b"", 422, "empty_file"),
        ("tool.exe", b"MZ", 422, "unsupported_file"),
    ],
)
def test_it_refuses_an_unusable_upload_before_any_job(alice, name, content, status, code):
    response = alice.post(URL, {"kind": "customers", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == status
    assert error_of(response)["code"] == code
    assert not ImportJob.objects.exists()


def test_it_refuses_a_file_larger_than_the_limit(alice, settings):
    settings.MAX_UPLOAD_BYTES = 10
    response = alice.post(URL, {"kind": "customers", "file": csv("c.csv")})
    assert response.status_code == 413
    assert error_of(response)["code"] == "upload_too_large"


@pytest.mark.parametrize(
    "data, fields",
    [
        ({"kind": "payroll"}, {"kind"}),
        ({"kind": "customers"}, {"file"}),
    ],
)
def test_it_rejects_a_missing_or_unknown_input(alice, data, fields):
    if "file" not in fields:
        data = data | {"file": csv("c.csv")}
    response = alice.post(URL, data)
    assert response.status_code == 422
    error = error_of(response)
    assert (error["code"], set(error["fields"])) == ("invalid_input", fields)


def test_it_lists_the_jobs_of_the_company_newest_first(alice, bob, submit):
    first = submit(alice, {"kind": "customers", "file": csv("one.csv", "H1,H One,,FR,,,,,,,EUR\n")})
    second = submit(
        alice, {"kind": "customers", "file": csv("two.csv", "H2,H Two,,FR,,,,,,,EUR\n")}
    )
    submit(
        bob,
        {"kind": "customers", "file": csv("b.csv", "B1,B One,,FR,,,,,,,EUR\n")},
        "/api/v1/companies/beta/imports",
    )
    body = alice.get(URL).json()
    assert body["count"] == 2
    assert [j["id"] for j in body["items"]] == [second.json()["id"], first.json()["id"]]
    assert [j["file_name"] for j in body["items"]] == ["two.csv", "one.csv"]
    assert "errors" not in body["items"][0]  # the rejected rows are on the job's own page


def test_an_auditor_reads_the_imports_but_may_not_import(audrey, alice, submit):
    job = submit(
        alice, {"kind": "customers", "file": csv("c.csv", "H1,H One,,FR,,,,,,,EUR\n")}
    ).json()
    assert audrey.get(URL).json()["count"] == 1
    assert audrey.get(f"{URL}/{job['id']}").status_code == 200
    response = audrey.post(
        URL, {"kind": "customers", "file": csv("c2.csv", "H2,H Two,,FR,,,,,,,EUR\n")}
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert ImportJob.objects.count() == 1


def test_a_sales_user_neither_sees_nor_submits_imports(sam, alice, submit):
    job = submit(
        alice, {"kind": "customers", "file": csv("c.csv", "H1,H One,,FR,,,,,,,EUR\n")}
    ).json()
    for response in (
        sam.get(URL),
        sam.get(f"{URL}/{job['id']}"),
        sam.post(URL, {"kind": "customers", "file": csv("c2.csv", "H2,H Two,,FR,,,,,,,EUR\n")}),
    ):
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
    assert ImportJob.objects.count() == 1


def test_a_job_of_another_company_is_a_404_even_through_ones_own_company(alice, bob, submit):
    job = submit(
        alice, {"kind": "customers", "file": csv("c.csv", "H1,H One,,FR,,,,,,,EUR\n")}
    ).json()
    response = bob.get(f"/api/v1/companies/beta/imports/{job['id']}")
    assert response.status_code == 404
    assert response.json() == bob.get("/api/v1/companies/beta/imports/999999").json()
    assert bob.get("/api/v1/companies/beta/imports/not-a-number").status_code == 422


def test_a_fec_of_another_company_is_refused_unless_force_is_true(alice, alpha, submit):
    alpha.siren = "732829320"
    alpha.save()
    fec = Fec()
    fec.invoice("20260612", "ACME", "A-900", "120.00")
    name = "552100554FEC20261231.txt"
    refused = submit(alice, {"kind": "fec", "file": SimpleUploadedFile(name, fec.text().encode())})
    done = alice.get(f"{URL}/{refused.json()['id']}").json()
    assert done["status"] == "refused"
    assert "552100554" in done["message"] and "732829320" in done["message"]
    forced = submit(
        alice,
        {"kind": "fec", "file": SimpleUploadedFile(name, fec.text().encode()), "force": "true"},
    )
    done = alice.get(f"{URL}/{forced.json()['id']}").json()
    assert done["status"] == "done" and done["changed"] is True
    assert ImportJob.objects.get(pk=done["id"]).warnings[0]["code"] == "other_company_siren"
