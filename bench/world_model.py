"""The benchmark world's content: sites, articles and comment threads, drawn from a seed.

Body text comes from an order-2 Markov model of the seed corpus (plausible English prose on the
project's subject), in lengths from a few hundred to a few thousand words; comment threads run from none
to a couple of hundred comments, nested up to six deep. Nothing is stored: every article is computed from
(seed, site, number) when asked for, so a 20,000-page world costs no memory.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from world_pages import TAGS, render_feed, render_page, slugify

REPO = Path(__file__).resolve().parents[1]
SEED_CORPUS = REPO / "extractors" / "data" / "seed-corpus"

HOST = "127.0.0.1"
EPOCH = datetime(2025, 1, 6, 7, 0, tzinfo=UTC)


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


_ADJECTIVES = _words(
    "Long Quiet Open Plain Frank Sober Candid Distant Northern Eastern Steady Careful Second Late Early "
    "Common Narrow Wide Patient Restless Grey Silent Lucid Honest"
)
_NOUNS = _words(
    "View Ledger Dispatch Review Notes Brief Record Observer Chronicle Monitor Letter Report Digest "
    "Courier Almanac Compass Gazette Bulletin Journal Register Sentinel Standard Tribune Outlook"
)
_FIRST = _words(
    "Anna Boris Carla Dmitri Elena Frank Greta Hannah Ivan Julia Karl Lena Marco Nadia Oleg Paula Quentin "
    "Rosa Stefan Tanya Ulrich Vera Walter Yuri Zoe Conor Yves Lambert Aurelien Stephen"
)
_LAST = _words(
    "Adler Baker Castro Dorn Ellis Fischer Gallagher Hale Ivanova Jensen Kowalski Lang Moreau Novak Orlov "
    "Petrov Quinn Reyes Smith Strand Tanaka Ulyanov Vogel Walsh Young Zeller Bryen Welsh Strauss"
)
_HANDLES = _words(
    "The Rev Kev|juno mas|.Tom|Polar Socialist|Acacia|Bugs Bunny|ambrit|Alice X|Lefty Godot|Carolinian|"
    "vao|Jams O'Donnell|Ignacio|Synoia|Tom Stone|Mikel|JohnnyGL|Louis Fyne|Skip Intro|Wukchumni|KLG|"
    "Kouros|flora|Roland|Tedder|CA|Pat|nippersdad|Es s Everything|Rolf",
    sep="|",
)


# -- text ---------------------------------------------------------------------------------------------


class TextModel:
    """Plausible English prose on the project's subject, cheap to draw: an order-2 Markov model of the
    seed corpus's words writes a pool of sentences once (from a fixed seed); a passage is a random run
    of pool sentences, so no two passages of a world repeat while drawing one costs a few microseconds."""

    POOL = 12_000  # sentences

    def __init__(self, corpus_dir: Path = SEED_CORPUS) -> None:
        words: list[str] = []
        for path in sorted(corpus_dir.glob("[0-9]*.txt")):
            words.extend(w for w in path.read_text(encoding="utf-8").split() if len(w) < 30 and "http" not in w)
        if len(words) < 100:
            raise SystemExit(f"the seed corpus in {corpus_dir} is missing or too small to model text on")
        chain: dict[tuple[str, str], list[str]] = {}
        for a, b, c in zip(words, words[1:], words[2:], strict=False):
            chain.setdefault((a, b), []).append(c)
        starts = [(a, b) for (a, b) in chain if a[:1].isupper() and a[-1:] not in ".?!:" and b[-1:] not in ".?!"]
        self._vocabulary = sorted({w.strip(".,;:!?\"'()[]").lower() for w in words if w.isalpha() and len(w) > 3})
        rng = random.Random("tealeaves-bench-text")
        self._pool = [self._markov(rng, chain, starts) for _ in range(self.POOL)]
        self._sizes = [s.count(" ") + 1 for s in self._pool]

    @staticmethod
    def _markov(rng: random.Random, chain: dict[tuple[str, str], list[str]], starts: list[tuple[str, str]]) -> str:
        """One sentence: from a sentence start to a full stop (or cut at 45 words and closed)."""
        a, b = rng.choice(starts)
        out = [a, b]
        while out[-1][-1:] not in ".?!" and len(out) < 45:
            following = chain.get((a, b))
            if not following:
                break
            c = rng.choice(following)
            out.append(c)
            a, b = b, c
        if out[-1][-1:] not in ".?!":
            out[-1] = out[-1].rstrip(",;:") + "."
        return " ".join(out)

    def sentence(self, rng: random.Random, n: int) -> str:
        """A passage of about ``n`` words (whole sentences)."""
        picked: list[str] = []
        size = 0
        while size < n:
            k = rng.randrange(self.POOL)
            picked.append(self._pool[k])
            size += self._sizes[k]
        return " ".join(picked)

    def title(self, rng: random.Random) -> str:
        """A headline: a few vocabulary words, title-cased, sometimes with a colon."""
        words = [rng.choice(self._vocabulary) for _ in range(rng.randint(4, 9))]
        text = " ".join(w.capitalize() if i == 0 or len(w) > 3 else w for i, w in enumerate(words))
        if rng.random() < 0.3:
            head = rng.choice(TAGS).replace("-", " ")
            text = f"{head}: {text}"
        return text


# -- the world's shape ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorldSpec:
    """How big the world is, and the seed everything is drawn from."""

    feeds: int = 40
    articles: int = 50  # per site at the start; also how many items each feed lists
    seed: int = 1


@dataclass(frozen=True)
class Site:
    """One outlet."""

    index: int
    kind: str  # 'wordpress' | 'substack'
    name: str
    slug: str  # lower-case, used as the source name
    interval_hours: int  # between two posts
    authors: tuple[str, ...]

    @property
    def feed_path(self) -> str:
        return "/feed/" if self.kind == "wordpress" else "/feed"


@dataclass(frozen=True)
class Comment:
    """A reader comment as the page shows it."""

    number: int
    parent: int | None
    depth: int
    author: str
    at: datetime
    paragraphs: tuple[str, ...]
    by_author: bool


@dataclass(frozen=True)
class Article:
    """One post, everything a page or feed item says about it."""

    site: Site
    number: int  # 1-based, in publication order
    title: str
    subtitle: str
    author: str
    published: datetime
    modified: datetime
    slug: str
    tags: tuple[str, ...]
    blocks: tuple[tuple[str, str], ...]  # (tag, text): 'p', 'h2', 'blockquote', 'li'
    comments: tuple[Comment, ...]

    @property
    def path(self) -> str:
        if self.site.kind == "wordpress":
            return f"/{self.published:%Y/%m}/{self.slug}/"
        return f"/p/{self.slug}"

    @property
    def feed_path(self) -> str:
        """The link as the feed gives it (WordPress adds tracking parameters, Substack does not)."""
        if self.site.kind == "wordpress":
            return f"{self.path}?utm_source=rss&utm_medium=rss&utm_campaign={self.slug}"
        return self.path

    @property
    def words(self) -> int:
        return sum(len(text.split()) for _, text in self.blocks)


def _etag(*parts: object) -> str:
    return '"' + hashlib.sha1("/".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()[:20] + '"'


class World:
    """The whole web, computed on demand from the spec; ``grow`` and ``reset`` change what it publishes."""

    def __init__(self, spec: WorldSpec, text: TextModel | None = None) -> None:
        self.spec = spec
        self.text = text or TextModel()
        self.sites = tuple(self._site(i) for i in range(spec.feeds))
        self._published = [spec.articles] * spec.feeds
        self._grown = 0
        self._lock = threading.Lock()
        self._feeds: dict[int, tuple[tuple[int, str], tuple[bytes, str, datetime]]] = {}

    # - state -

    def grow(self, k: int) -> list[tuple[int, int]]:
        """Publish ``k`` new articles, round-robin over the sites (continuing where the last grow stopped)."""
        with self._lock:
            added = []
            for t in range(k):
                i = (self._grown + t) % len(self.sites)
                self._published[i] += 1
                added.append((i, self._published[i]))
            self._grown += k
            return added

    def reset(self) -> None:
        """Back to the first state: ``articles`` per site."""
        with self._lock:
            self._published = [self.spec.articles] * self.spec.feeds
            self._grown = 0

    def published(self, site: int) -> int:
        """How many articles the site has published so far."""
        return self._published[site]

    def listed(self, site: int) -> range:
        """The article numbers the site's feed lists now (the newest ``articles``), oldest first."""
        last = self._published[site]
        return range(max(1, last - self.spec.articles + 1), last + 1)

    def total_pages(self) -> int:
        """Articles published over all sites."""
        return sum(self._published)

    # - content -

    def _rng(self, *parts: object) -> random.Random:
        return random.Random("/".join(map(str, (self.spec.seed, *parts))))

    def _site(self, i: int) -> Site:
        rng = self._rng("site", i)
        name = f"The {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}"
        kind = "wordpress" if i % 2 == 0 else "substack"
        authors = tuple(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(1 if kind == "substack" else 4))
        return Site(i, kind, name, f"{slugify(name)}-{i}", rng.choice((10, 16, 24, 36, 60)), authors)

    def article(self, site: int, number: int) -> Article:
        """Article ``number`` (1-based) of site ``site``, published or not."""
        return _article(self, site, number)

    def headline(self, site_index: int, number: int) -> tuple[str, datetime, str]:
        """Title, publication time and slug of an article: cheap, for feeds and "recent posts" lists."""
        rng = self._rng("headline", site_index, number)
        title = self.text.title(rng)
        hours = self.sites[site_index].interval_hours * number
        published = EPOCH + timedelta(hours=hours, minutes=rng.randrange(0, 600, 7))
        return title, published, f"{slugify(title)}-{number}"

    def path(self, site_index: int, number: int) -> str:
        """The path of an article's page."""
        _, published, slug = self.headline(site_index, number)
        if self.sites[site_index].kind == "wordpress":
            return f"/{published:%Y/%m}/{slug}/"
        return f"/p/{slug}"

    def _make_article(self, site_index: int, number: int) -> Article:
        site = self.sites[site_index]
        rng = self._rng("article", site_index, number)
        title, published, slug = self.headline(site_index, number)
        # Body length: log-normal, median about 900 words, from ~250 to ~4,000.
        words = int(min(4000, max(250, math.exp(rng.gauss(math.log(900), 0.6)))))
        blocks: list[tuple[str, str]] = []
        while sum(len(t.split()) for _, t in blocks) < words:
            roll = rng.random()
            if roll < 0.06 and blocks:
                blocks.append(("h2", self.text.title(rng)))
            elif roll < 0.12:
                blocks.append(("blockquote", self.text.sentence(rng, rng.randint(25, 90))))
            elif roll < 0.16:
                blocks.extend(("li", self.text.sentence(rng, rng.randint(8, 25))) for _ in range(rng.randint(3, 6)))
            else:
                blocks.append(("p", self.text.sentence(rng, rng.randint(40, 160))))
        comments = self._comments(rng, site, published)
        return Article(
            site=site,
            number=number,
            title=title,
            subtitle=self.text.sentence(rng, rng.randint(10, 22)),
            author=rng.choice(site.authors),
            published=published,
            modified=published + timedelta(minutes=rng.randint(5, 900)),
            slug=slug,
            tags=tuple(rng.sample(TAGS, rng.randint(1, 5))),
            blocks=tuple(blocks),
            comments=comments,
        )

    def _comments(self, rng: random.Random, site: Site, published: datetime) -> tuple[Comment, ...]:
        if rng.random() < 0.3:
            return ()
        count = int(min(220, math.exp(rng.gauss(math.log(12), 1.0))))
        comments: list[Comment] = []
        at = published
        for number in range(1, count + 1):
            parent: Comment | None = None
            if comments and rng.random() < 0.5:
                parent = comments[-1] if rng.random() < 0.6 else rng.choice(comments)
                if parent.depth >= 5:
                    parent = None
            at = at + timedelta(minutes=rng.randint(1, 90))
            by_author = rng.random() < 0.03
            comments.append(
                Comment(
                    number=number,
                    parent=parent.number if parent else None,
                    depth=parent.depth + 1 if parent else 0,
                    author=site.authors[0] if by_author else rng.choice(_HANDLES),
                    at=at,
                    paragraphs=tuple(self.text.sentence(rng, rng.randint(12, 70)) for _ in range(rng.randint(1, 3))),
                    by_author=by_author,
                )
            )
        return tuple(comments)

    # - answers -

    def feed(self, site_index: int, base: str) -> tuple[bytes, str, datetime]:
        """The site's feed as RSS bytes, with its ETag and Last-Modified (kept until the site publishes)."""
        published = self._published[site_index]
        key = (published, base)
        cached = self._feeds.get(site_index)
        if cached is None or cached[0] != key:
            articles = [self.article(site_index, n) for n in reversed(self.listed(site_index))]
            body = render_feed(self.sites[site_index], articles, base)
            etag = _etag("feed", self.spec.seed, site_index, published)
            cached = (key, (body, etag, articles[0].modified))
            self._feeds[site_index] = cached
        return cached[1]

    def page(self, site_index: int, path: str, base: str) -> tuple[bytes, str, datetime] | None:
        """The page at ``path`` (query ignored), or None when the site has no such published page."""
        number = _number_in(path)
        if number is None or not 1 <= number <= self._published[site_index] or self.path(site_index, number) != path:
            return None
        article = self.article(site_index, number)
        recent = [
            (self.path(site_index, n), self.headline(site_index, n)[0]) for n in range(max(1, number - 10), number)
        ]
        body = render_page(article, base, recent, self.spec.seed)
        return body, _etag("page", self.spec.seed, site_index, number), article.modified

    def feed_path(self, site_index: int, number: int) -> str:
        """An article's link as the feed gives it (WordPress adds tracking parameters, Substack does not)."""
        path = self.path(site_index, number)
        if self.sites[site_index].kind == "wordpress":
            return f"{path}?utm_source=rss&utm_medium=rss&utm_campaign={self.headline(site_index, number)[2]}"
        return path

    def robots(self, site_index: int, base: str) -> bytes:
        """The site's robots.txt: the usual rules of its platform, nothing that keeps a reader from posts."""
        if self.sites[site_index].kind == "wordpress":
            rules = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
        else:
            rules = "User-agent: *\nDisallow: /action/\nDisallow: /publish/\nDisallow: /sign-in\n"
        return f"{rules}\nSitemap: {base}/sitemap.xml\n".encode()

    def links(self, bases: list[str]) -> Iterator[tuple[str, str]]:
        """(site slug, URL as the feed links it) for every article the feeds list now."""
        for site in self.sites:
            for n in self.listed(site.index):
                yield site.slug, bases[site.index] + self.feed_path(site.index, n)


@lru_cache(maxsize=4096)
def _article(world: World, site: int, number: int) -> Article:
    return world._make_article(site, number)


def _number_in(path: str) -> int | None:
    match = re.search(r"-(\d+)/?$", path)
    return int(match.group(1)) if match else None
