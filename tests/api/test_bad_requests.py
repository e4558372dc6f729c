"""What fuzzing found: requests that were server errors or read too freely are now refused, in the error shape."""

from __future__ import annotations

import json

import pytest

from creditpilot.customers.models import Customer
from tests.api.support import error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]

IMPORTS = "/api/v1/companies/alpha/imports"
ACME = "/api/v1/companies/alpha/customers/ACME"


def raw_post(persona, path, body, content_type):
    return persona.client.generic(
        "POST", path, body, content_type=content_type, headers=persona._headers()
    )


def multipart(file_name: str) -> tuple[bytes, str]:
    boundary = "fuzz"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncustomers\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: text/csv\r\n\r\ncode,name\r\nX,Y\r\n--{boundary}--\r\n"
    )
    return body.encode(), f"multipart/form-data; boundary={boundary}"


def test_a_multipart_body_without_boundary_is_a_400(alice):
    response = raw_post(alice, IMPORTS, b"kind=fec", "multipart/form-data")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_another_companys_user_gets_the_404_before_the_body_is_read(bob, alpha):
    response = raw_post(bob, IMPORTS, b"kind=fec", "multipart/form-data")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_signed_in_user_of_another_company_gets_the_404_too(bob, alpha):
    bob.client.force_login(bob.user)
    response = bob.client.generic("POST", IMPORTS, b"kind=fec", content_type="multipart/form-data")
    assert response.status_code == 404


def test_a_file_name_of_a_thousand_characters_is_a_400_not_a_server_error(alice):
    body, content_type = multipart("a" * 1000 + ".csv")
    response = raw_post(alice, IMPORTS, body, content_type)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert "file name" in error["message"]


def test_a_patch_body_over_the_size_limit_is_a_413(alice, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"rating": "A", "segment": "x" * 2000})
    response = alice.client.patch(
        ACME, body, content_type="application/json", headers=alice._headers()
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_too_large"


@pytest.mark.parametrize("path", ["customers", "imports"])
def test_an_offset_beyond_any_database_integer_is_refused(alice, path):
    response = alice.get(f"/api/v1/companies/alpha/{path}", offset="9223372036854775808")
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"offset"}


def test_an_import_number_beyond_any_database_integer_is_refused(alice):
    response = alice.get(f"{IMPORTS}/9223372036854775808")
    assert response.status_code == 422


@pytest.mark.parametrize("route", ["aging", "kpis", "customers/ACME/open-items"])
@pytest.mark.parametrize("as_of", ["0001-01-01", "0", "1780000000", "30/06/2026", "2026-6-30"])
def test_as_of_is_a_date_written_yyyy_mm_dd_in_a_sensible_range(alice, route, as_of):
    response = alice.get(f"/api/v1/companies/alpha/{route}", as_of=as_of)
    assert response.status_code == 422, response.content
    error = error_of(response)
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) == {"as_of"}


@pytest.mark.parametrize("route", ["aging", "kpis", "customers/ACME/open-items"])
@pytest.mark.parametrize("as_of", ["1900-01-01", "9999-12-31"])
def test_the_first_and_last_dates_accepted_answer(alice, route, as_of):
    response = alice.get(f"/api/v1/companies/alpha/{route}", as_of=as_of)
    assert response.status_code == 200, response.content
    assert response.json()["as_of"] == as_of


def test_a_credit_limit_in_full_width_digits_is_refused(alice, alpha):
    response = alice.patch(ACME, {"credit_limit": "１２３"})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"credit_limit"}
    assert Customer.objects.get(company=alpha, code="ACME").credit_limit == 500000


@pytest.mark.parametrize("terms", ["NET-5", "30 jours", "NET 30", "net_30"])
def test_terms_that_would_be_silently_rewritten_are_refused(alice, alpha, terms):
    response = alice.patch(ACME, {"payment_terms": terms})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {"payment_terms"}
    assert Customer.objects.get(company=alpha, code="ACME").payment_terms == ""


def test_terms_in_lower_case_are_the_code(alice, alpha):
    response = alice.patch(ACME, {"payment_terms": "eom45"})
    assert response.json()["payment_terms"] == "EOM45"


@pytest.mark.parametrize("field", ["segment", "sales_rep", "rating", "email", "payment_terms"])
def test_a_nul_character_is_never_stored(alice, alpha, field):
    response = alice.patch(ACME, {field: "A\x00B"})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {field}
    assert "\x00" not in getattr(Customer.objects.get(company=alpha, code="ACME"), field)


@pytest.mark.parametrize("param", ["q", "segment", "sales_rep"])
def test_a_nul_in_a_search_is_refused_not_a_match_of_every_customer(alice, param):
    response = alice.get("/api/v1/companies/alpha/customers", **{param: "\x00"})
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == {param}


def test_a_nul_in_a_customer_code_is_no_such_customer(alice):
    response = alice.get("/api/v1/companies/alpha/customers/AC%00ME")
    assert response.status_code == 404


def test_a_patch_body_without_a_json_content_type_is_a_415(alice, alpha):
    response = alice.client.patch(
        ACME, json.dumps({"rating": "C"}), content_type="text/plain", headers=alice._headers()
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    assert Customer.objects.get(company=alpha, code="ACME").rating == ""


def test_a_patch_body_that_is_not_json_is_a_400(alice):
    response = alice.client.patch(
        ACME, "{rating: C", content_type="application/json", headers=alice._headers()
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
