package duty

import (
	"slices"
	"time"

	"precinct"
)

// Governed returns the units that shift patterns or rosters name: their
// availability follows the roster. A unit no pattern names keeps its status
// as set by hand.
func Governed(patterns []*precinct.ShiftPattern, rosters []*precinct.Roster) map[string]bool {
	out := map[string]bool{}
	for _, p := range patterns {
		if p.UnitID != "" {
			out[p.UnitID] = true
		}
	}
	for _, r := range rosters {
		for _, sh := range r.Shifts {
			if sh.UnitID != "" {
				out[sh.UnitID] = true
			}
		}
	}
	return out
}

// UnitStates returns the state at t of each governed unit, from the shifts
// of the rosters: on shift while one of its shifts covering t has someone
// on it; short while those shifts have fewer people, together, than the
// largest minimum crew among them (a shift that should be on with nobody on
// it leaves the unit off shift and short). AsOf is the latest shift
// boundary at or before t, or the last edit of a roster of the unit's
// owner (or of the patterns it is generated from) if later; Until
// the next boundary. units supplies each unit's
// sub-bureau, station and service station.
func UnitStates(rosters []*precinct.Roster, units map[string]*precinct.Unit, t time.Time) []*precinct.UnitShiftState {
	type acc struct {
		st     *precinct.UnitShiftState
		asOf   time.Time
		until  time.Time
		anyOn  bool
		people []string
	}
	by := map[string]*acc{}
	for id, u := range units {
		by[id] = &acc{st: &precinct.UnitShiftState{UnitID: id, SubBureauID: u.SubBureauID, StationID: u.StationID, ServiceStationID: u.ServiceStationID, PoliceGridID: u.PoliceGridID}}
	}
	// An edit of a roster (or of the patterns a roster is generated from)
	// makes a new state of every unit of its owner.
	for _, r := range rosters {
		if r.UpdatedAt.After(t) {
			continue
		}
		for _, a := range by {
			if u := units[a.st.UnitID]; unitOwner(u) == r.Owner() && r.UpdatedAt.After(a.asOf) {
				a.asOf = r.UpdatedAt
			}
		}
	}
	for _, r := range rosters {
		for i := range r.Shifts {
			sh := &r.Shifts[i]
			a := by[sh.UnitID]
			if a == nil {
				continue
			}
			for _, b := range [2]time.Time{sh.Start, sh.End} {
				if !b.After(t) && b.After(a.asOf) {
					a.asOf = b
				}
				if b.After(t) && (a.until.IsZero() || b.Before(a.until)) {
					a.until = b
				}
			}
			if !sh.Covers(t) {
				continue
			}
			a.anyOn = true
			a.st.ShiftIDs = append(a.st.ShiftIDs, sh.ID)
			a.st.MinCrew = max(a.st.MinCrew, sh.MinCrew)
			for _, m := range sh.Crew {
				if !slices.Contains(a.people, m.PersonID) {
					a.people = append(a.people, m.PersonID)
				}
			}
		}
	}
	out := make([]*precinct.UnitShiftState, 0, len(by))
	for _, a := range by {
		st := a.st
		st.Crew = a.people
		if st.Crew == nil {
			st.Crew = []string{}
		}
		st.OnShift = len(a.people) > 0
		st.Short = a.anyOn && len(a.people) < st.MinCrew
		st.AsOf, st.Until = a.asOf, a.until
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *precinct.UnitShiftState) int {
		if a.UnitID < b.UnitID {
			return -1
		} else if a.UnitID > b.UnitID {
			return 1
		}
		return 0
	})
	return out
}

// unitOwner returns the service station or station a unit belongs to.
func unitOwner(u *precinct.Unit) string {
	if u.ServiceStationID != "" {
		return u.ServiceStationID
	}
	return u.StationID
}

// NextBoundary returns the earliest start or end of a shift after t, or
// the zero time when there is none.
func NextBoundary(rosters []*precinct.Roster, t time.Time) time.Time {
	var next time.Time
	for _, r := range rosters {
		for _, sh := range r.Shifts {
			for _, b := range [2]time.Time{sh.Start, sh.End} {
				if b.After(t) && (next.IsZero() || b.Before(next)) {
					next = b
				}
			}
		}
	}
	return next
}

// SameState reports whether two states of a unit show the same thing: on
// or off shift, the same people, short or not.
func SameState(a, b *precinct.UnitShiftState) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.OnShift != b.OnShift || a.Short != b.Short || len(a.Crew) != len(b.Crew) {
		return false
	}
	for _, p := range a.Crew {
		if !slices.Contains(b.Crew, p) {
			return false
		}
	}
	return true
}

// OnNow returns the shifts of the rosters that cover t.
func OnNow(rosters []*precinct.Roster, t time.Time) []precinct.Shift {
	var out []precinct.Shift
	for _, r := range rosters {
		for _, sh := range r.Shifts {
			if sh.Covers(t) {
				out = append(out, sh)
			}
		}
	}
	return out
}
