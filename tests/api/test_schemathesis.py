"""Schemathesis against every operation of the OpenAPI document: no server error, no answer the document does not describe.

The generated requests go to the Django WSGI application in this process,
as Alice (alpha's credit manager), with the path held to a real company,
customer, import and order so that they reach past the 404s (the order is put
back before each request, and an order's customer is a real one); queries, bodies and
uploaded files are generated. A few dozen examples per operation keep the test
well under a minute and a half; ``CREDITPILOT_FUZZ_EXAMPLES=1000`` runs a deeper search.
"""

from __future__ import annotations

import os
from datetime import date

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from creditpilot.collections.models import Dispute, LitigationCase, Message
from creditpilot.orchestration.imports import do_submit_import
from creditpilot.risk.models import Order, ProvisionRun

pytestmark = [pytest.mark.store, pytest.mark.django_db]
ORDER = "CMD-1"

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def connection_kept():
    """Keep the test's database connection across requests, as Django's test client does.

    The WSGI handler closes old connections when a request starts and ends; on
    PostgreSQL that would close the connection holding the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fixed_path(alpha, alice, settings, tmp_path):
    """A real company, customer and import for the path, so that a request reaches the view."""
    settings.IMPORTS_IN_BACKGROUND = False  # no thread outliving the test's transaction
    settings.UPLOAD_DIR = tmp_path / "uploads"
    job = do_submit_import(
        alpha,
        "customers",
        SimpleUploadedFile("clients.csv", b"code,name\nX,Y\n"),
        user="alice",
    )
    acme = alpha.customers.get(code="ACME")
    message = Message.objects.create(
        company=alpha,
        customer=acme,
        day=date(2026, 7, 15),
        step_key="formal_notice",
        step_name="Mise en demeure",
        channel="email",
        status=Message.Status.AWAITING_APPROVAL,
    )
    case = LitigationCase.objects.create(company=alpha, customer=acme, opened_on=date(2026, 6, 1))
    ProvisionRun.objects.create(company=alpha, month_end=date(2026, 6, 30))
    dispute = Dispute.objects.create(
        company=alpha,
        customer=acme,
        item=acme.documents.get(number="FA001"),
        reason="price",
        opened_on=date(2026, 6, 10),
    )
    return {
        "company": "alpha",
        "code": "ACME",
        "case": str(case.pk),
        "month_end": "2026-06-30",
        "dispute": str(dispute.pk),
        "job_id": str(job.pk),
        "item": "FA001",
        "message": str(message.pk),
        "number": ORDER,
    }


def order_kept(company):
    """The order of the path, put back before each request: a DELETE before it removed it."""
    Order.objects.get_or_create(
        company=company,
        number=ORDER,
        defaults={
            "customer": company.customers.get(code="ACME"),
            "date": date(2026, 6, 5),
            "amount": 100_00,
        },
    )


# the document is public and read without the database
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("CREDITPILOT_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure is reproduced, not met once
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_openapi_document_says(
    case, alpha, alice, fixed_path, connection_kept
):
    for name in list(case.path_parameters or {}):
        case.path_parameters[name] = fixed_path[name]
    if isinstance(case.query, dict) and "customer" in case.query:
        case.query["customer"] = fixed_path["code"]  # a real customer, past the 404
    if isinstance(case.body, dict) and "customer" in case.body:
        case.body["customer"] = fixed_path["code"]  # an order of a real customer is written
    order_kept(alpha)
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {alice.key}"}, checks=CHECKS
    )
    # past the key and the scope: the view itself answered
    assert response.status_code not in (401, 404), response.text
