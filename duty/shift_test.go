package duty_test

import (
	"slices"
	"testing"
	"time"

	"precinct"
	"precinct/duty"
)

// at returns a time in China Standard Time.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, precinct.CST)
}

// serviceStation is seed 003's police service station: two duty officers
// rotating 正副班, an armed vehicle crew of three standing 24 hours led by
// the secondary, a day and a night patrol group, and a community office
// open on weekdays.
func serviceStation() []*precinct.ShiftPattern {
	officers := [][]string{{"d1"}, {"d2"}}
	own := func(p *precinct.ShiftPattern) *precinct.ShiftPattern {
		p.SubBureauID, p.ServiceStationID = "sb1", "ss1"
		return p
	}
	return []*precinct.ShiftPattern{
		own(&precinct.ShiftPattern{ID: "primary", Name: "正班", Kind: precinct.ShiftPrimary, Start: "08:00", Minutes: 600, MinCrew: 1, Crews: officers}),
		own(&precinct.ShiftPattern{ID: "secondary", Name: "副班", Kind: precinct.ShiftSecondary, Start: "08:00", Minutes: 1440, UnitID: "armed", Crews: officers, Offset: -1}),
		own(&precinct.ShiftPattern{ID: "armed", Name: "武装冲锋车组", Kind: precinct.ShiftCrew, Start: "08:00", Minutes: 1440, UnitID: "armed", MinCrew: 3,
			Crews: [][]string{{"a1", "a2"}, {"b1", "b2"}}}),
		own(&precinct.ShiftPattern{ID: "day", Name: "白班巡逻", Kind: precinct.ShiftDay, Start: "08:00", Minutes: 720, UnitID: "patrol1", MinCrew: 2, Crews: [][]string{{"p1", "p2"}}}),
		own(&precinct.ShiftPattern{ID: "night", Name: "夜班巡逻", Kind: precinct.ShiftNight, Start: "20:00", Minutes: 720, UnitID: "patrol2", MinCrew: 2, Crews: [][]string{{"p3", "p4"}}}),
		own(&precinct.ShiftPattern{ID: "office", Name: "警务室工作时间", Kind: precinct.ShiftOffice, Start: "08:30", Minutes: 540, Weekdays: []int{1, 2, 3, 4, 5},
			UnitID: "community", MinCrew: 1, Crews: [][]string{{"c1"}}}),
	}
}

func crewOf(sh precinct.Shift) []string {
	var out []string
	for _, m := range sh.Crew {
		out = append(out, m.PersonID)
	}
	return out
}

func find(shifts []precinct.Shift, id string) (precinct.Shift, bool) {
	i := slices.IndexFunc(shifts, func(s precinct.Shift) bool { return s.ID == id })
	if i < 0 {
		return precinct.Shift{}, false
	}
	return shifts[i], true
}

// TestPrimaryBecomesSecondary: seed 003's 正副班 — the primary works
// 08:00–18:00; the next day they lead the armed vehicle crew, which stands
// 24 hours.
func TestPrimaryBecomesSecondary(t *testing.T) {
	shifts := duty.Generate(serviceStation(), at(23, 0, 0), at(30, 0, 0))
	for d := 23; d < 29; d++ {
		date := duty.Date(at(d, 0, 0))
		next := duty.Date(at(d+1, 0, 0))
		prim, ok1 := find(shifts, date+"/primary")
		sec, ok2 := find(shifts, next+"/secondary")
		if !ok1 || !ok2 {
			t.Fatalf("day %d: primary %v, next secondary %v", d, ok1, ok2)
		}
		if !prim.Start.Equal(at(d, 8, 0)) || !prim.End.Equal(at(d, 18, 0)) {
			t.Errorf("primary of %s from %v to %v, want 08:00–18:00", date, prim.Start, prim.End)
		}
		if sec.End.Sub(sec.Start) != 24*time.Hour || sec.UnitID != "armed" {
			t.Errorf("secondary %+v: want 24 hours with the armed vehicle", sec)
		}
		if !slices.Equal(crewOf(prim), crewOf(sec)) {
			t.Errorf("primary of %s is %v, secondary of %s is %v: today's primary is tomorrow's secondary", date, crewOf(prim), next, crewOf(sec))
		}
		if today, _ := find(shifts, date+"/secondary"); slices.Equal(crewOf(today), crewOf(prim)) {
			t.Errorf("%s: %v is primary and secondary at once", date, crewOf(prim))
		}
	}
	// The community office opens on weekdays only: 23–27 November 2026
	// are Monday to Friday.
	for d := 23; d < 30; d++ {
		_, ok := find(shifts, duty.Date(at(d, 0, 0))+"/office")
		if want := d <= 27; ok != want {
			t.Errorf("office hours on the %dth: %v, want %v", d, ok, want)
		}
	}
}

func TestValidatePattern(t *testing.T) {
	good := serviceStation()[0]
	if err := duty.ValidatePattern(good); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(p *precinct.ShiftPattern){
		"no name":       func(p *precinct.ShiftPattern) { p.Name = " " },
		"kind":          func(p *precinct.ShiftPattern) { p.Kind = "nap" },
		"start":         func(p *precinct.ShiftPattern) { p.Start = "25:00" },
		"too long":      func(p *precinct.ShiftPattern) { p.Minutes = 1441 },
		"two owners":    func(p *precinct.ShiftPattern) { p.StationID = "st1" },
		"no owner":      func(p *precinct.ShiftPattern) { p.ServiceStationID = "" },
		"weekday":       func(p *precinct.ShiftPattern) { p.Weekdays = []int{0} },
		"repeated crew": func(p *precinct.ShiftPattern) { p.Crews = [][]string{{"x", "x"}} },
		"negative crew": func(p *precinct.ShiftPattern) { p.MinCrew = -1 },
	} {
		p := *good
		edit(&p)
		if err := duty.ValidatePattern(&p); precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

func TestWeeks(t *testing.T) {
	if w := duty.WeekOf(at(29, 23, 59)); w != "2026-11-23" {
		t.Errorf("week of Sunday 29 Nov: %s", w)
	}
	// 16:30 UTC on Sunday is already Monday in China.
	if w := duty.WeekOf(time.Date(2026, 11, 29, 16, 30, 0, 0, time.UTC)); w != "2026-11-30" {
		t.Errorf("week of 2026-11-29T16:30Z: %s", w)
	}
	if _, err := duty.ParseWeek("2026-11-24", "week"); precinct.ErrorCode(err) != precinct.EINVALID {
		t.Errorf("a Tuesday names no week: %v", err)
	}
}

func roster(t *testing.T) *precinct.Roster {
	t.Helper()
	week, _ := duty.ParseWeek("2026-11-23", "week")
	return duty.Generated(duty.Owner{ID: "ss1", SubBureauID: "sb1", ServiceStationID: "ss1"}, week, serviceStation())
}

func units() map[string]*precinct.Unit {
	out := map[string]*precinct.Unit{}
	for _, id := range []string{"armed", "patrol1", "patrol2", "community"} {
		out[id] = &precinct.Unit{ID: id, SubBureauID: "sb1", ServiceStationID: "ss1"}
	}
	return out
}

func stateOf(states []*precinct.UnitShiftState, id string) *precinct.UnitShiftState {
	for _, s := range states {
		if s.UnitID == id {
			return s
		}
	}
	return nil
}

// TestUnitStatesAtBoundaries: the day group is on from 08:00 to 20:00, the
// night group from 20:00 to 08:00, the armed vehicle around the clock, the
// community office 08:30–17:30 on weekdays.
func TestUnitStatesAtBoundaries(t *testing.T) {
	r := roster(t)
	rs := []*precinct.Roster{r}
	cases := []struct {
		t                         time.Time
		day, night, armed, office bool
	}{
		{at(24, 7, 59), false, true, true, false},
		{at(24, 8, 0), true, false, true, false},
		{at(24, 12, 0), true, false, true, true},
		{at(24, 17, 30), true, false, true, false},
		{at(24, 19, 59), true, false, true, false},
		{at(24, 20, 0), false, true, true, false},
		{at(28, 12, 0), true, false, true, false}, // Saturday
	}
	for _, c := range cases {
		st := duty.UnitStates(rs, units(), c.t)
		got := [4]bool{stateOf(st, "patrol1").OnShift, stateOf(st, "patrol2").OnShift, stateOf(st, "armed").OnShift, stateOf(st, "community").OnShift}
		if want := [4]bool{c.day, c.night, c.armed, c.office}; got != want {
			t.Errorf("%v: day, night, armed, office %v, want %v", c.t, got, want)
		}
	}
	st := stateOf(duty.UnitStates(rs, units(), at(24, 12, 0)), "armed")
	if len(st.Crew) != 3 || st.Short || st.MinCrew != 3 {
		t.Errorf("armed vehicle at noon: %+v, want the secondary and two crew, not short", st)
	}
	if !st.AsOf.Equal(at(24, 8, 0)) || !st.Until.Equal(at(25, 8, 0)) {
		t.Errorf("armed vehicle as of %v until %v", st.AsOf, st.Until)
	}
	if b := duty.NextBoundary(rs, at(24, 8, 0)); !b.Equal(at(24, 8, 30)) {
		t.Errorf("next boundary after 08:00: %v, want 08:30 (the office opens)", b)
	}
}

// TestLeaveSwapCover: leave takes a person off their shifts (and leaves the
// unit short), a cover stands in, a swap exchanges two people; each edit is
// recorded, and a failed edit changes nothing.
func TestLeaveSwapCover(t *testing.T) {
	r := roster(t)
	known := func(id string) bool { return id != "ghost" }
	now := at(23, 9, 0)
	// Whoever of the armed crew is on the 24th takes the day off.
	armedShift, _ := find(r.Shifts, "2026-11-24/armed")
	absent := crewOf(armedShift)[0]
	err := duty.Edit(r, precinct.RosterEdit{Kind: precinct.ChangeLeave, Leave: &precinct.Leave{PersonID: absent, From: at(24, 0, 0), To: at(25, 0, 0), Reason: "病假"}}, "u1", now, known)
	if err != nil {
		t.Fatal(err)
	}
	st := stateOf(duty.UnitStates([]*precinct.Roster{r}, units(), at(24, 12, 0)), "armed")
	if !st.OnShift || !st.Short || len(st.Crew) != 2 {
		t.Errorf("after leave: %+v, want on shift, short (2 of 3)", st)
	}
	if len(r.Leaves) != 1 || len(r.Changes) != 1 || r.Changes[0].Kind != precinct.ChangeLeave || len(r.Changes[0].ShiftIDs) == 0 {
		t.Errorf("leave not recorded: %+v %+v", r.Leaves, r.Changes)
	}
	// Cover for the absent person: the unit has its crew again.
	err = duty.Edit(r, precinct.RosterEdit{Kind: precinct.ChangeCover, ShiftID: armedShift.ID, CoverID: "x9"}, "u1", now, known)
	if err != nil {
		t.Fatal(err)
	}
	st = stateOf(duty.UnitStates([]*precinct.Roster{r}, units(), at(24, 12, 0)), "armed")
	if st.Short || len(st.Crew) != 3 || !slices.Contains(st.Crew, "x9") {
		t.Errorf("after cover: %+v", st)
	}
	// Swap the day group's p1 (24th) with the night group's p3 (24th).
	err = duty.Edit(r, precinct.RosterEdit{Kind: precinct.ChangeSwap,
		A: &precinct.SwapSide{ShiftID: "2026-11-24/day", PersonID: "p1"}, B: &precinct.SwapSide{ShiftID: "2026-11-24/night", PersonID: "p3"}}, "u1", now, known)
	if err != nil {
		t.Fatal(err)
	}
	day, _ := find(r.Shifts, "2026-11-24/day")
	night, _ := find(r.Shifts, "2026-11-24/night")
	if !slices.Contains(crewOf(day), "p3") || !slices.Contains(crewOf(night), "p1") || day.Crew[0].For != "p1" {
		t.Errorf("after swap: day %+v night %+v", day.Crew, night.Crew)
	}
	before := len(r.Changes)
	bad := []precinct.RosterEdit{
		{Kind: precinct.ChangeCover, ShiftID: "2026-11-24/day", PersonID: "nobody", CoverID: "x9"},
		{Kind: precinct.ChangeCover, ShiftID: "no-such", CoverID: "x9"},
		{Kind: precinct.ChangeLeave, Leave: &precinct.Leave{PersonID: "ghost", From: at(24, 0, 0), To: at(25, 0, 0)}},
		{Kind: precinct.ChangeLeave, Leave: &precinct.Leave{PersonID: "p2", From: at(25, 0, 0), To: at(24, 0, 0)}},
		{Kind: precinct.ChangeSwap, A: &precinct.SwapSide{ShiftID: "2026-11-24/day", PersonID: "p2"}, B: &precinct.SwapSide{ShiftID: "2026-11-24/day", PersonID: "p3"}},
		{Kind: "promote"},
	}
	for _, e := range bad {
		if err := duty.Edit(r, e, "u1", now, known); err == nil {
			t.Errorf("%+v: no error", e)
		}
	}
	if len(r.Changes) != before {
		t.Errorf("failed edits were recorded")
	}
}

// TestReplaceShifts: the week's shifts set in full are checked: in the
// week, at most 24 hours, known people.
func TestReplaceShifts(t *testing.T) {
	r := roster(t)
	known := func(id string) bool { return id != "ghost" }
	sh := precinct.Shift{Name: "护学岗", Kind: precinct.ShiftPost, PostID: "gate", Start: at(25, 7, 30), End: at(25, 8, 30), MinCrew: 1,
		Crew: []precinct.CrewMember{{PersonID: "p1"}}}
	if err := duty.Edit(r, precinct.RosterEdit{Kind: precinct.ChangeEdit, Shifts: []precinct.Shift{sh}}, "u1", at(23, 9, 0), known); err != nil {
		t.Fatal(err)
	}
	if len(r.Shifts) != 1 || r.Shifts[0].ID != "2026-11-25/s1" {
		t.Errorf("shifts %+v", r.Shifts)
	}
	for name, edit := range map[string]func(s *precinct.Shift){
		"before the week": func(s *precinct.Shift) { s.Start, s.End = at(22, 7, 0), at(22, 8, 0) },
		"too long":        func(s *precinct.Shift) { s.End = s.Start.Add(25 * time.Hour) },
		"unknown person":  func(s *precinct.Shift) { s.Crew = []precinct.CrewMember{{PersonID: "ghost"}} },
		"twice":           func(s *precinct.Shift) { s.Crew = []precinct.CrewMember{{PersonID: "p1"}, {PersonID: "p1"}} },
	} {
		bad := sh
		edit(&bad)
		if err := duty.Edit(r, precinct.RosterEdit{Kind: precinct.ChangeEdit, Shifts: []precinct.Shift{bad}}, "u1", at(23, 9, 0), known); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestJudge(t *testing.T) {
	office := &precinct.CheckInPlace{Kind: precinct.PlaceCommunityOffice, ID: "co1", Location: precinct.Point{Lon: 108.1, Lat: 29.1}, RadiusM: duty.RadiusCommunityOffice}
	near := &precinct.Point{Lon: 108.101, Lat: 29.1} // about 97 m east
	far := &precinct.Point{Lon: 108.12, Lat: 29.1}   // about 1.9 km east
	if v, d := duty.Judge(office, near); v != precinct.CheckInInside || d == nil || *d < 90 || *d > 100 {
		t.Errorf("near: %s %v", v, d)
	}
	if v, d := duty.Judge(office, far); v != precinct.CheckInOutside || d == nil || *d < 1800 {
		t.Errorf("far: %s %v", v, d)
	}
	if v, d := duty.Judge(office, nil); v != precinct.CheckInNoPosition || d != nil {
		t.Errorf("no position: %s %v", v, d)
	}
	if v, _ := duty.Judge(nil, near); v != precinct.CheckInNoPlace {
		t.Errorf("no place: %s", v)
	}
}

func TestDutyLists(t *testing.T) {
	lists := duty.DutyLists()
	if n := len(lists[duty.GroupCommon]); n != 34 {
		t.Errorf("%d common tasks, want seed 002's 34", n)
	}
	seen := map[string]bool{}
	for group, items := range lists {
		for _, it := range items {
			if seen[it.ID] || it.Name == "" || it.NameEN == "" || (it.Source != duty.SourceSeed && it.Source != duty.SourceDerived) {
				t.Errorf("%s: item %+v repeated or incomplete", group, it)
			}
			seen[it.ID] = true
		}
	}
	for _, k := range []precinct.StationKind{precinct.StationCentral, precinct.StationBase, precinct.StationBorder, precinct.StationUrban} {
		if l := duty.DutyListOf(k); len(l) <= 34 {
			t.Errorf("%s: %d items, want the common 34 and its own", k, len(l))
		}
	}
}
