"""Recognise a report's programme from its content (never from its file name)."""

from __future__ import annotations

import re

from ..model import Document, HmicError

# Each programme is recognised by markers that its template prints on every report.
# A marker that opens a line starts with the newline before it (the text searched starts with
# one) rather than '^': re tries a '^' at every character, but skips to a literal newline in C.
# Likewise 'PEEL' is matched before the lookbehind that makes it open a word.
_HMIC_2007 = [
    re.compile(r"HMIC Inspection Report", re.I),
    re.compile(r"\n\s*(?:Force|National) summary of judgements\s*$", re.I | re.M),
    re.compile(r"\n\s*GRADE\b", re.M),
    re.compile(r"\n\s*Protecting Vulnerable People\b", re.I | re.M),
    re.compile(r"\n\s*Neighbourhood Policing\s*$", re.I | re.M),
]
_PEEL = [
    re.compile(r"PEEL(?<!\wPEEL)\b"),
    re.compile(r"Police (?:effectiveness|efficiency|legitimacy|leadership)\b.{0,40}?20\d\d", re.I),
    re.compile(r"How (?:effective|efficient|legitimate|well) (?:is|does) the force", re.I),
    re.compile(r"\n\s*Areas? for improvement\s*$", re.I | re.M),
    re.compile(r"\n\s*Summary of findings\s*$", re.I | re.M),
]


def detect_programme(doc: Document) -> str:
    """Return 'hmic-2007' or 'peel-effectiveness' (the PEEL pillar layout, whichever pillar),
    or raise HmicError."""
    text = "\n" + "\n".join(ln.text for ln in doc.lines)
    scores = {
        "hmic-2007": sum(1 for rx in _HMIC_2007 if rx.search(text)),
        "peel-effectiveness": sum(1 for rx in _PEEL if rx.search(text)),
    }
    best = max(scores, key=lambda k: scores[k])
    if scores[best] >= 4 and scores[best] > min(scores.values()):
        return best
    raise HmicError(doc.source, "not a recognised HMIC report layout")
