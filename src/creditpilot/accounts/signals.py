"""Sign-ins, sign-outs and failed sign-ins go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from creditpilot.accounts.audit import record


@receiver(user_logged_in)
def _signed_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    record("sign_in", user=user, request=request)


@receiver(user_logged_out)
def _signed_out(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if user is not None:
        record("sign_out", user=user, request=request)


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    record("sign_in_failed", username=str(credentials.get("username", ""))[:150], request=request)
