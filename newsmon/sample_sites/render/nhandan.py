"""A national news site in the nhandan.vn / vietnamplus.vn shape.

What a crawler meets on the real thing: RSS per category, a sitemap index pointing to
monthly news sitemaps and a Google News sitemap, ``/<slug>-post<id>.html`` articles with
JSON-LD and ``article:published_time``, a sapo with the "NDO - " prefix in its own
element, an audio player, photos whose ``alt`` repeats the title plus "ảnh N", a
"TIN LIÊN QUAN" block, a comment box and a long footer. The English edition lives
under ``/en/`` with its own feed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime

from newsmon.sample_sites.articles import Article, Figure, load_site
from newsmon.sample_sites.render.common import (
    Request,
    Response,
    esc,
    html_page,
    image,
    json_ld,
    plain,
    rfc822,
    today,
    weekday,
    xml_doc,
)

SITE = "nhandan"
PREFIX = "NDO - "
PER_PAGE = 8
GOOGLE_NEWS_MAX = 10
CATEGORIES = {
    "vi": {
        "chinhtri": "Chính trị",
        "kinhte": "Kinh tế",
        "xahoi": "Xã hội",
        "vanhoa": "Văn hóa",
        "y-te": "Y tế",
        "khoahoc-congnghe": "Khoa học - Công nghệ",
        "thethao": "Thể thao",
        "binh-luan": "Bình luận - Phê phán",
        "thegioi": "Thế giới",
    },
    "en": {"politics": "Politics", "business": "Business", "culture": "Culture", "society": "Society"},
}
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Visible page text outside the article body; an extractor must drop all of it.
NOISE = (
    "0:00 / 0:00",
    "TIN LIÊN QUAN",
    "Vui lòng nhập nội dung bình luận.",
    "Theo dõi Báo Nhân Dân trên",
    "Giấy phép số 218/GP-BTTTT",
)
STYLE = "body{font-family:Arial,sans-serif;margin:0}.container{max-width:1100px;margin:auto}"


def _articles(lang: str | None = None) -> list[Article]:
    return [a for a in load_site(SITE) if lang is None or a.language == lang]


def _cat_path(lang: str, cat: str) -> str:
    return f"/{cat}/" if lang == "vi" else f"/en/{cat}/"


def _visible_date(dt: datetime, lang: str) -> str:
    if lang == "en":
        return f"{MONTHS_EN[dt.month - 1]} {dt.day:02d}, {dt.year} | {dt:%H:%M}"
    return f"{weekday(dt)}, {dt:%d-%m-%Y, %H:%M}"


def _header(lang: str) -> str:
    now = today()
    if lang == "en":
        date = f"{now:%A}, {MONTHS_EN[now.month - 1]} {now.day:02d}, {now.year}"
        home, other, other_label = "/en/", "/", "Tiếng Việt"
    else:
        date = f"{weekday(now)}, ngày {now:%d/%m/%Y}"
        home, other, other_label = "/", "/en/", "English"
    menu = "".join(
        f'<li class="menu__item"><a href="{_cat_path(lang, key)}">{esc(name)}</a></li>'
        for key, name in CATEGORIES[lang].items()
    )
    search = (
        ""
        if lang == "en"
        else (
            '<form class="header__search" action="/search" method="get">'
            '<input type="text" name="q" placeholder="Tìm kiếm"><button type="submit">Tìm</button></form>'
        )
    )
    return f"""<header class="header">
 <div class="header__top container">
  <span class="header__date">{date}</span>
  <ul class="header__langs"><li><a href="{other}">{other_label}</a></li><li><a href="#">Français</a></li>
  <li><a href="#">中文</a></li><li><a href="#">Русский</a></li><li><a href="#">Español</a></li></ul>
  <a class="header__login" href="#">Đăng nhập</a>
 </div>
 <div class="header__logo container"><a href="{home}"><img src="/static/logo.png" alt="Báo Nhân Dân"></a>
 {search}</div>
 <nav class="menu container"><ul><li class="menu__item"><a href="{home}">{"Home" if lang == "en" else "Trang chủ"}</a></li>{menu}</ul></nav>
</header>"""


def _footer(lang: str) -> str:
    if lang == "en":
        return """<footer class="footer"><div class="container">
 <p class="footer__name">NHAN DAN ONLINE - THE VOICE OF THE PARTY, STATE AND PEOPLE OF VIETNAM</p>
 <p>Editor-in-chief: Tran Minh Khang</p>
 <p>Licence No. 218/GP-BTTTT issued by the Ministry of Information and Communications</p>
 <p>Address: 71 Hang Trong, Hoan Kiem, Ha Noi. Tel: (024) 3825 4231</p>
 <p>Copyright © Nhan Dan. All rights reserved.</p></div></footer>"""
    return """<footer class="footer"><div class="container">
 <p class="footer__name">BÁO NHÂN DÂN - CƠ QUAN TRUNG ƯƠNG CỦA ĐẢNG CỘNG SẢN VIỆT NAM</p>
 <p>Tổng Biên tập: Trần Minh Khang</p>
 <p>Giấy phép số 218/GP-BTTTT do Bộ Thông tin và Truyền thông cấp ngày 04/5/2021</p>
 <p>Tòa soạn: 71 Hàng Trống, quận Hoàn Kiếm, Hà Nội. Điện thoại: (024) 3825 4231 - Email: toasoan@example.invalid</p>
 <p>© Bản quyền thuộc về Báo Nhân Dân. Cấm sao chép dưới mọi hình thức nếu không có sự chấp thuận bằng văn bản.</p>
</div></footer>"""


def _page(lang: str, title: str, head: str, main: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<!-- newsmon sample site: an offline copy in the nhandan.vn shape, with our own text -->
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="stylesheet" href="/static/main.css">
<link rel="alternate" type="application/rss+xml" title="RSS" href="{"/en/rss/home.rss" if lang == "en" else "/rss/home.rss"}">
{head}
</head>
<body>
{_header(lang)}
<main class="main container">
{main}
</main>
{_footer(lang)}
<script>window.dataLayer = window.dataLayer || [];</script>
</body>
</html>
"""


def _figure(a: Article, fig: Figure, number: int) -> str:
    if fig.alt is not None:
        alt = fig.alt
    elif fig.after == 0:
        alt = fig.caption_text  # the lead photo's alt repeats its caption
    else:
        alt = f"{a.title} ảnh {number}"
    return (
        f'<figure class="picture"><img src="/uploads/{esc(fig.image)}" alt="{esc(alt)}" '
        f'class="cms-photo" width="800" height="533">'
        f'<figcaption class="caption">{esc(fig.caption_text)}</figcaption></figure>'
    )


def _body(a: Article) -> str:
    """Paragraphs with the photos between them; body photos are numbered "ảnh 1", "ảnh 2"..."""
    numbers = {id(f): n for n, f in enumerate((f for f in a.figures if f.after > 0), start=1)}
    parts = [_figure(a, f, 0) for f in a.figures_after(0)]
    for i, block in enumerate(a.blocks, start=1):
        parts.append(f"<h2>{esc(block[3:])}</h2>" if block.startswith("## ") else f"<p>{esc(block)}</p>")
        parts.extend(_figure(a, f, numbers[id(f)]) for f in a.figures_after(i))
    return "\n".join(parts)


def _link_list(items: list[Article], cls: str = "story") -> str:
    return "".join(
        f'<article class="{cls}"><h3 class="{cls}__heading"><a href="{esc(x.path)}">{esc(x.title)}</a></h3>'
        f'<div class="{cls}__summary">{esc(x.sapo or "")}</div></article>'
        for x in items
    )


def _related(a: Article) -> list[Article]:
    same = [x for x in _articles(a.language) if x.path != a.path]
    same.sort(key=lambda x: (x.category != a.category, abs((x.published - a.published).days)))
    return same[:3]


def _json_ld(req: Request, a: Article) -> str:
    return json_ld(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": req.base + a.path},
            "headline": a.title,
            "description": a.sapo or "",
            "image": [req.base + "/uploads/" + f.image for f in a.figures[:1]],
            "datePublished": a.published.isoformat(),
            "dateModified": a.published.isoformat(),
            "author": {"@type": "Person", "name": a.author or "Nhân Dân"},
            "publisher": {
                "@type": "Organization",
                "name": "Báo Nhân Dân",
                "logo": {"@type": "ImageObject", "url": req.base + "/static/logo.png"},
            },
            "inLanguage": a.language,
        }
    )


def article_page(req: Request, a: Article) -> Response:
    en = a.language == "en"
    cat_name = CATEGORIES[a.language].get(a.category, a.category)
    head = f"""<meta name="description" content="{esc(a.sapo or "")}">
<link rel="canonical" href="{esc(req.base + a.path)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(a.title)}">
<meta property="og:url" content="{esc(req.base + a.path)}">
<meta property="og:image" content="{esc(req.base + "/uploads/" + (a.figures[0].image if a.figures else "logo.jpg"))}">
<meta property="article:published_time" content="{a.published.isoformat()}">
<meta property="article:section" content="{esc(cat_name)}">
{_json_ld(req, a)}"""
    audio = (
        f'<div class="audio-player" data-src="/uploads/audio/{a.id}.mp3">'
        '<audio preload="none">Your browser does not support the audio element.</audio>'
        '<button class="audio-player__play" type="button" aria-label="Play"></button>'
        '<span class="audio-player__time">0:00 / 0:00</span><span class="audio-player__duration">0:00</span>'
        "</div>"
    )
    related_title = "RELATED NEWS" if en else "TIN LIÊN QUAN"
    comment = (
        '<section class="comment-box"><h3 class="box-heading">Comments</h3><form class="comment-form" '
        'action="/api/comment" method="post"><textarea name="content"></textarea>'
        '<p class="comment-form__error">Please enter your comment.</p>'
        '<button type="submit">Send</button></form></section>'
        if en
        else '<section class="comment-box"><h3 class="box-heading">Bình luận</h3>'
        '<form class="comment-form" action="/api/comment" method="post">'
        '<textarea name="content" placeholder="Ý kiến của bạn"></textarea>'
        '<p class="comment-form__error">Vui lòng nhập nội dung bình luận.</p>'
        '<input type="text" name="name" placeholder="Họ và tên"><input type="email" name="email" placeholder="Email">'
        '<button type="submit">Gửi bình luận</button></form></section>'
    )
    follow = (
        ""
        if en
        else ('<div class="article__follow">Theo dõi Báo Nhân Dân trên <a href="#">Google News</a></div>')
    )
    latest = [x for x in _articles(a.language) if x.path != a.path][:5]
    main = f"""<div class="breadcrumb"><a href="{"/en/" if en else "/"}">{"Home" if en else "Trang chủ"}</a> /
 <a href="{_cat_path(a.language, a.category)}">{esc(cat_name)}</a></div>
<article class="article">
 <h1 class="article__title cms-title">{esc(a.title)}</h1>
 <div class="article__meta"><span class="article__author">{esc(a.author or "")}</span>
  <time class="time" datetime="{a.published.isoformat()}">{_visible_date(a.published, a.language)}</time></div>
 <div class="article__sapo cms-desc">{esc(PREFIX + (a.sapo or ""))}</div>
 {audio}
 <div class="article__body zce-content-body cms-body">
{_body(a)}
 </div>
 {follow}
 <div class="article__social"><a href="#" class="share">{"Share" if en else "Chia sẻ"}</a></div>
</article>
<section class="box-related"><h3 class="box-related__heading">{related_title}</h3>{_link_list(_related(a), "related")}</section>
{comment}
<section class="box-latest"><h3 class="box-heading">{"Latest" if en else "Xem thêm"}</h3>{_link_list(latest, "latest")}</section>"""
    return html_page(
        _page(a.language, f"{a.title} | {'Nhan Dan Online' if en else 'Báo Nhân Dân điện tử'}", head, main)
    )


def home_page(req: Request, lang: str) -> Response:
    items = _articles(lang)
    blocks = []
    for key, name in CATEGORIES[lang].items():
        in_cat = [a for a in items if a.category == key][:3]
        if in_cat:
            blocks.append(
                f'<section class="box-category"><h2 class="box-heading"><a href="{_cat_path(lang, key)}">'
                f"{esc(name)}</a></h2>{_link_list(in_cat)}</section>"
            )
    top = items[:1]
    main = (
        f'<section class="box-top">{_link_list(top, "top-story")}</section>'
        f'<section class="box-latest"><h2 class="box-heading">{"Latest" if lang == "en" else "Tin mới"}</h2>'
        f"{_link_list(items[1:12])}</section>" + "".join(blocks)
    )
    title = (
        "Nhan Dan Online"
        if lang == "en"
        else "Báo Nhân Dân điện tử - Cơ quan Trung ương của Đảng Cộng sản Việt Nam"
    )
    return html_page(_page(lang, title, "", main))


def category_page(req: Request, lang: str, cat: str) -> Response:
    items = [a for a in _articles(lang) if a.category == cat]
    pages = max(1, -(-len(items) // PER_PAGE))
    page = max(1, req.int_param("page", 1))
    shown = items[(page - 1) * PER_PAGE : page * PER_PAGE]
    more = ""
    if page < pages or req.trap:
        more = f'<a class="pagination__next" href="{_cat_path(lang, cat)}?page={page + 1}">Xem thêm</a>'
    empty = "" if shown else '<p class="empty">Chưa có bài viết.</p>'
    name = CATEGORIES[lang][cat]
    main = f'<h1 class="category__title">{esc(name)}</h1><section class="timeline">{_link_list(shown)}{empty}</section>{more}'
    return html_page(_page(lang, f"{name} | Báo Nhân Dân", "", main))


def search_page(req: Request) -> Response:
    q = req.query.get("q", "").strip().lower()
    hits = [a for a in _articles() if q and q in a.title.lower()]
    main = f'<h1>Kết quả tìm kiếm: {esc(q)}</h1><section class="timeline">{_link_list(hits)}</section>'
    return html_page(_page("vi", "Tìm kiếm | Báo Nhân Dân", '<meta name="robots" content="noindex">', main))


def rss(req: Request, lang: str, cat: str | None) -> Response:
    items = [a for a in _articles(lang) if cat is None or a.category == cat]
    name = "Trang chủ" if cat is None else CATEGORIES[lang][cat]
    self_path = ("/en" if lang == "en" else "") + f"/rss/{cat or 'home'}.rss"
    entries = "".join(
        f"""
  <item>
   <title>{esc(a.title)}</title>
   <link>{esc(req.base + a.path)}</link>
   <guid isPermaLink="true">{esc(req.base + a.path)}</guid>
   <description><![CDATA[<a href="{req.base + a.path}"><img src="{req.base}/uploads/{a.figures[0].image if a.figures else "logo.jpg"}"></a>{a.sapo or ""}]]></description>
   <pubDate>{rfc822(a.published)}</pubDate>
   <category>{esc(CATEGORIES[lang].get(a.category, a.category))}</category>
  </item>"""
        for a in items
    )
    last = rfc822(items[0].published) if items else rfc822(today())
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
 <channel>
  <title>Báo Nhân Dân - {esc(name)}</title>
  <link>{req.base}{"/en/" if lang == "en" else "/"}</link>
  <description>Báo Nhân Dân điện tử - {esc(name)}</description>
  <language>{lang}</language>
  <lastBuildDate>{last}</lastBuildDate>
  <atom:link href="{req.base}{self_path}" rel="self" type="application/rss+xml"/>{entries}
 </channel>
</rss>
"""
    return xml_doc(text, "application/rss+xml; charset=utf-8")


def _months() -> dict[tuple[int, int], list[Article]]:
    months: dict[tuple[int, int], list[Article]] = defaultdict(list)
    for a in _articles():
        months[(a.published.year, a.published.month)].append(a)
    return months


def sitemap_index(req: Request) -> Response:
    entries = [
        (f"/sitemaps/news-{y}-{m}.xml", max(a.published for a in items).isoformat())
        for (y, m), items in sorted(_months().items(), reverse=True)
    ]
    entries.insert(0, ("/sitemaps/google-news.xml", _articles()[0].published.isoformat()))
    body = "".join(
        f"\n <sitemap><loc>{req.base}{loc}</loc><lastmod>{mod}</lastmod></sitemap>" for loc, mod in entries
    )
    return xml_doc(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}\n</sitemapindex>\n'
    )


def month_sitemap(req: Request, year: int, month: int) -> Response | None:
    items = _months().get((year, month))
    if not items:
        return None
    body = "".join(
        f"""
 <url><loc>{esc(req.base + a.path)}</loc><lastmod>{a.published.isoformat()}</lastmod><changefreq>monthly</changefreq>
  <image:image><image:loc>{req.base}/uploads/{esc(a.figures[0].image if a.figures else "logo.jpg")}</image:loc></image:image></url>"""
        for a in items
    )
    return xml_doc(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">{body}\n</urlset>\n'
    )


def google_news_sitemap(req: Request) -> Response:
    body = "".join(
        f"""
 <url><loc>{esc(req.base + a.path)}</loc>
  <news:news><news:publication><news:name>Báo Nhân Dân</news:name><news:language>{a.language}</news:language></news:publication>
   <news:publication_date>{a.published.isoformat()}</news:publication_date><news:title>{esc(a.title)}</news:title></news:news></url>"""
        for a in _articles()[:GOOGLE_NEWS_MAX]
    )
    return xml_doc(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{body}\n</urlset>\n'
    )


def robots(req: Request) -> Response:
    return plain(f"User-agent: *\nDisallow: /search\nDisallow: /api/\n\nSitemap: {req.base}/sitemap.xml\n")


def not_found(lang: str = "vi") -> Response:
    resp = html_page(
        _page(
            lang, "404 - Không tìm thấy trang", "", '<h1 class="error">Không tìm thấy trang bạn yêu cầu</h1>'
        )
    )
    resp.status = 404
    return resp


_MONTH_RE = re.compile(r"^/sitemaps/news-(\d{4})-(\d{1,2})\.xml$")
_CAT_RE = re.compile(r"^/(?:(en)/)?([a-z-]+)/?$")
_RSS_RE = re.compile(r"^/(?:(en)/)?rss/([a-z-]+)\.rss$")


def handle(req: Request) -> Response:
    """Route one request; unknown paths get the site's 404 page."""
    path = req.path
    article = next((a for a in load_site(SITE) if a.path == path), None)
    if article is not None:
        return article_page(req, article)
    simple = {
        "/": lambda: home_page(req, "vi"),
        "/en/": lambda: home_page(req, "en"),
        "/en": lambda: home_page(req, "en"),
        "/robots.txt": lambda: robots(req),
        "/sitemap.xml": lambda: sitemap_index(req),
        "/sitemaps/google-news.xml": lambda: google_news_sitemap(req),
        "/search": lambda: search_page(req),
        "/static/main.css": lambda: Response(200, STYLE.encode(), "text/css"),
    }
    if path in simple:
        return simple[path]()
    if path.startswith(("/uploads/", "/static/")) and path.endswith((".jpg", ".png")):
        return image(req)
    if m := _MONTH_RE.match(path):
        return month_sitemap(req, int(m.group(1)), int(m.group(2))) or not_found()
    if m := _RSS_RE.match(path):
        lang, feed = m.group(1) or "vi", m.group(2)
        if feed == "home":
            return rss(req, lang, None)
        if feed in CATEGORIES[lang]:
            return rss(req, lang, feed)
    if (m := _CAT_RE.match(path)) and m.group(2) in CATEGORIES[m.group(1) or "vi"]:
        return category_page(req, m.group(1) or "vi", m.group(2))
    return not_found("en" if path.startswith("/en/") else "vi")
