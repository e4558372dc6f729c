"""Credit limits in Chromium: a collector asks for a limit above its delegation, a credit
manager grants it; the insurer's cover and the review date are recorded beside the limit."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.conftest import Server, require_browser, server_env, sign_in

require_browser()

from playwright.sync_api import expect  # noqa: E402

COLLECTOR_PASSWORD = "un collecteur patient et courtois"


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


def test_a_limit_above_the_collectors_delegation_is_granted_by_the_credit_manager(
    open_page, server
):
    cli(server, "user", "add", "colin", "--password", COLLECTOR_PASSWORD,
        "--role", "collector", "--company", "E2E")  # fmt: skip
    page = open_page()
    sign_in(page, server, "colin", COLLECTOR_PASSWORD)
    page.goto(server.at("c/E2E/customers/INITECH/"))
    form = page.locator("#limit-form")
    form.locator("#limit-amount").fill("25 000")
    form.locator("#limit-reason").fill("commande annuelle signée")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Demande transmise pour validation")
    expect(page.locator("#limits .limit-request")).to_contain_text("en attente de décision")
    # a collector's delegation (10,000 EUR) does not cover it: no button to grant it
    expect(page.locator("#limits button[value=approve]")).to_have_count(0)

    manager = open_page("manager")
    manager.goto(server.at("c/E2E/customers/INITECH/"))
    request = manager.locator("#limits .limit-request", has_text="commande annuelle signée")
    with manager.expect_navigation():
        request.locator("button[value=approve]").click()
    expect(manager.locator("body")).to_contain_text("Décision enregistrée")
    expect(manager.locator("#limits")).to_contain_text("Actuel : 25\u202f000,00\u00a0€")
    expect(manager.locator("#limits .limit-request")).to_contain_text("accordé")

    # the cover beside the limit, in the same page
    manager.locator("#cover-edit summary").click()
    cover = manager.locator("#cover-form")
    cover.locator("#cover-insurer").fill("Allianz Trade")
    cover.locator("#cover-insured").fill("20000")
    cover.locator("#cover-decided").fill("2026-01-15")
    cover.locator("#cover-expires").fill("2099-12-31")
    cover.locator("#cover-review").fill("2026-01-31")
    with manager.expect_navigation():
        cover.locator("button[type=submit]").click()
    expect(manager.locator("body")).to_contain_text("Assurance et garantie enregistrées")
    expect(manager.locator("#cover")).to_contain_text("Assurance-crédit : Allianz Trade")
    expect(manager.locator("#review-due")).to_have_text("revue à faire")
