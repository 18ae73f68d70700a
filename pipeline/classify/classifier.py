"""What an article reports: the event type, its topics, a score and the evidence for both.

Explainable rules, not a model: analysts edit ``rules/`` (``common.yaml`` for zones,
thresholds and topics; one file of weighted phrases per language: ``vi.yaml``, ``en.yaml``,
``fr.yaml`` ...) and every decision lists the phrases that made it, where they were found and
how much they weighed. This module only compiles the rules and applies them:

- phrases are matched diacritic-insensitively on ``fold(normalize(...))`` with abbreviations
  spelled out (``TTĐN``, ``QCN``, ``TT&TT`` ...), whole words only (in scripts written without
  spaces, Chinese, Japanese, Thai, Lao, Khmer, anywhere);
- a match weighs ``weight x zone multiplier``: title and lead more than the body, and the
  sentence that reports the event ("Ngày 7/12, ... tổ chức Hội nghị tập huấn ...") most;
- the best event type must reach a threshold; plan wording that outweighs "it took place"
  wording makes it ``plan_or_directive``; a training is a ``training_conference`` only on
  external information or human rights, otherwise ``other`` with its real topic; a conference
  on those topics that is a training in substance (briefings, reports, shared experience) is a
  ``training_conference`` even without the word "tập huấn".

Rules are compiled once (:func:`load_rules` is cached); a call costs a few regex passes.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pipeline.classify.reporting import (
    ReportPatterns,
    ReportSentence,
    Zone,
    find_report_sentence,
    make_zones,
)
from pipeline.classify.rulefiles import RulesError, merge_directory, read_yaml
from pipeline.lazymap import LazyMap
from pipeline.text import fold, iter_word_matches, normalize, trie_regex

logger = logging.getLogger(__name__)

__all__ = [
    "EVENT_TYPES",
    "TYPES",
    "Classification",
    "Evidence",
    "Rules",
    "RulesError",
    "classify",
    "load_rules",
]

RULES_DIR = Path(__file__).parent / "rules"
RULES_FILE = RULES_DIR  # the default rules: the directory of common.yaml and the language files
# Types that name an event that took place (plan_or_directive and other do not).
EVENT_TYPES = ("training_conference", "other_conference", "seminar", "dialogue", "award")
TYPES = (*EVENT_TYPES, "plan_or_directive", "other")
SIGNALS = ("held", "substance", "meeting", "briefing")
ZONES = ("title", "lead", "report", "body", "url")
FOCUS = ("title", "lead", "report", "url")  # where a report names its event
MAX_EVIDENCE = 30
SNIPPET_CHARS = 60
GAP_WORDS = 6

_WORD_RE = re.compile(r"\w+|#|\.\.\.|…")
_SEP = r"\W+"


@dataclass(frozen=True)
class Evidence:
    """One reason for a decision: ``phrase`` (a rule phrase or a description) matched ``text``
    in ``where`` (title/lead/body), worth ``weight`` towards ``rule`` (``type:seminar``,
    ``signal:held``, ``topic:human_rights``, ``decision:...``)."""

    phrase: str
    rule: str
    where: str
    weight: float
    text: str


@dataclass
class Classification:
    """The decision: ``type`` (one of :data:`TYPES`), ``topics`` (strongest first), ``score`` in
    [0, 1], the ``evidence`` and per-type ``scores`` in [0, 1] (evidence strength per type)."""

    type: str
    topics: list[str]
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "topics": list(self.topics),
            "score": self.score,
            "evidence": [asdict(e) for e in self.evidence],
            "scores": dict(self.scores),
        }


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    phrase: str  # as written in the rules file
    group: str  # "type:seminar", "signal:held", "topic:press"
    weight: float


@dataclass(frozen=True)
class _Layer:
    """Phrases matched together (longest wins where they overlap), for one language set."""

    regex: re.Pattern[str] | None
    phrases: dict[str, _Phrase]  # normalised matched text -> phrase
    # Phrases with "..." or "#": one alternation, group "s<i>" is special_phrases[i].
    special: re.Pattern[str] | None
    special_phrases: tuple[_Phrase, ...]
    bounded: bool = True  # matches must start and end a word (False: scripts without spaces)


@dataclass(frozen=True)
class Rules:
    """Compiled classification rules (see ``rules/classify.yaml`` for what each part means)."""

    path: str
    languages: tuple[str, ...]
    zones: dict[str, float]
    repeat_bonus: float
    repeat_cap: float
    thresholds: dict[str, float]
    primary_topics: tuple[str, ...]
    topics: tuple[str, ...]
    report: dict[str | None, ReportPatterns]
    layers: Mapping[str | None, tuple[_Layer, ...]]  # language (None: all) -> layers, built on first use


def _key(matched: str) -> str:
    return " ".join(re.findall(r"\w+", matched))


def _phrase_regex(phrase: str) -> tuple[str, bool]:
    """Regex source for one phrase on folded text, and whether it needs its own regex."""
    tokens = _WORD_RE.findall(fold(normalize(phrase)))
    if not tokens:
        raise ValueError("empty phrase")
    special = any(t in {"#", "...", "…"} for t in tokens)
    parts = []
    for t in tokens:
        if t == "#":
            parts.append(r"\d+(?:[.,]\d+)*")
        elif t in {"...", "…"}:
            parts.append(rf"(?:\w+\W+){{0,{GAP_WORDS}}}?")
        else:
            parts.append(re.escape(t))
    source = ""
    for i, part in enumerate(parts):
        source += part
        if i < len(parts) - 1 and tokens[i] not in {"...", "…"}:
            source += _SEP
    return source, special


def _checked_regex(phrase: _Phrase, where: str) -> tuple[str, bool]:
    try:
        return _phrase_regex(phrase.phrase)
    except (ValueError, re.error) as exc:
        raise RulesError(f"{where}: phrase {phrase.phrase!r}: {exc}") from exc


def _compile_layer(phrases: list[_Phrase], where: str, bounded: bool = True) -> _Layer:
    simple: dict[str, _Phrase] = {}
    special: list[tuple[str, _Phrase]] = []
    for p in phrases:
        source, is_special = _checked_regex(p, where)
        if is_special:
            special.append((source, p))
            continue
        key = _key(fold(normalize(p.phrase)))
        if key in simple and simple[key].group != p.group:
            logger.warning("%s: phrase %r is in %s and %s", where, p.phrase, simple[key].group, p.group)
        simple[key] = p
    end = r"(?!\w)" if bounded else ""
    regex = None
    if simple:
        regex = re.compile(r"(?:" + trie_regex(simple, space=_SEP) + r")" + end)  # see iter_word_matches
    special_regex = None
    if special:
        alternatives = "|".join(f"(?P<s{i}>{source})" for i, (source, _) in enumerate(special))
        special_regex = re.compile(rf"(?:{alternatives}){end}")
    return _Layer(regex, simple, special_regex, tuple(p for _, p in special), bounded)


def _phrases_of(spec: Any, group: str, where: str) -> dict[str, list[_Phrase]]:
    """``{language: [phrase, ...]}`` from ``{vi: {phrase: weight}, en: [...]}``."""
    if not isinstance(spec, dict):
        raise RulesError(f"{where}: {group}: expected a mapping of languages to phrases")
    result: dict[str, list[_Phrase]] = {}
    for lang, entries in spec.items():
        if lang in {"description"}:
            continue
        items: list[tuple[Any, Any]]
        if isinstance(entries, dict):
            items = list(entries.items())
        elif isinstance(entries, list):
            items = [(e, 1.0) if not isinstance(e, dict) else next(iter(e.items())) for e in entries]
        else:
            raise RulesError(f"{where}: {group}.{lang}: expected phrases")
        out = []
        for phrase, weight in items:
            if not isinstance(phrase, str) or not phrase.strip():
                raise RulesError(f"{where}: {group}.{lang}: empty or non-text phrase {phrase!r}")
            if not isinstance(weight, int | float) or isinstance(weight, bool):
                raise RulesError(f"{where}: {group}.{lang}: weight of {phrase!r} must be a number")
            out.append(_Phrase(phrase.strip(), group, float(weight)))
        result[str(lang)] = out
    return result


def _build(raw: dict[str, Any], path: str) -> Rules:
    where = path
    languages = tuple(raw.get("languages") or ())
    if not languages:
        raise RulesError(f"{where}: 'languages' is required")
    spaceless = frozenset(raw.get("spaceless") or ())
    layer_specs: dict[str, dict[str, list[_Phrase]]] = defaultdict(lambda: defaultdict(list))

    def add(layer: str, group: str, spec: Any) -> None:
        for lang, phrases in _phrases_of(spec, group, where).items():
            if lang not in languages:
                raise RulesError(f"{where}: {group}: language {lang!r} is not in 'languages'")
            layer_specs[layer][lang].extend(phrases)

    types = raw.get("types") or {}
    for name, spec in types.items():
        if name not in TYPES or name == "other":
            raise RulesError(f"{where}: types: unknown type {name!r} (known: {', '.join(TYPES[:-1])})")
        add("plan" if name == "plan_or_directive" else "types", f"type:{name}", spec)
    for name, spec in (raw.get("signals") or {}).items():
        if name not in SIGNALS:
            raise RulesError(f"{where}: signals: unknown signal {name!r} (known: {', '.join(SIGNALS)})")
        add(name, f"signal:{name}", spec)
    topics = tuple((raw.get("topics") or {}).keys())
    for name, spec in (raw.get("topics") or {}).items():
        add("topics", f"topic:{name}", spec)
    primary = tuple(raw.get("primary_topics") or ())
    if not primary or set(primary) - set(topics):
        raise RulesError(f"{where}: primary_topics must name topics defined under 'topics'")

    for layer_name, by_lang in layer_specs.items():  # a bad phrase fails the load, not a page
        for phrases in by_lang.values():
            for p in phrases:
                _checked_regex(p, f"{where}: {layer_name}")

    def compile_language(lang: str | None) -> tuple[_Layer, ...]:
        # Four fifths of loading the rules: done for a language when its first page comes.
        compiled = []
        for layer_name, by_lang in layer_specs.items():
            for bounded in (True, False):
                phrases = [
                    p
                    for lg, ps in by_lang.items()
                    if (lang is None or lg == lang) and (lg not in spaceless) == bounded
                    for p in ps
                ]
                if phrases or (bounded and lang not in spaceless):
                    compiled.append(_compile_layer(phrases, f"{where}: {layer_name}", bounded))
        return tuple(compiled)

    layers = LazyMap((*languages, None), compile_language)

    report_spec = raw.get("report_sentence") or {}
    report: dict[str | None, ReportPatterns] = {}
    for lang in (*languages, None):
        regexes = []
        for part in ("verbs", "nouns"):
            words = [
                w
                for lg, ws in (report_spec.get(part) or {}).items()
                if lang is None or lg == lang
                for w in ws
            ]
            if not words:
                raise RulesError(f"{where}: report_sentence.{part} is required")
            keys = {_key(fold(normalize(w))) for w in words}
            source = trie_regex(keys, space=_SEP)
            if lang in spaceless:
                regexes.append(re.compile(r"(?:" + source + r")"))
            elif lang is None and spaceless:  # every language: words of spaced ones, anywhere for the rest
                loose = {
                    _key(fold(normalize(w)))
                    for lg, ws in (report_spec.get(part) or {}).items()
                    if lg in spaceless
                    for w in ws
                }
                bounded_keys = keys - loose
                regexes.append(re.compile(
                    r"(?<!\w)(?:" + trie_regex(bounded_keys, space=_SEP) + r")(?!\w)|(?:"
                    + trie_regex(loose, space=_SEP) + ")"
                ))  # fmt: skip
            else:
                regexes.append(re.compile(r"(?<!\w)(?:" + source + r")(?!\w)"))
        report[lang] = ReportPatterns(verbs=regexes[0], nouns=regexes[1])

    zones = {z: float((raw.get("zones") or {}).get(z, 2.0 if z == "url" else 1.0)) for z in ZONES}
    thresholds = {
        "event": 6.0,
        "plan": 6.0,
        "topic": 2.0,
        "substance": 6.0,
        "substance_factor": 0.7,
        "substance_topic": 9.0,
        "scale": 8.0,
        "dated_report": 3.0,
        **{k: float(v) for k, v in (raw.get("thresholds") or {}).items()},
    }
    return Rules(
        path=path,
        languages=languages,
        zones=zones,
        repeat_bonus=float(raw.get("repeat_bonus", 0.25)),
        repeat_cap=float(raw.get("repeat_cap", 1.0)),
        thresholds=thresholds,
        primary_topics=primary,
        topics=topics,
        report=report,
        layers=layers,
    )


@lru_cache(maxsize=8)
def _load(path: str) -> Rules:
    where = Path(path)
    raw = merge_directory(where) if where.is_dir() else read_yaml(where)
    rules = _build(raw, path)
    logger.debug("loaded classification rules from %s", path)
    return rules


def load_rules(path: str | Path | None = None) -> Rules:
    """The compiled rules from ``path``: a directory of ``common.yaml`` and language files
    (default: the bundled ``rules/``), or one file holding every language (``languages: [...]``
    and ``{vi: ..., en: ...}`` under each group). Cached, so call it freely. Raises
    :class:`RulesError` with the file and entry at fault."""
    return _load(str(Path(path) if path is not None else RULES_FILE))


# --- matching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Hit:
    phrase: _Phrase
    zone: str  # title | lead | body
    effective_zone: str  # title | lead | body | report
    start: int
    end: int


def _language_key(language: str | None, rules: Rules) -> tuple[str | None, bool]:
    """(language used to pick rules, covered?). ``vi-VN`` -> ``vi``; unknown -> all rules."""
    if not language:
        return None, True
    lang = language.lower().replace("_", "-").split("-")[0]
    return (lang, True) if lang in rules.languages else (lang, False)


def _anywhere(regex: re.Pattern[str], text: str) -> Any:
    return regex.finditer(text)


def _scan(
    zones: dict[str, Zone],
    layers: tuple[_Layer, ...],
    report: ReportSentence | None,
    url_layers: tuple[_Layer, ...] = (),
) -> list[_Hit]:
    hits: list[_Hit] = []
    for name, zone in zones.items():
        for layer in url_layers if name == "url" else layers:
            found: list[tuple[int, int, _Phrase]] = []
            matches = iter_word_matches if layer.bounded else _anywhere
            if layer.regex is not None:
                for m in matches(layer.regex, zone.folded):
                    phrase = layer.phrases.get(_key(m.group(0)))
                    if phrase is not None:
                        found.append((m.start(), m.end(), phrase))
            if layer.special is not None:
                for m in matches(layer.special, zone.folded):
                    index = int((m.lastgroup or "s0")[1:])
                    found.append((m.start(), m.end(), layer.special_phrases[index]))
            for start, end, phrase in found:
                in_report = report is not None and report.zone == name and report.start <= start < report.end
                hits.append(_Hit(phrase, name, "report" if in_report else name, start, end))
    return hits


def _scores(hits: list[_Hit], rules: Rules) -> tuple[dict[str, float], dict[tuple[str, str, str], float]]:
    """Weighted score per group, and the contribution of each (group, phrase, zone)."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    weights: dict[tuple[str, str, str], float] = {}
    for h in hits:
        key = (h.phrase.group, h.phrase.phrase, h.effective_zone)
        counts[key] += 1
        weights[key] = h.phrase.weight * rules.zones[h.effective_zone]
    contributions: dict[tuple[str, str, str], float] = {}
    totals: dict[str, float] = defaultdict(float)
    for key, n in counts.items():
        value = weights[key] * (1.0 + min(rules.repeat_cap, rules.repeat_bonus * (n - 1)))
        contributions[key] = value
        totals[key[0]] += value
    return totals, contributions


def _snippet(zone: Zone, start: int, end: int) -> str:
    a = max(0, start - SNIPPET_CHARS)
    b = min(len(zone.text), end + SNIPPET_CHARS)
    while a > 0 and not zone.text[a - 1].isspace() and start - a < SNIPPET_CHARS + 15:
        a -= 1
    while b < len(zone.text) and not zone.text[b].isspace() and b - end < SNIPPET_CHARS + 15:
        b += 1
    text = " ".join(zone.text[a:b].split())
    return ("…" if a > 0 else "") + text + ("…" if b < len(zone.text) else "")


def _conf(raw: float, scale: float) -> float:
    return 1.0 - math.exp(-max(0.0, raw) / scale)


# --- the decision ------------------------------------------------------------------------------


_SLUG_SPLIT_RE = re.compile(r"[-_+.~,\s]+")
_ID_RE = re.compile(r"^(?:[a-z]{1,6}\d+[a-z]{0,3}|\d{5,}.*|\d+[a-z]+\d*)$")  # ids, not counts or years
_EXTENSIONS = (".html", ".htm", ".shtml", ".aspx", ".php", ".vnp", ".tpo", ".vov", ".ldo", ".chn")
MIN_SLUG_WORDS = 3


def url_words(url: str) -> str:
    """The title a URL carries in its path (``/lao-cai-300-dai-bieu-duoc-tap-huan-2141537.html``
    -> ``lao cai 300 dai bieu duoc tap huan``): the path segment with the most words, ids and the
    extension dropped; empty when no segment has ``MIN_SLUG_WORDS`` words."""
    path = unquote(urlsplit(url).path)
    best: list[str] = []
    for segment in path.split("/"):
        lower = segment.lower()
        for ext in _EXTENSIONS:
            if lower.endswith(ext):
                segment = segment[: -len(ext)]
                break
        words = [w for w in _SLUG_SPLIT_RE.split(segment) if w and not _ID_RE.match(w.lower())]
        if len(words) > len(best):
            best = words
    return " ".join(best) if len(best) >= MIN_SLUG_WORDS else ""


def _repeats_title(slug: str, title: str | None) -> bool:
    if not title:
        return False
    words = set(fold(slug).split())
    title_words = set(re.findall(r"\w+", fold(normalize(title))))
    return bool(words) and len(words & title_words) >= 0.7 * len(words)


def classify(
    title: str | None,
    lead: str | None,
    text: str,
    language: str | None = None,
    rules: Rules | None = None,
    url: str | None = None,
    use_model: bool = True,
) -> Classification:
    """Classify one article (see the module docstring for the decision steps).

    ``language`` is the article's language code (``vi``, ``en``, ``vi-VN``); ``None`` applies the
    rules of every language. A language without rules yields ``other`` with score 0. ``url``
    adds the words of its path (most news sites put the title there) as a zone of its own.
    ``use_model``: let the learned second stage (``rules/model.json``, when built and enabled)
    overturn a decision it is sure of.
    """
    rules = rules or load_rules()
    lang, covered = _language_key(language, rules)
    if not covered:
        note = f"no classification rules for language {lang!r} (covered: {', '.join(rules.languages)})"
        return Classification(
            "other", [], 0.0, [Evidence("", "decision:language", "body", 0.0, note)], {t: 0.0 for t in TYPES}
        )

    zones = make_zones(title, lead, text, expand=True)
    report = find_report_sentence(zones, rules.report[lang])
    slug = url_words(url) if url else ""
    if slug and _repeats_title(slug, title):
        slug = ""  # the slug only spells the title again: counting it would count the title twice
    url_layers: tuple[_Layer, ...] = ()
    if slug:
        zones["url"] = Zone("url", slug, fold(slug))
        # A slug is the title in ASCII, in the page's language or, on the language editions of
        # Vietnamese sites, in Vietnamese.
        url_layers = rules.layers[lang] + (
            rules.layers["vi"] if lang != "vi" and "vi" in rules.layers else ()
        )
    hits = _scan(zones, rules.layers[lang], report, url_layers)
    totals, contributions = _scores(hits, rules)
    th = rules.thresholds
    scale = th["scale"]

    def group_total(group: str, zones_: tuple[str, ...] | None = None) -> float:
        if zones_ is None:
            return totals.get(group, 0.0)
        return sum(v for (g, _, z), v in contributions.items() if g == group and z in zones_)

    focus = FOCUS
    type_raw = {t: group_total(f"type:{t}") for t in EVENT_TYPES}
    plan_raw = group_total("type:plan_or_directive")
    held_raw = group_total("signal:held")
    decisions: list[Evidence] = []

    topic_all = {t: group_total(f"topic:{t}") for t in rules.topics}
    topic_focus = {t: group_total(f"topic:{t}", focus) for t in rules.topics}
    topics = sorted((t for t, v in topic_all.items() if v >= th["topic"]), key=lambda t: -topic_all[t])
    primary_focus = [t for t in rules.primary_topics if topic_focus[t] > 0]
    primary_all = [t for t in rules.primary_topics if topic_all[t] >= th["topic"]]

    if report is not None:
        decisions.append(
            Evidence(
                "reporting sentence",
                "decision:report_sentence",
                report.zone,
                0.0,
                _snippet(zones[report.zone], report.start, min(report.end, report.start + 240)),
            )
        )
        if report.has_date and not report.future:
            bonus = th["dated_report"]
            held_raw += bonus
            decisions.append(
                Evidence(
                    "dated reporting sentence",
                    "signal:held",
                    report.zone,
                    bonus,
                    "a dated report of the event",
                )
            )

    # A conference on a primary topic whose content is a training (seed 002's kind).
    meeting_focus = group_total("signal:meeting", focus)
    substance = group_total("signal:substance")
    # Its topic where the event is named, or over and over in the body (seed 002): a monthly
    # briefing that mentions human rights once is no training on it.
    strong_body = [t for t in rules.primary_topics if topic_all[t] >= th["substance_topic"]]
    if meeting_focus > 0 and substance >= th["substance"] and (primary_focus or strong_body):
        extra = substance * th["substance_factor"]
        type_raw["training_conference"] += extra
        decisions.append(
            Evidence(
                "training in substance",
                "decision:substance",
                "body",
                round(extra, 2),
                f"a conference on {', '.join(primary_focus or strong_body)} with training content "
                f"(substance score {substance:.1f})",
            )
        )

    # A briefing or dissemination conference for cadres (hội nghị cập nhật, quán triệt, phổ
    # biến, báo cáo viên ...) is a training when a primary topic is named where the event is
    # (title, lead, reporting sentence, URL): a monthly báo cáo viên meeting that mentions human
    # rights further down is not one.
    briefing = group_total("signal:briefing")
    if briefing > 0 and group_total("signal:briefing", focus) > 0 and primary_focus:
        type_raw["training_conference"] += briefing
        decisions.append(
            Evidence(
                "briefing conference",
                "decision:briefing",
                "body",
                round(briefing, 2),
                f"a briefing or dissemination conference on {', '.join(primary_focus)}",
            )
        )

    ranked = sorted(EVENT_TYPES, key=lambda t: -type_raw[t])
    best, second = ranked[0], ranked[1]
    best_raw, second_raw = type_raw[best], type_raw[second]
    margin = (best_raw - second_raw) / best_raw if best_raw > 0 else 0.0
    scores = {t: round(_conf(type_raw[t], scale), 3) for t in EVENT_TYPES}
    scores["plan_or_directive"] = round(_conf(plan_raw, scale), 3)

    plan_wins = plan_raw >= th["plan"] and plan_raw > held_raw
    kind: str
    if best_raw >= th["event"] and not plan_wins:
        kind = best
        score = _conf(best_raw, scale) * (0.5 + 0.5 * margin)
        if best == "training_conference":
            focus_zone = next(
                (
                    z
                    for z in ("title", "lead", "body")
                    if any(
                        h.zone == z and h.effective_zone in focus and h.phrase.group.startswith("topic:")
                        for h in hits
                    )
                ),
                "body",
            )
            kind, score = _training_topic(
                topic_focus, topic_all, primary_focus, primary_all, rules, score, decisions, focus_zone
            )
    elif plan_wins and (best_raw > 0 or primary_focus or primary_all):
        kind = "plan_or_directive"
        score = _conf(plan_raw, scale) * (0.5 + 0.5 * (plan_raw - held_raw) / plan_raw)
        decisions.append(
            Evidence(
                "plan wording outweighs held wording",
                "decision:plan",
                "body",
                round(plan_raw, 2),
                f"plan {plan_raw:.1f} > held {held_raw:.1f}",
            )
        )
    else:
        kind = "other"
        score = 1.0 - _conf(best_raw, scale) * 0.8
        decisions.append(
            Evidence(
                "no event type reaches the threshold",
                "decision:other",
                "body",
                round(best_raw, 2),
                f"best {best} {best_raw:.1f} < {th['event']:.1f}",
            )
        )
    scores["other"] = round(1.0 - max(scores[t] for t in (*EVENT_TYPES, "plan_or_directive")), 3)

    if use_model:
        kind, score = _second_stage(
            kind, score, title, lead, text, slug or (url_words(url) if url else ""), lang,
            bool(primary_focus or primary_all), decisions,
        )  # fmt: skip
    evidence = decisions + _evidence(hits, contributions, zones)
    return Classification(kind, topics, round(min(1.0, max(0.0, score)), 3), evidence, scores)


def _second_stage(
    kind: str,
    score: float,
    title: str | None,
    lead: str | None,
    text: str,
    slug: str,
    lang: str | None,
    on_primary_topic: bool,
    decisions: list[Evidence],
) -> tuple[str, float]:
    """The learned model (``rules/model.json``, when enabled) overturns a decision it is sure of."""
    from pipeline.classify.model import features, load_model

    model = load_model()
    if model is None or not model.enabled:
        return kind, score
    p, top = model.probability(features(title, lead, text, slug, lang))
    grams = ", ".join(f"{g!r} {w:+.2f}" for g, w in top[:5])
    if kind != "training_conference" and p >= model.high and on_primary_topic:
        decisions.append(Evidence("learned model", "decision:model", "body", round(p, 3),
                                  f"a training report with probability {p:.2f} (rules: {kind}); {grams}"))  # fmt: skip
        return "training_conference", p
    if kind == "training_conference" and p <= model.low:
        decisions.append(Evidence("learned model", "decision:model", "body", round(p, 3),
                                  f"not a training report: probability {p:.2f}; {grams}"))  # fmt: skip
        return "other", 1.0 - p
    return kind, score


def _training_topic(
    topic_focus: dict[str, float],
    topic_all: dict[str, float],
    primary_focus: list[str],
    primary_all: list[str],
    rules: Rules,
    score: float,
    decisions: list[Evidence],
    focus_zone: str,
) -> tuple[str, float]:
    """A training is a ``training_conference`` only on a primary topic; else ``other``. The topic
    is judged where the training is named (title, lead, reporting sentence), then in the body."""
    secondary = [t for t in rules.topics if t not in rules.primary_topics]
    other_focus = sorted((t for t in secondary if topic_focus[t] > 0), key=lambda t: -topic_focus[t])
    if primary_focus:
        decisions.append(
            Evidence(
                ", ".join(primary_focus), "decision:topic", focus_zone, 0.0, "a training on a primary topic"
            )
        )
        return "training_conference", score
    if other_focus:
        decisions.append(
            Evidence(
                ", ".join(other_focus),
                "decision:topic",
                focus_zone,
                0.0,
                f"a training on another topic ({', '.join(other_focus)}), not external information or human rights",
            )
        )
        return "other", score
    best_other = max((topic_all[t] for t in secondary), default=0.0)
    if primary_all and max(topic_all[t] for t in primary_all) >= best_other:
        decisions.append(
            Evidence(
                ", ".join(primary_all), "decision:topic", "body", 0.0, "a training on a primary topic (body)"
            )
        )
        return "training_conference", score * 0.85
    decisions.append(
        Evidence(
            "", "decision:topic", "body", 0.0, "a training, but not on external information or human rights"
        )
    )
    return "other", score * 0.7


def _evidence(
    hits: list[_Hit], contributions: dict[tuple[str, str, str], float], zones: dict[str, Zone]
) -> list[Evidence]:
    """One entry per (rule, phrase, zone), strongest first, with the first matching snippet."""
    first: dict[tuple[str, str, str], _Hit] = {}
    for h in hits:
        first.setdefault((h.phrase.group, h.phrase.phrase, h.effective_zone), h)
    ordered = sorted(first.items(), key=lambda kv: -contributions[kv[0]])[:MAX_EVIDENCE]
    return [
        Evidence(
            phrase=key[1],
            rule=key[0] + (" (reporting sentence)" if key[2] == "report" else ""),
            where=h.zone,
            weight=round(contributions[key], 2),
            text=_snippet(zones[h.zone], h.start, h.end),
        )
        for key, h in ordered
    ]
