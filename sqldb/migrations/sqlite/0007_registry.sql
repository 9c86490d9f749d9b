-- The registry (一标三实): standard addresses, residents, houses with their
-- tenancies, organisations, visits with what they verified, asked and
-- handed out, the history of every record, and request keys. ID numbers and
-- phones are stored only masked, sealed (AES-256-GCM) and as keyed hashes.
-- Every record carries the jurisdiction of its address, which every list
-- query filters on. Keep in step with ../postgres/0007_registry.sql.
CREATE TABLE addresses (
	id                TEXT PRIMARY KEY,
	parent_id         TEXT NOT NULL DEFAULT '',
	level             TEXT NOT NULL,
	name              TEXT NOT NULL,
	full_name         TEXT NOT NULL,
	division_code     TEXT NOT NULL DEFAULT '',
	name_key          TEXT NOT NULL,
	short_key         TEXT NOT NULL DEFAULT '',
	lon               REAL NOT NULL DEFAULT 0,
	lat               REAL NOT NULL DEFAULT 0,
	sub_bureau_id     TEXT NOT NULL DEFAULT '',
	station_id        TEXT NOT NULL DEFAULT '',
	police_grid_id    TEXT NOT NULL DEFAULT '',
	community_grid_id TEXT NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL,
	created_by        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX addresses_parent_name ON addresses(parent_id, name_key);
CREATE INDEX addresses_grid ON addresses(police_grid_id, id);
-- address_names holds the keys of the elements above the building level,
-- the few thousand names free text is matched against.
CREATE TABLE address_names (
	key        TEXT NOT NULL,
	address_id TEXT NOT NULL REFERENCES addresses(id),
	PRIMARY KEY (key, address_id)
);
CREATE TABLE residents (
	id                TEXT PRIMARY KEY,
	name              TEXT NOT NULL,
	gender            TEXT NOT NULL DEFAULT '',
	birth_date        TEXT NOT NULL DEFAULT '',
	kind              TEXT NOT NULL,
	doc_type          TEXT NOT NULL,
	id_masked         TEXT NOT NULL DEFAULT '',
	id_sealed         TEXT NOT NULL DEFAULT '',
	id_hash           TEXT NOT NULL DEFAULT '',
	phone_masked      TEXT NOT NULL DEFAULT '',
	phone_sealed      TEXT NOT NULL DEFAULT '',
	phone_hash        TEXT NOT NULL DEFAULT '',
	nationality       TEXT NOT NULL DEFAULT '',
	house_id          TEXT NOT NULL DEFAULT '',
	relation          TEXT NOT NULL DEFAULT '',
	flags             TEXT NOT NULL DEFAULT '',
	note              TEXT NOT NULL DEFAULT '',
	merged_into       TEXT NOT NULL DEFAULT '',
	familiarity       TEXT NOT NULL DEFAULT '',
	address_id        TEXT NOT NULL,
	address           TEXT NOT NULL DEFAULT '',
	sub_bureau_id     TEXT NOT NULL,
	station_id        TEXT NOT NULL,
	police_grid_id    TEXT NOT NULL,
	community_grid_id TEXT NOT NULL,
	lon               REAL NOT NULL DEFAULT 0,
	lat               REAL NOT NULL DEFAULT 0,
	status            TEXT NOT NULL,
	verified_at       INTEGER,
	verification      TEXT NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL,
	created_by        TEXT NOT NULL DEFAULT '',
	updated_at        INTEGER NOT NULL,
	version           INTEGER NOT NULL
);
CREATE INDEX residents_id_hash ON residents(id_hash) WHERE id_hash <> '';
CREATE INDEX residents_phone_hash ON residents(phone_hash) WHERE phone_hash <> '';
CREATE INDEX residents_name ON residents(name);
CREATE INDEX residents_address ON residents(address_id, name);
CREATE INDEX residents_station ON residents(station_id, id);
CREATE INDEX residents_police_grid ON residents(police_grid_id, id);
CREATE INDEX residents_community_grid ON residents(community_grid_id, id);
CREATE TABLE houses (
	id                TEXT PRIMARY KEY,
	use               TEXT NOT NULL,
	owner_name        TEXT NOT NULL DEFAULT '',
	owner_resident_id TEXT NOT NULL DEFAULT '',
	phone_masked      TEXT NOT NULL DEFAULT '',
	phone_sealed      TEXT NOT NULL DEFAULT '',
	phone_hash        TEXT NOT NULL DEFAULT '',
	rental_registered INTEGER NOT NULL DEFAULT 0,
	area_m2           REAL NOT NULL DEFAULT 0,
	note              TEXT NOT NULL DEFAULT '',
	address_id        TEXT NOT NULL,
	address           TEXT NOT NULL DEFAULT '',
	sub_bureau_id     TEXT NOT NULL,
	station_id        TEXT NOT NULL,
	police_grid_id    TEXT NOT NULL,
	community_grid_id TEXT NOT NULL,
	lon               REAL NOT NULL DEFAULT 0,
	lat               REAL NOT NULL DEFAULT 0,
	status            TEXT NOT NULL,
	verified_at       INTEGER,
	verification      TEXT NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL,
	created_by        TEXT NOT NULL DEFAULT '',
	updated_at        INTEGER NOT NULL,
	version           INTEGER NOT NULL
);
CREATE INDEX houses_phone_hash ON houses(phone_hash) WHERE phone_hash <> '';
CREATE INDEX houses_address ON houses(address_id);
CREATE INDEX houses_station ON houses(station_id, id);
CREATE INDEX houses_police_grid ON houses(police_grid_id, id);
CREATE INDEX houses_community_grid ON houses(community_grid_id, id);
CREATE TABLE tenancies (
	id          TEXT PRIMARY KEY,
	house_id    TEXT NOT NULL REFERENCES houses(id),
	resident_id TEXT NOT NULL DEFAULT '',
	name        TEXT NOT NULL,
	from_date   TEXT NOT NULL,
	to_date     TEXT NOT NULL DEFAULT '',
	recorded_at INTEGER NOT NULL,
	recorded_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tenancies_house ON tenancies(house_id);
CREATE TABLE organisations (
	id                      TEXT PRIMARY KEY,
	name                    TEXT NOT NULL,
	kind                    TEXT NOT NULL,
	credit_code             TEXT NOT NULL DEFAULT '',
	credit_code_checked     INTEGER NOT NULL DEFAULT 0,
	legal_rep               TEXT NOT NULL DEFAULT '',
	phone_masked            TEXT NOT NULL DEFAULT '',
	phone_sealed            TEXT NOT NULL DEFAULT '',
	phone_hash              TEXT NOT NULL DEFAULT '',
	key_unit                INTEGER NOT NULL DEFAULT 0,
	security_responsibility INTEGER NOT NULL DEFAULT 0,
	employees               INTEGER NOT NULL DEFAULT 0,
	note                    TEXT NOT NULL DEFAULT '',
	address_id              TEXT NOT NULL,
	address                 TEXT NOT NULL DEFAULT '',
	sub_bureau_id           TEXT NOT NULL,
	station_id              TEXT NOT NULL,
	police_grid_id          TEXT NOT NULL,
	community_grid_id       TEXT NOT NULL,
	lon                     REAL NOT NULL DEFAULT 0,
	lat                     REAL NOT NULL DEFAULT 0,
	status                  TEXT NOT NULL,
	verified_at             INTEGER,
	verification            TEXT NOT NULL DEFAULT '',
	created_at              INTEGER NOT NULL,
	created_by              TEXT NOT NULL DEFAULT '',
	updated_at              INTEGER NOT NULL,
	version                 INTEGER NOT NULL
);
CREATE INDEX organisations_name ON organisations(name);
CREATE INDEX organisations_credit_code ON organisations(credit_code) WHERE credit_code <> '';
CREATE INDEX organisations_phone_hash ON organisations(phone_hash) WHERE phone_hash <> '';
CREATE INDEX organisations_address ON organisations(address_id);
CREATE INDEX organisations_station ON organisations(station_id, id);
CREATE INDEX organisations_police_grid ON organisations(police_grid_id, id);
CREATE INDEX organisations_community_grid ON organisations(community_grid_id, id);
CREATE TABLE visits (
	id                TEXT PRIMARY KEY,
	at                INTEGER NOT NULL,
	by_user           TEXT NOT NULL,
	lon               REAL NOT NULL DEFAULT 0,
	lat               REAL NOT NULL DEFAULT 0,
	sub_bureau_id     TEXT NOT NULL,
	station_id        TEXT NOT NULL,
	police_grid_id    TEXT NOT NULL,
	community_grid_id TEXT NOT NULL,
	address_id        TEXT NOT NULL DEFAULT '',
	address           TEXT NOT NULL DEFAULT '',
	house_id          TEXT NOT NULL DEFAULT '',
	organisation_id   TEXT NOT NULL DEFAULT '',
	resident_ids      TEXT NOT NULL DEFAULT '[]',
	purpose           TEXT NOT NULL,
	note              TEXT NOT NULL DEFAULT '',
	recorded_at       INTEGER NOT NULL
);
CREATE INDEX visits_by ON visits(by_user, at);
CREATE INDEX visits_station ON visits(station_id, at);
-- What visits found: verification of records, familiarity answers, cards.
CREATE TABLE verifications (
	id                TEXT PRIMARY KEY,
	visit_id          TEXT NOT NULL REFERENCES visits(id),
	entity_type       TEXT NOT NULL,
	entity_id         TEXT NOT NULL,
	result            TEXT NOT NULL,
	note              TEXT NOT NULL DEFAULT '',
	at                INTEGER NOT NULL,
	by_user           TEXT NOT NULL,
	sub_bureau_id     TEXT NOT NULL,
	station_id        TEXT NOT NULL,
	police_grid_id    TEXT NOT NULL,
	community_grid_id TEXT NOT NULL
);
CREATE INDEX verifications_visit ON verifications(visit_id);
CREATE INDEX verifications_entity ON verifications(entity_id);
CREATE INDEX verifications_by ON verifications(by_user, at);
CREATE TABLE familiarity (
	id                TEXT PRIMARY KEY,
	visit_id          TEXT NOT NULL REFERENCES visits(id),
	resident_id       TEXT NOT NULL,
	knows_officer     INTEGER NOT NULL,
	officer_knows     INTEGER NOT NULL,
	at                INTEGER NOT NULL,
	by_user           TEXT NOT NULL,
	sub_bureau_id     TEXT NOT NULL,
	station_id        TEXT NOT NULL,
	police_grid_id    TEXT NOT NULL,
	community_grid_id TEXT NOT NULL
);
CREATE INDEX familiarity_visit ON familiarity(visit_id);
CREATE INDEX familiarity_by ON familiarity(by_user, at);
CREATE TABLE contact_cards (
	id                TEXT PRIMARY KEY,
	visit_id          TEXT NOT NULL REFERENCES visits(id),
	resident_id       TEXT NOT NULL DEFAULT '',
	house_id          TEXT NOT NULL DEFAULT '',
	at                INTEGER NOT NULL,
	by_user           TEXT NOT NULL,
	sub_bureau_id     TEXT NOT NULL,
	station_id        TEXT NOT NULL,
	police_grid_id    TEXT NOT NULL,
	community_grid_id TEXT NOT NULL
);
CREATE INDEX contact_cards_visit ON contact_cards(visit_id);
CREATE INDEX contact_cards_by ON contact_cards(by_user, at);
CREATE INDEX contact_cards_grid ON contact_cards(community_grid_id);
-- The history of every record: appended, never overwritten.
CREATE TABLE registry_changes (
	id                TEXT PRIMARY KEY,
	entity_type       TEXT NOT NULL,
	entity_id         TEXT NOT NULL,
	kind              TEXT NOT NULL,
	effective         TEXT NOT NULL DEFAULT '',
	at                INTEGER NOT NULL,
	actor             TEXT NOT NULL,
	visit_id          TEXT NOT NULL DEFAULT '',
	address_id        TEXT NOT NULL DEFAULT '',
	address           TEXT NOT NULL DEFAULT '',
	fields            TEXT NOT NULL DEFAULT '[]',
	other_id          TEXT NOT NULL DEFAULT '',
	note              TEXT NOT NULL DEFAULT '',
	sub_bureau_id     TEXT NOT NULL DEFAULT '',
	station_id        TEXT NOT NULL DEFAULT '',
	police_grid_id    TEXT NOT NULL DEFAULT '',
	community_grid_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX registry_changes_entity ON registry_changes(entity_id, at);
CREATE INDEX registry_changes_actor ON registry_changes(actor, at);
-- Idempotency-Keys of registry requests: a resend returns the first result.
CREATE TABLE registry_requests (
	actor       TEXT NOT NULL,
	key         TEXT NOT NULL,
	entity_type TEXT NOT NULL,
	entity_id   TEXT NOT NULL,
	at          INTEGER NOT NULL,
	PRIMARY KEY (actor, key)
);
