-- The handler the routing rules chose (community office, case team, patrol,
-- station, command centre, central station), for statistics.
ALTER TABLE incidents ADD COLUMN handler TEXT NOT NULL DEFAULT '';
UPDATE incidents SET handler = COALESCE(doc::jsonb -> 'route' ->> 'handler', '');
