"""The records that flow between stages: plain dataclasses, no RDF, no I/O.

Every extracted record carries a ``Span`` of 1-based line numbers in the *original*
source file, so that any fact in the graph can be checked against the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


class HmicError(Exception):
    """A problem with one input that the user can act on (printed as one line)."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


@dataclass(frozen=True, order=True)
class Span:
    """Inclusive 1-based line range in the source file."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 1 or self.end < self.start:
            raise ValueError(f"bad span {self.start}-{self.end}")

    def union(self, other: "Span | None") -> "Span":
        if other is None:
            return self
        return Span(min(self.start, other.start), max(self.end, other.end))

    @staticmethod
    def covering(spans: "list[Span]") -> "Span":
        return Span(min(s.start for s in spans), max(s.end for s in spans))


@dataclass(frozen=True)
class Line:
    """One cleaned line of a document, mapped to its origin.

    ``number`` is the 1-based line in the source text (for PDFs: in the extracted
    text, with ``page`` giving the PDF page). ``furniture`` marks page furniture
    (running headers, lone dates, page numbers) that layouts must skip.
    """

    number: int
    text: str
    page: int | None = None
    furniture: bool = False


@dataclass
class Document:
    """A source file read into clean, numbered lines."""

    source: str  # file name as given (never used to decide anything)
    sha256: str
    lines: list[Line]
    media_type: str = "text/plain"
    size: int = 0

    def text_of(self, span: Span) -> str:
        return " ".join(
            ln.text for ln in self.lines if span.start <= ln.number <= span.end and not ln.furniture
        )


@dataclass(frozen=True)
class Paragraph:
    """Consecutive non-blank lines joined into one text (re-joined across page furniture)."""

    text: str
    span: Span
    # A footnote at the foot of a page ('⁷ PEEL: Police effectiveness 2015 ...'): it defines
    # terms in general, so issue tagging and organisation recognition do not read it.
    footnote: bool = False


@dataclass
class Section:
    """A titled part of a report, as segmented by a layout."""

    title: str
    kind: str  # layout-specific: 'area', 'summary-table', 'recommendations', 'glossary', ...
    span: Span
    paragraphs: list[Paragraph] = field(default_factory=list)
    parent: str | None = None  # parent area title, e.g. 'Protecting vulnerable people'
    area: str | None = None  # inspection area the section belongs to, e.g. 'Child abuse'


Programme = Literal["hmic-2007", "peel-effectiveness"]


@dataclass
class ReportInfo:
    title: str
    force_name: str  # canonical, e.g. 'Essex Police'
    force_id: str  # slug, e.g. 'essex-police'
    programme: str  # programme id, e.g. 'hmic-2007', 'peel-effectiveness-2016'
    programme_label: str  # e.g. 'HMIC inspection 2007', 'PEEL: Police effectiveness 2016'
    year: int
    month: int | None
    span: Span  # where the title/force/date are printed
    isbn: str | None = None
    assessment_period: str | None = None
    day: int | None = None
    # How many forces the report says its programme inspected ('all 43 Home Office police
    # forces in England and Wales'), and where; None when it does not say.
    forces_inspected: int | None = None
    forces_inspected_span: Span | None = None
    # The strand of a programme that publishes several reports on one force at once (a PEEL
    # pillar: legitimacy and leadership reports came out on the same day), so that their ids
    # differ; None for a programme of one report per force (HMIC 2007).
    series: str | None = None

    @property
    def report_id(self) -> str:
        """force-YYYY-MM (publication month), then the series if any: 'essex-police-2007-10',
        'essex-police-2017-03-effectiveness'. Stable: it depends on this report alone."""
        stamp = f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"
        return f"{self.force_id}-{stamp}" + (f"-{self.series}" if self.series else "")


@dataclass
class ContextFact:
    """A number the report states about the force area (area, population, officers, ...)."""

    label: str  # e.g. 'population', 'area in square miles'
    value: float
    unit: str | None
    text: str  # the sentence it was read from
    span: Span


@dataclass
class GradeCount:
    grade: str
    forces: int


@dataclass
class Judgement:
    area: str  # e.g. 'Child abuse', 'Neighbourhood Policing', a PEEL question
    grade: str | None  # canonical grade label ('Good', 'Requires improvement'); None = ungraded
    span: Span
    parent_area: str | None = None  # 'Protecting vulnerable people'
    section_grade: str | None = None  # as printed in the area's own section
    summary_grade: str | None = None  # as printed in the force summary table / summary prose
    grade_conflict: bool = False
    national_distribution: list[GradeCount] = field(default_factory=list)
    summary_span: Span | None = None
    overall: bool = False  # PEEL overall judgement
    ungraded: bool = False


FindingKind = Literal[
    "recommendation", "area-for-improvement", "cause-of-concern", "observation", "good-practice"
]
ObservationKind = Literal["strength", "work-in-progress", "area-for-improvement"]


@dataclass
class Finding:
    """Something a report says the force does well or must change."""

    kind: FindingKind
    area: str
    text: str  # the finding's words, whitespace normalised
    span: Span  # body lines
    parent_area: str | None = None
    number: int | None = None  # printed recommendation number
    ordinal: int = 0  # 1-based position among findings of this kind in the report (stable IRIs)
    list_span: Span | None = None  # lines in the closing list of recommendations
    observation_kind: ObservationKind | None = None
    issues: list[str] = field(default_factory=list)  # issue concept ids (filled by link.tagging)


@dataclass
class ForceContact:
    role: str  # kept
    name: str | None  # personal: kept only with --include-contacts
    phone: str | None  # personal: kept only with --include-contacts
    email: str | None  # personal: kept only with --include-contacts
    span: Span


@dataclass
class PracticeExample:
    """A 'Developing practice' / good practice box."""

    area: str
    title: str
    span: Span
    problem: str = ""
    solution: str = ""
    outcome: str = ""
    contacts: list[ForceContact] = field(default_factory=list)
    ordinal: int = 0
    parent_area: str | None = None
    issues: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.title, self.problem, self.solution, self.outcome) if p)


@dataclass
class GlossaryEntry:
    abbreviation: str
    expansion: str
    span: Span


@dataclass
class EarlierInspection:
    """An earlier report that a later one recalls ('HMIC's 2015 effectiveness report ...')."""

    year: int
    title: str
    span: Span
    url: str | None = None
    grade: str | None = None  # the earlier grade the text recalls, if any


@dataclass
class RecalledFinding:
    """A finding of an earlier inspection as a later report recalls it, with what it says now.

    ``status`` is one of 'addressed', 'partly-addressed', 'recurring', 'not-assessed'.
    """

    earlier: EarlierInspection
    kind: FindingKind
    text: str
    span: Span
    area: str | None
    status: str
    status_evidence: str
    status_span: Span


@dataclass
class OrganisationMention:
    """A mention of an organisation in the text (issue 3)."""

    surface: str  # text as written
    org_id: str  # resolved identity key (gazetteer id or force-scoped local id)
    name: str  # canonical name
    role: Literal["unit", "partner", "force"]
    kind: str | None  # partner kind concept id / unit kind
    span: Span
    abbreviation: str | None = None


@dataclass
class Organisation:
    org_id: str
    name: str
    role: Literal["unit", "partner", "force"]
    kind: str | None
    national: bool  # one node across forces (CPS) vs scoped to the report's force
    alt_labels: list[str] = field(default_factory=list)
    abbreviation: str | None = None
    mentions: list[Span] = field(default_factory=list)
    local_type: str | None = None  # local-body type slug for force-scoped generic bodies (issue 3)
    occurrences: list[OrganisationMention] = field(default_factory=list)  # surface + span of each mention


@dataclass
class Evidence:
    text: str
    span: Span


@dataclass
class Partnership:
    partner_id: str
    evidence: list[Evidence]
    types: list[str] = field(default_factory=list)  # 'co-location', 'joint-unit', ...


@dataclass
class Conflict:
    """A disagreement inside one report (e.g. section grade vs summary table)."""

    what: str
    detail: str
    span: Span


@dataclass
class Report:
    """Everything extracted from one document."""

    document: Document
    info: ReportInfo
    sections: list[Section] = field(default_factory=list)
    facts: list[ContextFact] = field(default_factory=list)
    judgements: list[Judgement] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    practices: list[PracticeExample] = field(default_factory=list)
    glossary: list[GlossaryEntry] = field(default_factory=list)
    earlier: list[EarlierInspection] = field(default_factory=list)
    recalled: list[RecalledFinding] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    partnerships: list[Partnership] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def findings_of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def footnote_lines(self) -> frozenset[int]:
        """Line numbers of the paragraphs the layout marked as footnotes."""
        return frozenset(
            n for s in self.sections for p in s.paragraphs if p.footnote for n in range(p.span.start, p.span.end + 1)
        )


FollowUpStatus = Literal["addressed", "partly-addressed", "recurring", "not-assessed"]


@dataclass(frozen=True)
class FindingRef:
    """Points at a finding of a report: (report id, finding kind, ordinal)."""

    report_id: str
    kind: str
    ordinal: int


@dataclass
class FollowUp:
    """What a later inspection says about an earlier finding (issue 5)."""

    finding: FindingRef
    later_report_id: str
    status: FollowUpStatus
    confidence: float
    evidence_findings: list[FindingRef] = field(default_factory=list)
    evidence_quotes: list[Evidence] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)  # which signals fired, for explanation
    stated_by_inspectorate: bool = False
