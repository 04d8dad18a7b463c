-- The robots.txt answer of each site, with when it was fetched, so a site's file is fetched at most once a
-- day whichever source and whichever run asks (an unreachable file is not kept: the next run asks again).
CREATE TABLE robots_txt (
    origin      VARCHAR PRIMARY KEY,      -- scheme://host[:port]
    outcome     VARCHAR NOT NULL,         -- rules | no_rules (a 4xx: everything allowed) | too_large (nothing allowed)
    body        VARCHAR,                  -- the rules, or why the file was not read
    fetched_at  TIMESTAMPTZ NOT NULL
);
