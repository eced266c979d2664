"""Recommendations and observations of the 2007 reports (expected values read by hand)."""

from __future__ import annotations

from collections import Counter

import pytest

from hmic_graph.model import Span

from hmic2007_samples import extract_text, fixture, fixture_text, sample

PVP = "Protecting vulnerable people"


def recs(name: str):
    return sample(name).findings_of("recommendation")


def test_essex_recommendations() -> None:
    found = recs("essex")
    assert [r.number for r in found] == list(range(1, 12))
    assert [r.ordinal for r in found] == list(range(1, 12))
    assert [r.area for r in found] == (["Neighbourhood Policing"] * 3 + ["Performance management"] * 3
                                       + ["Domestic violence"] * 3 + ["Public protection", "Missing persons"])
    assert [r.parent_area for r in found] == [None] * 6 + [PVP] * 5
    first, seventh, ninth = found[0], found[6], found[8]
    assert first.text == ("That the force refines the recording and monitoring of abstractions of "
                          "Neighbourhood Policing team officers and staff from their neighbourhoods.")
    assert (first.span, first.list_span) == (Span(386, 388), Span(1176, 1178))
    assert seventh.text == ("That the force ensures a sustainable solution is introduced to ensure DV1 "
                            "forms are submitted and processed in a timely manner.")
    assert (seventh.span, seventh.list_span) == (Span(915, 917), Span(1204, 1206))
    assert ninth.text == ("That the force introduces mechanisms to ensure safer neighbourhood team officers "
                          "are made aware of the domestic violence profile on their neighbourhoods (to "
                          "include repeat victims and offenders).")
    assert (found[9].span, found[9].list_span) == (Span(1102, 1104), Span(1216, 1218))
    assert (found[10].span, found[10].list_span) == (Span(1166, 1168), Span(1220, 1222))


def test_hertfordshire_recommendations() -> None:
    found = recs("hertfordshire")
    assert [r.number for r in found] == list(range(1, 10))
    assert [r.area for r in found] == (["Neighbourhood Policing"] * 2 + ["Performance management", PVP,
                                       "Child abuse", "Domestic violence"] + ["Public protection"] * 3)
    # The closing list puts 4-9 under one 'Protecting vulnerable people' heading; 4 stands in
    # the PVP overview, which is the parent area itself.
    assert found[3].parent_area is None and found[4].parent_area == PVP
    assert found[3].text == ("That the force utilises National Intelligence Model products to prioritise "
                             "activity within protecting vulnerable people disciplines.")
    assert (found[3].span, found[3].list_span) == (Span(785, 787), Span(1348, 1350))
    assert found[1].text == "That the force develops joint partnership strategic assessments."
    assert (found[1].span, found[1].list_span) == (Span(526, 528), Span(1336, 1338))
    assert found[5].text == ("That the force reviews the delivery model for the further investigation of "
                             "domestic abuse, thereby ensuring an equitable level of service to victims.")
    assert (found[8].span, found[8].list_span) == (Span(1232, 1234), Span(1368, 1370))


def test_cheshire_recommendations() -> None:
    found = recs("cheshire")
    assert [(r.number, r.area, r.span, r.list_span) for r in found] == [
        (1, "Neighbourhood Policing", Span(488, 490), Span(1632, 1634)),
        (2, "Neighbourhood Policing", Span(542, 544), Span(1636, 1638)),
        (3, "Public protection", Span(1465, 1467), Span(1642, 1644)),
    ]
    assert found[1].text == (
        "The constabulary should drive the development of community intelligence. It should ensure "
        "that all streams of community intelligence are identified, develop processes to analyse and "
        "disseminate community intelligence, and ensure that Neighbourhood Policing is fully "
        "integrated into the National Intelligence Model process.")
    # The 'should' paragraphs after recommendation 1 are not in the closing list: observations.
    assert found[0].text.endswith("key individual networks and community action meetings.")
    afi = [o for o in sample("cheshire").findings_of("observation") if o.span.start == 492]
    assert afi and afi[0].observation_kind == "area-for-improvement"


def test_norfolk_unnumbered_recommendation() -> None:
    found = recs("norfolk")
    assert len(found) == 1
    rec = found[0]
    assert (rec.number, rec.ordinal, rec.area, rec.parent_area) == (None, 1, "Domestic violence", PVP)
    assert rec.text == ("The rationale for the current establishment of domestic violence units in the "
                        "three areas should be reviewed as a matter of urgency to underpin it with "
                        "objective evidence.")
    assert (rec.span, rec.list_span) == (Span(828, 830), Span(1057, 1059))


def test_unnumbered_recommendation_fixture() -> None:
    found = fixture("unnumbered_recommendation.txt").findings_of("recommendation")
    assert [(r.number, r.area, r.span, r.list_span) for r in found] == [
        (None, "Neighbourhood Policing", Span(68, 70), Span(96, 98))]
    assert found[0].text == "That the force monitors abstractions of officers from their wards."


@pytest.mark.parametrize("name, area, counts", [
    ("essex", "Neighbourhood Policing", {"strength": 25, "work-in-progress": 15, "area-for-improvement": 9}),
    ("essex", PVP, {"strength": 3, "work-in-progress": 1, "area-for-improvement": 3}),
    ("essex", "Public protection", {"strength": 12, "work-in-progress": 4, "area-for-improvement": 2}),
    ("norfolk", "Performance management", {"strength": 12, "work-in-progress": 6, "area-for-improvement": 1}),
    ("norfolk", "Missing persons", {"strength": 14, "work-in-progress": 6, "area-for-improvement": 5}),
    ("cheshire", "Public protection", {"strength": 44, "work-in-progress": 10, "area-for-improvement": 16}),
])
def test_observation_counts(name: str, area: str, counts: dict[str, int]) -> None:
    got = Counter(o.observation_kind for o in sample(name).findings_of("observation") if o.area == area)
    assert dict(got) == counts


def test_observations_are_ordered_and_exclude_recommendations() -> None:
    for name in ("essex", "hertfordshire", "cheshire", "norfolk"):
        obs = sample(name).findings_of("observation")
        assert [o.ordinal for o in obs] == list(range(1, len(obs) + 1))
        assert [o.span.start for o in obs] == sorted(o.span.start for o in obs)
        texts = {r.text for r in recs(name)}
        assert not any(o.text in texts or o.text.upper().startswith("RECOMMENDATION") for o in obs)
    # Page furniture ('October 2007' between pages) is skipped inside an observation.
    essex = {o.span.start: o for o in sample("essex").findings_of("observation")}
    assert essex[314].span == Span(314, 318) and "October 2007" not in essex[314].text
    assert "a number of Neighbourhood Policing- related objectives" in essex[314].text


def test_bullet_list_introduced_by_a_paragraph_is_one_observation() -> None:
    first = sample("essex").findings_of("observation")[0]
    assert first.span == Span(291, 297)
    assert first.text.startswith("Essex Police has introduced the following model for Neighbourhood Policing: "
                                 "- 6 divisions (including Stansted)")
    assert first.text.endswith("(these are predominantly in rural areas).")


def test_bullets_on_their_own_are_separate_observations() -> None:
    obs = {o.span.start: o for o in sample("norfolk").findings_of("observation")}
    # A bullet that introduces sub-bullets keeps them (Norfolk performance management).
    assert obs[460].span == Span(460, 464)
    assert obs[460].text.endswith("- examination of how support functions are delivered.")
    # A bullet broken by a blank line is still one observation; its marker is dropped.
    assert obs[890].span == Span(890, 892)
    assert obs[890].text == ("There is a clear line of access to the ACPO portfolio lead (the DCC) if "
                             "situations arise that require ACPO involvement and support.")
    # A bullet broken by page furniture (running header and date) is one observation.
    assert obs[390].span == Span(390, 396)
    assert obs[390].text.endswith("is not routinely sought, used or incorporated.")


def test_prose_cut_after_a_dangling_word_is_rejoined() -> None:
    # '... agreed with' / 'BCUs. The terms of reference ...' (Norfolk child abuse strengths).
    norfolk = {o.span.start: o for o in sample("norfolk").findings_of("observation")}
    assert norfolk[580].span == Span(580, 582)
    assert "service level expectation agreed with BCUs. The terms" in norfolk[580].text
    cheshire = {o.span.start: o for o in sample("cheshire").findings_of("observation")}
    assert cheshire[869].span == Span(869, 871) and cheshire[869].text.endswith("workloads of PPU staff.")
    # A paragraph that just lacks its full stop stays apart from the next one.
    assert cheshire[472].span == Span(472, 476) and 478 in cheshire


@pytest.mark.parametrize("name, body, listed", [
    ("essex", [386, 414, 424, 618, 630, 636, 915, 921, 927, 1102, 1166],
     [1176, 1180, 1184, 1190, 1194, 1198, 1204, 1208, 1212, 1216, 1220]),
    ("hertfordshire", [522, 526, 724, 785, 910, 1046, 1224, 1228, 1232],
     [1332, 1336, 1342, 1348, 1352, 1356, 1360, 1364, 1368]),
])
def test_every_recommendation_label_and_text_line(name: str, body: list[int], listed: list[int]) -> None:
    # Label line, a blank line, then the one-line text: in the body and in the closing list.
    found = recs(name)
    assert [(r.span, r.list_span) for r in found] == [
        (Span(b, b + 2), Span(li, li + 2)) for b, li in zip(body, listed)]


def test_closing_list_wording_differs_from_the_body() -> None:
    text = fixture_text()
    head, tail = text.rsplit("That the force monitors abstractions of officers from their wards.", 1)
    text = head + "That the force monitors the abstraction of its officers." + tail
    report = extract_text(text, "wording.txt")
    rec = report.findings_of("recommendation")[0]
    assert (rec.number, rec.span, rec.list_span) == (1, Span(68, 70), Span(96, 98))
    assert rec.text == "That the force monitors abstractions of officers from their wards."
    assert [(c.what, c.span) for c in report.conflicts] == [("recommendation-text", Span(68, 98))]
    for name in ("essex", "hertfordshire", "cheshire", "norfolk"):
        assert sample(name).conflicts == []  # the samples print the same words twice


def test_body_recommendation_cut_by_a_page_break() -> None:
    text = fixture_text().replace(
        "RECOMMENDATION 1\n\nThat the force monitors abstractions of officers from their wards.",
        "RECOMMENDATION 1\n\nThat the force monitors abstractions of\n\nOctober 2007\n\nOfficers from their wards.", 1)
    report = extract_text(text, "cut.txt")
    rec = report.findings_of("recommendation")[0]
    assert rec.text == "That the force monitors abstractions of Officers from their wards."
    assert rec.span == Span(68, 74) and report.conflicts == []
    assert "Officers from their wards." not in [o.text for o in report.findings_of("observation")]


def test_list_items_that_lost_their_indentation_stay_with_their_introduction() -> None:
    # PDF text can flatten sub-bullets to top level or drop their markers; they start in
    # lower case, continuing the introduction's sentence.
    text = fixture_text().replace(
        "The force has a named officer for every ward.",
        "- The review has two workstreams:\n- understanding customers; and\nresource analysis.\n"
        "- The force has a named officer for every ward.")
    report = extract_text(text, "flat.txt")
    strengths = [o.text for o in report.findings_of("observation") if o.observation_kind == "strength"
                 and o.area == "Neighbourhood Policing"]
    assert strengths == [
        "The review has two workstreams: - understanding customers; and resource analysis.",
        "The force has a named officer for every ward."]
