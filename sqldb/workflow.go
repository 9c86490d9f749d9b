package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"precinct"
)

var _ precinct.WorkStore = (*DB)(nil)

// workScope keeps work items to what sc reaches.
func workScope(w *where, sc precinct.Scope) {
	w.scope(sc, scopeCols{"sub_bureau_id", "station_id", "police_grid_id", "community_grid_id"})
}

// workColumns are the values of the searchable columns of an item.
func workColumns(it *precinct.WorkItem) ([]any, error) {
	doc, err := json.Marshal(it)
	if err != nil {
		return nil, err
	}
	var due, closed any
	if it.DueAt != nil {
		due = micros(*it.DueAt)
	}
	if it.ClosedAt != nil {
		closed = micros(*it.ClosedAt)
	}
	return []any{string(it.State), it.Location.SubBureauID, it.Location.StationID, it.Location.PoliceGridID, it.Location.CommunityGridID,
		it.Category, string(it.Assignee), it.Tier, due, boolInt(it.Overdue), closed, it.Version, string(doc)}, nil
}

// CreateWork stores a new item with everything that comes with it in one
// transaction; a reused Idempotency-Key returns the stored item.
func (db *DB) CreateWork(ctx context.Context, c precinct.WorkChange) (*precinct.WorkItem, bool, error) {
	it := c.Item
	if it == nil || it.ID == "" || it.Kind == "" {
		return nil, false, precinct.Errorf(precinct.EINVALID, "工作事项缺少编号或类型", "A work item lacks its ID or kind.")
	}
	cols, err := workColumns(it)
	if err != nil {
		return nil, false, err
	}
	var key any
	if it.IdempotencyKey != "" {
		key = it.IdempotencyKey
	}
	var stored *precinct.WorkItem
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if key != nil {
			existing, err := db.workWhere(ctx, tx, "idempotency_key = ?", key)
			if err == nil {
				stored = existing
				return nil
			} else if precinct.ErrorCode(err) != precinct.ENOTFOUND {
				return err
			}
		}
		return db.insertWork(ctx, tx, c, cols, key)
	})
	if err != nil {
		if key != nil && precinct.ErrorCode(err) == precinct.ECONFLICT {
			if existing, ferr := db.workWhere(ctx, db.read, "idempotency_key = ?", key); ferr == nil {
				return existing, false, nil
			}
		}
		return nil, false, err
	}
	if stored != nil {
		return stored, false, nil
	}
	return it, true, nil
}

// insertWork writes a new item with what comes with it.
func (db *DB) insertWork(ctx context.Context, tx *sql.Tx, c precinct.WorkChange, cols []any, key any) error {
	it := c.Item
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO work_items (state, sub_bureau_id, station_id, police_grid_id, community_grid_id,
		category, assignee, tier, due_at, overdue, closed_at, version, doc, id, kind, reporter_id, source_kind, source_id, opened_at, idempotency_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		append(cols, it.ID, string(it.Kind), it.ReporterID, it.Source.Kind, it.Source.ID, micros(it.OpenedAt), key)...)
	if err != nil {
		return internal(err)
	}
	return db.workExtras(ctx, tx, c)
}

// openWork writes the items an incident's change opens, in its transaction.
func (db *DB) openWork(ctx context.Context, tx *sql.Tx, cs []precinct.WorkChange) error {
	for _, c := range cs {
		cols, err := workColumns(c.Item)
		if err != nil {
			return err
		}
		var key any
		if c.Item.IdempotencyKey != "" {
			key = c.Item.IdempotencyKey
		}
		if err := db.insertWork(ctx, tx, c, cols, key); err != nil {
			return err
		}
	}
	return nil
}

// UpdateWork applies a change if the stored version is c.PrevVersion.
func (db *DB) UpdateWork(ctx context.Context, c precinct.WorkChange) error {
	it := c.Item
	cols, err := workColumns(it)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE work_items SET state = ?, sub_bureau_id = ?, station_id = ?, police_grid_id = ?, community_grid_id = ?,
			category = ?, assignee = ?, tier = ?, due_at = ?, overdue = ?, closed_at = ?, version = ?, doc = ? WHERE id = ? AND version = ?`),
			append(cols, it.ID, c.PrevVersion)...)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := db.workWhere(ctx, tx, "id = ?", it.ID); err != nil {
				return precinct.ErrNotFound("工作事项", "Work item", it.ID)
			}
			return precinct.Errorf(precinct.ECONFLICT, "该事项已被他人更新，请刷新后重试", "The item was changed by someone else; reload and try again.")
		}
		return db.workExtras(ctx, tx, c)
	})
}

// workExtras writes what comes with a change: the current assignee among the
// item's handlers, contacts, photos, tallies and events.
func (db *DB) workExtras(ctx context.Context, tx *sql.Tx, c precinct.WorkChange) error {
	it := c.Item
	if it.Assignee != "" {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO work_handlers (item_id, assignee) VALUES (?, ?) ON CONFLICT DO NOTHING`), it.ID, string(it.Assignee)); err != nil {
			return internal(err)
		}
	}
	if c.Contacts != nil {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM work_contacts WHERE item_id = ?`), it.ID); err != nil {
			return internal(err)
		}
		for _, ct := range c.Contacts {
			doc, err := json.Marshal(ct)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO work_contacts (item_id, role, idx, doc) VALUES (?, ?, ?, ?)`), it.ID, ct.Role, ct.Index, string(doc)); err != nil {
				return internal(err)
			}
		}
	}
	for _, p := range c.Photos {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO work_photos (id, item_id, step, content_type, size, at, data) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			p.ID, it.ID, p.Step, p.ContentType, len(p.Data), micros(p.At), p.Data); err != nil {
			return internal(err)
		}
	}
	if err := db.addWorkCounts(ctx, tx, c.Counts); err != nil {
		return err
	}
	return db.appendEvents(ctx, tx, c.Events)
}

var countColumns = func() []string {
	out := make([]string, len(precinct.WorkMetrics))
	for i, m := range precinct.WorkMetrics {
		out[i] = string(m)
	}
	return out
}()

// addWorkCounts adds tallies to the daily and monthly rows, creating them
// as needed.
func (db *DB) addWorkCounts(ctx context.Context, tx *sql.Tx, counts []precinct.WorkCount) error {
	if len(counts) == 0 {
		return nil
	}
	for _, table := range []string{"work_counts", "work_counts_month"} {
		sets := make([]string, len(countColumns))
		for i, c := range countColumns {
			sets[i] = c + " = " + table + "." + c + " + excluded." + c
		}
		query := db.q(`INSERT INTO ` + table + ` (kind, sub_bureau_id, day, station_id, assignee, ` + strings.Join(countColumns, ", ") + `)
			VALUES (` + placeholders(5+len(countColumns)) + `)
			ON CONFLICT (kind, sub_bureau_id, day, station_id, assignee) DO UPDATE SET ` + strings.Join(sets, ", "))
		for _, c := range counts {
			day := c.Day
			if table == "work_counts_month" {
				day = monthStart(day)
			}
			args := []any{string(c.Kind), c.SubBureauID, micros(day), c.StationID, string(c.Assignee)}
			for _, n := range c.Tally {
				args = append(args, n)
			}
			if _, err := tx.ExecContext(ctx, query, args...); err != nil {
				return internal(err)
			}
		}
	}
	return nil
}

// monthStart is the first day of t's month, China Standard Time.
func monthStart(t time.Time) time.Time {
	t = t.In(precinct.CST)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, precinct.CST)
}

func (db *DB) workWhere(ctx context.Context, q querier, cond string, args ...any) (*precinct.WorkItem, error) {
	var doc string
	var key sql.NullString
	err := q.QueryRowContext(ctx, db.q(`SELECT doc, idempotency_key FROM work_items WHERE `+cond), args...).Scan(&doc, &key)
	if err != nil {
		return nil, notFound(err, "工作事项", "Work item", "")
	}
	var it precinct.WorkItem
	if err := json.Unmarshal([]byte(doc), &it); err != nil {
		return nil, internal(err)
	}
	it.IdempotencyKey = key.String
	return &it, nil
}

// FindWork returns one item.
func (db *DB) FindWork(ctx context.Context, id string) (*precinct.WorkItem, error) {
	it, err := db.workWhere(ctx, db.read, "id = ?", id)
	if precinct.ErrorCode(err) == precinct.ENOTFOUND {
		return nil, precinct.ErrNotFound("工作事项", "Work item", id)
	}
	return it, err
}

func assigneeStrings(as []precinct.Assignee) []string {
	if as == nil {
		return nil
	}
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

// ListWork returns a page of items the filter selects, newest first.
func (db *DB) ListWork(ctx context.Context, f precinct.WorkFilter) ([]*precinct.WorkItem, string, error) {
	var w where
	workScope(&w, f.Scope)
	w.eq("kind", string(f.Kind))
	if f.States != nil {
		ss := make([]string, len(f.States))
		for i, s := range f.States {
			ss[i] = string(s)
		}
		w.in("state", ss)
	}
	if f.Open != nil {
		if *f.Open {
			w.add("closed_at IS NULL")
		} else {
			w.add("closed_at IS NOT NULL")
		}
	}
	w.in("assignee", assigneeStrings(f.Assignees))
	if f.HandledBy != nil {
		hs := assigneeStrings(f.HandledBy)
		if len(hs) == 0 {
			w.add("1 = 0")
		} else {
			args := make([]any, len(hs))
			for i, h := range hs {
				args[i] = h
			}
			w.add("id IN (SELECT item_id FROM work_handlers WHERE assignee IN ("+placeholders(len(hs))+"))", args...)
		}
	}
	w.eq("category", f.Category)
	if f.MinTier > 0 {
		w.add("tier >= ?", f.MinTier)
	}
	if !f.DueBefore.IsZero() {
		w.add("closed_at IS NULL AND due_at IS NOT NULL AND due_at < ?", micros(f.DueBefore))
	}
	w.eq("reporter_id", f.ReporterID)
	w.eq("source_kind", f.Source.Kind)
	w.eq("source_id", f.Source.ID)
	if !f.Since.IsZero() {
		w.add("opened_at >= ?", micros(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("opened_at < ?", micros(f.Until))
	}
	parts, err := parseCursor(f.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	if parts != nil {
		at, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, "", precinct.FieldErrorf(precinct.EINVALID, "cursor", "分页游标无效", "Invalid cursor.")
		}
		w.add("(opened_at < ? OR (opened_at = ? AND id < ?))", at, at, parts[1])
	}
	n := limit(f.Limit)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT doc, idempotency_key, opened_at FROM work_items`+w.sql()+` ORDER BY opened_at DESC, id DESC LIMIT ?`), append(w.args, n+1)...)
	if err != nil {
		return nil, "", internal(err)
	}
	type row struct {
		it *precinct.WorkItem
		at int64
	}
	items, err := collect(rows, func(s scanner) (row, error) {
		var doc string
		var key sql.NullString
		var r row
		if err := s.Scan(&doc, &key, &r.at); err != nil {
			return r, err
		}
		r.it = new(precinct.WorkItem)
		r.it.IdempotencyKey = key.String
		return r, json.Unmarshal([]byte(doc), r.it)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > n {
		items = items[:n]
		next = cursor(strconv.FormatInt(items[n-1].at, 10), items[n-1].it.ID)
	}
	out := make([]*precinct.WorkItem, len(items))
	for i, r := range items {
		out[i] = r.it
	}
	return out, next, nil
}

// DueWork returns open items whose deadline passed and that are not yet
// marked overdue, earliest deadline first.
func (db *DB) DueWork(ctx context.Context, now time.Time, n int) ([]*precinct.WorkItem, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT doc, idempotency_key FROM work_items
		WHERE closed_at IS NULL AND overdue = 0 AND due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?`), micros(now), limit(n))
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (*precinct.WorkItem, error) {
		var doc string
		var key sql.NullString
		if err := s.Scan(&doc, &key); err != nil {
			return nil, err
		}
		it := &precinct.WorkItem{IdempotencyKey: key.String}
		return it, json.Unmarshal([]byte(doc), it)
	})
}

// WorkTimeline returns the events of one item, oldest first.
func (db *DB) WorkTimeline(ctx context.Context, id string) ([]*precinct.Event, error) {
	return db.Timeline(ctx, id)
}

// WorkHandlers returns every assignee an item ever had.
func (db *DB) WorkHandlers(ctx context.Context, id string) ([]precinct.Assignee, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT assignee FROM work_handlers WHERE item_id = ? ORDER BY assignee`), id)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (precinct.Assignee, error) {
		var a string
		err := s.Scan(&a)
		return precinct.Assignee(a), err
	})
}

// WorkContacts returns the personal data of the people of an item.
func (db *DB) WorkContacts(ctx context.Context, id string) ([]precinct.WorkContact, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT doc FROM work_contacts WHERE item_id = ? ORDER BY role, idx`), id)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (precinct.WorkContact, error) {
		var doc string
		var c precinct.WorkContact
		if err := s.Scan(&doc); err != nil {
			return c, err
		}
		return c, json.Unmarshal([]byte(doc), &c)
	})
}

func scanPhoto(s scanner, withData bool) (*precinct.Photo, error) {
	var p precinct.Photo
	var at int64
	dest := []any{&p.ID, &p.ItemID, &p.Step, &p.ContentType, &p.Size, &at}
	if withData {
		dest = append(dest, &p.Data)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	p.At = fromMicros(at)
	return &p, nil
}

// FindPhoto returns a photo with its bytes.
func (db *DB) FindPhoto(ctx context.Context, id string) (*precinct.Photo, error) {
	p, err := scanPhoto(db.read.QueryRowContext(ctx, db.q(`SELECT id, item_id, step, content_type, size, at, data FROM work_photos WHERE id = ?`), id), true)
	return p, notFound(err, "照片", "Photo", id)
}

// ListPhotos returns the photos of an item, without their bytes.
func (db *DB) ListPhotos(ctx context.Context, itemID string) ([]*precinct.Photo, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, item_id, step, content_type, size, at FROM work_photos WHERE item_id = ? ORDER BY at, id`), itemID)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (*precinct.Photo, error) { return scanPhoto(s, false) })
}

// WorkCounts sums the daily tallies of a kind in [From, To) within the
// scope, by station and/or assignee. The tallies are kept per station: a
// scope narrower than a station sums nothing.
func (db *DB) WorkCounts(ctx context.Context, f precinct.WorkCountFilter) ([]precinct.WorkCount, error) {
	// The period is summed from whole months where it can, and days at
	// its edges.
	type part struct {
		table    string
		from, to time.Time
	}
	parts := []part{{"work_counts", f.From, f.To}}
	if !f.From.IsZero() && !f.To.IsZero() {
		m1, m2 := monthStart(f.From), monthStart(f.To)
		if m1.Before(f.From) {
			m1 = m1.AddDate(0, 1, 0)
		}
		if m1.Before(m2) {
			parts = []part{{"work_counts", f.From, m1}, {"work_counts_month", m1, m2}, {"work_counts", m2, f.To}}
		}
	}
	var w where
	var selects []string
	for _, p := range parts {
		if !p.from.IsZero() && !p.to.IsZero() && !p.from.Before(p.to) {
			continue
		}
		var pw where
		if f.Scope.PoliceGridID != "" || f.Scope.CommunityGridID != "" {
			pw.add("1 = 0")
		}
		pw.scope(f.Scope, scopeCols{subBureau: "sub_bureau_id", station: "station_id"})
		pw.eq("kind", string(f.Kind))
		if !p.from.IsZero() {
			pw.add("day >= ?", micros(p.from))
		}
		if !p.to.IsZero() {
			pw.add("day < ?", micros(p.to))
		}
		pw.in("assignee", assigneeStrings(f.Assignees))
		selects = append(selects, `SELECT station_id, assignee, `+strings.Join(countColumns, ", ")+` FROM `+p.table+pw.sql())
		w.args = append(w.args, pw.args...)
	}
	if len(selects) == 0 {
		return nil, nil
	}
	var group []string
	if f.ByStation {
		group = append(group, "station_id")
	}
	if f.ByAssignee {
		group = append(group, "assignee")
	}
	sums := make([]string, len(countColumns))
	for i, c := range countColumns {
		sums[i] = "SUM(" + c + ")"
	}
	sel := append(append([]string{}, group...), sums...)
	query := `SELECT ` + strings.Join(sel, ", ") + ` FROM (` + strings.Join(selects, " UNION ALL ") + `) AS c`
	if len(group) > 0 {
		query += ` GROUP BY ` + strings.Join(group, ", ") + ` ORDER BY ` + strings.Join(group, ", ")
	}
	rows, err := db.read.QueryContext(ctx, db.q(query), w.args...)
	if err != nil {
		return nil, internal(err)
	}
	out, err := collect(rows, func(s scanner) (precinct.WorkCount, error) {
		c := precinct.WorkCount{Kind: f.Kind}
		var assignee string
		var dest []any
		if f.ByStation {
			dest = append(dest, &c.StationID)
		}
		if f.ByAssignee {
			dest = append(dest, &assignee)
		}
		vals := make([]sql.NullInt64, len(countColumns))
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := s.Scan(dest...); err != nil {
			return c, err
		}
		c.Assignee = precinct.Assignee(assignee)
		for i, v := range vals {
			c.Tally[i] = int(v.Int64)
		}
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutDepartment creates or replaces a department and its members.
func (db *DB) PutDepartment(ctx context.Context, d *precinct.Department, ev *precinct.Event) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO departments (id, sub_bureau_id, station_id, kind, name, doc) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET sub_bureau_id = excluded.sub_bureau_id, station_id = excluded.station_id, kind = excluded.kind,
			name = excluded.name, doc = excluded.doc`), d.ID, d.Location.SubBureauID, d.Location.StationID, string(d.Kind), d.Name, string(doc))
		if err != nil {
			return internal(err)
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM department_members WHERE department_id = ?`), d.ID); err != nil {
			return internal(err)
		}
		for _, u := range d.Members {
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO department_members (department_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`), d.ID, u); err != nil {
				return internal(err)
			}
		}
		if ev == nil {
			return nil
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

func scanDepartment(s scanner) (*precinct.Department, error) {
	var doc string
	if err := s.Scan(&doc); err != nil {
		return nil, err
	}
	var d precinct.Department
	return &d, json.Unmarshal([]byte(doc), &d)
}

// FindDepartment returns one department.
func (db *DB) FindDepartment(ctx context.Context, id string) (*precinct.Department, error) {
	d, err := scanDepartment(db.read.QueryRowContext(ctx, db.q(`SELECT doc FROM departments WHERE id = ?`), id))
	return d, notFound(err, "联动部门", "Department", id)
}

// ListDepartments returns the departments within a scope: the district's and
// those of the townships the scope reaches.
func (db *DB) ListDepartments(ctx context.Context, f precinct.DepartmentFilter) ([]*precinct.Department, error) {
	var w where
	w.scope(f.Scope, scopeCols{subBureau: "sub_bureau_id", station: "station_id"})
	w.eq("kind", string(f.Kind))
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT doc FROM departments`+w.sql()+` ORDER BY station_id, kind, id`), w.args...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, scanDepartment)
}

// UserDepartments returns the departments a user acts for.
func (db *DB) UserDepartments(ctx context.Context, userID string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT department_id FROM department_members WHERE user_id = ? ORDER BY department_id`), userID)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
}

// CreateAPIKey stores a new Open311 key (its hash).
func (db *DB) CreateAPIKey(ctx context.Context, k *precinct.APIKey) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO api_keys (id, hash, name, sub_bureau_id, reporter_kind, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			k.ID, k.Hash, k.Name, k.SubBureauID, k.ReporterKind, micros(k.CreatedAt), boolInt(k.Disabled))
		return internal(err)
	})
}

const apiKeyColumns = `id, hash, name, sub_bureau_id, reporter_kind, created_at, disabled`

func scanAPIKey(s scanner) (*precinct.APIKey, error) {
	var k precinct.APIKey
	var created, disabled int64
	if err := s.Scan(&k.ID, &k.Hash, &k.Name, &k.SubBureauID, &k.ReporterKind, &created, &disabled); err != nil {
		return nil, err
	}
	k.CreatedAt, k.Disabled = fromMicros(created), disabled != 0
	return &k, nil
}

// FindAPIKey returns the key with this hash.
func (db *DB) FindAPIKey(ctx context.Context, hash string) (*precinct.APIKey, error) {
	k, err := scanAPIKey(db.read.QueryRowContext(ctx, db.q(`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, precinct.ErrNotFound("接口密钥", "API key", "")
	}
	return k, internal(err)
}

// ListAPIKeys returns every Open311 key (without hashes' use).
func (db *DB) ListAPIKeys(ctx context.Context) ([]*precinct.APIKey, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, scanAPIKey)
}
