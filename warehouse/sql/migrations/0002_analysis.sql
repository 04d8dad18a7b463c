-- Incremental analysis beside the seed corpus (warehouse/analysis/). Everything here is derived from
-- documents and comments, refreshed for new documents only, and rebuilt whole by `tealeaves analyze --full`.
-- Public: mentions, mentions_by_day, seed_similarity, closest_to_seeds, duplicate_clusters, analysis_state.

-- The watermark: one row, what the last refresh saw.
CREATE TABLE analysis_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    watermark       TIMESTAMPTZ,              -- newest documents.ingested_at processed
    documents       BIGINT NOT NULL,          -- documents processed so far
    comments        BIGINT NOT NULL,          -- their comments
    refreshes       BIGINT NOT NULL,          -- refreshes that processed something
    refreshed_at    TIMESTAMPTZ,
    gazetteer_hash  VARCHAR,                  -- the gazetteer the mentions were counted with
    seed_ids        VARCHAR[]                 -- the seed documents the closeness scores refer to
);

-- The ledger behind the watermark: each document processed, once (a document landed with a clock
-- earlier than the watermark is still found, by absence from here).
CREATE TABLE analysis_documents (
    doc_id          VARCHAR PRIMARY KEY,
    refresh_no      BIGINT NOT NULL,
    processed_at    TIMESTAMPTZ NOT NULL
);

-- Full-text statistics, appended per new document: BM25 (search) and TF-IDF (closeness) read them.
-- A unit is a document body (comment_no = 0) or one comment (comment_no = its number).
CREATE TABLE term_stems (
    token           VARCHAR PRIMARY KEY,      -- a lower-cased word
    term            VARCHAR NOT NULL          -- its Snowball stem (Russian for Cyrillic words, else English)
);

CREATE TABLE term_freqs (
    doc_id          VARCHAR NOT NULL,
    comment_no      INTEGER NOT NULL,
    term            VARCHAR NOT NULL,
    tf              INTEGER NOT NULL
);

CREATE TABLE unit_lengths (
    doc_id          VARCHAR NOT NULL,
    comment_no      INTEGER NOT NULL,
    terms           INTEGER NOT NULL          -- indexed words (stop words left out)
);

CREATE TABLE term_df (
    part            VARCHAR NOT NULL,         -- body | comment
    term            VARCHAR NOT NULL,
    df              BIGINT NOT NULL,          -- units of that part holding the term
    PRIMARY KEY (part, term)
);

CREATE TABLE seed_terms (
    seed_id         VARCHAR NOT NULL,
    term            VARCHAR NOT NULL,
    tf              INTEGER NOT NULL
);

-- The gazetteer the mentions were counted with (data/gazetteer.toml, as of the last refresh).
CREATE TABLE gazetteer (
    entity          VARCHAR PRIMARY KEY,
    kind            VARCHAR NOT NULL,         -- person | institution | place
    aliases         VARCHAR[] NOT NULL
);

CREATE TABLE mentions (
    doc_id          VARCHAR NOT NULL,
    entity          VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,
    count           INTEGER NOT NULL,
    in_comments     BOOLEAN NOT NULL          -- false: the article text; true: its reader comments
);

-- TF-IDF cosine of each document body to each seed body (a seed is not paired with itself).
CREATE TABLE seed_similarity (
    doc_id          VARCHAR NOT NULL,
    seed_id         VARCHAR NOT NULL,
    similarity      DOUBLE NOT NULL
);

-- Cosine to the seed corpus as a whole (the centroid of the seeds; for a seed, of the other seeds).
CREATE TABLE seed_closeness (
    doc_id          VARCHAR NOT NULL,
    similarity      DOUBLE,
    corpus_documents BIGINT NOT NULL          -- documents whose frequencies weighted the score
);

CREATE TABLE minhash_signatures (
    doc_id          VARCHAR NOT NULL,
    signature       UBIGINT[] NOT NULL        -- 64 minima of word 5-gram hashes
);

CREATE TABLE minhash_bands (
    doc_id          VARCHAR NOT NULL,
    band            INTEGER NOT NULL,
    bucket          UBIGINT NOT NULL
);

-- Near-duplicates: one row per document that has at least one; cluster_id is the doc_id of the
-- cluster's original (a seed first, then the earliest published), similarity is to that original.
CREATE TABLE duplicate_clusters (
    cluster_id      VARCHAR NOT NULL,
    doc_id          VARCHAR NOT NULL,
    similarity      DOUBLE NOT NULL           -- estimated Jaccard of word 5-grams (1 for the original)
);

-- Mentions per entity and day (the day a document was published, else landed; UTC), across outlets.
CREATE VIEW mentions_by_day AS
WITH dated AS (
    SELECT doc_id, source, (coalesce(published_at, ingested_at) AT TIME ZONE 'UTC')::DATE AS day
    FROM documents
),
counted AS (
    SELECT m.entity, m.kind, d.day, m.doc_id, d.source, m.count, m.in_comments
    FROM mentions m JOIN dated d USING (doc_id)
)
SELECT entity,
       day,
       count(DISTINCT doc_id) FILTER (WHERE NOT in_comments) AS documents,
       coalesce(sum(count) FILTER (WHERE NOT in_comments), 0)::BIGINT AS mentions,
       count(DISTINCT source) FILTER (WHERE NOT in_comments) AS outlets,
       any_value(kind) AS kind,
       coalesce(sum(count) FILTER (WHERE in_comments), 0)::BIGINT AS comment_mentions
FROM counted
GROUP BY entity, day;

-- Every analysed document with its closeness to the seed corpus and its closest seed.
CREATE VIEW closest_to_seeds AS
WITH per_seed AS (
    SELECT doc_id,
           arg_max(seed_id, similarity) AS closest_seed,
           max(similarity) AS closest_similarity,
           map(list(seed_id ORDER BY seed_id), list(similarity ORDER BY seed_id)) AS per_seed
    FROM seed_similarity
    GROUP BY doc_id
)
SELECT d.doc_id,
       d.origin,
       d.source,
       d.title,
       c.similarity,
       p.closest_seed,
       p.closest_similarity,
       p.per_seed
FROM seed_closeness c
JOIN documents d USING (doc_id)
LEFT JOIN per_seed p USING (doc_id);
