-- Anti-fraud early warnings (反诈预警) and the records of prevention work
-- (joint-analysis ledger, mutual evaluations, exchanges, warning notices).
-- The person's ID number and phone are stored sealed, with keyed hashes
-- (person_key finds a person's other warnings). The warning's own record
-- is doc (JSON, masked). Times are Unix microseconds (UTC). Keep in step
-- with ../sqlite/0011_prevention.sql.
CREATE TABLE warnings (
	id                TEXT COLLATE "C" PRIMARY KEY,
	source_ref        TEXT NOT NULL,
	sub_bureau_id     TEXT NOT NULL,
	station_id        TEXT NOT NULL DEFAULT '',
	police_grid_id    TEXT NOT NULL DEFAULT '',
	community_grid_id TEXT NOT NULL DEFAULT '',
	status            TEXT NOT NULL,
	fraud_type        TEXT NOT NULL DEFAULT '',
	issued_at         BIGINT NOT NULL,
	person_key        TEXT NOT NULL DEFAULT '',
	id_sealed         TEXT NOT NULL DEFAULT '',
	id_hash           TEXT NOT NULL DEFAULT '',
	phone_sealed      TEXT NOT NULL DEFAULT '',
	phone_hash        TEXT NOT NULL DEFAULT '',
	task_id           TEXT NOT NULL DEFAULT '',
	version           BIGINT NOT NULL,
	doc               TEXT NOT NULL,
	UNIQUE (sub_bureau_id, source_ref)
);
CREATE INDEX warnings_place ON warnings(sub_bureau_id, issued_at, id);
CREATE INDEX warnings_person ON warnings(person_key) WHERE person_key <> '';
CREATE INDEX warnings_status ON warnings(sub_bureau_id, status, issued_at);
CREATE TABLE prevention_records (
	id                 TEXT COLLATE "C" PRIMARY KEY,
	kind               TEXT NOT NULL,
	sub_bureau_id      TEXT NOT NULL,
	station_id         TEXT NOT NULL DEFAULT '',
	police_grid_id     TEXT NOT NULL DEFAULT '',
	service_station_id TEXT NOT NULL DEFAULT '',
	stations           TEXT NOT NULL DEFAULT '',
	month              TEXT NOT NULL DEFAULT '',
	at                 BIGINT NOT NULL,
	doc                TEXT NOT NULL
);
CREATE INDEX prevention_records_kind ON prevention_records(sub_bureau_id, kind, month, at);
