"""`hmic-graph trace`: a force's timeline from the sample store."""

import json

import pytest
from typer.testing import CliRunner

from hmic_graph.cli import app
from hmic_graph.model import HmicError
from hmic_graph.store import open_store
from hmic_graph.trace import force_timeline, render_text


@pytest.fixture(scope="module")
def timeline(sample_build_dir):
    return force_timeline(open_store(sample_build_dir), "essex-police")


def test_every_2007_recommendation_has_a_status(timeline):
    recs = [f for t in timeline.themes for f in t.findings
            if f.report == "essex-police-2007-10" and f.kind == "recommendation"]
    assert sorted(f.number for f in recs) == list(range(1, 12))
    for f in recs:
        assert len(f.followups) == 1 and f.followups[0].later_report == "essex-police-2017-03-effectiveness"


def test_findings_sit_under_their_theme_with_grades(timeline):
    themes = {t.label: t for t in timeline.themes}
    vulnerable = themes["Protecting vulnerable people"]
    assert {g.area for g in vulnerable.grades} >= {"Domestic violence", "Missing persons"}
    missing = next(f for f in vulnerable.findings if f.number == 11)
    fu = missing.followups[0]
    assert fu.status == "Recurring"
    assert any(e.kind == "finding" and e.line_start == 778 for e in fu.evidence)
    assert {f.number for f in themes["Neighbourhood policing"].findings} == {1, 2, 3}


def test_recalled_findings_carry_the_inspectorate_statement(timeline):
    assert timeline.recalled
    assert all(f.followups and f.followups[0].stated for f in timeline.recalled)


def test_render_text_shows_evidence_lines(timeline):
    text = render_text(timeline)
    assert text.startswith("Essex Police — follow-up trace")
    assert "Recommendation 11 (lines 1166-1168)" in text
    assert "RECURRING" in text and "later finding, lines 778-782" in text
    assert "quote, line 338" in text


def test_unknown_force_is_one_line_error(sample_build_dir):
    with pytest.raises(HmicError):
        force_timeline(open_store(sample_build_dir), "atlantis-police")


def test_cli_trace_query_and_sparql(sample_build_dir):
    runner = CliRunner()
    r = runner.invoke(app, ["trace", "essex-police", "-o", str(sample_build_dir)])
    assert r.exit_code == 0 and "Recommendation 7" in r.stdout
    r = runner.invoke(app, ["trace", "essex-police", "-o", str(sample_build_dir), "--format", "json"])
    assert json.loads(r.stdout)["force_name"] == "Essex Police"
    r = runner.invoke(app, ["query", "followup", "--param", "force=essex-police", "--format", "json",
                            "-o", str(sample_build_dir)])
    assert r.exit_code == 0 and len([x for x in json.loads(r.stdout) if x["kind"] == "recommendation"]) == 11
    r = runner.invoke(app, ["query", "--list"])
    assert r.exit_code == 0 and "open-recommendations" in r.stdout
    # The linker's follow-ups of the 11 Essex 2007 recommendations, and the 14 the 2016 report
    # states itself about recalled 2015 findings: both are hmic:FollowUp without a reasoner.
    r = runner.invoke(app, ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?f a hmic:FollowUp ; hmic:followUpOf ?x }",
                            "--format", "csv", "-o", str(sample_build_dir)])
    assert r.exit_code == 0 and r.stdout.splitlines() == ["n", "11"]
    r = runner.invoke(app, ["sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?f a hmic:FollowUp , hmic:InspectorateFollowUp }",
                            "--format", "csv", "-o", str(sample_build_dir)])
    assert r.exit_code == 0 and r.stdout.splitlines() == ["n", "14"]
    r = runner.invoke(app, ["trace", "atlantis-police", "-o", str(sample_build_dir)])
    assert r.exit_code == 1 and "Traceback" not in (r.stdout + (r.stderr or ""))
