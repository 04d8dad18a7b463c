-- The analysis's formulas, each written once (warehouse/sql/analysis/ uses them). A DuckDB macro is
-- expanded where it is called, so a query computes exactly what it did with the formula spelled out.
-- Kept in the warehouse file (a migration), so ad-hoc SQL on the snapshot can call them too.

-- TF-IDF weight of a term found tf times in a unit, held by df of the n units of its part (smoothed
-- idf, sublinear tf): the closeness to the seeds (warehouse/sql/analysis/refresh/closeness.sql).
CREATE MACRO tfidf_weight(tf, n, df) AS (1 + ln(tf)) * (ln((1 + n) / (1 + df)) + 1);

-- BM25's idf of a term held by df of the n units of its part (never negative).
CREATE MACRO bm25_idf(n, df) AS ln(1 + (n - df + 0.5) / (df + 0.5));

-- BM25's score of one term found tf times in a unit of `terms` indexed words, avgdl the average length:
-- k1 = 1.2, b = 0.75 (the fts extension's defaults), hence 2.2 = k1 + 1 and 0.25 = 1 - b.
CREATE MACRO bm25_term(idf, tf, terms, avgdl) AS idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * terms / avgdl));

-- Estimated Jaccard similarity of two MinHash signatures of one length: the share of positions where
-- they agree. (Python-style lambda: the arrow form is deprecated, and a macro is parsed again each time
-- the warehouse is opened.)
CREATE MACRO minhash_similarity(a, b) AS
    list_sum(list_transform(list_zip(a, b), lambda p: (p[1] = p[2])::INTEGER)) / len(a);
