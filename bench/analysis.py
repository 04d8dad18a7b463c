"""The analysis refresh at scale: full recompute vs incremental refresh, and the time of each view.

Builds a synthetic warehouse (the five real seeds plus N documents whose words are drawn, Zipf-like, from
the seed corpus's own vocabulary; every 100th a republished copy of an earlier one, some re-posting a
seed; a fifth with reader comments), then times:

  full         refresh(full=True) over everything
  incremental  refresh() after +K new documents (it must process exactly K)
  no-op        refresh() with nothing new
  views        a typical query on each view / table the README documents, and a BM25 search

    python bench/analysis.py                      # 100,000 documents, +100
    python bench/analysis.py --documents 20000 --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "extractors" / "data"  # the data shipped in the package
sys.path.insert(0, str(REPO))

from extractors.gazetteer import load_gazetteer  # noqa: E402
from extractors.seeds import read_seed_corpus  # noqa: E402
from flows.batches import seed_documents  # noqa: E402
from warehouse.analysis import refresh  # noqa: E402
from warehouse.analysis.reads import on_connection, search  # noqa: E402
from warehouse.db import open_writer  # noqa: E402
from warehouse.load import land_seeds  # noqa: E402
from warehouse.sqlfiles import sql  # noqa: E402

OUTLETS = ["capital", "weapons", "statecraft", "welsh", "matters", "rcp"]

# Synthetic rows, generated inside DuckDB (Python would take minutes for 100,000 bodies).
VOCABULARY = r"""
CREATE OR REPLACE TEMP TABLE bench_vocabulary AS
WITH words AS (
    SELECT unnest(string_split_regex(body, '[^\p{L}\p{N}]+')) AS word FROM documents WHERE origin = 'seed'
)
SELECT list(word ORDER BY n DESC, word) AS words, count(*) AS size
FROM (SELECT word, count(*) AS n FROM words WHERE word <> '' GROUP BY word)
"""

DOCUMENTS = """
INSERT INTO documents (doc_id, origin, source, url, title, author, published_at, published_precision, language,
                       body, word_count, comment_count, content_hash, ingested_at, run_id)
WITH numbered AS (
    SELECT i, printf('%016x', hash(i, 'bench')) AS doc_id, ($3::VARCHAR[])[1 + i % 6] AS source FROM range($1, $2) t(i)
),
bodies AS (
    SELECT n.*,
           array_to_string(list_transform(range(150 + (hash(n.i, 'len') % 500)::INTEGER),
               j -> v.words[1 + floor(pow(random(), 2.2) * v.size)::INTEGER]), ' ') AS fresh
    FROM numbered n, bench_vocabulary v
),
seeds AS (
    SELECT list(body ORDER BY doc_id) AS bodies FROM documents WHERE origin = 'seed'
),
copied AS (   -- every 100th document republishes the one 7 before it; one in 1,000 re-posts a seed
    SELECT b.i, b.doc_id, b.source,
           CASE WHEN b.i % 1000 = 507 THEN 'Cross-posted. ' || s.bodies[1 + (b.i // 1000) % 5]
                WHEN b.i % 100 = 7 AND o.fresh IS NOT NULL
                    THEN 'Republished with permission. ' || o.fresh || ' Read the original.'
                ELSE b.fresh END AS body
    FROM bodies b LEFT JOIN bodies o ON o.i = b.i - 7 CROSS JOIN seeds s
)
SELECT doc_id, 'feed', source, 'https://bench.invalid/' || source || '/' || i, 'Synthetic ' || i, 'bench',
       TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_days((hash(i, 'day') % 270)::INTEGER), 'day', 'en',
       body, len(string_split(body, ' ')), CASE WHEN i % 5 = 0 THEN 1 + (i // 5) % 12 ELSE 0 END,
       sha256(body), $4, NULL
FROM copied
"""

COMMENTS = """
INSERT INTO comments (doc_id, comment_no, parent_no, depth, author, posted_at, body, by_post_author)
WITH threads AS (
    SELECT doc_id, comment_count FROM documents WHERE origin = 'feed' AND comment_count > 0 AND ingested_at = $1
)
SELECT t.doc_id, c.n, NULL, 0, 'reader' || c.n, NULL,
       array_to_string(list_transform(range(15 + (hash(t.doc_id, c.n) % 60)::INTEGER),
           j -> v.words[1 + floor(pow(random(), 2.2) * v.size)::INTEGER]), ' '), false
FROM threads t, range(1, 13) c(n), bench_vocabulary v
WHERE c.n <= t.comment_count
"""

VIEWS = {
    "mentions_by_day (an entity's month)": (
        "SELECT day, documents, mentions, outlets FROM mentions_by_day "
        "WHERE entity = 'Witkoff' AND day >= DATE '2025-03-01' AND day < DATE '2025-04-01' ORDER BY day"
    ),
    "mentions_by_day (all, top 10)": "SELECT * FROM mentions_by_day ORDER BY mentions DESC LIMIT 10",
    "closest_to_seeds (top 20)": (
        "SELECT doc_id, similarity, closest_seed FROM closest_to_seeds WHERE origin = 'feed' "
        "ORDER BY similarity DESC LIMIT 20"
    ),
    "closest_to_seeds (one document)": "SELECT * FROM closest_to_seeds WHERE doc_id = $doc",
    "duplicate_clusters (largest 10)": (
        "SELECT cluster_id, count(*) AS members FROM duplicate_clusters GROUP BY ALL ORDER BY members DESC LIMIT 10"
    ),
    "mentions (one document)": "SELECT * FROM mentions WHERE doc_id = $doc",
}


def add_documents(conn: duckdb.DuckDBPyConnection, start: int, stop: int, at: str) -> None:
    """Land synthetic documents [start, stop) with their comments, all stamped ``at``."""
    conn.execute(DOCUMENTS, [start, stop, OUTLETS, at])
    conn.execute(COMMENTS, [at])


def timed(action: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--increment", type=int, default=100)
    parser.add_argument("--db", type=Path, help="warehouse file to build (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory(prefix="tealeaves-bench-")
    path = args.db or Path(folder.name) / "bench.duckdb"
    path.unlink(missing_ok=True)
    gazetteer = load_gazetteer(DATA / "gazetteer.toml")
    seeds = seed_documents(read_seed_corpus(DATA / "seed-corpus", DATA / "seed-manifest.toml"))
    figures: dict[str, Any] = {"documents": args.documents, "increment": args.increment}
    with open_writer(path) as conn:
        land_seeds(conn, seeds)
        conn.executemany("INSERT INTO sources (name) VALUES (?) ON CONFLICT DO NOTHING", [[o] for o in OUTLETS])
        conn.execute("INSERT INTO sources (name) VALUES ('seed') ON CONFLICT DO NOTHING")
        conn.execute(VOCABULARY)
        figures["build_s"], _ = timed(lambda: add_documents(conn, 0, args.documents, "2025-10-01 00:00:00+00"))
        figures["comments"] = conn.execute("SELECT count(*) FROM comments").fetchone()[0]  # type: ignore[index]
        figures["full_s"], full = timed(lambda: refresh(conn, gazetteer, full=True))
        figures["full_processed"] = full.documents
        add_documents(conn, args.documents, args.documents + args.increment, "2025-10-02 00:00:00+00")
        figures["incremental_s"], inc = timed(lambda: refresh(conn, gazetteer))
        figures["incremental_processed"] = inc.documents
        figures["noop_s"], noop = timed(lambda: refresh(conn, gazetteer))
        figures["noop_nothing_new"] = noop.nothing_new
        figures["ratio"] = figures["full_s"] / figures["incremental_s"]
        figures["duplicate_pairs_full"] = full.duplicate_pairs
        views = {}
        one = conn.execute("SELECT min(doc_id) FROM documents WHERE origin = 'feed'").fetchone()[0]  # type: ignore[index]
        for name, query in VIEWS.items():
            params = {"doc": one} if "$doc" in query else {}
            views[name], _ = timed(lambda q=query, p=params: conn.execute(q, p).fetchall())
        views["search 'ceasefire Jeddah' (BM25, top 10)"], _ = timed(
            lambda: search(on_connection(conn), "ceasefire Jeddah", comments=False, limit=10)
        )
        views["search --comments 'Witkoff' (BM25, top 10)"], _ = timed(
            lambda: search(on_connection(conn), "Witkoff", comments=True, limit=10)
        )
        views["new since a date (top 20)"], _ = timed(
            lambda: conn.execute(sql("analysis/reads/new_documents"), ["2025-10-01 12:00:00+00", 20]).fetchall()
        )
        figures["views_s"] = views
    figures["db_mb"] = round(path.stat().st_size / 1e6, 1) if path.exists() else None
    folder.cleanup()

    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"synthetic warehouse: {args.documents:,} documents + 5 seeds, {figures['comments']:,} comments "
        f"(built in {figures['build_s']:.1f} s, {figures['db_mb']} MB)"
    )
    print(f"full recompute:          {figures['full_s']:8.2f} s  ({figures['full_processed']:,} documents)")
    print(
        f"incremental (+{args.increment}):      {figures['incremental_s']:8.3f} s  "
        f"({figures['incremental_processed']} documents processed)"
    )
    print(f"no-op refresh:           {figures['noop_s']:8.3f} s  (nothing new: {figures['noop_nothing_new']})")
    print(f"full / incremental:      {figures['ratio']:8.1f} x  (target >= 20 x)")
    print("query times:")
    for name, seconds in views.items():
        print(f"  {name:48s} {seconds * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
