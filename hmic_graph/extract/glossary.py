"""The 'Glossary of Terms and Abbreviations' appendix: abbreviation → expansion.

Entries are 'ABBR<tab>expansion' or 'ABBR expansion'. Letter headings ('A', or look-alike
characters from other alphabets such as a Cyrillic 'В' or an Arabic-Indic digit '٧'),
ruled lines and page furniture are skipped. Without a tab, the abbreviation is the first word
plus any parenthesised qualifier in capitals: 'ACC (TP) assistant chief constable ...'.
"""

from __future__ import annotations

import re

from ..ingest.text import normalise_space
from ..model import Document, GlossaryEntry, Section, Span

_RULE = re.compile(r"^[\s\-_=–—]+$")
_QUALIFIER = re.compile(r"^\([A-Z0-9&/ ]+\)$")


def _split(text: str) -> tuple[str, str] | None:
    if "\t" in text.strip():
        abbr, _, expansion = text.strip().partition("\t")
        return normalise_space(abbr), normalise_space(expansion)
    words = text.split()
    if len(words) < 2:
        return None
    n = 1
    while n < len(words) - 1 and _QUALIFIER.match(words[n]):
        n += 1
    return " ".join(words[:n]), " ".join(words[n:])


def _looks_like_abbreviation(abbr: str) -> bool:
    letters = [c for c in abbr if c.isalpha()]
    return (0 < len(abbr) <= 20 and sum(c.isupper() for c in letters) >= 2
            or bool(re.fullmatch(r"[A-Z][a-z]+ \w+", abbr)))  # 'Form 40a'


def extract_glossary(doc: Document, sections: list[Section]) -> list[GlossaryEntry]:
    out: list[GlossaryEntry] = []
    for sec in sections:
        if sec.kind != "glossary":
            continue
        for ln in doc.lines:
            if not (sec.span.start < ln.number <= sec.span.end) or ln.furniture:
                continue
            text = ln.text.strip(" ")
            if len(text.strip()) <= 2 or _RULE.match(text):
                continue  # a letter heading (in any alphabet) or a ruled line
            if out and out[-1].span.end == ln.number - 1 and (text[:1].islower() or text[:1] == "("):
                # An expansion wrapped onto the next line: '(terrorist and allied matters)'.
                prev = out[-1]
                out[-1] = GlossaryEntry(prev.abbreviation, f"{prev.expansion} {normalise_space(text)}",
                                        Span(prev.span.start, ln.number))
                continue
            parts = _split(text)
            if not parts or not parts[1] or not _looks_like_abbreviation(parts[0]):
                continue
            out.append(GlossaryEntry(parts[0], parts[1], Span(ln.number, ln.number)))
    return out
