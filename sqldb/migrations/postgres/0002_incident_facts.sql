-- Columns that incident statistics read without decoding the document:
-- the place, the first dispatch and arrival (microseconds), the outcome and
-- the satisfaction score. Existing incidents are filled from their document.
ALTER TABLE incidents
	ADD COLUMN lon DOUBLE PRECISION NOT NULL DEFAULT 0,
	ADD COLUMN lat DOUBLE PRECISION NOT NULL DEFAULT 0,
	ADD COLUMN dispatched_at BIGINT,
	ADD COLUMN arrived_at BIGINT,
	ADD COLUMN outcome TEXT NOT NULL DEFAULT '',
	ADD COLUMN satisfaction INTEGER NOT NULL DEFAULT 0;
UPDATE incidents SET
	lon = COALESCE((doc::jsonb -> 'location' ->> 'lon')::double precision, 0),
	lat = COALESCE((doc::jsonb -> 'location' ->> 'lat')::double precision, 0),
	dispatched_at = (EXTRACT(EPOCH FROM (doc::jsonb ->> 'dispatched_at')::timestamptz) * 1000000)::bigint,
	arrived_at = (EXTRACT(EPOCH FROM (doc::jsonb ->> 'arrived_at')::timestamptz) * 1000000)::bigint,
	outcome = CASE
		WHEN COALESCE(doc::jsonb ->> 'handed_over_to', '') <> '' THEN 'handed_over'
		WHEN (doc::jsonb ->> 'finished_at') IS NOT NULL THEN 'resolved_on_scene'
		ELSE '' END,
	satisfaction = COALESCE((doc::jsonb ->> 'satisfaction')::integer, 0);
