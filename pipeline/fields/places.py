"""Where an event was held: the province (pre-2025 name and its 2025 unit) and the venue."""

from __future__ import annotations

import re
from datetime import date

from pipeline.classify.reporting import (
    FUTURE_RE,
    ReportSentence,
    Zone,
)
from pipeline.fields.sentences import Sentence, snip
from pipeline.gazetteer import (
    Mention,
    find_provinces_in_text,
    find_unit_2025,
    provinces,
)
from pipeline.text import fold

REFORM_2025 = date(2025, 7, 1)  # new provincial governments (Resolution 202/2025/QH15)


PROVINCE_MIN_SCORE = 3.0


_AT_BEFORE_RE = re.compile(
    r"(?<!hien )\b(?:tai|o|in|at|a|au|aux|dans|en|em|no|na|di|в|во|στην|στο|في)\b[^.;]{0,60}$"
    r"|(?:在|于)[^。；,，]{0,12}$"
)
# Japanese and Korean put the place marker after the name: "ゲアン省で", "호아빈에서".
_AT_AFTER_RE = re.compile(r"^(?:省|市|성|시)?\s*(?:で|において|にて|에서)")


_ADMIN_BEFORE_RE = re.compile(
    r"(?:\btinh|\bthanh pho|\btp\.?|\buy ban nhan dan|\bubnd|\btinh uy|\bthanh uy)\s*$"
)


_HOST_BEFORE_RE = re.compile(
    r"(?:chu tich|bi thu|giam doc|truong ban|chanh van phong)\b[^,.;]{0,60}?(?:tinh|thanh pho|tinh uy|thanh uy)\s*$"
)


_VENUE_RE = re.compile(
    r"(?<!hien )\b(?:tai|in|at)\s+(?P<venue>[^,;.()]{2,80}?)(?=\s*(?:,|;|\.|\(|$|\s+(?:on|from|to)\b))"
)


_VENUE_CONTINUE_RE = re.compile(
    r"^\s*,\s*(?P<more>(?:tinh|thanh pho|tp\.?|huyen|quan|thi xa|xa|phuong)\s[^,;.()]{2,40}|[^,;.()]{2,40}\s(?:province|city|district))"
)


_NOT_VENUE = re.compile(
    r"^(?:\d|(?:hoi nghi|lop|buoi|le|dia phuong|co so|day|do|cac|nhieu|nhung|this|that"
    r"|the\s+(?:conference|event|training|meeting|session))\b)"
)


def province_of(
    zones: dict[str, Zone],
    report: ReportSentence | None,
    when: date | None,
    prov: dict[str, str],
    slug: str = "",
) -> tuple[str | None, str | None]:
    """Where it was held: "tại X" in the reporting sentence, else its other provinces, else the
    title and lead, else the host official ("Phó Chủ tịch UBND tỉnh Trà Vinh"), else the words
    of the URL, else None."""
    scores: dict[str, float] = {}
    first: dict[str, tuple[int, Mention, str]] = {}
    capped: dict[tuple[str, str], float] = {}
    order = 0
    zones = {**zones, "url": Zone("url", slug, fold(slug))} if slug else zones
    for name in ("title", "lead", "body", "url"):
        zone = zones.get(name)
        if zone is None:
            continue
        for mention in find_provinces_in_text(zone.text):
            before = zone.folded[max(0, mention.start - 80) : mention.start]
            in_report = (
                report is not None and report.zone == name and report.start <= mention.start < report.end
            )
            at = (
                _AT_BEFORE_RE.search(before) is not None
                or _AT_AFTER_RE.match(zone.text, mention.end) is not None
            )
            if in_report:
                weight, cap_key = (10.0 if at else 6.0), "report"
            elif name == "title":
                weight, cap_key = (6.0 if at else 4.0), "title"
            elif name == "lead":
                weight, cap_key = (5.0 if at else 3.0), "lead"
            elif name == "url":
                weight, cap_key = 3.0, "url"
            elif _HOST_BEFORE_RE.search(before):
                weight, cap_key = 3.0, "host"
            else:
                sentence_future = (
                    FUTURE_RE.search(zone.folded[max(0, mention.start - 120) : mention.start]) is not None
                )
                if at:
                    weight, cap_key = (0.5 if sentence_future else 2.0), "at"
                elif _ADMIN_BEFORE_RE.search(before):
                    weight, cap_key = 1.0, "admin"
                else:
                    weight, cap_key = 0.5, "bare"
            caps = {
                "report": 20.0,
                "title": 6.0,
                "lead": 6.0,
                "url": 3.0,
                "host": 3.0,
                "at": 4.0,
                "admin": 3.0,
                "bare": 2.0,
            }
            key = (mention.province.name, cap_key)
            add = min(weight, caps[cap_key] - capped.get(key, 0.0))
            if add <= 0:
                continue
            capped[key] = capped.get(key, 0.0) + add
            scores[mention.province.name] = scores.get(mention.province.name, 0.0) + add
            first.setdefault(mention.province.name, (order, mention, zone.text))
            order += 1
    if not scores:
        return None, None
    best = max(scores, key=lambda p: (scores[p], -first[p][0]))
    if scores[best] < PROVINCE_MIN_SCORE:
        return None, None
    _, mention, text = first[best]
    prov["province"] = snip(text, mention.start, mention.end)
    unit = mention.province.unit_2025
    if when is not None and when >= REFORM_2025 and mention.kind == "name":
        new_unit = find_unit_2025(mention.surface)
        if new_unit:
            # After the merger "tỉnh Gia Lai" is the new unit, which also took in Bình Định:
            # the pre-2025 province is unknown unless a town or district names it.
            merged = [p for p in provinces() if p.unit_2025 == new_unit]
            return (mention.province.name if len(merged) == 1 else None), new_unit
    return mention.province.name, unit


def find_venue(report: Sentence | None, prov: dict[str, str]) -> str | None:
    if report is None:
        return None
    for m in _VENUE_RE.finditer(report.folded):
        if _NOT_VENUE.match(m.group("venue")):
            continue
        start, end = m.start("venue"), m.end("venue")
        more = _VENUE_CONTINUE_RE.match(report.folded[end:])
        if more:
            end += more.end("more")
        venue = report.text[start:end].strip()
        if not any(c.isupper() for c in venue):
            continue
        prov["venue"] = snip(report.text, start, end)
        return venue
    return None
