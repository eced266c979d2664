"""PEEL: Police effectiveness 2016 – Essex Police: values read by hand from the report."""

from __future__ import annotations

import pytest

from hmic_graph.extract import extract_report
from hmic_graph.extract.peel import extract_peel
from hmic_graph.ingest.text import read_text
from hmic_graph.model import Report
from hmic_graph.resources import SAMPLE_REPORTS_DIR

PEEL_SAMPLE = SAMPLE_REPORTS_DIR / "001_615ec939449919b1.txt"

Q_PREVENT = "How effective is the force at preventing crime, tackling anti-social behaviour and keeping people safe?"
Q_INVESTIGATE = "How effective is the force at investigating crime and reducing re-offending?"
Q_VULNERABLE = "How effective is the force at protecting those who are vulnerable from harm, and supporting victims?"
Q_SOC = "How effective is the force at tackling serious and organised crime?"
Q_SPECIALIST = "How effective are the force's specialist capabilities?"
OVERALL = "How effective is the force at keeping people safe and reducing crime?"


@pytest.fixture(scope="module")
def report() -> Report:
    return extract_peel(read_text(PEEL_SAMPLE))


def test_dispatcher_routes_peel_report_here() -> None:
    report = extract_report(read_text(PEEL_SAMPLE))
    assert report.info.programme == "peel-effectiveness-2016"


def test_report_info(report: Report) -> None:
    info = report.info
    assert info.title == "PEEL: Police effectiveness 2016"
    assert (info.force_id, info.force_name) == ("essex-police", "Essex Police")
    assert (info.year, info.month) == (2017, 3)
    assert info.isbn == "978-1-78655-349-2"
    assert info.programme == "peel-effectiveness-2016"
    assert info.programme_label == "PEEL: Police effectiveness 2016"
    assert info.report_id == "essex-police-2017-03-effectiveness"
    assert info.assessment_period == "September to December 2016"
    assert info.span.start == 3 and info.span.end == 13


def test_core_questions_are_the_sections_areas(report: Report) -> None:
    questions = [s.title for s in report.sections if s.kind == "question"]
    assert questions == [Q_PREVENT, Q_INVESTIGATE, Q_VULNERABLE, Q_SOC, Q_SPECIALIST]
    spans = {s.title: (s.span.start) for s in report.sections if s.kind == "question"}
    assert spans[Q_PREVENT] == 212 and spans[Q_SPECIALIST] == 933


def test_sub_questions_have_their_question_as_parent(report: Report) -> None:
    subs = {s.title: s for s in report.sections if s.kind in {"sub-question", "sub-section"}}
    assert subs["How much crime and anti-social behaviour is there in Essex?"].parent == Q_PREVENT
    assert subs["How effective is the force's initial investigative response?"].parent == Q_INVESTIGATE
    assert subs["Victims of domestic abuse"].parent == Q_VULNERABLE
    assert subs["How well prepared is the force to respond to a firearms attack?"].parent == Q_SPECIALIST
    assert len(subs) == 16  # 3 + 4 + 4 + 3 + 2, as the contents page lists them
    # Third-level headings stay inside their sub-question, they are not sections.
    assert "Does the force have a problem-solving approach?" not in subs


def test_summaries_and_annexes(report: Report) -> None:
    summaries = [(s.span.start, s.parent) for s in report.sections if s.kind == "summary"]
    assert summaries == [(346, Q_PREVENT), (552, Q_INVESTIGATE), (758, Q_VULNERABLE), (914, Q_SOC), (963, Q_SPECIALIST)]
    annexes = [s for s in report.sections if s.kind == "annex"]
    assert [a.title for a in annexes] == ["Annex A – About the data"]
    # 'Force in numbers' inside the annex is the annex's sub-heading, not a new part.
    assert annexes[0].span.end >= 1185
    assert [s.kind for s in report.sections].count("force-in-numbers") == 1


def test_paragraphs_cover_all_body_text_and_skip_contents(report: Report) -> None:
    covered: set[int] = set()
    for section in report.sections:
        for para in section.paragraphs:
            covered.update(range(para.span.start, para.span.end + 1))
    body = [ln.number for ln in report.document.lines if ln.text.strip() and not ln.furniture]
    uncovered = [n for n in body if n not in covered]
    assert uncovered == list(range(17, 51)) or set(uncovered) <= set(range(17, 51))
    texts = [p.text for s in report.sections for p in s.paragraphs]
    assert not any(t.startswith("Summary of findings 18") for t in texts)
    assert 17 not in covered and 45 not in covered  # the contents page


def test_sentence_cut_by_footnote_is_rejoined(report: Report) -> None:
    paras = [p for s in report.sections for p in s.paragraphs]
    joined = next(p for p in paras if p.span.start == 338)
    assert joined.span.end == 344
    assert "takes into account quantitative and qualitative elements" in joined.text
    assert "Guidance on Police Community Support Officers" not in joined.text
    # The footnote is still there, as its own paragraph.
    assert any(p.span.start == 342 and p.text.startswith("¹⁰ Guidance") for p in paras)


def _grade(report: Report, area: str):
    return next(j for j in report.judgements if j.area == area and not j.overall)


def test_overall_judgement_is_good_not_last_years_grade(report: Report) -> None:
    overall = [j for j in report.judgements if j.overall]
    assert len(overall) == 1
    assert overall[0].grade == "Good" and overall[0].area == OVERALL
    assert overall[0].span.start == 168
    # 'when we judged the force to require improvement' is last year's grade: recorded on
    # the earlier inspection, never as a current judgement.
    assert not any(j.overall and j.grade == "Requires improvement" for j in report.judgements)
    last_year = next(e for e in report.earlier if e.title == "PEEL: Police effectiveness 2015")
    assert last_year.grade == "Requires improvement"


def test_question_grades(report: Report) -> None:
    assert _grade(report, Q_PREVENT).grade == "Good"
    assert _grade(report, Q_INVESTIGATE).grade == "Good"
    vulnerable = _grade(report, Q_VULNERABLE)
    assert vulnerable.grade == "Requires improvement"
    assert vulnerable.span.start == 762 and vulnerable.summary_span and vulnerable.summary_span.start == 184
    assert _grade(report, Q_SOC).grade == "Good"
    assert _grade(report, Q_SOC).span.start == 918
    specialist = _grade(report, Q_SPECIALIST)
    assert specialist.grade is None and specialist.ungraded
    assert not any(j.grade_conflict for j in report.judgements)
    assert len(report.judgements) == 6


def test_areas_for_improvement(report: Report) -> None:
    afis = report.findings_of("area-for-improvement")
    per_question = {q: sum(1 for f in afis if f.area == q) for q in (Q_PREVENT, Q_INVESTIGATE, Q_VULNERABLE, Q_SOC)}
    assert per_question == {Q_PREVENT: 1, Q_INVESTIGATE: 2, Q_VULNERABLE: 4, Q_SOC: 2}
    assert [f.ordinal for f in afis] == list(range(1, 10))
    first = afis[0]
    assert first.text == (
        "The force should evaluate and share effective practice routinely, both internally and with partner "
        "organisations, to continually improve its approach to the prevention of crime and anti-social behaviour."
    )
    assert (first.span.start, first.span.end) == (358, 358)
    wrapped = afis[3]
    assert (wrapped.span.start, wrapped.span.end) == (778, 782)
    assert wrapped.text == (
        "The force should include data and information from partner organisations within its problem profiles "
        "and strategic assessments to enhance its understanding of vulnerability and provide a fuller picture "
        "of crime and anti-social behaviour in Essex. It should also consider developing a missing person "
        "problem profile."
    )
    assert (afis[4].span.start, afis[4].span.end) == (783, 786)
    assert afis[8].text.startswith("The force should engage routinely with partner agencies at a senior level")
    assert afis[8].span.start == 931


def test_no_causes_of_concern_or_recommendations_in_2016(report: Report) -> None:
    assert report.findings_of("cause-of-concern") == []
    assert report.findings_of("recommendation") == []


def test_earlier_inspections(report: Report) -> None:
    titles = {e.title: e for e in report.earlier}
    assert set(titles) == {"PEEL: Police effectiveness 2015", "PEEL: Police effectiveness (vulnerability) 2015"}
    plain = titles["PEEL: Police effectiveness 2015"]
    assert plain.year == 2015
    assert plain.url == "www.justiceinspectorates.gov.uk/hmic/publications/police-effectiveness-2015-essex/"
    assert titles["PEEL: Police effectiveness (vulnerability) 2015"].grade == "Inadequate"


def test_recalled_vulnerability_causes_and_areas(report: Report) -> None:
    vuln = [r for r in report.recalled if r.earlier.title == "PEEL: Police effectiveness (vulnerability) 2015"]
    causes = [r.text for r in vuln if r.kind == "cause-of-concern"]
    assert causes == [
        "a lack of understanding of vulnerability",
        "a lack of effective and reliable force processes to respond to and safeguard victims",
    ]
    areas = [r.text for r in vuln if r.kind == "area-for-improvement"]
    assert areas == [
        "its initial response to incidents",
        "its initial investigation of cases involving vulnerable victims, particularly officer access to "
        "photographic and video-recording equipment",
        "its response to missing and absent children",
    ]
    for r in vuln[:5]:
        assert r.span.start == 577 and r.area == Q_VULNERABLE
        # 'significant progress ... although there was still much work to do'
        assert r.status == "partly-addressed"
        assert r.status_span.start == 579
        assert "significant progress" in r.status_evidence


def test_recalled_2015_areas_with_statuses(report: Report) -> None:
    plain = [r for r in report.recalled if r.earlier.title == "PEEL: Police effectiveness 2015"]
    asb = [r for r in plain if r.span.start == 306]
    assert len(asb) == 4 and all(r.kind == "area-for-improvement" for r in asb)
    assert asb[0].text == (
        "identifying, supporting properly and providing an effective level of service to victims of "
        "anti-social behaviour"
    )
    assert asb[3].text.startswith("using evidence of 'what works' drawn from other forces")
    assert all(r.status == "addressed" and r.status_span.start == 308 for r in asb)
    assert "rapid improvements" in asb[0].status_evidence

    wanted = next(r for r in plain if r.span.start == 506)
    assert wanted.text.startswith("Essex Police should introduce a clear process to ensure that it arrests swiftly")
    assert wanted.status == "partly-addressed"
    assert "However, it has more to do." in wanted.status_evidence
    assert wanted.area == Q_INVESTIGATE

    victims = next(r for r in plain if r.span.start == 486)
    assert victims.kind == "area-for-improvement"
    assert victims.text.startswith("the force could improve its compliance with the Code of Practice for Victims of Crime")
    assert victims.status == "addressed" and victims.status_span.start == 492

    organised = next(r for r in plain if r.span.start == 912)
    assert organised.kind == "observation" and organised.status == "addressed"
    assert organised.area == Q_SOC


def test_recalled_statuses_come_from_cue_words_not_defaults(report: Report) -> None:
    statuses = {r.status for r in report.recalled}
    assert {"addressed", "partly-addressed"} <= statuses
    confusion = next(r for r in report.recalled if r.span.start == 720)
    assert confusion.text == "confusion over who held responsibility for victims"
    assert confusion.status == "partly-addressed"  # 'has mostly been removed'


def test_deterministic(report: Report) -> None:
    again = extract_peel(read_text(PEEL_SAMPLE))
    assert [(f.kind, f.ordinal, f.text, f.span) for f in again.findings] == [
        (f.kind, f.ordinal, f.text, f.span) for f in report.findings
    ]
    assert [(r.text, r.status) for r in again.recalled] == [(r.text, r.status) for r in report.recalled]


def test_force_in_numbers_outcome_figures(report: Report) -> None:
    facts = {f.label: f for f in report.facts}
    assert set(facts) == {
        "Charged/summonsed",
        "Evidential difficulties: suspect identified but victim does not support action",
        "Investigation completed but no suspect identified",
    }
    charged = facts["Charged/summonsed"]
    assert (charged.value, charged.unit) == (9.7, "%")
    assert charged.text == "Charged/summonsed: Essex Police 9.7%, England and Wales 12.1%"
    assert (charged.span.start, charged.span.end) == (104, 111)
    assert facts["Investigation completed but no suspect identified"].value == 44.5
