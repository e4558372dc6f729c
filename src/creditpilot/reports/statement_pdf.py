"""The statement of account as PDF, drawn with ReportLab.

A day's reminders carry a statement each: a thousand of them must render in
seconds, and a one-page statement costs 6-8 ms here against 40-60 ms through
HTML and WeasyPrint (see the README's design notes). Letters stay in HTML.
The text is DejaVu Sans where the machine has it (as WeasyPrint's letters),
else the Vera fonts that ship with ReportLab.
"""

from __future__ import annotations

import functools
import glob
import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts")
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#cccccc")
HEADER_FILL = colors.HexColor("#eef1f5")
LEFT, RIGHT, TOP, BOTTOM = 16 * mm, 14 * mm, 14 * mm, 20 * mm
WIDTH = A4[0] - LEFT - RIGHT - 12  # the frame's own padding, 6 pt a side


@functools.cache
def fonts() -> tuple[str, str]:
    """The regular and bold fonts, registered once per process."""
    for regular, bold in (("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"), ("Vera.ttf", "VeraBd.ttf")):
        found = [_find(regular), _find(bold)]
        if all(found):
            pdfmetrics.registerFont(TTFont("StatementSans", found[0]))
            pdfmetrics.registerFont(TTFont("StatementSans-Bold", found[1]))
            return "StatementSans", "StatementSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _find(name: str) -> str | None:
    for folder in FONT_DIRS:
        hits = glob.glob(f"{folder}/**/{name}", recursive=True)
        if hits:
            return sorted(hits)[0]
    if name.startswith("Vera"):
        return name  # ReportLab's own fonts folder
    return None


def text(value: object) -> str:
    """Plain text for a paragraph: escaped, and the narrow no-break space Babel puts in French
    amounts made a plain no-break space (not every font has the narrow one)."""
    return escape(str(value)).replace("\u202f", "\u00a0").replace("\n", "<br/>")


class Styles:
    def __init__(self) -> None:
        regular, bold = fonts()
        self.regular, self.bold = regular, bold
        base = ParagraphStyle("base", fontName=regular, fontSize=8.5, leading=10.5)
        self.body = base
        self.small = ParagraphStyle("small", base, fontSize=8, leading=10)
        self.legal = ParagraphStyle("legal", base, fontSize=7, leading=9, textColor=GREY)
        self.title = ParagraphStyle("title", base, fontName=bold, fontSize=13, leading=16)
        self.heading = ParagraphStyle(
            "heading", base, fontName=bold, fontSize=10, leading=12, spaceBefore=5 * mm
        )
        self.meta = ParagraphStyle("meta", base, textColor=GREY)
        self.cell = ParagraphStyle("cell", base, fontSize=8, leading=9.5)
        self.number = ParagraphStyle("number", self.cell, alignment=TA_RIGHT)


def table(
    styles: Styles,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    numeric_from: int,
) -> Table:
    """A ruled table with a shaded header repeated on each page; columns from
    ``numeric_from`` on are right-aligned amounts."""

    def cell(value: str, column: int, bold: bool = False) -> Paragraph:
        style = styles.number if column >= numeric_from else styles.cell
        if bold:
            style = ParagraphStyle("b", style, fontName=styles.bold)
        return Paragraph(text(value), style)

    data = [[cell(h, i, bold=True) for i, h in enumerate(header)]]
    data += [[cell(v, i) for i, v in enumerate(row)] for row in rows]
    t = Table(data, colWidths=[w * WIDTH for w in widths], repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return t


def numbered_canvas(footer_left: str, page_word: str, font: str) -> type[Canvas]:
    """A canvas that writes "Page n / N" and the company line at the foot of each page, once
    the number of pages is known."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(font, 7)
                self.setFillColor(GREY)
                self.drawString(LEFT, BOTTOM - 10 * mm, footer_left)
                self.drawRightString(
                    A4[0] - RIGHT, BOTTOM - 10 * mm, f"{page_word} {number} / {total}"
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def render(
    story: list[Flowable], title: str, author: str, footer_left: str, page_word: str
) -> bytes:
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=title,
        author=author,
        creator="creditpilot",
        pageCompression=1,
    )
    document.build(
        story,
        canvasmaker=numbered_canvas(footer_left.replace("\u202f", "\u00a0"), page_word, fonts()[0]),
    )
    return out.getvalue()


def boxed(content: list[Flowable]) -> Table:
    box = Table([[content]], colWidths=[WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return box


def spacer(height_mm: float) -> Spacer:
    return Spacer(1, height_mm * mm)


def letterhead(
    styles: Styles, company: Any, customer: Any, customer_word: str, phone_word: str
) -> Table:
    """The sender's block (name, address, phone, email, SIREN) and the recipient's window."""
    sender = [f"<font name='{styles.bold}' size='11'>{text(company.name)}</font>"]
    if company.address:
        sender.append(text(company.address))
    if company.phone:
        sender.append(f"{phone_word} {text(company.phone)}")
    if company.sender_email:
        sender.append(text(company.sender_email))
    if company.siren:
        sender.append(f"SIREN {text(company.siren)}")
    recipient = [f"<font name='{styles.bold}'>{text(customer.name)}</font>"]
    if customer.address:
        recipient.append(text(customer.address))
    recipient.append(f"{customer_word} {text(customer.code)}")
    head = Table(
        [
            [
                Paragraph("<br/>".join(sender), styles.small),
                "",
                [spacer(10), Paragraph("<br/>".join(recipient), styles.body)],
            ]
        ],
        colWidths=[0.55 * WIDTH, 0.05 * WIDTH, 0.40 * WIDTH],
    )
    head.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return head
