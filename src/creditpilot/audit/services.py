"""Writing the audit log from plain values.

>>> Actor.command_line("marie").username
'marie'
>>> Actor.system().username
'system'
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any

from creditpilot.audit.models import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (by id and name), from an address; or the command line, or the system."""

    username: str = ""
    user_id: int | None = None
    ip: str | None = None

    @classmethod
    def command_line(cls, username: str | None = None) -> Actor:
        if username is None:
            try:
                username = getpass.getuser()
            except (KeyError, OSError):  # no user name in this environment
                username = "command line"
        return cls(username=username)

    @classmethod
    def system(cls) -> Actor:
        return cls(username="system")


def record(
    action: str,
    *,
    actor: Actor | None = None,
    company_id: int | None = None,
    object_type: str = "",
    object_ref: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; call it inside the action's own transaction."""
    appended = event(
        action,
        actor=actor,
        company_id=company_id,
        object_type=object_type,
        object_ref=object_ref,
        before=before,
        after=after,
    )
    appended.save()
    return appended


def event(
    action: str,
    *,
    actor: Actor | None = None,
    company_id: int | None = None,
    object_type: str = "",
    object_ref: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved event, for actions that write many at once (``bulk_create``)."""
    actor = actor or Actor.system()
    return AuditEvent(
        company_id=company_id,
        user_id=actor.user_id,
        username=actor.username,
        action=action,
        object_type=object_type,
        object_ref=str(object_ref)[:200],
        before=before or {},
        after=after or {},
        ip=actor.ip,
    )
