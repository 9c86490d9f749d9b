package report_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"precinct"
	"precinct/report"
	"precinct/sqldb"
	"precinct/storetest"
)

var t0 = time.Date(2026, 11, 22, 0, 30, 0, 0, time.UTC) // 08:30 in China

func at(d time.Duration) *time.Time { v := t0.Add(d); return &v }

func TestSummary(t *testing.T) {
	facts := []precinct.IncidentFact{
		{ReceivedAt: t0, StationID: "st1", Category: "dispute", Status: precinct.IncidentCallbackDone, Point: precinct.Point{Lon: 108.7712, Lat: 29.5321},
			DispatchedAt: at(60 * time.Second), ArrivedAt: at(6 * time.Minute), Outcome: precinct.OutcomeResolvedOnScene, Satisfaction: 5, Handler: precinct.HandlerPatrol},
		{ReceivedAt: t0.Add(time.Hour), StationID: "st1", Category: "dispute", Status: precinct.IncidentClosed, Point: precinct.Point{Lon: 108.7718, Lat: 29.5329},
			DispatchedAt: at(time.Hour + 120*time.Second), ArrivedAt: at(time.Hour + 10*time.Minute), Outcome: precinct.OutcomeHandedOver, Satisfaction: 3, Handler: precinct.HandlerPatrol},
		{ReceivedAt: t0.Add(2 * time.Hour), StationID: "st2", Category: "help", Status: precinct.IncidentOnScene, Point: precinct.Point{Lon: 108.80, Lat: 29.50},
			DispatchedAt: at(2*time.Hour + 180*time.Second), ArrivedAt: at(2*time.Hour + 14*time.Minute)},
		{ReceivedAt: t0.Add(16 * time.Hour), StationID: "st2", Category: "fraud", Status: precinct.IncidentReceived},
	}
	s := report.NewSummary(t0, t0.Add(24*time.Hour), 0.01)
	for i := range facts {
		s.Add(&facts[i])
	}
	st := s.Stats()
	if st.Total != 4 || st.Open != 2 {
		t.Errorf("total %d open %d, want 4 and 2", st.Total, st.Open)
	}
	wantCounts := func(name string, got []precinct.Count, want string) {
		t.Helper()
		if s := fmt.Sprint(got); s != want {
			t.Errorf("%s %s, want %s", name, s, want)
		}
	}
	wantCounts("by category", st.ByCategory, "[{dispute 2} {fraud 1} {help 1}]")
	wantCounts("by station", st.ByStation, "[{st1 2} {st2 2}]")
	wantCounts("by status", st.ByStatus, "[{callback_done 1} {closed 1} {on_scene 1} {received 1}]")
	wantCounts("by handler", st.ByHandler, "[{patrol 2}]")
	if *st.PatrolShare != 0.5 {
		t.Errorf("patrol share %v, want 0.5 (\"1+1\" [003])", *st.PatrolShare)
	}
	// Hours are China Standard Time: 08:30, 09:30, 10:30 and 00:30.
	if st.ByHour[8] != 1 || st.ByHour[9] != 1 || st.ByHour[10] != 1 || st.ByHour[0] != 1 {
		t.Errorf("by hour %v", st.ByHour)
	}
	if d := st.FlowTime; d.N != 3 || *d.MeanS != 120 || *d.P50S != 120 || *d.P90S != 180 {
		t.Errorf("flow time %+v", d)
	}
	if d := st.ResponseTime; d.N != 3 || *d.MeanS != 600 || *d.P50S != 600 || *d.P90S != 840 {
		t.Errorf("response time %+v", d)
	}
	if st.ResolvedOnScene != 1 || st.HandedOver != 1 || *st.OnSceneRate != 0.5 {
		t.Errorf("outcomes %d/%d rate %v", st.ResolvedOnScene, st.HandedOver, *st.OnSceneRate)
	}
	if st.Callbacks != 2 || *st.SatisfactionMean != 4 || *st.SatisfiedRate != 0.5 {
		t.Errorf("callbacks %d mean %v satisfied %v", st.Callbacks, *st.SatisfactionMean, *st.SatisfiedRate)
	}
	// The two disputes share a cell of 0.01°; the fraud report has no place.
	if len(st.Heat) != 2 || st.Heat[0].N != 2 || st.Heat[0].Lon != 108.775 || st.Heat[0].Lat != 29.535 || st.Heat[1].N != 1 {
		t.Errorf("heat %+v", st.Heat)
	}

	empty := report.NewSummary(t0, t0.Add(time.Hour), 0).Stats()
	if empty.Total != 0 || empty.FlowTime.MeanS != nil || empty.OnSceneRate != nil || empty.SatisfiedRate != nil || empty.Heat != nil {
		t.Errorf("empty period %+v", empty)
	}
	c := report.Compare(&st, &empty)
	if c.TotalPct != nil || c.FlowTimeMeanS != nil {
		t.Errorf("change from an empty period %+v", c)
	}
	c = report.Compare(&st, &precinct.IncidentStats{Total: 5, FlowTime: precinct.Durations{MeanS: ptr(150)}, OnSceneRate: ptr(0.25), PatrolShare: ptr(0.4)})
	if *c.TotalPct != -20 || *c.FlowTimeMeanS != -30 || *c.OnSceneRate != 0.25 || c.ResponseTimeMeanS != nil || *c.PatrolShare < 0.0999 || *c.PatrolShare > 0.1001 {
		t.Errorf("change %+v", c)
	}
}

func ptr(v float64) *float64 { return &v }

// TestService runs statistics on a real store: jurisdiction, year-on-year
// comparison and bad queries.
func TestService(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "r.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
	// This year: three incidents in st1, one in st2 shared with st1. Last
	// year, the same days: two in st1.
	lastYear := t0.AddDate(-1, 0, 0)
	add := func(id, station string, received time.Time, shared ...string) {
		loc := precinct.Location{SubBureauID: "sb1", StationID: station}
		inc := &precinct.Incident{ID: id, Source: precinct.SourceCall110, Category: "dispute", PlaceType: precinct.PlaceStreet, Priority: 2,
			Point: precinct.Point{Lon: 108.1, Lat: 29.1}, Status: precinct.IncidentReceived, Location: loc, SharedWith: shared,
			ReceivedAt: received, UpdatedAt: received, Version: 1}
		ev := precinct.NewEvent(ctx, received, "incident.created", loc, "incident", id, nil, inc, nil)
		if _, _, err := db.CreateIncident(ctx, inc, []*precinct.Event{ev}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		add(fmt.Sprintf("now%d", i), "st1", t0.Add(time.Duration(i)*time.Hour))
	}
	add("shared", "st2", t0.Add(time.Hour), "st1")
	add("before", "st1", t0.Add(-time.Hour)) // outside the period
	add("then0", "st1", lastYear)
	add("then1", "st1", lastYear.Add(time.Hour))

	svc := &report.Service{Store: db}
	as := func(u *precinct.User) context.Context { return precinct.NewContextWithUser(ctx, u) }
	chief := &precinct.User{ID: "c", Role: precinct.RoleChief, Scope: precinct.Location{SubBureauID: "sb1"}}
	cmd1 := &precinct.User{ID: "s", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}}
	cmd2 := &precinct.User{ID: "s2", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st2"}}
	day := precinct.StatsQuery{From: t0, To: t0.Add(24 * time.Hour), CompareYear: true}

	rep, err := svc.IncidentStats(as(chief), day)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Current.Total != 4 || rep.PreviousYear == nil || rep.PreviousYear.Total != 2 || *rep.Change.TotalPct != 100 {
		t.Errorf("sub-bureau: now %d, a year before %+v, change %+v", rep.Current.Total, rep.PreviousYear, rep.Change)
	}
	officer := &precinct.User{ID: "o", Role: precinct.RoleCommunity, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg9"}}
	if rep, err := svc.IncidentStats(as(officer), day); err != nil || rep.Current.Total != 0 || rep.PoliceGridID != "pg9" {
		t.Errorf("an officer of another police grid: %v %+v", err, rep)
	}
	rep, err = svc.IncidentStats(as(cmd2), day)
	if err != nil {
		t.Fatal(err)
	}
	if rep.StationID != "st2" || rep.Current.Total != 1 || rep.PreviousYear.Total != 0 || rep.Change.TotalPct != nil {
		t.Errorf("st2: station %q, %d now, %d a year before", rep.StationID, rep.Current.Total, rep.PreviousYear.Total)
	}
	q := day
	q.StationID = "st1"
	if rep, err = svc.IncidentStats(as(chief), q); err != nil || rep.Current.Total != 4 { // three and the shared one
		t.Errorf("chief asking for st1: %v %+v", err, rep)
	}
	if _, err := svc.IncidentStats(as(cmd2), q); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
		t.Errorf("st2 asking for st1: %v", err)
	}
	q.StationID = "st9"
	if _, err := svc.IncidentStats(as(chief), q); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("a station that does not exist: %v", err)
	}
	other := &precinct.User{ID: "c2", Role: precinct.RoleChief, Scope: precinct.Location{SubBureauID: "sb2"}}
	q.StationID = "st1"
	if _, err := svc.IncidentStats(as(other), q); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
		t.Errorf("another sub-bureau's station: %v", err)
	}
	if _, err := svc.IncidentStats(ctx, day); precinct.ErrorCode(err) != precinct.EUNAUTHORIZED {
		t.Errorf("nobody: %v", err)
	}
	rep, err = svc.IncidentStats(as(cmd1), precinct.StatsQuery{From: t0, To: t0.Add(24 * time.Hour), HeatCellDeg: 0.005})
	if err != nil || len(rep.Current.Heat) != 1 || rep.Current.Heat[0].N != 4 || rep.PreviousYear != nil {
		t.Errorf("heat of st1: %v %+v", err, rep)
	}

	bad := []struct {
		name  string
		q     precinct.StatsQuery
		field string
	}{
		{"no period", precinct.StatsQuery{}, "from"},
		{"end before start", precinct.StatsQuery{From: t0, To: t0.Add(-time.Hour)}, "to"},
		{"more than a year", precinct.StatsQuery{From: t0, To: t0.AddDate(1, 0, 2)}, "to"},
		{"tiny heat cells", precinct.StatsQuery{From: t0, To: t0.Add(time.Hour), HeatCellDeg: 0.0001}, "heat_cell_deg"},
	}
	for _, b := range bad {
		_, err := svc.IncidentStats(as(chief), b.q)
		var e *precinct.Error
		if precinct.ErrorCode(err) != precinct.EINVALID || !asError(err, &e) || e.Field != b.field || e.Message == "" || e.MessageEN == "" {
			t.Errorf("%s: %v", b.name, err)
		}
	}
}

func asError(err error, target **precinct.Error) bool {
	e, ok := err.(*precinct.Error)
	*target = e
	return ok
}

// TestHeatIsBounded: a heat map keeps at most MaxHeatCells cells, the
// busiest.
func TestHeatIsBounded(t *testing.T) {
	s := report.NewSummary(t0, t0.Add(time.Hour), 0.001)
	for i := range report.MaxHeatCells + 10 {
		f := precinct.IncidentFact{ReceivedAt: t0, Point: precinct.Point{Lon: 100 + float64(i)*0.001 + 0.0005, Lat: 30.0005}}
		s.Add(&f)
	}
	busy := precinct.IncidentFact{ReceivedAt: t0, Point: precinct.Point{Lon: 100.0005, Lat: 30.0005}}
	s.Add(&busy)
	st := s.Stats()
	if len(st.Heat) != report.MaxHeatCells || !st.HeatTruncated || st.Heat[0].N != 2 {
		t.Errorf("%d cells (truncated %v), busiest %+v", len(st.Heat), st.HeatTruncated, st.Heat[0])
	}
}
