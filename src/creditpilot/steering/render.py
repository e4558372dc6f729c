"""A report made of sections, as a PDF (WeasyPrint, charts drawn in SVG) or an XLSX book
(a sheet per section, numbers kept as numbers)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from babel.dates import format_date
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from creditpilot.reports.pdf import render_pdf
from creditpilot.steering.cells import XLSX_FORMATS, Chart, Section, Table, in_sheet, shown
from creditpilot.steering.history import month_end_of
from creditpilot.steering.monthly import ManagementReport

COLOURS = ("#1f5fa8", "#2e9e6a", "#d9822b", "#a33c3c")


@dataclass
class ShownTable:
    title: str
    header: list[tuple[str, bool]]  # label, numeric
    rows: list[list[tuple[str, bool]]]
    total: list[tuple[str, bool]] | None


def _shown_table(table: Table, language: str) -> ShownTable:
    def line(values: list[object]) -> list[tuple[str, bool]]:
        return [
            (shown(v, c.kind, language), c.numeric)
            for v, c in zip(values, table.columns, strict=True)
        ]

    return ShownTable(
        table.title,
        [(c.label, c.numeric) for c in table.columns],
        [line(r) for r in table.rows],
        line(table.total) if table.total else None,
    )


def chart_svg(chart: Chart, language: str, width: int = 760, height: int = 200) -> SafeString:
    """Lines over the months, with the scale on the left and the months below."""
    values = [v for series in chart.series.values() for v in series if v is not None]
    left, bottom, top = 50, 30, 10
    inner_w, inner_h = width - left - 10, height - bottom - top
    if not values or not chart.months:
        return mark_safe("")  # noqa: S308 (nothing drawn)
    low, high = min(Decimal(0), min(values)), max(values)
    span = (high - low) or Decimal(1)
    step = inner_w / max(1, len(chart.months) - 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: Decimal) -> float:
        return top + inner_h - float((v - low) / span) * inner_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for k in range(5):
        v = low + span * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y(v) + 3:.1f}" font-size="8" text-anchor="end">'
            f"{escape(shown(v, 'days', language))}</text>"
        )
    for i, month in enumerate(chart.months):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - 14}" font-size="8" text-anchor="middle">'
            f"{month.strftime('%m/%y')}</text>"
        )
    for n, (label, series) in enumerate(chart.series.items()):
        colour = COLOURS[n % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(series) if v is not None)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        parts.append(
            f'<rect x="{left + n * 150}" y="{height - 8}" width="10" height="4" fill="{colour}"/>'
            f'<text x="{left + n * 150 + 14}" y="{height - 3}" font-size="8">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text escaped above)


def _shown_section(section: Section, language: str) -> dict[str, Any]:
    return {
        "title": section.title,
        "notes": section.notes,
        "tables": [_shown_table(t, language) for t in section.tables],
        "charts": [
            {"title": f"{c.title} ({c.unit})" if c.unit else c.title, "svg": chart_svg(c, language)}
            for c in section.charts
        ],
    }


def report_pdf(report: ManagementReport) -> bytes:
    with translation.override(report.language):
        context = {
            "report": report,
            "language": report.language,
            "month": _month_words(report),
            "sections": [_shown_section(s, report.language) for s in report.sections],
            "made_at_text": _("Made on %(when)s") % {"when": report.made_at},
        }
        return render_pdf("steering/monthly.html", context)


def _month_words(report: ManagementReport) -> str:
    """The month in words for a month end (``février 2026``), else the day (``1 mars 2026``)."""
    locale = "fr_FR" if report.language == "fr" else "en_GB"
    at_month_end = month_end_of(report.month_end) == report.month_end
    return format_date(
        report.month_end, format="LLLL y" if at_month_end else "d MMMM y", locale=locale
    )


def report_xlsx(report: ManagementReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for section in report.sections:
        sheet = book.create_sheet(_sheet_name(section.title, book.sheetnames))
        sheet.append([f"{report.title} — {report.company.name} — {_month_words(report)}"])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([section.title])
        sheet["A2"].font = bold
        for note in section.notes:
            sheet.append([note])
        for table in section.tables:
            _write_table(sheet, table, bold)
        for chart in section.charts:
            _write_chart(sheet, chart, bold)
        sheet.column_dimensions["A"].width = 44
        for col in "BCDEFGHIJK":
            sheet.column_dimensions[col].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(title: str, taken: list[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]
    n = 2
    while name in taken:
        name = f"{name[:28]} {n}"
        n += 1
    return name


def _write_table(sheet: Any, table: Table, bold: Any) -> None:
    sheet.append([])
    if table.title:
        sheet.append([table.title])
        sheet.cell(sheet.max_row, 1).font = bold
    sheet.append([c.label for c in table.columns])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    lines = [*table.rows, *([table.total] if table.total else [])]
    for values in lines:
        row = []
        formats = []
        for value, column in zip(values, table.columns, strict=True):
            kind = column.kind
            if kind == "mixed" and isinstance(value, tuple):
                value, kind = value
            row.append(in_sheet(value, kind))
            formats.append(XLSX_FORMATS.get(kind))
        sheet.append(row)
        for cell, fmt in zip(sheet[sheet.max_row], formats, strict=False):
            if fmt:
                cell.number_format = fmt
    if table.total:
        for cell in sheet[sheet.max_row]:
            cell.font = bold


def _write_chart(sheet: Any, chart: Chart, bold: Any) -> None:
    sheet.append([])
    sheet.append([chart.title, *[m for m in chart.months]])
    for cell in sheet[sheet.max_row][1:]:
        cell.number_format = "mm/yyyy"
    sheet.cell(sheet.max_row, 1).font = bold
    for label, series in chart.series.items():
        sheet.append([label, *series])


def report_file_name(report: ManagementReport, fmt: str) -> str:
    return f"credit-report-{report.month_end.strftime('%Y-%m')}.{fmt}"
