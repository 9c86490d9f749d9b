package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"precinct"
)

// The registry (一标三实). Every write goes through applyWrite in one
// transaction; every list applies the filter's Scope in SQL (scopeWhere).

// scopeWhere narrows a query to a scope: nothing for All, no row for an empty
// scope (fail closed), else each level the scope sets. With coarse, rows that
// stop above a level (a township's address has no police grid) match it too,
// as Location.Covers has it.
func scopeWhere(w *where, s precinct.Scope, alias string, coarse bool) {
	if coarse {
		w.scope(s, scopeCols{alias + "sub_bureau_id", alias + "station_id", alias + "police_grid_id", alias + "community_grid_id"})
		return
	}
	if s.All {
		return
	}
	if s.Empty() {
		w.add("1 = 0")
		return
	}
	// Records always carry every level: plain equalities, which the
	// (level, id) indexes serve in ID order.
	w.add(alias+"sub_bureau_id = ?", s.SubBureauID)
	for _, lv := range []struct{ col, v string }{
		{"station_id", s.StationID}, {"police_grid_id", s.PoliceGridID}, {"community_grid_id", s.CommunityGridID},
	} {
		if lv.v != "" {
			w.add(alias+lv.col+" = ?", lv.v)
		}
	}
}

// under adds "col is id or below it" for IDs that are paths (see
// precinct.Address): id itself, or between id+"/" and id+"0" ("0" follows
// "/" in byte order).
func under(w *where, col, id string) {
	if id != "" {
		w.add("("+col+" = ? OR ("+col+" >= ? AND "+col+" < ?))", id, id+"/", id+"0")
	}
}

// prefix adds "col starts with p" as a range, which an index serves.
func prefix(w *where, col, p string) {
	if p != "" {
		w.add(col+" >= ? AND "+col+" < ?", p, p+"\U0010FFFF")
	}
}

func statuses(w *where, col string, ss []precinct.RecordStatus) {
	if ss == nil {
		w.add(col + " <> 'merged'")
		return
	}
	w.in(col, strs(ss))
}

func locArgs(l precinct.Location) []any {
	return []any{l.SubBureauID, l.StationID, l.PoliceGridID, l.CommunityGridID}
}

func nullMicros(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return micros(*t)
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid || v.Int64 == 0 {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// recordColumns are the columns every record has, in this order, after its own.
const recordColumns = `address_id, address, sub_bureau_id, station_id, police_grid_id, community_grid_id, lon, lat, status, verified_at, verification, created_at, created_by, updated_at, version`

func recordArgs(r *precinct.Record) []any {
	return []any{r.AddressID, r.Address, r.Location.SubBureauID, r.Location.StationID, r.Location.PoliceGridID, r.Location.CommunityGridID,
		r.Point.Lon, r.Point.Lat, string(r.Status), nullMicros(r.VerifiedAt), string(r.Verification), micros(r.CreatedAt), r.CreatedBy, micros(r.UpdatedAt), r.Version}
}

// recordScan returns the scan targets of the record columns and a function
// that finishes the record after the scan.
func recordScan(r *precinct.Record) ([]any, func()) {
	var status, verification string
	var verified sql.NullInt64
	var created, updated int64
	dest := []any{&r.AddressID, &r.Address, &r.Location.SubBureauID, &r.Location.StationID, &r.Location.PoliceGridID, &r.Location.CommunityGridID,
		&r.Point.Lon, &r.Point.Lat, &status, &verified, &verification, &created, &r.CreatedBy, &updated, &r.Version}
	return dest, func() {
		r.Status, r.Verification = precinct.RecordStatus(status), precinct.VerifyResult(verification)
		r.VerifiedAt, r.CreatedAt, r.UpdatedAt = timePtr(verified), fromMicros(created), fromMicros(updated)
	}
}

// A table is how one kind of record maps to its table.
type table[T any] struct {
	name    string
	record  bool   // has the record columns
	columns string // own columns, then recordColumns
	args    func(T) []any
	scan    func(scanner) (T, error)
	id      func(T) string
	version func(T) int
}

func (t table[T]) allColumns() string { return t.columns + ", " + recordColumns }

var addressTable = table[*precinct.Address]{
	name: "addresses",
	columns: `id, parent_id, level, name, full_name, division_code, name_key, short_key, lon, lat,
		sub_bureau_id, station_id, police_grid_id, community_grid_id, created_at, created_by`,
	args: func(a *precinct.Address) []any {
		return append([]any{a.ID, a.ParentID, string(a.Level), a.Name, a.FullName, a.DivisionCode, a.NameKey, a.ShortKey, a.Point.Lon, a.Point.Lat},
			append(locArgs(a.Location), micros(a.CreatedAt), a.CreatedBy)...)
	},
	scan: func(s scanner) (*precinct.Address, error) {
		var a precinct.Address
		var level string
		var created int64
		if err := s.Scan(&a.ID, &a.ParentID, &level, &a.Name, &a.FullName, &a.DivisionCode, &a.NameKey, &a.ShortKey, &a.Point.Lon, &a.Point.Lat,
			&a.Location.SubBureauID, &a.Location.StationID, &a.Location.PoliceGridID, &a.Location.CommunityGridID, &created, &a.CreatedBy); err != nil {
			return nil, err
		}
		a.Level, a.CreatedAt = precinct.AddressLevel(level), fromMicros(created)
		if t := a.Level.ElementType(); t != nil {
			a.ElementCode = t.Code
		}
		return &a, nil
	},
	id: func(a *precinct.Address) string { return a.ID },
}

// flagsText stores care flags as ",a,b," so that one is found with LIKE.
func flagsText(fs []precinct.CareFlag) string {
	if len(fs) == 0 {
		return ""
	}
	return "," + strings.Join(strs(fs), ",") + ","
}

func flagsOf(s string) []precinct.CareFlag {
	var out []precinct.CareFlag
	for _, f := range strings.Split(strings.Trim(s, ","), ",") {
		if f != "" {
			out = append(out, precinct.CareFlag(f))
		}
	}
	return out
}

var residentTable = table[*precinct.Resident]{
	name:   "residents",
	record: true,
	columns: `id, name, gender, birth_date, kind, doc_type, id_masked, id_sealed, id_hash, phone_masked, phone_sealed, phone_hash,
		nationality, house_id, relation, flags, note, merged_into, familiarity`,
	args: func(r *precinct.Resident) []any {
		return append([]any{r.ID, r.Name, r.Gender, r.BirthDate, string(r.Kind), string(r.DocType),
			r.SealedID.Masked, r.SealedID.Sealed, r.SealedID.Hash, r.SealedPhone.Masked, r.SealedPhone.Sealed, r.SealedPhone.Hash,
			r.Nationality, r.HouseID, string(r.Relation), flagsText(r.Flags), r.Note, r.MergedInto, r.Familiarity}, recordArgs(&r.Record)...)
	},
	scan: func(s scanner) (*precinct.Resident, error) {
		var r precinct.Resident
		var kind, doc, relation, flags string
		rec, finish := recordScan(&r.Record)
		if err := s.Scan(append([]any{&r.ID, &r.Name, &r.Gender, &r.BirthDate, &kind, &doc,
			&r.SealedID.Masked, &r.SealedID.Sealed, &r.SealedID.Hash, &r.SealedPhone.Masked, &r.SealedPhone.Sealed, &r.SealedPhone.Hash,
			&r.Nationality, &r.HouseID, &relation, &flags, &r.Note, &r.MergedInto, &r.Familiarity}, rec...)...); err != nil {
			return nil, err
		}
		finish()
		r.Kind, r.DocType, r.Relation, r.Flags = precinct.ResidentKind(kind), precinct.DocumentType(doc), precinct.HouseRelation(relation), flagsOf(flags)
		r.IDNumber, r.Phone = r.SealedID.Masked, r.SealedPhone.Masked
		return &r, nil
	},
	id:      func(r *precinct.Resident) string { return r.ID },
	version: func(r *precinct.Resident) int { return r.Version },
}

var houseTable = table[*precinct.House]{
	name:    "houses",
	record:  true,
	columns: `id, use, owner_name, owner_resident_id, phone_masked, phone_sealed, phone_hash, rental_registered, area_m2, note`,
	args: func(h *precinct.House) []any {
		return append([]any{h.ID, string(h.Use), h.OwnerName, h.OwnerResidentID, h.SealedOwnerPhone.Masked, h.SealedOwnerPhone.Sealed, h.SealedOwnerPhone.Hash,
			boolInt(h.RentalRegistered), h.AreaM2, h.Note}, recordArgs(&h.Record)...)
	},
	scan: func(s scanner) (*precinct.House, error) {
		var h precinct.House
		var use string
		var rental int64
		rec, finish := recordScan(&h.Record)
		if err := s.Scan(append([]any{&h.ID, &use, &h.OwnerName, &h.OwnerResidentID, &h.SealedOwnerPhone.Masked, &h.SealedOwnerPhone.Sealed,
			&h.SealedOwnerPhone.Hash, &rental, &h.AreaM2, &h.Note}, rec...)...); err != nil {
			return nil, err
		}
		finish()
		h.Use, h.RentalRegistered, h.OwnerPhone = precinct.HouseUse(use), rental != 0, h.SealedOwnerPhone.Masked
		return &h, nil
	},
	id:      func(h *precinct.House) string { return h.ID },
	version: func(h *precinct.House) int { return h.Version },
}

var organisationTable = table[*precinct.Organisation]{
	name:   "organisations",
	record: true,
	columns: `id, name, kind, credit_code, credit_code_checked, legal_rep, phone_masked, phone_sealed, phone_hash,
		key_unit, security_responsibility, employees, note`,
	args: func(o *precinct.Organisation) []any {
		return append([]any{o.ID, o.Name, string(o.Kind), o.CreditCode, boolInt(o.CreditCodeChecked), o.LegalRep,
			o.SealedPhone.Masked, o.SealedPhone.Sealed, o.SealedPhone.Hash, boolInt(o.KeyUnit), boolInt(o.SecurityResponsibility), o.Employees, o.Note},
			recordArgs(&o.Record)...)
	},
	scan: func(s scanner) (*precinct.Organisation, error) {
		var o precinct.Organisation
		var kind string
		var checked, key, sec int64
		rec, finish := recordScan(&o.Record)
		if err := s.Scan(append([]any{&o.ID, &o.Name, &kind, &o.CreditCode, &checked, &o.LegalRep,
			&o.SealedPhone.Masked, &o.SealedPhone.Sealed, &o.SealedPhone.Hash, &key, &sec, &o.Employees, &o.Note}, rec...)...); err != nil {
			return nil, err
		}
		finish()
		o.Kind, o.CreditCodeChecked, o.KeyUnit, o.SecurityResponsibility = precinct.OrgKind(kind), checked != 0, key != 0, sec != 0
		o.LegalRepPhone = o.SealedPhone.Masked
		return &o, nil
	},
	id:      func(o *precinct.Organisation) string { return o.ID },
	version: func(o *precinct.Organisation) int { return o.Version },
}

// selectFrom is the start of a query of every column of t.
func (t table[T]) selectFrom() string { return `SELECT ` + t.allColumns() + ` FROM ` + t.name }

// insertAll writes rows of a table with multi-row INSERTs.
func insertAll[T any](ctx context.Context, b *batchInserter, t table[T], items []T) error {
	if len(items) == 0 {
		return nil
	}
	cols := t.columns
	if t.record {
		cols = t.allColumns()
	}
	rows := make([][]any, len(items))
	for i, it := range items {
		rows[i] = t.args(it)
	}
	return b.insert(ctx, t.name, cols, rows)
}

// updateAll rewrites records whose stored version is one less than theirs.
func updateAll[T any](ctx context.Context, db *DB, tx *sql.Tx, t table[T], items []T) error {
	if len(items) == 0 {
		return nil
	}
	cols := strings.Split(t.allColumns(), ",")
	set := make([]string, 0, len(cols)-1)
	for _, c := range cols[1:] {
		set = append(set, strings.TrimSpace(c)+" = ?")
	}
	stmt, err := tx.PrepareContext(ctx, db.q(`UPDATE `+t.name+` SET `+strings.Join(set, ", ")+` WHERE id = ? AND version = ?`))
	if err != nil {
		return internal(err)
	}
	defer stmt.Close()
	for _, it := range items {
		args := t.args(it)
		res, err := stmt.ExecContext(ctx, append(args[1:], t.id(it), t.version(it)-1)...)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return precinct.FieldErrorf(precinct.ECONFLICT, "version", "记录已被他人修改（或不存在）：%s，请刷新后重试",
				"The record was changed by someone else (or does not exist): %s; reload and try again.", t.id(it))
		}
	}
	return nil
}

// batchInserter writes many rows with multi-row INSERT statements, each
// prepared once per shape within the transaction.
type batchInserter struct {
	db    *DB
	tx    *sql.Tx
	conn  *sql.Conn // the transaction's connection, for COPY on PostgreSQL (or nil)
	stmts map[string]*sql.Stmt
}

func newBatchInserter(db *DB, tx *sql.Tx) *batchInserter {
	return &batchInserter{db: db, tx: tx, stmts: map[string]*sql.Stmt{}}
}

func (b *batchInserter) close() {
	for _, s := range b.stmts {
		s.Close()
	}
}

// maxParams keeps a statement under SQLite's limit of 32766 parameters.
const maxParams = 30000

func (b *batchInserter) insert(ctx context.Context, tableName, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if b.conn != nil && len(rows) >= copyAfter {
		return b.copyRows(ctx, tableName, cols, rows)
	}
	n := len(rows[0])
	per := maxParams / n
	if per > 500 {
		per = 500
	}
	for len(rows) > 0 {
		k := min(per, len(rows))
		key := tableName + "|" + cols + "|" + string(rune(k))
		stmt, ok := b.stmts[key]
		if !ok {
			one := "(" + placeholders(n) + ")"
			// On SQLite, OR ROLLBACK: a row that breaks a constraint ends
			// the whole transaction, as any error of a registry write does,
			// so SQLite keeps no statement journal to undo the statement
			// alone (a third of a bulk import's writing time).
			verb := `INSERT INTO `
			if !b.db.postgres {
				verb = `INSERT OR ROLLBACK INTO `
			}
			q := verb + tableName + ` (` + cols + `) VALUES ` + strings.TrimSuffix(strings.Repeat(one+", ", k), ", ")
			var err error
			if stmt, err = b.tx.PrepareContext(ctx, b.db.q(q)); err != nil {
				return internal(err)
			}
			b.stmts[key] = stmt
		}
		args := make([]any, 0, k*n)
		for _, r := range rows[:k] {
			args = append(args, r...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			if isUnique(err) {
				return precinct.Errorf(precinct.ECONFLICT, "记录已存在（%s）", "The record already exists (%s).", tableName)
			}
			return internal(err)
		}
		rows = rows[k:]
	}
	return nil
}

// copyAfter is how many rows make insert use COPY on PostgreSQL.
const copyAfter = 50

// copyRows writes rows with PostgreSQL's COPY protocol on the
// transaction's own connection: the values travel in binary, with no
// statement to parse and plan, which makes a bulk import's writes about
// twice as fast as multi-row INSERTs of the same rows.
func (b *batchInserter) copyRows(ctx context.Context, tableName, cols string, rows [][]any) error {
	names := strings.Split(cols, ",")
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
	}
	err := b.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqldb: COPY needs a pgx connection, not %T", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{tableName}, names, pgx.CopyFromRows(rows))
		return err
	})
	if isUnique(err) {
		return precinct.Errorf(precinct.ECONFLICT, "记录已存在（%s）", "The record already exists (%s).", tableName)
	}
	return internal(err)
}

// ApplyRegistry applies one registry write in one transaction.
func (db *DB) ApplyRegistry(ctx context.Context, w *precinct.RegistryWrite) (string, error) {
	var replay string
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		b := newBatchInserter(db, tx)
		defer b.close()
		var err error
		replay, err = db.applyWrite(ctx, tx, b, w)
		return err
	})
	return replay, err
}

// ApplyRegistryBatches runs fn in one transaction, applying every write it
// passes.
func (db *DB) ApplyRegistryBatches(ctx context.Context, fn func(apply func(*precinct.RegistryWrite) error) error) error {
	rows := map[string]int{}
	err := db.inConnTx(ctx, func(conn *sql.Conn, tx *sql.Tx) error {
		if !db.postgres {
			// A bulk write touches index pages all over the tables (keyed
			// hashes and names land anywhere): give it a page cache of up
			// to 1 GiB, taken only as the pages are read (a district of a
			// million people is about 2 GiB, its indexes under half), and
			// the connection its usual one after. With 256 MiB, the fourth
			// 200,000 people of a district took 2.3 times as long to import
			// as the first.
			var was int
			if err := tx.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&was); err != nil {
				return internal(err)
			}
			if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -1048576`); err != nil {
				return internal(err)
			}
			defer tx.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = `+strconv.Itoa(was))
		}
		b := newBatchInserter(db, tx)
		if db.postgres {
			b.conn = conn
		}
		defer b.close()
		return fn(func(w *precinct.RegistryWrite) error {
			rows["addresses"] += len(w.NewAddresses)
			rows["address_names"] += len(w.NewAddresses)
			rows["residents"] += len(w.NewResidents)
			rows["houses"] += len(w.NewHouses)
			rows["organisations"] += len(w.NewOrganisations)
			_, err := db.applyWrite(ctx, tx, b, w)
			return err
		})
	})
	var grown []string
	for _, t := range []string{"addresses", "address_names", "residents", "houses", "organisations"} {
		if rows[t] >= analyzeAfterRows {
			grown = append(grown, t)
		}
	}
	if err == nil && db.postgres && len(grown) > 0 {
		// PostgreSQL plans by statistics that autovacuum gathers only some
		// time after a bulk load; until then a search may take the wrong
		// plan (an address search of a freshly imported district took 30
		// times longer). Gather them now for the tables that grew; a
		// failure only leaves them stale.
		_, _ = db.write.ExecContext(ctx, `ANALYZE `+strings.Join(grown, ", "))
	}
	return err
}

// inConnTx is inTx with the transaction's connection, which a bulk write
// on PostgreSQL uses for COPY.
func (db *DB) inConnTx(ctx context.Context, fn func(*sql.Conn, *sql.Tx) error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return internal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return internal(err)
	}
	if err := fn(conn, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return internal(err)
	}
	return nil
}

// analyzeAfterRows is how many records a batched write adds before the
// registry's statistics are gathered again on PostgreSQL.
const analyzeAfterRows = 5000

func (db *DB) applyWrite(ctx context.Context, tx *sql.Tx, b *batchInserter, w *precinct.RegistryWrite) (string, error) {
	if w.IdempotencyKey != "" {
		res, err := tx.ExecContext(ctx, db.q(`INSERT INTO registry_requests (actor, key, entity_type, entity_id, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (actor, key) DO NOTHING`),
			w.Actor, w.IdempotencyKey, string(w.EntityType), w.EntityID, micros(db.clock.Now()))
		if err != nil {
			return "", internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var id string
			err := tx.QueryRowContext(ctx, db.q(`SELECT entity_id FROM registry_requests WHERE actor = ? AND key = ?`), w.Actor, w.IdempotencyKey).Scan(&id)
			return id, internal(err)
		}
	}
	if err := insertAll(ctx, b, addressTable, w.NewAddresses); err != nil {
		return "", err
	}
	var names [][]any
	for _, a := range w.NewAddresses {
		if a.Level.Place() && a.Level != precinct.AddressRoad && a.Level != precinct.AddressCompound && a.Level != precinct.AddressHamlet {
			continue
		}
		seen := map[string]bool{}
		for _, k := range []string{a.NameKey, a.ShortKey} {
			if k != "" && !seen[k] {
				seen[k] = true
				names = append(names, []any{k, a.ID})
			}
		}
	}
	if err := b.insert(ctx, "address_names", "key, address_id", names); err != nil {
		return "", err
	}
	for _, err := range []error{
		insertAll(ctx, b, residentTable, w.NewResidents),
		insertAll(ctx, b, houseTable, w.NewHouses),
		insertAll(ctx, b, organisationTable, w.NewOrganisations),
		updateAll(ctx, db, tx, residentTable, w.Residents),
		updateAll(ctx, db, tx, houseTable, w.Houses),
		updateAll(ctx, db, tx, organisationTable, w.Organisations),
	} {
		if err != nil {
			return "", err
		}
	}
	var tenancies [][]any
	for _, t := range w.NewTenancies {
		tenancies = append(tenancies, []any{t.ID, t.HouseID, t.ResidentID, t.Name, t.From, t.To, micros(t.RecordedAt), t.RecordedBy})
	}
	if err := b.insert(ctx, "tenancies", "id, house_id, resident_id, name, from_date, to_date, recorded_at, recorded_by", tenancies); err != nil {
		return "", err
	}
	for _, t := range w.EndedTenancies {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE tenancies SET to_date = ? WHERE id = ? AND house_id = ? AND to_date = ''`), t.To, t.ID, t.HouseID)
		if err != nil {
			return "", internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return "", precinct.FieldErrorf(precinct.ECONFLICT, "tenancy", "租住记录不存在或已结束：%s", "The tenancy does not exist or has ended: %s", t.ID)
		}
	}
	if w.Visit != nil {
		if err := db.insertVisit(ctx, tx, b, w.Visit); err != nil {
			return "", err
		}
	}
	var changes [][]any
	for _, c := range w.Changes {
		changes = append(changes, append([]any{c.ID, string(c.EntityType), c.EntityID, string(c.Kind), c.Effective, micros(c.At), c.Actor, c.VisitID,
			c.AddressID, c.Address, jsonText(c.Fields), c.OtherID, c.Note}, locArgs(c.Location)...))
	}
	if err := b.insert(ctx, "registry_changes", `id, entity_type, entity_id, kind, effective, at, actor, visit_id, address_id, address, fields, other_id, note,
		sub_bureau_id, station_id, police_grid_id, community_grid_id`, changes); err != nil {
		return "", err
	}
	return "", db.appendEvents(ctx, tx, w.Events)
}

// insertVisit stores a visit with what it found, and applies the findings to
// the records: when each was verified and with what result (a record found
// gone leaves the active ones), and each resident's latest familiarity.
// These touch no record's version: a correction made offline during the same
// visit still applies.
func (db *DB) insertVisit(ctx context.Context, tx *sql.Tx, b *batchInserter, v *precinct.Visit) error {
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO visits (id, at, by_user, lon, lat, sub_bureau_id, station_id, police_grid_id, community_grid_id,
		address_id, address, house_id, organisation_id, resident_ids, purpose, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		append(append([]any{v.ID, micros(v.At), v.By, v.Point.Lon, v.Point.Lat}, locArgs(v.Location)...),
			v.AddressID, v.Address, v.HouseID, v.OrganisationID, jsonText(v.ResidentIDs), string(v.Purpose), v.Note, micros(v.RecordedAt))...)
	if isUnique(err) {
		return precinct.FieldErrorf(precinct.ECONFLICT, "id", "走访记录编号已被使用：%s", "The visit ID is taken: %s", v.ID)
	} else if err != nil {
		return internal(err)
	}
	var rows [][]any
	for i, x := range v.Verifications {
		rows = append(rows, append([]any{v.ID + "-v" + strconv.Itoa(i), v.ID, string(x.EntityType), x.EntityID, string(x.Result), x.Note, micros(v.At), v.By}, locArgs(x.Location)...))
		tableName := map[precinct.RegistryEntity]string{precinct.EntityResident: "residents", precinct.EntityHouse: "houses", precinct.EntityOrganisation: "organisations"}[x.EntityType]
		if tableName == "" {
			return precinct.FieldErrorf(precinct.EINVALID, "verifications", "无法核实此类记录：%s", "Records of this kind cannot be verified: %s", x.EntityType)
		}
		status := "status"
		if x.Result == precinct.VerifyGone {
			status = "'gone'"
			if x.EntityType == precinct.EntityResident {
				status = "'moved_out'"
			}
		}
		res, err := tx.ExecContext(ctx, db.q(`UPDATE `+tableName+` SET verified_at = ?, verification = ?, status = `+status+` WHERE id = ?`),
			micros(v.At), string(x.Result), x.EntityID)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return precinct.ErrNotFound("记录", "Record", x.EntityID)
		}
	}
	if err := b.insert(ctx, "verifications", `id, visit_id, entity_type, entity_id, result, note, at, by_user,
		sub_bureau_id, station_id, police_grid_id, community_grid_id`, rows); err != nil {
		return err
	}
	rows = nil
	for i, f := range v.Familiarity {
		rows = append(rows, append([]any{v.ID + "-f" + strconv.Itoa(i), v.ID, f.ResidentID, boolInt(f.KnowsOfficer), boolInt(f.OfficerKnows), micros(v.At), v.By}, locArgs(f.Location)...))
		level := "none"
		switch {
		case f.KnowsOfficer && f.OfficerKnows:
			level = "two_way"
		case f.KnowsOfficer || f.OfficerKnows:
			level = "one_way"
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE residents SET familiarity = ? WHERE id = ?`), level, f.ResidentID); err != nil {
			return internal(err)
		}
	}
	if err := b.insert(ctx, "familiarity", `id, visit_id, resident_id, knows_officer, officer_knows, at, by_user,
		sub_bureau_id, station_id, police_grid_id, community_grid_id`, rows); err != nil {
		return err
	}
	rows = nil
	for i, c := range v.Cards {
		rows = append(rows, append([]any{v.ID + "-c" + strconv.Itoa(i), v.ID, c.ResidentID, c.HouseID, micros(v.At), v.By}, locArgs(c.Location)...))
	}
	return b.insert(ctx, "contact_cards", `id, visit_id, resident_id, house_id, at, by_user, sub_bureau_id, station_id, police_grid_id, community_grid_id`, rows)
}

// findOne reads one record of a table by ID.
func findOne[T any](ctx context.Context, db *DB, t table[T], id, zh, en string) (T, error) {
	v, err := t.scan(db.read.QueryRowContext(ctx, db.q(t.selectFrom()+` WHERE id = ?`), id))
	return v, notFound(err, zh, en, id)
}

// FindAddress returns one address.
func (db *DB) FindAddress(ctx context.Context, id string) (*precinct.Address, error) {
	a, err := addressTable.scan(db.read.QueryRowContext(ctx, db.q(`SELECT `+addressTable.columns+` FROM addresses WHERE id = ?`), id))
	return a, notFound(err, "标准地址", "Standard address", id)
}

// FindAddresses returns the addresses of the IDs that exist, in no order.
func (db *DB) FindAddresses(ctx context.Context, ids []string) ([]*precinct.Address, error) {
	return addressesByID(ctx, db, addressTable.columns, ids, addressTable.scan)
}

// PlacesOf returns the addresses with the IDs, only the columns that place
// a record: about half of them, which on SQLite is half of the time of
// reading them.
func (db *DB) PlacesOf(ctx context.Context, ids []string) ([]*precinct.Address, error) {
	return addressesByID(ctx, db, `id, level, full_name, lon, lat, sub_bureau_id, station_id, police_grid_id, community_grid_id`, ids,
		func(s scanner) (*precinct.Address, error) {
			var a precinct.Address
			var level string
			if err := s.Scan(&a.ID, &level, &a.FullName, &a.Point.Lon, &a.Point.Lat,
				&a.Location.SubBureauID, &a.Location.StationID, &a.Location.PoliceGridID, &a.Location.CommunityGridID); err != nil {
				return nil, err
			}
			a.Level = precinct.AddressLevel(level)
			if t := a.Level.ElementType(); t != nil {
				a.ElementCode = t.Code
			}
			return &a, nil
		})
}

func addressesByID(ctx context.Context, db *DB, cols string, ids []string, scan func(scanner) (*precinct.Address, error)) ([]*precinct.Address, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, arg, err := db.inList("id", ids)
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+cols+` FROM addresses WHERE `+in), arg)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, scan)
}

// ListAddresses returns a page of addresses in scope, by ID.
func (db *DB) ListAddresses(ctx context.Context, f precinct.AddressFilter) ([]*precinct.Address, string, error) {
	var w where
	scopeWhere(&w, f.Scope, "", true)
	w.eq("parent_id", f.ParentID)
	w.eq("level", string(f.Level))
	w.eq("name_key", f.NameKey)
	if f.Under != "" {
		w.add("id >= ? AND id < ?", f.Under+"/", f.Under+"0")
	}
	return page(ctx, db, `SELECT `+addressTable.columns+` FROM addresses`, w, f.Cursor, f.Limit, addressTable.scan, addressTable.id)
}

// AddressCandidates returns the elements above the building level, in
// scope, whose key occurs in text.
func (db *DB) AddressCandidates(ctx context.Context, s precinct.Scope, text string, n int) ([]*precinct.Address, error) {
	if text == "" {
		return nil, nil
	}
	var w where
	scopeWhere(&w, s, "a.", true)
	find := `instr(?, k.key) > 0`
	if db.postgres {
		find = `strpos(?, k.key) > 0`
	}
	w.add(find, text)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT DISTINCT `+prefixed("a.", addressTable.columns)+` FROM address_names k JOIN addresses a ON a.id = k.address_id`+
		w.sql()+` ORDER BY a.id LIMIT ?`), append(w.args, limit(n))...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, addressTable.scan)
}

// prefixed qualifies every column of a list with alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// FindResident returns one resident as stored.
func (db *DB) FindResident(ctx context.Context, id string) (*precinct.Resident, error) {
	return findOne(ctx, db, residentTable, id, "人员", "Resident")
}

// ListResidents returns a page of residents in scope, by ID.
func (db *DB) ListResidents(ctx context.Context, f precinct.ResidentFilter) ([]*precinct.Resident, string, error) {
	var w where
	// A search by a key (hash, name, address, house) reads that key's index
	// and checks the scope on the rows found. SQLite's planner, with no
	// statistics, would rather walk the scope's (level, id) index in ID
	// order and test every row of a station: the unary plus keeps it off
	// those indexes. PostgreSQL's planner chooses by its statistics.
	alias := ""
	if !db.postgres && (f.IDHashes != nil || f.PhoneHashes != nil || f.NamePrefix != "" || f.Address != "" || f.AddressIDs != nil || f.HouseID != "") {
		alias = "+"
	}
	scopeWhere(&w, f.Scope, alias, false)
	if f.IDHashes != nil {
		w.add("id_hash <> ''") // the partial index's condition
		w.in("id_hash", f.IDHashes)
	}
	if f.PhoneHashes != nil {
		w.add("phone_hash <> ''")
		w.in("phone_hash", f.PhoneHashes)
	}
	prefix(&w, "name", f.NamePrefix)
	under(&w, "address_id", f.Address)
	if f.AddressIDs != nil {
		w.in("address_id", f.AddressIDs)
	}
	w.eq("house_id", f.HouseID)
	w.eq("kind", string(f.Kind))
	if f.Flag != "" {
		w.add("flags LIKE ?", "%,"+string(f.Flag)+",%")
	}
	statuses(&w, "status", f.Statuses)
	return page(ctx, db, residentTable.selectFrom(), w, f.Cursor, f.Limit, residentTable.scan, residentTable.id)
}

// FindDuplicates returns the residents (not merged) with one of the ID
// hashes, or with the same name and birth date at the same address.
func (db *DB) FindDuplicates(ctx context.Context, q precinct.DuplicateQuery) ([]*precinct.Resident, error) {
	var ors []string
	var args []any
	if len(q.IDHashes) > 0 {
		ors = append(ors, "id_hash IN ("+placeholders(len(q.IDHashes))+")")
		for _, h := range q.IDHashes {
			args = append(args, h)
		}
	}
	if q.Name != "" && q.BirthDate != "" && q.AddressID != "" {
		ors = append(ors, "(address_id = ? AND name = ? AND birth_date = ?)")
		args = append(args, q.AddressID, q.Name, q.BirthDate)
	}
	if len(ors) == 0 {
		return nil, nil
	}
	rows, err := db.read.QueryContext(ctx, db.q(residentTable.selectFrom()+` WHERE status <> 'merged' AND id <> ? AND (`+strings.Join(ors, " OR ")+`) ORDER BY id LIMIT 20`),
		append([]any{q.ExceptID}, args...)...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, residentTable.scan)
}

// ResidentKeys returns the keys of the residents (not merged) with one of
// the ID hashes, or of one of the names at its address, in one query: each
// half seeks its index (the partial index on id_hash, the (address_id,
// name) index, by both columns, so that the people of other names at the
// addresses are not read) and returns only the columns the duplicate rules
// compare.
func (db *DB) ResidentKeys(ctx context.Context, idHashes []string, names []precinct.NameAt) ([]precinct.ResidentKey, error) {
	q, args, err := db.residentKeysQuery(idHashes, names)
	if err != nil || q == "" {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (precinct.ResidentKey, error) {
		var k precinct.ResidentKey
		err := s.Scan(&k.ID, &k.IDHash, &k.Name, &k.BirthDate, &k.AddressID, &k.Status)
		return k, err
	})
}

// residentKeysQuery is the statement of ResidentKeys ("" when nothing is
// asked).
func (db *DB) residentKeysQuery(idHashes []string, names []precinct.NameAt) (string, []any, error) {
	const cols = `SELECT id, id_hash, name, birth_date, address_id, status FROM residents WHERE status <> 'merged' AND `
	var parts []string
	var args []any
	if len(idHashes) > 0 {
		in, arg, err := db.inList("id_hash", idHashes)
		if err != nil {
			return "", nil, err
		}
		parts, args = append(parts, cols+`id_hash <> '' AND `+in), append(args, arg)
	}
	if len(names) > 0 {
		if db.postgres {
			ns, as := make([]string, len(names)), make([]string, len(names))
			for i, n := range names {
				ns[i], as[i] = n.Name, n.AddressID
			}
			parts, args = append(parts, cols+`(address_id, name) IN (SELECT * FROM unnest(?::text[], ?::text[]))`), append(args, as, ns)
		} else {
			pairs := make([][2]string, len(names))
			for i, n := range names {
				pairs[i] = [2]string{n.AddressID, n.Name}
			}
			b, err := json.Marshal(pairs)
			if err != nil {
				return "", nil, internal(err)
			}
			parts, args = append(parts, cols+`(address_id, name) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`), append(args, string(b))
		}
	}
	if len(parts) == 0 {
		return "", nil, nil
	}
	return db.q(strings.Join(parts, " UNION ALL ")), args, nil
}

// inList is "col is one of vs" as one parameter, for the long lists of
// an import (thousands of keys a batch): a statement of thousands of
// placeholders costs more to parse, bind and (on PostgreSQL) send and plan
// than the lookups themselves. PostgreSQL takes a text array, SQLite a
// JSON array read by json_each; both then look each value up in col's
// index.
func (db *DB) inList(col string, vs []string) (string, any, error) {
	if db.postgres {
		return col + ` = ANY(?)`, vs, nil
	}
	b, err := json.Marshal(vs)
	if err != nil {
		return "", nil, internal(err)
	}
	return col + ` IN (SELECT value FROM json_each(?))`, string(b), nil
}

// FindHouse returns one house with its tenancies, latest first.
func (db *DB) FindHouse(ctx context.Context, id string) (*precinct.House, error) {
	h, err := findOne(ctx, db, houseTable, id, "房屋", "House")
	if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, house_id, resident_id, name, from_date, to_date, recorded_at, recorded_by FROM tenancies WHERE house_id = ? ORDER BY from_date DESC, id`), id)
	if err != nil {
		return nil, internal(err)
	}
	ts, err := collect(rows, func(s scanner) (precinct.Tenancy, error) {
		var t precinct.Tenancy
		var at int64
		err := s.Scan(&t.ID, &t.HouseID, &t.ResidentID, &t.Name, &t.From, &t.To, &at, &t.RecordedBy)
		t.RecordedAt = fromMicros(at)
		return t, err
	})
	h.Tenants = ts
	return h, err
}

// ListHouses returns a page of houses in scope, by ID.
func (db *DB) ListHouses(ctx context.Context, f precinct.HouseFilter) ([]*precinct.House, string, error) {
	var w where
	scopeWhere(&w, f.Scope, "", false)
	under(&w, "address_id", f.Address)
	if f.AddressIDs != nil {
		w.in("address_id", f.AddressIDs)
	}
	w.eq("use", string(f.Use))
	if f.OwnerPhoneHashes != nil {
		w.in("phone_hash", f.OwnerPhoneHashes)
	}
	statuses(&w, "status", f.Statuses)
	return page(ctx, db, houseTable.selectFrom(), w, f.Cursor, f.Limit, houseTable.scan, houseTable.id)
}

// FindOrganisation returns one organisation.
func (db *DB) FindOrganisation(ctx context.Context, id string) (*precinct.Organisation, error) {
	return findOne(ctx, db, organisationTable, id, "单位", "Organisation")
}

// ListOrganisations returns a page of organisations in scope, by ID.
func (db *DB) ListOrganisations(ctx context.Context, f precinct.OrganisationFilter) ([]*precinct.Organisation, string, error) {
	var w where
	scopeWhere(&w, f.Scope, "", false)
	under(&w, "address_id", f.Address)
	w.eq("kind", string(f.Kind))
	prefix(&w, "name", f.NamePrefix)
	w.eq("credit_code", f.CreditCode)
	if f.CreditCodes != nil {
		w.in("credit_code", f.CreditCodes)
	}
	if f.KeyUnit {
		w.add("key_unit = 1")
	}
	if f.PhoneHashes != nil {
		w.in("phone_hash", f.PhoneHashes)
	}
	statuses(&w, "status", f.Statuses)
	return page(ctx, db, organisationTable.selectFrom(), w, f.Cursor, f.Limit, organisationTable.scan, organisationTable.id)
}

const visitColumns = `id, at, by_user, lon, lat, sub_bureau_id, station_id, police_grid_id, community_grid_id, address_id, address, house_id, organisation_id, resident_ids, purpose, note, recorded_at`

func scanVisit(s scanner) (*precinct.Visit, error) {
	var v precinct.Visit
	var at, recorded int64
	var ids, purpose string
	if err := s.Scan(&v.ID, &at, &v.By, &v.Point.Lon, &v.Point.Lat, &v.Location.SubBureauID, &v.Location.StationID, &v.Location.PoliceGridID,
		&v.Location.CommunityGridID, &v.AddressID, &v.Address, &v.HouseID, &v.OrganisationID, &ids, &purpose, &v.Note, &recorded); err != nil {
		return nil, err
	}
	v.At, v.RecordedAt, v.Purpose = fromMicros(at), fromMicros(recorded), precinct.VisitPurpose(purpose)
	if err := json.Unmarshal([]byte(ids), &v.ResidentIDs); err != nil {
		return nil, err
	}
	if len(v.ResidentIDs) == 0 {
		v.ResidentIDs = nil
	}
	return &v, nil
}

// FindVisit returns one visit with what it found.
func (db *DB) FindVisit(ctx context.Context, id string) (*precinct.Visit, error) {
	v, err := scanVisit(db.read.QueryRowContext(ctx, db.q(`SELECT `+visitColumns+` FROM visits WHERE id = ?`), id))
	if err != nil {
		return nil, notFound(err, "走访记录", "Visit", id)
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT entity_type, entity_id, result, note FROM verifications WHERE visit_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, internal(err)
	}
	if v.Verifications, err = collect(rows, func(s scanner) (precinct.Verification, error) {
		var x precinct.Verification
		var t, r string
		err := s.Scan(&t, &x.EntityID, &r, &x.Note)
		x.EntityType, x.Result, x.Location = precinct.RegistryEntity(t), precinct.VerifyResult(r), v.Location
		return x, err
	}); err != nil {
		return nil, err
	}
	rows, err = db.read.QueryContext(ctx, db.q(`SELECT resident_id, knows_officer, officer_knows FROM familiarity WHERE visit_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, internal(err)
	}
	if v.Familiarity, err = collect(rows, func(s scanner) (precinct.FamiliarityAnswer, error) {
		var f precinct.FamiliarityAnswer
		var a, b int64
		err := s.Scan(&f.ResidentID, &a, &b)
		f.KnowsOfficer, f.OfficerKnows = a != 0, b != 0
		return f, err
	}); err != nil {
		return nil, err
	}
	rows, err = db.read.QueryContext(ctx, db.q(`SELECT resident_id, house_id FROM contact_cards WHERE visit_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, internal(err)
	}
	v.Cards, err = collect(rows, func(s scanner) (precinct.ContactCard, error) {
		var c precinct.ContactCard
		return c, s.Scan(&c.ResidentID, &c.HouseID)
	})
	return v, err
}

// ListVisits returns a page of visits in scope, latest first.
func (db *DB) ListVisits(ctx context.Context, f precinct.VisitFilter) ([]*precinct.Visit, string, error) {
	var w where
	scopeWhere(&w, f.Scope, "", false)
	w.eq("by_user", f.By)
	if !f.Since.IsZero() {
		w.add("at >= ?", micros(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("at < ?", micros(f.Until))
	}
	if f.EntityID != "" {
		w.add(`(house_id = ? OR organisation_id = ? OR id IN (SELECT visit_id FROM verifications WHERE entity_id = ?) OR resident_ids LIKE ?)`,
			f.EntityID, f.EntityID, f.EntityID, `%"`+f.EntityID+`"%`)
	}
	parts, err := parseCursor(f.Cursor, 2)
	if err != nil {
		return nil, "", err
	}
	if parts != nil {
		w.add("(at < ? OR (at = ? AND id < ?))", parts[0], parts[0], parts[1])
	}
	n := limit(f.Limit)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+visitColumns+` FROM visits`+w.sql()+` ORDER BY at DESC, id DESC LIMIT ?`), append(w.args, n+1)...)
	if err != nil {
		return nil, "", internal(err)
	}
	items, err := collect(rows, scanVisit)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > n {
		items = items[:n]
		last := items[n-1]
		next = cursor(strconv.FormatInt(micros(last.At), 10), last.ID)
	}
	return items, next, nil
}

// History returns the changes of the records, oldest first.
func (db *DB) History(ctx context.Context, t precinct.RegistryEntity, ids []string) ([]*precinct.RecordChange, error) {
	var w where
	w.eq("entity_type", string(t))
	w.in("entity_id", ids)
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, entity_type, entity_id, kind, effective, at, actor, visit_id, address_id, address, fields, other_id, note,
		sub_bureau_id, station_id, police_grid_id, community_grid_id FROM registry_changes`+w.sql()+` ORDER BY at, id`), w.args...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (*precinct.RecordChange, error) {
		var c precinct.RecordChange
		var et, kind, fields string
		var at int64
		if err := s.Scan(&c.ID, &et, &c.EntityID, &kind, &c.Effective, &at, &c.Actor, &c.VisitID, &c.AddressID, &c.Address, &fields, &c.OtherID, &c.Note,
			&c.Location.SubBureauID, &c.Location.StationID, &c.Location.PoliceGridID, &c.Location.CommunityGridID); err != nil {
			return nil, err
		}
		c.EntityType, c.Kind, c.At = precinct.RegistryEntity(et), precinct.ChangeKind(kind), fromMicros(at)
		if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
			return nil, err
		}
		if len(c.Fields) == 0 {
			c.Fields = nil
		}
		return &c, nil
	})
}

// gridKey is a community grid's location as a map key.
func gridKey(l precinct.Location) string {
	return l.SubBureauID + "|" + l.StationID + "|" + l.PoliceGridID + "|" + l.CommunityGridID
}

// Accuracy counts, per community grid in scope, the active records of the
// three kinds and those verified since the date, and found correct.
func (db *DB) Accuracy(ctx context.Context, s precinct.Scope, since time.Time) ([]precinct.GridAccuracy, error) {
	byGrid := map[string]*precinct.GridAccuracy{}
	var order []string
	for _, t := range []string{"residents", "houses", "organisations"} {
		var w where
		scopeWhere(&w, s, "", false)
		w.add("status = 'active'")
		rows, err := db.read.QueryContext(ctx, db.q(`SELECT sub_bureau_id, station_id, police_grid_id, community_grid_id, COUNT(*),
			SUM(CASE WHEN verified_at >= ? THEN 1 ELSE 0 END), SUM(CASE WHEN verified_at >= ? AND verification = 'correct' THEN 1 ELSE 0 END)
			FROM `+t+w.sql()+` GROUP BY sub_bureau_id, station_id, police_grid_id, community_grid_id`), append([]any{micros(since), micros(since)}, w.args...)...)
		if err != nil {
			return nil, internal(err)
		}
		grids, err := collect(rows, func(s scanner) (precinct.GridAccuracy, error) {
			var g precinct.GridAccuracy
			err := s.Scan(&g.Location.SubBureauID, &g.Location.StationID, &g.Location.PoliceGridID, &g.Location.CommunityGridID, &g.Records, &g.Verified, &g.Correct)
			return g, err
		})
		if err != nil {
			return nil, err
		}
		for _, g := range grids {
			k := gridKey(g.Location)
			acc, ok := byGrid[k]
			if !ok {
				acc = &precinct.GridAccuracy{Location: g.Location}
				byGrid[k] = acc
				order = append(order, k)
			}
			acc.Records += g.Records
			acc.Verified += g.Verified
			acc.Correct += g.Correct
		}
	}
	out := make([]precinct.GridAccuracy, 0, len(order))
	sort.Strings(order)
	for _, k := range order {
		out = append(out, *byGrid[k])
	}
	return out, nil
}

// Familiarity counts, per community grid in scope, the active residents,
// those surveyed, those known both ways, and the contact cards issued.
func (db *DB) Familiarity(ctx context.Context, s precinct.Scope) ([]precinct.GridFamiliarity, error) {
	var w where
	scopeWhere(&w, s, "", false)
	w.add("status = 'active'")
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT sub_bureau_id, station_id, police_grid_id, community_grid_id, COUNT(*),
		SUM(CASE WHEN familiarity <> '' THEN 1 ELSE 0 END), SUM(CASE WHEN familiarity = 'two_way' THEN 1 ELSE 0 END)
		FROM residents`+w.sql()+` GROUP BY sub_bureau_id, station_id, police_grid_id, community_grid_id`), w.args...)
	if err != nil {
		return nil, internal(err)
	}
	grids, err := collect(rows, func(s scanner) (precinct.GridFamiliarity, error) {
		var g precinct.GridFamiliarity
		err := s.Scan(&g.Location.SubBureauID, &g.Location.StationID, &g.Location.PoliceGridID, &g.Location.CommunityGridID, &g.Residents, &g.Surveyed, &g.TwoWay)
		return g, err
	})
	if err != nil {
		return nil, err
	}
	byGrid := map[string]*precinct.GridFamiliarity{}
	var order []string
	for i := range grids {
		k := gridKey(grids[i].Location)
		byGrid[k] = &grids[i]
		order = append(order, k)
	}
	var wc where
	scopeWhere(&wc, s, "", false)
	rows, err = db.read.QueryContext(ctx, db.q(`SELECT sub_bureau_id, station_id, police_grid_id, community_grid_id, COUNT(*) FROM contact_cards`+wc.sql()+
		` GROUP BY sub_bureau_id, station_id, police_grid_id, community_grid_id`), wc.args...)
	if err != nil {
		return nil, internal(err)
	}
	cards, err := collect(rows, func(s scanner) (precinct.GridFamiliarity, error) {
		var g precinct.GridFamiliarity
		err := s.Scan(&g.Location.SubBureauID, &g.Location.StationID, &g.Location.PoliceGridID, &g.Location.CommunityGridID, &g.Cards)
		return g, err
	})
	if err != nil {
		return nil, err
	}
	for _, c := range cards {
		k := gridKey(c.Location)
		if g, ok := byGrid[k]; ok {
			g.Cards = c.Cards
		} else {
			c := c
			byGrid[k] = &c
			order = append(order, k)
		}
	}
	out := make([]precinct.GridFamiliarity, 0, len(order))
	sort.Strings(order)
	for _, k := range order {
		out = append(out, *byGrid[k])
	}
	return out, nil
}

// sealedColumns are the stored sealed values: table, column prefix, and the
// field the vault sealed them for.
var sealedColumns = []struct{ table, prefix, field string }{
	{"residents", "id", "id_number"},
	{"residents", "phone", "phone"},
	{"houses", "phone", "phone"},
	{"organisations", "phone", "phone"},
}

// resealBatch is how many rows one transaction of ResealPersonal rewrites.
const resealBatch = 500

// ResealPersonal passes every stored sealed value to fn and writes back what
// it changes, 500 rows per transaction. Interrupted, it can run again.
func (db *DB) ResealPersonal(ctx context.Context, fn precinct.ResealFunc) (int, error) {
	changed := 0
	for _, c := range sealedColumns {
		after := ""
		for {
			rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, `+c.prefix+`_sealed, `+c.prefix+`_hash FROM `+c.table+
				` WHERE `+c.prefix+`_sealed <> '' AND id > ? ORDER BY id LIMIT ?`), after, resealBatch)
			if err != nil {
				return changed, internal(err)
			}
			type row struct{ id, sealed, hash string }
			batch, err := collect(rows, func(s scanner) (row, error) {
				var r row
				return r, s.Scan(&r.id, &r.sealed, &r.hash)
			})
			if err != nil {
				return changed, err
			}
			if len(batch) == 0 {
				break
			}
			after = batch[len(batch)-1].id
			var updates []row
			for _, r := range batch {
				sealed, hash, ok, err := fn(c.field, r.sealed, r.hash)
				if err != nil {
					return changed, errors.Join(precinct.Errorf(precinct.EINTERNAL, "无法重新加密 %s 的 %s", "Cannot reseal %s of %s", c.field, r.id), err)
				}
				if ok {
					updates = append(updates, row{r.id, sealed, hash})
				}
			}
			if len(updates) == 0 {
				continue
			}
			err = db.inTx(ctx, func(tx *sql.Tx) error {
				stmt, err := tx.PrepareContext(ctx, db.q(`UPDATE `+c.table+` SET `+c.prefix+`_sealed = ?, `+c.prefix+`_hash = ? WHERE id = ?`))
				if err != nil {
					return internal(err)
				}
				defer stmt.Close()
				for _, u := range updates {
					if _, err := stmt.ExecContext(ctx, u.sealed, u.hash, u.id); err != nil {
						return internal(err)
					}
				}
				return nil
			})
			if err != nil {
				return changed, err
			}
			changed += len(updates)
		}
	}
	return changed, nil
}
