"""Speakers: names with their roles (``Thứ trưởng … Nguyễn Thanh Lâm``)."""

from __future__ import annotations

import re

from pipeline.fields.organisers import ABBR_PAREN_RE
from pipeline.fields.sentences import Sentence
from pipeline.gazetteer import (
    SURNAMES,
    find_province,
)
from pipeline.text import expand_abbreviations, fold

_TITLE_WORDS = (
    r"Thứ trưởng|Bộ trưởng|Cục trưởng|Phó Cục trưởng|Vụ trưởng|Phó Vụ trưởng|Giám đốc|Phó Giám đốc|Chủ tịch|Phó Chủ tịch"
    r"|Bí thư|Phó Bí thư|Trưởng ban|Phó Trưởng ban|Chánh Văn phòng|Phó Chánh Văn phòng|Ủy viên|Tổng Biên tập|Đại sứ"
    r"|Thiếu tướng|Trung tướng|Thượng tướng|Đại tướng|Đại tá|Thượng tá|Trung tá|Giáo sư|Phó Giáo sư|Tiến sĩ|Thạc sĩ"
    r"|PGS\.?\s?,?\s?TS\.?|GS\.?\s?,?\s?TS\.?|TS\.|ThS\.|Trưởng phòng|Phó Trưởng phòng|Chánh án|Viện trưởng|Trưởng đoàn"
)


_TITLE_START_RE = re.compile(r"^(?:" + _TITLE_WORDS + r")\b")


_HONORIFIC_RE = re.compile(r"(?:^|\s)(?:đồng chí|Đồng chí|ông|Ông|bà|Bà|đ/c)\s*$")


_ROLE_PATTERNS = (
    ("phát biểu khai mạc", "phát biểu khai mạc"),
    ("phát biểu bế mạc", "phát biểu bế mạc"),
    ("phát biểu kết luận", "phát biểu kết luận"),
    ("phát biểu chỉ đạo", "phát biểu chỉ đạo"),
    ("phát biểu chào mừng", "phát biểu chào mừng"),
    ("phát biểu đề dẫn", "phát biểu đề dẫn"),
    ("dự và chỉ đạo", "dự và chỉ đạo"),
    ("chủ trì", "chủ trì"),
    ("phát biểu", "phát biểu"),
    ("cho biết", "phát biểu"),
    ("nhấn mạnh", "phát biểu"),
    ("khẳng định", "phát biểu"),
    ("trình bày", "trình bày"),
    ("cập nhật", "trình bày"),
    ("báo cáo", "trình bày"),
    ("trao đổi", "trình bày"),
)


_ROLE_RE = re.compile(r"\b(?:" + "|".join(re.escape(fold(p)) for p, _ in _ROLE_PATTERNS) + r")\b")


_ROLE_OF = {fold(p): r for p, r in _ROLE_PATTERNS}


_NAME_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted(SURNAMES, key=len, reverse=True)) + r")(?:\s+[^\W\d_][\w]*){1,3}"
)


_STOP_NAME_TEXT = "Phó Chủ Bộ Ban Sở Cục Ủy Tỉnh Thành Trung Hội Đảng Nhà Việt Chính Quốc Thường Thông Truyền"


_STOP_NAME_WORDS = frozenset(_STOP_NAME_TEXT.split())


_TITLE_END_RE = re.compile(
    r"\s+(?:đã\s+|cũng\s+)?(?:phát biểu|cho biết|nhấn mạnh|khẳng định|dự và chỉ đạo|chủ trì|trình bày|cập nhật|báo cáo|trao đổi|đề nghị|yêu cầu|mong muốn|chia sẻ)\b"
)


def _person_at(m: re.Match[str]) -> str | None:
    """The person's name at a surname: capitalised words up to a title word; places are not people."""
    words = m.group(0).split()
    name = [words[0]]
    for w in words[1:]:
        if not w[:1].isupper() or w in _STOP_NAME_WORDS or (w.isupper() and len(w) > 1):
            break
        name.append(w)
    if len(name) < 2:
        return None
    full = " ".join(name)
    if find_province(full) is not None:
        return None
    return full


def find_speakers(sentences: list[Sentence]) -> list[dict[str, str]]:
    """Speakers named with a speech verb: {name, title, role}. Titles before ("Thứ trưởng Bộ ...
    Nguyễn Thanh Lâm") or after ("đồng chí Phạm Anh Tuấn, Cục trưởng ...") the name."""
    people: dict[str, dict[str, str]] = {}
    for s in sentences:
        role_m = _ROLE_RE.search(s.folded)
        if role_m is None:
            continue
        for m in _NAME_RE.finditer(s.text):
            name = _person_at(m)
            if name is None:
                continue
            name_end = m.start() + len(name)
            before = s.text[: m.start()]
            after = s.text[name_end:]
            title = ""
            if _HONORIFIC_RE.search(before) or after.startswith((",", " -", " –")):
                tail = re.match(r"^\s*[,–-]\s*(.+)", after)
                if tail:
                    end = _TITLE_END_RE.search(tail.group(1))
                    title = tail.group(1)[: end.start()] if end else ""
            if not title:
                chunk = re.split(r"[,;:]\s+|(?:^|\s+)(?:đồng chí|ông|bà)\s+", before, flags=re.IGNORECASE)[
                    -1
                ].strip()
                t = _TITLE_START_RE.search(chunk)
                if t:
                    title = chunk
            title = " ".join(expand_abbreviations(ABBR_PAREN_RE.sub("", title)).split()).strip(" ,.-–")
            if len(title) > 160:
                title = ""
            role_word = fold(role_m.group(0))
            role = _ROLE_OF.get(role_word, "phát biểu")
            entry = people.setdefault(name, {"name": name})
            if title and len(title) > len(entry.get("title", "")):
                entry["title"] = title
            if "role" not in entry or (
                entry["role"] in {"phát biểu", "trình bày"} and role not in {"phát biểu", "trình bày"}
            ):
                entry["role"] = role
    return list(people.values())
