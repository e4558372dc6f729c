"""Security of every page and API route, generated from the URL configuration.

A new route is covered without touching this file: each pattern taking a
``company`` is requested by a user of another company (404 expected), by a
sales user for another rep's customer (404) and posted to by an auditor (never
a change). A route without ``company`` must be listed in ``GLOBAL_ROUTES``, so
adding one is a decision made here, not an accident.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from pypdf import PdfWriter

from creditpilot.accounts.models import ApiToken
from creditpilot.audit.models import AuditEvent
from creditpilot.collections.models import (
    Dispute,
    DisputeFile,
    LitigationCase,
    Message,
    PaymentPlan,
    Strategy,
    Task,
)
from creditpilot.customers.models import Customer
from creditpilot.receivables.models import Document, ImportJob
from creditpilot.risk.models import ProvisionRun
from creditpilot.steering.models import ReportSchedule
from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.store]

# routes that are not about one company: sign-in, language, the list of one's companies, docs
GLOBAL_ROUTES = {
    "",
    "login/",
    "logout/",
    "language/",
    "portfolio/",
    "api/",
    "api/<path:rest>",  # unknown API paths: a JSON 404
    "api/docs",
    "api/openapi.json",
    "api/v1/companies",
    # the customer portal: no sign-in, the signed link is the key (tests/web/test_portal.py
    # tries it forged, changed, expired, revoked and from another company)
    "portal/<str:token>/",
    "portal/<str:token>/statement.pdf",
    "portal/<str:token>/promise/",
    "portal/<str:token>/dispute/",
    "portal/<str:token>/plan/",
}
PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>|\{(?P<brace>[^}:]+)(?::[^}]*)?\}")


def all_routes() -> list[str]:
    """Every URL pattern as a route string, e.g. ``c/<str:company>/customers/<str:code>/``."""
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:  # type: ignore[no-untyped-def]
        for p in patterns:
            route = prefix + str(p.pattern).lstrip("^").rstrip("$").replace("\\Z", "")
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                found.append(route)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def params_of(route: str) -> set[str]:
    return {m.group("name") or m.group("brace") for m in PARAM.finditer(route)}


def fill(route: str, values: dict[str, object]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group("name") or m.group("brace")
        if name not in values:
            raise KeyError(f"no test value for the URL parameter {name!r} of {route!r}")
        return str(values[name])

    return "/" + PARAM.sub(sub, route)


FORM = {
    "payment_terms": "NET60",
    "credit_limit": "1",
    "text": "x",
    "name": "Hacked",
    "default_terms": "NET90",
}


def attempt(client: Client, method: str, url: str):  # type: ignore[no-untyped-def]
    """A request with a valid body, so that only the scope and the rights can refuse it."""
    if method == "get":
        return client.get(url)
    if method == "post":
        upload = SimpleUploadedFile("FEC.txt", b"x", content_type="text/plain")
        return client.post(url, {**FORM, "kind": "fec", "file": upload})
    body: dict[str, str] = {"segment": "X", "payment_terms": "NET60"}
    if "/orders/" in url:
        body = {"customer": "ACME", "date": "2026-06-01", "amount": "10.00"}
    if url.endswith("/decision-matrix"):
        row = {"action": "lawyer", "collector_up_to": "0.00", "manager_up_to": "10.00"}
        return getattr(client, method)(url, {"rows": [row]}, content_type="application/json")
    return getattr(client, method)(url, body, content_type="application/json")


def company_routes() -> list[str]:
    return [r for r in all_routes() if "company" in params_of(r)]


@pytest.fixture
def b_objects(world, tmp_path, settings):
    """Objects of company B a user of A must never reach: a customer, an import job."""
    settings.IMPORTS_IN_BACKGROUND = False
    job = ImportJob.objects.create(
        company=world.b,
        kind="fec",
        file_name="b.txt",
        stored_path=str(tmp_path / "b.txt"),
        created_by="bob",
    )
    token = ApiToken.objects.create(
        user=get_user_model().objects.get(username="bob"), prefix="cp_b", key_hash="b" * 64
    )
    acme = Customer.objects.get(company=world.b, code="ACME")
    pdf = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(pdf)
    letter = Message.objects.create(
        company=world.b,
        customer=acme,
        day=date(2026, 6, 30),
        step_key="formal_notice",
        step_name="Mise en demeure",
        channel="letter",
        status="sent",
        pdf=pdf.getvalue(),
        pdf_sha256="0" * 64,
    )
    task = Task.objects.create(
        company=world.b, customer=acme, kind="call", key="call:b", day=date(2026, 6, 30)
    )
    # an approved month end of B, whose entries only B's users may download
    ProvisionRun.objects.create(company=world.b, month_end=date(2026, 6, 30), status="approved")
    plan = PaymentPlan.objects.create(
        company=world.b, customer=acme, total=100_00, agreed_on=date(2026, 6, 30)
    )
    case = LitigationCase.objects.create(company=world.b, customer=acme, opened_on=date(2026, 6, 1))
    # a dispute of B with the file its customer sent through the portal
    dispute = Dispute.objects.create(
        company=world.b,
        customer=acme,
        item=Document.objects.get(company=world.b, number="FA002"),
        reason="price",
        opened_on=date(2026, 6, 30),
    )
    DisputeFile.objects.create(
        company=world.b,
        dispute=dispute,
        name="b.pdf",
        content_type="application/pdf",
        size=5,
        sha256="0" * 64,
        data=b"%PDF-",
        uploaded_by="portal:customer",
    )
    schedule = ReportSchedule.objects.create(
        company=world.b, report="monthly", frequency="monthly", created_by="bea"
    )
    from creditpilot.forecast.models import ForecastRun

    empty = {"weeks": [], "months": [], "by_rating": [], "by_segment": [], "by_customer": []}
    ForecastRun.objects.create(
        company=world.b,
        day=date(2026, 6, 30),
        method="fallback",
        summary={"as_of": "2026-06-30", "currency": "EUR", "method": "fallback", "reason": "",
                 "n_train": 0, "open": "0.00", "later": "0.00", **empty},
    )  # fmt: skip
    return {
        "company": world.b.code,
        "code": "ACME",
        "job": job.pk,
        "job_id": job.pk,
        "username": "bob",
        "token": token.pk,
        **dunning_values(world.b),
        "task": task.pk,
        "message": letter.pk,
        "item": "FA001",
        "plan": plan.pk,
        "case": case.pk,
        "dispute": dispute.pk,
        "schedule": schedule.pk,
    }


def dunning_values(company) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The URL values of the dunning pages: a strategy, a wording, and ids that do not exist."""
    return {
        "strategy": Strategy.objects.get(company=company, is_default=True).pk,
        "key": "reminder_1",
        "language": "fr",
        "variant": "standard",
        "task": 0,
        "message": 0,
        "item": "FA001",
        "number": "CMD-1",
        "month": "2026-06-30",
        "month_end": "2026-06-30",
        "dispute": 0,
        "plan": 0,
        "case": 0,
        "schedule": 0,
    }


def test_every_route_is_either_about_a_company_or_known_global():
    unknown = [r for r in all_routes() if "company" not in params_of(r) and r not in GLOBAL_ROUTES]
    assert unknown == [], (
        f"new routes without a company: decide and list them in GLOBAL_ROUTES: {unknown}"
    )
    assert len(company_routes()) >= 15  # pages and API routes were found


def test_a_user_of_company_a_gets_404_on_every_route_of_company_b(world, b_objects):
    alice = world.client("alice")
    for route in company_routes():
        url = fill(route, b_objects)
        for method in ("get", "post", "patch"):
            response = attempt(alice, method, url)
            if response.status_code == 405:
                continue  # a route refuses a method it does not take before looking at anything
            assert response.status_code == 404, (
                f"{method.upper()} {url} gave {response.status_code}"
            )


def test_the_api_gives_404_to_a_token_of_another_company(world, b_objects):
    from creditpilot.accounts.services import do_create_token

    key = do_create_token("alice")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    api_routes = [r for r in company_routes() if r.startswith("api/")]
    assert api_routes
    for route in api_routes:
        url = fill(route, b_objects)
        for method in ("get", "post", "patch"):
            response = attempt(client, method, url)
            if response.status_code == 405:
                continue
            assert response.status_code == 404, (
                f"{method.upper()} {url} gave {response.status_code}"
            )
            assert response.json()["error"]["code"]


def test_the_same_routes_answer_for_the_owner(world, b_objects):
    """The 404s above are about scope, not broken routes: B's admin reaches B's pages."""
    bob = world.client("bea")
    for route in company_routes():
        if "job" in params_of(route) or "job_id" in params_of(route):
            continue  # the job above has no file behind it
        query = "?as_of=2026-06-30&customer=ACME&amount=10.00"  # the credit check's query too
        response = bob.get(fill(route, b_objects) + query)
        assert response.status_code in (200, 405), f"GET {route} gave {response.status_code}"


def test_a_sales_user_cannot_see_another_reps_customer(world):
    sam = world.client("sam")
    values = {
        "company": world.a.code,
        "job": 0,
        "job_id": 0,
        "username": "alice",
        "token": 0,
        **dunning_values(world.a),
    }
    customer_routes = [r for r in company_routes() if "code" in params_of(r)]
    assert customer_routes
    for route in customer_routes:
        for method in ("get", "post", "patch"):
            response = attempt(sam, method, fill(route, {**values, "code": "GLOBEX"}))
            if response.status_code == 405:
                continue  # the route does not take this method, whoever asks
            # 404, or 403 where the role may not act at all (the same answer for any customer);
            # 415: an API route refuses a body that is not JSON before reading anything
            assert response.status_code in (403, 404, 415), (
                f"{method} {route}: {response.status_code}"
            )
            assert b"Globex" not in response.content
    assert (
        sam.get(
            fill("c/<str:company>/customers/<str:code>/", {**values, "code": "ACME"})
        ).status_code
        == 200
    )
    listing = sam.get(f"/c/{world.a.code}/customers/?as_of=2026-06-30").content.decode()
    assert "ACME" in listing and "GLOBEX" not in listing and "INITECH" not in listing


def test_an_auditor_can_change_nothing(world):
    audrey = world.client("audrey")
    values = {
        "company": world.a.code,
        "code": "ACME",
        "job": 0,
        "job_id": 0,
        "username": "alice",
        "token": 0,
        **dunning_values(world.a),
    }
    before_customers = list(Customer.objects.order_by("id").values())
    before_documents = Document.objects.count()
    for route in company_routes():
        url = fill(route, values)
        for method in ("post", "patch", "put", "delete"):
            response = attempt(audrey, method, url)
            assert response.status_code in (403, 404, 405, 415), (
                f"{method.upper()} {url} gave {response.status_code}"
            )
    assert list(Customer.objects.order_by("id").values()) == before_customers
    assert Document.objects.count() == before_documents
    assert not ImportJob.objects.exists()
    assert world.a.name == type(world.a).objects.get(pk=world.a.pk).name


def test_csrf_is_enforced_on_pages(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="alice"))
    url = f"/c/{world.a.code}/customers/ACME/edit/"
    assert client.post(url, {"payment_terms": "NET60"}).status_code == 403
    assert Customer.objects.get(company=world.a, code="ACME").payment_terms == ""
    page = client.get(f"/c/{world.a.code}/customers/ACME/")
    token = page.context["csrf_token"]
    assert (
        client.post(url, {"payment_terms": "NET60", "csrfmiddlewaretoken": str(token)}).status_code
        == 302
    )
    assert Customer.objects.get(company=world.a, code="ACME").payment_terms == "NET60"


def test_csrf_is_enforced_on_the_api_with_a_session(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="alice"))
    response = client.patch(
        f"/api/v1/companies/{world.a.code}/customers/ACME",
        {"payment_terms": "NET60"},
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert Customer.objects.get(company=world.a, code="ACME").payment_terms == ""


def test_passwords_are_hashed_with_djangos_default_hasher(db):
    from django.conf import global_settings
    from django.contrib.auth.hashers import identify_hasher

    from creditpilot import settings as product_settings
    from creditpilot.accounts.services import do_add_user

    assert not hasattr(product_settings, "PASSWORD_HASHERS")  # Django's default list
    assert settings.PASSWORD_HASHERS == global_settings.PASSWORD_HASHERS
    do_add_user("dora", password=PASSWORD)
    user = get_user_model().objects.get(username="dora")
    assert identify_hasher(user.password).algorithm == "pbkdf2_sha256"
    assert PASSWORD not in user.password
    assert user.check_password(PASSWORD)


def test_sign_in_is_rate_limited(world):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/login/", {"username": "alice", "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    assert client.post("/login/", {"username": "alice", "password": "wrong"}).status_code == 429
    locked = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert (
        AuditEvent.objects.filter(action="sign_in_failed", username="alice").count()
        >= settings.AXES_FAILURE_LIMIT
    )


def test_sign_in_and_out_are_audited(world):
    client = Client()
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="sign_in", username="alice").exists()


def test_uploads_are_size_limited(world, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    alice = world.client("alice")
    upload = SimpleUploadedFile("big.txt", b"x" * 2000, content_type="text/plain")
    response = alice.post(f"/c/{world.a.code}/imports/", {"kind": "fec", "file": upload})
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_an_uploaded_file_is_never_served_back_nor_its_name_run_as_html(world, settings):
    settings.IMPORTS_IN_BACKGROUND = False
    alice = world.client("alice")
    name = "<img src=x onerror=alert(1)>.txt"
    upload = SimpleUploadedFile(
        name, b"<html><script>alert(1)</script></html>", content_type="text/html"
    )
    response = alice.post(
        f"/c/{world.a.code}/imports/", {"kind": "fec", "file": upload}, follow=True
    )
    body = response.content.decode()
    assert "<img src=x" not in body and "<script>alert" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in body
    job = ImportJob.objects.get()
    stored = Path(job.stored_path)
    assert stored.name == "_img_src_x_onerror_alert_1__.txt"
    assert str(settings.UPLOAD_DIR) in str(stored)
    assert not str(settings.UPLOAD_DIR).startswith(str(settings.STATIC_ROOT))
    # no route serves files from the upload folder
    assert not any("upload" in r for r in all_routes())


def test_no_secret_in_the_repository_a_key_is_generated_on_first_run(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = {
        "CREDITPILOT_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "creditpilot.settings",
    }
    first = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    again = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key_file = tmp_path / "secret_key"
    assert first.stdout == again.stdout and len(first.stdout.strip()) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=Path(__file__).parents[2], capture_output=True, text=True
    )
    assert "secret_key" not in tracked.stdout.split()


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(world, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    alice = world.client("alice")
    big = SimpleUploadedFile("big.txt", b"x" * (2 * 1024 * 1024), content_type="text/plain")
    page = alice.post(f"/c/{world.a.code}/imports/", {"kind": "fec", "file": big})
    assert page.status_code == 413
    big.seek(0)
    api = alice.post(f"/api/v1/companies/{world.a.code}/imports", {"kind": "fec", "file": big})
    assert api.status_code == 413 and api.json()["error"]["code"] == "upload_too_large"
    assert not ImportJob.objects.exists()
