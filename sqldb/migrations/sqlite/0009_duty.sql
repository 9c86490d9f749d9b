-- Duty (schema 0009): shift patterns, weekly rosters, posts, the recorded
-- shift state of each unit, secondments, duty lists, roll calls, check-in
-- rules, minimal emergency units and the tasks and clues of mass-prevention
-- forces. Records are JSON documents (doc) beside the columns their queries
-- and scopes need: every table that a list reads has sub_bureau_id and
-- station_id (station_b: the second station a police service station is
-- bound to) and, where it applies, police_grid_id.
-- Keep in step with the other engine's 0009_duty.sql.
CREATE TABLE shift_patterns (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL,
	service_station_id TEXT NOT NULL DEFAULT '',
	unit_id        TEXT NOT NULL DEFAULT '',
	updated_at     INTEGER NOT NULL
);
CREATE INDEX shift_patterns_scope ON shift_patterns(sub_bureau_id, station_id);
CREATE TABLE rosters (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL,
	owner          TEXT NOT NULL,
	week           TEXT NOT NULL,
	version        INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
);
CREATE INDEX rosters_scope ON rosters(sub_bureau_id, station_id);
CREATE INDEX rosters_week ON rosters(week);
CREATE TABLE duty_posts (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL
);
CREATE INDEX duty_posts_scope ON duty_posts(sub_bureau_id, station_id);
CREATE TABLE unit_shift_states (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL,
	as_of          INTEGER NOT NULL
);
CREATE INDEX unit_shift_states_scope ON unit_shift_states(sub_bureau_id, station_id);
CREATE TABLE secondments (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL,
	person_id      TEXT NOT NULL,
	start_date     TEXT NOT NULL,
	end_date       TEXT NOT NULL
);
CREATE INDEX secondments_scope ON secondments(sub_bureau_id, station_id);
CREATE TABLE duty_assignments (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL
);
CREATE INDEX duty_assignments_scope ON duty_assignments(sub_bureau_id, station_id);
CREATE TABLE roll_calls (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL,
	status         TEXT NOT NULL,
	called_at      INTEGER NOT NULL,
	deadline       INTEGER NOT NULL
);
CREATE INDEX roll_calls_scope ON roll_calls(sub_bureau_id, station_id);
CREATE INDEX roll_calls_open ON roll_calls(status, deadline);
CREATE INDEX roll_calls_called ON roll_calls(called_at);
-- One row per person called: answers are written here, misses counted here.
CREATE TABLE roll_call_members (
	roll_call_id TEXT NOT NULL REFERENCES roll_calls(id),
	seq          INTEGER NOT NULL,
	person_id    TEXT NOT NULL,
	info         TEXT NOT NULL,
	status       TEXT NOT NULL,
	answered_at  INTEGER,
	lon          REAL,
	lat          REAL,
	PRIMARY KEY (roll_call_id, person_id)
);
CREATE INDEX roll_call_members_person ON roll_call_members(person_id);
CREATE TABLE emergency_units (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL
);
CREATE INDEX emergency_units_scope ON emergency_units(sub_bureau_id, station_id);
CREATE TABLE emergency_calls (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL,
	incident_id    TEXT NOT NULL,
	at             INTEGER NOT NULL
);
CREATE INDEX emergency_calls_scope ON emergency_calls(sub_bureau_id, station_id);
CREATE INDEX emergency_calls_incident ON emergency_calls(incident_id);
CREATE TABLE emergency_call_people (
	call_id   TEXT NOT NULL REFERENCES emergency_calls(id),
	person_id TEXT NOT NULL,
	PRIMARY KEY (call_id, person_id)
);
CREATE INDEX emergency_call_people_person ON emergency_call_people(person_id);
CREATE TABLE force_tasks (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL,
	at             INTEGER NOT NULL
);
CREATE INDEX force_tasks_scope ON force_tasks(sub_bureau_id, station_id);
CREATE TABLE force_task_users (
	task_id TEXT NOT NULL REFERENCES force_tasks(id),
	user_id TEXT NOT NULL,
	PRIMARY KEY (task_id, user_id)
);
CREATE INDEX force_task_users_user ON force_task_users(user_id);
CREATE TABLE clues (
	id             TEXT PRIMARY KEY,
	sub_bureau_id  TEXT NOT NULL,
	station_id     TEXT NOT NULL DEFAULT '',
	station_b      TEXT NOT NULL DEFAULT '',
	police_grid_id TEXT NOT NULL DEFAULT '',
	doc            TEXT NOT NULL,
	task_id        TEXT NOT NULL DEFAULT '',
	at             INTEGER NOT NULL,
	handed_off     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX clues_scope ON clues(sub_bureau_id, station_id);
CREATE INDEX clues_pending ON clues(handed_off, at);
-- Check-ins judged against the geofence of their place; a check-in
-- without a position keeps lon and lat 0 with has_point 0.
ALTER TABLE check_ins ADD COLUMN has_point INTEGER NOT NULL DEFAULT 1;
ALTER TABLE check_ins ADD COLUMN place TEXT;
ALTER TABLE check_ins ADD COLUMN verdict TEXT NOT NULL DEFAULT '';
ALTER TABLE check_ins ADD COLUMN distance_m REAL;
CREATE INDEX check_ins_station_at ON check_ins(station_id, at);
