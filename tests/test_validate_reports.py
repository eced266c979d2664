"""validate_reports: report by report from per-report graphs (or N-Triples) and the links
graph, without a whole-corpus graph; same verdict as validate_build; per-report cache."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from hmic_graph import validate, vocab
from hmic_graph.link import link_followups, tag_reports
from hmic_graph.rdf import links_graph, report_graph
from hmic_graph.serialize import ntriples_lines
from hmic_graph.vocab import HMIC
from tests.test_shapes import load


@pytest.fixture(scope="module")
def sample_graphs(sample_reports: dict) -> tuple[dict[str, Graph], Graph]:
    reports = tag_reports(copy.deepcopy(list(sample_reports.values())))
    graphs = {r.info.report_id: report_graph(r) for r in reports}
    return graphs, links_graph(link_followups(reports), reports)


def _broken(graphs: dict[str, Graph], links: Graph) -> tuple[dict[str, Graph], Graph]:
    """A confidence out of range on a follow-up (links graph) and a recommendation without
    text (a report graph): one violation each."""
    graphs = {k: copy.deepcopy(g) for k, g in graphs.items()}
    links = copy.deepcopy(links)
    follow_up = sorted(links.subjects(HMIC.confidence, None), key=str)[0]
    links.set((follow_up, HMIC.confidence, Literal(Decimal("1.50"), datatype=XSD.decimal)))
    rec = vocab.finding("cheshire-constabulary-2007-10", "recommendation", 1)
    graphs["cheshire-constabulary-2007-10"].remove((rec, HMIC.text, None))
    return graphs, links


def test_same_verdict_and_files_as_validate_build(sample_graphs, tmp_path):
    graphs, links = _broken(*sample_graphs)
    whole = Graph()
    for g in [*graphs.values(), links]:
        whole += g
    (tmp_path / "whole").mkdir()
    (tmp_path / "split").mkdir()
    before = validate.validate_build(whole, tmp_path / "whole", workers=1)
    after = validate.validate_reports(graphs, links, tmp_path / "split", workers=2)
    assert len(after.violations) == 2 and not after.conforms
    assert {p.path.rsplit("#", 1)[-1] for p in after.violations} == {"text", "confidence"}
    assert after.text == before.text
    for name in (validate.RESULTS_FILE, validate.TEXT_FILE):
        assert (tmp_path / "split" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_cache_revalidates_only_changed_reports(sample_graphs, tmp_path):
    graphs, links = sample_graphs
    lines = {rid: ntriples_lines(g) for rid, g in graphs.items()}  # N-Triples input works too
    first = validate.validate_reports(lines, links, tmp_path, workers=1)
    assert first.conforms and first.cached_units == 0
    again = validate.validate_reports(lines, links, tmp_path, workers=1)
    assert again.cached_units == len(graphs) and again.text == first.text
    changed = dict(lines)
    rec = vocab.finding("cheshire-constabulary-2007-10", "recommendation", 1)
    changed["cheshire-constabulary-2007-10"] = [ln for ln in lines["cheshire-constabulary-2007-10"]
                                                if not ln.startswith(f"<{rec}> <{HMIC.text}>")]
    third = validate.validate_reports(changed, links, tmp_path, workers=1)
    assert third.cached_units == len(graphs) - 1
    assert [p.focus for p in third.violations] == [str(rec)]
    assert third.violations[0].lines == "488-490"  # Cheshire's recommendation 1 in its source


@pytest.mark.parametrize("fixture", ["FollowUpShape", "FollowUpTargetShape", "RecommendationShape",
                                     "LinesInsideReportShape", "NationalDistributionShape"])
def test_shape_fixtures_give_the_same_results_split_by_report(fixture):
    """The shapes' failing fixtures, cut into per-report graphs plus what no report owns."""
    g = load(f"{fixture}.fail.ttl")
    units = validate.split_by_report(g)
    rest = units.pop(validate.OTHER_UNIT, Graph())
    graphs = {str(k).rsplit("/", 1)[-1]: v for k, v in units.items()}
    assert all(vocab.report(rid) == URIRef(k) for rid, k in zip(graphs, units, strict=True))
    split = validate.validate_reports(graphs, rest, workers=1, cache=False)
    whole = validate.validate_build(g, workers=1)
    assert not split.conforms and split.text == whole.text


def test_links_nodes_go_with_the_report_that_owns_them(sample_graphs):
    graphs, links = sample_graphs
    parts = validate.split_links(links, list(graphs))
    # Essex 2017 assesses every follow-up of the samples: its quotes, their selectors, the
    # recalled inspections and the earlier findings' hmic:followedUpBy all go with it.
    assert set(parts) == {"essex-police-2017-03-effectiveness"}
    later = "\n".join(parts["essex-police-2017-03-effectiveness"])
    assert "follow-up/essex-police-2017-03-effectiveness>" in later and "/evidence/1/selector>" in later
    assert f"<{HMIC.followedUpBy}>" in later and f"<{HMIC.recalledIn}>" in later
    assert len(parts["essex-police-2017-03-effectiveness"]) == len(links)


def test_force_by_force_groups_give_the_verdict_of_the_whole(sample_graphs, tmp_path, monkeypatch):
    """validate_groups (the pipeline's way: one force's reports and links at a time, read
    lazily, units validated in batches) writes what validate_reports writes for all at once."""
    graphs, links = _broken(*sample_graphs)
    (tmp_path / "all").mkdir()
    (tmp_path / "groups").mkdir()
    whole = validate.validate_reports(graphs, links, tmp_path / "all", workers=2, cache=False)
    force_of = {rid: str(g.value(vocab.report(rid), HMIC.aboutForce)).rsplit("/", 1)[-1] for rid, g in graphs.items()}
    forces = sorted(set(force_of.values()))
    assert len(forces) == 4 and len(graphs) == 5
    links_of = {f: Graph() for f in forces}
    for s, p, o in links:  # each follow-up node with its force's links (by its IRI's report)
        owner = next((f for f in forces if f"/report/{f}-" in str(s)), forces[0])
        links_of[owner].add((s, p, o))
    read: list[str] = []

    def lazily(rid):
        def lines():
            read.append(rid)
            return ntriples_lines(graphs[rid])
        return lines

    groups = (({rid: lazily(rid) for rid in graphs if force_of[rid] == f}, ntriples_lines(links_of[f]))
              for f in forces)
    monkeypatch.setattr(validate, "UNITS_PER_BATCH", 2)
    split = validate.validate_groups(groups, tmp_path / "groups", workers=2, cache=False)
    assert sorted(read) == sorted(graphs)
    assert split.text == whole.text and len(split.violations) == 2
    for name in (validate.RESULTS_FILE, validate.TEXT_FILE):
        assert (tmp_path / "groups" / name).read_bytes() == (tmp_path / "all" / name).read_bytes()
