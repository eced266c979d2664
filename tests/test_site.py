"""The static report site: content from the store, every link resolves, pages render offline in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag

import pytest

from hmic_graph.site import build_site
from hmic_graph.store import open_store

from browser import browser_fixture, non_blank_fraction  # noqa: F401  (fixture)

browser = browser_fixture


@pytest.fixture(scope="module")
def site_dir(sample_build_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_site(open_store(sample_build_dir), out)
    return out


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key):
                self.refs.append(a[key])


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def text_of(path: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def test_every_link_and_image_resolves_and_nothing_is_remote(site_dir):
    pages = sorted(site_dir.rglob("*.html"))
    assert len(pages) >= 2 + 4  # index, issues, four forces, issue pages
    for page in pages:
        links = parse(page)
        for ref in links.refs:
            assert not ref.startswith(("http:", "https:", "//")), f"{page.name}: remote {ref}"
            target, fragment = urldefrag(ref)
            resolved = (page.parent / target).resolve() if target else page
            assert resolved.exists(), f"{page.relative_to(site_dir)}: broken link {ref}"
            if fragment:
                assert fragment in parse(resolved).ids, f"{page.name}: no #{fragment} in {target}"
    assert "<script" not in "".join(p.read_text(encoding="utf-8") for p in pages)


def test_index_lists_the_inspected_forces(site_dir):
    text = text_of(site_dir / "index.html")
    for name in ("Cheshire Constabulary", "Essex Police", "Hertfordshire Constabulary", "Norfolk Constabulary"):
        assert name in text
    refs = parse(site_dir / "index.html").refs
    assert "force/essex-police.html" in refs


def test_essex_page_grades_over_time_follow_up_badges_and_evidence(site_dir):
    page = site_dir / "force" / "essex-police.html"
    html = page.read_text(encoding="utf-8")
    text = text_of(page)
    assert "HMIC inspection 2007" in text and "PEEL: Police effectiveness 2016" in text
    assert "Requires improvement" in text  # PEEL 2016 vulnerability question
    # Essex 2007 recommendation 1 (Neighbourhood Policing) and its follow-up in the 2017 report.
    first = re.search(r'<article class="finding" id="recommendation-essex-police-2007-10-1">(.*?)</article>', html, re.S)
    assert first, "recommendation 1 of Essex 2007 is on the page"
    body = first.group(1)
    assert "Recommendation 1" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
    assert re.search(r'class="badge (addressed|partly-addressed|recurring|not-assessed)"', body)
    assert "essex-police-2017-03-effectiveness" in body and re.search(r"<blockquote>.+<cite>essex-police-2017-03-effectiveness, lines? \d+", body, re.S)
    assert html.count('<article class="finding"') >= 11 + 9  # 11 recommendations (2007) + 9 AFIs (2016)
    assert (site_dir / "force" / "essex-police-network.png").stat().st_size > 10_000
    partners = re.search(r'<table class="partners">(.*?)</table>', html, re.S).group(1)
    assert partners.count("<tr>") >= 10 and "Crown Prosecution Service" in partners


def test_issue_pages_say_which_forces_were_told_what(site_dir):
    issue_pages = sorted((site_dir / "issue").glob("*.html"))
    assert issue_pages
    told = {p.stem: text_of(p) for p in issue_pages}
    assert any("Essex Police" in t and "Recommendation" in t for t in told.values())
    assert any(sum(name in t for name in ("Essex Police", "Norfolk Constabulary", "Cheshire Constabulary",
                                           "Hertfordshire Constabulary")) >= 2 for t in told.values())


@pytest.mark.browser
def test_pages_render_offline_and_links_work_in_chromium(site_dir, browser, tmp_path):
    from selenium.webdriver.common.by import By

    browser.requested_urls()
    browser.open(site_dir / "index.html")
    assert browser.driver.title.startswith("Forces")
    assert browser.console_errors() == []
    browser.driver.find_element(By.LINK_TEXT, "Essex Police").click()
    assert browser.driver.title.startswith("Essex Police")
    image = browser.driver.find_element(By.CSS_SELECTOR, "figure img")
    assert browser.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 100
    header_bg = browser.driver.execute_script(
        "return getComputedStyle(document.querySelector('header.site')).backgroundColor")
    assert header_bg == "rgb(11, 61, 145)"  # the stylesheet loaded
    png = browser.screenshot_png()
    (tmp_path / "essex.png").write_bytes(png)
    assert non_blank_fraction(png) > 0.05
    browser.driver.find_element(By.LINK_TEXT, "Issues").click()
    assert browser.driver.title.startswith("Issues")
    browser.driver.find_elements(By.CSS_SELECTOR, "main table a")[0].click()
    assert browser.driver.find_elements(By.CSS_SELECTOR, "article.finding")
    assert browser.console_errors() == []
    assert browser.external_requests() == []


def test_cli_site(sample_build_dir, tmp_path):
    from typer.testing import CliRunner

    from hmic_graph.cli import app

    result = CliRunner().invoke(app, ["site", "--out", str(tmp_path), "--build", str(sample_build_dir)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "index.html").exists() and (tmp_path / "force" / "norfolk-constabulary.html").exists()
