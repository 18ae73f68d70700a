"""Page-noise rules: what goes, and (as important) what stays."""

from __future__ import annotations

import pytest

from pipeline.extract.htmltree import element_text, parse_html
from pipeline.extract.noise import clean_dom, clean_lines, clean_lines_detailed, load_rules, strip_lead_prefix

BODY_1 = (
    "Ngày 7/12, tại Hòa Bình, Bộ Thông tin và Truyền thông phối hợp Ủy ban nhân dân tỉnh Hòa Bình tổ chức "
    "Hội nghị tập huấn công tác thông tin đối ngoại về quyền con người."
)
BODY_2 = (
    "Hội thảo còn có sự tham gia của 280 đại biểu đến từ các sở, ban, ngành và cán bộ phụ trách công tác "
    "thông tin đối ngoại 25 tỉnh, thành phố trong cả nước."
)
BODY_3 = (
    "Phát biểu tại Hội nghị, đồng chí Nguyễn Văn Chương, Phó Chủ tịch Ủy ban nhân dân tỉnh Hòa Bình cho biết, "
    "Hòa Bình là một tỉnh miền núi, điều kiện kinh tế và xã hội còn nhiều khó khăn."
)


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p]


def test_rules_load_once_and_compile() -> None:
    assert load_rules() is load_rules()
    assert load_rules().line_drop


# ------------------------------------------------------------------ outlet prefixes


@pytest.mark.parametrize(
    "prefix",
    [
        "NDO - ",
        "(HBĐT) - ",
        "LSO-",
        "(Chinhphu.vn) - ",
        "(ĐCSVN) - ",
        "(GLO)- ",
        "ĐTO - ",
        "BBK - ",
        "(TTXVN) – ",
    ],
)
def test_outlet_prefixes_stripped_from_first_paragraph(prefix: str) -> None:
    text, removed = clean_lines(f"{prefix}{BODY_1}\n{BODY_2}")
    assert paragraphs(text) == [BODY_1, BODY_2]
    assert removed == [prefix.strip()]


@pytest.mark.parametrize(
    "paragraph",
    [
        "LONDON - Britain's prime minister said on Tuesday that talks would continue next week.",
        "TP.HCM - Sáng 7/8, Sở Thông tin và Truyền thông tổ chức hội nghị tập huấn cho cán bộ.",
        "COVID-19 - những điều cần biết về biến thể mới đang lây lan tại nhiều tỉnh, thành phố.",
    ],
)
def test_prefix_like_openings_kept(paragraph: str) -> None:
    assert strip_lead_prefix(paragraph) == (paragraph, None)


def test_known_outlet_prefix_stripped_in_english_editions() -> None:
    english = (
        "NDO - A training conference on external information about human rights took place in Vinh city."
    )
    assert strip_lead_prefix(english) == (english[6:], "NDO -")


def test_prefix_only_on_first_paragraph() -> None:
    text, _ = clean_lines(f"{BODY_1}\nNDO - {BODY_2}")
    assert paragraphs(text) == [BODY_1, f"NDO - {BODY_2}"]


# ------------------------------------------------------------------ line rules


@pytest.mark.parametrize(
    "noise",
    [
        "0:00 / 0:00",
        "0:00",
        "Your browser does not support the audio element.",
        "111.jpg",
        ".jpg)",
        "(Ảnh: Hải Đăng)",
        "Ảnh: Thanh Vân/TTXVN",
        "Vui lòng nhập nội dung bình luận.",
        "Theo dõi Báo Nhân Dân trên Google News",
        "Đang online: 6",
        "• Hôm nay: 1937",
        "Đã truy cập: 5689426",
        "Liên kết website",
        "Thống kê truy cập",
        "{title} {publish} {head}",
        "Email In PDF.",
        "Xem thêm: Tập huấn thông tin đối ngoại cho 14 tỉnh miền núi phía bắc",
        "Thứ tư, ngày 07/08/2024 17:01 PM (GMT+7)",
    ],
)
def test_noise_lines_removed_anywhere(noise: str) -> None:
    text, removed = clean_lines(f"{BODY_1}\n{noise}\n{BODY_2}")
    assert paragraphs(text) == [BODY_1, BODY_2]
    assert removed == [noise]


@pytest.mark.parametrize(
    "body",
    [
        "Hôm nay, 8/8, Sở Thông tin và Truyền thông tổ chức hội nghị tập huấn cho 150 đại biểu.",
        "Theo dõi tình hình trên địa bàn tỉnh, lực lượng chức năng đã kịp thời xử lý các vi phạm.",
        "Xem thêm các văn bản hướng dẫn tại Cổng thông tin điện tử của Bộ.",
        "Ảnh hưởng của cơn bão số 3 đến các tỉnh miền núi phía Bắc là rất lớn.",
        "Địa chỉ: số 5 đường Trần Hưng Đạo, nơi diễn ra hội nghị, đã được bố trí từ sớm.",
        "Chủ động tham gia đối thoại, hợp tác quốc tế về nhân quyền",
        "Bản quyền tác giả là một nội dung được các đại biểu thảo luận kỹ tại hội nghị.",
        BODY_3,
        "Đồng chí Lê Hải Bình dự và chỉ đạo Hội nghị.",
    ],
)
def test_body_paragraphs_that_look_like_noise_are_kept(body: str) -> None:
    text, removed = clean_lines(f"{BODY_1}\n{body}\n{BODY_2}")
    assert paragraphs(text) == [BODY_1, body, BODY_2]
    assert removed == []


def test_image_alt_and_credit_captions() -> None:
    title = "Yêu cầu mới với công tác truyền thông, thông tin đối ngoại về quyền con người"
    raw = "\n".join(
        [
            BODY_1,
            f"{title} ảnh 1",
            "Quang cảnh tại Hội nghị. (Ảnh: Hải Đăng)",
            BODY_2,
        ]
    )
    text, removed = clean_lines(raw, title)
    assert paragraphs(text) == [BODY_1, BODY_2]
    assert f"{title} ảnh 1" in removed


def test_duplicated_caption_with_credit_drops_both() -> None:
    caption = "Phó Giáo sư, Tiến sĩ Lê Hải Bình phát biểu tại Hội nghị. (Ảnh: Hải Đăng)"
    text, removed = clean_lines(f"{BODY_1}\n{caption}\n{caption}\n{BODY_2}")
    assert paragraphs(text) == [BODY_1, BODY_2]
    assert removed == [caption, caption]


def test_repeated_line_keeps_one() -> None:
    text, removed = clean_lines(f"{BODY_1}\n{BODY_2}\n{BODY_2}")
    assert paragraphs(text) == [BODY_1, BODY_2]
    assert removed == [BODY_2]


def test_trailing_credit_stripped_from_long_paragraph() -> None:
    long_para = " ".join([BODY_1, BODY_2, BODY_3]) + " (Ảnh: TTXVN)"
    text, removed = clean_lines(f"{long_para}\n{BODY_2}")
    assert paragraphs(text)[0] == " ".join([BODY_1, BODY_2, BODY_3])
    assert removed == ["(Ảnh: TTXVN)"]


def test_caption_after_image_name() -> None:
    raw = f"{BODY_1}\n.jpg)\nThứ trưởng Bộ TT&TT Nguyễn Thanh Lâm phát biểu tại hội nghị\n{BODY_2}"
    text, removed = clean_lines(raw)
    assert paragraphs(text) == [BODY_1, BODY_2]
    assert removed == [".jpg)", "Thứ trưởng Bộ TT&TT Nguyễn Thanh Lâm phát biểu tại hội nghị"]


def test_short_heading_after_image_name_needs_caption_shape() -> None:
    # a long paragraph after an image is body text, not a caption
    text, _ = clean_lines(f"{BODY_1}\n111.jpg\n{BODY_3}")
    assert paragraphs(text) == [BODY_1, BODY_3]


def test_related_heading_and_titles_in_text() -> None:
    raw = "\n".join(
        [
            BODY_1,
            BODY_2,
            "TIN LIÊN QUAN",
            "Nâng cao hiệu quả thông tin đối ngoại về quyền con người",
            "Triển khai Đề án truyền thông về quyền con người giai đoạn 2023 - 2028",
        ]
    )
    text, removed = clean_lines(raw)
    assert paragraphs(text) == [BODY_1, BODY_2]
    assert len(removed) == 3


def test_title_repeated_dateline_and_byline_at_top() -> None:
    title = "Đẩy mạnh thông tin đối ngoại về tình hình nhân quyền nhằm nâng cao vị thế Việt Nam"
    raw = f"{title}\n{title}\nV.N\nThứ tư, ngày 07/08/2024 17:01 PM (GMT+7)\n{BODY_1}\n{BODY_2}"
    result = clean_lines_detailed(raw, detect_title=True)
    assert result.title == title
    assert result.author == "V.N"
    assert result.dateline == "Thứ tư, ngày 07/08/2024 17:01 PM (GMT+7)"
    assert paragraphs(result.text) == [BODY_1, BODY_2]


def test_no_title_detected_from_a_body_paragraph() -> None:
    result = clean_lines_detailed(f"{BODY_1}\n{BODY_2}", detect_title=True)
    assert result.title is None
    assert paragraphs(result.text) == [BODY_1, BODY_2]


def test_header_date_above_title_is_not_the_dateline() -> None:
    raw = f"Thứ Hai, 22/11/2026\nTập huấn công tác thông tin đối ngoại\n{BODY_1}"
    result = clean_lines_detailed(raw, detect_title=True)
    assert result.title == "Tập huấn công tác thông tin đối ngoại"
    assert result.dateline is None
    assert paragraphs(result.text) == [BODY_1]


def test_site_header_and_footer_blocks() -> None:
    raw = "\n".join(
        [
            "Sở Thông tin và truyền thông Thanh Hóa",
            "  • Liên kết website",
            "  • Thống kê truy cập",
            "  • Đang online: 6",
            "    Hôm nay: 1937",
            "Tập huấn công tác thông tin đối ngoại về quyền con người năm 2023",
            BODY_1,
            BODY_2,
            "Nguyễn Hiền - Phòng QLTTBCXB",
            "TRANG THÔNG TIN ĐIỆN TỬ SỞ THÔNG TIN VÀ TRUYỀN THÔNG THANH HÓA",
            "Giấy phép số 12/GP-TTĐT do Cục Quản lý Phát thanh, Truyền hình và Thông tin điện tử cấp ngày 11/4/2014",
            "Chịu trách nhiệm: Ông Đỗ Hữu Quyết - Giám đốc",
            "Địa chỉ: Đại lộ Nam Sông Mã - Thành phố Thanh Hóa",
            "Số ĐT: (02373) 713.985 - Fax: (02373) 713.985",
            "Website được thiết kế bởi Trung tâm Công nghệ thông tin và truyền thông Thanh Hóa",
        ]
    )
    result = clean_lines_detailed(raw, detect_title=True)
    assert result.title == "Tập huấn công tác thông tin đối ngoại về quyền con người năm 2023"
    assert result.author == "Nguyễn Hiền - Phòng QLTTBCXB"
    assert paragraphs(result.text) == [BODY_1, BODY_2]
    assert len(result.removed) == 12  # 4 widgets + banner, byline, 6 footer lines
    assert "Sở Thông tin và truyền thông Thanh Hóa" in result.removed


@pytest.mark.parametrize(
    "signature", ["Văn phòng Sở", "Phòng Thông tin cơ sở", "Trung tâm CNTT&TT", "Thu Hà (TTXVN)"]
)
def test_closing_signature_is_the_author(signature: str) -> None:
    result = clean_lines_detailed(f"{BODY_1}\n{BODY_2}\n{BODY_3}\n{signature}")
    assert result.author == signature
    assert paragraphs(result.text) == [BODY_1, BODY_2, BODY_3]


def test_widgets_below_the_article_start_do_not_make_a_header() -> None:
    title = "Tập huấn công tác thông tin đối ngoại"
    result = clean_lines_detailed(f"{title}\n{BODY_1}\nĐang online: 6\n{BODY_2}", detect_title=True)
    assert result.title == title
    assert paragraphs(result.text) == [BODY_1, BODY_2]
    assert result.removed == ["Đang online: 6"]


def test_contact_lines_without_a_footer_stay() -> None:
    contact = "Điện thoại: 0218.3852.555"
    text, _ = clean_lines(f"{BODY_1}\n{BODY_2}\n{contact}")
    assert paragraphs(text) == [BODY_1, BODY_2, contact]


def test_english_copyright_line_is_not_a_vietnamese_footer() -> None:
    # The Vietnamese footer rules (which cut everything after them) leave English text alone;
    # the rights line itself goes by the other-language rule, alone.
    english = "The outbreak has resulted in 10 human cases and 46 animal cases, officials said on Monday."
    copyright_line = "© 2019 Associated Press. All Rights Reserved."
    after = "Vaccination of poultry in the affected districts began the same week."
    text, removed = clean_lines(f"{english}\n{copyright_line}\n{after}")
    assert paragraphs(text) == [english, after]
    assert removed == [copyright_line]


@pytest.mark.parametrize(
    "caption",
    [
        "Toàn cảnh Hội nghị",
        "Đồng chí Đỗ Hữu Quyết, Giám đốc Sở Thông tin và Truyền thông phát biểu khai mạc hội nghị.",
        "Đồng chí Đinh Tiến Dũng - Phó Cục trưởng Cục Thông tin đối ngoại trao đổi tại hội nghị",
        "Các đại biểu tham dự hội nghị chụp hình lưu niệm",
    ],
)
def test_captions_by_wording(caption: str) -> None:
    text, removed = clean_lines(f"{BODY_1}\n{caption}\n{BODY_2}")
    assert paragraphs(text) == [BODY_1, BODY_2]
    assert removed == [caption]


# ------------------------------------------------------------------ DOM level


def dom(body: str) -> str:
    root = parse_html(f"<html><body>{body}</body></html>")
    assert root is not None
    clean_dom(root)
    return element_text(root)


ARTICLE = f"<p>{BODY_1}</p><p>{BODY_2}</p><p>{BODY_3}</p>"


def test_dom_drops_players_captions_comments_share_counters() -> None:
    text = dom(
        "<header><div class='date'>Thứ Hai, 22/11/2026</div></header>"
        "<div class='article'><h1>Tiêu đề</h1>"
        "<div class='audio-box'><audio src='a.mp3'></audio>0:00 / 0:00</div>"
        "<figure><img src='1.jpg'><figcaption>Quang cảnh hội nghị</figcaption></figure>"
        f"{ARTICLE}"
        "<table><tr><td><img src='2.jpg'></td></tr><tr><td class='PhotoCMS_Caption'>Đại biểu dự hội nghị</td></tr></table>"
        "<div class='buttonheading'>Email In PDF.</div>"
        "<div class='box-comment'>Vui lòng nhập nội dung bình luận.</div>"
        "<div id='thongke'>Đang online: 6</div>"
        "</div>"
        "<footer>Giấy phép số 481/GP-BTTTT</footer>"
    )
    for gone in (
        "22/11/2026",
        "0:00",
        "Quang cảnh",
        "Đại biểu dự",
        "Email In PDF",
        "Vui lòng",
        "online",
        "Giấy phép",
    ):
        assert gone not in text
    for kept in ("Tiêu đề", BODY_1, BODY_2, BODY_3):
        assert kept in text


@pytest.mark.parametrize(
    "heading", ["TIN LIÊN QUAN", "Tin khác", "Xem thêm:", "Những tin mới hơn", "Tin cùng chuyên mục"]
)
def test_dom_drops_related_blocks_by_heading(heading: str) -> None:
    text = dom(
        f"<div class='detail'>{ARTICLE}"
        f"<div class='box'><div class='box-title'>{heading}</div>"
        "<ul><li><a href='/a'>Bài viết liên quan số một về hội nghị</a></li>"
        "<li><a href='/b'>Bài viết liên quan số hai về tập huấn</a></li></ul></div></div>"
    )
    assert "liên quan số" not in text
    assert heading.rstrip(":") not in text
    assert BODY_1 in text and BODY_3 in text


def test_dom_never_removes_the_article_wrapper() -> None:
    text = dom(
        "<div class='main-content detail related-news comment-area'>"
        f"<h2>Tập huấn công tác thông tin đối ngoại</h2>{ARTICLE}</div>"
        "<div class='sidebar-related'><a href='/x'>Tin khác một</a></div>"
    )
    assert BODY_1 in text and BODY_2 in text and BODY_3 in text
    assert "Tin khác một" not in text


def test_dom_keeps_article_header_and_footer() -> None:
    text = dom(
        "<header><nav>Menu</nav><span>Thứ Hai, 22/11/2026</span></header>"
        f"<article><header><p class='sapo'>Sapo của bài viết.</p></header>{ARTICLE}"
        "<footer><span>Hải Đăng</span></footer></article>"
    )
    assert "Sapo của bài viết." in text and "Hải Đăng" in text
    assert "22/11/2026" not in text


def test_dom_drops_unmarked_caption_after_image_but_not_english_quotes() -> None:
    text = dom(
        f"<div>{ARTICLE}<p style='text-align:center'><img src='a.jpg'></p>"
        "<p style='text-align:center'><em>Nông dân xã Thu Phong thu hoạch cam.</em></p>"
        "<p><img src='b.jpg'></p><p><i>“Very talented people! Super fun and entertaining!”</i></p>"
        f"<p>{BODY_2}</p></div>"
    )
    assert "Thu Phong" not in text
    assert "Very talented people" in text
    assert BODY_2 in text


def test_dom_removals_are_reported() -> None:
    root = parse_html(f"<html><body><div>{ARTICLE}<figcaption>Toàn cảnh</figcaption></div></body></html>")
    assert root is not None
    removed = clean_dom(root)
    assert removed == ["[figcaption] Toàn cảnh"]
