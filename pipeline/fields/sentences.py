"""A report's sentences in reading order, each with the zone it is in (title, lead, body) and
its folded form, so every field reader looks at text the same way."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.classify.reporting import (
    FUTURE_RE,
    ReportSentence,
    Zone,
    sentence_spans,
)

SNIPPET_CHARS = 160


@dataclass(frozen=True)
class Sentence:
    zone: str
    start: int
    end: int
    text: str
    folded: str
    is_report: bool = False

    @property
    def future(self) -> bool:
        return FUTURE_RE.search(self.folded) is not None


def reading_order(zones: dict[str, Zone], report: ReportSentence | None) -> list[Sentence]:
    """The report sentence first, then every sentence of title, lead and body in order."""
    result: list[Sentence] = []
    for name in ("title", "lead", "body"):
        zone = zones.get(name)
        if zone is None:
            continue
        for start, end in sentence_spans(zone.text):
            is_report = report is not None and report.zone == name and report.start == start
            result.append(Sentence(name, start, end, zone.text[start:end], zone.folded[start:end], is_report))
    result.sort(key=lambda s: not s.is_report)
    return result


def snip(text: str, start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    a = max(0, start - SNIPPET_CHARS // 2)
    b = min(len(text), end + SNIPPET_CHARS // 2)
    return " ".join(text[a:b].split())
