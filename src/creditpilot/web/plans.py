"""Payment plans and litigation cases on the customer page: plans agreed in a form and
followed, their letter in PDF; cases and their statement of claim in PDF."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.collections.claim_document import claim_pdf
from creditpilot.collections.litigation import (
    do_case_money,
    do_close_case,
    do_move_case,
    do_open_case,
    statement_of_claim,
)
from creditpilot.collections.models import LitigationCase, PaymentPlan
from creditpilot.collections.plan_letter import instalments_of, plan_letter_pdf
from creditpilot.collections.plans import do_add_plan
from creditpilot.collections.services import parse_amount
from creditpilot.core.errors import CreditPilotError, InvalidInputError
from creditpilot.customers.models import Customer
from creditpilot.web.access import company_view
from creditpilot.web.views import as_of_of

ROWS = 6  # instalment rows in the form
STATUSES = {
    "active": pgettext_lazy("payment plan", "running"),
    "completed": pgettext_lazy("payment plan", "kept"),
    "broken": pgettext_lazy("payment plan", "broken"),
}
ERRORS = {
    "plan_does_not_add_up": gettext_lazy(
        "The instalments must add up to the open items plus the interest."
    ),
    "plan_in_past": gettext_lazy("An instalment is due today or later."),
    "instalment_order": gettext_lazy("One instalment a day, in date order."),
    "no_instalment": gettext_lazy("Give at least one instalment."),
    "nothing_owed": gettext_lazy("The customer owes nothing on these items."),
    "unknown_item": gettext_lazy("An item chosen is not one of this customer's."),
    "item_not_open": gettext_lazy("An item chosen is no longer open."),
    "no_item": gettext_lazy("Choose at least one item."),
}


def customer_plans(scope: Scope, customer: Customer) -> dict[str, Any]:
    plans = PaymentPlan.objects.filter(customer=customer)[:5]
    return {
        "plans": [
            {
                "plan": p,
                "status": STATUSES.get(p.status, p.status),
                "instalments": instalments_of(p),
            }
            for p in plans
        ],
        "rows": range(1, ROWS + 1),
        "may_agree": scope.can(Action.COLLECT),
    }


@company_view(Action.COLLECT, methods=("POST",))
def plan_add(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    customer = scope.customer(code)
    post = request.POST
    try:
        instalments = [
            (date.fromisoformat(post[f"date_{n}"]), parse_amount(post.get(f"amount_{n}", "")))
            for n in range(1, ROWS + 1)
            if post.get(f"date_{n}", "").strip()
        ]
        interest = post.get("interest", "").strip()
        items = [number for number in post.getlist("items") if number]
        if post.get("items_listed") and not items:
            raise InvalidInputError("no_item", "no item chosen")
        do_add_plan(
            scope.company,
            customer.code,
            instalments,
            today=as_of_of(request),
            items=items,
            interest=parse_amount(interest) if interest else 0,
            note=post.get("note", ""),
            username=request.user.get_username(),
        )
        messages.success(request, _("Payment plan agreed."))
    except ValueError:
        messages.error(request, _("A date or an amount is not valid."))
    except CreditPilotError as err:
        messages.error(request, str(ERRORS.get(err.code, err.message)))
    return redirect("customer", company=scope.company.code, code=customer.code)


@company_view()
def plan_letter(request: HttpRequest, scope: Scope, code: str, plan: int) -> HttpResponse:
    customer = scope.customer(code)
    found = PaymentPlan.objects.filter(company=scope.company, customer=customer, pk=plan).first()
    if found is None:
        raise Http404
    language = customer.language if customer.language in ("fr", "en") else "fr"
    response = HttpResponse(plan_letter_pdf(found, language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="plan-{customer.code}-{found.pk}.pdf"'
    return response


STAGES = {
    "amicable": gettext_lazy("amicable"),
    "formal_notice": gettext_lazy("formal notice"),
    "order_for_payment": gettext_lazy("order for payment"),
    "summary_proceedings": gettext_lazy("summary proceedings"),
    "collection_agency": gettext_lazy("collection agency"),
    "lawyer": gettext_lazy("lawyer"),
    "insolvency_claim": gettext_lazy("insolvency claim"),
}
OUTCOMES = {
    "recovered": gettext_lazy("recovered"),
    "settled": gettext_lazy("settled"),
    "written_off": gettext_lazy("written off"),
}


def customer_cases(scope: Scope, customer: Customer) -> dict[str, Any]:
    return {
        "cases": [
            {
                "case": c,
                "stage": STAGES.get(c.stage, c.stage),
                "outcome": OUTCOMES.get(c.outcome, c.outcome),
            }
            for c in LitigationCase.objects.filter(customer=customer)[:10]
        ],
        "stages": list(STAGES.items()),
        "outcomes": list(OUTCOMES.items()),
        "may_act": scope.can(Action.COLLECT),
    }


@company_view()
def case_claim(request: HttpRequest, scope: Scope, code: str, case: int) -> HttpResponse:
    customer = scope.customer(code)
    found = LitigationCase.objects.filter(company=scope.company, customer=customer, pk=case).first()
    if found is None:
        raise Http404
    claim = statement_of_claim(scope.company, found, as_of_of(request))
    response = HttpResponse(claim_pdf(claim), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="claim-{found.pk}.pdf"'
    return response


CASE_ERRORS = {
    "nothing_owed": gettext_lazy("The customer owes nothing past due."),
    "publication_missing": gettext_lazy("Give the date of the BODACC publication."),
    "write_off_not_approved": gettext_lazy(
        "A write-off needs an approved write-off decision (decision matrix)."
    ),
    "negative_amount": gettext_lazy("An amount is zero or more."),
    "case_closed": gettext_lazy("This case is closed."),
}


@company_view(Action.COLLECT, methods=("POST",))
def case_action(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    """Open a case on the customer's past-due items, or move, fund or close one."""
    customer = scope.customer(code)
    post, today = request.POST, as_of_of(request)
    who = request.user.get_username()
    try:
        what = post.get("what", "")
        if what == "open":
            do_open_case(
                scope.company, customer.code, today=today, stage=post.get("stage", "amicable"),
                username=who,
            )  # fmt: skip
            messages.success(request, _("Case opened."))
        else:
            case_id = int(post.get("case", "0"))
            if not LitigationCase.objects.filter(
                company=scope.company, customer=customer, pk=case_id
            ).exists():
                raise Http404
            if what == "move":
                raw = post.get("published", "").strip()
                do_move_case(
                    scope.company, case_id, post.get("stage", ""), today=today,
                    published_on=date.fromisoformat(raw) if raw else None, username=who,
                )  # fmt: skip
            elif what == "money":
                costs, back = post.get("costs", "").strip(), post.get("recovered", "").strip()
                do_case_money(
                    scope.company, case_id, costs=parse_amount(costs) if costs else 0,
                    recovered=parse_amount(back) if back else 0, username=who,
                )  # fmt: skip
            elif what == "close":
                do_close_case(scope.company, case_id, post.get("outcome", ""), today=today,
                              username=who)  # fmt: skip
            else:
                raise Http404
            messages.success(request, _("Case updated."))
    except ValueError:
        messages.error(request, _("A date or an amount is not valid."))
    except CreditPilotError as err:
        messages.error(request, str(CASE_ERRORS.get(err.code, err.message)))
    return redirect("customer", company=scope.company.code, code=customer.code)
