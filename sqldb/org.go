package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"precinct"
)

// ImportJurisdiction stores a whole jurisdiction in one transaction.
func (db *DB) ImportJurisdiction(ctx context.Context, j *precinct.Jurisdiction) error {
	if j == nil || j.SubBureau.ID == "" {
		return precinct.FieldErrorf(precinct.EINVALID, "sub_bureau.id", "分局编号不能为空", "The sub-bureau ID is required.")
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM sub_bureaus WHERE id = ?`), j.SubBureau.ID).Scan(&n); err != nil {
			return internal(err)
		}
		if n > 0 {
			return precinct.Errorf(precinct.ECONFLICT, "分局已存在：%s", "The sub-bureau already exists: %s", j.SubBureau.ID)
		}
		ins := inserter{ctx: ctx, tx: tx, db: db}
		sb := j.SubBureau
		ins.exec(`INSERT INTO sub_bureaus (id, name, city_bureau, code, datum, boundary, derived) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			sb.ID, sb.Name, sb.CityBureau, sb.Code, string(sb.Datum), geoJSON(sb.Boundary), boolInt(sb.Derived))
		for _, s := range j.Stations {
			ins.exec(`INSERT INTO stations (id, sub_bureau_id, name, code, kind, central_id, partners, lon, lat, boundary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				s.ID, s.SubBureauID, s.Name, s.Code, string(s.Kind), s.CentralID, jsonText(s.Partners), s.Location.Lon, s.Location.Lat, geoJSON(s.Boundary))
		}
		for _, s := range j.ServiceStations {
			ins.exec(`INSERT INTO service_stations (id, sub_bureau_id, name, lon, lat, station_a, station_b) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				s.ID, s.SubBureauID, s.Name, s.Location.Lon, s.Location.Lat, s.StationIDs[0], s.StationIDs[1])
		}
		for _, g := range j.PoliceGrids {
			ins.exec(`INSERT INTO police_grids (id, station_id, name, code, officer_id, boundary, derived) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				g.ID, g.StationID, g.Name, g.Code, g.OfficerID, geoJSON(g.Boundary), boolInt(g.Derived))
		}
		for _, g := range j.CommunityGrids {
			ins.exec(`INSERT INTO community_grids (id, police_grid_id, name, worker_id, boundary, derived) VALUES (?, ?, ?, ?, ?, ?)`,
				g.ID, g.PoliceGridID, g.Name, g.WorkerID, geoJSON(g.Boundary), boolInt(g.Derived))
		}
		for _, o := range j.CommunityOffices {
			ins.exec(`INSERT INTO community_offices (id, station_id, police_grid_id, name, lon, lat) VALUES (?, ?, ?, ?, ?, ?)`,
				o.ID, o.StationID, o.PoliceGridID, o.Name, o.Location.Lon, o.Location.Lat)
		}
		for _, p := range j.People {
			if p.SubBureauID == "" {
				p.SubBureauID = sb.ID
			}
			ins.exec(`INSERT INTO people (id, name, kind, sub_bureau_id, station_id, team, service_station_id, police_grid_id, phone, id_number, seconded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				p.ID, p.Name, string(p.Kind), p.SubBureauID, p.StationID, string(p.Team), p.ServiceStationID, p.PoliceGridID, p.Phone, p.IDNumber, boolInt(p.Seconded))
		}
		for _, u := range j.Units {
			status := u.Status
			if status == "" {
				status = precinct.UnitOffDuty
			}
			ins.exec(`INSERT INTO units (id, callsign, kind, sub_bureau_id, station_id, service_station_id, police_grid_id, members, status, lon, lat, position_at, status_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				u.ID, u.Callsign, string(u.Kind), u.SubBureauID, u.StationID, u.ServiceStationID, u.PoliceGridID, jsonText(u.Members), string(status), u.Position.Lon, u.Position.Lat, micros(u.PositionAt), micros(u.StatusSince))
		}
		for _, u := range j.Users {
			if err := ins.err; err != nil {
				break
			}
			ins.err = db.insertUser(ctx, tx, u)
		}
		return ins.err
	})
}

// inserter runs a sequence of statements, stopping at the first error.
type inserter struct {
	ctx context.Context
	tx  *sql.Tx
	db  *DB
	err error
}

func (i *inserter) exec(query string, args ...any) {
	if i.err != nil {
		return
	}
	if _, err := i.tx.ExecContext(i.ctx, i.db.q(query), args...); err != nil {
		i.err = internal(err)
	}
}

// Empty reports whether no sub-bureau is stored.
func (db *DB) Empty(ctx context.Context) (bool, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sub_bureaus`).Scan(&n); err != nil {
		return false, internal(err)
	}
	return n == 0, nil
}

const subBureauColumns = `id, name, city_bureau, code, datum, boundary, derived`

func scanSubBureau(s scanner) (*precinct.SubBureau, error) {
	var sb precinct.SubBureau
	var datum string
	var boundary sql.NullString
	var derived int64
	if err := s.Scan(&sb.ID, &sb.Name, &sb.CityBureau, &sb.Code, &datum, &boundary, &derived); err != nil {
		return nil, err
	}
	sb.Datum, sb.Derived = precinct.Datum(datum), derived != 0
	return &sb, readGeoJSON(boundary, &sb.Boundary)
}

// FindSubBureau returns one sub-bureau.
func (db *DB) FindSubBureau(ctx context.Context, id string) (*precinct.SubBureau, error) {
	row := db.read.QueryRowContext(ctx, db.q(`SELECT `+subBureauColumns+` FROM sub_bureaus WHERE id = ?`), id)
	sb, err := scanSubBureau(row)
	return sb, notFound(err, "分局", "Sub-bureau", id)
}

// ListSubBureaus returns every sub-bureau.
func (db *DB) ListSubBureaus(ctx context.Context) ([]*precinct.SubBureau, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+subBureauColumns+` FROM sub_bureaus ORDER BY id`)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, scanSubBureau)
}

const stationColumns = `id, sub_bureau_id, name, code, kind, central_id, partners, lon, lat, boundary`

func scanStation(s scanner) (*precinct.Station, error) {
	var st precinct.Station
	var kind, partners string
	var boundary sql.NullString
	if err := s.Scan(&st.ID, &st.SubBureauID, &st.Name, &st.Code, &kind, &st.CentralID, &partners, &st.Location.Lon, &st.Location.Lat, &boundary); err != nil {
		return nil, err
	}
	st.Kind = precinct.StationKind(kind)
	if err := json.Unmarshal([]byte(partners), &st.Partners); err != nil {
		return nil, err
	}
	return &st, readGeoJSON(boundary, &st.Boundary)
}

// FindStation returns one station.
func (db *DB) FindStation(ctx context.Context, id string) (*precinct.Station, error) {
	row := db.read.QueryRowContext(ctx, db.q(`SELECT `+stationColumns+` FROM stations WHERE id = ?`), id)
	st, err := scanStation(row)
	return st, notFound(err, "派出所", "Station", id)
}

// ListStations returns a page of stations ordered by ID.
func (db *DB) ListStations(ctx context.Context, f precinct.StationFilter) ([]*precinct.Station, string, error) {
	var w where
	w.scope(f.Scope, scopeCols{subBureau: "sub_bureau_id", station: "id"})
	w.eq("sub_bureau_id", f.SubBureauID)
	w.eq("kind", string(f.Kind))
	w.in("id", f.IDs)
	w.add("retired_at IS NULL")
	return page(ctx, db, `SELECT `+stationColumns+` FROM stations`, w, f.Cursor, f.Limit, scanStation, func(s *precinct.Station) string { return s.ID })
}

// ListServiceStations returns the police service stations of a sub-bureau.
func (db *DB) ListServiceStations(ctx context.Context, subBureauID string) ([]*precinct.ServiceStation, error) {
	var w where
	w.eq("sub_bureau_id", subBureauID)
	w.add("retired_at IS NULL")
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, sub_bureau_id, name, lon, lat, station_a, station_b FROM service_stations`+w.sql()+` ORDER BY id`), w.args...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (*precinct.ServiceStation, error) {
		var ss precinct.ServiceStation
		err := s.Scan(&ss.ID, &ss.SubBureauID, &ss.Name, &ss.Location.Lon, &ss.Location.Lat, &ss.StationIDs[0], &ss.StationIDs[1])
		return &ss, err
	})
}

// ListCommunityOffices returns the community police offices of a station
// ("" for all).
func (db *DB) ListCommunityOffices(ctx context.Context, stationID string) ([]*precinct.CommunityOffice, error) {
	var w where
	w.eq("station_id", stationID)
	w.add("retired_at IS NULL")
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, station_id, police_grid_id, name, lon, lat FROM community_offices`+w.sql()+` ORDER BY id`), w.args...)
	if err != nil {
		return nil, internal(err)
	}
	return collect(rows, func(s scanner) (*precinct.CommunityOffice, error) {
		var o precinct.CommunityOffice
		err := s.Scan(&o.ID, &o.StationID, &o.PoliceGridID, &o.Name, &o.Location.Lon, &o.Location.Lat)
		return &o, err
	})
}

const policeGridColumns = `g.id, g.station_id, g.name, g.code, g.officer_id, g.boundary, g.derived`

func scanPoliceGrid(s scanner) (*precinct.PoliceGrid, error) {
	var g precinct.PoliceGrid
	var boundary sql.NullString
	var derived int64
	if err := s.Scan(&g.ID, &g.StationID, &g.Name, &g.Code, &g.OfficerID, &boundary, &derived); err != nil {
		return nil, err
	}
	g.Derived = derived != 0
	return &g, readGeoJSON(boundary, &g.Boundary)
}

// FindPoliceGrid returns one police grid.
func (db *DB) FindPoliceGrid(ctx context.Context, id string) (*precinct.PoliceGrid, error) {
	row := db.read.QueryRowContext(ctx, db.q(`SELECT `+policeGridColumns+` FROM police_grids g WHERE g.id = ?`), id)
	g, err := scanPoliceGrid(row)
	return g, notFound(err, "警格", "Police grid", id)
}

// ListPoliceGrids returns a page of police grids ordered by ID.
func (db *DB) ListPoliceGrids(ctx context.Context, f precinct.GridFilter) ([]*precinct.PoliceGrid, string, error) {
	var w where
	w.scope(f.Scope, scopeCols{subBureau: "s.sub_bureau_id", station: "g.station_id", policeGrid: "g.id"})
	w.eq("g.station_id", f.StationID)
	w.eq("g.id", f.PoliceGridID)
	w.eq("s.sub_bureau_id", f.SubBureauID)
	w.add("g.retired_at IS NULL")
	from := `SELECT ` + policeGridColumns + ` FROM police_grids g JOIN stations s ON s.id = g.station_id`
	return page(ctx, db, from, w, f.Cursor, f.Limit, scanPoliceGrid, func(g *precinct.PoliceGrid) string { return g.ID })
}

const communityGridColumns = `c.id, c.police_grid_id, c.name, c.worker_id, c.boundary, c.derived`

func scanCommunityGrid(s scanner) (*precinct.CommunityGrid, error) {
	var g precinct.CommunityGrid
	var boundary sql.NullString
	var derived int64
	if err := s.Scan(&g.ID, &g.PoliceGridID, &g.Name, &g.WorkerID, &boundary, &derived); err != nil {
		return nil, err
	}
	g.Derived = derived != 0
	return &g, readGeoJSON(boundary, &g.Boundary)
}

// FindCommunityGrid returns one community grid.
func (db *DB) FindCommunityGrid(ctx context.Context, id string) (*precinct.CommunityGrid, error) {
	row := db.read.QueryRowContext(ctx, db.q(`SELECT `+communityGridColumns+` FROM community_grids c WHERE c.id = ?`), id)
	g, err := scanCommunityGrid(row)
	return g, notFound(err, "网格", "Community grid", id)
}

// ListCommunityGrids returns a page of community grids ordered by ID.
func (db *DB) ListCommunityGrids(ctx context.Context, f precinct.GridFilter) ([]*precinct.CommunityGrid, string, error) {
	var w where
	w.scope(f.Scope, scopeCols{subBureau: "s.sub_bureau_id", station: "g.station_id", policeGrid: "c.police_grid_id", communityGrid: "c.id"})
	w.eq("c.police_grid_id", f.PoliceGridID)
	w.eq("g.station_id", f.StationID)
	w.eq("s.sub_bureau_id", f.SubBureauID)
	w.add("c.retired_at IS NULL")
	from := `SELECT ` + communityGridColumns + ` FROM community_grids c JOIN police_grids g ON g.id = c.police_grid_id JOIN stations s ON s.id = g.station_id`
	return page(ctx, db, from, w, f.Cursor, f.Limit, scanCommunityGrid, func(g *precinct.CommunityGrid) string { return g.ID })
}

// AllGrids returns every police grid and community grid.
func (db *DB) AllGrids(ctx context.Context) ([]*precinct.PoliceGrid, []*precinct.CommunityGrid, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+policeGridColumns+` FROM police_grids g WHERE g.retired_at IS NULL ORDER BY g.id`)
	if err != nil {
		return nil, nil, internal(err)
	}
	pgs, err := collect(rows, scanPoliceGrid)
	if err != nil {
		return nil, nil, err
	}
	rows, err = db.read.QueryContext(ctx, `SELECT `+communityGridColumns+` FROM community_grids c WHERE c.retired_at IS NULL ORDER BY c.id`)
	if err != nil {
		return nil, nil, internal(err)
	}
	cgs, err := collect(rows, scanCommunityGrid)
	return pgs, cgs, err
}

const personColumns = `id, name, kind, sub_bureau_id, station_id, team, service_station_id, police_grid_id, phone, id_number, seconded`

func scanPerson(s scanner) (*precinct.Person, error) {
	var p precinct.Person
	var kind, team string
	var seconded int64
	if err := s.Scan(&p.ID, &p.Name, &kind, &p.SubBureauID, &p.StationID, &team, &p.ServiceStationID, &p.PoliceGridID, &p.Phone, &p.IDNumber, &seconded); err != nil {
		return nil, err
	}
	p.Kind, p.Team, p.Seconded = precinct.PersonKind(kind), precinct.TeamKind(team), seconded != 0
	return &p, nil
}

// FindPerson returns one person, unmasked: masking is the caller's.
func (db *DB) FindPerson(ctx context.Context, id string) (*precinct.Person, error) {
	row := db.read.QueryRowContext(ctx, db.q(`SELECT `+personColumns+` FROM people WHERE id = ?`), id)
	p, err := scanPerson(row)
	return p, notFound(err, "人员", "Person", id)
}

// ListPeople returns a page of people ordered by ID.
func (db *DB) ListPeople(ctx context.Context, f precinct.PersonFilter) ([]*precinct.Person, string, error) {
	var w where
	w.scope(f.Scope, scopeCols{subBureau: "sub_bureau_id", station: "station_id", policeGrid: "police_grid_id"})
	w.eq("station_id", f.StationID)
	w.eq("service_station_id", f.ServiceStationID)
	w.eq("kind", string(f.Kind))
	w.add("retired_at IS NULL")
	return page(ctx, db, `SELECT `+personColumns+` FROM people`, w, f.Cursor, f.Limit, scanPerson, func(p *precinct.Person) string { return p.ID })
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, internal(err)
		}
		out = append(out, v)
	}
	return out, internal(rows.Err())
}

// page runs a keyset-paginated query ordered by the first column (the ID).
func page[T any](ctx context.Context, db *DB, from string, w where, cur string, n int, scan func(scanner) (T, error), key func(T) string) ([]T, string, error) {
	parts, err := parseCursor(cur, 1)
	if err != nil {
		return nil, "", err
	}
	idCol := strings.TrimSpace(strings.SplitN(strings.TrimPrefix(from, "SELECT "), ",", 2)[0])
	if parts != nil {
		w.add(idCol+" > ?", parts[0])
	}
	n = limit(n)
	rows, err := db.read.QueryContext(ctx, db.q(from+w.sql()+" ORDER BY "+idCol+" LIMIT ?"), append(w.args, n+1)...)
	if err != nil {
		return nil, "", internal(err)
	}
	items, err := collect(rows, scan)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(items) > n {
		items = items[:n]
		next = cursor(key(items[n-1]))
	}
	return items, next, nil
}

// where builds a WHERE clause from optional conditions.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// eq adds col = v unless v is empty.
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

// in adds col IN (vs…) unless vs is nil; an empty non-nil list matches nothing.
func (w *where) in(col string, vs []string) {
	if vs == nil {
		return
	}
	if len(vs) == 0 {
		w.add("1 = 0")
		return
	}
	args := make([]any, len(vs))
	for i, v := range vs {
		args[i] = v
	}
	w.add(col+" IN ("+placeholders(len(vs))+")", args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// notFound turns sql.ErrNoRows into ENOTFOUND.
func notFound(err error, zh, en, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return precinct.ErrNotFound(zh, en, id)
	}
	return internal(err)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// jsonText encodes v as JSON text; nil slices become [].
func jsonText[T any](v []T) string {
	if v == nil {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// geoJSON returns m as GeoJSON text, or NULL when empty.
func geoJSON(m precinct.MultiPolygon) any {
	if len(m) == 0 {
		return nil
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func readGeoJSON(s sql.NullString, m *precinct.MultiPolygon) error {
	if !s.Valid || s.String == "" {
		return nil
	}
	return json.Unmarshal([]byte(s.String), m)
}
