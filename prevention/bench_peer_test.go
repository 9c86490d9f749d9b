package prevention_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"precinct"
	"precinct/prevention"
	"precinct/registry"
	"precinct/sqldb"
	"precinct/vault"
	"precinct/workflow"
)

// benchPeer is what a skilled user would write by hand for the same work
// against the same schema, without the services: per batch, the checks
// (ID number, phone), the keyed hashes, one lookup per field for the whole
// batch (`IN (…)` in chunks on SQLite, `= ANY($1)` on PostgreSQL), the
// grid's officer from a map loaded once, the seals, and one transaction
// writing the warnings, tasks, their assignees, contacts, tallies and
// events (multi-row INSERTs on SQLite, COPY on PostgreSQL).
type benchPeer struct {
	b        *testing.B
	sq       *sql.DB
	pg       *pgx.Conn
	v        *vault.Vault
	officers map[string]string // police grid → its community officer's user
}

func newBenchPeer(b *testing.B, engine, dsn string, db *sqldb.DB, v *vault.Vault) *benchPeer {
	ctx := context.Background()
	p := &benchPeer{b: b, v: v, officers: map[string]string{}}
	users, err := db.ListUsers(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, u := range users {
		if u.Role == precinct.RoleCommunity && u.Scope.PoliceGridID != "" {
			p.officers[u.Scope.PoliceGridID] = u.ID
		}
	}
	if engine == "postgres" {
		if p.pg, err = pgx.Connect(ctx, dsn); err != nil {
			b.Fatal(err)
		}
		return p
	}
	if p.sq, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-65536)&_txlock=immediate"); err != nil {
		b.Fatal(err)
	}
	p.sq.SetMaxOpenConns(1)
	return p
}

func (p *benchPeer) close() {
	if p.pg != nil {
		p.pg.Close(context.Background())
	}
	if p.sq != nil {
		p.sq.Close()
	}
}

// run takes every batch in and returns the time it took; dry only checks
// and matches them.
func (p *benchPeer) run(batches []prevention.Batch, dry bool) time.Duration {
	t := time.Now()
	pushed := 0
	for _, bt := range batches {
		pushed += p.batch(bt, dry)
	}
	if pushed != benchWarnings*19/20 {
		p.b.Fatalf("peer pushed %d", pushed)
	}
	return time.Since(t)
}

// peerResident is what the peer reads of a resident.
type peerResident struct {
	id, name, address, addressID, station, grid, cgrid, idHash, phoneHash string
	lon, lat                                                              float64
}

// query runs a lookup of rows whose col is one of vals: IN in chunks on
// SQLite, = ANY on PostgreSQL. cond is the rest of the condition, with the
// sub-bureau as its one parameter ($1) if it has one; tail follows the
// condition.
func (p *benchPeer) query(ctx context.Context, sel, cond, col string, vals []string, tail string, scan func(func(...any) error) error) {
	if len(vals) == 0 {
		return
	}
	var fixed []any
	if strings.Contains(cond, "$1") {
		fixed = []any{"sb1"}
	}
	if p.pg != nil {
		rows, err := p.pg.Query(ctx, sel+" WHERE "+cond+" AND "+col+" = ANY($"+strconv.Itoa(len(fixed)+1)+")"+tail, append([]any{pgx.QueryExecModeExec}, append(fixed, vals)...)...)
		if err != nil {
			p.b.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows.Scan); err != nil {
				p.b.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil {
			p.b.Fatal(err)
		}
		return
	}
	for start := 0; start < len(vals); start += 900 {
		part := vals[start:min(start+900, len(vals))]
		args := append([]any(nil), fixed...)
		for _, v := range part {
			args = append(args, v)
		}
		q := strings.ReplaceAll(sel+" WHERE "+cond, "$1", "?") + " AND " + col + " IN (?" + strings.Repeat(", ?", len(part)-1) + ")" + tail
		rows, err := p.sq.QueryContext(ctx, q, args...)
		if err != nil {
			p.b.Fatal(err)
		}
		for rows.Next() {
			if err := scan(rows.Scan); err != nil {
				p.b.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil {
			p.b.Fatal(err)
		}
		rows.Close()
	}
}

// residents looks the residents up by one column.
func (p *benchPeer) residents(ctx context.Context, col string, vals []string) map[string][]*peerResident {
	out := map[string][]*peerResident{}
	cond := "sub_bureau_id = $1 AND status = 'active'"
	if col != "name" {
		cond += " AND " + col + " <> ''"
	}
	p.query(ctx, "SELECT id, name, address, address_id, station_id, police_grid_id, community_grid_id, id_hash, phone_hash, lon, lat FROM residents",
		cond, col, vals, "", func(scan func(...any) error) error {
			var r peerResident
			if err := scan(&r.id, &r.name, &r.address, &r.addressID, &r.station, &r.grid, &r.cgrid, &r.idHash, &r.phoneHash, &r.lon, &r.lat); err != nil {
				return err
			}
			k := map[string]string{"id_hash": r.idHash, "phone_hash": r.phoneHash, "name": r.name}[col]
			out[k] = append(out[k], &r)
			return nil
		})
	return out
}

// batch takes one batch in and returns how many warnings were (or, dry,
// would be) pushed.
func (p *benchPeer) batch(bt prevention.Batch, dry bool) int {
	ctx := context.Background()
	now := time.Now()
	type row struct {
		in                     prevention.WarningInput
		id, ph, idHash, phHash string
		res                    *peerResident
	}
	rows := make([]*row, len(bt.Warnings))
	var ids, phones, names, refs []string
	for i, in := range bt.Warnings {
		r := &row{in: in}
		if in.IDNumber != "" {
			id, err := registry.ParseResidentID(in.IDNumber, "id_number", now)
			if err != nil {
				p.b.Fatal(err)
			}
			r.id, r.idHash = id.Number, p.v.Hash("id_number", id.Number)
			ids = append(ids, r.idHash)
		}
		if in.Phone != "" {
			ph, _, err := registry.NormalizePhone(in.Phone, "phone")
			if err != nil {
				p.b.Fatal(err)
			}
			r.ph, r.phHash = ph, p.v.Hash("phone", ph)
			phones = append(phones, r.phHash)
		}
		if in.Name != "" && in.IDNumber == "" && in.Phone == "" {
			names = append(names, in.Name)
		}
		refs = append(refs, in.Ref)
		rows[i] = r
	}
	seen := map[string]bool{}
	p.query(ctx, "SELECT source_ref FROM warnings", "sub_bureau_id = $1", "source_ref", refs, "", func(scan func(...any) error) error {
		var ref string
		err := scan(&ref)
		seen[ref] = true
		return err
	})
	byID, byPhone, byName := p.residents(ctx, "id_hash", ids), p.residents(ctx, "phone_hash", phones), p.residents(ctx, "name", names)
	var keys []string
	for _, r := range rows {
		switch {
		case r.idHash != "" && len(byID[r.idHash]) == 1:
			r.res = byID[r.idHash][0]
		case r.phHash != "" && len(byPhone[r.phHash]) == 1:
			r.res = byPhone[r.phHash][0]
		case r.in.Name != "" && r.in.Address != "":
			var hits []*peerResident
			for _, c := range byName[r.in.Name] {
				if strings.Contains(c.address, r.in.Address) || strings.Contains(r.in.Address, c.address) {
					hits = append(hits, c)
				}
			}
			if len(hits) == 1 {
				r.res = hits[0]
			}
		}
		if k := personKey(r.idHash, r.phHash); k != "" {
			keys = append(keys, k)
		}
	}
	earlier := map[string]int{}
	p.query(ctx, "SELECT person_key, COUNT(*) FROM warnings", "person_key <> ''", "person_key", keys, " GROUP BY person_key", func(scan func(...any) error) error {
		var k string
		var n int
		err := scan(&k, &n)
		earlier[k] = n
		return err
	})
	if dry {
		n := 0
		for _, r := range rows {
			if r.res != nil && !seen[r.in.Ref] {
				n++
			}
		}
		return n
	}

	seal := func(field, v string) string {
		s, err := p.v.Seal(field, v)
		if err != nil {
			p.b.Fatal(err)
		}
		return s
	}
	type tallyKey struct{ station, assignee string }
	tallies := map[tallyKey]int{}
	var warnings, items, handlers, contacts, events [][]any
	event := func(typ string, loc precinct.Location, entityType, id string, after, data any) {
		e := precinct.NewEvent(ctx, now, typ, loc, entityType, id, nil, after, data)
		var d any
		if e.Data != nil {
			d = string(e.Data)
		}
		events = append(events, []any{e.ID, e.Type, now.UnixMicro(), "u1", loc.SubBureauID, loc.StationID, "[]", entityType, id, nil, string(e.After), d, nil})
	}
	pushed := 0
	for _, r := range rows {
		if seen[r.in.Ref] {
			continue
		}
		w := &precinct.Warning{ID: precinct.NewID("wrn", now), SourceRef: r.in.Ref, Source: "json", FraudType: r.in.FraudType, Level: r.in.Level,
			IssuedAt: now, ReceivedAt: now, Name: r.in.Name, Address: r.in.Address, IDNumber: precinct.MaskIDNumber(r.id), Phone: precinct.MaskPhone(r.ph),
			PersonKey: personKey(r.idHash, r.phHash), Version: 1, CreatedBy: "u1", Status: precinct.WarningTriage, Location: precinct.Location{SubBureauID: "sb1"}}
		w.Earlier = earlier[w.PersonKey]
		earlier[w.PersonKey]++
		if r.res != nil {
			pushed++
			w.Status, w.ResidentID, w.AddressID = precinct.WarningPushed, r.res.id, r.res.addressID
			w.Location = precinct.Location{SubBureauID: "sb1", StationID: r.res.station, PoliceGridID: r.res.grid, CommunityGridID: r.res.cgrid}
			w.Point = &precinct.Point{Lon: r.res.lon, Lat: r.res.lat}
			assignee := precinct.TeamAssignee(r.res.station, precinct.TeamCommunity)
			if u := p.officers[r.res.grid]; u != "" {
				assignee, w.OfficerID = precinct.UserAssignee(u), u
			}
			data, _ := json.Marshal(prevention.Task{WarningID: w.ID, FraudType: w.FraudType, Level: w.Level, IssuedAt: w.IssuedAt, ResidentID: w.ResidentID, Earlier: w.Earlier})
			due := now.Add(prevention.ReachWithin[w.Level.Urgency()-1])
			it := &precinct.WorkItem{ID: precinct.NewID("dsn", now), Kind: prevention.Kind, State: prevention.StatePushed, Category: w.FraudType,
				Urgency: w.Level.Urgency(), Title: prevention.FraudLabel(w.FraudType) + "预警", Point: *w.Point, Location: w.Location, Assignee: assignee,
				DueAt: &due, DueStep: prevention.ActionReport, Source: precinct.WorkSource{Kind: "warning", ID: w.ID}, OpenedAt: now, UpdatedAt: now,
				Version: 1, CreatedBy: "u1", ReporterID: "u1", Data: data}
			w.TaskID = it.ID
			doc, _ := json.Marshal(it)
			items = append(items, []any{it.ID, string(it.Kind), string(it.State), "sb1", r.res.station, r.res.grid, r.res.cgrid, it.Category, string(assignee), 0,
				due.UnixMicro(), 0, "u1", "warning", w.ID, now.UnixMicro(), nil, "warning:" + w.ID, 1, string(doc)})
			handlers = append(handlers, []any{it.ID, string(assignee)})
			cdoc, _ := json.Marshal(precinct.WorkContact{Role: "person", Name: r.in.Name, Phone: seal("work.contact.phone", r.ph), IDNumber: seal("work.contact.id_number", r.id)})
			contacts = append(contacts, []any{it.ID, "person", 0, string(cdoc)})
			tallies[tallyKey{r.res.station, string(assignee)}]++
			event(workflow.EventType(prevention.Kind, workflow.ActionOpen), w.Location, "work", it.ID, it, workflow.ActionData{Action: workflow.ActionOpen, Assignee: assignee})
		}
		idSealed, phSealed := seal("warning.id_number", r.id), seal("warning.phone", r.ph)
		doc, _ := json.Marshal(w)
		warnings = append(warnings, []any{w.ID, w.SourceRef, "sb1", w.Location.StationID, w.Location.PoliceGridID, w.Location.CommunityGridID, string(w.Status),
			w.FraudType, now.UnixMicro(), w.PersonKey, idSealed, r.idHash, phSealed, r.phHash, w.TaskID, 1, string(doc)})
		event(prevention.EventWarningReceived, w.Location, "warning", w.ID, w, nil)
	}
	tables := []struct {
		name string
		cols []string
		rows [][]any
	}{
		{"warnings", []string{"id", "source_ref", "sub_bureau_id", "station_id", "police_grid_id", "community_grid_id", "status", "fraud_type", "issued_at",
			"person_key", "id_sealed", "id_hash", "phone_sealed", "phone_hash", "task_id", "version", "doc"}, warnings},
		{"work_items", []string{"id", "kind", "state", "sub_bureau_id", "station_id", "police_grid_id", "community_grid_id", "category", "assignee", "tier",
			"due_at", "overdue", "reporter_id", "source_kind", "source_id", "opened_at", "closed_at", "idempotency_key", "version", "doc"}, items},
		{"work_handlers", []string{"item_id", "assignee"}, handlers},
		{"work_contacts", []string{"item_id", "role", "idx", "doc"}, contacts},
		{"events", []string{"id", "type", "at", "actor", "sub_bureau_id", "station_id", "stations", "entity_type", "entity_id", "before", "after", "data", "published_at"}, events},
	}
	day := precinct.DayStart(now)
	month := time.Date(now.In(precinct.CST).Year(), now.In(precinct.CST).Month(), 1, 0, 0, 0, 0, precinct.CST)
	upsert := `INSERT INTO %s (kind, sub_bureau_id, day, station_id, assignee, opened, assigned) VALUES ($1, 'sb1', $2, $3, $4, $5, $5)
		ON CONFLICT (kind, sub_bureau_id, day, station_id, assignee) DO UPDATE SET opened = %[1]s.opened + excluded.opened, assigned = %[1]s.assigned + excluded.assigned`
	if p.pg != nil {
		err := pgx.BeginFunc(ctx, p.pg, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(727275)"); err != nil {
				return err
			}
			for _, t := range tables {
				if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
					return fmt.Errorf("%s: %w", t.name, err)
				}
			}
			for k, n := range tallies {
				for table, d := range map[string]time.Time{"work_counts": day, "work_counts_month": month} {
					if _, err := tx.Exec(ctx, fmt.Sprintf(upsert, table), prevention.Kind, d.UnixMicro(), k.station, k.assignee, n); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			p.b.Fatal(err)
		}
		return pushed
	}
	tx, err := p.sq.BeginTx(ctx, nil)
	if err != nil {
		p.b.Fatal(err)
	}
	for _, t := range tables {
		per := min(500, 30000/len(t.cols))
		one := "(?" + strings.Repeat(", ?", len(t.cols)-1) + ")"
		stmts := map[int]*sql.Stmt{}
		for rs := t.rows; len(rs) > 0; {
			k := min(per, len(rs))
			st := stmts[k]
			if st == nil {
				if st, err = tx.PrepareContext(ctx, "INSERT INTO "+t.name+" ("+strings.Join(t.cols, ", ")+") VALUES "+one+strings.Repeat(", "+one, k-1)); err != nil {
					p.b.Fatal(err)
				}
				stmts[k] = st
			}
			args := make([]any, 0, k*len(t.cols))
			for _, r := range rs[:k] {
				args = append(args, r...)
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				p.b.Fatalf("%s: %v", t.name, err)
			}
			rs = rs[k:]
		}
		for _, st := range stmts {
			st.Close()
		}
	}
	for k, n := range tallies {
		for table, d := range map[string]time.Time{"work_counts": day, "work_counts_month": month} {
			if _, err := tx.ExecContext(ctx, strings.NewReplacer("$1", "?1", "$2", "?2", "$3", "?3", "$4", "?4", "$5", "?5").Replace(fmt.Sprintf(upsert, table)),
				prevention.Kind, d.UnixMicro(), k.station, k.assignee, n); err != nil {
				p.b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		p.b.Fatal(err)
	}
	return pushed
}

// personKey is the ID number's hash, else the phone's.
func personKey(idHash, phoneHash string) string {
	if idHash != "" {
		return idHash
	}
	return phoneHash
}
