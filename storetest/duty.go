package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"precinct"
)

// The duty stores' contract: every list keeps to its Scope (an empty one
// reaches nothing), versions and conditional writes hold under concurrency,
// and each change is recorded with its event.

var (
	scopeSt1   = precinct.Scope{Location: precinct.Location{SubBureauID: "sb1", StationID: "st1"}}
	scopeSt2   = precinct.Scope{Location: precinct.Location{SubBureauID: "sb1", StationID: "st2"}}
	scopeGrid1 = precinct.Scope{Location: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}}
	scopeOther = precinct.Scope{Location: precinct.Location{SubBureauID: "sb9"}}
)

func ev(ctx context.Context, typ, id string) *precinct.Event {
	return precinct.NewEvent(ctx, t0, typ, precinct.Location{SubBureauID: "sb1", StationID: "st1"}, "duty", id, nil, nil, nil)
}

// eventsOf counts the stored events of a type.
func eventsOf(t *testing.T, s precinct.Store, typ string) int {
	t.Helper()
	evs, err := s.ListEvents(context.Background(), precinct.EventFilter{Scope: precinct.Everywhere, Types: []string{typ}, Limit: 10000})
	must(t, err)
	return len(evs)
}

func testDuty(t *testing.T, s precinct.Store) {
	imported(t, s)
	for _, tt := range []struct {
		name string
		fn   func(*testing.T, precinct.Store)
	}{
		{"patterns", testPatterns},
		{"rosters", testRosters},
		{"shift states", testShiftStates},
		{"roll calls", testRollCalls},
		{"emergency units", testEmergency},
		{"forces", testForces},
		{"secondments, duty lists, posts", testDutyRecords},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, s) })
	}
}

func sortedIDs[T any](items []*T, id func(*T) string) []string {
	var out []string
	for _, it := range items {
		out = append(out, id(it))
	}
	slices.Sort(out)
	return out
}

func testPatterns(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	ps := []*precinct.ShiftPattern{
		{ID: "pat-st1", SubBureauID: "sb1", StationID: "st1", Name: "白班", Kind: precinct.ShiftDay, Start: "08:00", Minutes: 720, UnitID: "un1", MinCrew: 2, UpdatedAt: t0},
		{ID: "pat-st2", SubBureauID: "sb1", StationID: "st2", Name: "夜班", Kind: precinct.ShiftNight, Start: "20:00", Minutes: 720, UnitID: "un4", UpdatedAt: t0},
		{ID: "pat-ss1", SubBureauID: "sb1", ServiceStationID: "ss1", Name: "正班", Kind: precinct.ShiftPrimary, Start: "08:00", Minutes: 600, Crews: [][]string{{"p1"}}, UpdatedAt: t0},
	}
	for _, p := range ps {
		must(t, s.PutShiftPattern(ctx, p, ev(ctx, "duty.pattern.updated", p.ID)))
	}
	pat := func(p *precinct.ShiftPattern) string { return p.ID }
	for name, c := range map[string]struct {
		f    precinct.DutyFilter
		want []string
	}{
		"station 1 sees its own and its service station's": {precinct.DutyFilter{Scope: scopeSt1}, []string{"pat-ss1", "pat-st1"}},
		"station 2 too":       {precinct.DutyFilter{Scope: scopeSt2}, []string{"pat-ss1", "pat-st2"}},
		"everywhere":          {precinct.DutyFilter{Scope: precinct.Everywhere}, []string{"pat-ss1", "pat-st1", "pat-st2"}},
		"empty scope":         {precinct.DutyFilter{}, nil},
		"another sub-bureau":  {precinct.DutyFilter{Scope: scopeOther}, nil},
		"one station's own":   {precinct.DutyFilter{Scope: precinct.Everywhere, StationID: "st1"}, []string{"pat-st1"}},
		"one service station": {precinct.DutyFilter{Scope: precinct.Everywhere, ServiceStationID: "ss1"}, []string{"pat-ss1"}},
	} {
		got, err := s.ListShiftPatterns(ctx, c.f)
		must(t, err)
		if g := sortedIDs(got, pat); !slices.Equal(g, c.want) {
			t.Errorf("%s: %v, want %v", name, g, c.want)
		}
	}
	p, err := s.FindShiftPattern(ctx, "pat-ss1")
	must(t, err)
	if p.ServiceStationID != "ss1" || len(p.Crews) != 1 || !p.UpdatedAt.Equal(t0) {
		t.Errorf("pattern %+v", p)
	}
	must(t, s.DeleteShiftPattern(ctx, "pat-st2", ev(ctx, "duty.pattern.deleted", "pat-st2")))
	wantCode(t, s.DeleteShiftPattern(ctx, "pat-st2", ev(ctx, "duty.pattern.deleted", "pat-st2")), precinct.ENOTFOUND)
	_, err = s.FindShiftPattern(ctx, "pat-st2")
	wantCode(t, err, precinct.ENOTFOUND)
	if n := eventsOf(t, s, "duty.pattern.deleted"); n != 1 {
		t.Errorf("%d delete events, want 1", n)
	}
	wantCode(t, s.PutShiftPattern(ctx, &precinct.ShiftPattern{ID: "x", SubBureauID: "sb1", ServiceStationID: "nope"}, ev(ctx, "duty.pattern.updated", "x")), precinct.ENOTFOUND)
}

func testRosters(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	put := func(r *precinct.Roster, prev int) error {
		return s.PutRosters(ctx, []precinct.RosterWrite{{Roster: r, PrevVersion: prev, Event: ev(ctx, "duty.roster.updated", r.ID)}})
	}
	r := &precinct.Roster{ID: precinct.RosterID("ss1", "2026-11-23"), SubBureauID: "sb1", ServiceStationID: "ss1", Week: "2026-11-23",
		Shifts:    []precinct.Shift{{ID: "2026-11-23/a", Name: "正班", Kind: precinct.ShiftPrimary, Start: t0, End: t0.Add(10 * time.Hour), Crew: []precinct.CrewMember{{PersonID: "p1"}}}},
		UpdatedAt: t0, Names: map[string]string{"p1": "张警官"}}
	must(t, put(r, 0))
	if r.Version != 1 {
		t.Errorf("version %d after the first save", r.Version)
	}
	// A second editor who also started from the generated week loses.
	wantCode(t, put(r, 0), precinct.ECONFLICT)
	r.Shifts[0].Crew = append(r.Shifts[0].Crew, precinct.CrewMember{PersonID: "p3", For: "p2"})
	must(t, put(r, 1))
	wantCode(t, put(r, 1), precinct.ECONFLICT)
	got, err := s.FindRoster(ctx, r.ID)
	must(t, err)
	if got.Version != 2 || len(got.Shifts[0].Crew) != 2 || got.Shifts[0].Crew[1].For != "p2" || got.Names != nil || !got.Shifts[0].Start.Equal(t0) {
		t.Errorf("stored roster %+v", got)
	}
	st1 := &precinct.Roster{ID: precinct.RosterID("st1", "2026-11-23"), SubBureauID: "sb1", StationID: "st1", Week: "2026-11-23", UpdatedAt: t0}
	must(t, put(st1, 0))
	other := &precinct.Roster{ID: precinct.RosterID("st2", "2026-11-30"), SubBureauID: "sb1", StationID: "st2", Week: "2026-11-30", UpdatedAt: t0}
	must(t, put(other, 0))
	ros := func(r *precinct.Roster) string { return r.ID }
	for name, c := range map[string]struct {
		f     precinct.DutyFilter
		weeks []string
		want  []string
	}{
		"station 1, week 48":   {precinct.DutyFilter{Scope: scopeSt1}, []string{"2026-11-23"}, []string{"ss1@2026-11-23", "st1@2026-11-23"}},
		"station 2, two weeks": {precinct.DutyFilter{Scope: scopeSt2}, []string{"2026-11-23", "2026-11-30"}, []string{"ss1@2026-11-23", "st2@2026-11-30"}},
		"one owner":            {precinct.DutyFilter{Scope: precinct.Everywhere, StationID: "st1"}, []string{"2026-11-23"}, []string{"st1@2026-11-23"}},
		"empty scope":          {precinct.DutyFilter{}, []string{"2026-11-23"}, nil},
		"no weeks":             {precinct.DutyFilter{Scope: precinct.Everywhere}, []string{}, nil},
	} {
		got, err := s.ListRosters(ctx, c.f, c.weeks)
		must(t, err)
		if g := sortedIDs(got, ros); !slices.Equal(g, c.want) {
			t.Errorf("%s: %v, want %v", name, g, c.want)
		}
	}
	_, err = s.FindRoster(ctx, "st1@2026-12-07")
	wantCode(t, err, precinct.ENOTFOUND)
	// Two weeks at once: a stale one stores neither.
	next := &precinct.Roster{ID: precinct.RosterID("st1", "2026-11-30"), SubBureauID: "sb1", StationID: "st1", Week: "2026-11-30", UpdatedAt: t0}
	err = s.PutRosters(ctx, []precinct.RosterWrite{{Roster: next, Event: ev(ctx, "duty.roster.updated", next.ID)}, {Roster: st1, PrevVersion: 7, Event: ev(ctx, "duty.roster.updated", st1.ID)}})
	wantCode(t, err, precinct.ECONFLICT)
	_, err = s.FindRoster(ctx, next.ID)
	wantCode(t, err, precinct.ENOTFOUND)
}

// testShiftStates: the first state of a unit is recorded with its event; an
// equal or older one changes nothing; a newer different one is recorded;
// and when several nodes record the same change at once, one event results.
func testShiftStates(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	state := func(unit string, on bool, asOf time.Time, crew ...string) precinct.ShiftStateChange {
		st := &precinct.UnitShiftState{UnitID: unit, SubBureauID: "sb1", StationID: "st1", OnShift: on, Crew: crew, MinCrew: 2, Short: len(crew) < 2, AsOf: asOf}
		if unit == "un4" {
			st.StationID = "st2"
		}
		e := precinct.NewEvent(ctx, asOf, "duty.unit.shift", precinct.Location{SubBureauID: "sb1", StationID: st.StationID}, "unit", unit, nil, st, nil)
		return precinct.ShiftStateChange{State: st, Event: e}
	}
	applied, err := s.SaveShiftStates(ctx, []precinct.ShiftStateChange{state("un1", true, t0, "p1", "p3"), state("un4", false, t0)})
	must(t, err)
	if len(applied) != 0 {
		t.Fatalf("first states: %d changes, want none (nothing changed)", len(applied))
	}
	for name, c := range map[string]struct {
		change precinct.ShiftStateChange
		want   int
	}{
		"same again":                {state("un1", true, t0, "p3", "p1"), 0},
		"older and different":       {state("un1", false, t0.Add(-time.Hour)), 0},
		"newer and the same":        {state("un1", true, t0.Add(time.Minute), "p1", "p3"), 0},
		"newer and short":           {state("un1", true, t0.Add(2*time.Minute), "p1"), 1},
		"same time, different crew": {state("un1", true, t0.Add(2*time.Minute), "p3"), 1},
	} {
		_ = name
		applied, err := s.SaveShiftStates(ctx, []precinct.ShiftStateChange{c.change})
		must(t, err)
		if len(applied) != c.want {
			t.Errorf("%s: %d applied, want %d", name, len(applied), c.want)
		}
	}
	// Eight nodes reach the 20:00 boundary together, each with the same
	// changes of 2 fixture units and 150 more.
	boundary := t0.Add(12 * time.Hour)
	batch := func(on bool, at time.Time) []precinct.ShiftStateChange {
		cs := []precinct.ShiftStateChange{state("un1", !on, at), state("un4", on, at, "p2", "p9")}
		for i := 0; i < 150; i++ {
			cs = append(cs, state(fmt.Sprintf("un9%03d", i), on, at, "p1", "p2"))
		}
		return cs
	}
	_, err = s.SaveShiftStates(ctx, batch(false, t0)[2:])
	must(t, err)
	before := eventsOf(t, s, "duty.unit.shift")
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied, err := s.SaveShiftStates(ctx, batch(true, boundary))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			total += len(applied)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 152 {
		t.Errorf("8 nodes recorded %d changes of 152 units, want 152", total)
	}
	if n := eventsOf(t, s, "duty.unit.shift") - before; n != 152 || before != 2 {
		t.Errorf("%d shift events, want 152", n)
	}
	sts, err := s.ListShiftStates(ctx, precinct.DutyFilter{Scope: scopeSt2})
	must(t, err)
	if len(sts) != 1 || sts[0].UnitID != "un4" || !sts[0].OnShift || !sts[0].AsOf.Equal(boundary) {
		t.Errorf("states of station 2: %+v", sts)
	}
	if sts, _ := s.ListShiftStates(ctx, precinct.DutyFilter{}); len(sts) != 0 {
		t.Errorf("an empty scope read %d states", len(sts))
	}
}

func testRollCalls(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	deadline := t0.Add(5 * time.Minute)
	mk := func(id, station string, people ...string) *precinct.RollCall {
		rc := &precinct.RollCall{ID: id, SubBureauID: "sb1", StationID: station, Title: "巡逻组点名", Targets: precinct.RollCallTargets{UnitIDs: []string{"un1"}},
			CalledBy: "u2", CalledAt: t0, Deadline: deadline, Status: precinct.RollCallOpen}
		for _, p := range people {
			rc.Members = append(rc.Members, precinct.RollCallMember{PersonID: p, Name: "名" + p, UserID: "user-" + p, UnitID: "un1", Status: precinct.AnswerPending})
		}
		must(t, s.CreateRollCall(ctx, rc, ev(ctx, "duty.roll_call.created", id)))
		return rc
	}
	mk("rc1", "st1", "p1", "p3")
	mk("rc2", "st2", "p2")
	here := &precinct.Point{Lon: 108.1, Lat: 29.1}
	must(t, s.AnswerRollCall(ctx, "rc1", "p1", t0.Add(time.Minute), here, ev(ctx, "duty.roll_call.answered", "rc1")))
	wantCode(t, s.AnswerRollCall(ctx, "rc1", "p1", t0.Add(2*time.Minute), here, ev(ctx, "duty.roll_call.answered", "rc1")), precinct.ECONFLICT)
	wantCode(t, s.AnswerRollCall(ctx, "rc1", "p9", t0.Add(2*time.Minute), nil, ev(ctx, "duty.roll_call.answered", "rc1")), precinct.ENOTFOUND)
	wantCode(t, s.AnswerRollCall(ctx, "rc1", "p3", deadline.Add(time.Second), nil, ev(ctx, "duty.roll_call.answered", "rc1")), precinct.ECONFLICT)
	wantCode(t, s.AnswerRollCall(ctx, "nope", "p3", t0, nil, ev(ctx, "duty.roll_call.answered", "nope")), precinct.ENOTFOUND)
	rc, err := s.FindRollCall(ctx, "rc1")
	must(t, err)
	if len(rc.Members) != 2 || rc.Members[0].Status != precinct.AnswerAnswered || rc.Members[0].Point == nil || rc.Members[0].AnsweredAt == nil ||
		rc.Members[1].Status != precinct.AnswerPending || rc.Members[1].Point != nil || rc.Members[0].UserID != "user-p1" || !rc.Deadline.Equal(deadline) {
		t.Errorf("roll call %+v", rc)
	}
	if next, err := s.NextRollCallDeadline(ctx); err != nil || !next.Equal(deadline) {
		t.Errorf("next deadline %v %v", next, err)
	}
	due, err := s.DueRollCalls(ctx, t0)
	must(t, err)
	if len(due) != 0 {
		t.Errorf("%d due before the deadline", len(due))
	}
	due, _ = s.DueRollCalls(ctx, deadline)
	if len(due) != 2 {
		t.Fatalf("%d due at the deadline, want 2", len(due))
	}
	// Two nodes close the same roll call: one records it.
	var wg sync.WaitGroup
	closed := make([]bool, 4)
	for i := range closed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.CloseRollCall(ctx, "rc1", ev(ctx, "duty.roll_call.closed", "rc1"))
			if err != nil {
				t.Error(err)
			}
			closed[i] = ok
		}()
	}
	wg.Wait()
	if n := len(slices.DeleteFunc(slices.Clone(closed), func(b bool) bool { return !b })); n != 1 {
		t.Errorf("%d closes succeeded, want 1", n)
	}
	if _, err := s.CloseRollCall(ctx, "rc2", ev(ctx, "duty.roll_call.closed", "rc2")); err != nil {
		t.Fatal(err)
	}
	rc, _ = s.FindRollCall(ctx, "rc1")
	if rc.Status != precinct.RollCallClosed || rc.Members[1].Status != precinct.AnswerMissed || rc.Members[0].Status != precinct.AnswerAnswered {
		t.Errorf("closed roll call %+v", rc)
	}
	if n := eventsOf(t, s, "duty.roll_call.closed"); n != 2 {
		t.Errorf("%d close events, want 2", n)
	}
	misses, err := s.RollCallMisses(ctx, precinct.RollCallMissFilter{Scope: precinct.Everywhere, Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour)})
	must(t, err)
	if fmt.Sprint(misses) != "[{p1 1 0} {p2 1 1} {p3 1 1}]" {
		t.Errorf("misses %v", misses)
	}
	misses, _ = s.RollCallMisses(ctx, precinct.RollCallMissFilter{Scope: scopeSt1, Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour), PersonIDs: []string{"p3", "p2"}})
	if fmt.Sprint(misses) != "[{p3 1 1}]" {
		t.Errorf("misses of station 1's p2, p3: %v", misses)
	}
	if misses, _ := s.RollCallMisses(ctx, precinct.RollCallMissFilter{Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour)}); len(misses) != 0 {
		t.Errorf("an empty scope counted %v", misses)
	}
	list, next, err := s.ListRollCalls(ctx, precinct.RollCallFilter{Scope: scopeSt1})
	must(t, err)
	if len(list) != 1 || list[0].ID != "rc1" || len(list[0].Members) != 2 || next != "" {
		t.Errorf("station 1's roll calls %+v, next %q", list, next)
	}
	list, _, _ = s.ListRollCalls(ctx, precinct.RollCallFilter{Scope: precinct.Everywhere, PersonID: "p2"})
	if len(list) != 1 || list[0].ID != "rc2" {
		t.Errorf("p2's roll calls %+v", list)
	}

	// Pages of two follow a cursor to the end, newest first, each roll call
	// once, roll calls of the same moment included.
	for i := range 5 {
		at := t0.Add(time.Duration(i/2) * time.Minute)
		rc := &precinct.RollCall{ID: fmt.Sprintf("rcp%d", i), SubBureauID: "sb1", StationID: "st2", CalledBy: "u1", CalledAt: at, Deadline: at.Add(5 * time.Minute),
			Status: precinct.RollCallOpen, Members: []precinct.RollCallMember{{PersonID: "p2", Status: precinct.AnswerPending}}}
		must(t, s.CreateRollCall(ctx, rc, ev(ctx, "duty.roll_call.called", rc.ID)))
	}
	seen := allPages(t, func(cur string) ([]*precinct.RollCall, string, error) {
		return s.ListRollCalls(ctx, precinct.RollCallFilter{Scope: precinct.Everywhere, StationID: "st2", Cursor: cur, Limit: 2})
	}, func(rc *precinct.RollCall) string { return rc.ID })
	if fmt.Sprint(seen) != "[rcp4 rcp3 rcp2 rcp1 rcp0 rc2]" {
		t.Errorf("pages of two: %v", seen)
	}
	_, _, err = s.ListRollCalls(ctx, precinct.RollCallFilter{Scope: precinct.Everywhere, Cursor: "not a cursor"})
	wantCode(t, err, precinct.EINVALID)
}

func testCheckIns(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	loc := precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}
	d := 42.0
	office := &precinct.CheckInPlace{Kind: precinct.PlaceCommunityOffice, ID: "co1", Name: "警务室", Location: precinct.Point{Lon: 108.1, Lat: 29.1}, RadiusM: 300}
	c := &precinct.CheckIn{UserID: "u3", PersonID: "p1", UnitID: "un1", Point: &precinct.Point{Lon: 108.1, Lat: 29.1}, Location: loc, At: t0, Note: "到岗",
		Place: office, Verdict: precinct.CheckInInside, Valid: true, DistanceM: &d}
	must(t, s.CreateCheckIn(ctx, c, precinct.NewEvent(ctx, t0, "checkin.created", loc, "checkin", "c", nil, nil, nil)))
	blind := &precinct.CheckIn{ID: "chk_blind", UserID: "u3", PersonID: "p1", Location: loc, At: t0.Add(time.Minute), Place: office, Verdict: precinct.CheckInNoPosition}
	must(t, s.CreateCheckIn(ctx, blind, precinct.NewEvent(ctx, t0, "checkin.created", loc, "checkin", "c", nil, nil, nil)))
	wantCode(t, s.CreateCheckIn(ctx, blind, precinct.NewEvent(ctx, t0, "checkin.created", loc, "checkin", "c", nil, nil, nil)), precinct.ECONFLICT)
	far := &precinct.CheckIn{UserID: "u9", Location: precinct.Location{SubBureauID: "sb1", StationID: "st2"}, At: t0, Point: &precinct.Point{Lon: 108.7, Lat: 29.1}, Verdict: precinct.CheckInNoPlace}
	must(t, s.CreateCheckIn(ctx, far, precinct.NewEvent(ctx, t0, "checkin.created", loc, "checkin", "c", nil, nil, nil)))

	cs, _, err := s.ListCheckIns(ctx, precinct.CheckInFilter{Scope: scopeSt1, Since: t0.Add(-time.Hour)})
	must(t, err)
	if len(cs) != 2 || cs[0].Location != loc || cs[0].Note != "到岗" || !cs[0].At.Equal(t0) || !cs[0].Valid || cs[0].DistanceM == nil || *cs[0].DistanceM != 42 ||
		cs[0].Place == nil || cs[0].Place.RadiusM != 300 || cs[0].Point == nil {
		t.Fatalf("check-ins %+v", cs)
	}
	if b := cs[1]; b.Point != nil || b.Verdict != precinct.CheckInNoPosition || b.Valid || b.DistanceM != nil {
		t.Errorf("check-in without a position %+v", b)
	}
	got, err := s.FindCheckIn(ctx, "chk_blind")
	must(t, err)
	if got.Point != nil || got.Place == nil {
		t.Errorf("found %+v", got)
	}
	for name, c := range map[string]struct {
		f    precinct.CheckInFilter
		want int
	}{
		"everywhere":        {precinct.CheckInFilter{Scope: precinct.Everywhere}, 3},
		"station 2":         {precinct.CheckInFilter{Scope: scopeSt2}, 1},
		"grid 1":            {precinct.CheckInFilter{Scope: scopeGrid1}, 2},
		"empty scope":       {precinct.CheckInFilter{}, 0},
		"since later":       {precinct.CheckInFilter{Scope: precinct.Everywhere, Since: t0.Add(time.Hour)}, 0},
		"one user":          {precinct.CheckInFilter{Scope: precinct.Everywhere, UserID: "u9"}, 1},
		"one unit":          {precinct.CheckInFilter{Scope: precinct.Everywhere, UnitID: "un1"}, 1},
		"one station (st2)": {precinct.CheckInFilter{Scope: precinct.Everywhere, StationID: "st2"}, 1},
	} {
		cs, _, err := s.ListCheckIns(ctx, c.f)
		must(t, err)
		if len(cs) != c.want {
			t.Errorf("%s: %d check-ins, want %d", name, len(cs), c.want)
		}
	}
}

func testEmergency(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	u := &precinct.EmergencyUnit{ID: "eu1", SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", Name: "甲村最小应急处置单元", UpdatedAt: t0,
		Members: []precinct.EmergencyMember{{PersonID: "p1", Name: "张警官", Role: precinct.EmergencyOfficer, UserID: "u3"}, {PersonID: "p3", Name: "王", Role: precinct.EmergencyGridWorker}}}
	must(t, s.PutEmergencyUnit(ctx, u, ev(ctx, "duty.emergency_unit.updated", "eu1")))
	u2 := &precinct.EmergencyUnit{ID: "eu2", SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2", Name: "乙村"}
	must(t, s.PutEmergencyUnit(ctx, u2, ev(ctx, "duty.emergency_unit.updated", "eu2")))
	eu := func(u *precinct.EmergencyUnit) string { return u.ID }
	for name, c := range map[string]struct {
		f    precinct.EmergencyFilter
		want []string
	}{
		"grid 1":      {precinct.EmergencyFilter{Scope: scopeGrid1}, []string{"eu1"}},
		"station 2":   {precinct.EmergencyFilter{Scope: scopeSt2}, []string{"eu2"}},
		"everywhere":  {precinct.EmergencyFilter{Scope: precinct.Everywhere}, []string{"eu1", "eu2"}},
		"empty scope": {precinct.EmergencyFilter{}, nil},
	} {
		got, err := s.ListEmergencyUnits(ctx, c.f)
		must(t, err)
		if g := sortedIDs(got, eu); !slices.Equal(g, c.want) {
			t.Errorf("%s: %v, want %v", name, g, c.want)
		}
	}
	call := &precinct.EmergencyCall{ID: "ec1", EmergencyUnitID: "eu1", IncidentID: "inc1", SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", At: t0,
		Members: []precinct.EmergencyCallMember{{PersonID: "p1", UserID: "u3", Channel: precinct.ChannelApp, Status: precinct.CallNotified}, {PersonID: "p3", Channel: precinct.ChannelPhone, Status: precinct.CallNotified}}}
	must(t, s.CreateEmergencyCall(ctx, call, ev(ctx, "duty.emergency.called", "ec1")))
	calls, err := s.ListEmergencyCalls(ctx, precinct.EmergencyFilter{Scope: scopeSt1, PersonID: "p3"})
	must(t, err)
	if len(calls) != 1 {
		t.Errorf("calls of p3: %d", len(calls))
	}
	if calls, _ := s.ListEmergencyCalls(ctx, precinct.EmergencyFilter{Scope: scopeSt2}); len(calls) != 0 {
		t.Errorf("station 2 reads station 1's calls")
	}
	got, err := s.UpdateEmergencyCall(ctx, "ec1", func(c *precinct.EmergencyCall) (*precinct.Event, error) {
		c.Members[1].Status, c.Members[1].PhoneNote = precinct.CallAcknowledged, "电话已通知，10 分钟到场"
		return ev(ctx, "duty.emergency.phoned", "ec1"), nil
	})
	must(t, err)
	if got.Members[1].Status != precinct.CallAcknowledged {
		t.Errorf("updated %+v", got)
	}
	// fn refusing leaves the call as it was.
	_, err = s.UpdateEmergencyCall(ctx, "ec1", func(c *precinct.EmergencyCall) (*precinct.Event, error) {
		c.Members[0].Status = precinct.CallUnreached
		return nil, precinct.Errorf(precinct.ECONFLICT, "不", "No.")
	})
	wantCode(t, err, precinct.ECONFLICT)
	stored, _ := s.FindEmergencyCall(ctx, "ec1")
	if stored.Members[0].Status != precinct.CallNotified || stored.Members[1].PhoneNote == "" {
		t.Errorf("stored %+v", stored.Members)
	}
}

func testForces(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	task := &precinct.ForceTask{ID: "ft1", SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", Kind: precinct.TaskMissingPerson, Title: "寻找走失老人", At: t0,
		Assignees: []precinct.ForceAssignee{{UserID: "v1", Name: "志愿者甲"}, {UserID: "v2", Name: "保安乙"}}}
	must(t, s.CreateForceTask(ctx, task, ev(ctx, "force.task.created", "ft1")))
	other := &precinct.ForceTask{ID: "ft2", SubBureauID: "sb1", StationID: "st2", Kind: precinct.TaskPatrol, Title: "夜间巡防", At: t0.Add(time.Hour),
		Assignees: []precinct.ForceAssignee{{UserID: "v1"}}}
	must(t, s.CreateForceTask(ctx, other, ev(ctx, "force.task.created", "ft2")))
	ts, err := s.ListForceTasks(ctx, precinct.ForceFilter{Scope: scopeSt1, UserID: "v1"})
	must(t, err)
	if len(ts) != 1 || ts[0].ID != "ft1" {
		t.Errorf("v1's tasks at station 1: %+v", ts)
	}
	ts, _ = s.ListForceTasks(ctx, precinct.ForceFilter{Scope: precinct.Everywhere, UserID: "v1"})
	if len(ts) != 2 || ts[0].ID != "ft2" {
		t.Errorf("v1's tasks, newest first: %+v", ts)
	}
	if ts, _ := s.ListForceTasks(ctx, precinct.ForceFilter{UserID: "v1"}); len(ts) != 0 {
		t.Error("an empty scope read tasks")
	}
	now := t0.Add(time.Minute)
	got, err := s.UpdateForceTask(ctx, "ft1", func(t *precinct.ForceTask) (*precinct.Event, error) {
		t.Assignees[0].AckAt = &now
		return ev(ctx, "force.task.acknowledged", "ft1"), nil
	})
	must(t, err)
	if got.Assignees[0].AckAt == nil {
		t.Error("ack not applied")
	}
	c := &precinct.Clue{ID: "cl1", TaskID: "ft1", SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", ReporterID: "v1", Text: "老人在村口小卖部", At: now}
	must(t, s.CreateClue(ctx, c, ev(ctx, "force.clue.reported", "cl1")))
	pending, err := s.ListClues(ctx, precinct.ForceFilter{Scope: precinct.Everywhere, Pending: true})
	must(t, err)
	if len(pending) != 1 {
		t.Fatalf("%d pending clues", len(pending))
	}
	ok, err := s.MarkClueHandedOff(ctx, "cl1", "wh-1", ev(ctx, "force.clue.handed_off", "cl1"))
	must(t, err)
	again, err := s.MarkClueHandedOff(ctx, "cl1", "wh-2", ev(ctx, "force.clue.handed_off", "cl1"))
	must(t, err)
	if !ok || again {
		t.Errorf("hand-off %v then %v, want true then false", ok, again)
	}
	pending, _ = s.ListClues(ctx, precinct.ForceFilter{Scope: precinct.Everywhere, Pending: true})
	all, _ := s.ListClues(ctx, precinct.ForceFilter{Scope: scopeGrid1})
	if len(pending) != 0 || len(all) != 1 || !all[0].HandedOff || all[0].Ref != "wh-1" {
		t.Errorf("after hand-off: pending %d, all %+v", len(pending), all)
	}
}

func testDutyRecords(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	sec := &precinct.Secondment{ID: "sec1", PersonID: "p9", Name: "赵", SubBureauID: "sb1", StationID: "st1", HomeUnit: "治安支队", CycleYears: 2, Start: "2026-01-01", End: "2027-12-31"}
	must(t, s.PutSecondment(ctx, sec, ev(ctx, "duty.secondment.updated", "sec1")))
	sec2 := &precinct.Secondment{ID: "sec2", PersonID: "p8", SubBureauID: "sb1", StationID: "st2", HomeUnit: "刑侦支队", CycleYears: 1, Start: "2026-03-01", End: "2026-08-31"}
	must(t, s.PutSecondment(ctx, sec2, ev(ctx, "duty.secondment.updated", "sec2")))
	for name, c := range map[string]struct {
		f    precinct.DutyFilter
		want int
	}{
		"all":                 {precinct.DutyFilter{Scope: precinct.Everywhere}, 2},
		"active 2026-11-23":   {precinct.DutyFilter{Scope: precinct.Everywhere, Date: "2026-11-23"}, 1},
		"station 2 in autumn": {precinct.DutyFilter{Scope: scopeSt2, Date: "2026-11-23"}, 0},
		"empty scope":         {precinct.DutyFilter{}, 0},
	} {
		got, err := s.ListSecondments(ctx, c.f)
		must(t, err)
		if len(got) != c.want {
			t.Errorf("%s: %d secondments, want %d", name, len(got), c.want)
		}
	}
	must(t, s.DeleteSecondment(ctx, "sec2", ev(ctx, "duty.secondment.deleted", "sec2")))
	_, err := s.FindSecondment(ctx, "sec2")
	wantCode(t, err, precinct.ENOTFOUND)

	a := &precinct.DutyAssignment{PersonID: "p1", SubBureauID: "sb1", StationID: "st1", ItemIDs: []string{"c01", "central-1"}, AssignedBy: "u2", At: t0}
	must(t, s.PutDutyAssignment(ctx, a, ev(ctx, "duty.list.assigned", "p1")))
	a.ItemIDs = []string{"c02"}
	must(t, s.PutDutyAssignment(ctx, a, ev(ctx, "duty.list.assigned", "p1")))
	got, err := s.FindDutyAssignment(ctx, "p1")
	must(t, err)
	if !slices.Equal(got.ItemIDs, []string{"c02"}) {
		t.Errorf("assignment %+v", got)
	}
	if as, _ := s.ListDutyAssignments(ctx, precinct.DutyFilter{Scope: scopeSt2}); len(as) != 0 {
		t.Error("station 2 reads station 1's duty lists")
	}
	post := &precinct.Post{ID: "post1", SubBureauID: "sb1", StationID: "st1", Name: "一小护学岗", Kind: "school_gate", Location: precinct.Point{Lon: 108.2, Lat: 29.2}, RadiusM: 80}
	must(t, s.PutPost(ctx, post, ev(ctx, "duty.post.updated", "post1")))
	if ps, _ := s.ListPosts(ctx, precinct.DutyFilter{Scope: scopeGrid1}); len(ps) != 1 || ps[0].RadiusM != 80 {
		t.Errorf("posts %+v", ps)
	}
	if ps, _ := s.ListPosts(ctx, precinct.DutyFilter{Scope: scopeSt2}); len(ps) != 0 {
		t.Error("station 2 reads station 1's posts")
	}
}
