"""The cash-in forecast as JSON, CSV (the French Excel way in French) and XLSX."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from django.utils import translation
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from creditpilot.forecast.cashin import Forecast, Group, Period


def forecast_json(forecast: Forecast) -> str:
    return json.dumps(forecast.as_json(), ensure_ascii=False, indent=2) + "\n"


def _long_rows(forecast: Forecast) -> list[list[object]]:
    """One row per period of the total and of each group: what a pivot table starts from."""
    rows: list[list[object]] = []

    def add(split: str, key: str, name: str, weeks: list[Period], months: list[Period]) -> None:
        for horizon, periods in (("week", weeks), ("month", months)):
            for p in periods:
                rows.append([split, key, name, horizon, p.start, p.end, p.expected, p.low, p.high])

    add("total", "", "", forecast.weeks, forecast.months)
    splits: list[tuple[str, list[Group]]] = [
        ("rating", forecast.by_rating),
        ("segment", forecast.by_segment),
        ("customer", forecast.by_customer),
    ]
    for split, groups in splits:
        for g in groups:
            add(split, g.key, g.name, g.weeks, g.months)
    return rows


def _header() -> list[str]:
    return [
        pgettext("forecast", "split"),
        pgettext("forecast", "key"),
        pgettext("forecast", "name"),
        pgettext("forecast", "period"),
        pgettext("forecast", "start"),
        pgettext("forecast", "end"),
        pgettext("forecast", "expected"),
        pgettext("forecast", "low"),
        pgettext("forecast", "high"),
    ]


def forecast_csv(forecast: Forecast, language: str = "en") -> bytes:
    """In French: semicolons, decimal commas, words in French, UTF-8 with a BOM."""
    french = language == "fr"
    with translation.override(language):
        words = {
            "total": pgettext("forecast", "total"),
            "rating": pgettext("forecast", "rating"),
            "segment": pgettext("forecast", "segment"),
            "customer": pgettext("forecast", "customer"),
            "week": pgettext("forecast", "week"),
            "month": pgettext("forecast", "month"),
        }
        header = _header()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\n")
    writer.writerow(header)
    for row in _long_rows(forecast):
        cells = []
        for i, value in enumerate(row):
            if isinstance(value, Decimal):
                text = f"{value:.2f}"
                cells.append(text.replace(".", ",") if french else text)
            elif i in (0, 3) and french:
                cells.append(words[str(value)])
            elif hasattr(value, "isoformat"):
                cells.append(value.isoformat())
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return out.getvalue().encode("utf-8-sig" if french else "utf-8")


def forecast_xlsx(forecast: Forecast, language: str = "en") -> bytes:
    """A sheet for the weeks and the months (the band beside), one per split (a column per
    week's expected amount)."""
    book = Workbook()
    book.remove(book.active)
    with translation.override(language):
        for title, periods in (
            (pgettext("forecast", "Weeks"), forecast.weeks),
            (pgettext("forecast", "Months"), forecast.months),
        ):
            _sheet(
                book,
                title,
                [
                    pgettext("forecast", "start"),
                    pgettext("forecast", "end"),
                    pgettext("forecast", "expected"),
                    pgettext("forecast", "low"),
                    pgettext("forecast", "high"),
                ],
                [[p.start, p.end, p.expected, p.low, p.high] for p in periods],
            )
        weeks = [p.start.isoformat() for p in forecast.weeks]
        for title, groups in (
            (pgettext("forecast", "By rating"), forecast.by_rating),
            (pgettext("forecast", "By segment"), forecast.by_segment),
            (pgettext("forecast", "By customer"), forecast.by_customer),
        ):
            _sheet(
                book,
                title,
                [
                    pgettext("forecast", "key"),
                    pgettext("forecast", "name"),
                    pgettext("forecast", "open"),
                    *weeks,
                ],
                [[g.key, g.name, g.open, *[p.expected for p in g.weeks]] for g in groups],
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[object]]) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
