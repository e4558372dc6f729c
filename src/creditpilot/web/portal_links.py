"""The portal seen from the company: a customer's link (shown, issued, revoked) and the files
customers joined to their disputes, downloaded by the company's users only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from creditpilot.accounts.audit import actor_of
from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.collections.models import DisputeFile
from creditpilot.collections.portal import (
    dispute_file,
    do_issue_link,
    do_revoke_links,
    do_set_link_days,
    link_days,
    link_url,
    live_link,
)
from creditpilot.core.errors import CreditPilotError, NotFoundError
from creditpilot.customers.models import Customer
from creditpilot.web.access import company_view


def portal_context(scope: Scope, customer: Customer) -> dict[str, Any]:
    """The customer's live link (its address only for those who collect) and its files."""
    link = live_link(customer, timezone.now())
    may_act = scope.can(Action.COLLECT)
    files = (
        DisputeFile.objects.filter(company=scope.company, dispute__customer=customer)
        .select_related("dispute__item")
        .defer("data")[:50]
    )
    return {
        "link": link,
        "url": link_url(link) if link is not None and may_act else "",
        "may_act": may_act,
        "files": list(files),
    }


@company_view(post_action=Action.COLLECT, methods=("POST",))
def portal_link(request: HttpRequest, scope: Scope, code: str) -> HttpResponse:
    """Issue the customer's link (to send by hand) or revoke its live ones."""
    customer = scope.customer(code)
    actor = actor_of(request.user, request)
    now = timezone.now()
    try:
        if request.POST.get("what") == "revoke":
            do_revoke_links(scope.company, customer, now, actor)
            messages.success(request, _("The portal link is revoked: it opens nothing any more."))
        else:
            do_issue_link(scope.company, customer, now, actor)
            messages.success(request, _("The customer's portal link is ready to send."))
    except CreditPilotError:
        messages.error(request, _("This customer has no live portal link."))
    return redirect(reverse("customer", args=[scope.company.code, customer.code]) + "#portal")


@company_view(Action.EDIT_SETTINGS, methods=("POST",))
def portal_settings(request: HttpRequest, scope: Scope) -> HttpResponse:
    """How long the company's portal links last, from the settings page."""
    raw = request.POST.get("portal_link_days", "").strip()
    try:
        changed = do_set_link_days(
            scope.company, int(raw) if raw.isdigit() else 0, actor_of(request.user, request)
        )
        messages.success(request, _("Settings saved.") if changed else _("Nothing changed."))
    except CreditPilotError:
        messages.error(request, _("A portal link lasts from 1 to 365 days."))
    return redirect(reverse("settings", args=[scope.company.code]) + "#portal")


def portal_settings_context(scope: Scope) -> dict[str, Any]:
    return {"portal_link_days": link_days(scope.company)}


@company_view()
def dispute_file_download(request: HttpRequest, scope: Scope, dispute: int) -> HttpResponse:
    """The file a customer joined to a dispute: always downloaded, never shown in the page."""
    try:
        found = dispute_file(scope.company, dispute)
    except NotFoundError as err:
        raise Http404("file") from err
    if not scope.customers().filter(pk=found.dispute.customer_id).exists():
        raise Http404("file")
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.name}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
