"""Amounts, numbers and dates formatted for the reader's language (Babel's CLDR conventions)."""

from __future__ import annotations

import functools
import math
from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import (
    NumberPattern,
    format_currency,
    format_decimal,
    format_percent,
    parse_pattern,
)
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from creditpilot.core.errors import CreditPilotError
from creditpilot.core.money import from_cents
from creditpilot.core.terms import parse_terms

register = template.Library()

LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def locale() -> Locale:
    return _locale(LOCALES.get((get_language() or "fr")[:2], "fr_FR"))


@functools.lru_cache(maxsize=8)
def _locale(name: str) -> Locale:
    # parsed once: a page of open items formats hundreds of amounts and dates
    return Locale.parse(name)


@functools.lru_cache(maxsize=16)
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@register.filter
def money(cents: int | None, currency: str = "EUR") -> str:
    """Cents as an amount with its currency: ``1 234,50 €`` in French, ``€1,234.50`` in English."""
    if cents is None or cents == "":
        return ""
    return format_currency(from_cents(int(cents)), currency or "EUR", locale=locale())


@register.filter
def whole_money(cents: int | None, currency: str = "EUR") -> str:
    """Cents as a whole amount with its currency (a forecast): ``1 235 €``, ``€1,235``."""
    if cents is None or cents == "":
        return ""
    value = (from_cents(int(cents))).quantize(Decimal(1))
    pattern = locale().currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(
        value, currency or "EUR", format=pattern, locale=locale(), currency_digits=False
    )


@register.filter
def amount(cents: int | None) -> str:
    """Cents as a number with two decimals, no currency sign."""
    if cents is None or cents == "":
        return ""
    return _pattern("#,##0.00").apply(from_cents(int(cents)), locale())


@register.filter
def number(value: object) -> str:
    """A decimal string (a DSO such as ``"42.7"``) in the reader's convention; ``—`` when absent."""
    if value is None or value == "":
        return "—"
    return format_decimal(Decimal(str(value)), locale=locale())


@register.filter
def days(value: object) -> str:
    """A number of days kept to one decimal, as the KPIs give it (``"42.0"`` -> ``42,0``)."""
    if value is None or value == "":
        return "—"
    return _pattern("#,##0.0").apply(Decimal(str(value)), locale())


@register.filter
def days_unit(value: object) -> str:
    """A number of days with its unit: ``"42.0"`` -> ``42,0 jours`` (``42.0 days``)."""
    if value is None or value == "":
        return "—"
    number_of_days = Decimal(str(value))
    shown = _pattern("#,##0.0").apply(number_of_days, locale())
    count = math.ceil(abs(number_of_days))
    # a no-break space: the number never leaves its unit on a line of its own
    return (ngettext("%(days)s day", "%(days)s days", count) % {"days": shown}).replace(" ", "\xa0")


@register.filter
def percent(value: object) -> str:
    """A number that is a percentage already (the CEI, ``"72.3"``) as ``72,3 %``."""
    if value is None or value == "":
        return "—"
    return ratio(Decimal(str(value)) / 100)


@register.filter
def usage(hundredths: int | None) -> str:
    """A limit usage in hundredths of a percent (``15000``) as ``150,0 %``."""
    if hundredths is None or hundredths == "":
        return ""
    return ratio(Decimal(int(hundredths)) / 10000)


@register.filter
def month(value: date | str | None) -> str:
    """The month of a date in words: ``novembre 2026``, ``November 2026``."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, format="LLLL y", locale=locale())


@register.filter
def ratio(value: object) -> str:
    """A fraction (``"0.4057"``) as a percentage (``40,6 %``)."""
    if value is None or value == "":
        return "—"
    loc = locale()
    pattern = loc.percent_formats[None].pattern
    # the locale's own pattern ("#,##0%" in English, "#,##0 %" in French) with one decimal
    last = pattern.rfind("0")
    return format_percent(
        Decimal(str(value)), format=pattern[: last + 1] + ".0" + pattern[last + 1 :], locale=loc
    )


@register.filter
def day(value: date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, format="medium", locale=locale())


def _count_labels() -> dict[str, str]:
    return {
        "lines": _("lines read"),
        "rows": _("rows read"),
        "customer_lines": _("customer account lines"),
        "customers_created": _("customers created"),
        "customers_added": _("customers added"),
        "customers_changed": _("customers changed"),
        "documents_added": _("documents added"),
        "documents_changed": _("documents changed"),
        "documents_removed": _("documents removed"),
        "payments_removed": _("payments removed"),
        "rejected_rows": _("rejected rows"),
        "unapplied_credits": _("unapplied credits"),
    }


@register.filter
def count_label(key: str) -> str:
    """The reader's words for a count of an import (``customers_created`` -> ``customers created``)."""
    return _count_labels().get(key, key.replace("_", " "))


@register.filter
def reason(error: dict) -> str:
    """A rejected row's reason in the reader's language (see ``web/reasons.py``)."""
    from creditpilot.web.reasons import reason as translated

    return translated(error)


@register.simple_tag(takes_context=True)
def query(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters changed (``page``, ``sort``...)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + params.urlencode() if params else "?"


def _with(params: object, changes: dict[str, object]) -> str:
    query_dict = params.copy()  # type: ignore[attr-defined]
    for key, value in changes.items():
        if value in (None, ""):
            query_dict.pop(key, None)
        else:
            query_dict[key] = str(value)
    return "?" + query_dict.urlencode() if query_dict else "?"


@register.simple_tag(takes_context=True)
def sort_header(
    context: template.Context, label: str, key: str, first: str = "asc", css: str = ""
) -> SafeString:
    """A sortable column's header: a click sorts by it (``first`` way), a second click the other
    way; the active sort shows its direction with an arrow (and ``aria-sort``)."""
    current = str(context.get("filters", {}).get("sort", ""))
    active = current.lstrip("-") == key
    descending = current.startswith("-")
    # the active column turns the other way; another starts its own way
    first_way = f"-{key}" if first == "desc" else key
    target = (key if descending else f"-{key}") if active else first_way
    href = _with(context["request"].GET, {"sort": target, "page": ""})
    title = (
        _("Sort in descending order") if target.startswith("-") else _("Sort in ascending order")
    )
    if not active:
        return format_html(
            '<th class="{}"><a href="{}" title="{}">{}</a></th>', css, href, title, label
        )
    return format_html(
        '<th class="{} sorted" aria-sort="{}"><a href="{}" title="{}">{} <span class="arrow">{}</span></a></th>',
        css,
        "descending" if descending else "ascending",
        href,
        title,
        label,
        "▼" if descending else "▲",
    )


@register.filter
def zone(code: str | None) -> str:
    """The zone of a financial score, in words."""
    return str(
        {
            "safe": _("safe"),
            "grey": _("grey zone"),
            "distress": _("distress"),
            "healthy": _("healthy"),
            "warning": _("warning"),
            "danger": _("danger"),
        }.get(code or "", "—")
    )


@register.filter
def beyond_legal_cap(code: str | None) -> bool:
    """Whether payment terms are longer than L441-10 allows."""
    try:
        return bool(code) and parse_terms(str(code)).exceeds_legal_cap
    except CreditPilotError:
        return False
