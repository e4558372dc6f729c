"""The users page lists the API tokens of the company's users and revokes them, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from creditpilot.accounts.models import ApiToken
from creditpilot.accounts.services import do_create_token
from creditpilot.audit.models import AuditEvent

pytestmark = [pytest.mark.store, pytest.mark.django_db]


def test_an_administrator_sees_the_tokens_of_the_companys_users_and_revokes_one(world):
    do_create_token("alice", "ci")
    do_create_token("alice", "old", expires_at=timezone.now() - timedelta(days=1))
    do_create_token("bob", "beta-only")  # not a user of A: not listed, not revocable there
    admin = world.client("adam")
    admin.cookies.load({"django_language": "en"})
    page = admin.get(f"/c/{world.a.code}/users/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "ci" in page and "old" in page and "beta-only" not in page
    assert "expired" in page

    token = ApiToken.objects.get(name="ci")
    response = admin.post(f"/c/{world.a.code}/tokens/{token.pk}/revoke/", follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="token_revoked")
    assert (event.username, event.company, event.before) == (
        "adam",
        world.a,
        {"user": "alice", "name": "ci"},
    )

    bobs = ApiToken.objects.get(name="beta-only")
    assert admin.post(f"/c/{world.a.code}/tokens/{bobs.pk}/revoke/").status_code == 404
    bobs.refresh_from_db()
    assert bobs.revoked_at is None


def test_the_token_list_is_in_french_on_a_french_page(world):
    do_create_token("alice", "ci", expires_at=timezone.now() - timedelta(days=1))
    admin = world.client("adam")
    page = admin.get(f"/c/{world.a.code}/users/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Jetons d’API" in page and "expiré" in page and "Révoquer" in page


def test_a_credit_manager_cannot_revoke_a_token(world):
    do_create_token("sam", "phone")
    token = ApiToken.objects.get(name="phone")
    response = world.client("alice").post(f"/c/{world.a.code}/tokens/{token.pk}/revoke/")
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
