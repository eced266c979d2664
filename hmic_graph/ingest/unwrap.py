"""Re-join hard-wrapped lines into the sample layout (one paragraph, bullet or row per line).

Text converted from PDFs comes in two shapes: one paragraph per line (the sample corpus)
or cut at a fixed width (``pdftotext`` and PDF text extraction). Layouts expect the first,
so wrapped lines are joined back. A break is a wrap only when the next line's first word
would not have fitted on the line before: a short line followed by more text (a heading,
the end of a paragraph) is a deliberate break. Bullets, table rows (tab-separated),
blank lines, page furniture and page boundaries are never joined across.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from ..model import Line

# A line that opens a list item: '- ', '• ', '1. ', '(a) ', 'a) '.
_ITEM_START = re.compile(r"^\s*(?:[-•▪●◦·*]\s|\(?[0-9]{1,2}[.)]\s|\(?[a-z][.)]\s|\([ivx]{1,4}\)\s)")
_HYPHEN_END = re.compile(r"[A-Za-z]-$")
_WORD = re.compile(r"[A-Za-z]+")

# wraps(line, next_line): would the next line's first word have overflowed this line?
WrapTest = Callable[[Line, Line], bool]


def first_word(text: str) -> str:
    parts = text.split(None, 1)
    return parts[0] if parts else ""


def width_rule(width: int, slack: int = 0) -> WrapTest:
    """Wrap test for fixed-width text: cut at ``width`` columns (``slack`` for ragged cuts)."""

    def wraps(line: Line, nxt: Line) -> bool:
        return len(line.text.rstrip()) + 1 + len(first_word(nxt.text)) > width - slack

    return wraps


def _join(left: str, right: str, vocabulary: set[str]) -> str:
    """Join two wrapped pieces; a hyphen at the break is dropped only for a known word."""
    left = left.rstrip()
    right = right.strip()
    if _HYPHEN_END.search(left) and right[:1].islower():
        head = _WORD.findall(left)[-1].lower()
        tail_match = _WORD.match(right)
        tail = tail_match.group(0).lower() if tail_match else ""
        # 'inspec-' + 'tion' is a soft hyphen when 'inspection' occurs whole elsewhere;
        # 'anti-' + 'social' keeps its hyphen.
        if tail and (head + tail) in vocabulary and f"{head}-{tail}" not in vocabulary:
            return left[:-1] + right
        return left + right
    return left + " " + right


def _vocabulary(lines: list[Line]) -> set[str]:
    words: set[str] = set()
    for ln in lines:
        for token in ln.text.split():
            words.add(token.strip(".,;:()'\"’‘“”").lower())
    return words


def is_item(text: str) -> bool:
    return bool(_ITEM_START.match(text))


def can_continue(line: Line, nxt: Line) -> bool:
    """Structural test: may ``nxt`` be the continuation of ``line`` at all?"""
    if line.furniture or nxt.furniture:
        return False
    if not line.text.strip() or not nxt.text.strip():
        return False
    if line.page != nxt.page:
        return False  # the sample layout keeps page-broken paragraphs as separate lines
    if "\t" in line.text or "\t" in nxt.text:
        return False
    if is_item(nxt.text):
        return False
    return True


def unwrap(lines: list[Line], wraps: WrapTest) -> list[Line]:
    """Join each wrapped line onto the one before; the joined line keeps the first number."""
    vocabulary = _vocabulary(lines)
    out: list[Line] = []
    last_piece: Line | None = None  # the last physical line joined into out[-1]
    for ln in lines:
        if out and last_piece is not None and can_continue(last_piece, ln) and wraps(last_piece, ln):
            out[-1] = replace(out[-1], text=_join(out[-1].text, ln.text, vocabulary))
        else:
            out.append(ln)
        last_piece = ln
    return out


def wrapped_width(lines: list[Line]) -> int | None:
    """The column a hard-wrapped text was cut at, or None when it is not hard-wrapped.

    One-paragraph-per-line text has many lines far longer than any terminal; wrapped
    text has almost none, and a good share of its lines end close to the cut.
    """
    lengths = sorted(len(ln.text.rstrip()) for ln in lines if ln.text.strip() and not ln.furniture)
    if len(lengths) < 20:
        return None
    over = sum(1 for n in lengths if n > 140)
    if over > len(lengths) * 0.01:
        return None
    width = lengths[int(len(lengths) * 0.99) - 1] if len(lengths) >= 100 else lengths[-1]
    if width < 40:
        return None
    near_cut = sum(1 for n in lengths if n >= width * 0.75)
    if near_cut < len(lengths) * 0.25:
        return None
    return width


def unwrap_if_hard_wrapped(lines: list[Line]) -> list[Line]:
    width = wrapped_width(lines)
    if width is None:
        return lines
    # Proportional-font extraction cuts raggedly: allow a few columns of slack.
    return unwrap(lines, width_rule(width, slack=max(2, width // 12)))
