-- Positions are kept in one B-tree ordered by (unit, time) instead of a
-- table by rowid plus a unique index on (unit_id, at): a batch writes each
-- row once instead of twice, and a trajectory reads its rows in key order
-- without a lookup per row. (PostgreSQL keeps its heap and unique index: it
-- has no table ordered by key to trade them for.)
CREATE TABLE positions_by_unit (
	unit_id   TEXT NOT NULL REFERENCES units(id),
	at        INTEGER NOT NULL,
	lon       REAL NOT NULL,
	lat       REAL NOT NULL,
	speed_mps REAL NOT NULL DEFAULT 0,
	heading   REAL NOT NULL DEFAULT 0,
	flag      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (unit_id, at)
) WITHOUT ROWID;
INSERT INTO positions_by_unit (unit_id, at, lon, lat, speed_mps, heading, flag)
	SELECT unit_id, at, lon, lat, speed_mps, heading, flag FROM positions;
DROP TABLE positions;
ALTER TABLE positions_by_unit RENAME TO positions;
