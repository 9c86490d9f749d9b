-- Precinct schema, version 1 (PostgreSQL). Times are Unix microseconds (UTC);
-- polygons and lists are JSON text. Keep in step with ../sqlite/0001_init.sql.
CREATE TABLE sub_bureaus (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	city_bureau TEXT NOT NULL DEFAULT '',
	code        TEXT NOT NULL DEFAULT '',
	datum       TEXT NOT NULL DEFAULT 'WGS84',
	boundary    TEXT,
	derived     BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE stations (
	id            TEXT PRIMARY KEY,
	sub_bureau_id TEXT NOT NULL REFERENCES sub_bureaus(id),
	name          TEXT NOT NULL,
	code          TEXT NOT NULL DEFAULT '',
	kind          TEXT NOT NULL,
	central_id    TEXT NOT NULL DEFAULT '',
	partners      TEXT NOT NULL DEFAULT '[]',
	lon           DOUBLE PRECISION NOT NULL DEFAULT 0,
	lat           DOUBLE PRECISION NOT NULL DEFAULT 0,
	boundary      TEXT
);
CREATE INDEX stations_sub_bureau ON stations(sub_bureau_id);
CREATE TABLE service_stations (
	id            TEXT PRIMARY KEY,
	sub_bureau_id TEXT NOT NULL REFERENCES sub_bureaus(id),
	name          TEXT NOT NULL,
	lon           DOUBLE PRECISION NOT NULL DEFAULT 0,
	lat           DOUBLE PRECISION NOT NULL DEFAULT 0,
	station_a     TEXT NOT NULL REFERENCES stations(id),
	station_b     TEXT NOT NULL REFERENCES stations(id)
);
CREATE TABLE police_grids (
	id         TEXT PRIMARY KEY,
	station_id TEXT NOT NULL REFERENCES stations(id),
	name       TEXT NOT NULL,
	code       TEXT NOT NULL DEFAULT '',
	officer_id TEXT NOT NULL DEFAULT '',
	boundary   TEXT,
	derived    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX police_grids_station ON police_grids(station_id);
CREATE TABLE community_grids (
	id             TEXT PRIMARY KEY,
	police_grid_id TEXT NOT NULL REFERENCES police_grids(id),
	name           TEXT NOT NULL,
	worker_id      TEXT NOT NULL DEFAULT '',
	boundary       TEXT,
	derived        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX community_grids_police_grid ON community_grids(police_grid_id);
CREATE TABLE community_offices (
	id             TEXT PRIMARY KEY,
	station_id     TEXT NOT NULL REFERENCES stations(id),
	police_grid_id TEXT NOT NULL DEFAULT '',
	name           TEXT NOT NULL,
	lon            DOUBLE PRECISION NOT NULL DEFAULT 0,
	lat            DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE INDEX community_offices_station ON community_offices(station_id);
CREATE TABLE people (
	id                 TEXT PRIMARY KEY,
	name               TEXT NOT NULL,
	kind               TEXT NOT NULL,
	station_id         TEXT NOT NULL DEFAULT '',
	team               TEXT NOT NULL DEFAULT '',
	service_station_id TEXT NOT NULL DEFAULT '',
	police_grid_id     TEXT NOT NULL DEFAULT '',
	phone              TEXT NOT NULL DEFAULT '',
	id_number          TEXT NOT NULL DEFAULT '',
	seconded           BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX people_station ON people(station_id);
CREATE TABLE users (
	id                TEXT PRIMARY KEY,
	username          TEXT NOT NULL UNIQUE,
	name              TEXT NOT NULL DEFAULT '',
	role              TEXT NOT NULL,
	sub_bureau_id     TEXT NOT NULL DEFAULT '',
	station_id        TEXT NOT NULL DEFAULT '',
	police_grid_id    TEXT NOT NULL DEFAULT '',
	community_grid_id TEXT NOT NULL DEFAULT '',
	person_id         TEXT NOT NULL DEFAULT '',
	unit_id           TEXT NOT NULL DEFAULT '',
	password_hash     TEXT NOT NULL DEFAULT '',
	disabled          BIGINT NOT NULL DEFAULT 0,
	created_at        BIGINT NOT NULL
);
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE TABLE units (
	id                 TEXT PRIMARY KEY,
	callsign           TEXT NOT NULL,
	kind               TEXT NOT NULL,
	sub_bureau_id      TEXT NOT NULL REFERENCES sub_bureaus(id),
	station_id         TEXT NOT NULL DEFAULT '',
	service_station_id TEXT NOT NULL DEFAULT '',
	police_grid_id     TEXT NOT NULL DEFAULT '',
	members            TEXT NOT NULL DEFAULT '[]',
	status             TEXT NOT NULL,
	incident_id        TEXT,
	lon                DOUBLE PRECISION NOT NULL DEFAULT 0,
	lat                DOUBLE PRECISION NOT NULL DEFAULT 0,
	position_at        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX units_station ON units(station_id);
CREATE TABLE positions (
	unit_id   TEXT NOT NULL REFERENCES units(id),
	at        BIGINT NOT NULL,
	lon       DOUBLE PRECISION NOT NULL,
	lat       DOUBLE PRECISION NOT NULL,
	speed_mps DOUBLE PRECISION NOT NULL DEFAULT 0,
	heading   DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE INDEX positions_unit_at ON positions(unit_id, at);
CREATE TABLE check_ins (
	id                TEXT PRIMARY KEY,
	user_id           TEXT NOT NULL,
	person_id         TEXT NOT NULL DEFAULT '',
	unit_id           TEXT NOT NULL DEFAULT '',
	lon               DOUBLE PRECISION NOT NULL,
	lat               DOUBLE PRECISION NOT NULL,
	sub_bureau_id     TEXT NOT NULL DEFAULT '',
	station_id        TEXT NOT NULL DEFAULT '',
	police_grid_id    TEXT NOT NULL DEFAULT '',
	community_grid_id TEXT NOT NULL DEFAULT '',
	at                BIGINT NOT NULL,
	note              TEXT NOT NULL DEFAULT ''
);
CREATE INDEX check_ins_at ON check_ins(at);
CREATE TABLE incidents (
	id                TEXT PRIMARY KEY,
	sub_bureau_id     TEXT NOT NULL,
	station_id        TEXT NOT NULL,
	police_grid_id    TEXT NOT NULL DEFAULT '',
	status            TEXT NOT NULL,
	category          TEXT NOT NULL,
	received_at       BIGINT NOT NULL,
	idempotency_key   TEXT UNIQUE,
	version           BIGINT NOT NULL,
	doc               TEXT NOT NULL
);
CREATE INDEX incidents_received ON incidents(received_at, id);
-- incident_stations lists the home station and the stations an incident is shared with.
CREATE TABLE incident_stations (
	incident_id TEXT NOT NULL REFERENCES incidents(id),
	station_id  TEXT NOT NULL,
	PRIMARY KEY (incident_id, station_id)
);
CREATE INDEX incident_stations_station ON incident_stations(station_id);
CREATE TABLE category_sets (
	sub_bureau_id TEXT PRIMARY KEY,
	doc           TEXT NOT NULL
);
CREATE TABLE rules (
	sub_bureau_id TEXT PRIMARY KEY,
	doc           TEXT NOT NULL,
	version       BIGINT NOT NULL
);
CREATE TABLE events (
	seq           BIGSERIAL PRIMARY KEY,
	id            TEXT NOT NULL UNIQUE,
	type          TEXT NOT NULL,
	at            BIGINT NOT NULL,
	actor         TEXT NOT NULL,
	sub_bureau_id TEXT NOT NULL DEFAULT '',
	station_id    TEXT NOT NULL DEFAULT '',
	stations      TEXT NOT NULL DEFAULT '[]',
	entity_type   TEXT NOT NULL DEFAULT '',
	entity_id     TEXT NOT NULL DEFAULT '',
	before        TEXT,
	after         TEXT,
	data          TEXT,
	published_at  BIGINT
);
CREATE INDEX events_entity ON events(entity_id, seq);
CREATE INDEX events_unpublished ON events(seq) WHERE published_at IS NULL;
CREATE TABLE audit (
	id          TEXT PRIMARY KEY,
	at          BIGINT NOT NULL,
	actor       TEXT NOT NULL,
	action      TEXT NOT NULL,
	entity_type TEXT NOT NULL DEFAULT '',
	entity_id   TEXT NOT NULL DEFAULT '',
	fields      TEXT NOT NULL DEFAULT '[]',
	address     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit(at);
