from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dunning.smtp import SmtpServer


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A running SMTP server, named by CREDITPILOT_SMTP_URL."""
    server = SmtpServer()
    server.start()
    monkeypatch.setenv("CREDITPILOT_SMTP_URL", server.url)
    yield server
    server.stop()
