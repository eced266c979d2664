"""Ingest: files → Documents of clean numbered lines (text and PDF)."""

from __future__ import annotations

from pathlib import Path

from ..model import Document, HmicError
from .text import DEFAULT_MAX_BYTES, document_from_bytes, read_bytes


def read_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read a report file of any supported kind (chosen by content, not by name)."""
    path = Path(path)
    data = read_bytes(path, max_bytes)
    if data.startswith(b"%PDF"):
        try:
            from .pdf import read_pdf
        except ImportError as exc:  # pragma: no cover - pdf support is a core dependency
            raise HmicError(str(path), f"PDF support unavailable ({exc})") from None
        return read_pdf(path, max_bytes=max_bytes)
    return document_from_bytes(data, path.name, media_type="text/plain")


__all__ = ["read_document", "DEFAULT_MAX_BYTES"]
