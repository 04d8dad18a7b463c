DELETE FROM mentions
