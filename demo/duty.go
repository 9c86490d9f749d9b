package demo

import (
	"slices"

	"precinct"
)

// dutyOfficers adds the two officers who take turns as the service
// station's primary and secondary duty officer (正副班, seed 003).
func (b *builder) dutyOfficers() {
	for _, ss := range b.j.ServiceStations {
		for i := 0; i < 2; i++ {
			p := b.person(precinct.PersonOfficer, "", "", "")
			p.ServiceStationID = ss.ID
		}
	}
}

// ShiftPatterns returns the demo's shift patterns: seed 003's at each
// police service station. Its two duty officers (the station's people in no
// unit) take turns: the primary at the station 08:00–18:00, the secondary
// leading the armed vehicle crew, which stands 24 hours; today's primary is
// tomorrow's secondary. Every patrol group and patrol car stands 24 hours
// with its crew. The stations' own shifts are left to their command
// offices, so that their units keep the status set by hand.
func ShiftPatterns(j *precinct.Jurisdiction) []*precinct.ShiftPattern {
	var out []*precinct.ShiftPattern
	for _, ss := range j.ServiceStations {
		var units []*precinct.Unit
		var crews []string
		for _, u := range j.Units {
			if u.ServiceStationID == ss.ID {
				units = append(units, u)
				crews = append(crews, u.Members...)
			}
		}
		var officers [][]string
		for _, p := range j.People {
			if p.ServiceStationID == ss.ID && p.Kind == precinct.PersonOfficer && !slices.Contains(crews, p.ID) {
				officers = append(officers, []string{p.ID})
			}
		}
		pattern := func(id, name string, kind precinct.ShiftKind, minutes int, unitID string, minCrew int, crews [][]string, offset int) {
			out = append(out, &precinct.ShiftPattern{ID: "pat-" + ss.ID + "-" + id, SubBureauID: ss.SubBureauID, ServiceStationID: ss.ID,
				Name: name, Kind: kind, Start: "08:00", Minutes: minutes, UnitID: unitID, MinCrew: minCrew, Crews: crews, Offset: offset})
		}
		var armed string
		for _, u := range units {
			if u.Kind == precinct.UnitArmedVehicle {
				armed = u.ID
				pattern(u.ID, u.Callsign+"（24小时）", precinct.ShiftCrew, 1440, u.ID, 3, [][]string{u.Members}, 0)
			} else {
				pattern(u.ID, u.Callsign+"（24小时巡逻）", precinct.ShiftCrew, 1440, u.ID, len(u.Members), [][]string{u.Members}, 0)
			}
		}
		if len(officers) >= 2 {
			pattern("primary", "正班（值班民警）", precinct.ShiftPrimary, 600, "", 1, officers, 0)
			pattern("secondary", "副班（武装车组带班）", precinct.ShiftSecondary, 1440, armed, 0, officers, -1)
		}
	}
	return out
}
