"""The hour of the daily run on the settings page: a time of day, refused otherwise."""

from __future__ import annotations

from datetime import time

import pytest

from creditpilot.audit.models import AuditEvent

pytestmark = [pytest.mark.store]


def test_a_schedule_hour_that_is_not_a_time_is_refused_with_a_clear_message(world):
    url = f"/c/{world.a.code}/settings/"
    client = world.client("adam")
    for bad in ("25:00", "6h", "tomorrow", "06:61"):
        response = client.post(
            url, {"name": "Acme", "default_terms": "NET30", "daily_run_hour": bad}
        )
        assert response.status_code == 200, bad
        text = response.content.decode()
        assert "L&#x27;heure du traitement quotidien doit être une heure de la journée" in text
        assert "par exemple 06:00" in text
    world.a.refresh_from_db()
    assert world.a.daily_run_hour == time(6, 0)
    assert not AuditEvent.objects.filter(action="settings_changed").exists()


def test_the_schedule_hour_is_shown_changed_and_audited(world):
    url = f"/c/{world.a.code}/settings/"
    client = world.client("adam")
    page = client.get(url).content.decode()
    assert 'name="daily_run_hour"' in page and 'value="06:00"' in page
    response = client.post(
        url, {"name": world.a.name, "default_terms": "NET30", "daily_run_hour": "07:30"}
    )
    assert response.status_code == 302
    world.a.refresh_from_db()
    assert world.a.daily_run_hour == time(7, 30)
    event = AuditEvent.objects.get(action="settings_changed")
    assert event.before == {"daily_run_hour": "06:00"} and event.after == {
        "daily_run_hour": "07:30"
    }
