"""Graded judgements of a 2007 report, reconciled between the area sections and summary tables.

A grade can be printed in an area's own section ('GRADE<tab>FAIR', 'GRADE FAIR', 'GRADE' with
the grade on the next line, 'GOODNational grade distribution' where the PDF fused the grade
with the next heading) and in the 'Force summary of judgements' table. The national grade
distribution is printed under each area and again in the 'National summary of judgements'
table. Each judgement keeps both readings; a disagreement is flagged and kept as a Conflict.
Only the area's header block is searched, so old grades quoted in the prose ('following the
2005/06 grading of Poor') are never read as the current judgement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..layouts.hmic2007 import GRADE_WORDS, norm, table_rows
from ..model import Conflict, Document, GradeCount, Judgement, Line, Section, Span

_GRADE_LABEL = re.compile(r"^\s*GRADE\b[\s:.\-–]*(.*)$", re.I)
_GRADE_AT_START = re.compile(r"^(EXCELLENT|GOOD|FAIR|POOR|Excellent|Good|Fair|Poor)(?![a-z])")
_UNDERLINE = re.compile(r"^[\s\-_=–]+$")
_NUMBERS = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$")


@dataclass(frozen=True)
class SummaryRow:
    area: str  # as printed in the table
    parent: str | None
    values: tuple  # grade label, or GradeCount tuple
    line: int


def canonical_grade(word: str) -> str | None:
    for g in GRADE_WORDS:
        if word.strip().lower() == g.lower():
            return g
    return None


def _grade_words_in(text: str) -> int:
    return sum(1 for g in GRADE_WORDS if re.search(rf"\b{g}\b", text, re.I))


def _lines(doc: Document, span: Span) -> list[Line]:
    return [ln for ln in doc.lines
            if span.start <= ln.number <= span.end and ln.text.strip() and not ln.furniture]


def _grade_at_start(text: str) -> str | None:
    t = text.strip()
    m = _GRADE_AT_START.match(t)
    if not m or _grade_words_in(t.replace("\t", " ")) > 1:
        return None  # 'Excellent<tab>Good<tab>Fair<tab>Poor' is the distribution's header
    return canonical_grade(m.group(1))


def section_grade(doc: Document, header: Section) -> tuple[str, int] | None:
    """The grade printed in an area's header block, with its line, or None."""
    lines = _lines(doc, header.span)
    for i, ln in enumerate(lines):
        m = _GRADE_LABEL.match(ln.text)
        if m and not re.match(r"^\s*grade\s+distribution", ln.text, re.I):
            rest = m.group(1)
            if rest.strip():
                grade = _grade_at_start(rest)
                if grade:
                    return grade, ln.number
            for nxt in lines[i + 1:i + 4]:
                if _UNDERLINE.match(nxt.text):
                    continue
                grade = _grade_at_start(nxt.text)
                return (grade, nxt.number) if grade else None
            return None
    # No 'GRADE' label: a grade word alone on a line, in capitals as the template prints it.
    for ln in lines[1:]:
        t = ln.text.strip()
        if t.isupper() and canonical_grade(t):
            return canonical_grade(t), ln.number
    return None


def section_distribution(doc: Document, header: Section) -> tuple[list[GradeCount], int] | None:
    """The national grade distribution printed under an area heading (header row + counts)."""
    lines = _lines(doc, header.span)
    order = list(GRADE_WORDS)
    for ln in lines:
        if _grade_words_in(ln.text) >= 3 and not _GRADE_LABEL.match(ln.text):
            order = [canonical_grade(w) for w in re.findall(r"[A-Za-z]+", ln.text)
                     if canonical_grade(w)] or order
        m = _NUMBERS.match(ln.text.replace("\t", " "))
        if m and len(order) == 4:
            return [GradeCount(g, int(n)) for g, n in zip(order, m.groups())], ln.number
    return None


def _table(doc: Document, sections: list[Section], which: str) -> list[SummaryRow]:
    out: list[SummaryRow] = []
    for sec in sections:
        if sec.kind != "summary-table" or not norm(sec.title).startswith(which):
            continue
        order = list(GRADE_WORDS)
        group: str | None = None
        for row in table_rows(doc, sec.span):
            if norm(row.label) == norm(sec.title):
                continue
            cells = [c for c in row.cells if c]
            if not row.label and _grade_words_in(" ".join(cells)) >= 3:
                order = [canonical_grade(c) or c for c in cells]
                continue
            if not cells or (len(cells) == 1 and cells[0].lower() == "grade"):
                group = row.label  # a framework's header row, not a judgement
                continue
            parent = group if group and norm(group) != norm(row.label) else None
            if which == "national" and len(cells) == 4 and all(c.isdigit() for c in cells):
                out.append(SummaryRow(row.label, parent,
                                      tuple(GradeCount(g, int(c)) for g, c in zip(order, cells)),
                                      row.line))
            elif which == "force" and len(cells) == 1 and canonical_grade(cells[0]):
                out.append(SummaryRow(row.label, parent, (canonical_grade(cells[0]),), row.line))
    return out


def national_summary(doc: Document, sections: list[Section]) -> list[SummaryRow]:
    return _table(doc, sections, "national")


def force_summary(doc: Document, sections: list[Section]) -> list[SummaryRow]:
    return _table(doc, sections, "force")


def _find(rows: list[SummaryRow], area: str) -> SummaryRow | None:
    return next((r for r in rows if norm(r.area) == norm(area)), None)


def extract_judgements(doc: Document, sections: list[Section]) -> tuple[list[Judgement], list[Conflict]]:
    """One judgement per graded area, in document order, plus the conflicts found."""
    force_rows = force_summary(doc, sections)
    national_rows = national_summary(doc, sections)
    judgements: list[Judgement] = []
    conflicts: list[Conflict] = []
    used: set[int] = set()
    for header in (s for s in sections if s.kind == "area" and s.area):
        area = header.area
        printed = section_grade(doc, header)
        dist = section_distribution(doc, header)
        row = _find(force_rows, area)
        nat = _find(national_rows, area)
        if printed is None and row is None and dist is None:
            continue  # an ungraded overview ('Protecting Vulnerable People – Overview')
        sec_grade = printed[0] if printed else None
        sum_grade = row.values[0] if row else None
        summary_span = Span(row.line, row.line) if row else None
        span = Span(header.span.start, printed[1]) if printed else Span(header.span.start,
                                                                      header.span.start)
        judgement = Judgement(area=area, grade=sec_grade or sum_grade, span=span,
                              parent_area=header.parent, section_grade=sec_grade,
                              summary_grade=sum_grade, summary_span=summary_span)
        if sec_grade and sum_grade and sec_grade != sum_grade:
            judgement.grade_conflict = True
            conflicts.append(Conflict(
                "grade", f"{area}: the area section prints {sec_grade}, the force summary table "
                         f"prints {sum_grade}; the section's grade is used", span.union(summary_span)))
        judgement.ungraded = judgement.grade is None
        table_dist = list(nat.values) if nat else []
        if dist:
            judgement.national_distribution = dist[0]
            if table_dist and table_dist != dist[0]:
                conflicts.append(Conflict(
                    "national-distribution",
                    f"{area}: the area section prints {_fmt(dist[0])}, the national summary table "
                    f"prints {_fmt(table_dist)}; the section's counts are used",
                    Span(min(dist[1], nat.line), max(dist[1], nat.line))))
        else:
            judgement.national_distribution = table_dist
        if row:
            used.add(row.line)
        judgements.append(judgement)
    # Areas graded only in the summary table (their section is missing or unrecognised).
    for row in force_rows:
        if row.line in used:
            continue
        nat = _find(national_rows, row.area)
        judgements.append(Judgement(
            area=row.area, grade=row.values[0], span=Span(row.line, row.line),
            parent_area=row.parent, summary_grade=row.values[0],
            summary_span=Span(row.line, row.line),
            national_distribution=list(nat.values) if nat else []))
    return judgements, conflicts


def _fmt(counts: list[GradeCount]) -> str:
    return ", ".join(f"{c.grade} {c.forces}" for c in counts)
