"""Disputes to their resolution: the open ones with their owner and deadline, the
resolution of each, and the statistics by reason and owner."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.collections.disputes import (
    deadline_of,
    do_assign_dispute,
    do_resolve_dispute,
    statistics,
)
from creditpilot.collections.models import Dispute
from creditpilot.core.errors import CreditPilotError
from creditpilot.web.access import company_view
from creditpilot.web.dunning import DISPUTE_REASONS
from creditpilot.web.views import as_of_of

RESOLUTIONS = {
    "credit_note": gettext_lazy("credit note"),
    "partial_credit": gettext_lazy("partial credit"),
    "corrected_invoice": gettext_lazy("corrected invoice"),
    "rejected": gettext_lazy("rejected"),
    "closed": gettext_lazy("closed without a resolution"),
}
ERRORS = {
    "unknown_owner": gettext_lazy("This person is not a user of the company."),
    "deadline_before_opening": gettext_lazy("The deadline cannot come before the opening."),
    "dispute_closed": gettext_lazy("This dispute is already closed."),
    "bad_resolution": gettext_lazy("Choose a resolution from the list."),
}


def _may_settle(scope: Scope, dispute: Dispute, username: str) -> bool:
    """A collector or credit manager settles any; a sales rep the ones they own."""
    return scope.can(Action.COLLECT) or dispute.owner == username


@company_view()
def disputes_page(request: HttpRequest, scope: Scope) -> HttpResponse:
    today = as_of_of(request)
    visible = scope.customers().values("pk")
    rows = [
        {
            "dispute": d,
            "reason": DISPUTE_REASONS.get(d.reason, d.reason),
            "deadline": deadline_of(d),
            "late": deadline_of(d) < today,
            "may_settle": _may_settle(scope, d, request.user.get_username()),
        }
        for d in Dispute.objects.filter(
            company=scope.company, status=Dispute.Status.OPEN, customer__in=visible
        )
        .select_related("customer", "item")
        .annotate(file_count=Count("files"))
        .order_by("opened_on", "id")[:500]
    ]
    stats = statistics(scope.company, today, today - timedelta(days=365))
    users = list(
        get_user_model()
        .objects.filter(memberships__company=scope.company, is_active=True)
        .order_by("username")
        .values_list("username", flat=True)
    )
    return render(
        request,
        "web/disputes.html",
        {
            "as_of": today,
            "rows": rows,
            "users": users,
            "resolutions": [(k, v) for k, v in RESOLUTIONS.items() if k != "closed"],
            "by_reason": _tallies(stats.by_reason, DISPUTE_REASONS),
            "by_owner": _tallies(stats.by_owner, {"": _("nobody")}),
            "by_resolution": [(RESOLUTIONS.get(k, k), n) for k, n in stats.by_resolution.items()],
        },
    )


def _tallies(tallies: dict[str, Any], names: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": names.get(key, key), "tally": tally}
        for key, tally in sorted(tallies.items(), key=lambda kv: (-kv[1].open, str(kv[0])))
    ]


@company_view(methods=("POST",))
def dispute_settle(request: HttpRequest, scope: Scope, dispute: int) -> HttpResponse:
    """Give a dispute its owner and deadline, or resolve it."""
    found = (
        Dispute.objects.filter(
            company=scope.company, pk=dispute, customer__in=scope.customers().values("pk")
        )
        .select_related("customer")
        .first()
    )
    if found is None:
        raise Http404
    if not _may_settle(scope, found, request.user.get_username()):
        scope.require(Action.COLLECT)  # 403
    actor = actor_of(request.user, request)
    post = request.POST
    try:
        if post.get("resolution"):
            do_resolve_dispute(
                scope.company, found.pk, post["resolution"], post.get("note", ""),
                as_of_of(request), actor,
            )  # fmt: skip
            messages.success(request, _("Dispute resolved."))
        else:
            raw = post.get("deadline", "").strip()
            deadline = date.fromisoformat(raw) if raw else None
            do_assign_dispute(scope.company, found.pk, post.get("owner", ""), deadline, actor)
            messages.success(request, _("Dispute assigned."))
    except ValueError:
        messages.error(request, _("Not a date."))
    except CreditPilotError as err:
        messages.error(request, str(ERRORS.get(err.code, err.message)))
    return redirect("disputes", company=scope.company.code)
