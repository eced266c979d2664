"""Each SHACL shape catches the failure it is written for, and passes valid data.

Fixtures: tests/data/shapes/base.ttl is a small valid graph (Essex Police 2007 and 2017);
NAME.fail.ttl and NAME.pass.ttl add to it a case that shape hmsh:NAME must catch, and a
near-identical one it must accept (the whole graph must then conform).
"""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from hmic_graph import validate
from hmic_graph.vocab import SH

FIXTURES = Path(__file__).parent / "data" / "shapes"
HMSH = validate.HMSH
SHAPE_NAMES = sorted(p.name.split(".")[0] for p in FIXTURES.glob("*.fail.ttl"))
WARNING_SHAPES = {"GradeAgreementShape", "NationalDistributionAgreementShape"}


def load(*names: str) -> Graph:
    """base.ttl plus the named fixture files, each read with the shared prefixes."""
    prefixes = (FIXTURES / "_prefixes.ttl").read_text(encoding="utf-8")
    g = Graph()
    for name in ("base.ttl", *names):
        g.parse(data=prefixes + (FIXTURES / name).read_text(encoding="utf-8"), format="turtle")
    return g


def shapes_hit(result: validate.ValidationResult) -> dict[str, set[str]]:
    """Shape local name → severities of its results."""
    out: dict[str, set[str]] = {}
    for p in result.violations + result.warnings + result.infos:
        out.setdefault(p.shape.rsplit("#", 1)[-1], set()).add(p.severity)
    return out


def test_base_graph_conforms_without_warnings():
    result = validate.validate_build(load(), workers=1)
    assert result.conforms, result.text
    assert not result.warnings, result.text


def test_every_targeted_shape_has_fixtures():
    shapes = validate.all_shapes()
    targeted = set()
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        if any((shape, p, None) in shapes for p in (SH.targetClass, SH.targetSubjectsOf,
                                                    SH.targetObjectsOf, SH.targetNode)):
            targeted.add(str(shape).rsplit("#", 1)[-1])
    assert targeted == set(SHAPE_NAMES)
    for name in SHAPE_NAMES:
        assert (FIXTURES / f"{name}.pass.ttl").exists(), name


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_shape_catches_its_failure(name):
    result = validate.validate_build(load(f"{name}.fail.ttl"), workers=1)
    hit = shapes_hit(result)
    assert name in hit, f"{name} missed its failure:\n{result.text}"
    expected = "Warning" if name in WARNING_SHAPES else "Violation"
    assert hit[name] == {expected}
    assert result.conforms == (name in WARNING_SHAPES)


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_shape_passes_valid_data(name):
    result = validate.validate_build(load(f"{name}.pass.ttl"), workers=1)
    assert result.conforms and not result.warnings, result.text


def _pyshacl_hits(data: Graph) -> set[tuple[str, str]]:
    """(shape, focus node) of SHACL-SPARQL results when pySHACL runs every shape itself."""
    g = Graph()
    g += data
    g += validate.shape_context()
    _, results, _ = pyshacl.validate(g, shacl_graph=validate.all_shapes(), inference="none",
                                     allow_warnings=True)
    hits = set()
    for r in results.subjects(SH.sourceConstraintComponent, SH.SPARQLConstraintComponent):
        hits.add((str(results.value(r, SH.sourceShape)), str(results.value(r, SH.focusNode))))
    return hits


SPARQL_SHAPES = sorted(
    str(s).rsplit("#", 1)[-1] for s in set(validate.all_shapes().subjects(SH.sparql, None))
)


@pytest.mark.parametrize("name", SPARQL_SHAPES)
def test_sparql_runner_agrees_with_pyshacl(name):
    """The pyoxigraph runner (targets joined, $this unbound) finds what pySHACL finds with
    its per-focus-node pre-binding: the shapes stay standard SHACL-SPARQL."""
    data = load(f"{name}.fail.ttl")
    ours = validate.run_sparql_constraints(validate._to_ox_store(data))
    our_hits = {(str(ours.value(r, SH.sourceShape)), str(ours.value(r, SH.focusNode)))
                for r in ours.subjects(RDF.type, SH.ValidationResult)}
    assert our_hits == _pyshacl_hits(data)
    assert any(shape == HMSH + name for shape, _ in our_hits)


def test_readable_report_names_label_source_and_lines():
    result = validate.validate_build(load("FindingShape.fail.ttl"), workers=1)
    assert not result.conforms
    assert "Finding  [hmsh:FindingShape]" in result.text
    assert "report:essex-police-2007-10/observation/2" in result.text
    assert "000_88c9294f686cd83b.txt, lines 871" in result.text
    assert "PPU staff." in result.text


def test_report_level_problem_points_at_the_offending_node():
    result = validate.validate_build(load("NationalDistributionShape.fail.ttl"), workers=1)
    problems = [p for p in result.violations if p.shape == HMSH + "NationalDistributionShape"]
    # The misread judgement, and the judgements it disagrees with, are each named.
    (problem,) = [p for p in problems if "neighbourhood-policing" in (p.value or "")]
    assert len(problems) == 3
    assert problem.focus == "https://w3id.org/hmic-graph/id/report/essex-police-2007-10"
    assert "sums to 44 forces" in problem.message
    assert "judgement/neighbourhood-policing" in (problem.value or "")
    assert "lines 100-102" in (problem.value or "")


def test_gazetteer_and_taxonomy_files_conform():
    """The ontology/ data files validated on their own (forces, partners, grades, issues)."""
    result = validate.validate_build(validate.context_graph(), workers=1)
    assert result.conforms, result.text


def test_focus_shape_is_named_even_for_anonymous_property_shapes():
    result = validate.validate_build(load("JudgementShape.fail.ttl"), workers=1)
    (problem,) = result.violations
    assert problem.shape == HMSH + "JudgementShape"
    assert problem.shape_label == "Judgement"
    assert problem.path == "https://w3id.org/hmic-graph/ontology#grade"
    assert isinstance(URIRef(problem.focus), URIRef)


@pytest.mark.parametrize("printed, conforms", [(43, True), (42, False)])
def test_national_distribution_sums_to_the_forces_the_report_says_were_inspected(printed, conforms):
    from rdflib import Literal
    from rdflib.namespace import XSD

    from hmic_graph.vocab import HMIC, ID

    g = load()
    g.add((ID["report/essex-police-2007-10"], HMIC.forcesInspected, Literal(printed, datatype=XSD.positiveInteger)))
    result = validate.validate_build(g, workers=1)
    assert result.conforms == conforms, result.text
    if not conforms:
        assert all(p.shape == HMSH + "NationalDistributionShape" for p in result.violations)
        assert any("the report says 42 forces were inspected" in p.message for p in result.violations)


_INSPECTORATE_FOLLOW_UP = """
<report/essex-police-2017-03-effectiveness/recalled/1> a hmic:RecalledFinding .
<report/essex-police-2017-03-effectiveness/recalled/1/follow-up> a hmic:FollowUp , hmic:InspectorateFollowUp ;
    hmic:inReport <report/essex-police-2017-03-effectiveness> ;
    {target}
    hmic:assessedIn <report/essex-police-2017-03-effectiveness> ;
    hmic:followUpStatus hmic:Addressed ;
    hmic:confidence 0.9 .
"""


@pytest.mark.parametrize(
    ("target", "conforms"),
    [
        ("hmic:followUpOfRecalled <report/essex-police-2017-03-effectiveness/recalled/1> ;", True),
        ("", False),  # of nothing
        (  # of both a finding and a recalled finding
            "hmic:followUpOfRecalled <report/essex-police-2017-03-effectiveness/recalled/1> ;"
            " hmic:followUpOf <report/essex-police-2007-10/recommendation/2> ;",
            False,
        ),
    ],
)
def test_an_inspectorate_follow_up_is_of_one_recalled_finding(target, conforms):
    g = load()
    prefixes = (FIXTURES / "_prefixes.ttl").read_text(encoding="utf-8")
    g.parse(data=prefixes + _INSPECTORATE_FOLLOW_UP.format(target=target), format="turtle")
    result = validate.validate_build(g, workers=1)
    assert result.conforms is conforms
    if not conforms:
        assert "FollowUpShape" in shapes_hit(result)
