"""Template filters for amounts: cents shown as euros, French style in PDF letters."""

from __future__ import annotations

from decimal import Decimal

from django import template

from creditpilot.core.money import from_cents

register = template.Library()


@register.filter
def cents(value: int | None) -> str:
    """1234567 -> '12 345,67' (narrow no-break space between thousands)."""
    if value is None or value == "":
        return ""
    return amount(from_cents(int(value)))


@register.filter
def amount(value: Decimal | str | None) -> str:
    if value is None or value == "":
        return ""
    text = f"{Decimal(value):,.2f}"
    return text.replace(",", "\u202f").replace(".", ",")
