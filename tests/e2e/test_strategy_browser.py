"""A credit manager edits the dunning in Chromium: a step added to the strategy, a same-day step
refused, a wording refused with its line, then previewed on a real customer."""

from __future__ import annotations

from tests.e2e.conftest import require_browser

require_browser()

from playwright.sync_api import expect  # noqa: E402


def test_the_strategy_editor_and_the_wording_preview(open_page, server):
    page = open_page("manager")
    page.goto(server.at("c/E2E/strategies/"))
    expect(page.locator("h1")).to_have_text("Stratégies de relance")
    expect(page.locator("main")).to_contain_text("45 jours après l'échéance")
    page.locator("main h2 a", has_text="Standard").click()
    form = page.locator("#step-form")
    form.locator("input[name=name]").fill("Relance finale")
    form.locator("input[name=days]").fill("45")
    form.locator("select[name=channel]").select_option("email")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("Deux étapes ne peuvent pas tomber le même jour.")
    form = page.locator("#step-form")
    form.locator("input[name=name]").fill("Relance finale")
    form.locator("input[name=days]").fill("75")
    form.locator("select[name=channel]").select_option("email")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#steps")).to_contain_text("75 jours après l'échéance")

    page.goto(server.at("c/E2E/wording/reminder_2/fr/standard/"))
    page.locator("#body").fill("Bonjour,\n\n{{ client.nom }}\n")
    with page.expect_navigation():
        page.locator("button[value=save]").click()
    expect(page.locator("#template-error")).to_have_text(
        "corps, ligne 3 : variable inconnue « client »"
    )
    page.locator("#body").fill("Bonjour {{ customer.name }},\nvous devez {{ total }}.\n")
    page.locator("#customer").select_option("GLOBEX")
    page.locator("#as_of").fill("2026-06-30")
    with page.expect_navigation():
        page.locator("button[value=preview]").click()
    expect(page.locator("#preview")).to_contain_text("Bonjour Globex")
    expect(page.locator("#preview")).to_contain_text("vous devez 3")
