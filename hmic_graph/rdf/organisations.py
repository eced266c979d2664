"""One report's units, partners, mentions and partnerships → triples (issue 3).

IRIs (deterministic, readable):
  national body     id/org/<slug>                      one node across all forces
  local body        id/org/<force-id>/<slug>           scoped to the report's force
  unit              id/force/<force-id>/unit/<slug>    org:unitOf the force
  other force       id/force/<force-id>                the node of forces.ttl
  partnership       id/report/<report-id>/partnership/<partner-slug>
  evidence quote    <partnership>/evidence/<n>
  mention           id/report/<report-id>/mention/<n>

Organisation nodes carry no line numbers (they recur across reports); each hmic:Mention and
each evidence quote does. Concepts the data points at (partner kinds, unit kinds, partnership
types, local body types) get their labels from ontology/organisations.ttl so one report's
graph reads on its own.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from .. import vocab
from ..extract.organisations import (
    LOCAL_BODY_NS,
    PARTNER_KIND_NS,
    PARTNERSHIP_TYPE_NS,
    UNIT_KIND_NS,
    scrub_personal,
)
from ..model import Organisation, Report
from ..resources import ONTOLOGY_DIR
from ..vocab import HMIC, ID, ORG
from .report import Triples
from .report import add_lines as _add_lines
from .report import en as _en


def unit_iri(force_id: str, unit_slug: str) -> URIRef:
    return ID[f"force/{force_id}/unit/{unit_slug}"]


def organisation_iri(org: Organisation, force_id: str) -> URIRef:
    """The node of a unit, partner or other force, by the identity key extraction gave it."""
    if org.role == "force":
        return vocab.force(org.org_id)
    if org.role == "unit":
        return unit_iri(force_id, org.org_id.rsplit("/unit/", 1)[-1])
    return vocab.organisation(org.org_id)


def mention_iri(report_id: str, ordinal: int) -> URIRef:
    return ID[f"report/{report_id}/mention/{ordinal}"]


@lru_cache(maxsize=1)
def _gazetteer_graph() -> Graph:
    g = Graph()
    g.parse(ONTOLOGY_DIR / "organisations.ttl", format="turtle")
    return g


@lru_cache(maxsize=None)
def _concept_triples(concept: URIRef) -> tuple[tuple[URIRef, URIRef, object], ...]:
    gaz = _gazetteer_graph()
    return tuple((concept, p, o) for p in (RDF.type, SKOS.prefLabel, RDFS.label, SKOS.inScheme)
                 for o in gaz.objects(concept, p))


def _add_concept(g: Triples, concept: URIRef) -> None:
    """Type, labels and scheme of a gazetteer concept, copied from organisations.ttl."""
    for triple in _concept_triples(concept):
        g.add(triple)


def organisations_graph(report: Report) -> Graph:
    g = Graph()
    add_organisations(g, report)
    return g


def add_organisations(g: Triples, report: Report) -> None:
    """The triples of organisations_graph, added to ``g`` (a Graph or a set of triples)."""
    info = report.info
    report_node = vocab.report(info.report_id)
    force_node = vocab.force(info.force_id)
    by_id: dict[str, URIRef] = {}
    mention_count = 0
    for org in report.organisations:
        node = organisation_iri(org, info.force_id)
        by_id[org.org_id] = node
        g.add((node, RDFS.label, _en(org.name)))
        g.add((node, HMIC.mentionedIn, report_node))
        if org.role == "unit":
            g.add((node, RDF.type, HMIC.Unit))
            g.add((node, SKOS.prefLabel, _en(org.name)))
            g.add((node, ORG.unitOf, force_node))
            if org.kind:
                g.add((node, HMIC.unitKind, UNIT_KIND_NS[org.kind]))
                _add_concept(g, UNIT_KIND_NS[org.kind])
        else:
            g.add((node, RDF.type, HMIC.PartnerOrganisation))
            if org.role == "force":
                g.add((node, RDF.type, HMIC.PoliceForce))
            else:
                g.add((node, SKOS.prefLabel, _en(org.name)))
                g.add((node, HMIC.nationalBody, Literal(org.national)))
            if org.kind:
                g.add((node, HMIC.partnerKind, PARTNER_KIND_NS[org.kind]))
                _add_concept(g, PARTNER_KIND_NS[org.kind])
            if org.local_type:
                g.add((node, HMIC.localBodyType, LOCAL_BODY_NS[org.local_type]))
                _add_concept(g, LOCAL_BODY_NS[org.local_type])
        if org.abbreviation:
            g.add((node, HMIC.abbreviation, Literal(org.abbreviation)))
        if org.role != "force":  # a force's names are forces.ttl's business
            for alt in org.alt_labels:
                g.add((node, SKOS.altLabel, _en(alt)))
        for men in org.occurrences:
            mention_count += 1
            m = mention_iri(info.report_id, mention_count)
            g.add((m, RDF.type, HMIC.Mention))
            g.add((m, RDFS.label, _en(f"Mention of {org.name}")))
            g.add((m, HMIC.mentionOf, node))
            g.add((m, HMIC.inReport, report_node))
            g.add((m, HMIC.surfaceForm, Literal(men.surface)))
            _add_lines(g, m, men.span)
    names = {o.org_id: o.name for o in report.organisations}
    for p in report.partnerships:
        partner = by_id.get(p.partner_id)
        if partner is None or not p.evidence:
            continue  # a partnership always names a recognised partner and its evidence
        node = vocab.partnership(info.report_id, p.partner_id)
        g.add((node, RDF.type, HMIC.Partnership))
        g.add((node, RDFS.label, _en(f"{info.force_name} – {names[p.partner_id]}")))
        g.add((node, HMIC.inReport, report_node))
        g.add((node, HMIC.force, force_node))
        g.add((node, HMIC.partner, partner))
        g.add((force_node, HMIC.worksWith, partner))
        _add_lines(g, node, p.evidence[0].span)
        for t in p.types:
            g.add((node, HMIC.partnershipType, PARTNERSHIP_TYPE_NS[t]))
            _add_concept(g, PARTNERSHIP_TYPE_NS[t])
        for i, ev in enumerate(p.evidence, start=1):
            quote = URIRef(f"{node}/evidence/{i}")
            g.add((quote, RDF.type, HMIC.EvidenceQuote))
            g.add((quote, RDFS.label, _en(f"Evidence {i} of {names[p.partner_id]}")))
            g.add((quote, HMIC.text, Literal(scrub_personal(ev.text))))
            _add_lines(g, quote, ev.span)
            g.add((node, HMIC.partnershipEvidence, quote))
