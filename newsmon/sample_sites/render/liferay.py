"""A provincial portal on Liferay (the hoabinh.gov.vn shape).

Liferay names every parameter after the portlet instance, so the listing's page links
are long ``?p_p_id=...&_<portlet>_delta=5&_<portlet>_cur=2`` URLs in a search-container
pager (``ul.pagination``). Article links from the listing carry ``inheritRedirect`` and
``redirect`` parameters, while the home page and "Các tin khác" link the bare path, so
one article is reachable under several URLs; the page declares the bare one as
canonical. The sitemap lists only the portal's pages, not its articles, as Liferay's
generated sitemap does. ``_cur`` past the last page shows the last page again.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from urllib.parse import quote

from newsmon.sample_sites.articles import Article, Figure, load_site
from newsmon.sample_sites.render.common import (
    Request,
    Response,
    esc,
    html_page,
    image,
    plain,
    today,
    weekday,
    xml_doc,
)

SITE = "hoabinh"
PORTLET = "com_soft_article_listnew_ListNewByCategoryPortlet_INSTANCE_Xy12"
NS = f"_{PORTLET}_"
LISTING = "/web/guest/tin-tuc"
HOME = "/web/guest/trang-chu"
ARTICLE_PREFIX = "/web/guest/tin-tuc/-/asset_publisher/Xy12/content/"
DELTAS = (5, 10, 20, 30, 50, 75)
HEADERS = [
    (
        "Liferay-Portal",
        "Liferay Community Edition Portal 7.0.4 GA5 (Wilberforce / Build 7004 / October 23, 2017)",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Set-Cookie", "GUEST_LANGUAGE_ID=vi_VN; Path=/; HttpOnly"),
    ("Set-Cookie", "COOKIE_SUPPORT=true; Path=/; HttpOnly"),
]
NOISE = (
    "Vui lòng nhập nội dung bình luận.",
    "Ý kiến bạn đọc",
    "Các tin khác",
    "Thống kê truy cập",
    "CỔNG THÔNG TIN ĐIỆN TỬ TỈNH HÒA BÌNH",
    "Giấy phép số 45/GP-TTĐT",
)
_sessions = itertools.count(0x5A3F10)


def page_url(cur: int, delta: int = 5) -> str:
    return (
        f"{LISTING}?p_p_id={PORTLET}&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
        f"&{NS}delta={delta}&{NS}cur={cur}"
    )


def _listing_link(req: Request, a: Article, cur: int, delta: int) -> str:
    return f"{a.path}?inheritRedirect=false&redirect={quote(req.base + page_url(cur, delta), safe='')}"


def _list_date(dt: datetime) -> str:
    return f"{dt:%d/%m/%Y %H:%M}"


def _dateline(dt: datetime) -> str:
    """ "Thứ tư, ngày 07/08/2024 17:01 PM (GMT+7)": 24-hour clock *and* AM/PM, as printed."""
    return f"{weekday(dt, lower=True)}, ngày {dt:%d/%m/%Y %H:%M} {'PM' if dt.hour >= 12 else 'AM'} (GMT+7)"


def _page(req: Request, title: str, main: str, canonical: str | None = None) -> Response:
    now = today()
    canon = f'<link href="{esc(req.base + canonical)}" rel="canonical" />' if canonical else ""
    session = f"JSESSIONID={next(_sessions):X}A1B2C3D4E5F6; Path=/; HttpOnly"
    menu = (
        f'<li><a href="{HOME}"><span>Trang chủ</span></a></li><li><a href="/web/guest/gioi-thieu"><span>Giới thiệu</span></a></li>'
        f'<li class="selected"><a href="{LISTING}"><span>Tin tức - Sự kiện</span></a></li>'
        '<li><a href="/web/guest/van-ban"><span>Văn bản chỉ đạo điều hành</span></a></li>'
        '<li><a href="/web/guest/tim-kiem"><span>Tìm kiếm</span></a></li>'
    )
    latest = "".join(f'<li><a href="{esc(a.path)}">{esc(a.title)}</a></li>' for a in load_site(SITE)[:4])
    text = f"""<!DOCTYPE html>
<html class="ltr" dir="ltr" lang="vi-VN">
<head>
<title>{esc(title)} - Cổng thông tin điện tử tỉnh Hòa Bình</title>
<meta content="initial-scale=1.0, width=device-width" name="viewport" />
<meta content="text/html; charset=UTF-8" http-equiv="content-type" />
<!-- newsmon sample site: an offline copy in the hoabinh.gov.vn (Liferay) shape, with our own text -->
{canon}
<link href="/o/hoabinh-theme/images/favicon.ico" rel="Shortcut Icon" />
<link class="lfr-css-file" href="/o/hoabinh-theme/css/main.css" rel="stylesheet" type="text/css" />
<script type="text/javascript">var themeDisplay = {{getLanguageId: function() {{ return 'vi_VN'; }}, getScopeGroupId: function() {{ return '20182'; }}}};</script>
</head>
<body class="controls-visible yui3-skin-sam guest-site signed-out public-page site">
<div class="container-fluid" id="wrapper">
 <header id="banner" role="banner">
  <div class="banner-top"><span class="current-date">{weekday(now, lower=True)}, ngày {now:%d/%m/%Y}</span>
   <a class="sign-in" href="/c/portal/login?p_l_id=20189">Đăng nhập</a></div>
  <div class="banner-logo"><a href="{HOME}"><img alt="Cổng thông tin điện tử tỉnh Hòa Bình" src="/o/hoabinh-theme/images/banner.jpg" /></a></div>
  <nav class="sort-pages modify-pages" id="navigation" role="navigation"><ul aria-label="Trang web" role="menubar">{menu}</ul></nav>
 </header>
 <section id="content">
  <div class="columns-2" id="main-content" role="main">
   <div class="portlet-layout row">
    <div class="col-md-8 portlet-column portlet-column-first" id="column-1">
{main}
    </div>
    <div class="col-md-4 portlet-column portlet-column-last" id="column-2">
     <section class="portlet" id="portlet_hot_news"><div class="portlet-content"><h2 class="portlet-title-text">Tin nổi bật</h2><ul class="hot-news">{latest}</ul></div></section>
     <section class="portlet" id="portlet_links"><div class="portlet-content"><h2 class="portlet-title-text">Liên kết website</h2>
      <select><option>Cổng thông tin điện tử Chính phủ</option><option>Báo Hòa Bình</option></select></div></section>
     <section class="portlet" id="portlet_counter"><div class="portlet-content"><h2 class="portlet-title-text">Thống kê truy cập</h2>
      <p>Đang truy cập: 35</p><p>Tổng lượt truy cập: 12.845.301</p></div></section>
    </div>
   </div>
  </div>
 </section>
 <footer id="footer" role="contentinfo">
  <p class="footer-title">CỔNG THÔNG TIN ĐIỆN TỬ TỈNH HÒA BÌNH</p>
  <p>Cơ quan chủ quản: Ủy ban nhân dân tỉnh Hòa Bình</p>
  <p>Giấy phép số 45/GP-TTĐT do Cục Phát thanh, truyền hình và thông tin điện tử cấp ngày 20/3/2019</p>
  <p>Chịu trách nhiệm chính: Ông Bùi Quang Tiến - Chánh Văn phòng UBND tỉnh</p>
  <p>Địa chỉ: Số 1, đường Trần Hưng Đạo, phường Phương Lâm, thành phố Hòa Bình - Điện thoại: 0218.3852.100</p>
  <p>Ghi rõ nguồn "Cổng thông tin điện tử tỉnh Hòa Bình" khi phát hành lại thông tin từ website này.</p>
 </footer>
</div>
<script type="text/javascript">Liferay.Portlet.onLoad({{canEditTitle: false, columnPos: 0, isStatic: 'end', namespacedId: 'p_p_id{NS}', portletId: '{PORTLET}', refreshURL: '/c/portal/render_portlet'}});</script>
</body>
</html>
"""
    return html_page(text, 200, [*HEADERS, ("Set-Cookie", session)])


def _news_list(req: Request, items: list[Article], cur: int, delta: int, from_listing: bool) -> str:
    rows = []
    for a in items:
        href = _listing_link(req, a, cur, delta) if from_listing else a.path
        thumb = a.figures[0].image if a.figures else "no-image.jpg"
        rows.append(
            f"""<div class="news-item row">
 <div class="col-md-4"><a href="{esc(href)}"><img class="img-responsive" src="/documents/20182/0/{esc(thumb)}" alt="" /></a></div>
 <div class="col-md-8"><a class="title" href="{esc(href)}">{esc(a.title)}</a>
  <div class="news-date">{_list_date(a.published)}</div>
  <p class="sapo">{esc(a.sapo or "")}</p></div>
</div>"""
        )
    return '<div class="news-list">' + "\n".join(rows) + "</div>"


def _pager(cur: int, pages: int, delta: int, total: int, trap: bool) -> str:
    def item(label: str, target: int | None, cls: str = "", title: str = "") -> str:
        attr = f' title="{title}"' if title else ""
        href = esc(page_url(target, delta)) if target is not None else "javascript:;"
        return f'<li class="page-item {cls}"><a class="page-link" href="{href}"{attr}>{label}</a></li>'

    links = [item("«", cur - 1 if cur > 1 else None, "" if cur > 1 else "disabled", "Trước")]
    for n in range(1, pages + 1):
        links.append(item(str(n), None, "active") if n == cur else item(str(n), n))
    more = cur < pages or trap
    links.append(item("»", cur + 1 if more else None, "" if more else "disabled", "Sau"))
    first, last = (cur - 1) * delta + 1, min(cur * delta, total)
    per_page = "".join(f'<li><a href="{esc(page_url(1, d))}">{d}</a></li>' for d in DELTAS)
    return f"""<div class="taglib-page-iterator" id="{NS}ocerSearchContainerPageIterator">
 <div class="pagination-bar">
  <div class="dropdown pagination-items-per-page"><a class="dropdown-toggle" href="javascript:;">{delta} mục</a><ul class="dropdown-menu">{per_page}</ul></div>
  <div class="pagination-results">Hiển thị {first} đến {last} trên {total} mục.</div>
  <ul class="pagination">{"".join(links)}</ul>
 </div>
</div>"""


def listing(req: Request) -> Response:
    items = list(load_site(SITE))
    delta = req.int_param(f"{NS}delta", 5)
    delta = delta if delta in DELTAS else 5
    pages = max(1, -(-len(items) // delta))
    cur = min(max(1, req.int_param(f"{NS}cur", 1)), pages)
    shown = items[(cur - 1) * delta : cur * delta]
    main = f"""<section class="portlet" id="portlet_{PORTLET}">
 <div class="portlet-content"><h2 class="portlet-title-text">Tin tức - Sự kiện</h2>
{_news_list(req, shown, cur, delta, True)}
{_pager(cur, pages, delta, len(items), req.trap)}
 </div>
</section>"""
    return _page(req, "Tin tức - Sự kiện", main, LISTING)


def _figure(fig: Figure) -> str:
    return (
        f'<p style="text-align:center"><img alt="{esc(fig.alt or "")}" src="/documents/20182/0/{esc(fig.image)}" /></p>'
        f'<p style="text-align:center"><em>{esc(fig.caption_text)}</em></p>'
    )


def article_page(req: Request, a: Article) -> Response:
    parts = [_figure(f) for f in a.figures_after(0)]
    for i, block in enumerate(a.blocks, start=1):
        if block.startswith("## "):
            parts.append(f"<p><strong>{esc(block[3:])}</strong></p>")
        else:
            parts.append(f'<p style="text-align:justify">{esc(block)}</p>')
        parts.extend(_figure(f) for f in a.figures_after(i))
    others = "".join(
        f'<li><a href="{esc(x.path)}">{esc(x.title)}</a> <span class="news-date">({x.published:%d/%m/%Y})</span></li>'
        for x in load_site(SITE)
        if x.path != a.path
    )
    main = f"""<section class="portlet" id="portlet_com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_Xy12">
 <div class="portlet-content">
  <div class="asset-full-content">
   <h3 class="header-title"><span>{esc(a.title)}</span></h3>
   <div class="news-detail">
    <h1 class="title-news">{esc(a.title)}</h1>
    <div class="news-meta"><span class="author">{esc(a.author or "")}</span>
     <span class="date news-date">{_dateline(a.published)}</span></div>
    <div class="news-sapo"><strong>{esc(a.sapo or "")}</strong></div>
    <div class="journal-content-article">
{chr(10).join(parts)}
    </div>
   </div>
   <div class="comment-area">
    <h4 class="comment-title">Ý kiến bạn đọc</h4>
    <form action="/c/portal/comment" method="post"><textarea class="form-control" name="noiDung" placeholder="Nội dung bình luận"></textarea>
    <div class="alert alert-danger comment-error">Vui lòng nhập nội dung bình luận.</div>
    <input class="form-control" name="hoTen" placeholder="Họ và tên" /><input class="form-control" name="email" placeholder="Email" />
    <button class="btn btn-primary" type="submit">Gửi bình luận</button></form>
   </div>
   <div class="other-news"><h4>Các tin khác</h4><ul>{others}</ul></div>
  </div>
 </div>
</section>"""
    return _page(req, a.title, main, a.path)


def home(req: Request) -> Response:
    items = list(load_site(SITE))
    main = f"""<section class="portlet" id="portlet_home_news"><div class="portlet-content">
 <h2 class="portlet-title-text">Tin tức - Sự kiện</h2>
{_news_list(req, items[:5], 1, 5, False)}
 <a class="view-more" href="{LISTING}">Xem thêm</a>
</div></section>"""
    return _page(req, "Trang chủ", main, HOME)


def static_page(req: Request, title: str, text: str) -> Response:
    main = f'<section class="portlet"><div class="portlet-content"><h2 class="portlet-title-text">{esc(title)}</h2><p>{esc(text)}</p></div></section>'
    return _page(req, title, main)


def sitemap(req: Request) -> Response:
    urls = "".join(
        f"\n <url><loc>{req.base}{p}</loc><changefreq>daily</changefreq><priority>0.5</priority></url>"
        for p in (HOME, "/web/guest/gioi-thieu", LISTING, "/web/guest/van-ban")
    )
    return xml_doc(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}\n</urlset>\n'
    )


def not_found(req: Request) -> Response:
    resp = static_page(req, "Không tìm thấy", "Không tìm thấy trang được yêu cầu.")
    resp.status = 404
    return resp


def handle(req: Request) -> Response:
    path = req.path.rstrip("/") or "/"
    if path in ("/", "/web/guest"):
        return Response(302, b"", "text/html; charset=utf-8", [("Location", HOME)])
    if path == "/robots.txt":
        return plain(
            "User-Agent: *\nDisallow: /c/\nDisallow: /group/\nDisallow: /html/\nDisallow: /web/guest/tim-kiem\n"
            f"\nSitemap: {req.base}/sitemap.xml\n"
        )
    if path == "/sitemap.xml":
        return sitemap(req)
    if path.startswith(("/documents/", "/o/")):
        return image(req) if path.endswith((".jpg", ".png", ".ico")) else Response(200, b"", "text/css")
    if path == HOME:
        return home(req)
    if path == LISTING:
        return listing(req)
    if path == "/web/guest/gioi-thieu":
        return static_page(
            req, "Giới thiệu", "Hòa Bình là tỉnh miền núi thuộc vùng Tây Bắc, cửa ngõ của Thủ đô Hà Nội."
        )
    if path == "/web/guest/van-ban":
        return static_page(req, "Văn bản chỉ đạo điều hành", "Chưa có văn bản.")
    if path.startswith(ARTICLE_PREFIX):
        article = next((a for a in load_site(SITE) if a.path == path), None)
        if article is not None:
            return article_page(req, article)
    return not_found(req)
