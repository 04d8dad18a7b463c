"""The seed corpus as records: what /shared/seed-corpus/README.md says a correct loader reproduces."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from extractors.plaintext import PlainText, parse_plain_text

SEED = Path(__file__).resolve().parents[2] / "extractors" / "data" / "seed-corpus"
# Where the reader comments of 000 begin: read off the text by a person (the text gives no cue).
COMMENTS_FROM_LINE = {"000": 17}


def seed_text(prefix: str) -> str:
    [path] = SEED.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def seed(prefix: str) -> PlainText:
    return parse_plain_text(seed_text(prefix), comments_from_line=COMMENTS_FROM_LINE.get(prefix))


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n") if text else []


def test_the_corpus_is_there() -> None:
    assert sorted(path.name[:3] for path in SEED.glob("*.txt")) == ["000", "001", "002", "003", "004"]


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_every_line_lands_in_exactly_one_place(prefix: str) -> None:
    doc = seed(prefix)
    lines = Counter(line.strip() for line in seed_text(prefix).split("\n") if line.strip())
    placed = Counter([t for t in (doc.title, doc.subtitle) if t])
    placed.update(paragraphs(doc.body))
    placed.update(doc.removed)
    for comment in doc.comments:
        placed.update(paragraphs(comment.body))
    headers = lines - placed  # what is left over is the comment headers, read into author and badge
    assert sum(headers.values()) == (len(doc.comments) if prefix == "003" else 0)
    assert placed - lines == Counter()


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_comments_and_body_never_mix(prefix: str) -> None:
    doc = seed(prefix)
    body = set(paragraphs(doc.body))
    for comment in doc.comments:
        assert not body & set(paragraphs(comment.body))
    for line in doc.removed:
        assert line not in body


def test_003_thread_shape() -> None:
    comments = seed("003").comments
    assert len(comments) == 119
    assert sum(c.depth == 0 for c in comments) == 48
    assert {c.depth for c in comments} == {0, 1, 2, 3, 4, 5}
    assert [c.comment_no for c in comments] == list(range(1, 120))
    for c in comments:
        assert c.posted_at is None
        assert (c.depth == 0) <= (c.parent_no is None)
        if c.parent_no is not None:
            parent = comments[c.parent_no - 1]
            assert parent.comment_no < c.comment_no
            assert parent.depth < c.depth


def test_003_first_comment_is_an_orphan_reply() -> None:
    first, second, third = seed("003").comments[:3]
    assert (first.author, first.depth, first.parent_no) == ("Jason Boxman", 1, None)
    assert first.body.startswith("Want to second;")
    assert first.body.endswith("\n\nThanks!")
    assert (second.author, second.depth, second.parent_no) == ("Stephen Johnson", 0, None)
    assert (third.author, third.depth, third.parent_no) == ("Carolinian", 1, 2)


def test_003_parents_follow_the_nesting() -> None:
    by_no = {c.comment_no: c for c in seed("003").comments}
    chain = [c for c in by_no.values() if c.author == "The Rev Kev" and c.depth == 5]
    assert len(chain) == 1
    parent = by_no[chain[0].parent_no or 0]
    grandparent = by_no[parent.parent_no or 0]
    assert (parent.author, parent.depth) == ("juno mas", 3)  # the depth-4 reply between them is not in the text
    assert (grandparent.author, grandparent.depth) == ("Tim N", 2)
    last = by_no[119]
    assert (last.author, last.depth, by_no[last.parent_no or 0].author) == ("user1234", 1, "WillD")


def test_003_post_author_badge_is_a_flag() -> None:
    comments = seed("003").comments
    flagged = [c for c in comments if c.by_post_author]
    assert len(flagged) == 9
    assert {c.author for c in flagged} == {"Yves Smith"}
    assert not any("Post author" in (c.author or "") for c in comments)


def test_003_names_are_free_text() -> None:
    authors = {c.author for c in seed("003").comments}
    assert {".Tom", "The Rev Kev", "user1234", "juno mas", "i just don't like the gravy"} <= authors


def test_003_article_keeps_footnotes_and_drops_boilerplate() -> None:
    doc = seed("003")
    assert doc.title is not None
    assert doc.title.startswith("So Much for Trump\u2019s Peace Deal with Russia:")
    assert doc.subtitle is None
    body = paragraphs(doc.body)
    assert "____" in body
    assert any(p.startswith("1 To keep this post focused") for p in body)
    assert body[-1].startswith("4 I don\u2019t buy the notion")
    assert doc.removed == ("Print Friendly, PDF & Email", "151 comments", "Comments are closed.")
    for phrase in doc.removed:
        assert phrase not in doc.body
    assert "Want to second" not in doc.body
    assert "Stephen Johnson" not in doc.body


def test_004_digest_items_are_body_not_comments() -> None:
    doc = seed("004")
    assert doc.comments == ()
    assert doc.title == "Russia Matters: US, Russian Negotiators Discuss Steps Toward End of War, New Partnerships"
    assert doc.subtitle is None  # "Russia Matters, 2/18/25" is a dateline
    body = paragraphs(doc.body)
    assert body[0] == "Russia Matters, 2/18/25"
    assert sum(bool(re.match(r"\d\. ", p)) for p in body) == 11  # three items, eight sub-items
    assert any(p.startswith("1. After the talks, Trump\u2019s national security adviser") for p in body)
    assert doc.removed == ("Leave a Reply", "Your email address will not be published. Required fields are marked *")
    assert "Leave a Reply" not in doc.body
    assert "Your email address" not in doc.body


def test_002_title_subtitle_and_closing_notice() -> None:
    doc = seed("002")
    assert doc.title == "Face To Face Trump-Putin Meeting Planned Very Soon"
    assert doc.subtitle == "Witkoff Putin Talks Very Productive Says Trump"
    assert doc.comments == ()
    assert doc.removed == ("Comments are closed.",)
    body = paragraphs(doc.body)
    assert body[0].startswith("The big news is that Trump")
    assert body.count("Moscow-Putin-Witkoff-meeting") == 2  # image captions stay
    assert any(p.startswith("https://www.youtube.com/watch?v=") for p in body)
    assert "Comments are closed." not in doc.body


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_no_title_when_the_text_opens_mid_argument(prefix: str) -> None:
    doc = seed(prefix)
    assert (doc.title, doc.subtitle, doc.removed) == (None, None, ())


def test_001_is_all_essay() -> None:
    doc = seed("001")
    assert doc.comments == ()
    assert len(paragraphs(doc.body)) == 26


def test_000_comments_start_where_the_caller_says() -> None:
    doc = seed("000")
    assert len(paragraphs(doc.body)) == 16
    assert paragraphs(doc.body)[-1].startswith("Initial reports of the Trump-Zelensky meeting")
    comments = doc.comments
    assert len(comments) == 6
    assert all((c.depth, c.parent_no, c.author, c.posted_at) == (0, None, None, None) for c in comments)
    lead = paragraphs(comments[0].body)
    assert lead[0] == "More likely:"
    assert len(lead) == 3
    assert all(link.startswith("https://www.nakedcapitalism.com/2025/02/") for link in lead[1:])
    assert comments[1].body == "Note that the europeans and neocons are all on board."
    assert "More likely:" not in doc.body


def test_000_without_the_manifest_line_is_all_body() -> None:
    doc = parse_plain_text(seed_text("000"))
    assert doc.comments == ()
    assert len(paragraphs(doc.body)) == 24


def test_thread_detection_reads_shape_not_names() -> None:
    text = "\n".join(
        [
            "A Title",
            "",
            "Article text.",
            "  1. A numbered point in the article that is a whole sentence.",
            "More article text.",
            "",
            "3 comments",
            "",
            "  1. Ann",
            "",
            "    First comment.",
            "    1. Sure.",
            "    2. Fine.",
            "",
            "    1. Bob Post author",
            "",
            "      A reply.",
            "",
            "  2. Cy",
            "",
            "    Second comment.",
            "",
            "Comments are closed.",
        ]
    )
    doc = parse_plain_text(text.replace("\n", "\r\n"))
    assert doc.title == "A Title"
    assert paragraphs(doc.body) == [
        "Article text.",
        "1. A numbered point in the article that is a whole sentence.",
        "More article text.",
    ]
    assert doc.removed == ("3 comments", "Comments are closed.")
    assert [(c.comment_no, c.parent_no, c.depth, c.author, c.by_post_author) for c in doc.comments] == [
        (1, None, 0, "Ann", False),
        (2, 1, 1, "Bob", True),
        (3, None, 0, "Cy", False),
    ]
    assert doc.comments[0].body == "First comment.\n\n1. Sure.\n\n2. Fine."  # a list inside a comment stays text


@pytest.mark.parametrize("line", [0, 25])
def test_comments_from_line_must_be_inside_the_text(line: int) -> None:
    with pytest.raises(ValueError, match="outside the text"):
        parse_plain_text(seed_text("000"), comments_from_line=line)
