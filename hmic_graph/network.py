"""The partnership network: forces, partner organisations (and optionally units) as a networkx
graph, its metrics, and files people open: offline interactive HTML, PNG, GraphML, GEXF, CSV.

Read from the store through SPARQL (CONTRACT terms: hmic:Partnership, hmic:force,
hmic:partner, hmic:partnerKind, hmic:inReport), never from the extractors' records.
Edges are weighted by evidence: the number of quotes supporting the partnership, summed
over reports. Layout is seeded, so the same store gives the same pictures.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from . import vocab
from .model import HmicError
from .serialize import atomic_write
from .sparql import load as sparql
from .store import select

PARTNERSHIPS_QUERY = "network-partnerships"

UNITS_QUERY = "network-units"

FORCE_TYPE = "police force"
PARTNER_TYPE = "partner organisation"
UNIT_TYPE = "unit"


def _year(issued: object) -> int:
    return int(str(issued)[:4])


def _slug_of(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _matches_force(force_iri: str, force_name: str, wanted: str) -> bool:
    w = wanted.strip().lower()
    return w in (_slug_of(force_iri), force_name.lower(), force_iri.lower())


def _matches_kind(kind_iri: str | None, kind_name: str | None, wanted: str) -> bool:
    w = wanted.strip().lower()
    if not kind_iri:
        return False
    return w in ((kind_name or "").lower(), _slug_of(kind_iri)) or vocab.slug(w) == _slug_of(kind_iri)


def partnership_rows(store: ox.Store) -> list[dict]:
    """Every partnership of the store with its force, partner, kind, report and quotes."""
    return select(store, sparql(PARTNERSHIPS_QUERY))


def partnership_graph(store: ox.Store, force: str | None = None, kind: str | None = None,
                      min_weight: int = 1, units: bool = False, rows: list[dict] | None = None) -> nx.Graph:
    """Nodes: forces, partners (and units); edges force–partner weighted by evidence quotes.

    Node attributes: label, type (police force / partner organisation / unit), kind, iri,
    inspected (a force whose report the partnership comes from, not one met as a partner).
    Edge attributes: weight (evidence quotes), evidence (same), reports, years (';'-joined so
    GraphML and GEXF can hold them). ``rows``: ``partnership_rows(store)`` read once by a
    caller that makes a graph per force (the site), instead of the query each time.
    """
    rows = partnership_rows(store) if rows is None else rows
    if force is not None and not any(_matches_force(str(r["force"]), str(r["forceName"]), force) for r in rows):
        known = sorted({_slug_of(str(r["force"])) for r in rows})
        raise HmicError(force, "no partnerships for this force; forces with partnerships: " + ", ".join(known))
    if kind is not None and not any(_matches_kind(_str(r["kind"]), _str(r["kindName"]), kind) for r in rows):
        known = sorted({_slug_of(str(r["kind"])) for r in rows if r["kind"] is not None})
        raise HmicError(kind, "no partner of this kind; kinds: " + ", ".join(known))

    nodes: dict[str, dict] = {}
    edges: dict[tuple[str, str], dict] = defaultdict(lambda: {"evidence": 0, "reports": set(), "years": set()})
    for r in rows:
        force_iri, partner_iri = str(r["force"]), str(r["partner"])
        if force is not None and not _matches_force(force_iri, str(r["forceName"]), force):
            continue
        if kind is not None and not _matches_kind(_str(r["kind"]), _str(r["kindName"]), kind):
            continue
        nodes[force_iri] = {"label": str(r["forceName"]), "type": FORCE_TYPE, "kind": FORCE_TYPE, "iri": force_iri,
                            "inspected": True}
        is_force = bool(r["isForce"] is not None and r["isForce"].toPython())
        if partner_iri not in nodes or nodes[partner_iri]["type"] != FORCE_TYPE:
            nodes[partner_iri] = {
                "label": str(r["partnerName"]),
                "type": FORCE_TYPE if is_force else PARTNER_TYPE,
                "kind": _str(r["kindName"]) or ("other police force" if is_force else "unclassified"),
                "iri": partner_iri,
                "inspected": False,
            }
        e = edges[(force_iri, partner_iri)]
        e["evidence"] += int(r["quotes"].toPython())
        e["reports"].add(_slug_of(str(r["report"])))
        e["years"].add(_year(r["issued"]))
    if units:
        for r in select(store, sparql(UNITS_QUERY)):
            force_iri, unit_iri = str(r["force"]), str(r["unit"])
            if force is not None and not _matches_force(force_iri, str(r["forceName"]), force):
                continue
            if force_iri not in nodes and kind is not None:
                continue  # a kind filter keeps only forces that have such partners
            nodes.setdefault(force_iri, {"label": str(r["forceName"]), "type": FORCE_TYPE, "kind": FORCE_TYPE,
                                         "iri": force_iri, "inspected": True})
            nodes[unit_iri] = {"label": str(r["unitName"]), "type": UNIT_TYPE, "kind": UNIT_TYPE, "iri": unit_iri,
                               "inspected": False}
            e = edges[(force_iri, unit_iri)]
            e["evidence"] += int(r["mentions"].toPython())
            e["reports"].add(_slug_of(str(r["report"])))
            e["years"].add(_year(r["issued"]))

    g = nx.Graph()
    kept = {pair: e for pair, e in edges.items() if e["evidence"] >= min_weight}
    used = {n for pair in kept for n in pair}
    for iri in sorted(used):  # sorted insertion: metrics and layout do not depend on query order
        g.add_node(iri, **nodes[iri])
    for (a, b) in sorted(kept):
        e = kept[(a, b)]
        g.add_edge(a, b, weight=e["evidence"], evidence=e["evidence"], reports=";".join(sorted(e["reports"])),
                   years=";".join(str(y) for y in sorted(e["years"])))
    return g


def _str(term: object) -> str | None:
    return None if term is None else str(term)


# -- metrics --------------------------------------------------------------------------------

@dataclass
class Metrics:
    rows: list[dict[str, object]]                      # one per node
    shared: list[dict[str, object]]                    # one per pair of forces with partners in common
    communities: list[list[str]] = field(default_factory=list)


def metrics(g: nx.Graph) -> Metrics:
    """Degree, evidence-weighted degree, betweenness, community; partners shared by forces."""
    betweenness = nx.betweenness_centrality(g, normalized=True) if len(g) > 2 else {n: 0.0 for n in g}
    communities: list[list[str]] = []
    if g.number_of_edges():
        found = nx.community.greedy_modularity_communities(g, weight="weight")
        communities = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c))
    community_of = {n: i + 1 for i, c in enumerate(communities) for n in c}
    # Shared partners are compared between inspected forces, not forces met only as partners.
    forces = [n for n, d in g.nodes(data=True) if d["inspected"]]
    rows = []
    for n, d in g.nodes(data=True):
        rows.append({
            "name": d["label"], "type": d["type"], "kind": d["kind"],
            "degree": g.degree(n), "evidence": g.degree(n, weight="weight"),
            "forces": sum(1 for m in g.neighbors(n) if g.nodes[m]["type"] == FORCE_TYPE),
            "betweenness": round(betweenness.get(n, 0.0), 4),
            "community": community_of.get(n, 0), "iri": n,
        })
    rows.sort(key=lambda r: (-int(r["degree"]), -float(r["betweenness"]), str(r["name"]), str(r["iri"])))
    shared = []
    for i, a in enumerate(sorted(forces)):
        for b in sorted(forces)[i + 1:]:
            common = sorted(set(g.neighbors(a)) & set(g.neighbors(b)), key=lambda n: g.nodes[n]["label"])
            if common:
                shared.append({"force_a": g.nodes[a]["label"], "force_b": g.nodes[b]["label"],
                               "shared": len(common),
                               "partners": "; ".join(g.nodes[n]["label"] for n in common)})
    shared.sort(key=lambda r: (-int(r["shared"]), str(r["force_a"]), str(r["force_b"])))
    return Metrics(rows=rows, shared=shared, communities=communities)


def _csv(rows: list[dict[str, object]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# -- drawing --------------------------------------------------------------------------------

# Colour per node kind: forces stand out; partner kinds get a fixed qualitative palette.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
           "#f7b6d2", "#dbdb8d", "#9edae5", "#393b79"]  # matplotlib's tab20, reordered
FORCE_COLOUR = "#08306b"
OTHER_FORCE_COLOUR = "#6b8ec7"
UNIT_COLOUR = "#9ecae1"


def kind_colours(g: nx.Graph) -> dict[str, str]:
    kinds = sorted({d["kind"] for _, d in g.nodes(data=True) if d["type"] == PARTNER_TYPE})
    colours = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(kinds)}
    colours[FORCE_TYPE] = FORCE_COLOUR
    colours[UNIT_TYPE] = UNIT_COLOUR
    colours["other police force"] = OTHER_FORCE_COLOUR
    return colours


def layout(g: nx.Graph) -> dict[str, tuple[float, float]]:
    if not len(g):
        return {}
    pos = nx.spring_layout(g, seed=7, weight=None, k=1.6 / max(len(g), 1) ** 0.5, iterations=200)
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def html_page(g: nx.Graph, pos: dict[str, tuple[float, float]], title: str) -> str:
    """A self-contained plotly page: plotly.js is inlined (include_plotlyjs=True), no CDN."""
    import plotly.graph_objects as go

    colours = kind_colours(g)
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for a, b in g.edges():
        edge_x += [pos[a][0], pos[b][0], None]
        edge_y += [pos[a][1], pos[b][1], None]
    traces = [go.Scatter(x=edge_x, y=edge_y, mode="lines", line={"width": 0.7, "color": "#bbbbbb"},
                         hoverinfo="skip", showlegend=False, name="partnerships")]
    by_kind: dict[str, list[str]] = defaultdict(list)
    for n, d in g.nodes(data=True):
        by_kind[d["kind"]].append(n)
    for kind in sorted(by_kind, key=lambda k: (k != FORCE_TYPE, k)):
        members = sorted(by_kind[kind])
        hover = []
        for n in members:
            d = g.nodes[n]
            evidence = g.degree(n, weight="weight")
            hover.append(f"<b>{_html(d['label'])}</b><br>kind: {_html(d['kind'])}<br>"
                         f"links: {g.degree(n)} · evidence quotes: {evidence}")
        is_force = kind == FORCE_TYPE
        traces.append(go.Scatter(
            x=[pos[n][0] for n in members], y=[pos[n][1] for n in members],
            mode="markers+text" if is_force else "markers",
            text=[g.nodes[n]["label"] for n in members] if is_force else None,
            textposition="top center",
            hovertext=hover, hoverinfo="text", name=kind,
            marker={"size": [14 + 2 * min(g.degree(n), 20) if is_force else 8 + min(g.degree(n), 12) for n in members],
                    "color": colours.get(kind, "#999999"), "line": {"width": 1, "color": "#ffffff"},
                    "symbol": "diamond" if is_force else "circle"},
        ))
    fig = go.Figure(traces)
    fig.update_layout(
        title={"text": title}, hovermode="closest", plot_bgcolor="#ffffff", height=760,
        xaxis={"visible": False}, yaxis={"visible": False}, legend={"title": {"text": "kind"}},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    # Fixed div id: the same graph gives the same file.
    return fig.to_html(include_plotlyjs=True, full_html=True, div_id="partnership-network",
                       config={"displaylogo": False, "responsive": True})


def _html(text: str) -> str:
    from html import escape

    return escape(str(text), quote=True)


def png_image(g: nx.Graph, pos: dict[str, tuple[float, float]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    colours = kind_colours(g)
    fig, ax = plt.subplots(figsize=(12, 9), dpi=100)
    nx.draw_networkx_edges(g, pos, ax=ax, edge_color="#cccccc",
                           width=[0.5 + min(d["weight"], 10) * 0.25 for _, _, d in g.edges(data=True)])
    nodes = sorted(g.nodes())
    nx.draw_networkx_nodes(g, pos, nodelist=nodes, ax=ax,
                           node_color=[colours.get(g.nodes[n]["kind"], "#999999") for n in nodes],
                           node_size=[160 if g.nodes[n]["type"] == FORCE_TYPE else 40 for n in nodes],
                           node_shape="o")
    forces = {n: g.nodes[n]["label"] for n in nodes if g.nodes[n]["type"] == FORCE_TYPE}
    label_pos = {n: (x, y + 0.035) for n, (x, y) in pos.items()}  # above the marker, not over it
    nx.draw_networkx_labels(g, label_pos, labels=forces, ax=ax, font_size=9, font_weight="bold")
    handles = [Line2D([0], [0], marker="o", linestyle="", color=c, label=k) for k, c in sorted(colours.items())
               if any(d["kind"] == k for _, d in g.nodes(data=True))]
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
    ax.set_title(title)
    ax.set_axis_off()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None})  # no version stamp: stable bytes
    plt.close(fig)


def _text_of(write, g: nx.Graph) -> str:
    buffer = io.BytesIO()
    write(g, buffer)
    return buffer.getvalue().decode("utf-8")


def build_network(store: ox.Store, out_dir: Path, force: str | None = None, kind: str | None = None,
                  min_weight: int = 1, units: bool = False) -> tuple[list[Path], str]:
    """Write network.html, network.png, network.graphml, network.gexf, metrics.csv and
    shared-partners.csv; returns the files and a one-line summary."""
    g = partnership_graph(store, force=force, kind=kind, min_weight=min_weight, units=units)
    if not len(g):
        raise HmicError(str(out_dir), f"no partnership has at least {min_weight} evidence quote(s) with these filters")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    what = [f"force {force}" if force else None, f"kind {kind}" if kind else None,
            f"min weight {min_weight}" if min_weight > 1 else None]
    title = "Partnership network" + (" – " + ", ".join(w for w in what if w) if any(what) else "")
    pos = layout(g)
    m = metrics(g)
    files = {
        "network.html": html_page(g, pos, title),
        "network.graphml": _text_of(nx.write_graphml, g),
        # networkx stamps today's date; without it the file depends only on the store.
        "network.gexf": re.sub(r' lastmodifieddate="[^"]*"', "", _text_of(nx.write_gexf, g), count=1),
        "metrics.csv": _csv(m.rows, ["name", "type", "kind", "degree", "evidence", "forces", "betweenness",
                                     "community", "iri"]),
        "shared-partners.csv": _csv(m.shared, ["force_a", "force_b", "shared", "partners"]),
    }
    written = []
    for name, text in files.items():
        atomic_write(out_dir / name, text)
        written.append(out_dir / name)
    png_image(g, pos, out_dir / "network.png", title)
    written.append(out_dir / "network.png")
    forces = sum(1 for _, d in g.nodes(data=True) if d["type"] == FORCE_TYPE)
    summary = (f"{forces} force(s), {len(g) - forces} other node(s), {g.number_of_edges()} edge(s), "
               f"{len(m.communities)} communit{'y' if len(m.communities) == 1 else 'ies'}")
    return written, summary
