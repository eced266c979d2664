"""PEEL report (effectiveness 2014-2017 style) → Report: metadata, judgements, findings.

Grades: the PDF conversion lost the grade badges, so each question's grade is read from
what survived: a lone grade line ('Requires improvement', 'Ungraded') under a question in
the overall summary or under its 'Summary of findings', or a present-tense grade sentence
('Essex Police is good at tackling ...', 'we judge the force to require improvement in
...'). Past-tense statements ('last year, when we judged the force to require
improvement') describe the earlier inspection and are left to ``recalled``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..ingest.text import normalise_space
from ..layouts.peel import (
    BULLET_GLYPHS,
    GRADE_LINE,
    SUPERSCRIPTS,
    PeelLayout,
    area_of,
    heading_text,
    is_footnote_text,
    lines_in,
    locate,
    match_key,
    plain_text,
    programme_label,
    segment_peel,
    sentences_of,
    split_sentences,
    strip_footnote_markers,
)
from ..model import (
    Conflict,
    ContextFact,
    Document,
    Finding,
    Judgement,
    Line,
    Report,
    ReportInfo,
    Section,
    Span,
)
from .forces import slugify
from .glossary import extract_glossary
from .recalled import extract_recalled
from .report import cover_lines, forces_inspected, isbn, publication_date, report_force

_GRADES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires improvement": "Requires improvement",
    "require improvement": "Requires improvement",
    "requiring improvement": "Requires improvement",
    "inadequate": "Inadequate",
}
# Present-tense grade statements only: 'X is good at', 'X requires improvement in',
# 'we judge the force to be inadequate at', 'we judge the force to require improvement in'.
_GRADE_SENTENCE = re.compile(
    r"\b(?:(?:is|are|remains)\s+(?:(?:judged|assessed|graded)\s+(?:to\s+be\s+|as\s+)?)?(?P<g1>outstanding|good|inadequate)"
    r"|(?P<g2>requires\s+improvement)"
    r"|we\s+(?:judge|assess|grade)\s+(?:the\s+force|it|[A-Z][\w&' ]{2,60}?)\s+(?:to\s+be\s+|as\s+)?"
    r"(?P<g3>outstanding|good|inadequate|to\s+require\s+improvement|requiring\s+improvement))"
    r"\s+(?:at|in|when)\b(?P<topic>[^.;]*)",
    re.I,
)
_PAST_CUE = re.compile(r"\b(?:last year|previous(?:ly)?|in (?:19|20)\d\d|HMIC['’]s (?:19|20)\d\d)\b", re.I)
# The grade's subject: the force by any name ('Essex Police', 'the force', 'It').
_FORCE_SUBJECT = re.compile(r"\b(?:force|constabulary|police|service|it)\s*$", re.I)
_STOPWORDS = set(
    "the and for with its their from that this those who are how does force police effective effectively "
    "at in of to is a an".split()
)
_ASSESSED_BETWEEN = re.compile(
    r"assessed forces? against these questions between (?P<a>[A-Z][a-z]+(?: (?:19|20)\d\d)?) and "
    r"(?P<b>[A-Z][a-z]+ (?:19|20)\d\d)"
)


def grade_label(text: str) -> str | None:
    """'requires improvement' / 'to require improvement' / 'Good' → canonical label; None otherwise."""
    key = normalise_space(re.sub(r"^to\s+", "", text.strip().lower()))
    return _GRADES.get(key)


def _content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z\-]+", text.lower())
    return {w for w in words if w not in _STOPWORDS and len(w) > 2}


def question_topic(question: str) -> str:
    """'How effective is the force at tackling X?' → 'tackling X'."""
    m = re.search(r"\bforce(?:'s)?\s+(?:at\s+|in\s+)?(.*?)\??$", question)
    return m.group(1) if m else question


def topic_overlap(question: str, topic: str) -> float:
    want = _content_words(question_topic(question))
    if not want:
        return 0.0
    return len(want & _content_words(topic)) / len(want)


def grade_statement(sentence: str) -> tuple[str, str] | None:
    """(grade, topic) of a present-tense grade sentence about the force, else None.

    The force must be the subject ('Essex Police is good at', 'The force requires
    improvement in', 'we judge the force to ...'): 'Most forces are good at ...' is not a
    grade of this force, nor is a clause about last year or an earlier report.
    """
    text = strip_footnote_markers(sentence)
    for m in _GRADE_SENTENCE.finditer(text):
        clause = re.split(r"[,;:–—]", text[: m.start()])[-1]
        if _PAST_CUE.search(clause):
            continue
        if not m.group("g3") and not _FORCE_SUBJECT.search(clause):
            continue
        grade = grade_label(m.group("g1") or m.group("g2") or m.group("g3"))
        if grade:
            return grade, m.group("topic")
    return None


# --- metadata -------------------------------------------------------------------------


def report_info(doc: Document, layout: PeelLayout, sections: list[Section]) -> ReportInfo:
    tm = layout.title_match
    pillar = tm.group("pillar").lower()
    theme = (tm.group("theme") or tm.group("theme_after") or "").strip().lower() or None
    programme_year = int(tm.group("year"))
    label = programme_label(pillar, theme, programme_year)
    programme = "-".join(p for p in ("peel", pillar, slugify(theme) if theme else "", str(programme_year)) if p)
    cover = cover_lines(doc)
    force = report_force(doc, cover)
    published = publication_date(cover)
    printed_isbn = isbn(cover)
    period = None
    for section in sections:
        for para in section.paragraphs:
            pm = _ASSESSED_BETWEEN.search(para.text)
            if pm and period is None:
                period = f"{pm.group('a')} to {pm.group('b')}"
    printed = [layout.title.number] + [
        sp.start for sp in (force.span, published.span if published else None, printed_isbn[1] if printed_isbn else None) if sp
    ]
    inspected = forces_inspected(doc)
    return ReportInfo(
        title=normalise_space(layout.title.text),
        force_name=force.name,
        force_id=force.force_id,
        programme=programme,
        programme_label=label,
        # Without a printed date, PEEL reports come out the year after their programme year.
        year=published.year if published else programme_year + 1,
        month=published.month if published else None,
        day=published.day if published else None,
        span=Span(min(printed), max(printed)),
        isbn=printed_isbn[0] if printed_isbn else None,
        assessment_period=period,
        forces_inspected=inspected[0] if inspected else None,
        forces_inspected_span=inspected[1] if inspected else None,
        # Pillar (and theme): a force's legitimacy and leadership reports share a month.
        series="-".join(p for p in (pillar, slugify(theme) if theme else "") if p),
    )


# --- judgements -----------------------------------------------------------------------


def _grade_after_question(doc: Document, section: Section, question: str) -> tuple[str | None, Span] | None:
    """In the overall summary: the question line, then its grade on the same or next line."""
    key = match_key(question)
    paras = section.paragraphs
    for i, para in enumerate(paras):
        text = heading_text(para.text)
        if not match_key(text).startswith(key):
            continue
        rest = text[len(question):].strip() if text.startswith(question) else ""
        if GRADE_LINE.match(rest):
            return _as_grade(rest), para.span
        if i + 1 < len(paras) and GRADE_LINE.match(heading_text(paras[i + 1].text)):
            return _as_grade(heading_text(paras[i + 1].text)), paras[i + 1].span
        return None
    return None


def _as_grade(text: str) -> str | None:
    """Grade label for a lone grade line; None for 'Ungraded'."""
    return grade_label(text)


def _grade_in_prose(
    doc: Document, sections: list[Section], question: str, need_topic: bool
) -> tuple[str, Span] | None:
    for sentence in sentences_of(doc, sections):
        found = grade_statement(sentence.text)
        if found and (not need_topic or topic_overlap(question, found[1]) >= 0.6):
            return found[0], sentence.span
    return None


def _grade_line(sections: list[Section]) -> tuple[str | None, Span] | None:
    """A lone grade line ('Good', 'Ungraded'): the text the PDF kept of a grade badge."""
    for section in sections:
        for para in section.paragraphs:
            text = heading_text(para.text)
            if GRADE_LINE.match(text):
                return _as_grade(text), para.span
    return None


def _summary_grade(doc: Document, summaries: list[Section], question: str) -> tuple[str | None, Span] | None:
    return _grade_line(summaries) or _grade_in_prose(doc, summaries, question, need_topic=False)


def judgements(doc: Document, layout: PeelLayout, sections: list[Section]) -> tuple[list[Judgement], list[Conflict]]:
    """The overall judgement and one per core question, plus section/summary disagreements."""
    out: list[Judgement] = []
    conflicts: list[Conflict] = []
    overview = [s for s in sections if s.kind in {"overview", "overall-judgement", "overall-summary"}]
    judged = [s for s in overview if s.kind == "overall-judgement"] or overview
    if layout.overall_question:
        # A lone grade line counts only under 'Overall judgment': the overall summary's
        # lone grades belong to the questions listed there.
        badge = _grade_line([s for s in judged if s.kind == "overall-judgement"])
        found = badge or _grade_in_prose(doc, judged, layout.overall_question, need_topic=True)
        if found and found[0]:
            out.append(Judgement(area=layout.overall_question, grade=found[0], span=found[1], overall=True))
    summary_block = [s for s in overview if s.kind == "overall-summary"]
    for question in layout.questions:
        in_question = [s for s in sections if area_of(s) == question]
        from_section = _summary_grade(doc, [s for s in in_question if s.kind == "summary"], question)
        from_overview = None
        for block in summary_block:
            from_overview = _grade_after_question(doc, block, question)
            if from_overview:
                break
        if from_overview is None:
            from_overview = _grade_in_prose(doc, overview, question, need_topic=True)
        if from_section is None and from_overview is None:
            # Last resort: 'we judge the force to require improvement in how it ...'
            from_section = _grade_in_prose(doc, in_question, question, need_topic=True)
        if from_section is None and from_overview is None:
            continue
        chosen = from_section or from_overview
        assert chosen is not None
        section_grade = from_section[0] if from_section else None
        summary_grade = from_overview[0] if from_overview else None
        conflict = bool(from_section and from_overview and section_grade != summary_grade)
        out.append(
            Judgement(
                area=question,
                grade=chosen[0],
                span=chosen[1],
                section_grade=section_grade,
                summary_grade=summary_grade,
                grade_conflict=conflict,
                summary_span=from_overview[1] if from_overview else None,
                ungraded=chosen[0] is None,
            )
        )
        if conflict and from_section and from_overview:
            conflicts.append(
                Conflict(
                    "grade",
                    f"{question}: its summary of findings says {section_grade or 'Ungraded'}, the overall "
                    f"summary says {summary_grade or 'Ungraded'}; the summary of findings is used",
                    from_section[1].union(from_overview[1]),
                )
            )
    return out, conflicts


# --- findings -------------------------------------------------------------------------

_ITEM_START = re.compile(
    rf"^\s*(?:[{BULLET_GLYPHS}]|[-–—](?=\s)|(?P<num>\d{{1,2}})[.)](?=\s))\s*(?:(?P<num2>\d{{1,2}})[.)]\s+)?"
)
# A sub-item under 'The force should:' — any bullet, or the 'o' that Word lists print.
_SUB_ITEM = re.compile(rf"^\s*(?:[{BULLET_GLYPHS}]|[-–—o](?=\s)|\d{{1,2}}[.)](?=\s)|[a-z][.)](?=\s))\s*")
# An unbulleted paragraph after the bullets is one more finding only if it asks for change.
_ASKS_FOR_CHANGE = re.compile(r"\b(?:should|must|needs? to|ought to)\b", re.I)
_PLAIN_FOOTNOTE = re.compile(r"^\d{1,3}\s+[A-Z]")
_LEAD_IN = re.compile(r"^(?:To address (?:this|these) causes? of concern|HMIC recommends|We recommend)\b", re.I)
_GLUED_MARKER = re.compile(r"(?<=[a-z)’'])\d{1,2}\b(?![.,]\d)")
_TRAILING_MARKER = re.compile(r"(?<=[.;:!?])\s?\d{1,2}(?=\s|$)")


def clean_finding_text(text: str) -> str:
    """Finding words without footnote markers ('victims¹⁹', 'victims.15'), spaces normalised."""
    text = _GLUED_MARKER.sub("", plain_text(text))
    return normalise_space(_TRAILING_MARKER.sub("", text))


@dataclass
class _Item:
    lines: list[Line]
    number: int | None
    bullet: bool
    marker: str = ""  # '•', '-', '#' for numbered: a different marker after a colon is a sub-item
    sub_items: set[int] = field(default_factory=set)  # line numbers that open a sub-item

    def text(self) -> str:
        parts = [_ITEM_START.sub("", self.lines[0].text, count=1)] + [
            _SUB_ITEM.sub("", ln.text, count=1) if ln.number in self.sub_items else ln.text for ln in self.lines[1:]
        ]
        # A list item's joining '; and' belongs to the list, not to the finding.
        return re.sub(r"\s*[;,]\s*(?:and|or)?$", "", clean_finding_text(" ".join(parts)))

    def text_so_far(self) -> str:
        return " ".join(ln.text for ln in self.lines)

    def span(self) -> Span:
        return Span(self.lines[0].number, self.lines[-1].number)


def _ends_sentence(text: str) -> bool:
    return bool(re.search(r"[.!?]['’\"”)]?\s*$", clean_finding_text(text)))


def list_items(doc: Document, section: Section) -> tuple[list[_Item], list[_Item]]:
    """(prose paragraphs, bulleted items) of a findings box, footnotes and page breaks skipped.

    A bullet runs on over wrapped lines (indented or not) and over page breaks: a footnote
    paragraph in between is skipped, and text resuming in lower case continues the bullet.
    """
    prose: list[_Item] = []
    items: list[_Item] = []
    current: _Item | None = None
    in_footnote = False
    paragraph_start = True
    for ln in lines_in(doc, section.span)[1:]:  # the heading line is not an item
        if ln.furniture:
            continue
        stripped = ln.text.strip()
        if not stripped:
            in_footnote = False
            paragraph_start = True
            continue
        starts_paragraph, paragraph_start = paragraph_start, False
        if in_footnote or is_footnote_text(stripped) or stripped in {"-", "_", "–"} or (
            starts_paragraph and _PLAIN_FOOTNOTE.match(stripped) and not _ITEM_START.match(stripped)
        ):
            in_footnote = stripped not in {"-", "_", "–"}
            continue
        m = _ITEM_START.match(ln.text)
        if current is not None and current.bullet and _SUB_ITEM.match(ln.text):
            marker = "#" if m and (m.group("num2") or m.group("num")) else stripped[0]
            # 'The force should:' then '◦ do x;' / 'o do y.': parts of one finding.
            in_sub_list = bool(current.sub_items) or clean_finding_text(current.text_so_far()).endswith(":")
            if in_sub_list and marker != current.marker:
                current.lines.append(ln)
                current.sub_items.add(ln.number)
                continue
        if m and _ITEM_START.sub("", ln.text, count=1).strip():
            num = m.group("num2") or m.group("num")
            current = _Item([ln], int(num) if num else None, bullet=True, marker="#" if num else stripped[0])
            items.append(current)
            continue
        continues = current is not None and (
            not starts_paragraph or stripped[:1].islower() or not _ends_sentence(current.text_so_far())
        )
        if continues and current is not None:
            current.lines.append(ln)
        elif items and not _ASKS_FOR_CHANGE.search(stripped):
            break  # prose after the list is not part of it
        else:
            current = _Item([ln], None, bullet=False)
            (items if items else prose).append(current)
    return prose, items


def findings(doc: Document, sections: list[Section]) -> list[Finding]:
    out: list[Finding] = []
    cause_area: str | None = None
    for section in sections:
        area = area_of(section) or section.title
        if section.kind == "areas-for-improvement":
            prose, items = list_items(doc, section)
            for item in items or prose:
                # '- 1. The force should ...': the printed number is kept (the RDF states
                # hmic:recommendationNumber for recommendations only).
                out.append(Finding("area-for-improvement", area, item.text(), item.span(), number=item.number))
        elif section.kind == "cause-of-concern":
            prose, items = list_items(doc, section)
            causes = [p for p in prose if not _LEAD_IN.match(p.text())]
            if causes:
                span = Span.covering([c.span() for c in causes])
                text = normalise_space(" ".join(c.text() for c in causes))
                out.append(Finding("cause-of-concern", area, text, span))
            cause_area = area
            out.extend(_recommendations(items, area))
        elif section.kind == "recommendations" and cause_area is not None:
            _, items = list_items(doc, section)
            out.extend(_recommendations(items, cause_area))
        if section.kind not in {"cause-of-concern", "recommendations"}:
            cause_area = None
    counters: dict[str, int] = {}
    for f in out:
        counters[f.kind] = counters.get(f.kind, 0) + 1
        f.ordinal = counters[f.kind]
    return out


def _recommendations(items: list[_Item], area: str) -> list[Finding]:
    return [Finding("recommendation", area, it.text(), it.span(), number=it.number) for it in items]


# --- force in numbers ----------------------------------------------------------------

_VALUE_CELL = re.compile(r"^-?\d[\d,]*(?:\.\d+)?%?$")


def force_in_numbers(doc: Document, sections: list[Section]) -> list[ContextFact]:
    """Figures of the 'Force in numbers' page that survived conversion as table rows.

    The page prints its labels first, then one 'force<TAB>England and Wales' header and a
    'value<TAB>value' row per label (graphics lost the rest): the last n labels before n
    value rows are theirs.
    """
    section = next((s for s in sections if s.kind == "force-in-numbers"), None)
    if section is None:
        return []
    facts: list[ContextFact] = []
    labels: list[Line] = []
    rows: list[tuple[list[str], Line]] = []
    header: list[str] = []

    def flush() -> None:
        for label, (cells, row) in zip(labels[-len(rows):] if rows else [], rows):
            name = plain_text(label.text).rstrip("*")
            unit = "%" if cells[0].endswith("%") else None
            text = f"{name}: " + ", ".join(f"{h} {c}" for h, c in zip(header, cells))
            value = float(cells[0].rstrip("%").replace(",", ""))
            facts.append(ContextFact(name, value, unit, text, Span(label.number, row.number)))
        rows.clear()

    for ln in lines_in(doc, section.span)[1:]:
        if ln.furniture:
            continue
        stripped = ln.text.strip()
        if not stripped or is_footnote_text(stripped) or stripped.startswith("*"):
            continue
        cells = [c.strip() for c in stripped.split("\t") if c.strip()]
        if len(cells) >= 2 and all(_VALUE_CELL.match(c) for c in cells):
            if header:
                rows.append((cells, ln))
        elif len(cells) >= 2:
            header = cells
        else:
            if rows:
                flush()
                labels = []
            labels.append(ln)
    flush()
    return facts


# --- entry point ----------------------------------------------------------------------


def extract_peel(doc: Document) -> Report:
    """A PEEL report Document → Report; raises HmicError on a malformed cover."""
    layout = segment_peel(doc)
    sections = layout.sections
    info = report_info(doc, layout, sections)
    report = Report(document=doc, info=info, sections=sections)
    report.judgements, report.conflicts = judgements(doc, layout, sections)
    report.findings = findings(doc, sections)
    report.facts = force_in_numbers(doc, sections)
    report.glossary = extract_glossary(doc, sections)
    report.earlier, report.recalled = extract_recalled(doc, info, sections, layout.overall_question)
    return report


__all__ = ["extract_peel", "grade_label", "split_sentences", "locate", "SUPERSCRIPTS"]
