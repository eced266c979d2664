"""A read-only SPARQL endpoint over a build (the Oxigraph server), and pushing a build's named
graphs to any remote store through the SPARQL 1.1 Graph Store HTTP Protocol.

``serve`` runs ``oxigraph serve-read-only`` (the ``oxigraph`` package from PyPI) on the
build's store, bound to 127.0.0.1 only, with the union of the named graphs as the default
graph (as ``hmic-graph query`` sees it). ``push`` PUTs each named graph as N-Triples to the
Graph Store URL, replacing what the remote held under that name, then asks the SPARQL
endpoint how many triples each graph has, so a partial upload never passes silently.
Credentials for a guarded remote store come from HMIC_ENDPOINT_USER / HMIC_ENDPOINT_PASSWORD.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from .model import HmicError
from .store import declared_datatypes, open_store, store_path, with_declared_datatype
from .workers import sigterm_interrupts

HOST = "127.0.0.1"
STARTUP_SECONDS = 30.0
HTTP_TIMEOUT = 120.0


def oxigraph_binary() -> str:
    path = shutil.which("oxigraph")
    if path is None:
        raise HmicError("oxigraph", "the Oxigraph server is not installed (pip install oxigraph)")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def endpoint_url(port: int) -> str:
    return f"http://{HOST}:{port}/query"


def start_server(location: Path, port: int, read_only: bool = True) -> subprocess.Popen:
    """Start an Oxigraph server on 127.0.0.1:port and wait until it answers queries."""
    location = Path(location)
    command = [oxigraph_binary(), "serve-read-only" if read_only else "serve", "--location", str(location),
               "--bind", f"{HOST}:{port}", "--union-default-graph"]
    # stderr to a file, not a pipe: a long-running server must never block on a full pipe.
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, text=True)
    proc.stderr_log = log  # type: ignore[attr-defined]
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                # The first 'Error:' line says why; the Rust backtrace after it does not.
                lines = [ln.strip() for ln in log.read().splitlines() if ln.strip()]
                reason = next((ln for ln in lines if ln.startswith("Error")), lines[0] if lines else f"exit {proc.returncode}")
                raise HmicError(str(location), f"the Oxigraph server stopped: {reason}")
            try:
                sparql_select(endpoint_url(port), "ASK {}", timeout=2)
                return proc
            except HmicError:
                time.sleep(0.2)
        raise HmicError(f"{HOST}:{port}", f"the Oxigraph server did not answer within {STARTUP_SECONDS:.0f} s")
    except BaseException:  # never leave a server behind (Ctrl-C while waiting, timeout)
        stop_server(proc)
        raise


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    log = getattr(proc, "stderr_log", None)
    if log is not None:
        log.close()


def serve_forever(build_dir: Path, port: int, announce: Callable[[str], None] = print) -> None:
    """Serve the build's store read-only until interrupted (Ctrl-C)."""
    location = store_path(Path(build_dir))
    if not location.exists():
        raise HmicError(str(build_dir), "no store here: run 'hmic-graph build' first")
    if not 0 < port < 65536:
        raise HmicError(str(port), "not a TCP port")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((HOST, port))
    except OSError:
        raise HmicError(f"{HOST}:{port}", "port already in use; pick another with --port") from None
    # 'kill PID' (SIGTERM) must stop the server too: by default it ends Python without
    # running the finally below, and the orphaned server kept the port.
    try:
        with sigterm_interrupts():
            proc = start_server(location, port)
            try:  # from here on the server must go with us, however we stop
                announce(f"SPARQL endpoint (read-only): {endpoint_url(port)}   (Ctrl-C to stop)")
                proc.wait()
            finally:
                stop_server(proc)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM (start_server stops a server it waits for)
        return
    # A Ctrl-C at the terminal reaches the server too (same process group): it ends by SIGINT.
    if proc.returncode not in (0, -signal.SIGTERM, -signal.SIGINT, None):
        raise HmicError(str(location), f"the Oxigraph server exited with code {proc.returncode}")


# -- HTTP ---------------------------------------------------------------------------------

AUTH_ENV = ("HMIC_ENDPOINT_USER", "HMIC_ENDPOINT_PASSWORD")


def _authorise(req: urllib.request.Request) -> None:
    """HTTP Basic credentials from the environment, for stores that guard writes (Fuseki,
    GraphDB, Virtuoso); never from the command line, where other users' ps would see them."""
    user, password = (os.environ.get(name) for name in AUTH_ENV)
    if user and password is not None and not req.has_header("Authorization"):
        token = base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")
        req.add_header("Authorization", f"Basic {token}")


def _request(req: urllib.request.Request, timeout: float) -> bytes:
    _authorise(req)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip().splitlines()
        raise HmicError(req.full_url, f"HTTP {exc.code} {exc.reason}" + (f": {detail[0][:200]}" if detail else "")) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HmicError(req.full_url, f"cannot reach the server ({reason})") from None


def sparql_select(endpoint: str, query: str, timeout: float = HTTP_TIMEOUT) -> list[dict[str, str]] | bool:
    """POST a query (SPARQL 1.1 Protocol); SELECT rows as {var: value}, or the ASK answer."""
    body = urllib.parse.urlencode({"query": query}).encode("utf-8")
    req = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json",
    })
    data = json.loads(_request(req, timeout))
    if "boolean" in data:
        return bool(data["boolean"])
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def default_graph_store(endpoint: str) -> str:
    """The Graph Store URL next to a query endpoint, by the servers' usual layouts:
    Oxigraph …/query → …/store, Fuseki …/sparql or …/query → …/data; otherwise the endpoint."""
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    if path.endswith("/query") and not path.endswith("/ds/query"):
        path = path[: -len("/query")] + "/store"
    elif path.endswith(("/sparql", "/ds/query")):
        path = path.rsplit("/", 1)[0] + "/data"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def put_graph(graph_store: str, graph: str, ntriples: bytes) -> None:
    separator = "&" if urllib.parse.urlsplit(graph_store).query else "?"
    url = f"{graph_store}{separator}{urllib.parse.urlencode({'graph': graph})}"
    req = urllib.request.Request(url, data=ntriples, method="PUT",
                                 headers={"Content-Type": "application/n-triples"})
    _request(req, HTTP_TIMEOUT)


def remote_count(endpoint: str, graph: str) -> int:
    # str(NamedNode) is the validated <IRI> form, so the name cannot add syntax. (A trailing
    # VALUES would join after the aggregate and not restrict the count.)
    rows = sparql_select(endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}")
    assert isinstance(rows, list)
    return int(rows[0]["n"]) if rows else 0


def push(build_dir: Path, endpoint: str, graph_store: str | None = None) -> dict[str, int]:
    """Upload every named graph of the build; returns {graph IRI: triples}, checked remotely."""
    for url in (endpoint, graph_store):
        if url is not None and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise HmicError(url, "expected an http:// or https:// URL")
    target = graph_store or default_graph_store(endpoint)
    store = open_store(build_dir)
    pushed: dict[str, int] = {}
    declared = declared_datatypes(store)
    for name in sorted(g.value for g in store.named_graphs()):
        node = ox.NamedNode(name)
        # Each literal with the datatype it was built with (the store keeps a positiveInteger
        # as an integer): the endpoint gets graph.ttl's triples.
        triples = [ox.Triple(q.subject, q.predicate, with_declared_datatype(q.predicate, q.object, declared))
                   for q in store.quads_for_pattern(None, None, None, node)]
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if triples else b""
        put_graph(target, name, data)
        pushed[name] = len(triples)
    for name, count in pushed.items():
        remote = remote_count(endpoint, name)
        if remote != count:
            raise HmicError(endpoint, f"graph {name}: pushed {count} triples but the endpoint reports {remote}")
    return pushed
