"""Earlier inspections that a later report recalls, and what it now says about their findings.

PEEL reports restate earlier findings in prose ("In HMIC's 2015 effectiveness report, we
said that the force should ...", "... we had two causes of concern about ...: a; and b.")
and then say what progress was made ("The force has made improvements ... However, it
has more to do."). This is follow-up stated by the inspectorate itself. The rules are cue
phrases of the PEEL template, not sentences of any one report.
"""

from __future__ import annotations

import re

from ..ingest.text import normalise_space
from ..layouts.peel import (
    SUPERSCRIPTS,
    Sentence,
    area_of,
    locate,
    plain_text,
    programme_label,
    sentences_of,
    strip_footnote_markers,
)
from ..model import Document, EarlierInspection, FindingKind, RecalledFinding, ReportInfo, Section, Span

_PILLARS = ("effectiveness", "efficiency", "legitimacy", "leadership")
# "HMIC's 2015 effectiveness (vulnerability) report⁷", "HMIC's 2015 vulnerability inspection"
_NAMED_REF = re.compile(
    r"HMIC['’]s\s+(?P<year>(?:19|20)\d\d)\s+(?P<name>[a-z]+)(?:\s+\((?P<theme>[a-z ]+)\))?\s+"
    # The footnote marker: superscript, or plain digits glued on when a PDF lost the raise.
    r"(?:report|inspection)(?P<marks>[" + SUPERSCRIPTS + r"]+|\d{1,3}\b)?",
    re.I,
)
# The lookbehind (the '\b' before 'last') comes after the word so that re skips between its first
# letters in C rather than trying the pattern at every character.
_LAST_YEAR = re.compile(r"last(?<!\wlast) year\b", re.I)
_EARLIER_GRADE = re.compile(
    r"\bwe\s+(?:judged|assessed|graded)\s+(?:the\s+force|it|[A-Z][\w&' ]{2,60}?)\s+(?:to\s+be\s+|as\s+)?"
    r"(?P<grade>outstanding|good|inadequate|to\s+require\s+improvement|requiring\s+improvement)\b",
    re.I,
)
_GRADE_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "inadequate": "Inadequate",
    "to require improvement": "Requires improvement",
    "requiring improvement": "Requires improvement",
}
_NUMBER_WORDS = {w: i for i, w in enumerate("one two three four five six seven eight nine ten".split(), 1)}
# '<count> areas for improvement regarding X: a; b; and c.'
_ENUMERATED = re.compile(
    r"\b(?P<count>\w+)\s+(?P<kind>areas?\s+for\s+improvement|causes?\s+of\s+concern|recommendations?)"
    r"(?P<about>[^:;]*):\s*(?P<list>.+?)\.?$",
    re.I,
)
_SAID_THAT = re.compile(r"\b(?:we|HMIC)\s+(?P<verb>said|recommended|found|identified|reported)\s+that\s+(?P<what>.+?)\.?$", re.I)
_IDENTIFIED = re.compile(r"\b(?:we|HMIC)\s+identified\s+(?P<what>(?!that\b)[a-z].+?)\.?$", re.I)
_PREVIOUSLY = re.compile(
    r"^The\s+(?P<what>.+?)\s+previously\s+identified\s+in\s+HMIC['’]s\s+.+?\s+(?:report|inspection)"
    r"[" + SUPERSCRIPTS + r"]*\s+(?P<more>.*?)\s*(?P<now>\b(?:has|have|is|are|was|were)\b.*)$",
    re.I,
)
_ALSO = re.compile(r"^(?:We|HMIC|It)\s+also\s+(?:identified|said|found|reported|recommended)\b", re.I)

_STRONG = re.compile(
    r"\b(?:rapid improvements?|significant (?:progress|improvements?)|substantial improvements?|"
    r"considerable progress|(?:greatly|vastly|significantly) improved|improved significantly|much better|"
    r"now better|complete change|no longer|(?:has|have) (?:\w+ )?(?:been )?(?:addressed|resolved|removed))\b",
    re.I,
)
_WEAK = re.compile(
    r"\b(?:(?:has|have) (?:made )?(?:some )?improve(?:d|ments)|continues? to improve|improving|improved|progress)\b",
    re.I,
)
_RESIDUAL = re.compile(
    r"\b(?:more to do|more work to do|much work to do|more (?:still )?needs to be done|still needs|"
    r"needs to do more|further work|not yet|mostly|largely|partly|some progress)\b",
    re.I,
)
_NEGATIVE = re.compile(
    r"\b(?:remains? (?:a )?(?:concern|an issue|a problem)|(?:has|have) not (?:yet )?(?:improved|addressed|made)|"
    r"no (?:evidence of )?(?:progress|improvement)|little (?:progress|improvement)|not improved|deteriorated|"
    r"still (?:has|have|is|are|does|do) (?:not|no|poor|limited|too|a)\b|still lacks?)",
    re.I,
)


def _programme(info: ReportInfo) -> tuple[str, int]:
    """('effectiveness', 2016) from the report's own programme label."""
    m = re.search(r"Police\s+(\w+).*?((?:19|20)\d\d)$", info.programme_label)
    return (m.group(1).lower(), int(m.group(2))) if m else ("effectiveness", info.year - 1)


def _superscript_number(marks: str | None) -> int | None:
    """'¹⁰' or '10' → 10."""
    chars = [c for c in (marks or "") if c in SUPERSCRIPTS or c in "0123456789"]
    digits = "".join(str(SUPERSCRIPTS.index(c)) if c in SUPERSCRIPTS else c for c in chars)
    return int(digits) if digits else None


def _footnotes(sections: list[Section]) -> dict[int, str]:
    """Footnote number → its text: paragraphs opening with a superscript number, or with a
    plain one followed by a capital (the same footnote when a PDF lost the raise)."""
    out: dict[int, str] = {}
    for section in sections:
        for para in section.paragraphs:
            m = re.match(rf"^\s*([{SUPERSCRIPTS}]+|\d{{1,3}}(?=\s+[A-Z*]))\s*(.*)$", para.text)
            if m:
                number = _superscript_number(m.group(1))
                if number is not None:
                    out.setdefault(number, m.group(2))
    return out


def _url(text: str) -> str | None:
    m = re.search(r"(?:https?://|www\.)[^\s<>]+", text)
    return m.group(0).rstrip(".,;)") if m else None


def _split_enumeration(listed: str) -> list[str]:
    parts = [p for p in re.split(r";\s*", listed) if p.strip()]
    cleaned = []
    for p in parts:
        p = re.sub(r"^(?:and\s+)?(?:lastly|finally|also)?,?\s*", "", p.strip(), flags=re.I)
        p = re.sub(r"^and\s+", "", p, flags=re.I)
        cleaned.append(plain_text(p).rstrip(".").strip())
    return [c for c in cleaned if c]


def _kind_of(word: str) -> FindingKind:
    w = word.lower()
    if w.startswith("cause"):
        return "cause-of-concern"
    if w.startswith("recommend"):
        return "recommendation"
    return "area-for-improvement"


def recalled_items(sentence: str) -> list[tuple[FindingKind, str]]:
    """The earlier findings one sentence restates, each with its kind."""
    text = plain_text(sentence)
    m = _ENUMERATED.search(text)
    if m:
        return [(_kind_of(m.group("kind")), item) for item in _split_enumeration(m.group("list"))]
    m = _PREVIOUSLY.match(text)
    if m:
        what = normalise_space(f"{m.group('what')} {m.group('more')}")
        return [("observation", what)]
    m = _SAID_THAT.search(text)
    if m:
        what = normalise_space(m.group("what"))
        verb = m.group("verb").lower()
        if verb == "recommended":
            return [("recommendation", what)]
        # 'the force should ...' is an area for improvement; 'officers could not recall' is not.
        if re.search(r"\b(?:force|it|constabulary|police|service)\s+(?:should|could|must|needs? to|ought to)\b", what, re.I):
            return [("area-for-improvement", what)]
        return [("observation", what)]
    m = _IDENTIFIED.search(text)
    if m and not re.match(r"^(?:an?\s+)?[0-9]", m.group("what")):
        return [("observation", normalise_space(m.group("what")))]
    return []


def status_from(window: list[Sentence]) -> tuple[str, list[Sentence]]:
    """Status decided by the first sentence that says progress (or its lack) was made."""
    for i, s in enumerate(window):
        strong, weak, negative = _STRONG.search(s.text), _WEAK.search(s.text), _NEGATIVE.search(s.text)
        if not (strong or weak or negative):
            continue
        if negative and not (strong or weak):
            return "recurring", [s]
        following = window[i + 1: i + 3]
        residual = next((f for f in [s, *following] if _RESIDUAL.search(f.text) or _NEGATIVE.search(f.text)), None)
        if residual is not None:
            used = window[i: window.index(residual) + 1] if residual is not s else [s]
            return "partly-addressed", used
        return ("addressed" if strong else "partly-addressed"), [s]
    return "not-assessed", []


def _window(sentences: list[Sentence], start: int) -> list[Sentence]:
    """Sentences after a recall: the rest of its paragraph and the next two paragraphs."""
    origin = sentences[start]
    out: list[Sentence] = []
    for s in sentences[start + 1:]:
        if s.section is not origin.section or s.paragraph > origin.paragraph + 2:
            break
        if _NAMED_REF.search(s.text) or (_LAST_YEAR.search(s.text) and _SAID_THAT.search(s.text)):
            break  # another recall begins
        if _ALSO.match(s.text):
            continue
        out.append(s)
    return out


def extract_recalled(
    doc: Document, info: ReportInfo, sections: list[Section], overall_question: str | None
) -> tuple[list[EarlierInspection], list[RecalledFinding]]:
    pillar, programme_year = _programme(info)
    footnotes = _footnotes(sections)
    earlier: dict[str, EarlierInspection] = {}
    recalled: list[RecalledFinding] = []
    sentences = sentences_of(doc, sections, skip_footnotes=True)
    current: EarlierInspection | None = None
    for idx, s in enumerate(sentences):
        ref = _NAMED_REF.search(s.text)
        inspection: EarlierInspection | None = None
        if ref:
            name = ref.group("name").lower()
            theme = ref.group("theme")
            if name not in _PILLARS:  # 'HMIC's 2015 vulnerability inspection'
                name, theme = pillar, name if name not in {"national", "peel"} else None
            year = int(ref.group("year"))
            title = programme_label(name, theme.strip().lower() if theme else None, year)
            marker = _superscript_number(ref.group("marks"))
            url = _url(footnotes[marker]) if marker is not None and marker in footnotes else None
            inspection = _earlier(earlier, title, year, s.span, url)
        elif _LAST_YEAR.search(s.text) and (_EARLIER_GRADE.search(s.text) or recalled_items(s.text)):
            inspection = _earlier(earlier, programme_label(pillar, None, programme_year - 1), programme_year - 1, s.span, None)
        elif _ALSO.match(s.text) and current is not None and s.paragraph == sentences[idx - 1].paragraph:
            inspection = current
        current = inspection or (current if _ALSO.match(s.text) else None)
        if inspection is None:
            continue
        g = _EARLIER_GRADE.search(s.text)
        if g and inspection.grade is None:
            inspection.grade = _GRADE_LABELS.get(normalise_space(g.group("grade").lower()))
        items = recalled_items(s.text)
        if not items:
            continue
        window = _window(sentences, idx)
        if _PREVIOUSLY.match(strip_footnote_markers(s.text)):
            window = [s, *window]  # 'The X previously identified in ... has mostly been removed.'
        status, used = status_from(window)
        if status == "not-assessed":
            # The progress is sometimes stated first ('The force has improved how it ... Last year, ...').
            before = [p for p in sentences[:idx] if p.section is s.section and p.paragraph == s.paragraph]
            status, used = status_from(before)
        evidence = normalise_space(" ".join(u.text for u in used))
        evidence_span = Span.covering([u.span for u in used]) if used else s.span
        area = area_of(s.section) or overall_question
        for kind, text in items:
            recalled.append(
                RecalledFinding(
                    earlier=inspection,
                    kind=kind,
                    text=text,
                    span=locate(doc, s.span, text),
                    area=area,
                    status=status,
                    status_evidence=plain_text(evidence),
                    status_span=evidence_span,
                )
            )
    _attach_urls_by_title(earlier, footnotes, info)
    return sorted(earlier.values(), key=lambda e: (e.year, e.title)), recalled


def _earlier(
    found: dict[str, EarlierInspection], title: str, year: int, span: Span, url: str | None
) -> EarlierInspection:
    if title not in found:
        found[title] = EarlierInspection(year=year, title=title, span=span, url=url)
    elif url and not found[title].url:
        found[title].url = url
    return found[title]


def _attach_urls_by_title(found: dict[str, EarlierInspection], footnotes: dict[int, str], info: ReportInfo) -> None:
    """A footnote citing '<title> – An inspection of <force>' gives that report's address."""
    for inspection in found.values():
        if inspection.url:
            continue
        for text in footnotes.values():
            cited = normalise_space(strip_footnote_markers(text)).replace("*", "")
            lowered = cited.lower()
            if lowered.startswith(inspection.title.lower() + " – an inspection of") \
                    and info.force_name.lower() in lowered:
                inspection.url = _url(cited)
                break
