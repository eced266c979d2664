"""Every named query answers with the right rows on the sample corpus."""

import json

import pytest
from rdflib import Literal, URIRef

from hmic_graph.model import HmicError
from hmic_graph.queries import (
    bindings_for,
    get_query,
    load_queries,
    parse_params,
    parse_query,
    run_named,
    to_csv,
    to_json,
)
from hmic_graph.store import open_store

EXPECTED_QUERIES = {"followup", "followup-latest", "open-recommendations", "recurring-issues", "grades-matrix",
                    "findings-by-issue", "partners-of-force", "shared-partners",
                    "good-practice-by-area", "report-summary"}


@pytest.fixture(scope="module")
def store(sample_build_dir):
    return open_store(sample_build_dir)


def rows_of(store, name, **params):
    columns, rows = run_named(store, name, params)
    return columns, [{k: (str(v) if v is not None else None) for k, v in r.items()} for r in rows]


def test_every_query_has_a_header():
    queries = load_queries()
    assert EXPECTED_QUERIES <= set(queries)
    for q in queries.values():
        assert q.title != q.name and len(q.description) > 30, q.name


def test_followup_of_essex_shows_every_2007_recommendation_with_status_and_evidence(store):
    _, rows = rows_of(store, "followup", force="essex-police")
    recs = {int(r["number"]): r for r in rows if r["kind"] == "recommendation"}
    assert sorted(recs) == list(range(1, 12))
    assert all(r["laterReport"] == "essex-police-2017-03-effectiveness" for r in recs.values())
    assert {r["status"] for r in recs.values()} <= {"Addressed", "Partly addressed", "Recurring", "Not assessed"}
    missing = recs[11]
    assert missing["status"] == "Recurring"
    assert "missing person problem profile" in missing["evidence"]
    assert "line 607" in missing["evidence"] and "[finding] line 778" in missing["evidence"]
    assert recs[7]["status"] == "Addressed" and "DASH" in recs[7]["evidence"]
    assert recs[2]["status"] == "Not assessed" and recs[2]["evidence"] in (None, "")
    stated = [r for r in rows if r["stated"] == "true"]
    assert stated and all(r["laterReport"] == "essex-police-2017-03-effectiveness" for r in stated)
    assert any("problem-solving process" in r["text"] and r["status"] == "Addressed" for r in stated)


def test_followup_of_a_force_without_later_report_is_empty(store):
    assert rows_of(store, "followup", force="norfolk-constabulary")[1] == []


def test_open_recommendations(store):
    _, rows = rows_of(store, "open-recommendations")
    assert {r["forceName"] for r in rows} == {"Essex Police"}
    numbers = {int(r["number"]) for r in rows}
    assert {2, 3, 6, 10, 11} <= numbers
    assert 7 not in numbers  # addressed
    assert {r["status"] for r in rows} <= {"Recurring", "Not assessed"}


def test_recurring_issues_across_forces(store):
    _, rows = rows_of(store, "recurring-issues")
    by_issue = {r["issue"].rsplit("/", 1)[-1]: r for r in rows}
    rso = by_issue["registered-sex-offenders"]
    assert int(rso["forces"]) >= 2 and "Essex Police" in rso["forceNames"]
    assert int(rso["recurringFollowUps"]) >= 1
    assert all(int(r["forces"]) >= 2 for r in rows)


def test_grades_matrix(store):
    _, rows = rows_of(store, "grades-matrix")
    cell = {(r["forceName"], r["year"], r["area"]): r["grade"] for r in rows}
    assert cell[("Essex Police", "2007", "Domestic violence")] == "Poor"
    assert cell[("Essex Police", "2007", "Neighbourhood Policing")] == "Fair"
    assert cell[("Essex Police", "2017", "How effective is the force at protecting those who are vulnerable from harm, and supporting victims?")] == "Requires improvement"
    assert {f for f, _, _ in cell} == {"Essex Police", "Hertfordshire Constabulary", "Cheshire Constabulary", "Norfolk Constabulary"}
    _, essex = rows_of(store, "grades-matrix", force="essex-police")
    assert {r["forceName"] for r in essex} == {"Essex Police"}


def test_findings_by_issue_includes_narrower_issues(store):
    _, rows = rows_of(store, "findings-by-issue", issue="missing-persons")
    essex = [r for r in rows if r["report"] == "essex-police-2007-10" and r["kind"] == "Recommendation"]
    assert any(r["text"].startswith("That the force carries out analysis") for r in essex)
    assert any(r["report"] == "essex-police-2017-03-effectiveness" and "missing person problem profile" in r["text"] for r in rows)
    _, broad = rows_of(store, "findings-by-issue", issue="vulnerability", force="essex-police")
    assert {"Missing persons", "Domestic abuse"} <= {r["taggedIssue"] for r in broad}
    assert {r["forceName"] for r in broad} == {"Essex Police"}


def test_partners(store):
    _, rows = rows_of(store, "partners-of-force", force="essex-police")
    names = {r["partnerName"] for r in rows}
    assert "Kent Police" in names and "Crown Prosecution Service" in names
    _, shared = rows_of(store, "shared-partners")
    acpo = next(r for r in shared if r["partnerName"] == "Association of Chief Police Officers")
    assert int(acpo["forces"]) >= 3  # named in the Essex, Cheshire and Hertfordshire reports at least
    assert all(int(r["forces"]) >= 2 for r in shared)


def test_good_practice_by_area(store):
    _, rows = rows_of(store, "good-practice-by-area")
    assert any(r["forceName"] == "Cheshire Constabulary" and r["area"] == "Missing persons"
               and "Talk, Don't Walk" in r["title"] for r in rows)


def test_report_summary(store):
    _, rows = rows_of(store, "report-summary", report="essex-police-2007-10")
    by_area = {r["area"]: r for r in rows}
    assert by_area["Domestic violence"]["grade"] == "Poor"
    assert int(by_area["Domestic violence"]["recommendations"]) == 3
    assert int(by_area["Neighbourhood Policing"]["recommendations"]) == 3
    assert int(by_area["Missing persons"]["recommendations"]) == 1


def test_parameters_are_typed_and_checked():
    q = get_query("findings-by-issue")
    b = bindings_for(q, {"issue": "missing-persons"})
    assert b == {"issue": URIRef("https://w3id.org/hmic-graph/id/issue/missing-persons")}
    with pytest.raises(HmicError):
        bindings_for(q, {"issue": 'x" } ; DROP ALL'})  # not an id: refused, never pasted
    with pytest.raises(HmicError):
        bindings_for(q, {})  # issue is required
    with pytest.raises(HmicError):
        bindings_for(q, {"issue": "a", "colour": "red"})
    with pytest.raises(HmicError):
        parse_params(["force"])
    q2 = parse_query("# title: t\n# param: n (integer, optional) - a number\nSELECT * WHERE {}", "t")
    assert bindings_for(q2, {"n": "3"}) == {"n": Literal(3)}
    with pytest.raises(HmicError, match="force given twice"):
        parse_params(["force=essex-police", "force=norfolk-constabulary"])  # not the last one silently


@pytest.mark.parametrize("name, param, value", [
    ("grades-matrix", "force", "no-such-force"),
    ("report-summary", "report", "essex-police-1999-01"),
    ("findings-by-issue", "issue", "no-such-issue"),
])
def test_an_id_the_store_does_not_hold_is_an_error_not_an_empty_table(store, name, param, value):
    with pytest.raises(HmicError, match=f"no {param} with this id in the build's store") as err:
        run_named(store, name, {param: value})
    assert str(err.value).startswith(f"{param}={value}: ")
    assert run_named(store, name, {param: {"force": "essex-police", "report": "essex-police-2007-10",
                                            "issue": "missing-persons"}[param]})[1]  # a held id still answers


def test_formats(store):
    columns, rows = run_named(store, "grades-matrix", {"force": "essex-police"})
    csv_text = to_csv(columns, rows)
    assert csv_text.splitlines()[0].startswith("forceName,year,programme,area,grade")
    data = json.loads(to_json(columns, rows))
    assert data[0]["forceName"] == "Essex Police"
    followups = json.loads(to_json(*run_named(store, "followup", {"force": "essex-police"})))
    # numbers as JSON numbers: a confidence (xsd:decimal) as a recommendation number is
    assert all(isinstance(r["confidence"], float) and 0 < r["confidence"] <= 1 for r in followups)
    assert any(isinstance(r["number"], int) for r in followups)
