"""Snippets: the part of a body around the first match, every match marked."""

from __future__ import annotations

import re

from newsmon.services.search.query import Term
from pipeline.text import fold, nfc

SNIPPET_CHARS = 240


MARK = ("«", "»")  # highlight markers in snippets (plain text: safe in a terminal, JSON, CSV)


def _folded_with_map(text: str) -> tuple[str, list[int] | None]:
    """``fold(text)`` and, when lengths differ, the index in ``text`` of each folded character."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded, None
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        f = fold(ch)
        chars.append(f)
        index.extend([i] * len(f))
    return "".join(chars), index


def _term_regex(terms: list[Term]) -> re.Pattern[str] | None:
    if not terms:
        return None
    alternatives = sorted(
        {r"[\W_]+".join(map(re.escape, t.words)) + (r"[^\W_]*" if t.prefix else "") for t in terms},
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def snippet(
    title: str | None, lead: str | None, text: str | None, terms: list[Term], mark: tuple[str, str] = MARK
) -> str:
    """About ``SNIPPET_CHARS`` characters of the body around the first match, every match
    between ``mark``; the start of the body when only the title matched."""
    body = " ".join(nfc(" ".join(p for p in (lead, text) if p)).split())
    if not body:
        body = " ".join(nfc(title or "").split())
    regex = _term_regex(terms)
    folded, index = _folded_with_map(body)
    matches = list(regex.finditer(folded)) if regex else []

    def orig(i: int) -> int:
        if index is None:
            return i
        return index[i] if i < len(index) else len(body)

    spans: list[tuple[int, int]] = []
    words: list[str] = []
    for m in matches[:500]:
        s, e = orig(m.start()), orig(m.end() - 1) + 1
        if spans and not body[spans[-1][1] : s].strip():  # adjacent words: one highlight
            spans[-1] = (spans[-1][0], e)
            words[-1] += " " + m.group(0)
        else:
            spans.append((s, e))
            words.append(m.group(0))
    start = 0
    if spans:
        # The window that shows the most distinct terms, the earliest of equals.
        reach = SNIPPET_CHARS * 2 // 3
        best = max(
            range(len(spans)),
            key=lambda i: (
                len({w for (s, _), w in zip(spans[i:], words[i:], strict=True) if s < spans[i][0] + reach}),
                -i,
            ),
        )
        first = spans[best][0]
        start = max(0, first - SNIPPET_CHARS // 3)
        if start:
            space = body.find(" ", start)
            start = space + 1 if 0 <= space < first else start
    end = min(len(body), start + SNIPPET_CHARS)
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > start and all(s[1] <= space or s[0] >= end for s in spans) else end
    out, pos = [], start
    for s, e in spans:
        if s < pos or e > end:
            continue
        out.append(body[pos:s] + mark[0] + body[s:e] + mark[1])
        pos = e
    out.append(body[pos:end])
    return ("…" if start else "") + "".join(out) + ("…" if end < len(body) else "")
