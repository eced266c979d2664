"""Ingest: files → Documents of clean numbered lines (text and PDF)."""

from __future__ import annotations

from pathlib import Path

from ..model import Document, HmicError
from .text import DEFAULT_MAX_BYTES, read_text


def read_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read a report file of any supported kind (chosen by content, not by name)."""
    path = Path(path)
    if not path.exists():
        raise HmicError(str(path), "no such file")
    if path.is_dir():
        raise HmicError(str(path), "is a directory, not a report file")
    with path.open("rb") as fh:
        head = fh.read(5)
    if head.startswith(b"%PDF"):
        try:
            from .pdf import read_pdf
        except ImportError as exc:  # pragma: no cover - pdf support is a core dependency
            raise HmicError(str(path), f"PDF support unavailable ({exc})") from None
        return read_pdf(path, max_bytes=max_bytes)
    return read_text(path, max_bytes=max_bytes)


__all__ = ["read_document", "DEFAULT_MAX_BYTES"]
