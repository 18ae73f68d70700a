"""A provincial newspaper on Joomla 3 (non-SEF URLs), in the shape of several provincial
papers and old DoIC sites.

Everything is ``/index.php?option=...``: the category blog pages with ``&limitstart=N``,
articles as ``view=article&id=<id>:<slug>``. Joomla resolves an article by its numeric
id alone and ignores the slug and parameter order, as here. The category feed
(``format=feed&type=rss``) holds only the newest ten items with UTC ``pubDate``s;
older articles are reachable from the listing only. Article pages carry
"Email / In / PDF" icons (print and e-mail links are further URLs of the same text),
"Những tin mới hơn / Những tin cũ hơn" blocks and the paper's footer.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime

from newsmon.sample_sites.articles import Article, Figure, load_site
from newsmon.sample_sites.render.common import (
    Request,
    Response,
    esc,
    html_page,
    image,
    plain,
    rfc822,
    today,
    weekday,
    xml_doc,
)

SITE = "travinh"
CAT_ID = 12
ITEMID = 101
PER_PAGE = 5
FEED_LIMIT = 10
CATEGORY = "Tin tức - Sự kiện"
CATEGORY_URL = f"/index.php?option=com_content&view=category&id={CAT_ID}&Itemid={ITEMID}"
FEED_URL = f"/index.php?option=com_content&view=category&id={CAT_ID}&format=feed&type=rss"
ABOUT_URL = "/index.php?option=com_content&view=article&id=5:gioi-thieu&catid=2&Itemid=102"
HEADERS = [
    ("X-Powered-By", "PHP/7.4.33"),
    ("Expires", "Wed, 17 Aug 2005 00:00:00 GMT"),
    ("Cache-Control", "no-store, no-cache, must-revalidate, post-check=0, pre-check=0"),
    ("Pragma", "no-cache"),
    ("Set-Cookie", "3f9c2e1b7d0a5c48e6f1b2a9d3c7e5f1=k2v9q8s1m4n6b3c5x7z0; path=/; HttpOnly"),
]
NOISE = ("Email", "Những tin mới hơn", "Những tin cũ hơn", "Lượt xem:", "Giấy phép số 77/GP-BTTTT")
_ID_RE = re.compile(r"[?&]id=(\d+)")
ROBOTS = """# If the Joomla site is installed within a folder
# eg www.example.com/joomla/ then the robots.txt file
# MUST be moved to the site root
User-agent: *
Disallow: /administrator/
Disallow: /bin/
Disallow: /cache/
Disallow: /cli/
Disallow: /components/
Disallow: /includes/
Disallow: /installation/
Disallow: /language/
Disallow: /layouts/
Disallow: /libraries/
Disallow: /logs/
Disallow: /modules/
Disallow: /plugins/
Disallow: /tmp/
"""


def article_id(a: Article) -> int:
    match = _ID_RE.search(a.path)
    assert match, a.path
    return int(match.group(1))


def _visible_date(dt: datetime) -> str:
    """ "Thứ Năm, 11/1/2024 18:30'(GMT+7)": no zero padding, a stray apostrophe."""
    return f"{weekday(dt)}, {dt.day}/{dt.month}/{dt.year} {dt:%H:%M}'(GMT+7)"


def _page(title: str, main: str, extra_head: str = "") -> str:
    now = today()
    latest = "".join(f'<li><a href="{esc(a.path)}">{esc(a.title)}</a></li>' for a in load_site(SITE)[:6])
    return f"""<!DOCTYPE html>
<html lang="vi-vn" dir="ltr">
<head>
	<meta name="viewport" content="width=device-width, initial-scale=1.0" />
	<meta charset="utf-8" />
	<meta name="generator" content="Joomla! - Open Source Content Management" />
	<title>{esc(title)}</title>
	<!-- newsmon sample site: an offline copy in the shape of a Joomla provincial paper, with our own text -->
	<link href="{esc(CATEGORY_URL + "&format=feed&type=rss")}" rel="alternate" type="application/rss+xml" title="RSS 2.0" />
	<link href="/templates/baotv/css/template.css" rel="stylesheet" />
{extra_head}
</head>
<body class="site com_content">
<div class="body"><div class="container">
 <header class="header" role="banner">
  <div class="header-inner clearfix">
   <a class="brand pull-left" href="/"><img src="/images/logo-baotv.png" alt="Báo Trà Vinh điện tử" /></a>
   <div class="header-date">Hôm nay: {weekday(now)}, {now:%d/%m/%Y}</div>
  </div>
 </header>
 <nav class="navigation" role="navigation"><ul class="nav menu nav-pills">
  <li class="item-100"><a href="/index.php">Trang chủ</a></li>
  <li class="item-101"><a href="{esc(CATEGORY_URL)}">{CATEGORY}</a></li>
  <li class="item-102"><a href="{esc(ABOUT_URL)}">Giới thiệu</a></li>
  <li class="item-103"><a href="/index.php?option=com_contact&amp;view=contact&amp;id=1&amp;Itemid=103">Liên hệ</a></li>
 </ul></nav>
 <div class="row-fluid">
  <main id="content" role="main" class="span9">
{main}
  </main>
  <div id="aside" class="span3">
   <div class="moduletable"><h3>Tin mới</h3><ul class="latestnews">{latest}</ul></div>
   <div class="moduletable"><h3>Thống kê</h3><p>Đang truy cập: 12</p><p>Tổng lượt truy cập: 3.412.908</p></div>
  </div>
 </div>
</div></div>
<footer class="footer" role="contentinfo"><div class="container">
 <p><strong>BÁO TRÀ VINH ĐIỆN TỬ</strong> - Cơ quan chủ quản: Tỉnh ủy Trà Vinh</p>
 <p>Giấy phép số 77/GP-BTTTT do Bộ Thông tin và Truyền thông cấp ngày 12/3/2020</p>
 <p>Tổng Biên tập: Thạch Văn Sang - Phó Tổng Biên tập: Nguyễn Thị Bích Vân</p>
 <p>Địa chỉ: Số 8, đường Lê Lợi, phường 1, thành phố Trà Vinh - Điện thoại: (0294) 3862 517</p>
 <p>Ghi rõ nguồn "Báo Trà Vinh" khi phát hành lại thông tin từ website này.</p>
</div></footer>
</body>
</html>
"""


def _html(text: str, status: int = 200) -> Response:
    return html_page(text, status, HEADERS)


def _figure(fig: Figure) -> str:
    return (
        f'<p style="text-align: center;"><img src="/images/{esc(fig.image)}" alt="{esc(fig.alt or "")}" width="600" /></p>'
        f'<p style="text-align: center;"><em>{esc(fig.caption_text)}</em></p>'
    )


def _blog_item(a: Article) -> str:
    return f"""<div class="item column-1" itemprop="blogPost" itemscope itemtype="https://schema.org/BlogPosting">
 <div class="page-header"><h2 itemprop="name"><a href="{esc(a.path)}" itemprop="url">{esc(a.title)}</a></h2></div>
 <dl class="article-info muted"><dt class="article-info-term">Chi tiết</dt>
  <dd class="published"><span class="icon-calendar" aria-hidden="true"></span>
   <time datetime="{a.published.isoformat()}" itemprop="datePublished">{_visible_date(a.published)}</time></dd></dl>
 <p>{esc(a.sapo or "")}</p>
 <p class="readmore"><a class="btn" href="{esc(a.path)}" itemprop="url"><span class="icon-chevron-right" aria-hidden="true"></span> Chi tiết...</a></p>
</div>"""


def _pagination(start: int, total: int, trap: bool) -> str:
    pages = max(1, -(-total // PER_PAGE))
    current = start // PER_PAGE + 1

    def li(label: str, offset: int | None, title: str = "", active: bool = False) -> str:
        if offset is None or active:
            cls = "active" if active else "disabled"
            return f'<li class="{cls}"><a>{label}</a></li>'
        href = esc(CATEGORY_URL + (f"&limitstart={offset}" if offset else ""))
        return f'<li><a title="{title or label}" href="{href}" class="hasTooltip pagenav">{label}</a></li>'

    more = current < pages or trap
    items = [
        li("Đầu", 0 if current > 1 else None),
        li("Trước", (current - 2) * PER_PAGE if current > 1 else None),
        *(li(str(n), (n - 1) * PER_PAGE, active=n == current) for n in range(1, pages + 1)),
        li("Trang sau", current * PER_PAGE if more else None),
        li("Cuối", max(pages - 1, current) * PER_PAGE if more else None),
    ]
    return (
        f'<div class="pagination"><p class="counter pull-right">Trang {current} / {pages}</p>'
        f'<ul class="pagination pagination-list">{"".join(items)}</ul></div>'
    )


def category(req: Request) -> Response:
    items = list(load_site(SITE))
    start = max(0, req.int_param("limitstart", req.int_param("start", 0)))
    shown = items[start : start + PER_PAGE]
    leading = f'<div class="items-leading clearfix">{_blog_item(shown[0])}</div>' if shown else ""
    rows = "".join(
        f'<div class="items-row cols-1 row-fluid clearfix"><div class="span12">{_blog_item(a)}</div></div>'
        for a in shown[1:]
    )
    main = f"""<div class="blog" itemscope itemtype="https://schema.org/Blog">
 <div class="page-header"><h1>{CATEGORY}</h1></div>
 {leading}
 {rows}
 {_pagination(start, len(items), req.trap)}
</div>"""
    return _html(_page(f"{CATEGORY} - Báo Trà Vinh", main))


def _icons(a: Article) -> str:
    print_url = f"{a.path}&tmpl=component&print=1&layout=default"
    mail = base64.b64encode(a.path.encode()).decode()
    return f"""<div class="icons"><ul class="actions">
  <li class="email-icon"><a href="/index.php?option=com_mailto&amp;tmpl=component&amp;link={mail}" title="Email" rel="nofollow">Email</a></li>
  <li class="print-icon"><a href="{esc(print_url)}" title="In" rel="nofollow">In</a></li>
  <li class="pdf-icon"><a href="{esc(a.path + "&format=pdf")}" title="PDF" rel="nofollow">PDF</a></li>
 </ul></div>"""


def _article_body(a: Article) -> str:
    parts = [f"<p><strong>{esc(a.sapo)}</strong></p>"] if a.sapo else []
    parts += [_figure(f) for f in a.figures_after(0)]
    for i, block in enumerate(a.blocks, start=1):
        if block.startswith("## "):
            parts.append(f"<h3>{esc(block[3:])}</h3>")
        else:
            parts.append(f'<p style="text-align: justify;">{esc(block)}</p>')
        parts.extend(_figure(f) for f in a.figures_after(i))
    for line in (a.author, a.attribution):
        if line:
            parts.append(f'<p style="text-align: right;"><strong>{esc(line)}</strong></p>')
    return "\n".join(parts)


def _link_items(xs: list[Article]) -> str:
    return "".join(
        f'<li><a href="{esc(x.path)}">{esc(x.title)}</a> <span class="small">({x.published:%d/%m/%Y})</span></li>'
        for x in xs
    )


def _neighbours(a: Article) -> str:
    """Previous/next links and the "Những tin mới hơn / cũ hơn" lists under an article."""
    items = list(load_site(SITE))
    index = items.index(a)
    newer, older = items[max(0, index - 5) : index], items[index + 1 : index + 6]
    pagenav = ""
    if newer:
        x = newer[-1]
        pagenav += f'<li class="previous"><a class="hasTooltip" title="{esc(x.title)}" href="{esc(x.path)}" rel="prev">&lt; Trước</a></li>'
    if older:
        x = older[0]
        pagenav += f'<li class="next"><a class="hasTooltip" title="{esc(x.title)}" href="{esc(x.path)}" rel="next">Tiếp &gt;</a></li>'
    more = ""
    if newer:
        more += f'<h3 class="more-title">Những tin mới hơn</h3><ul class="newsfeed-more">{_link_items(newer)}</ul>'
    if older:
        more += (
            f'<h3 class="more-title">Những tin cũ hơn</h3><ul class="newsfeed-more">{_link_items(older)}</ul>'
        )
    return f'<ul class="pager pagenav">{pagenav}</ul>\n<div class="items-more">{more}</div>'


def article_page(req: Request, a: Article, printable: bool = False) -> Response:
    """The article; ``printable`` is the bare ``tmpl=component&print=1`` version."""
    head = f'<link href="{esc(req.base + a.path)}" rel="canonical" />'
    body = f"""<div class="item-page" itemscope itemtype="https://schema.org/Article">
 <meta itemprop="inLanguage" content="vi-VN" />
 <div class="page-header"><h2 itemprop="headline">{esc(a.title)}</h2></div>
 {"" if printable else _icons(a)}
 <dl class="article-info muted"><dt class="article-info-term">Chi tiết</dt>
  <dd class="published"><span class="icon-calendar" aria-hidden="true"></span>
   <time datetime="{a.published.isoformat()}" itemprop="datePublished">{_visible_date(a.published)}</time></dd>
  <dd class="hits"><span class="icon-eye-open" aria-hidden="true"></span> Lượt xem: {1000 + article_id(a) % 997}</dd></dl>
 <div itemprop="articleBody">
{_article_body(a)}
 </div>
</div>"""
    if printable:
        return _html(
            f'<!DOCTYPE html><html lang="vi-vn"><head><meta charset="utf-8" /><title>{esc(a.title)}</title>{head}'
            f'</head><body class="contentpane">{body}</body></html>'
        )
    return _html(_page(f"{a.title} - Báo Trà Vinh", f"{body}\n{_neighbours(a)}", head))


def feed(req: Request) -> Response:
    items = list(load_site(SITE))[:FEED_LIMIT]
    entries = "".join(
        f"""
		<item>
			<title>{esc(a.title)}</title>
			<link>{esc(req.base + a.path)}</link>
			<guid isPermaLink="true">{esc(req.base + a.path)}</guid>
			<description><![CDATA[<p>{a.sapo or ""}</p>]]></description>
			<author>toasoan@example.invalid ({esc(a.author or a.attribution or "Báo Trà Vinh")})</author>
			<category>{CATEGORY}</category>
			<pubDate>{rfc822(a.published, utc=True)}</pubDate>
		</item>"""
        for a in items
    )
    text = f"""<?xml version="1.0" encoding="utf-8"?>
<!-- generator="Joomla! - Open Source Content Management" -->
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
	<channel>
		<title>{CATEGORY}</title>
		<description><![CDATA[Báo Trà Vinh điện tử]]></description>
		<link>{esc(req.base + CATEGORY_URL)}</link>
		<lastBuildDate>{rfc822(today(), utc=True)}</lastBuildDate>
		<generator>Joomla! - Open Source Content Management</generator>
		<atom:link rel="self" type="application/rss+xml" href="{esc(req.base + FEED_URL)}"/>
		<language>vi-vn</language>{entries}
	</channel>
</rss>
"""
    return xml_doc(text, "application/rss+xml; charset=utf-8")


def home(req: Request) -> Response:
    items = list(load_site(SITE))[:5]
    main = (
        '<div class="blog-featured" itemscope itemtype="https://schema.org/Blog">'
        + "".join(_blog_item(a) for a in items)
        + f'<p class="more"><a href="{esc(CATEGORY_URL)}">Xem thêm tin tức</a></p></div>'
    )
    return _html(_page("Báo Trà Vinh điện tử", main))


def error_page(message: str, status: int = 404) -> Response:
    main = f'<div class="error"><h1>{status} - {esc(message)}</h1><p>Bạn có thể quay lại <a href="/index.php">Trang chủ</a>.</p></div>'
    return _html(_page(f"{status} - Lỗi", main), status)


def handle(req: Request) -> Response:
    path = req.path
    if path == "/robots.txt":
        return plain(ROBOTS)
    if path.startswith(("/images/", "/templates/")):
        return image(req) if path.endswith((".jpg", ".png")) else Response(200, b"", "text/css")
    if path not in ("/", "/index.php"):
        return error_page("Không tìm thấy trang")
    q = req.query
    option, view = q.get("option"), q.get("view")
    if option is None:
        return home(req)
    if option == "com_content" and view == "category":
        if q.get("id") != str(CAT_ID):
            return error_page("Không tìm thấy danh mục")
        return feed(req) if q.get("format") == "feed" else category(req)
    if option == "com_content" and view == "article":
        wanted = req.int_param("id", -1, query={"id": q.get("id", "").split(":", 1)[0]})
        if wanted == 5:
            main = '<div class="item-page"><div class="page-header"><h2>Giới thiệu</h2></div><p>Báo Trà Vinh là cơ quan ngôn luận của Đảng bộ tỉnh Trà Vinh.</p></div>'
            return _html(_page("Giới thiệu - Báo Trà Vinh", main))
        article = next((a for a in load_site(SITE) if article_id(a) == wanted), None)
        if article is None or q.get("format") == "pdf":
            return error_page("Không tìm thấy bài viết")
        return article_page(req, article, printable=q.get("print") == "1")
    if option in ("com_mailto", "com_contact"):
        main = '<form class="form-validate" method="post"><label>Email người nhận</label><input type="email" name="mailto" /><button type="submit">Gửi</button></form>'
        return _html(_page("Liên hệ - Báo Trà Vinh", main))
    return error_page("Không tìm thấy trang")
