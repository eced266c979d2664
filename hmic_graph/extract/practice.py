"""'Developing practice' examples of a 2007 report and their force contacts.

An example is a run of labelled parts: 'INSPECTION AREA:' (optional), 'TITLE:', 'PROBLEM:',
'SOLUTION:', 'OUTCOME(S):' and 'FORCE CONTACT:'. A new example starts at 'INSPECTION AREA:'
or at a 'TITLE:' when the current one already has a title. The area is the area whose section
the example stands in (the printed 'INSPECTION AREA' may be an abbreviation such as 'PVP').

A force contact ('DCI Ewen Wilson, Public Protection Unit, HQ Crime – ewen.wilson@...') is
split into role (kept in the graph), name, phone and e-mail (personal: the rdf stage drops them
unless --include-contacts). Section paragraphs keep only the role, so personal data cannot
leak into the graph through stages that quote paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..ingest.text import normalise_space, paragraphs
from ..model import Document, ForceContact, Paragraph, PracticeExample, Section, Span

_LABEL = re.compile(
    r"^\s*(INSPECTION AREA|TITLE|PROBLEM|SOLUTION|OUTCOMES?|OUTCOME\(S\)|FORCE CONTACTS?)\s*:\s*(.*)$",
    re.I,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+44\s?|0)\d[\d ]{7,12}\d(?:\s*(?:ext\.?|extension|x)\s*\d+)?", re.I)
# Ranks and titles that open a contact's name ('Sgt 2299 Kevin Whipps'): a role, not a name.
_RANKS = [
    "Assistant Chief Constable", "Assistant Chief Officer", "Deputy Chief Constable",
    "Chief Constable", "Detective Chief Superintendent", "Detective Superintendent",
    "Chief Superintendent", "Superintendent", "Detective Chief Inspector", "Chief Inspector",
    "Detective Inspector", "Inspector", "Detective Sergeant", "Sergeant", "Detective Constable",
    "Police Constable", "Constable", "Det Supt", "Ch Supt", "Supt", "DCI", "DI", "DS", "DC",
    "PS", "PC", "Sgt", "Insp", "ACC", "DCC", "ACO", "Mr", "Mrs", "Ms", "Miss", "Dr",
]
_RANK = re.compile(r"^(" + "|".join(re.escape(r) for r in _RANKS) + r")\.?\s+(?=\S)")
_COLLAR_NUMBER = re.compile(r"^\s*\d{1,6}\s+(?=\D)")
_DASH_SPLIT = re.compile(r"\s+[–—-]\s+|\s*[–—]\s*(?=[\d+(\w.+-]+@|\+?\d)")
_FIELDS = {"problem": "problem", "solution": "solution", "outcome": "outcome",
           "outcomes": "outcome", "outcome(s)": "outcome"}


def parse_contact(text: str, span: Span) -> ForceContact:
    """'Dick Madden, Head of Compliance and Review – 01245 452218 (direct)' → its parts."""
    text = normalise_space(text)
    email_m = _EMAIL.search(text)
    phone_m = _PHONE.search(text)
    parts = _DASH_SPLIT.split(text, maxsplit=1)
    who = parts[0] if len(parts) == 2 else text
    if len(parts) == 1:  # no dash: cut the person off before the first phone number or e-mail
        cut = min((m.start() for m in (email_m, phone_m) if m), default=len(text))
        who = text[:cut]
    who = who.strip(" ,;–-")
    name_part, _, after = who.partition(",")
    rank_m = _RANK.match(name_part)
    rank = rank_m.group(1) if rank_m else None
    name = name_part[rank_m.end():] if rank_m else name_part
    # 'Sgt 2299 Kevin Whipps': the officer's collar number is not part of the name.
    name = _COLLAR_NUMBER.sub("", name) if rank_m else name
    role = ", ".join(p for p in (rank, normalise_space(after).strip(" ,")) if p) or None
    return ForceContact(role=role or "force contact", name=normalise_space(name) or None,
                        phone=normalise_space(phone_m.group(0)) if phone_m else None,
                        email=email_m.group(0) if email_m else None, span=span)


def _new(area: str, parent: str | None, start: int) -> dict:
    return {"area": area, "parent": parent, "title": "", "problem": [], "solution": [],
            "outcome": [], "contacts": [], "start": start, "end": start}


def _finish(ex: dict) -> PracticeExample:
    return PracticeExample(
        area=ex["area"], title=ex["title"], span=Span(ex["start"], ex["end"]),
        problem=" ".join(ex["problem"]), solution=" ".join(ex["solution"]),
        outcome=" ".join(ex["outcome"]), contacts=ex["contacts"], parent_area=ex["parent"])


def _section_paragraphs(doc: Document, sec: Section) -> list[Paragraph]:
    return paragraphs([ln for ln in doc.lines if sec.span.start < ln.number <= sec.span.end])


def extract_practices(doc: Document, sections: list[Section]) -> list[PracticeExample]:
    out: list[PracticeExample] = []
    for sec in sections:
        if sec.kind != "developing-practice":
            continue
        area = sec.area or sec.title
        current: dict | None = None
        field: str | None = None
        for para in _section_paragraphs(doc, sec):
            m = _LABEL.match(para.text)
            label = normalise_space(m.group(1)).lower() if m else None
            rest = normalise_space(m.group(2)) if m else para.text
            if label == "inspection area" or (label == "title" and current and current["title"]):
                if current and current["title"]:
                    out.append(_finish(current))
                current = _new(area, sec.parent, para.span.start)
            if current is None:
                current = _new(area, sec.parent, para.span.start)
            current["end"] = max(current["end"], para.span.end)
            if label == "title":
                current["title"] = rest
                field = "title" if not rest else None
            elif label in _FIELDS:
                field = _FIELDS[label]
                if rest:
                    current[field].append(rest)
            elif label and label.startswith("force contact"):
                current["contacts"].append(parse_contact(rest, para.span))
                field = None
            elif label is None and field == "title":
                current["title"] = rest
                field = None
            elif label is None and field:
                current[field].append(rest)
        if current and (current["title"] or current["problem"]):
            out.append(_finish(current))
    for i, ex in enumerate(out, start=1):
        ex.ordinal = i
    return out


def redact_contacts(sections: list[Section]) -> list[Section]:
    """Section paragraphs with each force contact reduced to its role."""
    out = []
    for sec in sections:
        paras = []
        for p in sec.paragraphs:
            m = _LABEL.match(p.text)
            if m and normalise_space(m.group(1)).lower().startswith("force contact"):
                contact = parse_contact(m.group(2), p.span)
                p = Paragraph(f"FORCE CONTACT: {contact.role}", p.span)
            paras.append(p)
        out.append(replace(sec, paragraphs=paras))
    return out
