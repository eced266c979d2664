"""PDF → Document: text rows by geometry, page furniture dropped, wrapped lines re-joined.

pdfminer.six (the engine under pdfplumber) gives every text line with its box. Rows are
rebuilt from boxes on the same baseline (table cells become tab-separated, as in the
sample layout), paragraphs are told apart by vertical gaps, running headers/footers and
page numbers in the page margins become furniture, and wrapped lines are joined back.

``Line.number`` counts the lines of the extracted text (one per row, one blank between
paragraphs), so provenance is 'page P, line N of the extracted text'; ``Line.page`` is
the 1-based PDF page.
"""

from __future__ import annotations

import hashlib
import logging
import re
import statistics
import zlib
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from ..model import Document, HmicError, Line
from .text import _PAGE_NUMBER, DEFAULT_MAX_BYTES, clean_line, read_bytes
from .unwrap import first_word, is_item, unwrap

MEDIA_TYPE = "application/pdf"
# Top and bottom bands of a page where running headers, footers and page numbers live.
_MARGIN_BAND = 0.085
_DIGITS = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"[.!?:;][)\]’'\"”]?\s*$")


@dataclass
class _Row:
    """One visual line of a page: text boxes sharing a baseline."""

    page: int
    text: str
    x0: float
    x1: float
    top: float  # distance from the top of the page
    bottom: float
    size: float  # text height, a stand-in for font size
    in_margin: bool
    cells: tuple[tuple[float, str], ...] = ()  # a table row's cells: (left edge, text) each


def _open_pages(path: Path, source: str, max_bytes: int = DEFAULT_MAX_BYTES):
    """Parse the PDF; every pdfminer failure becomes one readable HmicError."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    # pdfminer logs what it works around (a 'do not extract' flag it ignores, odd objects)
    # as warnings on stderr, around the one line a bad file gets.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        check_content_size(path, source, max_bytes)
        return list(extract_pages(str(path), laparams=LAParams()))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise HmicError(source, "PDF is encrypted or password-protected; supply an unlocked copy") from None
    except HmicError:
        raise
    except Exception as exc:  # pdfminer raises many kinds (PSEOF, PDFSyntaxError, KeyError, ...)
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise HmicError(source, f"corrupt or unreadable PDF ({reason})") from None


# A page of a report draws its text in ~10 kB of instructions (charts and vector maps in
# hundreds of kB); pdfminer lays out ~1 MB a second. Over this, a page is refused.
MAX_PAGE_CONTENT = 8 * 2**20


def check_content_size(path: Path, source: str, max_bytes: int) -> None:
    """Refuse a PDF whose pages' drawing instructions, decompressed, exceed ``max_bytes``
    (the --max-size limit): a small file can unpack to hundreds of MB, which pdfminer would
    lay out for minutes (a 58 kB file holding 20 MB took 34 s and 600 MB of memory). Deflated
    streams are counted as they unpack, never held whole."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFStream, resolve1
    from pdfminer.psparser import LIT

    total = 0
    with open(path, "rb") as fh:
        document = PDFDocument(PDFParser(fh))
        for number, page in enumerate(PDFPage.create_pages(document), start=1):
            on_page = 0
            for stream in page.contents:
                stream = resolve1(stream)
                if not isinstance(stream, PDFStream):
                    continue  # not drawing instructions (a broken reference): nothing to count
                if [f for f, _ in stream.get_filters()] == [LIT("FlateDecode")]:
                    size = _inflated_size(stream.rawdata or b"", min(max_bytes - total, MAX_PAGE_CONTENT - on_page) + 1)
                else:
                    size = len(stream.get_data() or b"")
                total, on_page = total + size, on_page + size
                if on_page > MAX_PAGE_CONTENT:
                    raise HmicError(source, f"PDF page {number} unpacks to over {MAX_PAGE_CONTENT / 2**20:g} MB of "
                                            "drawing instructions: not a page of a report")
                if total > max_bytes:
                    raise HmicError(source, "PDF pages unpack to over "
                                            f"{max_bytes / 2**20:g} MB of drawing instructions (--max-size)")


def _inflated_size(data: bytes, limit: int) -> int:
    """The size ``data`` inflates to, counted up to just past ``limit``."""
    inflate, size, chunk = zlib.decompressobj(), 0, 1 << 20
    pending = data
    while size <= limit:
        out = inflate.decompress(pending, chunk)
        size += len(out)
        pending = inflate.unconsumed_tail
        if not out and not pending:
            break
    return size


def _text_lines(layout_obj):
    from pdfminer.layout import LTTextLineHorizontal

    if isinstance(layout_obj, LTTextLineHorizontal):
        yield layout_obj
        return
    try:
        children = list(layout_obj)
    except TypeError:
        return
    for child in children:
        yield from _text_lines(child)


# pdfminer writes a glyph its font maps to no character as '(cid:N)'. Opening a line it is a
# list's bullet (a Symbol or Wingdings dot); anywhere else it is no text a reader could use.
_CID = re.compile(r"\(cid:\d+\)")
_CID_BULLET = re.compile(r"^\s*\(cid:\d+\)\s+")


def unmapped_glyphs(text: str) -> str:
    """'(cid:127) The force ...' → '• The force ...'; other '(cid:N)' dropped."""
    if "(cid:" not in text:
        return text
    return _CID.sub("", _CID_BULLET.sub("• ", text))


def _page_rows(page, page_no: int) -> list[_Row]:
    """Group a page's text lines into rows by baseline, left to right."""
    height = page.height or 1.0
    boxes = []
    for tl in _text_lines(page):
        text = clean_line(unmapped_glyphs(tl.get_text().replace("\n", " ")))
        if text.strip():
            boxes.append((height - tl.y1, height - tl.y0, tl.x0, tl.x1, text.strip()))
    boxes.sort(key=lambda b: (round(b[1], 1), b[2]))
    rows: list[list[tuple]] = []
    for box in boxes:
        if rows:
            last = rows[-1][0]
            if abs(box[1] - last[1]) < 0.5 * (last[1] - last[0]):
                rows[-1].append(box)
                continue
        rows.append([box])
    out: list[_Row] = []
    for row in rows:
        row.sort(key=lambda b: b[2])
        size = statistics.median(b[1] - b[0] for b in row)
        cells = [[row[0][2], row[0][4]]]
        for prev, cur in zip(row, row[1:]):
            # A gap wider than about a character's height separates table cells.
            if cur[2] - prev[3] > 1.2 * size:
                cells.append([cur[2], cur[4]])
            else:
                cells[-1][1] += " " + cur[4]
        top, bottom = min(b[0] for b in row), max(b[1] for b in row)
        in_margin = bottom < height * _MARGIN_BAND or top > height * (1 - _MARGIN_BAND)
        out.append(_Row(page_no, "\t".join(text for _, text in cells), row[0][2], row[-1][3], top, bottom,
                        size, in_margin, tuple((x, text) for x, text in cells) if len(cells) > 1 else ()))
    return out


def _join_wrapped_cells(rows: list[_Row], leading: float) -> list[_Row]:
    """A table cell whose text wraps puts its other lines on rows of their own, starting at
    the cell's left edge: above the row when cells are aligned to the bottom ('Association of
    Chief Police Officers (terrorist and' over 'ACPO (TAM)<tab>allied matters)'), below it when
    aligned to the top. Such a run of rows is joined into the cell of the table row it is
    nearer to (the rows of a table are further apart than the lines of one cell)."""
    step = leading + max(2.0, 0.15 * leading)

    def column(table: _Row | None, x0: float, distance: float) -> int | None:
        if table is None or not table.cells or table.in_margin or distance > step:
            return None
        return next((k for k, (x, _) in enumerate(table.cells) if k and abs(x - x0) <= 2.0), None)

    def joined(table: _Row, k: int, text: str, before: bool) -> _Row:
        cells = [list(c) for c in table.cells]
        cells[k][1] = f"{text} {cells[k][1]}" if before else f"{cells[k][1]} {text}"
        return replace(table, text="\t".join(t for _, t in cells), cells=tuple((x, t) for x, t in cells))

    rows = list(rows)
    out: list[_Row] = []
    i = 0
    while i < len(rows):
        first = rows[i]
        if first.cells or first.in_margin:
            out.append(first)
            i += 1
            continue
        j = i  # a run of one-cell rows at one left edge, line after line
        while (j + 1 < len(rows) and not rows[j + 1].cells and not rows[j + 1].in_margin
               and rows[j + 1].page == first.page and abs(rows[j + 1].x0 - first.x0) <= 2.0
               and 0 < rows[j + 1].bottom - rows[j].bottom <= step):
            j += 1
        run, text = rows[i:j + 1], " ".join(r.text for r in rows[i:j + 1])
        above = out[-1] if out and out[-1].page == first.page else None
        below = rows[j + 1] if j + 1 < len(rows) and rows[j + 1].page == first.page else None
        up = first.bottom - above.bottom if above is not None else float("inf")
        down = below.bottom - run[-1].bottom if below is not None else float("inf")
        k_up, k_down = column(above, first.x0, up), column(below, first.x0, down)
        if k_up is not None and (k_down is None or up <= down):
            out[-1] = joined(above, k_up, text, before=False)  # type: ignore[arg-type]
        elif k_down is not None:
            rows[j + 1] = joined(below, k_down, text, before=True)  # type: ignore[arg-type]
        else:
            out.extend(run)
        i = j + 1
    return out


def _furniture_keys(rows: list[_Row], page_count: int) -> set[str]:
    """Margin rows that repeat on many pages (digits ignored) are running headers/footers."""
    per_page = Counter()
    for key, _page in {(_DIGITS.sub("#", r.text), r.page) for r in rows if r.in_margin}:
        per_page[key] += 1
    threshold = max(2, page_count // 3)
    return {key for key, n in per_page.items() if n >= threshold}


def _is_furniture(row: _Row, repeated: set[str]) -> bool:
    if not row.in_margin:
        return False
    return bool(_PAGE_NUMBER.match(row.text)) or _DIGITS.sub("#", row.text) in repeated


def _leading(rows: list[_Row]) -> float:
    """The distance between consecutive baselines of body text inside a paragraph.

    Not the median step: where paragraphs are short (one or two lines) the steps between
    paragraphs are as many as the steps inside them, or more, and the median was the
    paragraph gap, so no paragraph break was seen. The leading is the smallest step that
    recurs, between rows of the body's text size (a table in smaller type has its own)."""
    body = [r for r in rows if not r.in_margin]
    if not body:
        return 12.0
    size = statistics.median(r.size for r in body)
    steps = [
        b.bottom - a.bottom
        for a, b in zip(rows, rows[1:])
        if a.page == b.page and not a.in_margin and not b.in_margin and b.bottom > a.bottom
        and abs(a.size - size) <= 0.1 * size and abs(b.size - size) <= 0.1 * size
    ]
    if not steps:
        return 12.0
    bins = Counter(round(step * 2) / 2 for step in steps)  # half-point bins
    recurring = [step for step, n in bins.items() if n >= max(3, 0.02 * len(steps)) and step >= 0.9 * size]
    return min(recurring) if recurring else statistics.median(steps)


def lines_from_pages(pages) -> list[Line]:
    """pdfminer pages → numbered Lines (furniture flagged, paragraphs blank-separated, unwrapped)."""
    rows: list[_Row] = []
    for page_no, page in enumerate(pages, start=1):
        rows.extend(_page_rows(page, page_no))
    repeated = _furniture_keys(rows, len(pages))
    leading = _leading(rows)
    rows = _join_wrapped_cells(rows, leading)
    # The right edge of the text column: a high percentile, so one overlong URL or a wide
    # table does not move it.
    body_right = sorted(r.x1 for r in rows if not r.in_margin)
    column_right = body_right[int(len(body_right) * 0.95)] if body_right else 0.0

    physical: list[Line] = []
    geometry: dict[int, _Row] = {}
    last_body: _Row | None = None
    for row in rows:
        # Only margins hold furniture: a date or number inside the text column is content
        # (a wrapped '... to 31 / March 2015' must not lose its last line).
        furniture = _is_furniture(row, repeated)
        if not furniture and last_body is not None:
            if last_body.page != row.page:
                # A paragraph running over the page break stays one block: its last row on
                # the page is full and stops mid-sentence. A full row ending a sentence may
                # end its paragraph too, so then the new page starts a new block.
                runs_on = _fills(last_body, row.text, column_right) and not _SENTENCE_END.search(last_body.text)
                new_block = not runs_on or is_item(row.text)
            else:
                new_block = row.bottom - last_body.bottom > leading + max(2.0, 0.15 * leading)
            if new_block:
                physical.append(Line(number=len(physical) + 1, text="", page=row.page))
        line = Line(number=len(physical) + 1, text=row.text, page=row.page, furniture=furniture)
        physical.append(line)
        geometry[line.number] = row
        if not furniture:
            last_body = row

    def opens_block(line: Line) -> bool:
        before = physical[line.number - 2] if line.number >= 2 else None
        return before is None or not before.text.strip() or before.furniture

    def wraps(line: Line, nxt: Line) -> bool:
        """Would the next row's first word have fitted at the end of this row?"""
        row = geometry[line.number]
        if geometry[nxt.number].x0 < row.x0 - 2 and not (opens_block(line) and not is_item(line.text)):
            # Text moving left ends an indented item; only a first-line indent may do that.
            return False
        return _fills(row, nxt.text, column_right)

    return unwrap(physical, wraps)


def _fills(row: _Row, next_text: str, column_right: float) -> bool:
    """Is ``row`` full: would the first word of ``next_text`` have overflowed it?"""
    if "\t" in row.text or "\t" in next_text:
        return False
    # The row's mean advance counts narrow spaces; letters run about 1.4 times wider.
    char_width = 1.4 * (row.x1 - row.x0) / max(len(row.text), 1)
    return row.x1 + char_width * (len(first_word(next_text)) + 1) > column_right


def read_pdf(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read a PDF report into a Document whose Lines carry their PDF page."""
    path = Path(path)
    source = str(path)
    data = read_bytes(path, max_bytes)
    if not data.startswith(b"%PDF"):
        raise HmicError(source, "not a PDF file")
    pages = _open_pages(path, source, max_bytes)
    if not pages:
        raise HmicError(source, "PDF has no pages")
    lines = lines_from_pages(pages)
    if not any(ln.text.strip() and not ln.furniture for ln in lines):
        raise HmicError(source, "PDF has no extractable text (a scanned image? run OCR first)")
    return Document(
        source=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        lines=lines,
        media_type=MEDIA_TYPE,
        size=len(data),
    )
