import pytest

from pipeline.urls import canonical_url, same_site, strip_tracking


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://www.nhandan.vn/a-post1.html?utm_source=fb&utm_medium=x#top",
            "https://nhandan.vn/a-post1.html",
        ),
        (
            "https://m.baochinhphu.vn/b-102231207.htm?zarsrc=31&gidzl=abc",
            "https://baochinhphu.vn/b-102231207.htm",
        ),
        ("https://NhanDan.vn:443/a/?fbclid=1", "https://nhandan.vn/a"),
        ("https://x.gov.vn/NewsDetail.aspx?Id=10832", "https://x.gov.vn/NewsDetail.aspx?Id=10832"),
        ("https://x.gov.vn/p?b=2&a=1", "https://x.gov.vn/p?a=1&b=2"),
        ("http://127.0.0.1:8471/a-post1.html", "https://127.0.0.1:8471/a-post1.html"),
        ("https://x.vn/t%E1%BA%ADp-hu%E1%BA%A5n", "https://x.vn/t%E1%BA%ADp-hu%E1%BA%A5n"),
        ("https://x.vn/tập-huấn", "https://x.vn/t%E1%BA%ADp-hu%E1%BA%A5n"),
        ("https://x.vn//a//b/", "https://x.vn/a/b"),
        ("https://x.vn/a;jsessionid=ABC?x=1", "https://x.vn/a?x=1"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_liferay_params_are_kept():
    url = "https://p.vn/web/guest/tin-tuc?p_p_id=X_INSTANCE_a&_X_INSTANCE_a_cur=2&utm_campaign=z"
    assert canonical_url(url) == "https://p.vn/web/guest/tin-tuc?_X_INSTANCE_a_cur=2&p_p_id=X_INSTANCE_a"


def test_liferay_navigation_params_are_dropped():
    url = (
        "https://p.vn/web/guest/tin-tuc/-/asset_publisher/Xy12/content/le-hoi?inheritRedirect=true"
        "&redirect=https%3A%2F%2Fp.vn%2Fweb%2Fguest%2Ftin-tuc%3F_X_cur%3D2&_com_x_backURL=%2Fa"
    )
    assert canonical_url(url) == "https://p.vn/web/guest/tin-tuc/-/asset_publisher/Xy12/content/le-hoi"


def test_non_http_urls_untouched():
    assert canonical_url("file:///tmp/a.html") == "file:///tmp/a.html"


def test_same_site():
    assert same_site("https://www.nhandan.vn/x", ["nhandan.vn"])
    assert not same_site("https://evilnhandan.vn/x", ["nhandan.vn"])
    assert same_site("http://127.0.0.1:9/x", ["127.0.0.1"])


def test_strip_tracking_keeps_the_fetchable_url():
    assert strip_tracking("http://www.a.vn/x?id=3&utm_source=fb#c") == "http://www.a.vn/x?id=3"
    assert (
        strip_tracking("http://127.0.0.1:81/c/s?inheritRedirect=true&redirect=%2Fl")
        == "http://127.0.0.1:81/c/s"
    )
    assert strip_tracking("http://a.vn/i.php?b=2&a=1") == "http://a.vn/i.php?b=2&a=1"
