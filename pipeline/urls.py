"""Canonical URLs: one identity per article, whatever link led to it.

Articles are unique by canonical URL: tracking parameters, fragments, ``www.``/``m.``
host variants, default ports, the scheme and parameter order do not make a new article.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that never change the content (analytics, social sharing, sessions).
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
        "zarsrc", "gidzl", "zaloid", "utm_source", "utm_medium", "utm_campaign", "utm_term",
        "utm_content", "utm_id", "utm_name", "mc_cid", "mc_eid", "_ga", "_gl", "ref", "ref_src", "cmpid",
        "share", "jsessionid", "phpsessid", "aspsessionid",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
# Navigation state that CMSs append to article links (Liferay's asset publisher adds
# ?inheritRedirect=true&redirect=<listing URL>): it says where the reader came from.
_NAVIGATION_PARAMS = re.compile(
    r"(^|_)(redirect|inheritredirect|backurl|returnurl|return_url)$", re.IGNORECASE
)
_HOST_VARIANTS = re.compile(r"^(www\d?|m|mobile|amp)\.")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The identity of ``url``: https, bare host, no fragment, tracking or session params, sorted query.

    >>> canonical_url("http://www.nhandan.vn/a-post1.html?utm_source=fb#top")
    'https://nhandan.vn/a-post1.html'
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url.strip()
    host = (parts.hostname or "").lower().rstrip(".")
    host = _HOST_VARIANTS.sub("", host)
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = _clean_path(parts.path)
    query = sorted(_content_params(parts.query))
    return urlunsplit(("https", netloc, path, urlencode(query, quote_via=quote, safe="/:,"), ""))


def _content_params(query: str) -> list[tuple[str, str]]:
    return [
        (k, v)
        for k, v in parse_qsl(query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS
        and not k.lower().startswith(_TRACKING_PREFIXES)
        and not _NAVIGATION_PARAMS.search(k)
    ]


def strip_tracking(url: str) -> str:
    """``url`` without tracking/navigation parameters and fragment, otherwise as given: the
    URL to request, so that two links to one article are one download.

    >>> strip_tracking("http://www.a.vn/x?id=3&utm_source=fb#c")
    'http://www.a.vn/x?id=3'
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        return url.strip()
    query = urlencode(_content_params(parts.query), quote_via=quote, safe="/:,")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _clean_path(path: str) -> str:
    path = re.sub(r";jsessionid=[^/?#]*", "", path, flags=re.IGNORECASE)
    path = re.sub(r"/{2,}", "/", path) or "/"
    # Re-quote consistently so that %C3%A1 and á are one URL.
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~")
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    return path


def same_site(url: str, domains: list[str]) -> bool:
    """Whether ``url``'s host is one of ``domains`` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in (d.lower().lstrip(".") for d in domains))
