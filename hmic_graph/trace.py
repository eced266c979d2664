"""A force's follow-up timeline, theme by theme: what each inspection graded, what it asked
the force to change, and what later inspections said about it, with evidence lines.

Data comes from the build's store through named queries (queries/*.rq); grouping into
themes uses the issue taxonomy: a finding goes under the broad theme (top concept) of most
of its issues, a judgement under the theme its area's name is tagged with.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .link.tagging import Taxonomy, load_taxonomy, match_concepts
from .model import HmicError
from .queries import run_named

OTHER_THEME = ("other", "Other")


@dataclass
class EvidenceItem:
    kind: str  # 'quote' or 'finding'
    line_start: int
    line_end: int
    text: str


@dataclass
class FollowUpEntry:
    later_report: str
    status: str
    confidence: float
    stated: bool
    evidence: list[EvidenceItem] = field(default_factory=list)


@dataclass
class FindingEntry:
    iri: str
    report: str
    kind: str
    number: int | None
    area: str | None
    text: str
    line_start: int | None
    line_end: int | None
    issues: list[tuple[str, str]]  # (id, label)
    followups: list[FollowUpEntry] = field(default_factory=list)


@dataclass
class GradeEntry:
    report: str
    year: str
    area: str
    grade: str


@dataclass
class Theme:
    id: str
    label: str
    grades: list[GradeEntry] = field(default_factory=list)
    findings: list[FindingEntry] = field(default_factory=list)


@dataclass
class Timeline:
    force_id: str
    force_name: str
    reports: list[str]
    themes: list[Theme]
    recalled: list[FindingEntry]


def _theme_of(issues: list[str], taxonomy: Taxonomy) -> tuple[str, str]:
    tops: Counter[str] = Counter()
    for i in issues:
        if i not in taxonomy.concepts:
            continue
        concept_tops = [i] if taxonomy.concepts[i].top else sorted(
            a for a in taxonomy.ancestors(i) if taxonomy.concepts[a].top)
        tops.update(concept_tops)
    if not tops:
        return OTHER_THEME
    best = sorted(tops.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return best, taxonomy.concepts[best].pref_label


def _int(term) -> int | None:
    return int(str(term)) if term is not None else None


def force_timeline(store, force_id: str) -> Timeline:
    taxonomy = load_taxonomy()
    params = {"force": force_id}
    _, grade_rows = run_named(store, "grades-matrix", params)
    _, finding_rows = run_named(store, "force-findings", params)
    _, followup_rows = run_named(store, "followup", params)
    _, evidence_rows = run_named(store, "followup-evidence", params)
    if not (grade_rows or finding_rows):
        raise HmicError(force_id, "no reports of this force in the store (force ids look like 'essex-police')")
    force_name = str(grade_rows[0]["forceName"]) if grade_rows else force_id

    followups: dict[str, dict[str, FollowUpEntry]] = {}
    for row in evidence_rows:
        finding, later = str(row["finding"]), str(row["laterReport"])
        entry = followups.setdefault(finding, {}).setdefault(later, FollowUpEntry(
            later, str(row["status"]), float(str(row["confidence"])), str(row["stated"]) == "true"))
        if row.get("evidenceText") is not None:
            entry.evidence.append(EvidenceItem(str(row["evidenceKind"]), _int(row["evidenceLineStart"]) or 0,
                                               _int(row["evidenceLineEnd"]) or 0, str(row["evidenceText"])))

    themes: dict[tuple[str, str], Theme] = {}

    def theme(key: tuple[str, str]) -> Theme:
        return themes.setdefault(key, Theme(*key))

    reports: list[str] = []
    for row in grade_rows:
        report = str(row["report"])
        if report not in reports:
            reports.append(report)
        area = str(row["area"])
        theme(_theme_of(match_concepts(area, taxonomy), taxonomy)).grades.append(
            GradeEntry(report, str(row["year"]), area, str(row["grade"])))
    for row in finding_rows:
        report = str(row["report"])
        if report not in reports:
            reports.append(report)
        issues = str(row["issues"] or "").split()
        entry = FindingEntry(
            iri=str(row["finding"]), report=report, kind=str(row["kind"]), number=_int(row.get("number")),
            area=str(row["area"]) if row.get("area") is not None else None, text=str(row["text"]),
            line_start=_int(row.get("lineStart")), line_end=_int(row.get("lineEnd")),
            issues=[(i, taxonomy.concepts[i].pref_label if i in taxonomy.concepts else i) for i in issues],
            followups=sorted(followups.get(str(row["finding"]), {}).values(), key=lambda f: f.later_report),
        )
        # The area the report filed it under decides the theme; its own issues when the area
        # name says nothing the taxonomy knows.
        area_theme = _theme_of(match_concepts(entry.area, taxonomy), taxonomy) if entry.area else OTHER_THEME
        key = area_theme if area_theme != OTHER_THEME else _theme_of(issues, taxonomy)
        theme(key).findings.append(entry)

    recalled = []
    for row in followup_rows:
        if str(row["stated"]) != "true":
            continue
        lines = str(row["lines"] or "")
        start, _, end = lines.partition("-")
        recalled.append(FindingEntry(
            iri=str(row["finding"]), report=str(row["earlierReport"]), kind=str(row["kind"]), number=None,
            area=None, text=str(row["text"]), line_start=int(start) if start else None,
            line_end=int(end or start) if start else None, issues=[],
            followups=sorted(followups.get(str(row["finding"]), {}).values(), key=lambda f: f.later_report)))

    ordered = sorted(themes.values(), key=lambda t: (t.id == OTHER_THEME[0], t.label))
    return Timeline(force_id, force_name, reports, ordered, recalled)


# -- plain-text rendering ---------------------------------------------------------------------

KIND_TITLE = {"recommendation": "Recommendation", "area-for-improvement": "Area for improvement",
              "cause-of-concern": "Cause of concern"}


def _lines(start: int | None, end: int | None) -> str:
    if start is None:
        return ""
    return f"line {start}" if end in (None, start) else f"lines {start}-{end}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _followup_lines(fu: FollowUpEntry, quote_width: int) -> list[str]:
    out = [f"      → {fu.later_report}: {fu.status.upper()} (confidence {fu.confidence:.2f})"
           + (" — stated by the inspectorate" if fu.stated else "")]
    for ev in sorted(fu.evidence, key=lambda e: (e.kind != "finding", e.line_start)):
        label = "later finding" if ev.kind == "finding" else "quote"
        out.append(f"          {label}, {_lines(ev.line_start, ev.line_end)}: \"{_clip(ev.text, quote_width)}\"")
    return out


def render_text(timeline: Timeline, quote_width: int = 200) -> str:
    out = [f"{timeline.force_name} — follow-up trace", "Reports: " + ", ".join(timeline.reports), ""]
    for theme in timeline.themes:
        out.append(f"== {theme.label} ==")
        for g in theme.grades:
            out.append(f"  graded  {g.report}  {g.area}: {g.grade}")
        for f in theme.findings:
            title = KIND_TITLE.get(f.kind, f.kind)
            number = f" {f.number}" if f.number else ""
            issues = ", ".join(label for _, label in f.issues) or "no issue tagged"
            out.append(f"  {f.report}  {title}{number} ({_lines(f.line_start, f.line_end)}) [{issues}]")
            out.append(f"      \"{_clip(f.text, quote_width)}\"")
            for fu in f.followups:
                out.extend(_followup_lines(fu, quote_width))
        out.append("")
    if timeline.recalled:
        out.append("== Earlier findings the inspectorate recalls, and what it says now ==")
        for f in timeline.recalled:
            out.append(f"  {f.report}  {f.kind} (recalled at {_lines(f.line_start, f.line_end)})")
            out.append(f"      \"{_clip(f.text, quote_width)}\"")
            for fu in f.followups:
                out.extend(_followup_lines(fu, quote_width))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
