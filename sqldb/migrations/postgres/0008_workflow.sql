-- Work items of the workflow engine (grid reports, disputes, tasks…), the
-- assignees each ever had, the personal data of the people named in them
-- (kept apart from the item), their photos, the daily tallies of the
-- evaluation (考核评价), linked departments with their accounts, and the keys
-- of outside systems posting Open311 service requests. Times are Unix
-- microseconds (UTC). Keep in step with ../sqlite/0008_workflow.sql.
CREATE TABLE work_items (
	id                TEXT PRIMARY KEY,
	kind              TEXT NOT NULL,
	state             TEXT NOT NULL,
	sub_bureau_id     TEXT NOT NULL,
	station_id        TEXT NOT NULL DEFAULT '',
	police_grid_id    TEXT NOT NULL DEFAULT '',
	community_grid_id TEXT NOT NULL DEFAULT '',
	category          TEXT NOT NULL DEFAULT '',
	assignee          TEXT NOT NULL DEFAULT '',
	tier              BIGINT NOT NULL DEFAULT 0,
	due_at            BIGINT,
	overdue           BIGINT NOT NULL DEFAULT 0,
	reporter_id       TEXT NOT NULL DEFAULT '',
	source_kind       TEXT NOT NULL DEFAULT '',
	source_id         TEXT NOT NULL DEFAULT '',
	opened_at         BIGINT NOT NULL,
	closed_at         BIGINT,
	idempotency_key   TEXT UNIQUE,
	version           BIGINT NOT NULL,
	doc               TEXT NOT NULL
);
CREATE INDEX work_items_place ON work_items(sub_bureau_id, kind, opened_at, id);
CREATE INDEX work_items_open_assignee ON work_items(assignee, opened_at, id) WHERE closed_at IS NULL;
CREATE INDEX work_items_due ON work_items(due_at) WHERE closed_at IS NULL AND overdue = 0 AND due_at IS NOT NULL;
CREATE INDEX work_items_open_grid ON work_items(police_grid_id, due_at) WHERE closed_at IS NULL;
CREATE INDEX work_items_source ON work_items(source_kind, source_id);
CREATE TABLE work_handlers (
	item_id  TEXT NOT NULL REFERENCES work_items(id),
	assignee TEXT NOT NULL,
	PRIMARY KEY (item_id, assignee)
);
CREATE INDEX work_handlers_assignee ON work_handlers(assignee, item_id);
CREATE TABLE work_contacts (
	item_id TEXT NOT NULL REFERENCES work_items(id),
	role    TEXT NOT NULL,
	idx     BIGINT NOT NULL,
	doc     TEXT NOT NULL,
	PRIMARY KEY (item_id, role, idx)
);
CREATE TABLE work_photos (
	id           TEXT PRIMARY KEY,
	item_id      TEXT NOT NULL REFERENCES work_items(id),
	step         TEXT NOT NULL DEFAULT '',
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL,
	at           BIGINT NOT NULL,
	data         BYTEA NOT NULL
);
CREATE INDEX work_photos_item ON work_photos(item_id);
CREATE TABLE work_counts (
	kind          TEXT NOT NULL,
	sub_bureau_id TEXT NOT NULL,
	day           BIGINT NOT NULL,
	station_id    TEXT NOT NULL,
	assignee      TEXT NOT NULL,
	opened        BIGINT NOT NULL DEFAULT 0,
	assigned      BIGINT NOT NULL DEFAULT 0,
	accepted      BIGINT NOT NULL DEFAULT 0,
	accepted_late BIGINT NOT NULL DEFAULT 0,
	escalated     BIGINT NOT NULL DEFAULT 0,
	done          BIGINT NOT NULL DEFAULT 0,
	done_late     BIGINT NOT NULL DEFAULT 0,
	returned      BIGINT NOT NULL DEFAULT 0,
	evaluated     BIGINT NOT NULL DEFAULT 0,
	satisfied     BIGINT NOT NULL DEFAULT 0,
	closed        BIGINT NOT NULL DEFAULT 0,
	resolved      BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, sub_bureau_id, day, station_id, assignee)
);
-- The same tallies by month (day is the first of the month, China Standard
-- Time), so that a year sums twelve rows per township and assignee.
CREATE TABLE work_counts_month (
	kind          TEXT NOT NULL,
	sub_bureau_id TEXT NOT NULL,
	day           BIGINT NOT NULL,
	station_id    TEXT NOT NULL,
	assignee      TEXT NOT NULL,
	opened        BIGINT NOT NULL DEFAULT 0,
	assigned      BIGINT NOT NULL DEFAULT 0,
	accepted      BIGINT NOT NULL DEFAULT 0,
	accepted_late BIGINT NOT NULL DEFAULT 0,
	escalated     BIGINT NOT NULL DEFAULT 0,
	done          BIGINT NOT NULL DEFAULT 0,
	done_late     BIGINT NOT NULL DEFAULT 0,
	returned      BIGINT NOT NULL DEFAULT 0,
	evaluated     BIGINT NOT NULL DEFAULT 0,
	satisfied     BIGINT NOT NULL DEFAULT 0,
	closed        BIGINT NOT NULL DEFAULT 0,
	resolved      BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (kind, sub_bureau_id, day, station_id, assignee)
);
CREATE TABLE departments (
	id            TEXT PRIMARY KEY,
	sub_bureau_id TEXT NOT NULL,
	station_id    TEXT NOT NULL DEFAULT '',
	kind          TEXT NOT NULL,
	name          TEXT NOT NULL,
	doc           TEXT NOT NULL
);
CREATE INDEX departments_place ON departments(sub_bureau_id, station_id);
CREATE TABLE department_members (
	department_id TEXT NOT NULL REFERENCES departments(id),
	user_id       TEXT NOT NULL,
	PRIMARY KEY (department_id, user_id)
);
CREATE INDEX department_members_user ON department_members(user_id);
CREATE TABLE api_keys (
	id            TEXT PRIMARY KEY,
	hash          TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	sub_bureau_id TEXT NOT NULL,
	reporter_kind TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	disabled      BIGINT NOT NULL DEFAULT 0
);
