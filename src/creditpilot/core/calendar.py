"""Business-day calendars: French public holidays by default, injected, never global.

>>> from datetime import date
>>> cal = BusinessCalendar.france()
>>> cal.is_business_day(date(2026, 5, 1))   # Labour Day, a Friday
False
>>> cal.next_business_day(date(2026, 5, 1))  # Friday holiday -> Monday 4 May
datetime.date(2026, 5, 4)
>>> cal.next_business_day(date(2026, 5, 5))
datetime.date(2026, 5, 5)
>>> BusinessCalendar.france("6AE").is_business_day(date(2026, 12, 26))  # Alsace-Moselle
False
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta


class BusinessCalendar:
    """Weekends plus a set of public holidays; ``is_holiday`` is any predicate on dates."""

    def __init__(
        self, is_holiday: Callable[[date], bool], weekend: frozenset[int] = frozenset({5, 6})
    ):
        self._is_holiday = is_holiday
        self._weekend = weekend

    @classmethod
    def france(cls, subdivision: str | None = None) -> BusinessCalendar:
        """French public holidays; subdivision ``57``, ``67`` or ``68`` (or ``6AE``) for Alsace-Moselle."""
        import holidays  # a plain data package, imported late to keep the core light

        table = holidays.country_holidays("FR", subdiv=subdivision)
        return cls(lambda day: day in table)

    @classmethod
    def weekends_only(cls) -> BusinessCalendar:
        return cls(lambda day: False)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in self._weekend and not self._is_holiday(day)

    def next_business_day(self, day: date) -> date:
        """The day itself when it is a business day, else the next one."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day
