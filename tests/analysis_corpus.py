"""Warehouses for the analysis tests: the real seed corpus, plus feed documents landed as ingest would."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from extractors.gazetteer import Gazetteer, load_gazetteer
from extractors.identity import content_hash, doc_id_for
from extractors.seeds import read_seed_corpus
from flows.batches import seed_documents
from warehouse.load import land_batch, land_seeds
from warehouse.records import DocumentRow, SourceBatch
from warehouse.state import register_sources, start_run

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "extractors" / "data"
GAZETTEER = DATA / "gazetteer.toml"

SEED_000 = "f1d3c2de8febc1bb"  # essay, Feb 28: Shoigu to Beijing; reader replies from line 17
SEED_001 = "b29103cc05f80d6d"  # translated essay: Riyadh, Istanbul, the delegations
SEED_002 = "1c3a33cc9c1a0766"  # "Face To Face Trump-Putin Meeting Planned Very Soon"
SEED_003 = "fa157defeb9da5f3"  # Jeddah ceasefire scheme, 119 comments
SEED_004 = "0160f51928b5414b"  # Russia Matters digest, Feb 18

RUSSIAN_RIYADH = (
    "Встреча российской и американской делегаций в Эр-Рияде 18 февраля завершилась договорённостью "
    "восстановить работу посольств в Вашингтоне и Москве. Лавров и Рубио согласились создать группы высокого "
    "уровня для урегулирования конфликта на Украине. Ушаков назвал переговоры неплохими и сказал, что дата "
    "встречи Путина и Трампа пока не определена. Зеленский заявил, что Киев не признает никаких договорённостей, "
    "достигнутых без участия Украины."
)


def gazetteer() -> Gazetteer:
    """The shipped gazetteer."""
    return load_gazetteer(GAZETTEER)


def seed_rows() -> list[DocumentRow]:
    """The five seed texts as the ingest lands them."""
    return seed_documents(read_seed_corpus(DATA / "seed-corpus", DATA / "seed-manifest.toml"))


def seed_body(doc_id: str) -> str:
    """The body of one seed, as landed."""
    return next(d.body for d in seed_rows() if d.doc_id == doc_id)


def feed_doc(source: str, slug: str, body: str, *, published: str = "2025-03-12", language: str = "en") -> DocumentRow:
    """A feed document as ingest would land it (doc_id derived from its URL)."""
    url = f"https://{source}.example/{slug}/"
    return DocumentRow(
        doc_id=doc_id_for(url),
        origin="feed",
        source=source,
        url=url,
        title=slug.replace("-", " ").title(),
        author=None,
        published_at=datetime.fromisoformat(published).replace(tzinfo=UTC),
        published_precision="day",
        language=language,
        body=body,
        content_hash=content_hash(body, slug.replace("-", " ").title()),
    )


def land(conn: duckdb.DuckDBPyConnection, run_id: str, docs: list[DocumentRow]) -> list[str]:
    """Land feed documents in one run, grouped by source; returns the new doc ids."""
    register_sources(conn, [(s, f"https://{s}.example/feed", None) for s in sorted({d.source for d in docs})])
    start_run(conn, run_id)
    new: list[str] = []
    for source in sorted({d.source for d in docs}):
        batch = SourceBatch(source=source, feed_status="ok", documents=[d for d in docs if d.source == source])
        new.extend(land_batch(conn, run_id, batch).new_doc_ids)
    return new


def land_seed_corpus(conn: duckdb.DuckDBPyConnection) -> None:
    """The seed corpus, as the first ingest lands it."""
    register_sources(conn, [("seed", None, None)])
    land_seeds(conn, seed_rows())


def republished_000() -> DocumentRow:
    """Another outlet re-posting seed 000 with its own header and footer, and a typo fixed."""
    body = seed_body(SEED_000).replace("mecurial", "mercurial")
    return feed_doc(
        "mirror",
        "tea-leaves-repost",
        "Republished with the author's permission.\n" + body + "\nRead more at the source.",
    )


def novel(slug: str, words: str, *, source: str = "capital", published: str = "2025-03-12") -> DocumentRow:
    """A short original piece."""
    return feed_doc(source, slug, words, published=published)
