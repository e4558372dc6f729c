"""Dunning in the browser: the collector's worklist, outcomes and approvals, messages' PDFs."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.collections.disputes import deadline_of, overdue
from creditpilot.collections.letters import day_letters
from creditpilot.collections.models import CustomerProfile, Dispute, Message, Task
from creditpilot.collections.portal import PORTAL_USER
from creditpilot.collections.services import open_debits
from creditpilot.collections.timeline import Event, timeline
from creditpilot.collections.worklist import (
    WorkItem,
    active_pause,
    do_call_outcome,
    do_decide_approval,
    do_dispute_outcome,
    do_pause_dunning,
    do_promise_outcome,
    do_resume_dunning,
    do_set_collection_profile,
    worklist,
)
from creditpilot.core.errors import CreditPilotError
from creditpilot.core.formats import money_text
from creditpilot.web.access import company_view

TASK_KINDS = {
    "call": gettext_lazy("Call"),
    "approval": gettext_lazy("Approve a step"),
    "bad_address": gettext_lazy("Address refused: find a new one"),
    "no_address": gettext_lazy("Contact missing: find one"),
    "send_failed": gettext_lazy("Sending failed"),
    "broken_promise": gettext_lazy("Broken promise"),
    "escalate_sales": gettext_lazy("Ask the sales rep"),
    "escalate_management": gettext_lazy("Escalation to management"),
    "credit_hold": gettext_lazy("Put on credit hold"),
    "follow_up": gettext_lazy("Follow-up"),
    "check_delivery": gettext_lazy("Check that the reminder arrived"),
    "file_claim": gettext_lazy("File the claim with the court's officer"),
    "portal_promise": gettext_lazy("Promise made through the portal: check it"),
    "portal_dispute": gettext_lazy("Dispute opened through the portal: look into it"),
    "plan_request": gettext_lazy("Payment plan asked through the portal: propose one"),
}
MESSAGE_STATUSES = {
    "approval": gettext_lazy("awaiting approval"),
    "pending": gettext_lazy("to send"),
    "sending": gettext_lazy("being sent"),
    "sent": gettext_lazy("sent"),
    "retry": gettext_lazy("to try again"),
    "failed": gettext_lazy("failed"),
    "refused": gettext_lazy("address refused"),
    "no_address": gettext_lazy("no address"),
    "rejected": gettext_lazy("not approved"),
    "uncertain": gettext_lazy("sending interrupted"),
}
CHANNELS = {"email": gettext_lazy("Email"), "letter": gettext_lazy("Letter"), "sms": "SMS"}
OUTCOMES = {
    "reached": gettext_lazy("reached"),
    "no_answer": gettext_lazy("no answer"),
    "wrong_contact": gettext_lazy("wrong contact"),
    "promise": gettext_lazy("promise to pay"),
    "dispute": gettext_lazy("dispute"),
    "approved": gettext_lazy("approved"),
    "rejected": gettext_lazy("rejected"),
    "done": gettext_lazy("done"),
}
PROMISE_STATUSES = {
    "open": gettext_lazy("open"),
    "kept": gettext_lazy("kept"),
    "broken": gettext_lazy("broken"),
}
DISPUTE_REASONS = {
    "price": gettext_lazy("price"),
    "quantity": gettext_lazy("quantity"),
    "quality": gettext_lazy("quality"),
    "delivery": gettext_lazy("delivery"),
    "duplicate": gettext_lazy("duplicate"),
    "other": gettext_lazy("other"),
}


ERRORS = {
    "bad_amount": gettext_lazy("The amount must be positive, with at most two decimals."),
    "unknown_customer": gettext_lazy("Unknown customer."),
    "item_not_open": gettext_lazy("This invoice is not open at this date."),
    "unknown_item": gettext_lazy("Unknown invoice."),
    "promise_in_past": gettext_lazy("A promise is for today or later."),
    "nothing_owed": gettext_lazy("The customer owes nothing at this date."),
    "promise_over_owed": gettext_lazy("The promise is for more than the customer owes."),
    "bad_reason": gettext_lazy("Choose the reason of the dispute."),
    "already_disputed": gettext_lazy("This invoice is already disputed."),
    "task_closed": gettext_lazy("This task was already done."),
    "bad_outcome": gettext_lazy("Unknown outcome."),
    "not_an_approval": gettext_lazy("This task is not an approval."),
    "pause_reason": gettext_lazy("Say why the customer is not to be dunned."),
    "pause_in_past": gettext_lazy("The end of the pause is in the past."),
}


def error_text(err: CreditPilotError) -> str:
    """A refusal of the collection services, in the reader's language."""
    return str(ERRORS.get(err.code, err.message))


def _today(request: HttpRequest) -> date:
    raw = request.GET.get("as_of") or request.POST.get("as_of") or ""
    try:
        return date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def portal_request_text(task: Task, currency: str) -> str:
    """What the customer asked through the portal, in words (empty for other tasks)."""
    language = (get_language() or "fr")[:2]
    if task.kind == Task.Kind.PORTAL_PROMISE and task.promise is not None:
        return _("The customer promises %(amount)s by %(day)s.") % {
            "amount": money_text(task.promise.amount, currency, language),
            "day": task.promise.promised_date.strftime("%d/%m/%Y"),
        }
    if task.kind == Task.Kind.PORTAL_DISPUTE and task.dispute is not None:
        return _("The customer disputes %(item)s (%(reason)s).") % {
            "item": task.dispute.item.number,
            "reason": DISPUTE_REASONS.get(task.dispute.reason, task.dispute.reason),
        }
    if task.kind == Task.Kind.PLAN_REQUEST:
        return _("The customer asks to pay %(amount)s in %(n)s instalments.") % {
            "amount": money_text(task.amount, currency, language),
            "n": task.detail.get("instalments", "?"),
        }
    return ""


def call_script(item: WorkItem) -> str:
    """What to say on the phone, from the facts."""
    language = (get_language() or "fr")[:2]
    currency = item.customer.currency or "EUR"
    parts = [
        _("%(name)s owes %(overdue)s overdue (%(total)s in all).")
        % {
            "name": item.customer.name,
            "overdue": money_text(item.overdue, currency, language),
            "total": money_text(item.open, currency, language),
        }
    ]
    if item.days_late:
        parts.append(
            _("The oldest reminded invoice is %(days)s days late.") % {"days": item.days_late}
        )
    if item.last_message is not None:
        parts.append(
            _("Last reminder: %(step)s, on %(day)s.")
            % {
                "step": item.last_message.step_name,
                "day": item.last_message.day.strftime("%d/%m/%Y"),
            }
        )
    if item.promises_broken:
        parts.append(_("They broke a promise to pay: ask for a firm date and an amount."))
    if item.disputes_open:
        parts.append(_("An invoice is disputed: do not ask for it, settle the dispute."))
    parts.append(_("Ask when the payment will be made, and by which means."))
    return " ".join(parts)


@company_view()
def worklist_page(request: HttpRequest, scope: Scope) -> HttpResponse:
    today = _today(request)
    mine = request.GET.get("mine") == "1" and scope.can(Action.COLLECT)
    items = worklist(
        scope.company,
        today,
        user_id=request.user.pk if mine else None,
        sales_rep=scope.sales_rep if scope.own_customers_only else None,
    )
    rows = [
        {
            "item": item,
            "kind": TASK_KINDS.get(item.task.kind, item.task.kind),
            "script": call_script(item),
            "percent": int(item.chance * 100),
            "debits": open_debits(item.customer, today)[:20]
            if item.task.kind in ("call", "broken_promise", "escalate_sales")
            else [],
            "portal": portal_request_text(item.task, scope.company.currency),
        }
        for item in items
    ]
    username = request.user.get_username()
    late_disputes = (
        overdue(scope.company, today)
        .filter(customer__in=scope.customers().values("pk"))
        .filter(Q(owner=username) | Q(owner="") if scope.can(Action.COLLECT) else Q(owner=username))
        .select_related("customer", "item")
        .order_by("opened_on")[:100]
    )
    return render(
        request,
        "web/worklist.html",
        {
            "late_disputes": [
                {"dispute": d, "deadline": deadline_of(d), "reason": DISPUTE_REASONS.get(d.reason)}
                for d in late_disputes
            ],
            "rows": rows,
            "mine": mine,
            "as_of": today,
            "can_collect": scope.can(Action.COLLECT),
            "can_approve": scope.can(Action.APPROVE_DUNNING),
            "reasons": list(DISPUTE_REASONS.items()),
            "letters": day_letters(scope.company, today) is not None,
        },
    )


@company_view(post_action=Action.COLLECT, methods=("POST",))
def task_outcome(request: HttpRequest, scope: Scope, task: int) -> HttpResponse:
    found = Task.objects.filter(company=scope.company, pk=task).select_related("customer").first()
    if found is None or not scope.customers().filter(pk=found.customer_id).exists():
        raise Http404
    outcome = request.POST.get("outcome", "")
    actor = actor_of(request.user, request)
    today = _today(request)
    note = request.POST.get("note", "")[:1000]
    try:
        if outcome in ("approve", "reject"):
            scope.require(Action.APPROVE_DUNNING)
            count = do_decide_approval(
                scope.company, task, outcome == "approve", actor, today, note
            )
            messages.success(
                request,
                _("%(n)s message(s) approved.") % {"n": count}
                if outcome == "approve"
                else _("The step was not approved: nothing will be sent."),
            )
        elif outcome == "promise":
            day = date.fromisoformat(request.POST.get("promised_date", ""))
            items = [n for n in request.POST.getlist("items") if n]
            do_promise_outcome(
                scope.company,
                task,
                request.POST.get("amount", ""),
                day,
                actor,
                today,
                items=items,
                note=note,
            )
            messages.success(request, _("Promise recorded: reminders wait for it."))
        elif outcome == "dispute":
            do_dispute_outcome(
                scope.company,
                task,
                request.POST.get("item", ""),
                request.POST.get("reason", ""),
                actor,
                today,
                note=note,
            )
            messages.success(request, _("Dispute recorded: the invoice is no longer chased."))
        else:
            do_call_outcome(scope.company, task, outcome, actor, today, note)
            messages.success(request, _("Outcome recorded."))
    except ValueError:
        messages.error(request, _("The date of the promise is missing or wrong."))
    except CreditPilotError as err:
        messages.error(request, error_text(err))
    return redirect(reverse("worklist", args=[scope.company.code]) + f"?as_of={today.isoformat()}")


@company_view()
def message_pdf(request: HttpRequest, scope: Scope, message: int) -> HttpResponse:
    found = Message.objects.filter(company=scope.company, pk=message).first()
    if (
        found is None
        or not found.pdf
        or not scope.customers().filter(pk=found.customer_id).exists()
    ):
        raise Http404
    response = HttpResponse(bytes(found.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="message-{found.pk}.pdf"'
    return response


@company_view(Action.COLLECT)
def letters_pdf(request: HttpRequest, scope: Scope) -> HttpResponse:
    today = _today(request)
    pdf = day_letters(scope.company, today)
    if pdf is None:
        raise Http404
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="letters-{today.isoformat()}.pdf"'
    return response


def timeline_rows(scope: Scope, customer: Any) -> list[dict[str, Any]]:
    """The customer's dunning timeline, said in words for its page."""
    rows = []
    for event in timeline(scope.company, customer):
        rows.append({"event": event, "text": _event_text(event)})
    return rows


def _event_text(event: Event) -> str:
    text = _event_words(event)
    if event.detail.get("by") == PORTAL_USER:
        return f"{text} — {_('the customer (through the portal)')}"
    return text


def _event_words(event: Event) -> str:
    d = event.detail
    if event.kind == "message":
        return _("%(channel)s “%(step)s” (%(status)s): %(subject)s") % {
            "channel": CHANNELS.get(event.what, event.what),
            "step": d["step"],
            "status": MESSAGE_STATUSES.get(event.status, event.status),
            "subject": d["subject"],
        }
    if event.kind == "task":
        outcome = OUTCOMES.get(d["outcome"], "") if d["outcome"] else _("to do")
        return f"{TASK_KINDS.get(event.what, event.what)} — {outcome}"
    if event.kind == "promise":
        return _("Promise to pay by %(day)s: %(status)s") % {
            "day": date.fromisoformat(d["promised_date"]).strftime("%d/%m/%Y"),
            "status": PROMISE_STATUSES.get(event.status, event.status),
        }
    reason = DISPUTE_REASONS.get(event.what, event.what)
    if event.status == Dispute.Status.OPEN:
        return _("Dispute on %(item)s (%(reason)s)") % {"item": d["item"], "reason": reason}
    return _("Dispute on %(item)s (%(reason)s) closed") % {"item": d["item"], "reason": reason}


@company_view(post_action=Action.EDIT_CUSTOMER, methods=("POST",))
def customer_collection(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    """The customer's collector and key-customer flag, from its page."""
    customer = scope.customer(code)
    actor = actor_of(request.user, request)
    today = timezone.localdate()
    if request.POST.get("what") in ("pause", "resume"):
        try:
            if request.POST["what"] == "resume":
                do_resume_dunning(scope.company, customer, actor, today)
                messages.success(request, _("Dunning resumes from the next run."))
            else:
                raw_until = request.POST.get("until") or ""
                until = date.fromisoformat(raw_until) if raw_until else None
                do_pause_dunning(
                    scope.company, customer, request.POST.get("reason", ""), until, actor, today
                )
                messages.success(request, _("The customer is no longer dunned."))
        except ValueError:
            messages.error(request, _("The end of the pause is not a date."))
        except CreditPilotError as err:
            messages.error(request, error_text(err))
        return redirect("customer", company=scope.company.code, code=customer.code)
    raw = request.POST.get("collector") or ""
    collectors = dict(collector_choices(scope))
    collector_id = int(raw) if raw.isdigit() and int(raw) in collectors else None
    changed = do_set_collection_profile(
        scope.company,
        customer,
        collector_id=collector_id,
        key_customer=request.POST.get("key_customer") == "1",
        actor=actor,
    )
    messages.success(request, _("Customer saved.") if changed else _("Nothing changed."))
    return redirect("customer", company=scope.company.code, code=customer.code)


def collector_choices(scope: Scope) -> list[tuple[int, str]]:
    """The users of the company who may collect: collectors, credit managers, admins."""
    return [
        (m.user_id, m.user.get_username())
        for m in scope.company.memberships.select_related("user").order_by("user__username")
        if m.role in ("collector", "credit_manager", "admin")
    ]


def collection_profile(customer: Any) -> dict[str, Any]:
    profile = CustomerProfile.objects.filter(customer=customer).first()
    return {
        "collector": profile.collector_id if profile else None,
        "key_customer": bool(profile and profile.key_customer),
        "pause": active_pause(customer, timezone.localdate()),
    }
