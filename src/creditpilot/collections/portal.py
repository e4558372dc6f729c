"""The customer portal: a personal link in every reminder, and what the customer does there.

A link is a random nonce kept on a ``PortalLink`` row, signed with the site's secret
key (``django.core.signing``): the row alone does not make a link (a copy of the store
gives no working URL) and a forged or changed link fails the signature before the store is
read. The row makes the link revocable and expiring (60 days by default, the company's
``portal_link_days``), and lets each new reminder carry the customer's live link again
rather than a new one. A forged, changed, expired or revoked link finds nothing, and
says nothing more than an unknown one.

Through the link, the customer (acting as ``PORTAL_USER``, "the customer, through the
portal", in the audit log) promises a payment date, disputes an item with a reason and
one file (a PDF or an image, 5 MB at most), or asks for a payment plan. Each lands on
the collector's worklist as a task and on the customer's timeline.

>>> is_allowed_file("facture.pdf", b"%PDF-1.7 ...")
'application/pdf'
>>> is_allowed_file("photo.png", b"<html>") is None
True
>>> clean_file_name("../../etc/passwd ;rm.pdf")
'passwd_rm.pdf'
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor, event, record
from creditpilot.collections.models import (
    CollectionSettings,
    CustomerProfile,
    Dispute,
    DisputeFile,
    PortalLink,
    Promise,
    Task,
)
from creditpilot.collections.services import (
    customer_balance,
    do_add_dispute,
    do_add_promise,
    open_debits,
)
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer

# a user name no person can have (Django's names take no colon): the customer, via the portal
PORTAL_USER = "portal:customer"
PORTAL_ACTOR = Actor(username=PORTAL_USER)
SALT = "creditpilot.collections.portal"
DEFAULT_LINK_DAYS = 60
MAX_LINK_DAYS = 365
# a reminder carries the live link while it has at least this many days left, else a new one
MIN_DAYS_LEFT = 14
PROMISE_HORIZON_DAYS = 90
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TOKEN_LENGTH = 200
PLAN_INSTALMENTS = (2, 12)
# what a file must start with to be taken: the type is read from the bytes, not the name
FILE_SIGNATURES: dict[str, tuple[tuple[str, ...], bytes]] = {
    "application/pdf": ((".pdf",), b"%PDF-"),
    "image/png": ((".png",), b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": ((".jpg", ".jpeg"), b"\xff\xd8\xff"),
}


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=".")


def token_of(link: PortalLink) -> str:
    """The link's token: its nonce and the signature of it."""
    return _signer().sign(link.nonce)


def link_url(link: PortalLink) -> str:
    """The full address of the link, as the reminders print it."""
    return settings.PUBLIC_URL + reverse("portal", args=[token_of(link)])


def link_days(company: Company) -> int:
    own = CollectionSettings.objects.filter(company=company).first()
    return own.portal_link_days if own is not None else DEFAULT_LINK_DAYS


@transaction.atomic
def do_set_link_days(company: Company, days: int, actor: Actor) -> bool:
    """How long the company's new portal links last (1 to 365 days); audited. Links already
    sent keep their own end. Returns whether it changed."""
    if not 1 <= days <= MAX_LINK_DAYS:
        raise InvalidInputError(
            "bad_link_days", f"a link lasts 1 to {MAX_LINK_DAYS} days, not {days}"
        )
    own, _created = CollectionSettings.objects.select_for_update().get_or_create(company=company)
    if own.portal_link_days == days:
        return False
    before = own.portal_link_days
    own.portal_link_days = days
    own.save(update_fields=["portal_link_days"])
    record(
        "portal_settings_changed",
        company_id=company.pk,
        actor=actor,
        object_type="company",
        object_ref=company.code,
        before={"portal_link_days": before},
        after={"portal_link_days": days},
    )
    return True


def find_link(token: str, now: datetime) -> PortalLink | None:
    """The live link of a token; None for a forged, changed, expired or revoked one."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        nonce = _signer().unsign(token)
    except signing.BadSignature:
        return None
    link = (
        PortalLink.objects.select_related("company", "customer")
        .filter(nonce=nonce, revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if link is None or link.customer.company_id != link.company_id:
        return None
    return link


def live_link(customer: Customer, now: datetime) -> PortalLink | None:
    """The customer's newest link still valid at ``now``."""
    return (
        PortalLink.objects.filter(customer=customer, revoked_at__isnull=True, expires_at__gt=now)
        .order_by("-expires_at", "-id")
        .first()
    )


def issue_links(
    company: Company, customers: Iterable[Customer], now: datetime, actor: Actor
) -> dict[int, PortalLink]:
    """Each customer's link for a reminder: its live one with days left, else a new one."""
    wanted = {c.pk: c for c in customers}
    keep_until = now + timedelta(days=MIN_DAYS_LEFT)
    links: dict[int, PortalLink] = {}
    for link in PortalLink.objects.filter(
        company=company,
        customer_id__in=list(wanted),
        revoked_at__isnull=True,
        expires_at__gt=keep_until,
    ).order_by("expires_at", "id"):
        links[link.customer_id] = link  # the one valid the longest wins
    days = link_days(company)
    new = [
        PortalLink(
            company=company,
            customer=customer,
            nonce=secrets.token_urlsafe(24),
            issued_at=now,
            expires_at=now + timedelta(days=days),
            created_by=actor.username,
        )
        for customer_id, customer in wanted.items()
        if customer_id not in links
    ]
    if new:
        with transaction.atomic():
            PortalLink.objects.bulk_create(new, batch_size=1000)
            events = [
                event(
                    "portal_link_issued",
                    company_id=company.pk,
                    actor=actor,
                    object_type="customer",
                    object_ref=link.customer.code,
                    after={"until": link.expires_at.date().isoformat()},
                )
                for link in new
            ]
            AuditEvent.objects.bulk_create(events, batch_size=1000)
        links.update({link.customer.pk: link for link in new})
    return links


def do_issue_link(company: Company, customer: Customer, now: datetime, actor: Actor) -> PortalLink:
    """The customer's link (its live one, or a new one), from its page."""
    return issue_links(company, [customer], now, actor)[customer.pk]


@transaction.atomic
def do_revoke_links(company: Company, customer: Customer, now: datetime, actor: Actor) -> int:
    """Revoke every live link of the customer: they open nothing from now on; audited."""
    live = PortalLink.objects.select_for_update().filter(
        company=company, customer=customer, revoked_at__isnull=True, expires_at__gt=now
    )
    count = live.update(revoked_at=now, revoked_by=actor.username)
    if not count:
        raise InvalidInputError("no_live_link", f"{customer.code!r} has no live portal link")
    record(
        "portal_link_revoked",
        company_id=company.pk,
        actor=actor,
        object_type="customer",
        object_ref=customer.code,
        after={"links": count},
    )
    return count


def do_touch_link(link: PortalLink, now: datetime) -> None:
    """Remember when the link was last opened (shown on the customer page)."""
    PortalLink.objects.filter(pk=link.pk).update(last_used_at=now)


# --- what the customer does -----------------------------------------------------------------


def _collector_id(customer: Customer) -> int | None:
    return (
        CustomerProfile.objects.filter(customer=customer)
        .values_list("collector_id", flat=True)
        .first()
    )


def _task(
    link: PortalLink, kind: str, key: str, today: date, amount: int, **fields: object
) -> Task:
    return Task.objects.create(
        company=link.company,
        customer=link.customer,
        kind=kind,
        key=key[:120],
        day=today,
        amount=amount,
        assigned_to_id=_collector_id(link.customer),
        **fields,
    )


@transaction.atomic
def do_portal_promise(
    link: PortalLink,
    amount: str,
    promised_date: date,
    *,
    today: date,
    items: Sequence[str] = (),
    note: str = "",
) -> Promise:
    """The customer promises to pay ``amount`` by a date within 90 days; a task asks the
    collector to check it."""
    if promised_date > today + timedelta(days=PROMISE_HORIZON_DAYS):
        raise InvalidInputError(
            "promise_too_far",
            f"a promise through the portal is within {PROMISE_HORIZON_DAYS} days",
            field="promised_date",
        )
    promise = do_add_promise(
        link.company,
        link.customer.code,
        amount,
        promised_date,
        today=today,
        items=items,
        note=note.strip()[:1000],
        username=PORTAL_USER,
    )
    _task(
        link,
        Task.Kind.PORTAL_PROMISE,
        f"portal_promise:{promise.pk}",
        today,
        promise.amount,
        promise=promise,
        note=note.strip()[:1000],
        detail={"promised_date": promised_date.isoformat()},
    )
    return promise


@dataclass(frozen=True)
class Upload:
    """A file the customer sent: its name as given, its declared type, its bytes."""

    name: str
    content_type: str
    data: bytes


def is_allowed_file(name: str, data: bytes) -> str | None:
    """The file's type when its name and its first bytes agree on a PDF or an image."""
    lowered = name.lower()
    for content_type, (extensions, magic) in FILE_SIGNATURES.items():
        if lowered.endswith(extensions) and data.startswith(magic):
            return content_type
    return None


def clean_file_name(name: str) -> str:
    """The file's own name (no folder), kept to letters, digits, dots, dashes, underscores."""
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")[:150] or "document"
    extension = re.sub(r"[^A-Za-z0-9]+", "", extension)[:10]
    return f"{stem}.{extension}" if extension else stem


def check_upload(upload: Upload) -> str:
    """The content type of an acceptable file; refused: too large, empty, not a PDF or image."""
    if len(upload.data) > MAX_FILE_BYTES:
        raise InvalidInputError(
            "file_too_large",
            f"the file is over {MAX_FILE_BYTES // (1024 * 1024)} MB",
            field="file",
        )
    content_type = is_allowed_file(upload.name, upload.data) if upload.data else None
    if content_type is None:
        raise InvalidInputError(
            "file_type", "the file must be a PDF, PNG or JPEG document", field="file"
        )
    return content_type


@transaction.atomic
def do_portal_dispute(
    link: PortalLink,
    item: str,
    reason: str,
    text: str,
    upload: Upload | None,
    *,
    today: date,
) -> Dispute:
    """The customer disputes one of its open items, with a reason, a text and a file."""
    content_type = check_upload(upload) if upload is not None else ""
    debit = next((d for d in open_debits(link.customer, today) if d.number == item), None)
    if debit is None:
        raise InvalidInputError("item_not_open", f"no open item {item!r}", field="item")
    if Dispute.objects.filter(
        customer=link.customer, item_id=debit.id, status=Dispute.Status.OPEN
    ).exists():
        raise InvalidInputError("already_disputed", f"item {item!r} is already disputed")
    note = text.strip()[:1000]
    outcome = do_add_dispute(
        link.company,
        link.customer.code,
        item,
        reason,
        today=today,
        note=note,
        username=PORTAL_USER,
    )
    dispute = next(d for d in outcome.disputes if d.item_id == debit.id)
    if upload is not None:
        _store_file(link, dispute, upload, content_type)
    _task(
        link,
        Task.Kind.PORTAL_DISPUTE,
        f"portal_dispute:{dispute.pk}",
        today,
        debit.open,
        dispute=dispute,
        note=note,
        detail={"item": item, "reason": reason, "file": bool(upload)},
    )
    return dispute


def _store_file(link: PortalLink, dispute: Dispute, upload: Upload, content_type: str) -> None:
    stored = DisputeFile.objects.create(
        company=link.company,
        dispute=dispute,
        name=clean_file_name(upload.name),
        content_type=content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        data=upload.data,
        uploaded_by=PORTAL_USER,
    )
    record(
        "dispute_file_added",
        company_id=link.company_id,
        actor=PORTAL_ACTOR,
        object_type="customer",
        object_ref=link.customer.code,
        after={"item": dispute.item.number, "file": stored.name, "size": stored.size},
    )


@transaction.atomic
def do_portal_plan_request(
    link: PortalLink, instalments: int, message: str, *, today: date
) -> Task:
    """The customer asks for a payment plan: a request on the worklist, not a plan."""
    low, high = PLAN_INSTALMENTS
    if not low <= instalments <= high:
        raise InvalidInputError(
            "bad_instalments",
            f"a plan has {low} to {high} instalments, not {instalments}",
            field="instalments",
        )
    owed = customer_balance(link.customer, today)
    if owed <= 0 or not open_debits(link.customer, today):
        raise InvalidInputError("nothing_owed", f"{link.customer.code!r} owes nothing")
    asked = Task.objects.filter(customer=link.customer, kind=Task.Kind.PLAN_REQUEST)
    if asked.filter(status=Task.Status.OPEN).exists():
        raise InvalidInputError("plan_already_asked", "a payment plan was already asked")
    note = message.strip()[:1000]
    task = _task(
        link,
        Task.Kind.PLAN_REQUEST,
        f"plan_request:{today.isoformat()}:{asked.count() + 1}",
        today,
        owed,
        note=note,
        detail={"instalments": instalments},
    )
    record(
        "plan_requested",
        company_id=link.company_id,
        actor=PORTAL_ACTOR,
        object_type="customer",
        object_ref=link.customer.code,
        after={"instalments": instalments, "amount": format_cents(owed), "note": note},
    )
    return task


def dispute_file(company: Company, dispute_id: int) -> DisputeFile:
    """The newest file joined to a dispute of the company."""
    found = (
        DisputeFile.objects.filter(company=company, dispute_id=dispute_id)
        .select_related("dispute")
        .order_by("-created_at", "-id")
        .first()
    )
    if found is None:
        raise NotFoundError("file_not_found", f"no file on dispute {dispute_id}")
    return found
