package dispatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"precinct"
)

// ReportPositions validates a batch of positions, stores it durably (for
// trajectories) and moves the units in the live index.
func (s *Service) ReportPositions(ctx context.Context, ps []precinct.Position) error {
	if err := precinct.Authorize(precinct.UserFromContext(ctx), precinct.PermReportPosition); err != nil {
		return err
	}
	return s.ingest(ctx, ps)
}

// ingest is ReportPositions without the user: the same path for the HTTP
// batch and for devices publishing on the bus.
func (s *Service) ingest(ctx context.Context, ps []precinct.Position) error {
	skew := s.MaxClockSkew
	if skew <= 0 {
		skew = DefaultMaxClockSkew
	}
	latest := s.now().Add(skew)
	var unknown []string
	for i, p := range ps {
		// The field's name is written only for an error.
		f := func(name string) string { return fmt.Sprintf("positions[%d]%s", i, name) }
		if p.UnitID == "" {
			return precinct.FieldErrorf(precinct.EINVALID, f(".unit_id"), "缺少警力编号", "The unit_id is missing.")
		}
		if p.Point.Validate("") != nil {
			return p.Point.Validate(f(".point"))
		}
		if p.Point.IsZero() {
			return precinct.FieldErrorf(precinct.EINVALID, f(".point"), "缺少坐标", "The point is missing.")
		}
		if p.At.IsZero() {
			return precinct.FieldErrorf(precinct.EINVALID, f(".at"), "缺少定位时间", "The time (at) is missing.")
		}
		if p.At.After(latest) {
			return precinct.FieldErrorf(precinct.EINVALID, f(".at"), "定位时间 %s 晚于当前时间", "The time %s is in the future.", p.At.Format(time.RFC3339))
		}
		if !(p.SpeedMPS >= 0 && p.SpeedMPS <= precinct.MaxReportedSpeedMPS) {
			return precinct.FieldErrorf(precinct.EINVALID, f(".speed_mps"), "速度应在 0 至 %d 米/秒之间", "The speed must be within 0..%d m/s.", precinct.MaxReportedSpeedMPS)
		}
		if !(p.Heading >= 0 && p.Heading < 360) {
			return precinct.FieldErrorf(precinct.EINVALID, f(".heading"), "方向应在 0 至 360 度之间（不含 360）", "The heading must be within 0..360 degrees (360 excluded).")
		}
		if p.Flag != "" {
			return precinct.FieldErrorf(precinct.EINVALID, f(".flag"), "标记由系统给出，不能上报", "The flag is set by the server, not reported.")
		}
		if !s.Live.Has(p.UnitID) && !slices.Contains(unknown, p.UnitID) {
			unknown = append(unknown, p.UnitID)
		}
	}
	// Units created since the index was loaded join it; others are ENOTFOUND.
	for _, id := range unknown {
		unit, err := s.Store.FindUnit(ctx, id)
		if precinct.ErrorCode(err) == precinct.ENOTFOUND {
			return precinct.FieldErrorf(precinct.ENOTFOUND, "positions", "警力不存在：%s", "Unit not found: %s", id)
		} else if err != nil {
			return err
		}
		s.Live.Put(unit)
	}
	if err := s.flag(ctx, ps); err != nil {
		return err
	}
	if err := s.Store.SavePositions(ctx, ps); err != nil {
		return err
	}
	s.Live.Move(ps)
	return nil
}

// Plausibility limits of reported positions.
const (
	// MaxPlausibleSpeedMPS is the speed (300 km/h) above which reaching a
	// point from the unit's previous one is not believed.
	MaxPlausibleSpeedMPS = 300 / 3.6
	// jumpToleranceM is a jump small enough to be a fix's noise whatever
	// the time between fixes.
	jumpToleranceM = 500
	// OutsideMarginM is how far beyond the box of its sub-bureau's outline
	// and stations a unit may be reported (help across the boundary, roads
	// that leave the district) before the point is not believed.
	OutsideMarginM = 30000
)

// flag marks, in ps, the positions not to believe: those far outside the
// unit's sub-bureau, and those that imply an impossible speed from the
// unit's last fix this node believed (or the batch's own before it) unless
// they agree with the fix flagged just before them. A unit's position from
// its import or post is not a fix: the first fix a node sees of a unit is
// checked against the sub-bureau only.
func (s *Service) flag(ctx context.Context, ps []precinct.Position) error {
	order := precinct.ByUnitAndTime(ps)
	// Each unit's sub-bureau box, read before taking the lock.
	boxes := make(map[string]*extent)
	for _, i := range order {
		id := ps[i].UnitID
		if _, ok := boxes[id]; ok {
			continue
		}
		boxes[id] = nil
		if unit, ok := s.Live.Unit(id); ok && unit.SubBureauID != "" {
			c, err := s.context(ctx, unit.SubBureauID)
			if err != nil {
				return err
			}
			boxes[id] = c.extent
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fixes == nil {
		s.fixes = make(map[string]fixes)
	}
	for _, i := range order {
		p := &ps[i]
		if ext := boxes[p.UnitID]; ext != nil && !ext.near(p.Point, OutsideMarginM) {
			p.Flag = precinct.PositionOutside
			continue
		}
		f := s.fixes[p.UnitID]
		if f.believed && implausible(f.last, *p) {
			// Two fixes that agree with each other and not with the last
			// believed one: the unit is there (it was carried, or that fix
			// was wrong).
			if !f.doubted || !p.At.After(f.doubt.At) || implausible(f.doubt, *p) {
				p.Flag = precinct.PositionImplausibleSpeed
				f.doubt, f.doubted = *p, true
				s.fixes[p.UnitID] = f
				continue
			}
		}
		if !f.believed || p.At.After(f.last.At) {
			s.fixes[p.UnitID] = fixes{last: *p, believed: true}
		}
	}
	return nil
}

// fixes is what a node remembers of a unit's reported positions.
type fixes struct {
	last     precinct.Position // the latest believed
	doubt    precinct.Position // the latest flagged for its speed since
	believed bool
	doubted  bool
}

// implausible reports whether going between a and b takes more than the
// plausible speed.
func implausible(a, b precinct.Position) bool {
	d := precinct.DistanceM(a.Point, b.Point)
	if d <= jumpToleranceM {
		return false
	}
	dt := b.At.Sub(a.At)
	if dt < 0 {
		dt = -dt
	}
	return d > MaxPlausibleSpeedMPS*dt.Seconds()
}

// extent is the box around a sub-bureau's outline, its stations and theirs.
type extent struct {
	min, max precinct.Point
}

// extentOf returns the box of the organisation's outline and stations, or
// nil when none has a place.
func extentOf(org *Org) *extent {
	var e *extent
	add := func(p precinct.Point) {
		if p.IsZero() {
			return
		}
		if e == nil {
			e = &extent{min: p, max: p}
			return
		}
		e.min.Lon, e.min.Lat = min(e.min.Lon, p.Lon), min(e.min.Lat, p.Lat)
		e.max.Lon, e.max.Lat = max(e.max.Lon, p.Lon), max(e.max.Lat, p.Lat)
	}
	area := func(m precinct.MultiPolygon) {
		if len(m) > 0 {
			lo, hi := m.Bound()
			add(lo)
			add(hi)
		}
	}
	if org.SubBureau != nil {
		area(org.SubBureau.Boundary)
	}
	for _, st := range org.Stations {
		add(st.Location)
		area(st.Boundary)
	}
	for _, ss := range org.ServiceStations {
		add(ss.Location)
	}
	return e
}

// near reports whether p is within margin metres of the box.
func (e *extent) near(p precinct.Point, margin float64) bool {
	q := precinct.Point{Lon: min(max(p.Lon, e.min.Lon), e.max.Lon), Lat: min(max(p.Lat, e.min.Lat), e.max.Lat)}
	return precinct.DistanceM(p, q) <= margin
}
