"""Who may call what: every route needs a key or a session, and is scoped to the caller's companies.

The routes are read from the API itself, so a route added later is covered
without touching these tests.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from creditpilot.accounts.models import ApiToken
from creditpilot.api.api import api
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import ImportJob
from creditpilot.risk.models import Order
from tests.api.support import error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]

SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


def operations():
    """(method, path template) of every route of the API, from its OpenAPI document."""
    paths = api.get_openapi_schema()["paths"]
    return sorted((method, path) for path, ops in paths.items() for method in ops)


def company_operations():
    return [(method, path) for method, path in operations() if "{company}" in path]


def test_the_route_list_is_read_from_the_api():
    found = set(operations())
    assert ("patch", "/api/v1/companies/{company}/customers/{code}") in found
    assert ("post", "/api/v1/companies/{company}/imports") in found
    assert ("put", "/api/v1/companies/{company}/orders/{number}") in found
    assert len(found) == 40
    assert len(company_operations()) == 39


@pytest.fixture
def alpha_job(alpha):
    Order.objects.create(
        company=alpha,
        customer=Customer.objects.get(company=alpha, code="ACME"),
        number="CMD-1",
        date=date(2026, 6, 5),
        amount=100,
    )
    return ImportJob.objects.create(
        company=alpha, kind="customers", file_name="a.csv", stored_path="-", created_by="alice"
    )


def body_for(method):
    if method == "patch":
        return {"segment": "Hacked"}
    if method == "put":
        return {"customer": "ACME", "date": "2026-06-05", "amount": "999.00"}
    if method == "post":
        upload = SimpleUploadedFile(
            "c.csv", b"code,name,siren,country,segment,payment_terms\nX1,X,,FR,,\n"
        )
        return {"kind": "customers", "file": upload}
    return None


def url(template, company, code="ACME", job_id=1):
    return template.format(
        company=company,
        code=code,
        job_id=job_id,
        item="FA001",
        message=1,
        number="CMD-1",
        case=1,
        month_end="2026-06-30",
        dispute=1,
    )


@pytest.mark.parametrize("method, template", company_operations())
def test_bob_gets_a_404_on_every_route_of_company_alpha(bob, alpha_job, method, template):
    response = bob.call(method, url(template, "alpha", job_id=alpha_job.id), body_for(method))
    assert response.status_code == 404, response.content
    # the same answer as for a company that does not exist: nothing leaks
    missing = bob.call(
        method, url(template, "no-such-company", job_id=alpha_job.id), body_for(method)
    )
    assert response.json() == missing.json()
    assert error_of(response)["code"] == "not_found"
    assert Customer.objects.get(company=alpha_job.company, code="ACME").segment == "PME"
    assert ImportJob.objects.filter(company=alpha_job.company).count() == 1
    assert list(Order.objects.filter(company=alpha_job.company).values_list("amount")) == [(100,)]


def test_bob_does_not_see_company_alpha_in_his_companies(bob, alpha):
    assert [c["code"] for c in bob.get("/api/v1/companies").json()["items"]] == ["beta"]


@pytest.mark.parametrize("method, template", operations())
@pytest.mark.parametrize(
    "authorization", [None, "Bearer cp_not-a-key", "Bearer ", "Basic YWxpY2U6cHc=", "cp_no-scheme"]
)
def test_every_route_answers_401_without_a_valid_key(
    alice, alpha_job, method, template, authorization
):
    headers = {"Authorization": authorization} if authorization is not None else {}
    client = Client()
    path = url(template, "alpha", job_id=alpha_job.id)
    if method == "get":
        response = client.get(path, headers=headers)
    elif method == "patch":
        response = client.patch(path, "{}", content_type="application/json", headers=headers)
    elif method == "put":
        response = client.put(path, "{}", content_type="application/json", headers=headers)
    elif method == "delete":
        response = client.delete(path, headers=headers)
    else:
        response = client.post(path, body_for(method), headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_every_route_declares_its_authentication():
    paths = api.get_openapi_schema()["paths"]
    for path, ops in paths.items():
        for method, op in ops.items():
            assert op["security"] == [{"ApiKey": []}, {"SignedInSession": []}], (method, path)


def test_a_valid_key_authenticates(alice):
    response = alice.get("/api/v1/companies/alpha/customers", limit=1)
    assert response.status_code == 200
    assert ApiToken.objects.get(user=alice.user).last_used_at is not None


def test_a_revoked_key_no_longer_authenticates(alice):
    ApiToken.objects.filter(user=alice.user).update(revoked_at=timezone.now())
    assert alice.get("/api/v1/companies").status_code == 401


def test_the_key_of_a_deactivated_user_no_longer_authenticates(alice):
    alice.user.is_active = False
    alice.user.save()
    assert alice.get("/api/v1/companies").status_code == 401


def test_the_browser_session_authenticates_reads(alice):
    client = Client()
    client.force_login(alice.user, backend=SESSION_BACKEND)
    response = client.get("/api/v1/companies/alpha/customers/ACME")
    assert response.status_code == 200
    assert response.json()["code"] == "ACME"


def test_a_write_with_the_session_needs_the_csrf_token(alice, alpha):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user, backend=SESSION_BACKEND)
    path = "/api/v1/companies/alpha/customers/ACME"
    refused = client.patch(path, '{"rating": "C"}', content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in error_of(refused)["message"]
    assert Customer.objects.get(company=alpha, code="ACME").rating == ""

    docs = client.get("/api/docs").content.decode()  # the page hands the token to Swagger UI
    token = re.search(r'data-csrf-token="([^"]+)"', docs).group(1)
    accepted = client.patch(
        path, '{"rating": "C"}', content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 200
    assert Customer.objects.get(company=alpha, code="ACME").rating == "C"


def test_a_key_needs_no_csrf_token(alice, alpha):
    alice.client = Client(enforce_csrf_checks=True)
    assert alice.patch("/api/v1/companies/alpha/customers/ACME", {"rating": "C"}).status_code == 200
