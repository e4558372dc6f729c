"""The "Prévisions" page in Chromium at 1280 px: the chart drawn, nothing cut off, no script
error; the dashboard's chart beside it."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.conftest import Server, require_browser, server_env

require_browser()

from playwright.sync_api import expect  # noqa: E402

# every box whose content is wider than it (cut off or spilling over), and the page itself
OVERFLOWING = """() => [...document.querySelectorAll('main .panel, main table, .card .value')]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => (e.id || e.className) + ': ' + e.textContent.trim().slice(0, 60))
    .concat(document.documentElement.scrollWidth > window.innerWidth ? ['page'] : [])"""


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


def test_the_forecast_page_and_the_dashboard_chart_at_1280_px(open_page, server, tmp_path):
    cli(server, "run", "--as-of", "2026-06-30", "--company", "E2E")
    page = open_page("manager")
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(server.at("c/E2E/forecast/?as_of=2026-06-30"))
    expect(page.locator("h1")).to_contain_text("Prévisions d'encaissement")
    expect(page.locator("#forecast-chart")).to_have_attribute("data-rendered", "1")
    expect(page.locator("#forecast-weeks tbody tr")).to_have_count(13)
    expect(page.locator("nav")).to_contain_text("Prévisions")
    assert page.evaluate(OVERFLOWING) == []
    page.screenshot(path=str(tmp_path / "forecast.png"), full_page=True)
    page.goto(server.at("c/E2E/?as_of=2026-06-30"))
    expect(page.locator("#forecast-chart")).to_have_attribute("data-rendered", "1")
    assert page.evaluate(OVERFLOWING) == []
    assert errors == []
