-- A (unit, time) is stored once, and a position not believed is kept with
-- the reason (flag) but does not move the unit.
DELETE FROM positions a USING positions b WHERE a.unit_id = b.unit_id AND a.at = b.at AND a.ctid > b.ctid;
DROP INDEX positions_unit_at;
CREATE UNIQUE INDEX positions_unit_at ON positions(unit_id, at);
ALTER TABLE positions ADD COLUMN flag TEXT NOT NULL DEFAULT '';
