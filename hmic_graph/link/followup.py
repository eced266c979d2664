"""Trace each formal finding of a report into the next inspections of the same force.

Which later reports assess a finding: the next ``[horizon] later_inspections`` reports of its
force (config.toml; see ``assessment_windows``). For an earlier recommendation, area for
improvement or cause of concern, the linker reads the later report and decides a status:

- ``recurring``: a later formal finding raises the same concrete problem;
- ``addressed`` / ``partly-addressed``: later sentences about the same concrete problem say it
  is handled (positive cues only) or that progress has gaps (positive and negative cues);
- ``not-assessed``: the later report is silent on it.

"The same concrete problem" is decided by two signals that must both fire, so that a shared
broad theme is never enough: *issue coverage* (the later text carries the finding's issue
concepts, each weighted by how rare it is in the later report, broad top concepts excluded)
and *lexical similarity* (TF-IDF cosine over content words). Cue phrases then decide the
direction. Every FollowUp lists the signals that fired. Thresholds: ``config.toml``.

Follow-up stated by the inspectorate itself (a PEEL report recalling what HMIC found in an
earlier inspection) comes from ``Report.recalled`` and is turned into FollowUps as stated.
"""

from __future__ import annotations

import math
import operator
import re
import tomllib
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from pathlib import Path

from ..model import Evidence, FindingRef, FollowUp, RecalledFinding, Report, Span
from .tagging import Sentence, Taxonomy, _stem, load_taxonomy, split_sentences, tag_text

CONFIG_FILE = Path(__file__).with_name("config.toml")
CONFIG = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))
STOPWORDS = frozenset(
    w.strip()
    for w in (CONFIG_FILE.parent / CONFIG["similarity"]["stopwords_file"]).read_text().splitlines()
    if w.strip() and not w.startswith("#")
)
FORMAL_KINDS = ("recommendation", "area-for-improvement", "cause-of-concern")


def _any_of(patterns: list[str]) -> re.Pattern[str]:
    """One pattern that matches where any of ``patterns`` does (case-insensitive): one
    search per sentence instead of one per pattern. A backreference would point at another
    pattern's group once they are joined: config.toml's patterns may not use one."""
    for p in patterns:
        if re.search(r"\\[1-9]|\(\?P=", p):
            raise ValueError(f"{CONFIG_FILE}: cue pattern {p!r} uses a backreference, which cannot be combined")
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


_POSITIVE = _any_of(CONFIG["cues"]["positive"])
_NEGATIVE = _any_of(CONFIG["cues"]["negative"])
_GENERIC = _any_of(CONFIG["sentences"]["generic"])
_WORD = re.compile(r"[a-z0-9]+")


# ---- lexical similarity: TF-IDF over the later report's sentences ----------------------------


@lru_cache(maxsize=1 << 16)  # pure, and called for every word of every sentence
def _content_form(word: str) -> str:
    """A lower-case word's TF-IDF term (its folded form), or '' for a stop word, a single
    character or a number."""
    return "" if word in STOPWORDS or len(word) <= 1 or word.isdigit() else _stem(word)


def content_words(text: str, extra_stopwords: frozenset[str] = frozenset()) -> list[str]:
    words = _WORD.findall(text.lower())
    if extra_stopwords:
        words = [w for w in words if w not in extra_stopwords]
    return [term for term in map(_content_form, words) if term]


@dataclass
class TfIdf:
    """Smoothed IDF learned from one document's sentences; cosine between two texts."""

    idf: dict[str, float]
    default_idf: float
    extra_stopwords: frozenset[str]

    @classmethod
    def fit(cls, texts: list[tuple[list[str], list[str]]], extra_stopwords: frozenset[str] = frozenset()
            ) -> "TfIdf":
        """``texts``: each text's ``content_words`` (with ``extra_stopwords``) and concept
        terms (see ``concept_terms``)."""
        df: Counter[str] = Counter()
        for words, concepts in texts:
            df.update(set(words) | set(concepts))
        n = len(texts)
        idf = {w: math.log((1 + n) / (1 + c)) + 1 for w, c in df.items()}
        return cls(idf, math.log(1 + n) + 1, extra_stopwords)

    def vector(self, text: str, concepts: list[str] = ()) -> dict[str, float]:  # type: ignore[assignment]
        return self.vector_of(content_words(text, self.extra_stopwords), concepts)

    def vector_of(self, words: list[str], concepts: list[str] = ()) -> dict[str, float]:  # type: ignore[assignment]
        """``vector`` of a text given as its ``content_words``."""
        tf = Counter(words)
        # Concept terms ('issue:...') are never words: each adds a term of count 1, after the
        # words, in the order given (not a set's: a set of strings is ordered by their hashes,
        # which differ between processes, and the norm's float sum would follow that order).
        for term in dict.fromkeys(concepts):
            tf[term] += 1
        vec = {w: (1 + math.log(c)) * self.idf.get(w, self.default_idf) for w, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {w: v / norm for w, v in vec.items()}

    def cosine(self, a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        # sum(v * b.get(w, 0.0) for w, v in a.items()), the same products in the same order
        return sum(map(operator.mul, a.values(), map(b.get, a, repeat(0.0))))


def concept_terms(issues: list[str] | tuple[str, ...], taxonomy: Taxonomy) -> list[str]:
    """Issue tags (and their narrower-than-top ancestors) as extra terms of a text's vector.

    This is query expansion through the taxonomy: 'DV1 forms' and 'DASH form' share no word
    but share a concept, so era drift does not zero the similarity.
    """
    terms: set[str] = set()
    for i in issues:
        if i not in taxonomy.concepts:
            continue
        for c in (i, *taxonomy.ancestors(i)):
            if not taxonomy.concepts[c].top:
                terms.add("issue:" + c)
    return sorted(terms)


# ---- issue coverage ---------------------------------------------------------------------------


def key_issues(issues: list[str] | tuple[str, ...], taxonomy: Taxonomy) -> list[str]:
    """The issues that make a finding concrete: its tags minus broad top concepts."""
    return [i for i in issues if i in taxonomy.concepts and not taxonomy.concepts[i].top]


def cues(text: str) -> tuple[bool, bool]:
    return _POSITIVE.search(text) is not None, _NEGATIVE.search(text) is not None


def is_generic(sentence: str) -> bool:
    words = sentence.split()
    return len(words) < CONFIG["sentences"]["min_words"] or _GENERIC.search(sentence) is not None


# ---- the linker -------------------------------------------------------------------------------


def _finding_ref(report: Report, kind: str, ordinal: int) -> FindingRef:
    return FindingRef(report.info.report_id, kind, ordinal)


def _sort_key(report: Report) -> tuple[int, int, int]:
    return (report.info.year, report.info.month or 0, report.info.day or 0)


@dataclass
class _Candidate:
    score: float
    coverage: float
    similarity: float
    text: str
    span: Span
    positive: bool
    negative: bool


def _window_issues(sentences: list[Sentence], i: int) -> tuple[str, ...]:
    radius = CONFIG["evidence"]["context_sentences"]
    lo, hi = max(0, i - radius), min(len(sentences), i + radius + 1)
    found = {t for s in sentences[lo:hi] if s.paragraph == sentences[i].paragraph for t in s.issues}
    return tuple(sorted(found))


def _score(cov: float, sim: float) -> float:
    return min(1.0, 0.5 * cov + 0.5 * min(1.0, sim / 0.5))


def _passes(cov: float, sim: float, section: dict) -> bool:
    if cov >= section["min_issue_coverage"] and sim >= section["min_similarity"]:
        return True
    strong = section.get("strong_similarity")
    return strong is not None and sim >= strong and cov >= section["strong_min_coverage"]


def _closure(issues: tuple[str, ...] | list[str], taxonomy: Taxonomy) -> frozenset[str]:
    """Every concept that ``taxonomy.covers`` one of ``issues``: the issues and their ancestors.
    ``k in _closure(issues)`` is ``any(taxonomy.covers(k, t) for t in issues)``, in one lookup."""
    out: set[str] = set()
    for t in issues:
        out.add(t)
        if t in taxonomy.concepts:
            out |= taxonomy.ancestors(t)
    return frozenset(out)


def coverage(keys: list[str], weights: dict[str, float], closure: frozenset[str]) -> float:
    """Share of the finding's key-issue weight that the later text carries (its issues given
    as their ``_closure``).

    Below the configured number of distinct key issues covered (capped at the number of keys)
    the coverage is halved: one issue of a two-issue finding is a shared theme, not the
    same problem.
    """
    total = sum(weights[k] for k in keys)
    if not total:
        return 0.0
    covered = [k for k in keys if k in closure]
    share = sum(weights[k] for k in covered) / total
    if len(covered) < min(len(keys), CONFIG["evidence"]["min_keys_covered"]):
        share /= 2
    return share


@dataclass
class _FormalFinding:
    ref: FindingRef
    closure: frozenset[str]
    vector: dict[str, float]


class LaterReport:
    """What ``assess`` reads from one later report, computed once for all earlier findings.

    Linking a force's reports assesses every earlier formal finding against each later report;
    everything here depends on the later report alone, so building it once per later report
    (not once per finding) makes each assessment visit only the sentences that carry one of
    the finding's issues (``sentences_about``) instead of every sentence.
    """

    def __init__(self, later: Report, sentences: list[Sentence], sentence_words: list[list[str]], tfidf: TfIdf,
                 taxonomy: Taxonomy):
        self.sentences = sentences
        self.words = sentence_words  # each sentence's content_words, as the TF-IDF was fitted on them
        self.tfidf = tfidf
        self.taxonomy = taxonomy
        self.formal: list[_FormalFinding] = []
        formal_lines: set[int] = set()  # the lines of the later report's formal findings
        for f in later.findings:
            if f.kind not in FORMAL_KINDS:
                continue
            formal_lines.update(range(f.span.start, f.span.end + 1))
            tags = tuple(f.issues or tag_text(f.text, taxonomy))
            self.formal.append(_FormalFinding(_finding_ref(later, f.kind, f.ordinal), _closure(tags, taxonomy),
                                              tfidf.vector(f.text, concept_terms(tags, taxonomy))))
        # concept → indices of the sentences whose issues it covers (all sentences: issue IDF counts them all)
        self.about: dict[str, list[int]] = {}
        for i, s in enumerate(sentences):
            for c in _closure(s.issues, taxonomy):
                self.about.setdefault(c, []).append(i)
        # Sentences that may be quoted: not footnotes, not boilerplate, not inside a later formal finding.
        self.quotable = [
            not (s.footnote or is_generic(s.text) or s.span.start in formal_lines)
            for s in sentences
        ]
        self._context: dict[int, tuple[frozenset[str], dict[str, float]]] = {}
        self._cues: dict[int, tuple[bool, bool]] = {}

    def weights(self, keys: list[str]) -> dict[str, float]:
        """IDF of each key issue over the later report's sentences (narrower tags count): the
        document frequency is the length of the concept's index entry."""
        n = len(self.sentences)
        return {k: math.log((1 + n) / (1 + len(self.about.get(k, ())))) + 1 for k in keys}

    def sentences_about(self, keys: list[str]) -> list[int]:
        """Quotable sentences that carry at least one of ``keys`` (or a narrower issue), in order."""
        found: set[int] = set()
        for k in keys:
            found.update(self.about.get(k, ()))
        return [i for i in sorted(found) if self.quotable[i]]

    def context(self, i: int) -> tuple[frozenset[str], dict[str, float]]:
        """Closure of the issues around sentence ``i`` (same paragraph) and its TF-IDF vector."""
        if i not in self._context:
            window = _window_issues(self.sentences, i)
            self._context[i] = (_closure(window, self.taxonomy),
                                self.tfidf.vector_of(self.words[i], concept_terms(window, self.taxonomy)))
        return self._context[i]

    def cues(self, i: int) -> tuple[bool, bool]:
        if i not in self._cues:
            self._cues[i] = cues(self.sentences[i].text)
        return self._cues[i]


def assess(finding_text: str, finding_issues: list[str], later: LaterReport
           ) -> tuple[str, float, list[FindingRef], list[Evidence], list[str]]:
    """Status, confidence, evidence findings, evidence quotes and fired signals for one finding."""
    taxonomy, tfidf = later.taxonomy, later.tfidf
    keys = key_issues(finding_issues, taxonomy)
    signals: list[str] = []
    if not keys:
        return "not-assessed", 0.5, [], [], ["no-specific-issue"]
    weights = later.weights(keys)
    fvec = tfidf.vector(finding_text, concept_terms(finding_issues, taxonomy))
    ev_cfg, formal_cfg, conf = CONFIG["evidence"], CONFIG["formal"], CONFIG["confidence"]

    formal_hits: list[tuple[float, FindingRef]] = []
    for f in later.formal:
        cov = coverage(keys, weights, f.closure)
        sim = tfidf.cosine(fvec, f.vector)
        if _passes(cov, sim, formal_cfg):
            formal_hits.append((_score(cov, sim), f.ref))

    quotes: list[_Candidate] = []
    near_miss = 0.0
    # Only sentences that themselves carry one of the finding's issues can be quoted. Each is
    # read with its neighbours in the same paragraph: 'the deputy chief constable is involved'
    # is about sex offenders because the sentence before says so.
    for i in later.sentences_about(keys):
        s = later.sentences[i]
        closure, vector = later.context(i)
        cov = coverage(keys, weights, closure)
        sim = tfidf.cosine(fvec, vector)
        if _passes(cov, sim, ev_cfg):
            pos, neg = later.cues(i)
            quotes.append(_Candidate(_score(cov, sim), cov, sim, s.text, s.span, pos, neg))
        elif cov > 0:
            near_miss = max(near_miss, _score(cov, sim))
    quotes.sort(key=lambda c: (-c.score, c.span.start))
    quotes = quotes[: ev_cfg["max_quotes"]]
    evidence = [Evidence(q.text, q.span) for q in sorted(quotes, key=lambda c: c.span.start)]

    if formal_hits:
        formal_hits.sort(key=lambda h: (-h[0], h[1].kind, h[1].ordinal))
        signals += ["issue-overlap", "lexical-similarity", "later-formal-finding"]
        best = formal_hits[0][0]
        confidence = min(conf["cap"], conf["recurring_base"] + conf["weight"] * best)
        return "recurring", round(confidence, 2), [h[1] for h in formal_hits], evidence, signals

    if not quotes:
        confidence = conf["not_assessed_base"] - conf["not_assessed_near_miss_weight"] * near_miss
        return "not-assessed", round(max(0.3, confidence), 2), [], [], ["no-matching-text"]

    signals += ["issue-overlap", "lexical-similarity"]
    positive = any(q.positive for q in quotes)
    negative = any(q.negative for q in quotes)
    best = quotes[0].score
    if positive:
        signals.append("positive-cue")
    if negative:
        signals.append("negative-cue")
    if positive and negative:
        status, base = "partly-addressed", conf["partly_base"]
    elif positive:
        status, base = "addressed", conf["addressed_base"]
    elif negative:
        # Later prose (not a formal finding) still describes the problem.
        status, base = "recurring", conf["negative_only_base"]
    else:
        # The later report talks about it without judging it: progress cannot be told.
        status, base = "partly-addressed", conf["negative_only_base"]
        signals.append("no-cue")
    confidence = min(conf["cap"], base + conf["weight"] * best)
    return status, round(confidence, 2), [], evidence, signals


def _force_words(report: Report) -> frozenset[str]:
    """The force's own name is in every sentence of its report: not a signal of sameness."""
    return frozenset(_WORD.findall(report.info.force_name.lower()))


def later_inspections(horizon: int | None = None) -> int:
    """The horizon in effect: ``horizon``, else the config's; never negative (0 = all)."""
    value = CONFIG["horizon"]["later_inspections"] if horizon is None else horizon
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"the follow-up horizon must be a whole number >= 0, not {value!r}")
    return value


def assessment_windows(reports: list[Report], horizon: int | None = None) -> list[tuple[Report, list[Report]]]:
    """Each report with the earlier reports of its force whose formal findings it assesses.

    A finding is assessed in the next ``horizon`` inspections of its force (reports with a
    later date, in date order; ``[horizon] later_inspections`` in config.toml, 0 = every later
    one). So linking costs O(reports × horizon) per force, not the square of its reports.
    Reports of one date never assess each other. Every report appears once, in (force, date,
    id) order, with an empty window when nothing is assessed in it (its own stated follow-ups
    still are).
    """
    horizon = later_inspections(horizon)
    by_force: dict[str, list[Report]] = {}
    for r in reports:
        by_force.setdefault(r.info.force_id, []).append(r)
    out: list[tuple[Report, list[Report]]] = []
    for force_id in sorted(by_force):
        ordered = sorted(by_force[force_id], key=lambda r: (_sort_key(r), r.info.report_id))
        keys = [_sort_key(r) for r in ordered]
        windows: list[list[Report]] = [[] for _ in ordered]
        for i, earlier in enumerate(ordered):
            first = bisect_right(keys, keys[i])  # the first strictly later report
            last = len(ordered) if horizon <= 0 else min(len(ordered), first + horizon)
            for j in range(first, last):
                windows[j].append(earlier)
        out.extend(zip(ordered, windows))
    return out


def assess_in(later: Report, earlier_reports: list[Report], taxonomy: Taxonomy | None = None) -> list[FollowUp]:
    """FollowUps of every formal finding of ``earlier_reports`` in ``later``, then the
    follow-ups ``later`` states itself. Depends on these reports alone (cached so)."""
    taxonomy = taxonomy or load_taxonomy()
    out: list[FollowUp] = []
    if earlier_reports:
        sentences = split_sentences(later.document, taxonomy, later.footnote_lines())
        force_words = _force_words(later)
        words = [content_words(s.text, force_words) for s in sentences]
        tfidf = TfIdf.fit([(w, concept_terms(s.issues, taxonomy)) for w, s in zip(words, sentences)],
                                force_words)
        indexed = LaterReport(later, sentences, words, tfidf, taxonomy)
        for earlier in earlier_reports:
            for f in earlier.findings:
                if f.kind not in FORMAL_KINDS:
                    continue
                issues = f.issues or tag_text(f.text, taxonomy)
                status, confidence, ev_findings, quotes, signals = assess(f.text, issues, indexed)
                out.append(FollowUp(
                    finding=_finding_ref(earlier, f.kind, f.ordinal),
                    later_report_id=later.info.report_id,
                    status=status,  # type: ignore[arg-type]
                    confidence=confidence,
                    evidence_findings=ev_findings,
                    evidence_quotes=quotes,
                    signals=signals,
                ))
    out.extend(stated_followups(later))
    return out


def link_followups(reports: list[Report], horizon: int | None = None) -> list[FollowUp]:
    """FollowUps for every formal finding of every report in the next inspections of its force
    (``assessment_windows``), plus the follow-ups that later reports state themselves
    (``Report.recalled``)."""
    taxonomy = load_taxonomy()
    return [fu for later, window in assessment_windows(reports, horizon)
            for fu in assess_in(later, window, taxonomy)]


# ---- follow-up stated by the inspectorate (PEEL 'HMIC's 2015 report identified ...') ---------

_STATUSES = {"addressed", "partly-addressed", "recurring", "not-assessed"}


def earlier_report_id(force_id: str, year: int, title: str) -> str:
    """A stable id for an earlier report known only from a later one's recollection."""
    from ..vocab import slug

    return f"{force_id}-{year}-recalled-{slug(title, 40)}"


def recalled_refs(report: Report) -> list[tuple[RecalledFinding, FindingRef]]:
    """Each finding a report recalls with its reference: the stub of the recalled inspection,
    the kind, and its ordinal among that inspection's findings of the kind as this report
    recalls them (the follow-ups and the graph's recalled findings both number them so)."""
    counters: Counter[tuple[str, str]] = Counter()
    out = []
    for rf in report.recalled:
        stub = earlier_report_id(report.info.force_id, rf.earlier.year, rf.earlier.title)
        counters[(stub, rf.kind)] += 1
        out.append((rf, FindingRef(stub, rf.kind, counters[(stub, rf.kind)])))
    return out


def stated_followups(report: Report) -> list[FollowUp]:
    out = []
    for rf, ref in recalled_refs(report):
        status = rf.status if rf.status in _STATUSES else "not-assessed"
        out.append(FollowUp(
            finding=ref,
            later_report_id=report.info.report_id,
            status=status,  # type: ignore[arg-type]
            confidence=0.9 if rf.status_evidence else 0.6,
            evidence_quotes=[Evidence(rf.status_evidence, rf.status_span)] if rf.status_evidence else [],
            signals=["stated-by-inspectorate"],
            stated_by_inspectorate=True,
        ))
    return out
