"""queries/followup-evidence.rq, the evidence rows of 'hmic-graph trace': the same rows as the
former UNION query (tests/data/followup/followup-evidence-union.rq), in its order, on the samples
and on a hand-built store with the cases the samples may lack: a follow-up without evidence, one
whose only evidence is a finding missing from the graph, a later finding and two quotes on one
line, a follow-up the inspectorate states, and another force's follow-ups."""

from pathlib import Path

import pytest

from hmic_graph.link.followup import stated_followups
from hmic_graph.model import EarlierInspection, Evidence, FindingRef, FollowUp, RecalledFinding, Span
from hmic_graph.queries import bindings_for, parse_query, run_named
from hmic_graph.rdf import links_graph, report_graph
from hmic_graph.resources import ontology_files
from hmic_graph.store import load_build, open_store, select
from tests.conftest import hand_built_report

UNION_QUERY = Path(__file__).parent / "data" / "followup" / "followup-evidence-union.rq"
EVIDENCE = ("evidenceKind", "evidenceLineStart", "evidenceLineEnd", "evidenceText")


def _plain(rows):
    return [{k: (str(v) if v is not None else None) for k, v in r.items()} for r in rows]


def _both(store, force):
    """(rows of the query, rows of the former UNION query), as strings."""
    union = parse_query(UNION_QUERY.read_text(encoding="utf-8"), "followup-evidence-union")
    before = select(store, union.sparql, bindings_for(union, {"force": force}))
    _, after = run_named(store, "followup-evidence", {"force": force})
    return _plain(after), _plain(before)


def _sort_key(r):
    """The former query's ORDER BY: finding, later report, first line of the evidence."""
    start = r["evidenceLineStart"]
    return (r["finding"], r["laterReport"], -1 if start is None else int(start))


def _assert_same_rows(after, before):
    assert after and [list(r) for r in after[:1]] == [list(r) for r in before[:1]]  # columns, in order
    assert sorted(map(repr, after)) == sorted(map(repr, before))
    # Same order; rows the former ORDER BY left tied (two evidence on one line) now come in a
    # fixed order: by last line, kind, then text.
    assert [_sort_key(r) for r in after] == [_sort_key(r) for r in before]
    assert after == sorted(after, key=lambda r: (_sort_key(r), int(r["evidenceLineEnd"] or 0),
                                                 r["evidenceKind"] or "", r["evidenceText"] or ""))


@pytest.mark.parametrize("force", ["essex-police", "cheshire-constabulary", "hertfordshire-constabulary"])
def test_rows_unchanged_from_the_union_query_on_the_samples(sample_build_dir, force):
    store = open_store(sample_build_dir)
    after, before = _both(store, force)
    if not before:
        assert after == []
        return
    _assert_same_rows(after, before)


def _two_forces():
    earlier, later = hand_built_report(year=2007), hand_built_report(year=2016, month=5)
    later.recalled = [RecalledFinding(EarlierInspection(2015, "PEEL: Police effectiveness 2015", Span(40, 40)),
                                      "area-for-improvement", "Improve  its problem\nsolving.", Span(30, 31),
                                      None, "addressed", "It has improved its problem solving.", Span(33, 33))]
    rec1, rec2 = (FindingRef(earlier.info.report_id, "recommendation", n) for n in (1, 2))
    observation = FindingRef(earlier.info.report_id, "observation", 1)
    missing = FindingRef(later.info.report_id, "recommendation", 9)  # no such finding in the graph
    essex = [
        FollowUp(rec1, later.info.report_id, "addressed", 0.9,
                 evidence_findings=[FindingRef(later.info.report_id, "recommendation", 2)],
                 evidence_quotes=[Evidence("Staffing  rose.", Span(41, 43)), Evidence("The CAIU was reviewed.", Span(41, 41))]),
        FollowUp(rec2, later.info.report_id, "not-assessed", 0.5),
        FollowUp(observation, later.info.report_id, "recurring", 0.7, evidence_findings=[missing]),
        *stated_followups(later),
    ]
    kent_earlier = hand_built_report("kent-police", "Kent Police", year=2008)
    kent_later = hand_built_report("kent-police", "Kent Police", year=2014)
    kent = [FollowUp(FindingRef(kent_earlier.info.report_id, "recommendation", 1), kent_later.info.report_id,
                     "partly-addressed", 0.6, evidence_findings=[FindingRef(kent_later.info.report_id, "recommendation", 9)],
                     evidence_quotes=[Evidence("Some progress.", Span(12, 12))])]
    return [earlier, later, kent_earlier, kent_later], {"essex-police": (essex, [earlier, later]),
                                                        "kent-police": (kent, [kent_earlier, kent_later])}


@pytest.fixture(scope="module")
def two_forces_store(tmp_path_factory):
    reports, links = _two_forces()
    out = tmp_path_factory.mktemp("two-forces")
    load_build(out, {r.info.report_id: report_graph(r) for r in reports},
               {force: links_graph(fus, rs) for force, (fus, rs) in links.items()}, ontology_files())
    return open_store(out)


@pytest.mark.parametrize("force", ["essex-police", "kent-police"])
def test_rows_unchanged_from_the_union_query_in_every_case(two_forces_store, force):
    _assert_same_rows(*_both(two_forces_store, force))


def test_every_kind_of_follow_up_and_evidence(two_forces_store):
    after, _ = _both(two_forces_store, "essex-police")
    by_finding: dict[str, list[dict]] = {}
    for r in after:
        assert r["laterReport"] == "essex-police-2016-05"
        by_finding.setdefault(r["finding"].rsplit("/", 2)[-2] + "/" + r["finding"].rsplit("/", 1)[-1], []).append(r)
    # the later finding and both quotes, the two on line 41 in a fixed order
    assert [tuple(r[c] for c in EVIDENCE) for r in by_finding["recommendation/1"]] == [
        ("finding", "24", "24", "Unnumbered recommendation."),
        ("quote", "41", "41", "The CAIU was reviewed."),
        ("quote", "41", "43", "Staffing rose.")]
    assert {(r["status"], r["stated"]) for r in by_finding["recommendation/1"]} == {("Addressed", "false")}
    # no evidence, or only a later finding missing from the graph: one row, evidence empty
    for key, status in (("recommendation/2", "Not assessed"), ("observation/1", "Recurring")):
        (row,) = by_finding[key]
        assert row["status"] == status and all(row[c] is None for c in EVIDENCE)
    # stated by the inspectorate: a recalled finding, its quote
    (stated,) = by_finding["area-for-improvement/1"]
    assert stated["stated"] == "true" and "-recalled-peel-police-effectiveness-2015/recalled-in/" in stated["finding"]
    assert (stated["evidenceKind"], stated["evidenceLineStart"], stated["evidenceText"]) == (
        "quote", "33", "It has improved its problem solving.")
    assert len(after) == 6  # nothing of Kent's


def test_a_missing_later_finding_beside_a_quote_leaves_only_the_quote(two_forces_store):
    after, _ = _both(two_forces_store, "kent-police")
    assert [(r["status"], r["evidenceKind"], r["evidenceText"]) for r in after] == [
        ("Partly addressed", "quote", "Some progress.")]
