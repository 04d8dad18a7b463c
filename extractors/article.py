"""One article page (raw bytes) to an `Article`: body text, metadata and reader comments, kept apart.

The page is decoded and parsed once (as UTF-8 bytes, with trafilatura's parser settings); every step
below works on that one tree.

1. Scripts (but JSON-LD), styles and SVG drawings go first: they never hold text, and every later step
   walks the tree.
2. Reader comments are read (`extractors.comments`), then their section is cut out of the tree so no
   comment can leak into the body or be taken for the byline.
3. Metadata comes from what the page says about itself: ``<meta>`` tags and JSON-LD first, the visible
   headline and byline next, htmldate for the publication date.
4. Boilerplate that trafilatura keeps is cut before extraction: "Read more: <link>" lines set inside
   the text, small blocks named as chrome (newsletter, related, copyright, breadcrumb, call to action;
   never one holding a large share of the page's text or its headline), and the headings of link lists.
5. The body is trafilatura's main extractor on that tree. When it finds little (under ``_SHORT_TEXT``
   characters) the page goes through trafilatura's whole cascade (readability, jusText, baseline,
   recall retry), which pays for itself on such pages only.
6. The lead (the standfirst under the headline, which news sites keep outside the article container)
   is put back in front when the extractor left it out.

No rule here names a site: each is about how pages are built, and was kept only when it helped on the
shared evaluation set without hurting elsewhere (see bench/extraction.py).
"""

from __future__ import annotations

import codecs
import re
import threading
import unicodedata
from contextlib import suppress
from copy import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import trafilatura
from htmldate import find_date
from lxml.etree import ParserError, XMLSyntaxError, XPath, strip_elements
from lxml.html import HtmlElement, HTMLParser, fromstring
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.main_extractor import extract_content
from trafilatura.metadata import examine_meta, extract_meta_json
from trafilatura.settings import Extractor
from trafilatura.utils import decode_file
from trafilatura.xml import xmltotxt

from extractors.comments import read_comment_section
from extractors.errors import NoArticle
from extractors.models import Article
from extractors.urls import resolve

__all__ = ["EXTRACTOR", "extract_article", "html_as_utf8", "parse_page"]

EXTRACTOR_VERSION = "1"
EXTRACTOR = f"tealeaves-article {EXTRACTOR_VERSION} / trafilatura {trafilatura.__version__}"

_SHORT_TEXT = 1000  # below this the main extractor alone is unreliable: run trafilatura's whole cascade
_MIN_TEXT = 20  # fewer characters than this is a menu item or a button label, not an article
_WS = re.compile(r"\s+")


def extract_article(html: bytes, url: str, *, encoding: str | None = None) -> Article:
    """The article on a page; ``encoding`` is the charset from the HTTP header, if it sent one.

    Raises NoArticle, saying why, when the page holds no article text (empty, not HTML, no text found).
    """
    if not html or not html.strip():
        raise NoArticle(f"{url}: empty document (no bytes to read)", url=url)
    tree, depth_cut = _parse_page(html, encoding)
    if tree is None:
        raise NoArticle(f"{url}: not an HTML document (the parser found no elements)", url=url)
    try:
        comments, section = read_comment_section(tree)
        for node in section:
            _drop(node)
        meta = read_metadata(tree, url)
        text = _body_text(tree, url, meta.title)
    except RecursionError as err:  # lxml copes with any depth; a few trafilatura helpers recurse
        raise NoArticle(f"{url}: the page is nested too deeply to extract ({err})", url=url) from err
    if not text:
        raise NoArticle(f"{url}: no article text found (the page holds no main text block)", url=url)
    if len(text) < _MIN_TEXT:
        raise NoArticle(f"{url}: no article text found (only {len(text)} characters: {text!r})", url=url)
    return Article(
        text=text,
        title=meta.title,
        author=meta.author,
        published_at=meta.published_at,
        published_precision=meta.published_precision,
        language=meta.language,
        canonical_url=meta.canonical_url,
        sitename=meta.sitename,
        comments=tuple(comments),
        comments_cut=_thread_cut(depth_cut, len(comments)),
        extractor=EXTRACTOR,
    )


def _thread_cut(depth_cut: int | None, read: int) -> str | None:
    """Why the comment thread is incomplete, when the parser stopped inside it."""
    if depth_cut is None or not read:
        return None
    # libxml2 stops the whole parse there: deeper replies and everything after them on the page are lost.
    return (
        f"the HTML parser stopped at its nesting-depth limit ({depth_cut}), so the comment thread is cut: only "
        f"the first {read} comments were read, and the rest of the page after that point is missing"
    )


# -- decoding and parsing ---------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
# WHATWG: these labels mean windows-1252 in a browser, and pages are written against browsers.
_AS_WINDOWS_1252 = {"latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1", "ascii", "us-ascii", "iso_8859-1"}


def html_as_utf8(data: bytes, encoding: str | None = None) -> bytes:
    """The page's bytes in UTF-8 (the same bytes when they already are).

    The charset is, in order: a byte-order mark; UTF-8 when the bytes are valid UTF-8 (other charsets
    almost never are, and servers often mislabel UTF-8 pages); the HTTP header's ``encoding``; the page's
    own <meta> declaration; a statistical guess. Bytes no charset accounts for become U+FFFD."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace").encode("utf-8")
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096])
    for candidate in (encoding, declared.group(1).decode("ascii") if declared else None):
        label = (candidate or "").strip().lower()
        label = "cp1252" if label in _AS_WINDOWS_1252 else label
        if not label or label.replace("-", "").replace("_", "") in ("utf8", "utf16", "utf32"):
            continue  # not UTF-8 (tested above), and a UTF-16/32 page without a BOM is a wrong label
        try:
            return data.decode(label).encode("utf-8")
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_file(data).encode("utf-8", errors="replace")


# huge_tree: libxml2 otherwise stops descending at depth 255 and silently drops what lies deeper. With it,
# libxml2 still stops at depth 2048, and says so in the parser's error log only.
_PARSER = HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True
)
# The parser's error log is that of its last parse: read it under the lock that parse ran under. (lxml
# already runs one parse at a time on a parser, so the lock costs no parallelism.)
_PARSE_LOCK = threading.Lock()
_DEPTH_LIMIT = re.compile(r"Excessive depth in document: (\d+)")
_CONTROL_BYTES = bytes(range(0x20)).translate(None, b"\t\n\r")  # invalid in XML, and libxml2 stops at some
_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")  # U+FFFE, U+FFFF in UTF-8
_SLASHED_DOCTYPE = re.compile(rb"^< ?! ?DOCTYPE[^>]*/[^<>]*>", re.IGNORECASE)  # a libxml2 bug (lxml #1955915)
_SELF_CLOSED_HTML = re.compile(rb"(<html.*?)\s*/>", re.IGNORECASE)


def parse_page(html: bytes, encoding: str | None = None) -> HtmlElement | None:
    """The page as the extraction steps see it: parsed once, without scripts (but JSON-LD), styles and
    SVG drawings; None when the bytes hold no HTML."""
    return _parse_page(html, encoding)[0]


def _parse_page(html: bytes, encoding: str | None) -> tuple[HtmlElement | None, int | None]:
    """`parse_page`, and the depth at which the parser stopped when it hit its nesting limit."""
    tree, depth_cut = _parse(html_as_utf8(html, encoding))
    if tree is not None:
        _strip_code(tree)
    return tree, depth_cut


def _parse(data: bytes) -> tuple[HtmlElement | None, int | None]:
    """Parse UTF-8 page bytes the way trafilatura's loader does (same parser, same repairs), without
    the round trip through a Python string, which costs lxml more than the parse itself."""
    data = data.translate(None, _CONTROL_BYTES)
    for noncharacter in _NONCHARACTERS:
        if noncharacter in data:
            data = data.replace(noncharacter, b"")
    beginning = data[:50].lower()
    if b"doctype" in beginning:
        first_line, newline, rest = data.partition(b"\n")
        data = _SLASHED_DOCTYPE.sub(b"", first_line, count=1) + newline + rest
    for line in data[:4096].splitlines()[:4]:
        if b"<html" in line and line.endswith(b"/>"):
            data = _SELF_CLOSED_HTML.sub(rb"\1>", data, count=1)
            break
    try:
        with _PARSE_LOCK:
            tree = fromstring(data, parser=_PARSER)
            limits = [_DEPTH_LIMIT.match(entry.message) for entry in _PARSER.error_log]
    except (ParserError, XMLSyntaxError, ValueError):
        return None, None
    if tree is None or not len(tree) or (b"html" not in beginning and len(tree) < 2):
        return None, None  # nothing parsed, or a fragment too small to be a page
    depth_cut = next((int(limit.group(1)) for limit in limits if limit), None)
    return tree, depth_cut


def _strip_code(tree: HtmlElement) -> None:
    """Remove what is never text (scripts but JSON-LD, styles, SVG drawings); every later step is faster."""
    strip_elements(tree, "style", "svg", with_tail=False)  # not <noscript>: an unclosed one can hold the page
    for script in list(tree.iter("script")):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            _drop(script)


def _drop(el: HtmlElement) -> None:
    """Remove an element but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _squash(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


# -- metadata ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageMetadata:
    """What a page says about itself."""

    title: str | None
    author: str | None
    published_at: datetime | None
    published_precision: str | None
    language: str | None
    canonical_url: str | None
    sitename: str | None


def read_metadata(tree: HtmlElement, url: str) -> PageMetadata:
    """Title, author, publication date, language, canonical URL and site name of a parsed page."""
    declared = examine_meta(tree)  # <meta> tags, OpenGraph included
    with suppress(ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        declared = extract_meta_json(tree, declared)  # JSON-LD overrides the meta tags; if malformed, they stand
    sitename = _sitename(tree, declared.sitename, url)
    published_at, precision = _published(tree, url)
    return PageMetadata(
        title=_title(tree, declared.title, sitename),
        author=_author(tree, declared.author),
        published_at=published_at,
        published_precision=precision,
        language=_language(tree),
        canonical_url=_canonical(tree, url),
        sitename=sitename,
    )


_SEPARATORS = "|\u2013\u2014\u00b7\u2022\u00bb\u00ab:~/-"  # bar, dashes, middle dot, bullet, guillemets …
_TITLE_SEPARATOR = re.compile(rf"\s+[{_SEPARATORS}]\s+|\s+-\s*|\s*\|\s*")


def _title(tree: HtmlElement, declared: str | None, sitename: str | None) -> str | None:
    """The headline as the page shows it: the <h1> that agrees with the declared title (OpenGraph, JSON-LD,
    <title>), else the page's only <h1>, else the declared title without the site name it usually carries."""
    head_title = tree.find(".//head/title")
    page_title = _squash(head_title.text_content()) if head_title is not None else ""
    declared = _squash(declared) or page_title
    headings = [text for h1 in tree.iterfind(".//body//h1") if 2 < len(text := _squash(h1.text_content())) < 300]
    wanted = declared.casefold()
    for heading in headings:
        if wanted and (heading.casefold() in wanted or wanted in heading.casefold()):
            return heading
    if len(headings) == 1 or (headings and not declared):
        return headings[0]
    return _strip_site(declared, sitename) if declared else None


def _strip_site(title: str, sitename: str | None) -> str:
    """'Headline - Site' and 'Site | Headline' to 'Headline' when one side names the site."""
    parts = [part for part in _TITLE_SEPARATOR.split(title) if part]
    if len(parts) < 2:
        return title
    site = (sitename or "").casefold()
    first, last = parts[0], parts[-1]
    if site and (site in last.casefold() or last.casefold() in site):
        return title[: title.rfind(last)].rstrip(" " + _SEPARATORS)
    if site and (site in first.casefold() or first.casefold() in site):
        return title[len(first) :].lstrip(" " + _SEPARATORS)
    return title


_AUTHOR_XPATH = XPath(
    """(.//body//*[@rel='author' or @itemprop='author' or contains(@class, 'author') or contains(@class, 'Author')
        or contains(@class, 'byline') or contains(@class, 'Byline') or contains(@id, 'author')]
        [not(self::article or self::main or self::section)])[position() <= 12]"""
)
# "Posted by", "Veröffentlicht von", "Publié par" … (the verb may run into the name: "vonChris")
_POSTED_BY = re.compile(
    r"^(?:posted|written|published|veröffentlicht|geschrieben|verfasst|eingestellt|erstellt|publié|publiée|"
    r"écrit|escrito|publicado|pubblicato|scritto)\s*(?:by|von|par|por|di|da|door)\s*:?\s*",
    re.IGNORECASE,
)
_BY = re.compile(
    r"^(?:by|von|par|por|di|door|av|af|autor|autorin|auteur|author|text|texto)(?:\s*:\s*|\s+)", re.IGNORECASE
)
_EDITOR = re.compile(r"^(?:责任编辑|編輯|编辑|作者)\s*[:\uff1a]\s*")  # "editor:" on Chinese pages
_DATE_LABEL = re.compile(r"^(?:posted|published|updated|veröffentlicht|publiziert|aktualisiert|erschienen)\b", re.I)
_NAME_TRIM = " |-\u2013\u2014:,\u00b7\u2022/\u00a9"  # bars, dashes, colons, bullets, ©


def _author(tree: HtmlElement, declared: str | None) -> str | None:
    """The byline: meta tags and JSON-LD, else the first short element marked as the author."""
    if declared and " " in declared.strip():  # a one-word meta author is often a login name
        return _squash(declared)
    for el in _AUTHOR_XPATH(tree):
        if el.find(".//p") is not None:  # an author box with a biography, not a byline
            continue
        name = _clean_name(el.text_content())
        if 2 < len(name) < 60 and len(name.split()) <= 6 and not any(ch.isdigit() for ch in name):
            return name
    return _squash(declared) or None


def _clean_name(text: str) -> str:
    name = _squash(text).strip(_NAME_TRIM)
    if _DATE_LABEL.match(name) and not _POSTED_BY.match(name):
        return ""  # "Posted on", "Veröffentlicht am": the date's label, not a name
    for prefix in (_POSTED_BY, _BY, _EDITOR):
        name = prefix.sub("", name, count=1)
    return name.strip(_NAME_TRIM)


_DATE_PARAMS: dict[str, Any] = {"original_date": True, "outputformat": "%Y-%m-%d"}
_URL_MONTH = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(?!\d\d/)")


def _published(tree: HtmlElement, url: str) -> tuple[datetime | None, str | None]:
    """When the page was first published, and how precisely ('day', 'month' or 'year').

    In order of trust: a timestamp the page declares (meta tags, JSON-LD), htmldate's quick search
    (markup, URL), a /yyyy/mm/ URL (month), htmldate's search of the visible text; a bare year there
    (a copyright line) comes back as 1 January and is kept as a year."""
    stamp = _declared_timestamp(tree)
    if stamp is not None:
        return stamp, "day"
    found = find_date(tree, url=url, extensive_search=False, **_DATE_PARAMS)
    if found:
        return _midnight(found), "day"
    month = _URL_MONTH.search(url)
    if month:
        return datetime(int(month.group(1)), int(month.group(2)), 1, tzinfo=UTC), "month"
    found = find_date(tree, url=url, extensive_search=True, **_DATE_PARAMS)
    if found:
        return _midnight(found), "year" if found.endswith("-01-01") else "day"
    return None, None


def _midnight(day: str) -> datetime:
    parsed = date.fromisoformat(day)
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)


_PUBLISHED_META = XPath(
    """.//head/meta[@property='article:published_time' or @name='article:published_time'
        or @itemprop='datePublished' or @name='datePublished' or @name='pubdate'
        or @name='publishdate' or @name='dc.date.issued' or @name='DC.date.issued'][@content]/@content"""
)
_JSON_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{10,40})"')


def _declared_timestamp(tree: HtmlElement) -> datetime | None:
    """A full timestamp with its zone, as the page declares it in meta tags or JSON-LD."""
    values = list(_PUBLISHED_META(tree))
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        values.extend(_JSON_PUBLISHED.findall(script.text or ""))
    for value in values:
        try:
            stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        if stamp.tzinfo is not None and 1990 <= stamp.year <= datetime.now(UTC).year:
            return stamp
    return None


_LANG = re.compile(r"^[a-zA-Z]{2,3}(?=$|[-_])")


def _language(tree: HtmlElement) -> str | None:
    """ISO 639 code the page declares (<html lang>, Content-Language, og:locale)."""
    candidates = [tree.get("lang"), tree.get("xml:lang")]
    for meta in tree.iterfind(".//head/meta[@content]"):
        name = (meta.get("http-equiv") or meta.get("property") or meta.get("name") or "").lower()
        if name in ("content-language", "og:locale", "language", "dc.language"):
            candidates.append(meta.get("content"))
    for value in candidates:
        match = _LANG.match((value or "").strip())
        if match:
            return match.group(0).lower()
    return None


def _canonical(tree: HtmlElement, url: str) -> str | None:
    """The <link rel=canonical> target, absolute (resolved against the page URL)."""
    for link in tree.iterfind(".//link[@href]"):
        if "canonical" in (link.get("rel") or "").lower().split():
            return resolve(url, link.get("href"))
    return None


def _sitename(tree: HtmlElement, declared: str | None, url: str) -> str | None:
    """The site's name (og:site_name, JSON-LD publisher, application-name), else its host."""
    name = _squash(declared).lstrip("@")
    if name and not name.startswith("http"):
        return name
    host = (resolve(url, url) or "").split("/")[2:3]
    return host[0].removeprefix("www.") if host else None


# -- boilerplate --------------------------------------------------------------------------------------

_LINK_LABEL_BLOCKS = frozenset({"p", "div", "li", "h2", "h3", "h4", "h5", "h6", "blockquote"})
_BLOCK_TAGS = frozenset(
    {"p", "div", "ul", "ol", "table", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li"}
)
_LABEL_END = (":", "?", "!")
_LABEL_TRIM = " \u00a0\u00bb\u203a>-\u2013\u2014|\u2022"  # spaces, arrows, dashes, bars, bullets


def _label_link_lines(body: HtmlElement) -> list[HtmlElement]:
    """Lines such as "Read more: <a>Other story</a>" or "VEA TAMBIÉN: <a>…</a>": a short label ending in
    a colon (or ? / !), then a link to another page; recommendations set inside the text."""
    seen: dict[int, HtmlElement] = {}  # holds the elements so their ids stay theirs
    found: list[HtmlElement] = []
    for link in body.iter("a"):
        block = next(link.iterancestors(*_LINK_LABEL_BLOCKS), None)
        if block is None or id(block) in seen:
            continue
        seen[id(block)] = block
        if next(block.iterdescendants(*_BLOCK_TAGS), None) is not None:
            continue
        raw = block.text_content()
        if len(raw) > 600:
            continue
        links = [a.text_content() for a in block.iter("a")]
        if len(raw.strip()) - len("".join(links).strip()) < 2:
            continue  # nothing but links: a menu item, not a labelled recommendation
        text = _squash(raw)
        link_texts = [_squash(part) for part in links]
        if not text or len(text) > 300 or sum(map(len, link_texts)) < max(15, len(text) / 2):
            continue
        label = text
        for part in link_texts:
            label = label.replace(part, "", 1)
        label = label.strip(_LABEL_TRIM)
        if label and len(label) <= 40 and label.endswith(_LABEL_END):
            found.append(block)
    return found


_CHROME_WORDS = ("newsletter", "promo", "disclaimer", "copyright", "related", "sidebar", "popup", "breadcrumb")
_CTA = re.compile(r"(?:^|[\s_-])cta(?:$|[\s_-])")  # call-to-action box, not the letters inside a word
_CHROME_MAX_SHARE = 0.15  # a block holding more of the page's text than this is a layout wrapper
_CHROME_MAX_CHARS = 2000  # characters of raw text, whitespace included
_NEVER_CHROME = frozenset({"html", "body", "main", "article"})


def _chrome_blocks(body: HtmlElement) -> list[HtmlElement]:
    """Small blocks named as site chrome (newsletter box, related links, copyright line, breadcrumb …)."""
    candidates = []
    for el in body.iter():
        name = el.get("class") or el.get("id")
        if not name or el.tag in _NEVER_CHROME:
            continue
        name = f"{el.get('class')} {el.get('id')}".lower()
        if any(word in name for word in _CHROME_WORDS) or ("cta" in name and _CTA.search(name)):
            candidates.append(el)
    if not candidates:
        return []
    limit = min(_CHROME_MAX_CHARS, _CHROME_MAX_SHARE * len(body.text_content()))
    chosen: list[HtmlElement] = []
    inside: set[HtmlElement] = set()  # descendants of a chosen block go with it
    for el in candidates:
        if el in inside or len(el.text_content()) >= limit or el.find(".//h1") is not None:
            continue
        chosen.append(el)
        inside.update(el.iterdescendants())
    return chosen


_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_LIST_TAGS = ("ul", "ol")


def _link_list_headings(body: HtmlElement) -> list[HtmlElement]:
    """The heading over a list of links ("More on this topic", "Most read"): trafilatura drops such a
    list by its link density but keeps the heading, which then dangles at the end of the text."""
    found: list[HtmlElement] = []
    for listing in body.iter(*_LIST_TAGS):
        heading = listing.getprevious()
        while heading is not None and not isinstance(heading.tag, str):
            heading = heading.getprevious()
        if heading is None or heading.tag not in _HEADINGS or heading.find(".//a") is not None:
            continue
        links = [a.text_content() for a in listing.iter("a")]
        text = listing.text_content()
        if len(links) >= 2 and len(text) < 3000 and len("".join(links).strip()) > 0.7 * len(text.strip()):
            found.append(heading)
    return found


# -- lead paragraph -----------------------------------------------------------------------------------

_LEAD_NAME = re.compile(
    r"lead|intro|teaser|excerpt|chapo|deck|standfirst|summary|abstract|descript|preface|sub-?title|subline|sub-?head",
    re.IGNORECASE,
)
_NOT_LEAD_NAME = re.compile(r"author|bio|comment|newsletter|related|share|social|login|signup|subscri", re.IGNORECASE)
_FOLLOWING = XPath("following::*[position() <= 300]")
_FIRST_ELEMENTS = XPath("(.//*)[position() <= 300]")
_LEAD_TAGS = frozenset({"p", "div", "h2", "h3", "span", "strong", "section"})
_LEAD_INNER_BLOCKS = frozenset({"p", "div", "h2", "ul", "ol", "table"})


def _headline(body: HtmlElement, title: str | None) -> HtmlElement | None:
    """The element showing the headline: the <h1> (or <h2>) that reads as the title, else the first <h1>."""
    headings = list(body.iter("h1", "h2")) if title else []
    wanted = (title or "").casefold()
    for heading in headings:
        text = _squash(heading.text_content()).casefold()
        if text and (text == wanted or (len(text) > 10 and (text in wanted or wanted in text))):
            return heading
    return next(body.iter("h1"), None)


def _lead(body: HtmlElement, title: str | None) -> str | None:
    """The standfirst: the first element after the headline named like a lead ('lead', 'intro', 'teaser',
    'excerpt', 'chapo', 'deck' …) that holds a sentence or two of its own text rather than links."""
    anchor = _headline(body, title)
    following = _FOLLOWING(anchor) if anchor is not None else _FIRST_ELEMENTS(body)
    for el in following:
        if el.tag not in _LEAD_TAGS:
            continue
        name = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _LEAD_NAME.search(name):
            continue
        if _NOT_LEAD_NAME.search(name) or next(el.iterancestors("a"), None) is not None:
            continue
        text = _squash(el.text_content())
        if not 40 <= len(text) <= 1500:
            continue
        if el.tag != "div" and next(el.iterdescendants(*_LEAD_INNER_BLOCKS), None) is not None:
            continue
        if sum(len(_squash(a.text_content())) for a in el.iter("a")) > 0.3 * len(text):
            continue
        return text
    return None


# -- body -----------------------------------------------------------------------------------------------


def _body_text(tree: HtmlElement, url: str, title: str | None) -> str:
    """The article text; mutates ``tree`` (boilerplate is cut out of it)."""
    body_element = tree.find("body")
    lead = None
    if body_element is not None:
        for el in _label_link_lines(body_element) + _chrome_blocks(body_element) + _link_list_headings(body_element):
            _drop(el)
        lead = _lead(body_element, title)
    options = Extractor(output_format="python", fast=True, comments=False, url=url)
    cleaned = convert_tags(tree_cleaning(copy(tree), options), options, url)
    body, raw_text = extract_content(cleaned, options)
    if len(raw_text) < _SHORT_TEXT:
        document = trafilatura.bare_extraction(tree, url=url, include_comments=False, with_metadata=False)
        if document is not None and not isinstance(document, dict) and document.text:
            body = document.body
    text = xmltotxt(body, False)
    text = text.strip()
    if lead and text and lead not in _squash(text):
        text = f"{lead}\n{text}"
    return unicodedata.normalize("NFC", text)  # as trafilatura's own output
