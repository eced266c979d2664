"""records → RDF: IRIs, provenance, personal data, line spans, determinism."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from hmic_graph.rdf import report_graph
from hmic_graph.rdf.report import grade_scale_id
from hmic_graph.serialize import turtle_text
from hmic_graph.vocab import HMIC, ID, SCHEMA

from conftest import hand_built_report

REPORT = ID["report/essex-police-2007-10"]


def test_report_node_iris_and_provenance(hand_report):
    g = report_graph(hand_report)
    assert (REPORT, RDF.type, HMIC.InspectionReport) in g
    assert (REPORT, HMIC.aboutForce, ID["force/essex-police"]) in g
    assert g.value(REPORT, DCTERMS.issued) == Literal("2007-10", datatype=XSD.gYearMonth)
    assert g.value(REPORT, SCHEMA.isbn) == Literal("978-1-84726-456-5")
    assert g.value(ID["programme/hmic-2007"], RDFS.label) == Literal("HMIC inspection 2007", lang="en")
    source = g.value(REPORT, PROV.wasDerivedFrom)
    assert source == ID[f"source/{hand_report.document.sha256}"]
    assert g.value(source, HMIC.sha256) == Literal(hand_report.document.sha256)
    assert g.value(source, DCTERMS.source) == Literal("essex-police-2007.txt")
    assert g.value(source, HMIC.lineCount) == Literal(60, datatype=XSD.positiveInteger)


def test_findings_follow_contract(hand_report):
    g = report_graph(hand_report)
    rec1 = URIRef(str(REPORT) + "/recommendation/1")
    assert (rec1, RDF.type, HMIC.Recommendation) in g
    assert (rec1, HMIC.inReport, REPORT) in g
    assert g.value(rec1, HMIC.text) == Literal("The force should review its CAIU staffing.")
    assert g.value(rec1, HMIC.recommendationNumber) == Literal(1, datatype=XSD.positiveInteger)
    assert g.value(rec1, HMIC.listLineStart) == Literal(50, datatype=XSD.positiveInteger)
    area = g.value(rec1, HMIC.inArea)
    assert area == ID["area/hmic-2007/child-abuse"]
    assert g.value(area, SKOS.prefLabel) == Literal("Child abuse", lang="en")
    assert g.value(area, SKOS.broader) == ID["area/hmic-2007/protecting-vulnerable-people"]
    rec2 = URIRef(str(REPORT) + "/recommendation/2")
    assert g.value(rec2, HMIC.recommendationNumber) is None  # unnumbered stays unnumbered
    obs = URIRef(str(REPORT) + "/observation/1")
    assert g.value(obs, HMIC.observationKind) == Literal("strength")
    assert (obs, HMIC.addressesIssue, ID["issue/neighbourhood-policing"]) in g


def test_judgements_grades_and_national_counts(hand_report):
    g = report_graph(hand_report)
    j = ID["report/essex-police-2007-10/judgement/neighbourhood-policing"]
    assert g.value(j, HMIC.grade) == ID["grade/hmic-2007/good"]
    assert (ID["grade/hmic-2007/good"], SKOS.inScheme, ID["grade/hmic-2007"]) in g
    counts = {g.value(c, HMIC.grade): g.value(c, HMIC.forceCount).toPython() for c in g.objects(j, HMIC.nationalCount)}
    assert counts == {ID["grade/hmic-2007/excellent"]: 2, ID["grade/hmic-2007/good"]: 25}
    child = ID["report/essex-police-2007-10/judgement/protecting-vulnerable-people-child-abuse"]
    assert g.value(child, HMIC.gradeConflict) == Literal(True)
    assert g.value(child, HMIC.summaryGrade) == ID["grade/hmic-2007/good"]
    ungraded = ID["report/essex-police-2007-10/judgement/protecting-vulnerable-people-missing-persons"]
    assert (ungraded, RDF.type, HMIC.Judgement) in g and g.value(ungraded, HMIC.grade) is None


def test_grade_scale_by_programme():
    assert grade_scale_id("hmic-2007", 2007) == "hmic-2007"
    assert grade_scale_id("peel-effectiveness-2016", 2017) == "peel-2014"
    assert grade_scale_id("peel-2021", 2022) == "peel-2021"


def test_unknown_grade_is_left_without_scheme(hand_report):
    hand_report.judgements[0].grade = "Requires improvement"  # not on the 2007 scale
    g = report_graph(hand_report)
    node = ID["grade/hmic-2007/requires-improvement"]
    assert g.value(node, SKOS.inScheme) is None  # so SHACL flags it instead of it passing


def test_contacts_dropped_by_default(hand_report):
    text = turtle_text(report_graph(hand_report))
    assert "Communications Manager" in text
    for personal in ("Jane Example", "01245 000000", "jane@example.org"):
        assert personal not in text
    g = report_graph(hand_report)
    assert not list(g.triples((None, SCHEMA.name, None)))


def test_contacts_kept_with_include_contacts(hand_report):
    g = report_graph(hand_report, include_contacts=True)
    contact = ID["report/essex-police-2007-10/practice/1/contact/1"]
    assert g.value(contact, SCHEMA.name) == Literal("Jane Example")
    assert g.value(contact, SCHEMA.telephone) == Literal("01245 000000")
    assert g.value(contact, SCHEMA.email) == Literal("jane@example.org")


def test_every_extracted_node_has_lines_and_label(hand_report):
    g = report_graph(hand_report)
    shared = {HMIC.PoliceForce, HMIC.Programme, HMIC.InspectionArea, HMIC.Grade, HMIC.SourceDocument,
              SKOS.ConceptScheme}
    typed = set(g.subjects(RDF.type, None))
    extracted = [s for s in typed if not set(g.objects(s, RDF.type)) & shared]
    assert len(extracted) >= 12
    for node in extracted:
        start, end = g.value(node, HMIC.lineStart), g.value(node, HMIC.lineEnd)
        assert start is not None and end is not None, node
        assert 1 <= start.toPython() <= end.toPython() <= 60, node
    for node in typed:
        assert g.value(node, RDFS.label) is not None, node


def test_no_blank_nodes(hand_report):
    g = report_graph(hand_report, include_contacts=True)
    assert all(isinstance(t, (URIRef, Literal)) for triple in g for t in triple)


def test_same_records_same_turtle():
    a = turtle_text(report_graph(hand_built_report()))
    b = turtle_text(report_graph(hand_built_report()))
    assert a == b


def test_turtle_round_trips(hand_report):
    g = report_graph(hand_report, include_contacts=True)
    hand_report.findings[0].text = 'Quotes " and \\ backslash\tand tab'
    g = report_graph(hand_report, include_contacts=True)
    parsed = Graph().parse(data=turtle_text(g), format="turtle")
    assert len(parsed) == len(g)
    assert set(parsed) == set(g)


def test_blank_nodes_get_stable_labels():
    def graph_with_blank_nodes() -> Graph:
        g = Graph()
        g.parse(data="""@prefix hmic: <https://w3id.org/hmic-graph/ontology#> .
            <https://w3id.org/hmic-graph/id/a> hmic:evidence [ hmic:text "one" ] , [ hmic:text "two" ] .
            <https://w3id.org/hmic-graph/id/b> hmic:text "b" .""", format="turtle")
        return g

    a, b = turtle_text(graph_with_blank_nodes()), turtle_text(graph_with_blank_nodes())
    assert a == b
    assert len(Graph().parse(data=a, format="turtle")) == 5


def test_ontology_terms_are_declared_once_with_label_and_comment():
    from collections import defaultdict

    from rdflib.namespace import OWL

    from hmic_graph.resources import ONTOLOGY_DIR

    onto = Graph().parse(ONTOLOGY_DIR / "hmic.ttl", format="turtle")
    kinds = [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty]
    declared: dict = defaultdict(set)
    for kind in kinds:
        for term in onto.subjects(RDF.type, kind):
            declared[term].add(kind)
    punned = {t: k for t, k in declared.items() if len(k) > 1}
    assert punned == {}  # one kind per IRI keeps the ontology in OWL 2 DL
    own = [t for t in declared if str(t).startswith(str(HMIC))]
    assert len(own) > 60
    for term in own:
        assert onto.value(term, RDFS.label) is not None, term
        assert onto.value(term, RDFS.comment) is not None, term
    # The contract's terms, spelled as CONTRACT.md spells them.
    for name in ("InspectionReport", "PoliceForce", "Unit", "PartnerOrganisation", "Partnership",
                 "InspectionArea", "Judgement", "Grade", "Finding", "Recommendation",
                 "AreaForImprovement", "CauseOfConcern", "GoodPractice", "Observation", "Issue",
                 "FollowUp", "aboutForce", "programme", "inReport", "inArea", "grade", "nationalCount",
                 "text", "recommendationNumber", "addressesIssue", "lineStart", "lineEnd", "abbreviation",
                 "partnerKind", "force", "partner", "worksWith", "followUpOf", "assessedIn",
                 "followUpStatus", "evidence", "confidence", "followedUpBy", "forceCount"):
        assert HMIC[name] in declared, name
    for status in ("Addressed", "PartlyAddressed", "Recurring", "NotAssessed"):
        assert (HMIC[status], RDF.type, HMIC.FollowUpStatus) in onto


def test_grade_scales_are_ordered():
    from hmic_graph.resources import ONTOLOGY_DIR

    grades = Graph().parse(ONTOLOGY_DIR / "grades.ttl", format="turtle")

    def scale(scale_id: str) -> list[str]:
        members = grades.subjects(SKOS.inScheme, ID[f"grade/{scale_id}"])
        return [str(grades.value(m, SKOS.prefLabel))
                for m in sorted(members, key=lambda m: int(grades.value(m, SKOS.notation)))]

    assert scale("hmic-2007") == ["Excellent", "Good", "Fair", "Poor"]
    assert scale("peel-2014") == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert scale("peel-2021") == ["Outstanding", "Good", "Adequate", "Requires improvement", "Inadequate"]


def test_pdf_sources_give_the_page_of_each_node(hand_report):
    from dataclasses import replace

    doc = hand_report.document
    doc.lines = [replace(ln, page=1 + (ln.number - 1) // 20) for ln in doc.lines]  # 20 lines a page
    g = report_graph(hand_report)
    rec1 = URIRef(str(REPORT) + "/recommendation/1")  # lines 20-22
    assert g.value(rec1, HMIC.page) == Literal(1, datatype=XSD.positiveInteger)
    glossary = ID["report/essex-police-2007-10/glossary/caiu"]  # line 55
    assert g.value(glossary, HMIC.page) == Literal(3, datatype=XSD.positiveInteger)


def test_text_sources_have_no_pages(hand_report):
    assert not list(report_graph(hand_report).triples((None, HMIC.page, None)))


def test_known_programme_keeps_its_label(hand_report):
    hand_report.info.programme_label = "HMIC Inspection 2007"  # as one report might print it
    g = report_graph(hand_report)
    assert g.value(ID["programme/hmic-2007"], RDFS.label) == Literal("HMIC inspection 2007", lang="en")


def test_real_force_contact_only_with_include_contacts(samples):
    from hmic_graph.extract import extract_report
    from hmic_graph.ingest import read_document

    # Cheshire 2007, line 588: "FORCE CONTACT: Sergeant Jez Taylor, PCSO Project Manager – 01244 614572"
    docs = [read_document(p) for p in samples]
    cheshire = next(d for d in docs if "Cheshire Constabulary" in " ".join(ln.text for ln in d.lines[:12]))
    report = extract_report(cheshire)
    default = turtle_text(report_graph(report))
    assert "PCSO Project Manager" in default
    assert "Jez Taylor" not in default and "01244 614572" not in default
    full = turtle_text(report_graph(report, include_contacts=True))
    assert "Jez Taylor" in full and "01244 614572" in full


def test_turtle_from_ntriples_equals_turtle_of_the_graph(hand_report):
    from hmic_graph.serialize import ntriples_lines, turtle_from_ntriples

    hand_report.findings[0].text = 'Quotes " and \\ backslash, "@en" and ^^<x> inside'
    graphs = [report_graph(hand_report, include_contacts=True),
              report_graph(hand_built_report("kent-police", "Kent Police"))]
    lines = [line for g in graphs for line in ntriples_lines(g, sort=False)]
    text, count = turtle_from_ntriples(reversed(lines))  # order of the lines does not matter
    assert text == turtle_text(graphs)
    assert count == len(Graph().parse(data=text, format="turtle"))


def test_sorted_by_subject_is_the_stable_sort_by_subject_key():
    import random

    from hmic_graph.serialize import sorted_by_subject, subject_key

    subjects = ["<a/b>", "<a/b/c>", "<a/b-c>", "<a>", "_:b1", "_:a", "<https://x/y%20z>", "<_:x>"]
    rng = random.Random(7)
    lines = [f"{rng.choice(subjects)} <p> \"{n}\" ." for n in range(200)]
    assert sorted_by_subject(lines) == sorted(lines, key=subject_key)
    assert sorted_by_subject([]) == []


def test_ntriples_lines_of_plain_terms_match_the_general_path():
    """IRIs and literals take ntriples_lines' exact-type path; a blank node anywhere sends the
    whole input to the general one (canonical labels). Both must write the same terms."""
    from rdflib import BNode

    from hmic_graph.serialize import _iter_triples, _Terms, ntriples_lines

    g = Graph()
    s = URIRef("http://example.org/a b")  # an IRI character N-Triples escapes
    g.add((s, RDFS.label, Literal('say "hi"\n', lang="en")))
    g.add((s, HMIC.lineStart, Literal(3)))
    g.add((s, RDFS.comment, Literal("plain")))
    g.add((s, RDFS.seeAlso, URIRef("http://example.org/b")))
    term = _Terms({}).term
    general = sorted({f"{term(a)} {term(b)} {term(c)} ." for a, b, c in _iter_triples([g])})
    assert ntriples_lines(g) == general
    assert ntriples_lines({*g}) == general
    assert '<http://example.org/a\\u0020b> <http://www.w3.org/2000/01/rdf-schema#label> "say \\"hi\\"\\n"@en .' in general
    g.add((BNode(), RDFS.label, Literal("blank")))
    with_blank = ntriples_lines(g)
    assert len(with_blank) == 5 and any(line.startswith("_:") for line in with_blank)
