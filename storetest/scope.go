package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"precinct"
)

// scopes are the callers' scopes the contract checks lists against.
var scopes = map[string]precinct.Scope{
	"everywhere":    precinct.Everywhere,
	"none":          {},
	"sb1":           {Location: precinct.Location{SubBureauID: "sb1"}},
	"st1":           {Location: precinct.Location{SubBureauID: "sb1", StationID: "st1"}},
	"st2":           {Location: precinct.Location{SubBureauID: "sb1", StationID: "st2"}},
	"pg1":           {Location: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}},
	"pg1 with un5":  {Location: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}, UnitID: "un5"},
	"sb2":           {Location: precinct.Location{SubBureauID: "sb2"}},
	"unknown":       {Location: precinct.Location{SubBureauID: "sb404"}},
	"cg5 (sb2)":     {Location: precinct.Location{SubBureauID: "sb2", StationID: "st3", PoliceGridID: "pg3", CommunityGridID: "cg5"}},
	"st1 of sb2 ??": {Location: precinct.Location{SubBureauID: "sb2", StationID: "st1"}},
}

// testScopes: every list of jurisdiction-bound data keeps to the scope it
// is given, as precinct.Location.Covers decides for one record, and the
// empty scope reaches nothing (fail closed).
func testScopes(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	// A unit of st1's community officer in pg2's neighbour, and a unit of
	// the service station bound to st1 and st2.
	must(t, s.ImportJurisdiction(ctx, &precinct.Jurisdiction{SubBureau: precinct.SubBureau{ID: "sb3", Name: "空分局"}}))
	incs := []struct {
		id     string
		loc    precinct.Location
		shared []string
		units  []string
	}{
		{"i-pg1", precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}, nil, nil},
		{"i-st1-pg9", precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg9", CommunityGridID: "cg9"}, nil, nil},
		{"i-pg2", precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2", CommunityGridID: "cg3"}, nil, []string{"un5"}},
		{"i-st2-shared", precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2", CommunityGridID: "cg4"}, []string{"st1"}, nil},
		{"i-sb2", precinct.Location{SubBureauID: "sb2", StationID: "st3", PoliceGridID: "pg3", CommunityGridID: "cg5"}, nil, nil},
	}
	for i, c := range incs {
		inc, evs := newIncident(c.id, t0.Add(time.Duration(i)*time.Minute))
		inc.Location, inc.SharedWith = c.loc, c.shared
		evs[0].SubBureauID, evs[0].StationID = c.loc.SubBureauID, c.loc.StationID
		_, _, err := s.CreateIncident(ctx, inc, evs)
		must(t, err)
		if len(c.units) > 0 {
			must(t, s.UpdateIncident(ctx, dispatchChange(inc, c.units...)))
		}
	}
	for _, c := range []struct{ id, station, user string }{{"c1", "st1", "u3"}, {"c2", "st2", "u2"}, {"c3", "st3", "u5"}} {
		loc := precinct.Location{SubBureauID: "sb1", StationID: c.station}
		if c.station == "st3" {
			loc.SubBureauID = "sb2"
		}
		ci := &precinct.CheckIn{ID: c.id, UserID: c.user, Point: precinct.Point{Lon: 108.1, Lat: 29.1}, Location: loc, At: t0}
		must(t, s.CreateCheckIn(ctx, ci, precinct.NewEvent(ctx, t0, "checkin.created", loc, "checkin", c.id, nil, ci, nil)))
	}
	must(t, s.RecordAudit(ctx, &precinct.AuditRecord{Actor: "u1", Action: "personal.read", EntityType: "person", EntityID: "p1", SubBureauID: "sb1"}))
	must(t, s.RecordAudit(ctx, &precinct.AuditRecord{Actor: "u4", Action: "personal.read", EntityType: "person", EntityID: "p4", SubBureauID: "sb2"}))

	lists := map[string]func(precinct.Scope) ([]string, error){
		"stations": func(sc precinct.Scope) ([]string, error) {
			return listIDs(s.ListStations(ctx, precinct.StationFilter{Scope: sc}))(func(x *precinct.Station) string { return x.ID })
		},
		"police grids": func(sc precinct.Scope) ([]string, error) {
			return listIDs(s.ListPoliceGrids(ctx, precinct.GridFilter{Scope: sc}))(func(x *precinct.PoliceGrid) string { return x.ID })
		},
		"community grids": func(sc precinct.Scope) ([]string, error) {
			return listIDs(s.ListCommunityGrids(ctx, precinct.GridFilter{Scope: sc}))(func(x *precinct.CommunityGrid) string { return x.ID })
		},
		"people": func(sc precinct.Scope) ([]string, error) {
			return listIDs(s.ListPeople(ctx, precinct.PersonFilter{Scope: sc}))(func(x *precinct.Person) string { return x.ID })
		},
		"units": func(sc precinct.Scope) ([]string, error) {
			return listIDs(s.ListUnits(ctx, precinct.UnitFilter{Scope: sc}))(func(x *precinct.Unit) string { return x.ID })
		},
		"incidents": func(sc precinct.Scope) ([]string, error) {
			return listIDs(s.ListIncidents(ctx, precinct.IncidentFilter{Scope: sc}))(func(x *precinct.Incident) string { return x.ID })
		},
		"incident facts": func(sc precinct.Scope) ([]string, error) {
			var out []string
			err := s.IncidentFacts(ctx, precinct.IncidentFilter{Scope: sc}, func(f *precinct.IncidentFact) error {
				out = append(out, f.StationID)
				return nil
			})
			slices.Sort(out)
			return out, err
		},
		"check-ins": func(sc precinct.Scope) ([]string, error) {
			return listIDs(s.ListCheckIns(ctx, precinct.CheckInFilter{Scope: sc}))(func(x *precinct.CheckIn) string { return x.ID })
		},
		"audit": func(sc precinct.Scope) ([]string, error) {
			return listIDs(s.ListAudit(ctx, precinct.AuditFilter{Scope: sc}))(func(x *precinct.AuditRecord) string { return x.EntityID })
		},
		"events": func(sc precinct.Scope) ([]string, error) {
			evs, err := s.ListEvents(ctx, precinct.EventFilter{Scope: sc, Types: []string{"incident.created"}})
			out := make([]string, len(evs))
			for i, e := range evs {
				out[i] = e.EntityID
			}
			slices.Sort(out)
			return out, err
		},
	}
	want := map[string]map[string]string{
		"stations": {"everywhere": "[st1 st2 st3]", "none": "[]", "sb1": "[st1 st2]", "st1": "[st1]", "pg1": "[st1]", "sb2": "[st3]", "unknown": "[]",
			"cg5 (sb2)": "[st3]", "st1 of sb2 ??": "[]"},
		"police grids": {"everywhere": "[pg1 pg2 pg3]", "none": "[]", "sb1": "[pg1 pg2]", "st2": "[pg2]", "pg1": "[pg1]", "sb2": "[pg3]", "unknown": "[]"},
		"community grids": {"everywhere": "[cg1 cg2 cg3 cg4 cg5]", "none": "[]", "sb1": "[cg1 cg2 cg3 cg4]", "st1": "[cg1 cg2]", "pg1": "[cg1 cg2]",
			"sb2": "[cg5]", "cg5 (sb2)": "[cg5]"},
		// p3 (no police grid) belongs to st1 as a whole: a grid's scope
		// reaches it, as it reaches the station's own record.
		"people": {"everywhere": "[p1 p2 p3 p4]", "none": "[]", "sb1": "[p1 p2 p3]", "st1": "[p1 p3]", "st2": "[p2]", "pg1": "[p1 p3]", "sb2": "[p4]",
			"unknown": "[]"},
		// un1–un3 belong to st1, un4–un6 to st2; the caller's own unit is
		// reached wherever it is.
		"units": {"everywhere": "[un1 un2 un3 un4 un5 un6 un7]", "none": "[]", "sb1": "[un1 un2 un3 un4 un5 un6]", "st1": "[un1 un2 un3]",
			"st2": "[un4 un5 un6]", "pg1": "[un1 un2 un3]", "pg1 with un5": "[un1 un2 un3 un5]", "sb2": "[un7]", "unknown": "[]"},
		"incidents": {"everywhere": "[i-pg1 i-pg2 i-sb2 i-st1-pg9 i-st2-shared]", "none": "[]", "sb1": "[i-pg1 i-pg2 i-st1-pg9 i-st2-shared]",
			"st1": "[i-pg1 i-st1-pg9 i-st2-shared]", "st2": "[i-pg2 i-st2-shared]", "pg1": "[i-pg1 i-st2-shared]",
			"pg1 with un5": "[i-pg1 i-pg2 i-st2-shared]", "sb2": "[i-sb2]", "cg5 (sb2)": "[i-sb2]", "st1 of sb2 ??": "[]", "unknown": "[]"},
		"incident facts": {"everywhere": "[st1 st1 st2 st2 st3]", "none": "[]", "sb1": "[st1 st1 st2 st2]", "st1": "[st1 st1 st2]", "pg1": "[st1 st2]", "sb2": "[st3]"},
		"check-ins":      {"everywhere": "[c1 c2 c3]", "none": "[]", "sb1": "[c1 c2]", "st1": "[c1]", "st2": "[c2]", "sb2": "[c3]", "unknown": "[]"},
		"audit":          {"everywhere": "[p1 p4]", "none": "[]", "sb1": "[p1]", "st1": "[p1]", "sb2": "[p4]", "unknown": "[]"},
		"events":         {"everywhere": "[i-pg1 i-pg2 i-sb2 i-st1-pg9 i-st2-shared]", "none": "[]", "sb1": "[i-pg1 i-pg2 i-st1-pg9 i-st2-shared]", "sb2": "[i-sb2]"},
	}
	for list, cases := range want {
		for scope, w := range cases {
			t.Run(list+"/"+scope, func(t *testing.T) {
				got, err := lists[list](scopes[scope])
				must(t, err)
				if g := fmt.Sprint(got); g != w {
					t.Errorf("%s in scope %s: %s, want %s", list, scope, g, w)
				}
			})
		}
	}
}

// listIDs sorts the IDs of a list's items.
func listIDs[T any](items []T, _ string, err error) func(id func(T) string) ([]string, error) {
	return func(id func(T) string) ([]string, error) {
		out := make([]string, 0, len(items))
		for _, it := range items {
			out = append(out, id(it))
		}
		slices.Sort(out)
		return out, err
	}
}

// testIdempotencyPerCreator: a key is the creator's own. Another creator's
// same key makes a new incident; the same creator's key with another body
// is ECONFLICT on Idempotency-Key, and writes nothing.
func testIdempotencyPerCreator(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	mk := func(id, creator, hash string) (*precinct.Incident, bool, error) {
		inc, evs := newIncident(id, t0)
		inc.IdempotencyKey, inc.CreatedBy, inc.RequestHash = "k-1", creator, hash
		return s.CreateIncident(ctx, inc, evs)
	}
	a, created, err := mk("a", "u1", "h1")
	must(t, err)
	if !created {
		t.Fatal("first use of a key did not create")
	}
	b, created, err := mk("b", "u4", "h1")
	must(t, err)
	if !created || b.ID != "b" {
		t.Fatalf("another creator's key answered with %s (created %v)", b.ID, created)
	}
	again, created, err := mk("c", "u1", "h1")
	must(t, err)
	if created || again.ID != a.ID || again.IdempotencyKey != "k-1" {
		t.Errorf("a replay answered %s created %v key %q", again.ID, created, again.IdempotencyKey)
	}
	_, _, err = mk("d", "u1", "h2")
	wantCode(t, err, precinct.ECONFLICT)
	var e *precinct.Error
	if asError(err, &e) && e.Field != "Idempotency-Key" {
		t.Errorf("conflict on field %q", e.Field)
	}
	for _, id := range []string{"c", "d"} {
		if _, err := s.FindIncident(ctx, id); precinct.ErrorCode(err) != precinct.ENOTFOUND {
			t.Errorf("%s stored: %v", id, err)
		}
	}
}

// testClaimOffDuty: a unit that is off duty or busy when the claim is made
// is not claimed, whatever the caller read before.
func testClaimOffDuty(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	inc, evs := newIncident("x", t0)
	_, _, err := s.CreateIncident(ctx, inc, evs)
	must(t, err)
	for _, st := range []precinct.UnitStatus{precinct.UnitOffDuty, precinct.UnitBusy} {
		ev := precinct.NewEvent(ctx, t0, "unit.status", precinct.Location{SubBureauID: "sb1", StationID: "st1"}, "unit", "un1", nil, nil, nil)
		must(t, s.SetUnitStatus(ctx, "un1", st, ev))
		err := s.UpdateIncident(ctx, dispatchChange(inc, "un1"))
		wantCode(t, err, precinct.ECONFLICT)
		var e *precinct.Error
		if !asError(err, &e) || e.Data["unit_id"] != "un1" || e.Data["incident_id"] != "" {
			t.Errorf("%s: error %v", st, err)
		}
		got, _ := s.FindUnit(ctx, "un1")
		if got.IncidentID != "" || got.Status != st {
			t.Errorf("%s unit claimed: %+v", st, got)
		}
	}
}
