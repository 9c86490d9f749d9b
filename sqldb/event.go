package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"precinct"
)

// eventLock serializes event appends on PostgreSQL, so that sequence numbers
// become visible in order: a transaction takes its numbers and commits
// before the next one takes any. A console resuming after sequence n then
// never misses a lower number committed late. (SQLite has one writer.)
const eventLock = 727275

// appendEvents writes events in tx and sets their Seq.
func (db *DB) appendEvents(ctx context.Context, tx *sql.Tx, events []*precinct.Event) error {
	return db.insertEvents(ctx, tx, events, nil)
}

// insertEvents appends events; publishedAt, when not nil, marks them as
// already published (microseconds), so that the relay leaves them alone.
func (db *DB) insertEvents(ctx context.Context, tx *sql.Tx, events []*precinct.Event, publishedAt any) error {
	if db.postgres && len(events) > 0 {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+strconv.Itoa(eventLock)+`)`); err != nil {
			return internal(err)
		}
	}
	return writeEvents(events, publishedAt, func(args ...any) *sql.Row {
		return tx.QueryRowContext(ctx, db.q(insertEvent), args...)
	})
}

// insertEvent appends one event and returns its sequence number.
const insertEvent = `INSERT INTO events (id, type, at, actor, sub_bureau_id, station_id, stations, entity_type, entity_id, before, after, data, published_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`

// writeEvents appends events through insert (insertEvent with its
// arguments), setting their Seq.
func writeEvents(events []*precinct.Event, publishedAt any, insert func(args ...any) *sql.Row) error {
	for _, e := range events {
		if e == nil {
			continue
		}
		if e.ID == "" || e.Type == "" {
			return precinct.Errorf(precinct.EINTERNAL, "事件缺少编号或类型", "An event lacks its ID or type.")
		}
		err := insert(e.ID, e.Type, micros(e.At), e.Actor, e.SubBureauID, e.StationID, jsonText(e.Stations), e.EntityType, e.EntityID,
			rawText(e.Before), rawText(e.After), rawText(e.Data), publishedAt).Scan(&e.Seq)
		if err != nil {
			return internal(err)
		}
	}
	return nil
}

func rawText(r json.RawMessage) any {
	if len(r) == 0 {
		return nil
	}
	return string(r)
}

const eventColumns = `seq, id, type, at, actor, sub_bureau_id, station_id, stations, entity_type, entity_id, before, after, data`

func scanEvent(s scanner) (*precinct.Event, error) {
	var e precinct.Event
	var at int64
	var stations string
	var before, after, data sql.NullString
	if err := s.Scan(&e.Seq, &e.ID, &e.Type, &at, &e.Actor, &e.SubBureauID, &e.StationID, &stations, &e.EntityType, &e.EntityID, &before, &after, &data); err != nil {
		return nil, err
	}
	e.At = fromMicros(at)
	if err := json.Unmarshal([]byte(stations), &e.Stations); err != nil {
		return nil, err
	}
	if len(e.Stations) == 0 {
		e.Stations = nil
	}
	e.Before, e.After, e.Data = raw(before), raw(after), raw(data)
	return &e, nil
}

func raw(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// ListEvents returns events after f.AfterSeq, oldest first.
func (db *DB) ListEvents(ctx context.Context, f precinct.EventFilter) ([]*precinct.Event, error) {
	var w where
	w.add("seq > ?", f.AfterSeq)
	w.scope(f.Scope, scopeCols{subBureau: "sub_bureau_id"})
	w.eq("sub_bureau_id", f.SubBureauID)
	w.eq("entity_id", f.EntityID)
	w.in("type", f.Types)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+eventColumns+` FROM events`+w.sql()+` ORDER BY seq LIMIT ?`), append(w.args, limit(f.Limit))...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, scanEvent)
}

// Unpublished returns events not yet marked published, oldest first.
func (db *DB) Unpublished(ctx context.Context, n int) ([]*precinct.Event, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+eventColumns+` FROM events WHERE published_at IS NULL ORDER BY seq LIMIT ?`), limit(n))
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, scanEvent)
}

// MarkPublished records that the events were published.
func (db *DB) MarkPublished(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	args := []any{micros(db.clock.Now())}
	for _, s := range seqs {
		args = append(args, s)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`UPDATE events SET published_at = ? WHERE seq IN (`+placeholders(len(seqs))+`)`), args...)
		return internal(err)
	})
}

// RecordAudit stores an audit record durably.
func (db *DB) RecordAudit(ctx context.Context, r *precinct.AuditRecord) error {
	if r.ID == "" {
		r.ID = precinct.NewID("aud", db.clock.Now())
	}
	if r.At.IsZero() {
		r.At = db.clock.Now()
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO audit (id, at, actor, action, entity_type, entity_id, fields, address, sub_bureau_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			r.ID, micros(r.At), r.Actor, r.Action, r.EntityType, r.EntityID, jsonText(r.Fields), r.Address, r.SubBureauID, r.Reason)
		return internal(err)
	})
}

// ListAudit returns audit records, oldest first.
func (db *DB) ListAudit(ctx context.Context, f precinct.AuditFilter) ([]*precinct.AuditRecord, string, error) {
	var w where
	w.scope(f.Scope, scopeCols{subBureau: "sub_bureau_id"})
	w.eq("actor", f.Actor)
	w.eq("entity_id", f.EntityID)
	return page(ctx, db, `SELECT id, at, actor, action, entity_type, entity_id, fields, address, sub_bureau_id, reason FROM audit`, w, f.Cursor, f.Limit,
		func(s scanner) (*precinct.AuditRecord, error) {
			var r precinct.AuditRecord
			var at int64
			var fields string
			if err := s.Scan(&r.ID, &at, &r.Actor, &r.Action, &r.EntityType, &r.EntityID, &fields, &r.Address, &r.SubBureauID, &r.Reason); err != nil {
				return nil, err
			}
			r.At = fromMicros(at)
			return &r, json.Unmarshal([]byte(fields), &r.Fields)
		}, func(r *precinct.AuditRecord) string { return r.ID })
}

// Rules returns a sub-bureau's routing rules document and version.
func (db *DB) Rules(ctx context.Context, subBureauID string) ([]byte, int, error) {
	var doc string
	var version int
	err := db.read.QueryRowContext(ctx, db.q(`SELECT doc, version FROM rules WHERE sub_bureau_id = ?`), subBureauID).Scan(&doc, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, precinct.ErrNotFound("分流规则", "Routing rules", subBureauID)
	} else if err != nil {
		return nil, 0, internal(err)
	}
	return []byte(doc), version, nil
}

// PutRules replaces the rules if the stored version is prevVersion.
func (db *DB) PutRules(ctx context.Context, subBureauID string, doc []byte, prevVersion int, ev *precinct.Event) (int, error) {
	next := prevVersion + 1
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if prevVersion == 0 {
			res, err = tx.ExecContext(ctx, db.q(`INSERT INTO rules (sub_bureau_id, doc, version) VALUES (?, ?, 1) ON CONFLICT (sub_bureau_id) DO NOTHING`), subBureauID, string(doc))
		} else {
			res, err = tx.ExecContext(ctx, db.q(`UPDATE rules SET doc = ?, version = ? WHERE sub_bureau_id = ? AND version = ?`), string(doc), next, subBureauID, prevVersion)
		}
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return precinct.FieldErrorf(precinct.ECONFLICT, "version", "规则已被他人修改（版本不是 %d），请刷新后重试", "The rules were changed by someone else (version is not %d); reload and try again.", prevVersion)
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
	if err != nil {
		return 0, err
	}
	return next, nil
}
