-- A (unit, time) is stored once, and a position not believed is kept with
-- the reason (flag) but does not move the unit.
DELETE FROM positions WHERE rowid NOT IN (SELECT MIN(rowid) FROM positions GROUP BY unit_id, at);
DROP INDEX positions_unit_at;
CREATE UNIQUE INDEX positions_unit_at ON positions(unit_id, at);
ALTER TABLE positions ADD COLUMN flag TEXT NOT NULL DEFAULT '';
