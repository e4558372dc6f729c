"""API tokens: an optional expiry, revocation by id; an expired or revoked key is a 401; all audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from creditpilot.accounts.services import do_create_token, do_revoke_token, tokens_of
from creditpilot.audit.models import AuditEvent
from creditpilot.core.errors import InvalidInputError, NotFoundError
from tests.api.support import Persona, error_of

pytestmark = [pytest.mark.store, pytest.mark.django_db]

URL = "/api/v1/companies/alpha/customers"


def with_key(persona: Persona, key: str) -> Persona:
    return Persona(persona.user, key, persona.client)


def test_a_token_works_until_its_expiry_then_is_a_401(alice, time_machine):
    time_machine.move_to(timezone.now())
    key = do_create_token("alice", "ci", expires_at=timezone.now() + timedelta(days=1))
    assert with_key(alice, key).get(URL).status_code == 200
    time_machine.shift(timedelta(days=1, seconds=1))
    response = with_key(alice, key).get(URL)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert alice.get(URL).status_code == 200  # the token without expiry still works


def test_a_revoked_token_is_a_401_and_the_revocation_is_audited(alice, bob):
    key = do_create_token("alice", "script")
    token = tokens_of(username="alice").get(name="script")
    do_revoke_token(token.pk, username="alice", actor=bob.user)
    assert with_key(alice, key).get(URL).status_code == 401
    event = AuditEvent.objects.get(action="token_revoked")
    assert (event.username, event.object_ref) == ("bob", f"{token.pk} {token.prefix}")
    assert event.before == {"user": "alice", "name": "script"}


def test_the_creation_is_audited_with_its_expiry(alice):
    expiry = timezone.now() + timedelta(days=30)
    do_create_token("alice", "ci", expires_at=expiry)
    event = AuditEvent.objects.filter(action="token_created").latest("id")
    assert event.after == {"user": "alice", "name": "ci", "expires_at": expiry.isoformat()}


def test_a_token_of_another_user_or_company_cannot_be_revoked_through_them(alice, bob, alpha):
    token = tokens_of(username="bob").get()
    with pytest.raises(NotFoundError):
        do_revoke_token(token.pk, username="alice")
    with pytest.raises(NotFoundError):
        do_revoke_token(token.pk, company=alpha)  # bob is not a user of alpha
    assert bob.get("/api/v1/companies/beta/customers").status_code == 200


def test_revoking_twice_says_so(alice):
    token = tokens_of(username="alice").get()
    do_revoke_token(token.pk, username="alice")
    with pytest.raises(InvalidInputError) as raised:
        do_revoke_token(token.pk, username="alice")
    assert raised.value.code == "token_already_revoked"


def test_the_list_gives_each_tokens_status(alice):
    do_create_token("alice", "old", expires_at=timezone.now() - timedelta(seconds=1))
    revoked = tokens_of(username="alice").get(name="api")
    do_revoke_token(revoked.pk, username="alice")
    do_create_token("alice", "new")
    now = timezone.now()
    assert sorted((t.name, t.status(now)) for t in tokens_of(username="alice")) == [
        ("api", "revoked"),
        ("new", "active"),
        ("old", "expired"),
    ]
