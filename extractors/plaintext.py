"""Plain-text documents (the seed corpus): title, article body, reader comments and dropped boilerplate.

The text comes without markup, so every decision is read off the shape of the lines:

- Title: the first line, when it reads like a headline (short, not ending in a full stop) and a blank
  line follows it. Subtitle: the next line, under the same test, unless it is a dateline or byline
  ("Russia Matters, 2/18/25", "By …"), which stays in the body.
- Comment thread: a trailing run of comment headers, each an indented line holding only a number and a
  name (``  1. Stephen Johnson``) with the comment text on the following, deeper-indented lines. The
  thread starts at the first header after the last unindented line of article text, so a numbered list
  inside the article (whose items are whole sentences, or are followed by more article text) is never
  taken for comments. Depth comes from the indentation: the shallowest header indentation is depth 0
  and every two more spaces one level deeper. ``parent_no`` is the nearest preceding comment that is
  shallower; a reply with none (the thread begins mid-conversation) is an orphan (``parent_no=None``).
  A name ending in the badge "Post author" is stored without it, with ``by_post_author=True``.
- Comments without any structural cue (an essay simply followed by readers' lines) cannot be told
  from the article by shape. The caller, who has read the text, passes ``comments_from_line`` (1-based);
  from that line on, each non-blank line is one top-level comment (no author, no date), except that a
  line holding only a URL belongs to the comment before it (a lead-in such as "More likely:" followed by
  the links it introduces is one comment).
- Boilerplate: site chrome lines ("Print Friendly, PDF & Email", "151 comments", "Comments are
  closed.", "Leave a Reply" and the "Your email address will not be published…" line under it) are
  dropped when they trail the article or the comments, and listed in ``removed``. The same words in the
  middle of the article are left alone.

Body and comment text are paragraphs (one per non-blank line, stripped of indentation) separated by a
blank line. Every non-blank line of the input ends up in exactly one place: title, subtitle, body,
``removed``, or a comment (its header as author, its lines as text). The one exception is the header of
a comment with no text of its own, which is skipped like an empty comment on a page (its replies become
orphans).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.models import Comment


@dataclass(frozen=True)
class PlainText:
    """A plain-text document split into its parts."""

    title: str | None
    subtitle: str | None
    body: str  # article text, paragraphs separated by "\n\n"
    comments: tuple[Comment, ...]
    removed: tuple[str, ...]  # boilerplate lines dropped from the body, in text order


_HEADER = re.compile(r"^(?P<indent> +)\d{1,4}\. (?P<name>\S.*?)\s*$")
_NAME_MAX_CHARS = 60
_NAME_MAX_WORDS = 8
_POST_AUTHOR = re.compile(r"^(?P<name>.+?)\s+Post author$")
_URL = re.compile(r"^https?://\S+$")
_BOILERPLATE = re.compile(
    r"(print friendly, pdf & email"
    r"|(no|one|\d+) (comments?|responses?|replies)"
    r"|comments are (now )?closed\.?"
    r"|leave a (reply|comment)( cancel reply)?"
    r"|post a comment|add new comment"
    r"|your email address will not be published\..*)",
    re.IGNORECASE,
)
_HEADLINE_MAX_CHARS = 200
_SENTENCE_END = (".", ",", ";", ":", "…")
_DATELINE = re.compile(
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}\b|^By ",
)


def parse_plain_text(text: str, *, comments_from_line: int | None = None) -> PlainText:
    """Split a plain-text document into title, subtitle, body, comments and removed boilerplate.

    ``comments_from_line`` (1-based) says where reader comments begin when the text gives no cue;
    a line number outside the text raises ValueError.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if comments_from_line is not None:
        if not 1 <= comments_from_line <= len(lines):
            raise ValueError(f"comments_from_line={comments_from_line} is outside the text's {len(lines)} lines")
        start = comments_from_line - 1
    else:
        start = _thread_start(lines)
    article, tail = lines[:start], lines[start:]

    removed: list[str] = []
    article, dropped = _drop_trailing_boilerplate(article)
    removed += dropped
    title, subtitle, rest = _headline(article)

    if comments_from_line is not None:
        tail, dropped = _drop_trailing_boilerplate(tail)
        comments = _flat_comments(tail)
    else:
        tail, dropped = _drop_trailing_boilerplate(tail, unindented_only=True)
        comments = _thread_comments(tail)
    removed += dropped

    return PlainText(
        title=title,
        subtitle=subtitle,
        body="\n\n".join(line.strip() for line in rest if line.strip()),
        comments=tuple(comments),
        removed=tuple(removed),
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_boilerplate(line: str) -> bool:
    return bool(_BOILERPLATE.fullmatch(line.strip()))


def _header_name(lines: list[str], i: int) -> str | None:
    """The commenter's name when line ``i`` is a comment header, else None."""
    match = _HEADER.match(lines[i])
    if match is None:
        return None
    name = match.group("name")
    if len(name) > _NAME_MAX_CHARS or len(name.split()) > _NAME_MAX_WORDS or name.endswith(_SENTENCE_END):
        return None  # a whole sentence: a numbered item of text, not a name
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j == len(lines) or _indent(lines[j]) <= len(match.group("indent")):
        return None  # a header's text follows it, indented deeper
    return name


def _thread_start(lines: list[str]) -> int:
    """Index of the line where a trailing comment thread begins, or len(lines) when there is none."""
    last_text = -1
    for i, line in enumerate(lines):
        if line.strip() and _indent(line) == 0 and not _is_boilerplate(line):
            last_text = i
    for i in range(last_text + 1, len(lines)):
        if _header_name(lines, i) is not None:
            return i
    return len(lines)


def _drop_trailing_boilerplate(lines: list[str], *, unindented_only: bool = False) -> tuple[list[str], list[str]]:
    """``lines`` without the boilerplate lines (and blanks) at their end, and those lines in text order."""
    keep = list(lines)
    dropped: list[str] = []
    while keep and (
        not keep[-1].strip() or (_is_boilerplate(keep[-1]) and not (unindented_only and _indent(keep[-1]) > 0))
    ):
        line = keep.pop()
        if line.strip():
            dropped.append(line.strip())
    return keep, dropped[::-1]


def _is_headline(line: str) -> bool:
    stripped = line.strip()
    return (
        bool(stripped)
        and _indent(line) == 0
        and len(stripped) <= _HEADLINE_MAX_CHARS
        and not stripped.endswith(_SENTENCE_END)
        and not _URL.match(stripped)
    )


def _headline(lines: list[str]) -> tuple[str | None, str | None, list[str]]:
    """Title and subtitle (each a line standing alone above a blank line), and the lines left."""
    pos = 0
    found: list[str] = []
    while len(found) < 2:
        while pos < len(lines) and not lines[pos].strip():
            pos += 1
        alone = pos + 1 < len(lines) and not lines[pos + 1].strip()
        if pos >= len(lines) or not alone or not _is_headline(lines[pos]):
            break
        if found and _DATELINE.search(lines[pos]):
            break  # a dateline or byline under the title is body text
        found.append(lines[pos].strip())
        pos += 1
    title = found[0] if found else None
    subtitle = found[1] if len(found) > 1 else None
    return title, subtitle, lines[pos:]


def _thread_comments(lines: list[str]) -> list[Comment]:
    headers = [(i, name) for i in range(len(lines)) if (name := _header_name(lines, i)) is not None]
    if not headers:
        return []
    base = min(_indent(lines[i]) for i, _ in headers)
    comments: list[Comment] = []
    # (depth, comment_no) of the comments the next one may reply to; None for a skipped empty comment.
    open_: list[tuple[int, int | None]] = []
    for n, (i, name) in enumerate(headers):
        end = headers[n + 1][0] if n + 1 < len(headers) else len(lines)
        depth = (_indent(lines[i]) - base) // 2
        while open_ and open_[-1][0] >= depth:
            open_.pop()
        body = "\n\n".join(line.strip() for line in lines[i + 1 : end] if line.strip())
        if not body:  # a header whose only followers are replies: skipped, its replies become orphans
            open_.append((depth, None))
            continue
        badge = _POST_AUTHOR.match(name)
        comments.append(
            Comment(
                comment_no=len(comments) + 1,
                parent_no=open_[-1][1] if open_ else None,
                depth=depth,
                author=badge.group("name") if badge else name,
                posted_at=None,
                body=body,
                by_post_author=badge is not None,
            )
        )
        open_.append((depth, len(comments)))
    return comments


def _flat_comments(lines: list[str]) -> list[Comment]:
    groups: list[list[str]] = []
    for line in (line.strip() for line in lines):
        if not line:
            continue
        if groups and _URL.match(line):
            groups[-1].append(line)
        else:
            groups.append([line])
    return [
        Comment(comment_no=n, parent_no=None, depth=0, author=None, posted_at=None, body="\n\n".join(group))
        for n, group in enumerate(groups, start=1)
    ]
