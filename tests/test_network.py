"""Partnership network: graph from the store, metrics, files for Gephi, offline HTML in Chromium."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from hmic_graph import network as nw
from hmic_graph.model import HmicError
from hmic_graph.store import open_store

from browser import browser_fixture, non_blank_fraction  # noqa: F401  (fixture)

browser = browser_fixture

ESSEX = "https://w3id.org/hmic-graph/id/force/essex-police"
NORFOLK = "https://w3id.org/hmic-graph/id/force/norfolk-constabulary"


@pytest.fixture(scope="module")
def store(sample_build_dir):
    return open_store(sample_build_dir)


@pytest.fixture(scope="module")
def graph(store):
    return nw.partnership_graph(store)


@pytest.fixture(scope="module")
def network_dir(store, tmp_path_factory):
    out = tmp_path_factory.mktemp("network")
    nw.build_network(store, out)
    return out


def test_graph_has_every_inspected_force_and_weighted_attributed_edges(graph):
    inspected = {d["label"] for _, d in graph.nodes(data=True) if d["inspected"]}
    assert inspected == {"Essex Police", "Hertfordshire Constabulary", "Cheshire Constabulary", "Norfolk Constabulary"}
    for _, _, d in graph.edges(data=True):
        assert d["weight"] == d["evidence"] >= 1
        assert d["years"] and all(y.isdigit() for y in d["years"].split(";"))
    # Essex appears in 2007 and 2017 reports: some of its partnerships span both years.
    essex_years = {y for _, _, d in graph.edges(ESSEX, data=True) for y in d["years"].split(";")}
    assert essex_years == {"2007", "2017"}
    kinds = {d["kind"] for _, d in graph.nodes(data=True) if d["type"] == nw.PARTNER_TYPE}
    assert {"local authority", "probation", "multi-agency body"} <= kinds


def test_metrics_degree_betweenness_shared_partners_communities(graph):
    m = nw.metrics(graph)
    by_iri = {r["iri"]: r for r in m.rows}
    assert by_iri[ESSEX]["degree"] == graph.degree(ESSEX) > 10
    assert by_iri[ESSEX]["betweenness"] > 0
    # ACPO is a national partner named in several forces' reports.
    acpo = next(r for r in m.rows if r["name"] == "Association of Chief Police Officers")
    assert acpo["forces"] >= 3 and acpo["degree"] == acpo["forces"]
    pair = next(r for r in m.shared if {r["force_a"], r["force_b"]} == {"Essex Police", "Norfolk Constabulary"})
    assert "Association of Chief Police Officers" in pair["partners"]
    assert all(r["force_a"] != "Kent Police" for r in m.shared)  # met only as a partner, not inspected
    assert len(m.communities) >= 2
    assert sorted(n for c in m.communities for n in c) == sorted(graph.nodes())


def test_filters_force_kind_min_weight(store, graph):
    norfolk = nw.partnership_graph(store, force="norfolk-constabulary")
    assert {d["label"] for _, d in norfolk.nodes(data=True) if d["inspected"]} == {"Norfolk Constabulary"}
    assert set(norfolk.neighbors(NORFOLK)) == set(graph.neighbors(NORFOLK))
    la = nw.partnership_graph(store, kind="local authority")
    partners = [d for _, d in la.nodes(data=True) if d["type"] == nw.PARTNER_TYPE]
    assert partners and {d["kind"] for d in partners} == {"local authority"}
    assert nw.partnership_graph(store, kind="local-authority").number_of_nodes() == la.number_of_nodes()
    heavy = nw.partnership_graph(store, min_weight=3)
    assert 0 < heavy.number_of_edges() < graph.number_of_edges()
    assert all(d["weight"] >= 3 for _, _, d in heavy.edges(data=True))
    with_units = nw.partnership_graph(store, units=True)
    assert any(d["type"] == nw.UNIT_TYPE for _, d in with_units.nodes(data=True))
    with pytest.raises(HmicError, match="no partnerships for this force"):
        nw.partnership_graph(store, force="kent-police-nowhere")


def test_gephi_files_are_valid_and_read_back(network_dir, graph):
    g = nx.read_graphml(network_dir / "network.graphml")
    assert g.number_of_nodes() == graph.number_of_nodes() and g.number_of_edges() == graph.number_of_edges()
    assert g.nodes[ESSEX]["label"] == "Essex Police"
    root = ET.parse(network_dir / "network.gexf").getroot()
    assert root.tag.endswith("gexf")
    assert "lastmodifieddate" not in (network_dir / "network.gexf").read_text(encoding="utf-8")  # no date stamp
    gx = nx.read_gexf(network_dir / "network.gexf")
    assert gx.number_of_edges() == graph.number_of_edges()
    with open(network_dir / "metrics.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["name"] == "Essex Police"  # highest degree first
    png = (network_dir / "network.png").read_bytes()
    assert png.startswith(b"\x89PNG") and non_blank_fraction(png) > 0.02


def test_html_inlines_its_scripts(network_dir):
    html = (network_dir / "network.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\ssrc=", html)  # every script inline
    assert not re.search(r"<link[^>]*href=[\"']https?:", html)
    assert len(html) > 1_000_000  # plotly.js itself is in the page
    assert "Essex Police" in html


@pytest.mark.browser
def test_html_works_offline_in_chromium_and_tooltips_name_the_node(network_dir, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.requested_urls()  # drop anything logged before
    browser.open(network_dir / "network.html")
    WebDriverWait(browser.driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".scatterlayer .point"))
    assert browser.console_errors() == []
    assert browser.external_requests() == []
    points = browser.driver.find_elements(By.CSS_SELECTOR, ".scatterlayer .trace:nth-of-type(2) .point")
    assert len(points) >= 4  # the inspected forces' trace (first after the edges)
    assert non_blank_fraction(browser.screenshot_png()) > 0.02
    ActionChains(browser.driver).move_to_element(points[0]).perform()
    WebDriverWait(browser.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".hoverlayer .hovertext"))
    tooltip = browser.driver.find_element(By.CSS_SELECTOR, ".hoverlayer .hovertext").text
    assert "kind: police force" in tooltip
    assert any(name in tooltip for name in ("Essex Police", "Hertfordshire Constabulary", "Cheshire Constabulary",
                                             "Norfolk Constabulary", "Kent Police"))


def test_cli_network_with_filters(sample_build_dir, tmp_path):
    from typer.testing import CliRunner

    from hmic_graph.cli import app

    result = CliRunner().invoke(app, ["network", "--force", "essex-police", "--kind", "local authority",
                                      "--out", str(tmp_path), "--build", str(sample_build_dir)])
    assert result.exit_code == 0, result.output
    assert "1 force(s)" in result.output
    g = nx.read_graphml(tmp_path / "network.graphml")
    assert {d["kind"] for n, d in g.nodes(data=True) if n != ESSEX} == {"local authority"}
    for name in ("network.html", "network.png", "network.gexf", "metrics.csv", "shared-partners.csv"):
        assert (tmp_path / name).stat().st_size > 0


def test_network_files_are_deterministic(store, network_dir, tmp_path):
    nw.build_network(store, tmp_path)
    for path in sorted(network_dir.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
