"""One article page (raw bytes) to an `Article`: body text, metadata and reader comments, kept apart.

The page is decoded and parsed once; every step below works on that one tree.

1. Reader comments are read (`extractors.comments`), then their section is cut out of the tree so no
   comment can leak into the body.
2. Metadata comes from what the page says about itself: ``<meta>`` tags and JSON-LD first, the visible
   headline and byline next, htmldate for the publication date.
3. Boilerplate that trafilatura keeps is cut before extraction: "Read more: <link>" lines inside the
   text, and small newsletter / related-content / copyright / breadcrumb blocks (never one that holds a
   large share of the page's text or its headline).
4. The body is trafilatura's main extractor on that tree. When it finds little (under
   ``_SHORT_TEXT`` characters) the page goes through trafilatura's full cascade (readability, jusText,
   baseline, recall retry), which only pays off on such pages.
5. The lead paragraph (the standfirst under the headline, which news sites keep outside the article
   container) is put back in front when the extractor missed it.
"""

from __future__ import annotations

import codecs
import re
from copy import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import trafilatura
from htmldate import find_date
from lxml.etree import ParserError, XPath, strip_elements
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.main_extractor import extract_content
from trafilatura.metadata import examine_meta, extract_meta_json
from trafilatura.settings import Extractor
from trafilatura.utils import decode_file, load_html
from trafilatura.xml import xmltotxt

from extractors.comments import comment_section_nodes, extract_comments
from extractors.errors import NoArticle
from extractors.models import Article
from extractors.urls import resolve

__all__ = ["EXTRACTOR", "extract_article"]

EXTRACTOR_VERSION = "1"
EXTRACTOR = f"tealeaves-article {EXTRACTOR_VERSION} / trafilatura {trafilatura.__version__}"

_SHORT_TEXT = 1500  # below this the main extractor alone is unreliable: run trafilatura's whole cascade
_WS = re.compile(r"\s+")


def extract_article(html: bytes, url: str, *, encoding: str | None = None) -> Article:
    """The article on a page; ``encoding`` is the charset from the HTTP header, if it sent one.

    Raises NoArticle, saying why, when the page holds no article text (empty, not HTML, no text found).
    """
    if not html or not html.strip():
        raise NoArticle(f"{url}: empty document (no bytes to read)", url=url)
    tree = _parse(decode_html(html, encoding))
    if tree is None:
        raise NoArticle(f"{url}: not an HTML document (the parser found no elements)", url=url)
    _strip_code(tree)
    try:
        comments = extract_comments(tree)
        for node in comment_section_nodes(tree):
            _drop(node)
        meta = read_metadata(tree, url)
        text = _body_text(tree, url)
    except RecursionError as err:  # lxml copes with any depth; a few trafilatura helpers recurse
        raise NoArticle(f"{url}: the page is nested too deeply to extract ({err})", url=url) from err
    if not text:
        raise NoArticle(f"{url}: no article text found (the page holds no main text block)", url=url)
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
        extractor=EXTRACTOR,
    )


# -- decoding and parsing ---------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
# WHATWG: these labels mean windows-1252 in a browser, and pages are written against browsers.
_AS_WINDOWS_1252 = {"latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1", "ascii", "us-ascii", "iso_8859-1"}


def decode_html(data: bytes, encoding: str | None = None) -> str:
    """Page bytes to text: byte-order mark, then the HTTP charset, UTF-8, the page's own <meta> charset,
    and last a statistical guess; bytes no charset accounts for become U+FFFD rather than an error."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    declared = _META_CHARSET.search(data[:4096])
    candidates = [encoding, "utf-8", declared.group(1).decode("ascii") if declared else None]
    for candidate in candidates:
        if not candidate:
            continue
        label = candidate.strip().lower()
        label = "cp1252" if label in _AS_WINDOWS_1252 else label
        try:
            return data.decode(label)
        except (LookupError, UnicodeDecodeError):
            continue
    return decode_file(data)


def _parse(text: str) -> HtmlElement | None:
    try:
        tree = load_html(text)
    except (ParserError, ValueError):
        return None
    if tree is None or not len(tree):
        return None
    return tree


def _strip_code(tree: HtmlElement) -> None:
    """Remove what is never text (scripts but JSON-LD, styles, SVG drawings); every later step is faster."""
    strip_elements(tree, "style", "svg", "noscript", with_tail=False)
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
    try:
        declared = extract_meta_json(tree, declared)  # JSON-LD overrides the meta tags
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        pass  # malformed JSON-LD: the meta tags stand
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


_TITLE_SEPARATOR = re.compile(r"\s+[|–—·•»«:~/-]\s+|\s+-\s*|\s*\|\s*")


def _title(tree: HtmlElement, declared: str | None, sitename: str | None) -> str | None:
    """The headline: the page's <h1> when it agrees with the declared title, else the declared title
    (OpenGraph, JSON-LD, <title>) without the site name it usually carries."""
    head_title = tree.find(".//head/title")
    page_title = _squash(head_title.text_content()) if head_title is not None else ""
    declared = _squash(declared) or page_title
    headings = [text for h1 in tree.iterfind(".//body//h1") if 2 < len(text := _squash(h1.text_content())) < 300]
    for heading in headings:
        if declared and (heading.casefold() in declared.casefold() or declared.casefold() in heading.casefold()):
            return heading
    if len(headings) == 1 and not declared:
        return headings[0]
    if not declared:
        return None
    return _strip_site(declared, sitename)


def _strip_site(title: str, sitename: str | None) -> str:
    """'Headline - Site' and 'Site | Headline' to 'Headline' when one side names the site."""
    parts = [part for part in _TITLE_SEPARATOR.split(title) if part]
    if len(parts) < 2:
        return title
    site = (sitename or "").casefold()
    first, last = parts[0], parts[-1]
    if site and (site in last.casefold() or last.casefold() in site):
        return title[: title.rfind(last)].rstrip(" |–—·•»«:~/-")
    if site and (site in first.casefold() or first.casefold() in site):
        return title[len(first) :].lstrip(" |–—·•»«:~/-")
    return title


_AUTHOR_XPATH = XPath(
    """(.//*[@rel='author' or @itemprop='author' or @class='author' or @class='byline'
        or contains(@class, 'author-name') or contains(@class, 'byline__name')])[position() <= 5]"""
)
_BY = re.compile(r"^(by|von|par|por|di|door|av|af|autor|author|text)\s*:?\s+", re.IGNORECASE)


def _author(tree: HtmlElement, declared: str | None) -> str | None:
    """The byline: meta tags and JSON-LD, else a short element marked as the author."""
    if declared and " " in declared.strip():  # a one-word meta author is usually a login name
        return _squash(declared)
    for el in _AUTHOR_XPATH(tree):
        name = el.get("content") if el.tag == "meta" else el.text_content()
        name = _BY.sub("", _squash(name))
        if 2 < len(name) < 80 and not any(ch.isdigit() for ch in name):
            return name
    return _squash(declared) or None


_DATE_PARAMS: dict[str, Any] = {"original_date": True, "outputformat": "%Y-%m-%d"}
_URL_MONTH = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(?!\d\d/)")


def _published(tree: HtmlElement, url: str) -> tuple[datetime | None, str | None]:
    """When the page was first published, and how precisely: ('day'), or only the month from its URL."""
    stamp = _declared_timestamp(tree)
    if stamp is not None:
        return stamp, "day"
    found = find_date(tree, url=url, extensive_search=False, **_DATE_PARAMS) or find_date(
        tree, url=url, extensive_search=True, **_DATE_PARAMS
    )
    if found:
        day = date.fromisoformat(found)
        return datetime(day.year, day.month, day.day, tzinfo=UTC), "day"
    month = _URL_MONTH.search(url)
    if month:
        return datetime(int(month.group(1)), int(month.group(2)), 1, tzinfo=UTC), "month"
    return None, None


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
_LABEL_TRIM = " \u00a0»›>-–—|•"


def _label_link_lines(body: HtmlElement) -> list[HtmlElement]:
    """Lines such as "Read more: <a>Other story</a>" or "VEA TAMBIÉN: <a>…</a>": a short label ending in
    a colon (or ? / !), then a link to another page; recommendations set inside the text."""
    found: dict[int, HtmlElement] = {}
    for link in body.iter("a"):
        block = next((up for up in link.iterancestors() if up.tag in _LINK_LABEL_BLOCKS), None)
        if block is None or id(block) in found:
            continue
        if any(isinstance(el.tag, str) and el.tag in _BLOCK_TAGS for el in block.iterdescendants()):
            continue
        text = _squash(block.text_content())
        if not text or len(text) > 300:
            continue
        link_texts = [_squash(a.text_content()) for a in block.iter("a")]
        if sum(map(len, link_texts)) < max(15, len(text) / 2):
            continue
        label = text
        for part in link_texts:
            label = label.replace(part, "", 1)
        label = label.strip(_LABEL_TRIM)
        if label and len(label) <= 40 and label.endswith(_LABEL_END):
            found[id(block)] = block
    return list(found.values())


_CHROME_NAME = re.compile(
    r"newsletter|promo|disclaimer|copyright|related|(?:^|[\s_-])cta(?:$|[\s_-])|sidebar|popup|breadcrumb",
    re.IGNORECASE,
)
_CHROME_MAX_SHARE = 0.15  # a block holding more of the page's text than this is a layout wrapper
_CHROME_MAX_CHARS = 1500
_NEVER_CHROME = frozenset({"html", "body", "main", "article"})


def _chrome_blocks(body: HtmlElement) -> list[HtmlElement]:
    """Small blocks named as site chrome (newsletter box, related links, copyright line, breadcrumb …)."""
    candidates = [
        el
        for el in body.iter()
        if (el.get("class") or el.get("id"))
        and el.tag not in _NEVER_CHROME
        and _CHROME_NAME.search(f"{el.get('class') or ''} {el.get('id') or ''}")
    ]
    if not candidates:
        return []
    limit = min(_CHROME_MAX_CHARS, _CHROME_MAX_SHARE * len(_squash(body.text_content())))
    return [el for el in candidates if len(_squash(el.text_content())) < limit and el.find(".//h1") is None]


# -- lead paragraph -----------------------------------------------------------------------------------

_LEAD_NAME = re.compile(
    r"lead|intro|teaser|excerpt|chapo|deck|standfirst|summary|abstract|descript|preface|sub-?title|subline|sub-?head",
    re.IGNORECASE,
)
_NOT_LEAD_NAME = re.compile(r"author|bio|comment|newsletter|related|share|social|login|signup|subscri", re.IGNORECASE)
_AFTER_HEADLINE = XPath("(.//body//h1)[1]/following::*[position() <= 300]")
_LEAD_TAGS = frozenset({"p", "div", "h2", "h3", "span", "strong", "section"})
_LEAD_INNER_BLOCKS = frozenset({"p", "div", "h2", "ul", "ol", "table"})


def _lead(tree: HtmlElement) -> str | None:
    """The standfirst: the first element after the <h1> named like a lead ('lead', 'intro', 'teaser',
    'excerpt', 'chapo', 'deck' …) that holds a paragraph of its own text rather than links."""
    for el in _AFTER_HEADLINE(tree):
        if el.tag not in _LEAD_TAGS:
            continue
        name = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _LEAD_NAME.search(name):
            continue
        if _NOT_LEAD_NAME.search(name) or any(up.tag == "a" for up in el.iterancestors()):
            continue
        text = _squash(el.text_content())
        if not 40 <= len(text) <= 1500:
            continue
        if el.tag != "div" and any(
            isinstance(inner.tag, str) and inner.tag in _LEAD_INNER_BLOCKS for inner in el.iterdescendants()
        ):
            continue
        if sum(len(_squash(a.text_content())) for a in el.iter("a")) > 0.3 * len(text):
            continue
        return text
    return None


# -- body -----------------------------------------------------------------------------------------------


def _body_text(tree: HtmlElement, url: str) -> str:
    """The article text; mutates ``tree`` (boilerplate is cut out of it)."""
    body_element = tree.find("body")
    if body_element is not None:
        for el in _label_link_lines(body_element) + _chrome_blocks(body_element):
            _drop(el)
    lead = _lead(tree)
    options = Extractor(output_format="python", fast=True, comments=False, url=url)
    cleaned = convert_tags(tree_cleaning(copy(tree), options), options, url)
    body, raw_text = extract_content(cleaned, options)
    text = xmltotxt(body, False)
    if len(raw_text) < _SHORT_TEXT:
        document = trafilatura.bare_extraction(tree, url=url, include_comments=False, with_metadata=False)
        if document is not None and not isinstance(document, dict) and document.text:
            text = document.text
    text = text.strip()
    if lead and text and lead not in _squash(text):
        text = f"{lead}\n{text}"
    return text
