package live_test

import (
	"context"
	"testing"

	"precinct"
	"precinct/dispatch/live"
)

// TestOffShift: a unit whose crew the roster has off shift is left out with
// the reason "off shift" whatever its status, keeps the incident it serves,
// stays out when that incident releases it, and is found again when its
// next shift begins.
func TestOffShift(t *testing.T) {
	x := live.New(&fixedClock{now}, live.Options{})
	x.Put(unit("a", precinct.UnitPatrolCar, "st1", 108.771, 29.53), unit("b", precinct.UnitPatrolCar, "st1", 108.78, 29.53))
	q := live.Query{Point: precinct.Point{Lon: 108.77, Lat: 29.53}, K: 2, Explain: 5}
	search := func() ([]string, []precinct.Exclusion) {
		t.Helper()
		cands, excl, err := x.Nearest(context.Background(), flatRouter{}, q)
		if err != nil {
			t.Fatal(err)
		}
		return ids(cands), excl
	}
	if !x.SetOnShift("a", false) || x.OnShift("a") || !x.OnShift("b") || !x.OnShift("unknown") {
		t.Fatal("SetOnShift/OnShift")
	}
	got, excl := search()
	if len(got) != 1 || got[0] != "b" || len(excl) != 1 || excl[0].UnitID != "a" || excl[0].Reason != "不在班" || excl[0].ReasonEN != "off shift" {
		t.Fatalf("a off shift: candidates %v, excluded %+v", got, excl)
	}
	// Put (a reload of the unit list) keeps the roster's word.
	x.Put(unit("a", precinct.UnitPatrolCar, "st1", 108.771, 29.53))
	if got, _ := search(); len(got) != 1 {
		t.Errorf("after Put: %v", got)
	}
	// Serving an incident, the incident explains; released, it stays off.
	x.SetStatus("a", precinct.UnitOnScene, "inc1")
	if _, excl := search(); len(excl) != 1 || excl[0].ReasonEN != "serving another incident (on scene)" {
		t.Errorf("serving: %+v", excl)
	}
	x.SetStatus("a", precinct.UnitAvailable, "")
	if got, excl := search(); len(got) != 1 || excl[0].ReasonEN != "off shift" {
		t.Errorf("released off shift: %v %+v", got, excl)
	}
	x.SetOnShift("a", true)
	if got, excl := search(); len(got) != 2 || got[0] != "a" || len(excl) != 0 {
		t.Errorf("next shift: %v %+v", got, excl)
	}
	if x.SetOnShift("nobody", false) {
		t.Error("an unknown unit was set")
	}
}
