"""The `tealeaves sources` commands that change sources.toml: add, remove, import (OPML) and export (OPML).
Exit codes as in flows/cli.py: 0 done, 1 could not proceed (no feed found, the site did not answer, the
file could not be written), 2 bad invocation (a feed already followed, a name taken, a bad file)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from extractors.configfile import read_config_text
from extractors.discovery import Discovery, discover
from extractors.errors import ConfigError, ExtractorError
from extractors.identity import canonical_url
from extractors.opml import Subscription, read_opml, write_opml
from extractors.politeness import PoliteFetcher
from extractors.sources import Source, SourcesConfig, parse_sources, valid_name
from extractors.sources_file import append_sources, name_for, remove_source, unique_name, write_sources_file
from extractors.urls import is_fetchable
from flows.cli_common import COUNT, JsonOption, SourcesOption, dump_json, fail, show, show_table, table
from flows.settings import Settings

OPML_TITLE = "tealeaves sources"
_HOW = {"feed": "the URL is a feed", "linked": "linked from", "path": "found at a usual path of"}


def _read(path: Path, *, missing_ok: bool = False) -> tuple[str, SourcesConfig]:
    """The file's text and what it says; a missing file is an empty one when ``missing_ok``."""
    try:
        text = read_config_text(path)
    except FileNotFoundError as exc:
        if not missing_ok:
            raise fail(f"{path}: file not found (pass --sources)", 2) from exc
        text = ""
    except OSError as exc:
        raise fail(f"{path}: cannot read: {exc}", 1) from exc
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc
    try:
        return text, parse_sources(text, str(path))
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc


def _write(path: Path, text: str) -> None:
    try:
        write_sources_file(path, text)
    except OSError as exc:
        raise fail(f"{path}: cannot write: {exc}; nothing was changed", 1) from exc


def _followed(config: SourcesConfig) -> dict[str, str]:
    """Canonical feed URL -> the name of the source that follows it."""
    return {canonical_url(s.feed): s.name for s in config.sources}


def _refuse_followed(config: SourcesConfig, url: str) -> None:
    name = _followed(config).get(canonical_url(url))
    if name is not None:
        raise fail(f"{url} is already followed as {name!r} in {config.path}; nothing was added", 2)


def sources_add(
    url: Annotated[str, typer.Argument(help="A feed's URL, or a site's page whose feed is looked for.")],
    name: Annotated[
        str | None, typer.Option("--name", help="The source's name (default: from the host, without www.).")
    ] = None,
    sources: SourcesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Follow an outlet: its feed, or a site whose feed is then found.

    The feed a site's page links (its main feed, not its comments feed), else one at the usual paths (/feed/,
    /rss, /feed.xml …), validated by fetching and parsing it; the other feeds found are shown.

    Example: tealeaves sources add https://responsiblestatecraft.org/ --name rs
    """
    settings = Settings()
    path = sources or settings.sources
    text, config = _read(path, missing_ok=True)
    if not is_fetchable(url):
        raise fail(f"{url!r} is not an http(s) URL; give a feed's or a site's address", 2)
    taken = {s.name for s in config.sources}
    if name is not None and not valid_name(name):
        raise fail(f"--name {name!r}: use lower-case letters, digits, '-', '_' or '.' (at most 63)", 2)
    if name is not None and name in taken:
        raise fail(f"--name {name!r} is taken in {path}; choose another", 2)
    _refuse_followed(config, url)
    policy = settings.fetch_policy(config.allow_hosts)
    with PoliteFetcher(policy, settings.politeness_policy()) as fetcher:
        try:
            found = discover(url, lambda address, accept: fetcher.get(address, accept=accept))
        except ExtractorError as exc:
            raise fail(f"{exc}; nothing was added", 1) from exc
    _refuse_followed(config, found.feed)
    source = Source(name=name or name_for(found.site, taken), feed=found.feed, site=found.site)
    try:
        new_text = append_sources(text, [source], str(path))
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc
    _write(path, new_text)
    _show_added(source, found, path, as_json)


def _show_added(source: Source, found: Discovery, path: Path, as_json: bool) -> None:
    if as_json:
        dump_json(
            {
                "added": {"name": source.name, "feed": source.feed, "site": source.site},
                "title": found.title,
                "found": found.how,
                "others": [{"url": o.url, "title": o.title} for o in found.others],
                "sources": str(path),
            }
        )
        return
    how = _HOW[found.how] + ("" if found.how == "feed" else f" {found.site}")
    show("added ", (source.name, COUNT), f": {source.feed} ({how}) → {path}")
    if found.title:
        show(f"  feed title: {found.title}")
    for other in found.others:
        show(f"  also offered: {other.url}" + (f" ({other.title})" if other.title else ""))
    if found.others:
        show(f"  to follow one of those instead: tealeaves sources remove {source.name}, then sources add its URL")


def sources_remove(
    name: Annotated[str, typer.Argument(help="The source to stop following.")],
    sources: SourcesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stop following a source; the rest of sources.toml is kept as it is.

    What the warehouse holds of it (documents, comments, runs) stays.

    Example: tealeaves sources remove ianwelsh
    """
    path = sources or Settings().sources
    text, config = _read(path)
    try:
        new_text = remove_source(text, name, str(path))
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc
    _write(path, new_text)
    removed = next(s for s in config.sources if s.name == name)  # remove_source refused an unknown name
    if as_json:
        dump_json({"removed": {"name": removed.name, "feed": removed.feed}, "sources": str(path)})
        return
    show("removed ", (name, COUNT), f" ({removed.feed}) from {path}; its documents stay in the warehouse")


def _imported(subscriptions: list[Subscription], config: SourcesConfig) -> tuple[list[Source], list[dict[str, Any]]]:
    """The sources to add (names made unique) and the subscriptions skipped, with why."""
    followed = _followed(config)
    taken = {s.name for s in config.sources}
    added: list[Source] = []
    skipped: list[dict[str, Any]] = []
    for subscription in subscriptions:
        key = canonical_url(subscription.feed)
        if key in followed or any(canonical_url(s.feed) == key for s in added):
            reason = f"already followed as {followed[key]!r}" if key in followed else "listed twice in the file"
            skipped.append({"feed": subscription.feed, "title": subscription.title, "reason": reason})
            continue
        title = subscription.title or ""
        name = unique_name(title, taken) if valid_name(title) else name_for(subscription.feed, taken)
        source = Source(name=name, feed=subscription.feed, tags=subscription.tags)
        added.append(source)
        taken.add(name)
    return added, skipped


def sources_import(
    file: Annotated[Path, typer.Argument(help="An OPML subscription list, as feed readers export it.")],
    sources: SourcesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Follow every feed of an OPML file; feeds already followed are skipped.

    Folders become tags; names come from the titles or hosts, made unique. Nothing is fetched.

    Example: tealeaves sources import subscriptions.opml --sources sources.toml
    """
    path = sources or Settings().sources
    text, config = _read(path, missing_ok=True)
    try:
        body = file.read_bytes()
    except OSError as exc:
        raise fail(f"{file}: cannot read: {exc}", 2) from exc
    try:
        subscriptions = read_opml(body, str(file))
    except ExtractorError as exc:
        raise fail(str(exc), 2) from exc
    added, skipped = _imported(subscriptions, config)
    try:
        new_text = append_sources(text, added, str(path))
    except ConfigError as exc:
        raise fail(str(exc), 2) from exc
    if added:
        _write(path, new_text)
    if as_json:
        dump_json(
            {
                "added": [{"name": s.name, "feed": s.feed, "tags": list(s.tags)} for s in added],
                "skipped": skipped,
                "sources": str(path),
            }
        )
        return
    if added:
        show_table(table(["name", "feed", "tags"], [(s.name, s.feed, ", ".join(s.tags)) for s in added], title="added"))
    if skipped:
        show_table(table(["feed", "title", "skipped"], [(s["feed"], s["title"], s["reason"]) for s in skipped]))
    show((str(len(added)), COUNT), f" added, {len(skipped)} skipped → {path}")


def sources_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the OPML to this file (default: stdout).")
    ] = None,
    sources: SourcesOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the sources as JSON (name, feed, site, tags) instead of OPML.")
    ] = False,
) -> None:
    """Write the sources as OPML 2.0, for another feed reader.

    Name, feed, site, and tags as folders; to stdout unless -o names a file.

    Example: tealeaves sources export -o tealeaves.opml
    """
    path = sources or Settings().sources
    _, config = _read(path)
    if as_json:
        dump_json([{"name": s.name, "feed": s.feed, "site": s.site, "tags": list(s.tags)} for s in config.sources])
        return
    document = write_opml(config.sources, OPML_TITLE)
    if output is None:
        typer.echo(document, nl=False)
        return
    try:
        output.write_text(document, encoding="utf-8")
    except OSError as exc:
        raise fail(f"{output}: cannot write: {exc}", 1) from exc
    show((str(len(config.sources)), COUNT), f" sources written to {output}")


def register(sources_app: typer.Typer) -> None:
    """Add the commands that edit sources.toml to `tealeaves sources`."""
    sources_app.command("add")(sources_add)
    sources_app.command("remove")(sources_remove)
    sources_app.command("import")(sources_import)
    sources_app.command("export")(sources_export)
