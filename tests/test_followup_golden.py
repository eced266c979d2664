"""The follow-up linker's output on the five bundled sample reports, pinned.

The linker indexes each later report once (issue concept → sentences, sentence vectors, cue
and quotable flags) so that an assessment visits only the sentences that carry the finding's
issues. That index must only skip work, never change a result: the follow-ups below were
written by the linker before the index existed (tests/data/followup/sample_followups.json),
and must stay identical, field for field.

When linking or extraction changes ON PURPOSE, check `python bench/followup_agreement.py`
still agrees with the hand reading, then regenerate:

    python tests/test_followup_golden.py --write
"""

from __future__ import annotations

import copy
import dataclasses
import json
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "data" / "followup" / "sample_followups.json"


def followups_as_json(reports) -> list[dict]:
    from hmic_graph.link import link_followups, tag_reports

    # Tagging fills Finding.issues in place: work on copies of the shared session records.
    tagged = tag_reports(copy.deepcopy(list(reports)))
    return [dataclasses.asdict(fu) for fu in link_followups(tagged)]


def test_sample_followups_are_unchanged(sample_reports) -> None:
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(followups_as_json(sample_reports.values())))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g == w, f"follow-up of {w['finding']} in {w['later_report_id']} changed"


def test_golden_holds_the_essex_followups_and_every_status_kind() -> None:
    """The pinned data is worth pinning: the eleven 2007 Essex recommendations are all there."""
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    essex = [f for f in want if f["finding"]["report_id"] == "essex-police-2007-10"
             and f["finding"]["kind"] == "recommendation" and f["later_report_id"] == "essex-police-2017-03-effectiveness"]
    assert sorted(f["finding"]["ordinal"] for f in essex) == list(range(1, 12))
    assert {"recurring", "not-assessed"} <= {f["status"] for f in want}


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from hmic_graph.extract import extract_report
    from hmic_graph.ingest import read_document
    from hmic_graph.resources import sample_reports

    data = followups_as_json(extract_report(read_document(p)) for p in sample_reports())
    GOLDEN.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(data)} follow-ups → {GOLDEN}")
