"""End-to-end tests: the product served by ``creditpilot serve`` (a real process on a
temporary SQLite store), driven by Debian's Chromium through Playwright.

One server per test module. Its store holds two companies, each with its own users
(one company per user, so that signing in lands on that company's dashboard):

- ``E2E`` ("Démo E2E SAS") holds the hand ledger of ``tests/fecbuilder.py``, imported
  through the command line. ``manager`` uses it; ``polyglot`` too, for the language
  switch (a user's language is kept in their profile and would leak into other tests).
- ``UPLOAD`` ("Upload SARL") starts empty; ``uploader`` imports files into it in the
  browser.

The browser is never downloaded: the tests launch ``/usr/bin/chromium`` (the Debian
package). Without it they are skipped, unless ``CREDITPILOT_REQUIRE_BROWSER=1``
(as in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fecbuilder import hand_ledger

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_REQUIRED = os.environ.get("CREDITPILOT_REQUIRE_BROWSER") == "1"
TIMEOUT_MS = 20_000
# each user is a credit manager of one company
USERS = {"manager": "E2E", "polyglot": "E2E", "uploader": "UPLOAD"}
PASSWORDS = {
    "manager": "e2e-manager-pw-1",
    "polyglot": "e2e-polyglot-pw-1",
    "uploader": "e2e-uploader-pw-1",
}

# The store is set up with the real commands, run one after the other in a single
# interpreter: each `creditpilot` process pays Django's start-up (seconds on a busy
# machine), and the server started below is a process of its own anyway.
SETUP = """
import json, sys
from creditpilot.cli import app
for argv in json.loads(sys.argv[1]):
    status = app(argv, standalone_mode=False, prog_name="creditpilot")
    if status:
        sys.exit(f"creditpilot {' '.join(argv)}: exit status {status}")
"""


def require_browser() -> None:
    """Skip the calling test module when Debian's Chromium is missing (fail in CI)."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found: install Debian's package with `apt-get install chromium`"
    if BROWSER_REQUIRED:
        pytest.fail(f"CREDITPILOT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"end-to-end browser tests skipped: {reason}", allow_module_level=True)


@dataclass(frozen=True)
class Server:
    url: str  # with the trailing slash: http://127.0.0.1:PORT/
    folder: Path

    def at(self, path: str) -> str:
        return self.url + path.lstrip("/")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITPILOT_")}
    env["CREDITPILOT_DATABASE_URL"] = f"sqlite:///{folder / 'cp.sqlite3'}"
    env["CREDITPILOT_DATA_DIR"] = str(folder / "data")
    env["CREDITPILOT_SECRET_KEY"] = "e2e-only-not-secret"
    return env


def wait_until_answering(
    url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 60
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"creditpilot serve exited with {proc.returncode}:\n{log.read_text()}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"creditpilot serve did not answer at {url} in {seconds:.0f} s:\n{log.read_text()}",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("e2e-server")
    env = server_env(folder)
    ledger = hand_ledger().write(folder / "FEC-hand-ledger.txt")
    commands = [
        ["init", "--company", "E2E", "--name", "Démo E2E SAS"],
        ["company", "add", "UPLOAD", "Upload SARL"],
        ["import", "fec", str(ledger), "--company", "E2E"],
    ]
    for name, code in USERS.items():
        grant = ["--role", "credit_manager", "--company", code]
        commands.append(["user", "add", name, "--password", PASSWORDS[name], *grant])
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, json.dumps(commands)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert setup.returncode == 0, f"store setup failed:\n{setup.stdout}\n{setup.stderr}"

    port = free_port()
    address = ["--host", "127.0.0.1", "--port", str(port)]
    log = folder / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "creditpilot", "serve", *address],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_answering(url + "login/", proc, log)
        yield Server(url=url, folder=folder)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # the default 5 s is short on a busy machine
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


def new_context(browser, storage_state=None):
    """A browser context as a French reader sets it up, with animations off."""
    context = browser.new_context(
        locale="fr-FR",
        reduced_motion="reduce",
        viewport={"width": 1280, "height": 900},
        storage_state=storage_state,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="module")
def sessions(browser, server: Server):
    """The cookies of each user, signed in once per module (a sign-in hashes a password:
    about a second of the server's time, more on a busy machine)."""
    states: dict[str, object] = {}

    def state(username: str) -> object:
        if username not in states:
            context = new_context(browser)
            try:
                tab = context.new_page()
                sign_in(tab, server, username)
                assert "/login/" not in tab.url, f"{username} could not sign in"
                states[username] = context.storage_state()
            finally:
                context.close()
        return states[username]

    return state


@pytest.fixture
def open_page(browser, sessions):
    """``open_page()``: a tab in a fresh context, signed out; ``open_page("manager")``: signed in."""
    contexts = []

    def open_(username: str | None = None):
        context = new_context(browser, sessions(username) if username else None)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def sign_in(page, server: Server, username: str, password: str | None = None) -> None:
    page.goto(server.at("login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username] if password is None else password)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
