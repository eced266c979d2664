"""Plain text → Document: decode robustly, clean each line, keep original line numbers."""

from __future__ import annotations

import hashlib
import re
import stat
import unicodedata
from collections import Counter
from itertools import accumulate
from pathlib import Path
from typing import Iterator

from ..model import Document, HmicError, Line, Paragraph, Span
from .unwrap import unwrap_if_hard_wrapped

DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_BOLD = re.compile(r"\*\*")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
# A lone 'October 2007' or a bare page number is page furniture, wherever it stands.
_LONE_DATE = re.compile(rf"^\s*(?:{_MONTHS})\s+(?:19|20)\d\d\s*$")
_COVER_LINES = 60
# Footnote marks as reports print them after a word or a heading (both layouts strip them).
SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?[0-9]{1,3}(?:\s+of\s+[0-9]{1,3})?\s*$", re.I)


def decode(data: bytes, source: str) -> str:
    """Bytes → str: UTF-16 (by its byte-order mark, or by the zero bytes of ASCII text
    saved as UTF-16), UTF-8 (with or without BOM), else Windows-1252, else Latin-1."""
    if not data.strip():
        raise HmicError(source, "empty file")
    utf16 = _utf16_encoding(data)
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            raise HmicError(source, "not valid UTF-16 text") from None
        if "\x00" in text or not text.strip():
            raise HmicError(source, "binary file, not text (contains NUL characters)")
        return text
    if b"\x00" in data:  # anywhere: a few deep inside once reached the graph as \u0000
        raise HmicError(source, "binary file, not text (contains NUL bytes)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _utf16_encoding(data: bytes) -> str | None:
    """'utf-16' for a UTF-16 byte-order mark; 'utf-16-le'/'-be' when most bytes on one side
    of each pair of the file's start are zero (ASCII text saved as UTF-16); else None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 8 or b"\x00" not in head:
        return None
    if head[1::2].count(0) > 0.8 * pairs and head[0::2].count(0) < 0.1 * pairs:
        return "utf-16-le"
    if head[0::2].count(0) > 0.8 * pairs and head[1::2].count(0) < 0.1 * pairs:
        return "utf-16-be"
    return None


def clean_line(text: str) -> str:
    """Normalise one line: ligatures, odd spaces, bold markers; tabs are kept (tables use them)."""
    for lig, rep in _LIGATURES.items():
        if lig in text:
            text = text.replace(lig, rep)
    text = _ZERO_WIDTH.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _BOLD.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return text.rstrip()


def _running_headers(texts: list[str]) -> set[str]:
    """Short lines repeated many times are running headers/footers."""
    counts = Counter(t.strip() for t in texts if 0 < len(t.strip()) <= 80)
    return {t for t, n in counts.items() if n >= 4 and not t.endswith((".", ":", ";"))
            and ("–" in t or " - " in t or "report" in t.lower())}


def lines_from_text(text: str) -> list[Line]:
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if raw and raw[-1] == "":
        raw.pop()  # a final newline ends the last line; it does not start another
    # pdftotext marks each new page with a form feed: keep it as the line's page.
    paged = "\f" in text
    pages = list(accumulate((t.count("\f") for t in raw), initial=1))[:-1] if paged else []
    cleaned = [clean_line(t.replace("\f", "")) for t in raw]
    headers = _running_headers(cleaned)
    lines: list[Line] = []
    seen_date = False
    for i, t in enumerate(cleaned, start=1):
        stripped = t.strip()
        furniture = False
        if _LONE_DATE.match(stripped):
            # The first lone date is the cover's publication date: keep it (only on the
            # cover: a report whose cover fuses the date into the title has none there).
            furniture = seen_date or i > _COVER_LINES
            seen_date = True
        elif _PAGE_NUMBER.match(stripped) and stripped:
            furniture = True
        elif stripped in headers:
            furniture = True
        page = pages[i - 1] + raw[i - 1].count("\f") if paged else None
        lines.append(Line(number=i, text=t, page=page, furniture=furniture))
    return unwrap_if_hard_wrapped(lines)


def size_problem(size: int, max_bytes: int) -> str:
    """The refusal of a file over the size limit, in the MB (MiB) the limit is set in."""
    def mb(n: int, digits: int) -> str:
        return f"{n / 2**20:.0f}" if n >= 10 * 2**20 and digits == 2 else f"{n / 2**20:.{digits}g}"

    for digits in (2, 4, 6):  # enough digits that the file's size and the limit differ
        if mb(size, digits) != mb(max_bytes, digits):
            break
    else:
        return f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes (--max-size)"
    return f"file is {mb(size, digits)} MB, over the {mb(max_bytes, digits)} MB limit (--max-size)"


def input_size(path: Path, max_bytes: int) -> int:
    """The size of a report file, or the one-line refusal of anything else: a missing path, a
    directory, a device, pipe or socket (read, /dev/zero never ends), a file over the limit."""
    source = str(path)
    try:
        status = path.stat()
    except FileNotFoundError:
        raise HmicError(source, "no such file") from None
    except OSError as exc:
        raise HmicError(source, f"cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(status.st_mode):
        raise HmicError(source, "is a directory, not a report file")
    if not stat.S_ISREG(status.st_mode):
        raise HmicError(source, "not a regular file (a device, pipe or socket), not a report file")
    if status.st_size > max_bytes:
        raise HmicError(source, size_problem(status.st_size, max_bytes))
    return status.st_size


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """A report file's bytes after input_size's checks; a read the system refuses is one line."""
    input_size(path, max_bytes)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise HmicError(str(path), f"cannot read ({exc.strerror or exc})") from None


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    data = read_bytes(path, max_bytes)
    return document_from_bytes(data, path.name, media_type="text/plain")


def document_from_bytes(data: bytes, source: str, media_type: str = "text/plain") -> Document:
    text = decode(data, source)
    sha = hashlib.sha256(data).hexdigest()
    return Document(source=source, sha256=sha, lines=lines_from_text(text), media_type=media_type,
                    size=len(data))


_TERMINAL = re.compile(rf"[.:;!?)\]’'\"”]\s*(?:\d{{1,3}}|[{SUPERSCRIPT_DIGITS}]+)?$")


def paragraphs(lines: list[Line]) -> list[Paragraph]:
    """Group non-blank, non-furniture lines into paragraphs.

    A paragraph that does not end a sentence and is followed (after blank lines or page
    furniture) by one starting in lower case is the same paragraph broken by a page.
    """
    blocks: list[list[Line]] = []
    current: list[Line] = []
    for ln in lines:
        if ln.furniture:
            continue
        if ln.text.strip():
            current.append(ln)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    out: list[Paragraph] = []
    for block in blocks:
        # One split of the joined lines: the same words as each line normalised (no line of a
        # block is blank), at a fraction of the calls.
        text = " ".join(" ".join([ln.text for ln in block]).split())
        span = Span(block[0].number, block[-1].number)
        if out and text[:1].islower() and not _TERMINAL.search(out[-1].text):
            prev = out.pop()
            out.append(Paragraph(prev.text + " " + text, Span(prev.span.start, span.end)))
        else:
            out.append(Paragraph(text, span))
    return out


def sentence_ends(pattern: re.Pattern[str], marks: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """The matches of ``pattern.finditer(text)`` for a pattern whose lookbehind lets it start only
    just after a match of ``marks`` ('.', '!' or '?'): tried there alone, not at every
    character, which a pattern opening with a lookbehind otherwise costs (3x faster)."""
    end = 0  # where the last match ended: as in finditer, the next may not start before it
    for mark in marks.finditer(text):
        if mark.end() >= end:
            m = pattern.match(text, mark.end())
            if m:
                end = m.end()
                yield m


def normalise_space(text: str) -> str:
    return " ".join(text.split())
