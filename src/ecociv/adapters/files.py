"""Uploaded files (evidence documents and photos), stored by content hash under one folder.

The same bytes are stored once; names are the SHA-256 of the content, so a file can be
checked against its record at any time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

#: 20 MiB: larger evidence belongs in the document system, not a report form.
MAX_BYTES = 20 * 1024 * 1024


class FileStore:
    """Content-addressed files in ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes) -> str:
        """Store bytes; return their SHA-256 (the file's name). Writing is atomic."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_of(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, target)
        return digest

    def get(self, digest: str) -> bytes:
        """The bytes stored under a digest."""
        return self.path_of(digest).read_bytes()

    def path_of(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError("not a SHA-256 digest")
        return self.root / digest[:2] / digest
