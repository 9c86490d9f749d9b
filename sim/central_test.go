package sim_test

import (
	"context"
	"testing"
	"time"

	"precinct"
	"precinct/demo"
	"precinct/dispatch"
	"precinct/sim"
)

// TestDemoHistoryHasCentralStationDispatches: in the demo, 水市 (a base
// station) is coordinated by the central station 濯水 (seed 002), and the
// demo's history, simulated over mountain roads, holds cross-station
// dispatches by a central station's command office.
func TestDemoHistoryHasCentralStationDispatches(t *testing.T) {
	j, err := demo.Qianjiang(1)
	if err != nil {
		t.Fatal(err)
	}
	kind := map[string]precinct.StationKind{}
	var shuishi, zhuoshui *precinct.Station
	for _, s := range j.Stations {
		kind[s.ID] = s.Kind
		switch s.Name {
		case "水市派出所":
			shuishi = s
		case "濯水中心派出所":
			zhuoshui = s
		}
	}
	if shuishi == nil || zhuoshui == nil || shuishi.Kind != precinct.StationBase || shuishi.CentralID != zhuoshui.ID {
		t.Fatalf("水市 %+v is not coordinated by 濯水 %+v", shuishi, zhuoshui)
	}
	sc, err := sim.LoadScenario("qianjiang", 1)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, precinct.CST)
	past, err := sim.History(context.Background(), sc, start, start.AddDate(0, 0, 30), 1)
	if err != nil {
		t.Fatal(err)
	}
	byCentral := 0
	for _, p := range past {
		r := p.Incident.Route
		if r.RuleID != dispatch.RuleRuralCentral || kind[r.DispatchedBy] != precinct.StationCentral {
			continue
		}
		if len(r.StationIDs) == 0 || r.StationIDs[0] == p.Incident.Location.StationID {
			t.Errorf("%s: a central-station dispatch from the home station itself: %+v", p.Incident.ID, r)
		}
		byCentral++
	}
	t.Logf("%d incidents in 30 days, %d cross-station dispatches by a central station", len(past), byCentral)
	if byCentral == 0 {
		t.Fatal("the demo history holds no cross-station dispatch by a central station")
	}
}
