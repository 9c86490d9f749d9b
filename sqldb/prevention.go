package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"precinct"
)

var _ precinct.PreventionStore = (*DB)(nil)

// warningScope keeps warnings to what sc reaches; a warning in triage (no
// station) only to a scope without a station (the sub-bureau's).
func warningScope(w *where, sc precinct.Scope) {
	w.scope(sc, scopeCols{"sub_bureau_id", "station_id", "police_grid_id", "community_grid_id"})
	if !sc.All && sc.StationID != "" {
		w.add("station_id <> ''")
	}
}

const warningColumns = `id, version, doc, id_sealed, id_hash, phone_sealed, phone_hash, person_key`

func scanWarning(s scanner) (*precinct.Warning, error) {
	var w precinct.Warning
	var id, doc string
	var version int
	var sid, sidHash, sph, sphHash, key string
	if err := s.Scan(&id, &version, &doc, &sid, &sidHash, &sph, &sphHash, &key); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), &w); err != nil {
		return nil, err
	}
	w.ID, w.Version, w.PersonKey = id, version, key
	w.SealedID = precinct.Sealed{Masked: w.IDNumber, Sealed: sid, Hash: sidHash}
	w.SealedPhone = precinct.Sealed{Masked: w.Phone, Sealed: sph, Hash: sphHash}
	return &w, nil
}

func warningValues(w *precinct.Warning) ([]any, error) {
	doc, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	return []any{w.Location.SubBureauID, w.Location.StationID, w.Location.PoliceGridID, w.Location.CommunityGridID,
		string(w.Status), w.FraudType, micros(w.IssuedAt), w.PersonKey, w.SealedID.Sealed, w.SealedID.Hash,
		w.SealedPhone.Sealed, w.SealedPhone.Hash, w.TaskID, w.Version, string(doc)}, nil
}

var warningInsertColumns = []string{"sub_bureau_id", "station_id", "police_grid_id", "community_grid_id", "status", "fraud_type", "issued_at",
	"person_key", "id_sealed", "id_hash", "phone_sealed", "phone_hash", "task_id", "version", "doc", "id", "source_ref"}

// warningRows are the values of ws in the order of warningInsertColumns.
func warningRows(ws []*precinct.Warning) ([][]any, error) {
	rows := make([][]any, 0, len(ws))
	for _, w := range ws {
		vals, err := warningValues(w)
		if err != nil {
			return nil, err
		}
		rows = append(rows, append(vals, w.ID, w.SourceRef))
	}
	return rows, nil
}

// CreateWarnings stores warnings, the tasks they open and their events in
// one transaction, in bulk (see bulkTx); the events' Seq is not set.
func (db *DB) CreateWarnings(ctx context.Context, ws []*precinct.Warning, work []precinct.WorkChange, evs []*precinct.Event) error {
	return db.writeWarnings(ctx, ws, work, evs, nil)
}

// ImportWarnings stores warnings of the past with their tasks as they
// ended and their events, in time order, marked published.
func (db *DB) ImportWarnings(ctx context.Context, ws []*precinct.Warning, work []precinct.WorkChange, evs []*precinct.Event, publishedAt time.Time) error {
	return db.writeWarnings(ctx, ws, work, evs, &publishedAt)
}

// writeWarnings writes warnings, their tasks and events in one bulk
// transaction; events of the past (publishedAt set) go in time order,
// marked published.
func (db *DB) writeWarnings(ctx context.Context, ws []*precinct.Warning, work []precinct.WorkChange, evs []*precinct.Event, publishedAt *time.Time) error {
	rows, err := warningRows(ws)
	if err != nil {
		return err
	}
	return db.inBulkTx(ctx, func(b *bulkTx) error {
		if err := b.rows(ctx, "warnings", warningInsertColumns, rows); err != nil {
			return err
		}
		more, err := b.openWork(ctx, work)
		if err != nil {
			return err
		}
		if publishedAt == nil {
			return b.events(ctx, append(evs, more...), nil)
		}
		all := append(append([]*precinct.Event{}, evs...), more...)
		sort.SliceStable(all, func(i, j int) bool { return all[i].At.Before(all[j].At) })
		return b.events(ctx, all, micros(*publishedAt))
	})
}

// UpdateWarning stores w if the stored version is prev.
func (db *DB) UpdateWarning(ctx context.Context, w *precinct.Warning, prev int, work []precinct.WorkChange, evs []*precinct.Event) error {
	vals, err := warningValues(w)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE warnings SET sub_bureau_id = ?, station_id = ?, police_grid_id = ?, community_grid_id = ?,
			status = ?, fraud_type = ?, issued_at = ?, person_key = ?, id_sealed = ?, id_hash = ?, phone_sealed = ?, phone_hash = ?,
			task_id = ?, version = ?, doc = ? WHERE id = ? AND version = ?`), append(vals, w.ID, prev)...)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return precinct.Errorf(precinct.ECONFLICT, "预警已被他人修改，请刷新后重试", "The warning was changed meanwhile; reload and try again.")
		}
		if err := db.openWork(ctx, tx, work); err != nil {
			return err
		}
		return db.appendEvents(ctx, tx, evs)
	})
}

// FindWarning returns one warning.
func (db *DB) FindWarning(ctx context.Context, id string) (*precinct.Warning, error) {
	w, err := scanWarning(db.read.QueryRowContext(ctx, db.q(`SELECT `+warningColumns+` FROM warnings WHERE id = ?`), id))
	if err != nil {
		return nil, notFound(err, "预警", "Warning", id)
	}
	return w, nil
}

// WarningRefs returns the stored source references among refs.
func (db *DB) WarningRefs(ctx context.Context, subBureauID string, refs []string) (map[string]string, error) {
	out := map[string]string{}
	err := db.chunks(refs, func(part []string) error {
		w := where{}
		w.add("sub_bureau_id = ?", subBureauID)
		db.oneOf(&w, "source_ref", part)
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT source_ref, id FROM warnings`+w.sql()), db.oneShot(w.args)...)
		if err != nil {
			return internal(err)
		}
		pairs, err := collect(rows, func(s scanner) ([2]string, error) {
			var p [2]string
			err := s.Scan(&p[0], &p[1])
			return p, err
		})
		for _, p := range pairs {
			out[p[0]] = p[1]
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListWarnings returns a page of warnings, newest first.
func (db *DB) ListWarnings(ctx context.Context, f precinct.WarningFilter) ([]*precinct.Warning, string, error) {
	var w where
	warningScope(&w, f.Scope)
	w.eq("status", string(f.Status))
	w.eq("person_key", f.PersonKey)
	w.eq("fraud_type", f.FraudType)
	if !f.Since.IsZero() {
		w.add("issued_at >= ?", micros(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("issued_at < ?", micros(f.Until))
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
		w.add("(issued_at < ? OR issued_at = ? AND id < ?)", at, at, parts[1])
	}
	n := limit(f.Limit)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+warningColumns+`, issued_at FROM warnings`+w.sql()+` ORDER BY issued_at DESC, id DESC LIMIT ?`), append(w.args, n+1)...)
	if err != nil {
		return nil, "", internal(err)
	}
	items, err := collect(rows, func(s scanner) (*precinct.Warning, error) {
		var at int64
		var w precinct.Warning
		var id, doc, sid, sidHash, sph, sphHash, key string
		var version int
		if err := s.Scan(&id, &version, &doc, &sid, &sidHash, &sph, &sphHash, &key, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(doc), &w); err != nil {
			return nil, err
		}
		w.ID, w.Version, w.PersonKey = id, version, key
		w.SealedID = precinct.Sealed{Masked: w.IDNumber, Sealed: sid, Hash: sidHash}
		w.SealedPhone = precinct.Sealed{Masked: w.Phone, Sealed: sph, Hash: sphHash}
		return &w, nil
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > n {
		items = items[:n]
		last := items[n-1]
		next = cursor(strconv.FormatInt(micros(last.IssuedAt), 10), last.ID)
	}
	return items, next, nil
}

// CountWarnings counts the warnings of each person key.
func (db *DB) CountWarnings(ctx context.Context, keys []string) (map[string]int, error) {
	out := map[string]int{}
	err := db.chunks(keys, func(part []string) error {
		var w where
		db.oneOf(&w, "person_key", part)
		w.add("person_key <> ''") // the partial index's condition
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT person_key, COUNT(*) FROM warnings`+w.sql()+` GROUP BY person_key`), db.oneShot(w.args)...)
		if err != nil {
			return internal(err)
		}
		type kc struct {
			k string
			n int
		}
		got, err := collect(rows, func(s scanner) (kc, error) {
			var v kc
			err := s.Scan(&v.k, &v.n)
			return v, err
		})
		for _, v := range got {
			out[v.k] = v.n
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// oneOf adds "col is one of vs" to w: IN (…) on SQLite, = ANY of one
// array parameter on PostgreSQL.
func (db *DB) oneOf(w *where, col string, vs []string) {
	if db.postgres && len(vs) > 0 {
		w.add(col+" = ANY(?)", vs)
		return
	}
	w.in(col, vs)
}

// oneShot has PostgreSQL plan a lookup of a batch for its own values (an
// unnamed statement) rather than reuse a connection's cached statement: a
// generic plan made while the table was small scans it whole once it has
// grown, comparing each row with every value of the array.
func (db *DB) oneShot(args []any) []any {
	if !db.postgres {
		return args
	}
	return append([]any{pgx.QueryExecModeExec}, args...)
}

// chunks calls fn with parts of vs that one statement takes: 900 on
// SQLite (its limit of parameters), 10,000 on PostgreSQL (one array).
func (db *DB) chunks(vs []string, fn func([]string) error) error {
	n := 900
	if db.postgres {
		n = 10000
	}
	for start := 0; start < len(vs); start += n {
		if err := fn(vs[start:min(start+n, len(vs))]); err != nil {
			return err
		}
	}
	return nil
}

// PutPreventionRecord stores a record with its event.
func (db *DB) PutPreventionRecord(ctx context.Context, r *precinct.PreventionRecord, ev *precinct.Event) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return err
	}
	stations := ""
	if len(r.StationIDs) > 0 {
		stations = "," + strings.Join(r.StationIDs, ",") + ","
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO prevention_records (id, kind, sub_bureau_id, station_id, police_grid_id, service_station_id, stations, month, at, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), r.ID, r.Kind, r.Location.SubBureauID, r.Location.StationID, r.Location.PoliceGridID,
			r.ServiceStationID, stations, r.Month, micros(r.At), string(doc))
		if err != nil {
			return internal(err)
		}
		if ev == nil {
			return nil
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

func scanRecord(s scanner) (*precinct.PreventionRecord, error) {
	var doc string
	if err := s.Scan(&doc); err != nil {
		return nil, err
	}
	var r precinct.PreventionRecord
	return &r, json.Unmarshal([]byte(doc), &r)
}

// FindPreventionRecord returns one record.
func (db *DB) FindPreventionRecord(ctx context.Context, id string) (*precinct.PreventionRecord, error) {
	r, err := scanRecord(db.read.QueryRowContext(ctx, db.q(`SELECT doc FROM prevention_records WHERE id = ?`), id))
	if err != nil {
		return nil, notFound(err, "记录", "Record", id)
	}
	return r, nil
}

// ListPreventionRecords returns the records f selects, newest first: those
// whose place the scope reaches, or that one of their stations shares.
func (db *DB) ListPreventionRecords(ctx context.Context, f precinct.PreventionRecordFilter) ([]*precinct.PreventionRecord, error) {
	var w where
	if f.Scope.StationID != "" && !f.Scope.All {
		w.scopeOr(f.Scope, scopeCols{"sub_bureau_id", "station_id", "police_grid_id", ""}, "(sub_bureau_id = ? AND stations LIKE ?)",
			f.Scope.SubBureauID, "%,"+f.Scope.StationID+",%")
	} else {
		w.scope(f.Scope, scopeCols{"sub_bureau_id", "station_id", "police_grid_id", ""})
	}
	w.eq("kind", f.Kind)
	w.eq("service_station_id", f.ServiceStationID)
	w.eq("month", f.Month)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT doc FROM prevention_records`+w.sql()+` ORDER BY at DESC, id DESC LIMIT ?`), append(w.args, limit(f.Limit))...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, scanRecord)
}

// ResidentsByHash returns the active residents in scope whose ID number's
// (field "id_number") or phone's (field "phone") keyed hash is one of
// hashes: the lookup of warnings' matching, through the partial hash
// indexes, in no particular order. Only what matching needs is read (see
// matchColumns).
func (db *DB) ResidentsByHash(ctx context.Context, sc precinct.Scope, field string, hashes []string) ([]*precinct.Resident, error) {
	col := "id_hash"
	if field == "phone" {
		col = "phone_hash"
	}
	return db.residentsWhere(ctx, sc, col, hashes, col+" <> ''")
}

// ResidentsByName returns the active residents in scope whose name is one
// of names (the name index), in no particular order, as ResidentsByHash.
func (db *DB) ResidentsByName(ctx context.Context, sc precinct.Scope, names []string) ([]*precinct.Resident, error) {
	return db.residentsWhere(ctx, sc, "name", names, "")
}

func (db *DB) residentsWhere(ctx context.Context, sc precinct.Scope, col string, vals []string, cond string) ([]*precinct.Resident, error) {
	var out []*precinct.Resident
	err := db.chunks(vals, func(part []string) error {
		var w where
		scopeWhere(&w, sc, "", false)
		db.oneOf(&w, col, part)
		if cond != "" {
			w.add(cond)
		}
		w.add("status = ?", string(precinct.StatusActive))
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+matchColumns+` FROM residents`+w.sql()), db.oneShot(w.args)...)
		if err != nil {
			return internal(err)
		}
		rs, err := collect(rows, scanMatch)
		out = append(out, rs...)
		return err
	})
	return out, err
}

// matchColumns are what matching a warning reads of a resident: who, at
// which address and place, and the keyed hashes (a batch reads thousands;
// the whole record would cost several times as much).
const matchColumns = `id, name, address_id, address, sub_bureau_id, station_id, police_grid_id, community_grid_id, lon, lat, id_hash, phone_hash`

func scanMatch(s scanner) (*precinct.Resident, error) {
	r := &precinct.Resident{Record: precinct.Record{Status: precinct.StatusActive}}
	l := &r.Location
	err := s.Scan(&r.ID, &r.Name, &r.AddressID, &r.Address, &l.SubBureauID, &l.StationID, &l.PoliceGridID, &l.CommunityGridID,
		&r.Point.Lon, &r.Point.Lat, &r.SealedID.Hash, &r.SealedPhone.Hash)
	return r, err
}
