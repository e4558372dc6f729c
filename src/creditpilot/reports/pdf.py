"""PDF from HTML templates, by WeasyPrint."""

from __future__ import annotations

import functools
from typing import Any

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    import weasyprint

    html = render_to_string(template, context)
    return weasyprint.HTML(string=html).write_pdf()


def html_to_pdf(html: str) -> bytes:
    import weasyprint

    return bytes(weasyprint.HTML(string=html).write_pdf(font_config=_fonts()))


@functools.cache
def _fonts() -> Any:
    """The fonts found once per process (WeasyPrint looks them up again for each document)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def htmls_to_pdfs(htmls: list[str]) -> list[bytes]:
    """Many documents at once: spread over the machine's cores (WeasyPrint takes 40-80 ms a
    page and holds the interpreter meanwhile), in order."""
    import os
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    workers = min(os.cpu_count() or 1, 8)
    if len(htmls) < 8 or workers < 2:
        return [html_to_pdf(html) for html in htmls]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        return list(pool.map(html_to_pdf, htmls, chunksize=max(1, len(htmls) // (workers * 4))))
