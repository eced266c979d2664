"""Render a report's text as a published-looking PDF (test fixture, built inside the test run).

The PDF imitates the real publications: A4, wrapped and justified-free body text, bullet
lists, tables drawn in columns, a running header on every page but the cover, and a footer
with the publication date and the page number. Page furniture of the source text (lone
dates, page numbers) is left out of the body: the PDF's own footer replaces it.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hmic_graph.ingest.text import decode, lines_from_text

_FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
]


def _font() -> str:
    """A Unicode TTF when the system has one (curly quotes, dashes, odd OCR letters)."""
    for path in _FONT_CANDIDATES:
        if path.exists():
            name = path.stem
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(path)))
            return name
    return "Helvetica"


def render_report_pdf(
    text: str,
    out: Path,
    header: str,
    footer: str,
    *,
    max_lines: int | None = None,
    encrypt_password: str | None = None,
) -> Path:
    """Write ``text`` (sample-layout report text) as a PDF at ``out``; returns ``out``."""
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=12.5, spaceAfter=7)
    bullet = ParagraphStyle("bullet", parent=body, leftIndent=14)
    lines = lines_from_text(text)
    if max_lines is not None:
        lines = lines[:max_lines]

    story: list = []
    table_rows: list[list[str]] = []

    def flush_table() -> None:
        if not table_rows:
            return
        width = max(len(r) for r in table_rows)
        rows = [r + [""] * (width - len(r)) for r in table_rows]
        table = Table(rows, hAlign="LEFT")
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font),
                                   ("FONTSIZE", (0, 0), (-1, -1), 9),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 2),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 14)]))
        story.append(table)
        story.append(Spacer(1, 7))
        table_rows.clear()

    for index, ln in enumerate(lines):
        stripped = ln.text.strip()
        if ln.furniture or not stripped:
            if not stripped:
                flush_table()
            continue
        if "\t" in ln.text:
            table_rows.append([c.strip() for c in ln.text.split("\t")])
            continue
        flush_table()
        style = bullet if stripped.startswith(("- ", "• ")) else body
        # Lines of one block in the text stay close together; a blank line opens a gap.
        following = lines[index + 1] if index + 1 < len(lines) else None
        if following is not None and following.text.strip() and not following.furniture:
            style = ParagraphStyle(f"{style.name}-tight", parent=style, spaceAfter=0)
        story.append(Paragraph(escape(stripped), style))
    flush_table()

    def furniture(canvas, doc) -> None:  # noqa: ANN001 - reportlab callback
        canvas.saveState()
        canvas.setFont(font, 8)
        if doc.page > 1:
            canvas.drawString(20 * mm, A4[1] - 12 * mm, header)
        canvas.drawString(20 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, str(doc.page))
        canvas.restoreState()

    kwargs = {}
    if encrypt_password is not None:
        kwargs["encrypt"] = encrypt_password
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm, **kwargs)
    doc.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return out


def render_file(src: Path, out: Path, header: str, footer: str, **kw) -> Path:
    return render_report_pdf(decode(src.read_bytes(), src.name), out, header, footer, **kw)
