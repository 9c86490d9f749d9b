-- Columns that incident statistics read without decoding the document:
-- the place, the first dispatch and arrival (microseconds), the outcome and
-- the satisfaction score. Existing incidents are filled from their document.
ALTER TABLE incidents ADD COLUMN lon REAL NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN lat REAL NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN dispatched_at INTEGER;
ALTER TABLE incidents ADD COLUMN arrived_at INTEGER;
ALTER TABLE incidents ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN satisfaction INTEGER NOT NULL DEFAULT 0;
UPDATE incidents SET
	lon = COALESCE(json_extract(doc, '$.location.lon'), 0),
	lat = COALESCE(json_extract(doc, '$.location.lat'), 0),
	dispatched_at = CAST(ROUND((julianday(json_extract(doc, '$.dispatched_at')) - 2440587.5) * 86400000000) AS INTEGER),
	arrived_at = CAST(ROUND((julianday(json_extract(doc, '$.arrived_at')) - 2440587.5) * 86400000000) AS INTEGER),
	outcome = CASE
		WHEN COALESCE(json_extract(doc, '$.handed_over_to'), '') <> '' THEN 'handed_over'
		WHEN json_extract(doc, '$.finished_at') IS NOT NULL THEN 'resolved_on_scene'
		ELSE '' END,
	satisfaction = COALESCE(json_extract(doc, '$.satisfaction'), 0);
