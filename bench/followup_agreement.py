"""How far the follow-up linker agrees with a hand-made reading of two reports of one force.

    python bench/followup_agreement.py [EXPECTED.json]

The expectations (bench/expected/essex_2007_followup.json) were written by reading the Essex
2007 and 2016 reports side by side, before looking at the linker's output. The script extracts
the bundled sample reports with the real pipeline stages (ingest → extract → link), then
prints, per recommendation, the expected and linked status and evidence lines, and overall:

- status accuracy (exact status; and 'defensible' counting the alternatives the reader listed);
- evidence precision: share of the linker's evidence items (quotes and later findings) that
  fall on a line the reader cited;
- evidence recall: share of the reader's cited lines that the linker cites.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hmic_graph.extract import extract_report  # noqa: E402
from hmic_graph.ingest import read_document  # noqa: E402
from hmic_graph.link import link_followups, tag_reports  # noqa: E402
from hmic_graph.model import Span  # noqa: E402
from hmic_graph.resources import sample_reports  # noqa: E402

DEFAULT_EXPECTED = ROOT / "bench" / "expected" / "essex_2007_followup.json"


def evidence_spans(followup, later) -> list[Span]:
    spans = [q.span for q in followup.evidence_quotes]
    by_ref = {(f.kind, f.ordinal): f.span for f in later.findings}
    spans += [by_ref[(r.kind, r.ordinal)] for r in followup.evidence_findings if (r.kind, r.ordinal) in by_ref]
    return spans


def main(expected_path: Path = DEFAULT_EXPECTED) -> dict:
    expected = json.loads(expected_path.read_text())
    reports = tag_reports([extract_report(read_document(p)) for p in sample_reports()])
    want_e, want_l = expected["earlier_report"], expected["later_report"]

    def pick(w):
        return next(r for r in reports if r.info.force_id == w["force_id"] and r.info.year == w["year"]
                    and r.info.month == w["month"])

    earlier, later = pick(want_e), pick(want_l)
    followups = {
        fu.finding.ordinal: fu for fu in link_followups([earlier, later])
        if fu.finding.report_id == earlier.info.report_id and fu.finding.kind == "recommendation"
        and fu.later_report_id == later.info.report_id
    }
    numbers = {f.ordinal: f.number for f in earlier.findings if f.kind == "recommendation"}
    by_number = {numbers[o]: fu for o, fu in followups.items()}

    exact = defensible = 0
    predicted_items = predicted_hits = expected_lines = recalled_lines = 0
    print(f"{'rec':>3}  {'expected':<17}{'linked':<17}{'conf':>5}  evidence: expected / linked")
    for item in expected["recommendations"]:
        fu = by_number.get(item["number"])
        status = fu.status if fu else "(missing)"
        exact += status == item["status"]
        defensible += status == item["status"] or status in item.get("acceptable", [])
        spans = evidence_spans(fu, later) if fu else []
        want = set(item["evidence_lines"])
        hits = [s for s in spans if any(s.start <= line <= s.end for line in want)]
        predicted_items += len(spans)
        predicted_hits += len(hits)
        expected_lines += len(want)
        recalled_lines += sum(1 for line in want if any(s.start <= line <= s.end for s in spans))
        mark = "ok" if status == item["status"] else "≈" if status in item.get("acceptable", []) else "XX"
        shown = sorted({s.start for s in spans})
        print(f"{item['number']:>3}  {item['status']:<17}{status:<17}{fu.confidence if fu else 0:>5.2f}  "
              f"{sorted(want)} / {shown}  {mark}")
    n = len(expected["recommendations"])
    result = {
        "recommendations": n,
        "status_agreement": exact,
        "status_accuracy": round(exact / n, 3),
        "defensible": defensible,
        "evidence_precision": round(predicted_hits / predicted_items, 3) if predicted_items else None,
        "evidence_recall": round(recalled_lines / expected_lines, 3) if expected_lines else None,
    }
    print(f"\nstatus agreement: {exact}/{n} ({result['status_accuracy']:.0%}); "
          f"defensible: {defensible}/{n}")
    print(f"evidence precision: {predicted_hits}/{predicted_items} = {result['evidence_precision']}; "
          f"evidence recall: {recalled_lines}/{expected_lines} = {result['evidence_recall']}")
    return result


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EXPECTED)
