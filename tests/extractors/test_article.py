"""extract_article on small handmade pages: text, metadata, comments kept apart, and what raises NoArticle."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from extractors.article import EXTRACTOR, extract_article, html_as_utf8
from extractors.comments import extract_comments
from extractors.errors import NoArticle
from extractors.models import Article
from tests.fixtures.regenerate_golden import load_page

URL = "https://news.example.com/2024/03/budget-vote"
PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"

PARAGRAPHS = [
    "The city council approved the new budget on Tuesday after a debate that lasted well into the night.",
    "Supporters said the plan finally funds the repairs the old library has needed for more than a decade.",
    "Opponents argued that the tax increase would fall hardest on the small shops along the river front.",
    "The mayor promised a public hearing on the details before the first payments are made in the spring.",
]
LEAD = "A long night in the council chamber ends with a narrow vote for the spending plan and its critics."
COMMENTS = ["I was there and the debate was a disgrace to everyone involved.", "Finally someone fixes the library!"]


def page(
    *,
    head: str = "",
    body_top: str = "",
    body_end: str = "",
    lang: str = "en-GB",
    paragraphs: list[str] = PARAGRAPHS,
) -> str:
    text = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">{head}</head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/politics">Politics</a></li></ul></nav>
<main><article>
{body_top}
<div class="entry-content">{text}</div>
</article>
{body_end}
</main>
<footer><p>© 2024 Example News. All rights reserved.</p></footer>
</body></html>"""


FULL_HEAD = """
<title>Council passes the budget &ndash; Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="og:title" content="Council passes the budget">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-05T21:40:00+01:00">
<link rel="canonical" href="/2024/03/budget-vote?ref=canonical">
"""
WORDPRESS_THREAD = f"""
<div id="comments" class="comments-area">
  <h2 class="comments-title">2 thoughts on “Council passes the budget”</h2>
  <ol class="comment-list">
    <li id="comment-1" class="comment">
      <article class="comment-body">
        <footer class="comment-meta">
          <div class="comment-author"><b class="fn">Sam</b> <span class="says">says:</span></div>
          <div class="comment-metadata"><time datetime="2024-03-06T08:00:00+01:00">March 6, 2024</time></div></footer>
        <div class="comment-content"><p>{COMMENTS[0]}</p></div>
      </article>
      <ol class="children">
        <li id="comment-2" class="comment">
          <article class="comment-body">
            <footer class="comment-meta"><div class="comment-author"><b class="fn">Alex</b></div></footer>
            <div class="comment-content"><p>{COMMENTS[1]}</p></div>
          </article>
        </li>
      </ol>
    </li>
  </ol>
  <div id="respond" class="comment-respond"><h3 class="comment-reply-title">Leave a Reply</h3>
    <form action="/wp-comments-post.php" class="comment-form">
      <p>Your email address will not be published.</p>
    </form></div>
</div>
"""


def extract(html: str, url: str = URL) -> Article:
    return extract_article(html.encode("utf-8"), url)


# --- text -----------------------------------------------------------------------------------------------


def test_the_body_is_the_article_text() -> None:
    article = extract_article(page(head=FULL_HEAD).encode(), URL)
    for paragraph in PARAGRAPHS:
        assert paragraph in article.text
    assert "Home" not in article.text
    assert "All rights reserved" not in article.text
    assert article.extractor == EXTRACTOR
    assert EXTRACTOR.startswith("tealeaves-article ")
    assert " / trafilatura 2.3.1" in EXTRACTOR


def test_comments_are_records_and_never_part_of_the_body() -> None:
    article = extract_article(page(head=FULL_HEAD, body_end=WORDPRESS_THREAD).encode(), URL)
    assert [c.body for c in article.comments] == COMMENTS
    assert [c.author for c in article.comments] == ["Sam", "Alex"]
    assert article.comments[1].parent_no == 1
    for leaked in [*COMMENTS, "Leave a Reply", "thoughts on", "will not be published"]:
        assert leaked not in article.text
    assert PARAGRAPHS[-1] in article.text


def test_a_real_wordpress_thread_stays_out_of_the_body() -> None:
    golden = next(PAGES.glob("wordpress_*.html.gz"))
    raw = gzip.decompress(golden.read_bytes())
    article = extract_article(raw, "https://blog.example.org/post/")
    assert len(article.comments) == len(extract_comments(load_page(golden))) > 0
    before_thread = raw[: raw.index(b"comment-list")].decode()  # readers may quote the article
    own_lines = [
        line for c in article.comments for line in c.body.splitlines() if len(line) > 30 and line not in before_thread
    ]
    assert own_lines
    assert not [line for line in own_lines if line in article.text]


def test_read_more_lines_and_newsletter_boxes_are_left_out() -> None:
    paragraphs = [*PARAGRAPHS[:2], '<strong>Read more:</strong> <a href="/2024/02/x">Council delays the vote again</a>']
    body_end = (
        '<div class="newsletter-signup"><h3>Get our newsletter</h3>'
        "<p>Every morning the stories that matter in your inbox, free of charge.</p></div>"
    )
    article = extract(page(paragraphs=[*paragraphs, *PARAGRAPHS[2:]], body_top="", body_end=body_end))
    assert PARAGRAPHS[3] in article.text
    assert "Council delays the vote again" not in article.text
    assert "stories that matter in your inbox" not in article.text


def test_a_lead_outside_the_article_container_is_put_back_in_front() -> None:
    html = page(head=FULL_HEAD).replace(
        "<main>", f'<main><header><h1>Council passes the budget</h1><p class="article-lead">{LEAD}</p></header>'
    )
    article = extract(html)
    assert article.text.startswith(LEAD)
    assert article.text.count(LEAD) == 1


# --- metadata ---------------------------------------------------------------------------------------------


def test_metadata_from_the_page() -> None:
    html = page(head=FULL_HEAD, body_top="<h1>Council passes the budget</h1>")
    article = extract(html, URL + "?utm_source=feed")
    assert article.title == "Council passes the budget"
    assert article.author == "Jane Doe"
    assert article.published_at == datetime(2024, 3, 5, 21, 40, tzinfo=timezone(timedelta(hours=1)))
    assert article.published_precision == "day"
    assert article.language == "en"
    assert article.sitename == "Example News"
    assert article.canonical_url == "https://news.example.com/2024/03/budget-vote?ref=canonical"


def test_title_without_the_site_name_when_there_is_no_headline_element() -> None:
    head = (
        "<title>Council passes the budget | Example News</title><meta property='og:site_name' content='Example News'>"
    )
    assert extract(page(head=head)).title == "Council passes the budget"


def test_a_byline_element_when_the_meta_tags_name_nobody() -> None:
    body_top = '<h1>Council passes the budget</h1><p class="byline">By <a rel="author" href="/u/jd">Jane Doe</a></p>'
    assert extract(page(body_top=body_top)).author == "Jane Doe"


def test_a_bare_date_is_midnight_utc_to_the_day() -> None:
    body_top = '<h1>Council passes the budget</h1><p><time datetime="2024-03-05">5 March 2024</time></p>'
    article = extract(page(body_top=body_top), "https://news.example.com/budget-vote")
    assert article.published_at == datetime(2024, 3, 5, tzinfo=UTC)
    assert article.published_precision == "day"


def test_a_month_in_the_url_is_a_date_to_the_month() -> None:
    article = extract(page(), "https://news.example.com/2019/10/budget-vote")
    assert article.published_at == datetime(2019, 10, 1, tzinfo=UTC)
    assert article.published_precision == "month"


def test_a_copyright_year_alone_is_a_date_to_the_year() -> None:
    article = extract(page(), "https://news.example.com/budget-vote")  # the footer says "© 2024"
    assert article.published_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert article.published_precision == "year"


def test_no_date_no_precision() -> None:
    article = extract(page().replace("© 2024 ", ""), "https://news.example.com/budget-vote")
    assert article.published_at is None
    assert article.published_precision is None


def test_canonical_url_is_absolute_and_missing_when_not_declared() -> None:
    absolute = '<link rel="canonical" href="https://example.com/a">'
    assert extract(page(head=absolute)).canonical_url == "https://example.com/a"
    assert extract(page()).canonical_url is None
    assert extract(page(head='<link rel="canonical" href="javascript:alert(1)">')).canonical_url is None


# --- encodings --------------------------------------------------------------------------------------------

CYRILLIC = [
    "Городской совет утвердил новый бюджет во вторник после долгих дебатов, которые длились до поздней ночи.",
    "Сторонники заявили, что план наконец профинансирует ремонт старой библиотеки, которого ждали много лет.",
    "Противники утверждают, что рост налогов сильнее всего ударит по маленьким магазинам у реки и их хозяевам.",  # noqa: RUF001 (a Cyrillic letter that looks Latin)
]


def test_windows_1251_with_the_charset_only_in_the_http_header() -> None:
    html = page(paragraphs=CYRILLIC, lang="ru").replace('<meta charset="utf-8">', "")
    article = extract_article(html.encode("windows-1251"), URL, encoding="windows-1251")
    assert CYRILLIC[0] in article.text
    assert article.language == "ru"


def test_windows_1251_declared_in_the_page() -> None:
    html = page(paragraphs=CYRILLIC, lang="ru").replace('<meta charset="utf-8">', '<meta charset="windows-1251">')
    assert CYRILLIC[1] in extract_article(html.encode("windows-1251"), URL).text


def test_a_wrong_http_charset_falls_back_to_what_the_bytes_are() -> None:
    html = page(paragraphs=CYRILLIC, lang="ru")
    assert CYRILLIC[2] in extract_article(html.encode("utf-8"), URL, encoding="bogus-charset").text


def test_decoding_prefers_a_byte_order_mark_then_valid_utf8() -> None:
    assert html_as_utf8("\ufeff<p>Grüße</p>".encode("utf-8"), "windows-1252") == "<p>Grüße</p>".encode()
    assert html_as_utf8("<p>Grüße</p>".encode("utf-16")) == "<p>Grüße</p>".encode()
    assert html_as_utf8("<p>Grüße</p>".encode(), "iso-8859-1") == "<p>Grüße</p>".encode()
    assert html_as_utf8("<p>Grüße</p>".encode("cp1252"), "iso-8859-1") == "<p>Grüße</p>".encode()


# --- no article -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (b"", "empty document"),
        (b"  \n\t ", "empty document"),
        (b"<html><head><title>x</title></head><body></body></html>", "no article text"),
        (b"<html><body><nav><a href='/'>Home</a></nav><script>var a = 1;</script></body></html>", "no article text"),
        (bytes(range(256)) * 20, "not an HTML document"),
        (b"\x00" * 1000, "not an HTML document"),
    ],
    ids=["empty", "whitespace", "empty-body", "chrome-only", "binary-junk", "nul-bytes"],
)
def test_no_article_says_which_url_and_why(html: bytes, reason: str) -> None:
    with pytest.raises(NoArticle, match=reason) as caught:
        extract_article(html, URL)
    assert URL in str(caught.value)
    assert caught.value.url == URL


@pytest.mark.parametrize("depth", [300, 3000])
def test_hostile_nesting_raises_no_article(depth: int) -> None:
    html = b"<html><body>" + b"<div>" * depth + b"<p>deep</p>" + b"</div>" * depth + b"</body></html>"
    with pytest.raises(NoArticle):
        extract_article(html, URL)


def test_unclosed_inline_tags_do_not_crash() -> None:
    html = b"<html><body>" + b"<b><i>" * 5000 + b"text " * 100
    try:
        article = extract_article(html, URL)
    except NoArticle:
        return
    assert "text" in article.text
