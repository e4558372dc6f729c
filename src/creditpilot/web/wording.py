"""The store's codes in the reader's words: kinds of documents and imports, statuses, stages,
the fields of a customer's history, and the audit log as sentences.

The store keeps stable codes (``credit_note``, ``refused``, ``payment_terms``,
``customer_changed``); the pages never show them. Each has its wording here,
translated through the catalogue; a code this module does not know yet is
shown with its underscores as spaces rather than not at all.

>>> from django.utils import translation
>>> with translation.override("fr"):
...     document_kind("credit_note"), import_status("refused"), field_label("payment_terms")
('avoir', 'refusé', 'Conditions de paiement')
>>> with translation.override("fr"):
...     changes_text({"payment_terms": "NET30"}, {"payment_terms": "EOM45"}, "EUR")
'Conditions de paiement : 30 jours net → 45 jours fin de mois'
>>> with translation.override("en"):
...     changes_text({"credit_limit": None}, {"credit_limit": 500000}, "EUR")
'Credit limit: — → €5,000.00'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from creditpilot.accounts.rights import Role, role_label
from creditpilot.collections.actions import RUN_ACTOR
from creditpilot.collections.portal import PORTAL_USER
from creditpilot.core.financials import FIGURES
from creditpilot.core.money import to_cents
from creditpilot.core.terms_text import describe_terms
from creditpilot.steering.schedules import LANGUAGE_LABELS, frequency_label, report_label
from creditpilot.web.decisions import ACTION_NAMES
from creditpilot.web.forms import figure_labels
from creditpilot.web.policy import GUARANTEE_CHOICES
from creditpilot.web.templatetags.cp import count_label, day, money, number

TERMS_FIELDS = {"payment_terms", "default_terms"}
MONEY_FIELDS = {"credit_limit", *FIGURES}
# amounts recorded as two-decimal strings (format_cents)
DECIMAL_MONEY_FIELDS = {
    "insured_amount",
    "guarantee_amount",
    "amount",
    "total",
    "collector_up_to",
    "manager_up_to",
}
STATEMENT_ACTIONS = {"statement_saved", "statement_deleted"}


def _humanised(code: str) -> str:
    return str(code).replace("_", " ")


def document_kind(code: str) -> str:
    return {
        "invoice": _("invoice"),
        "credit_note": _("credit note"),
        "payment": _("payment"),
        "debit": _("other debit"),
        "credit": _("other credit"),
    }.get(code, _humanised(code))


def import_kind(code: str) -> str:
    return {
        "fec": _("FEC"),
        "customers": _("customers list"),
        "invoices": _("invoices list"),
    }.get(code, _humanised(code))


def import_status(code: str) -> str:
    return {
        "queued": _("queued"),
        "running": _("running"),
        "done": _("done"),
        "refused": _("refused"),
        "failed": _("failed"),
    }.get(code, _humanised(code))


def import_stage(code: str) -> str:
    return {
        "queued": _("waiting for its turn"),
        "running": _("running"),
        "reading": _("reading the file"),
        "customers": _("customers"),
        "storing": _("storing the entries"),
        "matching": _("matching payments"),
        "rebuilding": _("rebuilding the ledger"),
    }.get(code, _humanised(code))


def import_source(created_by: str) -> str:
    """Who or what ran an import: a user's name, or the command line."""
    if created_by in ("", "cli"):
        return _("command line")
    return who_of(created_by)


def _decimal(text: str) -> bool:
    """Whether ``text`` is an amount as the store records them (``1234.50``)."""
    head, _, tail = text.removeprefix("-").partition(".")
    return head.isdigit() and head.isascii() and (not tail or (tail.isdigit() and tail.isascii()))


def escalation_label(code: str) -> str:
    return str(ACTION_NAMES.get(code, code))


def resolution_label(code: str) -> str:
    return {
        "credit_note": _("credit note"),
        "partial_credit": _("partial credit"),
        "corrected_invoice": _("corrected invoice"),
        "rejected": _("rejected"),
    }.get(code, code)


def guarantee_label(code: str) -> str:
    return str(dict(GUARANTEE_CHOICES).get(code, code))


def field_label(field: str) -> str:
    if field in FIGURES:
        return str(figure_labels()[field])
    return {
        "payment_terms": _("Payment terms"),
        "insurer": _("Credit insurer"),
        "insured_amount": _("Amount insured"),
        "insurance_decided": _("Cover decided on"),
        "insurance_expires": _("Cover ends on"),
        "guarantee": _("Guarantee"),
        "guarantee_amount": _("Amount guaranteed"),
        "review_date": _("Next review"),
        "max_terms_days": _("Longest terms (days)"),
        "sales_months": _("Limit: months of sales"),
        "equity_percent": _("Limit: at most, percent of equity"),
        "terms_from": _("Effective from"),
        "effective_from": _("Effective from"),
        "credit_limit": _("Credit limit"),
        "segment": _("Segment"),
        "sales_rep": _("Sales rep"),
        "rating": _("Rating"),
        "email": _("E-mail"),
        "name": _("Name"),
        "default_terms": _("Default payment terms"),
        "due_dates_on_business_days": _("Due dates on business days"),
        "role": _("Role"),
        "kind": _("Kind"),
        "file": _("File"),
        "size": _("Size"),
        "status": _("Status"),
        "language": _("Language of its letters"),
        "address": _("Postal address"),
        "phone": _("Phone"),
        "reason": _("Reason"),
        "until": _("Until"),
        "collector": _("Collector"),
        "key_customer": _("Key customer"),
        "task": _("Task"),
        "outcome": _("Outcome"),
        "note": _("Note"),
        "amount": _("Amount"),
        "invoices": _("Invoices"),
        "owner": _("Owner"),
        "instalments": _("Instalments"),
        "links": _("Links"),
        "portal_link_days": _("Days a portal link lasts"),
        "escalation": _("Escalation"),
        "decision": _("Decision"),
        "collector_up_to": _("A collector decides up to"),
        "manager_up_to": _("A credit manager up to"),
        "consult_sales": _("Sales rep consulted"),
        "deadline": _("Deadline"),
        "resolution": _("Resolution"),
        "item": _("Item"),
        "customer": _("Customer"),
        "date": _("Date"),
        "received": _("Received"),
        "siren": _("SIREN"),
        "sender_email": _("Sender of the reminders"),
        "iban": _("IBAN"),
        "bic": _("BIC"),
        "legal_mentions": _("Legal mentions"),
        "daily_run_hour": _("Daily run at (Paris time)"),
        "subject": _("Subject"),
        "day": _("Day"),
        "summary": _("Summary"),
        "year_end": pgettext("statement", "Year end"),
        "report": _("Report"),
        "frequency": _("Sent"),
        "report_format": _("Format"),
        "report_language": _("Language"),
        "recipients": _("To"),
    }.get(field, _humanised(field).capitalize())


# the order in which a change is told (PostgreSQL's JSON keeps no order of its own)
FIELD_ORDER = (
    "name",
    "payment_terms",
    "terms_from",
    "effective_from",
    "credit_limit",
    "segment",
    "sales_rep",
    "rating",
    "email",
    "default_terms",
    "due_dates_on_business_days",
    "role",
    "kind",
    "file",
    "size",
    "status",
    "year_end",
    *FIGURES,  # a statement's figures as the statement lists them
    "report",  # a report scheduled by email
    "frequency",
    "report_format",
    "report_language",
    "recipients",
)


def in_order(fields: Iterable[str]) -> list[str]:
    """Fields in the order people read them, unknown ones last (alphabetically).

    >>> in_order(["rating", "credit_limit", "zeta", "payment_terms"])
    ['payment_terms', 'credit_limit', 'rating', 'zeta']
    """
    rank = {field: i for i, field in enumerate(FIELD_ORDER)}
    return sorted(fields, key=lambda f: (rank.get(f, len(rank)), f))


def shown_value(field: str, value: Any, currency: str = "EUR") -> str:
    """A recorded value as people read it: terms in words, amounts in currency, yes/no."""
    if field == "payment_terms" and value in (None, ""):
        return _("the company's default terms")
    if value is None or value == "":
        return "—"
    if field in TERMS_FIELDS:
        return describe_terms(str(value), get_language() or "fr")
    if field in MONEY_FIELDS:
        return money(int(value), currency)
    if field in DECIMAL_MONEY_FIELDS and isinstance(value, str) and _decimal(value):
        return money(to_cents(Decimal(value)), currency)
    if field == "guarantee":
        return guarantee_label(str(value))
    if field == "resolution":
        return resolution_label(str(value))
    if field == "escalation":
        return escalation_label(str(value))
    if field == "decision":
        return _("approved") if value == "approved" else _("refused")
    if field == "role":
        try:
            return role_label(Role(value))
        except ValueError:
            return str(value)
    if field == "year_end":
        return day(str(value))
    if field == "kind":
        return import_kind(str(value))
    if field == "report":
        return report_label(str(value))
    if field == "frequency":
        return frequency_label(str(value))
    if field == "report_format":
        return str(value).upper()
    if field == "report_language":
        return LANGUAGE_LABELS.get(str(value), str(value))
    if field == "status":
        return import_status(str(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):  # e.g. the invoices a promise or a plan covers
        return ", ".join(shown_value(field, v, currency) for v in value) or "—"
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return day(value)
    if isinstance(value, dict):
        return ", ".join(f"{count_label(k)} : {_count(v)}" for k, v in value.items())
    return str(value)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _count(value: Any) -> str:
    """A count as the pages write it (20 258), anything else as it is."""
    return number(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _colon() -> str:
    # French puts a (narrow no-break) space before the colon
    return " : " if (get_language() or "fr").startswith("fr") else ": "


def change_text(field: str, before: Any, after: Any, currency: str = "EUR") -> str:
    return (
        f"{field_label(field)}{_colon()}"
        f"{shown_value(field, before, currency)} → {shown_value(field, after, currency)}"
    )


def changes_text(before: Mapping[str, Any], after: Mapping[str, Any], currency: str = "EUR") -> str:
    """Each changed field as ``Label : before → after``, joined by semicolons."""
    fields = in_order({*after, *before})
    separator = " ; " if (get_language() or "fr").startswith("fr") else "; "
    return separator.join(change_text(k, before.get(k), after.get(k), currency) for k in fields)


def values_text(values: Mapping[str, Any], currency: str = "EUR") -> str:
    """The values set (empty ones left out) as ``Label : value, Label : value``."""
    return ", ".join(
        f"{field_label(k)}{_colon()}{shown_value(k, v, currency)}"
        for k, v in ((k, values[k]) for k in in_order(values))
        if v not in (None, "")
    )


# one sentence per change of a single customer field
_CUSTOMER_FIELD_SENTENCES: dict[str, Callable[[], str]] = {
    "payment_terms": lambda: _(
        "%(who)s changed the payment terms of %(customer)s: %(before)s → %(after)s"
    ),
    "credit_limit": lambda: _(
        "%(who)s changed the credit limit of %(customer)s: %(before)s → %(after)s"
    ),
    "segment": lambda: _("%(who)s changed the segment of %(customer)s: %(before)s → %(after)s"),
    "sales_rep": lambda: _("%(who)s changed the sales rep of %(customer)s: %(before)s → %(after)s"),
    "rating": lambda: _("%(who)s changed the rating of %(customer)s: %(before)s → %(after)s"),
    "email": lambda: _("%(who)s changed the e-mail of %(customer)s: %(before)s → %(after)s"),
}


def _statement_figures(event: Any, currency: str) -> str:
    """What an event on a statement changed (or, deleted, what the statement held)."""
    before = {k: v for k, v in (event.before or {}).items() if k != "year_end"}
    after = {k: v for k, v in (event.after or {}).items() if k != "year_end"}
    if event.action == "statement_deleted":
        return values_text(before, currency)
    return changes_text(before, after, currency)


def _statement_day(event: Any) -> str:
    year_end = (event.after or {}).get("year_end") or (event.before or {}).get("year_end")
    return day(str(year_end)) if year_end else "—"


def statement_change_text(event: Any, currency: str = "EUR") -> str:
    """An event on a customer's statements as the customer's timeline tells it."""
    shown = {"day": _statement_day(event), "changes": _statement_figures(event, currency)}
    if event.action == "statement_deleted":
        return _("Financial statements of the year ended %(day)s deleted (%(changes)s)") % shown
    return _("Financial statements of the year ended %(day)s: %(changes)s") % shown


def _customer_changed(event: Any, who: str, customer: str, currency: str) -> str:
    after = event.after or {}
    before = event.before or {}
    if len(after) == 1:
        field = next(iter(after))
        sentence = _CUSTOMER_FIELD_SENTENCES.get(field)
        if sentence is not None:
            return sentence() % {
                "who": who,
                "customer": customer,
                "before": shown_value(field, before.get(field), currency),
                "after": shown_value(field, after.get(field), currency),
            }
    return _("%(who)s changed %(customer)s: %(changes)s") % {
        "who": who,
        "customer": customer,
        "changes": changes_text(before, after, currency),
    }


def _import_done(event: Any, who: str) -> str:
    after = event.after or {}
    counts = after.get("counts") or {}
    shown = ", ".join(f"{count_label(k)} {_count(v)}" for k, v in counts.items() if v)
    sentence = _("Import of %(file)s (%(kind)s) by %(who)s: %(status)s") % {
        "file": after.get("file", "—"),
        "kind": import_kind(str(after.get("kind", ""))),
        "who": who,
        "status": import_status(str(after.get("status", ""))),
    }
    return f"{sentence} — {shown}" if shown else sentence


def describe_event(event: Any, customer_names: Mapping[str, str], currency: str = "EUR") -> str:
    """The audit event as one sentence an auditor reads without knowing the store's codes."""
    sentence = _sentence(event, customer_names, currency)
    # "La ligne de commande a…": a sentence starts with a capital, a user's name stays as it is
    for label in (
        _("the command line"),
        _("the customer (through the portal)"),
        _("the daily run"),
    ):
        if sentence.startswith(label):
            return label[:1].upper() + sentence[1:]
    return sentence


def who_of(username: str) -> str:
    """Who acted, in words: a user's name, or the customer through the portal."""
    if username == PORTAL_USER:
        return _("the customer (through the portal)")
    if username == RUN_ACTOR.username:
        return _("the daily run")
    return username


def _sentence(event: Any, customer_names: Mapping[str, str], currency: str) -> str:
    # an event without a user was recorded by the command line (users, imports)
    who = who_of(event.username) if event.username not in ("", "cli") else _("the command line")
    ref = event.object_ref
    customer = f"{customer_names[ref]} ({ref})" if ref in customer_names else ref
    before, after = event.before or {}, event.after or {}
    action = event.action
    if action == "customer_changed":
        return _customer_changed(event, who, customer, currency)
    if action == "import":
        return _import_done(event, who)
    if action == "portal_link_issued" and _ISO_DAY.fullmatch(str(after.get("until", ""))):
        return _("%(who)s issued a portal link for %(customer)s, valid until %(day)s") % {
            "who": who,
            "customer": customer,
            "day": day(str(after["until"])),
        }
    if action in STATEMENT_ACTIONS:
        shown = {
            "who": who,
            "customer": customer,
            "day": _statement_day(event),
            "changes": _statement_figures(event, currency),
        }
        if action == "statement_deleted":
            return (
                _(
                    "%(who)s deleted the financial statements of %(customer)s for the year "
                    "ended %(day)s (%(changes)s)"
                )
                % shown
            )
        return (
            _(
                "%(who)s entered the financial statements of %(customer)s for the year "
                "ended %(day)s: %(changes)s"
            )
            % shown
        )
    simple: dict[str, Callable[[], str]] = {
        "sign_in": lambda: _("%(who)s signed in"),
        "sign_out": lambda: _("%(who)s signed out"),
        "sign_in_failed": lambda: _("Failed sign-in with the user name “%(who)s”"),
        "note": lambda: _("%(who)s added a note on %(customer)s"),
        "settings_changed": lambda: _("%(who)s changed the company's settings: %(changes)s"),
        "import_submitted": lambda: _("%(who)s sent the file %(file)s (%(kind)s) to import"),
        "grant": lambda: _("%(who)s granted the company to %(ref)s (%(values)s)"),
        "revoke": lambda: _("%(who)s revoked the access of %(ref)s (%(old_values)s)"),
        "token_created": lambda: _("%(who)s created an API key (%(ref)s…)"),
        "token_revoked": lambda: _("%(who)s revoked an API key (%(ref)s…)"),
        "promise_added": lambda: _("%(who)s recorded a promise to pay of %(customer)s: %(values)s"),
        "promise_kept": lambda: _("The promise of %(customer)s was kept: %(values)s"),
        "promise_broken": lambda: _("The promise of %(customer)s was broken: %(values)s"),
        "dispute_opened": lambda: _("%(who)s opened a dispute for %(customer)s: %(values)s"),
        "dispute_file_added": lambda: _(
            "%(who)s joined a document to a dispute of %(customer)s: %(values)s"
        ),
        "plan_requested": lambda: _(
            "%(who)s asked for a payment plan for %(customer)s: %(values)s"
        ),
        "portal_link_issued": lambda: _(
            "%(who)s issued a portal link for %(customer)s: %(values)s"
        ),
        "portal_settings_changed": lambda: _(
            "%(who)s changed how long the portal links last: %(changes)s"
        ),
        "portal_link_revoked": lambda: _(
            "%(who)s revoked the portal link of %(customer)s: %(values)s"
        ),
        "dispute_closed": lambda: _("%(who)s closed a dispute of %(customer)s: %(values)s"),
        "escalation_decided": lambda: _(
            "%(who)s decided an escalation for %(customer)s: %(values)s"
        ),
        "matrix_changed": lambda: _("%(who)s changed the decision matrix for %(ref)s: %(changes)s"),
        "case_opened": lambda: _("%(who)s opened a litigation case for %(customer)s: %(values)s"),
        "case_moved": lambda: _("%(who)s moved a litigation case of %(customer)s: %(values)s"),
        "case_money": lambda: _(
            "%(who)s recorded costs or recoveries on a case of %(customer)s: %(values)s"
        ),
        "case_closed": lambda: _("%(who)s closed a litigation case of %(customer)s: %(values)s"),
        "plan_agreed": lambda: _("%(who)s agreed a payment plan with %(customer)s: %(values)s"),
        "plan_broken": lambda: _("The payment plan of %(customer)s was broken: %(values)s"),
        "plan_completed": lambda: _("The payment plan of %(customer)s was kept: %(values)s"),
        "dispute_assigned": lambda: _("%(who)s assigned a dispute of %(customer)s: %(values)s"),
        "dispute_resolved": lambda: _("%(who)s resolved a dispute of %(customer)s: %(values)s"),
        "disputes_from_import": lambda: _("Disputes from the invoices import: %(values)s"),
        "dunning_run": lambda: _("The daily run carried out the dunning of %(day)s"),
        "task_done": lambda: _(
            "%(who)s recorded the outcome of a task on %(customer)s: %(values)s"
        ),
        "strategy_saved": lambda: _("%(who)s changed the dunning strategy %(ref)s"),
        "strategy_deleted": lambda: _("%(who)s removed the dunning strategy %(ref)s"),
        "step_saved": lambda: _("%(who)s changed a step of the strategy %(ref)s: %(values)s"),
        "step_deleted": lambda: _("%(who)s removed a step of the strategy %(ref)s: %(old_values)s"),
        "template_saved": lambda: _("%(who)s changed the wording %(ref)s"),
        "collection_profile_changed": lambda: _(
            "%(who)s changed the collection of %(customer)s: %(changes)s"
        ),
        "dunning_paused": lambda: _("%(who)s stopped the dunning of %(customer)s: %(values)s"),
        "dunning_resumed": lambda: _("%(who)s resumed the dunning of %(customer)s"),
        "ecb_rate_added": lambda: _("%(who)s added an ECB rate decision: %(values)s"),
        "limit_requested": lambda: _(
            "%(who)s asked for a credit limit for %(customer)s: %(values)s"
        ),
        "limit_approved": lambda: _("%(who)s granted a credit limit to %(customer)s: %(values)s"),
        "limit_rejected": lambda: _("%(who)s refused a credit limit to %(customer)s: %(values)s"),
        "orders_imported": lambda: _("%(who)s imported the order book: %(values)s"),
        "order_saved": lambda: _("%(who)s recorded the order %(ref)s: %(changes)s"),
        "order_removed": lambda: _("%(who)s removed the order %(ref)s: %(old_values)s"),
        "financials_imported": lambda: _("%(who)s imported financial statements: %(values)s"),
        "events_imported": lambda: _("%(who)s imported external events: %(values)s"),
        "provisions_approved": lambda: _(
            "%(who)s approved the doubtful-debt provisions at %(ref)s: %(values)s"
        ),
        "policy_changed": lambda: _(
            "%(who)s changed the credit policy for rating %(ref)s: %(changes)s"
        ),
        "cover_changed": lambda: _(
            "%(who)s changed what secures the credit of %(customer)s: %(changes)s"
        ),
        "proceedings_opened": lambda: _(
            "Collective proceedings published for %(customer)s: %(values)s"
        ),
        "report_scheduled": lambda: _("%(who)s scheduled a report by email: %(values)s"),
        "report_unscheduled": lambda: _("%(who)s stopped a report sent by email: %(old_values)s"),
    }
    if action in simple:
        return simple[action]() % {
            "who": who,
            "customer": customer,
            "ref": ref,
            "changes": changes_text(before, after, currency),
            "file": after.get("file", "—"),
            "kind": import_kind(str(after.get("kind", ""))),
            "values": values_text(after, currency),
            "old_values": values_text(before, currency),
            "day": shown_value("day", after.get("day", "")),
        }
    details = changes_text(before, after, currency) if after else values_text(before, currency)
    head = f"{who} — {_humanised(action)}" + (f" {customer}" if ref else "")
    return f"{head}{_colon()}{details}" if details else head
