package dispatch

import (
	"context"
	"encoding/json"
	"time"

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

// Trajectory returns a unit's positions in [from, to) and its check-ins in
// that time, for a unit the caller reaches.
func (s *Service) Trajectory(ctx context.Context, id string, from, to time.Time) (*precinct.Unit, []precinct.Position, []*precinct.CheckIn, error) {
	un, err := s.FindUnit(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	ps, err := s.Store.Trajectory(ctx, un.ID, from, to)
	if err != nil {
		return nil, nil, nil, err
	}
	var checkIns []*precinct.CheckIn
	for cursor := ""; ; {
		cs, next, err := s.Store.ListCheckIns(ctx, precinct.CheckInFilter{Scope: precinct.Everywhere, UnitID: un.ID, Since: from, Until: to, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, nil, nil, err
		}
		checkIns = append(checkIns, cs...)
		if cursor = next; cursor == "" {
			break
		}
	}
	return un, ps, checkIns, nil
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

// CheckInEvent is the stream's rule for check-ins: those at a place the
// caller reaches, and the caller's unit's own.
func (s *Service) CheckInEvent(u *precinct.User, e *precinct.Event) *precinct.Event {
	if precinct.Authorize(u, precinct.PermReadOrg) != nil {
		return nil
	}
	var c precinct.CheckIn
	if json.Unmarshal(e.After, &c) != nil || c.ID == "" {
		return nil
	}
	sc := precinct.ScopeOf(u)
	if !sc.Covers(c.Location) && (sc.UnitID == "" || c.UnitID != sc.UnitID) {
		return nil
	}
	return e
}
