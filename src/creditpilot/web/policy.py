"""The credit policy on the settings page: by rating, the longest terms, the limit formula and
the guarantee asked for."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.collections.terms_of_sale import missing_mentions, payment_clauses
from creditpilot.core.errors import CreditPilotError
from creditpilot.risk.policy import RATING_ORDER, PolicyRow, company_policy, do_set_policy
from creditpilot.web.access import company_view

GUARANTEE_CHOICES = [
    ("none", gettext_lazy("none")),
    ("prepayment", gettext_lazy("prepayment")),
    ("deposit", gettext_lazy("deposit")),
    ("bank_guarantee", gettext_lazy("bank guarantee")),
    ("credit_insurance", gettext_lazy("credit insurance")),
]
ERRORS = {
    "bad_terms_days": gettext_lazy("The longest terms are 0 to 365 days."),
    "bad_months": gettext_lazy("The months of sales are 0 to 24."),
    "bad_percent": gettext_lazy("The share of equity is 0 to 100 %."),
    "bad_guarantee": gettext_lazy("Choose a guarantee from the list."),
}


MENTION_LABELS = {
    "terms": gettext_lazy("the payment terms"),
    "rate": gettext_lazy("the late-payment interest rate"),
    "indemnity": gettext_lazy("the fixed 40 euro recovery indemnity"),
    "discount": gettext_lazy("the early-payment discount, or that none is granted"),
}


def policy_context(scope: Scope) -> dict[str, Any]:
    own = scope.company.legal_mentions.strip()
    return {
        "policy": list(company_policy(scope.company).values()),
        "guarantees": GUARANTEE_CHOICES,
        "can_edit_policy": scope.can(Action.EDIT_SETTINGS),
        "clauses": [payment_clauses(scope.company, lang) for lang in ("fr", "en")],
        "own_mentions": bool(own),
        "missing_mentions": [MENTION_LABELS[m] for m in missing_mentions(own)] if own else [],
    }


@company_view(Action.EDIT_SETTINGS, methods=("POST",))
def policy_edit(request: HttpRequest, scope: Scope) -> HttpResponse:
    post = request.POST
    try:
        rows = [
            PolicyRow(
                rating,
                int(post.get(f"days_{rating}", "").strip()),
                Decimal(post.get(f"months_{rating}", "").strip().replace(",", ".")),
                Decimal(post.get(f"equity_{rating}", "").strip().replace(",", ".")),
                post.get(f"guarantee_{rating}", "none"),
            )
            for rating in RATING_ORDER
        ]
        if any(not (r.sales_months.is_finite() and r.equity_percent.is_finite()) for r in rows):
            raise InvalidOperation
        do_set_policy(scope.company, rows, actor_of(request.user, request))
        messages.success(request, _("Credit policy saved."))
    except (InvalidOperation, ValueError):
        messages.error(request, _("A number of the policy is not valid."))
    except CreditPilotError as err:
        messages.error(request, str(ERRORS.get(err.code, err.message)))
    return redirect("settings", company=scope.company.code)
