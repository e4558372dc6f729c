"""Money as exact decimals, stored as integer cents.

Amounts are ``Decimal`` in code and integer minor units (cents) in the store;
rounding is half-up, to the cent, only at the edges (display and storage).

>>> Money.of("1234.5", "EUR")
Money(amount=Decimal('1234.5'), currency='EUR')
>>> str(Money.of("1234.5", "EUR"))
'1234.50 EUR'
>>> to_cents("0.125"), to_cents("-0.125"), to_cents(Decimal("10"))
(13, -13, 1000)
>>> format_cents(-123450)
'-1234.50'
>>> Money.of("1", "EUR") + Money.of("1", "USD")
Traceback (most recent call last):
...
creditpilot.core.money.CurrencyMismatchError: cannot add EUR and USD
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from creditpilot.core.errors import CreditPilotError

CENT = Decimal("0.01")


class CurrencyMismatchError(CreditPilotError):
    code = "currency_mismatch"


def to_decimal(value: str | int | Decimal) -> Decimal:
    if isinstance(value, float):  # pragma: no cover - guarded by the type, kept for callers
        raise TypeError("money is never a float")
    return value if isinstance(value, Decimal) else Decimal(value)


def round_cents(value: Decimal) -> Decimal:
    """Round half-up (away from zero on .5) to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: str | int | Decimal) -> int:
    """Integer cents of an amount, rounded half-up."""
    return int(round_cents(to_decimal(value)) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_cents(cents: int) -> str:
    """Two-decimal string of an amount in cents, as JSON carries it.

    >>> format_cents(5), format_cents(-5), format_cents(123456789)
    ('0.05', '-0.05', '1234567.89')
    """
    # integer arithmetic: the same string as str(from_cents(cents)), ten times cheaper
    units, rest = divmod(abs(int(cents)), 100)
    return f"{'-' if cents < 0 else ''}{units}.{rest:02d}"


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        return cls(to_decimal(amount), currency.upper())

    @classmethod
    def from_cents(cls, cents: int, currency: str) -> Money:
        return cls(from_cents(cents), currency.upper())

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                message=f"cannot add {self.currency} and {other.currency}",
                left=self.currency,
                right=other.currency,
            )

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    @property
    def cents(self) -> int:
        return to_cents(self.amount)

    def __str__(self) -> str:
        return f"{round_cents(self.amount)} {self.currency}"
