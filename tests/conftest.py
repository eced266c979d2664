"""Shared fixtures. Other engineers: add fixtures below, additively."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from hmic_graph.ingest.text import document_from_bytes
from hmic_graph.model import (
    Conflict,
    ContextFact,
    Finding,
    ForceContact,
    GlossaryEntry,
    GradeCount,
    Judgement,
    PracticeExample,
    Report,
    ReportInfo,
    Span,
)
from hmic_graph.resources import sample_reports

REPO = Path(__file__).resolve().parent.parent

# A small report-shaped text for hand-built records: line numbers below refer to it.
HAND_TEXT = "\n".join(f"line {i} of a hand-made report" for i in range(1, 61)) + "\n"


def hand_built_report(force_id: str = "essex-police", force_name: str = "Essex Police",
                      year: int = 2007, month: int = 10, text: str = HAND_TEXT) -> Report:
    """A Report as an extractor would return it, with every kind of record filled in."""
    doc = document_from_bytes(text.encode("utf-8"), f"{force_id}-{year}.txt")
    info = ReportInfo(
        title=f"{force_name} – HMIC Inspection Report", force_name=force_name, force_id=force_id,
        programme="hmic-2007", programme_label="HMIC inspection 2007", year=year, month=month,
        span=Span(3, 7), isbn="978-1-84726-456-5",
    )
    return Report(
        document=doc,
        info=info,
        judgements=[
            Judgement(area="Neighbourhood Policing", grade="Good", span=Span(10, 10),
                      national_distribution=[GradeCount("Excellent", 2), GradeCount("Good", 25)],
                      summary_span=Span(8, 8)),
            Judgement(area="Child abuse", grade="Fair", span=Span(12, 12),
                      parent_area="Protecting vulnerable people", section_grade="Fair",
                      summary_grade="Good", grade_conflict=True),
            Judgement(area="Missing persons", grade=None, span=Span(14, 14),
                      parent_area="Protecting vulnerable people", ungraded=True),
        ],
        findings=[
            Finding(kind="recommendation", area="Child abuse", text="The force should  review\nits CAIU staffing.",
                    span=Span(20, 22), parent_area="Protecting vulnerable people", number=1, ordinal=1,
                    list_span=Span(50, 51)),
            Finding(kind="recommendation", area="Neighbourhood Policing", text="Unnumbered recommendation.",
                    span=Span(24, 24), ordinal=2),
            Finding(kind="observation", area="Neighbourhood Policing", text="Strong local ties.",
                    span=Span(26, 27), ordinal=1, observation_kind="strength", issues=["neighbourhood-policing"]),
        ],
        practices=[
            PracticeExample(area="Neighbourhood Policing", title="Electronic contact list", span=Span(30, 38),
                            problem="Hard to reach.", solution="A list.", outcome="Reached.", ordinal=1,
                            contacts=[ForceContact(role="Communications Manager", name="Jane Example",
                                                   phone="01245 000000", email="jane@example.org",
                                                   span=Span(38, 38))]),
        ],
        glossary=[GlossaryEntry("CAIU", "Child Abuse Investigation Unit", Span(55, 55))],
        facts=[ContextFact("population", 1_700_000.0, None, "Population is 1.7 million.", Span(40, 40))],
        conflicts=[Conflict("grade", "Child abuse: section says Fair, summary table says Good", Span(12, 12))],
    )


@pytest.fixture
def hand_report() -> Report:
    return hand_built_report()


@pytest.fixture(scope="session")
def samples() -> list[Path]:
    return sample_reports()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def input_dir(tmp_path: Path, reports: Iterable[Path]) -> Path:
    """``tmp_path/in`` holding a copy of each report under its own name: a build's input
    directory that a test may edit."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in reports:
        shutil.copy(path, inputs / path.name)
    return inputs


@pytest.fixture(scope="session", name="sample_reports")
def _sample_reports_fixture() -> dict:
    """File name → Report for every bundled sample report (extracted once per session)."""
    from hmic_graph.extract import extract_report
    from hmic_graph.ingest import read_document

    return {path.name: extract_report(read_document(path)) for path in sample_reports()}


@pytest.fixture(scope="session")
def sample_build_dir(tmp_path_factory) -> Path:
    """A build of the bundled sample reports (store + graph.ttl), made once per session."""
    from hmic_graph import pipeline

    out = tmp_path_factory.mktemp("sample-build")
    result = pipeline.build(None, out, validate=False)
    assert result.reports, "the sample build produced no reports"
    return out
