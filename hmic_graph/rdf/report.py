"""One Report's records → an rdflib Graph (CONTRACT data model).

Every extracted node carries hmic:lineStart/lineEnd (1-based lines of the source file) and
an rdfs:label; there are no blank nodes, so output is deterministic and diffable. The graph
also carries the labels of the shared nodes it points at (force, programme, areas, grades) so
that one report's graph can be read on its own.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import PurePath

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .. import vocab
from ..model import ContextFact, Finding, HmicError, Judgement, PracticeExample, Report, Span
from ..resources import ONTOLOGY_DIR
from ..vocab import HMIC, SCHEMA

KIND_LABEL = {
    "recommendation": "Recommendation",
    "area-for-improvement": "Area for improvement",
    "cause-of-concern": "Cause of concern",
    "observation": "Observation",
    "good-practice": "Good practice",
}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


# What the writers add triples to: an rdflib Graph, or a plain set of (s, p, o) tuples, which
# is several times cheaper to fill when the triples only become N-Triples (the build).
Triples = Graph | set


def en(text: str) -> Literal:
    return Literal(text, lang="en")


def decimal_literal(value: Decimal) -> Literal:
    """An xsd:decimal in canonical form ("0.9", "12"; never "0.90" or "-0"): the form Oxigraph
    keeps, so graph.ttl, the store and an export hold the same literal."""
    return Literal(f"{value.normalize() or Decimal(0):f}", datatype=XSD.decimal)


@lru_cache(maxsize=65536)
def positive_integer(n: int) -> Literal:
    """Line and page numbers recur on every node: one Literal per number, not per use."""
    return Literal(n, datatype=XSD.positiveInteger)


def add_lines(g: Triples, node: URIRef, span: Span | None,
              start=HMIC.lineStart, end=HMIC.lineEnd) -> None:
    if span is None:
        return
    g.add((node, start, positive_integer(span.start)))
    g.add((node, end, positive_integer(span.end)))


def _programme_year(programme_id: str, fallback: int) -> int:
    m = re.search(r"(19|20)\d\d", programme_id)
    return int(m.group(0)) if m else fallback


def grade_scale_id(programme_id: str, year: int) -> str:
    """Which grade scale a programme uses (the scales are described in ontology/grades.ttl).

    PEEL graded on Outstanding/Good/Requires improvement/Inadequate until 2020 and added
    'Adequate' from 2021; the pre-PEEL HMIC inspections used Excellent/Good/Fair/Poor.
    """
    if programme_id.startswith("peel"):
        return "peel-2021" if _programme_year(programme_id, year) >= 2021 else "peel-2014"
    return "hmic-2007"


@lru_cache(maxsize=1)
def _grades_file() -> Graph:
    g = Graph()
    path = ONTOLOGY_DIR / "grades.ttl"
    if path.exists():
        g.parse(path, format="turtle")
    return g


@lru_cache(maxsize=1)
def _known_grades() -> dict[URIRef, str]:
    """Grade concept IRI → canonical prefLabel, from ontology/grades.ttl."""
    g = _grades_file()
    return {s: str(o) for s, o in g.subject_objects(SKOS.prefLabel)
            if (s, RDF.type, HMIC.Grade) in g and isinstance(s, URIRef)}


@lru_cache(maxsize=1)
def _known_programmes() -> dict[URIRef, tuple[str, URIRef | None]]:
    """Programme IRI → (canonical label, grade scale), for the programmes grades.ttl lists."""
    g = _grades_file()
    return {s: (str(g.value(s, RDFS.label)), g.value(s, HMIC.gradeScale))
            for s in g.subjects(RDF.type, HMIC.Programme) if isinstance(s, URIRef)}


def grade_node(g: Triples, scale_id: str, label: str) -> URIRef:
    """The grade concept; its labels come from grades.ttl so every report agrees on them."""
    node = vocab.grade(scale_id, label)
    known = _known_grades().get(node)
    g.add((node, RDF.type, HMIC.Grade))
    g.add((node, SKOS.prefLabel, en(known or label)))
    g.add((node, RDFS.label, en(known or label)))
    if known:
        # An unknown grade gets no scheme, so SHACL reports it instead of it passing silently.
        g.add((node, SKOS.inScheme, vocab.grade_scale(scale_id)))
    return node


def issued_literal(year: int, month: int | None, day: int | None) -> Literal:
    if month and day:
        return Literal(f"{year:04d}-{month:02d}-{day:02d}", datatype=XSD.date)
    if month:
        return Literal(f"{year:04d}-{month:02d}", datatype=XSD.gYearMonth)
    return Literal(f"{year:04d}", datatype=XSD.gYear)


def _snippet(text: str, words: int = 10) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


class _ReportWriter:
    """Holds the report-wide context (ids, scale, graph) while records are mapped."""

    def __init__(self, report: Report, include_contacts: bool, g: Triples | None = None):
        self.report = report
        self.info = report.info
        self.rid = report.info.report_id
        self.include_contacts = include_contacts
        if g is None:
            g = Graph()
            for prefix, ns in vocab.PREFIXES.items():
                g.bind(prefix, ns)
        self.g = g
        self.node = vocab.report(self.rid)
        _, listed_scale = _known_programmes().get(vocab.programme(self.info.programme), (None, None))
        self.scale = (str(listed_scale).rsplit("/", 1)[1] if listed_scale
                      else grade_scale_id(self.info.programme, self.info.year))
        # PDF sources: the page of each line, so nodes can say which page they were read from.
        self.pages = {ln.number: ln.page for ln in report.document.lines if ln.page}
        self.areas: dict[str, URIRef] = {}  # shared nodes are described once per report
        self.grades: dict[str, URIRef] = {}

    def lines(self, node: URIRef, span: Span | None) -> None:
        """hmic:lineStart/lineEnd, and hmic:page of the first line for PDF sources."""
        add_lines(self.g, node, span)
        page = self.pages.get(span.start) if span is not None else None
        if page:
            self.g.add((node, HMIC.page, positive_integer(page)))

    def grade(self, label: str) -> URIRef:
        node = self.grades.get(label)
        if node is None:
            node = self.grades[label] = grade_node(self.g, self.scale, label)
        return node

    # -- shared nodes ---------------------------------------------------------------
    def area(self, title: str | None, parent: str | None) -> URIRef | None:
        if not title:
            return None
        key = f"{title}\x00{parent or ''}"
        if key in self.areas:
            return self.areas[key]
        g, prog = self.g, self.info.programme
        node = vocab.area(prog, title)
        scheme = vocab.area_scheme(prog)
        g.add((node, RDF.type, HMIC.InspectionArea))
        g.add((node, SKOS.prefLabel, en(title)))
        g.add((node, RDFS.label, en(title)))
        g.add((node, SKOS.inScheme, scheme))
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, RDFS.label, en(f"Inspection areas of {self.info.programme_label}")))
        if parent and vocab.slug(parent) != vocab.slug(title):
            parent_node = self.area(parent, None)
            g.add((node, SKOS.broader, parent_node))
        else:
            g.add((scheme, SKOS.hasTopConcept, node))
        self.areas[key] = node
        return node

    # -- report ---------------------------------------------------------------------
    def report_node(self) -> None:
        g, info, doc, node = self.g, self.info, self.report.document, self.node
        force = vocab.force(info.force_id)
        g.add((force, RDF.type, HMIC.PoliceForce))
        g.add((force, RDFS.label, en(info.force_name)))
        programme = vocab.programme(info.programme)
        # A known programme keeps its one label, however a report happens to print it.
        label, _ = _known_programmes().get(programme, (info.programme_label, None))
        g.add((programme, RDF.type, HMIC.Programme))
        g.add((programme, RDFS.label, en(label)))
        g.add((programme, HMIC.gradeScale, vocab.grade_scale(self.scale)))

        when = f"{MONTHS[info.month - 1]} {info.year}" if info.month else str(info.year)
        g.add((node, RDF.type, HMIC.InspectionReport))
        g.add((node, RDFS.label, en(f"{info.force_name}: {info.programme_label} ({when})")))
        g.add((node, DCTERMS.title, Literal(info.title)))
        g.add((node, DCTERMS.issued, issued_literal(info.year, info.month, info.day)))
        g.add((node, HMIC.aboutForce, force))
        g.add((node, HMIC.programme, programme))
        if info.isbn:
            g.add((node, SCHEMA.isbn, Literal(info.isbn)))
        if info.assessment_period:
            g.add((node, HMIC.assessmentPeriod, Literal(info.assessment_period)))
        if info.forces_inspected:
            # National grade distributions must sum to it (shapes/rules.ttl).
            g.add((node, HMIC.forcesInspected, Literal(info.forces_inspected, datatype=XSD.positiveInteger)))
        self.lines(node, info.span)

        source = vocab.source(doc.sha256)
        name = PurePath(doc.source).name  # never a local directory path
        g.add((node, PROV.wasDerivedFrom, source))
        g.add((source, RDF.type, HMIC.SourceDocument))
        g.add((source, RDFS.label, Literal(name)))
        g.add((source, HMIC.sha256, Literal(doc.sha256)))
        g.add((source, DCTERMS.source, Literal(name)))
        g.add((source, DCTERMS["format"], Literal(doc.media_type)))
        if doc.lines:
            # Line numbers are the file's: ingest re-joins hard-wrapped lines under the first
            # one's number, so len(doc.lines) can be far fewer than the lines cited.
            g.add((source, HMIC.lineCount, Literal(doc.lines[-1].number, datatype=XSD.positiveInteger)))
        if doc.size:
            g.add((source, HMIC.byteSize, Literal(doc.size, datatype=XSD.nonNegativeInteger)))

    # -- judgements -----------------------------------------------------------------
    def judgements(self) -> None:
        used: set[str] = set()
        for j in self.report.judgements:
            key = vocab.slug(f"{j.parent_area} {j.area}" if j.parent_area else j.area)
            base, n = key, 2
            while key in used:  # the same area judged twice stays two nodes
                key, n = f"{base}-{n}", n + 1
            used.add(key)
            self.judgement(j, vocab.judgement(self.rid, key))

    def judgement(self, j: Judgement, node: URIRef) -> None:
        g = self.g
        g.add((node, RDF.type, HMIC.Judgement))
        g.add((node, RDFS.label, en(f"{j.area}: {j.grade or 'not graded'} ({self.rid})")))
        g.add((node, HMIC.inReport, self.node))
        area = self.area(j.area, j.parent_area)
        g.add((node, HMIC.inArea, area))
        if j.grade:
            g.add((node, HMIC.grade, self.grade(j.grade)))
        if j.section_grade:
            g.add((node, HMIC.sectionGrade, self.grade(j.section_grade)))
        if j.summary_grade:
            g.add((node, HMIC.summaryGrade, self.grade(j.summary_grade)))
        if j.grade_conflict:
            g.add((node, HMIC.gradeConflict, Literal(True)))
        if j.overall:
            g.add((node, HMIC.overall, Literal(True)))
        self.lines(node, j.span)
        add_lines(g, node, j.summary_span, HMIC.summaryLineStart, HMIC.summaryLineEnd)
        for count in j.national_distribution:
            c = vocab.national_count(node, count.grade)
            g.add((c, RDF.type, HMIC.GradeCount))
            g.add((c, RDFS.label, en(f"{count.forces} forces graded {count.grade} for {j.area}")))
            g.add((c, HMIC.grade, self.grade(count.grade)))
            g.add((c, HMIC.forceCount, Literal(count.forces, datatype=XSD.integer)))
            g.add((node, HMIC.nationalCount, c))
            self.lines(c, j.summary_span or j.span)

    # -- findings -------------------------------------------------------------------
    def findings(self) -> None:
        seen: dict[str, int] = {}
        used: set[URIRef] = set()
        for f in self.report.findings:
            seen[f.kind] = seen.get(f.kind, 0) + 1
            # Extractors number findings per kind; fall back on list order when they did not.
            ordinal = f.ordinal or seen[f.kind]
            node = vocab.finding(self.rid, f.kind, ordinal)
            if node in used:  # two findings on one IRI would silently merge their texts
                raise HmicError(self.report.document.source,
                                f"two {f.kind} findings share ordinal {ordinal} (lines {f.span.start}-{f.span.end})")
            used.add(node)
            self.finding(f, node, ordinal)

    def finding(self, f: Finding, node: URIRef, ordinal: int) -> None:
        g = self.g
        g.add((node, RDF.type, vocab.FINDING_CLASS[f.kind]))
        # Printed area-for-improvement numbers restart in each section: only a
        # recommendation's number names it uniquely enough for a label.
        shown = f.number if f.number is not None and f.kind == "recommendation" else ordinal
        g.add((node, RDFS.label, en(f"{KIND_LABEL[f.kind]} {shown} ({self.rid}): {_snippet(f.text)}")))
        g.add((node, HMIC.inReport, self.node))
        area = self.area(f.area, f.parent_area)
        if area is not None:
            g.add((node, HMIC.inArea, area))
        g.add((node, HMIC.text, Literal(" ".join(f.text.split()))))
        if f.number is not None and f.kind == "recommendation":
            g.add((node, HMIC.recommendationNumber, Literal(f.number, datatype=XSD.positiveInteger)))
        if f.observation_kind:
            g.add((node, HMIC.observationKind, Literal(f.observation_kind)))
        self.lines(node, f.span)
        add_lines(g, node, f.list_span, HMIC.listLineStart, HMIC.listLineEnd)
        for issue in sorted(set(f.issues)):
            g.add((node, HMIC.addressesIssue, vocab.issue(issue)))

    # -- practice examples ----------------------------------------------------------
    def practices(self) -> None:
        for i, p in enumerate(self.report.practices, start=1):
            self.practice(p, vocab.practice(self.rid, p.ordinal or i))

    def practice(self, p: PracticeExample, node: URIRef) -> None:
        g = self.g
        g.add((node, RDF.type, HMIC.GoodPractice))
        g.add((node, RDFS.label, en(f"Practice example ({self.rid}): {p.title}")))
        g.add((node, HMIC.inReport, self.node))
        area = self.area(p.area, p.parent_area)
        if area is not None:
            g.add((node, HMIC.inArea, area))
        g.add((node, DCTERMS.title, Literal(p.title)))
        g.add((node, HMIC.text, Literal(" ".join(p.text.split()))))
        for prop, value in ((HMIC.practiceProblem, p.problem), (HMIC.practiceSolution, p.solution),
                            (HMIC.practiceOutcome, p.outcome)):
            if value:
                g.add((node, prop, Literal(" ".join(value.split()))))
        self.lines(node, p.span)
        for issue in sorted(set(p.issues)):
            g.add((node, HMIC.addressesIssue, vocab.issue(issue)))
        for i, c in enumerate(p.contacts, start=1):
            cnode = vocab.contact(node, i)
            g.add((node, HMIC.forceContact, cnode))
            g.add((cnode, RDF.type, HMIC.ForceContact))
            g.add((cnode, RDFS.label, en(f"Force contact: {c.role or 'role not stated'}")))
            if c.role:
                g.add((cnode, HMIC.role, Literal(c.role)))
            self.lines(cnode, c.span)
            if self.include_contacts:  # personal data: only on explicit request
                if c.name:
                    g.add((cnode, SCHEMA.name, Literal(c.name)))
                if c.phone:
                    g.add((cnode, SCHEMA.telephone, Literal(c.phone)))
                if c.email:
                    g.add((cnode, SCHEMA.email, Literal(c.email)))

    # -- glossary, facts, conflicts -------------------------------------------------
    def glossary(self) -> None:
        g = self.g
        for e in self.report.glossary:
            node = vocab.glossary_entry(self.rid, e.abbreviation)
            if (node, RDF.type, HMIC.GlossaryEntry) in g:
                continue  # a glossary repeats an abbreviation: the first entry stands
            g.add((node, RDF.type, HMIC.GlossaryEntry))
            g.add((node, RDFS.label, en(f"{e.abbreviation}: {e.expansion}")))
            g.add((node, HMIC.inReport, self.node))
            g.add((node, HMIC.abbreviation, Literal(e.abbreviation)))
            g.add((node, HMIC.expansion, Literal(e.expansion)))
            self.lines(node, e.span)

    def facts(self) -> None:
        for i, f in enumerate(self.report.facts, start=1):
            self.fact(f, vocab.fact(self.rid, i))

    def fact(self, f: ContextFact, node: URIRef) -> None:
        g = self.g
        value = Decimal(repr(float(f.value))).normalize()
        shown = f"{value:f}" + (f" {f.unit}" if f.unit else "")
        g.add((node, RDF.type, HMIC.ContextFact))
        g.add((node, RDFS.label, en(f"{f.label}: {shown} ({self.rid})")))
        g.add((node, HMIC.inReport, self.node))
        g.add((node, HMIC.factLabel, Literal(f.label)))
        g.add((node, HMIC.factValue, decimal_literal(value)))
        if f.unit:
            g.add((node, HMIC.unit, Literal(f.unit)))
        g.add((node, HMIC.text, Literal(" ".join(f.text.split()))))
        self.lines(node, f.span)

    def conflicts(self) -> None:
        g = self.g
        for i, c in enumerate(self.report.conflicts, start=1):
            node = vocab.conflict(self.rid, i)
            g.add((node, RDF.type, HMIC.Conflict))
            g.add((node, RDFS.label, en(f"Conflict in {self.rid}: {c.what}")))
            g.add((node, HMIC.inReport, self.node))
            g.add((node, HMIC.conflictAbout, Literal(c.what)))
            g.add((node, HMIC.text, Literal(" ".join(c.detail.split()))))
            self.lines(node, c.span)


def report_graph(report: Report, include_contacts: bool = False, g: Triples | None = None) -> Triples:
    """Records of one report → triples, added to ``g`` (a new Graph when None) and returned.
    Names, phones and e-mails only with include_contacts."""
    w = _ReportWriter(report, include_contacts, g)
    w.report_node()
    w.judgements()
    w.findings()
    w.practices()
    w.glossary()
    w.facts()
    w.conflicts()
    return w.g
