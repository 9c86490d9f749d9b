package duty_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"precinct"
	"precinct/auth"
	"precinct/dispatch"
	"precinct/duty"
	"precinct/geo"
	"precinct/sqldb"
	"precinct/storetest"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// node is one Precinct node's duty and dispatch services over a shared store.
type node struct {
	dispatch  *dispatch.Service
	duty      *duty.Service
	scheduler *duty.Scheduler
}

// env is the storetest fixture on SQLite, with a few more people and
// users, and one node (more with addNode).
type env struct {
	t     *testing.T
	store *sqldb.DB
	clock *clock
	node
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "duty.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	j := storetest.Fixture()
	j.People = append(j.People,
		&precinct.Person{ID: "p4", Name: "赵支书", Kind: precinct.PersonCadre, StationID: "st1", PoliceGridID: "pg1", Phone: "13800000004"},
		&precinct.Person{ID: "p5", Name: "钱义警", Kind: precinct.PersonVolunteer, StationID: "st1", PoliceGridID: "pg1"},
		&precinct.Person{ID: "p6", Name: "孙辅警", Kind: precinct.PersonAuxiliary, StationID: "st1", Team: precinct.TeamCommunity, PoliceGridID: "pg1"},
	)
	j.Users = append(j.Users,
		&precinct.User{ID: "u-aux", Username: "aux1", Role: precinct.RoleAuxiliary, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}, PersonID: "p3"},
		&precinct.User{ID: "u-cmd2", Username: "cmd2", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st2"}},
	)
	if err := db.ImportJurisdiction(ctx, j); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: db, clock: &clock{t: at(23, 10, 0)}}
	e.node = e.addNode()
	return e
}

// addNode starts another node's services over the same store, each with
// its own live index and scheduler.
func (e *env) addNode() node {
	e.t.Helper()
	ctx := context.Background()
	pgs, cgs, err := e.store.AllGrids(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	sts, _, _ := e.store.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere, Limit: 100})
	d := &dispatch.Service{Store: e.store, Resolver: geo.NewResolver(sts, pgs, cgs), Clock: e.clock, Live: dispatch.NewIndex(e.clock, 100*365*24*time.Hour)}
	if err := d.LoadUnits(e.as("u1")); err != nil {
		e.t.Fatal(err)
	}
	s := &duty.Service{Store: e.store, Clock: e.clock, Incidents: d, HashPassword: auth.HashPassword}
	return node{dispatch: d, duty: s, scheduler: &duty.Scheduler{Service: s, Live: d.Live}}
}

// as returns a context of a stored user.
func (e *env) as(userID string) context.Context {
	e.t.Helper()
	u, err := e.store.FindUser(context.Background(), userID)
	if err != nil {
		e.t.Fatal(err)
	}
	return precinct.NewContextWithUser(context.Background(), u)
}

func (e *env) tick(n node) time.Time {
	e.t.Helper()
	next, err := n.scheduler.Tick(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return next
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := precinct.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func events(t *testing.T, s precinct.Store, typ string) []*precinct.Event {
	t.Helper()
	evs, err := s.ListEvents(context.Background(), precinct.EventFilter{Scope: precinct.Everywhere, Types: []string{typ}, Limit: 1000})
	must(t, err)
	return evs
}

// TestUnitLeavesAtShiftEnd: a patrol car on the day shift (08:00–20:00) is
// recommended at noon; at 20:00 it leaves the recommendation with the
// reason "off shift" and cannot be dispatched, on both nodes, and the
// change is recorded once; at 08:00 the next day it is back.
func TestUnitLeavesAtShiftEnd(t *testing.T) {
	e := newEnv(t)
	other := e.addNode()
	cmd := e.as("u2")
	_, err := e.duty.PutShiftPattern(cmd, &precinct.ShiftPattern{StationID: "st1", Name: "白班巡逻", Kind: precinct.ShiftDay, Start: "08:00", Minutes: 720,
		UnitID: "un1", MinCrew: 1, Crews: [][]string{{"p1"}}})
	must(t, err)
	if next := e.tick(e.node); !next.Equal(at(23, 20, 0)) {
		t.Errorf("next boundary %v, want 20:00", next)
	}
	e.tick(other)
	disp := e.as("u1")
	inc, _, err := e.dispatch.Intake(disp, precinct.IncidentInput{Source: precinct.SourceCall110, Category: "theft", PlaceType: precinct.PlaceVillage,
		Point: precinct.Point{Lon: 108.201, Lat: 29.2}, Priority: 2, Reporter: precinct.Reporter{Name: "赵", Phone: "13912345678"}})
	must(t, err)
	recommended := func(n node) (bool, string) {
		t.Helper()
		rec, err := n.dispatch.Recommend(disp, inc.ID)
		must(t, err)
		in := slices.ContainsFunc(rec.Candidates, func(c precinct.Candidate) bool { return c.Unit.ID == "un1" })
		why := ""
		for _, x := range rec.Excluded {
			if x.UnitID == "un1" {
				why = x.Reason + " / " + x.ReasonEN
			}
		}
		return in, why
	}
	if in, _ := recommended(e.node); !in {
		t.Fatal("un1 is not recommended during its shift")
	}

	e.clock.Set(at(23, 20, 0))
	for _, n := range []node{e.node, other} {
		e.tick(n)
		if in, why := recommended(n); in || why != "不在班 / off shift" {
			t.Errorf("at 20:00: recommended %v, excluded for %q; want left out as off shift", in, why)
		}
	}
	_, err = e.dispatch.Act(disp, inc.ID, precinct.ActionRequest{Action: precinct.ActionDispatch, Units: []string{"un1"}})
	wantCode(t, err, precinct.ECONFLICT)
	if evs := events(t, e.store, "duty.unit.off_shift"); len(evs) != 1 || evs[0].EntityID != "un1" || !evs[0].At.Equal(at(23, 20, 0)) {
		t.Errorf("off-shift events: %d, want one for un1 at 20:00 whichever node recorded it", len(evs))
	}
	b, err := e.duty.Board(cmd, precinct.DutyFilter{StationID: "st1"})
	must(t, err)
	if len(b.Units) != 1 || b.Units[0].OnShift || b.Strength[0].UnitsOff != 1 {
		t.Errorf("board at 20:00: units %+v strength %+v", b.Units, b.Strength)
	}

	e.clock.Set(at(24, 8, 0))
	for _, n := range []node{e.node, other} {
		e.tick(n)
		if in, why := recommended(n); !in {
			t.Errorf("at 08:00 the next day: not recommended (%q)", why)
		}
	}
	if evs := events(t, e.store, "duty.unit.on_shift"); len(evs) != 1 || !evs[0].At.Equal(at(24, 8, 0)) {
		t.Errorf("%d on-shift events, want 1, the next morning (a unit's first state is no change)", len(evs))
	}
}

// TestShortOfCrew: leave takes one of two off the shift; the unit stays on
// but is flagged short, on the board and in its recorded state; a cover
// puts it right.
func TestShortOfCrew(t *testing.T) {
	e := newEnv(t)
	cmd := e.as("u2")
	_, err := e.duty.PutShiftPattern(cmd, &precinct.ShiftPattern{StationID: "st1", Name: "白班巡逻", Kind: precinct.ShiftDay, Start: "08:00", Minutes: 720,
		UnitID: "un2", MinCrew: 2, Crews: [][]string{{"p1", "p3"}}})
	must(t, err)
	e.tick(e.node)
	r, err := e.duty.Roster(cmd, "st1@2026-11-23")
	must(t, err)
	if r.Version != 0 || len(r.Shifts) != 7 || r.Names["p1"] != "张警官" {
		t.Fatalf("generated roster: version %d, %d shifts, names %v", r.Version, len(r.Shifts), r.Names)
	}
	r, err = e.duty.EditRoster(cmd, r.ID, precinct.RosterEdit{Kind: precinct.ChangeLeave, Version: 0,
		Leave: &precinct.Leave{PersonID: "p3", From: at(23, 0, 0), To: at(24, 0, 0), Reason: "事假"}})
	must(t, err)
	// The edit came from version 0; a second editor of version 0 loses.
	_, err = e.duty.EditRoster(cmd, r.ID, precinct.RosterEdit{Kind: precinct.ChangeCover, Version: 0, ShiftID: "2026-11-23/x", CoverID: "p6"})
	wantCode(t, err, precinct.ECONFLICT)
	e.tick(e.node)
	b, err := e.duty.Board(cmd, precinct.DutyFilter{StationID: "st1"})
	must(t, err)
	if len(b.Units) != 1 || !b.Units[0].OnShift || !b.Units[0].Short || b.Strength[0].UnitsShort != 1 || len(b.Shifts) != 1 || !b.Shifts[0].Short {
		t.Fatalf("board: units %+v, strength %+v, shifts %+v", b.Units, b.Strength, b.Shifts)
	}
	sts, err := e.store.ListShiftStates(context.Background(), precinct.DutyFilter{Scope: precinct.Everywhere})
	must(t, err)
	if len(sts) != 1 || !sts[0].Short {
		t.Errorf("recorded states %+v", sts)
	}
	shiftID := b.Shifts[0].ID
	_, err = e.duty.EditRoster(cmd, r.ID, precinct.RosterEdit{Kind: precinct.ChangeCover, Version: r.Version, ShiftID: shiftID, CoverID: "p6"})
	must(t, err)
	e.tick(e.node)
	b, _ = e.duty.Board(cmd, precinct.DutyFilter{StationID: "st1"})
	if b.Units[0].Short || len(b.Units[0].Crew) != 2 {
		t.Errorf("after cover: %+v", b.Units[0])
	}
	// Another station's command office sees none of it.
	_, err = e.duty.Roster(e.as("u-cmd2"), r.ID)
	wantCode(t, err, precinct.ENOTFOUND)
	_, err = e.duty.EditRoster(e.as("u-cmd2"), r.ID, precinct.RosterEdit{Kind: precinct.ChangeCover, Version: 2, ShiftID: shiftID, CoverID: "p2"})
	wantCode(t, err, precinct.ENOTFOUND)
	// An officer reads the roster but may not edit it.
	_, err = e.duty.EditRoster(e.as("u3"), r.ID, precinct.RosterEdit{Kind: precinct.ChangeCover, Version: 2, ShiftID: shiftID, CoverID: "p2"})
	wantCode(t, err, precinct.EFORBIDDEN)
}

// TestRollCallWithOneMiss: a patrol group of two is called; one answers
// with a position, the other does not; at the deadline the miss is
// recorded (once, with two nodes) and counted for the performance list.
func TestRollCallWithOneMiss(t *testing.T) {
	e := newEnv(t)
	other := e.addNode()
	cmd := e.as("u2")
	_, err := e.duty.PutShiftPattern(cmd, &precinct.ShiftPattern{StationID: "st1", Name: "白班巡逻", Kind: precinct.ShiftDay, Start: "08:00", Minutes: 720,
		UnitID: "un2", MinCrew: 2, Crews: [][]string{{"p1", "p3"}}})
	must(t, err)
	rc, err := e.duty.CallRoll(cmd, precinct.RollCallInput{Title: "巡逻组点名", Targets: precinct.RollCallTargets{UnitIDs: []string{"un2"}}, DeadlineS: 120})
	must(t, err)
	if len(rc.Members) != 2 || rc.Members[0].UserID == "" || rc.Members[1].UserID == "" || !rc.Deadline.Equal(at(23, 10, 2)) {
		t.Fatalf("roll call %+v", rc)
	}
	if evs := events(t, e.store, "duty.roll_call.created"); len(evs) != 1 || evs[0].StationID != "st1" {
		t.Errorf("created events %+v", evs)
	}
	here := &precinct.Point{Lon: 108.2, Lat: 29.2}
	e.clock.Set(at(23, 10, 1))
	got, err := e.duty.AnswerRollCall(e.as("u3"), rc.ID, here)
	must(t, err)
	if got.Members[0].Status != precinct.AnswerAnswered || got.Members[0].Point == nil || got.Members[1].Status != precinct.AnswerPending {
		t.Errorf("after one answer: %+v", got.Members)
	}
	// Answering again changes nothing; someone not called may not answer.
	if _, err := e.duty.AnswerRollCall(e.as("u3"), rc.ID, here); err != nil {
		t.Errorf("second answer: %v", err)
	}
	_, err = e.duty.AnswerRollCall(e.as("u-cmd2"), rc.ID, here)
	wantCode(t, err, precinct.EFORBIDDEN)
	// The deadline passes: the command office sees the miss at once, and
	// the schedulers record it once.
	e.clock.Set(at(23, 10, 3))
	got, err = e.duty.RollCall(cmd, rc.ID)
	must(t, err)
	if got.Members[1].Status != precinct.AnswerMissed {
		t.Errorf("after the deadline: %+v", got.Members)
	}
	_, err = e.duty.AnswerRollCall(e.as("u-aux"), rc.ID, nil)
	wantCode(t, err, precinct.ECONFLICT)
	e.tick(e.node)
	e.tick(other)
	if evs := events(t, e.store, "duty.roll_call.closed"); len(evs) != 1 {
		t.Errorf("%d close events, want 1", len(evs))
	}
	misses, err := e.duty.RollCallMisses(cmd, precinct.RollCallMissFilter{Since: at(1, 0, 0), Until: at(30, 0, 0)})
	must(t, err)
	want := []precinct.PersonMisses{{PersonID: "p1", Called: 1, Missed: 0}, {PersonID: "p3", Called: 1, Missed: 1}}
	if !slices.Equal(misses, want) {
		t.Errorf("misses %v, want %v", misses, want)
	}
	if m, _ := e.duty.RollCallMisses(e.as("u-cmd2"), precinct.RollCallMissFilter{Since: at(1, 0, 0), Until: at(30, 0, 0)}); len(m) != 0 {
		t.Errorf("another station counts %v", m)
	}
	// The same figures reach the monthly performance list.
	counts, err := duty.Performance{Store: e.store}.CountWork(context.Background(), precinct.OfficerWorkQuery{From: at(1, 0, 0), To: at(30, 0, 0),
		Officers: []precinct.Officer{{UserID: "u3", PersonID: "p1"}, {UserID: "u-aux", PersonID: "p3"}, {UserID: "u2"}}})
	must(t, err)
	perf := map[string]float64{}
	for _, c := range counts {
		perf[c.UserID+"/"+string(c.Metric)] = c.Value
	}
	if perf["u3/roll_calls"] != 1 || perf["u3/roll_calls_missed"] != 0 || perf["u-aux/roll_calls"] != 1 || perf["u-aux/roll_calls_missed"] != 1 || len(perf) != 4 {
		t.Errorf("performance counts %v", perf)
	}
	// The member sees it in the app; another station's office does not.
	my, err := e.duty.MyDuty(e.as("u-aux"))
	must(t, err)
	if len(my.RollCalls) != 1 || len(my.Shifts) != 1 {
		t.Errorf("my duty: %d roll calls, %d shifts", len(my.RollCalls), len(my.Shifts))
	}
	_, err = e.duty.RollCall(e.as("u-cmd2"), rc.ID)
	wantCode(t, err, precinct.ENOTFOUND)
	// Nobody on shift at a post: nothing to call.
	_, err = e.duty.CallRoll(cmd, precinct.RollCallInput{Targets: precinct.RollCallTargets{}})
	wantCode(t, err, precinct.EINVALID)
}

// TestCheckIns: a community officer checks in at their community office:
// inside its geofence (valid), outside it (recorded as such), and without
// a position (recorded as such); the day's ledger has them, also as a
// workbook.
func TestCheckIns(t *testing.T) {
	e := newEnv(t)
	officer := e.as("u3")
	near := &precinct.Point{Lon: 108.1005, Lat: 29.1}
	far := &precinct.Point{Lon: 108.2, Lat: 29.2}
	c, created, err := e.duty.CheckIn(officer, precinct.CheckInInput{Point: near, Note: "到岗"})
	must(t, err)
	if !created || !c.Valid || c.Verdict != precinct.CheckInInside || c.Place == nil || c.Place.ID != "co1" || c.DistanceM == nil || *c.DistanceM > 60 ||
		c.Location.PoliceGridID != "pg1" {
		t.Fatalf("inside: %+v", c)
	}
	e.clock.Set(at(23, 10, 5))
	c, _, err = e.duty.CheckIn(officer, precinct.CheckInInput{Point: far})
	must(t, err)
	if c.Valid || c.Verdict != precinct.CheckInOutside || *c.DistanceM < 10000 {
		t.Errorf("outside: %+v", c)
	}
	e.clock.Set(at(23, 10, 6))
	c, _, err = e.duty.CheckIn(officer, precinct.CheckInInput{IdempotencyKey: "phone-1"})
	must(t, err)
	if c.Valid || c.Verdict != precinct.CheckInNoPosition || c.Point != nil || c.DistanceM != nil {
		t.Errorf("no position: %+v", c)
	}
	again, created, err := e.duty.CheckIn(officer, precinct.CheckInInput{IdempotencyKey: "phone-1"})
	if err != nil || created || again.ID != c.ID {
		t.Errorf("replayed check-in: %v %v %v", err, created, again)
	}
	_, _, err = e.duty.CheckIn(officer, precinct.CheckInInput{Point: &precinct.Point{Lon: 200, Lat: 0}})
	wantCode(t, err, precinct.EINVALID)
	// An auxiliary of the station (no grid) checks in at the station.
	c, _, err = e.duty.CheckIn(e.as("u-aux"), precinct.CheckInInput{Point: &precinct.Point{Lon: 108.2, Lat: 29.2}})
	must(t, err)
	if c.Place == nil || c.Place.Kind != precinct.PlaceStation || !c.Valid {
		t.Errorf("at the station: %+v", c)
	}

	l, err := e.duty.Ledger(e.as("u2"), "2026-11-23", "")
	must(t, err)
	var p1, p6 *precinct.LedgerRow
	for i := range l.Rows {
		switch l.Rows[i].PersonID {
		case "p1":
			p1 = &l.Rows[i]
		case "p6":
			p6 = &l.Rows[i]
		}
	}
	if p1 == nil || p1.Count != 3 || p1.Verdict != precinct.CheckInInside || !p1.First.Equal(at(23, 10, 0)) || p1.Community != "甲村" || !p1.Expected {
		t.Errorf("p1's line: %+v", p1)
	}
	if p6 == nil || p6.Count != 0 || !p6.Expected || l.Missing != 1 || l.Valid != 2 {
		t.Errorf("p6's line %+v; ledger %d valid, %d missing", p6, l.Valid, l.Missing)
	}
	b, err := e.duty.LedgerXLSX(e.as("u2"), "2026-11-23", "st1")
	must(t, err)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	must(t, err)
	rows, err := f.GetRows("打卡台账")
	must(t, err)
	if len(rows) < 4 || !strings.Contains(rows[0][0], "一所") || !slices.ContainsFunc(rows, func(r []string) bool { return slices.Contains(r, "未打卡") }) {
		t.Errorf("ledger workbook rows %v", rows)
	}
	_, err = e.duty.Ledger(e.as("u-cmd2"), "2026-11-23", "st1")
	wantCode(t, err, precinct.ENOTFOUND)
	cs, _, err := e.duty.ListCheckIns(e.as("u-cmd2"), precinct.CheckInFilter{})
	must(t, err)
	if len(cs) != 0 {
		t.Errorf("another station reads %d check-ins", len(cs))
	}
}

// TestEmergencyUnitCalled: a police grid's minimal emergency unit (officer,
// cadre without the app) is called out to an incident; the officer
// acknowledges in the app, the command office records its phone call to
// the cadre.
func TestEmergencyUnitCalled(t *testing.T) {
	e := newEnv(t)
	cmd := e.as("u2")
	eu, err := e.duty.PutEmergencyUnit(cmd, &precinct.EmergencyUnit{PoliceGridID: "pg1", Members: []precinct.EmergencyMember{
		{PersonID: "p1", Role: precinct.EmergencyOfficer}, {PersonID: "p4", Role: precinct.EmergencyCadre}, {PersonID: "p3", Role: precinct.EmergencyGridWorker}}})
	must(t, err)
	if eu.StationID != "st1" || eu.Members[0].UserID != "u3" || eu.Members[1].UserID != "" || eu.Members[1].Name != "赵支书" {
		t.Fatalf("unit %+v", eu)
	}
	inc, _, err := e.dispatch.Intake(e.as("u1"), precinct.IncidentInput{Source: precinct.SourceCall110, Category: "dispute", PlaceType: precinct.PlaceVillage,
		Point: precinct.Point{Lon: 108.1, Lat: 29.1}, Priority: 2})
	must(t, err)
	call, err := e.duty.CallEmergencyUnit(cmd, eu.ID, inc.ID, "村口纠纷，请速到场")
	must(t, err)
	if call.Members[0].Channel != precinct.ChannelApp || call.Members[1].Channel != precinct.ChannelPhone || call.Members[0].Status != precinct.CallNotified {
		t.Fatalf("call %+v", call.Members)
	}
	evs := events(t, e.store, "duty.emergency.called")
	if len(evs) != 1 || !strings.Contains(string(evs[0].After), `"user_id":"u3"`) {
		t.Errorf("the notice event: %+v", evs)
	}
	my, err := e.duty.MyDuty(e.as("u3"))
	must(t, err)
	if len(my.EmergencyCalls) != 1 {
		t.Errorf("the officer's app sees %d calls", len(my.EmergencyCalls))
	}
	e.clock.Set(at(23, 10, 2))
	call, err = e.duty.AckEmergencyCall(e.as("u3"), call.ID)
	must(t, err)
	_, err = e.duty.NotePhoneCall(cmd, call.ID, "p4", "电话已通知赵支书，5 分钟到场", true)
	must(t, err)
	call, err = e.duty.NotePhoneCall(cmd, call.ID, "p3", "电话无人接听", false)
	must(t, err)
	got := map[string]precinct.CallStatus{}
	for _, m := range call.Members {
		got[m.PersonID] = m.Status
	}
	if got["p1"] != precinct.CallAcknowledged || got["p4"] != precinct.CallAcknowledged || got["p3"] != precinct.CallUnreached || call.Members[1].PhoneNote == "" {
		t.Errorf("after answers: %+v", call.Members)
	}
	// Someone not called cannot acknowledge; another station cannot call.
	_, err = e.duty.AckEmergencyCall(e.as("u-cmd2"), call.ID)
	wantCode(t, err, precinct.EFORBIDDEN)
	_, err = e.duty.CallEmergencyUnit(e.as("u-cmd2"), eu.ID, inc.ID, "")
	wantCode(t, err, precinct.ENOTFOUND)
	_, err = e.duty.CallEmergencyUnit(cmd, eu.ID, "inc_nope", "")
	wantCode(t, err, precinct.ENOTFOUND)
}

// TestRosterWorkbook: a roster exported as a workbook imports back; a
// workbook naming an unknown person changes nothing and names the row.
func TestRosterWorkbook(t *testing.T) {
	e := newEnv(t)
	cmd := e.as("u2")
	_, err := e.duty.PutShiftPattern(cmd, &precinct.ShiftPattern{StationID: "st1", Name: "夜班巡逻", Kind: precinct.ShiftNight, Start: "20:00", Minutes: 720,
		UnitID: "un2", MinCrew: 2, Crews: [][]string{{"p1", "p3"}}})
	must(t, err)
	b, err := e.duty.ExportRoster(cmd, "st1@2026-11-23")
	must(t, err)
	rs, err := e.duty.ImportRosters(cmd, b)
	must(t, err)
	if len(rs) != 1 || rs[0].Version != 1 || len(rs[0].Shifts) != 7 || rs[0].Shifts[0].UnitID != "un2" || len(rs[0].Shifts[0].Crew) != 2 ||
		!rs[0].Shifts[0].End.Equal(at(24, 8, 0)) || rs[0].Changes[0].Kind != precinct.ChangeImport {
		t.Fatalf("imported %+v", rs)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	must(t, err)
	must(t, f.SetCellValue(duty.RosterSheet, "J3", "张警官、查无此人"))
	buf, err := f.WriteToBuffer()
	must(t, err)
	_, err = e.duty.ImportRosters(cmd, buf.Bytes())
	wantCode(t, err, precinct.EINVALID)
	if e, ok := err.(*precinct.Error); !ok || e.Field != "row 3" || !strings.Contains(e.Message, "第 3 行") {
		t.Errorf("error %v does not name row 3", err)
	}
	r, _ := e.duty.Roster(cmd, "st1@2026-11-23")
	if r.Version != 1 {
		t.Errorf("a failed import changed the roster: version %d", r.Version)
	}
	_, err = e.duty.ImportRosters(e.as("u-cmd2"), b)
	wantCode(t, err, precinct.EINVALID)
	_, err = e.duty.ImportRosters(cmd, []byte("not a workbook"))
	wantCode(t, err, precinct.EINVALID)
}

// clueSink is a grid loop that takes clues and numbers them.
type clueSink struct{ got []string }

func (s *clueSink) TakeClue(_ context.Context, c *precinct.Clue) (string, error) {
	s.got = append(s.got, c.ID)
	return "whistle-" + c.ID, nil
}

// TestForces: a volunteer gets an account with the narrow force role, is
// given a missing-person task, acknowledges it and reports a clue, which
// waits until a grid loop is connected and is then handed off once.
func TestForces(t *testing.T) {
	e := newEnv(t)
	cmd := e.as("u2")
	u, err := e.duty.CreateForceAccount(cmd, precinct.ForceAccount{PersonID: "p5", Username: "volunteer1", Password: "password-123"})
	must(t, err)
	if u.Role != precinct.RoleForce || u.Scope.StationID != "st1" || u.PasswordHash != "" {
		t.Fatalf("account %+v", u)
	}
	_, err = e.duty.CreateForceAccount(cmd, precinct.ForceAccount{PersonID: "p5", Username: "volunteer1", Password: "password-123"})
	wantCode(t, err, precinct.ECONFLICT)
	_, err = e.duty.CreateForceAccount(cmd, precinct.ForceAccount{PersonID: "p1", Username: "officer-as-force", Password: "password-123"})
	wantCode(t, err, precinct.EINVALID)
	task, err := e.duty.CreateForceTask(cmd, &precinct.ForceTask{Kind: precinct.TaskMissingPerson, Title: "寻找走失老人", Detail: "男，78 岁，穿蓝色外套",
		Assignees: []precinct.ForceAssignee{{UserID: u.ID}}})
	must(t, err)
	vol := e.as(u.ID)
	tasks, err := e.duty.ListForceTasks(vol, precinct.ForceFilter{})
	must(t, err)
	if len(tasks) != 1 {
		t.Fatalf("the volunteer sees %d tasks", len(tasks))
	}
	task, err = e.duty.AckForceTask(vol, task.ID)
	must(t, err)
	if task.Assignees[0].AckAt == nil {
		t.Error("not acknowledged")
	}
	clue, err := e.duty.ReportClue(vol, &precinct.Clue{TaskID: task.ID, Text: "老人在村口小卖部", Point: &precinct.Point{Lon: 108.1, Lat: 29.1}})
	must(t, err)
	if clue.HandedOff || clue.StationID != "st1" {
		t.Errorf("clue %+v", clue)
	}
	// The narrow role reads no rosters, people or other records.
	_, err = e.duty.Rosters(vol, precinct.DutyFilter{}, "")
	wantCode(t, err, precinct.EFORBIDDEN)
	_, err = e.duty.ListClues(vol, precinct.ForceFilter{})
	wantCode(t, err, precinct.EFORBIDDEN)
	// A grid loop is connected: the waiting clue is handed off, once.
	sink := &clueSink{}
	e.duty.Clues = sink
	n, err := e.duty.HandOffClues(context.Background())
	must(t, err)
	n2, _ := e.duty.HandOffClues(context.Background())
	clues, _ := e.duty.ListClues(cmd, precinct.ForceFilter{})
	if n != 1 || n2 != 0 || len(sink.got) != 1 || len(clues) != 1 || !clues[0].HandedOff || clues[0].Ref != "whistle-"+clue.ID {
		t.Errorf("hand-off: %d then %d, sink %v, clues %+v", n, n2, sink.got, clues)
	}
}

// TestSecondmentsAndDutyLists: a seconded officer shows on the station's
// roster and counts in its strength; duty items of the station's kind are
// assigned and show in the person's app.
func TestSecondmentsAndDutyLists(t *testing.T) {
	e := newEnv(t)
	cmd := e.as("u2")
	_, err := e.duty.PutSecondment(cmd, &precinct.Secondment{PersonID: "p2", StationID: "st1", HomeUnit: "区局治安大队", CycleYears: 1, Start: "2026-11-01", End: "2027-10-31"})
	must(t, err)
	_, err = e.duty.PutSecondment(cmd, &precinct.Secondment{PersonID: "p2", StationID: "st1", HomeUnit: "区局治安大队", CycleYears: 1, Start: "2026-11-01", End: "2027-11-01"})
	wantCode(t, err, precinct.EINVALID)
	_, err = e.duty.PutSecondment(cmd, &precinct.Secondment{PersonID: "p3", StationID: "st1", HomeUnit: "x", CycleYears: 2, Start: "2026-11-01", End: "2027-11-01"})
	wantCode(t, err, precinct.EINVALID)
	rs, err := e.duty.Rosters(cmd, precinct.DutyFilter{StationID: "st1"}, "2026-11-23")
	must(t, err)
	if len(rs) != 1 || len(rs[0].Seconded) != 1 || rs[0].Seconded[0].Name != "李警官" {
		t.Errorf("roster's seconded officers: %+v", rs)
	}
	st, err := e.duty.Strength(cmd, precinct.DutyFilter{StationID: "st1"})
	must(t, err)
	if len(st) != 1 || st[0].Seconded != 1 || st[0].Total != st[0].Staff+1 {
		t.Errorf("strength %+v", st)
	}
	a, err := e.duty.AssignDuties(cmd, "p1", []string{"c01", "central-1", "c01"})
	must(t, err)
	if !slices.Equal(a.ItemIDs, []string{"c01", "central-1"}) {
		t.Errorf("assigned %v", a.ItemIDs)
	}
	_, err = e.duty.AssignDuties(cmd, "p1", []string{"border-1"})
	wantCode(t, err, precinct.EINVALID)
	_, err = e.duty.AssignDuties(e.as("u-cmd2"), "p1", []string{"c02"})
	wantCode(t, err, precinct.ENOTFOUND)
	my, err := e.duty.MyDuty(e.as("u3"))
	must(t, err)
	if len(my.DutyItems) != 2 || my.DutyItems[1].ID != "central-1" || my.Place == nil || my.Place.ID != "co1" {
		t.Errorf("my duty: items %+v, place %+v", my.DutyItems, my.Place)
	}
}

// TestPatternDeleted: a unit whose only pattern is deleted is governed by
// the roster no more and is back on its status alone; another station's
// command office cannot delete the pattern.
func TestPatternDeleted(t *testing.T) {
	e := newEnv(t)
	cmd := e.as("u2")
	p, err := e.duty.PutShiftPattern(cmd, &precinct.ShiftPattern{StationID: "st1", Name: "白班巡逻", Kind: precinct.ShiftDay, Start: "08:00", Minutes: 60,
		UnitID: "un1", MinCrew: 1, Crews: [][]string{{"p1"}}})
	must(t, err)
	e.tick(e.node)
	if e.dispatch.Live.OnShift("un1") {
		t.Fatal("un1 on shift at 10:00 with a shift 08:00–09:00")
	}
	wantCode(t, e.duty.DeleteShiftPattern(e.as("u-cmd2"), p.ID), precinct.ENOTFOUND)
	must(t, e.duty.DeleteShiftPattern(cmd, p.ID))
	e.tick(e.node)
	if !e.dispatch.Live.OnShift("un1") {
		t.Error("un1 still off shift after its pattern was deleted")
	}
}

// TestRosterKeepsToScope: a command office cannot put a person of another
// sub-bureau on its roster.
func TestRosterKeepsToScope(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	j := storetest.Fixture2()
	// Its officer is p4 there; p4 is a cadre of sb1 here.
	j.People[0].ID, j.PoliceGrids[0].OfficerID, j.CommunityGrids[0].WorkerID, j.Units[0].Members = "px", "px", "px", []string{"px"}
	for _, u := range j.Users {
		if u.PersonID == "p4" {
			u.PersonID = "px"
		}
	}
	if err := e.store.ImportJurisdiction(ctx, j); err != nil {
		t.Fatal(err)
	}
	cmd := e.as("u2")
	_, err := e.duty.PutShiftPattern(cmd, &precinct.ShiftPattern{StationID: "st1", Name: "白班", Kind: precinct.ShiftDay, Start: "08:00", Minutes: 60,
		Crews: [][]string{{"px"}}})
	wantCode(t, err, precinct.ENOTFOUND)
	_, err = e.duty.PutShiftPattern(cmd, &precinct.ShiftPattern{StationID: "st1", Name: "白班", Kind: precinct.ShiftDay, Start: "08:00", Minutes: 60, UnitID: "un1",
		Crews: [][]string{{"p1"}}})
	must(t, err)
	r, err := e.duty.Roster(cmd, "st1@2026-11-23")
	must(t, err)
	_, err = e.duty.EditRoster(cmd, r.ID, precinct.RosterEdit{Kind: precinct.ChangeCover, ShiftID: r.Shifts[0].ID, CoverID: "px"})
	if err == nil {
		t.Error("a person of another sub-bureau was put on the roster")
	}
}
