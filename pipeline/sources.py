"""The source registry: ``sources.yaml`` loaded and validated.

Discovery is configuration, not code: each source lists its feeds, sitemaps and listing
pages (with how to recognise article links and the next page). A bad file is rejected as
a whole with one line that names the file, the line, the source id and the field, so an
operator can fix it without reading a traceback.

Strings may contain ``${VAR}`` or ``${VAR:-default}``: they are expanded from the
environment before validation (the sample sites use this for their ports).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pipeline import yamlfile
from pipeline.gazetteer import find_province, is_unit_2025
from pipeline.types import Selectors

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_LISTING_PAGES = 1000  # the most pages one listing may be read to (a trap stops here)
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_DURATION_RE = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class RegistryError(ValueError):
    """A sources file that cannot be used; the message is one line that says what to fix."""


class SourceKind(StrEnum):
    NATIONAL = "national"
    PROVINCIAL_DEPARTMENT = "provincial_department"
    PROVINCIAL_PORTAL = "provincial_portal"
    PROVINCIAL_PAPER = "provincial_paper"
    # Since 2025 the Department of Culture, Sports and Tourism (Sở VHTTDL) holds press and external
    # information, and the Department of Science and Technology (Sở KH&CN) absorbed the DoIC.
    CULTURE_DEPARTMENT = "culture_department"
    SCIENCE_DEPARTMENT = "science_department"


def parse_duration(value: str) -> timedelta:
    """``"90s"``, ``"30m"``, ``"2h"``, ``"1d"``, ``"1w"`` -> timedelta."""
    match = _DURATION_RE.match(str(value))
    if not match:
        raise ValueError(f"invalid duration {value!r}: use a number and a unit (s, m, h, d, w), e.g. '2h'")
    return timedelta(**{_DURATION_UNITS[match.group(2)]: int(match.group(1))})


def _check_regex(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"invalid regex {value!r}: {exc}") from None
    return value


def _check_css(value: str | None) -> str | None:
    if value is None:
        return None
    from cssselect import GenericTranslator, SelectorError  # parsel's dependency, always installed

    try:
        GenericTranslator().css_to_xpath(value)
    except SelectorError as exc:
        raise ValueError(f"invalid CSS selector {value!r}: {exc}") from None
    return value


def _check_url(value: str) -> str:
    """An http(s) URL with a host: the crawler fetches nothing else (no ftp:, file:, javascript:,
    mailto:, and no bare host name, which Scrapy would refuse only mid-crawl)."""
    from urllib.parse import urlsplit

    scheme = value.partition(":")[0] if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) else ""
    if scheme not in ("http", "https"):
        why = f"scheme {scheme!r} is not http or https" if scheme else "no http:// or https:// scheme"
        raise ValueError(f"invalid URL {value!r}: {why} (use http://host/... or https://host/...)")
    if re.search(r"[\s\x00-\x1f\x7f]", value):
        raise ValueError(f"invalid URL {value!r}: contains a space or control character (write %20)")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise ValueError(f"invalid URL {value!r}: {exc}") from None
    if not parts.hostname:
        raise ValueError(f"invalid URL {value!r}: no host name after {scheme}://")
    return value


# A URL field: validated item by item, so that an error names the list index (``feeds[1]``).
HttpUrl = Annotated[str, AfterValidator(_check_url)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Listing(_Model):
    """Category listing pages and how to page through them."""

    urls: list[HttpUrl] = Field(min_length=1)
    article_pattern: str | None = None
    article_selector: str | None = None
    next_selector: str | None = None
    max_pages: int = Field(default=5, ge=1, le=MAX_LISTING_PAGES)

    @field_validator("article_pattern")
    @classmethod
    def check_pattern(cls, v: str | None) -> str | None:
        return _check_regex(v)

    @field_validator("article_selector", "next_selector")
    @classmethod
    def check_css(cls, v: str | None) -> str | None:
        return _check_css(v)


class Discovery(_Model):
    feeds: list[HttpUrl] = Field(default_factory=list)
    sitemaps: list[HttpUrl] = Field(default_factory=list)
    listings: list[Listing] = Field(default_factory=list)
    article_pattern: str | None = None

    @field_validator("article_pattern")
    @classmethod
    def check_pattern(cls, v: str | None) -> str | None:
        return _check_regex(v)

    @property
    def is_auto(self) -> bool:
        """No discovery URL given: the crawler learns feeds, sitemaps and listings from the homepage."""
        return not (self.feeds or self.sitemaps or self.listings)

    @model_validator(mode="after")
    def _has_something(self) -> Discovery:
        for i, listing in enumerate(self.listings):
            if not (listing.article_pattern or listing.article_selector or self.article_pattern):
                raise ValueError(
                    f"listings[{i}] cannot recognise article links: give article_pattern or article_selector"
                )
        return self


class Extraction(_Model):
    title: str | None = None
    lead: str | None = None
    body: str | None = None
    date: str | None = None
    author: str | None = None
    remove: list[str] = Field(default_factory=list)

    @field_validator("title", "lead", "body", "date", "author")
    @classmethod
    def check_css(cls, v: str | None) -> str | None:
        return _check_css(v)

    @field_validator("remove")
    @classmethod
    def check_remove(cls, v: list[str]) -> list[str]:
        return [s for s in v if _check_css(s)]

    def selectors(self) -> Selectors:
        return Selectors(self.title, self.lead, self.body, self.date, self.author, tuple(self.remove))


class Schedule(_Model):
    every: str | None = None
    cron: str | None = None
    jitter: str = "5m"

    @field_validator("every", "jitter")
    @classmethod
    def _duration(cls, v: str | None) -> str | None:
        if v is not None:
            parse_duration(v)
        return v

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None:
            from apscheduler.triggers.cron import CronTrigger

            try:
                CronTrigger.from_crontab(v, timezone="Asia/Ho_Chi_Minh")
            except ValueError as exc:
                raise ValueError(f"invalid cron expression {v!r}: {exc}") from None
        return v

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of 'every' (e.g. '2h') or 'cron' (e.g. '15 */3 * * *')")
        return self


class RequestOptions(_Model):
    """What a site needs before or with its requests (configuration, not code).

    ``cookies_from``: a URL visited first so the site sets the cookies its feeds need
    (qdnd.vn's RSS redirects in a loop without the cookie set by ``/rss``).
    ``headers``: extra request headers sent with every request to the source.
    ``unsupported``: the reason the crawler cannot read the site (e.g. a JavaScript cookie
    challenge); the spider then skips the source and records an ``unsupported`` error.
    ``render``: ``http`` (the default) or ``browser``: the site builds its lists or articles
    in JavaScript, so its HTML pages are loaded by Chromium (``spiders/browser.py``).
    """

    cookies_from: HttpUrl | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    unsupported: str | None = None
    render: Literal["http", "browser"] = "http"

    @field_validator("headers")
    @classmethod
    def check_headers(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            if not re.match(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", name):
                raise ValueError(f"invalid header name {name!r}")
            if "\n" in str(value) or "\r" in str(value):
                raise ValueError(f"invalid value for header {name!r}: no line breaks")
        return v

    @field_validator("unsupported")
    @classmethod
    def check_reason(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("unsupported: give the reason, e.g. 'JavaScript cookie challenge'")
        return v


class Source(_Model):
    id: str
    name: str
    kind: SourceKind
    province: str | None = None
    province_2025: str | None = None
    homepage: HttpUrl
    languages: list[str] = Field(default_factory=lambda: ["vi"])
    allowed_domains: list[str] = Field(default_factory=list)
    enabled: bool = True
    schedule: Schedule = Field(default_factory=lambda: Schedule(every="6h"))
    lineage: list[str] = Field(default_factory=list)
    notes: str = ""
    discovery: Discovery = Field(default_factory=Discovery)  # empty: learned from the homepage
    extraction: Extraction = Field(default_factory=Extraction)
    request: RequestOptions = Field(default_factory=RequestOptions)

    def row(self) -> dict[str, Any]:
        """The fields of its ``sources`` row (``storage.repository.upsert_source``)."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind.value,
            "province": self.province,
            "province_2025": self.province_2025,
            "homepage": self.homepage,
            "enabled": self.enabled,
            "config": self.model_dump(mode="json"),
        }

    def public_dump(self) -> dict[str, Any]:
        """The source as JSON for listings: request header values hidden (they hold API tokens
        and cookies, often put there from the environment), their names kept."""
        data = self.model_dump(mode="json")
        data["request"]["headers"] = {name: "***" for name in data["request"]["headers"]}
        return data

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError(f"invalid id {v!r}: use lower-case letters, digits, '-' and '_'")
        return v

    @field_validator("languages")
    @classmethod
    def _languages(cls, v: list[str]) -> list[str]:
        for code in v:
            if not re.match(r"^[a-z]{2,3}$", code):
                raise ValueError(f"invalid language code {code!r}: use ISO 639-1 codes such as 'vi', 'en'")
        return v

    @model_validator(mode="after")
    def _province(self) -> Source:
        if self.province is not None:
            found = find_province(self.province)
            if found is None:
                raise ValueError(
                    f"province: unknown province {self.province!r} (use one of the 63 pre-2025 names)"
                )
            if self.province_2025 is not None and self.province_2025 != found.unit_2025:
                raise ValueError(
                    f"province_2025: {self.province!r} became {found.unit_2025!r} in 2025, not {self.province_2025!r}"
                )
            object.__setattr__(self, "province", found.name)
            object.__setattr__(self, "province_2025", found.unit_2025)
        elif self.province_2025 is not None and not is_unit_2025(self.province_2025):
            raise ValueError(f"province_2025: unknown 2025 unit {self.province_2025!r}")
        elif self.kind != SourceKind.NATIONAL and self.province_2025 is None:
            raise ValueError(f"province: required for a {self.kind.value} source")
        if not self.allowed_domains:
            from urllib.parse import urlsplit

            object.__setattr__(self, "allowed_domains", [urlsplit(self.homepage).hostname or ""])
        return self

    def selectors(self) -> Selectors | None:
        sel = self.extraction.selectors()
        return sel if sel != Selectors() else None


class Registry(_Model):
    sources: list[Source]
    path: str = ""

    def get(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        known = ", ".join(s.id for s in self.sources)
        raise RegistryError(f"{self.path}: no source with id {source_id!r} (known: {known})")

    def enabled(self) -> list[Source]:
        return [s for s in self.sources if s.enabled]


def expand_env(value: Any, env: Mapping[str, str]) -> Any:
    """Expand ``${VAR}`` / ``${VAR:-default}`` in every string of a parsed YAML document."""
    if isinstance(value, str):

        def repl(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            if name in env and env[name] != "":
                return env[name]
            if default is not None:
                return default
            raise RegistryError(f"environment variable {name} is not set (and has no ':-default')")

        return _ENV_RE.sub(repl, value)
    if isinstance(value, list):
        return [expand_env(v, env) for v in value]
    if isinstance(value, dict):
        return {k: expand_env(v, env) for k, v in value.items()}
    return value


def _line_of(root: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (or of its deepest existing parent)."""
    node, line = root, None
    for key in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
            if node is None:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            node = None
    return node.start_mark.line + 1 if node is not None else line


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_registry(text: str, path: str = "sources.yaml", env: Mapping[str, str] | None = None) -> Registry:
    """Parse and validate registry text; raise RegistryError with a one-line message."""
    env = os.environ if env is None else env
    try:
        root = yaml.compose(text)
        data = yamlfile.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RegistryError(f"{path}{where}: not valid YAML: {problem}") from None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise RegistryError(f"{path}: expected a mapping with a 'sources:' list at the top")
    unknown = set(data) - {"sources"}
    if unknown:
        raise RegistryError(
            f"{path}: unknown top-level key {sorted(unknown)[0]!r} (only 'sources' is allowed)"
        )
    seen: dict[str, int] = {}
    homepages: dict[tuple[str, str], tuple[str, int]] = {}
    sources = []
    for index, raw in enumerate(data["sources"]):
        sid = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
        where = _line_of(root, ("sources", index))
        try:
            if not isinstance(raw, dict):
                raise RegistryError(f"{path}:{where}: source {sid!r}: expected a mapping of fields")
            source = Source.model_validate(expand_env(raw, env))
        except RegistryError as exc:
            raise RegistryError(f"{path}:{where}: source {sid!r}: {exc}") from None
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            line = _line_of(root, ("sources", index, *loc)) or where
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown field (check the spelling; see docs/sources.md)"
            elif err["type"] == "missing":
                message = "required field is missing"
            field = _format_loc(loc) or "(source)"
            raise RegistryError(f"{path}:{line}: source {sid!r}: {field}: {message}") from None
        if source.id in seen:
            raise RegistryError(
                f"{path}:{where}: source {sid!r}: id: duplicate id (first used on line {seen[source.id]})"
            )
        seen[source.id] = where or 0
        # The same homepage and the same discovery: one site crawled twice, each article stored twice.
        home = (_homepage_key(source.homepage), source.discovery.model_dump_json())
        if source.enabled and home in homepages:
            first_id, first_line = homepages[home]
            raise RegistryError(
                f"{path}:{where}: source {sid!r}: homepage: {source.homepage} is already crawled by "
                f"{first_id!r} (line {first_line}) with the same discovery; disable one or give each "
                "its own edition's URL or feeds"
            )
        if source.enabled:
            homepages[home] = (source.id, where or 0)
        sources.append(source)
    return Registry(sources=sources, path=path)


def _homepage_key(url: str) -> str:
    """The homepage as two sources would share it: scheme, ``www.`` and a final slash ignored."""
    rest = url.split("://", 1)[-1].lower().rstrip("/")
    return rest.removeprefix("www.")


def load_registry(path: str | Path, env: Mapping[str, str] | None = None) -> Registry:
    """Load ``path``; a missing or unreadable file is a RegistryError, not a traceback."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(f"{p}: file not found (set NEWSMON_SOURCES or pass --sources)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{p}: cannot read: {exc}") from None
    return parse_registry(text, str(p), env)
