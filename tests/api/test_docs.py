"""The OpenAPI document at /api/openapi.json and the docs page at /api/docs, served without any CDN."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = [pytest.mark.store, pytest.mark.django_db]

ROUTES = {
    "/api/v1/companies": {"get"},
    "/api/v1/companies/{company}/customers": {"get"},
    "/api/v1/companies/{company}/customers/{code}": {"get", "patch"},
    "/api/v1/companies/{company}/customers/{code}/open-items": {"get"},
    "/api/v1/companies/{company}/aging": {"get"},
    "/api/v1/companies/{company}/kpis": {"get"},
    "/api/v1/companies/{company}/forecast": {"get"},
    "/api/v1/companies/{company}/imports": {"get", "post"},
    "/api/v1/companies/{company}/imports/{job_id}": {"get"},
    "/api/v1/companies/{company}/actions": {"get"},
    "/api/v1/companies/{company}/customers/{code}/timeline": {"get"},
    "/api/v1/companies/{company}/customers/{code}/promises": {"post"},
    "/api/v1/companies/{company}/customers/{code}/disputes": {"post"},
    "/api/v1/companies/{company}/customers/{code}/disputes/{item}": {"delete"},
    "/api/v1/companies/{company}/messages/{message}/approve": {"post"},
    "/api/v1/companies/{company}/customers/{code}/plans": {"get", "post"},
    "/api/v1/companies/{company}/customers/{code}/cases": {"get", "post"},
    "/api/v1/companies/{company}/customers/{code}/cases/{case}": {"patch"},
    "/api/v1/companies/{company}/customers/{code}/cases/{case}/claim": {"get"},
    "/api/v1/companies/{company}/provisions": {"get"},
    "/api/v1/companies/{company}/provisions/{month_end}": {"get"},
    "/api/v1/companies/{company}/provisions/{month_end}/approve": {"post"},
    "/api/v1/companies/{company}/credit-check": {"get"},
    "/api/v1/companies/{company}/orders": {"get"},
    "/api/v1/companies/{company}/orders/{number}": {"put", "delete"},
    "/api/v1/companies/{company}/disputes": {"get"},
    "/api/v1/companies/{company}/disputes/{dispute}": {"patch"},
    "/api/v1/companies/{company}/decision-matrix": {"get", "put"},
    "/api/v1/companies/{company}/customers/{code}/decisions": {"get", "post"},
    "/api/v1/companies/{company}/customers/{code}/portal-link": {"post", "delete"},
    "/api/v1/companies/{company}/terms-of-sale": {"get"},
    "/api/v1/companies/{company}/terms-of-sale/check": {"post"},
}


def test_the_openapi_document_lists_every_route_with_bearer_auth():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert {path: set(ops) for path, ops in schema["paths"].items()} == ROUTES
    assert schema["components"]["securitySchemes"]["ApiKey"] == {"type": "http", "scheme": "bearer"}
    assert "ErrorOut" in schema["components"]["schemas"]
    patch = schema["paths"]["/api/v1/companies/{company}/customers/{code}"]["patch"]
    assert {"200", "401", "403", "404", "422"} <= set(patch["responses"])


def test_the_docs_page_loads_swagger_ui_from_the_static_files():
    client = Client()
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    assert "/static/ninja/swagger-ui.css" in assets
    assert all(a.startswith("/static/") for a in assets), assets
    assert '"validatorUrl": null' in html
    assert '"url": "/api/openapi.json"' in html
    for asset in ("/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui-init.js"):
        assert client.get(asset).status_code == 200


def test_every_operation_declares_the_400_and_the_401_in_the_error_shape():
    schema = Client().get("/api/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, (
                    method,
                    path,
                )


def test_the_document_says_which_files_an_import_takes_and_that_email_is_an_address():
    schema = Client().get("/api/openapi.json").json()
    post = schema["paths"]["/api/v1/companies/{company}/imports"]["post"]
    form = post["requestBody"]["content"]["multipart/form-data"]
    for suffix in (".txt", ".csv", ".tsv", ".xlsx", ".xls", ".ods", ".fec"):
        assert suffix in form["schema"]["properties"]["file"]["description"]
    assert "text/csv" in form["encoding"]["file"]["contentType"]
    changes = schema["components"]["schemas"]["CustomerChanges"]["properties"]
    assert {"format": "email", "maxLength": 254, "type": "string"} in changes["email"]["anyOf"]
    patch = schema["paths"]["/api/v1/companies/{company}/customers/{code}"]["patch"]
    assert {"413", "415"} <= set(patch["responses"])
