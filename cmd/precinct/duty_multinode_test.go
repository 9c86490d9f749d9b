package main

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"precinct"
)

// TestRosterEditReachesEveryNode runs two `precinct serve` processes on one
// PostgreSQL and one NATS. A shift pattern saved on node A that leaves a
// unit off shift now takes the unit out of node B's recommendations, with
// the reason "off shift", and B refuses to dispatch it; deleting the
// pattern on A brings it back on B — nobody touches B.
func TestRosterEditReachesEveryNode(t *testing.T) {
	dsn, natsURL := scaleOut(t)
	env := []string{"PRECINCT_DB=" + dsn, "PRECINCT_NATS=" + natsURL}
	_, baseA := startProcess(t, t.TempDir(), env...)
	_, baseB := startProcess(t, t.TempDir(), env...)
	a := login(t, baseA, "admin", testAdminPassword)
	b := login(t, baseB, "dispatcher", testDemoPassword)
	var inc precinct.Incident
	body := map[string]any{"source": "call_110", "category": "help", "place_type": "village", "location": stationPoint(t, b), "priority": 2}
	if code := b.do("POST", "/api/v1/incidents", body, &inc); code != 201 {
		t.Fatalf("intake: %d", code)
	}
	var rec precinct.Recommendation
	b.do("GET", "/api/v1/incidents/"+inc.ID+"/recommendations", nil, &rec)
	if len(rec.Candidates) == 0 {
		t.Fatal("no candidates on B")
	}
	u := rec.Candidates[0].Unit
	inRec := func() (bool, string) {
		var rec precinct.Recommendation
		b.do("GET", "/api/v1/incidents/"+inc.ID+"/recommendations", nil, &rec)
		why := ""
		for _, x := range rec.Excluded {
			if x.UnitID == u.ID {
				why = x.ReasonEN
			}
		}
		return slices.ContainsFunc(rec.Candidates, func(c precinct.Candidate) bool { return c.Unit.ID == u.ID }), why
	}
	// A night shift that has not begun: the unit is off shift now.
	start := time.Now().In(precinct.CST).Add(3 * time.Hour).Format("15:04")
	pattern := map[string]any{"name": "夜班（多节点测试）", "kind": "night_patrol", "start": start, "minutes": 60, "unit_id": u.ID, "min_crew": 1, "crews": [][]string{u.Members}}
	if u.ServiceStationID != "" {
		pattern["service_station_id"] = u.ServiceStationID
	} else {
		pattern["station_id"] = u.StationID
	}
	var p precinct.ShiftPattern
	saved := time.Now()
	if code, raw := a.raw("POST", "/api/v1/shift-patterns", pattern, nil); code != 201 {
		t.Fatalf("pattern on A: %d %s", code, raw)
	} else if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		in, why := inRec()
		if !in && why == "off shift" {
			t.Logf("node B left %s out %v after the pattern was saved on node A", u.ID, time.Since(saved).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("3 s after the pattern was saved on A, B still has %s in=%v (%q)", u.ID, in, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var e apiError
	if code := b.do("POST", "/api/v1/incidents/"+inc.ID+"/dispatch", map[string]any{"units": []string{u.ID}}, &e); code != 409 {
		t.Errorf("dispatch of an off-shift unit on B: %d %+v, want 409", code, e)
	}
	if code := a.do("DELETE", "/api/v1/shift-patterns/"+p.ID, nil, nil); code != 204 {
		t.Fatalf("delete on A: %d", code)
	}
	deadline = time.Now().Add(3 * time.Second)
	for {
		if in, _ := inRec(); in {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("3 s after the pattern was deleted on A, B does not recommend %s again", u.ID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
