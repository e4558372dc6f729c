"""A file's bytes and their SHA-256, read on a thread of their own from the moment asked.

This module needs the standard library alone: the command line starts reading a FEC
with it before polars and Django are loaded (0.1 to 0.4 s of a process's start), and
the reader (``readers.fec.ReadAhead``) takes the bytes from there.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from creditpilot.core.errors import InvalidInputError


def read_bytes(path: Path | str) -> bytes:
    """The file's bytes; a missing file or a folder is refused (``InvalidInputError``)."""
    p = Path(path)
    if not p.exists():
        raise InvalidInputError.of("file_not_found", file=str(path))
    if p.is_dir():
        raise InvalidInputError.of("not_a_file", file=str(path))
    return p.read_bytes()


class RawRead:
    """``read_bytes(path)`` on one thread, then the SHA-256 of the bytes on another, while
    they are being cut into lines. ``data()`` and ``sha256()`` raise what reading raised."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="creditpilot-raw")
        self._data: Future[bytes] | None = pool.submit(read_bytes, path)
        self._sha256: Future[str] = pool.submit(self._hash)
        pool.shutdown(wait=False)

    def _hash(self) -> str:
        return hashlib.sha256(self.data()).hexdigest()

    def data(self) -> bytes:
        if self._data is None:
            raise RuntimeError("the bytes were released")
        return self._data.result()

    def sha256(self) -> str:
        return self._sha256.result()

    def release(self) -> None:
        """Let go of the bytes once hashed (whoever took them keeps them as long as needed):
        a FEC of a million lines is 90 MB."""
        self._sha256.result()
        self._data = None
