package demo

import (
	"context"
	"log/slog"

	"math/rand/v2"
	"time"

	"precinct"
	"precinct/geo"
)

// Mover moves a jurisdiction's on-duty units so the live picture changes as it
// would on a real day: available units patrol toward random waypoints inside
// their area (police grid, station, or the stations bound to their service
// station); units dispatched or en route drive toward their incident. Each
// tick's positions go through a precinct.PositionService — the real ingest
// path, so they are stored for trajectories and reach the live index.
type Mover struct {
	Store     precinct.Store
	Positions precinct.PositionService
	Clock     precinct.Clock
	Logger    *slog.Logger
	// Interval between ticks; 0 means 5 s.
	Interval time.Duration
	// Seed makes the waypoints repeatable.
	Seed uint64

	rng       *rand.Rand
	areas     map[string]precinct.MultiPolygon // station or police grid ID → area
	waypoints map[string]precinct.Point
}

// speeds in metres per second by unit kind while patrolling and responding.
var speeds = map[precinct.UnitKind][2]float64{
	precinct.UnitPatrolCar:    {6, 12},
	precinct.UnitArmedVehicle: {6, 13},
	precinct.UnitMotorcycle:   {5, 11},
	precinct.UnitFootPatrol:   {1.2, 2},
	precinct.UnitCommunity:    {1.2, 8},
	precinct.UnitCaseTeam:     {0, 10},
	precinct.UnitVolunteer:    {1, 1.5},
}

// Run moves units every Interval until ctx ends.
func (m *Mover) Run(ctx context.Context) error {
	if err := m.load(ctx); err != nil {
		return err
	}
	interval := m.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := m.Tick(ctx, interval); err != nil && ctx.Err() == nil && m.Logger != nil {
			m.Logger.Warn("demo mover", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// load reads the areas units move in.
func (m *Mover) load(ctx context.Context) error {
	m.rng = rand.New(rand.NewPCG(m.Seed, 17))
	m.areas = map[string]precinct.MultiPolygon{}
	m.waypoints = map[string]precinct.Point{}
	for cursor := ""; ; {
		sts, next, err := m.Store.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere, Cursor: cursor, Limit: 1000})
		if err != nil {
			return err
		}
		for _, s := range sts {
			m.areas[s.ID] = s.Boundary
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	pgs, _, err := m.Store.AllGrids(ctx)
	if err != nil {
		return err
	}
	for _, g := range pgs {
		m.areas[g.ID] = g.Boundary
	}
	sbs, err := m.Store.ListSubBureaus(ctx)
	if err != nil {
		return err
	}
	for _, sb := range sbs {
		sss, err := m.Store.ListServiceStations(ctx, sb.ID)
		if err != nil {
			return err
		}
		for _, ss := range sss {
			m.areas[ss.ID] = append(append(precinct.MultiPolygon{}, m.areas[ss.StationIDs[0]]...), m.areas[ss.StationIDs[1]]...)
		}
	}
	return nil
}

// Tick moves every moving unit by dt and reports the batch.
func (m *Mover) Tick(ctx context.Context, dt time.Duration) error {
	if m.areas == nil {
		if err := m.load(ctx); err != nil {
			return err
		}
	}
	now := m.Clock.Now()
	var batch []precinct.Position
	for cursor := ""; ; {
		units, next, err := m.Store.ListUnits(ctx, precinct.UnitFilter{Scope: precinct.Everywhere, Cursor: cursor, Limit: 1000})
		if err != nil {
			return err
		}
		for _, u := range units {
			if p, ok := m.step(ctx, u, dt); ok {
				batch = append(batch, precinct.Position{UnitID: u.ID, Point: p, At: now})
			}
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if len(batch) == 0 {
		return nil
	}
	return m.Positions.ReportPositions(ctx, batch)
}

// step returns the unit's next position, or false if it stays put.
func (m *Mover) step(ctx context.Context, u *precinct.Unit, dt time.Duration) (precinct.Point, bool) {
	v := speeds[u.Kind]
	var target precinct.Point
	speed := v[0]
	switch u.Status {
	case precinct.UnitAvailable:
		area := m.areas[firstOf(u.PoliceGridID, u.ServiceStationID, u.StationID)]
		if len(area) == 0 || speed == 0 {
			return u.Position, !u.Position.IsZero()
		}
		wp, ok := m.waypoints[u.ID]
		if !ok || precinct.DistanceM(u.Position, wp) < 30 {
			if wp, ok = geo.RandomPoint(area, m.rng); !ok {
				return u.Position, false
			}
			m.waypoints[u.ID] = wp
		}
		target = wp
	case precinct.UnitDispatched, precinct.UnitEnRoute:
		inc, err := m.Store.FindIncident(ctx, u.IncidentID)
		if err != nil {
			return u.Position, false
		}
		target, speed = inc.Point, v[1]
	default:
		return u.Position, false
	}
	return toward(u.Position, target, speed*dt.Seconds()), true
}

// toward moves from p at most d metres toward q.
func toward(p, q precinct.Point, d float64) precinct.Point {
	dist := precinct.DistanceM(p, q)
	if dist <= d || dist == 0 {
		return q
	}
	f := d / dist
	return precinct.Point{Lon: p.Lon + f*(q.Lon-p.Lon), Lat: p.Lat + f*(q.Lat-p.Lat)}
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
