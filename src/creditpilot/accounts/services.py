"""Users, grants and API tokens: the ``do_*`` actions, each in one transaction."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from creditpilot.accounts.audit import record
from creditpilot.accounts.models import ApiToken, Membership, Profile
from creditpilot.accounts.rights import Role
from creditpilot.accounts.scope import Scope
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError

TOKEN_PREFIX = "cp_"
MAX_TOKEN_DAYS = 3650
_DAYS = re.compile(r"([0-9]{1,6}) ?d?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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


def expiry_of(text: str, now: datetime) -> datetime:
    """When a token given ``--expires`` stops working: a date (usable through that day) or days.

    >>> from zoneinfo import ZoneInfo
    >>> now = datetime(2026, 6, 30, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    >>> expiry_of("2026-07-31", now).isoformat()
    '2026-08-01T00:00:00+02:00'
    >>> expiry_of("90", now).isoformat(), expiry_of("30d", now).isoformat()
    ('2026-09-28T09:00:00+02:00', '2026-07-30T09:00:00+02:00')
    >>> expiry_of("2026-06-29", now)
    Traceback (most recent call last):
    ...
    creditpilot.core.errors.InvalidInputError: the expiry must be in the future: 2026-06-29
    """
    value = text.strip().lower()
    days = _DAYS.fullmatch(value)
    if days is not None:
        count = int(days[1])
        if not 1 <= count <= MAX_TOKEN_DAYS:
            raise InvalidInputError(
                "bad_expiry", f"a token lasts from 1 to {MAX_TOKEN_DAYS} days, not {count}"
            )
        return now + timedelta(days=count)
    if not _DATE.fullmatch(value):
        raise InvalidInputError(
            "bad_expiry", f"an expiry is a date YYYY-MM-DD or a number of days, not {text!r}"
        )
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError("bad_expiry", f"no such date: {text}") from None
    if day >= date.max:
        raise InvalidInputError("bad_expiry", f"no such date: {text}")
    # usable through the day given: it ends when the next day starts, in the server's time zone
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=now.tzinfo)
    if end <= now:
        raise InvalidInputError("bad_expiry", f"the expiry must be in the future: {text}")
    return end


@transaction.atomic
def do_create_token(
    username: str, name: str = "api", *, expires_at: datetime | None = None, actor: object = None
) -> str:
    """A new API key for the user; only its hash is kept, so it is shown once."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFoundError("user_not_found", f"no user named {username!r}")
    if not name or len(name) > 100:
        raise InvalidInputError("invalid_token_name", "a token name of 1 to 100 characters")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:12], key_hash=_hash(key), expires_at=expires_at
    )
    record(
        "token_created",
        user=actor if actor is not None else user,
        object_type="token",
        object_ref=f"{token.pk} {token.prefix}",
        after={
            "user": username,
            "name": name,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return key


def user_for_token(key: str) -> object | None:
    """The user of a key that is neither revoked nor expired (and whose user is active)."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    live = (
        ApiToken.objects.filter(key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("user")
        .order_by()  # one row at most (the hash is unique): no sort, on the API's hot path
    )
    token = next(iter(live[:1]), None)
    if token is None:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_caller(key: str, company_code: str) -> tuple[Any, Scope | None] | None:
    """``user_for_token`` and ``scope_for`` in two raw queries instead of the ORM's three.

    Every API request on a company route asks it, and building an ORM query costs more
    than SQLite takes to answer it (the credit check answers an order system that waits).
    ``None`` for a key that opens nothing; a scope of ``None`` when the key's user is not
    granted the company. The rules are ``user_for_token``'s, in SQL.
    """
    if not key.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    user_model = get_user_model()
    users = list(
        user_model.objects.raw(
            f"SELECT u.*, t.id AS cp_token, "
            f"CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END "
            f"  AS cp_stale, "
            f"m.role AS cp_role, m.sales_rep AS cp_sales_rep, m.company_id AS cp_company "
            f"FROM {ApiToken._meta.db_table} t "
            f"JOIN {user_model._meta.db_table} u ON u.id = t.user_id "
            f"LEFT JOIN {Membership._meta.db_table} m ON m.user_id = u.id AND m.company_id = "
            f"  (SELECT id FROM {Company._meta.db_table} WHERE code = %s) "
            f"WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active "
            f"AND (t.expires_at IS NULL OR t.expires_at > %s)",
            [adapt(now - timedelta(seconds=60)), company_code, _hash(key), adapt(now)],
        )
    )
    if not users:
        return None
    user = users[0]
    if user.cp_stale:
        ApiToken.objects.filter(pk=user.cp_token).update(last_used_at=now)
    if user.cp_company is None:
        return user, None
    company = list(
        Company.objects.raw(
            f"SELECT * FROM {Company._meta.db_table} WHERE id = %s", [user.cp_company]
        )
    )
    return user, Scope(user, company[0], Role(user.cp_role), user.cp_sales_rep)


def tokens_of(*, username: str | None = None, company: Company | None = None) -> QuerySet[ApiToken]:
    """The tokens of a user, of the users of a company, or all of them; by user, newest first."""
    tokens = ApiToken.objects.select_related("user")
    if username is not None:
        tokens = tokens.filter(user__username=username)
    if company is not None:
        tokens = tokens.filter(user__memberships__company=company)
    return tokens.order_by("user__username", "-created_at", "-id")


@transaction.atomic
def do_revoke_token(
    token_id: int,
    *,
    username: str | None = None,
    company: Company | None = None,
    actor: object = None,
    request: HttpRequest | None = None,
) -> ApiToken:
    """Revoke a token now; ``username`` or ``company`` (an administrator's page) must hold it."""
    token = (
        tokens_of(username=username, company=company)
        .select_for_update(of=("self",))
        .filter(pk=token_id)
    ).first()
    if token is None:
        whose = f" of {username!r}" if username else ""
        raise NotFoundError("token_not_found", f"no API token {token_id}{whose}")
    if token.revoked_at is not None:
        raise InvalidInputError(
            "token_already_revoked", f"the API token {token_id} was revoked already"
        )
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        "token_revoked",
        user=actor,
        company=company,
        object_type="token",
        object_ref=f"{token.pk} {token.prefix}",
        before={"user": token.user.get_username(), "name": token.name},
        request=request,
    )
    return token


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
