"""Answers outside the routes keep the error shape: a path that is no route, a method a route lacks."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.support import error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]


@pytest.mark.parametrize("path", ["/api/", "/api/v1/companie", "/api/v2/companies/alpha/customers"])
def test_a_path_that_is_no_route_is_a_404(alice, path):
    response = alice.get(path)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_post_to_a_path_that_is_no_route_is_a_404_not_a_csrf_page(alice):
    alice.client = Client(enforce_csrf_checks=True)
    response = alice.post("/api/v1/companies/alpha/payments", {"amount": "1.00"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_method_the_route_does_not_have_is_a_405_naming_the_allowed_ones(alice):
    response = alice.client.delete(
        "/api/v1/companies/alpha/customers/ACME", headers=alice._headers()
    )
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH"}


def test_an_unexpected_failure_is_a_500_that_says_nothing_of_the_internals(alice, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("creditpilot.api.reports.aging_json_bytes", broken)
    response = alice.get("/api/v1/companies/alpha/aging")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert "secret" not in response.content.decode()
