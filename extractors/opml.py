"""OPML subscription lists, the format feed readers exchange: read with listparser (after the same entity
checks as a feed), written as OPML 2.0 with one folder outline per level of a source's first tag."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import listparser

from extractors import errors
from extractors.feeds import check_entities
from extractors.sources import Source, site_of
from extractors.urls import is_fetchable


@dataclass(frozen=True)
class Subscription:
    """One feed of a subscription list: its URL, the title the reader gave it and the folders it sits in."""

    feed: str
    title: str | None
    tags: tuple[str, ...]  # folder paths, "Politics/US"


def read_opml(body: bytes, where: str) -> list[Subscription]:
    """Every outline with an ``xmlUrl``, nested folders included, in file order; ``where`` names the file.

    Raises HostileFeed for a DTD with entity tricks and NotAFeed for a document that is no subscription list."""
    check_entities(body, where)
    # Always bytes: listparser downloads a str that starts with http:// by itself, past our client.
    parsed = listparser.parse(body)
    if not parsed.get("version") and not parsed["feeds"]:
        detail = f" ({parsed['bozo_exception']})" if parsed.get("bozo") else ""
        raise errors.NotAFeed(f"{where}: not an OPML subscription list{detail}", url=where)
    found = []
    for feed in parsed["feeds"]:
        url = (feed.get("url") or "").strip()
        if not is_fetchable(url):
            continue
        folders = ("/".join(part for part in path if part) for path in feed.get("categories", []))
        tags = tuple(dict.fromkeys(folder for folder in folders if folder))
        found.append(Subscription(feed=url, title=(feed.get("title") or "").strip() or None, tags=tags))
    return found


def write_opml(sources: Sequence[Source], title: str, now: datetime | None = None) -> str:
    """OPML 2.0 for ``sources``: each in the folders of its first tag, all its tags in ``category``."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC), usegmt=True)
    body = ET.SubElement(root, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}
    for source in sources:
        path = tuple(part for part in (source.tags[0].split("/") if source.tags else []) if part.strip())
        for depth in range(1, len(path) + 1):
            if path[:depth] not in folders:
                parent = folders[path[: depth - 1]]
                folders[path[:depth]] = ET.SubElement(parent, "outline", text=path[depth - 1], title=path[depth - 1])
        outline = ET.SubElement(
            folders[path],
            "outline",
            type="rss",
            text=source.name,
            title=source.name,
            xmlUrl=source.feed,
            htmlUrl=site_of(source),
        )
        if len(source.tags) > 1:
            outline.set("category", ",".join("/" + tag.strip("/") for tag in source.tags))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
