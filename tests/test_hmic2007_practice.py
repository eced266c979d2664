"""Developing practice examples and force contacts (expected values read by hand)."""

from __future__ import annotations

from hmic_graph.extract.practice import parse_contact
from hmic_graph.model import Span

from hmic2007_samples import sample

PVP = "Protecting vulnerable people"


def test_essex_practice_examples() -> None:
    practices = sample("essex").practices
    assert [(p.ordinal, p.area, p.title) for p in practices] == [
        (1, "Neighbourhood Policing", "Marketing communications – public engagement"),
        (2, "Neighbourhood Policing", "Divisional training of community engagement"),
        (3, "Neighbourhood Policing", "Neighbourhood Policing electronic contact list"),  # no INSPECTION AREA line
        (4, "Performance management", "Monthly performance improvement meeting"),
        (5, "Performance management", "Management of the external audit process"),
        (6, "Domestic violence", "Domestic abuse – recording and investigation"),
    ]
    first = practices[0]
    assert first.span == Span(434, 464)
    assert first.problem.startswith("In the last HMIC assessment recommendations were presented")
    assert first.solution.startswith("To support local understanding and awareness")
    assert first.outcome.startswith("Measurement of the Neighbourhood Policing campaign")
    assert "October 2007" not in first.solution + first.outcome
    assert practices[5].parent_area == PVP


def test_essex_contacts_are_parsed() -> None:
    contacts = [c for p in sample("essex").practices for c in p.contacts]
    assert [(c.role, c.name, c.phone, c.email) for c in contacts] == [
        ("Communications Manager", "Daniel Lennox-Foreman", "01245 452439", None),
        ("PS", "Faccini", "01245 491491 ext 51916", None),
        ("Sgt", "Kevin Whipps", "07890 969087", None),
        ("Head of Compliance and Review", "Dick Madden", "01245 452218", None),
        ("Head of Compliance and Review", "Dick Madden", "01245 452218", None),
        ("DCI, Public Protection Unit, HQ Crime", "Ewen Wilson", None, "Ewen.wilson@essex.pnn.police.uk"),
    ]
    assert contacts[0].span == Span(464, 464)


def test_other_forces_practice() -> None:
    herts = sample("hertfordshire").practices
    assert [p.title for p in herts] == ["The community safety accreditation scheme",
                                        "Operational performance meetings"]
    assert herts[1].contacts == [] and herts[1].outcome == ""  # printed without outcome or contact
    cheshire = sample("cheshire").practices
    assert [(p.area, p.contacts[0].role, p.contacts[0].name) for p in cheshire] == [
        ("Neighbourhood Policing", "Sergeant, PCSO Project Manager", "Jez Taylor"),
        ("Performance management", "Assistant Chief Officer", "Brian Simmons"),
        ("Missing persons", "Detective Constable", "Alison McCausland"),
    ]
    norfolk = sample("norfolk").practices
    # 'INSPECTION AREA: PVP – child/adult protection/public protection' stands in the PVP overview.
    assert [(p.area, p.title) for p in norfolk] == [
        (PVP, "Operation Amarillo"),
        ("Child abuse", "Referral desk/CATS/IMPACT checks/intrusive supervision/Climbié/Laming compliance"),
    ]
    assert norfolk[0].outcome.startswith("- 1. CATS has replaced")
    assert (norfolk[0].contacts[0].role, norfolk[0].contacts[0].phone) == ("DCI, FPU", "01603 276150")


def test_contact_forms() -> None:
    span = Span(1, 1)
    assert parse_contact("Jane Roe, Analyst, jane.roe@example.org", span).email == "jane.roe@example.org"
    c = parse_contact("Inspector John Smith - 0123 456 7890", span)
    assert (c.role, c.name, c.phone) == ("Inspector", "John Smith", "0123 456 7890")
    c = parse_contact("Sgt 2299 Kevin Whipps – 07890 969087", span)  # a collar number after the rank
    assert (c.role, c.name, c.phone) == ("Sgt", "Kevin Whipps", "07890 969087")
    assert parse_contact("PS 1802 Faccini – 01245 491491 ext 51916", span).name == "Faccini"
    c = parse_contact("Head of Partnerships", span)
    assert (c.role, c.name, c.phone, c.email) == ("force contact", "Head of Partnerships", None, None)


def test_section_paragraphs_keep_only_the_contact_role() -> None:
    paras = [p.text for s in sample("essex").sections for p in s.paragraphs]
    assert "FORCE CONTACT: Communications Manager" in paras
    assert not any("Lennox-Foreman" in t or "452439" in t or "essex.pnn" in t for t in paras)
