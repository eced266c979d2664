"""A static report site people browse without SPARQL (issue 6).

Pages: an index of forces; per force, grades over time, every formal finding with its
follow-up status (a badge) and evidence quotes with report and lines, and the force's
partnership network (a picture plus a table); per issue, which forces were told what.
Plain HTML and CSS from the templates beside this file; no scripts, works offline.
Data comes from the store through hmic_graph/sparql/site-*.rq.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .. import vocab
from ..model import HmicError
from ..serialize import atomic_write
from ..sparql import load as sparql
from ..store import select

HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

KIND_LABEL = {
    str(vocab.HMIC.Recommendation): "Recommendation",
    str(vocab.HMIC.AreaForImprovement): "Area for improvement",
    str(vocab.HMIC.CauseOfConcern): "Cause of concern",
}
STATUS = {str(iri): key for key, iri in vocab.FOLLOW_UP_STATUS.items()}
STATUS_LABEL = {"addressed": "Addressed", "partly-addressed": "Partly addressed", "recurring": "Recurring",
                "not-assessed": "Not assessed", "not-followed-up": "No later inspection"}


def query(store: ox.Store, name: str) -> list[dict]:
    return select(store, sparql(f"site-{name}"))


def _slug(iri: object) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def _int(term: object) -> int | None:
    return None if term is None else int(str(term))


@dataclass
class ReportPage:
    id: str
    title: str
    issued: str
    programme: str
    source: str


@dataclass
class Evidence:
    text: str
    report: str
    lines: str


@dataclass
class FindingRow:
    id: str
    kind: str
    number: int | None
    ordinal: int
    area: str
    text: str
    report: str
    lines: str
    status: str
    status_label: str
    later: str
    confidence: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ForcePage:
    id: str
    name: str
    reports: list[ReportPage]
    grade_tables: list[dict] = field(default_factory=list)
    findings: dict[str, list[FindingRow]] = field(default_factory=dict)
    partners: list[dict] = field(default_factory=list)
    network_image: str | None = None
    status_counts: dict[str, int] = field(default_factory=dict)


def _lines(start: object, end: object) -> str:
    if start is None:
        return ""
    return f"line {start}" if str(start) == str(end) or end is None else f"lines {start}–{end}"


def collect(store: ox.Store) -> tuple[dict[str, ForcePage], dict[str, dict]]:
    """Forces (with reports, grades, findings) and issues, from the store."""
    forces: dict[str, ForcePage] = {}
    report_force: dict[str, str] = {}
    reports: dict[str, ReportPage] = {}
    for r in query(store, "forces"):
        fid, rid = _slug(r["force"]), _slug(r["report"])
        page = forces.setdefault(fid, ForcePage(fid, str(r["forceName"]), []))
        if rid not in reports:
            rep = ReportPage(rid, str(r["title"] or r["programme"]), str(r["issued"]), str(r["programme"]),
                             Path(str(r["source"])).name if r["source"] is not None else "")
            reports[rid] = rep
            page.reports.append(rep)
            report_force[rid] = fid
    if not forces:
        raise HmicError("store", "no inspection reports in this build")
    for page in forces.values():
        page.reports.sort(key=lambda rep: (rep.issued, rep.id))

    grades: dict[str, dict[str, dict[str, tuple[str, str]]]] = defaultdict(lambda: defaultdict(dict))
    area_order: dict[str, dict[str, int]] = defaultdict(dict)
    for r in sorted(query(store, "judgements"), key=lambda r: (_int(r["lineStart"]) or 0, str(r["judgement"]))):
        rid = _slug(r["report"])
        area = str(r["area"])
        grades[rid][area] = (str(r["grade"]) if r["grade"] is not None else "ungraded", _lines(r["lineStart"], r["lineEnd"]))
        area_order[reports[rid].programme].setdefault(area, len(area_order[reports[rid].programme]))
    for page in forces.values():
        by_programme: dict[str, list[ReportPage]] = defaultdict(list)
        for rep in page.reports:
            if grades.get(rep.id):
                by_programme[rep.programme].append(rep)
        for programme, reps in sorted(by_programme.items(), key=lambda kv: kv[1][0].issued):
            areas = sorted({a for rep in reps for a in grades[rep.id]}, key=lambda a: area_order[programme][a])
            page.grade_tables.append({
                "programme": programme, "reports": reps,
                "rows": [{"area": a, "cells": [grades[rep.id].get(a) for rep in reps]} for a in areas],
            })

    evidence: dict[str, list[Evidence]] = defaultdict(list)
    for r in query(store, "evidence"):
        text = str(r["text"]) if r["text"] is not None else ""
        if not text:
            continue
        later_rid = _slug(str(r["followUp"]))  # …/follow-up/<later report id>
        evidence[str(r["followUp"])].append(Evidence(text, later_rid, _lines(r["lineStart"], r["lineEnd"])))
    for quotes in evidence.values():
        quotes.sort(key=lambda e: (int(e.lines.split()[-1].split("–")[0]) if e.lines else 0, e.text))

    findings: dict[str, FindingRow] = {}
    for r in query(store, "findings"):
        iri = str(r["finding"])
        rid = _slug(r["report"])
        row = findings.get(iri)
        if row is None:
            tail = iri.rsplit("/", 1)[-1]
            row = FindingRow(iri, KIND_LABEL[str(r["class"])], _int(r["number"]), int(tail) if tail.isdigit() else 0,
                             str(r["area"] or ""), str(r["text"]), rid, _lines(r["lineStart"], r["lineEnd"]),
                             "not-followed-up", STATUS_LABEL["not-followed-up"], "", "")
            findings[iri] = row
        if r["followUp"] is not None:
            row.status = STATUS.get(str(r["status"]), "not-assessed")
            row.status_label = STATUS_LABEL[row.status]
            row.later = _slug(r["later"])
            row.confidence = f"{float(str(r['confidence'])):.2f}" if r["confidence"] is not None else ""
            row.evidence = evidence.get(str(r["followUp"]), [])
    for row in sorted(findings.values(), key=lambda f: (f.report, f.kind, f.ordinal)):
        page = forces[report_force[row.report]]
        page.findings.setdefault(row.report, []).append(row)
        page.status_counts[row.status] = page.status_counts.get(row.status, 0) + 1

    issues: dict[str, dict] = {}
    for r in query(store, "issues"):
        row = findings.get(str(r["finding"]))
        if row is None:
            continue
        issue = issues.setdefault(_slug(r["issue"]), {"id": _slug(r["issue"]), "name": str(r["issueName"]),
                                                      "forces": defaultdict(list)})
        issue["forces"][report_force[row.report]].append(row)
    for issue in issues.values():
        issue["forces"] = {fid: sorted(rows, key=lambda f: (f.report, f.kind, f.ordinal))
                           for fid, rows in sorted(issue["forces"].items(), key=lambda kv: forces[kv[0]].name)}
        issue["count"] = sum(len(rows) for rows in issue["forces"].values())
    return forces, issues


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["status_label"] = STATUS_LABEL
    return env


def _partners(store: ox.Store, page: ForcePage, out_dir: Path, rows: list[dict]) -> None:
    """The force's partnership network: a table of partners and a picture (``rows``: every
    partnership of the store, network.partnership_rows, read once for all forces)."""
    from ..network import FORCE_TYPE, layout, partnership_graph, png_image

    try:
        g = partnership_graph(store, force=page.id, rows=rows)
    except HmicError:
        return  # no partnerships recorded for this force
    force_iri = str(vocab.force(page.id))
    for n in g.neighbors(force_iri):
        d, e = g.nodes[n], g.edges[force_iri, n]
        page.partners.append({"name": d["label"], "kind": d["kind"] if d["type"] != FORCE_TYPE else "police force",
                              "evidence": e["evidence"], "years": e["years"].replace(";", ", ")})
    page.partners.sort(key=lambda p: (-int(p["evidence"]), str(p["name"])))
    image = out_dir / "force" / f"{page.id}-network.png"
    png_image(g, layout(g), image, f"{page.name}: partnerships")
    page.network_image = image.name


def build_site(store: ox.Store, out_dir: Path) -> Path:
    """Write the site into ``out_dir``; returns the index page."""
    from ..network import partnership_rows  # networkx and matplotlib only when a site is made

    out_dir = Path(out_dir)
    forces, issues = collect(store)
    env = _environment()
    (out_dir / "force").mkdir(parents=True, exist_ok=True)
    (out_dir / "issue").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STATIC_DIR / "site.css", out_dir / "site.css")
    ordered = sorted(forces.values(), key=lambda f: f.name)
    ordered_issues = sorted(issues.values(), key=lambda i: (-i["count"], i["name"]))
    partnerships = partnership_rows(store)
    for page in ordered:
        _partners(store, page, out_dir, partnerships)
        atomic_write(out_dir / "force" / f"{page.id}.html",
                     env.get_template("force.html").render(force=page, forces=forces, root="../",
                                                           issues_of=_issues_of(page, issues)))
    for issue in ordered_issues:
        atomic_write(out_dir / "issue" / f"{issue['id']}.html",
                     env.get_template("issue.html").render(issue=issue, forces=forces, root="../"))
    atomic_write(out_dir / "issues.html", env.get_template("issues.html").render(issues=ordered_issues, root=""))
    index = out_dir / "index.html"
    atomic_write(index, env.get_template("index.html").render(forces=ordered, issues=ordered_issues[:12], root=""))
    return index


def _issues_of(page: ForcePage, issues: dict[str, dict]) -> dict[str, list[dict]]:
    """Finding IRI → the issues it addresses (links on the force page)."""
    out: dict[str, list[dict]] = defaultdict(list)
    for issue in sorted(issues.values(), key=lambda i: i["name"]):
        for row in issue["forces"].get(page.id, []):
            out[row.id].append({"id": issue["id"], "name": issue["name"]})
    return out
