"""Credit limits on the customer page: the recommendation, requests and their decisions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.core.errors import CreditPilotError
from creditpilot.core.money import to_cents
from creditpilot.customers.models import Customer
from creditpilot.risk.alerts import alert_text
from creditpilot.risk.limits import covers, do_decide_limit, do_request_limit
from creditpilot.risk.models import Alert, CreditCover, LimitRequest
from creditpilot.risk.policy import CoverValues, do_set_cover, recommendation
from creditpilot.web.access import company_view
from creditpilot.web.policy import GUARANTEE_CHOICES
from creditpilot.web.views import as_of_of

ERRORS = {
    "negative_amount": gettext_lazy("A credit limit is zero or more."),
    "limit_reason": gettext_lazy("Say why the limit is asked for."),
    "limit_decided": gettext_lazy("This request was already decided."),
    "over_delegation": gettext_lazy("This limit is above your delegation."),
    "expires_before_decided": gettext_lazy("The cover cannot end before it was decided."),
    "insurer_missing": gettext_lazy("Name the insurer of the cover."),
    "bad_guarantee": gettext_lazy("Choose a guarantee from the list."),
}
STATUSES = {
    "pending": gettext_lazy("waiting for a decision"),
    "approved": gettext_lazy("granted"),
    "rejected": gettext_lazy("refused"),
}


def limit_context(scope: Scope, customer: Customer) -> dict[str, Any]:
    requests = list(LimitRequest.objects.filter(customer=customer)[:10])
    today = timezone.localdate()
    advice = recommendation(customer, today, (get_language() or "fr")[:2])
    cover = CreditCover.objects.filter(customer=customer).first()
    return {
        "recommended": advice.limit,
        "advice": advice,
        "guarantee_asked": dict(GUARANTEE_CHOICES)[advice.guarantee],
        "cover": cover,
        "cover_guarantee": dict(GUARANTEE_CHOICES).get(cover.guarantee) if cover else None,
        "insured_now": cover.insured_on(today) if cover else 0,
        "review_due": bool(cover and cover.review_date and cover.review_date <= today),
        "guarantees": GUARANTEE_CHOICES,
        "may_edit_cover": scope.can(Action.EDIT_CUSTOMER),
        "requests": [
            {
                "request": r,
                "status": STATUSES.get(r.status, r.status),
                "may_decide": r.status == "pending" and covers(scope.role, r.amount),
            }
            for r in requests
        ],
        "may_request": scope.role != "auditor",
    }


@company_view(methods=("POST",))
def limit_request(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    customer = scope.customer(code)
    if scope.role == "auditor":
        scope.require(Action.EDIT_CUSTOMER)  # 403: an auditor changes nothing
    actor = actor_of(request.user, request)
    try:
        if request.POST.get("decision") in ("approve", "reject"):
            found = LimitRequest.objects.filter(
                company=scope.company, customer=customer, pk=request.POST.get("request") or 0
            ).first()
            if found is None:
                raise Http404
            do_decide_limit(
                scope.company, found.pk, request.POST["decision"] == "approve", actor, scope.role
            )
            messages.success(request, _("Decision recorded."))
        else:
            raw = "".join(request.POST.get("amount", "").split()).replace(",", ".")
            amount = to_cents(Decimal(raw))
            made = do_request_limit(
                scope.company,
                customer,
                amount,
                request.POST.get("reason", ""),
                actor,
                scope.role,
                timezone.localdate(),
            )
            messages.success(
                request,
                _("Limit granted.")
                if made.status == "approved"
                else _("Request sent for approval."),
            )
    except (InvalidOperation, ValueError):
        messages.error(request, _("Not an amount."))
    except CreditPilotError as err:
        messages.error(request, str(ERRORS.get(err.code, err.message)))
    return redirect("customer", company=scope.company.code, code=customer.code)


@company_view()
def alerts_page(request: HttpRequest, scope: Scope) -> HttpResponse:
    """The watch-list: the early warnings of the last 30 days, newest first."""
    today = as_of_of(request)
    language = (get_language() or "fr")[:2]
    visible = scope.customers().values("pk")
    alerts = (
        Alert.objects.filter(
            company=scope.company, customer__in=visible, day__gte=today - timedelta(days=30)
        )
        .select_related("customer")
        .order_by("-day", "kind", "customer__code")[:500]
    )
    rows = [{"alert": a, "text": alert_text(a, language)} for a in alerts]
    return render(request, "web/alerts.html", {"rows": rows})


@company_view(methods=("POST",))
def cover_edit(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    """What secures the customer's credit: its insurer's cover, a guarantee, the review date."""
    customer = scope.customer(code)
    scope.require(Action.EDIT_CUSTOMER)
    post = request.POST
    try:
        values = CoverValues(
            insurer=post.get("insurer", ""),
            insured_amount=_cents(post.get("insured_amount", "")),
            insurance_decided=_day(post.get("insurance_decided", "")),
            insurance_expires=_day(post.get("insurance_expires", "")),
            guarantee=post.get("guarantee", "none"),
            guarantee_amount=_cents(post.get("guarantee_amount", "")),
            review_date=_day(post.get("review_date", "")),
        )
        do_set_cover(scope.company, customer, values, actor_of(request.user, request))
        messages.success(request, _("Cover and guarantee recorded."))
    except (InvalidOperation, ValueError):
        messages.error(request, _("An amount or a date is not valid."))
    except CreditPilotError as err:
        messages.error(request, str(ERRORS.get(err.code, err.message)))
    return redirect("customer", company=scope.company.code, code=customer.code)


def _cents(raw: str) -> int | None:
    text = "".join(raw.split()).replace(",", ".")
    if not text:
        return None
    amount = to_cents(Decimal(text))
    if amount < 0:
        raise ValueError("negative")
    return amount


def _day(raw: str) -> date | None:
    return date.fromisoformat(raw.strip()) if raw.strip() else None
