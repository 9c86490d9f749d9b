package duty

import (
	"encoding/json"
	"slices"

	"precinct"
)

// EventRules are the read rules of the events duty records, for the event
// stream (package feed): each is the rule of the matching reads.
func (s *Service) EventRules() map[string]precinct.EventRule {
	return map[string]precinct.EventRule{
		"checkin":         checkInEvent,
		"roster":          placeEvent,
		"shift_pattern":   placeEvent,
		"post":            placeEvent,
		"secondment":      placeEvent,
		"duty_assignment": placeEvent,
		"unit_shift":      gridEvent(func(e *precinct.Event) (string, bool) { return afterGrid[precinct.UnitShiftState](e) }),
		"emergency_unit":  gridEvent(func(e *precinct.Event) (string, bool) { return afterGrid[precinct.EmergencyUnit](e) }),
		"clue":            gridEvent(func(e *precinct.Event) (string, bool) { return afterGrid[precinct.Clue](e) }),
		"force_task":      forceTaskEvent,
		"roll_call":       rollCallEvent,
		"emergency_call":  emergencyCallEvent,
	}
}

// seenAt reports whether u may read a record of the event's stations (its
// station and the further ones it names) and police grid.
func seenAt(u *precinct.User, e *precinct.Event, grid string) bool {
	if precinct.Authorize(u, precinct.PermReadOrg) != nil {
		return false
	}
	sc := precinct.ScopeOf(u)
	for _, st := range append([]string{e.StationID}, e.Stations...) {
		if sc.Covers(precinct.Location{SubBureauID: e.SubBureauID, StationID: st, PoliceGridID: grid}) {
			return true
		}
	}
	return false
}

// placeEvent is the rule of records of a station or service station: read
// where the record's station is reached.
func placeEvent(u *precinct.User, e *precinct.Event) *precinct.Event {
	if seenAt(u, e, "") {
		return e
	}
	return nil
}

// afterGrid reads the police grid of the record an event carries.
func afterGrid[T any](e *precinct.Event) (string, bool) {
	var v T
	if json.Unmarshal(e.After, &v) != nil {
		return "", false
	}
	var g struct {
		PoliceGridID string `json:"police_grid_id"`
	}
	_ = json.Unmarshal(e.After, &g)
	return g.PoliceGridID, true
}

// gridEvent is the rule of records of a police grid: read where the grid
// (or, for a record of no grid, its station) is reached.
func gridEvent(grid func(*precinct.Event) (string, bool)) precinct.EventRule {
	return func(u *precinct.User, e *precinct.Event) *precinct.Event {
		g, ok := grid(e)
		if ok && seenAt(u, e, g) {
			return e
		}
		return nil
	}
}

// checkInEvent is the rule of check-ins: those at a place the caller
// reaches, and those of the caller's own unit.
func checkInEvent(u *precinct.User, e *precinct.Event) *precinct.Event {
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

// people reads the people an event names in its data.
func eventPeople(e *precinct.Event) []string {
	var d struct {
		People []string `json:"people"`
	}
	_ = json.Unmarshal(e.Data, &d)
	return d.People
}

// rollCallEvent is the rule of roll calls: read where the roll call is
// reached, and by the people it calls.
func rollCallEvent(u *precinct.User, e *precinct.Event) *precinct.Event {
	if u != nil && u.PersonID != "" && slices.Contains(eventPeople(e), u.PersonID) || seenAt(u, e, "") {
		return e
	}
	return nil
}

// emergencyCallEvent is the rule of emergency calls: read where the
// emergency unit's grid is reached, and by the members it calls.
func emergencyCallEvent(u *precinct.User, e *precinct.Event) *precinct.Event {
	var c precinct.EmergencyCall
	if u == nil || json.Unmarshal(e.After, &c) != nil || c.ID == "" {
		return nil
	}
	if memberOf(&c, u) >= 0 || seenAt(u, e, c.PoliceGridID) {
		return e
	}
	return nil
}

// forceTaskEvent is the rule of force tasks: read where the task's grid is
// reached, and by the members it is given to.
func forceTaskEvent(u *precinct.User, e *precinct.Event) *precinct.Event {
	var t precinct.ForceTask
	if u == nil || json.Unmarshal(e.After, &t) != nil || t.ID == "" {
		return nil
	}
	if slices.ContainsFunc(t.Assignees, func(a precinct.ForceAssignee) bool { return a.UserID == u.ID }) || seenAt(u, e, t.PoliceGridID) {
		return e
	}
	return nil
}
