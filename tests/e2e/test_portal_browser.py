"""The customer portal in Chromium: a reminder arrives over SMTP with its personal link, the
customer opens it, reads the statement and promises a payment date; the collector finds the
promise on the worklist; a forged link, then the same link once expired, show the plain 404."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.dunning.smtp import SmtpServer
from tests.e2e.conftest import Server, require_browser, server_env

require_browser()

from playwright.sync_api import expect  # noqa: E402

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/portal/[A-Za-z0-9_.-]+/)")


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def store(server: Server) -> sqlite3.Connection:
    return sqlite3.connect(server.folder / "cp.sqlite3")


def run_and_send(server: Server, smtp: SmtpServer, as_of: str) -> None:
    """The daily run, by the command line, with the mail server and the portal's address."""
    env = server_env(server.folder)
    env["CREDITPILOT_SMTP_URL"] = smtp.url
    env["CREDITPILOT_PUBLIC_URL"] = server.url.rstrip("/")
    done = subprocess.run(
        [sys.executable, "-m", "creditpilot", "run", "--as-of", as_of, "--company", "E2E"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def test_the_customer_opens_the_link_of_a_reminder_and_promises_a_date(open_page, server, smtp):
    with store(server) as db:
        db.execute(
            "UPDATE customers_customer SET email = 'compta@initech.example' WHERE code = 'INITECH'"
        )
    # Initech's FA010 (250.00, due 31 May) gets its third reminder by email that day
    run_and_send(server, smtp, "2026-06-30")
    (mail,) = smtp.inbox.to("compta@initech.example")
    text = mail.get_body(("plain",)).get_content()
    assert "Votre espace personnel" in text
    link = LINK.search(text)[1]

    page = open_page()  # the customer: nobody is signed in
    page.goto(link)
    expect(page.locator("h1")).to_contain_text("Votre compte chez Démo E2E SAS")
    statement = page.locator("#statement")
    expect(statement).to_contain_text("FA010")
    expect(statement).to_contain_text("FA006")
    expect(statement).not_to_contain_text("FA002")  # Acme's
    expect(page.locator("#total-due")).to_contain_text("€")
    expect(page.locator("header")).not_to_contain_text("Clients")  # no navigation of the app
    with page.expect_download() as download:
        page.click("#statement-pdf")
    assert download.value.suggested_filename.endswith(".pdf")

    today = datetime.now(ZoneInfo("Europe/Paris")).date()  # the server's day
    day = (today + timedelta(days=10)).isoformat()
    form = page.locator("#promise form")
    form.locator("input[name=promised_date]").fill(day)
    form.locator("input[name=amount]").fill("250,00")
    form.locator("input[name=items][value=FA010]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#confirmation")).to_contain_text(
        "votre promesse de paiement est enregistrée"
    )

    collector = open_page("manager")
    collector.goto(server.at(f"c/E2E/worklist/?as_of={today.isoformat()}"))
    task = collector.locator("section.task", has_text="Promesse faite par le portail")
    expect(task).to_contain_text("Le client promet 250,00")
    expect(task).to_contain_text("Initech")

    forged = link[:-6] + ("A" if link[-6] != "A" else "B") + link[-5:]
    page.goto(forged)
    expect(page.locator("h1")).to_have_text("Lien non valable")
    expect(page.locator("body")).not_to_contain_text("E2E")
    expect(page.locator("body")).not_to_contain_text("FA010")

    with store(server) as db:
        db.execute("UPDATE collections_app_portallink SET expires_at = '2026-01-01 00:00:00'")
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Lien non valable")
    expect(page.locator("body")).not_to_contain_text("FA010")
