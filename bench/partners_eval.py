"""Precision/recall of organisation recognition against hand-made expectations.

Expectations are in tests/data/organisations/expected_<report-id>.json, written by reading
each sample report by hand: the partners it names (``partners``), the partners it shows the
force working with (``partnerships``) and the force's units (``units``). Run:

    python bench/partners_eval.py            # table of P/R per report and overall

so the figures can be tracked as the gazetteer grows. tests/test_organisations.py asserts
floors on the same numbers.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hmic_graph.extract.forces import find_force_in  # noqa: E402
from hmic_graph.ingest import read_document  # noqa: E402
from hmic_graph.model import Document, GlossaryEntry, Report, ReportInfo, Span  # noqa: E402
from hmic_graph.resources import sample_reports  # noqa: E402

EXPECTED_DIR = ROOT / "tests" / "data" / "organisations"


def _minimal_glossary(doc: Document) -> list[GlossaryEntry]:
    """Glossary lines after the last 'Glossary' heading, for when the full extractor is absent."""
    start = max((ln.number for ln in doc.lines if re.match(r"^(?:Appendix: )?Glossary", ln.text.strip())), default=None)
    if start is None:
        return []
    out = []
    for ln in doc.lines:
        if ln.number <= start or ln.furniture:
            continue
        parts = ln.text.strip().split("\t", 1) if "\t" in ln.text else ln.text.strip().split(" ", 1)
        if len(parts) == 2 and re.fullmatch(r"[A-Za-z&]{2,10}", parts[0]) and sum(c.isupper() for c in parts[0]) >= 2:
            out.append(GlossaryEntry(parts[0], " ".join(parts[1].split()), Span(ln.number, ln.number)))
    return out


def load_report(path: Path) -> Report:
    """The full extractor's Report when it is available; else a minimal one (info + glossary)."""
    doc = read_document(path)
    try:
        from hmic_graph.extract import extract_report

        return extract_report(doc)
    except ImportError:
        pass
    from hmic_graph.extract.organisations import extract_organisations

    force_id, force_name = find_force_in("\n".join(ln.text for ln in doc.lines[:40]))
    year = int(re.search(r"\b(20\d\d)\b", "\n".join(ln.text for ln in doc.lines[:40])).group(1))
    peel = any("PEEL" in ln.text for ln in doc.lines[:10])
    info = ReportInfo("", force_name, force_id, "peel-effectiveness" if peel else "hmic-2007", "", year, None, Span(1, 1))
    report = Report(doc, info, glossary=_minimal_glossary(doc))
    report.organisations, report.partnerships = extract_organisations(report)
    return report


@dataclass
class Score:
    true_positives: int
    false_positives: list[str]
    false_negatives: list[str]

    @property
    def precision(self) -> float:
        found = self.true_positives + len(self.false_positives)
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + len(self.false_negatives)
        return self.true_positives / expected if expected else 1.0


def score(found: set[str], expected: set[str]) -> Score:
    return Score(len(found & expected), sorted(found - expected), sorted(expected - found))


def expectations() -> dict[str, dict]:
    return {p.stem.removeprefix("expected_"): json.loads(p.read_text()) for p in sorted(EXPECTED_DIR.glob("expected_*.json"))}


def evaluate(reports: list[Report]) -> dict[str, dict[str, Score]]:
    """Per report id: scores of partners (mentioned), partnerships and units."""
    exp = expectations()
    out: dict[str, dict[str, Score]] = {}
    for r in reports:
        e = exp.get(r.info.report_id)
        if e is None:
            continue
        partners = {o.org_id for o in r.organisations if o.role in ("partner", "force")}
        units = {o.org_id for o in r.organisations if o.role == "unit"}
        partnered = {p.partner_id for p in r.partnerships}
        out[r.info.report_id] = {
            "partners": score(partners, set(e["partners"])),
            "partnerships": score(partnered, set(e["partnerships"])),
            "units": score(units & set(e["units"]) | (units - set(e.get("units_other", [])) - set(e["units"])),
                           set(e["units"])),
        }
    return out


def overall(scores: dict[str, dict[str, Score]], what: str) -> Score:
    total = Score(0, [], [])
    for per in scores.values():
        s = per[what]
        total = Score(total.true_positives + s.true_positives, total.false_positives + s.false_positives,
                      total.false_negatives + s.false_negatives)
    return total


def main() -> None:
    reports = [load_report(p) for p in sample_reports()]
    scores = evaluate(reports)
    print(f"{'report':32} {'what':13} {'P':>6} {'R':>6}  misses / extras")
    for rid, per in scores.items():
        for what, s in per.items():
            print(f"{rid:32} {what:13} {s.precision:6.2f} {s.recall:6.2f}  "
                  f"-{s.false_negatives} +{s.false_positives}")
    for what in ("partners", "partnerships", "units"):
        s = overall(scores, what)
        print(f"{'ALL':32} {what:13} {s.precision:6.2f} {s.recall:6.2f}")


if __name__ == "__main__":
    main()
