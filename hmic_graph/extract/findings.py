"""Recommendations and observations of a 2007 report.

Recommendations are printed twice: in the body, under a 'RECOMMENDATION 3' (or unnumbered
'RECOMMENDATION' / 'Recommendation') label inside an area, and again in the closing
'Recommendations' list, which groups sub-areas under one framework heading or has no heading
at all. They become ONE record each: area and ``span`` from the body (where it stands),
``list_span`` from the closing list. A recommendation's text is the paragraph after its label
(a paragraph ending in ':' takes the bullets that follow); when the closing list prints a longer
text that continues the body paragraph, the following body paragraphs are taken as well.

Observations are the paragraphs under 'Strengths', 'Work in progress' and 'Areas for
improvement'. Bullets ('-', '•', '- 1.') not introduced by anything are one observation each;
a bullet list introduced by a paragraph (or a bullet) ending in ':' stays part of that
observation, so every observation reads as a complete statement.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from ..ingest.text import normalise_space, paragraphs
from ..layouts.hmic2007 import HEADING_MAX, TEMPLATE_AREAS, norm
from ..model import Conflict, Document, Finding, Line, Paragraph, Section, Span

LABEL = re.compile(r"^\s*recommendation(?:\s+(\d+))?\s*[:.]?\s*$", re.I)
_FOOTNOTE = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s")
_LIST_HEADING = re.compile(r"recommendations?:?", re.I)
_INLINE = re.compile(r"^\s*recommendation\s+(\d+)\s*[:.–-]\s*(\S.*)$", re.I)
_BULLET = re.compile(r"^(?:[-–]\s+|[•▪●◦]\s*)(?=\S)")
# Words no sentence ends with: prose that stops on one was cut by a page break.
_DANGLING = frozenset("of with the a an and or to for in on by from at into between their its our "
                      "is are was were be been which whose".split())
_SUB_BULLET = re.compile(r"^\s+[-•–▪●◦]\s")
OBSERVATION_KINDS = {
    "strengths": "strength",
    "work-in-progress": "work-in-progress",
    "areas-for-improvement": "area-for-improvement",
}
_BODY_KINDS = {"area", "national-context", "area-context", "strengths", "work-in-progress",
               "areas-for-improvement"}


@dataclass
class _Rec:
    number: int | None
    text: str
    span: Span
    area: str | None = None
    parent: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)  # body paragraphs after the label
    used: int = 1  # how many of them the text takes


def _line_number(line: Line) -> int:
    return line.number


def _section_lines(doc: Document, sec: Section) -> list[Line]:
    """Lines of a section after its heading line (bisected by number: no list of every
    line's number per call)."""
    return doc.lines[bisect_right(doc.lines, sec.span.start, key=_line_number):
                     bisect_right(doc.lines, sec.span.end, key=_line_number)]


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _take(paras: list[Paragraph], first: int) -> int:
    """How many paragraphs from ``first`` form the recommendation.

    A ':' takes the bullets that follow; a dangling last word ('... particularly at') takes the
    paragraph a page break cut off.
    """
    n = 1
    while first + n < len(paras):
        last, nxt = paras[first + n - 1].text.rstrip(), paras[first + n]
        if last.endswith(":") and _BULLET.match(nxt.text):
            n += 1
        elif last.rsplit(None, 1)[-1].lower() in _DANGLING and not _BULLET.match(nxt.text):
            n += 1
        else:
            break
    return n


def body_recommendations(doc: Document, sections: list[Section]) -> list[_Rec]:
    """Recommendations as labelled inside the area sections, in document order."""
    out: list[_Rec] = []
    for sec in sections:
        if sec.kind not in _BODY_KINDS or sec.area is None:
            continue
        lines = _section_lines(doc, sec)
        for i, ln in enumerate(lines):
            if ln.furniture:
                continue
            inline = _INLINE.match(ln.text)
            label = LABEL.match(ln.text)
            if inline:
                text = normalise_space(inline.group(2))
                out.append(_Rec(int(inline.group(1)), text, Span(ln.number, ln.number),
                                sec.area, sec.parent))
                continue
            if not label:
                continue
            rest = lines[i + 1:]
            stop = next((k for k, nxt in enumerate(rest) if LABEL.match(nxt.text)), len(rest))
            paras = paragraphs(rest[:stop])
            if not paras:
                continue
            n = _take(paras, 0)
            rec = _Rec(int(label.group(1)) if label.group(1) else None,
                       " ".join(p.text for p in paras[:n]),
                       Span(ln.number, paras[n - 1].span.end), sec.area, sec.parent, paras, n)
            out.append(rec)
    return out


def closing_list(doc: Document, sections: list[Section]) -> list[_Rec]:
    """Items of the closing list: number (if printed), text, span, group heading."""
    out: list[_Rec] = []
    for sec in sections:
        if sec.kind != "recommendations":
            continue
        group: str | None = None
        pending: tuple[int | None, int] | None = None  # label seen: (number, line)
        for para in paragraphs(_section_lines(doc, sec)):
            label = LABEL.match(para.text)
            if label:
                pending = (int(label.group(1)) if label.group(1) else None, para.span.start)
                continue
            inline = _INLINE.match(para.text)
            if inline:
                out.append(_Rec(int(inline.group(1)), normalise_space(inline.group(2)), para.span,
                                group))
                pending = None
                continue
            is_heading = (para.span.start == para.span.end and len(para.text) <= HEADING_MAX
                          and not para.text.endswith((".", ":", ";")))
            if is_heading and pending is None:
                group = para.text
                continue
            if pending is not None:
                out.append(_Rec(pending[0], para.text, Span(pending[1], para.span.end), group))
                pending = None
            elif out and (para.text[:1].islower() or out[-1].text.endswith(":")
                          or _BULLET.match(para.text)):
                prev = out[-1]
                prev.text += " " + para.text
                prev.span = prev.span.union(para.span)
            else:
                out.append(_Rec(None, para.text, para.span, group))
    return out


def _match(body: list[_Rec], listed: list[_Rec]) -> dict[int, int]:
    """body index → list index: by number, then same text, then continued text, then similarity."""
    pairs: dict[int, int] = {}
    free = set(range(len(listed)))

    def take(bi: int, li: int) -> None:
        pairs[bi] = li
        free.discard(li)

    for bi, b in enumerate(body):
        if b.number is None:
            continue
        li = next((li for li in sorted(free) if listed[li].number == b.number), None)
        if li is not None:
            take(bi, li)
    for bi, b in enumerate(body):
        if bi in pairs:
            continue
        li = next((li for li in sorted(free) if _key(listed[li].text) == _key(b.text)
                   or _key(listed[li].text).startswith(_key(b.text))
                   or _key(b.text).startswith(_key(listed[li].text))), None)
        if li is None:
            scored = []
            for other in sorted(free):
                matcher = difflib.SequenceMatcher(None, _key(b.text), _key(listed[other].text))
                # The quick ratios bound ratio() from above: a pair they put under the threshold
                # cannot be the best one taken, so its costly ratio() is not computed.
                if matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8:
                    scored.append((matcher.ratio(), other))
            best = max(scored, default=(0.0, None))
            li = best[1] if best[0] >= 0.8 else None
        if li is not None:
            take(bi, li)
    return pairs


def _extend_to_list(rec: _Rec, listed_text: str) -> None:
    """Take further body paragraphs while they continue the closing list's longer text."""
    target = _key(listed_text)
    while rec.used < len(rec.paragraphs) and len(_key(rec.text)) < len(target):
        candidate = rec.text + " " + rec.paragraphs[rec.used].text
        if not target.startswith(_key(candidate)) and _key(candidate) != target:
            break
        rec.text = candidate
        rec.span = rec.span.union(rec.paragraphs[rec.used].span)
        rec.used += 1


def _group_area(group: str | None) -> str:
    if group is None:
        return "Recommendations"
    return TEMPLATE_AREAS.get(norm(group), group)


def extract_recommendations(doc: Document, sections: list[Section]) -> tuple[list[Finding], list[Conflict]]:
    """One finding per recommendation, and where the body and the closing list disagree."""
    body = body_recommendations(doc, sections)
    listed = closing_list(doc, sections)
    pairs = _match(body, listed)
    findings: list[Finding] = []
    conflicts: list[Conflict] = []
    for bi, rec in enumerate(body):
        li = pairs.get(bi)
        item = listed[li] if li is not None else None
        if item is not None:
            _extend_to_list(rec, item.text)
            conflicts.extend(_disagreements(rec, item))
        findings.append(Finding(
            kind="recommendation", area=rec.area or _group_area(None), text=rec.text,
            span=rec.span, parent_area=rec.parent,
            number=rec.number if rec.number is not None else (item.number if item else None),
            list_span=item.span if item else None))
    matched = set(pairs.values())
    for li, item in enumerate(listed):
        if li not in matched:  # printed only in the closing list
            findings.append(Finding(kind="recommendation", area=_group_area(item.area),
                                    text=item.text, span=item.span, number=item.number,
                                    list_span=item.span))
    for i, f in enumerate(findings, start=1):
        f.ordinal = i
    return findings, conflicts


def _disagreements(body: _Rec, listed: _Rec) -> list[Conflict]:
    span = body.span.union(listed.span)
    label = f"recommendation {body.number or listed.number or ''}".strip()
    out = []
    if body.number is not None and listed.number is not None and body.number != listed.number:
        out.append(Conflict("recommendation-number", f"{label}: numbered {body.number} in the body, "
                            f"{listed.number} in the closing list", span))
    if _key(body.text) != _key(listed.text):
        out.append(Conflict("recommendation-text", f"{label}: the closing list words it differently "
                            f"('{listed.text}'); the body's words are used", span))
    return out


def recommendation_lines(findings: list[Finding]) -> set[int]:
    """Body lines taken by recommendations (label and text): not observations."""
    out: set[int] = set()
    for f in findings:
        if f.kind == "recommendation":
            out.update(range(f.span.start, f.span.end + 1))
    return out


@dataclass
class _Item:
    text: str
    span: Span
    bullet: int  # 0 prose, 1 bullet, 2 sub-bullet


def _items(lines: list[Line]) -> list[_Item]:
    """Split a section's lines into prose paragraphs and bullet items."""
    items: list[_Item] = []
    content = [ln for ln in lines if ln.text.strip() and not ln.furniture]
    numbers = [ln.number for ln in content]
    for para in paragraphs(lines):
        inside = content[bisect_left(numbers, para.span.start):bisect_right(numbers, para.span.end)]
        current: _Item | None = None
        for ln in inside:
            if not re.search(r"\w", ln.text):
                continue  # an empty bullet ('-' alone on a line) says nothing
            if _SUB_BULLET.match(ln.text):
                kind = 2
            elif _BULLET.match(ln.text):
                kind = 1
            else:
                kind = -1  # continuation
            text = normalise_space(ln.text)
            if kind == -1 and current is not None:
                current.text += " " + text
                current.span = current.span.union(Span(ln.number, ln.number))
                continue
            current = _Item(text, Span(ln.number, ln.number), max(kind, 0))
            items.append(current)
    return _rejoin_dangling(items)


def _rejoin_dangling(items: list[_Item]) -> list[_Item]:
    """Re-join prose cut by a page break after a word no sentence ends with ('... agreed with')."""
    out: list[_Item] = []
    for it in items:
        if out and it.bullet == 0 and out[-1].text.rsplit(None, 1)[-1].lower() in _DANGLING:
            out[-1].text += " " + it.text
            out[-1].span = out[-1].span.union(it.span)
        else:
            out.append(it)
    return out


def _merge(items: list[_Item]) -> list[_Item]:
    """Attach bullets to the paragraph or bullet that introduces them with a ':'.

    List items that lost their markers or their indentation (as PDF text may) still continue
    the introduction's sentence: they start in lower case, which no observation does.
    """
    out: list[_Item] = []
    intro_level: int | None = None  # bullet level of the open introduction, if any
    for it in items:
        attach = out and intro_level is not None and (
            it.bullet == 2 or (it.bullet == 1 and intro_level == 0)
            or _BULLET.sub("", it.text, count=1)[:1].islower())
        if attach:
            out[-1].text += " " + it.text
            out[-1].span = out[-1].span.union(it.span)
            continue
        if it.bullet == 2 and out:  # a stray sub-bullet belongs to the item above it
            out[-1].text += " " + it.text
            out[-1].span = out[-1].span.union(it.span)
            continue
        text = _BULLET.sub("", it.text, count=1).strip() if it.bullet else it.text
        out.append(_Item(text, it.span, it.bullet))
        intro_level = it.bullet if text.endswith(":") else None
    return out


def extract_observations(doc: Document, sections: list[Section],
                         skip_lines: set[int]) -> list[Finding]:
    findings: list[Finding] = []
    for sec in sections:
        kind = OBSERVATION_KINDS.get(sec.kind)
        if kind is None:
            continue
        lines = [ln if ln.number not in skip_lines else Line(ln.number, "", ln.page, False)
                 for ln in _section_lines(doc, sec)]
        for item in _merge(_items(lines)):
            if _LIST_HEADING.fullmatch(item.text) or _FOOTNOTE.match(item.text):
                continue  # a 'RECOMMENDATIONS' heading over labelled recommendations; a footnote
            findings.append(Finding(kind="observation", area=sec.area or sec.title,
                                    text=item.text, span=item.span, parent_area=sec.parent,
                                    observation_kind=kind))
    for i, f in enumerate(findings, start=1):
        f.ordinal = i
    return findings
