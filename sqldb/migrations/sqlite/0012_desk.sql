-- The command office's desk: when each unit took its status (the unit
-- status board shows the time in status), and the code each incident was
-- closed with (处警结果), for statistics.
ALTER TABLE units ADD COLUMN status_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN disposition TEXT NOT NULL DEFAULT '';
