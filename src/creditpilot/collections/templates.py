"""The wording of dunning messages: Jinja templates run in a sandbox, per step and language.

The package ships a default for each step in French and English (``messages/``),
with a gentler variant for key customers; a company may override any of them
(``Template``). A template sees plain values only, already formatted in the
message's language (amounts with their currency, dates in words), never a
model: what it may print is exactly ``TEMPLATE_VARIABLES``. A template with a
syntax error, an unknown variable or an unknown attribute is refused when it
is saved, with its line.

>>> facts = sample_facts()
>>> subject, body = default_template("reminder_1", "fr", gentle=False)
>>> print(render(subject, body, context(facts, "fr")).subject)
Rappel : factures échues – Dupont Négoce
>>> check_template("Bonjour {{ client.name }}", "")
Traceback (most recent call last):
...
creditpilot.collections.templates.TemplateError: subject, line 1: unknown variable 'client'
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

from django.db import transaction
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from creditpilot.audit.services import Actor, record
from creditpilot.collections.facts import MessageFacts, customer_facts, sample_facts
from creditpilot.collections.models import Template
from creditpilot.companies.models import Company
from creditpilot.core.errors import InvalidInputError, NotFoundError
from creditpilot.core.formats import LANGUAGES, date_text, money_text
from creditpilot.customers.models import Customer

MESSAGES = Path(__file__).with_name("messages")
SEPARATOR = "\n---\n"
# in a preview, the place of the customer's own link
PREVIEW_PORTAL_URL = "https://…/portal/…"
# the day a message asks to be paid by: a week and a day after it is sent ("sous huitaine")
PAY_WITHIN_DAYS = 8

TEMPLATE_VARIABLES: dict[str, str] = {
    "company": "the creditor: name, siren, address, phone, email, iban, bic",
    "customer": "the customer: code, name, address",
    "items": "the items of the message, each with number, date, due_date, open, days_late, "
    "interest, indemnity",
    "total": "the open amount of the items",
    "interest": "the late-payment interest of the items at the day (L441-10)",
    "indemnity": "the fixed recovery indemnities of the items (40 EUR each, businesses)",
    "total_due": "total + interest + indemnity",
    "as_of": "the day of the message",
    "pay_by": "the day to pay by: the day of the message plus 8 days",
    "step": "the name of the step",
    "contact": "the company's phone and email, as a line",
    "portal_url": "the customer's personal link to the portal (empty when there is none)",
}

ENV = SandboxedEnvironment(
    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, autoescape=False
)


class TemplateError(InvalidInputError):
    code = "bad_template"

    def location(self) -> str:
        return f"{self.params['field']}, line {self.params['line']}"

    @property
    def line(self) -> int:
        return int(self.params["line"])


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def context(facts: MessageFacts, language: str) -> dict[str, Any]:
    """The variables of a template (``TEMPLATE_VARIABLES``), formatted in ``language``."""

    def money(cents: int) -> str:
        return money_text(cents, facts.currency, language)

    company = facts.company
    contact = [
        ("Tél. " if language == "fr" else "Phone ") + company.phone if company.phone else "",
        company.sender_email,
    ]
    return {
        "company": {
            "name": company.name,
            "siren": company.siren,
            "address": company.address,
            "phone": company.phone,
            "email": company.sender_email,
            "iban": company.iban,
            "bic": company.bic,
        },
        "customer": {
            "code": facts.customer_code,
            "name": facts.customer_name,
            "address": facts.customer_address,
        },
        "items": [
            {
                "number": i.number,
                "date": date_text(i.date, language),
                "due_date": date_text(i.due_date, language),
                "open": money(i.open),
                "days_late": (facts.as_of - i.due_date).days,
                "interest": money(i.interest),
                "indemnity": money(i.indemnity),
            }
            for i in facts.items
        ],
        "total": money(facts.total),
        "interest": money(facts.interest),
        "indemnity": money(facts.indemnity),
        "total_due": money(facts.total + facts.interest + facts.indemnity),
        "as_of": date_text(facts.as_of, language),
        "pay_by": date_text(facts.as_of + timedelta(days=PAY_WITHIN_DAYS), language),
        "step": facts.step_name,
        "contact": " – ".join(c for c in contact if c),
        "portal_url": str(facts.extra.get("portal_url", "")),
    }


def render(subject: str, body: str, variables: dict[str, Any]) -> Rendered:
    return Rendered(
        _compiled(subject).render(variables).strip().replace("\n", " "),
        _compiled(body).render(variables).strip() + "\n",
    )


@cache
def _compiled(source: str) -> Any:
    return ENV.from_string(source)


# --- the templates of a company ------------------------------------------------------------


@cache
def default_template(key: str, language: str, gentle: bool) -> tuple[str, str]:
    """The package's wording of a step (the standard one when there is no gentle variant)."""
    folder = MESSAGES / (language if language in LANGUAGES else "fr")
    path = folder / f"{key}.gentle.txt"
    if not gentle or not path.exists():
        path = folder / f"{key}.txt"
    if not path.exists():
        raise NotFoundError("template_not_found", f"no message template {key!r}", key=key)
    subject, _sep, body = path.read_text(encoding="utf-8").partition(SEPARATOR)
    return subject.strip(), body


def default_keys() -> list[str]:
    return sorted({p.name.split(".")[0] for p in (MESSAGES / "fr").glob("*.txt")})


def company_template(company: Company, key: str, language: str, gentle: bool) -> tuple[str, str]:
    """The company's own wording of a step, else the package's."""
    own = Template.objects.filter(
        company=company, key=key, language=language, gentle=gentle
    ).first()
    if own is None and gentle:
        own = Template.objects.filter(
            company=company, key=key, language=language, gentle=False
        ).first()
        if own is not None and default_template(key, language, True) != default_template(
            key, language, False
        ):
            own = None  # the package's gentle variant beats the company's standard one
    if own is not None:
        return own.subject, own.body
    return default_template(key, language, gentle)


def check_template(subject: str, body: str) -> None:
    """Refuse a syntax error, an unknown variable or attribute, an unsafe call: with the line."""
    for name, source in (("subject", subject), ("body", body)):
        try:
            tree = ENV.parse(source)
            names = meta.find_undeclared_variables(tree)
        except TemplateSyntaxError as err:
            raise _error(name, err.lineno or 1, "template_syntax", detail=err.message) from None
        unknown = sorted(names - set(TEMPLATE_VARIABLES))
        if unknown:
            line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == unknown[0]), 1)
            raise _error(name, line, "template_unknown_variable", name=unknown[0])
        try:
            ENV.from_string(source).render(context(sample_facts(), "fr"))
        except (UndefinedError, SecurityError) as err:
            line = _template_line(sys.exc_info()[2])
            found = re.search(r"attribute '([^']+)'", err.message or "")
            if found:
                raise _error(name, line, "template_unknown_attribute", name=found[1]) from None
            raise _error(name, line, "template_cannot_render", detail=err.message) from None
        except Exception as err:  # a filter or test misused: the template cannot render
            line = _template_line(sys.exc_info()[2])
            raise _error(name, line, "template_cannot_render", detail=str(err)) from None


def _error(field_name: str, line: int, code: str, **params: str) -> TemplateError:
    return TemplateError.of(code, field=field_name, line=line, **params)


def _template_line(tb: TracebackType | None) -> int:
    """The line of the template where rendering failed (Jinja rewrites its frames to it)."""
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def do_save_template(
    company: Company,
    key: str,
    language: str,
    gentle: bool,
    subject: str,
    body: str,
    actor: Actor,
) -> Template:
    """Save a company's wording of a step, once it is checked; audited."""
    if language not in LANGUAGES:
        raise InvalidInputError("bad_language", f"unknown language {language!r}: fr or en")
    check_template(subject, body)
    with transaction.atomic():
        before = Template.objects.filter(
            company=company, key=key, language=language, gentle=gentle
        ).first()
        template, _created = Template.objects.update_or_create(
            company=company,
            key=key,
            language=language,
            gentle=gentle,
            defaults={"subject": subject, "body": body, "updated_by": actor.username},
        )
        record(
            "template_saved",
            company_id=company.pk,
            actor=actor,
            object_type="template",
            object_ref=f"{key}/{language}{'/gentle' if gentle else ''}",
            before={"subject": before.subject} if before else None,
            after={"subject": subject},
        )
    return template


def render_preview(
    company: Company,
    customer: Customer,
    step_key: str,
    as_of: date,
    language: str,
    gentle: bool,
    subject: str | None = None,
    body: str | None = None,
) -> Rendered:
    """A step's message to a real customer at a date, in the company's wording or the one given."""
    if subject is None or body is None:
        subject, body = company_template(company, step_key, language, gentle)
    check_template(subject, body)
    facts = customer_facts(company, customer, as_of, step_name=step_key)
    # the preview shows where the link goes without issuing one
    facts = replace(facts, extra={**facts.extra, "portal_url": PREVIEW_PORTAL_URL})
    return render(subject, body, context(facts, language))
