package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"

	"precinct"
)

const unitColumns = `id, callsign, kind, sub_bureau_id, station_id, service_station_id, police_grid_id, members, status, incident_id, lon, lat, position_at, status_since`

func scanUnit(s scanner) (*precinct.Unit, error) {
	var u precinct.Unit
	var kind, status, members string
	var incident sql.NullString
	var at, since int64
	if err := s.Scan(&u.ID, &u.Callsign, &kind, &u.SubBureauID, &u.StationID, &u.ServiceStationID, &u.PoliceGridID, &members, &status,
		&incident, &u.Position.Lon, &u.Position.Lat, &at, &since); err != nil {
		return nil, err
	}
	if since > 0 {
		u.StatusSince = fromMicros(since)
	}
	u.Kind, u.Status, u.IncidentID, u.PositionAt = precinct.UnitKind(kind), precinct.UnitStatus(status), incident.String, fromMicros(at)
	return &u, json.Unmarshal([]byte(members), &u.Members)
}

// FindUnit returns one unit.
func (db *DB) FindUnit(ctx context.Context, id string) (*precinct.Unit, error) {
	u, err := scanUnit(db.read.QueryRowContext(ctx, db.q(`SELECT `+unitColumns+` FROM units WHERE id = ?`), id))
	return u, notFound(err, "警力单元", "Unit", id)
}

// ListUnits returns a page of units ordered by ID.
func (db *DB) ListUnits(ctx context.Context, f precinct.UnitFilter) ([]*precinct.Unit, string, error) {
	var w where
	own, ownArgs := ownUnit(f.Scope, "id")
	w.scopeOr(f.Scope, scopeCols{subBureau: "sub_bureau_id", policeGrid: "police_grid_id"}, own, ownArgs...)
	if f.Scope.StationID != "" && !f.Scope.All {
		// A station reaches its own units and those of the police service
		// stations bound to it.
		w.add(`(station_id = ? OR station_id = '' AND service_station_id IN (SELECT id FROM service_stations WHERE station_a = ? OR station_b = ?) OR id = ?)`,
			f.Scope.StationID, f.Scope.StationID, f.Scope.StationID, f.Scope.UnitID)
	}
	w.eq("sub_bureau_id", f.SubBureauID)
	w.in("station_id", f.StationIDs)
	w.eq("service_station_id", f.ServiceStationID)
	if f.Kinds != nil {
		w.in("kind", strs(f.Kinds))
	}
	if f.Status != nil {
		w.in("status", strs(f.Status))
	}
	w.add("retired_at IS NULL")
	return page(ctx, db, `SELECT `+unitColumns+` FROM units`, w, f.Cursor, f.Limit, scanUnit, func(u *precinct.Unit) string { return u.ID })
}

// ownUnit is the condition that a row's column col names the scope's own
// unit ("" when the scope has none).
func ownUnit(sc precinct.Scope, col string) (string, []any) {
	if sc.UnitID == "" {
		return "", nil
	}
	return col + " = ?", []any{sc.UnitID}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// SetUnitStatus changes the status of a unit serving no incident.
func (db *DB) SetUnitStatus(ctx context.Context, id string, s precinct.UnitStatus, ev *precinct.Event) error {
	switch s {
	case precinct.UnitAvailable, precinct.UnitBusy, precinct.UnitOffDuty:
	default:
		return precinct.FieldErrorf(precinct.EINVALID, "status", "只能设为在岗、忙碌或下班", "A unit can only be set available, busy or off duty.")
	}
	since := db.clock.Now()
	if ev != nil {
		since = ev.At
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE units SET status = ?, status_since = CASE WHEN status = ? THEN status_since ELSE ? END WHERE id = ? AND incident_id IS NULL`),
			string(s), string(s), micros(since), id)
		if err != nil {
			return internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.heldError(ctx, tx, id)
		}
		return db.appendEvents(ctx, tx, []*precinct.Event{ev})
	})
}

// Trajectory returns a page of a unit's positions in [f.From, f.To), oldest
// first, flagged ones included. The cursor is the time of the page's last
// position: a (unit, time) is stored once.
func (db *DB) Trajectory(ctx context.Context, f precinct.TrajectoryFilter) ([]precinct.Position, string, error) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = precinct.TrajectoryPage
	case limit > precinct.MaxTrajectoryPage:
		limit = precinct.MaxTrajectoryPage
	}
	from := micros(f.From)
	if f.Cursor != "" {
		after, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || after < from {
			return nil, "", precinct.FieldErrorf(precinct.EINVALID, "cursor", "分页游标无效", "Invalid cursor.")
		}
		from = after + 1
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT unit_id, at, lon, lat, speed_mps, heading, flag FROM positions WHERE unit_id = ? AND at >= ? AND at < ? ORDER BY at LIMIT ?`),
		f.UnitID, from, micros(f.To), limit+1)
	if err != nil {
		return nil, "", internal(err)
	}
	ps, err := collect(rows, func(s scanner) (precinct.Position, error) {
		var p precinct.Position
		var at int64
		var flag string
		err := s.Scan(&p.UnitID, &at, &p.Point.Lon, &p.Point.Lat, &p.SpeedMPS, &p.Heading, &flag)
		p.At, p.Flag = fromMicros(at), precinct.PositionFlag(flag)
		return p, err
	})
	if err != nil || len(ps) <= limit {
		return ps, "", err
	}
	ps = ps[:limit]
	return ps, strconv.FormatInt(micros(ps[limit-1].At), 10), nil
}
