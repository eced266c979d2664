"""Tag text with concepts of the issue taxonomy (ontology/issues.ttl).

A concept matches where one of its labels (pref, alt or hidden) occurs as whole words,
after lower-casing and folding plurals, so 'Domestic Violence' and 'domestic abuse' both
land on one concept. Labels written in capitals (DASH, MAPPA, PCSO) match only in capitals,
so that 'dash' or 'mash' in ordinary prose never fire. At each position the longest label
wins, and a concept is dropped when a narrower concept also matched: the tags say what the
text is about as specifically as the taxonomy allows.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from pathlib import Path

from ..ingest.text import paragraphs
from ..model import Document, Line, Report, Span
from ..resources import ONTOLOGY_DIR
from ..vocab import issue

TAXONOMY_FILE = ONTOLOGY_DIR / "issues.ttl"
ISSUE_NAMESPACE = str(issue(""))

_TOKEN = re.compile(r"[A-Za-z0-9]+")
_ACRONYM = re.compile(r"^[A-Z0-9]*[A-Z][A-Z0-9]*s?$")


@dataclass(frozen=True)
class Concept:
    id: str  # local name under id/issue/, e.g. 'missing-persons'
    pref_label: str
    broader: tuple[str, ...]
    labels: tuple[str, ...]  # pref + alt + hidden, as written in the taxonomy
    top: bool  # a top concept of the scheme: a broad theme, never evidence on its own


class _LabelNode:
    """A node of the labels' trie: reached by a label's words (as _label_key gives them);
    ``concept``: the least concept id of the labels ending here. The next word of a label
    is matched by its lower-case form (``by_lower``) or, case-sensitive, by its original
    form (``by_original``)."""

    __slots__ = ("concept", "by_lower", "by_original")

    def __init__(self) -> None:
        self.concept: str | None = None
        self.by_lower: dict[str, _LabelNode] = {}
        self.by_original: dict[str, _LabelNode] = {}


@dataclass
class Taxonomy:
    concepts: dict[str, Concept]
    _ancestors: dict[str, frozenset[str]] = field(default_factory=dict)
    _index: dict[str, list[tuple[tuple[tuple[str, bool], ...], str]]] = field(default_factory=dict)
    # The labels as a trie of their words (see _LabelNode), and for each word as written the
    # trie's nodes for it as a first word (filled as words are met): see match_concepts.
    _starts: _FirstSteps | None = field(default=None, repr=False)

    def ancestors(self, concept_id: str) -> frozenset[str]:
        """All concepts reachable by skos:broader (transitively), not including itself."""
        if concept_id not in self._ancestors:
            seen: set[str] = set()
            stack = list(self.concepts[concept_id].broader)
            while stack:
                c = stack.pop()
                if c not in seen:
                    seen.add(c)
                    stack.extend(self.concepts[c].broader)
            self._ancestors[concept_id] = frozenset(seen)
        return self._ancestors[concept_id]

    def covers(self, general: str, specific: str) -> bool:
        """True when ``specific`` is ``general`` or one of its narrower concepts."""
        return general == specific or general in self.ancestors(specific)

    def depth(self, concept_id: str) -> int:
        return 0 if self.concepts[concept_id].top else 1 + min(
            self.depth(b) for b in self.concepts[concept_id].broader
        )


@lru_cache(maxsize=1 << 16)  # pure, and called for every word of every sentence
def _stem(token: str) -> str:
    """Fold plurals: 'persons'→'person', 'profiles'→'profile', 'PCSOs'→'PCSO', 'bodies'→'body'."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


@lru_cache(maxsize=1 << 16)  # pure, and called for every word of every finding
def _token_forms(raw: str) -> tuple[str, str]:
    return _stem(raw.lower()), _stem(raw)


def _label_key(label: str) -> tuple[tuple[str, bool], ...]:
    """A label as words to match; capitalised acronyms (2+ capitals) match case-sensitively."""
    key = []
    for m in _TOKEN.finditer(label):
        raw = m.group()
        acronym = sum(ch.isupper() for ch in raw) >= 2 and bool(_ACRONYM.match(raw))
        key.append((_stem(raw) if acronym else _stem(raw.lower()), acronym))
    return tuple(key)


def taxonomy_from_graph(graph) -> Taxonomy:  # graph: rdflib.Graph
    from rdflib import URIRef
    from rdflib.namespace import SKOS

    concepts: dict[str, Concept] = {}
    scheme_tops = {str(o) for o in graph.objects(None, SKOS.hasTopConcept)}
    for node in sorted(set(graph.subjects(SKOS.inScheme, None)), key=str):
        iri = str(node)
        if not iri.startswith(ISSUE_NAMESPACE):
            continue
        cid = iri[len(ISSUE_NAMESPACE):]
        pref = str(graph.value(node, SKOS.prefLabel))
        labels = [pref] + sorted(
            str(o) for p in (SKOS.altLabel, SKOS.hiddenLabel) for o in graph.objects(node, p)
        )
        broader = tuple(sorted(str(b)[len(ISSUE_NAMESPACE):] for b in graph.objects(node, SKOS.broader)))
        top = iri in scheme_tops or (URIRef(iri), SKOS.topConceptOf, None) in graph
        concepts[cid] = Concept(cid, pref, broader, tuple(labels), top)
    taxonomy = Taxonomy(concepts)
    for cid, concept in concepts.items():
        for label in concept.labels:
            key = _label_key(label)
            if key:
                taxonomy._index.setdefault(key[0][0], []).append((key, cid))
    for entries in taxonomy._index.values():
        # Longest label first; ties broken by concept id so matching is deterministic.
        entries.sort(key=lambda e: (-len(e[0]), e[1]))
    return taxonomy


@lru_cache(maxsize=4)
def load_taxonomy(path: Path = TAXONOMY_FILE) -> Taxonomy:
    import rdflib

    return taxonomy_from_graph(rdflib.Graph().parse(path, format="turtle"))


class _FirstSteps(dict):
    """word as written → the trie nodes it matches as a label's first word (most words: none),
    computed on first sight of the word."""

    LIMIT = 1 << 18  # words kept; a corpus's vocabulary stays far below

    def __init__(self, root: _LabelNode):
        super().__init__()
        self.root = (root,)

    def __missing__(self, word: str) -> tuple[_LabelNode, ...]:
        if len(self) >= self.LIMIT:
            self.clear()
        found = self[word] = tuple(_steps(self.root, word))
        return found


def _label_trie(taxonomy: Taxonomy) -> _LabelNode:
    root = _LabelNode()
    for entries in taxonomy._index.values():
        for key, cid in entries:
            node = root
            for form, case_sensitive in key:
                node = (node.by_original if case_sensitive else node.by_lower).setdefault(form, _LabelNode())
            if node.concept is None or cid < node.concept:
                node.concept = cid
    return root


def _steps(nodes: list[_LabelNode] | tuple[_LabelNode, ...], word: str) -> list[_LabelNode]:
    """The children of ``nodes`` that ``word`` matches: a label word matches its lower-case
    form, or its original form when case-sensitive (acronyms)."""
    lower, original = _token_forms(word)
    found = [child for node in nodes if (child := node.by_lower.get(lower)) is not None]
    for node in nodes:
        if node.by_original and (child := node.by_original.get(original)) is not None:
            found.append(child)
    return found


def match_concepts(text: str, taxonomy: Taxonomy | None = None) -> list[str]:
    """Every concept whose label occurs in ``text`` (longest match wins), in text order.

    At each word the longest label that matches there wins, ties broken by the least concept
    id; the words it covers start no other label. Labels are matched by walking a trie of
    their words; which trie nodes a word starts is kept per distinct word (most start none),
    so only the words that start a label are visited, not every word of the text."""
    taxonomy = taxonomy or load_taxonomy()
    if taxonomy._starts is None:
        taxonomy._starts = _FirstSteps(_label_trie(taxonomy))
    words = _TOKEN.findall(text)
    first_steps = list(map(taxonomy._starts.__getitem__, words))
    found: list[str] = []
    n = len(words)
    free = 0  # the first word not covered by a label matched already
    for i in compress(range(n), first_steps):
        if i < free:
            continue
        nodes, j, best, best_end = first_steps[i], i + 1, None, i
        while True:  # one trie level per word: the deepest label end reached wins
            ends = [node.concept for node in nodes if node.concept is not None]
            if ends:
                best, best_end = min(ends), j
            if j == n:
                break
            if len(nodes) == 1 and not nodes[0].by_original:  # the usual case, inlined: one lower-case path
                child = nodes[0].by_lower.get(_token_forms(words[j])[0])
                if child is None:
                    break
                nodes = (child,)
            else:
                nodes = _steps(nodes, words[j])
                if not nodes:
                    break
            j += 1
        if best is not None:
            found.append(best)
            free = best_end
    return found


def tag_text(text: str, taxonomy: Taxonomy | None = None) -> list[str]:
    """The most specific concepts ``text`` is about: sorted ids, broader concepts of matches dropped."""
    taxonomy = taxonomy or load_taxonomy()
    matched = set(match_concepts(text, taxonomy))
    implied = set().union(*(taxonomy.ancestors(c) for c in matched)) if matched else set()
    return sorted(matched - implied)


# ---- sentences of a report (evidence units for follow-up) -------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])[’'\"”)]?(?:\s*[¹²³⁴⁵⁶⁷⁸⁹⁰]+)?\s+(?=[A-Z‘'\"(•\-–])")


_NOTE_MARK = re.compile(r"^\s*(?:[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\^\{?\d+\}?|\^?\*)")


@dataclass(frozen=True)
class Sentence:
    text: str
    span: Span
    issues: tuple[str, ...]
    paragraph: int = 0  # index of the paragraph it belongs to, to read it in context
    footnote: bool = False  # the paragraph is a footnote (starts with a note mark)


def _line_offsets(lines: list[Line], text: str, span: Span) -> list[tuple[int, int]]:
    """(offset in paragraph text, line number) for each source line the paragraph was built from."""
    offsets = []
    pos = 0
    for ln in lines:
        if ln.number < span.start or ln.number > span.end or ln.furniture:
            continue
        norm = " ".join(ln.text.split())
        if not norm:
            continue
        at = text.find(norm, pos)
        if at == pos or (at > pos and not text[pos:at].strip()):
            offsets.append((at, ln.number))
            pos = at + len(norm)
    return offsets or [(0, span.start)]


def _lines_within(lines: list[Line], numbers: list[int] | None, span: Span) -> list[Line]:
    """The lines numbered within ``span``: a slice found by bisection over ``numbers`` (the
    lines' numbers when ascending), not a walk over every line of the document per paragraph."""
    if numbers is None:
        return lines
    return lines[bisect_left(numbers, span.start):bisect_right(numbers, span.end)]


def _ascending_numbers(lines: list[Line]) -> list[int] | None:
    """The lines' numbers, or None when they are not ascending (then every line is walked)."""
    numbers = [ln.number for ln in lines]
    return numbers if all(a < b for a, b in zip(numbers, numbers[1:])) else None


def _line_at(offsets: list[tuple[int, int]], offset: int) -> int:
    line = offsets[0][1]
    for start, number in offsets:
        if start > offset:
            break
        line = number
    return line


def split_sentences(doc: Document, taxonomy: Taxonomy | None = None,
                    footnote_lines: frozenset[int] = frozenset()) -> list[Sentence]:
    """Every sentence of a document with its original lines and its issue tags.

    ``footnote_lines``: lines the layout marked as footnotes (``Report.footnote_lines``),
    for notes without a mark this module knows ('⁻ Pursue ...', a note's URL line).
    """
    taxonomy = taxonomy or load_taxonomy()
    out: list[Sentence] = []
    numbers = _ascending_numbers(doc.lines)
    for p_index, para in enumerate(paragraphs(doc.lines)):
        offsets = _line_offsets(_lines_within(doc.lines, numbers, para.span), para.text, para.span)
        footnote = bool(_NOTE_MARK.match(para.text)) or para.span.start in footnote_lines
        start = 0
        bounds = [m.start() for m in _SENTENCE_END.finditer(para.text)] + [len(para.text)]
        for end in bounds:
            piece = para.text[start:end]
            chunk = piece.strip()
            if chunk:
                first = _line_at(offsets, start + (len(piece) - len(piece.lstrip())))
                last = _line_at(offsets, max(start, end - 1))
                out.append(Sentence(chunk, Span(first, max(first, last)), tuple(tag_text(chunk, taxonomy)),
                                    p_index, footnote))
            start = end
    return out


def tag_reports(reports: list[Report]) -> list[Report]:
    """Fill ``Finding.issues`` and ``PracticeExample.issues`` of every report (in place; returned)."""
    taxonomy = load_taxonomy()
    for report in reports:
        for finding in report.findings:
            finding.issues = tag_text(finding.text, taxonomy)
        for practice in report.practices:
            practice.issues = tag_text(practice.text, taxonomy)
    return reports
