"""Users, grants and API tokens: the ``do_*`` actions, each in one transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from creditpilot.accounts.audit import record
from creditpilot.accounts.models import ApiToken, Membership, Profile
from creditpilot.accounts.rights import Role
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError

TOKEN_PREFIX = "cp_"


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str | None  # set when generated here, to be shown once
    created: bool


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def do_add_user(
    username: str,
    *,
    password: str | None = None,
    companies: list[Company] | None = None,
    role: str = Role.CREDIT_MANAGER,
    sales_rep: str = "",
    email: str = "",
    language: str = "",
    actor: object = None,
) -> NewUser:
    """Create the user (or update them) and grant them the companies with ``role``."""
    if not username or len(username) > 150:
        raise InvalidInputError(
            "invalid_username", "a user name of 1 to 150 characters is required"
        )
    try:
        role = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInputError(
            "invalid_role", f"unknown role {role!r} (one of {choices})"
        ) from None
    if role is Role.SALES and not sales_rep:
        raise InvalidInputError(
            "sales_rep_required", "the sales role needs --sales-rep (the customers' sales rep name)"
        )
    users = get_user_model()
    user, created = users.objects.get_or_create(username=username, defaults={"email": email})
    generated = None
    if password is None and created:
        password = generated = generate_password()
    if password is not None:
        user.set_password(password)  # Django's default hasher
        user.save()
    Profile.objects.get_or_create(user=user, defaults={"language": language})
    for company in companies or []:
        membership, made = Membership.objects.update_or_create(
            user=user, company=company, defaults={"role": role.value, "sales_rep": sales_rep}
        )
        record(
            "grant",
            user=actor,
            company=company,
            object_type="user",
            object_ref=username,
            after={"role": role.value, "sales_rep": sales_rep},
        )
    return NewUser(username, generated, created)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def do_create_token(username: str, name: str = "api") -> str:
    """A new API key for the user; only its hash is kept, so it is shown once."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFoundError("user_not_found", f"no user named {username!r}")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=key[:12], key_hash=_hash(key))
    record("token_created", user=user, object_type="token", object_ref=key[:12])
    return key


def user_for_token(key: str) -> object | None:
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.filter(key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def do_revoke(company: Company, username: str, *, actor: object = None) -> None:
    """Take the company away from the user; the company always keeps an administrator."""
    membership = (
        Membership.objects.select_for_update()
        .filter(company=company, user__username=username)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise NotFoundError(
            "membership_not_found", f"{username!r} has no access to {company.code!r}"
        )
    if membership.role == Role.ADMIN and not (
        Membership.objects.filter(company=company, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise InvalidInputError("last_admin", "the company must keep at least one administrator")
    before = {"role": membership.role, "sales_rep": membership.sales_rep}
    membership.delete()
    record(
        "revoke",
        user=actor,
        company=company,
        object_type="user",
        object_ref=username,
        before=before,
    )
