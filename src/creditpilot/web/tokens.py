"""The API tokens of a company's users, on its users page: listed (never the keys) and revoked.

An administrator of the company revokes a token of one of its users; the
revocation is audited and the key answers 401 from then on.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope
from creditpilot.accounts.services import do_revoke_token, tokens_of
from creditpilot.companies.models import Company
from creditpilot.core.errors import CreditPilotError, NotFoundError
from creditpilot.web.access import company_view

STATUS_LABELS = {
    "active": gettext_lazy("active"),
    "expired": gettext_lazy("expired"),
    "revoked": gettext_lazy("revoked"),
}


def token_rows(company: Company) -> list[dict[str, Any]]:
    """The tokens of the company's users, each with its status in words."""
    now = timezone.now()
    rows = []
    for token in tokens_of(company=company):
        status = token.status(now)
        rows.append({"token": token, "status": status, "status_label": STATUS_LABELS[status]})
    return rows


@company_view(Action.MANAGE_USERS, methods=("POST",))
def revoke_token(request: HttpRequest, scope: Scope, token: int) -> HttpResponse:
    try:
        revoked = do_revoke_token(token, company=scope.company, actor=request.user, request=request)
    except NotFoundError as err:
        raise Http404("token") from err
    except CreditPilotError as err:
        messages.error(request, str(err))
    else:
        messages.success(
            request,
            _("API token %(prefix)s… of %(user)s revoked.")
            % {"prefix": revoked.prefix, "user": revoked.user.get_username()},
        )
    return redirect("users", company=scope.company.code)
