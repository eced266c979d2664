"""Namespaces and IRI builders: the one place where IRIs of terms and data are spelled.

Data IRIs are deterministic and readable (CONTRACT): the same record always gets the same
IRI, built from slugs of ids the extractors already made stable (force id, report id,
finding kind + ordinal, area title).
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD


class _Namespace(Namespace):
    """An rdflib Namespace that keeps the terms read as attributes (``HMIC.text``): rdflib
    makes and validates a new URIRef on every read, and writing a report's triples reads
    the same few dozen terms thousands of times. Terms built from data (``ID[...]``) are
    not kept."""

    def __getattr__(self, name: str) -> URIRef:
        term = super().__getattr__(name)
        self.__dict__[name] = term  # found by plain attribute lookup from now on
        return term


HMIC = _Namespace("https://w3id.org/hmic-graph/ontology#")
ID = Namespace("https://w3id.org/hmic-graph/id/")
ORG = _Namespace("http://www.w3.org/ns/org#")
SCHEMA = _Namespace("https://schema.org/")
EARL = Namespace("http://www.w3.org/ns/earl#")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
# The shapes' namespace (shapes/*.ttl) and the ontology document itself.
HMSH = Namespace("https://w3id.org/hmic-graph/shapes#")
ONTOLOGY = URIRef("https://w3id.org/hmic-graph/ontology")

# Prefixes written at the top of graph.ttl and offered to SPARQL users; order is the output order.
PREFIXES: dict[str, str] = {
    "hmic": str(HMIC),
    "force": str(ID) + "force/",
    "report": str(ID) + "report/",
    "area": str(ID) + "area/",
    "grade": str(ID) + "grade/",
    "programme": str(ID) + "programme/",
    "source": str(ID) + "source/",
    "issue": str(ID) + "issue/",
    "org": str(ORG),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "schema": str(SCHEMA),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "oa": str(OA),
    "earl": str(EARL),
}

# Named graphs of the store (CONTRACT: one per report, plus ontology, taxonomy, inferred links).
GRAPH_ONTOLOGY = ID["graph/ontology"]
GRAPH_TAXONOMY = ID["graph/taxonomy"]
GRAPH_LINKS = ID["graph/links"]  # base of the links graphs: one per force, links_graph_name
GRAPH_INFERRED = ID["graph/inferred"]


def links_graph_name(force_id: str) -> URIRef:
    """The store graph of one force's follow-up links (replaced alone when the force is re-linked)."""
    return ID[f"graph/links/{force_id}"]

FINDING_CLASS = {
    "recommendation": HMIC.Recommendation,
    "area-for-improvement": HMIC.AreaForImprovement,
    "cause-of-concern": HMIC.CauseOfConcern,
    "observation": HMIC.Observation,
    "good-practice": HMIC.GoodPractice,
}

FOLLOW_UP_STATUS = {
    "addressed": HMIC.Addressed,
    "partly-addressed": HMIC.PartlyAddressed,
    "recurring": HMIC.Recurring,
    "not-assessed": HMIC.NotAssessed,
}

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, max_length: int = 80) -> str:
    """'Protecting vulnerable people – Child abuse' → 'protecting-vulnerable-people-child-abuse'.

    Accents are folded and long titles (PEEL questions) are cut at a word boundary so IRIs
    stay readable; the cut is deterministic.
    """
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = _NON_SLUG.sub("-", folded.lower().replace("&", " and ")).strip("-")
    if len(s) > max_length:
        s = s[:max_length].rsplit("-", 1)[0]
    return s or "x"


def force(force_id: str) -> URIRef:
    return ID[f"force/{force_id}"]


def report(report_id: str) -> URIRef:
    return ID[f"report/{report_id}"]


def report_graph_name(report_id: str) -> URIRef:
    """The store's named graph holding one report's triples."""
    return ID[f"graph/report/{report_id}"]


def source(sha256: str) -> URIRef:
    """The source file, keyed by content so the same bytes are one node wherever they came from."""
    return ID[f"source/{sha256}"]


def programme(programme_id: str) -> URIRef:
    return ID[f"programme/{programme_id}"]


def area_scheme(programme_id: str) -> URIRef:
    return ID[f"area/{programme_id}"]


def area(programme_id: str, title: str) -> URIRef:
    """Areas are stable per programme: every 2007 report's 'Child abuse' is the same node."""
    return ID[f"area/{programme_id}/{slug(title)}"]


def grade_scale(scale_id: str) -> URIRef:
    return ID[f"grade/{scale_id}"]


def grade(scale_id: str, label: str) -> URIRef:
    return ID[f"grade/{scale_id}/{slug(label)}"]


def issue(issue_id: str) -> URIRef:
    return ID[f"issue/{issue_id}"]


def finding(report_id: str, kind: str, ordinal: int) -> URIRef:
    """id/report/essex-police-2007-10/recommendation/1 (ordinal among findings of that kind)."""
    return ID[f"report/{report_id}/{kind}/{ordinal}"]


def recalled_finding(stub_id: str, recalled_in: str, kind: str, ordinal: int) -> URIRef:
    """A finding of an earlier inspection as one later report recalls it:
    id/report/<stub>/recalled-in/<later report>/<kind>/<n>. Scoped to the recalling report:
    two later reports recalling one inspection word and number its findings their own way."""
    return ID[f"report/{stub_id}/recalled-in/{recalled_in}/{kind}/{ordinal}"]


def judgement(report_id: str, area_key: str) -> URIRef:
    return ID[f"report/{report_id}/judgement/{area_key}"]


def national_count(judgement_iri: URIRef, grade_label: str) -> URIRef:
    return URIRef(f"{judgement_iri}/national/{slug(grade_label)}")


def practice(report_id: str, ordinal: int) -> URIRef:
    return ID[f"report/{report_id}/practice/{ordinal}"]


def contact(practice_iri: URIRef, ordinal: int) -> URIRef:
    return URIRef(f"{practice_iri}/contact/{ordinal}")


def glossary_entry(report_id: str, abbreviation: str) -> URIRef:
    return ID[f"report/{report_id}/glossary/{slug(abbreviation)}"]


def fact(report_id: str, ordinal: int) -> URIRef:
    return ID[f"report/{report_id}/fact/{ordinal}"]


def conflict(report_id: str, ordinal: int) -> URIRef:
    return ID[f"report/{report_id}/conflict/{ordinal}"]


def follow_up(finding_iri: URIRef, later_report_id: str) -> URIRef:
    return URIRef(f"{finding_iri}/follow-up/{later_report_id}")


def organisation(org_id: str) -> URIRef:
    return ID[f"org/{org_id}"]


def partnership(report_id: str, partner_id: str) -> URIRef:
    return ID[f"report/{report_id}/partnership/{slug(partner_id)}"]
