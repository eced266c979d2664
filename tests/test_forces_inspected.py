"""hmic:forcesInspected: the number of forces a report says were inspected, read from its
text ('all 43 Home Office police forces in England and Wales'), so that SHACL can check
each national grade distribution against it on real data. Values read by hand."""

from __future__ import annotations

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from hmic_graph import validate
from hmic_graph.extract.report import forces_inspected
from hmic_graph.ingest.text import document_from_bytes
from hmic_graph.model import Span
from hmic_graph.rdf.report import report_graph
from hmic_graph.vocab import HMIC, ID


@pytest.mark.parametrize("name, line", [
    ("000_88c9294f686cd83b.txt", 70),  # Essex 2007: '... all 43 Home Office police forces in England and Wales'
    ("002_6d76f0ff05c3221f.txt", 69),  # Hertfordshire 2007
    ("003_18cc7ca3fc4b65df.txt", 69),  # Cheshire 2007
    ("004_b58d774295a081e0.txt", 53),  # Norfolk 2007
    ("001_615ec939449919b1.txt", 981),  # Essex PEEL 2016: '... all 43 geographic police forces in England and Wales'
])
def test_samples_say_43_forces_were_inspected(sample_reports, name: str, line: int) -> None:
    info = sample_reports[name].info
    assert info.forces_inspected == 43
    assert info.forces_inspected_span == Span(line, line)


def _doc(text: str):
    return document_from_bytes(text.encode("utf-8"), "generated.txt")


def test_phrase_wrapped_over_lines_is_read_whole() -> None:
    doc = _doc("Intro\n\nPEEL assessed all 43 police forces in\nEngland and Wales in 2016.\n")
    assert forces_inspected(doc) == (43, Span(3, 4))


def test_most_printed_number_wins_and_its_first_mention_is_the_span() -> None:
    doc = _doc(
        "We inspected all 42 forces in England and Wales.\n\n"
        "All 43 police forces in England and Wales were assessed.\n\n"
        "Data came from all 43 geographic police forces across England and Wales.\n"
    )
    assert forces_inspected(doc) == (43, Span(3, 3))


@pytest.mark.parametrize("text", [
    "Crime rose across all forces in England and Wales.\n",  # no number
    "These data were collected directly from all 43 forces.\n",  # not said to be England and Wales's forces
    "The 43 forces in England and Wales.\n",  # not 'all'
    "all 0 forces in England and Wales\n",  # never a count of inspected forces
])
def test_no_count_without_the_phrase(text: str) -> None:
    assert forces_inspected(_doc(text)) is None


def test_rdf_carries_forces_inspected_and_the_rule_now_runs_on_real_data(sample_reports) -> None:
    report = sample_reports["002_6d76f0ff05c3221f.txt"]  # Hertfordshire 2007, six national tables
    g = report_graph(report)
    node = ID[f"report/{report.info.report_id}"]
    assert list(g.objects(node, HMIC.forcesInspected)) == [Literal(43, datatype=XSD.positiveInteger)]
    assert validate.validate_build({"herts": g}, workers=1).conforms

    g.set((node, HMIC.forcesInspected, Literal(42, datatype=XSD.positiveInteger)))
    result = validate.validate_build({"herts": g}, workers=1)
    assert not result.conforms
    assert any(
        p.shape.endswith("NationalDistributionShape") and "the report says 42 forces were inspected" in p.message
        for p in result.violations
    )


def test_build_graph_has_43_for_every_sample_report(sample_build_dir) -> None:
    text = (sample_build_dir / "graph.ttl").read_text(encoding="utf-8")
    assert text.count('hmic:forcesInspected "43"^^xsd:positiveInteger') == 5
