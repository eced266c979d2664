"""Follow-ups → triples (store graphs ``id/graph/links/<force-id>``).

A linker follow-up (``hmic:FollowUp``) is an EARL assertion: asserted by the later report
(``hmic:assessedIn`` ⊑ ``earl:assertedBy``), about the force (``earl:subject``), on the
earlier finding (``hmic:followUpOf`` ⊑ ``earl:test``), with a status (``hmic:followUpStatus``
⊑ ``earl:outcome``). Each evidence quote is an ``hmic:EvidenceQuote`` (⊑ ``oa:SpecificResource``)
of the later report's source file with a Web Annotation text-quote selector and its lines.

Follow-up the later report states itself becomes an ``hmic:InspectorateFollowUp`` of an
``hmic:RecalledFinding`` of an ``hmic:RecalledInspection`` stub (year, title, URL).
No blank nodes: every node has an IRI derived from the follow-up's, so output is stable.

Shortcut triples (redundant with the above, materialised so ``queries/followup.rq`` is one
join from the force's follow-ups, without a UNION over the two kinds of follow-up and
without joining every evidence node's text, which Oxigraph evaluates over the whole store):
``earl:test`` (the finding, for both kinds), ``hmic:followUpKind`` (the finding's kind as
the query shows it), one ``hmic:evidenceItem`` per evidence ("line N: text", "[finding]
line N: text" for a later formal finding), and the query's evidence and signals columns
ready-made (``hmic:evidenceSummary``, ``hmic:signalSummary``: two GROUP_CONCATs over the
product of a follow-up's signals and evidence were two thirds of the query's time); on each
followed-up finding,
``hmic:latestFollowUp``: its follow-up from the latest-issued later report of the build.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from .. import vocab
from ..link.followup import recalled_refs
from ..model import Evidence, FollowUp, Report
from ..vocab import EARL, HMIC, OA, SCHEMA
from . import new_graph
from .report import Triples, add_lines, decimal_literal, en

# rdflib's namespaces look a term up (EARL, OA: make a new URIRef) at every attribute read:
# the terms used per follow-up and per quote are read once here.
RDF_TYPE, RDFS_LABEL = RDF.type, RDFS.label
EARL_SUBJECT, EARL_TEST = EARL.subject, EARL.test
OA_HAS_SOURCE, OA_HAS_SELECTOR, OA_TEXT_QUOTE_SELECTOR, OA_EXACT = (
    OA.hasSource, OA.hasSelector, OA.TextQuoteSelector, OA.exact)


@lru_cache(maxsize=1024)
def _recurring_literal(text: str) -> Literal:
    """A plain literal of a value that recurs on many follow-ups (a signal, a kind, the
    signals' summary): made once, not once per follow-up."""
    return Literal(text)


STATUS_LABEL = {"addressed": "addressed", "partly-addressed": "partly addressed",
                "recurring": "recurring", "not-assessed": "not assessed"}


def _quote(g: Triples, node: URIRef, quote: Evidence, source: URIRef | None) -> None:
    text = " ".join(quote.text.split())
    g.add((node, RDF_TYPE, HMIC.EvidenceQuote))
    g.add((node, HMIC.text, Literal(text)))
    add_lines(g, node, quote.span)
    if source is not None:
        g.add((node, OA_HAS_SOURCE, source))
    selector = URIRef(f"{node}/selector")
    g.add((node, OA_HAS_SELECTOR, selector))
    g.add((selector, RDF_TYPE, OA_TEXT_QUOTE_SELECTOR))
    g.add((selector, OA_EXACT, Literal(text)))


def kind_label(fu: FollowUp) -> str:
    """The finding's kind as queries show it: 'area for improvement', 'recommendation (recalled)'."""
    label = fu.finding.kind.replace("-", " ")
    return f"{label} (recalled)" if fu.stated_by_inspectorate else label


FindingIndex = dict[tuple[str, str, int], tuple[str, int]]


def finding_index(reports: list[Report]) -> FindingIndex:
    """(report id, kind, ordinal) → (text as in the graph, first line) of every finding.

    Ordinals as ``rdf/report.py`` gives them (the extractor's, else the position among
    findings of that kind), so the keys are the parts of the finding IRIs."""
    index: FindingIndex = {}
    for report in reports:
        seen: dict[str, int] = {}
        for f in report.findings:
            seen[f.kind] = seen.get(f.kind, 0) + 1
            key = (report.info.report_id, f.kind, f.ordinal or seen[f.kind])
            index[key] = (" ".join(f.text.split()), f.span.start)
    return index


def evidence_items(fu: FollowUp, findings: FindingIndex) -> list[str]:
    """The evidence column of queries/followup.rq, one string per evidence; a finding not in
    the graph has no text to show (the query's join would drop it too)."""
    items = []
    for ref in fu.evidence_findings:
        found = findings.get((ref.report_id, ref.kind, ref.ordinal))
        if found is not None:
            items.append(f"[finding] line {found[1]}: {found[0]}")
    for quote in fu.evidence_quotes:
        items.append(f"line {quote.span.start}: {' '.join(quote.text.split())}")
    return items


def _common(g: Triples, node: URIRef, fu: FollowUp, later: URIRef, force: URIRef | None,
            source: URIRef | None) -> None:
    g.add((node, HMIC.inReport, later))
    g.add((node, HMIC.assessedIn, later))
    g.add((node, HMIC.followUpStatus, vocab.FOLLOW_UP_STATUS[fu.status]))
    g.add((node, HMIC.confidence, decimal_literal(Decimal(f"{fu.confidence:.2f}"))))
    if force is not None:
        g.add((node, EARL_SUBJECT, force))
    for signal in sorted(set(fu.signals)):
        g.add((node, HMIC.signal, _recurring_literal(signal)))
    for ref in fu.evidence_findings:
        g.add((node, HMIC.evidence, vocab.finding(ref.report_id, ref.kind, ref.ordinal)))
    for i, quote in enumerate(fu.evidence_quotes, start=1):
        qnode = URIRef(f"{node}/evidence/{i}")
        g.add((node, HMIC.evidence, qnode))
        _quote(g, qnode, quote, source)


def finding_iri(fu: FollowUp) -> URIRef:
    """The followed-up finding: a finding of an earlier report, or (stated follow-up) the
    finding as the later report recalls it."""
    ref = fu.finding
    if fu.stated_by_inspectorate:
        return vocab.recalled_finding(ref.report_id, fu.later_report_id, ref.kind, ref.ordinal)
    return vocab.finding(ref.report_id, ref.kind, ref.ordinal)


def _recalled(g: Triples, report: Report) -> dict[int, URIRef]:
    """Stubs of recalled inspections and their recalled findings; id(record) → finding IRI."""
    later = vocab.report(report.info.report_id)
    force = vocab.force(report.info.force_id)
    nodes: dict[int, URIRef] = {}
    for rf, ref in recalled_refs(report):
        stub = vocab.report(ref.report_id)
        g.add((stub, RDF.type, HMIC.RecalledInspection))
        g.add((stub, RDFS.label, en(f"{rf.earlier.title} (recalled in {report.info.report_id})")))
        g.add((stub, DCTERMS.title, Literal(rf.earlier.title)))
        g.add((stub, DCTERMS.issued, Literal(str(rf.earlier.year), datatype=XSD.gYear)))
        g.add((stub, HMIC.aboutForce, force))
        g.add((stub, HMIC.recalledIn, later))
        if rf.earlier.url:
            url = rf.earlier.url if "://" in rf.earlier.url else "https://" + rf.earlier.url
            g.add((stub, SCHEMA.url, Literal(url, datatype=XSD.anyURI)))
        if rf.earlier.grade:
            g.add((stub, HMIC.recalledGrade, Literal(rf.earlier.grade)))
        node = vocab.recalled_finding(ref.report_id, report.info.report_id, ref.kind, ref.ordinal)
        g.add((node, RDF.type, HMIC.RecalledFinding))
        g.add((node, RDFS.label, en(f"{rf.kind.replace('-', ' ')} recalled from {rf.earlier.title}: {rf.text[:60]}")))
        g.add((node, HMIC.text, Literal(" ".join(rf.text.split()))))
        g.add((node, HMIC.findingKind, Literal(rf.kind)))
        g.add((node, HMIC.ofRecalledInspection, stub))
        g.add((node, HMIC.recalledIn, later))
        add_lines(g, node, rf.span)
        nodes[id(rf)] = node
    return nodes


def _issued_key(report: Report | None, report_id: str) -> tuple[int, int, int, str]:
    """Later reports by issue date, then by id (a stable choice should two dates tie)."""
    if report is None:
        return (0, 0, 0, report_id)
    info = report.info
    return (info.year, info.month or 0, info.day or 0, report_id)


def followups_graph(followups: list[FollowUp], reports: list[Report], *,
                    recalled_in: list[Report] | None = None, latest: bool = True,
                    g: Triples | None = None) -> Triples:
    """The follow-ups' triples; ``reports``: the reports they mention (later reports, earlier
    reports of their findings). ``recalled_in``: whose recalled inspections to add (default
    ``reports``). ``latest``: add each finding's ``hmic:latestFollowUp`` (it needs every
    follow-up of the finding; a caller adding follow-ups in parts adds ``latest_graph`` once).
    ``g``: what to add them to and return (a new Graph when None); a set of (s, p, o) is
    several times cheaper to fill when the triples only become N-Triples (the build).
    """
    if g is None:
        g = new_graph()
    by_id = {r.info.report_id: r for r in reports}
    findings = finding_index(reports)
    for report in sorted(reports if recalled_in is None else recalled_in, key=lambda r: r.info.report_id):
        _recalled(g, report)
    # (later report id, earlier report id) → the later report's node, the force, the later
    # report's source: the same for all follow-ups of one pair of reports, so made once.
    nodes_of_pair: dict[tuple[str, str], tuple[URIRef, URIRef | None, URIRef | None]] = {}
    for fu in followups:
        pair = (fu.later_report_id, fu.finding.report_id)
        if pair not in nodes_of_pair:
            later_report = by_id.get(fu.later_report_id)
            # Both reports are of one force; the earlier one names it when the later is absent.
            force_of = later_report or by_id.get(fu.finding.report_id)
            nodes_of_pair[pair] = (vocab.report(fu.later_report_id),
                                   vocab.force(force_of.info.force_id) if force_of else None,
                                   vocab.source(later_report.document.sha256) if later_report else None)
        later, force, source = nodes_of_pair[pair]
        finding = finding_iri(fu)
        node = vocab.follow_up(finding, fu.later_report_id)
        label = (f"Follow-up in {fu.later_report_id} of {fu.finding.kind} {fu.finding.ordinal} "
                 f"of {fu.finding.report_id}: {STATUS_LABEL[fu.status]}")
        g.add((node, RDFS_LABEL, en(label)))
        g.add((node, RDF_TYPE, HMIC.FollowUp))  # explicit, so queries need no reasoner
        if fu.stated_by_inspectorate:
            g.add((node, RDF_TYPE, HMIC.InspectorateFollowUp))
            g.add((node, HMIC.followUpOfRecalled, finding))
            g.add((node, HMIC.statedByInspectorate, Literal(True)))
        else:
            g.add((node, HMIC.followUpOf, finding))
            for ref in fu.evidence_findings:
                g.add((finding, HMIC.followedUpBy, vocab.finding(ref.report_id, ref.kind, ref.ordinal)))
        _common(g, node, fu, later, force, source)
        g.add((node, EARL_TEST, finding))
        g.add((node, HMIC.followUpKind, _recurring_literal(kind_label(fu))))
        items = evidence_items(fu, findings)
        for item in items:
            g.add((node, HMIC.evidenceItem, Literal(item)))
        if items:
            g.add((node, HMIC.evidenceSummary, Literal(" | ".join(items))))
        if fu.signals:
            g.add((node, HMIC.signalSummary, _recurring_literal(", ".join(sorted(set(fu.signals))))))
    if latest:
        latest_graph(followups, reports, g=g)
    return g


def latest_graph(followups: list[FollowUp], reports: list[Report], g: Triples | None = None) -> Triples:
    """``finding hmic:latestFollowUp follow-up``: each finding's follow-up in the latest-issued
    later report (ties broken by report id); added to ``g`` (a new Graph when None)."""
    by_id = {r.info.report_id: r for r in reports}
    latest: dict[URIRef, tuple[tuple[int, int, int, str], URIRef]] = {}
    for fu in followups:
        finding = finding_iri(fu)
        node = vocab.follow_up(finding, fu.later_report_id)
        key = _issued_key(by_id.get(fu.later_report_id), fu.later_report_id)
        if finding not in latest or key > latest[finding][0]:
            latest[finding] = (key, node)
    if g is None:
        g = new_graph()
    for finding, (_, node) in latest.items():
        g.add((finding, HMIC.latestFollowUp, node))
    return g
