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

// Duty keeps its records as JSON documents beside the columns their
// queries and scopes need (see migrations/*/0009_duty.sql). Every list
// applies the caller's Scope in SQL through dutyScope: an empty Scope
// matches nothing.

// dutyScope adds the conditions of sc to w for a table with sub_bureau_id,
// station_id and, when stationB, station_b (the second station a service
// station serves), and, when grid, police_grid_id. A record of a coarser
// level than the scope (no station, no grid) is covered, as
// precinct.Location.Covers says. prefix qualifies the columns ("r.").
func dutyScope(w *where, sc precinct.Scope, prefix string, stationB, grid bool) {
	switch {
	case sc.All:
		return
	case sc.SubBureauID == "":
		w.add("1 = 0")
		return
	}
	w.add(prefix+"sub_bureau_id = ?", sc.SubBureauID)
	if sc.StationID != "" {
		if stationB {
			w.add("("+prefix+"station_id = '' OR "+prefix+"station_id = ? OR "+prefix+"station_b = ?)", sc.StationID, sc.StationID)
		} else {
			w.add("("+prefix+"station_id = '' OR "+prefix+"station_id = ?)", sc.StationID)
		}
	}
	if sc.PoliceGridID != "" && grid {
		w.add("("+prefix+"police_grid_id = '' OR "+prefix+"police_grid_id = ?)", sc.PoliceGridID)
	}
}

// forUpdate locks the rows a PostgreSQL SELECT reads until the transaction
// ends; SQLite has one writer and needs none.
func (db *DB) forUpdate() string {
	if db.postgres {
		return " FOR UPDATE"
	}
	return ""
}

// docPlace is where a duty record sits: its scope columns.
type docPlace struct {
	subBureau, station, stationB, grid string
}

// servicePlace returns the place of a record of a station or, if
// serviceStationID is set, of that service station: its two stations.
func (db *DB) servicePlace(ctx context.Context, q queryer, subBureauID, stationID, serviceStationID string) (docPlace, error) {
	p := docPlace{subBureau: subBureauID, station: stationID}
	if serviceStationID == "" {
		return p, nil
	}
	err := q.QueryRowContext(ctx, db.q(`SELECT station_a, station_b FROM service_stations WHERE id = ?`), serviceStationID).Scan(&p.station, &p.stationB)
	return p, notFound(err, "警务站", "Service station", serviceStationID)
}

// queryer is a *sql.DB or *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// col is an extra column of a duty table and its value.
type col struct {
	name  string
	value any
}

// upsertDoc inserts or replaces a document row.
func (db *DB) upsertDoc(ctx context.Context, tx *sql.Tx, table, id string, p docPlace, doc any, extra ...col) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	names := []string{"id", "sub_bureau_id", "station_id", "station_b", "police_grid_id", "doc"}
	args := []any{id, p.subBureau, p.station, p.stationB, p.grid, string(b)}
	for _, c := range extra {
		names = append(names, c.name)
		args = append(args, c.value)
	}
	set := make([]string, 0, len(names)-1)
	for _, n := range names[1:] {
		set = append(set, n+" = excluded."+n)
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO `+table+` (`+strings.Join(names, ", ")+`) VALUES (`+placeholders(len(names))+`)
		ON CONFLICT (id) DO UPDATE SET `+strings.Join(set, ", ")), args...)
	return internal(err)
}

// insertDoc inserts a document row; ECONFLICT if the ID exists.
func (db *DB) insertDoc(ctx context.Context, tx *sql.Tx, table, id string, p docPlace, doc any, extra ...col) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	names := []string{"id", "sub_bureau_id", "station_id", "station_b", "police_grid_id", "doc"}
	args := []any{id, p.subBureau, p.station, p.stationB, p.grid, string(b)}
	for _, c := range extra {
		names = append(names, c.name)
		args = append(args, c.value)
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO `+table+` (`+strings.Join(names, ", ")+`) VALUES (`+placeholders(len(names))+`)`), args...)
	return internal(err)
}

// findDoc reads one document by ID; ENOTFOUND names it with zh and en.
func findDoc[T any](ctx context.Context, q queryer, db *DB, table, id, zh, en, lock string) (*T, error) {
	var raw string
	if err := q.QueryRowContext(ctx, db.q(`SELECT doc FROM `+table+` WHERE id = ?`+lock), id).Scan(&raw); err != nil {
		return nil, notFound(err, zh, en, id)
	}
	var v T
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil, internal(err)
	}
	return &v, nil
}

// listDocs reads the documents of the rows w selects, in order, at most
// limit (0: no limit).
func listDocs[T any](ctx context.Context, db *DB, table string, w where, order string, limit int) ([]*T, error) {
	query := `SELECT doc FROM ` + table + w.sql() + ` ORDER BY ` + order
	args := w.args
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := db.read.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (*T, error) {
		var raw string
		if err := s.Scan(&raw); err != nil {
			return nil, err
		}
		var v T
		return &v, json.Unmarshal([]byte(raw), &v)
	})
}

// deleteDoc deletes a row by ID with its event; ENOTFOUND if absent.
func (db *DB) deleteDoc(ctx context.Context, table, id, zh, en string, ev *precinct.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM `+table+` WHERE id = ?`), id)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return precinct.ErrNotFound(zh, en, id)
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// ownerWhere selects the records of one station's own (not its service
// stations') or of one service station.
func ownerWhere(w *where, f precinct.DutyFilter) {
	if f.ServiceStationID != "" {
		w.add("service_station_id = ?", f.ServiceStationID)
	} else if f.StationID != "" {
		w.add("service_station_id = '' AND station_id = ?", f.StationID)
	}
}

// PutShiftPattern creates or replaces a shift pattern.
func (db *DB) PutShiftPattern(ctx context.Context, p *precinct.ShiftPattern, ev *precinct.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		place, err := db.servicePlace(ctx, tx, p.SubBureauID, p.StationID, p.ServiceStationID)
		if err != nil {
			return err
		}
		if err := db.upsertDoc(ctx, tx, "shift_patterns", p.ID, place, p,
			col{"service_station_id", p.ServiceStationID}, col{"unit_id", p.UnitID}, col{"updated_at", micros(p.UpdatedAt)}); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// DeleteShiftPattern deletes a pattern.
func (db *DB) DeleteShiftPattern(ctx context.Context, id string, ev *precinct.Event) error {
	return db.deleteDoc(ctx, "shift_patterns", id, "班次", "Shift pattern", ev)
}

// FindShiftPattern returns one pattern.
func (db *DB) FindShiftPattern(ctx context.Context, id string) (*precinct.ShiftPattern, error) {
	return findDoc[precinct.ShiftPattern](ctx, db.read, db, "shift_patterns", id, "班次", "Shift pattern", "")
}

// ListShiftPatterns returns the patterns in scope, by ID.
func (db *DB) ListShiftPatterns(ctx context.Context, f precinct.DutyFilter) ([]*precinct.ShiftPattern, error) {
	var w where
	dutyScope(&w, f.Scope, "", true, false)
	ownerWhere(&w, f)
	return listDocs[precinct.ShiftPattern](ctx, db, "shift_patterns", w, "id", 0)
}

// FindRoster returns a stored roster.
func (db *DB) FindRoster(ctx context.Context, id string) (*precinct.Roster, error) {
	return findDoc[precinct.Roster](ctx, db.read, db, "rosters", id, "排班表", "Roster", "")
}

// ListRosters returns the stored rosters of some weeks in scope.
func (db *DB) ListRosters(ctx context.Context, f precinct.DutyFilter, weeks []string) ([]*precinct.Roster, error) {
	var w where
	dutyScope(&w, f.Scope, "", true, false)
	w.in("week", weeks)
	if owner := firstOf(f.ServiceStationID, f.StationID); owner != "" {
		w.add("owner = ?", owner)
	}
	return listDocs[precinct.Roster](ctx, db, "rosters", w, "id", 0)
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// PutRosters stores rosters over the versions their editors read, all or
// none.
func (db *DB) PutRosters(ctx context.Context, ws []precinct.RosterWrite) error {
	stale := func(id string) error {
		return precinct.FieldErrorf(precinct.ECONFLICT, "version", "排班表 %s 已被他人修改，请刷新后重试", "Someone else changed roster %s; reload it and try again.", id)
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		events := make([]*precinct.Event, 0, len(ws))
		for _, rw := range ws {
			r, prev := rw.Roster, rw.PrevVersion
			place, err := db.servicePlace(ctx, tx, r.SubBureauID, r.StationID, r.ServiceStationID)
			if err != nil {
				return err
			}
			doc := *r
			doc.Version, doc.Seconded, doc.Names = prev+1, nil, nil
			b, err := json.Marshal(&doc)
			if err != nil {
				return err
			}
			if prev == 0 {
				err = db.insertDoc(ctx, tx, "rosters", r.ID, place, json.RawMessage(b),
					col{"owner", r.Owner()}, col{"week", r.Week}, col{"version", 1}, col{"updated_at", micros(r.UpdatedAt)})
				if precinct.ErrorCode(err) == precinct.ECONFLICT {
					return stale(r.ID)
				} else if err != nil {
					return err
				}
			} else {
				res, err := tx.ExecContext(ctx, db.q(`UPDATE rosters SET doc = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`),
					string(b), prev+1, micros(r.UpdatedAt), r.ID, prev)
				if err != nil {
					return internal(err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					return stale(r.ID)
				}
			}
			events = append(events, rw.Event)
		}
		return db.appendEvents(ctx, tx, events)
	})
	if err != nil {
		return err
	}
	for _, rw := range ws {
		rw.Roster.Version = rw.PrevVersion + 1
	}
	return nil
}

// PutPost creates or replaces a post.
func (db *DB) PutPost(ctx context.Context, p *precinct.Post, ev *precinct.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.upsertDoc(ctx, tx, "duty_posts", p.ID, docPlace{subBureau: p.SubBureauID, station: p.StationID}, p); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// FindPost returns one post.
func (db *DB) FindPost(ctx context.Context, id string) (*precinct.Post, error) {
	return findDoc[precinct.Post](ctx, db.read, db, "duty_posts", id, "岗位", "Post", "")
}

// ListPosts returns the posts in scope.
func (db *DB) ListPosts(ctx context.Context, f precinct.DutyFilter) ([]*precinct.Post, error) {
	var w where
	dutyScope(&w, f.Scope, "", false, false)
	w.eq("station_id", f.StationID)
	return listDocs[precinct.Post](ctx, db, "duty_posts", w, "id", 0)
}

// SaveShiftStates records unit states newer than the stored ones; the first
// state of a unit is recorded without an event (nothing changed). Rows are
// taken in the order given (callers sort by unit), each under a row lock on
// PostgreSQL, so that nodes saving the same states at the same boundary
// serialize and only the first appends the change's event.
func (db *DB) SaveShiftStates(ctx context.Context, cs []precinct.ShiftStateChange) ([]*precinct.UnitShiftState, error) {
	var applied []*precinct.UnitShiftState
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		applied = applied[:0]
		var events []*precinct.Event
		for _, c := range cs {
			st := c.State
			place, err := db.servicePlace(ctx, tx, st.SubBureauID, st.StationID, st.ServiceStationID)
			if err != nil {
				return err
			}
			b, err := json.Marshal(st)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, db.q(`INSERT INTO unit_shift_states (id, sub_bureau_id, station_id, station_b, police_grid_id, doc, as_of)
				VALUES (?, ?, ?, ?, '', ?, ?) ON CONFLICT (id) DO NOTHING`), st.UnitID, place.subBureau, place.station, place.stationB, string(b), micros(st.AsOf))
			if err != nil {
				return internal(err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				continue // the first state of a unit: nothing changed
			}
			var asOf int64
			var raw string
			if err := tx.QueryRowContext(ctx, db.q(`SELECT as_of, doc FROM unit_shift_states WHERE id = ?`+db.forUpdate()), st.UnitID).Scan(&asOf, &raw); err != nil {
				return internal(err)
			}
			if micros(st.AsOf) < asOf {
				continue // an older view than the one recorded
			}
			var old precinct.UnitShiftState
			if err := json.Unmarshal([]byte(raw), &old); err != nil {
				return internal(err)
			}
			changed := !sameShiftState(&old, st)
			if !changed && micros(st.AsOf) == asOf {
				continue
			}
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE unit_shift_states SET doc = ?, as_of = ?, station_id = ?, station_b = ? WHERE id = ?`),
				string(b), micros(st.AsOf), place.station, place.stationB, st.UnitID); err != nil {
				return internal(err)
			}
			if changed {
				applied, events = append(applied, st), append(events, c.Event)
			}
		}
		return db.appendEvents(ctx, tx, events)
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

// sameShiftState reports whether two states show the same: on shift, short,
// the same crew.
func sameShiftState(a, b *precinct.UnitShiftState) bool {
	if a.OnShift != b.OnShift || a.Short != b.Short || len(a.Crew) != len(b.Crew) {
		return false
	}
	seen := make(map[string]bool, len(a.Crew))
	for _, p := range a.Crew {
		seen[p] = true
	}
	for _, p := range b.Crew {
		if !seen[p] {
			return false
		}
	}
	return true
}

// ListShiftStates returns the recorded states of the units in scope.
func (db *DB) ListShiftStates(ctx context.Context, f precinct.DutyFilter) ([]*precinct.UnitShiftState, error) {
	var w where
	dutyScope(&w, f.Scope, "", true, false)
	return listDocs[precinct.UnitShiftState](ctx, db, "unit_shift_states", w, "id", 0)
}

// PutSecondment creates or replaces a secondment.
func (db *DB) PutSecondment(ctx context.Context, s *precinct.Secondment, ev *precinct.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.upsertDoc(ctx, tx, "secondments", s.ID, docPlace{subBureau: s.SubBureauID, station: s.StationID}, s,
			col{"person_id", s.PersonID}, col{"start_date", s.Start}, col{"end_date", s.End}); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// DeleteSecondment deletes a secondment.
func (db *DB) DeleteSecondment(ctx context.Context, id string, ev *precinct.Event) error {
	return db.deleteDoc(ctx, "secondments", id, "下沉记录", "Secondment", ev)
}

// FindSecondment returns one secondment.
func (db *DB) FindSecondment(ctx context.Context, id string) (*precinct.Secondment, error) {
	return findDoc[precinct.Secondment](ctx, db.read, db, "secondments", id, "下沉记录", "Secondment", "")
}

// ListSecondments returns the secondments in scope, those active on f.Date
// when set.
func (db *DB) ListSecondments(ctx context.Context, f precinct.DutyFilter) ([]*precinct.Secondment, error) {
	var w where
	dutyScope(&w, f.Scope, "", false, false)
	w.eq("station_id", f.StationID)
	if f.Date != "" {
		w.add("start_date <= ? AND end_date >= ?", f.Date, f.Date)
	}
	return listDocs[precinct.Secondment](ctx, db, "secondments", w, "start_date, id", 0)
}

// PutDutyAssignment sets the duty items a person holds.
func (db *DB) PutDutyAssignment(ctx context.Context, a *precinct.DutyAssignment, ev *precinct.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.upsertDoc(ctx, tx, "duty_assignments", a.PersonID, docPlace{subBureau: a.SubBureauID, station: a.StationID}, a); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// ListDutyAssignments returns the assignments in scope.
func (db *DB) ListDutyAssignments(ctx context.Context, f precinct.DutyFilter) ([]*precinct.DutyAssignment, error) {
	var w where
	dutyScope(&w, f.Scope, "", false, false)
	w.eq("station_id", f.StationID)
	return listDocs[precinct.DutyAssignment](ctx, db, "duty_assignments", w, "id", 0)
}

// FindDutyAssignment returns a person's assignment.
func (db *DB) FindDutyAssignment(ctx context.Context, personID string) (*precinct.DutyAssignment, error) {
	return findDoc[precinct.DutyAssignment](ctx, db.read, db, "duty_assignments", personID, "职责分配", "Duty assignment", "")
}

// rollCallHeader is the stored document of a roll call: everything but its
// status and members, which have columns and rows of their own.
type rollCallHeader struct {
	ID          string                   `json:"id"`
	SubBureauID string                   `json:"sub_bureau_id"`
	StationID   string                   `json:"station_id,omitempty"`
	Title       string                   `json:"title"`
	Targets     precinct.RollCallTargets `json:"targets"`
	CalledBy    string                   `json:"called_by"`
	CalledAt    time.Time                `json:"called_at"`
	Deadline    time.Time                `json:"deadline"`
}

// memberInfo is what a roll_call_members row keeps as JSON.
type memberInfo struct {
	Name   string `json:"name"`
	UserID string `json:"user_id,omitempty"`
	UnitID string `json:"unit_id,omitempty"`
	PostID string `json:"post_id,omitempty"`
}

// CreateRollCall stores a roll call with its members.
func (db *DB) CreateRollCall(ctx context.Context, rc *precinct.RollCall, ev *precinct.Event) error {
	h := rollCallHeader{ID: rc.ID, SubBureauID: rc.SubBureauID, StationID: rc.StationID, Title: rc.Title, Targets: rc.Targets,
		CalledBy: rc.CalledBy, CalledAt: rc.CalledAt, Deadline: rc.Deadline}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.insertDoc(ctx, tx, "roll_calls", rc.ID, docPlace{subBureau: rc.SubBureauID, station: rc.StationID}, h,
			col{"status", string(precinct.RollCallOpen)}, col{"called_at", micros(rc.CalledAt)}, col{"deadline", micros(rc.Deadline)}); err != nil {
			return err
		}
		for i, m := range rc.Members {
			info, _ := json.Marshal(memberInfo{Name: m.Name, UserID: m.UserID, UnitID: m.UnitID, PostID: m.PostID})
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO roll_call_members (roll_call_id, seq, person_id, info, status) VALUES (?, ?, ?, ?, ?)`),
				rc.ID, i, m.PersonID, string(info), string(precinct.AnswerPending)); err != nil {
				return internal(err)
			}
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

const rollCallColumns = `r.doc, r.status`

func scanRollCall(s scanner) (*precinct.RollCall, error) {
	var raw, status string
	if err := s.Scan(&raw, &status); err != nil {
		return nil, err
	}
	var h rollCallHeader
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		return nil, err
	}
	return &precinct.RollCall{ID: h.ID, SubBureauID: h.SubBureauID, StationID: h.StationID, Title: h.Title, Targets: h.Targets,
		CalledBy: h.CalledBy, CalledAt: h.CalledAt, Deadline: h.Deadline, Status: precinct.RollCallStatus(status), Members: []precinct.RollCallMember{}}, nil
}

// members fills the members of roll calls.
func (db *DB) members(ctx context.Context, q queryer, rcs []*precinct.RollCall) error {
	if len(rcs) == 0 {
		return nil
	}
	byID := map[string]*precinct.RollCall{}
	args := make([]any, len(rcs))
	for i, rc := range rcs {
		byID[rc.ID], args[i] = rc, rc.ID
	}
	rows, err := q.QueryContext(ctx, db.q(`SELECT roll_call_id, person_id, info, status, answered_at, lon, lat FROM roll_call_members
		WHERE roll_call_id IN (`+placeholders(len(args))+`) ORDER BY roll_call_id, seq`), args...)
	if err != nil {
		return internal(err)
	}
	_, err = collect(rows, func(s scanner) (struct{}, error) {
		var id, person, info, status string
		var answered sql.NullInt64
		var lon, lat sql.NullFloat64
		if err := s.Scan(&id, &person, &info, &status, &answered, &lon, &lat); err != nil {
			return struct{}{}, err
		}
		var mi memberInfo
		if err := json.Unmarshal([]byte(info), &mi); err != nil {
			return struct{}{}, err
		}
		m := precinct.RollCallMember{PersonID: person, Name: mi.Name, UserID: mi.UserID, UnitID: mi.UnitID, PostID: mi.PostID, Status: precinct.AnswerStatus(status)}
		if answered.Valid {
			t := fromMicros(answered.Int64)
			m.AnsweredAt = &t
		}
		if lon.Valid && lat.Valid {
			m.Point = &precinct.Point{Lon: lon.Float64, Lat: lat.Float64}
		}
		rc := byID[id]
		rc.Members = append(rc.Members, m)
		return struct{}{}, nil
	})
	return err
}

// FindRollCall returns a roll call with its members.
func (db *DB) FindRollCall(ctx context.Context, id string) (*precinct.RollCall, error) {
	rc, err := scanRollCall(db.read.QueryRowContext(ctx, db.q(`SELECT `+rollCallColumns+` FROM roll_calls r WHERE r.id = ?`), id))
	if err != nil {
		return nil, notFound(err, "点名", "Roll call", id)
	}
	return rc, db.members(ctx, db.read, []*precinct.RollCall{rc})
}

// ListRollCalls returns a page of the roll calls in scope, newest first,
// and the cursor of the next.
func (db *DB) ListRollCalls(ctx context.Context, f precinct.RollCallFilter) ([]*precinct.RollCall, string, error) {
	var w where
	dutyScope(&w, f.Scope, "r.", false, false)
	w.eq("r.station_id", f.StationID)
	w.eq("r.status", string(f.Status))
	if f.PersonID != "" {
		w.add("EXISTS (SELECT 1 FROM roll_call_members m WHERE m.roll_call_id = r.id AND m.person_id = ?)", f.PersonID)
	}
	if !f.Since.IsZero() {
		w.add("r.called_at >= ?", micros(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("r.called_at < ?", micros(f.Until))
	}
	parts, err := parseCursor(f.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	if parts != nil {
		w.add("(r.called_at < ? OR (r.called_at = ? AND r.id < ?))", parts[0], parts[0], parts[1])
	}
	n := limit(f.Limit)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+rollCallColumns+` FROM roll_calls r`+w.sql()+` ORDER BY r.called_at DESC, r.id DESC LIMIT ?`), append(w.args, n+1)...)
	if err != nil {
		return nil, "", internal(err)
	}
	rcs, err := collect(rows, scanRollCall)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rcs) > n {
		rcs = rcs[:n]
		last := rcs[n-1]
		next = cursor(strconv.FormatInt(micros(last.CalledAt), 10), last.ID)
	}
	return rcs, next, db.members(ctx, db.read, rcs)
}

// AnswerRollCall records one member's answer.
func (db *DB) AnswerRollCall(ctx context.Context, id, personID string, at time.Time, p *precinct.Point, ev *precinct.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var status string
		var deadline int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT status, deadline FROM roll_calls WHERE id = ?`+db.forUpdate()), id).Scan(&status, &deadline)
		if err != nil {
			return notFound(err, "点名", "Roll call", id)
		}
		if status != string(precinct.RollCallOpen) || micros(at) > deadline {
			return precinct.Errorf(precinct.ECONFLICT, "点名已截止，未应答已记录", "The roll call is over; the missed answer is recorded.")
		}
		var lon, lat any
		if p != nil {
			lon, lat = p.Lon, p.Lat
		}
		res, err := tx.ExecContext(ctx, db.q(`UPDATE roll_call_members SET status = ?, answered_at = ?, lon = ?, lat = ? WHERE roll_call_id = ? AND person_id = ? AND status = ?`),
			string(precinct.AnswerAnswered), micros(at), lon, lat, id, personID, string(precinct.AnswerPending))
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var cur string
			err := tx.QueryRowContext(ctx, db.q(`SELECT status FROM roll_call_members WHERE roll_call_id = ? AND person_id = ?`), id, personID).Scan(&cur)
			if errors.Is(err, sql.ErrNoRows) {
				return precinct.Errorf(precinct.ENOTFOUND, "您不在本次点名之列", "You are not called in this roll call.")
			}
			return precinct.Errorf(precinct.ECONFLICT, "已应答过本次点名", "You have answered this roll call already.")
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// CloseRollCall closes an open roll call and records its misses.
func (db *DB) CloseRollCall(ctx context.Context, id string, ev *precinct.Event) (bool, error) {
	closed := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE roll_calls SET status = ? WHERE id = ? AND status = ?`), string(precinct.RollCallClosed), id, string(precinct.RollCallOpen))
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE roll_call_members SET status = ? WHERE roll_call_id = ? AND status = ?`),
			string(precinct.AnswerMissed), id, string(precinct.AnswerPending)); err != nil {
			return internal(err)
		}
		closed = true
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
	return closed, err
}

// DueRollCalls returns the open roll calls whose deadline has passed.
func (db *DB) DueRollCalls(ctx context.Context, now time.Time) ([]*precinct.RollCall, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+rollCallColumns+` FROM roll_calls r WHERE r.status = ? AND r.deadline <= ? ORDER BY r.deadline LIMIT 1000`),
		string(precinct.RollCallOpen), micros(now))
	if err != nil {
		return nil, internal(err)
	}
	rcs, err := collect(rows, scanRollCall)
	if err != nil {
		return nil, err
	}
	return rcs, db.members(ctx, db.read, rcs)
}

// NextRollCallDeadline returns the earliest deadline of an open roll call.
func (db *DB) NextRollCallDeadline(ctx context.Context) (time.Time, error) {
	var d sql.NullInt64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT MIN(deadline) FROM roll_calls WHERE status = ?`), string(precinct.RollCallOpen)).Scan(&d)
	if err != nil || !d.Valid {
		return time.Time{}, internal(err)
	}
	return fromMicros(d.Int64), nil
}

// RollCallMisses counts calls and misses per person over closed roll calls.
func (db *DB) RollCallMisses(ctx context.Context, f precinct.RollCallMissFilter) ([]precinct.PersonMisses, error) {
	var w where
	dutyScope(&w, f.Scope, "r.", false, false)
	w.add("r.status = ?", string(precinct.RollCallClosed))
	if !f.Since.IsZero() {
		w.add("r.called_at >= ?", micros(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("r.called_at < ?", micros(f.Until))
	}
	w.in("m.person_id", f.PersonIDs)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT m.person_id, COUNT(*), SUM(CASE WHEN m.status = ? THEN 1 ELSE 0 END)
		FROM roll_call_members m JOIN roll_calls r ON r.id = m.roll_call_id`+w.sql()+` GROUP BY m.person_id ORDER BY m.person_id`),
		append([]any{string(precinct.AnswerMissed)}, w.args...)...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (precinct.PersonMisses, error) {
		var pm precinct.PersonMisses
		return pm, s.Scan(&pm.PersonID, &pm.Called, &pm.Missed)
	})
}

const checkInColumns = `id, user_id, person_id, unit_id, has_point, lon, lat, sub_bureau_id, station_id, police_grid_id, community_grid_id, at, note, place, verdict, distance_m`

func scanCheckIn(s scanner) (*precinct.CheckIn, error) {
	var c precinct.CheckIn
	var at, hasPoint int64
	var lon, lat float64
	var place sql.NullString
	var verdict string
	var dist sql.NullFloat64
	if err := s.Scan(&c.ID, &c.UserID, &c.PersonID, &c.UnitID, &hasPoint, &lon, &lat, &c.Location.SubBureauID, &c.Location.StationID,
		&c.Location.PoliceGridID, &c.Location.CommunityGridID, &at, &c.Note, &place, &verdict, &dist); err != nil {
		return nil, err
	}
	c.At, c.Verdict = fromMicros(at), precinct.CheckInVerdict(verdict)
	if hasPoint == 1 {
		c.Point = &precinct.Point{Lon: lon, Lat: lat}
	}
	if place.Valid && place.String != "" {
		c.Place = new(precinct.CheckInPlace)
		if err := json.Unmarshal([]byte(place.String), c.Place); err != nil {
			return nil, err
		}
	}
	if dist.Valid {
		d := dist.Float64
		c.DistanceM = &d
	}
	// Check-ins from before the geofence rules had a position and no verdict.
	c.Valid = c.Verdict == precinct.CheckInInside
	return &c, nil
}

// CreateCheckIn stores a check-in with its event.
func (db *DB) CreateCheckIn(ctx context.Context, c *precinct.CheckIn, ev *precinct.Event) error {
	if c.ID == "" {
		c.ID = precinct.NewID("chk", db.clock.Now())
	}
	var lon, lat float64
	var hasPoint int64
	if c.Point != nil {
		lon, lat, hasPoint = c.Point.Lon, c.Point.Lat, 1
	}
	var place any
	if c.Place != nil {
		b, _ := json.Marshal(c.Place)
		place = string(b)
	}
	var dist any
	if c.DistanceM != nil {
		dist = *c.DistanceM
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO check_ins (`+checkInColumns+`) VALUES (`+placeholders(16)+`)`),
			c.ID, c.UserID, c.PersonID, c.UnitID, hasPoint, lon, lat, c.Location.SubBureauID, c.Location.StationID,
			c.Location.PoliceGridID, c.Location.CommunityGridID, micros(c.At), c.Note, place, string(c.Verdict), dist)
		if err != nil {
			return internal(err)
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// FindCheckIn returns one check-in.
func (db *DB) FindCheckIn(ctx context.Context, id string) (*precinct.CheckIn, error) {
	c, err := scanCheckIn(db.read.QueryRowContext(ctx, db.q(`SELECT `+checkInColumns+` FROM check_ins WHERE id = ?`), id))
	return c, notFound(err, "打卡记录", "Check-in", id)
}

// ListCheckIns returns a page of check-ins in scope ordered by ID (which is
// by time).
func (db *DB) ListCheckIns(ctx context.Context, f precinct.CheckInFilter) ([]*precinct.CheckIn, string, error) {
	var w where
	// The scope's places, or the caller's own unit's check-ins.
	own, ownArgs := ownUnit(f.Scope, "unit_id")
	w.scopeOr(f.Scope, scopeCols{subBureau: "sub_bureau_id", station: "station_id", policeGrid: "police_grid_id", communityGrid: "community_grid_id"}, own, ownArgs...)
	w.eq("sub_bureau_id", f.SubBureauID)
	w.eq("station_id", f.StationID)
	w.eq("police_grid_id", f.PoliceGridID)
	w.eq("user_id", f.UserID)
	w.eq("unit_id", f.UnitID)
	if !f.Since.IsZero() {
		w.add("at >= ?", micros(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("at < ?", micros(f.Until))
	}
	return page(ctx, db, `SELECT `+checkInColumns+` FROM check_ins`, w, f.Cursor, f.Limit, scanCheckIn, func(c *precinct.CheckIn) string { return c.ID })
}

// PutEmergencyUnit creates or replaces an emergency unit.
func (db *DB) PutEmergencyUnit(ctx context.Context, u *precinct.EmergencyUnit, ev *precinct.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.upsertDoc(ctx, tx, "emergency_units", u.ID, docPlace{subBureau: u.SubBureauID, station: u.StationID, grid: u.PoliceGridID}, u); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// FindEmergencyUnit returns one emergency unit.
func (db *DB) FindEmergencyUnit(ctx context.Context, id string) (*precinct.EmergencyUnit, error) {
	return findDoc[precinct.EmergencyUnit](ctx, db.read, db, "emergency_units", id, "最小应急处置单元", "Emergency unit", "")
}

// ListEmergencyUnits returns the emergency units in scope.
func (db *DB) ListEmergencyUnits(ctx context.Context, f precinct.EmergencyFilter) ([]*precinct.EmergencyUnit, error) {
	var w where
	dutyScope(&w, f.Scope, "", false, true)
	w.eq("police_grid_id", f.PoliceGridID)
	return listDocs[precinct.EmergencyUnit](ctx, db, "emergency_units", w, "id", 0)
}

// CreateEmergencyCall stores a call of an emergency unit.
func (db *DB) CreateEmergencyCall(ctx context.Context, c *precinct.EmergencyCall, ev *precinct.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.insertDoc(ctx, tx, "emergency_calls", c.ID, docPlace{subBureau: c.SubBureauID, station: c.StationID, grid: c.PoliceGridID}, c,
			col{"incident_id", c.IncidentID}, col{"at", micros(c.At)}); err != nil {
			return err
		}
		people := make([]string, len(c.Members))
		for i, m := range c.Members {
			people[i] = m.PersonID
		}
		if err := db.link(ctx, tx, "emergency_call_people", "call_id, person_id", c.ID, people); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// FindEmergencyCall returns one call.
func (db *DB) FindEmergencyCall(ctx context.Context, id string) (*precinct.EmergencyCall, error) {
	return findDoc[precinct.EmergencyCall](ctx, db.read, db, "emergency_calls", id, "应急调度", "Emergency call", "")
}

// ListEmergencyCalls returns calls in scope, newest first.
func (db *DB) ListEmergencyCalls(ctx context.Context, f precinct.EmergencyFilter) ([]*precinct.EmergencyCall, error) {
	var w where
	dutyScope(&w, f.Scope, "", false, true)
	w.eq("police_grid_id", f.PoliceGridID)
	w.eq("incident_id", f.IncidentID)
	if f.PersonID != "" {
		w.add("id IN (SELECT call_id FROM emergency_call_people WHERE person_id = ?)", f.PersonID)
	}
	if !f.Since.IsZero() {
		w.add("at >= ?", micros(f.Since))
	}
	return listDocs[precinct.EmergencyCall](ctx, db, "emergency_calls", w, "at DESC, id", limit(f.Limit))
}

// UpdateEmergencyCall changes a call under a row lock.
func (db *DB) UpdateEmergencyCall(ctx context.Context, id string, fn func(*precinct.EmergencyCall) (*precinct.Event, error)) (*precinct.EmergencyCall, error) {
	return updateDoc(ctx, db, "emergency_calls", id, "应急调度", "Emergency call", fn)
}

// updateDoc applies fn to a stored document under a row lock, and stores the
// result with the event fn returns; with no event nothing is written.
func updateDoc[T any](ctx context.Context, db *DB, table, id, zh, en string, fn func(*T) (*precinct.Event, error)) (*T, error) {
	var out *T
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		v, err := findDoc[T](ctx, tx, db, table, id, zh, en, db.forUpdate())
		if err != nil {
			return err
		}
		out = v
		ev, err := fn(v)
		if err != nil || ev == nil {
			return err
		}
		if err := db.saveDoc(ctx, tx, table, id, v); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
	return out, err
}

// link inserts the rows (id, other) of a table that links a record to
// people or users.
func (db *DB) link(ctx context.Context, tx *sql.Tx, table, cols, id string, others []string) error {
	for _, o := range others {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO `+table+` (`+cols+`) VALUES (?, ?) ON CONFLICT DO NOTHING`), id, o); err != nil {
			return internal(err)
		}
	}
	return nil
}

// saveDoc replaces the document of an existing row.
func (db *DB) saveDoc(ctx context.Context, tx *sql.Tx, table, id string, doc any) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.q(`UPDATE `+table+` SET doc = ? WHERE id = ?`), string(b), id)
	return internal(err)
}

// CreateForceTask stores a task for mass-prevention forces.
func (db *DB) CreateForceTask(ctx context.Context, t *precinct.ForceTask, ev *precinct.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.insertDoc(ctx, tx, "force_tasks", t.ID, docPlace{subBureau: t.SubBureauID, station: t.StationID, grid: t.PoliceGridID}, t,
			col{"at", micros(t.At)}); err != nil {
			return err
		}
		users := make([]string, len(t.Assignees))
		for i, a := range t.Assignees {
			users[i] = a.UserID
		}
		if err := db.link(ctx, tx, "force_task_users", "task_id, user_id", t.ID, users); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// FindForceTask returns one task.
func (db *DB) FindForceTask(ctx context.Context, id string) (*precinct.ForceTask, error) {
	return findDoc[precinct.ForceTask](ctx, db.read, db, "force_tasks", id, "群防任务", "Task", "")
}

// ListForceTasks returns tasks in scope, newest first.
func (db *DB) ListForceTasks(ctx context.Context, f precinct.ForceFilter) ([]*precinct.ForceTask, error) {
	var w where
	dutyScope(&w, f.Scope, "", false, true)
	if f.UserID != "" {
		w.add("id IN (SELECT task_id FROM force_task_users WHERE user_id = ?)", f.UserID)
	}
	if !f.Since.IsZero() {
		w.add("at >= ?", micros(f.Since))
	}
	return listDocs[precinct.ForceTask](ctx, db, "force_tasks", w, "at DESC, id", limit(f.Limit))
}

// UpdateForceTask changes a task under a row lock.
func (db *DB) UpdateForceTask(ctx context.Context, id string, fn func(*precinct.ForceTask) (*precinct.Event, error)) (*precinct.ForceTask, error) {
	return updateDoc(ctx, db, "force_tasks", id, "群防任务", "Task", fn)
}

// CreateClue stores a clue.
func (db *DB) CreateClue(ctx context.Context, c *precinct.Clue, ev *precinct.Event) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.insertDoc(ctx, tx, "clues", c.ID, docPlace{subBureau: c.SubBureauID, station: c.StationID, grid: c.PoliceGridID}, c,
			col{"task_id", c.TaskID}, col{"at", micros(c.At)}, col{"handed_off", boolInt(c.HandedOff)}); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// ListClues returns clues in scope, oldest first.
func (db *DB) ListClues(ctx context.Context, f precinct.ForceFilter) ([]*precinct.Clue, error) {
	var w where
	dutyScope(&w, f.Scope, "", false, true)
	w.eq("task_id", f.TaskID)
	if f.Pending {
		w.add("handed_off = 0")
	}
	if !f.Since.IsZero() {
		w.add("at >= ?", micros(f.Since))
	}
	return listDocs[precinct.Clue](ctx, db, "clues", w, "at, id", limit(f.Limit))
}

// MarkClueHandedOff records that the grid loop took a clue.
func (db *DB) MarkClueHandedOff(ctx context.Context, id, ref string, ev *precinct.Event) (bool, error) {
	done := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := findDoc[precinct.Clue](ctx, tx, db, "clues", id, "线索", "Clue", db.forUpdate())
		if err != nil {
			return err
		}
		if c.HandedOff {
			return nil
		}
		c.HandedOff, c.Ref = true, ref
		b, _ := json.Marshal(c)
		res, err := tx.ExecContext(ctx, db.q(`UPDATE clues SET doc = ?, handed_off = 1 WHERE id = ? AND handed_off = 0`), string(b), id)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		done = true
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
	return done, err
}
