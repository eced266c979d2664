"""Segment a PEEL report (effectiveness 2014-2017 style) into titled sections.

The PEEL template prints: a cover (title, 'An inspection of <force>', month, ISBN), a
contents page, an introduction that lists the 'core' questions, an overview with the
overall judgement, then one part per core question with its sub-questions, a 'Summary of
findings', and 'Areas for improvement' / 'Cause of concern' boxes, then next steps and
annexes. Headings are lone lines; the PDF conversion lost the grade badges and left
footnote text in the middle of paragraphs.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from ..ingest.text import SUPERSCRIPT_DIGITS, normalise_space, paragraphs, sentence_ends
from ..model import Document, HmicError, Line, Paragraph, Section, Span

SUPERSCRIPTS = SUPERSCRIPT_DIGITS
_SUPERSCRIPT_RUN = re.compile(rf"\s*[{SUPERSCRIPTS}]+(?:\s*,\s*[{SUPERSCRIPTS}]+)*")
_LATEX_SUPERSCRIPT = re.compile(r"\^\{\s*[0-9*,\s]+\}")
# Any superscript: most text has none, and one scan for it is far cheaper than the run's
# leading \s* tried at every character.
_ANY_SUPERSCRIPT = re.compile(rf"[{SUPERSCRIPTS}]")

# 'PEEL: Police effectiveness 2016', '... (vulnerability) 2015' or '... 2015 (Vulnerability)',
# with or without '– An inspection of <force>' on the same line.
TITLE = re.compile(
    r"^PEEL:\s*Police\s+(?P<pillar>effectiveness|efficiency|legitimacy|leadership)"
    r"(?:\s*\((?P<theme>[^)]+)\))?\s+(?P<year>(?:19|20)\d\d)(?:\s*\((?P<theme_after>[^)]+)\))?"
    r"(?:\s*[–—-]\s*An inspection of\b.*)?\s*$",
    re.I,
)


def programme_label(pillar: str, theme: str | None, year: int) -> str:
    """'PEEL: Police effectiveness (vulnerability) 2015': one spelling for every PEEL label."""
    return f"PEEL: Police {pillar.lower()}" + (f" ({theme.lower()})" if theme else "") + f" {year}"


_CONTENTS = re.compile(r"^\s*Contents\s*$", re.I)
_TOC_PAGE = re.compile(r"[\s.?]*\d{1,3}\s*$")
# A numbered list item in the introduction: '- 1. How effective ...?' or '1. How ...?'
_NUMBERED_QUESTION = re.compile(r"^\s*(?:[-•–]\s*)?\d{1,2}[.)]\s+(?P<q>\S.*\?)\s*$")
_MAIN_QUESTION_FALLBACK = re.compile(
    r"^(?:How (?:effective|efficient|legitimate|well) (?:is|are) the force(?:'s)?"
    r" (?:at|in|specialist)\b|To what extent does the force\b)",
    re.I,
)
_SUB_QUESTION_FALLBACK = re.compile(r"^How (?:effective(?:ly)?|much|well prepared|well does the force)\b", re.I)
# Bullet glyphs as PDF converters print them ('\uf0b7' is the Symbol font's bullet).
BULLET_GLYPHS = "•●▪◦·‣⁃➢\uf0b7\uf0a7\uf076"
_BULLET = re.compile(rf"^\s*(?:[{BULLET_GLYPHS}]|[-–—](?=\s)|\d{{1,2}}[.)](?=\s))")

GRADE_LINE = re.compile(r"^(Outstanding|Good|Requires improvement|Inadequate|Ungraded)$", re.I)

# Headings the template prints with fixed wording; value = section kind.
_FIXED_HEADINGS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Introduction$", re.I), "introduction"),
    (re.compile(r"^Force in numbers$", re.I), "force-in-numbers"),
    (re.compile(r"^Overview\b", re.I), "overview"),
    (re.compile(r"^Overall judge?ment$", re.I), "overall-judgement"),
    (re.compile(r"^Overall summary$", re.I), "overall-summary"),
    (re.compile(r"^Summary of findings$", re.I), "summary"),
    (re.compile(r"^Areas? for improvement$", re.I), "areas-for-improvement"),
    (re.compile(r"^Causes? of concern$", re.I), "cause-of-concern"),
    (re.compile(r"^Recommendations?$", re.I), "recommendations"),
    (re.compile(r"^Next steps$", re.I), "next-steps"),
    (re.compile(r"^Annex\s+[A-Z]\b", re.I), "annex"),
    (re.compile(r"^Glossary$", re.I), "glossary"),
]
# Kinds that begin a new top-level part (they end the current core question).
TOP_LEVEL = {"introduction", "force-in-numbers", "overview", "question", "next-steps", "annex", "glossary"}


@dataclass
class PeelLayout:
    """What the layout found: cover title, contents span, core questions and sections."""

    title: Line
    title_match: re.Match[str]
    contents: Span | None
    overall_question: str | None
    questions: list[str]
    sections: list[Section] = field(default_factory=list)


def lines_in(doc: Document, span: Span) -> list[Line]:
    """The document's lines numbered within ``span`` (lines are kept in number order)."""
    lo = bisect_left(doc.lines, span.start, key=lambda ln: ln.number)
    hi = bisect_right(doc.lines, span.end, key=lambda ln: ln.number)
    return doc.lines[lo:hi]


def strip_footnote_markers(text: str) -> str:
    """Remove superscript footnote markers ('report⁷', 'victims¹⁹, ²⁰', '^{35}')."""
    text = _LATEX_SUPERSCRIPT.sub("", text)
    return _SUPERSCRIPT_RUN.sub("", text) if _ANY_SUPERSCRIPT.search(text) else text


_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")


def plain_text(text: str) -> str:
    """Words as a reader sees them: no footnote markers, no '*italic*' marks, spaces normalised."""
    return normalise_space(_EMPHASIS.sub(r"\1", strip_footnote_markers(text)))


def heading_text(text: str) -> str:
    return normalise_space(strip_footnote_markers(text))


def match_key(text: str) -> str:
    """Letters only, lower case, ASCII: survives the contents page's spacing and tab damage."""
    folded = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z]", "", folded.lower())


def is_footnote_text(text: str) -> bool:
    """A footnote body line: starts with a superscript number (or '⁻' list dash)."""
    s = text.lstrip()
    return bool(s) and (s[0] in SUPERSCRIPTS or s[0] == "⁻" or s.startswith("^{"))


def _blocks(doc: Document) -> list[tuple[Paragraph, Line]]:
    """Each paragraph with its first raw line (tabs intact: a tab marks a table row)."""
    by_number = {ln.number: ln for ln in doc.lines}
    return [(p, by_number[p.span.start]) for p in paragraphs(doc.lines)]


def _is_heading_candidate(text: str) -> bool:
    t = heading_text(text)
    return (
        0 < len(t) <= 220
        and "\t" not in text
        and t[0].isupper()
        and not t.endswith((".", ",", ";", ":"))
        and not _BULLET.match(t)
        and not is_footnote_text(text)
    )


def _title(doc: Document) -> tuple[Line, re.Match[str]]:
    for ln in [ln for ln in doc.lines if ln.text.strip()][:40]:
        m = TITLE.match(normalise_space(ln.text))
        if m:
            return ln, m
    raise HmicError(doc.source, "PEEL report without a 'PEEL: Police <pillar> <year>' title on its cover")


def _contents(lines: list[Line], after: int) -> tuple[Span | None, list[str]]:
    """The contents page: its span and its entries (page numbers stripped).

    It ends where the body begins: the first lone line equal to the first entry.
    """
    start = next((ln for ln in lines if ln.number > after and _CONTENTS.match(ln.text)), None)
    if start is None or start.number - after > 60:
        return None, []
    entries: list[tuple[Line, str]] = []
    for ln in lines:
        if ln.number <= start.number or not ln.text.strip():
            continue
        entry = normalise_space(_TOC_PAGE.sub("", ln.text.replace("\t", " ")))
        if entries and match_key(entry) == match_key(entries[0][1]) and "\t" not in ln.text:
            last = max(e.number for e, _ in entries)
            return Span(start.number, last), [e for _, e in entries]
        if entry:
            entries.append((ln, entry))
        if len(entries) > 200:
            break
    return None, []


def _core_questions(doc: Document, blocks: list[tuple[Paragraph, Line]], after: int) -> list[str]:
    """The numbered list of core questions in the introduction, as printed."""
    for para, first in blocks:
        if first.number <= after or not _NUMBERED_QUESTION.match(first.text):
            continue
        lines = [ln for ln in lines_in(doc, para.span) if ln.text.strip()]
        found = [m.group("q") for ln in lines if (m := _NUMBERED_QUESTION.match(ln.text))]
        if len(found) >= 2 and len(found) == len(lines):
            return [normalise_space(q) for q in found]
    return []


def _toc_match(heading_key: str, toc: list[SequenceMatcher[str]]) -> bool:
    """Is the heading a contents entry? ``toc`` holds one matcher per entry key (as seq2)."""
    for matcher in toc:
        key = matcher.b
        probe = heading_key[: len(key) + 3] if len(key) < len(heading_key) else heading_key
        if probe == key:
            return True
        matcher.set_seq1(probe)
        # Cheap upper bounds first: most headings are nowhere near any entry.
        if matcher.real_quick_ratio() >= 0.9 and matcher.quick_ratio() >= 0.9 and matcher.ratio() >= 0.9:
            return True
    return False


def _classify(
    blocks: list[tuple[Paragraph, Line]], body_start: int, questions: list[str], toc_entries: list[str]
) -> list[tuple[int, str, str]]:
    """(line number, kind, title) of each heading that starts a section."""
    question_keys = {match_key(q): q for q in questions}
    toc_keys = [match_key(e) for e in toc_entries if match_key(e) not in question_keys]
    # Entries too short to match safely ('Summary') are left out.
    toc = [SequenceMatcher(None, "", key, autojunk=False) for key in toc_keys if len(key) >= 12]
    headings: list[tuple[int, str, str]] = []

    def is_core_question(text: str) -> bool:
        return match_key(text) in question_keys or (not questions and bool(_MAIN_QUESTION_FALLBACK.match(text)))

    def starts_with_core_question(text: str) -> bool:  # 'How effective ...? Ungraded'
        key = match_key(text)
        return any(key.startswith(k) for k in question_keys) or (not questions and bool(_MAIN_QUESTION_FALLBACK.match(text)))

    in_question = False
    in_annexes = False
    for i, (para, first) in enumerate(blocks):
        one_line = para.span.start == para.span.end
        if first.number < body_start or not one_line or not _is_heading_candidate(first.text):
            continue
        title = heading_text(first.text)
        key = match_key(title)
        kind = next((k for rx, k in _FIXED_HEADINGS if rx.search(title)), None)
        if in_annexes:
            # Annexes reuse body headings ('Force in numbers') as their own sub-headings.
            if kind in {"annex", "glossary"}:
                headings.append((first.number, kind, title))
            continue
        if kind is None and is_core_question(title):
            # The overview lists the core questions too, each followed by its grade or by
            # the next question: only a question followed by prose starts its part.
            nxt_text = heading_text(blocks[i + 1][0].text) if i + 1 < len(blocks) else ""
            if not nxt_text or GRADE_LINE.match(nxt_text) or starts_with_core_question(nxt_text):
                continue
            kind = "question"
            title = question_keys.get(key, title)
        if kind is None and in_question:
            listed = _toc_match(key, toc) if toc_keys else bool(_SUB_QUESTION_FALLBACK.match(title))
            if listed:
                kind = "sub-question" if title.endswith("?") else "sub-section"
        if kind is None:
            continue
        if kind in TOP_LEVEL:
            in_question = kind == "question"
            in_annexes = kind in {"annex", "glossary"}
        headings.append((first.number, kind, title))
    return headings


def rejoin_across_footnotes(paras: list[Paragraph]) -> list[Paragraph]:
    """Re-join a sentence that a page's footnotes cut in two.

    'takes into account' / '¹⁰ Guidance on ...' / 'quantitative and ...' becomes one
    paragraph spanning the footnote (its text kept apart as its own paragraph).
    """
    out: list[Paragraph] = []
    i = 0
    while i < len(paras):
        para = paras[i]
        j = i + 1
        notes: list[Paragraph] = []
        while j < len(paras) and _is_interruption(paras[j].text):
            notes.append(paras[j])
            j += 1
        if (
            notes
            and j < len(paras)
            and paras[j].text[:1].islower()
            and not re.search(r"[.:;!?]['’\"”)]?\s*$", strip_footnote_markers(para.text))
        ):
            joined = Paragraph(para.text + " " + paras[j].text, Span(para.span.start, paras[j].span.end))
            paras = paras[:j] + [joined] + paras[j + 1:]
            i = j  # the joined paragraph may itself be interrupted again
            # What cut the sentence sits at the page's foot: a footnote (plain-numbered
            # ones included, which only this position tells apart) or its lone URL.
            out.extend(replace(n, footnote=n.text.strip() not in _DEBRIS) for n in notes)
            continue
        out.append(para)
        i += 1
    return sorted(out, key=lambda p: (p.span.start, p.span.end))


_DEBRIS = {"-", "_", "–"}  # stray marks the PDF left at a page's foot
_FOOTNOTE_URL = re.compile(r"^(?:\$\\underline\{)?www\.|^<u>")


def _is_interruption(text: str) -> bool:
    """Footnote text, a stray '-' or '_' left by the PDF, or a lone footnote URL."""
    t = text.strip()
    # HMIC style spells out a number opening a sentence: '7 PEEL: ...' is a footnote.
    plain_footnote = bool(re.match(r"^\d{1,3}\s+[A-Z*]", t))
    return is_footnote_text(t) or plain_footnote or t in _DEBRIS or bool(_FOOTNOTE_URL.match(t))


def mark_footnotes(paras: list[Paragraph]) -> list[Paragraph]:
    """Flag footnote paragraphs: a note mark ('⁷ ...', '⁻ Pursue ...'), or a lone URL
    right after a footnote (its continuation). Plain-numbered footnotes are flagged only
    where they cut a sentence (rejoin_across_footnotes): elsewhere '1 January 2016, ...'
    may be body text."""
    out: list[Paragraph] = []
    for para in paras:
        t = para.text.strip()
        after_note = bool(out) and out[-1].footnote and bool(_FOOTNOTE_URL.match(t))
        out.append(replace(para, footnote=True) if is_footnote_text(t) or after_note else para)
    return out


def segment_peel(doc: Document) -> PeelLayout:
    """Document → PeelLayout; raises HmicError when the PEEL cover is missing."""
    title, title_match = _title(doc)
    contents, toc_entries = _contents(doc.lines, title.number)
    body_start = (contents.end + 1) if contents else title.number + 1
    blocks = _blocks(doc)
    questions = _core_questions(doc, blocks, body_start)
    headings = _classify(blocks, body_start, questions, toc_entries)
    if not questions:
        questions = [t for _, k, t in headings if k == "question"]
    overview = next((t for _, k, t in headings if k == "overview"), None)
    overall_question = overview_question(overview) if overview else None
    sections = _sections(doc, contents, body_start, headings, overall_question or None)
    return PeelLayout(
        title=title,
        title_match=title_match,
        contents=contents,
        overall_question=overall_question or None,
        questions=questions,
        sections=sections,
    )


def _sections(
    doc: Document,
    contents: Span | None,
    body_start: int,
    headings: list[tuple[int, str, str]],
    overall_question: str | None,
) -> list[Section]:
    last_line = doc.lines[-1].number if doc.lines else 1
    starts: list[tuple[int, str, str]] = []
    first_heading = headings[0][0] if headings else last_line + 1
    # Without a contents page the cover runs up to the first heading.
    cover_end = (contents.start - 1) if contents else first_heading - 1
    if cover_end >= 1:
        starts.append((1, "cover", "Cover"))
    if contents and first_heading > body_start:
        starts.append((body_start, "front-matter", "Front matter"))
    starts.extend(headings)
    sections: list[Section] = []
    parent: str | None = None
    for idx, (start, kind, title) in enumerate(starts):
        if kind == "cover":
            end = cover_end
        else:
            end = starts[idx + 1][0] - 1 if idx + 1 < len(starts) else last_line
        if kind in TOP_LEVEL:
            parent = title if kind == "question" else (overall_question if kind == "overview" else None)
        lines = lines_in(doc, Span(start, max(start, end)))
        content = [ln for ln in lines if ln.text.strip() and not ln.furniture]
        if not content:
            continue
        span = Span(content[0].number, content[-1].number)
        section = Section(
            title=title,
            kind=kind,
            span=span,
            paragraphs=mark_footnotes(rejoin_across_footnotes(paragraphs(lines))),
            parent=None if kind in TOP_LEVEL else parent,
        )
        section.area = area_of(section)  # the PEEL question this part belongs to
        sections.append(section)
    return sections


def overview_question(title: str) -> str | None:
    """'Overview – How effective is the force at ...?' → the overall question."""
    return re.sub(r"^Overview\s*[–—:-]?\s*", "", title) or None


def area_of(section: Section) -> str | None:
    """The PEEL question a section belongs to (its own title for a core question)."""
    if section.kind == "question":
        return section.title
    if section.kind == "overview":
        return overview_question(section.title)
    return section.parent


# --- sentences with their lines ----------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])['’\"”)]?\s+(?=[A-Z‘'\"“(])")
_SENTENCE_MARK = re.compile(r"[.!?]")  # what _SENTENCE_END's lookbehind needs before it


@dataclass(frozen=True)
class Sentence:
    """One sentence of a section's paragraph, with the lines it stands on."""

    text: str
    span: Span
    section: Section
    paragraph: int  # index of its paragraph in section.paragraphs


def split_sentences(text: str) -> list[str]:
    """_SENTENCE_END.split(text) without its blank pieces."""
    pieces, start = [], 0
    for m in sentence_ends(_SENTENCE_END, _SENTENCE_MARK, text):
        pieces.append(text[start:m.start()])
        start = m.end()
    pieces.append(text[start:])
    return [s for s in pieces if s.strip()]


def _line_offsets(doc: Document, within: Span) -> tuple[str, list[tuple[int, int]]]:
    """The words of ``within`` joined, and (offset in that text, line number) per line."""
    offsets: list[tuple[int, int]] = []
    joined = ""
    for ln in lines_in(doc, within):
        words = normalise_space(ln.text) if not ln.furniture else ""
        if words:
            offsets.append((len(joined), ln.number))
            joined += words + " "
    return joined, offsets


def _find(joined: str, offsets: list[tuple[int, int]], within: Span, text: str, start: int = 0) -> tuple[Span, int]:
    needle = normalise_space(text)
    pos = joined.find(needle[:60], start)
    if pos < 0:
        return within, start
    end = pos + len(needle) - 1
    # Offsets and line numbers both ascend: the last line starting at or before a position is
    # the highest-numbered one, found by bisection rather than a pass over every line.
    before_pos = bisect_right(offsets, pos, key=_offset)
    before_end = bisect_right(offsets, end, key=_offset)
    first = offsets[before_pos - 1][1] if before_pos else within.start
    last = offsets[before_end - 1][1] if before_end else within.end
    return Span(first, max(first, last)), pos + 1


def _offset(entry: tuple[int, int]) -> int:
    return entry[0]


def locate(doc: Document, within: Span, text: str) -> Span:
    """The lines of ``within`` that hold ``text`` (a piece of the paragraph's words)."""
    joined, offsets = _line_offsets(doc, within)
    return _find(joined, offsets, within, text)[0]


def sentences_of(doc: Document, sections: list[Section], skip_footnotes: bool = False) -> list[Sentence]:
    out: list[Sentence] = []
    for section in sections:
        for i, para in enumerate(section.paragraphs):
            if skip_footnotes and is_footnote_text(para.text):
                continue
            joined, offsets = _line_offsets(doc, para.span)
            cursor = 0
            for s in split_sentences(para.text):
                span, cursor = _find(joined, offsets, para.span, s, cursor)
                out.append(Sentence(s, span, section, i))
    return out
