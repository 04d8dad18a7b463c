"""HTML and RSS for the benchmark world (``bench/world.py``): a WordPress theme and a Substack post page.

Pages are built to weigh what real ones weigh (a median around 50 KB, up to a few hundred) and to carry
what makes extraction work: head metadata and JSON-LD, navigation and sidebar widgets, inline CSS and
scripts, share buttons and subscribe boxes inside the text, and the comment thread in each engine's own
markup (``wp_list_comments`` for WordPress; schema.org ``Comment`` microdata for the Substack-like page,
whose real comments are drawn by script). Every choice is seeded, so a page is the same on every run.
"""

# The templates below are HTML as themes print it: long lines are part of the likeness.
# ruff: noqa: E501

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from world_model import Article, Comment, Site


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TAGS = _words(
    "Russia Ukraine diplomacy ceasefire sanctions NATO energy Black-Sea Istanbul Riyadh Jeddah Geneva "
    "Washington Moscow Kyiv Europe China Turkey Saudi-Arabia grain prisoners elections "
    "security-guarantees reconstruction frozen-assets arms-control Crimea Donbas Zaporizhzhia OSCE UN"
)

esc = html.escape


def slugify(text: str) -> str:
    """Lower-case words joined by hyphens, as WordPress and Substack make post slugs."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].rstrip("-")


@lru_cache(maxsize=2048)
def _css(site: Site, rules: int) -> str:
    rng = random.Random(f"css/{site.index}")
    parts = []
    for i in range(rules):
        sel = rng.choice(("wp-block", "entry", "site", "widget", "menu", "post", "comment", "pencraft", "button"))
        prop = rng.choice(("margin", "padding", "color", "font-size", "line-height", "border", "display"))
        val = rng.choice(("0", "1rem", "var(--global--spacing-unit)", "#28303d", "inherit", "none", "1.7"))
        parts.append(f".{sel}-{rng.choice(('a', 'b', 'c', 'title', 'meta', 'inner'))}{i % 97}{{{prop}:{val}}}")
    return "".join(parts)


@lru_cache(maxsize=2048)
def _script(site: Site, size: int) -> str:
    rng = random.Random(f"js/{site.index}")
    names = ("settings", "source", "concatemoji", "wpemoji", "twemoji", "ajaxurl", "nonce", "config", "i18n")
    chunks = []
    while sum(map(len, chunks)) < size:
        chunks.append(
            f'window.{rng.choice(names)}{rng.randint(0, 99)}={{"baseUrl":"https:\\/\\/s.w.org\\/images\\/core\\/'
            f'emoji\\/15.0.3\\/72x72\\/","ext":".png","v":{rng.randint(0, 10**6)}}};'
            "!function(e,t){var n=e.createElement(t);n.async=!0;(e.head||e.body).appendChild(n)}(document,'script');"
        )
    return "".join(chunks)


def _blocks_html(article: Article, rng: random.Random, base: str) -> str:
    out: list[str] = []
    in_list = False
    for tag, text in article.blocks:
        if tag == "li" and not in_list:
            out.append("<ul>")
            in_list = True
        elif tag != "li" and in_list:
            out.append("</ul>")
            in_list = False
        body = esc(text)
        if tag == "p" and rng.random() < 0.35:  # an inline link, as commentary cites its sources
            words = body.split(" ")
            k = rng.randrange(len(words))
            words[k] = (
                f'<a href="{base}/{rng.randint(2019, 2024)}/{rng.randint(1, 12):02d}/{words[k].lower()}/">{words[k]}</a>'
            )
            body = " ".join(words)
        out.append(f"<{tag}>{body}</{tag}>")
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def _wp_comment(c: Comment, children: dict[int | None, list[Comment]], base: str, article: Article) -> str:
    kids = children.get(c.number, [])
    shown = f"{c.at:%B} {c.at.day}, {c.at:%Y} at {c.at:%I:%M %p}".replace(" 0", " ").lower().replace("at ", "at ")
    paras = "".join(f"<p>{esc(p)}</p>" for p in c.paragraphs)
    author_class = " bypostauthor" if c.by_author else ""
    reply = "".join(_wp_comment(k, children, base, article) for k in kids)
    return (
        f'<li id="comment-{c.number}" class="comment{author_class} {"even" if c.number % 2 else "odd"} '
        f'depth-{c.depth + 1}{" parent" if kids else ""}">'
        f'<article id="div-comment-{c.number}" class="comment-body"><footer class="comment-meta">'
        f'<div class="comment-author vcard"><img alt="" src="{base}/avatar/{c.number}.png" class="avatar avatar-56 photo" '
        f'height="56" width="56" loading="lazy"><b class="fn">{esc(c.author)}</b> <span class="says">says:</span></div>'
        f'<div class="comment-metadata"><a href="{base}{article.path}#comment-{c.number}">'
        f'<time datetime="{c.at.isoformat()}">{shown}</time></a></div></footer>'
        f'<div class="comment-content">{paras}</div>'
        f'<div class="reply"><a rel="nofollow" class="comment-reply-link" href="#comment-{c.number}" '
        f'data-commentid="{c.number}" aria-label="Reply to {esc(c.author)}">Reply</a></div></article>'
        + (f'<ol class="children">{reply}</ol>' if kids else "")
        + "</li>"
    )


def _wordpress(article: Article, base: str, recent: Sequence[tuple[str, str]], seed: int) -> str:
    site = article.site
    rng = random.Random(f"render/{seed}/{site.index}/{article.number}")
    url = base + article.path
    description = esc(" ".join(article.blocks[0][1].split()[:30]))
    children: dict[int | None, list[Comment]] = {}
    for c in article.comments:
        children.setdefault(c.parent, []).append(c)
    thread = "".join(_wp_comment(c, children, base, article) for c in children.get(None, []))
    recent_html = "".join(f'<li><a href="{base}{path}">{esc(title)}</a></li>' for path, title in recent)
    menu = "".join(
        f'<li class="menu-item menu-item-{i}"><a href="{base}/category/{t.lower()}/">{t.replace("-", " ")}</a></li>'
        for i, t in enumerate(TAGS[:18])
    )
    archives = "".join(
        f'<li><a href="{base}/2025/{m:02d}/">{datetime(2025, m, 1):%B} 2025</a></li>' for m in range(1, 13)
    )
    cloud = " ".join(
        f'<a href="{base}/tag/{t.lower()}/" class="tag-cloud-link" style="font-size: {8 + i % 14}pt;">{t}</a>'
        for i, t in enumerate(TAGS)
    )
    tags = ", ".join(f'<a href="{base}/tag/{t.lower()}/" rel="tag">{t}</a>' for t in article.tags)
    count = len(article.comments)
    comments = (
        f'<div id="comments" class="comments-area default-max-width show-avatars">'
        f'<h2 class="comments-title">{count} thoughts on &ldquo;{esc(article.title)}&rdquo;</h2>'
        f'<ol class="comment-list">{thread}</ol>'
        if count
        else '<div id="comments" class="comments-area default-max-width">'
    ) + (
        '<div id="respond" class="comment-respond"><h2 id="reply-title" class="comment-reply-title">Leave a Reply</h2>'
        f'<form action="{base}/wp-comments-post.php" method="post" id="commentform" class="comment-form" novalidate>'
        '<p class="comment-notes">Your email address will not be published. Required fields are marked *</p>'
        '<p class="comment-form-comment"><label for="comment">Comment</label><textarea id="comment" name="comment" '
        'cols="45" rows="5" maxlength="65525" required></textarea></p><p class="form-submit"><input name="submit" '
        'type="submit" id="submit" class="submit" value="Post Comment"></p></form></div></div>'
    )
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@graph": [
                {
                    "@type": "Article",
                    "@id": url + "#article",
                    "headline": article.title,
                    "datePublished": article.published.isoformat(),
                    "dateModified": article.modified.isoformat(),
                    "author": {"@type": "Person", "name": article.author},
                    "commentCount": count,
                    "keywords": list(article.tags),
                    "inLanguage": "en-US",
                },
                {"@type": "WebSite", "@id": base + "/#website", "url": base + "/", "name": site.name},
            ],
        }
    )
    return f"""<!doctype html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(article.title)} &#8211; {esc(site.name)}</title>
<meta name="robots" content="index, follow, max-image-preview:large, max-snippet:-1, max-video-preview:-1">
<link rel="canonical" href="{url}">
<meta name="description" content="{description}">
<meta property="og:locale" content="en_US">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(article.title)}">
<meta property="og:description" content="{description}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{esc(site.name)}">
<meta property="article:published_time" content="{article.published.isoformat()}">
<meta property="article:modified_time" content="{article.modified.isoformat()}">
<meta property="og:image" content="{base}/wp-content/uploads/2025/01/header.jpg">
<meta name="author" content="{esc(article.author)}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="{esc(article.author)}">
<meta name="generator" content="WordPress 6.7.2">
<script type="application/ld+json" class="yoast-schema-graph">{ld}</script>
<link rel="dns-prefetch" href="//fonts.googleapis.com"><link rel="dns-prefetch" href="//stats.wp.com">
<link rel="alternate" type="application/rss+xml" title="{esc(site.name)} &raquo; Feed" href="{base}/feed/">
<link rel="alternate" type="application/rss+xml" title="{esc(site.name)} &raquo; Comments Feed" href="{base}/comments/feed/">
<script>{_script(site, 5000)}</script>
<style id="wp-block-library-inline-css">{_css(site, 260)}</style>
<style id="global-styles-inline-css">{_css(site, 180)[::-1]}</style>
<link rel="stylesheet" id="twenty-twenty-one-style-css" href="{base}/wp-content/themes/twentytwentyone/style.css?ver=2.4" media="all">
<link rel="stylesheet" id="jetpack-css" href="{base}/wp-content/plugins/jetpack/css/jetpack.css?ver=14.1" media="all">
<script src="{base}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
<script src="{base}/wp-includes/js/comment-reply.min.js?ver=6.7.2" id="comment-reply-js" async></script>
</head>
<body class="post-template-default single single-post postid-{article.number} single-format-standard wp-embed-responsive">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<header id="masthead" class="site-header has-title-and-tagline has-menu">
<div class="site-branding"><p class="site-title"><a href="{base}/" rel="home">{esc(site.name)}</a></p>
<p class="site-description">Commentary on power, diplomacy and the war in Ukraine</p></div>
<nav id="site-navigation" class="primary-navigation" aria-label="Primary menu"><div class="primary-menu-container">
<ul id="primary-menu-list" class="menu-wrapper">{menu}</ul></div></nav>
</header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-{article.number}" class="post-{article.number} post type-post status-publish format-standard hentry entry">
<header class="entry-header alignwide"><h1 class="entry-title">{esc(article.title)}</h1>
<div class="entry-meta"><span class="byline">by <span class="author vcard"><a class="url fn n" href="{base}/author/{slugify(article.author)}/">{esc(article.author)}</a></span></span>
<span class="posted-on"><time class="entry-date published" datetime="{article.published.isoformat()}">{article.published:%B %d, %Y}</time></span></div>
</header>
<div class="entry-content">
{_blocks_html(article, rng, base)}
<div class="printfriendly pf-button pf-alignleft"><a href="#" rel="nofollow" class="noslimstat"><img src="{base}/pf.png" alt="Print Friendly, PDF &amp; Email"></a></div>
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social"><h3 class="sd-title">Share this:</h3>
<ul><li class="share-twitter"><a href="{url}?share=twitter">X</a></li><li class="share-facebook"><a href="{url}?share=facebook">Facebook</a></li><li class="share-email"><a href="{url}?share=email">Email</a></li></ul></div></div>
</div>
<footer class="entry-footer default-max-width"><div class="posted-by"><span class="cat-links">Posted in <a href="{base}/category/{article.tags[0].lower()}/" rel="category tag">{article.tags[0]}</a></span>
<span class="tags-links">Tagged {tags}</span></div></footer>
</article>
<nav class="navigation post-navigation" aria-label="Posts"><div class="nav-links">{recent_html[:400]}</div></nav>
{comments}
</main></div>
<aside id="secondary" class="widget-area" role="complementary">
<section id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="{base}/"><input type="search" class="search-field" name="s"><input type="submit" class="search-submit" value="Search"></form></section>
<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{recent_html}</ul></section>
<section id="archives-2" class="widget widget_archive"><h2 class="widget-title">Archives</h2><ul>{archives}</ul></section>
<section id="tag_cloud-2" class="widget widget_tag_cloud"><h2 class="widget-title">Tags</h2><div class="tagcloud">{cloud}</div></section>
<section id="newsletter-3" class="widget widget_newsletter"><h2 class="widget-title">Subscribe</h2><p>Get every new post by email.</p><form><input type="email" name="email"><button>Subscribe</button></form></section>
</aside></div>
<footer id="colophon" class="site-footer"><div class="site-info"><div class="site-name">{esc(site.name)}</div>
<div class="powered-by copyright">&copy; 2025 {esc(site.name)}. Proudly powered by <a href="https://wordpress.org/">WordPress</a>.</div></div></footer>
</div>
<script id="jetpack-stats-js-before">_stq = window._stq || [];_stq.push(["view", {{"v":"ext","blog":"{100000 + site.index}","post":"{article.number}"}}]);</script>
<script src="{base}/wp-includes/js/dist/hooks.min.js?ver=4d63a3d491d11ffd8ac6" id="wp-hooks-js"></script>
</body>
</html>
"""


def _substack_comment(c: Comment, children: dict[int | None, list[Comment]]) -> str:
    kids = children.get(c.number, [])
    paras = "".join(f"<p>{esc(p)}</p>" for p in c.paragraphs)
    replies = "".join(_substack_comment(k, children) for k in kids)
    return (
        f'<div class="comment" id="comment-{c.number}" itemscope itemtype="https://schema.org/Comment">'
        f'<div class="comment-content"><div class="comment-meta">'
        f'<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
        f'<a class="commenter-name" itemprop="name">{esc(c.author)}</a></span>'
        f'<time itemprop="dateCreated" datetime="{c.at.isoformat()}">{c.at:%b} {c.at.day}</time></div>'
        f'<div class="comment-body" itemprop="text">{paras}</div>'
        f'<div class="comment-actions"><button class="like-button">Like</button><button>Reply</button></div></div>'
        + (f'<div class="comment-replies">{replies}</div>' if kids else "")
        + "</div>"
    )


def _substack(article: Article, base: str, seed: int) -> str:
    site = article.site
    rng = random.Random(f"render/{seed}/{site.index}/{article.number}")
    url = base + article.path
    body = _blocks_html(article, rng, base)
    widget = (
        '<div class="subscription-widget-wrap-editor" data-attrs="{}"><div class="subscription-widget show-subscribe">'
        f'<div class="preamble"><p class="cta-caption">{esc(site.name)} is a reader-supported publication. To receive '
        "new posts and support my work, consider becoming a free or paid subscriber.</p></div>"
        '<form class="subscription-widget-subscribe"><input type="email" class="email-input" name="email" '
        'placeholder="Type your email…"><input type="submit" class="button primary" value="Subscribe"></form></div></div>'
    )
    half = body.find("\n", len(body) // 2)
    body = body[:half] + "\n" + widget + body[half:] if half > 0 else body + widget
    children: dict[int | None, list[Comment]] = {}
    for c in article.comments:
        children.setdefault(c.parent, []).append(c)
    thread = "".join(_substack_comment(c, children) for c in children.get(None, []))
    preloads = json.dumps(
        {
            "isEU": False,
            "language": "en",
            "base_url": base,
            "post": {
                "id": 100000 + article.number,
                "title": article.title,
                "subtitle": article.subtitle,
                "slug": article.slug,
                "post_date": article.published.isoformat(),
                "canonical_url": url,
                "body_html": body,
                "comment_count": len(article.comments),
                "publishedBylines": [{"name": article.author, "handle": slugify(article.author)}],
            },
            "pub": {"name": site.name, "subdomain": site.slug, "theme": {"background_pop": "#ff6719"}},
            "features": {f"flag_{i}": bool(i % 3) for i in range(120)},
        }
    )
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "url": url,
            "mainEntityOfPage": url,
            "headline": article.title,
            "description": article.subtitle,
            "datePublished": article.published.isoformat(),
            "dateModified": article.modified.isoformat(),
            "isAccessibleForFree": True,
            "author": [{"@type": "Person", "name": article.author, "url": f"{base}/@{slugify(article.author)}"}],
            "publisher": {"@type": "Organization", "name": site.name, "url": base},
        }
    )
    comments = (
        '<div class="comments-section"><h4 class="comments-heading">Discussion about this post</h4>'
        f'<div class="comments-list" id="comments">{thread}</div></div>'
        if article.comments
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
<title>{esc(article.title)} - by {esc(article.author)} - {esc(site.name)}</title>
<meta name="description" content="{esc(article.subtitle)}">
<meta property="og:url" content="{url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(article.title)}">
<meta property="og:description" content="{esc(article.subtitle)}">
<meta property="og:site_name" content="{esc(site.name)}">
<meta name="twitter:card" content="summary_large_image">
<meta name="author" content="{esc(article.author)}">
<link rel="canonical" href="{url}">
<link rel="alternate" type="application/rss+xml" href="{base}/feed" title="{esc(site.name)}">
<link rel="preconnect" href="https://substackcdn.com"><link rel="preload" as="font" href="https://substackcdn.com/fonts/spectral.woff2" crossorigin>
<script type="application/ld+json">{ld}</script>
<style>{_css(site, 520)}</style>
</head>
<body class="pc-root">
<div id="entry"><div id="main" class="main typography use-theme-bg">
<div class="topbar"><div class="navbar-title"><a class="navbar-title-link" href="{base}/">{esc(site.name)}</a></div>
<div class="navbar-buttons"><a class="button primary subscribe-btn" href="{base}/subscribe">Subscribe</a><a class="button sign-in-link" href="{base}/sign-in">Sign in</a></div></div>
<div class="container"><div class="single-post-container"><div class="single-post">
<article class="typography newsletter-post post">
<div class="post-header"><h1 class="post-title published" dir="auto">{esc(article.title)}</h1>
<h3 class="subtitle" dir="auto">{esc(article.subtitle)}</h3>
<div class="post-meta"><div class="byline-wrapper"><div class="profile-hover-card-target"><a href="{base}/@{slugify(article.author)}" class="pencraft frontend-pencraft-Text-module__decoration-hover-underline">{esc(article.author)}</a></div>
<div class="pencraft pc-reset color-pub-secondary-text-hGQ02T">{article.published:%b} {article.published.day}, {article.published:%Y}</div></div></div></div>
<div class="available-content"><div dir="auto" class="body markup">
{body}
</div></div>
<div class="post-footer"><div class="post-ufi"><a class="like-button-container" href="#">Like</a><a class="post-ufi-comment-button" href="{url}/comments">Comment</a><a class="share-button" href="#">Share</a></div></div>
</article>
{comments}
</div></div></div>
<div class="footer-wrap publication-footer"><div class="footer"><div class="copyright">&copy; 2025 {esc(article.author)}</div>
<div class="footer-terms"><a href="https://substack.com/privacy">Privacy</a> &#8729; <a href="https://substack.com/tos">Terms</a> &#8729; <a href="https://substack.com/ccpa#personal-data-collected">Collection notice</a></div>
<div class="footer-substack-cta"><a href="https://substack.com/signup">Start writing</a> <a href="https://substack.com/app">Get the app</a></div>
<div class="footer-slogan">Substack is the home for great culture</div></div></div>
</div></div>
<script>window._preloads = JSON.parse({json.dumps(preloads)})</script>
<script src="https://substackcdn.com/bundle/static/js/main.5f0e1c.js" charset="utf-8" async></script>
<script src="https://substackcdn.com/bundle/static/js/vendor.72a1b3.js" charset="utf-8" async></script>
</body>
</html>
"""


def render_page(article: Article, base: str, recent: Sequence[tuple[str, str]], seed: int) -> bytes:
    """An article's page: ``recent`` is (path, title) of the posts before it, for the sidebar."""
    if article.site.kind == "wordpress":
        return _wordpress(article, base, recent, seed).encode("utf-8")
    return _substack(article, base, seed).encode("utf-8")


def rfc822(at: datetime) -> str:
    """An HTTP / RSS date."""
    return format_datetime(at.astimezone(UTC), usegmt=True)


def render_feed(site: Site, articles: Sequence[Article], base: str) -> bytes:
    """The site's RSS 2.0 feed listing ``articles`` (newest first)."""
    items = []
    for a in articles:
        categories = "".join(f"<category><![CDATA[{t}]]></category>" for t in a.tags)
        excerpt = esc(" ".join(a.blocks[0][1].split()[:55])) + " [&#8230;]"
        if site.kind == "wordpress":
            items.append(
                f"<item><title>{esc(a.title)}</title><link>{esc(base + a.feed_path)}</link>"
                f"<comments>{base}{a.path}#respond</comments><dc:creator><![CDATA[{a.author}]]></dc:creator>"
                f"<pubDate>{rfc822(a.published)}</pubDate>{categories}"
                f'<guid isPermaLink="false">{base}/?p={a.number}</guid>'
                f"<description><![CDATA[{excerpt}]]></description>"
                f"<wfw:commentRss>{base}{a.path}feed/</wfw:commentRss><slash:comments>{len(a.comments)}</slash:comments>"
                "</item>"
            )
        else:
            content = "".join(f"<{t}>{esc(x)}</{t}>" for t, x in a.blocks)
            items.append(
                f"<item><title><![CDATA[{a.title}]]></title><description><![CDATA[{a.subtitle}]]></description>"
                f'<link>{base}{a.feed_path}</link><guid isPermaLink="false">{base}{a.path}</guid>'
                f"<dc:creator><![CDATA[{a.author}]]></dc:creator><pubDate>{rfc822(a.published)}</pubDate>"
                f'<enclosure url="https://substack-post-media.s3.amazonaws.com/public/images/{a.number}.jpg" '
                f'length="0" type="image/jpeg"/><content:encoded><![CDATA[{content}]]></content:encoded></item>'
            )
    built = rfc822(max(a.modified for a in articles)) if articles else rfc822(datetime(2025, 1, 1, tzinfo=UTC))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/'
        'content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">\n<channel>'
        f'<title>{esc(site.name)}</title><atom:link href="{base}{site.feed_path}" rel="self" '
        f'type="application/rss+xml"/><link>{base}/</link><description>Commentary on power and diplomacy</description>'
        f"<lastBuildDate>{built}</lastBuildDate><language>en-US</language>" + "".join(items) + "</channel></rss>\n"
    ).encode("utf-8")
