"""Issue tagging of text, findings and sentences."""

from hmic_graph.ingest.text import paragraphs
from hmic_graph.link.tagging import load_taxonomy, split_sentences, tag_reports, tag_text
from hmic_graph.model import Span

from link_fixtures import essex_2007, essex_2016


def test_era_drift_lands_on_one_concept():
    assert tag_text("high risk cases of domestic violence") == ["domestic-abuse"]
    assert tag_text("victims of domestic abuse") == ["domestic-abuse"]
    assert tag_text("safer neighbourhood team officers") == ["neighbourhood-teams"]
    assert tag_text("every community policing team") == ["neighbourhood-teams"]
    assert tag_text("DV1 forms are submitted") == tag_text("the DASH form") == ["domestic-abuse-risk-assessment"]


def test_plurals_fold_and_longest_label_wins():
    assert tag_text("missing persons") == tag_text("a missing person") == ["missing-persons"]
    # 'training on performance management' is one concept, not 'training' + 'performance management'
    assert tag_text("training on performance management for all managers") == ["performance-training"]


def test_acronyms_match_only_in_capitals():
    assert tag_text("referred to MARAC and MAPPA") == ["mappa", "marac"]
    assert tag_text("a dash of colour and a mash of ideas") == []


def test_broader_concepts_of_a_match_are_dropped():
    taxonomy = load_taxonomy()
    tags = tag_text("There is no missing person problem profile.")
    assert tags == ["missing-persons", "problem-profiles"]
    assert "nim-products" in taxonomy.ancestors("problem-profiles")
    assert "intelligence" in taxonomy.ancestors("problem-profiles")


def test_tags_on_real_paragraphs_of_the_2016_report():
    doc = essex_2016().document
    by_start = {p.span.start: p for p in paragraphs(doc.lines)}
    assert "registered-sex-offenders" in tag_text(by_start[532].text)
    assert {"missing-persons", "problem-profiles"} <= set(tag_text(by_start[607].text))
    assert "safeguarding-hubs" in tag_text(by_start[710].text)


def test_tag_reports_fills_finding_issues():
    earlier, later = tag_reports([essex_2007(), essex_2016()])
    by_number = {f.number: f.issues for f in earlier.findings}
    assert by_number[1] == ["abstractions"]
    assert "special-constables" in by_number[2]
    assert "succession-planning" in by_number[3]
    assert by_number[6] == ["performance-reviews"]
    assert "registered-sex-offenders" in by_number[10]
    assert "missing-persons" in by_number[11]
    assert "missing-persons" in later.findings[3].issues  # 2016 AFI: missing person problem profile


def test_sentences_keep_their_original_lines():
    sentences = split_sentences(essex_2016().document)
    quote = next(s for s in sentences if s.text.startswith("We found no evidence of PCSOs being taken away"))
    assert quote.span == Span(338, 338)
    assert "abstractions" in quote.issues
    # a bullet broken over several source lines keeps all of them
    bullet = next(s for s in sentences if "consider developing a missing person problem profile" in s.text)
    assert bullet.span.end == 782
