// Package storetest is the contract every precinct.Store must keep, written
// once and run against each database engine.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"precinct"
)

// Run runs the contract suite. open returns a new, empty store for each
// subtest; the store is closed by the suite.
func Run(t *testing.T, open func(t *testing.T) precinct.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, precinct.Store)
	}{
		{"jurisdiction import and reads", testImport},
		{"pagination", testPagination},
		{"users and sessions", testUsers},
		{"incident create, find, list", testIncidents},
		{"incident facts for statistics", testIncidentFacts},
		{"the incidents of a unit", testUnitIncidents},
		{"idempotency key under concurrency", testIdempotency},
		{"one unit, one incident under concurrency", testClaimRace},
		{"incident update is all or nothing", testUpdateAtomic},
		{"positions and trajectories", testPositions},
		{"unit status", testUnitStatus},
		{"event outbox", testOutbox},
		{"rules versions", testRules},
		{"categories", testCategories},
		{"audit", testAudit},
		{"check-ins", testCheckIns},
		{"every list keeps to the scope", testScopes},
		{"idempotency keys are the creator's own", testIdempotencyPerCreator},
		{"a unit off duty is not claimed", testClaimOffDuty},
		{"duty", testDuty},
		{"work items", testWorkItems},
		{"work items under concurrency", testWorkConcurrency},
		{"work tallies", testWorkCounts},
		{"departments and API keys", testDepartments},
		{"performance: recorded work per officer", testPerformance},
	}
	tests = append(tests, registryTests...)
	tests = append(tests, preventionTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

var t0 = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

// square is a closed square ring of side d degrees at (lon, lat).
func square(lon, lat, d float64) precinct.MultiPolygon {
	return precinct.MultiPolygon{{{{Lon: lon, Lat: lat}, {Lon: lon + d, Lat: lat}, {Lon: lon + d, Lat: lat + d}, {Lon: lon, Lat: lat + d}, {Lon: lon, Lat: lat}}}}
}

// Fixture returns a small jurisdiction: sub-bureau sb1 with stations st1
// (central) and st2 (base), a service station bound to both, two police grids
// each with two community grids, people, six units and three users.
func Fixture() *precinct.Jurisdiction {
	j := &precinct.Jurisdiction{
		SubBureau: precinct.SubBureau{ID: "sb1", Name: "测试分局", CityBureau: "测试市局", Code: "500114", Datum: precinct.GCJ02, Boundary: square(108, 29, 1), Derived: true},
		Stations: []*precinct.Station{
			{ID: "st1", SubBureauID: "sb1", Name: "一所", Kind: precinct.StationCentral, Location: precinct.Point{Lon: 108.2, Lat: 29.2}, Boundary: square(108, 29, 0.5)},
			{ID: "st2", SubBureauID: "sb1", Name: "二所", Kind: precinct.StationBase, CentralID: "st1", Partners: []string{"外区某所"}, Location: precinct.Point{Lon: 108.7, Lat: 29.2}, Boundary: square(108.5, 29, 0.5)},
		},
		ServiceStations:  []*precinct.ServiceStation{{ID: "ss1", SubBureauID: "sb1", Name: "警务站", Location: precinct.Point{Lon: 108.5, Lat: 29.2}, StationIDs: [2]string{"st1", "st2"}}},
		CommunityOffices: []*precinct.CommunityOffice{{ID: "co1", StationID: "st1", PoliceGridID: "pg1", Name: "警务室", Location: precinct.Point{Lon: 108.1, Lat: 29.1}}},
		PoliceGrids: []*precinct.PoliceGrid{
			{ID: "pg1", StationID: "st1", Name: "甲村", Code: "500114001001", OfficerID: "p1", Boundary: square(108, 29, 0.5), Derived: true},
			{ID: "pg2", StationID: "st2", Name: "乙村", Code: "500114002001", OfficerID: "p2", Boundary: square(108.5, 29, 0.5), Derived: true},
		},
		People: []*precinct.Person{
			{ID: "p1", Name: "张警官", Kind: precinct.PersonOfficer, StationID: "st1", Team: precinct.TeamCommunity, PoliceGridID: "pg1", Phone: "13800000001", IDNumber: "500114199001011234"},
			{ID: "p2", Name: "李警官", Kind: precinct.PersonOfficer, StationID: "st2", Team: precinct.TeamCommunity, PoliceGridID: "pg2", Phone: "13800000002"},
			{ID: "p3", Name: "王辅警", Kind: precinct.PersonAuxiliary, StationID: "st1"},
		},
		Users: []*precinct.User{
			{ID: "u1", Username: "dispatcher", Name: "调度员", Role: precinct.RoleDispatcher, Scope: precinct.Location{SubBureauID: "sb1"}, CreatedAt: t0},
			{ID: "u2", Username: "cmd1", Name: "一所指挥室", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}, CreatedAt: t0},
			{ID: "u3", Username: "officer1", Role: precinct.RoleCommunity, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}, PersonID: "p1", UnitID: "un1", CreatedAt: t0},
		},
	}
	for i, cg := range []struct{ id, pg string }{{"cg1", "pg1"}, {"cg2", "pg1"}, {"cg3", "pg2"}, {"cg4", "pg2"}} {
		j.CommunityGrids = append(j.CommunityGrids, &precinct.CommunityGrid{ID: cg.id, PoliceGridID: cg.pg, Name: fmt.Sprintf("网格%d", i+1), WorkerID: "p3",
			Boundary: square(108+0.25*float64(i), 29, 0.25), Derived: true})
	}
	for i := 1; i <= 6; i++ {
		st := "st1"
		if i > 3 {
			st = "st2"
		}
		j.Units = append(j.Units, &precinct.Unit{ID: fmt.Sprintf("un%d", i), Callsign: fmt.Sprintf("巡%d", i), Kind: precinct.UnitPatrolCar,
			SubBureauID: "sb1", StationID: st, Members: []string{"p1"}, Status: precinct.UnitAvailable,
			Position: precinct.Point{Lon: 108.1 + 0.1*float64(i), Lat: 29.2}, PositionAt: t0, StatusSince: t0})
	}
	return j
}

// Fixture2 returns a second jurisdiction, away from the first: sub-bureau
// sb2 with station st3, police grid pg3 with community grid cg5, a person,
// a unit and two users, so that tests see that one sub-bureau never reaches
// the other.
func Fixture2() *precinct.Jurisdiction {
	return &precinct.Jurisdiction{
		SubBureau: precinct.SubBureau{ID: "sb2", Name: "邻区分局", CityBureau: "测试市局", Code: "500115", Datum: precinct.WGS84, Boundary: square(110, 29, 1), Derived: true},
		Stations: []*precinct.Station{
			{ID: "st3", SubBureauID: "sb2", Name: "三所", Kind: precinct.StationUrban, Location: precinct.Point{Lon: 110.2, Lat: 29.2}, Boundary: square(110, 29, 1)},
		},
		PoliceGrids:    []*precinct.PoliceGrid{{ID: "pg3", StationID: "st3", Name: "丙社区", Code: "500115001001", OfficerID: "p4", Boundary: square(110, 29, 1), Derived: true}},
		CommunityGrids: []*precinct.CommunityGrid{{ID: "cg5", PoliceGridID: "pg3", Name: "网格5", WorkerID: "p4", Boundary: square(110, 29, 1), Derived: true}},
		People: []*precinct.Person{
			{ID: "p4", Name: "赵警官", Kind: precinct.PersonOfficer, StationID: "st3", Team: precinct.TeamCommunity, PoliceGridID: "pg3", Phone: "13800000004", IDNumber: "500115199002021235"},
		},
		Units: []*precinct.Unit{{ID: "un7", Callsign: "丙巡1", Kind: precinct.UnitPatrolCar, SubBureauID: "sb2", StationID: "st3", Members: []string{"p4"},
			Status: precinct.UnitAvailable, Position: precinct.Point{Lon: 110.2, Lat: 29.2}, PositionAt: t0}},
		Users: []*precinct.User{
			{ID: "u4", Username: "dispatcher2", Name: "邻区调度员", Role: precinct.RoleDispatcher, Scope: precinct.Location{SubBureauID: "sb2"}, CreatedAt: t0},
			{ID: "u5", Username: "cmd3", Name: "三所指挥室", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb2", StationID: "st3"}, CreatedAt: t0},
		},
	}
}

func must(t testing.TB, err error) {
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

// ImportFixtures imports both fixtures into s: sub-bureaus sb1 and sb2.
// Tests of services outside this package start from it too.
func ImportFixtures(t testing.TB, s interface {
	ImportJurisdiction(ctx context.Context, j *precinct.Jurisdiction) error
}) {
	t.Helper()
	must(t, s.ImportJurisdiction(context.Background(), Fixture()))
	must(t, s.ImportJurisdiction(context.Background(), Fixture2()))
}

func imported(t *testing.T, s precinct.Store) { t.Helper(); ImportFixtures(t, s) }

func testImport(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	empty, err := s.Empty(ctx)
	must(t, err)
	if !empty {
		t.Fatal("new store is not empty")
	}
	imported(t, s)
	if empty, _ := s.Empty(ctx); empty {
		t.Fatal("store empty after import")
	}
	wantCode(t, s.ImportJurisdiction(ctx, Fixture()), precinct.ECONFLICT)
	noScope := Fixture2()
	noScope.SubBureau.ID = "sb9"
	noScope.Stations, noScope.PoliceGrids, noScope.CommunityGrids, noScope.People, noScope.Units = nil, nil, nil, nil, nil
	noScope.Users = []*precinct.User{{ID: "u9", Username: "nobody", Role: precinct.RoleDispatcher, CreatedAt: t0}}
	wantCode(t, s.ImportJurisdiction(ctx, noScope), precinct.EINVALID)
	if _, err := s.FindSubBureau(ctx, "sb9"); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("a refused import left its sub-bureau: %v", err)
	}

	sb, err := s.FindSubBureau(ctx, "sb1")
	must(t, err)
	if sb.Name != "测试分局" || sb.Datum != precinct.GCJ02 || !sb.Derived || !sb.Boundary.Contains(precinct.Point{Lon: 108.5, Lat: 29.5}) {
		t.Errorf("sub-bureau %+v", sb)
	}
	st, err := s.FindStation(ctx, "st2")
	must(t, err)
	if st.CentralID != "st1" || st.Kind != precinct.StationBase || len(st.Partners) != 1 || st.Location.Lon != 108.7 {
		t.Errorf("station %+v", st)
	}
	_, err = s.FindStation(ctx, "nope")
	wantCode(t, err, precinct.ENOTFOUND)
	sts, _, err := s.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere, Kind: precinct.StationCentral})
	must(t, err)
	if len(sts) != 1 || sts[0].ID != "st1" {
		t.Errorf("central stations %v", sts)
	}
	sts, _, err = s.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere, IDs: []string{}})
	must(t, err)
	if len(sts) != 0 {
		t.Errorf("an empty ID list matched %d stations", len(sts))
	}
	sss, err := s.ListServiceStations(ctx, "sb1")
	must(t, err)
	if len(sss) != 1 || !sss[0].Binds("st2") {
		t.Errorf("service stations %+v", sss)
	}
	cos, err := s.ListCommunityOffices(ctx, "st1")
	must(t, err)
	if len(cos) != 1 {
		t.Errorf("community offices %v", cos)
	}
	pgs, cgs, err := s.AllGrids(ctx)
	must(t, err)
	if len(pgs) != 3 || len(cgs) != 5 || pgs[0].OfficerID != "p1" || !cgs[0].Derived {
		t.Errorf("grids %d %d", len(pgs), len(cgs))
	}
	cgs, _, err = s.ListCommunityGrids(ctx, precinct.GridFilter{Scope: precinct.Everywhere, StationID: "st2"})
	must(t, err)
	if len(cgs) != 2 || cgs[0].PoliceGridID != "pg2" {
		t.Errorf("community grids of st2: %v", cgs)
	}
	p, err := s.FindPerson(ctx, "p1")
	must(t, err)
	if p.IDNumber != "500114199001011234" || p.Team != precinct.TeamCommunity || p.SubBureauID != "sb1" {
		t.Errorf("person %+v", p)
	}
	u, err := s.FindUnit(ctx, "un4")
	must(t, err)
	if u.StationID != "st2" || u.Status != precinct.UnitAvailable || len(u.Members) != 1 || !u.PositionAt.Equal(t0) {
		t.Errorf("unit %+v", u)
	}
	user, err := s.FindUserByUsername(ctx, "officer1")
	must(t, err)
	if user.Scope.PoliceGridID != "pg1" || user.UnitID != "un1" || !user.CreatedAt.Equal(t0) {
		t.Errorf("user %+v", user)
	}
}

// allPages follows a list's cursor from the first page to the last and
// returns the ids of what the pages held, in order; it fails the test after
// 1,000 pages, a cursor that never ends.
func allPages[T any](t *testing.T, list func(cursor string) ([]T, string, error), id func(T) string) []string {
	t.Helper()
	var ids []string
	cur := ""
	for range 1000 {
		page, next, err := list(cur)
		must(t, err)
		for _, x := range page {
			ids = append(ids, id(x))
		}
		if cur = next; cur == "" {
			return ids
		}
	}
	t.Fatalf("the cursor did not end after 1,000 pages: %v", ids)
	return nil
}

func testPagination(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	ids := allPages(t, func(cur string) ([]*precinct.Unit, string, error) {
		return s.ListUnits(ctx, precinct.UnitFilter{Scope: precinct.Everywhere, Cursor: cur, Limit: 4})
	}, func(u *precinct.Unit) string { return u.ID })
	if fmt.Sprint(ids) != "[un1 un2 un3 un4 un5 un6 un7]" {
		t.Errorf("pages gave %v", ids)
	}
	_, _, err := s.ListUnits(ctx, precinct.UnitFilter{Scope: precinct.Everywhere, Cursor: "%zz"})
	wantCode(t, err, precinct.EINVALID)
	us, _, err := s.ListUnits(ctx, precinct.UnitFilter{Scope: precinct.Everywhere, StationIDs: []string{"st2"}, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}})
	must(t, err)
	if len(us) != 3 {
		t.Errorf("st2 units: %d", len(us))
	}
}

func testUsers(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	u := &precinct.User{ID: "u9", Username: "new", Role: precinct.RoleChief, Scope: precinct.Location{SubBureauID: "sb1"}, PasswordHash: "h1", CreatedAt: t0}
	must(t, s.CreateUser(ctx, u))
	dup := *u
	dup.ID = "u10"
	wantCode(t, s.CreateUser(ctx, &dup), precinct.ECONFLICT)
	wantCode(t, s.CreateUser(ctx, &precinct.User{ID: "u11", Username: "x", Role: "pilot"}), precinct.EINVALID)
	// Only an administrator may be without a jurisdiction (fail closed).
	wantCode(t, s.CreateUser(ctx, &precinct.User{ID: "u12", Username: "lost", Role: precinct.RoleDispatcher}), precinct.EINVALID)
	must(t, s.CreateUser(ctx, &precinct.User{ID: "u13", Username: "root", Role: precinct.RoleAdmin}))
	got, err := s.FindUser(ctx, "u9")
	must(t, err)
	if got.PasswordHash != "h1" || got.Role != precinct.RoleChief {
		t.Errorf("user %+v", got)
	}
	all, err := s.ListUsers(ctx)
	must(t, err)
	if len(all) != 7 {
		t.Errorf("%d users, want 7", len(all))
	}
	sess := &precinct.Session{TokenHash: "th", UserID: "u9", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must(t, s.CreateSession(ctx, sess))
	fs, err := s.FindSession(ctx, "th")
	must(t, err)
	if fs.UserID != "u9" || !fs.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("session %+v", fs)
	}
	must(t, s.SetPassword(ctx, "u9", "h2"))
	_, err = s.FindSession(ctx, "th")
	wantCode(t, err, precinct.ENOTFOUND) // a new password ends the sessions
	must(t, s.CreateSession(ctx, &precinct.Session{TokenHash: "a", UserID: "u9", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}))
	must(t, s.CreateSession(ctx, &precinct.Session{TokenHash: "b", UserID: "u9", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.DeleteExpiredSessions(ctx, t0.Add(10*time.Minute)))
	_, err = s.FindSession(ctx, "a")
	wantCode(t, err, precinct.ENOTFOUND)
	must(t, s.DeleteSession(ctx, "b"))
	_, err = s.FindSession(ctx, "b")
	wantCode(t, err, precinct.ENOTFOUND)
}

// newIncident returns a received incident of st1 with its created event.
func newIncident(id string, at time.Time) (*precinct.Incident, []*precinct.Event) {
	loc := precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}
	inc := &precinct.Incident{
		ID: id, Source: precinct.SourceCall110, Category: "dispute", PlaceType: precinct.PlaceStreet,
		Point: precinct.Point{Lon: 108.1, Lat: 29.1}, Priority: 2, Reporter: precinct.Reporter{Name: "赵", Phone: "13900000000"},
		Status: precinct.IncidentReceived, Location: loc, ReceivedAt: at, UpdatedAt: at, Version: 1,
	}
	ev := precinct.NewEvent(context.Background(), at, "incident.created", loc, "incident", id, nil, inc, nil)
	return inc, []*precinct.Event{ev}
}

func testIncidents(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	for i := 0; i < 5; i++ {
		inc, evs := newIncident(fmt.Sprintf("inc%d", i), t0.Add(time.Duration(i)*time.Minute))
		if i == 4 {
			inc.Location.StationID, inc.SharedWith = "st2", []string{"st1"}
		}
		got, created, err := s.CreateIncident(ctx, inc, evs)
		must(t, err)
		if !created || got.ID != inc.ID || evs[0].Seq == 0 {
			t.Fatalf("create: created %v seq %d", created, evs[0].Seq)
		}
	}
	got, err := s.FindIncident(ctx, "inc2")
	must(t, err)
	if got.Reporter.Phone != "13900000000" || !got.ReceivedAt.Equal(t0.Add(2*time.Minute)) || got.Version != 1 {
		t.Errorf("incident %+v", got)
	}
	_, err = s.FindIncident(ctx, "nope")
	wantCode(t, err, precinct.ENOTFOUND)

	list, next, err := s.ListIncidents(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere, Limit: 3})
	must(t, err)
	if len(list) != 3 || list[0].ID != "inc4" || next == "" {
		t.Fatalf("first page %v next %q", ids(list), next)
	}
	rest, next, err := s.ListIncidents(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere, Limit: 3, Cursor: next})
	must(t, err)
	if fmt.Sprint(ids(rest)) != "[inc1 inc0]" || next != "" {
		t.Errorf("second page %v next %q", ids(rest), next)
	}
	st2, _, err := s.ListIncidents(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere, StationIDs: []string{"st2"}})
	must(t, err)
	if fmt.Sprint(ids(st2)) != "[inc4]" {
		t.Errorf("st2 sees %v", ids(st2))
	}
	st1, _, err := s.ListIncidents(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere, StationIDs: []string{"st1"}})
	must(t, err)
	if len(st1) != 5 {
		t.Errorf("st1 sees %d incidents, want 5 (one shared)", len(st1))
	}
	since, _, err := s.ListIncidents(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere, Since: t0.Add(3 * time.Minute), Status: []precinct.IncidentStatus{precinct.IncidentReceived}})
	must(t, err)
	if len(since) != 2 {
		t.Errorf("since: %v", ids(since))
	}
	tl, err := s.Timeline(ctx, "inc1")
	must(t, err)
	if len(tl) != 1 || tl[0].Type != "incident.created" || tl[0].SubBureauID != "sb1" || tl[0].StationID != "st1" {
		t.Errorf("timeline %+v", tl)
	}
}

func testIncidentFacts(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	for i := range 3 {
		inc, evs := newIncident(fmt.Sprintf("inc%d", i), t0.Add(time.Duration(i)*time.Hour))
		if i == 2 {
			inc.Location.StationID, inc.SharedWith, inc.Category = "st2", []string{"st1"}, "help"
		}
		_, _, err := s.CreateIncident(ctx, inc, evs)
		must(t, err)
	}
	// inc0 is dispatched, reached, resolved on scene and called back; inc1
	// is handed over.
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	for id, change := range map[string]func(*precinct.Incident){
		"inc0": func(inc *precinct.Incident) {
			inc.Status, inc.DispatchedAt, inc.ArrivedAt, inc.FinishedAt, inc.Satisfaction =
				precinct.IncidentCallbackDone, at(90*time.Second), at(7*time.Minute), at(30*time.Minute), 4
		},
		"inc1": func(inc *precinct.Incident) {
			inc.Status, inc.DispatchedAt, inc.FinishedAt, inc.HandedOverTo = precinct.IncidentHandedOver, at(time.Hour+time.Minute), at(2*time.Hour), "案件办理队"
		},
	} {
		inc, err := s.FindIncident(ctx, id)
		must(t, err)
		prev := inc.Version
		change(inc)
		inc.Version = prev + 1
		must(t, s.UpdateIncident(ctx, precinct.IncidentChange{Incident: inc, PrevVersion: prev}))
	}
	facts := func(f precinct.IncidentFilter) map[string]precinct.IncidentFact {
		t.Helper()
		out := map[string]precinct.IncidentFact{}
		must(t, s.IncidentFacts(ctx, f, func(f *precinct.IncidentFact) error {
			out[f.ReceivedAt.Sub(t0).String()] = *f
			return nil
		}))
		return out
	}
	all := facts(precinct.IncidentFilter{Scope: precinct.Everywhere, SubBureauID: "sb1"})
	if len(all) != 3 {
		t.Fatalf("%d facts, want 3", len(all))
	}
	f0 := all["0s"]
	if f0.StationID != "st1" || f0.Category != "dispute" || f0.Status != precinct.IncidentCallbackDone || f0.Point != (precinct.Point{Lon: 108.1, Lat: 29.1}) ||
		f0.DispatchedAt == nil || !f0.DispatchedAt.Equal(t0.Add(90*time.Second)) || f0.ArrivedAt == nil || !f0.ArrivedAt.Equal(t0.Add(7*time.Minute)) ||
		f0.Outcome != precinct.OutcomeResolvedOnScene || f0.Satisfaction != 4 || !f0.ReceivedAt.Equal(t0) {
		t.Errorf("inc0 facts %+v", f0)
	}
	if f1 := all["1h0m0s"]; f1.Outcome != precinct.OutcomeHandedOver || f1.ArrivedAt != nil || f1.Satisfaction != 0 {
		t.Errorf("inc1 facts %+v", f1)
	}
	if f2 := all["2h0m0s"]; f2.StationID != "st2" || f2.DispatchedAt != nil || f2.Outcome != precinct.OutcomeOpen {
		t.Errorf("inc2 facts %+v", f2)
	}
	if got := facts(precinct.IncidentFilter{Scope: precinct.Everywhere, StationIDs: []string{"st2"}}); len(got) != 1 {
		t.Errorf("st2 has %d facts, want 1", len(got))
	}
	if got := facts(precinct.IncidentFilter{Scope: precinct.Everywhere, StationIDs: []string{"st1"}, Since: t0.Add(time.Hour), Until: t0.Add(2 * time.Hour)}); len(got) != 1 || got["1h0m0s"].Category != "dispute" {
		t.Errorf("st1 in the second hour: %+v", got)
	}
	if got := facts(precinct.IncidentFilter{Scope: precinct.Everywhere, PoliceGridID: "pg1"}); len(got) != 3 {
		t.Errorf("pg1 has %d facts, want 3", len(got))
	}
	if got := facts(precinct.IncidentFilter{Scope: precinct.Everywhere, PoliceGridID: "pg2"}); len(got) != 0 {
		t.Errorf("pg2 has %d facts, want 0", len(got))
	}
	if got := facts(precinct.IncidentFilter{Scope: precinct.Everywhere, SubBureauID: "sb9"}); len(got) != 0 {
		t.Errorf("another sub-bureau has %d facts", len(got))
	}
}

func ids(incs []*precinct.Incident) []string {
	out := make([]string, len(incs))
	for i, inc := range incs {
		out[i] = inc.ID
	}
	return out
}

func testIdempotency(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, seen := 0, map[string]bool{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inc, evs := newIncident(precinct.NewID("inc", t0), t0)
			inc.IdempotencyKey = "110-call-42"
			got, ok, err := s.CreateIncident(ctx, inc, evs)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			seen[got.ID] = true
			if ok {
				created++
			}
		}()
	}
	wg.Wait()
	list, _, err := s.ListIncidents(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere})
	must(t, err)
	if created != 1 || len(seen) != 1 || len(list) != 1 {
		t.Fatalf("created %d, distinct answers %d, stored %d; want 1 each", created, len(seen), len(list))
	}
	evs, err := s.ListEvents(ctx, precinct.EventFilter{Scope: precinct.Everywhere})
	must(t, err)
	if len(evs) != 1 {
		t.Errorf("%d events for one incident", len(evs))
	}
}

// dispatchChange returns the change that dispatches units to inc.
func dispatchChange(inc *precinct.Incident, units ...string) precinct.IncidentChange {
	next := *inc
	next.Status, next.Version, next.Units = precinct.IncidentDispatched, inc.Version+1, units
	ev := precinct.NewEvent(context.Background(), t0, "incident.dispatched", inc.Location, "incident", inc.ID, inc, &next, map[string]any{"units": units})
	return precinct.IncidentChange{Incident: &next, PrevVersion: inc.Version, Claim: units, Events: []*precinct.Event{ev}}
}

// testUnitIncidents: a unit's incidents are found while it serves them and
// after it has been released.
func testUnitIncidents(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	for _, id := range []string{"a", "b", "c"} {
		inc, evs := newIncident(id, t0)
		_, _, err := s.CreateIncident(ctx, inc, evs)
		must(t, err)
	}
	a, err := s.FindIncident(ctx, "a")
	must(t, err)
	must(t, s.UpdateIncident(ctx, dispatchChange(a, "un1", "un2")))
	// a is finished: both units are released.
	a, err = s.FindIncident(ctx, "a")
	must(t, err)
	done := *a
	done.Status, done.Version, done.Units = precinct.IncidentResolved, a.Version+1, nil
	must(t, s.UpdateIncident(ctx, precinct.IncidentChange{Incident: &done, PrevVersion: a.Version, Release: []string{"un1", "un2"}}))
	b, err := s.FindIncident(ctx, "b")
	must(t, err)
	must(t, s.UpdateIncident(ctx, dispatchChange(b, "un1")))
	for unit, want := range map[string]string{"un1": "[b a]", "un2": "[a]", "un3": "[]"} {
		list, _, err := s.ListIncidents(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere, UnitID: unit})
		must(t, err)
		if got := fmt.Sprint(ids(list)); got != want {
			t.Errorf("incidents of %s: %s, want %s", unit, got, want)
		}
	}
	for id, want := range map[string]string{"a": "[un1 un2]", "b": "[un1]", "c": "[]"} {
		units, err := s.SentUnits(ctx, id)
		must(t, err)
		if got := fmt.Sprint(units); got != want {
			t.Errorf("units sent to %s: %s, want %s", id, got, want)
		}
	}
}

func testClaimRace(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	const n = 50
	incs := make([]*precinct.Incident, n)
	for i := range incs {
		inc, evs := newIncident(fmt.Sprintf("race%02d", i), t0)
		_, _, err := s.CreateIncident(ctx, inc, evs)
		must(t, err)
		incs[i] = inc
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range incs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.UpdateIncident(ctx, dispatchChange(incs[i], "un1"))
		}()
	}
	wg.Wait()
	winner := ""
	for i, err := range errs {
		if err == nil {
			if winner != "" {
				t.Fatalf("two incidents hold un1: %s and %s", winner, incs[i].ID)
			}
			winner = incs[i].ID
			continue
		}
		var e *precinct.Error
		if precinct.ErrorCode(err) != precinct.ECONFLICT || !asError(err, &e) || e.Data["incident_id"] == "" {
			t.Fatalf("loser error %v, want ECONFLICT naming the holder", err)
		}
	}
	if winner == "" {
		t.Fatal("no dispatch succeeded")
	}
	for _, err := range errs {
		var e *precinct.Error
		if asError(err, &e) && e.Data["incident_id"] != winner {
			t.Errorf("holder named %q, want %q", e.Data["incident_id"], winner)
		}
	}
	u, err := s.FindUnit(ctx, "un1")
	must(t, err)
	if u.IncidentID != winner || u.Status != precinct.UnitDispatched {
		t.Errorf("unit %+v", u)
	}
	evs, err := s.ListEvents(ctx, precinct.EventFilter{Scope: precinct.Everywhere, Types: []string{"incident.dispatched"}})
	must(t, err)
	if len(evs) != 1 {
		t.Errorf("%d dispatch events, want 1", len(evs))
	}
}

func testUpdateAtomic(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	a, evs := newIncident("a", t0)
	_, _, err := s.CreateIncident(ctx, a, evs)
	must(t, err)
	b, evs := newIncident("b", t0)
	_, _, err = s.CreateIncident(ctx, b, evs)
	must(t, err)
	must(t, s.UpdateIncident(ctx, dispatchChange(a, "un2")))

	// b claims un3 (free) and un2 (held by a): nothing of it may stay.
	wantCode(t, s.UpdateIncident(ctx, dispatchChange(b, "un3", "un2")), precinct.ECONFLICT)
	u3, err := s.FindUnit(ctx, "un3")
	must(t, err)
	if u3.IncidentID != "" || u3.Status != precinct.UnitAvailable {
		t.Errorf("un3 claimed by a failed change: %+v", u3)
	}
	got, err := s.FindIncident(ctx, "b")
	must(t, err)
	if got.Status != precinct.IncidentReceived || got.Version != 1 {
		t.Errorf("b changed by a failed change: %+v", got)
	}
	tl, err := s.Timeline(ctx, "b")
	must(t, err)
	if len(tl) != 1 {
		t.Errorf("a failed change wrote %d events", len(tl)-1)
	}
	wantCode(t, s.UpdateIncident(ctx, dispatchChange(b, "un404")), precinct.ENOTFOUND)

	// A stale version is refused.
	wantCode(t, s.UpdateIncident(ctx, dispatchChange(a, "un3")), precinct.ECONFLICT)

	// Arrival moves a's unit; resolving releases it.
	a2, err := s.FindIncident(ctx, "a")
	must(t, err)
	arrived := *a2
	arrived.Status, arrived.Version = precinct.IncidentOnScene, a2.Version+1
	must(t, s.UpdateIncident(ctx, precinct.IncidentChange{Incident: &arrived, PrevVersion: a2.Version, UnitStatus: map[string]precinct.UnitStatus{"un2": precinct.UnitOnScene}}))
	u2, _ := s.FindUnit(ctx, "un2")
	if u2.Status != precinct.UnitOnScene {
		t.Errorf("un2 status %q", u2.Status)
	}
	resolved := arrived
	resolved.Status, resolved.Version, resolved.Units = precinct.IncidentResolved, arrived.Version+1, nil
	must(t, s.UpdateIncident(ctx, precinct.IncidentChange{Incident: &resolved, PrevVersion: arrived.Version, Release: []string{"un2"}}))
	u2, _ = s.FindUnit(ctx, "un2")
	if u2.IncidentID != "" || u2.Status != precinct.UnitAvailable {
		t.Errorf("un2 not released: %+v", u2)
	}
	must(t, s.UpdateIncident(ctx, dispatchChange(b, "un2")))
}

func testPositions(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	var ps []precinct.Position
	for i := 0; i < 1200; i++ {
		ps = append(ps, precinct.Position{UnitID: fmt.Sprintf("un%d", i%3+1), Point: precinct.Point{Lon: 108 + float64(i)/10000, Lat: 29.3}, At: t0.Add(time.Duration(i) * time.Second)})
	}
	must(t, s.SavePositions(ctx, ps))
	tr, next, err := s.Trajectory(ctx, precinct.TrajectoryFilter{UnitID: "un1", From: t0, To: t0.Add(time.Hour)})
	must(t, err)
	if len(tr) != 400 || next != "" || !tr[0].At.Equal(t0) || tr[1].At.Sub(tr[0].At) != 3*time.Second {
		t.Fatalf("trajectory of %d points, next %q", len(tr), next)
	}
	// The same batch again is stored once.
	must(t, s.SavePositions(ctx, ps[:600]))
	// Pages of 150 reach the end, each once, in order.
	var paged []precinct.Position
	pages := 0
	for cursor := ""; ; pages++ {
		page, next, err := s.Trajectory(ctx, precinct.TrajectoryFilter{UnitID: "un1", From: t0, To: t0.Add(time.Hour), Cursor: cursor, Limit: 150})
		must(t, err)
		paged = append(paged, page...)
		if cursor = next; cursor == "" {
			break
		}
	}
	if len(paged) != 400 || pages != 2 || !paged[399].At.Equal(tr[399].At) {
		t.Fatalf("paged trajectory: %d points in %d pages after a resent batch", len(paged), pages+1)
	}
	for i := 1; i < len(paged); i++ {
		if !paged[i].At.After(paged[i-1].At) {
			t.Fatalf("point %d at %v after %v", i, paged[i].At, paged[i-1].At)
		}
	}
	_, _, err = s.Trajectory(ctx, precinct.TrajectoryFilter{UnitID: "un1", From: t0, To: t0.Add(time.Hour), Cursor: "x"})
	wantCode(t, err, precinct.EINVALID)
	// A flagged position is stored, with its flag, and does not move the unit.
	before, _ := s.FindUnit(ctx, "un2")
	wild := precinct.Position{UnitID: "un2", Point: precinct.Point{Lon: 116.4, Lat: 39.9}, At: t0.Add(2 * time.Hour), Flag: precinct.PositionOutside}
	must(t, s.SavePositions(ctx, []precinct.Position{wild}))
	if u, _ := s.FindUnit(ctx, "un2"); u.Position != before.Position || !u.PositionAt.Equal(before.PositionAt) {
		t.Errorf("a flagged position moved the unit to %v", u.Position)
	}
	if got, _, _ := s.Trajectory(ctx, precinct.TrajectoryFilter{UnitID: "un2", From: wild.At, To: wild.At.Add(time.Second)}); len(got) != 1 || got[0].Flag != precinct.PositionOutside {
		t.Errorf("flagged position stored as %+v", got)
	}
	u, _ := s.FindUnit(ctx, "un3")
	if last := ps[1199]; u.Position != last.Point || !u.PositionAt.Equal(last.At) {
		t.Errorf("last position %+v, want %+v", u.Position, last)
	}
	// An older report does not move a unit back.
	must(t, s.SavePositions(ctx, []precinct.Position{{UnitID: "un3", Point: precinct.Point{Lon: 1, Lat: 1}, At: t0}}))
	if u2, _ := s.FindUnit(ctx, "un3"); u2.Position != u.Position {
		t.Errorf("an old position moved the unit to %v", u2.Position)
	}
	bad := []precinct.Position{{UnitID: "un4", Point: precinct.Point{Lon: 108, Lat: 29}, At: t0}, {UnitID: "ghost", At: t0}}
	wantCode(t, s.SavePositions(ctx, bad), precinct.ENOTFOUND)
	if tr, _, _ := s.Trajectory(ctx, precinct.TrajectoryFilter{UnitID: "un4", From: t0.Add(-time.Hour), To: t0.Add(time.Hour)}); len(tr) != 0 {
		t.Error("a rejected batch was partly written")
	}
}

func testUnitStatus(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	// A unit imported holds its status since the time it comes with, by
	// either import.
	if u, _ := s.FindUnit(ctx, "un1"); !u.StatusSince.Equal(t0) {
		t.Errorf("imported unit's status since %v, want %v", u.StatusSince, t0)
	}
	j := Fixture()
	j.Units = append(j.Units, &precinct.Unit{ID: "un9", Callsign: "巡9", Kind: precinct.UnitPatrolCar, SubBureauID: "sb1", StationID: "st1",
		Members: []string{"p1"}, Status: precinct.UnitAvailable, Position: precinct.Point{Lon: 108.1, Lat: 29.3}, PositionAt: t0, StatusSince: t0.Add(time.Minute)})
	if _, err := s.ApplyJurisdictions(ctx, []*precinct.Jurisdiction{j}, false); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if u, err := s.FindUnit(ctx, "un9"); err != nil || !u.StatusSince.Equal(t0.Add(time.Minute)) {
		t.Errorf("unit added by an update: since %v (%v), want %v", u.StatusSince, err, t0.Add(time.Minute))
	}
	ev := precinct.NewEvent(ctx, t0, "unit.status", precinct.Location{SubBureauID: "sb1", StationID: "st1"}, "unit", "un5", nil, nil, nil)
	must(t, s.SetUnitStatus(ctx, "un5", precinct.UnitOffDuty, ev))
	u, _ := s.FindUnit(ctx, "un5")
	if u.Status != precinct.UnitOffDuty || !u.StatusSince.Equal(t0) {
		t.Errorf("status %q since %v, want off duty since %v", u.Status, u.StatusSince, t0)
	}
	// The same status again keeps the time it was taken.
	must(t, s.SetUnitStatus(ctx, "un5", precinct.UnitOffDuty, precinct.NewEvent(ctx, t0.Add(time.Hour), "unit.status", precinct.Location{SubBureauID: "sb1", StationID: "st1"}, "unit", "un5", nil, nil, nil)))
	if u, _ := s.FindUnit(ctx, "un5"); !u.StatusSince.Equal(t0) {
		t.Errorf("the same status again moved its start to %v", u.StatusSince)
	}
	wantCode(t, s.SetUnitStatus(ctx, "un5", precinct.UnitOnScene, nil), precinct.EINVALID)
	wantCode(t, s.SetUnitStatus(ctx, "ghost", precinct.UnitBusy, nil), precinct.ENOTFOUND)
	inc, evs := newIncident("x", t0)
	_, _, err := s.CreateIncident(ctx, inc, evs)
	must(t, err)
	must(t, s.UpdateIncident(ctx, dispatchChange(inc, "un6")))
	wantCode(t, s.SetUnitStatus(ctx, "un6", precinct.UnitOffDuty, nil), precinct.ECONFLICT)
}

func testOutbox(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	for i := 0; i < 3; i++ {
		inc, evs := newIncident(fmt.Sprintf("o%d", i), t0)
		_, _, err := s.CreateIncident(ctx, inc, evs)
		must(t, err)
	}
	un, err := s.Unpublished(ctx, 10)
	must(t, err)
	if len(un) != 3 || !(un[0].Seq < un[1].Seq && un[1].Seq < un[2].Seq) {
		t.Fatalf("unpublished %d", len(un))
	}
	must(t, s.MarkPublished(ctx, []int64{un[0].Seq, un[1].Seq}))
	un2, err := s.Unpublished(ctx, 10)
	must(t, err)
	if len(un2) != 1 || un2[0].Seq != un[2].Seq {
		t.Errorf("after marking: %d unpublished", len(un2))
	}
	after, err := s.ListEvents(ctx, precinct.EventFilter{Scope: precinct.Everywhere, AfterSeq: un[0].Seq})
	must(t, err)
	if len(after) != 2 || after[0].Seq != un[1].Seq || string(after[0].After) == "" {
		t.Errorf("events after %d: %d", un[0].Seq, len(after))
	}
}

func testRules(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	_, _, err := s.Rules(ctx, "sb1")
	wantCode(t, err, precinct.ENOTFOUND)
	ev := func() *precinct.Event {
		return precinct.NewEvent(ctx, t0, "rules.updated", precinct.Location{SubBureauID: "sb1"}, "rules", "sb1", nil, nil, nil)
	}
	v, err := s.PutRules(ctx, "sb1", []byte(`{"k":5}`), 0, ev())
	must(t, err)
	if v != 1 {
		t.Errorf("version %d", v)
	}
	_, err = s.PutRules(ctx, "sb1", []byte(`{"k":6}`), 0, ev())
	wantCode(t, err, precinct.ECONFLICT)
	v, err = s.PutRules(ctx, "sb1", []byte(`{"k":7}`), 1, ev())
	must(t, err)
	doc, version, err := s.Rules(ctx, "sb1")
	must(t, err)
	if string(doc) != `{"k":7}` || version != 2 || v != 2 {
		t.Errorf("rules %s v%d", doc, version)
	}
	evs, _ := s.ListEvents(ctx, precinct.EventFilter{Scope: precinct.Everywhere, Types: []string{"rules.updated"}})
	if len(evs) != 2 {
		t.Errorf("%d rules events, want 2 (the refused change writes none)", len(evs))
	}
}

func testCategories(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	cats, err := s.ListCategories(ctx, "sb1")
	must(t, err)
	if len(cats) != len(precinct.DefaultCategories) {
		t.Errorf("defaults: %d", len(cats))
	}
	mine := []precinct.Category{{Code: "x", Name: "甲", NameEN: "X", Kind: precinct.KindOther}}
	must(t, s.PutCategories(ctx, "sb1", mine, precinct.NewEvent(ctx, t0, "categories.updated", precinct.Location{SubBureauID: "sb1"}, "categories", "sb1", nil, mine, nil)))
	cats, _ = s.ListCategories(ctx, "sb1")
	if len(cats) != 1 || cats[0].Code != "x" {
		t.Errorf("stored categories %v", cats)
	}
}

func testAudit(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	must(t, s.RecordAudit(ctx, &precinct.AuditRecord{Actor: "u1", Action: "personal.read", EntityType: "person", EntityID: "p1", Fields: []string{"phone"}, Address: "127.0.0.1"}))
	must(t, s.RecordAudit(ctx, &precinct.AuditRecord{Actor: "u2", Action: "personal.read", EntityType: "person", EntityID: "p2"}))
	rs, _, err := s.ListAudit(ctx, precinct.AuditFilter{Scope: precinct.Everywhere, Actor: "u1"})
	must(t, err)
	if len(rs) != 1 || rs[0].EntityID != "p1" || len(rs[0].Fields) != 1 || rs[0].At.IsZero() {
		t.Errorf("audit %+v", rs)
	}
}
