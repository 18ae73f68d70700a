"""Legal references: ``1079/QĐ-TTg``, ``57-KL/TW``, ``Kết luận số 57`` … normalised."""

from __future__ import annotations

import re

from pipeline.classify.reporting import (
    Zone,
)
from pipeline.fields.sentences import snip
from pipeline.text import iter_word_matches

_GOV_KINDS = r"QĐ|QD|NQ|KH|CT|TB|KL|NĐ|ND|TT|TTLT|HD|HĐ|CV|BC|QC|TTr|ĐA|DA|QH\d{0,2}|UBTVQH\d{0,2}|L"


_GOV_REF_RE = re.compile(
    r"(?P<n>\d{1,5})\s*/\s*(?:(?P<y>(?:19|20)\d{2})\s*/\s*)?(?P<k>" + _GOV_KINDS + r")"
    r"(?:\s*-\s*(?P<i>[A-ZĐ][A-Za-zĐđ0-9]{0,12}(?:\s*-\s*[A-ZĐ][A-Za-zĐđ0-9]{0,12})*))?(?![\w/])"
)


_PARTY_REF_RE = re.compile(
    r"(?P<n>\d{1,4})\s*-\s*(?P<k>KL|CT|TB|NQ|QĐ|QD|HD|KH|QC|BC|TTr|ĐA|DA|CV|QĐi)\s*/\s*"
    r"(?P<i>T\.Ư|TƯ|TW|[A-ZĐƯ][A-Za-zĐđƯư]{0,10})(?![\w/])"
)


_BARE_REF_RE = re.compile(
    r"\b(?P<kind>Kết luận|Chỉ thị|Nghị quyết|Quyết định|Thông báo|Thông báo kết luận)\s+(?:số\s+)+(?P<n>\d{1,5})(?![\d/-])"
    r"|\b(?P<kind2>Kết luận|Chỉ thị|Nghị quyết|Quyết định)\s+(?P<n2>\d{1,5})(?![\d/-])",
)


_ISSUER_AFTER_RE = re.compile(
    r"^(?:\s*,?\s*ngày\s+\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4})?\s*,?\s*(?:của\s+)?"
    r"(?P<who>Bộ Chính trị|Ban Bí thư|Ban Chấp hành Trung ương|Trung ương|Thủ tướng(?: Chính phủ)?|Chính phủ)"
)


_PARTY_ISSUERS = {"Bộ Chính trị", "Ban Bí thư", "Ban Chấp hành Trung ương", "Trung ương"}


_BARE_KIND = {
    "Kết luận": "KL",
    "Chỉ thị": "CT",
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Thông báo": "TB",
    "Thông báo kết luận": "TB",
}


_KIND_FIX = {"QD": "QĐ", "ND": "NĐ", "DA": "ĐA"}  # written without the Vietnamese Đ


def _issuer(raw: str) -> str:
    """``TTG``/``Ttg`` -> ``TTg`` (the Prime Minister), ``T.Ư``/``TƯ`` -> ``TW``; the rest as written."""
    parts = [p.strip() for p in re.split(r"\s*-\s*", raw) if p.strip()]
    return "-".join("TTg" if p.upper() == "TTG" else "TW" if p in {"T.Ư", "TƯ"} else p for p in parts)


def legal_refs(text: str) -> list[tuple[int, str]]:
    """(position, normalised id) of every legal document cited in ``text``, in order, with repeats.

    ``1079/QĐ-TTg``, ``57-KL/TW``, ``55/2025/NĐ-CP``; "Kết luận số 57 ngày 15/6/2023 của Bộ Chính trị"
    becomes ``57-KL/TW``; a bare number without an issuer is resolved only by a full id elsewhere.
    """
    found: list[tuple[int, str]] = []
    party_spans: list[tuple[int, int]] = []
    for m in iter_word_matches(_PARTY_REF_RE, text, "/.-"):
        kind = _KIND_FIX.get(m.group("k"), m.group("k"))
        found.append((m.start(), f"{m.group('n')}-{kind}/{_issuer(m.group('i'))}"))
        party_spans.append(m.span())
    for m in iter_word_matches(_GOV_REF_RE, text, "/.-"):
        if any(s <= m.start() < e for s, e in party_spans):
            continue
        kind = _KIND_FIX.get(m.group("k"), m.group("k"))
        issuer = m.group("i")
        if issuer is None and kind not in {"L"} and not kind.startswith(("QH", "UBTVQH")):
            continue  # "6/2023" and the like: a document id has an issuer
        year = f"{m.group('y')}/" if m.group("y") else ""
        ref = f"{m.group('n')}/{year}{kind}" + (f"-{_issuer(issuer)}" if issuer else "")
        found.append((m.start(), ref))
    bare: list[tuple[int, str, str, str | None]] = []
    for m in _BARE_REF_RE.finditer(text):
        kind_word = m.group("kind") or m.group("kind2")
        number = m.group("n") or m.group("n2")
        who = _ISSUER_AFTER_RE.match(text[m.end() : m.end() + 80])
        bare.append((m.start(), _BARE_KIND[kind_word], number, who.group("who") if who else None))
    for pos, kind, n, who in bare:
        if who in _PARTY_ISSUERS and kind in {"KL", "CT", "NQ", "TB"}:
            found.append((pos, f"{n}-{kind}/TW"))
        elif who and who.startswith("Thủ tướng") and kind in {"QĐ", "CT"}:
            found.append((pos, f"{n}/{kind}-TTg"))
        elif who == "Chính phủ" and kind == "NQ":
            found.append((pos, f"{n}/NQ-CP"))
        else:  # no issuer: only a full id with the same number and kind settles it
            same = [r for _, r in found if re.match(rf"0*{int(n)}[-/](?:\d{{4}}/)?{kind}(?![^\W_])", r)]
            if len(set(same)) == 1:
                found.append((pos, same[0]))
    return sorted(found)


def event_legal_refs(zones: dict[str, Zone], prov: dict[str, str]) -> list[str]:
    refs: list[str] = []
    for name in ("title", "lead", "body"):
        zone = zones.get(name)
        if zone is None:
            continue
        for pos, ref in legal_refs(zone.text):
            if ref not in refs:
                refs.append(ref)
                prov.setdefault("legal_refs", snip(zone.text, pos, pos + len(ref)))
    return refs
