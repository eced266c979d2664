"""The hmic-graph command line: argument handling and printing only; work is done by modules.

Each command is one function delegating to its module. Errors on bad input, and the
system's refusals (a path that cannot be written), are one line on stderr ("FILE: problem")
and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from .ingest.text import DEFAULT_MAX_BYTES
from .model import HmicError, Report
from .workers import Terminated, sigterm_interrupts

app = typer.Typer(
    name="hmic-graph",
    help="A knowledge graph of HMIC police inspection reports: forces, judgements, "
    "recommendations and what later inspections say about them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output (CI logs, README tours) is not squeezed into 80 columns.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, highlight=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message, markup=False, soft_wrap=True)
    return typer.Exit(code)


def os_problem(exc: OSError) -> str:
    """One line for a path the system would not read or write (an output under a file, a
    full disk, a store another process holds)."""
    where = exc.filename
    if where is None:
        return " ".join(str(exc).split())
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        path = Path(where)
        for file in (p for p in (path, *path.parents) if p.is_file()):
            return f"{file}: is a file, not a directory"
    return f"{where}: {exc.strerror or exc}"


def command(*args, **kwargs):
    """``app.command`` whose command ends an HmicError (what the modules check) or an OSError
    (the system's own refusals) in one line on stderr and exit code 1, never a traceback."""
    register = app.command(*args, **kwargs)

    def decorate(function):
        @functools.wraps(function)
        def run(*call_args, **call_kwargs):
            try:
                return function(*call_args, **call_kwargs)
            except HmicError as exc:
                raise fail(str(exc)) from None
            except BrokenPipeError:  # output piped into a reader that stopped (head): quietly
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise typer.Exit(141) from None
            except OSError as exc:
                raise fail(os_problem(exc)) from None
        return register(run)
    return decorate


# -- build -------------------------------------------------------------------------------


@command()
def build(
    paths: Annotated[Optional[list[Path]], typer.Argument(readable=False, help="Report files (.txt, .pdf) or directories; none = the bundled sample reports.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Build directory.")] = Path("out"),
    include_contacts: Annotated[bool, typer.Option("--include-contacts", help="Keep force contacts' names, phones and e-mails (personal data).")] = False,
    validate: Annotated[bool, typer.Option("--validate/--no-validate", help="Check the graph against the SHACL shapes.")] = True,
    max_size: Annotated[float, typer.Option("--max-size", min=0.001, max=1_000_000, help="Refuse input files larger than this many MB.")] = DEFAULT_MAX_BYTES / 2**20,
    incremental: Annotated[bool, typer.Option("--incremental/--from-scratch", help="Reuse the extraction of unchanged reports (same sha256) cached in the build directory.")] = True,
    horizon: Annotated[Optional[int], typer.Option("--horizon", min=0, help="Assess each finding in the next N inspections of its force (0 = every later one; default: the linker's config, 3).")] = None,
) -> None:
    """Build DIR/graph.ttl, the embedded store and the validation report from report files."""
    from .pipeline import build as run_build

    with Progress(TextColumn("{task.description}"), BarColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task("building", total=None)

        def progress(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=what)

        try:
            with sigterm_interrupts():  # 'kill PID' stops the build as Ctrl-C does
                result = run_build(paths or None, out_dir, include_contacts=include_contacts,
                                   progress=progress, validate=validate,
                                   max_bytes=int(max_size * 2**20), incremental=incremental, horizon=horizon)
        except KeyboardInterrupt as exc:  # the build drops its temporary files before this arrives
            # Before the store's swap the previous graph.ttl and store stay; during validation
            # the new ones are in place: either way every file is whole.
            how, code = ("terminated", 143) if isinstance(exc, Terminated) else ("interrupted", 130)
            raise fail(f"{out_dir}: {how}; nothing half-written was left", code=code) from None

    for outcome in result.inputs:
        if outcome.status == "error":
            err.print(f"{outcome.source}: {outcome.problem}", markup=False, soft_wrap=True)
        elif outcome.status == "duplicate":
            err.print(f"{outcome.source}: skipped, {outcome.problem}", markup=False, soft_wrap=True)

    if result.reports:
        table = Table(title=f"Built {len(result.reports)} report(s)", title_justify="left")
        columns = {"judgements": "judged", "recommendation": "recs", "area-for-improvement": "AFIs",
                   "cause-of-concern": "CoCs", "observation": "obs", "practices": "practice",
                   "organisations": "orgs"}
        table.add_column("report", no_wrap=True)
        for header in columns.values():
            table.add_column(header, justify="right")
        for outcome in result.inputs:
            if outcome.status == "built":
                table.add_row(outcome.report_id, *(str(outcome.counts.get(k, 0)) for k in columns))
        out.print(table)
        out.print(f"{result.triples} triples → {result.graph_path}", markup=False, soft_wrap=True)
        written = result.graph_write
        if written is not None and written.incremental:
            out.print(f"  written in part: {written.note}; {written.copied / 2**20:.1f} MB copied from the "
                      f"previous graph.ttl, {written.rendered / 2**20:.1f} MB written anew", markup=False, soft_wrap=True)
        out.print(f"store → {result.store_path}", markup=False, soft_wrap=True)
    v = result.validation
    if v is not None:
        where = getattr(v, "text_path", None) or out_dir
        line = (f"validation: {len(getattr(v, 'violations', []))} violation(s), "
                f"{len(getattr(v, 'warnings', []))} warning(s) → {where}")
        if result.conforms:
            out.print(line, markup=False)
        else:
            err.print(f"{out_dir}: the graph does not conform to the SHACL shapes; {line}",
                      markup=False, soft_wrap=True)
            violations = getattr(v, "violations", [])
            for p in violations[:5]:  # the reason, in brief; the full report is in the file
                place = ", ".join(x for x in (getattr(p, "source", None),
                                              f"lines {p.lines}" if getattr(p, "lines", None) else None) if x)
                where = f" ({place})" if place else ""
                err.print(f"  {p.focus_label}: {p.message}{where}", markup=False, soft_wrap=True)
            if len(violations) > 5:
                err.print(f"  ... and {len(violations) - 5} more", markup=False)
    elif result.reports:
        out.print("validation: not run")
    if not result.reports:
        raise fail(f"{out_dir}: nothing built")
    if not result.ok:
        raise typer.Exit(1)


# -- validate, reason --------------------------------------------------------------------

@command("validate")
def validate_command(
    graph: Annotated[Optional[Path], typer.Argument(readable=False, help="Graph file (Turtle, N-Triples, ...); default out/graph.ttl.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Where validation.ttl/.txt go; default: next to the graph.")] = None,
) -> None:
    """Check a graph against the SHACL shapes: a report grouped by shape and focus node.
    Exit code 1 on violations, 0 when there are only warnings."""
    from .validate import validate_graph_file

    result = validate_graph_file(graph, out_dir)
    _print_validation(result.text)
    out.print(f"({result.seconds:.1f} s) → {result.text_path}, {result.results_path}", markup=False, soft_wrap=True)
    raise typer.Exit(result.exit_code)


def _print_validation(text: str) -> None:
    styles = {"Violations": "bold red", "Warnings": "bold yellow", "SHACL": "bold"}
    for line in text.splitlines():
        style = next((s for k, s in styles.items() if line.startswith(k)), None)
        out.print(line, markup=False, style=style, soft_wrap=True)


@command("reason")
def reason_command(
    graph: Annotated[Optional[Path], typer.Argument(readable=False, help="Graph file; default out/graph.ttl.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out", "-o", help="Where inferred.ttl goes; default: next to the graph.")] = None,
) -> None:
    """Run HermiT (owlready2) on ontology + graph: consistency, and the nodes that fall into
    the defined classes (ontology/defined.ttl), written to inferred.ttl."""
    from .reason import describe_classes, reason

    result = reason(graph, out_dir)
    if not result.consistent:
        raise fail(f"INCONSISTENT: {result.explanation}")
    out.print(f"consistent ({result.seconds:.1f} s)", style="bold", markup=False)
    table = Table(title="Inferred memberships of defined classes", title_justify="left")
    table.add_column("class", no_wrap=True)
    table.add_column("nodes", justify="right")
    table.add_column("meaning")
    counts = result.counts()
    for name, comment in describe_classes().items():
        table.add_row(name, str(counts.get(name, 0)), comment)
    out.print(table)
    if result.inferred_path is not None:
        out.print(f"{len(result.inferred)} inferred triples → {result.inferred_path}", markup=False, soft_wrap=True)
    if result.stored:
        out.print("→ the build's store, named graph id/graph/inferred", markup=False)


# -- extract -----------------------------------------------------------------------------

def report_as_json(report: Report, include_contacts: bool = False) -> dict:
    """The records of a report as plain data (the document's lines left out: they are the file).
    Force contacts keep their role; their names, phones and e-mails only with include_contacts,
    as in the graph."""
    data = dataclasses.asdict(report)
    if not include_contacts:
        for practice in data["practices"]:
            for contact in practice["contacts"]:
                contact.update(name=None, phone=None, email=None)
    doc = data.pop("document")
    data["document"] = {k: doc[k] for k in ("source", "sha256", "media_type", "size")}
    data["document"]["lines"] = len(doc["lines"])
    data.pop("sections", None)
    data["report_id"] = report.info.report_id
    return data


def _span(span) -> str:
    return f"{span.start}-{span.end}" if span else ""


def print_report_tables(report: Report) -> None:
    info = report.info
    out.print(f"[bold]{info.title}[/bold]")
    out.print(f"report {info.report_id} · force {info.force_name} · {info.programme_label} · "
              f"{info.year}-{info.month or '??'} · ISBN {info.isbn or '-'} · lines {_span(info.span)}")
    if report.judgements:
        t = Table(title="Judgements")
        for c in ("area", "parent", "grade", "lines"):
            t.add_column(c)
        for j in report.judgements:
            t.add_row(j.area, j.parent_area or "", j.grade or "ungraded" + (" ⚠" if j.grade_conflict else ""), _span(j.span))
        out.print(t)
    if report.findings:
        t = Table(title="Findings")
        for c in ("kind", "no.", "area", "text", "lines"):
            t.add_column(c)
        for f in report.findings:
            number = str(f.number) if f.number is not None else str(f.ordinal or "")
            t.add_row(f.kind + (f" ({f.observation_kind})" if f.observation_kind else ""), number,
                      f.area, f.text[:100] + ("…" if len(f.text) > 100 else ""), _span(f.span))
        out.print(t)
    simple = [
        ("Practice examples", ("area", "title", "lines"), [(p.area, p.title, _span(p.span)) for p in report.practices]),
        ("Glossary", ("abbreviation", "expansion", "lines"), [(g.abbreviation, g.expansion, _span(g.span)) for g in report.glossary]),
        ("Facts", ("label", "value", "unit", "lines"), [(f.label, f"{f.value:g}", f.unit or "", _span(f.span)) for f in report.facts]),
        *organisation_tables(report),
        ("Conflicts", ("what", "detail", "lines"), [(c.what, c.detail, _span(c.span)) for c in report.conflicts]),
    ]
    for title, columns, rows in simple:
        if not rows:
            continue
        t = Table(title=title)
        for c in columns:
            t.add_column(c)
        for row in rows:
            t.add_row(*row)
        out.print(t)


def organisation_tables(report: Report) -> list[tuple[str, tuple[str, ...], list[tuple[str, ...]]]]:
    """Units, partners and partnerships (issue 3) as (title, columns, rows) for print_report_tables."""
    names = {o.org_id: o.name for o in report.organisations}
    first_lines = {o.org_id: ", ".join(str(s.start) for s in o.mentions[:5]) + (" …" if len(o.mentions) > 5 else "")
                   for o in report.organisations}
    units = [(o.name, o.abbreviation or "", o.kind or "", str(len(o.mentions)), first_lines[o.org_id])
             for o in report.organisations if o.role == "unit"]
    partners = [(o.name, o.abbreviation or "", o.kind or "",
                 "other force" if o.role == "force" else "national" if o.national else "local",
                 str(len(o.mentions)), first_lines[o.org_id])
                for o in report.organisations if o.role != "unit"]
    partnerships = [(names.get(p.partner_id, p.partner_id), ", ".join(p.types),
                     ", ".join(_span(e.span) for e in p.evidence[:6]) + (" …" if len(p.evidence) > 6 else ""))
                    for p in report.partnerships]
    return [
        ("Units", ("unit", "abbr.", "kind", "mentions", "lines"), units),
        ("Partners", ("partner", "abbr.", "kind", "scope", "mentions", "lines"), partners),
        ("Partnerships", ("partner", "types", "evidence lines"), partnerships),
    ]


@command()
def extract(
    file: Annotated[Path, typer.Argument(readable=False, help="One report file (.txt or .pdf).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="json or table.")] = "table",
    include_contacts: Annotated[bool, typer.Option("--include-contacts", help="Show force contacts' names, phones and e-mails (personal data).")] = False,
) -> None:
    """Show the records extracted from one report (no graph is written)."""
    from .extract import extract_report
    from .ingest import read_document

    if fmt not in ("json", "table"):
        raise fail(f"--format: expected json or table, not {fmt!r}", 2)
    try:
        report = extract_report(read_document(file))
    except HmicError as exc:
        raise fail(f"{file}: {exc.problem}") from None
    if fmt == "json":
        sys.stdout.write(json.dumps(report_as_json(report, include_contacts), indent=2, ensure_ascii=False) + "\n")
    else:
        print_report_tables(report)


# Other commands (validate, reason, query, sparql, trace, export, network, serve, push, site)
# are added below by their owners, one function each, delegating to their module.


# -- query, sparql, trace (follow-up tracing) ------------------------------------------------

def _print_rows(columns: list[str], rows: list[dict], fmt: str, title: str | None = None) -> None:
    from .queries import cell, to_csv, to_json

    if fmt == "csv":
        sys.stdout.write(to_csv(columns, rows))
    elif fmt == "json":
        sys.stdout.write(to_json(columns, rows))
    else:
        table = Table(title=title, title_justify="left")
        for c in columns:
            table.add_column(c, overflow="fold")
        for row in rows:
            table.add_row(*(cell(row.get(c)) for c in columns))
        out.print(table)
        out.print(f"{len(rows)} row(s)")


@command()
def query(
    name: Annotated[Optional[str], typer.Argument(help="Named query (see --list).")] = None,
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="NAME=VALUE, e.g. force=essex-police (repeatable).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    out_dir: Annotated[Path, typer.Option("--build", "-b", "--out", "-o", help="Build directory holding the store (--out/-o: older spelling).")] = Path("out"),
    list_queries: Annotated[bool, typer.Option("--list", help="List the named queries and their parameters.")] = False,
) -> None:
    """Run a named SPARQL query from queries/ on the build's store."""
    from .queries import load_queries, parse_params, run_named
    from .store import open_store

    if fmt not in ("table", "csv", "json"):
        raise fail(f"--format: expected table, csv or json, not {fmt!r}", 2)
    if param and not name and not list_queries:
        raise fail("--param needs a query name: hmic-graph query NAME --param ... (names: --list)", 2)
    if list_queries or not name:
        for q in load_queries().values():
            params = " ".join(f"[--param {p.name}=…]" if p.optional else f"--param {p.name}=…" for p in q.params)
            out.print(f"[bold]{q.name}[/bold] {params}\n    {q.title}: {q.description}", soft_wrap=True)
        return
    columns, rows = run_named(open_store(out_dir), name, parse_params(param or []))
    _print_rows(columns, rows, fmt, title=name)


@command()
def sparql(
    text: Annotated[Optional[str], typer.Argument(help="A SELECT query (prefixes hmic:, force:, report:, issue:, skos: ... are predeclared).")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", "-f", help="Read the query from a .rq file.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    out_dir: Annotated[Path, typer.Option("--build", "-b", "--out", "-o", help="Build directory holding the store (--out/-o: older spelling).")] = Path("out"),
) -> None:
    """Run an ad hoc SPARQL SELECT on the build's store."""
    from .queries import result_columns
    from .store import open_store, select

    if fmt not in ("table", "csv", "json"):
        raise fail(f"--format: expected table, csv or json, not {fmt!r}", 2)
    if (text is None) == (file is None):
        raise fail("give either a query text or --file FILE.rq", 2)
    if file is not None:
        if not file.is_file():
            raise HmicError(str(file), "no such query file")
        text = file.read_text(encoding="utf-8")
    rows = select(open_store(out_dir), text or "")
    _print_rows(result_columns(text or "", rows), rows, fmt)


@command()
def trace(
    force: Annotated[str, typer.Argument(help="Force id, e.g. essex-police.")],
    out_dir: Annotated[Path, typer.Option("--build", "-b", "--out", "-o", help="Build directory holding the store (--out/-o: older spelling).")] = Path("out"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """A force's timeline, theme by theme: grades, recommendations and what later inspections said, with evidence lines."""
    from .store import open_store
    from .trace import force_timeline, render_text

    if fmt not in ("text", "json"):
        raise fail(f"--format: expected text or json, not {fmt!r}", 2)
    timeline = force_timeline(open_store(out_dir), force)
    if fmt == "json":
        sys.stdout.write(json.dumps(dataclasses.asdict(timeline), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(timeline))


# -- export, network, serve, push, site (outputs people use) ----------------------------------

BuildDir = Annotated[Path, typer.Option("--build", "-b", help="Build directory holding the store.")]


@command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="ttl, nt, jsonld, trig or csv.")],
    output: Annotated[Path, typer.Option("--output", "--out", "-o", help="Output file, - for standard output (for csv: a directory of tables).")],
    graph: Annotated[Optional[str], typer.Option("--graph", "-g", help="One named graph: a report id, ontology, taxonomy, links, or a graph IRI.")] = None,
    build_dir: BuildDir = Path("out"),
) -> None:
    """Export the graph as Turtle, N-Triples, JSON-LD, TriG (a named graph per report) or CSV tables."""
    from .export import FORMATS
    from .export import export as run_export

    if fmt not in FORMATS:  # a usage error (exit 2), as a bad --format of the other commands
        raise fail(f"--format: expected {', '.join(FORMATS)}, not {fmt!r}", 2)
    if str(output) == "-":
        if fmt == "csv":
            raise HmicError("-", "csv export writes several tables: give a directory, not standard output")
        with tempfile.TemporaryDirectory(prefix="hmic-export.") as tmp:
            # Standard output gets the file's bytes once it is whole, and nothing else.
            [path] = run_export(build_dir, fmt, Path(tmp) / f"export.{fmt}", graph)
            with open(path, "rb") as fh:
                shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.flush()
        return
    written = run_export(build_dir, fmt, output, graph)
    for path in written:
        out.print(f"→ {path}", markup=False, soft_wrap=True)


@command()
def network(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Directory for network.html, .png, .graphml, .gexf and metrics.")] = Path("out/network"),
    force: Annotated[Optional[str], typer.Option("--force", help="Only this force's partnerships (force id or name).")] = None,
    kind: Annotated[Optional[str], typer.Option("--kind", help="Only partners of this kind (e.g. local-authority, health).")] = None,
    min_weight: Annotated[int, typer.Option("--min-weight", help="Drop edges with fewer evidence quotes.")] = 1,
    units: Annotated[bool, typer.Option("--units/--no-units", help="Also draw the forces' units.")] = False,
    build_dir: BuildDir = Path("out"),
) -> None:
    """The partnership network: interactive offline HTML, PNG, GraphML, GEXF and a metrics table."""
    from .network import build_network
    from .store import open_store

    written, summary = build_network(open_store(build_dir), out_dir, force=force, kind=kind,
                                     min_weight=min_weight, units=units)
    out.print(summary, markup=False, soft_wrap=True)
    for path in written:
        out.print(f"→ {path}", markup=False, soft_wrap=True)


@command()
def serve(
    port: Annotated[int, typer.Option("--port", "-p", help="Port on 127.0.0.1.")] = 7878,
    build_dir: BuildDir = Path("out"),
) -> None:
    """A read-only SPARQL 1.1 endpoint over the build's store (Oxigraph server) until Ctrl-C."""
    from .serve import serve_forever

    serve_forever(build_dir, port, announce=lambda text: out.print(text, markup=False, soft_wrap=True))


@command()
def push(
    endpoint: Annotated[str, typer.Option("--endpoint", help="SPARQL query endpoint of the remote store (used to check the upload).")],
    graph_store: Annotated[Optional[str], typer.Option("--graph-store", help="Graph Store Protocol URL (default: the endpoint's /store for Oxigraph, else the endpoint).")] = None,
    build_dir: BuildDir = Path("out"),
) -> None:
    """Upload every named graph to a remote store (SPARQL 1.1 Graph Store HTTP Protocol).

    Credentials, when the store needs them: HMIC_ENDPOINT_USER and HMIC_ENDPOINT_PASSWORD."""
    from .serve import push as run_push

    pushed = run_push(build_dir, endpoint, graph_store)
    for name, count in pushed.items():
        out.print(f"{count:>7} triples → {name}", markup=False, soft_wrap=True)


@command()
def site(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Directory for the static site.")] = Path("out/site"),
    build_dir: BuildDir = Path("out"),
) -> None:
    """A static HTML site: forces, grades over time, recommendations with follow-up, issues."""
    from .site import build_site
    from .store import open_store

    index = build_site(open_store(build_dir), out_dir)
    out.print(f"→ {index}", markup=False, soft_wrap=True)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
