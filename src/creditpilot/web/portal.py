"""The customer portal in the browser: no sign-in, the link is the key, and it opens nothing else.

Every view takes the link's token first: a forged, changed, expired or revoked one gets the
same plain 404 page, which names no company and no customer. A live one shows that
customer's page, in the customer's language, with its statement and three forms (a
promise to pay, a dispute with a file, a payment plan request); each form is CSRF-checked,
re-shown with its input and the reason beside the field when it is refused, and confirmed
to the customer when it is taken.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from creditpilot.collections.models import Dispute, PortalLink, Promise, Task
from creditpilot.collections.portal import (
    MAX_FILE_BYTES,
    PLAN_INSTALMENTS,
    PROMISE_HORIZON_DAYS,
    Upload,
    do_portal_dispute,
    do_portal_plan_request,
    do_portal_promise,
    do_touch_link,
    find_link,
    token_of,
)
from creditpilot.collections.services import open_debits
from creditpilot.core.errors import InvalidInputError
from creditpilot.reports.statement_document import (
    open_items_statement,
    statement_document_pdf,
    statement_file_name,
    statement_language,
)
from creditpilot.web.dunning import DISPUTE_REASONS

# each refusal of a portal form: the field it is shown beside, and what it says
FORM_ERRORS: dict[str, tuple[str, Any]] = {
    "bad_amount": ("amount", gettext_lazy("Give a positive amount, with at most two decimals.")),
    "promise_over_owed": ("amount", gettext_lazy("This is more than what you owe.")),
    "promise_in_past": ("promised_date", gettext_lazy("Choose today or a later date.")),
    "promise_too_far": (
        "promised_date",
        gettext_lazy("Choose a date within the next 90 days, or ask for a payment plan."),
    ),
    "bad_date": ("promised_date", gettext_lazy("Give a date.")),
    # "item_list", not "items": a template reads ``errors.items`` as the dict's method
    "unknown_item": ("item_list", gettext_lazy("This invoice is not one of your open invoices.")),
    "item_not_open": ("item", gettext_lazy("This invoice is not one of your open invoices.")),
    "already_disputed": ("item", gettext_lazy("This invoice is already disputed.")),
    "bad_reason": ("reason", gettext_lazy("Choose the reason.")),
    "file_too_large": ("file", gettext_lazy("The file is larger than 5 MB.")),
    "file_type": ("file", gettext_lazy("Send a PDF, PNG or JPEG file.")),
    "bad_instalments": ("instalments", gettext_lazy("Choose between 2 and 12 instalments.")),
    "plan_already_asked": (
        "form",
        gettext_lazy("You have already asked for a payment plan: we will get back to you."),
    ),
    "nothing_owed": ("form", gettext_lazy("You owe nothing at this date.")),
}
CONFIRMATIONS = {
    "promise": gettext_lazy(
        "Thank you: your promise to pay is recorded. We will not remind "
        "you of these invoices before that date."
    ),
    "dispute": gettext_lazy(
        "Thank you: your dispute is recorded. This invoice will not be "
        "reminded while we look into it, and we will get back to you."
    ),
    "plan": gettext_lazy(
        "Thank you: your request for a payment plan is recorded. We will "
        "get back to you with a proposal."
    ),
}
PortalView = Callable[..., HttpResponse]


def _secured(response: HttpResponse) -> HttpResponse:
    """The link is in the address: never cached, never sent on to another site, not indexed."""
    response["Cache-Control"] = "no-store"
    # same-origin, not no-referrer: with no-referrer the browser posts "Origin: null", which
    # the CSRF check refuses
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    """The one answer to any link that does not open: it says nothing of why."""
    return _secured(render(request, "web/portal_404.html", status=404))


def portal_view(methods: tuple[str, ...]) -> Callable[[PortalView], PortalView]:
    """The token becomes the live link (else the 404), then the view runs in the customer's
    language; only ``methods`` are taken."""

    def decorate(view: PortalView) -> PortalView:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, token: str) -> HttpResponse:
            now = timezone.now()
            link = find_link(token, now)
            if link is None:
                return not_found(request)
            if request.method not in methods:
                return HttpResponseNotAllowed(methods)
            do_touch_link(link, now)
            language = statement_language(link.customer)
            with translation.override(language):
                # the CSRF check comes after the link's: a forged link is the 404 whatever the method
                response = csrf_protect(functools.partial(view, link=link))(request)
            response["Content-Language"] = language
            return _secured(response)

        return csrf_exempt(wrapper)

    return decorate


def _today() -> date:
    return timezone.localdate()


def _page(
    request: HttpRequest,
    link: PortalLink,
    errors: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = _today()
    company, customer = link.company, link.customer
    doc = open_items_statement(company, customer.code, today)
    done = request.GET.get("done", "")
    disputed = set(
        Dispute.objects.filter(customer=customer, status=Dispute.Status.OPEN).values_list(
            "item__number", flat=True
        )
    )
    debits = open_debits(customer, today)
    return render(
        request,
        "web/portal.html",
        {
            "token": token_of(link),
            "portal_company": company,
            "customer": customer,
            "doc": doc,
            "debits": debits,
            "disputable": [d for d in debits if d.number not in disputed],
            "disputed": disputed,
            "promises": Promise.objects.filter(
                customer=customer, status=Promise.Status.OPEN, plan__isnull=True
            ).order_by("promised_date")[:10],
            "plan_asked": Task.objects.filter(
                customer=customer, kind=Task.Kind.PLAN_REQUEST, status=Task.Status.OPEN
            ).exists(),
            "today": today,
            "max_date": today + timedelta(days=PROMISE_HORIZON_DAYS),
            "reasons": list(DISPUTE_REASONS.items()),
            "instalment_choices": list(range(PLAN_INSTALMENTS[0], PLAN_INSTALMENTS[1] + 1)),
            "max_file_mb": MAX_FILE_BYTES // (1024 * 1024),
            "confirmation": CONFIRMATIONS.get(done, ""),
            "errors": errors or {},
            "posted": request.POST if request.method == "POST" else {},
            "posted_items": request.POST.getlist("items") if request.method == "POST" else [],
        },
        status=status,
    )


def _refused(
    request: HttpRequest, link: PortalLink, form: str, err: InvalidInputError
) -> HttpResponse:
    field, message = FORM_ERRORS.get(err.code, ("form", err.message))
    return _page(request, link, {form: {field: str(message)}}, status=400)


def _done(link: PortalLink, what: str) -> HttpResponse:
    return redirect(reverse("portal", args=[token_of(link)]) + f"?done={what}#confirmation")


@portal_view(("GET", "HEAD"))
def portal_page(request: HttpRequest, link: PortalLink) -> HttpResponse:
    return _page(request, link)


@portal_view(("GET", "HEAD"))
def portal_statement(request: HttpRequest, link: PortalLink) -> HttpResponse:
    """The statement of the customer's open items today, as a PDF in its language."""
    doc = open_items_statement(link.company, link.customer.code, _today())
    language = statement_language(link.customer)
    response = HttpResponse(statement_document_pdf(doc, language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{statement_file_name(doc, language)}"'
    return response


@portal_view(("POST",))
def portal_promise(request: HttpRequest, link: PortalLink) -> HttpResponse:
    try:
        day = date.fromisoformat(request.POST.get("promised_date", ""))
    except ValueError:
        return _refused(request, link, "promise", InvalidInputError("bad_date", "no date"))
    try:
        do_portal_promise(
            link,
            request.POST.get("amount", ""),
            day,
            today=_today(),
            items=[n for n in request.POST.getlist("items") if n],
            note=request.POST.get("note", ""),
        )
    except InvalidInputError as err:
        return _refused(request, link, "promise", err)
    return _done(link, "promise")


@portal_view(("POST",))
def portal_dispute(request: HttpRequest, link: PortalLink) -> HttpResponse:
    sent = request.FILES.get("file")
    upload = None
    try:
        if sent is not None:
            if sent.size is not None and sent.size > MAX_FILE_BYTES:
                raise InvalidInputError("file_too_large", "file too large")
            upload = Upload(sent.name or "", sent.content_type or "", sent.read())
        do_portal_dispute(
            link,
            request.POST.get("item", ""),
            request.POST.get("reason", ""),
            request.POST.get("text", ""),
            upload,
            today=_today(),
        )
    except InvalidInputError as err:
        return _refused(request, link, "dispute", err)
    return _done(link, "dispute")


@portal_view(("POST",))
def portal_plan(request: HttpRequest, link: PortalLink) -> HttpResponse:
    raw = request.POST.get("instalments", "")
    try:
        do_portal_plan_request(
            link,
            int(raw) if raw.isdigit() else 0,
            request.POST.get("message", ""),
            today=_today(),
        )
    except InvalidInputError as err:
        return _refused(request, link, "plan", err)
    return _done(link, "plan")
