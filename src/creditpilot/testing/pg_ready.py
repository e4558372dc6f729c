"""Exit 0 when the PostgreSQL server of a URL answers, 1 otherwise (used by ``make test``)."""

from __future__ import annotations

import sys


def main(url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return 0
    except Exception:
        return 1


if __name__ == "__main__":
    sys.exit(
        main(sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/test")
    )
