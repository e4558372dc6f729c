"""Roles and what each may do. Plain values, no framework: the pages and the API ask here.

>>> can(Role.AUDITOR, Action.VIEW), can(Role.AUDITOR, Action.EDIT_CUSTOMER)
(True, False)
>>> can(Role.SALES, Action.IMPORT)
False
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    CREDIT_MANAGER = "credit_manager"
    COLLECTOR = "collector"
    SALES = "sales"
    MANAGEMENT = "management"
    AUDITOR = "auditor"


class Action(StrEnum):
    VIEW = "view"  # pages, reports, exports of the customers the role sees
    NOTE = "note"  # write a note on a customer
    IMPORT = "import"  # import files into the ledger
    EDIT_CUSTOMER = "edit_customer"  # terms, credit limit, segment, sales rep
    EDIT_SETTINGS = "edit_settings"  # the company's settings
    MANAGE_USERS = "manage_users"  # grant and revoke access to the company
    VIEW_AUDIT = "view_audit"  # read the audit log
    COLLECT = "collect"  # work the worklist: calls, promises, disputes
    APPROVE_DUNNING = "approve_dunning"  # approve a step that waits for it (formal notices)
    EDIT_DUNNING = "edit_dunning"  # strategies, steps and the wording of messages
    APPROVE_PROVISIONS = "approve_provisions"  # approve the month-end doubtful-debt provisions
    # decide an escalation (formal notice, agency, lawyer, order for payment, write-off) as far
    # as the decision matrix lets the role: management decides above the credit manager's bound
    DECIDE_ESCALATION = "decide_escalation"


ROLE_LABELS = {
    Role.ADMIN: ("Administrateur", "Administrator"),
    Role.CREDIT_MANAGER: ("Credit manager", "Credit manager"),
    Role.COLLECTOR: ("Chargé de recouvrement", "Collector"),
    Role.SALES: ("Commercial", "Sales"),
    Role.MANAGEMENT: ("Direction", "Management"),
    Role.AUDITOR: ("Auditeur (lecture seule)", "Auditor (read-only)"),
}

_RIGHTS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.CREDIT_MANAGER: frozenset(
        {
            Action.VIEW,
            Action.NOTE,
            Action.IMPORT,
            Action.EDIT_CUSTOMER,
            Action.VIEW_AUDIT,
            Action.COLLECT,
            Action.APPROVE_DUNNING,
            Action.EDIT_DUNNING,
            Action.APPROVE_PROVISIONS,
            Action.DECIDE_ESCALATION,
        }
    ),
    Role.COLLECTOR: frozenset({Action.VIEW, Action.NOTE, Action.COLLECT, Action.DECIDE_ESCALATION}),
    Role.SALES: frozenset({Action.VIEW, Action.NOTE}),
    Role.MANAGEMENT: frozenset({Action.VIEW, Action.VIEW_AUDIT, Action.DECIDE_ESCALATION}),
    Role.AUDITOR: frozenset({Action.VIEW, Action.VIEW_AUDIT}),
}


def role_label(role: Role | str, language: str | None = None) -> str:
    """The role's name for people, in French or English (the active language by default).

    >>> role_label("auditor", "en"), role_label(Role.SALES, "fr")
    ('Auditor (read-only)', 'Commercial')
    """
    if language is None:
        from django.utils.translation import get_language

        language = get_language() or "fr"
    french, english = ROLE_LABELS[Role(role)]
    return french if language.startswith("fr") else english


def can(role: Role | str, action: Action) -> bool:
    """Whether ``role`` may do ``action``."""
    return action in _RIGHTS[Role(role)]


def sees_own_customers_only(role: Role | str) -> bool:
    """A sales user sees only the customers whose sales rep they are."""
    return Role(role) is Role.SALES
