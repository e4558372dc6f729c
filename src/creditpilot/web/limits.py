"""Credit limits on the customer page: the recommendation, requests and their decisions."""

from __future__ import annotations

from datetime import timedelta
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
from creditpilot.risk.limits import covers, do_decide_limit, do_request_limit, recommended_limit
from creditpilot.risk.models import Alert, LimitRequest
from creditpilot.web.access import company_view
from creditpilot.web.views import as_of_of

ERRORS = {
    "negative_amount": gettext_lazy("A credit limit is zero or more."),
    "limit_reason": gettext_lazy("Say why the limit is asked for."),
    "limit_decided": gettext_lazy("This request was already decided."),
    "over_delegation": gettext_lazy("This limit is above your delegation."),
}
STATUSES = {
    "pending": gettext_lazy("waiting for a decision"),
    "approved": gettext_lazy("granted"),
    "rejected": gettext_lazy("refused"),
}


def limit_context(scope: Scope, customer: Customer) -> dict[str, Any]:
    requests = list(LimitRequest.objects.filter(customer=customer)[:10])
    return {
        "recommended": recommended_limit(customer, timezone.localdate()),
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
