"""The month end's doubtful-debt provisions: proposed by the daily run, approved here, then
downloaded as a FEC for the accountant."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.core.errors import CreditPilotError
from creditpilot.risk.models import ProvisionRun
from creditpilot.risk.provision_entries import provisions_fec
from creditpilot.risk.provisions import do_approve_provisions
from creditpilot.web.access import company_view

REASONS = {
    "proceedings": gettext_lazy("collective proceedings"),
    "litigation": gettext_lazy("in litigation"),
    "over_365": gettext_lazy("over 365 days past due"),
    "over_180": gettext_lazy("over 180 days past due"),
}
STATUSES = {
    "proposed": gettext_lazy("to approve"),
    "approved": gettext_lazy("approved"),
}


def _month(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Http404 from None


@company_view()
def provisions_page(request: HttpRequest, scope: Scope) -> HttpResponse:
    runs = list(ProvisionRun.objects.filter(company=scope.company).order_by("-month_end")[:24])
    chosen = _month(request.GET.get("month"))
    run = next((r for r in runs if r.month_end == chosen), runs[0] if runs else None)
    visible = set(scope.customers().values_list("code", flat=True))
    lines = [
        {
            **line,
            "due": date.fromisoformat(line["due_date"]),
            "reason_text": REASONS.get(line["reason"], line["reason"]),
        }
        for line in (run.lines if run else [])
        if line["customer"] in visible
    ]
    return render(
        request,
        "web/provisions.html",
        {
            "runs": [{"run": r, "status": STATUSES.get(r.status, r.status)} for r in runs],
            "run": run,
            "lines": lines,
            "writeoffs": [
                {**line, "on": date.fromisoformat(line["day"])}
                for line in (run.writeoffs if run else [])
                if line["customer"] in visible
            ],
            "may_approve": run is not None
            and run.status == ProvisionRun.Status.PROPOSED
            and scope.can(Action.APPROVE_PROVISIONS),
        },
    )


@company_view(Action.APPROVE_PROVISIONS, methods=("POST",))
def provisions_approve(request: HttpRequest, scope: Scope) -> HttpResponse:
    month = _month(request.POST.get("month"))
    if month is None:
        raise Http404
    try:
        do_approve_provisions(scope.company, month, actor_of(request.user, request))
        messages.success(request, _("Provisions approved."))
    except CreditPilotError:
        messages.error(request, _("These provisions were already approved."))
    page = reverse("provisions", kwargs={"company": scope.company.code})
    return redirect(f"{page}?month={month.isoformat()}")


@company_view(Action.VIEW_AUDIT)
def provisions_download(request: HttpRequest, scope: Scope, month: str) -> HttpResponse:
    run = ProvisionRun.objects.filter(
        company=scope.company, month_end=_month(month), status=ProvisionRun.Status.APPROVED
    ).first()
    if run is None:
        raise Http404
    response = HttpResponse(provisions_fec(run), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="provisions-{scope.company.code}-{month}.txt"'
    )
    return response
