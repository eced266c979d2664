"""Property-based robustness: whatever the input, the outcome is records or one HmicError.

Arbitrary bytes and text, truncated reports, shuffled and dropped sections, odd encodings
and line endings: ingest and extraction never raise anything but HmicError, and every
record they return points at lines that exist.
"""

from __future__ import annotations

import random
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hmic_graph.extract import extract_report
from hmic_graph.ingest.text import document_from_bytes, lines_from_text, paragraphs
from hmic_graph.ingest.unwrap import unwrap, width_rule
from hmic_graph.model import Document, HmicError, Line, Report, Span
from hmic_graph.resources import SAMPLE_REPORTS_DIR

SAMPLES = sorted(SAMPLE_REPORTS_DIR.glob("*.txt"))
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Full extractions take about a second each on this machine: few examples, many shapes.
SLOW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])

report_words = st.sampled_from([
    "HMIC Inspection Report", "Essex Police", "October 2007", "GRADE\tFAIR", "Recommendations",
    "Recommendation 1", "Strengths", "Areas for improvement", "PEEL", "Police effectiveness 2016",
    "How effective is the force at protecting those who are vulnerable?", "Summary of findings",
    "Good", "Requires improvement", "Force summary of judgements", "Neighbourhood Policing",
    "Protecting Vulnerable People – Child Abuse", "- The force should", "\f", "1.", "•", "",
])
report_like_text = st.lists(st.one_of(report_words, st.text(max_size=120)), max_size=80).map("\n".join)


@lru_cache(maxsize=None)
def sample_text(index: int) -> str:
    return SAMPLES[index].read_text(encoding="utf-8")


def check_outcome(doc_bytes: bytes, name: str = "input.txt") -> Report | None:
    """Ingest and extract; only HmicError may escape, and records must point inside the file."""
    try:
        doc = document_from_bytes(doc_bytes, name)
    except HmicError as exc:
        assert "\n" not in str(exc)
        return None
    check_document(doc)
    try:
        report = extract_report(doc)
    except HmicError as exc:
        assert "\n" not in str(exc) and exc.problem
        return None
    check_spans(report, doc)
    return report


def check_document(doc: Document) -> None:
    numbers = [ln.number for ln in doc.lines]
    assert numbers == sorted(set(numbers)) and all(n >= 1 for n in numbers)
    for para in paragraphs(doc.lines):
        assert para.span.start <= para.span.end


def check_spans(report: Report, doc: Document) -> None:
    last = doc.lines[-1].number if doc.lines else 1
    spans: list[Span] = [report.info.span]
    spans += [j.span for j in report.judgements] + [f.span for f in report.findings]
    spans += [p.span for p in report.practices] + [g.span for g in report.glossary]
    for span in spans:
        assert 1 <= span.start <= span.end <= last


@QUICK
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(data: bytes) -> None:
    check_outcome(data)


@QUICK
@given(report_like_text)
def test_arbitrary_report_like_text(text: str) -> None:
    check_outcome(text.encode("utf-8"))


@QUICK
@given(st.text(max_size=2000), st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]))
def test_arbitrary_text_in_odd_encodings(text: str, encoding: str) -> None:
    check_outcome(text.encode(encoding, errors="replace"))


@QUICK
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=100), max_size=60),
       st.integers(min_value=10, max_value=120))
def test_unwrap_keeps_every_word_and_the_line_order(texts: list[str], width: int) -> None:
    lines = lines_from_text("\n".join(texts))
    joined = unwrap(lines, width_rule(width))
    assert [ln.number for ln in joined] == sorted({ln.number for ln in joined})
    assert "".join("".join(ln.text.split()) for ln in joined).replace("-", "") == \
        "".join("".join(ln.text.split()) for ln in lines).replace("-", "")


@SLOW
@given(st.integers(min_value=0, max_value=len(SAMPLES) - 1), st.floats(min_value=0.0, max_value=1.0))
def test_truncated_reports(index: int, fraction: float) -> None:
    text = sample_text(index)
    check_outcome(text[: int(len(text) * fraction)].encode("utf-8"))


@SLOW
@given(st.integers(min_value=0, max_value=len(SAMPLES) - 1), st.integers(min_value=0, max_value=2**32),
       st.floats(min_value=0.0, max_value=0.5))
def test_shuffled_and_dropped_sections(index: int, seed: int, drop: float) -> None:
    rnd = random.Random(seed)
    blocks = sample_text(index).split("\n\n")
    kept = [b for b in blocks if rnd.random() >= drop]
    head, tail = kept[:10], kept[10:]  # keep the cover so the layout is still recognised
    rnd.shuffle(tail)
    check_outcome("\n\n".join(head + tail).encode("utf-8"))


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(SAMPLES) - 1), st.sampled_from(["\r\n", "\r", "\n"]),
       st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_line_endings_and_encodings_do_not_change_the_records(index: int, newline: str, encoding: str) -> None:
    text = sample_text(index)
    base = check_outcome(text.encode("utf-8"))
    other = check_outcome(text.replace("\n", newline).encode(encoding, errors="replace"))
    assert base is not None and other is not None
    assert [(j.area, j.grade) for j in other.judgements] == [(j.area, j.grade) for j in base.judgements]
    assert len(other.findings_of("recommendation")) == len(base.findings_of("recommendation"))
    assert len(other.findings_of("area-for-improvement")) == len(base.findings_of("area-for-improvement"))


def test_lines_are_numbered_from_the_original_file() -> None:
    lines = lines_from_text("a\r\nb\rc\n\nd")
    assert [(ln.number, ln.text) for ln in lines] == [(1, "a"), (2, "b"), (3, "c"), (4, ""), (5, "d")]
    assert all(isinstance(ln, Line) for ln in lines)
