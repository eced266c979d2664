"""Numbers a report states about its force area: area, population, officers, PCSOs, BCUs, ...

Read only from the force overview sections ('Force Overview and Context', 'Geographical
description of force area', 'Demographic profile of force area'): elsewhere the same words
count a unit's staff or a town's population, not the force's. Each fact keeps its sentence.
"""

from __future__ import annotations

import re

from ..model import ContextFact, Document, Paragraph, Section

_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NUM = r"(\d[\d,]*(?:\.\d+)?|a|" + "|".join(_WORDS) + r")"
_SCALE = r"(?:\s+(million|thousand))?"
_QUAL = r"(?:(?:just|well|some|approximately|around|about|nearly|almost|over|in excess of|more than)\s+)*"
_FACT_SECTIONS = re.compile(
    r"^(?:force overview and context|geographical description|demographic profile)", re.I)

# (label, unit, keyword, pattern); group 1 = number, group 2 = scale word. The keyword is a
# word every match of the pattern contains (matched the same way, case-insensitively): a
# sentence without it is not searched, as the number alternatives ('a', 'one', ...) make
# the patterns slow to try at every position.
_PATTERNS: list[tuple[str, str | None, re.Pattern[str], re.Pattern[str]]] = [
    ("area", "square miles", re.compile("square", re.I),
     re.compile(rf"{_NUM}{_SCALE}\s+square\s+miles", re.I)),
    ("area", "square kilometres", re.compile("sq|km", re.I),
     re.compile(rf"{_NUM}{_SCALE}\s+(?:square\s+kilometres|sq\.?\s*km|km2|km²)", re.I)),
    ("population", "people", re.compile("population", re.I),
     re.compile(rf"population\s+(?:of\s+)?{_QUAL}{_NUM}{_SCALE}\b", re.I)),
    ("households", None, re.compile("households", re.I),
     re.compile(rf"{_NUM}{_SCALE}\s+households", re.I)),
    ("police officers", None, re.compile("officers", re.I),
     re.compile(rf"{_NUM}\s+(?:police\s+)?officers\b", re.I)),
    ("police staff", None, re.compile("staff", re.I),
     re.compile(rf"{_NUM}\s+(?:police\s+|support\s+)staff\b", re.I)),
    ("PCSOs", None, re.compile("PCSOs|officers", re.I),
     re.compile(rf"{_NUM}\s+(?:PCSOs|police community support officers)", re.I)),
    ("special constables", None, re.compile("constables", re.I),
     re.compile(rf"{_NUM}\s+special constables", re.I)),
    ("BCUs", None, re.compile("units|BCUs", re.I),
     re.compile(rf"{_NUM}\s+(?:basic command units|BCUs)\b", re.I)),
    ("coastline", "miles", re.compile("coastline", re.I),
     re.compile(rf"coastline of\s+{_QUAL}{_NUM}\s+miles", re.I)),
]
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _value(number: str, scale: str | None) -> float | None:
    n = number.lower()
    if n in _WORDS:
        value = float(_WORDS[n])
    elif n == "a":
        if not scale:
            return None
        value = 1.0
    else:
        value = float(n.replace(",", ""))
    return value * {"million": 1e6, "thousand": 1e3}.get((scale or "").lower(), 1)


def _facts_in(para: Paragraph) -> list[ContextFact]:
    out = []
    for sentence in _SENTENCE.split(para.text):
        for label, unit, keyword, rx in _PATTERNS:
            if not keyword.search(sentence):
                continue
            for m in rx.finditer(sentence):
                value = _value(m.group(1), m.group(2) if m.lastindex and m.lastindex >= 2 else None)
                if value is not None:
                    out.append(ContextFact(label, value, unit, sentence.strip(), para.span))
    return out


def extract_facts(doc: Document, sections: list[Section]) -> list[ContextFact]:
    out: list[ContextFact] = []
    seen: set[tuple[str, float, str | None]] = set()
    for sec in sections:
        if sec.kind != "context" or sec.area is not None or not _FACT_SECTIONS.match(sec.title):
            continue
        for para in sec.paragraphs[1:]:  # the first paragraph is the heading
            for fact in _facts_in(para):
                key = (fact.label, fact.value, fact.unit)
                if key not in seen:  # the same figure restated is one fact
                    seen.add(key)
                    out.append(fact)
    return out
