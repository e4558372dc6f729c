"""Sending the stored emails over SMTP: each at most once, retried with back-off, reported.

The server is ``CREDITPILOT_SMTP_URL``: ``smtp://[user:password@]host[:port]``
(``smtp+starttls://`` to upgrade the connection, ``smtps://`` for TLS from the
start). Without it, emails wait as ``pending`` and the run says so.

A message is marked ``sending`` (committed) before it is handed to the server
and ``sent`` after: a run cut off between the two leaves it ``sending``, and
the next run marks it ``uncertain`` and asks a person to check, rather than
risk sending a reminder twice. A temporary failure (server unreachable, 4xx)
is tried again after 10, 20, 40 and 80 minutes, then given up with a task; an
address the server refuses for good (5xx) is marked invalid on the customer,
and a task asks for a new one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import ssl
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Protocol
from urllib.parse import unquote, urlsplit

from django.db.models import F, Q
from django.utils import timezone

from creditpilot.collections.letters import sha256
from creditpilot.collections.models import CustomerProfile, Message, Task
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError
from creditpilot.reports.statement_document import (
    StatementDocument,
    open_items_statement,
    statement_file_name,
    statement_pdfs,
)

logger = logging.getLogger(__name__)
SMTP_URL_ENV = "CREDITPILOT_SMTP_URL"
MAIL_FROM_ENV = "CREDITPILOT_MAIL_FROM"
DEFAULT_SENDER = "creditpilot@localhost"
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=10)
BATCH = 200

# a PDF attached to a message: file name and bytes
Attached = tuple[str, bytes]
# each message with its attachment (the statement of account), in the messages' order
Attachments = Callable[
    [Company, Iterable[Message]], Generator[tuple[Message, Attached | None], None, None]
]


def statement_attachments(
    company: Company, messages: Iterable[Message]
) -> Generator[tuple[Message, Attached | None], None, None]:
    """Each customer's statement of account at its message's day, in the message's language,
    rendered on all the machine's cores while the first ones are sent."""

    def documents() -> Iterator[tuple[tuple[Message, str], StatementDocument, str]]:
        for m in messages:
            doc = open_items_statement(company, m.customer.code, m.day)
            yield (m, statement_file_name(doc, m.language)), doc, m.language

    for (message, name), pdf in statement_pdfs(documents()):
        yield message, (name, pdf)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str = "none"  # none, starttls, tls
    user: str = ""
    password: str = ""
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """``smtp://user:pw@host:25``, ``smtp+starttls://host:587``, ``smtps://host:465``.

        >>> SmtpServer.from_url("smtp+starttls://me%40x.fr:s3cret@mail.x.fr:587")
        SmtpServer(host='mail.x.fr', port=587, security='starttls', user='me@x.fr', password='s3cret', timeout=30.0)
        >>> SmtpServer.from_url("http://x")
        Traceback (most recent call last):
        ...
        creditpilot.core.errors.InvalidInputError: CREDITPILOT_SMTP_URL: not an SMTP address: 'http://x' (smtp://, smtp+starttls:// or smtps://)
        """
        parts = urlsplit(url)
        security = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "tls"}.get(parts.scheme)
        if security is None or not parts.hostname:
            raise InvalidInputError(
                "bad_smtp_url",
                f"not an SMTP address: {url!r} (smtp://, smtp+starttls:// or smtps://)",
                file=SMTP_URL_ENV,
            )
        default_port = {"none": 25, "starttls": 587, "tls": 465}[security]
        return cls(
            parts.hostname,
            parts.port or default_port,
            security,
            unquote(parts.username or ""),
            unquote(parts.password or ""),
        )

    def connect(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if self.user:
            smtp.login(self.user, self.password)
        return smtp


def configured_server() -> SmtpServer | None:
    url = os.environ.get(SMTP_URL_ENV, "").strip()
    return SmtpServer.from_url(url) if url else None


@dataclass
class SendReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    refused: int = 0
    uncertain: int = 0
    waiting: int = 0  # no server configured
    last_error: str = ""

    def summary(self) -> str:
        text = (
            f"emails: {self.sent} sent, {self.retry} to try again, {self.failed} failed, "
            f"{self.refused} addresses refused, {self.uncertain} interrupted"
        )
        if self.waiting:
            text += f", {self.waiting} waiting for a mail server ({SMTP_URL_ENV})"
        return text


def _due(company: Company, now: datetime) -> list[int]:
    return list(
        Message.objects.filter(
            company=company,
            channel=Message.Channel.EMAIL,
            status__in=[Message.Status.PENDING, Message.Status.RETRY],
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")
        .values_list("id", flat=True)
    )


def do_send_pending(
    company: Company,
    server: SmtpServer | None = None,
    attachments: Attachments | None = None,
    now: datetime | None = None,
) -> SendReport:
    """Send the company's emails that are due, over one connection."""
    now = now or timezone.now()
    report = SendReport(uncertain=_mark_interrupted(company))
    server = server or configured_server()
    due = _due(company, now)
    if server is None:
        report.waiting = len(due)
        return report
    sender = Sender(company, server, report, now)
    messages = _in_batches(due)
    with contextlib.closing((attachments or _no_attachment)(company, messages)) as ready:
        try:
            for message, attached in ready:
                if not sender.send(message, attached):
                    return report  # the server is unreachable: the rest waits for the next try
        finally:
            sender.close()
    return report


def _no_attachment(
    company: Company, messages: Iterable[Message]
) -> Generator[tuple[Message, Attached | None], None, None]:
    for message in messages:
        yield message, None


def _in_batches(ids: list[int]) -> Iterator[Message]:
    for start in range(0, len(ids), BATCH):
        yield from (
            Message.objects.filter(id__in=ids[start : start + BATCH])
            .select_related("customer")
            .order_by("id")
        )


def _mark_interrupted(company: Company) -> int:
    """Messages a cut-off run left ``sending``: perhaps sent; a person checks, none is resent."""
    stuck = list(
        Message.objects.filter(company=company, status=Message.Status.SENDING).values_list(
            "id", "customer_id", "step_key", "day", "amount"
        )
    )
    if not stuck:
        return 0
    Message.objects.filter(id__in=[s[0] for s in stuck]).update(
        status=Message.Status.UNCERTAIN, last_error="sending was interrupted"
    )
    Task.objects.bulk_create(
        [
            Task(
                company=company,
                customer_id=customer_id,
                kind=Task.Kind.CHECK_DELIVERY,
                key=f"check_delivery:{message_id}",
                day=day,
                step_key=step_key,
                message_id=message_id,
                amount=amount,
            )
            for message_id, customer_id, step_key, day, amount in stuck
        ],
        ignore_conflicts=True,
    )
    return len(stuck)


class Sender:
    """One SMTP connection, opened at the first message and again after a drop."""

    def __init__(
        self,
        company: Company,
        server: SmtpServer,
        report: SendReport,
        now: datetime,
    ) -> None:
        self.company, self.server = company, server
        self.report, self.now = report, now
        self.smtp: smtplib.SMTP | None = None
        self.address = company.sender_email or os.environ.get(MAIL_FROM_ENV) or DEFAULT_SENDER
        self.domain = self.address.rpartition("@")[2] or "localhost"

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp = None

    def send(self, message: Message, attached: Attached | None = None) -> bool:
        """Hand one message to the server; False when the server cannot be reached."""
        claimed = Message.objects.filter(pk=message.pk, status=message.status).update(
            status=Message.Status.SENDING, attempts=F("attempts") + 1
        )
        if not claimed:
            return True  # another sender has it
        message.attempts += 1
        email = self._email(message, attached)
        try:
            if self.smtp is None:
                self.smtp = self.server.connect()
            self.smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as err:
            code, reason = next(iter(err.recipients.values()))
            if 400 <= code < 500:
                self._retry(message, f"{code} {reason!r}")
            else:
                self._refused(message, f"{code} {reason!r}")
        except smtplib.SMTPResponseException as err:
            if 400 <= err.smtp_code < 500:
                self._retry(message, f"{err.smtp_code} {err.smtp_error!r}")
            else:
                self._failed(message, f"{err.smtp_code} {err.smtp_error!r}")
        except (smtplib.SMTPException, OSError) as err:
            self.close()
            self._retry(message, f"{type(err).__name__}: {err}")
            return False
        else:
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.SENT,
                sent_at=timezone.now(),
                message_id=email["Message-ID"],
                last_error="",
                pdf=message.pdf,
                pdf_sha256=message.pdf_sha256,
            )
            self.report.sent += 1
        return True

    def _email(self, message: Message, attached: Attached | None) -> EmailMessage:
        email = EmailMessage()
        email["From"] = formataddr((self.company.name, self.address))
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Date"] = format_datetime(timezone.now())
        email["Message-ID"] = make_msgid(idstring=f"cp{message.pk}", domain=self.domain)
        if self.company.sender_email:
            email["Reply-To"] = self.company.sender_email
        email.set_content(message.body)
        if attached is not None:
            name, pdf = attached
            email.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
            message.pdf, message.pdf_sha256 = pdf, sha256(pdf)
        return email

    def _retry(self, message: Message, error: str) -> None:
        self.report.last_error = error
        if message.attempts >= MAX_ATTEMPTS:
            self._failed(message, error)
            return
        wait = FIRST_RETRY * 2 ** (message.attempts - 1)
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.RETRY, next_attempt_at=self.now + wait, last_error=error[:1000]
        )
        self.report.retry += 1

    def _failed(self, message: Message, error: str) -> None:
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.FAILED, last_error=error[:1000]
        )
        self._task(message, Task.Kind.SEND_FAILED, f"send_failed:{message.pk}")
        self.report.failed += 1

    def _refused(self, message: Message, error: str) -> None:
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.REFUSED, last_error=error[:1000]
        )
        CustomerProfile.objects.update_or_create(
            customer_id=message.customer_id,
            defaults={"company": self.company, "refused_email": message.recipient},
        )
        self._task(message, Task.Kind.BAD_ADDRESS, f"bad_address:{message.recipient}"[:120])
        self.report.refused += 1

    def _task(self, message: Message, kind: str, key: str) -> None:
        Task.objects.get_or_create(
            company=self.company,
            customer_id=message.customer_id,
            key=key,
            defaults={
                "kind": kind,
                "day": message.day,
                "step_key": message.step_key,
                "message": message,
                "amount": message.amount,
                "note": message.recipient,
            },
        )


# --- SMS --------------------------------------------------------------------------------


class SmsBackend(Protocol):
    """A provider of SMS: sends a text to a number, returns its id for the message."""

    def send(self, number: str, text: str) -> str: ...


class LogSmsBackend:
    """The only backend shipped: it writes the SMS to the log (a provider plugs in here)."""

    def send(self, number: str, text: str) -> str:
        logger.info("SMS to %s: %s", number, text)
        return f"log-{uuid.uuid4().hex[:16]}"


def do_send_sms(company: Company, backend: SmsBackend | None = None) -> int:
    """Send the company's SMS that wait; returns how many went out."""
    backend = backend or LogSmsBackend()
    sent = 0
    for message in Message.objects.filter(
        company=company, channel=Message.Channel.SMS, status=Message.Status.PENDING
    ).order_by("id"):
        claimed = Message.objects.filter(pk=message.pk, status=Message.Status.PENDING).update(
            status=Message.Status.SENDING, attempts=F("attempts") + 1
        )
        if not claimed:
            continue
        reference = backend.send(message.recipient, message.body)
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.SENT, sent_at=timezone.now(), message_id=reference[:200]
        )
        sent += 1
    return sent
