"""Query results as polars frames, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db import connection


def query_frame(sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """Rows of a query as a frame; SQLite hands dates over as text, parsed at once by polars."""
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    text_dates = connection.vendor != "postgresql"
    loose = {k: (pl.Utf8 if v == pl.Date and text_dates else v) for k, v in schema.items()}
    frame = pl.DataFrame(rows, schema=loose, orient="row")
    if text_dates:
        frame = frame.with_columns(
            pl.col(k).str.to_date("%Y-%m-%d") for k, v in schema.items() if v == pl.Date
        )
    return frame


def sql_day(column: str) -> str:
    return column if connection.vendor == "postgresql" else f"CAST({column} AS TEXT)"
