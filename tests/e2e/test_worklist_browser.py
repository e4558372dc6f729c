"""A collector's morning in Chromium: the worklist after the daily run, a call that ends in a
promise recorded in the form, and the customer gone from the next day's reminders."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.e2e.conftest import Server, require_browser, server_env

require_browser()

from playwright.sync_api import expect  # noqa: E402


def cli(server: Server, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "creditpilot", *args],
        env=server_env(server.folder),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_collector_records_a_promise_and_the_customer_leaves_the_reminders(open_page, server):
    cli(server, "run", "--as-of", "2026-06-30", "--company", "E2E")
    page = open_page("manager")
    page.goto(server.at("c/E2E/worklist/?all=1&as_of=2026-06-30"))
    expect(page.locator("h1")).to_contain_text("Relances du jour")
    task = page.locator("section.task", has_text="INITECH").filter(has_text="Appeler")
    expect(task).to_be_visible()
    expect(task.locator(".script")).to_contain_text("Demandez quand le règlement sera fait")
    task.locator("details.promise summary").click()
    form = task.locator("details.promise form")
    form.locator("input[name=amount]").fill("250,00")
    form.locator("input[name=promised_date]").fill("2026-07-10")
    for box in form.locator("input[name=items]").all():  # every open invoice of the customer
        box.check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Promesse enregistrée")
    expect(
        page.locator("section.task", has_text="INITECH").filter(has_text="Appeler")
    ).to_have_count(0)

    plan = json.loads(
        cli(
            server,
            "run",
            "--as-of",
            "2026-07-01",
            "--dry-run",
            "--format",
            "json",
            "--company",
            "E2E",
        )
    )
    assert "INITECH" not in {a["customer"] for a in plan["actions"]}
    # the customer page tells the story
    page.goto(server.at("c/E2E/customers/INITECH/?as_of=2026-06-30"))
    expect(page.locator("#dunning-timeline")).to_contain_text("Promesse de paiement au 10/07/2026")
