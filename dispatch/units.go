package dispatch

import (
	"context"

	"precinct"
)

// SetUnitStatus puts a unit that serves no incident on or off duty or busy,
// and keeps the live index in step.
func (s *Service) SetUnitStatus(ctx context.Context, id string, st precinct.UnitStatus) error {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermRespond); err != nil {
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
	loc := precinct.Location{SubBureauID: unit.SubBureauID, StationID: unit.StationID}
	if err := precinct.Authorize(u, precinct.PermRespond, loc); err != nil {
		return err
	}
	now := s.now()
	after := *unit
	after.Status = st
	ev := precinct.NewEvent(ctx, now, "unit.status", loc, "unit", id, map[string]any{"status": unit.Status}, map[string]any{"status": st}, nil)
	if err := s.Store.SetUnitStatus(ctx, id, st, ev); err != nil {
		return err
	}
	if !s.Live.SetStatus(id, st, "") {
		s.Live.Put(&after)
	}
	s.notify()
	return nil
}
