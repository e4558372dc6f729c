"""The schema check every command runs: one query when the store is current."""

from __future__ import annotations

import pytest
from django.db import connection

from creditpilot.companies.services import _recorded_covers_the_code, store_is_current

pytestmark = [pytest.mark.store, pytest.mark.django_db]


def test_a_current_store_is_told_by_the_recorded_migrations():
    assert _recorded_covers_the_code()
    assert store_is_current()


def test_a_migration_not_recorded_makes_the_store_behind_the_code():
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM django_migrations WHERE app = %s", ["receivables"])
        (last,) = cur.fetchone()
        cur.execute("DELETE FROM django_migrations WHERE id = %s", [last])
    assert not _recorded_covers_the_code()
    assert not store_is_current()  # the migration graph agrees: that migration is to apply
