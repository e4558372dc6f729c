"""A customer's collection timeline: every message, letter, task, promise and dispute, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from creditpilot.collections.models import Dispute, Message, Promise, Task
from creditpilot.companies.models import Company
from creditpilot.core.money import format_cents
from creditpilot.customers.models import Customer


@dataclass(frozen=True)
class Event:
    day: date
    kind: str  # message, task, promise, dispute
    what: str  # the message's channel, the task's kind, the promise's or dispute's status
    status: str
    amount: int = 0  # cents
    detail: dict[str, Any] = field(default_factory=dict)
    ref: int = 0  # the row's id (a message's: its PDF and body are reachable by it)

    def as_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "kind": self.kind,
            "what": self.what,
            "status": self.status,
            "amount": format_cents(self.amount),
            "id": self.ref,
            **self.detail,
        }


def timeline(company: Company, customer: Customer, limit: int = 200) -> list[Event]:
    events: list[Event] = []
    for m in Message.objects.filter(company=company, customer=customer).order_by("-day", "-id")[
        :limit
    ]:
        events.append(
            Event(
                m.day,
                "message",
                m.channel,
                m.status,
                m.amount,
                {
                    "step": m.step_name,
                    "subject": m.subject,
                    "recipient": m.recipient,
                    "items": [i["number"] for i in m.items],
                    "has_pdf": bool(m.pdf_sha256),
                    "sent_at": m.sent_at.isoformat() if m.sent_at else None,
                    "error": m.last_error,
                },
                m.pk,
            )
        )
    for t in Task.objects.filter(company=company, customer=customer).order_by("-day", "-id")[
        :limit
    ]:
        events.append(
            Event(
                t.done_on or t.day,
                "task",
                t.kind,
                t.status,
                t.amount,
                {"outcome": t.outcome, "note": t.note, "by": t.done_by},
                t.pk,
            )
        )
    for p in Promise.objects.filter(company=company, customer=customer)[:limit]:
        events.append(
            Event(
                p.resolved_on or p.made_on,
                "promise",
                "promise",
                p.status,
                p.amount,
                {
                    "promised_date": p.promised_date.isoformat(),
                    "made_on": p.made_on.isoformat(),
                    "by": p.created_by,
                },
                p.pk,
            )
        )
    for d in Dispute.objects.filter(company=company, customer=customer).select_related("item")[
        :limit
    ]:
        events.append(
            Event(
                d.closed_on or d.opened_on,
                "dispute",
                d.reason,
                d.status,
                d.item.amount,
                {
                    "item": d.item.number,
                    "note": d.note,
                    "opened_on": d.opened_on.isoformat(),
                    "by": d.created_by,
                },
                d.pk,
            )
        )
    events.sort(key=lambda e: (e.day, e.kind, e.ref), reverse=True)
    return events[:limit]
