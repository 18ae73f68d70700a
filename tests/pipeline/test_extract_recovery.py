"""Bodies that the first pass loses (issue 15): control bytes, content in "comment" containers,
short fast results, script-built pages, and the noise of pages in other languages."""

from __future__ import annotations

import json

import pytest

from pipeline.extract.body import SHORT_BODY_CHARS, extract_html
from pipeline.extract.decode import TCVN3, decode_html, looks_like_tcvn3
from pipeline.extract.metadata import structured_body
from pipeline.extract.noise import clean_lines_detailed

EN = [
    "The provincial department held a two-day course for press officers on Tuesday, with forty "
    "participants from the districts attending the morning sessions in the town hall.",
    "Speakers explained how to answer questions from foreign reporters, how to prepare a short "
    "statement and how to check facts before they are published on the official portal.",
    "In the afternoon the participants worked in small groups on cases drawn from the past year "
    "and presented their answers to the organisers, who gave each group written feedback.",
    "The organisers said a second course is planned for the spring, open to staff of the new "
    "communes created when the districts were dissolved in the middle of the year.",
]


def page(body: str, *, title: str = "Course for press officers", head: str = "") -> str:
    return (
        f"<html><head><title>{title}</title>{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/contact'>Contact</a></nav>"
        f"<h1>{title}</h1>{body}<footer>All rights reserved.</footer></body></html>"
    )


def test_control_bytes_do_not_empty_the_page() -> None:
    # A BEL byte inside an attribute made the tree unserialisable for trafilatura: no body at all.
    html = page("<div class='content' data-x='a\x07b'>" + "".join(f"<p>{p}</p>" for p in EN) + "</div>")
    result = extract_html(html, "https://example.org/news/course.html")
    assert result is not None
    assert EN[0] in result.text and EN[3] in result.text
    assert "\x07" not in result.text


@pytest.mark.parametrize(
    "container",
    [
        # a video page whose text is the video's caption
        "<div class='video'><video src='v.mp4'></video><div class='video-caption'>{}</div></div>",
        "<figure><video src='v.mp4'></video><figcaption>{}</figcaption></figure>",
        # a thread whose posts sit in a "bình luận" (comments) container
        "<div class='binh-luan'>{}</div>",
    ],
    ids=["caption", "figcaption", "comments"],
)
def test_content_in_a_noise_container_is_the_body(container: str) -> None:
    # The cleanup drops the container first; when that was most of the page, it extracts again
    # keeping such containers.
    paragraphs = "".join(f"<p>{text}</p>" for text in EN)
    html = page("<p>Watch: the course.</p>" + container.format(paragraphs))
    result = extract_html(html, "https://example.org/video/course.html")
    assert result is not None
    for text in EN:
        assert text in result.text


def test_comments_below_a_real_article_stay_out() -> None:
    article = "".join(f"<p>{p}</p>" for p in EN)
    comments = "<div class='comments'><p>Great news, thank you for sharing this with us all!</p></div>"
    result = extract_html(page(f"<article>{article}</article>{comments}"), "https://example.org/a.html")
    assert result is not None
    assert EN[0] in result.text
    assert "Great news" not in result.text


def test_short_fast_result_gets_the_full_run() -> None:
    # The fast pass stops at the teaser in <article>; the story itself is in plain divs below.
    teaser = "<article><p>" + EN[0] + "</p></article>"
    story = "".join(f"<div class='txt'>{p} {p}</div>" for p in EN[1:])
    html = page(teaser + story)
    result = extract_html(html, "https://example.org/story.html")
    assert result is not None
    assert len(EN[0]) < SHORT_BODY_CHARS
    assert EN[2] in result.text


def test_jsonld_article_body_when_the_page_is_built_by_script() -> None:
    body = "\n\n".join(EN)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "articleBody": body})
    html = page(
        "<div id='app'><p>Loading the article, please wait a moment.</p></div>",
        head=f"<script type='application/ld+json'>{ld}</script>",
    )
    result = extract_html(html, "https://example.org/app/course")
    assert result is not None
    assert EN[1] in result.text and EN[3] in result.text


def test_structured_body_takes_the_longest_article_and_strips_markup() -> None:
    objects = [
        {"@type": "WebPage", "articleBody": "x" * 500},  # not an article type
        {"@type": ["NewsArticle"], "articleBody": "<p>Short &amp; first.</p>"},
        {"@type": "Article", "articleBody": ["<p>One part.</p>", "<p>Two parts &lt;here&gt;.</p>"]},
    ]
    text = structured_body(objects)
    assert "One part." in text and "Two parts <here>." in text
    assert "<p>" not in text
    assert structured_body([{"@type": "Article"}]) == ""


def test_jsonld_summary_does_not_replace_a_real_body() -> None:
    ld = json.dumps({"@type": "NewsArticle", "articleBody": EN[0]})
    html = page(
        "<div class='content'>" + "".join(f"<p>{p}</p>" for p in EN) + "</div>",
        head=f"<script type='application/ld+json'>{ld}</script>",
    )
    result = extract_html(html, "https://example.org/a.html")
    assert result is not None
    assert EN[3] in result.text


def lines_left(text: str) -> str:
    return clean_lines_detailed(text).text


def test_other_language_noise_lines() -> None:
    noise = [
        "Read more: Ten things to know about the new communes",
        "Lire aussi : La réforme des provinces en questions",
        "Lesen Sie auch: Die neue Verwaltung in Vietnam",
        "Foto: Nguyen Van A / Agentur",
        "Photo credit: Provincial portal",
        "Sign up for our daily newsletter to get the news first.",
        "© 2024 Provincial Gazette. All rights reserved.",
        "This article is the property of the Gazette; written permission must be obtained to reuse it.",
        "To read the full story, please subscribe to the Gazette.",
        "Kategorien",
        "Share this article:",
    ]
    text = "\n\n".join([EN[0], *noise, EN[1]])
    left = lines_left(text)
    assert EN[0] in left and EN[1] in left
    for line in noise:
        assert line not in left


def test_other_language_rules_leave_vietnamese_text_alone() -> None:
    # "Source: ..." is a credit line in English; Vietnamese text is cleaned by its own rules only.
    line = "Source: báo cáo tổng kết năm của Sở, trang 12"
    text = "\n\n".join(["Hội nghị tập huấn công tác thông tin đối ngoại diễn ra trong hai ngày.", line])
    assert line in lines_left(text)


# A Chinese paragraph in our own words; GB2312 bytes are all high bytes, as TCVN3 letters are.
ZH = "省新闻办公室昨天举办了对外宣传工作培训班，来自各县的五十名干部参加了培训。" * 4


def test_gb2312_page_is_not_taken_for_tcvn3() -> None:
    for declared in ("gb2312", None):
        meta = f"<meta charset='{declared}'>" if declared else ""
        body = f"<html><head>{meta}</head><body><p>{ZH}</p></body></html>".encode("gb2312")
        assert not looks_like_tcvn3(body)
        text, encoding = decode_html(body, {})
        assert encoding != TCVN3
        if declared:
            assert ZH in text
