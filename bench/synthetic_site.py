"""A synthetic Vietnamese news site of N articles on 127.0.0.1, generated on the fly.

Used by ``bench/crawl_bench.py memory`` to crawl far more pages than the bundled sample
sites hold, without storing them anywhere: every page is rendered from its number with a
seeded RNG, so two runs serve the same bytes.

- ``/robots.txt``: allows everything.
- ``/rss.xml``: the newest 50 articles (RSS 2.0, with dates).
- ``/sitemap.xml``: every article, newest first, with its ``lastmod``.
- ``/tin-moi?trang=K``: listing page K (1-based) with ``links_per_page`` article links,
  newest first, a date beside each, and a pager (``rel=next``, "Trang sau", page numbers).
- ``/bai-viet/<slug>-post<id>.html``: article ``id`` (0 is the newest), 30-60 kB of HTML:
  head with metadata and inline script/style, a menu, the title, a date, a lead, body
  paragraphs of Vietnamese syllables, related links and a footer.

Article texts are random sequences from a syllable vocabulary (no topic phrases), so no two
are near-duplicates and the classifier sees ordinary news. With ``storm=True`` every body
sentence is drawn from one pool of 120 sentences instead (as template-heavy government sites
reuse their phrasing): pages share many shingles without being duplicates of each other, the
case that makes a near-duplicate lookup slow. ``prerender()`` renders every article once, so
the server's own cost stays out of a speed comparison.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import time
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

_SYLLABLES = [
    "của",
    "và",
    "các",
    "có",
    "được",
    "cho",
    "trong",
    "với",
    "là",
    "những",
    "người",
    "này",
    "đã",
    "để",
    "không",
    "một",
    "tại",
    "về",
    "từ",
    "khi",
    "năm",
    "theo",
    "công",
    "tác",
    "tỉnh",
    "huyện",
    "xã",
    "sở",
    "ban",
    "ngành",
    "đoàn",
    "thể",
    "cán",
    "bộ",
    "chính",
    "quyền",
    "địa",
    "phương",
    "phát",
    "triển",
    "kinh",
    "tế",
    "văn",
    "hóa",
    "giáo",
    "dục",
    "y",
    "tế",
    "nông",
    "nghiệp",
    "du",
    "lịch",
    "môi",
    "trường",
    "an",
    "ninh",
    "hợp",
    "tác",
    "đầu",
    "tư",
    "doanh",
    "nghiệp",
    "thị",
    "trường",
    "sản",
    "xuất",
    "lao",
    "động",
    "việc",
    "làm",
    "chương",
    "trình",
    "kế",
    "hoạch",
    "đề",
    "án",
    "triển",
    "khai",
    "thực",
    "hiện",
    "kết",
    "quả",
    "đánh",
    "giá",
    "nhiệm",
    "vụ",
    "giải",
    "pháp",
    "nâng",
    "cao",
    "hiệu",
    "quả",
    "chất",
    "lượng",
    "chuyển",
    "đổi",
    "số",
    "công",
    "nghệ",
    "giao",
    "thông",
    "đường",
    "bộ",
    "cầu",
    "cảng",
    "điện",
    "nước",
    "nhà",
    "ở",
    "đất",
    "đai",
    "tài",
    "nguyên",
    "mùa",
    "vụ",
    "lúa",
    "gạo",
    "cà",
    "phê",
    "hồ",
    "tiêu",
    "thủy",
    "sản",
    "rừng",
    "núi",
    "sông",
    "biển",
    "đảo",
    "mưa",
    "bão",
    "lũ",
    "lụt",
    "hạn",
    "hán",
    "dân",
    "cư",
    "thôn",
    "bản",
    "khu",
    "phố",
    "trường",
    "học",
    "bệnh",
    "viện",
    "học",
    "sinh",
    "sinh",
    "viên",
    "giáo",
    "viên",
    "bác",
    "sĩ",
    "công",
    "nhân",
    "nông",
    "dân",
    "thanh",
    "niên",
    "phụ",
    "nữ",
    "người",
    "cao",
    "tuổi",
    "trẻ",
    "em",
    "gia",
    "đình",
    "cộng",
    "đồng",
    "hỗ",
    "trợ",
    "vốn",
    "vay",
    "ngân",
    "hàng",
    "thuế",
    "phí",
    "giá",
    "cả",
    "hàng",
    "hóa",
    "xuất",
    "khẩu",
    "nhập",
    "khẩu",
    "dịch",
    "vụ",
    "thương",
    "mại",
    "chợ",
    "siêu",
    "thị",
    "lễ",
    "hội",
    "truyền",
    "thống",
    "di",
    "tích",
    "bảo",
    "tồn",
    "thể",
    "thao",
    "bóng",
    "đá",
    "giải",
    "đấu",
    "huy",
    "chương",
    "sáng",
    "nay",
    "chiều",
    "qua",
    "tuần",
    "tới",
    "tháng",
    "trước",
    "đồng",
    "chí",
    "ông",
    "bà",
    "anh",
    "chị",
    "cho",
    "biết",
    "nhấn",
    "mạnh",
    "đề",
    "nghị",
    "yêu",
    "cầu",
]
# Zipf-like weights: the first syllables are the commonest, as in real text.
_CUM_WEIGHTS = list(itertools.accumulate(1.0 / (rank + 2) ** 0.9 for rank in range(len(_SYLLABLES))))
_MENU = [
    "Trang chủ",
    "Thời sự",
    "Chính trị",
    "Kinh tế",
    "Xã hội",
    "Văn hóa",
    "Giáo dục",
    "Y tế",
    "Thể thao",
    "Pháp luật",
    "Quốc tế",
    "Du lịch",
    "Khoa học",
    "Công nghệ",
    "Môi trường",
    "Bạn đọc",
    "Video",
    "Ảnh",
    "Podcast",
    "Tỉnh thành",
    "Chuyên đề",
    "Sự kiện",
]
_STYLE = "".join(
    f".c{i}{{margin:{i % 7}px {i % 5}px;padding:{i % 3}px;color:#{(i * 2654435761) % 0xFFFFFF:06x}}}"
    for i in range(120)
)
_SCRIPT = "".join(
    f"window.dataLayer=window.dataLayer||[];dataLayer.push({{'event':'view','slot':{i},'zone':'z{i * 7}'}});"
    for i in range(40)
)
_ARTICLE_RE = re.compile(r"^/bai-viet/[a-z0-9-]+-post(\d+)\.html$")
STORM_POOL = 120  # sentences a storm site's bodies are drawn from
NEWEST = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
VN_TZ = timezone(timedelta(hours=7))


def _words(rng: random.Random, n: int) -> list[str]:
    return rng.choices(_SYLLABLES, cum_weights=_CUM_WEIGHTS, k=n)


def _sentence(rng: random.Random) -> str:
    words = _words(rng, rng.randint(8, 22))
    return " ".join(words).capitalize() + "."


def published(article_id: int) -> datetime:
    """Article ``id``'s publication time: one every 17 minutes, going back from NEWEST."""
    return NEWEST - timedelta(minutes=17 * article_id)


def _title(article_id: int) -> str:
    rng = random.Random(article_id * 7919 + 1)
    return " ".join(_words(rng, rng.randint(7, 13))).capitalize()


def _slug(title: str) -> str:
    text = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return "-".join(re.findall(r"[a-z0-9]+", text))[:60]


class SyntheticSite:
    """The site of ``pages`` articles, served while the context is open.

    ``counts`` says how many requests of each kind (robots, feed, listing, article, other)
    were served, so a benchmark can follow the crawl's progress.
    """

    def __init__(
        self,
        pages: int,
        links_per_page: int = 50,
        host: str = "127.0.0.1",
        port: int = 0,
        storm: bool = False,
    ) -> None:
        if pages < 1:
            raise ValueError(f"pages must be at least 1, not {pages}")
        if links_per_page < 1:
            raise ValueError(f"links_per_page must be at least 1, not {links_per_page}")
        self.pages = pages
        self.links_per_page = links_per_page
        self.listing_pages = -(-pages // links_per_page)
        self.storm = storm
        self._pool = [_sentence(random.Random(9_000_000 + k)) for k in range(STORM_POOL)] if storm else []
        self._rendered: dict[int, bytes] = {}
        # When the first and the last article request were served (perf_counter), for rates.
        self.first_article_at: float | None = None
        self.last_article_at: float | None = None
        self.counts: dict[str, int] = {
            "robots": 0,
            "feed": 0,
            "sitemap": 0,
            "listing": 0,
            "article": 0,
            "other": 0,
        }
        self.bytes_served = 0
        self._lock = threading.Lock()
        self._server = _Server((host, port), self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="synthetic-site", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SyntheticSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SyntheticSite:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- pages -------------------------------------------------------------------------

    def prerender(self) -> None:
        """Render every article now and serve the stored bytes from then on."""
        for article_id in range(self.pages):
            self._rendered[article_id] = self.article_html(article_id).encode("utf-8")

    def article_bytes(self, article_id: int) -> bytes:
        cached = self._rendered.get(article_id)
        return cached if cached is not None else self.article_html(article_id).encode("utf-8")

    def article_path(self, article_id: int) -> str:
        return f"/bai-viet/{_slug(_title(article_id))}-post{article_id}.html"

    def article_html(self, article_id: int) -> str:
        """Article ``id``'s page, the same bytes on every call: 30-60 kB of HTML of which the
        article text is 3-9 thousand characters (what a news article holds); the rest is page
        furniture, as on real sites: menus, inline script and style, "most read" teasers."""
        rng = random.Random(article_id)
        target = 30_000 + rng.randrange(30_000)
        text_chars = 3_000 + rng.randrange(6_000)
        title = _title(article_id)
        when = published(article_id).astimezone(VN_TZ)
        lead = " ".join(_sentence(rng) for _ in range(2))
        related = "".join(
            f'<li><a href="{self.article_path(r)}">{escape(_title(r))}</a></li>'
            for r in (rng.randrange(self.pages) for _ in range(8))
        )
        paragraphs: list[str] = []
        chars = 0
        while chars < text_chars:
            if self.storm:
                paragraph = " ".join(rng.choice(self._pool) for _ in range(rng.randint(3, 6)))
            else:
                paragraph = " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
            paragraphs.append(f"<p>{paragraph}</p>")
            chars += len(paragraph)
        head = (
            f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{escape(title)} - Báo Mẫu</title>'
            f'<meta property="og:title" content="{escape(title)}">'
            f'<meta property="article:published_time" content="{when.isoformat()}">'
            f'<link rel="canonical" href="{self.url}{self.article_path(article_id)}">'
            f"<style>{_STYLE}</style><script>{_SCRIPT}</script></head><body>"
            + _nav()
            + '<main><div class="breadcrumb"><a href="/">Trang chủ</a> › <a href="/tin-moi?trang=1">Tin mới</a></div>'
            f'<article class="detail"><h1 class="title">{escape(title)}</h1>'
            f'<div class="meta"><span class="date">{when:%d/%m/%Y %H:%M}</span> '
            f'<span class="author">Phóng viên {article_id % 97}</span></div>'
            f'<p class="sapo"><strong>{escape(lead)}</strong></p><div class="content">'
            + "".join(paragraphs)
            + "</div></article>"
            f'<div class="related"><h3>Tin liên quan</h3><ul>{related}</ul></div></main>'
        )
        footer = _footer()
        # Fill up to the page's size with a sidebar of teasers for other articles.
        teasers: list[str] = []
        size = len(head.encode()) + len(footer.encode())
        while size < target:
            other = rng.randrange(self.pages)
            teaser = (
                f'<div class="teaser c{other % 120}"><a href="{self.article_path(other)}">'
                f'<img src="/anh/{other}.jpg" alt="" width="120" height="80">{escape(_title(other))}</a>'
                f"<p>{_sentence(rng)}</p></div>"
            )
            teasers.append(teaser)
            size += len(teaser.encode())
        return head + '<aside class="most-read"><h3>Đọc nhiều</h3>' + "".join(teasers) + "</aside>" + footer

    def listing_html(self, page: int) -> str:
        """Listing page ``page`` (1-based): links to articles newest first, and a pager."""
        first = (page - 1) * self.links_per_page
        ids = range(first, min(first + self.links_per_page, self.pages))
        items = "".join(
            f'<li class="item"><a href="{self.article_path(i)}">{escape(_title(i))}</a>'
            f' <span class="time">{published(i).astimezone(VN_TZ):%d/%m/%Y}</span></li>'
            for i in ids
        )
        pager = []
        if page > 1:
            pager.append(f'<a href="/tin-moi?trang={page - 1}">Trang trước</a>')
        for k in range(max(1, page - 2), min(self.listing_pages, page + 2) + 1):
            pager.append(f"<span>{k}</span>" if k == page else f'<a href="/tin-moi?trang={k}">{k}</a>')
        head_next = ""
        if page < self.listing_pages:
            pager.append(f'<a href="/tin-moi?trang={page + 1}" rel="next">Trang sau</a>')
            head_next = f'<link rel="next" href="/tin-moi?trang={page + 1}">'
        return (
            f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Tin mới - trang {page}</title>'
            f"{head_next}<style>{_STYLE}</style></head><body>{_nav()}"
            f'<main><h1>Tin mới</h1><ul class="news-list">{items}</ul>'
            f'<div class="pagination">{"".join(pager)}</div></main>{_footer()}</body></html>'
        )

    def feed_xml(self) -> str:
        items = "".join(
            f"<item><title>{escape(_title(i))}</title><link>{self.url}{self.article_path(i)}</link>"
            f"<pubDate>{published(i):%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
            for i in range(min(50, self.pages))
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo Mẫu - Tin mới</title>'
            f"<link>{self.url}/</link><description>Tin mới</description>{items}</channel></rss>"
        )

    def sitemap_xml(self) -> str:
        entries = "".join(
            f"<url><loc>{self.url}{self.article_path(i)}</loc>"
            f"<lastmod>{published(i):%Y-%m-%dT%H:%M:%S+00:00}</lastmod></url>"
            for i in range(self.pages)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
        )

    def render(self, target: str) -> tuple[int, str, str | bytes, str]:
        """(status, content type, body, kind) for a request target (path and query)."""
        parts = urlsplit(target)
        if parts.path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n", "robots"
        if parts.path == "/rss.xml":
            return 200, "application/rss+xml; charset=utf-8", self.feed_xml(), "feed"
        if parts.path == "/sitemap.xml":
            return 200, "application/xml; charset=utf-8", self.sitemap_xml(), "sitemap"
        if parts.path == "/tin-moi":
            value = parse_qs(parts.query).get("trang", ["1"])[0]
            if value.isdigit() and 1 <= int(value) <= self.listing_pages:
                return 200, "text/html; charset=utf-8", self.listing_html(int(value)), "listing"
        match = _ARTICLE_RE.match(parts.path)
        if (
            match
            and int(match.group(1)) < self.pages
            and parts.path == self.article_path(int(match.group(1)))
        ):
            return 200, "text/html; charset=utf-8", self.article_bytes(int(match.group(1))), "article"
        return 404, "text/plain", "not found\n", "other"

    def _count(self, kind: str, size: int) -> None:
        with self._lock:
            self.counts[kind] += 1
            self.bytes_served += size
            if kind == "article":
                now = time.perf_counter()
                self.first_article_at = self.first_article_at or now
                self.last_article_at = now


def _nav() -> str:
    menu = "".join(f'<li class="c{i}"><a href="/chuyen-muc/{i}">{m}</a></li>' for i, m in enumerate(_MENU))
    sub = "".join(f'<li><a href="/chuyen-muc/{i}/{j}">Mục {j}</a></li>' for i in range(8) for j in range(6))
    return (
        f'<header class="site-header"><div class="logo"><a href="/">Báo Mẫu</a></div>'
        f'<nav class="menu"><ul>{menu}</ul><ul class="sub">{sub}</ul></nav>'
        '<form class="search" action="/tim-kiem"><input name="q" placeholder="Tìm kiếm"></form></header>'
    )


def _footer() -> str:
    links = "".join(f'<a href="/chuyen-muc/{i}">{m}</a> | ' for i, m in enumerate(_MENU))
    return (
        f'<footer class="site-footer"><div class="links">{links}</div>'
        "<p>Cơ quan chủ quản: Báo Mẫu. Giấy phép số 123/GP-BTTTT. Tổng biên tập: Nguyễn Văn A.</p>"
        "<p>Địa chỉ: 1 Đường Mẫu, Quận Mẫu, Hà Nội. Điện thoại: 024 0000 0000. Email: toasoan@example.org</p>"
        "<p>© Bản quyền thuộc về Báo Mẫu. Ghi rõ nguồn khi phát hành lại thông tin từ website này.</p>"
        "</footer></body></html>"
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], site: SyntheticSite) -> None:
        self.site = site
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        status, ctype, text, kind = self.server.site.render(self.path)
        body = text if isinstance(text, bytes) else text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.site._count(kind, len(body))


if __name__ == "__main__":  # python bench/synthetic_site.py 1000: serve it to look at
    import sys

    with SyntheticSite(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, port=8480) as site:
        print(f"serving {site.pages} articles at {site.url}/tin-moi?trang=1 (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
