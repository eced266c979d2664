"""The SKOS issue taxonomy: size, structure, labels that survive era drift."""

from collections import Counter

import pytest
import rdflib
from rdflib.namespace import RDF, SKOS

from hmic_graph.link.tagging import ISSUE_NAMESPACE, TAXONOMY_FILE, load_taxonomy

ISSUE = rdflib.Namespace(ISSUE_NAMESPACE)


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    return rdflib.Graph().parse(TAXONOMY_FILE, format="turtle")


def test_scheme_has_fifty_plus_concepts_all_labelled(graph):
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) >= 50
    for c in concepts:
        assert len(list(graph.objects(c, SKOS.prefLabel))) == 1, c
        assert (c, SKOS.inScheme, ISSUE.scheme) in graph
        assert graph.value(c, SKOS.definition) is not None, c


def test_narrower_is_the_inverse_of_broader(graph):
    broader = {(s, o) for s, o in graph.subject_objects(SKOS.broader)}
    narrower = {(o, s) for s, o in graph.subject_objects(SKOS.narrower)}
    assert broader == narrower
    assert len(broader) >= 50


def test_broader_hierarchy_has_no_cycles_and_reaches_a_top_concept():
    taxonomy = load_taxonomy()
    for cid in taxonomy.concepts:
        assert cid not in taxonomy.ancestors(cid)
        assert taxonomy.concepts[cid].top or any(
            taxonomy.concepts[a].top for a in taxonomy.ancestors(cid)
        ), cid


@pytest.mark.parametrize("concept", [
    "abstractions", "special-constables", "pcsos", "community-engagement", "succession-planning",
    "performance-framework", "performance-reviews", "supervisor-training", "child-abuse",
    "domestic-abuse", "risk-assessment", "hate-crime", "missing-persons", "registered-sex-offenders",
    "mappa", "marac", "safeguarding-hubs", "child-sexual-exploitation", "digital-forensics",
    "wanted-suspects", "offender-management", "serious-organised-crime", "nim-products",
    "problem-profiles", "strategic-assessments", "information-sharing", "workforce", "it-systems",
])
def test_required_concepts_exist(concept):
    assert concept in load_taxonomy().concepts


def test_era_drift_is_in_alt_labels(graph):
    def labels(cid):
        node = ISSUE[cid]
        return {str(o).lower() for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
                for o in graph.objects(node, p)}
    assert {"domestic abuse", "domestic violence"} <= labels("domestic-abuse")
    assert {"safer neighbourhood team", "neighbourhood policing team", "community policing team"} <= labels("neighbourhood-teams")
    assert {"nim products", "national intelligence model products"} <= labels("nim-products")
    assert "problem profile" in labels("problem-profiles")
    assert ("problem-profiles", "nim-products") in {
        (c, b) for c in ["problem-profiles"] for b in load_taxonomy().concepts[c].broader}


def test_no_label_is_shared_by_two_concepts(graph):
    owners: Counter[str] = Counter()
    for c in set(graph.subjects(RDF.type, SKOS.Concept)):
        for label in {str(o).lower() for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
                      for o in graph.objects(c, p)}:
            owners[label] += 1
    assert [label for label, n in owners.items() if n > 1] == []
