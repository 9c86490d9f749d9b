package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"precinct"
)

// CreateIncident stores inc and its events in one transaction. A replayed
// Idempotency-Key returns the stored incident and created false, writing
// nothing.
func (db *DB) CreateIncident(ctx context.Context, inc *precinct.Incident, events []*precinct.Event) (*precinct.Incident, bool, error) {
	if inc.ID == "" {
		return nil, false, precinct.FieldErrorf(precinct.EINVALID, "id", "警情编号不能为空", "The incident ID is required.")
	}
	var stored *precinct.Incident
	key := intakeKey(inc)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if key != "" {
			existing, err := db.incidentWhere(ctx, tx, "idempotency_key = ?", key)
			if err == nil {
				stored = existing
				return nil
			} else if precinct.ErrorCode(err) != precinct.ENOTFOUND {
				return err
			}
		}
		if err := db.insertIncident(ctx, tx, inc); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, events)
	})
	if err != nil {
		if precinct.ErrorCode(err) == precinct.ECONFLICT && key != "" {
			// Another node took the key between our read and our insert.
			if existing, ferr := db.incidentWhere(ctx, db.read, "idempotency_key = ?", key); ferr == nil {
				stored = existing
			}
		}
		if stored == nil {
			return nil, false, err
		}
	}
	if stored != nil {
		if stored.RequestHash != inc.RequestHash {
			return nil, false, precinct.FieldErrorf(precinct.ECONFLICT, "Idempotency-Key", "此 Idempotency-Key 已用于另一内容的接警登记",
				"The Idempotency-Key was used for an intake with a different body.")
		}
		return stored, false, nil
	}
	return inc, true, nil
}

// intakeKey is the stored form of an incident's Idempotency-Key: kept per
// creator and operation, so that one user's key never meets another's.
func intakeKey(inc *precinct.Incident) string {
	if inc.IdempotencyKey == "" {
		return ""
	}
	return inc.CreatedBy + "|intake|" + inc.IdempotencyKey
}

// factColumns are the values of the columns statistics read (lon, lat,
// dispatched_at, arrived_at, outcome, satisfaction, handler, disposition).
func factColumns(inc *precinct.Incident) []any {
	at := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return micros(*t)
	}
	return []any{inc.Point.Lon, inc.Point.Lat, at(inc.DispatchedAt), at(inc.ArrivedAt), string(outcomeOf(inc)), inc.Satisfaction, string(inc.Route.Handler), inc.Disposition}
}

// outcomeOf is how an incident's on-scene work ended, as its state shows it.
func outcomeOf(inc *precinct.Incident) precinct.Outcome {
	switch {
	case inc.HandedOverTo != "":
		return precinct.OutcomeHandedOver
	case inc.FinishedAt != nil:
		return precinct.OutcomeResolvedOnScene
	}
	return precinct.OutcomeOpen
}

// IncidentFacts calls fn with the facts of each incident f selects (every
// field but Cursor and Limit applies).
func (db *DB) IncidentFacts(ctx context.Context, f precinct.IncidentFilter, fn func(*precinct.IncidentFact) error) error {
	w := incidentsWhere(f)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT i.received_at, i.station_id, i.category, i.status, i.lon, i.lat, i.dispatched_at, i.arrived_at, i.outcome, i.satisfaction, i.handler, i.disposition
		FROM incidents i`+w.sql()), w.args...)
	if err != nil {
		return internal(err)
	}
	defer rows.Close()
	var fact precinct.IncidentFact
	var dispatched, arrived sql.NullInt64
	var received int64
	var status, outcome, handler string
	for rows.Next() {
		if err := rows.Scan(&received, &fact.StationID, &fact.Category, &status, &fact.Point.Lon, &fact.Point.Lat, &dispatched, &arrived, &outcome, &fact.Satisfaction, &handler, &fact.Disposition); err != nil {
			return internal(err)
		}
		fact.ReceivedAt, fact.Status, fact.Outcome = fromMicros(received), precinct.IncidentStatus(status), precinct.Outcome(outcome)
		fact.Handler = precinct.Handler(handler)
		fact.DispatchedAt, fact.ArrivedAt = nil, nil
		if dispatched.Valid {
			t := fromMicros(dispatched.Int64)
			fact.DispatchedAt = &t
		}
		if arrived.Valid {
			t := fromMicros(arrived.Int64)
			fact.ArrivedAt = &t
		}
		if err := fn(&fact); err != nil {
			return err
		}
	}
	return internal(rows.Err())
}

// insertIncident writes a new incident and the stations that see it.
func (db *DB) insertIncident(ctx context.Context, tx *sql.Tx, inc *precinct.Incident) error {
	doc, err := json.Marshal(inc)
	if err != nil {
		return err
	}
	var key any
	if k := intakeKey(inc); k != "" {
		key = k
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO incidents (id, sub_bureau_id, station_id, police_grid_id, community_grid_id, status, category, received_at, idempotency_key, request_hash, version, doc,
		lon, lat, dispatched_at, arrived_at, outcome, satisfaction, handler, disposition)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		append([]any{inc.ID, inc.Location.SubBureauID, inc.Location.StationID, inc.Location.PoliceGridID, inc.Location.CommunityGridID, string(inc.Status), inc.Category,
			micros(inc.ReceivedAt), key, inc.RequestHash, inc.Version, string(doc)}, factColumns(inc)...)...)
	if err != nil {
		return internal(err)
	}
	if err := db.addIncidentUnits(ctx, tx, inc.ID, inc.Units); err != nil {
		return err
	}
	return db.writeIncidentStations(ctx, tx, inc)
}

// ImportIncidents stores incidents of the past, each with its events and the
// units sent to it, in transactions of up to 500 incidents, calling progress
// (if set) after each. The events are stored as already published: they are
// history, not news for the bus.
func (db *DB) ImportIncidents(ctx context.Context, past []precinct.PastIncident, progress func(done, total int)) error {
	const batch = 500
	for i := 0; i < len(past); i += batch {
		end := min(i+batch, len(past))
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			published := micros(db.clock.Now())
			// The events, most of the rows, go through one prepared
			// statement (parsing it for each was a third of the time).
			if db.postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+strconv.Itoa(eventLock)+`)`); err != nil {
					return internal(err)
				}
			}
			stmt, err := tx.PrepareContext(ctx, db.q(insertEvent))
			if err != nil {
				return internal(err)
			}
			defer stmt.Close()
			insert := func(args ...any) *sql.Row { return stmt.QueryRowContext(ctx, args...) }
			for _, p := range past[i:end] {
				if err := db.insertIncident(ctx, tx, p.Incident); err != nil {
					return fmt.Errorf("incident %s: %w", p.Incident.ID, err)
				}
				if err := writeEvents(p.Events, published, insert); err != nil {
					return err
				}
				if err := db.addIncidentUnits(ctx, tx, p.Incident.ID, p.Units); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if progress != nil {
			progress(end, len(past))
		}
	}
	return nil
}

// SentUnits returns every unit ever sent to an incident.
func (db *DB) SentUnits(ctx context.Context, incidentID string) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT unit_id FROM incident_units WHERE incident_id = ? ORDER BY unit_id`), incidentID)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, internal(err)
		}
		out = append(out, id)
	}
	return out, internal(rows.Err())
}

// writeIncidentStations records the stations that see an incident.
func (db *DB) writeIncidentStations(ctx context.Context, tx *sql.Tx, inc *precinct.Incident) error {
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM incident_stations WHERE incident_id = ?`), inc.ID); err != nil {
		return internal(err)
	}
	seen := map[string]bool{}
	for _, st := range append([]string{inc.Location.StationID}, inc.SharedWith...) {
		if st == "" || seen[st] {
			continue
		}
		seen[st] = true
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO incident_stations (incident_id, station_id) VALUES (?, ?)`), inc.ID, st); err != nil {
			return internal(err)
		}
	}
	return nil
}

// querier is a *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) incidentWhere(ctx context.Context, q querier, cond string, args ...any) (*precinct.Incident, error) {
	var doc, key sql.NullString
	var hash string
	err := q.QueryRowContext(ctx, db.q(`SELECT doc, idempotency_key, request_hash FROM incidents WHERE `+cond), args...).Scan(&doc, &key, &hash)
	if err != nil {
		return nil, notFound(err, "警情", "Incident", "")
	}
	var inc precinct.Incident
	if err := json.Unmarshal([]byte(doc.String), &inc); err != nil {
		return nil, internal(err)
	}
	inc.IdempotencyKey, inc.RequestHash = userKey(key.String), hash
	return &inc, nil
}

// userKey is the Idempotency-Key as its creator sent it.
func userKey(stored string) string {
	if _, k, ok := strings.Cut(stored, "|intake|"); ok {
		return k
	}
	return stored
}

// FindIncident returns one incident.
func (db *DB) FindIncident(ctx context.Context, id string) (*precinct.Incident, error) {
	inc, err := db.incidentWhere(ctx, db.read, "id = ?", id)
	if precinct.ErrorCode(err) == precinct.ENOTFOUND {
		return nil, precinct.ErrNotFound("警情", "Incident", id)
	}
	return inc, err
}

// incidentsWhere selects incidents by every field of f but Cursor and Limit.
func incidentsWhere(f precinct.IncidentFilter) where {
	var w where
	incidentScope(&w, f.Scope)
	w.eq("i.sub_bureau_id", f.SubBureauID)
	w.eq("i.police_grid_id", f.PoliceGridID)
	w.eq("i.category", f.Category)
	if f.Status != nil {
		ss := make([]string, len(f.Status))
		for i, s := range f.Status {
			ss[i] = string(s)
		}
		w.in("i.status", ss)
	}
	if f.StationIDs != nil {
		if len(f.StationIDs) == 0 {
			w.add("1 = 0")
		} else {
			args := make([]any, len(f.StationIDs))
			for i, s := range f.StationIDs {
				args[i] = s
			}
			w.add("i.id IN (SELECT incident_id FROM incident_stations WHERE station_id IN ("+placeholders(len(args))+"))", args...)
		}
	}
	if f.UnitID != "" {
		// Every incident the unit was ever sent to.
		w.add("i.id IN (SELECT incident_id FROM incident_units WHERE unit_id = ?)", f.UnitID)
	}
	if !f.Since.IsZero() {
		w.add("i.received_at >= ?", micros(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("i.received_at < ?", micros(f.Until))
	}
	return w
}

// incidentScope keeps w to the incidents sc reaches: those at a place it
// covers (precinct.Location.Covers), those shared with its station, and
// those its own unit was ever sent to.
func incidentScope(w *where, sc precinct.Scope) {
	if sc.All {
		return
	}
	if sc.SubBureauID == "" {
		w.add("1 = 0")
		return
	}
	place, args := scopeCond(sc, scopeCols{subBureau: "i.sub_bureau_id", station: "i.station_id", policeGrid: "i.police_grid_id", communityGrid: "i.community_grid_id"})
	if sc.StationID != "" {
		// Shared with the station (incident_stations also lists each
		// incident's home station, which the place condition has judged).
		place = "(" + place + " OR i.sub_bureau_id = ? AND i.station_id <> ? AND i.id IN (SELECT incident_id FROM incident_stations WHERE station_id = ?))"
		args = append(args, sc.SubBureauID, sc.StationID, sc.StationID)
	}
	if sc.UnitID != "" {
		place = "(" + place + " OR i.id IN (SELECT incident_id FROM incident_units WHERE unit_id = ?))"
		args = append(args, sc.UnitID)
	}
	w.add(place, args...)
}

// ListIncidents returns a page of incidents, newest first.
func (db *DB) ListIncidents(ctx context.Context, f precinct.IncidentFilter) ([]*precinct.Incident, string, error) {
	w := incidentsWhere(f)
	parts, err := parseCursor(f.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	if parts != nil {
		at, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, "", precinct.FieldErrorf(precinct.EINVALID, "cursor", "分页游标无效", "Invalid cursor.")
		}
		w.add("(i.received_at < ? OR (i.received_at = ? AND i.id < ?))", at, at, parts[1])
	}
	n := limit(f.Limit)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT i.doc, i.idempotency_key, i.received_at FROM incidents i`+w.sql()+` ORDER BY i.received_at DESC, i.id DESC LIMIT ?`), append(w.args, n+1)...)
	if err != nil {
		return nil, "", internal(err)
	}
	type item struct {
		inc *precinct.Incident
		at  int64
	}
	items, err := collect(rows, func(s scanner) (item, error) {
		var doc, key sql.NullString
		var it item
		if err := s.Scan(&doc, &key, &it.at); err != nil {
			return it, err
		}
		it.inc = new(precinct.Incident)
		it.inc.IdempotencyKey = key.String
		return it, json.Unmarshal([]byte(doc.String), it.inc)
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > n {
		items = items[:n]
		last := items[n-1]
		next = cursor(strconv.FormatInt(last.at, 10), last.inc.ID)
	}
	out := make([]*precinct.Incident, len(items))
	for i, it := range items {
		out[i] = it.inc
	}
	return out, next, nil
}

// UpdateIncident applies one change atomically. The caller sets
// c.Incident.Version to c.PrevVersion+1; the change applies only if the stored
// version is c.PrevVersion (else ECONFLICT). Units are claimed with a
// conditional update, so a unit held by another incident fails the whole
// change with ECONFLICT naming the holder in Data["incident_id"].
func (db *DB) UpdateIncident(ctx context.Context, c precinct.IncidentChange) error {
	inc := c.Incident
	doc, err := json.Marshal(inc)
	if err != nil {
		return err
	}
	since := micros(inc.UpdatedAt)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE incidents SET status = ?, station_id = ?, police_grid_id = ?, community_grid_id = ?, category = ?, version = ?, doc = ?,
			lon = ?, lat = ?, dispatched_at = ?, arrived_at = ?, outcome = ?, satisfaction = ?, handler = ?, disposition = ? WHERE id = ? AND version = ?`),
			append(append([]any{string(inc.Status), inc.Location.StationID, inc.Location.PoliceGridID, inc.Location.CommunityGridID, inc.Category, inc.Version, string(doc)},
				factColumns(inc)...), inc.ID, c.PrevVersion)...)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := db.incidentWhere(ctx, tx, "id = ?", inc.ID); err != nil {
				return precinct.ErrNotFound("警情", "Incident", inc.ID)
			}
			return precinct.Errorf(precinct.ECONFLICT, "警情已被他人更新，请刷新后重试", "The incident was changed by someone else; reload and try again.")
		}
		for _, uid := range c.Claim {
			st := c.UnitStatus[uid]
			if st == "" {
				st = precinct.UnitDispatched
			}
			// The unit must be free and on duty, checked in this same
			// statement: a unit going off duty between the caller's check
			// and this claim is not dispatched.
			res, err := tx.ExecContext(ctx, db.q(`UPDATE units SET incident_id = ?, status = ?, status_since = ? WHERE id = ? AND incident_id IS NULL AND status NOT IN (?, ?)`),
				inc.ID, string(st), since, uid, string(precinct.UnitOffDuty), string(precinct.UnitBusy))
			if err != nil {
				return internal(err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return db.heldError(ctx, tx, uid)
			}
		}
		claimed := map[string]bool{}
		for _, uid := range c.Claim {
			claimed[uid] = true
		}
		for uid, st := range c.UnitStatus {
			if claimed[uid] {
				continue
			}
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE units SET status = ?, status_since = CASE WHEN status = ? THEN status_since ELSE ? END WHERE id = ? AND incident_id = ?`),
				string(st), string(st), since, uid, inc.ID); err != nil {
				return internal(err)
			}
		}
		for _, uid := range c.Release {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE units SET incident_id = NULL, status = ?, status_since = ? WHERE id = ? AND incident_id = ?`),
				string(precinct.UnitAvailable), since, uid, inc.ID); err != nil {
				return internal(err)
			}
		}
		if err := db.writeIncidentStations(ctx, tx, inc); err != nil {
			return err
		}
		if err := db.addIncidentUnits(ctx, tx, inc.ID, c.Claim); err != nil {
			return err
		}
		if err := db.openWork(ctx, tx, c.Work); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, c.Events)
	})
}

// addIncidentUnits records units as sent to an incident (once each).
func (db *DB) addIncidentUnits(ctx context.Context, tx *sql.Tx, incidentID string, units []string) error {
	for _, uid := range units {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO incident_units (incident_id, unit_id) VALUES (?, ?) ON CONFLICT DO NOTHING`), incidentID, uid); err != nil {
			return internal(err)
		}
	}
	return nil
}

// heldError explains why a unit could not be claimed: unknown, held by
// another incident, or off duty or busy.
func (db *DB) heldError(ctx context.Context, tx *sql.Tx, unitID string) error {
	var holder sql.NullString
	var callsign, status string
	err := tx.QueryRowContext(ctx, db.q(`SELECT incident_id, callsign, status FROM units WHERE id = ?`), unitID).Scan(&holder, &callsign, &status)
	if errors.Is(err, sql.ErrNoRows) {
		e := precinct.ErrNotFound("警力单元", "Unit", unitID)
		e.Field = "units"
		return e
	} else if err != nil {
		return internal(err)
	}
	if !holder.Valid {
		e := precinct.FieldErrorf(precinct.ECONFLICT, "units", "警力 %s 不在岗或忙碌", "Unit %s is off duty or busy.", callsign)
		e.Data = map[string]string{"unit_id": unitID, "status": status}
		return e
	}
	e := precinct.Errorf(precinct.ECONFLICT, "警力 %s 正在处置警情 %s", "Unit %s is serving incident %s.", callsign, holder.String)
	e.Data = map[string]string{"unit_id": unitID, "incident_id": holder.String}
	return e
}

// Timeline returns the events of one incident, oldest first.
func (db *DB) Timeline(ctx context.Context, incidentID string) ([]*precinct.Event, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+eventColumns+` FROM events WHERE entity_id = ? ORDER BY seq`), incidentID)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, scanEvent)
}

// ListCategories returns a sub-bureau's category dictionary, or the defaults.
func (db *DB) ListCategories(ctx context.Context, subBureauID string) ([]precinct.Category, error) {
	var doc string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT doc FROM category_sets WHERE sub_bureau_id = ?`), subBureauID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return append([]precinct.Category(nil), precinct.DefaultCategories...), nil
	} else if err != nil {
		return nil, internal(err)
	}
	var cats []precinct.Category
	return cats, json.Unmarshal([]byte(doc), &cats)
}

// PutCategories replaces a sub-bureau's category dictionary.
func (db *DB) PutCategories(ctx context.Context, subBureauID string, cats []precinct.Category, ev *precinct.Event) error {
	doc, err := json.Marshal(cats)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO category_sets (sub_bureau_id, doc) VALUES (?, ?) ON CONFLICT (sub_bureau_id) DO UPDATE SET doc = excluded.doc`), subBureauID, string(doc))
		if err != nil {
			return internal(err)
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}
