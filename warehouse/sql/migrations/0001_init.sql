-- The public SQL surface (sources, documents, comments, runs, fetches, failures) is a contract:
-- columns may be added by later migrations, never renamed or dropped.

CREATE TABLE sources (
    name        VARCHAR PRIMARY KEY,
    feed_url    VARCHAR,                 -- NULL for the seed corpus
    site_url    VARCHAR,
    added_at    TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
);

CREATE TABLE runs (
    run_id          VARCHAR PRIMARY KEY,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,         -- NULL while running, or when the run died
    sources_ok      INTEGER,
    sources_failed  INTEGER,
    documents_new   INTEGER,
    status          VARCHAR NOT NULL DEFAULT 'running'   -- running | completed | failed
);

CREATE TABLE documents (
    doc_id              VARCHAR PRIMARY KEY,  -- 16 hex digits
    origin              VARCHAR NOT NULL CHECK (origin IN ('seed', 'feed')),
    source              VARCHAR NOT NULL,
    url                 VARCHAR UNIQUE,       -- canonical URL; NULL for seeds
    title               VARCHAR,
    author              VARCHAR,
    published_at        TIMESTAMPTZ,
    published_precision VARCHAR,              -- day | month | year; NULL when no date is known
    language            VARCHAR,
    body                VARCHAR NOT NULL,
    word_count          INTEGER NOT NULL,
    comment_count       INTEGER NOT NULL,
    content_hash        VARCHAR NOT NULL,     -- sha256 of the normalised body
    ingested_at         TIMESTAMPTZ NOT NULL,
    run_id              VARCHAR,
    subtitle            VARCHAR,
    sitename            VARCHAR,
    feed_title          VARCHAR,              -- the title the feed gave, when it differs from the page
    extractor           VARCHAR
);

CREATE TABLE comments (
    doc_id          VARCHAR NOT NULL,
    comment_no      INTEGER NOT NULL,         -- 1-based order on the page
    parent_no       INTEGER,                  -- NULL for top-level comments and orphan replies
    depth           INTEGER NOT NULL,         -- 0 for a top-level comment
    author          VARCHAR,
    posted_at       TIMESTAMPTZ,
    body            VARCHAR NOT NULL,
    by_post_author  BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (doc_id, comment_no)
);

-- Every feed entry ever seen, so an entry is fetched once (by GUID/link key or canonical URL).
CREATE TABLE entries (
    source          VARCHAR NOT NULL,
    entry_key       VARCHAR NOT NULL,
    guid            VARCHAR,
    url             VARCHAR,                  -- canonical URL of the entry's page
    doc_id          VARCHAR,                  -- the document it became (or duplicated)
    first_seen_at   TIMESTAMPTZ NOT NULL,
    run_id          VARCHAR,
    PRIMARY KEY (source, entry_key)
);

-- The raw page behind each document (or behind a failed extraction), so a later release can re-extract.
CREATE TABLE raw_pages (
    url             VARCHAR PRIMARY KEY,      -- canonical URL
    fetched_url     VARCHAR NOT NULL,
    doc_id          VARCHAR,
    content_type    VARCHAR,
    http_charset    VARCHAR,
    raw_gzip        BLOB NOT NULL,
    raw_bytes       BIGINT NOT NULL,
    extractor       VARCHAR,
    fetched_at      TIMESTAMPTZ NOT NULL,
    run_id          VARCHAR
);

CREATE TABLE fetches (
    run_id          VARCHAR,
    source          VARCHAR,
    url             VARCHAR NOT NULL,
    status          INTEGER,                  -- NULL when no answer came back
    etag            VARCHAR,
    last_modified   VARCHAR,
    bytes           BIGINT,
    fetched_at      TIMESTAMPTZ NOT NULL,
    kind            VARCHAR,                  -- feed | page
    elapsed_ms      DOUBLE
);

CREATE TABLE failures (
    run_id          VARCHAR,
    source          VARCHAR,
    url             VARCHAR,
    stage           VARCHAR NOT NULL,         -- config | feed | page | extract | land
    kind            VARCHAR NOT NULL,         -- e.g. timeout, not_a_feed, blocked_url, no_article
    message         VARCHAR NOT NULL,
    "at"            TIMESTAMPTZ NOT NULL      -- reserved word in DuckDB: write "at" in queries
);

-- Per-source polling state: conditional-GET validators and health.
CREATE TABLE source_state (
    source                  VARCHAR PRIMARY KEY,
    etag                    VARCHAR,
    last_modified           VARCHAR,
    last_status             VARCHAR,          -- ok | not_modified | failed
    last_attempt_at         TIMESTAMPTZ,
    last_success_at         TIMESTAMPTZ,
    consecutive_failures    INTEGER NOT NULL DEFAULT 0,
    last_error              VARCHAR
);
