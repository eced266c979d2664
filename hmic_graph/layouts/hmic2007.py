"""The 2007 'HMIC inspection' report template: a Document → titled, typed sections.

The template (the same for all 43 forces) is: cover, contents, 'Introduction to HMIC
Inspections', 'Force Overview and Context', 'Findings' with the national and force summary
tables, one section per inspection area, a closing list of recommendations and a glossary.
Each area opens with its heading followed by a GRADE line, the national grade distribution or
'National contextual factors'; that is how areas are found, whatever their names.

Sections are leaf sections that do not overlap and together cover every body line:
an area is split into its header ('area': heading, GRADE, national distribution) and its
sub-sections ('national-context', 'area-context', 'strengths', 'work-in-progress',
'areas-for-improvement', 'developing-practice'), each carrying ``area`` and ``parent``.
Outside the areas, kinds are 'cover', 'contents', 'front-matter' (text before the first known
heading when there is no contents page), 'introduction', 'context' (the force overview),
'findings', 'summary-table', 'recommendations' (the closing list) and 'glossary'; their
``area`` is None. Areas are spelled as the summary tables spell them ('Child abuse'); an
'– Overview' section is its parent area itself ('Protecting vulnerable people').
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ingest.text import SUPERSCRIPT_DIGITS, paragraphs
from ..model import Document, Line, Section, Span

HEADING_MAX = 100  # headings are short; a longer line is prose
_AREA_SEPARATOR = re.compile(r"\s*[–—:]\s*|\s+-\s+")  # 'PVP – Child Abuse', 'PVP: Child Abuse'
_FOOTNOTE_MARK = re.compile(rf"[{SUPERSCRIPT_DIGITS}]+$")
GRADE_WORDS = ("Excellent", "Good", "Fair", "Poor")
_GRADE_KEYS = {g.lower() for g in GRADE_WORDS}

# Front-matter headings printed by the template for every force.
_FRONT: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^introduction to hmic inspections?$"), "introduction"),
    (re.compile(r"^programmed frameworks$"), "introduction"),
    (re.compile(r"^risk-based frameworks$"), "introduction"),
    (re.compile(r"^the grading process$"), "introduction"),
    (re.compile(r"^developing practice$"), "introduction"),
    (re.compile(r"^future hmic inspection activity$"), "introduction"),
    (re.compile(r"^force overview and context$"), "context"),
    (re.compile(r"^geographical description of (?:the )?force area$"), "context"),
    (re.compile(r"^demographic profile of (?:the )?force area$"), "context"),
    (re.compile(r"^strategic priorities$"), "context"),
    (re.compile(r"^force developments since (?:19|20)\d\d$"), "context"),
    (re.compile(r"^findings$"), "findings"),
    (re.compile(r"^(?:national|force) summary of judgements$"), "summary-table"),
]
# Headings inside an area section.
_AREA_SUB: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^national contextual factors$"), "national-context"),
    (re.compile(r"^contextual factors(?: overview)?$"), "area-context"),
    (re.compile(r"^strengths?$"), "strengths"),
    (re.compile(r"^work in progress$"), "work-in-progress"),
    (re.compile(r"^(?:[a-z ]{0,60} )?areas? for improvement$"), "areas-for-improvement"),
    (re.compile(r"^developing practice$"), "developing-practice"),
]
# What follows an area heading (the next non-blank line).
_AREA_OPENERS = re.compile(r"^(?:grade\b|national grade distribution|national contextual factors)")
_GLOSSARY = re.compile(r"^(?:appendix\b.{0,20})?glossary\b")
_LIST_LABEL = re.compile(r"^\s*recommendation(?:\s+(\d+))?\s*[:.]?\s*$", re.I)

# The inspection frameworks of the 2007 programme, spelled as the summary tables spell them.
TEMPLATE_AREAS = {
    "neighbourhood policing": "Neighbourhood Policing",
    "performance management": "Performance management",
    "protecting vulnerable people": "Protecting vulnerable people",
    "child abuse": "Child abuse",
    "domestic violence": "Domestic violence",
    "public protection": "Public protection",
    "missing persons": "Missing persons",
}


def norm(text: str) -> str:
    """Heading key: lower case, one space, ASCII dashes, no footnote marker or trailing colon."""
    # rstrip is _FOOTNOTE_MARK.sub on text without line breaks, without a regex tried at
    # every position (norm runs on every line of the body)
    text = " ".join(text.split()).rstrip(SUPERSCRIPT_DIGITS)
    text = text.replace("–", "-").replace("—", "-").rstrip(":").strip()
    return text.lower()


@dataclass(frozen=True)
class TableRow:
    """One row of a flattened table: first cell, remaining cells, line."""

    label: str
    cells: list[str]
    line: int


def _content(lines: list[Line]) -> list[Line]:
    return [ln for ln in lines if ln.text.strip() and not ln.furniture]


def _is_heading_shape(text: str) -> bool:
    t = text.strip()
    return 0 < len(t) <= HEADING_MAX and not t.endswith((".", ",", ";")) and "\t" not in t.strip("\t")


def _contents_range(lines: list[Line]) -> tuple[int, int] | None:
    """Indexes [start, end) of the table of contents; the body starts at end.

    The body starts where a contents entry is printed a second time (as a heading).
    """
    start = next((i for i, ln in enumerate(lines[:80]) if norm(ln.text) == "contents"), None)
    if start is None:
        return None
    end = _first_entry_again(lines, start)
    if end is not None:  # the first entry ('Introduction to HMIC Inspections') printed as a heading
        return start, end
    keys = {i: norm(lines[i].text) for i in range(start + 1, len(lines)) if not lines[i].furniture}
    content = [i for i, key in keys.items() if key]
    if not content:
        return start, start + 1
    # Contents entries are short: the body has begun by the heading above the first prose.
    prose = next((k for k, i in enumerate(content) if _is_prose(lines[i])), None)
    limit = content[prose - 1] if prose else len(lines)
    entries: set[str] = set()
    for i in content:  # the first entry was not printed again: the first of any kind printed twice
        key = keys[i]
        if key in entries:
            return start, min(i, limit)
        entries.add(key)
    return start, min(start + 1, limit) if prose else start + 1


def _is_prose(line: Line) -> bool:
    return len(line.text.strip()) > 120 and line.text.rstrip().endswith((".", "!", "?", ":"))


def _first_entry_again(lines: list[Line], start: int) -> int | None:
    """What _contents_range returns when the first contents entry is printed again as a
    heading, read up to that heading rather than keying every line of the report; None when
    it is not printed again."""
    first: str | None = None
    prose_seen = False
    limit: int | None = None  # the content line before the first prose (unless that is the first line)
    previous: int | None = None  # the content line before this one
    for i in range(start + 1, len(lines)):
        if lines[i].furniture:
            continue
        key = norm(lines[i].text)
        if not key:
            continue
        if not prose_seen and _is_prose(lines[i]):
            prose_seen, limit = True, previous
        if first is None:
            first = key
        elif key == first:
            return i if limit is None else min(i, limit)
        previous = i
    return None


def _next_content(lines: list[Line], i: int) -> Line | None:
    for k in range(i + 1, len(lines)):  # by index: a slice would copy the rest of the report each call
        ln = lines[k]
        if ln.text.strip() and not ln.furniture:
            return ln
    return None


def _area_heading_indexes(lines: list[Line], start: int, end: int) -> list[int]:
    out = []
    for i in range(start, end):
        ln = lines[i]
        if ln.furniture or not _is_heading_shape(ln.text):
            continue
        key = norm(ln.text)
        if (_AREA_OPENERS.match(key) or key in _GRADE_KEYS
                or any(rx.match(key) for rx, _ in _AREA_SUB)):
            continue  # a grade printed on its own line after 'GRADE' is not a heading
        nxt = _next_content(lines, i)
        if nxt is not None and _AREA_OPENERS.match(norm(nxt.text)):
            out.append(i)
    return out


def _closing_list_index(lines: list[Line], start: int, end: int) -> int | None:
    """The heading of the closing list of recommendations, searched in [start, end).

    It is 'Recommendations' (or a singular 'Recommendation' followed by an item label or
    a framework heading): the body's own labels are followed by the recommendation's text.
    """
    found = None
    for i in range(start, end):
        ln = lines[i]
        if ln.furniture:
            continue
        text = " ".join(ln.text.split())
        if text == "Recommendations":
            found = i
        elif re.fullmatch(r"(?i)recommendations?", text):
            nxt = _next_content(lines, i)
            if nxt is not None and (_LIST_LABEL.match(nxt.text) or norm(nxt.text) in TEMPLATE_AREAS):
                found = i
    return found  # the last one: a heading inside the last area comes before the list


def split_area_heading(text: str) -> tuple[str, str | None]:
    """'Protecting Vulnerable People – Child Abuse' → ('Child Abuse', 'Protecting Vulnerable People').

    An '– Overview' section is the parent area itself.
    """
    text = _FOOTNOTE_MARK.sub("", " ".join(text.split()))
    parts = _AREA_SEPARATOR.split(text, maxsplit=1)
    if len(parts) == 2:
        parent, area = parts
        if norm(area) == "overview":
            return parent, None
        return area, parent
    if norm(text).endswith(" overview"):  # 'Protecting Vulnerable People Overview'
        return text[: -len("overview")].strip(), None
    return text, None


def canonical_area(printed: str, labels: list[str]) -> str:
    """Spell an area as the summary tables spell it ('Child Abuse' → 'Child abuse')."""
    key = norm(printed)
    for label in labels:
        if norm(label) == key:
            return label
    if key in TEMPLATE_AREAS:
        return TEMPLATE_AREAS[key]
    # A heading that ends with a table label ('Protecting Vulnerable People Child Abuse').
    for label in sorted(labels, key=len, reverse=True):
        if key.endswith(" " + norm(label)):
            return label
    return " ".join(printed.split())


def table_rows(doc: Document, span: Span) -> list[TableRow]:
    """Rows of a flattened table in ``span``: cells split on tabs, else on runs of 2+ spaces.

    A row printed without separators ('Child abuse Good', 'Missing persons 1 21 21 0') is split
    before its trailing grade word or numbers.
    """
    rows = []
    for ln in doc.lines:
        if not (span.start <= ln.number <= span.end) or ln.furniture or not ln.text.strip():
            continue
        if "\t" in ln.text.strip("\t ") or ln.text.startswith("\t"):
            cells = [c.strip() for c in ln.text.split("\t")]
        else:
            cells = [c.strip() for c in re.split(r"\s{2,}", ln.text.strip())]
            if len(cells) == 1:
                m = re.match(r"^(.*?\D)\s+(\d+(?:\s+\d+)+)$", ln.text.strip()) or re.match(
                    r"^(.+?)\s+(Grade|Excellent|Good|Fair|Poor)$", ln.text.strip(), re.I)
                if m:
                    cells = [m.group(1)] + m.group(2).split()
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            rows.append(TableRow(cells[0], cells[1:], ln.number))
    return rows


def _section(doc: Document, lines: list[Line], title: str, kind: str, i: int, j: int,
             area: str | None = None, parent: str | None = None) -> Section:
    block = lines[i:j]
    content = _content(block)
    end = content[-1].number if content else block[0].number
    return Section(title=title, kind=kind, span=Span(block[0].number, max(end, block[0].number)),
                   paragraphs=paragraphs(block), parent=parent, area=area)


def _split_by(lines: list[Line], i: int, j: int,
              rules: list[tuple[re.Pattern[str], str]]) -> list[tuple[int, str, str]]:
    """Heading positions in [i, j): (index, title as printed, kind)."""
    out = []
    for k in range(i, j):
        ln = lines[k]
        if ln.furniture or not _is_heading_shape(ln.text):
            continue
        key = norm(ln.text)
        for rx, kind in rules:
            if rx.match(key):
                out.append((k, " ".join(_FOOTNOTE_MARK.sub("", ln.text).split()), kind))
                break
    return out


def segment(doc: Document) -> list[Section]:
    """Split a 2007 report into leaf sections covering the whole text."""
    lines = doc.lines
    n = len(lines)
    sections: list[Section] = []
    contents = _contents_range(lines)
    body = 0
    if contents:
        c0, c1 = contents
        if c0 > 0:
            sections.append(_section(doc, lines, "Cover", "cover", 0, c0))
        sections.append(_section(doc, lines, "Contents", "contents", c0, c1))
        body = c1
    glossary = next((i for i in range(body, n)
                     if not lines[i].furniture and _is_heading_shape(lines[i].text)
                     and _GLOSSARY.match(norm(lines[i].text))), n)
    areas = _area_heading_indexes(lines, body, glossary)
    closing = _closing_list_index(lines, areas[-1] + 1 if areas else body, glossary)
    areas_end = closing if closing is not None else glossary

    # Front matter: introduction, context, findings, summary tables.
    front_end = areas[0] if areas else areas_end
    heads = _split_by(lines, body, front_end, _FRONT)
    if not heads or heads[0][0] > body:
        if any(ln.text.strip() for ln in lines[body:heads[0][0] if heads else front_end]):
            sections.append(_section(doc, lines, "Front matter", "front-matter", body,
                                     heads[0][0] if heads else front_end))
    for h, (k, title, kind) in enumerate(heads):
        stop = heads[h + 1][0] if h + 1 < len(heads) else front_end
        sections.append(_section(doc, lines, title, kind, k, stop))

    labels = [row.label for s in sections if s.kind == "summary-table"
              for row in table_rows(doc, s.span)]
    for a, k in enumerate(areas):
        stop = areas[a + 1] if a + 1 < len(areas) else areas_end
        printed = " ".join(_FOOTNOTE_MARK.sub("", lines[k].text).split())
        area_printed, parent_printed = split_area_heading(printed)
        area = canonical_area(area_printed, labels)
        parent = canonical_area(parent_printed, labels) if parent_printed else None
        subs = _split_by(lines, k + 1, stop, _AREA_SUB)
        first_sub = subs[0][0] if subs else stop
        sections.append(_section(doc, lines, printed, "area", k, first_sub, area, parent))
        for s, (sk, title, kind) in enumerate(subs):
            s_stop = subs[s + 1][0] if s + 1 < len(subs) else stop
            sections.append(_section(doc, lines, title, kind, sk, s_stop, area, parent))

    if closing is not None:
        sections.append(_section(doc, lines, " ".join(lines[closing].text.split()),
                                 "recommendations", closing, glossary))
    if glossary < n:
        sections.append(_section(doc, lines, " ".join(lines[glossary].text.split()), "glossary",
                                 glossary, n))
    return [s for s in sections if s.span.start <= s.span.end]
