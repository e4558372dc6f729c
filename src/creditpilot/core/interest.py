"""Late-payment interest and the recovery indemnity (Code de commerce L441-10, SPEC §3).

The rate of a day is the contractual rate where one is set, else the ECB main
refinancing rate in force on 1 January (days of January to June) or 1 July
(days of July to December) of that day's year, plus 10 points. The interest
of an invoice past due at D is the exact sum, over each day from the day
after its due date to D, of its open amount that day × the day's rate / 365,
rounded half-up to the cent once. A settlement (payment, credit note) dated
on a day lowers the open amount of that day. Each invoice paid late or unpaid
past due also owes a business customer the fixed 40 EUR recovery indemnity.

Since the open amount only falls by settlements, the day-by-day sum is
computed as the full amount over the whole span minus each settlement over
the days from its date on — the same sum, exact, in integer arithmetic.

An invoice of 10,000.00 due on 20 June 2025, 4,000.00 paid on 5 July,
at 31 July: 10 days at 13.15 % (3.15 in force on 1 January, plus 10) on
10,000.00, 4 days at 12.15 % (2.15 on 1 July) on 10,000.00, 27 days at
12.15 % on 6,000.00 = 36.0274 + 13.3151 + 53.9260 = 103.27.

>>> from datetime import date
>>> from decimal import Decimal
>>> table = RateTable([RateDecision(date(2024, 12, 18), Decimal("3.15")),
...                    RateDecision(date(2025, 6, 11), Decimal("2.15"))])
>>> table.daily_rate(date(2025, 6, 30)), table.daily_rate(date(2025, 7, 1))
(Decimal('13.15'), Decimal('12.15'))
>>> late_interest(1_000_000, date(2025, 6, 20), [(date(2025, 7, 5), 400_000)],
...               date(2025, 7, 31), table)
10327
>>> late_interest(1_000_000, date(2025, 6, 20), [], date(2025, 7, 31), table,
...               contractual=Decimal("15"))  # 41 days at 15 %
16849
>>> recovery_indemnity(date(2025, 6, 20), date(2025, 7, 31))
4000
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from creditpilot.core.errors import InvalidInputError

RATE_SCALE = 10_000
"""A rate in percent is held as integer units of 1/10,000 of a point (12.15 % = 121,500)."""
STATUTORY_MARGIN = Decimal("10")
RECOVERY_INDEMNITY_CENTS = 40_00
DAYS_IN_YEAR = 365
INTEREST_DENOMINATOR = DAYS_IN_YEAR * 100 * RATE_SCALE
"""cents × rate units × days / INTEREST_DENOMINATOR = interest in cents."""
MAX_RATE = Decimal("100")


class RateError(InvalidInputError):
    code = "bad_rate"


def parse_rate(value: str | Decimal) -> Decimal:
    """A rate in percent, at most four decimals, between -100 and 100.

    >>> parse_rate("2.15"), parse_rate(" 12,5 ")
    (Decimal('2.15'), Decimal('12.5'))
    >>> parse_rate("1.23456")
    Traceback (most recent call last):
    ...
    creditpilot.core.interest.RateError: a rate has at most 4 decimals: '1.23456'
    >>> parse_rate("abc")
    Traceback (most recent call last):
    ...
    creditpilot.core.interest.RateError: not a rate in percent: 'abc'
    """
    try:
        rate = value if isinstance(value, Decimal) else Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise RateError(message=f"not a rate in percent: {value!r}", value=str(value)) from None
    if not rate.is_finite() or abs(rate) > MAX_RATE:
        raise RateError(message=f"not a rate in percent: {value!r}", value=str(value))
    if rate != rate.quantize(Decimal("0.0001")):
        raise RateError(message=f"a rate has at most 4 decimals: {value!r}", value=str(value))
    return rate


def format_rate(rate: Decimal) -> str:
    """A rate with two decimals, more only where it has them.

    >>> format_rate(Decimal("2.1500")), format_rate(Decimal("10")), format_rate(Decimal("3.1250"))
    ('2.15', '10.00', '3.125')
    """
    two = rate.quantize(Decimal("0.01"))
    return f"{two:f}" if two == rate else f"{rate.normalize():f}"


def rate_units(rate: Decimal) -> int:
    """The rate in units of 1/10,000 of a point, exactly.

    >>> rate_units(Decimal("12.15")), rate_units(Decimal("-0.5"))
    (121500, -5000)
    """
    return int(parse_rate(rate) * RATE_SCALE)


def half_year_start(day: date) -> date:
    """1 January or 1 July of the day's half-year.

    >>> half_year_start(date(2026, 6, 30)), half_year_start(date(2026, 7, 1))
    (datetime.date(2026, 1, 1), datetime.date(2026, 7, 1))
    """
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year(day: date) -> date:
    """The first day of the half-year after the day's.

    >>> next_half_year(date(2026, 3, 4)), next_half_year(date(2026, 12, 31))
    (datetime.date(2026, 7, 1), datetime.date(2027, 1, 1))
    """
    return date(day.year, 7, 1) if day.month <= 6 else date(day.year + 1, 1, 1)


@dataclass(frozen=True, slots=True)
class RateDecision:
    """A decision of the ECB: the main refinancing rate (percent) from ``effective`` on."""

    effective: date
    rate: Decimal


class RateTable:
    """The ECB main refinancing rate by effective date; later decisions of one date win."""

    def __init__(self, decisions: Iterable[RateDecision]) -> None:
        by_day: dict[date, Decimal] = {}
        for decision in decisions:
            by_day[decision.effective] = parse_rate(decision.rate)
        self._days = sorted(by_day)
        self._rates = [by_day[d] for d in self._days]

    def __len__(self) -> int:
        return len(self._days)

    def decisions(self) -> list[RateDecision]:
        return [RateDecision(d, r) for d, r in zip(self._days, self._rates, strict=True)]

    def in_force(self, day: date) -> Decimal:
        """The rate of the latest decision effective on or before ``day``."""
        i = bisect_right(self._days, day)
        if i == 0:
            raise RateError(
                "no_rate", f"no ECB rate known on {day.isoformat()}", day=day.isoformat()
            )
        return self._rates[i - 1]

    def reference_rate(self, day: date) -> Decimal:
        """The rate in force on the first day of the day's half-year."""
        return self.in_force(half_year_start(day))

    def daily_rate(self, day: date, contractual: Decimal | None = None) -> Decimal:
        """The late-payment rate of ``day``: the contractual one, else reference + 10 points."""
        if contractual is not None:
            return contractual
        return self.reference_rate(day) + STATUTORY_MARGIN


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """Days ``start``..``end`` (both included) at one late-payment rate (percent)."""

    start: date
    end: date
    rate: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def rate_periods(
    first: date, last: date, table: RateTable, contractual: Decimal | None = None
) -> list[RatePeriod]:
    """The days ``first``..``last`` cut into periods of one rate (half-years, or one period).

    >>> t = RateTable([RateDecision(date(2024, 12, 18), Decimal("3.15"))])
    >>> [(p.start.isoformat(), p.days, str(p.rate)) for p in rate_periods(date(2025, 6, 21), date(2025, 7, 4), t)]
    [('2025-06-21', 10, '13.15'), ('2025-07-01', 4, '13.15')]
    >>> rate_periods(date(2025, 7, 5), date(2025, 7, 4), t)
    []
    """
    if first > last:
        return []
    if contractual is not None:
        return [RatePeriod(first, last, contractual)]
    periods = []
    start = first
    while start <= last:
        end = min(next_half_year(start) - timedelta(days=1), last)
        periods.append(RatePeriod(start, end, table.daily_rate(start)))
        start = end + timedelta(days=1)
    return periods


def rate_days(first: date, last: date, table: RateTable, contractual: Decimal | None = None) -> int:
    """The sum of the rates (in units) of the days ``first``..``last``; 0 when first > last."""
    return sum(rate_units(p.rate) * p.days for p in rate_periods(first, last, table, contractual))


def round_interest(numerator: int) -> int:
    """Cents of ``numerator / INTEREST_DENOMINATOR``, rounded half-up (away from zero).

    >>> round_interest(INTEREST_DENOMINATOR * 5 // 2), round_interest(-INTEREST_DENOMINATOR * 5 // 2)
    (3, -3)
    >>> round_interest(INTEREST_DENOMINATOR * 5 // 2 - 1)
    2
    """
    quotient, rest = divmod(abs(numerator), INTEREST_DENOMINATOR)
    if 2 * rest >= INTEREST_DENOMINATOR:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def interest_numerator(
    amount: int,
    due_date: date,
    settlements: Iterable[tuple[date, int]],
    as_of: date,
    table: RateTable,
    contractual: Decimal | None = None,
) -> int:
    """The exact sum of open cents × rate units over the late days, before the division."""
    first = due_date + timedelta(days=1)
    total = amount * rate_days(first, as_of, table, contractual)
    for day, cents in settlements:
        if day <= as_of:
            total -= cents * rate_days(max(day, first), as_of, table, contractual)
    return total


def late_interest(
    amount: int,
    due_date: date,
    settlements: Iterable[tuple[date, int]],
    as_of: date,
    table: RateTable,
    contractual: Decimal | None = None,
) -> int:
    """Late-payment interest in cents at ``as_of`` of an invoice of ``amount`` cents.

    ``settlements`` are the (date, cents) allocated to the invoice; those dated
    after ``as_of`` do not exist yet.
    """
    return round_interest(
        interest_numerator(amount, due_date, settlements, as_of, table, contractual)
    )


def days_late(due_date: date, as_of: date) -> int:
    """Calendar days past due at ``as_of`` (0 when not due).

    >>> days_late(date(2026, 1, 31), date(2026, 3, 1)), days_late(date(2026, 3, 1), date(2026, 3, 1))
    (29, 0)
    """
    return max((as_of - due_date).days, 0)


def recovery_indemnity(
    due_date: date, as_of: date, settled_on: date | None = None, *, is_business: bool = True
) -> int:
    """The fixed recovery indemnity in cents: 40 EUR per invoice paid late or unpaid past due.

    ``settled_on`` is the day the invoice was fully settled, None while it is open.

    >>> recovery_indemnity(date(2026, 1, 31), date(2026, 1, 31))
    0
    >>> recovery_indemnity(date(2026, 1, 31), date(2026, 3, 1), settled_on=date(2026, 1, 30))
    0
    >>> recovery_indemnity(date(2026, 1, 31), date(2026, 3, 1), settled_on=date(2026, 2, 2))
    4000
    >>> recovery_indemnity(date(2026, 1, 31), date(2026, 3, 1), is_business=False)
    0
    """
    if not is_business:
        return 0
    last_day = as_of if settled_on is None else min(settled_on, as_of)
    return RECOVERY_INDEMNITY_CENTS if last_day > due_date else 0
