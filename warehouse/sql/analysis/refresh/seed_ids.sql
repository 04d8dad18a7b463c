-- The seeds closeness is measured against (those with indexed text).
SELECT coalesce(list(DISTINCT seed_id ORDER BY seed_id), []::VARCHAR[]) FROM seed_terms
