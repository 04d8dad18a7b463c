-- Rows come from the Arrow table `batch` (see warehouse/load.py insert_rows); columns match by name.
INSERT INTO documents BY NAME SELECT * FROM batch
