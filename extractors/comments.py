"""Reader comments from a parsed page, and the elements an article extractor must drop to keep them out.

`extract_comments` walks the thread with the rules of the first engine in `comment_markup.MARKUPS` that
finds one; `comment_section_nodes` names everything that belongs to a comment section (thread, heading,
form, "comments are closed" notice), so the body extractor can leave it out. `read_comment_section` gives
both from one search for the thread (what the article extractor calls). All of them only read the tree.

They run on every page, most of which show no comments, so the page-wide searches are XPath queries run
by libxml2 that pre-select candidates (one for the thread and the section's parts, one for notices);
the Python rules then decide on those few elements alone.

Dates: a machine-readable value (``time[datetime]``, RDF ``content``, Blogger's epoch milliseconds) is
used as given. A displayed date without a zone ("March 12, 2025 at 8:14 am") is read in the zone the
page states for its own publication time (``article:published_time`` and the like), because WordPress,
Blogger and Drupal print every date of a page in the site's one zone; across a daylight-saving change
that can be an hour off. When the page states no zone such a date gives ``posted_at=None``.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from lxml import etree
from lxml.html import HtmlElement, defs

from extractors.comment_markup import CANDIDATE_TEST, MARKUPS, Markup, classes, is_element, squash
from extractors.models import Comment

# Elements that start a new paragraph: HTML 4 blocks (less <ins>/<del>, which sit inside text) and HTML5 sections.
_BLOCK_TAGS = (defs.block_tags - {"ins", "del"}) | {
    "article",
    "aside",
    "details",
    "figcaption",
    "figure",
    "footer",
    "header",
    "main",
    "nav",
    "section",
    "summary",
}
_SKIPPED_TAGS = {"script", "style", "noscript", "template", "button", "input", "select", "textarea", "iframe", "svg"}
_PARA = "\x00"  # marks a block boundary while the text is gathered
_WHITESPACE = re.compile(r"\s+")  # source line breaks are spaces; only <br> and blocks break lines


def extract_comments(tree: HtmlElement) -> list[Comment]:
    """The page's reader comments in reading order; [] when it shows none (closed, absent, script-only)."""
    return _comments(tree, _find_thread(tree, _CANDIDATES(tree)))


def comment_section_nodes(tree: HtmlElement) -> list[HtmlElement]:
    """The outermost elements of the page's comment section(s), in page order; drop them to drop comments."""
    among = _CANDIDATES(tree)
    return _section_nodes(tree, among, _find_thread(tree, among))


def read_comment_section(tree: HtmlElement) -> tuple[list[Comment], list[HtmlElement]]:
    """`extract_comments` and `comment_section_nodes` of the page, searching it once."""
    among = _CANDIDATES(tree)
    found = _find_thread(tree, among)
    return _comments(tree, found), _section_nodes(tree, among, found)


# What `_find_thread` finds: the engine, its top-level comment elements, and every comment element.
_Thread = tuple[Markup, list[HtmlElement], list[HtmlElement]]


def _comments(tree: HtmlElement, found: _Thread | None) -> list[Comment]:
    if found is None:
        return []
    markup, roots, every = found
    page_tz = _page_timezone(tree, every)
    comments: list[Comment] = []
    seen: set[HtmlElement] = set()  # elements, not id()s: a freed lxml proxy's id can be reused
    # (element, depth, comment_no of the nearest kept parent); a stack keeps any nesting depth safe.
    stack: list[tuple[HtmlElement, int, int | None]] = [(node, 0, None) for node in reversed(roots)]
    while stack:
        node, depth, parent_no = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        body = _text(markup.body_parts(node), markup)
        number: int | None = None
        if body:  # an empty or deleted comment is skipped; its replies become orphans
            number = len(comments) + 1
            comments.append(
                Comment(
                    comment_no=number,
                    parent_no=parent_no,
                    depth=depth,
                    author=markup.author(node),
                    posted_at=parse_comment_time(markup.posted(node), page_tz),
                    body=body,
                    by_post_author=markup.by_post_author(node),
                )
            )
        stack.extend((reply, depth + 1, number) for reply in reversed(markup.replies(node)))
    return comments


def _section_nodes(tree: HtmlElement, among: list[HtmlElement], found: _Thread | None) -> list[HtmlElement]:
    chosen = {el for el in among if _is_section_wrapper(el) or _is_section_part(el)}
    chosen.update(_notices(tree))
    if found is not None:
        chosen.update(found[2])  # every comment: covers whatever the wrappers missed
    outermost = [el for el in chosen if not any(up in chosen for up in el.iterancestors())]
    return sorted(outermost, key=_page_position)


def _page_position(el: HtmlElement) -> list[int]:
    """The child indexes from the document root down to ``el``: sorting by them sorts in page order."""
    position: list[int] = []
    parent = el.getparent()
    while parent is not None:
        position.append(parent.index(el))
        el, parent = parent, parent.getparent()
    position.reverse()
    return position


def parse_comment_time(value: str | None, page_tz: tzinfo | None) -> datetime | None:
    """A zone-aware datetime from an ISO value or a displayed date; None when no zone is known."""
    if not value:
        return None
    value = value.strip()
    stamp: datetime | None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        stamp = _parse_display_date(value)
    if stamp is None:
        return None
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=page_tz) if page_tz is not None else None
    return stamp


_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)
_DISPLAY_FORMATS = (
    "%B %d %Y %I:%M %p",  # March 12, 2025 at 8:14 am (WordPress, Blogger)
    "%B %d %Y %H:%M",
    "%d %B %Y %H:%M",  # 12 March 2025 at 08:14
    "%d %B %Y %I:%M %p",
    "%b %d %Y %I:%M %p",
    "%d %b %Y %H:%M",
    "%a %m/%d/%Y - %H:%M",  # Wed, 03/12/2025 - 08:14 (Drupal's medium format)
    "%m/%d/%Y - %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
)


def _parse_display_date(text: str) -> datetime | None:
    cleaned = _ORDINAL.sub("", text.replace(",", " "))
    cleaned = re.sub(r"\b(at|@)\b", " ", cleaned, flags=re.IGNORECASE)
    cleaned = " ".join(cleaned.split()).upper().replace("A.M.", "AM").replace("P.M.", "PM")
    for fmt in _DISPLAY_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    return None


def _find_thread(tree: HtmlElement, among: list[HtmlElement]) -> _Thread | None:
    """The first engine whose rules find a comment with text, its top-level comment elements and all of them."""
    for markup in MARKUPS:
        roots = markup.top_level(tree, among)
        every = _all_comments(markup, roots)
        if any(_text(markup.body_parts(node), markup) for node in every):
            return markup, roots, every
    return None


def _all_comments(markup: Markup, roots: list[HtmlElement]) -> list[HtmlElement]:
    found: list[HtmlElement] = []
    seen: set[HtmlElement] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            found.append(node)
            stack.extend(markup.replies(node))
    return found


def _page_timezone(tree: HtmlElement, comment_elements: list[HtmlElement]) -> tzinfo | None:
    """The zone of the page's own publication time, read outside the comments."""
    inside = set(comment_elements)
    values = [
        meta.get("content")
        for meta in tree.iter("meta")
        if (meta.get("property") or meta.get("itemprop") or meta.get("name") or "")
        in ("article:published_time", "datePublished", "article:modified_time", "dcterms.created")
    ]
    values += [
        el.get("datetime") or el.get("title")
        for el in tree.iter("time", "abbr")
        if (el.tag == "time" or "published" in classes(el)) and not any(up in inside for up in el.iterancestors())
    ]
    for value in values:
        try:
            stamp = datetime.fromisoformat((value or "").strip())
        except ValueError:
            continue
        if stamp.tzinfo is not None:
            return stamp.tzinfo
    return None


def _text(parts: list[HtmlElement], markup: Markup) -> str:
    """Reader-written text of ``parts``: paragraphs joined by a blank line, <br> kept as a line break."""
    out: list[str] = []
    for part in parts:
        out.append(_PARA)
        # Items are elements to open, or strings (tails and block ends) to emit as they come.
        stack: list[HtmlElement | str] = [part]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item if item == _PARA else _WHITESPACE.sub(" ", item))
                continue
            if is_element(item) and item.tag not in _SKIPPED_TAGS and not markup.is_chrome(item):
                if item.tag == "br":
                    out.append("\n")
                block = item.tag in _BLOCK_TAGS
                out.append((_PARA if block else "") + _WHITESPACE.sub(" ", item.text or ""))
                if item is not part and item.tail:
                    stack.append(item.tail)
                if block:
                    stack.append(_PARA)
                stack.extend(reversed(list(item)))
            elif item is not part and item.tail:
                stack.append(item.tail)
    return _paragraphs("".join(out))


def _paragraphs(raw: str) -> str:
    paragraphs: list[str] = []
    for chunk in raw.split(_PARA):
        lines = [squash(line) for line in chunk.split("\n")]
        current: list[str] = []
        for line in [*lines, ""]:  # two <br> in a row (an empty line) end a paragraph
            if line:
                current.append(line)
            elif current:
                paragraphs.append("\n".join(current))
                current = []
    return "\n\n".join(paragraphs)


_WRAPPER_IDS = frozenset({"comments", "respond", "disqus_thread"})
_WRAPPER_CLASSES = frozenset(
    {
        "comments-area",
        "comments",
        "comment-wrapper",
        "page__comments",
        "field--name-comment",
        "field--type-comment",
    }
)
_PART_CLASSES = frozenset(
    {
        "comment-list",
        "commentlist",
        "comment-respond",
        "comment-form",
        "comments-title",
        "comment-reply-title",
        "comments-closed",
        "nocomments",
        "no-comments",
        "comment-thread",
        "comment-form__title",
        "comment-form__wrapper",
        "comments__title",
        "page__comments-title",
        "page__comments-form",
    }
)
_ARTICLE_BODY_CLASSES = frozenset(
    {"entry-content", "post-content", "post-body", "article-body", "field--name-body", "field-name-body"}
)
# Whole-element texts that only a comment section has ("8 comments on “Title”", "Leave a Reply" …).
_NOTICE = re.compile(
    r"(comments are (now )?closed\.?"
    r"|(no|one|\d+) (comments?|responses?|replies|thoughts?)( (on|to) [\u201c\u2018\u00ab\x22'].*)?:?"
    r"|leave a (reply|comment)( to .*)?( cancel reply)?|post a comment|add (new|a) comment"
    r"|your email address will not be published\b.*)",
    re.IGNORECASE,
)
_NOTICE_MAX_CHARS = 160
_NOTICE_TAGS = {"p", "div", "span", "h2", "h3", "h4", "h5", "h6"}

# One pass over the page selects (at least) every element an engine's `top_level` looks for, and every
# wrapper and part of a comment section: their class names all contain "comment", or they are named by
# their id or the form's action. One step with one predicate, never a union (see `CANDIDATE_TEST`).
_CANDIDATES = etree.XPath(
    "descendant::*["
    + " or ".join(
        [
            CANDIDATE_TEST,
            *(f"@id = '{name}'" for name in sorted(_WRAPPER_IDS)),
            "self::form[contains(@action, 'wp-comments-post.php')]",
        ]
    )
    + "]"
)
# Every text the notice pattern accepts holds one of these words, so most pages, which hold none of them,
# are done after one look at their whole text. None has an "i": re.IGNORECASE also matches it to U+0130
# and U+0131, which casefold() does not turn into an "i" (it does turn U+017F into "s" and U+212A into
# "k", the other letters that re.IGNORECASE matches beyond ASCII).
_NOTICE_WORDS = ("comment", "respon", "repl", "thought", "leave", "addre")
# A notice starts with "comments", "no", "one", a digit, "leave", "post", "add" or "your" (in any case),
# so never with one of these letters.
_NOT_NOTICE_START = "bdefghijkmqrstuvwxz"
# The candidate notices: a notice's squashed text is never longer than its text with only ASCII whitespace
# collapsed (what normalize-space does), and that text starts with the squashed one's first character or
# with other whitespace, so big elements and most short ones are left out before Python reads any text.
_NOTICE_CANDIDATES = etree.XPath(
    "descendant-or-self::*["
    + " or ".join(f"self::{tag}" for tag in sorted(_NOTICE_TAGS))
    + f"][string-length(normalize-space()) <= {_NOTICE_MAX_CHARS}]"
    + f"[not(contains('{_NOT_NOTICE_START}{_NOT_NOTICE_START.upper()}', substring(normalize-space(), 1, 1)))]"
)
# Elements a wrapper may hold that make it the page layout rather than a comment section (see below).
_LAYOUT_CANDIDATES = etree.XPath(
    "descendant-or-self::*[self::h1 or contains(@class, 'content') or contains(@class, 'body')"
    " or contains(@itemprop, 'articleBody')]"
)


def _is_section_wrapper(el: HtmlElement) -> bool:
    if el.tag in ("html", "body", "main", "head"):
        return False
    if el.get("id") not in _WRAPPER_IDS and not classes(el) & _WRAPPER_CLASSES:
        return False
    # A wrapper that holds the article itself is a theme's page layout, not a comment section.
    for inner in _LAYOUT_CANDIDATES(el):
        if inner.tag == "h1" or classes(inner) & _ARTICLE_BODY_CLASSES:
            return False
        if "articleBody" in (inner.get("itemprop") or ""):
            return False
    return True


def _is_section_part(el: HtmlElement) -> bool:
    if classes(el) & _PART_CLASSES:
        return True
    return el.tag == "form" and "wp-comments-post.php" in (el.get("action") or "")


def _notices(tree: HtmlElement) -> list[HtmlElement]:
    """The elements of ``tree`` whose whole text is a comment-section notice."""
    if not _may_hold_notice(tree):
        return []
    return [el for el in _NOTICE_CANDIDATES(tree) if _may_hold_notice(el) and _is_section_notice(el)]


def _may_hold_notice(el: HtmlElement) -> bool:
    text = el.text_content().casefold()
    return any(word in text for word in _NOTICE_WORDS)


def _is_section_notice(el: HtmlElement) -> bool:
    if el.tag not in _NOTICE_TAGS:
        return False
    size = 0
    for piece in el.itertext():  # stop early on big containers: a notice is one short line
        size += len(piece.strip())
        if size > _NOTICE_MAX_CHARS:
            return False
    text = squash(el.text_content())
    return len(text) <= _NOTICE_MAX_CHARS and bool(_NOTICE.fullmatch(text))
