"""A provincial Department of Information and Communications on ASP.NET WebForms
(the stttt.thanhhoa.gov.vn shape).

No feed, no sitemap: the only way to the older articles is the category listing, whose
pager posts the page's form back (``__doPostBack``) instead of linking to a URL. The
server behaves like WebForms: a postback without a valid ``__VIEWSTATE`` gets the
"Validation of viewstate MAC failed" error page, and a postback that also carries the
header's search button runs the search (the button wins over ``__EVENTTARGET``), so a
crawler must post the form's hidden fields without clicking a submit button
(Scrapy: ``FormRequest.from_response(..., dont_click=True)``). Paths and query keys are
case-insensitive, as on IIS. Unknown article ids get a "soft 404": status 200 and a
"not found" sentence, as many such portals do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import re
from datetime import datetime

from newsmon.sample_sites.articles import Article, Figure, load_site
from newsmon.sample_sites.render.common import Request, Response, esc, html_page, image, plain, today, weekday

SITE = "thanhhoa"
PER_PAGE = 5
PAGER_TARGET = "ctl00$ContentPlaceHolder1$rptPager"
SEARCH_BUTTON = "ctl00$ucHeader$btnSearch"
SEARCH_BOX = "ctl00$ucHeader$txtSearch"
GENERATOR = "A3C5B2F1"
_SECRET = b"newsmon-sample-machine-key"
CATEGORIES = {  # CatId -> (name, article categories shown; None = every article)
    5: ("Tin tức - Sự kiện", None),
    7: ("Chuyển đổi số", {"chuyen-doi-so"}),
    9: ("Thông tin đối ngoại", {"thong-tin-doi-ngoai"}),
    11: ("Báo chí - Xuất bản", {"bao-chi"}),
}
SERVER_HEADERS = [
    ("X-AspNet-Version", "4.0.30319"),
    ("X-Powered-By", "ASP.NET"),
    ("Cache-Control", "private"),
]
NOISE = (
    "Liên kết website",
    "Thống kê truy cập",
    "Đang online:",
    "Đã truy cập:",
    "Giấy phép số 12/GP-TTĐT",
    "Chịu trách nhiệm:",
    "Website được thiết kế bởi",
)
_hits = itertools.count(1)
_ID_RE = re.compile(r"[?&]id=(\d+)", re.IGNORECASE)


def _article_id(a: Article) -> int:
    match = _ID_RE.search(a.path)
    assert match, a.path
    return int(match.group(1))


def _in_cat(a: Article, cat_id: int) -> bool:
    cats = CATEGORIES[cat_id][1]
    return cats is None or a.category in cats


def _rel(a: Article) -> str:
    """Links on the real site are relative to the application root, without a slash."""
    return a.path.lstrip("/")


def viewstate(cat_id: int, page: int) -> str:
    payload = f"\xff\x01\x0f\x0f|CatId={cat_id}|Page={page}|".encode("latin-1")
    mac = hmac.new(_SECRET, payload, hashlib.sha1).digest()
    return base64.b64encode(payload + mac).decode("ascii")


def viewstate_valid(value: str) -> bool:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        return False
    payload, mac = raw[:-20], raw[-20:]
    return len(raw) > 20 and hmac.compare_digest(mac, hmac.new(_SECRET, payload, hashlib.sha1).digest())


def _sidebar() -> str:
    hits = next(_hits)
    links = "".join(
        f'<option value="#">{name}</option>'
        for name in (
            "Cổng thông tin điện tử tỉnh Thanh Hóa",
            "Bộ Thông tin và Truyền thông",
            "Báo Thanh Hóa",
            "Đài Phát thanh và Truyền hình Thanh Hóa",
        )
    )
    return f"""<div id="left-col">
 <ul class="sidebar">
  <li class="box"><h3 class="box-title">Liên kết website</h3>
   <select name="ctl00$ucLeft$ddlLink" onchange="window.open(this.value)"><option value="">-- Chọn liên kết --</option>{links}</select></li>
  <li class="box counter"><h3 class="box-title">Thống kê truy cập</h3>
   <p>Đang online: 6</p>
   <p>Hôm nay: {1937 + hits}</p>
   <p>Đã truy cập: {5689426 + hits}</p></li>
 </ul>
</div>"""


def _page(title: str, action: str, main: str, cat_id: int = 5, page: int = 1) -> str:
    now = today()
    menu = "".join(
        f'<li><a href="TinTuc.aspx?CatId={cid}">{esc(name)}</a></li>' for cid, (name, _) in CATEGORIES.items()
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head><title>
	{esc(title)}
</title><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<!-- newsmon sample site: an offline copy in the stttt.thanhhoa.gov.vn shape, with our own text -->
<link href="App_Themes/Default/style.css" type="text/css" rel="stylesheet" /></head>
<body>
<form method="post" action="{esc(action)}" id="aspnetForm">
<div class="aspNetHidden">
<input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="" />
<input type="hidden" name="__EVENTARGUMENT" id="__EVENTARGUMENT" value="" />
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{viewstate(cat_id, page)}" />
</div>
<script type="text/javascript">
//<![CDATA[
var theForm = document.forms['aspnetForm'];
if (!theForm) {{ theForm = document.aspnetForm; }}
function __doPostBack(eventTarget, eventArgument) {{
    if (!theForm.onsubmit || (theForm.onsubmit() != false)) {{
        theForm.__EVENTTARGET.value = eventTarget;
        theForm.__EVENTARGUMENT.value = eventArgument;
        theForm.submit();
    }}
}}
//]]>
</script>
<div class="aspNetHidden">
<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="{GENERATOR}" />
<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="/wEdAAbcUN1tBf0SZ3+Gp5uPvJk0" />
</div>
<div id="wrapper">
 <div id="header">
  <div class="banner"><a href="Default.aspx"><img src="Upload/banner.jpg" alt="" /></a>
   <h2 class="site-name">Sở Thông tin và truyền thông Thanh Hóa</h2></div>
  <div class="top-bar"><span id="ctl00_ucHeader_lblDate" class="today">{weekday(now)}, {now:%d/%m/%Y}</span>
   <span class="search"><input name="{SEARCH_BOX}" type="text" id="ctl00_ucHeader_txtSearch" class="txt-search" />
   <input type="submit" name="{SEARCH_BUTTON}" value="Tìm kiếm" id="ctl00_ucHeader_btnSearch" class="btn-search" /></span></div>
  <ul id="menu"><li><a href="Default.aspx">Trang chủ</a></li><li><a href="GioiThieu.aspx">Giới thiệu</a></li>{menu}<li><a href="LienHe.aspx">Liên hệ</a></li></ul>
 </div>
 <div id="content">
{_sidebar()}
  <div id="main-col">
{main}
  </div>
 </div>
 <div id="footer">
  <p class="footer-title">TRANG THÔNG TIN ĐIỆN TỬ SỞ THÔNG TIN VÀ TRUYỀN THÔNG THANH HÓA</p>
  <p>Giấy phép số 12/GP-TTĐT do Cục Quản lý Phát thanh, Truyền hình và Thông tin điện tử cấp ngày 11/4/2014</p>
  <p>Chịu trách nhiệm: Ông Đỗ Hữu Quyết - Giám đốc</p>
  <p>Địa chỉ: Tòa nhà Trung tâm Công nghệ thông tin tỉnh Thanh Hóa, Đại lộ Nam Sông Mã - Phố Ái Sơn 2 - Phường Đông Hải - Thành phố Thanh Hóa</p>
  <p>Số ĐT: (02373) 713.985 - Fax: (02373) 713.985</p>
  <p>Website được thiết kế bởi Trung tâm Công nghệ thông tin và truyền thông Thanh Hóa</p>
 </div>
</div>
</form>
</body>
</html>
"""


def _date(dt: datetime) -> str:
    return f"{dt:%d/%m/%Y}"


def _figure(fig: Figure) -> str:
    alt = fig.alt if fig.alt is not None else fig.image.rsplit("/", 1)[-1]
    return (
        '<table class="image-table" align="center" border="0" cellpadding="3" cellspacing="0"><tbody>'
        f'<tr><td><img src="/Upload/{esc(fig.image)}" alt="{esc(alt)}" width="600" /></td></tr>'
        f'<tr><td><p class="image-caption"><em>{esc(fig.caption_text)}</em></p></td></tr></tbody></table>'
    )


def _news_items(items: list[Article]) -> str:
    rows = "".join(
        f"""
  <div class="news-item">
   <a href="{esc(_rel(a))}"><img class="thumb" src="/Upload/{esc(a.figures[0].image if a.figures else "no-image.jpg")}" alt="" /></a>
   <a class="news-item-title" href="{esc(_rel(a))}">{esc(a.title)}</a> <span class="date">({_date(a.published)})</span>
   <p class="news-item-summary">{esc(a.sapo or "")}</p>
  </div>"""
        for a in items
    )
    return f'<div class="news-list">{rows}\n </div>'


def _postback(page: int) -> str:
    return f"javascript:__doPostBack('{PAGER_TARGET}','Page${page}')"


def _pager(page: int, pages: int, trap: bool) -> str:
    if pages <= 1 and not trap:
        return ""
    parts = ['<span class="pager-label">Trang:</span>']
    if page > 1:
        parts.append(f'<a href="{_postback(page - 1)}" title="Trang trước">&lt;</a>')
    for n in range(1, pages + 1):
        parts.append(
            f'<span class="current">{n}</span>' if n == page else f'<a href="{_postback(n)}">{n}</a>'
        )
    if page < pages or trap:
        parts.append(f'<a href="{_postback(page + 1)}" title="Trang sau">&gt;</a>')
        parts.append(f'<a href="{_postback(max(pages, page + 1))}" title="Trang cuối">&gt;&gt;</a>')
    return '<div class="pager" id="ctl00_ContentPlaceHolder1_divPager">' + " ".join(parts) + "</div>"


def listing(req: Request, cat_id: int, page: int) -> Response:
    name = CATEGORIES[cat_id][0]
    items = [a for a in load_site(SITE) if _in_cat(a, cat_id)]
    pages = max(1, -(-len(items) // PER_PAGE))
    shown = items[(min(page, pages) - 1) * PER_PAGE :][:PER_PAGE]  # past the end: the last page again
    main = (
        f'<div class="breadcrumb"><a href="Default.aspx">Trang chủ</a> » <span>{esc(name)}</span></div>'
        f'<h1 class="cat-title">{esc(name)}</h1>{_news_items(shown)}{_pager(page, pages, req.trap)}'
    )
    return _html(
        _page(
            f"{name} - Sở Thông tin và Truyền thông Thanh Hóa",
            f"./TinTuc.aspx?CatId={cat_id}",
            main,
            cat_id,
            page,
        )
    )


def article_page(req: Request, a: Article) -> Response:
    parts = [_figure(f) for f in a.figures_after(0)]
    for i, block in enumerate(a.blocks, start=1):
        if block.startswith("## "):
            parts.append(f'<p style="text-align: justify;"><strong>{esc(block[3:])}</strong></p>')
        else:
            parts.append(f'<p style="text-align: justify;">{esc(block)}</p>')
        parts.extend(_figure(f) for f in a.figures_after(i))
    if a.author:
        parts.append(f'<p style="text-align: right;"><strong>{esc(a.author)}</strong></p>')
    if a.attachments:
        links = "".join(
            f'<li><a href="/Upload/VanBan/{esc(d.file)}" target="_blank">{esc(d.title)}</a></li>'
            for d in a.attachments
        )
        parts.append(f'<div class="attach"><strong>Văn bản đính kèm:</strong><ul>{links}</ul></div>')
    older = [x for x in load_site(SITE) if x.published < a.published]
    others = older[:5] or [x for x in load_site(SITE) if x.published > a.published][-5:]
    other = "".join(
        f'<li><a href="{esc(_rel(x))}">{esc(x.title)}</a> <span class="date">({_date(x.published)})</span></li>'
        for x in others
    )
    main = f"""<div class="breadcrumb"><a href="Default.aspx">Trang chủ</a> » <a href="TinTuc.aspx?CatId=5">Tin tức - Sự kiện</a></div>
<div class="news-detail">
 <h1 class="news-title">{esc(a.title)}</h1>
 <span class="date">Ngày đăng: {a.published:%d/%m/%Y %H:%M}</span>
 <div class="news-summary"><strong>{esc(a.sapo or "")}</strong></div>
 <div class="news-content" id="ctl00_ContentPlaceHolder1_divContent">
{chr(10).join(parts)}
 </div>
 <div class="news-tools"><a href="javascript:window.print();">In bài viết</a> | <a href="javascript:history.back();">Quay lại</a></div>
 <div class="other-news"><h3>Các tin khác</h3><ul>{other}</ul></div>
</div>"""
    return _html(_page(a.title, f"./NewsDetail.aspx?Id={_article_id(a)}", main))


def home(req: Request) -> Response:
    items = load_site(SITE)
    blocks = "".join(
        f'<div class="home-block"><h2 class="block-title"><a href="TinTuc.aspx?CatId={cid}">{esc(name)}</a></h2>'
        f"{_news_items([a for a in items if _in_cat(a, cid)][:3])}</div>"
        for cid, (name, cats) in CATEGORIES.items()
        if cats is not None
    )
    main = (
        f'<div class="home-block hot"><h2 class="block-title">Tin mới</h2>{_news_items(list(items[:5]))}'
        f'<a class="more" href="TinTuc.aspx?CatId=5">Xem tiếp</a></div>{blocks}'
    )
    return _html(_page("Sở Thông tin và Truyền thông Thanh Hóa", "./Default.aspx", main))


def search(req: Request, keyword: str) -> Response:
    keyword = keyword.strip()
    if not keyword:
        main = '<div class="search-result"><p class="warning">Vui lòng nhập từ khóa tìm kiếm.</p></div>'
    else:
        hits = [a for a in load_site(SITE) if keyword.lower() in a.title.lower()]
        main = (
            f'<div class="search-result"><h1>Kết quả tìm kiếm: {esc(keyword)}</h1>{_news_items(hits)}</div>'
        )
    return _html(_page("Tìm kiếm", "./TimKiem.aspx", main))


def _html(text: str, status: int = 200) -> Response:
    return html_page(text, status, SERVER_HEADERS)


def iis_404() -> Response:
    text = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>404 - File or directory not found.</title></head>
<body><div id="header"><h1>Server Error</h1></div><div id="content"><div class="content-container"><fieldset>
<h2>404 - File or directory not found.</h2>
<h3>The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.</h3>
</fieldset></div></div></body></html>"""
    return Response(404, text.encode(), "text/html", list(SERVER_HEADERS))


def yellow_screen(message: str) -> Response:
    text = f"""<html><head><title>{esc(message)}</title></head><body bgcolor="white">
<span><h1>Server Error in '/' Application.<hr width=100% size=1 color=silver></h1>
<h2> <i>{esc(message)}</i> </h2></span>
<b> Exception Details: </b>System.Web.HttpException: {esc(message)}<br><br>
<hr width=100% size=1 color=silver><b>Version Information:</b>&nbsp;Microsoft .NET Framework Version:4.0.30319; ASP.NET Version:4.8.4494.0
</body></html>"""
    return Response(500, text.encode(), "text/html; charset=utf-8", list(SERVER_HEADERS))


def _postback_page(req: Request, cat_id: int) -> Response:
    form = req.form
    if not viewstate_valid(form.get("__VIEWSTATE", "")) or form.get("__VIEWSTATEGENERATOR") != GENERATOR:
        return yellow_screen(
            "Validation of viewstate MAC failed. If this application is hosted by a Web Farm or cluster, "
            "ensure that <machineKey> configuration specifies the same validationKey and validation algorithm."
        )
    if SEARCH_BUTTON in form:
        return search(req, form.get(SEARCH_BOX, ""))
    if form.get("__EVENTTARGET") == PAGER_TARGET:
        if "__EVENTVALIDATION" not in form:
            return yellow_screen("Invalid postback or callback argument.")
        match = re.fullmatch(r"Page\$(\d+)", form.get("__EVENTARGUMENT", ""))
        if match:
            return listing(req, cat_id, max(1, int(match.group(1))))
    return listing(req, cat_id, 1)


def _document(name: str) -> Response:
    """An attachment, served as IIS serves uploads: a DOCX as a bare octet-stream."""
    doc = next((d for a in load_site(SITE) for d in a.attachments if d.file.lower() == name), None)
    if doc is None:
        return iis_404()
    ctype = "application/pdf" if doc.kind == "pdf" else "application/octet-stream"
    return Response(200, doc.render(), ctype, [*SERVER_HEADERS])


def handle(req: Request) -> Response:
    """Route one request the way IIS + WebForms would."""
    path = req.path.lower()
    query = {k.lower(): v for k, v in req.query.items()}
    if path == "/":
        return Response(
            302, b"", "text/html; charset=utf-8", [("Location", "/Default.aspx"), *SERVER_HEADERS]
        )
    if path == "/robots.txt":
        return plain("User-agent: *\nAllow: /\n")
    if path.startswith("/upload/vanban/"):
        return _document(path.rsplit("/", 1)[1])
    if path.startswith(("/upload/", "/app_themes/")):
        return image(req) if path.endswith((".jpg", ".png", ".gif")) else Response(200, b"", "text/css")
    if path == "/default.aspx":
        return search(req, req.form.get(SEARCH_BOX, "")) if SEARCH_BUTTON in req.form else home(req)
    if path == "/tintuc.aspx":
        cat_id = req.int_param("catid", 5, query=query)
        if cat_id not in CATEGORIES:
            return _html(_page("Tin tức", "./TinTuc.aspx", '<p class="empty">Chuyên mục không tồn tại.</p>'))
        return _postback_page(req, cat_id) if req.method == "POST" else listing(req, cat_id, 1)
    if path == "/newsdetail.aspx":
        wanted = req.int_param("id", -1, query=query)
        article = next((a for a in load_site(SITE) if _article_id(a) == wanted), None)
        if article is None:
            return _html(
                _page(
                    "Tin tức",
                    "./NewsDetail.aspx",
                    '<p class="empty">Bài viết không tồn tại hoặc đã bị xóa.</p>',
                )
            )
        return article_page(req, article)
    return iis_404()
