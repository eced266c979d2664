"""Validation of real builds: the sample graph conforms, output files are standard and
reproducible, the CLI's exit codes follow violations (not warnings)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF
from typer.testing import CliRunner

from hmic_graph import validate
from hmic_graph.cli import app
from hmic_graph.model import HmicError
from hmic_graph.vocab import SH

from test_shapes import load as load_fixtures


@pytest.fixture(scope="module")
def sample_data(sample_build_dir) -> Graph:
    """The sample build's graph, parsed once for this module (copy before changing it)."""
    return Graph().parse(sample_build_dir / "graph.ttl", format="turtle")


def copy_of(g: Graph) -> Graph:
    out = Graph()
    out += g
    return out


@pytest.fixture(scope="module")
def sample_validation(sample_build_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    return validate.validate_graph_file(sample_build_dir / "graph.ttl", out), out


def test_sample_graph_conforms(sample_validation):
    result, _ = sample_validation
    assert result.conforms, result.text
    assert result.units == 5  # the five sample reports, each validated on its own


def test_results_graph_is_a_standard_shacl_report(sample_validation):
    result, out = sample_validation
    g = Graph().parse(out / "validation.ttl", format="turtle")
    (report,) = g.subjects(RDF.type, SH.ValidationReport)
    assert g.value(report, SH.conforms) == Literal(True)
    assert len(list(g.objects(report, SH.result))) == len(result.warnings) + len(result.infos)
    text = (out / "validation.txt").read_text(encoding="utf-8")
    assert text.startswith("SHACL validation: CONFORMS")


def fixture_file(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "graph.ttl"
    load_fixtures(*names).serialize(path, format="turtle")
    return path


def test_validation_output_is_reproducible(tmp_path):
    graph = fixture_file(tmp_path, "NationalDistributionShape.fail.ttl", "GradeAgreementShape.fail.ttl")
    first = validate.validate_graph_file(graph, tmp_path / "a")
    second = validate.validate_graph_file(graph, tmp_path / "b", workers=1)
    for name in ("validation.ttl", "validation.txt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert len(first.violations) == 3 and len(first.warnings) == 1
    assert second.text == first.text


def test_cli_validate_exit_code_is_one_on_violations(tmp_path):
    graph = fixture_file(tmp_path, "FindingShape.fail.ttl")
    result = CliRunner().invoke(app, ["validate", str(graph)])
    assert result.exit_code == 1
    assert "DOES NOT CONFORM" in result.output
    assert "Finding  [hmsh:FindingShape]" in result.output
    assert "lines 871" in result.output


def test_cli_validate_exit_code_is_zero_with_only_warnings(tmp_path):
    graph = fixture_file(tmp_path, "GradeAgreementShape.fail.ttl")
    result = CliRunner().invoke(app, ["validate", str(graph), "--out", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
    assert "1 warning(s)" in result.output
    assert "prints grade Fair but the summary table prints Good" in result.output
    assert (tmp_path / "v" / "validation.ttl").exists()


def test_cli_validate_missing_graph_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "nope.ttl")])
    assert result.exit_code == 1
    assert "no such graph file" in result.output
    assert "Traceback" not in result.output


def test_unreadable_graph_is_one_line(tmp_path):
    bad = tmp_path / "graph.ttl"
    bad.write_text("this is not turtle .", encoding="utf-8")
    with pytest.raises(HmicError, match="cannot read RDF"):
        validate.validate_graph_file(bad)


def test_parallel_and_single_process_agree(sample_data):
    data = copy_of(sample_data)
    # Break one sample finding so both paths have something to report.
    finding = next(s for s in data.subjects(RDF.type, validate.HMIC.Recommendation))
    data.add((finding, validate.HMIC.text, Literal("Too short.")))
    parallel = validate.validate_build(data, workers=2)
    single = validate.validate_build(data, workers=1)
    assert parallel.units == single.units == 5
    assert parallel.text == single.text
    assert not parallel.conforms
    assert re.search(r"FindingShape", parallel.text)


def test_split_by_report_keeps_each_report_apart(sample_data):
    data = sample_data
    units = validate.split_by_report(data)
    reports = [k for k in units if k != validate.OTHER_UNIT]
    assert len(reports) == 5
    essex_2007 = units["https://w3id.org/hmic-graph/id/report/essex-police-2007-10"]
    subjects = {str(s) for s in essex_2007.subjects()}
    assert not any(s.startswith("https://w3id.org/hmic-graph/id/report/essex-police-2017-03-effectiveness") for s in subjects)
    # Shared nodes the report points at come along (its force, its grades).
    assert "https://w3id.org/hmic-graph/id/force/essex-police" in subjects
    # Every triple is validated somewhere.
    covered = Graph()
    for g in units.values():
        covered += g
    assert len(covered) == len(data)


def test_sample_national_tables_add_up_to_43_and_agree_across_forces(sample_data):
    """Read by hand: every 2007 national distribution sums to the 43 forces; the four 2007
    reports print the same national table. One misread cell is caught by two shapes."""
    data = copy_of(sample_data)
    totals = {}
    for j in data.subjects(RDF.type, validate.HMIC.Judgement):
        cells = list(data.objects(j, validate.HMIC.nationalCount))
        if cells:
            totals[j] = sum(int(data.value(c, validate.HMIC.forceCount)) for c in cells)
    assert len(totals) >= 4 * 6 and set(totals.values()) == {43}

    herts = next(j for j in totals if "hertfordshire" in str(j) and "child-abuse" in str(j))
    cell = next(c for c in data.objects(herts, validate.HMIC.nationalCount) if str(c).endswith("/good"))
    data.set((cell, validate.HMIC.forceCount, Literal(18)))  # printed 17
    result = validate.validate_build(data, workers=1)
    shapes = {p.shape.rsplit("#", 1)[-1] for p in result.violations + result.warnings}
    assert {"NationalDistributionShape", "NationalDistributionAgreementShape"} <= shapes
    agreement = [p for p in result.warnings if p.shape.endswith("NationalDistributionAgreementShape")]
    assert [p.message for p in agreement if "18" in p.message] == [
        "national count of Good is 18 here but 17 in 3 other report(s) of the same area and programme"]
    assert len(agreement) == 1  # the three reports that agree are not flagged against the odd one
