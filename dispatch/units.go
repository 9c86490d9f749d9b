package dispatch

import (
	"context"
	"encoding/json"

	"precinct"
)

// unitReach reports whether scope sc reaches unit un: a unit of a station is
// reached by that station's scope, a unit of a police service station by the
// scopes of both stations it is bound to, a community unit of a police grid
// by that grid's scope, and the caller's own unit always. It is the one read
// rule of units: a single read, the list (the store applies the same rule in
// SQL, see precinct.UnitFilter), positions and unit events on the stream.
func (s *Service) unitReach(ctx context.Context, sc precinct.Scope, un *precinct.Unit) bool {
	switch {
	case sc.All || sc.UnitID != "" && sc.UnitID == un.ID:
		return true
	case un.StationID != "" || un.ServiceStationID == "" || sc.StationID == "":
		return sc.Covers(un.Location())
	}
	// A police service station's unit: reached through the stations the
	// service station is bound to.
	c, err := s.context(ctx, un.SubBureauID)
	if err != nil {
		return false
	}
	ss := c.org.ServiceStation(un.ServiceStationID)
	if ss == nil {
		return false
	}
	for _, st := range ss.StationIDs {
		l := un.Location()
		l.StationID = st
		if sc.Covers(l) {
			return true
		}
	}
	return false
}

// FindUnit returns a unit the caller reaches.
func (s *Service) FindUnit(ctx context.Context, id string) (*precinct.Unit, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return nil, err
	}
	un, err := s.Store.FindUnit(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.unitReach(ctx, precinct.ScopeOf(u), un) {
		return nil, precinct.ErrForbidden()
	}
	return un, nil
}

// ListUnits lists the units the caller reaches.
func (s *Service) ListUnits(ctx context.Context, f precinct.UnitFilter) ([]*precinct.Unit, string, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return nil, "", err
	}
	f.Scope = precinct.ScopeOf(u)
	return s.Store.ListUnits(ctx, f)
}

// SetUnitStatus puts a unit that serves no incident on or off duty or busy,
// and keeps the live index in step. An officer sets their own unit's
// status; setting another unit's takes the right to dispatch it (a command
// office, a dispatcher, a station chief), in their jurisdiction.
func (s *Service) SetUnitStatus(ctx context.Context, id string, st precinct.UnitStatus) error {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return err
	}
	switch st {
	case precinct.UnitAvailable, precinct.UnitBusy, precinct.UnitOffDuty:
	default:
		return precinct.FieldErrorf(precinct.EINVALID, "status", "状态只能设为 available、busy 或 off_duty", "Status can only be set to available, busy or off_duty.")
	}
	unit, err := s.Store.FindUnit(ctx, id)
	if err != nil {
		return err
	}
	sc := precinct.ScopeOf(u)
	switch {
	case u.UnitID == unit.ID && u.Role.Can(precinct.PermRespond):
	case !s.unitReach(ctx, sc, unit):
		return precinct.ErrForbidden()
	case !u.Role.Can(precinct.PermDispatch):
		return precinct.Errorf(precinct.EFORBIDDEN, "只能设置本人所在警力单元的状态", "You may set the status of your own unit only.")
	}
	now := s.now()
	after := *unit
	after.Status = st
	ev := precinct.NewEvent(ctx, now, "unit.status", unit.Location(), "unit", id, unit, &after, nil)
	if err := s.Store.SetUnitStatus(ctx, id, st, ev); err != nil {
		return err
	}
	if !s.Live.SetStatus(id, st, "") {
		s.Live.Put(&after)
	}
	s.notify()
	return nil
}

// Trajectory returns a page of the positions of a unit the caller reaches
// and, on the first page, its check-ins in [f.From, f.To).
func (s *Service) Trajectory(ctx context.Context, f precinct.TrajectoryFilter) (*precinct.Trajectory, error) {
	un, err := s.FindUnit(ctx, f.UnitID)
	if err != nil {
		return nil, err
	}
	if !f.From.Before(f.To) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "to", "结束时间应晚于开始时间", "The end (to) must be after the start (from).")
	}
	f.UnitID = un.ID
	tr := &precinct.Trajectory{Unit: un, Positions: []precinct.Position{}, CheckIns: []*precinct.CheckIn{}}
	ps, next, err := s.Store.Trajectory(ctx, f)
	if err != nil {
		return nil, err
	}
	if ps != nil {
		tr.Positions = ps
	}
	tr.NextCursor = next
	if f.Cursor != "" {
		return tr, nil
	}
	for cursor := ""; ; {
		cs, next, err := s.Store.ListCheckIns(ctx, precinct.CheckInFilter{Scope: precinct.Everywhere, UnitID: un.ID, Since: f.From, Until: f.To, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, err
		}
		tr.CheckIns = append(tr.CheckIns, cs...)
		if cursor = next; cursor == "" {
			break
		}
	}
	return tr, nil
}

// UnitEvent is the stream's rule for unit events: those of units the
// caller reaches, as a single read decides.
func (s *Service) UnitEvent(u *precinct.User, e *precinct.Event) *precinct.Event {
	if precinct.Authorize(u, precinct.PermReadOrg) != nil {
		return nil
	}
	var un precinct.Unit
	if json.Unmarshal(e.After, &un) != nil || un.ID == "" {
		return nil
	}
	if !s.unitReach(context.Background(), precinct.ScopeOf(u), &un) {
		return nil
	}
	return e
}

// UnitVisible reports whether u reaches un, for the positions the stream
// sends.
func (s *Service) UnitVisible(u *precinct.User, un *precinct.Unit) bool {
	return precinct.Authorize(u, precinct.PermReadOrg) == nil && s.unitReach(context.Background(), precinct.ScopeOf(u), un)
}
