"""The store's codes in words on the pages (see ``web/wording.py``), and moments in time."""

from __future__ import annotations

import json
from datetime import datetime

from babel.dates import format_datetime
from babel.numbers import format_decimal
from django import template
from django.utils import timezone
from django.utils.translation import get_language

from creditpilot.accounts.rights import Role, role_label
from creditpilot.core.terms_text import describe_terms
from creditpilot.web import wording
from creditpilot.web.templatetags.cp import count_label, locale

register = template.Library()

register.filter("document_kind", wording.document_kind)
register.filter("import_kind", wording.import_kind)
register.filter("import_status", wording.import_status)
register.filter("import_stage", wording.import_stage)
register.filter("import_source", wording.import_source)


@register.filter
def terms(code: str | None) -> str:
    """Terms code in words: ``EOM45`` -> ``45 jours fin de mois``."""
    if not code:
        return "—"
    return describe_terms(code, get_language() or "fr")


@register.filter
def country(code: str | None) -> str:
    """An ISO country code as the country's name: ``FR`` -> ``France``."""
    if not code:
        return "—"
    return str(locale().territories.get(code.upper(), code))


@register.filter
def role(code: str) -> str:
    try:
        return role_label(Role(code))
    except ValueError:
        return code


@register.filter
def moment(value: datetime | None) -> str:
    """A timestamp in the reader's convention and the server's time zone: ``03/12/2026 08:15``."""
    if value is None:
        return ""
    return format_datetime(
        value, format="short", tzinfo=timezone.get_current_timezone(), locale=locale()
    )


@register.simple_tag
def stage_words() -> str:
    """The import stages' words as JSON, for the progress bar's script (escaped in the attribute)."""
    codes = ("queued", "running", "reading", "customers", "storing", "matching", "rebuilding")
    return json.dumps({code: wording.import_stage(code) for code in codes}, ensure_ascii=False)


@register.filter
def counts(values: dict[str, int] | None) -> str:
    """An import's counts in words: ``lignes lues : 43 ; clients créés : 4`` (zeros left out)."""
    if not values:
        return ""
    french = (get_language() or "fr").startswith("fr")
    colon, separator = (" : ", " ; ") if french else (": ", "; ")
    return separator.join(
        f"{count_label(key)}{colon}"
        f"{format_decimal(value, locale=locale()) if isinstance(value, int) else value}"
        for key, value in values.items()
        if value
    )
