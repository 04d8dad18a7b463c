"""How blog engines render a static comment thread: one small rule set per engine.

Each rule set answers the same questions about a page: which elements are the top-level comments, which
are the direct replies of a comment, and where a comment's author, date, text and post-author badge sit.
`extractors.comments` walks the thread with these answers; nothing here builds records or parses dates.

Engines, tried in this order (the first that finds a comment wins):

- WordPress, current and old themes: ``ol.comment-list`` / ``ol.commentlist`` of ``li`` items, replies in
  ``ol.children`` / ``ul.children``, pingbacks and trackbacks left out.
- Blogger threaded comments: ``div.comment-thread`` lists of ``li.comment``, replies in
  ``div.comment-replies``; the permalink's ``showComment`` value is the time in epoch milliseconds (UTC).
- Drupal 7 to 11: ``div.comment`` / ``article.comment``; replies follow their parent in a sibling
  ``div.indented``.
- schema.org microdata (``itemtype=".../Comment"``), the shape of static-site comment systems such as
  Staticman on Jekyll (Minimal Mistakes) and Hugo themes.

Ghost and Disqus render their threads in the browser from an iframe or script, so a fetched page holds
no comment text for them.

Most pages hold no thread, so finding none must be cheap: every element that opens a thread for any of
these engines has "comment" in its class or an ``itemtype``, so one XPath query (`CANDIDATE_TEST`, run by
libxml2) selects a few candidates per page, and the engines' Python rules only look at those.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from lxml.html import HtmlElement

Pred = Callable[[HtmlElement], bool]

# Accepts at least every element that an engine's `top_level` looks for (the thread containers and the
# comments): all have "comment" among their class names, or an itemtype. A substring test, so it holds
# however the class names are separated. An XPath predicate, meant to be joined (with "or") to a caller's
# own tests inside one ``descendant::*[...]`` step: a union ("|") of big node sets, or a step from
# attributes back to their elements (``@class/..``), makes libxml2 merge node sets in quadratic time,
# 30 s for a page of 16,000 comments.
CANDIDATE_TEST = "contains(@class, 'comment') or @itemtype"


def is_element(node: object) -> bool:
    """True for an element (lxml also yields HTML comments and processing instructions as nodes)."""
    return isinstance(getattr(node, "tag", None), str)


def classes(el: HtmlElement) -> frozenset[str]:
    """The element's class names."""
    return frozenset((el.get("class") or "").split())


def has_class(*names: str) -> Pred:
    """A predicate: the element carries any of these class names."""
    wanted = frozenset(names)
    return lambda el: bool(classes(el) & wanted)


def squash(text: str) -> str:
    """Collapse every run of whitespace (including no-break spaces) to one space."""
    return " ".join(text.split())


def element_children(el: HtmlElement) -> list[HtmlElement]:
    """The element children of ``el``, in order."""
    return [child for child in el if is_element(child)]


def topmost(
    root: HtmlElement, pred: Pred, *, stop: Pred | None = None, among: Iterable[HtmlElement] | None = None
) -> list[HtmlElement]:
    """Descendants of ``root`` matching ``pred``, in page order, without looking inside a match.

    ``stop`` names elements that are neither matched nor entered. ``among``, when given, holds in page
    order (at least) every descendant of ``root`` that ``pred`` accepts; ``pred`` then runs on those alone,
    and a match is kept when no element between it and ``root`` is a match or a stop, as if walked down
    to. Iterative, so any depth is safe.
    """
    if among is not None:
        matched = [el for el in among if pred(el)]
        chosen = set(matched)
        return [el for el in matched if _reached(el, root, chosen, stop)]
    found: list[HtmlElement] = []
    stack = list(reversed(element_children(root)))
    while stack:
        el = stack.pop()
        if pred(el):
            found.append(el)
        elif stop is None or not stop(el):
            stack.extend(reversed(element_children(el)))
    return found


def _reached(el: HtmlElement, root: HtmlElement, matched: set[HtmlElement], stop: Pred | None) -> bool:
    """True when a walk down from ``root`` that enters no match and no stop reaches ``el``."""
    for up in el.iterancestors():
        if up is root:
            return True
        if up in matched or (stop is not None and stop(up)):
            return False
    return False  # not below root


def own(node: HtmlElement, pred: Pred, nested: Pred) -> Iterator[HtmlElement]:
    """Descendants of ``node`` matching ``pred``, in page order, never entering a nested comment."""
    stack = list(reversed(element_children(node)))
    while stack:
        el = stack.pop()
        if nested(el):
            continue
        if pred(el):
            yield el
        stack.extend(reversed(element_children(el)))


def first(*sources: Iterator[HtmlElement]) -> HtmlElement | None:
    """The first item of the first source that has one, or None (elements are never truth-tested)."""
    for source in sources:
        item = next(source, None)
        if item is not None:
            return item
    return None


def text_or_none(el: HtmlElement | None) -> str | None:
    """The element's squashed text, or None when there is no element or no text."""
    if el is None:
        return None
    return squash(el.text_content()) or None


class Markup:
    """One engine's rules; the defaults fit engines that nest replies inside their parent."""

    name = "generic"
    # Elements inside a comment's text that are site chrome, not what the reader wrote.
    chrome_classes: frozenset[str] = frozenset()

    def is_comment(self, el: HtmlElement) -> bool:
        """True for an element that is one comment (with its replies, where the engine nests them)."""
        raise NotImplementedError

    def top_level(self, root: HtmlElement, among: list[HtmlElement]) -> list[HtmlElement]:
        """The top-level comments under ``root``, in page order; ``among`` is what `CANDIDATE_TEST` selects."""
        return topmost(root, self.is_comment, among=among)

    def replies(self, node: HtmlElement) -> list[HtmlElement]:
        """The direct replies to one comment, in page order."""
        return topmost(node, self.is_comment)

    def author(self, node: HtmlElement) -> str | None:
        """The commenter's name as shown."""
        raise NotImplementedError

    def posted(self, node: HtmlElement) -> str | None:
        """The comment's time as the page gives it: an ISO 8601 value, else the displayed text."""
        raise NotImplementedError

    def body_parts(self, node: HtmlElement) -> list[HtmlElement]:
        """The elements holding the comment text (their chrome is skipped when reading them)."""
        raise NotImplementedError

    def by_post_author(self, node: HtmlElement) -> bool:
        """True when the site marks the commenter as the article's author."""
        return False

    def is_chrome(self, el: HtmlElement) -> bool:
        """True for an element inside the comment text that the reader did not write."""
        return bool(classes(el) & self.chrome_classes)

    def _own(self, node: HtmlElement, pred: Pred) -> Iterator[HtmlElement]:
        return own(node, pred, self.is_comment)


def _datetime_attr(el: HtmlElement | None) -> str | None:
    if el is None:
        return None
    return el.get("datetime") or el.get("content") or None


class WordPress(Markup):
    """``wp_list_comments()`` output, current (html5) and old themes alike."""

    name = "wordpress"
    lists = frozenset({"comment-list", "commentlist"})
    skipped = frozenset({"pingback", "trackback"})
    chrome_classes = frozenset(
        {
            "comment-author",
            "comment-meta",
            "commentmetadata",
            "comment-metadata",
            "reply",
            "comment-reply-link",
            "comment-edit-link",
            "edit-link",
            "says",
            "avatar",
            "comment-awaiting-moderation",
        }
    )

    def is_comment(self, el: HtmlElement) -> bool:
        parent = el.getparent()
        return (
            el.tag in ("li", "div", "article")
            and parent is not None
            and bool(classes(parent) & (self.lists | {"children"}))
        )

    def _items(self, container: HtmlElement) -> list[HtmlElement]:
        return [c for c in element_children(container) if self.is_comment(c) and not classes(c) & self.skipped]

    def top_level(self, root: HtmlElement, among: list[HtmlElement]) -> list[HtmlElement]:
        containers = topmost(
            root, lambda el: el.tag in ("ol", "ul", "div") and bool(classes(el) & self.lists), among=among
        )
        return [item for container in containers for item in self._items(container)]

    def replies(self, node: HtmlElement) -> list[HtmlElement]:
        containers = self._own(node, has_class("children"))
        return [item for container in containers for item in self._items(container)]

    def author(self, node: HtmlElement) -> str | None:
        name = first(self._own(node, has_class("fn")), self._own(node, lambda el: el.tag == "cite"))
        return text_or_none(name)

    def posted(self, node: HtmlElement) -> str | None:
        stamp = _datetime_attr(first(self._own(node, lambda el: el.tag == "time" and "datetime" in el.attrib)))
        if stamp:
            return stamp
        meta = first(self._own(node, has_class("comment-meta", "commentmetadata", "comment-metadata")))
        if meta is None:
            return None
        links = [a for a in meta.iter("a") if not classes(a) & {"comment-edit-link"}]
        return text_or_none(links[0] if links else meta)

    def body_parts(self, node: HtmlElement) -> list[HtmlElement]:
        content = first(self._own(node, has_class("comment-content")))
        if content is not None:
            return [content]
        # Old themes: the text is a run of <p> (and the odd list or quote) beside the author and meta.
        wrapper = first(self._own(node, has_class("comment-body")))
        if wrapper is None:
            wrapper = node
        return [
            el
            for el in element_children(wrapper)
            if el.tag not in ("cite", "br", "img") and not self.is_chrome(el) and not self._is_thread(el)
        ]

    def _is_thread(self, el: HtmlElement) -> bool:
        return self.is_comment(el) or "children" in classes(el)

    def by_post_author(self, node: HtmlElement) -> bool:
        return "bypostauthor" in classes(node)


_SHOW_COMMENT = re.compile(r"[?&]showComment=(\d{10,14})\b")


class Blogger(Markup):
    """Blogger's threaded comments (the layout every current Blogger theme renders)."""

    name = "blogger"
    chrome_classes = frozenset({"deleted-comment", "comment-actions", "item-control"})

    def is_comment(self, el: HtmlElement) -> bool:
        return el.tag == "li" and "comment" in classes(el)

    def top_level(self, root: HtmlElement, among: list[HtmlElement]) -> list[HtmlElement]:
        threads = topmost(root, has_class("comment-thread"), among=among)
        return [item for thread in threads for item in topmost(thread, self.is_comment, among=among)]

    def replies(self, node: HtmlElement) -> list[HtmlElement]:
        holders = self._own(node, has_class("comment-replies"))
        return [item for holder in holders for item in topmost(holder, self.is_comment)]

    def author(self, node: HtmlElement) -> str | None:
        return text_or_none(first(self._own(node, lambda el: el.tag == "cite" and "user" in classes(el))))

    def posted(self, node: HtmlElement) -> str | None:
        stamp = first(self._own(node, has_class("datetime")))
        if stamp is None:
            return None
        for link in stamp.iter("a"):
            match = _SHOW_COMMENT.search(link.get("href") or "")
            if match:
                return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).isoformat()
        return text_or_none(stamp)

    def body_parts(self, node: HtmlElement) -> list[HtmlElement]:
        return list(self._own(node, has_class("comment-content")))[:1]

    def by_post_author(self, node: HtmlElement) -> bool:
        return first(self._own(node, has_class("blog-author"))) is not None


# Classes only Drupal puts on a comment ("js-comment" alone is not one: other themes use it too).
_DRUPAL_TRAITS = frozenset(
    {
        "by-anonymous",
        "by-node-author",
        "by-viewer",
        "comment-by-anonymous",
        "comment-by-node-author",
        "comment-by-viewer",
    }
)
_DRUPAL_ANCHOR = re.compile(r"comment-\d+$")


class Drupal(Markup):
    """Drupal core comments (Bartik, Olivero, Claro and themes built on them), 7 through 11."""

    name = "drupal"
    chrome_classes = frozenset({"links", "rdf-meta", "visually-hidden", "hidden", "permalink"})

    def is_comment(self, el: HtmlElement) -> bool:
        if el.tag not in ("article", "div") or "comment" not in classes(el):
            return False
        if classes(el) & _DRUPAL_TRAITS or "data-comment-user-id" in el.attrib:
            return True
        if "Comment" in (el.get("typeof") or ""):
            return True
        anchor = el.getprevious()
        while anchor is not None and not is_element(anchor):
            anchor = anchor.getprevious()
        return anchor is not None and anchor.tag == "a" and bool(_DRUPAL_ANCHOR.match(anchor.get("id") or ""))

    @staticmethod
    def _is_indented(el: HtmlElement) -> bool:
        return el.tag == "div" and "indented" in classes(el)

    def top_level(self, root: HtmlElement, among: list[HtmlElement]) -> list[HtmlElement]:
        return topmost(root, self.is_comment, stop=self._is_indented, among=among)

    def replies(self, node: HtmlElement) -> list[HtmlElement]:
        # Drupal prints a comment's replies after it, in the next sibling <div class="indented">.
        nxt = node.getnext()
        while nxt is not None and not is_element(nxt):
            nxt = nxt.getnext()
        if nxt is None or not self._is_indented(nxt):
            return []
        return topmost(nxt, self.is_comment, stop=self._is_indented)

    def author(self, node: HtmlElement) -> str | None:
        for pred in (
            has_class("comment__author"),
            has_class("username"),
            lambda el: (el.get("property") or "") in ("schema:name", "foaf:name"),
        ):
            name = text_or_none(first(self._own(node, pred)))
            if name:
                return name.removesuffix(" (not verified)")
        return None

    def posted(self, node: HtmlElement) -> str | None:
        def created(el: HtmlElement) -> bool:
            prop = (el.get("property") or "").split()
            return "content" in el.attrib and ("dc:created" in prop or "schema:dateCreated" in prop)

        stamp = first(
            self._own(node, created), self._own(node, lambda el: el.tag == "time" and "datetime" in el.attrib)
        )
        if stamp is not None:
            return _datetime_attr(stamp)
        return text_or_none(first(self._own(node, has_class("comment__time", "comment-time"))))

    def body_parts(self, node: HtmlElement) -> list[HtmlElement]:
        field = first(self._own(node, has_class("field--name-comment-body", "field-name-comment-body")))
        if field is not None:
            return [field]
        content = first(self._own(node, has_class("comment__content", "content")))
        if content is None:
            return []
        return [el for el in element_children(content) if el.tag != "h3"]

    def by_post_author(self, node: HtmlElement) -> bool:
        return bool(classes(node) & {"by-node-author", "comment-by-node-author"})


def _itemprop(*names: str) -> Pred:
    wanted = frozenset(names)
    return lambda el: bool(frozenset((el.get("itemprop") or "").split()) & wanted)


class SchemaOrg(Markup):
    """schema.org ``Comment`` microdata, as static-site comment systems (Staticman …) print it."""

    name = "schema.org"

    def is_comment(self, el: HtmlElement) -> bool:
        return (el.get("itemtype") or "").rstrip("/").lower().endswith("schema.org/comment")

    def author(self, node: HtmlElement) -> str | None:
        person = first(self._own(node, _itemprop("author", "creator")))
        if person is None:
            return None
        return text_or_none(first(own(person, _itemprop("name"), self.is_comment), iter([person])))

    def posted(self, node: HtmlElement) -> str | None:
        return _datetime_attr(first(self._own(node, _itemprop("dateCreated", "datePublished"))))

    def body_parts(self, node: HtmlElement) -> list[HtmlElement]:
        return list(self._own(node, _itemprop("text")))[:1]


MARKUPS: tuple[Markup, ...] = (WordPress(), Blogger(), Drupal(), SchemaOrg())
