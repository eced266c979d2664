"""SPARQL endpoint (real Oxigraph server on 127.0.0.1) and push through the Graph Store Protocol."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from rdflib import Graph

from hmic_graph import serve
from hmic_graph.model import HmicError
from hmic_graph.store import open_store, store_path

REPORTS = """SELECT ?report WHERE { ?report a <https://w3id.org/hmic-graph/ontology#InspectionReport> } ORDER BY ?report"""
ESSEX_RECOMMENDATIONS = """
PREFIX hmic: <https://w3id.org/hmic-graph/ontology#>
SELECT (COUNT(DISTINCT ?rec) AS ?n) WHERE {
  ?rec a hmic:Recommendation ; hmic:inReport <https://w3id.org/hmic-graph/id/report/essex-police-2007-10> }"""

SAMPLE_REPORT_IRIS = [f"https://w3id.org/hmic-graph/id/report/{r}" for r in (
    "cheshire-constabulary-2007-10", "essex-police-2007-10", "essex-police-2017-03-effectiveness",
    "hertfordshire-constabulary-2007-10", "norfolk-constabulary-2007-10")]


@pytest.fixture
def read_only_server(sample_build_dir):
    port = serve.free_port()
    proc = serve.start_server(store_path(sample_build_dir), port)
    yield serve.endpoint_url(port)
    serve.stop_server(proc)
    assert proc.poll() is not None


@pytest.fixture
def empty_server(tmp_path):
    port = serve.free_port()
    proc = serve.start_server(tmp_path / "remote", port, read_only=False)
    yield serve.endpoint_url(port)
    serve.stop_server(proc)


def test_endpoint_answers_sparql_over_http(read_only_server):
    rows = serve.sparql_select(read_only_server, REPORTS)
    assert [r["report"] for r in rows] == SAMPLE_REPORT_IRIS
    assert serve.sparql_select(read_only_server, ESSEX_RECOMMENDATIONS) == [{"n": "11"}]


def test_endpoint_is_read_only(read_only_server):
    update = read_only_server.replace("/query", "/update")
    req = urllib.request.Request(update, data=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }", method="POST",
                                 headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(HmicError, match="HTTP 4"):
        serve._request(req, 10)
    assert serve.sparql_select(read_only_server, "ASK { <urn:a> <urn:b> <urn:c> }") is False


def test_push_uploads_every_named_graph_and_the_remote_answers(sample_build_dir, empty_server, monkeypatch):
    pushed = serve.push(sample_build_dir, empty_server)
    local = open_store(sample_build_dir)
    assert sorted(pushed) == sorted(g.value for g in local.named_graphs())
    assert all(n > 0 for n in pushed.values())
    assert serve.sparql_select(empty_server, ESSEX_RECOMMENDATIONS) == [{"n": "11"}]
    graphs = serve.sparql_select(empty_server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    assert [r["g"] for r in graphs] == sorted(pushed)
    sent: dict[str, bytes] = {}
    real_put = serve.put_graph

    def recording_put(target, graph, data):
        sent[graph] = data
        return real_put(target, graph, data)

    monkeypatch.setattr(serve, "put_graph", recording_put)
    again = serve.push(sample_build_dir, empty_server)  # PUT replaces: pushing twice does not double
    # What is sent is what was built: graph.ttl's triples with their datatypes (the store keeps
    # a positiveInteger as an integer; push restores it).
    sent_triples = set(Graph().parse(data=b"".join(sent.values()).decode("utf-8"), format="nt"))
    assert set(Graph().parse(sample_build_dir / "graph.ttl", format="turtle")) - sent_triples == set()
    assert again == pushed
    assert serve.remote_count(empty_server, SAMPLE_REPORT_IRIS[1].replace("/report/", "/graph/report/")) == \
        pushed[SAMPLE_REPORT_IRIS[1].replace("/report/", "/graph/report/")]


def test_push_to_nowhere_is_a_one_line_error(sample_build_dir):
    port = serve.free_port()  # nothing listens there
    with pytest.raises(HmicError, match="cannot reach"):
        serve.push(sample_build_dir, f"http://127.0.0.1:{port}/query")
    with pytest.raises(HmicError, match="http"):
        serve.push(sample_build_dir, "ftp://example.org/sparql")


def test_graph_store_url_defaults():
    assert serve.default_graph_store("http://127.0.0.1:7878/query") == "http://127.0.0.1:7878/store"
    assert serve.default_graph_store("http://localhost:3030/ds/sparql") == "http://localhost:3030/ds/data"
    assert serve.default_graph_store("http://localhost:3030/ds/query") == "http://localhost:3030/ds/data"


@pytest.mark.parametrize("stop", ["sigint", "ctrl-c-at-terminal", "sigterm"])
def test_cli_serve_runs_until_stopped_and_takes_the_server_with_it(sample_build_dir, stop):
    """SIGINT to the command; Ctrl-C at a terminal (SIGINT to the whole process group, the
    server included); 'kill PID' (SIGTERM): each stops quietly with exit 0 and no server left."""
    port = serve.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hmic_graph.cli", "serve", "--port", str(port),
                             "--build", str(sample_build_dir)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        rows = None
        for _ in range(300):
            try:
                rows = serve.sparql_select(serve.endpoint_url(port), REPORTS, timeout=2)
                break
            except HmicError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        assert rows is not None, proc.stderr.read() if proc.poll() is not None else "no answer"
        assert len(rows) == 5
    finally:
        if stop == "ctrl-c-at-terminal":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM if stop == "sigterm" else signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stderr = proc.stderr.read()
    assert proc.returncode == 0, stderr
    assert stderr == ""
    with pytest.raises(HmicError, match="cannot reach"):
        serve.sparql_select(serve.endpoint_url(port), REPORTS, timeout=2)  # the server went with it


def test_cli_serve_on_missing_build_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "hmic_graph.cli", "serve", "--build", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "no store here" in result.stderr and "Traceback" not in result.stderr


def test_server_that_cannot_start_says_why(tmp_path):
    with pytest.raises(HmicError, match="Oxigraph server stopped: Error.*No such file"):
        serve.start_server(tmp_path / "no-store-here", serve.free_port())


def test_credentials_come_from_the_environment(monkeypatch):
    req = urllib.request.Request("http://127.0.0.1:1/store", method="PUT")
    serve._authorise(req)
    assert not req.has_header("Authorization")
    monkeypatch.setenv("HMIC_ENDPOINT_USER", "analyst")
    monkeypatch.setenv("HMIC_ENDPOINT_PASSWORD", "s3cret")
    serve._authorise(req)
    assert req.get_header("Authorization") == "Basic YW5hbHlzdDpzM2NyZXQ="
