-- Jurisdiction import and editing (schema 0006): an organisation entity that
-- an import no longer lists, or an administrator retires, keeps its row
-- for history with the time it was retired; every list leaves it out.
ALTER TABLE stations ADD COLUMN retired_at INTEGER;
ALTER TABLE service_stations ADD COLUMN retired_at INTEGER;
ALTER TABLE community_offices ADD COLUMN retired_at INTEGER;
ALTER TABLE police_grids ADD COLUMN retired_at INTEGER;
ALTER TABLE community_grids ADD COLUMN retired_at INTEGER;
ALTER TABLE people ADD COLUMN retired_at INTEGER;
ALTER TABLE units ADD COLUMN retired_at INTEGER;
