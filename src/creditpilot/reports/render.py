"""Reports as JSON, CSV, XLSX and PDF. Amounts are shown rounded to the cent."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from creditpilot.core.aging import ALL_BUCKETS, Buckets
from creditpilot.core.money import format_cents, from_cents
from creditpilot.reports.aging import AgingReport, GroupedAging
from creditpilot.reports.statement import Statement

BUCKET_TITLES = {
    "not_due": "Non échu / Not due",
    "1_30": "1-30",
    "31_60": "31-60",
    "61_90": "61-90",
    "over_90": "> 90",
    "unapplied": "Non affecté / Unapplied",
}

LABEL_TITLES = {
    "code": "Code",
    "name": "Client / Customer",
    "segment": "Segment",
    "sales_rep": "Commercial / Sales rep",
    "currency": "Devise / Currency",
}


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def aging_json(report: AgingReport | GroupedAging) -> str:
    return _json(report.as_json())


def aging_header(report: AgingReport | GroupedAging) -> list[str]:
    """By customer: code, name, total, buckets; by a field: the field, total, buckets."""
    if isinstance(report, GroupedAging):
        return [report.by, "total", *ALL_BUCKETS]
    return AGING_HEADER


def aging_rows(report: AgingReport | GroupedAging) -> list[list[object]]:
    if isinstance(report, GroupedAging):
        return [_amounts([g.key], g.buckets) for g in report.groups]
    return [_amounts([c.code, c.name], c.buckets) for c in report.customers]


def aging_total_row(report: AgingReport | GroupedAging) -> list[object]:
    labels: list[object] = ["TOTAL"] if isinstance(report, GroupedAging) else ["TOTAL", ""]
    return _amounts(labels, report.total)


def _amounts(labels: list[object], buckets: Buckets) -> list[object]:
    return [
        *labels,
        from_cents(buckets.total),
        *[from_cents(buckets.cents[b]) for b in ALL_BUCKETS],
    ]


AGING_HEADER = ["code", "name", "total", *ALL_BUCKETS]


def aging_csv(report: AgingReport | GroupedAging) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(aging_header(report))
    for row in [*aging_rows(report), aging_total_row(report)]:
        writer.writerow([str(v) for v in row])
    return out.getvalue()


def _xlsx(sheets: list[tuple[str, list[str], list[list[object]], list[object] | None]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows, total in sheets:
        ws = wb.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        if total is not None:
            ws.append(total)
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, Decimal):
                    cell.number_format = "#,##0.00"
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def aging_xlsx(report: AgingReport | GroupedAging) -> bytes:
    title = f"Aging {report.as_of.isoformat()}"
    total = aging_total_row(report)
    return _xlsx([(title, aging_header(report), aging_rows(report), total)])


def statement_json(st: Statement) -> str:
    return _json(
        {
            "as_of": st.as_of.isoformat(),
            "currency": st.company.currency,
            "customer": {"code": st.customer.code, "name": st.customer.name},
            "balance": format_cents(st.balance),
            **{"buckets": st.buckets.as_json()["buckets"]},
            "lines": [
                {
                    "date": line.date.isoformat(),
                    "kind": line.kind,
                    "number": line.number,
                    "label": line.label,
                    "due_date": line.due_date.isoformat() if line.due_date else None,
                    "amount": format_cents(line.amount),
                    "open_amount": format_cents(line.open_amount),
                    "balance": format_cents(line.balance),
                    "days_past_due": line.days_past_due,
                }
                for line in st.lines
            ],
        }
    )


STATEMENT_HEADER = [
    "date",
    "kind",
    "number",
    "label",
    "due_date",
    "debit",
    "credit",
    "open_amount",
    "balance",
    "days_past_due",
]


def statement_rows(st: Statement) -> list[list[object]]:
    return [
        [
            line.date,
            line.kind,
            line.number,
            line.label,
            line.due_date or "",
            from_cents(line.amount) if line.amount > 0 else "",
            from_cents(-line.amount) if line.amount < 0 else "",
            from_cents(line.open_amount),
            from_cents(line.balance),
            "" if line.days_past_due is None else line.days_past_due,
        ]
        for line in st.lines
    ]


def statement_csv(st: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STATEMENT_HEADER)
    for row in statement_rows(st):
        writer.writerow([v.isoformat() if hasattr(v, "isoformat") else str(v) for v in row])
    return out.getvalue()


def statement_xlsx(st: Statement) -> bytes:
    return _xlsx([(f"{st.customer.code}"[:31], STATEMENT_HEADER, statement_rows(st), None)])


def aging_pdf(report: AgingReport | GroupedAging) -> bytes:
    from creditpilot.reports.pdf import render_pdf

    header = aging_header(report)
    return render_pdf(
        "reports/aging.html",
        {
            "report": report,
            "labels": [LABEL_TITLES.get(h, h) for h in header[: len(header) - 7]],
            "rows": aging_rows(report),
            "total_row": aging_total_row(report),
            "text_columns": len(header) - 7,
            "buckets": ALL_BUCKETS,
            "titles": BUCKET_TITLES,
        },
    )


def statement_pdf(st: Statement) -> bytes:
    from creditpilot.reports.pdf import render_pdf

    return render_pdf("reports/statement.html", {"st": st, "rows": statement_rows(st)})
