package sqldb

import (
	"context"
	"database/sql"
	"reflect"
	"strconv"
	"strings"

	"precinct"
)

// ApplyJurisdictions stores jurisdictions again, in one transaction, with
// an org.changed event for each sub-bureau that changed, as an update: new entities
// are added, different ones changed, missing ones retired (their rows stay,
// with retired_at, for history; users are disabled). A unit's status and
// position and a user's password are left as they are. Retiring a station or
// unit held by an open incident is ECONFLICT and nothing is written. With
// dryRun the transaction is rolled back after the diff is known.
func (db *DB) ApplyJurisdictions(ctx context.Context, js []*precinct.Jurisdiction, dryRun bool) (*precinct.OrgDiff, error) {
	for _, j := range js {
		if j == nil || j.SubBureau.ID == "" {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "sub_bureau.id", "分局编号不能为空", "The sub-bureau ID is required.")
		}
	}
	total := &precinct.OrgDiff{}
	errDry := precinct.Errorf(precinct.ECONFLICT, "试运行", "dry run")
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if db.postgres {
			// One import at a time: each reads what the one before stored
			// (two nodes seeding the demo together add it once).
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+strconv.Itoa(orgLock)+`)`); err != nil {
				return internal(err)
			}
		}
		a := &applier{db: db, ctx: ctx, tx: tx, now: micros(db.clock.Now()), stmts: map[string]*sql.Stmt{}}
		defer a.close()
		for _, j := range js {
			old, err := db.loadJurisdiction(ctx, tx, j.SubBureau.ID)
			if err != nil {
				return err
			}
			d, err := a.apply(old, j)
			if err != nil {
				return err
			}
			if !dryRun && (d.Added != precinct.OrgCounts{} || d.Changed != precinct.OrgCounts{} || d.Removed != precinct.OrgCounts{}) {
				// Every node follows the change: its resolver and live
				// index are rebuilt when this event reaches the bus.
				ev := precinct.NewEvent(ctx, db.clock.Now(), precinct.EventOrgChanged, precinct.Location{SubBureauID: j.SubBureau.ID},
					"jurisdiction", j.SubBureau.ID, nil, nil, d)
				if err := db.appendEvents(ctx, tx, []*precinct.Event{ev}); err != nil {
					return err
				}
			}
			total.Added.Add(d.Added)
			total.Changed.Add(d.Changed)
			total.Removed.Add(d.Removed)
			total.NewUsers = append(total.NewUsers, d.NewUsers...)
		}
		if dryRun {
			return errDry
		}
		return nil
	})
	if err == errDry {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return total, nil
}

// orgLock serialises imports on PostgreSQL (SQLite has one writer).
const orgLock = 727276

// loadJurisdiction reads what is stored of a sub-bureau (nil when none),
// leaving out what is retired.
func (db *DB) loadJurisdiction(ctx context.Context, tx *sql.Tx, sb string) (*precinct.Jurisdiction, error) {
	row := tx.QueryRowContext(ctx, db.q(`SELECT `+subBureauColumns+` FROM sub_bureaus WHERE id = ?`), sb)
	s, err := scanSubBureau(row)
	if err == sql.ErrNoRows {
		return nil, nil
	} else if err != nil {
		return nil, internal(err)
	}
	j := &precinct.Jurisdiction{SubBureau: *s}
	query := func(q string) (*sql.Rows, error) {
		rows, err := tx.QueryContext(ctx, db.q(q), sb)
		return rows, internal(err)
	}
	steps := []func() error{
		func() (err error) {
			rows, err := query(`SELECT ` + stationColumns + ` FROM stations WHERE sub_bureau_id = ? AND retired_at IS NULL ORDER BY id`)
			if err == nil {
				j.Stations, err = collect(rows, scanStation)
			}
			return err
		},
		func() (err error) {
			rows, err := query(`SELECT id, sub_bureau_id, name, lon, lat, station_a, station_b FROM service_stations WHERE sub_bureau_id = ? AND retired_at IS NULL ORDER BY id`)
			if err == nil {
				j.ServiceStations, err = collect(rows, scanServiceStation)
			}
			return err
		},
		func() (err error) {
			rows, err := query(`SELECT o.id, o.station_id, o.police_grid_id, o.name, o.lon, o.lat FROM community_offices o JOIN stations s ON s.id = o.station_id WHERE s.sub_bureau_id = ? AND o.retired_at IS NULL ORDER BY o.id`)
			if err == nil {
				j.CommunityOffices, err = collect(rows, scanCommunityOffice)
			}
			return err
		},
		func() (err error) {
			rows, err := query(`SELECT ` + policeGridColumns + ` FROM police_grids g JOIN stations s ON s.id = g.station_id WHERE s.sub_bureau_id = ? AND g.retired_at IS NULL ORDER BY g.id`)
			if err == nil {
				j.PoliceGrids, err = collect(rows, scanPoliceGrid)
			}
			return err
		},
		func() (err error) {
			rows, err := query(`SELECT ` + communityGridColumns + ` FROM community_grids c JOIN police_grids g ON g.id = c.police_grid_id JOIN stations s ON s.id = g.station_id WHERE s.sub_bureau_id = ? AND c.retired_at IS NULL ORDER BY c.id`)
			if err == nil {
				j.CommunityGrids, err = collect(rows, scanCommunityGrid)
			}
			return err
		},
		func() (err error) {
			rows, err := query(`SELECT ` + personColumns + ` FROM people WHERE sub_bureau_id = ? AND retired_at IS NULL ORDER BY id`)
			if err == nil {
				j.People, err = collect(rows, scanPerson)
			}
			return err
		},
		func() (err error) {
			rows, err := query(`SELECT ` + unitColumns + ` FROM units WHERE sub_bureau_id = ? AND retired_at IS NULL ORDER BY id`)
			if err == nil {
				j.Units, err = collect(rows, scanUnit)
			}
			return err
		},
		func() (err error) {
			rows, err := query(`SELECT ` + userColumns + ` FROM users WHERE sub_bureau_id = ? AND disabled = 0 ORDER BY id`)
			if err == nil {
				j.Users, err = collect(rows, scanUser)
			}
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return j, nil
}

func scanServiceStation(s scanner) (*precinct.ServiceStation, error) {
	var ss precinct.ServiceStation
	err := s.Scan(&ss.ID, &ss.SubBureauID, &ss.Name, &ss.Location.Lon, &ss.Location.Lat, &ss.StationIDs[0], &ss.StationIDs[1])
	return &ss, err
}

func scanCommunityOffice(s scanner) (*precinct.CommunityOffice, error) {
	var o precinct.CommunityOffice
	err := s.Scan(&o.ID, &o.StationID, &o.PoliceGridID, &o.Name, &o.Location.Lon, &o.Location.Lat)
	return &o, err
}

// applier writes the difference between two states of a jurisdiction with
// prepared statements.
type applier struct {
	db    *DB
	ctx   context.Context
	tx    *sql.Tx
	now   int64
	stmts map[string]*sql.Stmt
	err   error
}

func (a *applier) close() {
	for _, s := range a.stmts {
		s.Close()
	}
}

func (a *applier) exec(query string, args ...any) {
	if a.err != nil {
		return
	}
	st := a.stmts[query]
	if st == nil {
		var err error
		if st, err = a.tx.PrepareContext(a.ctx, a.db.q(query)); err != nil {
			a.err = internal(err)
			return
		}
		a.stmts[query] = st
	}
	if _, err := st.ExecContext(a.ctx, args...); err != nil {
		a.err = internal(err)
	}
}

// kindDiff compares old and new entities of one kind by ID: it returns the
// new ones that were added or changed, and the IDs of old ones removed.
func kindDiff[T any](old, cur []T, id func(T) string, same func(a, b T) bool) (added, changed []T, removed []string) {
	before := make(map[string]T, len(old))
	for _, o := range old {
		before[id(o)] = o
	}
	seen := make(map[string]bool, len(cur))
	for _, c := range cur {
		k := id(c)
		seen[k] = true
		if o, ok := before[k]; !ok {
			added = append(added, c)
		} else if !same(o, c) {
			changed = append(changed, c)
		}
	}
	for _, o := range old {
		if !seen[id(o)] {
			removed = append(removed, id(o))
		}
	}
	return added, changed, removed
}

func deepEqual[T any](a, b T) bool { return reflect.DeepEqual(a, b) }

func (a *applier) apply(old, j *precinct.Jurisdiction) (*precinct.OrgDiff, error) {
	d := &precinct.OrgDiff{}
	if old == nil {
		old = &precinct.Jurisdiction{}
		d.Added.SubBureaus = 1
	} else if !reflect.DeepEqual(&old.SubBureau, roundTrip(j.SubBureau)) {
		d.Changed.SubBureaus = 1
	}
	sb := j.SubBureau
	a.exec(`INSERT INTO sub_bureaus (id, name, city_bureau, code, datum, boundary, derived) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, city_bureau = excluded.city_bureau, code = excluded.code,
		datum = excluded.datum, boundary = excluded.boundary, derived = excluded.derived`,
		sb.ID, sb.Name, sb.CityBureau, sb.Code, string(sb.Datum), geoJSON(sb.Boundary), boolInt(sb.Derived))

	// Stations.
	stAdd, stChg, stRm := kindDiff(old.Stations, j.Stations, func(s *precinct.Station) string { return s.ID },
		func(x, y *precinct.Station) bool { return reflect.DeepEqual(normStation(x), normStation(y)) })
	if err := a.refuseHeld(`SELECT COUNT(*) FROM incidents WHERE station_id IN (%s) AND status NOT IN ('closed', 'callback_done')`, stRm,
		"派出所仍有未结警情，不能撤销：%s", "A station with open incidents cannot be removed: %s"); err != nil {
		return nil, err
	}
	for _, s := range append(stAdd, stChg...) {
		a.exec(`INSERT INTO stations (id, sub_bureau_id, name, code, kind, central_id, partners, lon, lat, boundary, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT (id) DO UPDATE SET sub_bureau_id = excluded.sub_bureau_id, name = excluded.name, code = excluded.code, kind = excluded.kind,
			central_id = excluded.central_id, partners = excluded.partners, lon = excluded.lon, lat = excluded.lat, boundary = excluded.boundary, retired_at = NULL`,
			s.ID, s.SubBureauID, s.Name, s.Code, string(s.Kind), s.CentralID, jsonText(s.Partners), s.Location.Lon, s.Location.Lat, geoJSON(s.Boundary))
	}
	a.retire("stations", stRm)
	d.Added.Stations, d.Changed.Stations, d.Removed.Stations = len(stAdd), len(stChg), len(stRm)

	ssAdd, ssChg, ssRm := kindDiff(old.ServiceStations, j.ServiceStations, func(s *precinct.ServiceStation) string { return s.ID }, deepEqual[*precinct.ServiceStation])
	for _, s := range append(ssAdd, ssChg...) {
		a.exec(`INSERT INTO service_stations (id, sub_bureau_id, name, lon, lat, station_a, station_b, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT (id) DO UPDATE SET sub_bureau_id = excluded.sub_bureau_id, name = excluded.name, lon = excluded.lon, lat = excluded.lat,
			station_a = excluded.station_a, station_b = excluded.station_b, retired_at = NULL`,
			s.ID, s.SubBureauID, s.Name, s.Location.Lon, s.Location.Lat, s.StationIDs[0], s.StationIDs[1])
	}
	a.retire("service_stations", ssRm)
	d.Added.ServiceStations, d.Changed.ServiceStations, d.Removed.ServiceStations = len(ssAdd), len(ssChg), len(ssRm)

	pgAdd, pgChg, pgRm := kindDiff(old.PoliceGrids, j.PoliceGrids, func(g *precinct.PoliceGrid) string { return g.ID },
		func(x, y *precinct.PoliceGrid) bool { return reflect.DeepEqual(x, roundTrip(*y)) })
	for _, g := range append(pgAdd, pgChg...) {
		a.exec(`INSERT INTO police_grids (id, station_id, name, code, officer_id, boundary, derived, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT (id) DO UPDATE SET station_id = excluded.station_id, name = excluded.name, code = excluded.code, officer_id = excluded.officer_id,
			boundary = excluded.boundary, derived = excluded.derived, retired_at = NULL`,
			g.ID, g.StationID, g.Name, g.Code, g.OfficerID, geoJSON(g.Boundary), boolInt(g.Derived))
	}
	a.retire("police_grids", pgRm)
	d.Added.PoliceGrids, d.Changed.PoliceGrids, d.Removed.PoliceGrids = len(pgAdd), len(pgChg), len(pgRm)

	cgAdd, cgChg, cgRm := kindDiff(old.CommunityGrids, j.CommunityGrids, func(g *precinct.CommunityGrid) string { return g.ID },
		func(x, y *precinct.CommunityGrid) bool { return reflect.DeepEqual(x, roundTrip(*y)) })
	for _, g := range append(cgAdd, cgChg...) {
		a.exec(`INSERT INTO community_grids (id, police_grid_id, name, worker_id, boundary, derived, retired_at) VALUES (?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT (id) DO UPDATE SET police_grid_id = excluded.police_grid_id, name = excluded.name, worker_id = excluded.worker_id,
			boundary = excluded.boundary, derived = excluded.derived, retired_at = NULL`,
			g.ID, g.PoliceGridID, g.Name, g.WorkerID, geoJSON(g.Boundary), boolInt(g.Derived))
	}
	a.retire("community_grids", cgRm)
	d.Added.CommunityGrids, d.Changed.CommunityGrids, d.Removed.CommunityGrids = len(cgAdd), len(cgChg), len(cgRm)

	coAdd, coChg, coRm := kindDiff(old.CommunityOffices, j.CommunityOffices, func(o *precinct.CommunityOffice) string { return o.ID }, deepEqual[*precinct.CommunityOffice])
	for _, o := range append(coAdd, coChg...) {
		a.exec(`INSERT INTO community_offices (id, station_id, police_grid_id, name, lon, lat, retired_at) VALUES (?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT (id) DO UPDATE SET station_id = excluded.station_id, police_grid_id = excluded.police_grid_id, name = excluded.name,
			lon = excluded.lon, lat = excluded.lat, retired_at = NULL`,
			o.ID, o.StationID, o.PoliceGridID, o.Name, o.Location.Lon, o.Location.Lat)
	}
	a.retire("community_offices", coRm)
	d.Added.CommunityOffices, d.Changed.CommunityOffices, d.Removed.CommunityOffices = len(coAdd), len(coChg), len(coRm)

	for _, p := range j.People {
		if p.SubBureauID == "" {
			p.SubBureauID = sb.ID
		}
	}
	pAdd, pChg, pRm := kindDiff(old.People, j.People, func(p *precinct.Person) string { return p.ID }, deepEqual[*precinct.Person])
	for _, p := range append(pAdd, pChg...) {
		a.exec(`INSERT INTO people (id, name, kind, sub_bureau_id, station_id, team, service_station_id, police_grid_id, phone, id_number, seconded, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, sub_bureau_id = excluded.sub_bureau_id, station_id = excluded.station_id,
			team = excluded.team, service_station_id = excluded.service_station_id, police_grid_id = excluded.police_grid_id, phone = excluded.phone,
			id_number = excluded.id_number, seconded = excluded.seconded, retired_at = NULL`,
			p.ID, p.Name, string(p.Kind), p.SubBureauID, p.StationID, string(p.Team), p.ServiceStationID, p.PoliceGridID, p.Phone, p.IDNumber, boolInt(p.Seconded))
	}
	a.retire("people", pRm)
	d.Added.People, d.Changed.People, d.Removed.People = len(pAdd), len(pChg), len(pRm)

	uAdd, uChg, uRm := kindDiff(old.Units, j.Units, func(u *precinct.Unit) string { return u.ID },
		func(x, y *precinct.Unit) bool { return reflect.DeepEqual(normUnit(x), normUnit(y)) })
	if err := a.refuseHeld(`SELECT COUNT(*) FROM units WHERE id IN (%s) AND incident_id IS NOT NULL AND incident_id <> ''`, uRm,
		"警力仍在处置警情，不能撤销：%s", "A unit serving an open incident cannot be removed: %s"); err != nil {
		return nil, err
	}
	for _, u := range uAdd {
		status := u.Status
		if status == "" {
			status = precinct.UnitOffDuty
		}
		a.exec(`INSERT INTO units (id, callsign, kind, sub_bureau_id, station_id, service_station_id, police_grid_id, members, status, lon, lat, position_at, status_since, retired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT (id) DO UPDATE SET callsign = excluded.callsign, kind = excluded.kind, sub_bureau_id = excluded.sub_bureau_id, station_id = excluded.station_id,
			service_station_id = excluded.service_station_id, police_grid_id = excluded.police_grid_id, members = excluded.members, retired_at = NULL`,
			u.ID, u.Callsign, string(u.Kind), u.SubBureauID, u.StationID, u.ServiceStationID, u.PoliceGridID, jsonText(u.Members), string(status), u.Position.Lon, u.Position.Lat, micros(u.PositionAt), micros(u.StatusSince))
	}
	for _, u := range uChg {
		a.exec(`UPDATE units SET callsign = ?, kind = ?, sub_bureau_id = ?, station_id = ?, service_station_id = ?, police_grid_id = ?, members = ? WHERE id = ?`,
			u.Callsign, string(u.Kind), u.SubBureauID, u.StationID, u.ServiceStationID, u.PoliceGridID, jsonText(u.Members), u.ID)
	}
	a.retire("units", uRm)
	d.Added.Units, d.Changed.Units, d.Removed.Units = len(uAdd), len(uChg), len(uRm)

	if err := a.users(d, old.Users, j); err != nil {
		return nil, err
	}
	return d, a.err
}

// users matches users by username: a new one is added (without a password
// unless the import set one), a different one changed, and one missing
// from the import disabled. A username held in another jurisdiction is
// ECONFLICT.
func (a *applier) users(d *precinct.OrgDiff, old []*precinct.User, j *precinct.Jurisdiction) error {
	if a.err != nil {
		return a.err
	}
	byName := map[string]*precinct.User{}
	for _, u := range old {
		byName[u.Username] = u
	}
	seen := map[string]bool{}
	for _, u := range j.Users {
		seen[u.Username] = true
		o := byName[u.Username]
		if o == nil {
			var sb, o2ID string
			err := a.tx.QueryRowContext(a.ctx, a.db.q(`SELECT id, sub_bureau_id FROM users WHERE username = ?`), u.Username).Scan(&o2ID, &sb)
			switch {
			case err == sql.ErrNoRows:
			case err != nil:
				return internal(err)
			case sb != j.SubBureau.ID:
				return precinct.FieldErrorf(precinct.ECONFLICT, "username", "用户名已被其他辖区使用：%s", "The username is taken in another jurisdiction: %s", u.Username)
			default: // a disabled user of this jurisdiction comes back
				u.ID = o2ID
				a.exec(`UPDATE users SET name = ?, role = ?, station_id = ?, police_grid_id = ?, community_grid_id = ?, person_id = ?, unit_id = ?, disabled = 0 WHERE id = ?`,
					u.Name, string(u.Role), u.Scope.StationID, u.Scope.PoliceGridID, u.Scope.CommunityGridID, u.PersonID, u.UnitID, u.ID)
				d.Added.Users++
				continue
			}
			if u.ID == "" {
				u.ID = "user-" + u.Username
			}
			if u.CreatedAt.IsZero() {
				u.CreatedAt = a.db.clock.Now()
			}
			if err := validateUser(u); err != nil {
				return err
			}
			a.exec(`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				u.ID, u.Username, u.Name, string(u.Role), u.Scope.SubBureauID, u.Scope.StationID, u.Scope.PoliceGridID,
				u.Scope.CommunityGridID, u.PersonID, u.UnitID, u.PasswordHash, 0, micros(u.CreatedAt))
			d.Added.Users++
			d.NewUsers = append(d.NewUsers, u.Username)
			continue
		}
		u.ID, u.CreatedAt = o.ID, o.CreatedAt
		if o.Name != u.Name || o.Role != u.Role || o.Scope != u.Scope || o.PersonID != u.PersonID || o.UnitID != u.UnitID {
			a.exec(`UPDATE users SET name = ?, role = ?, station_id = ?, police_grid_id = ?, community_grid_id = ?, person_id = ?, unit_id = ? WHERE id = ?`,
				u.Name, string(u.Role), u.Scope.StationID, u.Scope.PoliceGridID, u.Scope.CommunityGridID, u.PersonID, u.UnitID, u.ID)
			d.Changed.Users++
		}
	}
	for _, o := range old {
		if !seen[o.Username] {
			a.exec(`UPDATE users SET disabled = 1 WHERE id = ?`, o.ID)
			a.exec(`DELETE FROM sessions WHERE user_id = ?`, o.ID)
			d.Removed.Users++
		}
	}
	return a.err
}

// retire marks rows retired.
func (a *applier) retire(table string, ids []string) {
	for _, id := range ids {
		a.exec(`UPDATE `+table+` SET retired_at = ? WHERE id = ?`, a.now, id)
	}
}

// refuseHeld is ECONFLICT when the count query over ids finds a row.
func (a *applier) refuseHeld(query string, ids []string, zh, en string) error {
	if a.err != nil || len(ids) == 0 {
		return a.err
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := a.tx.QueryContext(a.ctx, a.db.q(strings.Replace(query, "%s", placeholders(len(chunk)), 1)), args...)
		if err != nil {
			return internal(err)
		}
		var n int
		for rows.Next() {
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return internal(err)
			}
		}
		rows.Close()
		if n > 0 {
			return precinct.Errorf(precinct.ECONFLICT, zh, en, strings.Join(chunk, ", "))
		}
	}
	return nil
}

// normStation is a station as stored: no partners is an empty list.
func normStation(s *precinct.Station) precinct.Station {
	c := roundTrip(*s)
	if len(c.Partners) == 0 {
		c.Partners = nil
	}
	return *c
}

// normUnit keeps the fields an import sets, not the unit's runtime state.
func normUnit(u *precinct.Unit) precinct.Unit {
	c := precinct.Unit{ID: u.ID, Callsign: u.Callsign, Kind: u.Kind, SubBureauID: u.SubBureauID, StationID: u.StationID,
		ServiceStationID: u.ServiceStationID, PoliceGridID: u.PoliceGridID, Members: u.Members}
	if len(c.Members) == 0 {
		c.Members = nil
	}
	return c
}

// roundTrip returns v as it reads back from the store: empty boundaries
// are nil.
func roundTrip[T any](v T) *T {
	rv := reflect.ValueOf(&v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		if f.Type() == reflect.TypeOf(precinct.MultiPolygon(nil)) && f.Len() == 0 {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	return &v
}

// LoadJurisdiction returns what is stored of a sub-bureau, without what is
// retired: ENOTFOUND when there is no such sub-bureau.
func (db *DB) LoadJurisdiction(ctx context.Context, subBureauID string) (*precinct.Jurisdiction, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, internal(err)
	}
	defer tx.Rollback()
	j, err := db.loadJurisdiction(ctx, tx, subBureauID)
	if err == nil && j == nil {
		err = precinct.ErrNotFound("分局", "Sub-bureau", subBureauID)
	}
	return j, err
}
