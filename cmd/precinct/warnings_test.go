package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"precinct"
	"precinct/demo"
	"precinct/prevention"
)

// TestDemoWarnings: a fresh demo has the anti-fraud warnings of fourteen
// months, synthetic and marked so, matched to its registry: dissuasion
// tasks reached and dissuaded, reached with money lost (referred), not
// reached, escalated to the command office, still open; warnings in
// triage; people warned more than once. The figures add up, by month,
// station, grid and fraud type, and the officer sees their own tasks. A
// demo without a past (--demo-history-days 0) has none.
func TestDemoWarnings(t *testing.T) {
	m := startMain(t, func(c *Config) { c.DemoHistoryDays = 1 })
	disp := login(t, m.HTTP.URL(), "dispatcher", testDemoPassword)
	now := time.Now().In(precinct.CST)
	var f prevention.Figures
	path := "/api/v1/stats/warnings?from=" + time.Date(now.Year(), now.Month()-13, 1, 0, 0, 0, 0, precinct.CST).Format("2006-01") + "&to=" + now.Format("2006-01")
	if code := disp.do("GET", path, nil, &f); code != 200 {
		t.Fatalf("figures: %d", code)
	}
	tot := f.Total
	if tot.Pushed < 200 || tot.Reached == 0 || tot.Dissuaded == 0 || tot.NotReached == 0 || tot.Open == 0 || tot.Escalated == 0 ||
		tot.Referred == 0 || tot.Lost == 0 || tot.LossesAvoided == 0 || f.Triage == 0 || tot.MinutesToReach == nil {
		t.Fatalf("the demo's warnings lack an outcome: %+v, %d in triage", tot, f.Triage)
	}
	if tot.Reached+tot.NotReached+tot.Open != tot.Pushed || tot.Dissuaded > tot.Reached || tot.Referred > tot.Reached {
		t.Errorf("the figures do not add up: %+v", tot)
	}
	if r := *tot.ReachRate; r < 0.5 || r > 0.85 {
		t.Errorf("reach rate %.2f, want about the seeds' 65%%", r)
	}
	sum := func(gs []prevention.Group) (n prevention.Tally) {
		for _, g := range gs {
			n.Pushed, n.Reached, n.Dissuaded, n.NotReached, n.Open = n.Pushed+g.Pushed, n.Reached+g.Reached, n.Dissuaded+g.Dissuaded, n.NotReached+g.NotReached, n.Open+g.Open
		}
		return n
	}
	for name, gs := range map[string][]prevention.Group{"month": f.ByMonth, "station": f.ByStation, "grid": f.ByGrid, "fraud type": f.ByFraudType} {
		if s := sum(gs); s.Pushed != tot.Pushed || s.Reached != tot.Reached || s.Dissuaded != tot.Dissuaded || s.NotReached != tot.NotReached || s.Open != tot.Open {
			t.Errorf("by %s: %+v, total %+v", name, s, tot)
		}
	}
	if len(f.ByMonth) != 14 || f.ByMonth[0].Pushed == 0 || f.ByMonth[13].Pushed == 0 || f.ByMonth[13].LastYear == nil || f.ByMonth[13].LastYear.Pushed == 0 {
		t.Errorf("months: %+v", f.ByMonth)
	}
	if len(f.ByStation) < 10 || len(f.ByFraudType) < 5 {
		t.Errorf("%d stations, %d fraud types", len(f.ByStation), len(f.ByFraudType))
	}

	// Every warning is marked synthetic; some people were warned before.
	ws, _, err := m.Store.ListWarnings(context.Background(), precinct.WarningFilter{Scope: precinct.Everywhere, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	repeated, triage := "", 0
	for _, w := range ws {
		if !strings.HasPrefix(w.SourceRef, demo.SyntheticRef) || w.Note != demo.Synthetic {
			t.Fatalf("warning %s (%s) not marked synthetic", w.ID, w.SourceRef)
		}
		if w.Earlier > 0 && w.Status == precinct.WarningPushed {
			repeated = w.ID
		}
		if w.Status == precinct.WarningTriage {
			triage++
			if w.Reason == "" {
				t.Errorf("warning %s in triage without a reason", w.ID)
			}
		}
	}
	if repeated == "" || triage != f.Triage {
		t.Fatalf("repeated %q, %d in triage (figures %d)", repeated, triage, f.Triage)
	}
	var v prevention.WarningView
	if code := disp.do("GET", "/api/v1/warnings/"+repeated, nil, &v); code != 200 || len(v.History) < 2 || v.Task == nil {
		t.Errorf("a repeated warning: %d, %d in its history, task %v", code, len(v.History), v.Task)
	}

	// A demo started without a past has no warnings.
	bare := startMain(t, nil)
	if ws, _, err := bare.Store.ListWarnings(context.Background(), precinct.WarningFilter{Scope: precinct.Everywhere, Limit: 10}); err != nil || len(ws) != 0 {
		t.Errorf("a demo without a past has %d warnings (%v)", len(ws), err)
	}

	// The officers with an account have dissuasion tasks of their grids,
	// reported in the past.
	off := login(t, m.HTTP.URL(), "officer1", testDemoPassword)
	var mine prevention.Figures
	if code := off.do("GET", path, nil, &mine); code != 200 || mine.Total.Pushed == 0 || mine.Total.Pushed >= tot.Pushed || mine.Total.Reached == 0 {
		t.Errorf("officer1's figures: %d %+v", code, mine.Total)
	}
}
