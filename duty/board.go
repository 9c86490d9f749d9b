package duty

import (
	"context"
	"slices"
	"time"

	"precinct"
)

// unitsIn returns the units in sc by ID.
func (s *Service) unitsIn(ctx context.Context, sc precinct.Scope) (map[string]*precinct.Unit, error) {
	out := map[string]*precinct.Unit{}
	if sc.Empty() {
		return out, nil
	}
	// The store keeps to the units' read rule: a station's units, those of
	// the service stations bound to it, a grid's community unit.
	f := precinct.UnitFilter{Scope: sc, Limit: 1000}
	for {
		us, next, err := s.Store.ListUnits(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			out[u.ID] = u
		}
		if f.Cursor = next; next == "" {
			return out, nil
		}
	}
}

// governedStates returns the shift state now of each unit of units that
// the patterns or rosters govern.
func governedStates(patterns []*precinct.ShiftPattern, rs []*precinct.Roster, units map[string]*precinct.Unit, now time.Time) []*precinct.UnitShiftState {
	gov := map[string]*precinct.Unit{}
	for id := range Governed(patterns, rs) {
		if u := units[id]; u != nil {
			gov[id] = u
		}
	}
	return UnitStates(rs, gov, now)
}

// boardShifts returns the shifts of rs that overlap [from, to), by start.
func boardShifts(rs []*precinct.Roster, from, to, now time.Time, keep func(*precinct.Shift) bool) []precinct.BoardShift {
	out := []precinct.BoardShift{}
	for _, r := range rs {
		for _, sh := range r.Shifts {
			if !sh.Start.Before(to) || !sh.End.After(from) || keep != nil && !keep(&sh) {
				continue
			}
			on := sh.Covers(now)
			out = append(out, precinct.BoardShift{Shift: sh, RosterID: r.ID, Owner: r.Owner(), On: on, Short: on && len(sh.Crew) < sh.MinCrew})
		}
	}
	slices.SortStableFunc(out, func(a, b precinct.BoardShift) int { return a.Start.Compare(b.Start) })
	return out
}

// Board returns the duty board of the caller's scope, or of one station or
// service station: today's shifts, the state of every unit the roster
// governs, today's roll calls and the strength of each station.
func (s *Service) Board(ctx context.Context, f precinct.DutyFilter) (*precinct.DutyBoard, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	now := s.now()
	today := precinct.DayStart(now)
	owners, err := s.owners(ctx, sc)
	if err != nil {
		return nil, err
	}
	if id := firstNonEmpty(f.ServiceStationID, f.StationID); id != "" {
		o, err := s.ownerOf(ctx, sc, id)
		if err != nil {
			return nil, err
		}
		owners = []*owner{o}
	}
	rs, patterns, err := s.load(ctx, sc, owners, weeksAround(now))
	if err != nil {
		return nil, err
	}
	units, err := s.unitsIn(ctx, sc)
	if err != nil {
		return nil, err
	}
	mine := ownerUnits(owners, units)
	states := governedStates(patterns, rs, mine, now)
	b := &precinct.DutyBoard{At: now, Date: Date(now), Shifts: boardShifts(rs, today, today.AddDate(0, 0, 1), now, nil), Units: states, Names: map[string]string{}}
	rcs, _, err := s.Store.ListRollCalls(ctx, precinct.RollCallFilter{Scope: sc, StationID: f.StationID, Since: today, Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, rc := range rcs {
		view(rc, now)
	}
	b.RollCalls = nonNil(rcs)
	if b.Strength, err = s.strength(ctx, owners, rs, mine, states, now); err != nil {
		return nil, err
	}
	ps := s.people(ctx)
	for _, sh := range b.Shifts {
		for _, m := range sh.Crew {
			b.Names[m.PersonID] = ps.name(m.PersonID)
			if m.For != "" {
				b.Names[m.For] = ps.name(m.For)
			}
		}
		if sh.PostID != "" {
			if p, err := s.Store.FindPost(ctx, sh.PostID); err == nil {
				b.Names[p.ID] = p.Name
			}
		}
	}
	for _, st := range states {
		for _, p := range st.Crew {
			b.Names[p] = ps.name(p)
		}
	}
	for id, u := range mine {
		b.Names[id] = u.Callsign
	}
	for _, o := range owners {
		b.Names[o.ID] = o.Name
	}
	return b, nil
}

// ownerUnits keeps the units of the owners.
func ownerUnits(owners []*owner, units map[string]*precinct.Unit) map[string]*precinct.Unit {
	out := map[string]*precinct.Unit{}
	for id, u := range units {
		for _, o := range owners {
			if o.owns(u) {
				out[id] = u
				break
			}
		}
	}
	return out
}

// owns reports whether u is a unit of o.
func (o *owner) owns(u *precinct.Unit) bool {
	if o.ServiceStationID != "" {
		return u.ServiceStationID == o.ServiceStationID
	}
	return u.ServiceStationID == "" && u.StationID == o.StationID
}

// Strength returns the duty strength now of each station and service
// station in the caller's scope, for the big screen.
func (s *Service) Strength(ctx context.Context, f precinct.DutyFilter) ([]precinct.StationStrength, error) {
	b, err := s.Board(ctx, f)
	if err != nil {
		return nil, err
	}
	return b.Strength, nil
}

// strength counts, per owner: its staff (officers and auxiliaries), the
// officers seconded to it now, the people on shift now (by roster, and the
// crews of units it does not roster that are not off duty), and its units
// on shift, off shift and short of crew.
func (s *Service) strength(ctx context.Context, owners []*owner, rs []*precinct.Roster, units map[string]*precinct.Unit, states []*precinct.UnitShiftState, now time.Time) ([]precinct.StationStrength, error) {
	stateOf := map[string]*precinct.UnitShiftState{}
	for _, st := range states {
		stateOf[st.UnitID] = st
	}
	out := []precinct.StationStrength{}
	for _, o := range owners {
		ss := precinct.StationStrength{ID: o.ID, Name: o.Name, Kind: "station"}
		pf := precinct.PersonFilter{Scope: precinct.Everywhere, StationID: o.StationID, Limit: 1000}
		if o.ServiceStationID != "" {
			ss.Kind, pf = "service_station", precinct.PersonFilter{Scope: precinct.Everywhere, ServiceStationID: o.ServiceStationID, Limit: 1000}
		}
		for {
			page, next, err := s.Store.ListPeople(ctx, pf)
			if err != nil {
				return nil, err
			}
			for _, p := range page {
				if p.Kind == precinct.PersonOfficer || p.Kind == precinct.PersonAuxiliary {
					ss.Staff++
				}
			}
			if pf.Cursor = next; next == "" {
				break
			}
		}
		if o.ServiceStationID == "" {
			secs, err := s.Store.ListSecondments(ctx, precinct.DutyFilter{Scope: precinct.Everywhere, StationID: o.StationID, Date: Date(now)})
			if err != nil {
				return nil, err
			}
			ss.Seconded = len(secs)
		}
		ss.Total = ss.Staff + ss.Seconded
		var on []string
		for _, r := range rs {
			if r.Owner() != o.ID {
				continue
			}
			for _, sh := range r.Shifts {
				if sh.Covers(now) {
					for _, m := range sh.Crew {
						on = appendNew(on, m.PersonID)
					}
				}
			}
		}
		for _, u := range units {
			if !o.owns(u) {
				continue
			}
			if st := stateOf[u.ID]; st != nil {
				if st.OnShift {
					ss.UnitsOn++
				} else {
					ss.UnitsOff++
				}
				if st.Short {
					ss.UnitsShort++
				}
				continue
			}
			if u.Status == precinct.UnitOffDuty {
				ss.UnitsOff++
				continue
			}
			ss.UnitsOn++
			on = appendNew(on, u.Members...)
		}
		ss.OnDuty = len(on)
		out = append(out, ss)
	}
	return out, nil
}

// MyDuty returns what the officer app shows the caller: today's shifts of
// theirs, roll calls and emergency calls that call them, the duty items
// they hold, tasks given to them, today's check-ins and where they check
// in. Everything is the caller's own.
func (s *Service) MyDuty(ctx context.Context) (*precinct.MyDuty, error) {
	u := precinct.UserFromContext(ctx)
	if precinct.Authorize(u, precinct.PermCheckIn) != nil && precinct.Authorize(u, precinct.PermForceWork) != nil {
		if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
			return nil, err
		}
	}
	now := s.now()
	today := precinct.DayStart(now)
	out := &precinct.MyDuty{At: now, Shifts: []precinct.BoardShift{}, RollCalls: []*precinct.RollCall{}, EmergencyCalls: []*precinct.EmergencyCall{},
		DutyItems: []precinct.DutyItem{}, Tasks: []*precinct.ForceTask{}, CheckIns: []*precinct.CheckIn{}}
	var err error
	if u.PersonID != "" {
		if out.Shifts, err = s.shiftsOf(ctx, u.PersonID, today, today.AddDate(0, 0, 1), now); err != nil {
			return nil, err
		}
		rcs, _, err := s.Store.ListRollCalls(ctx, precinct.RollCallFilter{Scope: precinct.Everywhere, PersonID: u.PersonID, Since: today, Limit: 50})
		if err != nil {
			return nil, err
		}
		for _, rc := range rcs {
			out.RollCalls = append(out.RollCalls, view(rc, now))
		}
		if out.EmergencyCalls, err = s.Store.ListEmergencyCalls(ctx, precinct.EmergencyFilter{Scope: precinct.Everywhere, PersonID: u.PersonID, Since: now.Add(-24 * time.Hour), Limit: 20}); err != nil {
			return nil, err
		}
		if a, err := s.Store.FindDutyAssignment(ctx, u.PersonID); err == nil {
			for _, id := range a.ItemIDs {
				if it, ok := DutyItemByID(id); ok {
					out.DutyItems = append(out.DutyItems, it)
				}
			}
		} else if precinct.ErrorCode(err) != precinct.ENOTFOUND {
			return nil, err
		}
	}
	if out.Tasks, err = s.Store.ListForceTasks(ctx, precinct.ForceFilter{Scope: precinct.Everywhere, UserID: u.ID, Since: now.Add(-7 * 24 * time.Hour), Limit: 50}); err != nil {
		return nil, err
	}
	if out.CheckIns, _, err = s.Store.ListCheckIns(ctx, precinct.CheckInFilter{Scope: precinct.Everywhere, UserID: u.ID, Since: today, Limit: 50}); err != nil {
		return nil, err
	}
	if out.Place, err = s.placeFor(ctx, u, now); err != nil {
		return nil, err
	}
	out.EmergencyCalls, out.Tasks, out.CheckIns = nonNil(out.EmergencyCalls), nonNil(out.Tasks), nonNil(out.CheckIns)
	return out, nil
}

// nonNil returns an empty slice for nil, so that lists read as [] in JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// shiftsOf returns a person's shifts overlapping [from, to), from the
// rosters of their station, service station and any station they are
// seconded to.
func (s *Service) shiftsOf(ctx context.Context, personID string, from, to, now time.Time) ([]precinct.BoardShift, error) {
	rs, err := s.rostersOf(ctx, personID, now)
	if err != nil {
		return nil, err
	}
	return boardShifts(rs, from, to, now, func(sh *precinct.Shift) bool {
		return slices.ContainsFunc(sh.Crew, func(m precinct.CrewMember) bool { return m.PersonID == personID })
	}), nil
}

// rostersOf returns the effective rosters around now of the owners a
// person may stand on.
func (s *Service) rostersOf(ctx context.Context, personID string, now time.Time) ([]*precinct.Roster, error) {
	p, err := s.Store.FindPerson(ctx, personID)
	if precinct.ErrorCode(err) == precinct.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var ids []string
	ids = appendNew(ids, p.StationID, p.ServiceStationID)
	secs, err := s.Store.ListSecondments(ctx, precinct.DutyFilter{Scope: precinct.Everywhere, Date: Date(now)})
	if err != nil {
		return nil, err
	}
	for _, sec := range secs {
		if sec.PersonID == personID {
			ids = appendNew(ids, sec.StationID)
		}
	}
	var owners []*owner
	for _, id := range ids {
		if o, err := s.ownerOf(ctx, precinct.Everywhere, id); err == nil {
			owners = append(owners, o)
		}
	}
	if len(owners) == 0 {
		return nil, nil
	}
	rs, _, err := s.load(ctx, precinct.Everywhere, owners, weeksAround(now))
	return rs, err
}

// DutyLists returns the standard duty lists.
func (s *Service) DutyLists(ctx context.Context) (map[string][]precinct.DutyItem, error) {
	if _, _, err := caller(ctx, precinct.PermReadOrg); err != nil {
		return nil, err
	}
	return DutyLists(), nil
}

// ListDutyAssignments returns who holds which duty items, in scope.
func (s *Service) ListDutyAssignments(ctx context.Context, f precinct.DutyFilter) ([]*precinct.DutyAssignment, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	f.Scope = sc
	return s.Store.ListDutyAssignments(ctx, f)
}

// AssignDuties sets the duty items a person of the caller's scope holds:
// items of the standard list of their station's kind.
func (s *Service) AssignDuties(ctx context.Context, personID string, itemIDs []string) (*precinct.DutyAssignment, error) {
	u, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return nil, err
	}
	p, err := s.Store.FindPerson(ctx, personID)
	if err != nil {
		return nil, err
	}
	pl, err := s.personPlace(ctx, p)
	if err != nil {
		return nil, err
	}
	if !sc.CoversAny(pl...) {
		return nil, precinct.ErrNotFound("人员", "Person", personID)
	}
	allowed := DutyListOf("")
	if p.StationID != "" {
		st, err := s.Store.FindStation(ctx, p.StationID)
		if err != nil {
			return nil, err
		}
		allowed = DutyListOf(st.Kind)
	}
	if len(itemIDs) > len(allowed) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "item_ids", "职责条目过多", "Too many duty items.")
	}
	var ids []string
	for _, id := range itemIDs {
		if !slices.ContainsFunc(allowed, func(it precinct.DutyItem) bool { return it.ID == id }) {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "item_ids", "%s 不在该所的职责清单中", "%s is not on this station's duty list.", id)
		}
		ids = appendNew(ids, id)
	}
	if ids == nil {
		ids = []string{}
	}
	now := s.now()
	a := &precinct.DutyAssignment{PersonID: p.ID, Name: p.Name, SubBureauID: pl[0].SubBureauID, StationID: pl[0].StationID, ItemIDs: ids, AssignedBy: u.ID, At: now}
	if err := s.Store.PutDutyAssignment(ctx, a, pl.event(ctx, now, "duty.list.assigned", "duty_assignment", p.ID, a, nil)); err != nil {
		return nil, err
	}
	s.notify()
	return a, nil
}

// ListSecondments returns the secondments in scope (those active on f.Date
// when set).
func (s *Service) ListSecondments(ctx context.Context, f precinct.DutyFilter) ([]*precinct.Secondment, error) {
	_, sc, err := caller(ctx, precinct.PermReadOrg)
	if err != nil {
		return nil, err
	}
	f.Scope = sc
	if f.Date != "" {
		if _, err := ParseDate(f.Date, "date"); err != nil {
			return nil, err
		}
	}
	return s.Store.ListSecondments(ctx, f)
}

// PutSecondment records (no ID) or changes an officer's secondment to a
// station of the caller's scope: a cycle of one or two years (seed 002),
// the period within it.
func (s *Service) PutSecondment(ctx context.Context, sec *precinct.Secondment) (*precinct.Secondment, error) {
	_, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return nil, err
	}
	o, err := s.ownerOf(ctx, sc, sec.StationID)
	if err != nil || o.StationID == "" {
		return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "station_id", "派出所不存在：%s", "Station not found: %s", sec.StationID)
	}
	p, err := s.Store.FindPerson(ctx, sec.PersonID)
	if err != nil {
		return nil, precinct.FieldErrorf(precinct.ENOTFOUND, "person_id", "人员不存在：%s", "Person not found: %s", sec.PersonID)
	}
	if p.Kind != precinct.PersonOfficer {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "person_id", "只有民警可以下沉", "Only officers are seconded.")
	}
	if err := text("home_unit", sec.HomeUnit, true, maxName); err != nil {
		return nil, err
	}
	if sec.CycleYears != 1 && sec.CycleYears != 2 {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "cycle_years", "下沉周期为 1 年（小周期）或 2 年（大周期）", "A secondment cycle is 1 year (short) or 2 years (long).")
	}
	start, err := ParseDate(sec.Start, "start")
	if err != nil {
		return nil, err
	}
	end, err := ParseDate(sec.End, "end")
	if err != nil {
		return nil, err
	}
	if end.Before(start) || !end.Before(start.AddDate(sec.CycleYears, 0, 0)) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "end", "结束日期应在开始之后、%d 年周期之内", "The end falls after the start and within the %d-year cycle.", sec.CycleYears)
	}
	if sec.ID == "" {
		sec.ID = precinct.NewID("sec", s.now())
	} else if old, err := s.Store.FindSecondment(ctx, sec.ID); err == nil && !sc.Covers(precinct.Location{SubBureauID: old.SubBureauID, StationID: old.StationID}) {
		return nil, precinct.ErrNotFound("下沉记录", "Secondment", sec.ID)
	}
	sec.Name, sec.SubBureauID = p.Name, o.SubBureauID
	if err := s.Store.PutSecondment(ctx, sec, o.place.event(ctx, s.now(), "duty.secondment.updated", "secondment", sec.ID, sec, nil)); err != nil {
		return nil, err
	}
	s.notify()
	return sec, nil
}

// DeleteSecondment removes a secondment of the caller's scope.
func (s *Service) DeleteSecondment(ctx context.Context, id string) error {
	_, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return err
	}
	sec, err := s.Store.FindSecondment(ctx, id)
	if err != nil {
		return err
	}
	pl := place{{SubBureauID: sec.SubBureauID, StationID: sec.StationID}}
	if !sc.CoversAny(pl...) {
		return precinct.ErrNotFound("下沉记录", "Secondment", id)
	}
	if err := s.Store.DeleteSecondment(ctx, id, pl.event(ctx, s.now(), "duty.secondment.deleted", "secondment", id, nil, nil)); err != nil {
		return err
	}
	s.notify()
	return nil
}
