"""The KPI history on the dashboard, in Chromium: taken by the daily run, drawn by the
vendored ECharts, redrawn for the segment or sales rep chosen; the reports page downloads
the monthly report."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.conftest import require_browser, server_env

require_browser()

from playwright.sync_api import expect  # noqa: E402


def test_the_history_is_drawn_and_follows_the_group_chosen(open_page, server):
    ran = subprocess.run(
        [sys.executable, "-m", "creditpilot", "run", "--as-of", "2026-07-02",
         "--company", "E2E"],
        env=server_env(server.folder), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    # the month ends from March 2026 are taken by this run or by the server's own run
    # of today, whichever comes first
    assert ran.returncode == 0, ran.stderr
    page = open_page("manager")
    page.goto(server.at("c/E2E/?as_of=2026-06-30"))
    days = page.locator("#history-days")
    expect(days).to_have_attribute("data-rendered", "company:")
    expect(days.locator("svg path").first).to_be_attached()
    page.select_option("#history-group", "segment:")
    expect(days).to_have_attribute("data-rendered", "segment:")
    expect(page.locator("#history-amounts")).to_have_attribute("data-rendered", "segment:")

    page.goto(server.at("c/E2E/reports/"))
    rows = page.locator("#kpi-history tbody tr")
    expect(rows.last).to_contain_text("2026")
    assert rows.count() >= 4
    with page.expect_download() as download:
        page.locator("#monthly-report button[type=submit]").click()
    assert download.value.suggested_filename.startswith("credit-report-")
