package sim_test

import (
	"context"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/duty"
	"precinct/sim"
)

var day = time.Date(2026, 11, 23, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

func TestOneDayBothPolicies(t *testing.T) {
	for _, name := range []string{"qianjiang", "nanning"} {
		t.Run(name, func(t *testing.T) {
			sc, err := sim.LoadScenario(name, 1)
			if err != nil {
				t.Fatal(err)
			}
			calls := sc.Generate(day, 1, 7)
			if len(calls) < 50 {
				t.Fatalf("only %d calls", len(calls))
			}
			for _, pol := range []sim.Policy{sim.Legacy, sim.Reform} {
				a, err := sim.Run(context.Background(), sc, calls, pol, 7, sim.Options{})
				if err != nil {
					t.Fatal(err)
				}
				b, _ := sim.Run(context.Background(), sc, sc.Generate(day, 1, 7), pol, 7, sim.Options{})
				if a.KPIs != b.KPIs {
					t.Errorf("%s: the same seed gave different KPIs:\n%+v\n%+v", pol.Name, a.KPIs, b.KPIs)
				}
				if a.KPIs.Unfinished != 0 || a.Incidents != len(calls) {
					t.Errorf("%s: %d of %d incidents did not reach a final state", pol.Name, a.KPIs.Unfinished, a.Incidents)
				}
				t.Logf("%s %s: %d incidents %+v", name, pol.Name, a.Incidents, a.KPIs)
			}
		})
	}
}

// TestRoutingComesFromDispatch changes a rule in the dispatch rules document
// and sees the simulated outcome change: the simulator copies no rule.
func TestRoutingComesFromDispatch(t *testing.T) {
	sc, err := sim.LoadScenario("nanning", 1)
	if err != nil {
		t.Fatal(err)
	}
	calls := sc.Generate(day, 1, 3)
	with, err := sim.Run(context.Background(), sc, calls, sim.Reform, 3, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules := dispatch.DefaultRules()
	var kept []dispatch.Rule
	for _, r := range rules.Rules {
		if r.Handler != precinct.HandlerPatrol {
			kept = append(kept, r)
		}
	}
	rules.Rules = kept
	without, err := sim.Run(context.Background(), sc, calls, sim.Reform, 3, sim.Options{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if with.KPIs.PatrolShare <= without.KPIs.PatrolShare {
		t.Errorf("patrol share %.3f with the 1+1 rule, %.3f without it", with.KPIs.PatrolShare, without.KPIs.PatrolShare)
	}
}

func BenchmarkFoshanDay(b *testing.B) {
	sc, err := sim.LoadScenario("foshan", 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(sc.Jurisdiction.Units)), "units")
	for i := 0; i < b.N; i++ {
		calls := sc.Generate(day, 1, int64(i))
		r, err := sim.Run(context.Background(), sc, calls, sim.Reform, int64(i), sim.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Incidents), "incidents")
	}
}

// BenchmarkQianjiangYear runs a year; run it with -bench QianjiangYear.
func BenchmarkQianjiangYear(b *testing.B) {
	sc, err := sim.LoadScenario("qianjiang", 1)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		calls := sc.Generate(day, 365, int64(i))
		r, err := sim.Run(context.Background(), sc, calls, sim.Reform, int64(i), sim.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Incidents), "incidents")
	}
}

// TestNanningShifts checks seed 003's shift pattern as the simulator reads
// it from shift patterns (package duty, the server's definition): the
// service station's duty officer works 08:00–18:00, its armed vehicle crew
// stands 24 hours, led by the secondary, who was the primary the day before.
func TestNanningShifts(t *testing.T) {
	sc, err := sim.LoadScenario("nanning", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Patterns) != 6 {
		t.Fatalf("%d shift patterns, want the primary, the secondary and the armed crew at each of 2 service stations", len(sc.Patterns))
	}
	groups := 0
	for _, u := range sc.Jurisdiction.Units {
		if u.ServiceStationID != "" && u.Kind != precinct.UnitArmedVehicle && len(u.Members) == 2 {
			groups++
		}
	}
	if groups != 12 {
		t.Errorf("%d two-officer patrol groups", groups)
	}
	units := map[string]*precinct.Unit{}
	for _, u := range sc.Jurisdiction.Units {
		units[u.ID] = u
	}
	governed := map[string]*precinct.Unit{}
	for id := range duty.Governed(sc.Patterns, nil) {
		governed[id] = units[id]
	}
	monday := time.Date(2026, 1, 5, 0, 0, 0, 0, precinct.CST)
	rosters := []*precinct.Roster{{Shifts: duty.Generate(sc.Patterns, monday.AddDate(0, 0, -1), monday.AddDate(0, 0, 3))}}
	on := func(hour int) map[precinct.UnitKind]int {
		n := map[precinct.UnitKind]int{}
		for _, st := range duty.UnitStates(rosters, governed, monday.Add(time.Duration(hour)*time.Hour)) {
			if st.OnShift {
				n[units[st.UnitID].Kind]++
			}
		}
		return n
	}
	if day, night := on(10), on(22); day[precinct.UnitFootPatrol] != 2 || night[precinct.UnitFootPatrol] != 0 ||
		day[precinct.UnitArmedVehicle] != 2 || night[precinct.UnitArmedVehicle] != 2 {
		t.Errorf("on shift at 10:00 %v, at 22:00 %v: want the duty officers by day only and the armed crews around the clock", day, night)
	}
	for _, ss := range []string{"ss-1", "ss-2"} {
		prim, _ := duty.ShiftOf(find(sc.Patterns, ss+"-primary"), monday)
		sec, _ := duty.ShiftOf(find(sc.Patterns, ss+"-secondary"), monday.AddDate(0, 0, 1))
		if prim.Crew[0].PersonID != sec.Crew[0].PersonID {
			t.Errorf("%s: Monday's primary %s, Tuesday's secondary %s", ss, prim.Crew[0].PersonID, sec.Crew[0].PersonID)
		}
	}
	r, err := sim.Run(context.Background(), sc, sc.Generate(day, 2, 4), sim.Reform, 4, sim.Options{})
	if err != nil || r.KPIs.Unfinished != 0 {
		t.Fatalf("%v, %d unfinished", err, r.KPIs.Unfinished)
	}
}

func find(ps []*precinct.ShiftPattern, id string) *precinct.ShiftPattern {
	for _, p := range ps {
		if p.ID == id {
			return p
		}
	}
	return nil
}
