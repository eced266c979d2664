"""Report metadata read from a report's cover: title, force, publication date, ISBN, period.

Shared by every programme's extractor. Everything here looks only at what the report prints
(cover lines first, the whole text as a fallback for the force), never at the file name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..model import Document, HmicError, Line, Span
from .forces import _key, find_force_in

MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
_MONTH_RX = "|".join(m.capitalize() for m in MONTHS)
_DATE = re.compile(rf"\b(?:(\d{{1,2}})\s+)?({_MONTH_RX})\s+((?:19|20)\d\d)\b")
_ISBN = re.compile(r"\bISBN(?:-1[03])?\s*:?\s*((?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx])")
_PERIOD = re.compile(
    rf"assessment period\s+(?:of\s+|from\s+)?((?:{_MONTH_RX})\s+(?:19|20)\d\d\s+(?:to|–|-|until)\s+"
    rf"(?:{_MONTH_RX})\s+(?:19|20)\d\d)",
    re.I,
)
# 'all 43 Home Office police forces in England and Wales', 'all 43 police forces in England
# and Wales', 'all 43 geographic police forces in England and Wales'.
# The lookbehind (the '\b' before 'all') comes after the word so that re skips between its first
# letters in C rather than trying the pattern at every character.
_ALL_FORCES = re.compile(
    r"all(?<!\wall)\s+(?P<n>\d{1,3})\s+(?:[\w-]+\s+){0,3}?forces\s+(?:in|across|of)\s+England\s+and\s+Wales\b", re.I
)
_YEAR_ONLY = re.compile(r"(?:published|©|copyright)\D{0,20}((?:19|20)\d\d)\b", re.I)
_CONTENTS = re.compile(r"^\s*contents\s*$", re.I)
COVER_MAX_LINES = 60  # a cover never runs longer; beyond this we are in the body


@dataclass(frozen=True)
class PrintedDate:
    year: int
    month: int
    day: int | None
    span: Span


@dataclass(frozen=True)
class PrintedForce:
    force_id: str
    name: str
    span: Span | None


def cover_lines(doc: Document) -> list[Line]:
    """Non-blank lines before the table of contents (or the first COVER_MAX_LINES lines)."""
    out: list[Line] = []
    for ln in doc.lines[:COVER_MAX_LINES]:
        if _CONTENTS.match(ln.text):
            break
        if ln.text.strip():
            out.append(ln)
    return out


def publication_date(lines: list[Line]) -> PrintedDate | None:
    """The first 'Month YYYY' (or 'D Month YYYY') printed in ``lines``, e.g. the cover date."""
    for ln in lines:
        m = _DATE.search(ln.text)
        if m:
            day = int(m.group(1)) if m.group(1) else None
            return PrintedDate(int(m.group(3)), MONTHS.index(m.group(2).lower()) + 1, day,
                               Span(ln.number, ln.number))
    return None


def published_year(lines: list[Line]) -> tuple[int, Span] | None:
    """'FIRST PUBLISHED 2007' or '© HMIC 2017': the year alone, when no month is printed."""
    for ln in lines:
        m = _YEAR_ONLY.search(ln.text)
        if m:
            return int(m.group(1)), Span(ln.number, ln.number)
    return None


def isbn(lines: list[Line]) -> tuple[str, Span] | None:
    """The ISBN as printed (hyphens kept, spaces dropped)."""
    for ln in lines:
        m = _ISBN.search(ln.text)
        if m:
            return re.sub(r"\s+", "", m.group(1)), Span(ln.number, ln.number)
    return None


def assessment_period(doc: Document) -> tuple[str, Span] | None:
    """'April 2006 to July 2007' from 'the assessment period April 2006 to July 2007'."""
    for ln in doc.lines:
        if ln.furniture:
            continue
        m = _PERIOD.search(ln.text)
        if m:
            period = re.sub(r"\s+(?:–|-|until)\s+", " to ", " ".join(m.group(1).split()))
            return period, Span(ln.number, ln.number)
    return None


def forces_inspected(doc: Document) -> tuple[int, Span] | None:
    """How many forces the report says were inspected: 'all 43 ... forces in England and Wales'.

    The number most often printed that way (the earliest on a tie), with the lines of its
    first mention. A sentence wrapped over lines is read whole, paragraph by paragraph.
    """
    found: list[tuple[int, Span]] = []
    for block in _blocks(doc):
        printed = " ".join([ln.text for ln in block])
        # The pattern parts its words by \s+ alone, so it matches the printed text wherever it
        # matches the normalised one: most blocks need neither normalising nor lines' offsets.
        if not _ALL_FORCES.search(printed):
            continue
        # Each line with its spaces normalised, followed by a space (no line of a block is blank).
        joined = " ".join(printed.split()) + " "
        matches = list(_ALL_FORCES.finditer(joined))
        starts: list[tuple[int, int]] = []  # (offset in joined, line number)
        offset = 0
        for ln in block:
            starts.append((offset, ln.number))
            offset += len(" ".join(ln.text.split())) + 1
        for m in matches:
            first = max(n for off, n in starts if off <= m.start())
            last = max(n for off, n in starts if off < m.end())
            if int(m.group("n")) > 0:
                found.append((int(m.group("n")), Span(first, last)))
    if not found:
        return None
    counts = Counter(n for n, _ in found)
    best = max(counts.values())
    return next((n, span) for n, span in found if counts[n] == best)


def _blocks(doc: Document) -> list[list[Line]]:
    """Runs of non-blank body lines (page furniture skipped)."""
    blocks: list[list[Line]] = [[]]
    for ln in doc.lines:
        if ln.furniture:
            continue
        if ln.text.strip():
            blocks[-1].append(ln)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def report_force(doc: Document, cover: list[Line] | None = None) -> PrintedForce:
    """The force the report is about: the first force named on the cover.

    Without one on the cover, the force named in the running header ('Essex Police – HMIC
    Inspection Report' at the top of every page). Never the force named most often in the
    text: a report on a force missing from the gazetteer still mentions its neighbours, and
    must not be filed under one of them. Raises HmicError when neither names a known force.
    """
    cover = cover_lines(doc) if cover is None else cover
    for ln in cover:
        found = find_force_in(ln.text)
        if found:
            return PrintedForce(found[0], found[1], Span(ln.number, ln.number))
    headers = Counter(" ".join(ln.text.split()) for ln in doc.lines if ln.furniture and ln.text.strip())
    for text, _ in sorted(headers.items(), key=lambda kv: (-kv[1], kv[0])):
        found = find_force_in(text)
        if found:
            return PrintedForce(found[0], found[1], None)
    raise HmicError(doc.source, "cannot find the police force this report is about")


def cover_title(cover: list[Line], force_name: str, marker: str) -> tuple[str, Span] | None:
    """The cover line naming the force and containing ``marker`` (e.g. 'Inspection Report').

    A date fused onto the line ('... Report October 2007') is dropped.
    """
    found: list[tuple[bool, str, Span]] = []
    for ln in cover:
        text = " ".join(ln.text.split())
        if marker.lower() in text.lower() and _key(force_name) in _key(text):
            text = _DATE.sub("", text).strip(" –-")
            # 'Essex Police – HMIC Inspection Report' (force first) is the template's title line.
            found.append((not _key(text).startswith(_key(force_name)), text, Span(ln.number, ln.number)))
    if not found:
        return None
    _, text, span = min(found, key=lambda f: (f[0], f[2]))
    return text, span
