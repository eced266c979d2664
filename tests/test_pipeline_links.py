"""Per-report work in workers and follow-up links made force by force: the same links as over
the whole corpus, cached per force, and a rebuild after one report changed redoes only that
report and its force's links while writing what a build from scratch writes."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest

from hmic_graph.cache import extract_many, file_sha256, link_force, pack
from hmic_graph.ingest import DEFAULT_MAX_BYTES
from hmic_graph.link import link_followups, tag_reports
from hmic_graph.pipeline import build
from hmic_graph.resources import SAMPLE_REPORTS_DIR
from hmic_graph.serialize import ntriples_lines

from conftest import input_dir

ESSEX_2007 = SAMPLE_REPORTS_DIR / "000_88c9294f686cd83b.txt"
HERTS_2007 = SAMPLE_REPORTS_DIR / "002_6d76f0ff05c3221f.txt"
ESSEX_2017 = SAMPLE_REPORTS_DIR / "001_615ec939449919b1.txt"


def _quads(build_dir: Path, blank: bool = False) -> set[str]:
    from hmic_graph.store import open_store

    return {str(q) for q in open_store(build_dir) if ("_:" in str(q)) == blank}


def _key(fu) -> tuple:
    return (fu.finding.report_id, fu.finding.kind, fu.finding.ordinal, fu.later_report_id)


def test_linking_force_by_force_gives_the_links_of_the_whole_corpus(sample_reports: dict) -> None:
    reports = tag_reports(copy.deepcopy(list(sample_reports.values())))
    whole = link_followups(reports)
    by_force: dict[str, list] = {}
    for r in reports:
        by_force.setdefault(r.info.force_id, []).append(r)
    per_force = [fu for force in sorted(by_force) for fu in
                 link_force(force, [(r.document.sha256, r.info, pack(r)) for r in by_force[force]], None).followups]
    assert sorted(per_force, key=_key) == sorted(whole, key=_key)
    # Essex 2007's findings are followed up in Essex 2017 (the samples' only force with two
    # reports), and Essex 2017 states follow-ups of HMIC's 2015 report itself.
    assert {fu.later_report_id for fu in whole} == {"essex-police-2017-03-effectiveness"}
    assert any(fu.finding.report_id == "essex-police-2007-10" for fu in whole)
    assert any(fu.stated_by_inspectorate for fu in whole)


def test_links_graph_per_force_is_the_links_graph_of_the_corpus(sample_reports: dict) -> None:
    from hmic_graph.rdf import links_graph

    reports = tag_reports(copy.deepcopy(list(sample_reports.values())))
    whole = set(ntriples_lines(links_graph(link_followups(reports), reports)))
    per_force: set[str] = set()
    for force in sorted({r.info.force_id for r in reports}):
        mine = [r for r in reports if r.info.force_id == force]
        per_force.update(link_force(force, [(r.document.sha256, r.info, pack(r)) for r in mine], None).ntriples())
    assert per_force == whole and len(whole) > 100


def test_worker_output_is_the_tagged_report_and_its_triples(tmp_path: Path) -> None:
    from hmic_graph.rdf import report_graph

    [done] = extract_many([(HERTS_2007, file_sha256(HERTS_2007, DEFAULT_MAX_BYTES))], DEFAULT_MAX_BYTES,
                          tmp_path, workers=1)
    report = done.report
    assert done.info.report_id == "hertfordshire-constabulary-2007-10" == report.info.report_id
    assert any(f.issues for f in report.findings)  # tagged in the worker
    assert sorted(done.ntriples()) == ntriples_lines(report_graph(report))
    [again] = extract_many([(HERTS_2007, done.sha256)], DEFAULT_MAX_BYTES, tmp_path, workers=1)
    assert again.from_cache and again.ntriples() == done.ntriples() and again.counts == done.counts


def test_rebuild_after_one_report_changed_redoes_only_it_and_its_force(tmp_path: Path) -> None:
    inputs = input_dir(tmp_path, (ESSEX_2007, ESSEX_2017, HERTS_2007))  # two forces, one with two reports
    out = tmp_path / "out"
    first = build([inputs], out, validate=False)
    assert len(first.processed) == 3 and first.relinked == ["essex-police", "hertfordshire-constabulary"]
    ontology_blank_nodes = _quads(out, blank=True)
    # Where the time went: every part of the work done, CPU seconds from the workers.
    assert set(first.breakdown["extract"]) == {"ingest", "extract", "tag", "rdf", "cache"}
    assert set(first.breakdown["link"]) == {"assess", "rdf", "cache"}
    assert set(first.breakdown["store"]) == {"load", "wait", "compact", "flush"}  # wait: for the links, loaded last
    assert all(s >= 0 for part in first.breakdown.values() for s in part.values())
    assert first.breakdown["extract"]["extract"] > 0 and first.breakdown["link"]["assess"] > 0

    unchanged = build([inputs], out, validate=False)
    assert unchanged.processed == [] and unchanged.relinked == []
    # Nothing processed, nothing counted; the store is copied and left as it was.
    assert unchanged.breakdown["extract"] == {} and unchanged.breakdown["link"] == {}
    assert set(unchanged.breakdown["store"]) == {"copy", "update", "load", "wait", "flush"}

    herts = inputs / HERTS_2007.name
    herts.write_text(herts.read_text(encoding="utf-8").replace("That the force", "That the constabulary", 1),
                     encoding="utf-8")
    again = build([inputs], out, validate=False)
    assert [Path(p).name for p in again.processed] == [HERTS_2007.name]
    assert again.relinked == ["hertfordshire-constabulary"]
    scratch = build([inputs], tmp_path / "scratch", validate=False, incremental=False)
    assert (out / "graph.ttl").read_bytes() == (tmp_path / "scratch" / "graph.ttl").read_bytes()
    assert (out / "manifest.json").read_bytes() == (tmp_path / "scratch" / "manifest.json").read_bytes()
    assert "That the constabulary" in (out / "graph.ttl").read_text(encoding="utf-8")
    assert sorted(map(_key, again.followups)) == sorted(map(_key, scratch.followups))
    # The store was updated in place of a reload (the previous one's graphs replaced where
    # changed) and holds what a fresh store holds; blank nodes are the ontology files',
    # labelled afresh by each load.
    assert _quads(out) == _quads(tmp_path / "scratch")
    assert any("That the constabulary" in q for q in _quads(out))
    assert _quads(out, blank=True) == ontology_blank_nodes  # not reloaded: the same labels
    assert set(again.timings) == {"extract", "link", "graph.ttl", "store"}
    assert set(again.breakdown["extract"]) == {"ingest", "extract", "tag", "rdf", "cache"}  # one report


def test_merged_turtle_of_sorted_parts_is_the_turtle_of_the_whole(sample_reports: dict) -> None:
    from hmic_graph.rdf import report_triples
    from hmic_graph.serialize import subject_key, turtle_chunks, turtle_chunks_merged

    essex07, essex17 = (ntriples_lines(report_triples(sample_reports[p.name]))
                        for p in (ESSEX_2007, ESSEX_2017))
    # Two reports of one force share the force's, areas' and grades' subjects, and a triple
    # given twice (the force's label) is written once.
    parts = [sorted(essex07, key=subject_key), sorted(essex17, key=subject_key), sorted(essex07[:50], key=subject_key)]
    whole_stats: dict[str, int] = {}
    merged_stats: dict[str, int] = {}
    whole = "".join(turtle_chunks(essex07 + essex17, stats=whole_stats))
    merged = "".join(turtle_chunks_merged(parts, stats=merged_stats))
    assert merged == whole and merged_stats == whole_stats
    assert whole_stats["triples"] == len(set(essex07) | set(essex17)) < len(essex07) + len(essex17)


def test_relinking_a_force_assesses_again_only_where_the_changed_report_counts(
        tmp_path: Path, monkeypatch, sample_reports: dict) -> None:
    """Each later report's assessments are cached on their own: when the first report of a
    force changes, only it and the reports within the horizon after it are assessed again."""
    import hmic_graph.link.followup as followup
    from hmic_graph.link.followup import CONFIG

    horizon = CONFIG["horizon"]["later_inspections"]
    base = tag_reports([copy.deepcopy(sample_reports[ESSEX_2007.name])])[0]
    chain = []
    for k in range(horizon + 3):
        r = copy.deepcopy(base)
        r.info.year, r.info.month = 2008 + k, 1
        chain.append(r)
    calls: list[str] = []
    real = followup.assess_in
    monkeypatch.setattr(followup, "assess_in", lambda later, window, *a: calls.append(later.info.report_id)
                        or real(later, window, *a))

    def blobs(reports, changed=None):
        return [(f"sha-{r.info.report_id}" + ("-changed" if r is changed else ""), r.info, pack(r)) for r in reports]

    first = link_force("essex-police", blobs(chain), tmp_path)
    assert len(calls) == len(chain)
    calls.clear()
    chain[0].findings[0].text += " And more."
    again = link_force("essex-police", blobs(chain, chain[0]), tmp_path)
    assert calls == [r.info.report_id for r in chain[: horizon + 1]]
    calls.clear()
    scratch = link_force("essex-police", blobs(chain, chain[0]), None)
    assert again.ntriples() == scratch.ntriples() and first.ntriples()
    assert sorted(map(_key, again.followups)) == sorted(map(_key, scratch.followups))



def test_build_horizon_bounds_the_follow_ups_and_is_recorded(tmp_path: Path) -> None:
    """`build --horizon N`: each finding is assessed in the next N inspections of its force;
    the horizon is part of the links' cache key and of the manifest."""
    import json

    from typer.testing import CliRunner

    from hmic_graph.cli import app

    inputs = tmp_path / "in"
    inputs.mkdir()
    text = ESSEX_2007.read_text(encoding="utf-8")
    for month in ("October", "November", "December"):  # one force, three inspections
        (inputs / f"essex-{month}.txt").write_text(text.replace("October 2007", f"{month} 2007"), encoding="utf-8")

    def pairs(result) -> set[tuple[str, str]]:
        return {(fu.finding.report_id, fu.later_report_id) for fu in result.followups}

    every = build([inputs], tmp_path / "out", validate=False, horizon=0)
    ids = sorted(r.info.report_id for r in every.reports)
    assert ids == ["essex-police-2007-10", "essex-police-2007-11", "essex-police-2007-12"]
    assert pairs(every) == {(ids[0], ids[1]), (ids[0], ids[2]), (ids[1], ids[2])}
    # The same directory, a narrower horizon: the cached links of horizon 0 are not reused.
    next_only = build([inputs], tmp_path / "out", validate=False, horizon=1)
    assert next_only.processed == [] and next_only.relinked == ["essex-police"]
    assert pairs(next_only) == {(ids[0], ids[1]), (ids[1], ids[2])}
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["followUpHorizon"] == 1
    run = CliRunner().invoke(app, ["build", str(inputs), "--out", str(tmp_path / "out"), "--no-validate",
                                   "--horizon", "0"])
    assert run.exit_code == 0, run.output
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["followUpHorizon"] == 0
    assert CliRunner().invoke(app, ["build", str(inputs), "--out", str(tmp_path / "x"), "--horizon", "-1"]).exit_code == 2


def test_relinking_unpacks_only_the_reports_of_remade_assessments(sample_reports: dict, tmp_path: Path,
                                                                  monkeypatch) -> None:
    """After one report of a force changes, the assessments of the other windows are read
    from the cache, and the reports only they need are never unpacked."""
    from hmic_graph import cache

    essex = tag_reports(copy.deepcopy([r for r in sample_reports.values() if r.info.force_id == "essex-police"]))
    first, second = sorted(essex, key=lambda r: r.info.year)
    third = copy.deepcopy(second)  # a third inspection, two years after the second
    third.info = dataclasses.replace(second.info, year=second.info.year + 2)
    reports = [first, second, third]
    items = [(f"sha-{r.info.report_id}", r.info, pack(r)) for r in reports]
    loaded: list[str] = []
    real_load = cache.ReportRef.load

    def counted_load(self):
        loaded.append(self.info.report_id)
        return real_load(self)

    monkeypatch.setattr(cache.ReportRef, "load", counted_load)
    before = link_force("essex-police", items, tmp_path, horizon=1)
    assert set(loaded) == {r.info.report_id for r in reports}
    loaded.clear()
    items[2] = ("sha-edited", third.info, pack(third))  # the third report changed
    after = link_force("essex-police", items, tmp_path, horizon=1)
    # Its window (the second report's findings) is assessed again; the first report's
    # findings are assessed in the second only, which did not change.
    assert sorted(set(loaded)) == sorted({second.info.report_id, third.info.report_id})
    assert sorted(map(_key, after.followups)) == sorted(map(_key, before.followups))
    assert after.ntriples() == before.ntriples()


def _dying_linker(*args, **kwargs):
    yield from ()
    raise RuntimeError("a linking worker died")


def _full_disk(*args, **kwargs):
    raise OSError("disk full")


@pytest.mark.parametrize(("module", "name", "broken", "error"), [
    ("hmic_graph.pipeline", "link_many", _dying_linker, "linking worker died"),
    ("hmic_graph.store", "_load_graphs", _full_disk, "disk full"),
    ("hmic_graph.pipeline", "write_turtle", _full_disk, "disk full"),
], ids=["linking", "store", "graph.ttl"])
def test_a_failure_of_linking_or_of_the_store_leaves_the_previous_build(
        tmp_path: Path, monkeypatch, module: str, name: str, broken, error: str) -> None:
    """The store thread loads the report graphs while the workers link, then waits for the
    links; graph.ttl replaces the previous one only once the store is staged. When linking or
    graph.ttl fails the thread is told so and drops its work; when the store fails graph.ttl
    is not renamed. Either way the previous graph.ttl, its index (the next build still copies
    from it) and the previous store stay as they were, with no temporary file or store left."""
    import importlib

    inputs = input_dir(tmp_path, (ESSEX_2007, ESSEX_2017))
    out = tmp_path / "out"
    build([inputs], out, validate=False)
    graph_before, quads_before = (out / "graph.ttl").read_bytes(), _quads(out)
    index_before = (out / ".cache" / "graph.ttl.index").read_bytes()

    monkeypatch.setattr(importlib.import_module(module), name, broken)
    (inputs / ESSEX_2017.name).write_text(ESSEX_2017.read_text(encoding="utf-8") + "\nOne more line.\n",
                                          encoding="utf-8")
    with pytest.raises((RuntimeError, OSError), match=error):
        build([inputs], out, validate=False)
    assert (out / "graph.ttl").read_bytes() == graph_before and _quads(out) == quads_before
    assert (out / ".cache" / "graph.ttl.index").read_bytes() == index_before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".build.lock", ".cache"]

    monkeypatch.undo()
    result = build([inputs], out, validate=False)
    assert "2 of 3 sources changed" in result.graph_write.note  # the kept index was read
    assert (out / "graph.ttl").read_bytes() != graph_before and _quads(out) != quads_before


def test_long_stages_report_their_progress(tmp_path: Path) -> None:
    """Linking says how many forces are done and validation how many reports, as they end
    (at 1,000 reports they take minutes under one line otherwise)."""
    steps: list[tuple[int, int, str]] = []
    result = build(None, tmp_path / "out", workers=2, progress=lambda done, total, what: steps.append((done, total, what)))
    forces = len({r.info.force_id for r in result.reports})
    linking = [what for _, _, what in steps if what.startswith("linking reports (")]
    assert linking == [f"linking reports ({n} of {forces} forces) and loading the store" for n in range(1, forces + 1)]
    validating = [what for _, _, what in steps if what.startswith("validating (")]
    assert validating and validating[-1] == f"validating ({len(result.reports)} of {len(result.reports)} reports)"
    assert [done for done, _, _ in steps] == sorted(done for done, _, _ in steps)  # the bar never goes back


def _link_job_failing_for_essex(args):
    from hmic_graph import cache

    if args[0] == "essex-police":
        raise RuntimeError("essex linking failed")
    return cache.link_force(args[0], args[1], args[2], args[3], check_cache=False, horizon=args[4])


def test_a_force_failing_in_a_linking_worker_fails_the_build_in_one_piece(tmp_path: Path, monkeypatch) -> None:
    """Forces are collected as they end (for progress): a worker's error still reaches the
    build, the forces not started are cancelled, and nothing is written."""
    from hmic_graph import cache

    monkeypatch.setattr(cache, "_link_job", _link_job_failing_for_essex)  # workers fork after this
    with pytest.raises(RuntimeError, match="essex linking failed"):
        build(None, tmp_path / "out", workers=2, validate=False)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".build.lock", ".cache"]
