"""Organisations in a report's text: force units, partners, and the partnerships the text shows.

Recognition is rule-based and driven by files, not Python literals:

* ``ontology/organisations.ttl``: national bodies (one node across forces), local body types
  ('the county council', 'the LSCB': one node per force), unit kinds, partner kinds with
  naming patterns for local bodies, partnership types with cue patterns;
* ``ontology/forces.ttl``: other police forces;
* the report's own glossary: abbreviations ('HSCB', 'CDD') expanded to the body they stand for.

Identity keys (``Organisation.org_id``): national bodies ``<slug>``; bodies scoped to the
report's force ``<force-id>/<slug>``; units ``<force-id>/unit/<slug>``; other forces their
force id. A partnership is kept only where a sentence shows joint work (a cue pattern fires);
every other reference stays a mention.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Iterable, Iterator

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..ingest.text import paragraphs as split_paragraphs
from ..ingest.text import sentence_ends
from ..model import (
    Evidence,
    Line,
    Organisation,
    OrganisationMention,
    Paragraph,
    Partnership,
    Report,
    Span,
)
from ..resources import ONTOLOGY_DIR
from ..vocab import HMIC, ID, slug

PARTNER_KIND_NS = Namespace(str(ID) + "partner-kind/")
UNIT_KIND_NS = Namespace(str(ID) + "unit-kind/")
PARTNERSHIP_TYPE_NS = Namespace(str(ID) + "partnership-type/")
LOCAL_BODY_NS = Namespace(str(ID) + "local-body/")
NATIONAL_ORG_NS = Namespace(str(ID) + "org/")

# Tiers decide overlaps: a national body or glossary abbreviation (tier 0) beats anything it
# overlaps; among tier 1 (forces, local types, unit kinds, named local bodies) the longest wins,
# so 'Essex Police Authority' beats 'Essex Police'; a capitalised 'X Unit' (tier 2) comes last.
TIER_NATIONAL, TIER_LOCAL, TIER_NAMED_UNIT = 0, 1, 2


@dataclass(frozen=True)
class Target:
    """What a piece of text resolves to, before it is scoped to a report's force."""

    role: str  # 'partner' | 'unit' | 'force'
    scope: str  # 'national' | 'local' | 'unit' | 'force'
    key: str  # slug of the body (national/local/unit) or the force id
    name: str  # canonical name ('Crown Prosecution Service', 'county council')
    kind: str | None  # partner-kind slug or unit-kind slug
    local_type: str | None = None  # local-body type slug, for force-scoped bodies
    abbreviation: str | None = None
    not_followed_by: str | None = None  # regex: words after the label that mean another thing
    not_preceded_by: str | None = None  # regex: words before the label that mean another thing


@dataclass(frozen=True)
class Gazetteer:
    label_targets: dict[str, Target]  # lower-cased label → target (case-insensitive match)
    abbreviation_targets: dict[str, Target]  # abbreviation → target (case-sensitive match)
    partner_patterns: tuple[tuple[str, str], ...]  # (suffix regex, partner kind)
    unit_patterns: tuple[tuple[str, str], ...]  # (suffix regex, unit kind)
    partnership_cues: tuple[tuple[str, re.Pattern[str]], ...]  # (type slug, cue regex)


def _exclusions(g: Graph, s: URIRef) -> dict[str, str | None]:
    after, before = g.value(s, HMIC.notFollowedBy), g.value(s, HMIC.notPrecededBy)
    return {"not_followed_by": str(after) if after else None, "not_preceded_by": str(before) if before else None}


def _preferred_abbreviation(name: str, abbreviations: list[str]) -> str | None:
    """The abbreviation made of the name's initials ('LSCB' for local safeguarding children
    board, not the older 'ACPC'), so a node has one abbreviation whichever report names it."""
    initials = "".join(w[0] for w in re.split(r"[\s-]+", name) if w and w.lower() not in {"of", "the", "and", "for"})
    singular = sorted(a for a in abbreviations if not a.endswith("s"))
    return next((a for a in singular if a.upper() == initials.upper()), None)


def _local_name(iri: URIRef, ns: Namespace) -> str:
    return str(iri)[len(str(ns)):]


def _texts(g: Graph, s: URIRef, p: URIRef) -> list[str]:
    return sorted(str(o) for o in g.objects(s, p) if isinstance(o, Literal))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Read ontology/organisations.ttl (+ forces.ttl) into lookup tables, once."""
    g = Graph()
    g.parse(ONTOLOGY_DIR / "organisations.ttl", format="turtle")
    labels: dict[str, Target] = {}
    abbreviations: dict[str, Target] = {}

    def add(target: Target, names: Iterable[str], abbrs: Iterable[str]) -> None:
        for name in names:
            if re.fullmatch(r"[A-Z&]{2,8}", name):  # 'MPS' must not match 'MPs' (Members of Parliament)
                abbreviations.setdefault(name, target)
            else:
                labels.setdefault(_norm_label(name), target)
        for abbr in abbrs:
            abbreviations.setdefault(abbr, target)

    for s in sorted(g.subjects(RDF.type, HMIC.PartnerOrganisation)):
        key = _local_name(s, NATIONAL_ORG_NS)
        kind = g.value(s, HMIC.partnerKind)
        abbrs = _texts(g, s, HMIC.abbreviation)
        target = Target("partner", "national", key, str(g.value(s, SKOS.prefLabel)),
                        _local_name(kind, PARTNER_KIND_NS) if kind else None,
                        abbreviation=_preferred_abbreviation(str(g.value(s, SKOS.prefLabel)), abbrs), **_exclusions(g, s))
        add(target, [str(g.value(s, SKOS.prefLabel))] + _texts(g, s, SKOS.altLabel), abbrs)
    for s in sorted(g.subjects(RDF.type, HMIC.LocalBodyType)):
        key = _local_name(s, LOCAL_BODY_NS)
        kind = g.value(s, HMIC.partnerKind)
        abbrs = _texts(g, s, HMIC.abbreviation)
        target = Target("partner", "local", key, str(g.value(s, SKOS.prefLabel)),
                        _local_name(kind, PARTNER_KIND_NS) if kind else None, key,
                        abbreviation=_preferred_abbreviation(str(g.value(s, SKOS.prefLabel)), abbrs), **_exclusions(g, s))
        add(target, [str(g.value(s, SKOS.prefLabel))] + _texts(g, s, SKOS.altLabel), abbrs)
    unit_patterns: list[tuple[str, str]] = []
    for s in sorted(g.subjects(RDF.type, HMIC.UnitKind)):
        key = _local_name(s, UNIT_KIND_NS)
        abbrs = _texts(g, s, HMIC.abbreviation)
        target = Target("unit", "unit", key, str(g.value(s, SKOS.prefLabel)), key,
                        abbreviation=_preferred_abbreviation(str(g.value(s, SKOS.prefLabel)), abbrs))
        if key != "specialist-unit":  # the catch-all kind has no label of its own to match
            add(target, [str(g.value(s, SKOS.prefLabel))] + _texts(g, s, SKOS.altLabel), abbrs)
        unit_patterns += [(p, key) for p in _texts(g, s, HMIC.namePattern)]
    partner_patterns = [
        (str(p), _local_name(s, PARTNER_KIND_NS))
        for s in sorted(g.subjects(RDF.type, HMIC.PartnerKind))
        for p in g.objects(s, HMIC.namePattern)
    ]
    cues = tuple(
        (_local_name(s, PARTNERSHIP_TYPE_NS), re.compile(str(p), re.I))
        for s in sorted(g.subjects(RDF.type, HMIC.PartnershipType))
        for p in g.objects(s, HMIC.cuePattern)
    )
    fg = Graph()
    fg.parse(ONTOLOGY_DIR / "forces.ttl", format="turtle")
    for s in sorted(fg.subjects(RDF.type, HMIC.PoliceForce)):
        force_id = str(s).rsplit("/", 1)[-1]
        target = Target("force", "force", force_id, str(fg.value(s, RDFS.label)), "other-police-force")
        add(target, _texts(fg, s, RDFS.label) + _texts(fg, s, SKOS.altLabel), [])
    # Longest suffix first so 'Primary Care Trust' is tried before 'Trust'.
    partner_patterns.sort(key=lambda pk: (-len(pk[0]), pk))
    unit_patterns.sort(key=lambda pk: (-len(pk[0]), pk))
    return Gazetteer(labels, abbreviations, tuple(partner_patterns), tuple(unit_patterns), cues)


def _norm_label(text: str) -> str:
    text = text.replace("’", "'").replace("&", " and ")
    return " ".join(re.sub(r"[^\w' ,-]+", " ", text.lower()).split())


# ---------------------------------------------------------------------------------------------
# Matching


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    tier: int
    target: Target
    surface: str


_NAME_WORD = r"[A-Z][\w'’.-]*"
# A name opens a word: no word character or hyphen before its capital. That lookbehind comes
# after the capital so that the patterns open with a character class, which re skips to in C
# rather than trying a lookbehind at every position of every sentence (1.7x faster).
_FIRST_NAME_WORD = r"[A-Z](?<![\w-].)[\w'’.-]*"
_NAME = rf"{_FIRST_NAME_WORD}(?:\s+(?:(?:and|of|for|on|upon|the|&)\s+)?{_NAME_WORD}){{0,5}}"
# Capitalised words that open a sentence or a phrase rather than a body's name.
_NON_NAME_WORDS = {
    "the", "a", "an", "this", "these", "that", "those", "each", "all", "both", "other", "its",
    "their", "his", "her", "our", "some", "many", "several", "any", "every", "no", "in", "at",
    "by", "with", "for", "and", "of", "on", "to", "from", "local", "partner", "partners",
    "relevant", "new", "national", "regional", "force", "forces", "county", "district",
    "borough", "city", "unitary", "one", "two", "three", "four", "five", "six", "however",
    "where", "when", "while", "although", "following", "within", "under", "via", "whilst",
    "also", "most", "there", "it", "they", "he", "she", "we", "joint", "police", "senior",
    "multi-agency", "neighbourhood", "specialist", "dedicated", "existing",
    "current", "single", "strategic", "various", "further", "such", "only", "key", "main",
    "hmic", "hm", "majesty's", "chief", "deputy", "assistant", "head", "director",
    "members", "member", "representatives", "staff", "officers", "inspectors", "is", "are",
    "was", "were", "be", "has", "have", "had", "not", "as", "if", "but", "or", "so",
}


# Labels are matched word by word (an index from first word to labels), which is many times
# faster than one regular expression of a thousand alternatives.
_WORD = re.compile(r"[\w'’-]+|&")


@lru_cache(maxsize=1 << 16)  # a pure function of the word; report text repeats its words a lot
def _word_key(word: str) -> str:
    word = word.lower().replace("’", "'").strip("'-")
    if word.endswith("'s"):  # 'College of Policing's website' names the College
        word = word[:-2]
    return "and" if word == "&" else word


def _label_words(label: str) -> tuple[str, ...]:
    return tuple(k for k in (_word_key(w.group(0)) for w in _WORD.finditer(label)) if k)


@lru_cache(maxsize=1)
def _label_index() -> dict[str, list[tuple[tuple[str, ...], Target]]]:
    """First word of a label → (all its words, target), longest first."""
    index: dict[str, list[tuple[tuple[str, ...], Target]]] = {}
    for label, target in sorted(gazetteer().label_targets.items()):
        words = _label_words(label)
        if words:
            index.setdefault(words[0], []).append((words, target))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


@dataclass(frozen=True)
class _TextWords:
    """The words of a text, tokenised once and read by every matcher. Built with C-level
    calls (findall, map) because this runs on every sentence of every report."""

    text: str
    raws: list[str]  # each word as written
    keys: list[str]  # each word's _word_key

    @cached_property
    def matches(self) -> list[re.Match[str]]:
        """Where each word stands: only wanted where a word matched, so most sentences
        never scan for them."""
        return list(_WORD.finditer(self.text))


def _text_words(text: str) -> _TextWords:
    raws = _WORD.findall(text)
    return _TextWords(text, raws, list(map(_word_key, raws)))


def _label_matches(text: str, text_words: _TextWords | None = None) -> Iterator[tuple[int, int, Target]]:
    index = _label_index()
    words = text_words if text_words is not None else _text_words(text)
    keys = words.keys
    present = set(keys)
    # Only labels whose every word occurs in the text can match ('the' opens many labels).
    live = {}
    for first in index.keys() & present:
        entries = [e for e in index[first] if present.issuperset(e[0])]
        if entries:
            live[first] = entries
    if not live:
        return
    for i, key in enumerate(keys):
        for label_words, target in live.get(key, ()):
            n = len(label_words)
            if i + n <= len(keys) and all(keys[i + k] == label_words[k] for k in range(1, n)):
                yield words.matches[i].start(), words.matches[i + n - 1].end(), target


@lru_cache(maxsize=1 << 16)
def _abbreviation_forms(raw: str) -> tuple[str, int, str | None]:
    """A word as an abbreviation may be written: (bare word, its offset in ``raw``, the word
    without a plural or possessive ending or None). Pure, so memoised across sentences."""
    word = raw.strip("'’-")
    singular = _PLURAL_ENDING.sub("", word) if word.endswith("s") else None
    return word, raw.index(word), singular


_PLURAL_ENDING = re.compile(r"(?:'s|’s|s)$")


@lru_cache(maxsize=64)  # one lexicon per report; many reports share their abbreviations
def _any_abbreviation(abbreviations: tuple[str, ...]) -> re.Pattern[str]:
    """Any of the abbreviations anywhere in a text, even inside a word: every abbreviation
    match (the word, or the word without its ending) is such a substring, so a text where
    this finds nothing has no abbreviation match."""
    return re.compile("|".join(map(re.escape, abbreviations)))


def _abbreviation_matches(text: str, abbreviations: dict[str, Target],
                          text_words: _TextWords | None = None) -> Iterator[tuple[int, int, Target]]:
    """Whole-word, case-sensitive; a plural or possessive ending ('PPUs', 'CPS's') is allowed."""
    if not _any_abbreviation(tuple(abbreviations)).search(text):
        return  # most sentences hold none: one search, not the forms of every word
    words = text_words if text_words is not None else _text_words(text)
    forms = list(map(_abbreviation_forms, words.raws))
    if abbreviations.keys().isdisjoint([f[0] for f in forms] + [f[2] for f in forms]):
        return  # no word is a known abbreviation, bare or with an ending
    for m, (word, offset, singular) in zip(words.matches, forms):
        target = abbreviations.get(word)
        if target is None and singular is not None:
            target = abbreviations.get(singular)
        if target is not None:
            start = m.start() + offset
            yield start, start + len(word), target


@lru_cache(maxsize=1)
def _partner_name_regex() -> re.Pattern[str]:
    suffixes = "|".join(f"(?:{p})" for p, _ in gazetteer().partner_patterns)
    return re.compile(rf"(?P<name>{_NAME})\s+(?P<suffix>{suffixes})(?![\w-])")


@lru_cache(maxsize=1)
def _unit_name_regex() -> re.Pattern[str]:
    suffixes = "|".join(f"(?:{p})" for p, _ in gazetteer().unit_patterns)
    return re.compile(rf"(?P<name>{_NAME})\s+(?P<suffix>{suffixes})(?P<plural>s?)(?![\w-])")


def _strip_name(name: str) -> str:
    """'The Norfolk' → 'Norfolk'; '' when only opening words remain."""
    words = name.split()
    while words and words[0].lower().rstrip("'’s") in _NON_NAME_WORDS | {""}:
        words = words[1:]
    while words and words[-1].lower() in {"and", "of", "for", "on", "the", "&"}:
        words = words[:-1]
    return " ".join(words)


def force_area(force_name: str) -> str:
    """'Essex Police' → 'Essex', 'Cheshire Constabulary' → 'Cheshire'."""
    return re.sub(r"\s+(?:Police(?: Service)?|Constabulary)$", "", force_name).strip()


@dataclass
class ReportLexicon:
    """The gazetteer specialised to one report: its force area and its glossary abbreviations."""

    force_id: str
    force_name: str
    area: str
    abbreviations: dict[str, Target]
    glossary_names: dict[str, Target] = field(default_factory=dict)  # expansion label → target


# 'other forces ... including Lancashire, Surrey and Dyfed Powys': bare force areas name forces
# only where the sentence is about forces. The lookbehind (the '\b' before the word) comes after
# the word so that re skips between its first letters in C (4x faster on every sentence).
_FORCES_WORD = re.compile(r"forces(?<!\wforces)\b", re.I)


@lru_cache(maxsize=1)
def _force_areas() -> dict[str, tuple[str, str]]:
    """'Lancashire' → ('lancashire-constabulary', 'Lancashire Constabulary'), from forces.ttl."""
    out: dict[str, tuple[str, str]] = {}
    for target in gazetteer().label_targets.values():
        if target.role == "force":
            area = force_area(target.name)
            if area and area != target.name:
                out.setdefault(area, (target.key, target.name))
                out.setdefault(area.replace("-", " "), (target.key, target.name))
    return out


@lru_cache(maxsize=1)
def _force_area_regex() -> re.Pattern[str]:
    areas = sorted(_force_areas(), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in areas) + r")(?![\w-])")


def _match_named_partner(m: re.Match[str], lex: ReportLexicon) -> Target | None:
    gaz = gazetteer()
    name = _strip_name(m.group("name"))
    suffix = m.group("suffix")
    kind = next((k for p, k in gaz.partner_patterns if re.fullmatch(p, suffix)), None)
    if kind is None:
        return None
    words = name.split()
    # 'Essex Safeguarding Children' + 'Board': peel name words into the suffix until the rest
    # is the force area and the suffix is a local body type ('safeguarding children board').
    for cut in range(len(words), -1, -1):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:] + [suffix])
        local = gaz.label_targets.get(_norm_label(tail))
        if local is not None and local.scope == "local" and (not head or head == lex.area):
            full = f"{head} {tail}".strip()
            return Target("partner", "local", local.key, full, local.kind, local.local_type)
    if not name:
        return None
    # 'the Abianda charity': a lower-case suffix describes the body rather than naming it.
    full = name if suffix[:1].islower() else f"{name} {suffix}"
    return Target("partner", "local", slug(full), full, kind)


# 'Neighbourhood Policing Project Team', 'Senior Management Team': groups of people, not units.
_NOT_UNIT_LAST_WORDS = {"inspection", "project", "management", "leadership", "executive", "policing",
                        "programme", "review", "steering", "implementation", "command", "officer",
                        "shopping"}


def _match_named_unit(m: re.Match[str], lex: ReportLexicon) -> Target | None:
    if re.search(r"\bRegion(?:al)?\b|\bNational\b", m.group("name")):
        return None  # a regional or national unit is shared by several forces, not this force's own
    name = _strip_name(m.group("name"))
    if not name or name == lex.area or name.split()[-1].lower() in _NOT_UNIT_LAST_WORDS:
        return None
    if m.group("plural") and " and " in name:
        return None  # 'Eastern and Western Divisions' is two units; better none than one wrong
    suffix = m.group("suffix")
    kind = next((k for p, k in gazetteer().unit_patterns if re.fullmatch(p, suffix)), "specialist-unit")
    full = f"{name} {suffix}"
    return Target("unit", "unit", slug(full), full, kind)


def find_matches(text: str, lex: ReportLexicon) -> list[Match]:
    """All organisation references in ``text``, non-overlapping, in text order."""
    candidates: list[Match] = []
    words = _text_words(text)
    for start, end, target in _label_matches(text, words):
        tier = TIER_NATIONAL if target.scope == "national" else TIER_LOCAL
        candidates.append(Match(start, end, tier, target, text[start:end]))
    for start, end, target in _abbreviation_matches(text, lex.abbreviations, words):
        candidates.append(Match(start, end, TIER_NATIONAL, target, text[start:end]))
    for m in _partner_name_regex().finditer(text):
        # 'the Children's Society and Anglia Ruskin University': also try the name after each
        # 'and', so a body named after a list is found even when the list's head is another body.
        starts = [m.start()] + [m.start() + a.end() for a in re.finditer(r"\s(?:and|&)\s", m.group("name"))]
        for start in starts:
            sub = _partner_name_regex().fullmatch(text, start, m.end())
            target = _match_named_partner(sub, lex) if sub else None
            if target is not None:
                lead = sub.group("name")[: len(sub.group("name")) - len(_strip_name_keep_tail(sub.group("name")))]
                candidates.append(Match(start + len(lead), m.end(), TIER_LOCAL, target, text[start + len(lead):m.end()]))
    for m in _unit_name_regex().finditer(text):
        target = _match_named_unit(m, lex)
        if target is not None:
            lead = m.group("name")[: len(m.group("name")) - len(_strip_name_keep_tail(m.group("name")))]
            candidates.append(Match(m.start() + len(lead), m.end(), TIER_NAMED_UNIT, target,
                                    text[m.start() + len(lead):m.end()]))
    if _FORCES_WORD.search(text):
        for m in _force_area_regex().finditer(text):
            force_id, force_name = _force_areas()[m.group(0)]
            candidates.append(Match(m.start(), m.end(), TIER_LOCAL,
                                    Target("force", "force", force_id, force_name, "other-police-force"), m.group(0)))
    if not candidates:
        return []
    candidates = [c for c in candidates
                  if not (c.target.not_followed_by and re.match(c.target.not_followed_by, text[c.end:], re.I))
                  and not (c.target.not_preceded_by and re.search(c.target.not_preceded_by, text[:c.start], re.I))]
    chosen: list[Match] = []
    for cand in sorted(candidates, key=lambda c: (c.tier, -(c.end - c.start), c.start)):
        if all(cand.end <= c.start or cand.start >= c.end for c in chosen):
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c.start)


def _strip_name_keep_tail(name: str) -> str:
    """The name with opening words removed but its own spelling kept (for offsets)."""
    stripped = _strip_name(name)
    if not stripped:
        return ""
    first = stripped.split()[0]
    idx = name.find(first)
    return name[idx:] if idx >= 0 else name


# ---------------------------------------------------------------------------------------------
# Glossary → abbreviations of this report

# Expansions that name a thing, not a body ('Multi-agency Information and Data Access System').
_NOT_A_BODY = re.compile(
    r"\b(?:system|database|index|model|programme|plan|agreement|standard|strategy|procedure|"
    r"officer|order|register|manager|contract|review|meeting|assessment|survey|network|process|"
    r"planning|training|tracking|environments?)s?$",
    re.I,
)
# 'Most Similar Basic Command Unit' names a comparison group of units, not a unit.
_COMPARATOR = re.compile(r"^most similar\b", re.I)
_MULTI_AGENCY_WORDS = re.compile(
    r"\b(?:partnership|multi-?agency|safeguarding\b.*\bboard|criminal justice board|joint action group)\b", re.I
)
_UNIT_TAIL = re.compile(r"\b(?:unit|department|bureau|team|desk|centre|branch|room|hub|squad)s?$", re.I)


def _glossary_target(expansion: str, lex: ReportLexicon) -> Target | None:
    """What a glossary expansion names, if it is an organisation or unit."""
    text = " ".join(expansion.split())
    if not text or _NOT_A_BODY.search(text) or _COMPARATOR.match(text):
        return None
    whole = gazetteer().label_targets.get(_norm_label(text))
    if whole is not None:
        return whole
    matches = find_matches(text, lex)
    if len(matches) == 1 and matches[0].end - matches[0].start >= len(text.rstrip(". ")) - 1:
        found = matches[0].target
        if found.role == "force" and found.key == lex.force_id:
            return None
        return found
    if _MULTI_AGENCY_WORDS.search(text):
        name = text[0].upper() + text[1:]
        return Target("partner", "local", slug(name), name, "multi-agency-body")
    if _UNIT_TAIL.search(text):
        tail_kind = next((m.target.kind for m in matches if m.target.role == "unit" and m.end >= len(text) - 1),
                         "specialist-unit")
        if any(m.target.role == "partner" for m in matches):
            return None
        name = text[0].upper() + text[1:]
        return Target("unit", "unit", slug(name), name, tail_kind)
    return None


def build_lexicon(report: Report) -> ReportLexicon:
    info = report.info
    lex = ReportLexicon(info.force_id, info.force_name, force_area(info.force_name),
                        dict(gazetteer().abbreviation_targets))
    glossary_abbrs: dict[str, Target] = {}
    for entry in sorted(report.glossary, key=lambda e: (e.abbreviation, e.expansion)):
        abbr = entry.abbreviation.strip()
        if not re.fullmatch(r"[A-Za-z&][A-Za-z&]{1,9}", abbr):
            continue  # 'ACC (TP)', 'Form 40a': roles and forms, not bodies
        target = _glossary_target(entry.expansion, lex)
        if target is None:
            continue
        glossary_abbrs[abbr] = Target(target.role, target.scope, target.key, target.name, target.kind,
                                      target.local_type, target.abbreviation or abbr)
    lex.abbreviations.update(glossary_abbrs)
    return lex


# ---------------------------------------------------------------------------------------------
# Text walking: paragraphs → sentences with line spans, skipping template boilerplate

# Template text every report of a programme prints (HMIC's introduction, the 'National
# contextual factors' boxes, glossary, data annex): it names bodies in general, not this
# force's partners.
_SKIP_START = re.compile(r"^(?:Introduction to HMIC Inspections?|National contextual factors)$", re.I)
_SKIP_END_AFTER_INTRO = re.compile(r"^(?:Force Overview and Context|Force in numbers|Geographical description)", re.I)
_SKIP_TO_END = re.compile(r"^(?:Appendix\b|Glossary\b|Annex [A-Z]\b)", re.I)
# Personal contacts, data-source notes and footnotes (which define terms in general: 'Forces
# often need to work collaboratively ...') say nothing about this force's partners.
_SKIP_PARAGRAPH = re.compile(
    r"^(?:FORCE CONTACT|Source:|For further information about these data|©|ISBN|[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s?\S)", re.I
)
_HEADING_MAX = 80


def _is_heading(text: str) -> bool:
    return len(text) <= _HEADING_MAX and not re.search(r"[.;:,]$", text)


# Section kinds (set by the layouts) that hold template text, not this force's work. The glossary
# is found here by its own heading (the last one), so a layout's misjudged glossary span cannot
# hide the report's body.
_SKIPPED_SECTION_KINDS = {"cover", "contents", "introduction", "national-context", "annex",
                          "next-steps", "summary-table"}
# Without sections, the 'National contextual factors' box runs until the force's own text.
_BOX_END = re.compile(r"^(?:Contextual factors|Strengths|Work in progress|Areas? for improvement|GRADE\b)", re.I)


def report_paragraphs(report: Report) -> list[Paragraph]:
    """The report's paragraphs that may name this force's units and partners."""
    skipped = [s.span for s in report.sections if s.kind in _SKIPPED_SECTION_KINDS]
    footnotes = report.footnote_lines()
    out: list[Paragraph] = []
    mode: str | None = None  # None, 'intro', 'box'
    paras = split_paragraphs(report.document.lines)
    # The contents page lists 'Appendix: Glossary' too: only its last occurrence starts the end.
    tail = max((i for i, p in enumerate(paras) if _is_heading(p.text.strip()) and _SKIP_TO_END.match(p.text.strip())),
               default=len(paras))
    for i, para in enumerate(paras):
        text = para.text.strip()
        heading = _is_heading(text)
        if i >= tail:
            break
        if heading and _SKIP_START.match(text):
            mode = "intro" if text.lower().startswith("introduction") else "box"
            continue
        if mode == "intro" and heading and _SKIP_END_AFTER_INTRO.match(text):
            mode = None
        elif mode == "box" and heading and _BOX_END.match(text):
            mode = None
        if mode is not None or _SKIP_PARAGRAPH.match(text):
            continue
        if any(s.start <= para.span.start <= s.end for s in skipped):
            continue
        if para.span.start in footnotes:  # marked by the layout ('⁻ Pursue ...', a note's URL)
            continue
        out.append(para)
    return out


@dataclass(frozen=True)
class Sentence:
    text: str
    span: Span
    line_offsets: tuple[tuple[int, int], ...]  # (char offset in text, line number)
    lead_in: str = ""  # for a bullet item: the sentence that introduces the list

    @property
    def with_lead_in(self) -> str:
        """'- roads policing (with the Highways Agency);' reads as joint work only after its
        lead-in 'collaborative opportunities ... include:'."""
        return f"{self.lead_in} {self.text}".strip()

    def line_at(self, offset: int) -> int:
        line = self.line_offsets[0][1]
        for start, number in self.line_offsets:
            if start > offset:
                break
            line = number
        return line


_SENTENCE_END = re.compile(r"(?<=[.!?])[’'\")\]]?\s+(?=[A-Z0-9‘'\"(])")
_SENTENCE_MARK = re.compile(r"[.!?]")  # what _SENTENCE_END's lookbehind needs before it
_ABBREV_BEFORE = re.compile(r"(?:\b(?:eg|ie|etc|St|No|Mr|Mrs|Ms|Dr|Supt|Insp|Sgt|Det|Ch|cf|vs)\.|\b[A-Z]\.)$")
_ABBREV_BEFORE_WIDTH = 5  # its longest match ('Supt.'): see _ends_with
_BULLET = re.compile(r"^(?:[-•●▪◦*]|\d{1,2}[.)])\s+")


def _ends_with(pattern: re.Pattern[str], width: int, text: str, end: int) -> bool:
    """Whether ``pattern`` (anchored by a final '$', its matches at most ``width`` characters
    long) matches ``text[:end]``. Only the last ``width`` + 1 characters (a '$' also matches
    before a final newline) are searched: searching every prefix of a paragraph in full was
    quadratic. Lookbehinds and \\b still see the text before the window, as they would in
    the slice."""
    return pattern.search(text, max(0, end - width - 1), end) is not None


def _paragraph_lines(para: Paragraph, lines_by_number: dict[int, Line]) -> list[tuple[int, str]]:
    out = []
    for n in range(para.span.start, para.span.end + 1):
        ln = lines_by_number.get(n)
        if ln is None or ln.furniture or not ln.text.strip():
            continue
        out.append((n, " ".join(ln.text.split())))
    return out


def sentences(para: Paragraph, lines_by_number: dict[int, Line], lead_in: str = "") -> Iterator[Sentence]:
    """Split a paragraph into sentences (and bullet items), each with its original lines."""
    pieces = _paragraph_lines(para, lines_by_number)
    text = " ".join(t for _, t in pieces)
    offsets: list[tuple[int, int]] = []
    cuts = {0}
    pos = 0
    for number, piece in pieces:
        offsets.append((pos, number))
        if pos and _BULLET.match(piece):
            cuts.add(pos)
        pos += len(piece) + 1
    if text != para.text:  # paragraph built differently: fall back to one span for all
        text, offsets, cuts = para.text, [(0, para.span.start)], {0}
    for m in sentence_ends(_SENTENCE_END, _SENTENCE_MARK, text):
        if not _ends_with(_ABBREV_BEFORE, _ABBREV_BEFORE_WIDTH, text, m.start()):
            cuts.add(m.end())
    bounds = sorted(cuts) + [len(text)]
    line_starts = [o for o, _ in offsets]  # ascending, as are the line numbers
    for a, b in zip(bounds, bounds[1:]):
        chunk = text[a:b]
        if not chunk.strip():
            continue
        lead = len(chunk) - len(chunk.lstrip())
        start, end = a + lead, a + len(chunk.rstrip())
        # The sentence's lines: the one it starts on (at offset 0), then those starting before its end.
        first = bisect_right(line_starts, start) - 1
        stop = bisect_left(line_starts, end)
        local = ((0, offsets[first][1]),) + tuple((o - start, n) for o, n in offsets[first + 1:stop])
        first_line, last_line = offsets[first][1], offsets[stop - 1][1]
        sentence_text = text[start:end]
        bullet = bool(_BULLET.match(sentence_text))
        yield Sentence(sentence_text, Span(first_line, last_line), local, lead_in if bullet else "")
        if not bullet:
            lead_in = sentence_text if sentence_text.rstrip().endswith(":") or "include" in sentence_text else ""


# ---------------------------------------------------------------------------------------------
# Partnership evidence

_NEGATED_CUE = re.compile(
    r"\b(?:no|not|nor|lack(?:s|ed|ing)? (?:of|any)|absence of|without|yet to|never|little|limited|"
    r"needs? to|needed to|should|could)\b[^.;]{0,40}$", re.I
)
_NEGATED_CUE_WIDTH = 51  # its longest match: 'lacking any' and 40 more characters
# 'ACPO guidance', 'the ACPO/NCPE doctrine': the body's documents, not work with the body.
_DOCUMENT_AFTER = re.compile(
    r"^(?:\s*/\s*[A-Z]{2,}|’s|'s)*\s+(?:\w+\s+){0,2}?(?:guidance|guidelines|doctrines?|standards?|codes? of practice|"
    r"manuals?|definitions?|tracking system|toolkit|targets?)\b"
)
# A sentence about what HMIC itself does (consulting the Home Office) is not the force's work.
# Nor is a general statement about all forces ('Police forces have a critical role ... alongside ...').
_INSPECTORATE_SUBJECT = re.compile(
    r"^(?:HMIC|The inspectorate|Inspectors|HM Inspectors?|HMI|(?:All )?(?:police )?forces|Police forces)\b", re.I
)
_PERSONAL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|\(?\b0\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}\b")
_FORCE_ONLY_TYPES = {"force-collaboration"}
_GENERAL_TYPES_FOR_FORCES = {"co-location", "joint-unit", "information-sharing", "joint-funding", "joint-training"}


def scrub_personal(text: str) -> str:
    """Evidence text never carries an e-mail address or phone number."""
    if "@" not in text and "0" not in text:
        return text  # an address needs its '@', a phone number its leading 0: most text has neither
    return _PERSONAL.sub("[removed]", text)


def partnership_types(sentence: str, partner_role: str, partner_kind: str | None) -> list[str]:
    """Partnership types the sentence shows, [] when it is a passing mention."""
    if _INSPECTORATE_SUBJECT.match(sentence):
        return []
    is_force = partner_kind == "other-police-force"
    found: list[str] = []
    for type_slug, cue in gazetteer().partnership_cues:
        if type_slug in _FORCE_ONLY_TYPES and not is_force:
            continue
        if is_force and type_slug not in _FORCE_ONLY_TYPES | _GENERAL_TYPES_FOR_FORCES:
            continue
        for m in cue.finditer(sentence):
            if not _ends_with(_NEGATED_CUE, _NEGATED_CUE_WIDTH, sentence, m.start()):
                found.append(type_slug)
                break
    specific = [t for t in found if t != "joint-working"]
    return sorted(set(specific)) if specific else sorted(set(found))


# ---------------------------------------------------------------------------------------------
# The stage


def _org_id(target: Target, force_id: str) -> str:
    if target.scope == "national":
        return target.key
    if target.scope == "force":
        return target.key
    if target.scope == "unit":
        return f"{force_id}/unit/{target.key}"
    return f"{force_id}/{target.key}"


@lru_cache(maxsize=1)
def _gazetteer_kinds() -> dict[tuple[str, str], Target]:
    """(scope, key) → the gazetteer's own target for every local body type and unit kind."""
    return {(t.scope, t.key): t for t in gazetteer().label_targets.values() if t.scope in ("local", "unit")} | {
        (t.scope, t.key): t for t in gazetteer().abbreviation_targets.values() if t.scope in ("local", "unit")}


def _canonical(target: Target) -> Target | None:
    """The gazetteer entry a target stands for, when it is a local body type or a unit kind."""
    if target.scope == "local" and target.local_type:
        return _gazetteer_kinds().get(("local", target.local_type))
    if target.scope == "unit":
        return _gazetteer_kinds().get(("unit", target.key))
    return None


def _display_name(target: Target, area: str) -> str:
    """One name per node whichever report names it: a local body type gets its force area
    ('County council (Essex)'; 'Essex County Council' as written becomes an alt label), a unit
    kind its kind's name ('Public protection unit')."""
    canonical = _canonical(target)
    if canonical is not None:
        name = canonical.name[0].upper() + canonical.name[1:]
        return f"{name} ({area})" if target.scope == "local" else name
    return target.name


def extract_organisations(report: Report) -> tuple[list[Organisation], list[Partnership]]:
    """Units, partners and the partnerships the text shows, each with original line spans."""
    mentions = find_mentions(report)
    return organisations_from(mentions, report), partnerships_from(mentions)


# A sentence that goes on about the body the one before named ('This ...', '... the project ...').
# Two patterns, the second opening with its literal 'the ' (the lookbehind is its '\b'), so that
# re skips to each 'the ' in C rather than trying both at every character (4x faster).
_REFERS_BACK_OPENING = re.compile(r"(?:This|These|It|They|Its|Their)\b")
_REFERS_BACK_NOUN = re.compile(
    r"the (?<!\wthe )(?:project|scheme|initiative|pilot|team|unit|group|board|"
    r"partnership|panel|hub|service|organisation|charity)\b(?! of\b)"
)


def _refers_back(text: str) -> bool:
    return bool(_REFERS_BACK_OPENING.match(text) or _REFERS_BACK_NOUN.search(text))


@dataclass(frozen=True)
class _Found:
    mention: OrganisationMention
    target: Target
    sentence: Sentence
    cites_document: bool = False  # the mention names the body's guidance, not the body at work
    follow_on: Sentence | None = None  # the next sentence, when it refers back to this one


def find_mentions(report: Report) -> list[_Found]:
    lex = build_lexicon(report)
    lines_by_number = {ln.number: ln for ln in report.document.lines}
    found: list[_Found] = []
    previous = ""
    for para in report_paragraphs(report):
        # A list whose lead-in paragraph ends with ':' reads in the light of that lead-in.
        lead_in = previous if previous.rstrip().endswith(":") else ""
        previous = para.text
        sents = list(sentences(para, lines_by_number, lead_in))
        for i, sent in enumerate(sents):
            follow_on = sents[i + 1] if i + 1 < len(sents) and _refers_back(sents[i + 1].text) else None
            for m in find_matches(sent.text, lex):
                t = m.target
                if t.role == "force" and t.key == lex.force_id:
                    continue  # the report's own force is not its own partner
                line = sent.line_at(m.start)
                mention = OrganisationMention(
                    surface=m.surface, org_id=_org_id(t, lex.force_id), name=_display_name(t, lex.area),
                    role=t.role, kind=t.kind, span=Span(line, max(line, sent.line_at(m.end - 1))),
                    abbreviation=t.abbreviation,
                )
                found.append(_Found(mention, t, sent, bool(_DOCUMENT_AFTER.match(sent.text[m.end:])), follow_on))
    return found


def organisations_from(found: list[_Found], report: Report) -> list[Organisation]:
    by_id: dict[str, Organisation] = {}
    written: dict[str, set[str]] = {}  # org id → proper names the text gives it ('Essex County Council')
    for f in found:
        men = f.mention
        org = by_id.get(men.org_id)
        if org is None:
            org = Organisation(men.org_id, men.name, men.role, men.kind, f.target.scope in ("national", "force"),
                               abbreviation=men.abbreviation)
            org.local_type = f.target.local_type
            by_id[men.org_id] = org
        org.mentions.append(men.span)
        org.occurrences.append(men)
        if f.target.name != men.name and not f.target.name.islower():
            written.setdefault(men.org_id, set()).add(f.target.name)
        canonical = _canonical(f.target)
        if canonical is not None or org.national:
            # gazetteer bodies and kinds: the gazetteer's abbreviation, the same in every report
            org.abbreviation = (canonical or f.target).abbreviation
        elif org.abbreviation is None and men.abbreviation:
            org.abbreviation = men.abbreviation
    for org in by_id.values():
        if _canonical_org(org) is None and not org.national:
            org.abbreviation = _abbreviation_used(org) or org.abbreviation
    for org in by_id.values():
        surfaces = {_clean_surface(m.surface) for m in org.occurrences} | written.get(org.org_id, set())
        org.alt_labels = sorted(s for s in surfaces if s and s.lower() != org.name.lower()
                                and s != org.abbreviation)
    return sorted(by_id.values(), key=lambda o: (o.role, o.org_id))


def _canonical_org(org: Organisation) -> Target | None:
    if org.role == "unit":
        return _gazetteer_kinds().get(("unit", org.org_id.rsplit("/unit/", 1)[-1]))
    return _gazetteer_kinds().get(("local", org.local_type)) if org.local_type else None


def _abbreviation_used(org: Organisation) -> str | None:
    """The abbreviation the report itself uses most for this body ('LSCB', not the gazetteer's 'ACPC')."""
    counts: dict[str, int] = {}
    for men in org.occurrences:
        surface = men.surface.strip()
        if re.fullmatch(r"[A-Z][A-Za-z&]*[A-Z](?:s|'s|’s)?", surface):
            abbr = re.sub(r"(?:s|'s|’s)$", "", surface) if not surface.endswith("S") else surface
            counts[abbr] = counts.get(abbr, 0) + 1
    return min(counts, key=lambda a: (-counts[a], a)) if counts else None


def _clean_surface(surface: str) -> str:
    s = " ".join(surface.split())
    return re.sub(r"^(?:the|The)\s+", "", s)


def partnerships_from(found: list[_Found]) -> list[Partnership]:
    by_partner: dict[str, Partnership] = {}
    # A sentence naming several bodies is read for cues once per kind of partner, not per mention:
    # partnership_types tells only other forces from other partners.
    types_found: dict[tuple[str, bool], list[str]] = {}

    def types_in(sentence: str, role: str, kind: str | None) -> list[str]:
        key = (sentence, kind == "other-police-force")
        if key not in types_found:
            types_found[key] = partnership_types(sentence, role, kind)
        return types_found[key]

    for f in found:
        men = f.mention
        if men.role == "unit" or f.cites_document:
            continue
        types = types_in(f.sentence.with_lead_in, men.role, men.kind)
        if types:
            evidence = Evidence(scrub_personal(f.sentence.text), f.sentence.span)
        elif f.follow_on is not None:
            # 'Connexions is a pilot project ... All missing persons are referred to the project.'
            types = types_in(f.follow_on.text, men.role, men.kind)
            evidence = Evidence(scrub_personal(f"{f.sentence.text} {f.follow_on.text}"),
                                f.sentence.span.union(f.follow_on.span))
        if not types:
            continue
        p = by_partner.setdefault(men.org_id, Partnership(men.org_id, []))
        if evidence not in p.evidence:
            p.evidence.append(evidence)
        p.types = sorted(set(p.types) | set(types))
    for p in by_partner.values():
        p.evidence.sort(key=lambda e: (e.span.start, e.span.end, e.text))
        # 'joint working' only when nothing more specific is shown anywhere.
        if len(p.types) > 1 and "joint-working" in p.types:
            p.types.remove("joint-working")
    return sorted(by_partner.values(), key=lambda p: p.partner_id)
