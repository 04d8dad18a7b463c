-- The $2 most mentioned entities (article text) on or after day $1.
SELECT entity
FROM mentions_by_day
WHERE day >= $1
GROUP BY entity
ORDER BY sum(mentions) DESC, entity
LIMIT $2
