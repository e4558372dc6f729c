"""The decision matrix as the company's collection policy, and the escalations decided."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.collections.decisions import ACTIONS, Row, company_matrix, do_decide, do_set_matrix
from creditpilot.collections.models import Decision
from creditpilot.core.errors import CreditPilotError
from creditpilot.core.money import to_cents
from creditpilot.customers.models import Customer
from creditpilot.web.access import company_view

ACTION_NAMES = {
    "formal_notice": gettext_lazy("formal notice"),
    "collection_agency": gettext_lazy("collection agency"),
    "order_for_payment": gettext_lazy("order for payment"),
    "lawyer": gettext_lazy("lawyer"),
    "write_off": gettext_lazy("write-off"),
}
DECIDERS = {
    "collector": gettext_lazy("a collector"),
    "credit_manager": gettext_lazy("a credit manager"),
    "management": gettext_lazy("management"),
}
ERRORS = {
    "not_your_decision": gettext_lazy("This decision belongs to %(role)s."),
    "consult_sales": gettext_lazy("Consult the sales rep first (key customer, or rated A or B)."),
    "decision_reason": gettext_lazy("Say why."),
    "negative_amount": gettext_lazy("An amount is zero or more."),
    "bounds_order": gettext_lazy("A credit manager's bound cannot be below a collector's."),
    "bad_action": gettext_lazy("Choose an escalation from the list."),
}


def _cents(raw: str) -> int | None:
    text = "".join(raw.split()).replace(",", ".")
    return to_cents(Decimal(text)) if text else None


def matrix_rows(scope: Scope) -> list[dict[str, Any]]:
    return [
        {"row": row, "name": ACTION_NAMES[action]}
        for action, row in company_matrix(scope.company).items()
    ]


@company_view(post_action=Action.EDIT_SETTINGS)
def decisions_page(request: HttpRequest, scope: Scope) -> HttpResponse:
    if request.method == "POST":
        try:
            rows = [
                Row(
                    action,
                    _cents(request.POST.get(f"collector_{action}", "")) or 0,
                    _cents(request.POST.get(f"manager_{action}", "")),
                    request.POST.get(f"sales_{action}") == "on",
                )
                for action in ACTIONS
            ]
            do_set_matrix(scope.company, rows, actor_of(request.user, request))
            messages.success(request, _("Decision matrix saved."))
        except (InvalidOperation, ValueError):
            messages.error(request, _("An amount is not valid."))
        except CreditPilotError as err:
            messages.error(request, str(ERRORS.get(err.code, err.message)))
        return redirect("decisions", company=scope.company.code)
    visible = scope.customers().values("pk")
    recent = (
        Decision.objects.filter(company=scope.company, customer__in=visible)
        .select_related("customer")
        .order_by("-created_at", "-id")[:50]
    )
    return render(
        request,
        "web/decisions.html",
        {
            "rows": matrix_rows(scope),
            "can_edit": scope.can(Action.EDIT_SETTINGS),
            "decisions": [
                {"decision": d, "name": ACTION_NAMES.get(d.action, d.action)} for d in recent
            ],
        },
    )


def customer_decisions(scope: Scope, customer: Customer) -> dict[str, Any]:
    return {
        "actions": list(ACTION_NAMES.items()),
        "decisions": [
            {"decision": d, "name": ACTION_NAMES.get(d.action, d.action)}
            for d in Decision.objects.filter(customer=customer)[:10]
        ],
        "may_decide": scope.can(Action.DECIDE_ESCALATION),
    }


@company_view(Action.DECIDE_ESCALATION, methods=("POST",))
def decide(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    customer = scope.customer(code)
    post = request.POST
    try:
        amount = _cents(post.get("amount", ""))
        do_decide(
            scope.company,
            customer,
            post.get("action", ""),
            amount if amount is not None else 0,
            post.get("decision") == "approve",
            post.get("reason", ""),
            post.get("sales_consulted") == "on",
            actor_of(request.user, request),
            scope.role,
        )
        messages.success(request, _("Decision recorded."))
    except (InvalidOperation, ValueError):
        messages.error(request, _("An amount is not valid."))
    except CreditPilotError as err:
        text = ERRORS.get(err.code, err.message)
        role = DECIDERS.get(str(err.params.get("needed", "")), "")
        messages.error(
            request, str(text) % {"role": role} if "%(role)s" in str(text) else str(text)
        )
    return redirect("customer", company=scope.company.code, code=customer.code)
