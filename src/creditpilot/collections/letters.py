"""Letters: a step's message laid out on the company's letterhead, rendered to PDF by WeasyPrint.

A letter is the same text as the email of its step, with the sender's block,
the recipient's address, the date, the subject and the legal mentions on late
payment; a formal notice is marked for registered post. The day's letters are
bound into one PDF for printing.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from datetime import date
from functools import cache

from django.template import Context
from django.template import Template as DjangoTemplate
from pypdf import PdfWriter

from creditpilot.collections.facts import MessageFacts
from creditpilot.collections.models import Message
from creditpilot.collections.templates import MESSAGES, Rendered, context, date_text
from creditpilot.companies.models import Company
from creditpilot.reports.statement_document import LEGAL_MENTIONS

WORDS = {
    "fr": {"subject": "Objet :", "phone": "Tél.", "registered": "Lettre recommandée avec AR"},
    "en": {"subject": "Subject:", "phone": "Phone", "registered": "Registered letter"},
}


@cache
def _layout() -> DjangoTemplate:
    return DjangoTemplate((MESSAGES / "letter.html").read_text(encoding="utf-8"))


def letter_html(facts: MessageFacts, message: Rendered, language: str, formal: bool) -> str:
    """The letter as HTML (escaped: the message is text, never markup)."""
    words = WORDS.get(language, WORDS["fr"])
    company = facts.company
    variables = context(facts, language)
    legal = company.legal_mentions or LEGAL_MENTIONS.get(language, LEGAL_MENTIONS["fr"])
    footer = " – ".join(p for p in (company.name, company.siren and f"SIREN {company.siren}") if p)
    day = date_text(facts.as_of, language)
    return _layout().render(
        Context(
            {
                "language": language,
                "company": variables["company"],
                "customer": variables["customer"],
                "subject": message.subject,
                "subject_label": words["subject"],
                "phone_label": words["phone"],
                "registered": words["registered"] if formal else "",
                "place_date": f"Le {day}" if language == "fr" else day,
                "paragraphs": [p for p in message.body.split("\n\n") if p.strip()],
                "legal": legal,
                "footer": footer.replace('"', "'"),
            }
        )
    )


def render_pdf(html: str) -> bytes:
    import weasyprint  # its import costs 0.3 s: only the runs that print letters pay it

    return bytes(weasyprint.HTML(string=html).write_pdf())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bind(pdfs: Iterable[bytes]) -> bytes:
    """One PDF of several, in order (the day's letters, for printing)."""
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def day_letters(company: Company, day: date) -> bytes | None:
    """The letters of a day's run that were sent (approved, with an address), in one PDF."""
    pdfs = (
        Message.objects.filter(
            company=company, day=day, channel=Message.Channel.LETTER, status=Message.Status.SENT
        )
        .order_by("customer__code", "id")
        .values_list("pdf", flat=True)
    )
    found = [bytes(p) for p in pdfs if p]
    return bind(found) if found else None
