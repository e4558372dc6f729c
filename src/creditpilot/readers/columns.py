"""Header matching for tabular files: names in any case, French aliases, required ones checked."""

from __future__ import annotations

from creditpilot.core.errors import RowError


def normalise(name: str) -> str:
    return "_".join(name.strip().strip('"').lower().replace("-", " ").split())


def map_columns(
    header: list[str],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    aliases: dict[str, str],
    file: str,
) -> tuple[dict[str, int], list[RowError]]:
    """Position of each known column, and an error per missing required one (line 1)."""
    positions: dict[str, int] = {}
    for i, raw in enumerate(header):
        key = normalise(raw)
        key = aliases.get(key, key)
        if key in (*required, *optional) and key not in positions:
            positions[key] = i
    errors = [
        RowError.of(file, 1, col, "missing_column") for col in required if col not in positions
    ]
    return positions, errors


class Row:
    """The cells of one row, by column name, with the errors found in it."""

    def __init__(self, file: str, line: int, cells: list[str], positions: dict[str, int]) -> None:
        self.file, self.line, self.cells, self.positions = file, line, cells, positions
        self.errors: list[RowError] = []

    def get(self, column: str) -> str:
        i = self.positions.get(column)
        if i is None or i >= len(self.cells):
            return ""
        return self.cells[i].strip()

    def error(self, column: str | None, code: str, /, **params: object) -> None:
        """Refuse the row: ``code`` and its params make the reason (``core/reasons.py``)."""
        self.errors.append(RowError.of(self.file, self.line, column, code, **params))


def check_width(row: Row, width: int) -> bool:
    """A row with fewer or more cells than the header is refused whole."""
    if len(row.cells) < width:
        row.error(None, "short_row", expected=width, found=len(row.cells))
        return False
    if len(row.cells) > width and any(c.strip() for c in row.cells[width:]):
        row.error(None, "long_row", expected=width, found=len(row.cells))
        return False
    return True
