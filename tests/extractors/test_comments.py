"""Reader comments from pages: golden files per engine, plus the guarantees the article extractor relies on."""

from __future__ import annotations

import copy
import json
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import FrameType

import lxml.html
import pytest
from lxml.html import HtmlElement

from extractors import comments as comments_module
from extractors.article import extract_article, parse_page
from extractors.comments import comment_section_nodes, extract_comments, parse_comment_time, read_comment_section
from tests.fixtures.regenerate_golden import expected_path, golden_pages, golden_record, load_page, render
from tests.thread_pages import deep_thread, flat_thread

PAGES = golden_pages()
REGENERATE = "python tests/fixtures/regenerate_golden.py"


def page_id(page: Path) -> str:
    return page.name.removesuffix(".html.gz")


def html(text: str) -> HtmlElement:
    return lxml.html.document_fromstring(text)


def outside_comments(tree: HtmlElement) -> HtmlElement:
    """A copy of the page with its comment section dropped."""
    copied = copy.deepcopy(tree)
    for node in comment_section_nodes(copied):
        node.drop_tree()
    return copied


# --- golden files ------------------------------------------------------------------------------------


def test_there_are_golden_pages_for_five_engines() -> None:
    engines = {page.name.split("_")[0] for page in PAGES}
    assert engines >= {"wordpress", "wordpress-classic", "blogger", "drupal", "staticman"}


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_golden_page(page: Path) -> None:
    expected = expected_path(page)
    assert expected.exists(), f"{expected.name} is missing: run `{REGENERATE} {page_id(page)}`"
    actual = render(golden_record(load_page(page)))
    assert json.loads(actual) == json.loads(expected.read_text(encoding="utf-8")), (
        f"{page.name} no longer gives {expected.name}. If the change is intended, run "
        f"`{REGENERATE} {page_id(page)}` and review the diff of the JSON file."
    )


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_golden_page_is_a_real_thread(page: Path) -> None:
    comments = extract_comments(load_page(page))
    assert 5 <= len(comments) <= 15
    assert [c.comment_no for c in comments] == list(range(1, len(comments) + 1))
    for c in comments:
        assert c.body
        assert c.body == c.body.strip()
        assert c.posted_at is None or c.posted_at.tzinfo is not None
        if c.parent_no is not None:
            parent = comments[c.parent_no - 1]
            assert parent.comment_no < c.comment_no
            assert parent.depth < c.depth


def test_one_golden_page_nests_at_least_three_levels() -> None:
    assert max(c.depth for page in PAGES for c in extract_comments(load_page(page))) >= 3


# --- guarantees ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_the_tree_is_not_mutated(page: Path) -> None:
    tree = load_page(page)
    before = lxml.html.tostring(tree)
    extract_comments(tree)
    comment_section_nodes(tree)
    assert lxml.html.tostring(tree) == before


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_text_never_appears_in_a_comment(page: Path) -> None:
    tree = load_page(page)
    bodies = [c.body for c in extract_comments(tree)]
    paragraphs = [" ".join(p.text_content().split()) for p in outside_comments(tree).iter("p")]
    article = [text for text in paragraphs if len(text) >= 40]
    assert article, "the page should have article paragraphs"
    for text in article:
        assert not any(text in body for body in bodies), text


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_section_nodes_cover_every_comment(page: Path) -> None:
    tree = load_page(page)
    whole = " ".join(tree.text_content().split())
    left = " ".join(outside_comments(tree).text_content().split())
    lines = [line for c in extract_comments(tree) for line in c.body.replace("\n\n", "\n").split("\n")]
    unique = [line for line in lines if whole.count(line) == 1]  # not quoted from the article or elsewhere
    assert len(unique) > len(lines) / 2
    for line in unique:
        assert line not in left, line


@pytest.mark.parametrize(
    "markup",
    [
        '<div id="comments" class="comments-area"><p class="no-comments">Comments are closed.</p></div>',
        '<p class="nocomments">Comments are closed.</p>',
        '<div id="disqus_thread"></div><script src="https://example.disqus.com/embed.js"></script>',
        "",
    ],
    ids=["closed", "closed-old-theme", "script-only", "absent"],
)
def test_closed_or_absent_comments_give_nothing(markup: str) -> None:
    tree = html(
        "<html><body><article><h1>Title</h1><div class='entry-content'><p>Article text that must stay.</p>"
        f"</div></article>{markup}</body></html>"
    )
    assert extract_comments(tree) == []
    dropped = " ".join(node.text_content() for node in comment_section_nodes(tree))
    assert "Article text" not in dropped
    if markup:
        assert comment_section_nodes(tree), "the notice or placeholder is part of the comment section"


def test_empty_comment_is_skipped_and_its_replies_become_orphans() -> None:
    tree = html(
        """<html><body><ol class="comment-list">
        <li id="comment-1" class="comment"><article class="comment-body">
          <div class="comment-author vcard"><b class="fn">Ann</b></div>
          <div class="comment-content"><p> </p></div></article>
          <ol class="children"><li id="comment-2" class="comment"><article class="comment-body">
            <div class="comment-content"><p>Reply without an author.</p></div></article></li></ol>
        </li>
        <li id="comment-3" class="comment"><!-- a stray HTML comment --><article class="comment-body">
          <div class="comment-author vcard"><b class="fn"></b></div>
          <div class="comment-content"><p>Second.</p></div></article></li>
        </ol></body></html>"""
    )
    comments = extract_comments(tree)
    assert [(c.comment_no, c.parent_no, c.depth, c.author, c.body) for c in comments] == [
        (1, None, 1, None, "Reply without an author."),
        (2, None, 0, None, "Second."),
    ]


def test_nesting_three_hundred_deep() -> None:
    root = lxml.html.Element("html")
    container = lxml.html.etree.SubElement(lxml.html.etree.SubElement(root, "body"), "ol", {"class": "comment-list"})
    for n in range(300):
        item = lxml.html.etree.SubElement(container, "li", {"id": f"comment-{n}", "class": "comment"})
        content = lxml.html.etree.SubElement(item, "div", {"class": "comment-content"})
        lxml.html.etree.SubElement(content, "p").text = f"Comment {n}."
        container = lxml.html.etree.SubElement(item, "ol", {"class": "children"})
    tree = lxml.html.document_fromstring(lxml.html.tostring(root))  # the parser caps depth; no crash either way
    assert extract_comments(tree)
    comments = extract_comments(root)
    assert len(comments) == 300
    assert comments[-1].depth == 299
    assert comments[-1].parent_no == 299
    assert len(comment_section_nodes(root)) == 1


def test_wordpress_without_threading_and_with_a_text_date() -> None:
    page = """<html><head>{meta}</head><body><div class="post"><h2>Title</h2><div class="entry"><p>Text.</p></div></div>
    <ol class="commentlist"><li class="alt" id="comment-3"><cite>Bob</cite> Says:<br />
    <small class="commentmetadata"><a href="#comment-3">March 12th, 2025 at 8:14 am</a></small>
    <p>First paragraph.</p><p>Second paragraph.</p></li></ol></body></html>"""
    [zoneless] = extract_comments(html(page.format(meta="")))
    assert (zoneless.author, zoneless.body, zoneless.posted_at) == (
        "Bob",
        "First paragraph.\n\nSecond paragraph.",
        None,
    )
    meta = '<meta property="article:published_time" content="2025-03-11T18:00:00-04:00" />'
    [zoned] = extract_comments(html(page.format(meta=meta)))
    assert zoned.posted_at == datetime(2025, 3, 12, 8, 14, tzinfo=timezone(timedelta(hours=-4)))


def test_drupal_7() -> None:
    tree = html(
        """<html><body><div id="comments" class="comment-wrapper"><h2 class="title">Comments</h2>
        <a id="comment-1"></a>
        <div class="comment comment-by-anonymous clearfix" typeof="sioc:Post sioct:Comment">
          <div class="attribution"><div class="comment-submitted">
            <p class="commenter-name"><span class="username">Anna (not verified)</span></p>
            <p class="comment-time"><span property="dc:date dc:created" content="2025-03-12T08:14:00+01:00"
              datatype="xsd:dateTime">Wed, 03/12/2025 - 08:14</span></p></div></div>
          <div class="content"><h3><a href="/comment/1#comment-1" class="permalink">Subject line</a></h3>
            <div class="field field-name-comment-body"><div class="field-items"><div class="field-item even">
            <p>Top-level text.</p></div></div></div></div>
          <ul class="links inline"><li class="comment-reply first last"><a href="/comment/reply/1/1">reply</a></li></ul>
        </div>
        <div class="indented"><a id="comment-2"></a>
          <div class="comment comment-by-node-author clearfix">
            <div class="attribution"><p class="commenter-name"><span class="username">editor</span></p></div>
            <div class="content"><div class="field field-name-comment-body"><p>Reply text.</p></div></div>
          </div></div>
        <h2 class="title comment-form">Add new comment</h2><form class="comment-form"></form>
        </div></body></html>"""
    )
    comments = extract_comments(tree)
    assert [(c.comment_no, c.parent_no, c.depth, c.author, c.body, c.by_post_author) for c in comments] == [
        (1, None, 0, "Anna", "Top-level text.", False),
        (2, 1, 1, "editor", "Reply text.", True),
    ]
    assert comments[0].posted_at == datetime(2025, 3, 12, 7, 14, tzinfo=UTC)
    assert [node.get("id") for node in comment_section_nodes(tree)] == ["comments"]


def test_odd_markup_does_not_crash() -> None:
    for text in [
        '<ol class="comment-list"><li></li><li class="comment"><ol class="children"></ol></li></ol>',
        '<div class="comment-thread"><ol><li class="comment"><p class="comment-content"></p></li></ol></div>',
        '<div class="indented"><div class="indented"></div></div><article class="comment js-comment"></article>',
        '<article itemtype="https://schema.org/Comment"><div itemprop="author"></div></article>',
        "<p>" + "<div>" * 400 + "deep" + "</div>" * 400 + "</p>",
    ]:
        tree = lxml.html.fromstring(f"<div>{text}</div>")
        assert extract_comments(tree) == []
        comment_section_nodes(tree)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-13T10:02:11-04:00", datetime(2025, 3, 13, 14, 2, 11, tzinfo=UTC)),
        ("2025-03-13T10:02:11Z", datetime(2025, 3, 13, 10, 2, 11, tzinfo=UTC)),
        ("March 13, 2025 at 10:02 am", datetime(2025, 3, 13, 10, 2, tzinfo=UTC)),
        ("13 March 2025 at 10:02", datetime(2025, 3, 13, 10, 2, tzinfo=UTC)),
        ("Thu, 03/13/2025 - 10:02", datetime(2025, 3, 13, 10, 2, tzinfo=UTC)),
        ("August 7, 2025 at 8:57\u202fAM", datetime(2025, 8, 7, 8, 57, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_comment_time(value: str, expected: datetime | None) -> None:
    assert parse_comment_time(value, UTC) == expected


def test_a_displayed_date_without_a_known_zone_gives_none() -> None:
    assert parse_comment_time("March 13, 2025 at 10:02 am", None) is None


def test_the_prefilters_cover_what_the_rules_look_for() -> None:
    """The XPath pre-selections are only sound while these hold (see extractors/comments.py)."""
    from extractors import comments

    assert all("comment" in name for name in comments._WRAPPER_CLASSES | comments._PART_CLASSES)
    assert not any("i" in word for word in comments._NOTICE_WORDS)
    assert all("content" in name or "body" in name for name in comments._ARTICLE_BODY_CLASSES)


# --- big threads ---------------------------------------------------------------------------------------


def test_the_page_wide_queries_are_single_steps_that_libxml2_answers_in_linear_time() -> None:
    # A union of big node sets ("a | b") or a step from attributes back to their elements ("@class/..")
    # makes libxml2 merge node sets pairwise: a flat thread of 16,000 comments took 30 s in these queries.
    for query in (comments_module._CANDIDATES, comments_module._NOTICE_CANDIDATES):
        assert "|" not in query.path, query.path
        assert "/.." not in query.path, query.path
        assert query.path.startswith(("descendant::*[", "descendant-or-self::*[")), query.path


def _calls_to_read(page: bytes) -> int:
    """How many Python calls reading the page's comment section makes (a count, not a time)."""
    tree = parse_page(page)
    assert tree is not None
    calls = 0

    def count(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(count)
    try:
        found, _ = read_comment_section(tree)
    finally:
        sys.setprofile(None)
    assert len(found) == tree.xpath("count(//li[@class='comment'])")
    return calls


def test_reading_a_flat_thread_costs_in_proportion_to_its_comments() -> None:
    small, large = _calls_to_read(flat_thread(250)), _calls_to_read(flat_thread(1000))
    assert large <= 4.4 * small, f"250 comments: {small} calls, 1,000 comments: {large} calls (more than 4x)"


def test_a_deep_thread_is_read_to_its_last_reply() -> None:
    article = extract_article(deep_thread(1000), "https://blog.example/deep/")
    assert len(article.comments) == 1000
    assert article.comments[-1].depth == 999
    assert article.comments[-1].parent_no == 999
    assert article.comments_cut is None


def test_a_thread_deeper_than_the_parser_goes_is_read_as_far_as_it_goes_and_said_to_be_cut() -> None:
    article = extract_article(deep_thread(3000), "https://blog.example/deeper/")
    assert 1000 <= len(article.comments) < 3000
    assert article.comments_cut is not None
    assert "nesting-depth limit (2048)" in article.comments_cut
    assert f"only the first {len(article.comments)} comments were read" in article.comments_cut
    assert article.text, "the document still lands with its text"
