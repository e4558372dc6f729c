"""The web application as a person uses it: sign in, import, read the dashboard,
find a customer, switch the language; in Debian's Chromium against ``creditpilot serve``.

The server and its store are described in ``conftest.py``. Each test opens its own
browser context (each user's session cookie is made once per module, by signing in);
the tests do not depend on each other's order.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.e2e.conftest import Server, require_browser, sign_in
from tests.fecbuilder import Fec, hand_ledger

require_browser()

from playwright.sync_api import expect  # noqa: E402


def digits(text: str) -> str:
    """An amount as its digits only: ``1 600,00 €`` and ``€1,600.00`` both give ``160000``."""
    return re.sub(r"\D", "", text)


def upload(page, server: Server, company: str, path: Path) -> None:
    """Submit a FEC on the imports page and wait for the job's result page."""
    page.goto(server.at(f"c/{company}/imports/"))
    form = page.locator("#import-form")
    form.locator("select[name=kind]").select_option("fec")
    form.locator("input[name=file]").set_input_files(str(path))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/c/{company}/imports/\d+/$"))
    # the page polls the job and reloads itself once it is finished
    expect(page.locator("#import-result")).to_be_visible()


def test_sign_in_refuses_a_wrong_password_then_lands_on_the_dashboard(open_page, server):
    page = open_page()
    sign_in(page, server, "manager", "not-the-password")
    expect(page).to_have_url(server.at("login/"))
    expect(page.locator("form.login .errorlist")).to_be_visible()
    expect(page.locator("#kpi-total")).to_have_count(0)

    sign_in(page, server, "manager")
    expect(page).to_have_url(server.at("c/E2E/"))
    expect(page.locator("h1")).to_contain_text("Démo E2E SAS")
    expect(page.locator("#kpi-total")).to_be_visible()
    expect(page.locator("#aging-chart")).to_have_attribute("data-rendered", "1")


def test_a_fec_uploaded_in_the_browser_shows_on_the_dashboard(open_page, server, tmp_path):
    fec = Fec()
    fec.invoice("20260915", "ACME", "FB001", "1200.00")
    fec.invoice("20261005", "GLOBEX", "FB002", "600.00")
    fec.payment("20261020", "ACME", "200.00", "VIR ACME FB001")
    path = fec.write(tmp_path / "FEC-upload.txt")
    page = open_page("uploader")
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))

    upload(page, server, "UPLOAD", path)
    expect(page.locator("#import-status")).to_have_text("terminé")
    expect(page.locator("#import-errors")).to_have_count(0)
    counts = dict(
        (row.get_attribute("data-count"), row.locator("td").nth(1).inner_text().strip())
        for row in page.locator("#import-counts tr").all()
    )
    assert (
        page.locator('#import-counts tr[data-count="lines"] td').nth(0).inner_text()
        == "lignes lues"
    )
    assert counts["lines"] == str(len(fec.lines)) == "8"
    assert counts["customer_lines"] == "3"
    assert counts["customers_created"] == "2"
    assert counts["rejected_rows"] == "0"

    page.goto(server.at("c/UPLOAD/"))
    expect(page.locator("#aging-chart")).to_have_attribute("data-rendered", "1")
    expect(page.locator("#aging-chart svg")).to_be_visible()
    # ECharts draws the buckets as SVG paths; at least one bar is there
    assert page.locator("#aging-chart svg path").count() > 0
    assert digits(page.locator("#kpi-total").inner_text()) == "160000"  # 1200 - 200 + 600
    assert digits(page.locator("#kpi-overdue").inner_text()) == "160000"  # all past due by now
    expect(page.get_by_role("link", name="Acme SARL")).to_be_visible()  # top debtors
    expect(page.locator("#dso-chart")).to_have_attribute("data-rendered", "1")
    assert errors == []

    shot = Path(os.environ.get("CREDITPILOT_TEST_OUTPUT", "test-output")) / "dashboard.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_a_refused_fec_lists_its_errors_and_leaves_the_dashboard_as_it_was(
    open_page, server, tmp_path
):
    lines = hand_ledger().text().splitlines()
    lines[1] = lines[1].replace("20260410", "20261341", 1)  # line 2 of the file: month 13
    assert lines[7].startswith("VT|VT|VT00003|") and "|0,00|500,00|" in lines[7]
    lines[7] = lines[7].replace("|0,00|500,00|", "|0,00|499,00|")  # entry VT00003 (lines 7-9)
    bad = tmp_path / "FEC-bad.txt"
    bad.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")

    page = open_page("uploader")
    page.goto(server.at("c/UPLOAD/"))
    before = (page.locator("#kpi-total").inner_text(), page.locator("#aging-table").inner_text())

    upload(page, server, "UPLOAD", bad)
    expect(page.locator("#import-result")).to_have_class(re.compile(r"\blate\b"))
    rows = page.locator("#import-errors tbody tr")
    expect(rows).to_have_count(2)
    date_error, balance_error = (rows.nth(i).locator("td") for i in range(2))
    expect(date_error.nth(0)).to_have_text("2")
    expect(date_error.nth(1)).to_have_text("EcritureDate")
    expect(date_error.nth(2)).to_contain_text("20261341")
    expect(balance_error.nth(0)).to_have_text("7")  # an entry is reported at its first line
    expect(balance_error.nth(2)).to_contain_text("VT00003")
    expect(balance_error.nth(2)).to_contain_text("1,00")  # one euro off, said the French way

    page.goto(server.at("c/UPLOAD/"))
    expect(page.locator("#aging-chart")).to_have_attribute("data-rendered", "1")
    after = (page.locator("#kpi-total").inner_text(), page.locator("#aging-table").inner_text())
    assert after == before


def test_a_customer_found_by_name_shows_its_open_items(open_page, server):
    page = open_page("manager")
    page.goto(server.at("c/E2E/customers/"))
    page.fill("input[name=q]", "globex")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    rows = page.locator("#customers tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Globex SAS")

    with page.expect_navigation():
        rows.first.get_by_role("link", name="GLOBEX").click()
    expect(page).to_have_url(server.at("c/E2E/customers/GLOBEX/"))
    expect(page.locator("h1")).to_contain_text("Globex SAS")
    # FA003 is lettered with its payment, FA005 paid by its exact amount,
    # FA004 (1 800) paid 1 000 by a transfer naming it: 800 left
    open_items = page.locator("#open-items tbody tr")
    expect(open_items).to_have_count(1)
    expect(open_items.first).to_contain_text("FA004")
    assert digits(open_items.first.locator("td").nth(7).inner_text()) == "80000"
    assert digits(page.locator("#customer-balance").inner_text()) == "80000"


def test_the_language_switch_changes_the_page_and_its_header(open_page, server):
    page = open_page("polyglot")
    dashboard = server.at("c/E2E/")
    response = page.goto(dashboard)
    assert response is not None and response.headers.get("content-language") == "fr"
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    with page.expect_navigation() as nav:
        page.click("button[name=language][value=en]")
    assert nav.value.url == dashboard
    assert nav.value.headers.get("content-language") == "en"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav_bar = page.locator("header nav")
    expect(nav_bar.get_by_role("link", name="Dashboard", exact=True)).to_be_visible()
    expect(nav_bar.get_by_role("link", name="Customers", exact=True)).to_be_visible()
    expect(page.locator("button[name=language][value=en]")).to_be_disabled()

    # the choice holds on the next page
    with page.expect_navigation():
        nav_bar.get_by_role("link", name="Customers", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    with page.expect_navigation() as nav:
        page.click("button[name=language][value=fr]")
    assert nav.value.headers.get("content-language") == "fr"
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("button[name=language][value=fr]")).to_be_disabled()
    expect(page.locator("button[name=language][value=en]")).to_be_enabled()


def test_the_dashboard_loads_nothing_from_another_origin(open_page, server):
    page = open_page("manager")
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(server.at("c/E2E/"), wait_until="networkidle")
    expect(page.locator("#aging-chart")).to_have_attribute("data-rendered", "1")

    assert requested, "no request recorded"
    assert any(url.endswith(".js") for url in requested)  # the vendored ECharts and app.js
    foreign = [url for url in requested if not url.startswith(server.url)]
    assert foreign == []
    assert errors == []


# every tile, label and figure whose content is wider than its box (cut off or spilling over)
OVERFLOWING = """() => [...document.querySelectorAll('.card, .card .label, .card .value')]
    .filter(e => e.scrollWidth > e.clientWidth)
    .map(e => (e.id || e.className) + ': ' + e.textContent.trim())"""
LARGE_AMOUNTS = ("12\u202f345\u202f678,90\xa0€", "-12\u202f345\u202f678,90\xa0€", "€12,345,678.90")


def fill_tiles(page, selector: str, text: str) -> None:
    page.evaluate(
        "([selector, text]) => document.querySelectorAll(selector)"
        ".forEach(e => { e.textContent = text; })",
        [selector, text],
    )


def test_kpi_tiles_hold_large_amounts_at_laptop_and_desktop_widths(open_page, server):
    page = open_page("manager")
    for width in (1024, 1280, 1366, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(server.at("c/E2E/"))
        expect(page.locator("#kpi-dso")).to_contain_text("jours")
        expect(page.locator("#kpi-cei")).to_contain_text("%")
        assert page.evaluate(OVERFLOWING) == [], f"{width}px, the store's figures"
        # the largest realistic figures, French and English, in every money tile
        for amount in LARGE_AMOUNTS:
            fill_tiles(page, ".cards.money .card .value", amount)
            fill_tiles(page, ".cards.ratios .card .value", "1\u202f234,5\xa0jours")
            assert page.evaluate(OVERFLOWING) == [], f"{width}px, {amount}"
        page.goto(server.at("c/E2E/customers/GLOBEX/"))
        for amount in LARGE_AMOUNTS:
            fill_tiles(page, ".cards.money .card .value", amount)
            assert page.evaluate(OVERFLOWING) == [], f"customer page, {width}px, {amount}"


def test_the_as_of_date_is_picked_and_the_customers_sort_both_ways(open_page, server):
    page = open_page("manager")
    page.goto(server.at("c/E2E/"))
    page.fill("#as-of", "2026-06-30")
    with page.expect_navigation():
        page.click("#as-of-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"as_of=2026-06-30"))
    expect(page.locator("h1")).to_contain_text("30 juin 2026")
    assert digits(page.locator("#kpi-total").inner_text()) == "835000"
    expect(page.locator(".card .label", has_text="CEI")).to_have_text("CEI juin 2026")

    page.goto(server.at("c/E2E/customers/?as_of=2026-06-30"))
    balance = page.locator("#customers thead th", has_text="Solde")
    first_code = page.locator("#customers tbody tr td:first-child").first
    with page.expect_navigation():
        balance.locator("a").click()
    expect(balance).to_have_attribute("aria-sort", "descending")
    expect(balance).to_contain_text("▼")
    expect(first_code).to_have_text("INITECH")
    with page.expect_navigation():
        balance.locator("a").click()
    expect(balance).to_have_attribute("aria-sort", "ascending")
    expect(balance).to_contain_text("▲")
    expect(first_code).to_have_text("UMBRELLA")  # in credit: 400 of unapplied cash
