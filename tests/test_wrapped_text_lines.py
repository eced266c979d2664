"""Hard-wrapped text (pdftotext style) keeps the file's line numbers: ingest re-joins wrapped
lines under the first one's number, so the document holds fewer lines than the file. Every
cited line and the source's hmic:lineCount must still be the file's."""

from __future__ import annotations

import textwrap

from hmic_graph import validate
from hmic_graph.extract import extract_report
from hmic_graph.ingest.text import document_from_bytes
from hmic_graph.rdf.report import report_graph
from hmic_graph.resources import SAMPLE_REPORTS_DIR
from hmic_graph.vocab import HMIC


def _wrapped(name: str, width: int = 80) -> str:
    out: list[str] = []
    for line in (SAMPLE_REPORTS_DIR / name).read_text(encoding="utf-8").split("\n"):
        # Table rows (tabs) stay whole, as pdftotext keeps a row on one line.
        out.extend(textwrap.wrap(line, width) if len(line) > width and "\t" not in line else [line])
    return "\n".join(out) + "\n"


def test_wrapped_2007_report_cites_file_lines_and_conforms() -> None:
    text = _wrapped("000_88c9294f686cd83b.txt")  # Essex 2007
    doc = document_from_bytes(text.encode("utf-8"), "wrapped.txt")
    n_file = text.count("\n")
    assert len(doc.lines) < n_file  # the wrapped lines were re-joined
    g = report_graph(extract_report(doc))
    (count,) = g.objects(None, HMIC.lineCount)
    assert int(count) == n_file
    ends = [int(o) for o in g.objects(None, HMIC.lineEnd)]
    assert len(doc.lines) < max(ends) <= n_file  # was: lineCount = len(doc.lines), 176 false violations
    result = validate.validate_build({"wrapped": g}, workers=1)
    assert result.conforms, result.text
