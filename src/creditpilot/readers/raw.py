"""A file's bytes and their SHA-256, read on a thread of their own from the moment asked.

This module needs the standard library alone: the command line starts reading a FEC
with it before polars and Django are loaded (0.1 to 0.4 s of a process's start), and
the reader (``readers.fec.ReadAhead``) takes the bytes from there.
"""

from __future__ import annotations

import hashlib
import threading
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
    """``read_bytes(path)`` on a thread of its own; the SHA-256 of the bytes on another, from
    when ``hash_now`` or ``sha256`` asks for it. ``data()`` and ``sha256()`` raise what
    reading raised."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="creditpilot-raw")
        self._data: Future[bytes] | None = self._pool.submit(read_bytes, path)
        self._sha256: Future[str] | None = None
        self._lock = threading.Lock()

    def hash_now(self) -> None:
        """Start hashing the bytes (once)."""
        with self._lock:
            if self._sha256 is None:
                self._sha256 = self._pool.submit(self._hash)
                self._pool.shutdown(wait=False)

    def _hash(self) -> str:
        digest = hashlib.sha256(self.data()).hexdigest()
        # the bytes are let go once hashed: whoever took them keeps them as long as needed,
        # and a FEC of a million lines is 90 MB
        self._data = None
        return digest

    def data(self) -> bytes:
        if self._data is None:
            raise RuntimeError("the bytes were let go once hashed")
        return self._data.result()

    def sha256(self) -> str:
        self.hash_now()
        assert self._sha256 is not None
        return self._sha256.result()
