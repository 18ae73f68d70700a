"""Portal pages with a visitor counter: one per counter shape in ``content/counters.yaml``.

Each page wraps a sample-site article in the layout of an old provincial portal (banner with
today's date, menu and widgets in side columns, licence footer) and puts one counter shape where
real portals put it. The extraction test and the Vietnamese noise benchmark use them; the
article's lead and paragraphs are the gold body, the shape's ``leaks`` the text that must not
reach it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from newsmon.sample_sites.articles import Article
from newsmon.sample_sites.render.common import esc

SHAPES_FILE = Path(__file__).parent / "content" / "counters.yaml"
PLACES = ("left", "right", "footer", "after_article")


@dataclass(frozen=True)
class CounterShape:
    name: str
    where: str
    html: str
    leaks: tuple[str, ...]


@dataclass(frozen=True)
class NoisePage:
    name: str  # "<shape>/<article id>"
    url: str
    html: str
    gold: str  # lead and body paragraphs, one per line
    leaks: tuple[str, ...]  # noise that must not reach the body (none of it occurs in gold)


def load_shapes(path: Path = SHAPES_FILE) -> tuple[CounterShape, ...]:
    """The counter shapes; a malformed file raises ValueError naming the entry."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    shapes = []
    for i, item in enumerate(raw.get("shapes") or []):
        try:
            shape = CounterShape(item["name"], item["where"], item["html"], tuple(item["leaks"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: shape #{i + 1} needs name, where, html and leaks") from exc
        if shape.where not in PLACES:
            raise ValueError(f"{path}: shape {shape.name!r}: where must be one of {', '.join(PLACES)}")
        shapes.append(shape)
    return tuple(shapes)


def _article_html(article: Article) -> str:
    parts = [f'<h1 class="title">{esc(article.title)}</h1>']
    parts.append(f'<p class="date">Ngày đăng: {article.published:%d/%m/%Y %H:%M}</p>')
    if article.sapo:
        parts.append(f'<p class="sapo"><strong>{esc(article.sapo)}</strong></p>')
    for index, block in enumerate(article.paragraphs):
        parts.append(f"<p>{esc(block)}</p>")
        for figure in article.figures_after(index):
            parts.append(
                f'<table class="image"><tr><td><img src="/uploads/{esc(figure.image)}" alt=""></td></tr>'
                f'<tr><td class="desc-img">{esc(figure.caption_text)}</td></tr></table>'
            )
    if article.author:
        parts.append(f'<p class="author"><strong>{esc(article.author)}</strong></p>')
    return "\n".join(parts)


def render(article: Article, shape: CounterShape, today: datetime, base: str = "http://127.0.0.1") -> str:
    """The portal page of ``article`` with ``shape``'s counter in its place."""
    slot = {place: (shape.html if shape.where == place else "") for place in PLACES}
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{esc(article.title)} - Cổng thông tin điện tử</title></head>
<body><form method="post" action="./NewsDetail.aspx" id="form1">
<div id="header"><div class="banner">CỔNG THÔNG TIN ĐIỆN TỬ TỈNH</div>
<div class="today">{today:%d/%m/%Y}</div>
<ul class="menu"><li><a href="/">Trang chủ</a></li><li><a href="/gioi-thieu">Giới thiệu</a></li>
<li><a href="/tin-tuc">Tin tức - Sự kiện</a></li><li><a href="/van-ban">Văn bản</a></li></ul></div>
<table width="100%"><tr>
<td class="col-left" valign="top"><div class="box"><h3>Chuyên mục</h3><ul><li><a href="/c/1">Hoạt động của Sở</a></li>
<li><a href="/c/2">Thông tin đối ngoại</a></li><li><a href="/c/3">Chuyển đổi số</a></li></ul></div>
{slot["left"]}</td>
<td class="col-main" valign="top"><div class="news-detail">
{_article_html(article)}
</div>
{slot["after_article"]}
</td>
<td class="col-right" valign="top"><div class="box"><h3>Liên kết website</h3><select><option>Chọn liên kết</option>
<option>Chính phủ</option></select></div>
{slot["right"]}</td>
</tr></table>
<div id="footer"><p>Giấy phép số 12/GP-TTĐT do Sở Thông tin và Truyền thông cấp</p>
<p>Chịu trách nhiệm: Giám đốc Sở</p>
{slot["footer"]}</div>
</form></body></html>
"""


def gold_text(article: Article) -> str:
    return "\n".join(([article.sapo] if article.sapo else []) + article.paragraphs)


def pages(articles: list[Article], today: datetime, base: str = "http://127.0.0.1") -> list[NoisePage]:
    """One page per (shape, article): the articles are dealt round the shapes in turn."""
    shapes = load_shapes()
    out = []
    for i, shape in enumerate(shapes):
        for j in range(len(articles) // len(shapes) or 1):
            article = articles[(i + j * len(shapes)) % len(articles)]
            gold = gold_text(article)
            out.append(
                NoisePage(
                    name=f"{shape.name}/{article.id}",
                    url=f"{base}/NewsDetail.aspx?Id={10000 + i * 100 + j}",
                    html=render(article, shape, today, base),
                    gold=gold,
                    leaks=tuple(leak for leak in shape.leaks if leak not in gold),
                )
            )
    return out
