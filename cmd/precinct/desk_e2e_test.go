package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"precinct"
)

// timelineOf returns an incident's timeline as the API gives it.
func timelineOf(t *testing.T, c *client, id string) []*precinct.Event {
	t.Helper()
	var tl struct {
		Items []*precinct.Event `json:"items"`
	}
	if code := c.do("GET", "/api/v1/incidents/"+id+"/timeline", nil, &tl); code != 200 {
		t.Fatalf("timeline: %d", code)
	}
	return tl.Items
}

// lastOf returns the last event of a type on a timeline, or fails.
func lastOf(t *testing.T, tl []*precinct.Event, typ string) *precinct.Event {
	t.Helper()
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Type == typ {
			return tl[i]
		}
	}
	t.Fatalf("no %s on the timeline", typ)
	return nil
}

// TestDeskActions: the dispatcher cancels and reassigns units, adds what a
// caller reported later (追加警情), corrects the intake, links a repeated
// call, reinforces with a spare unit of the first wave, and closes with a
// disposition code from the list; each on the timeline with the actor's
// name, units' time in status kept (issue 18, problems 3, 9, 10).
func TestDeskActions(t *testing.T) {
	m := startMain(t, nil)
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	disp := login(t, base, "dispatcher", testDemoPassword)
	var me precinct.User
	if code := disp.do("GET", "/api/v1/me", nil, &me); code != 200 || me.Name == "" {
		t.Fatalf("me: %d %+v", code, me)
	}
	off := anyOfficer(officers(t, admin))
	at := precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat + 0.001}
	inc := intakeAt(t, disp, at, "noise", precinct.PlaceStreet, 3, "改派路 1 号")
	var rec precinct.Recommendation
	if code := disp.do("GET", "/api/v1/incidents/"+inc.ID+"/recommendations", nil, &rec); code != 200 || len(rec.Candidates) < 3 {
		t.Fatalf("recommendations: %d %d candidates", code, len(rec.Candidates))
	}
	a, b, c := rec.Candidates[0].Unit.ID, rec.Candidates[1].Unit.ID, rec.Candidates[2].Unit.ID
	act := func(action string, body any, want int) *precinct.Incident {
		t.Helper()
		var out precinct.Incident
		code, raw := disp.raw("POST", "/api/v1/incidents/"+inc.ID+"/"+action, body, nil)
		if code != want {
			t.Fatalf("%s: %d %s, want %d", action, code, raw, want)
		}
		_ = json.Unmarshal(raw, &out)
		return &out
	}
	unit := func(id string) precinct.Unit {
		t.Helper()
		var u precinct.Unit
		if code := admin.do("GET", "/api/v1/units/"+id, nil, &u); code != 200 {
			t.Fatalf("unit %s: %d", id, code)
		}
		return u
	}

	before := time.Now().Add(-time.Second)
	act("dispatch", map[string]any{"units": []string{a}}, 200)
	if u := unit(a); u.Status != precinct.UnitDispatched || u.StatusSince.Before(before) {
		t.Errorf("dispatched unit: %s since %v", u.Status, u.StatusSince)
	}
	// Cancel: the only unit taken off, the incident waits for dispatch again.
	if got := act("cancel", map[string]any{"units": []string{a}, "note": "警力另有紧急任务"}, 200); got.Status != precinct.IncidentReceived || len(got.Units) != 0 {
		t.Errorf("after cancel: %s %v", got.Status, got.Units)
	}
	if u := unit(a); u.Status != precinct.UnitAvailable || u.IncidentID != "" {
		t.Errorf("cancelled unit: %s on %q", u.Status, u.IncidentID)
	}
	act("cancel", map[string]any{"units": []string{a}}, 409) // nothing dispatched now
	// Reassign: a off, b on, in one change.
	act("dispatch", map[string]any{"units": []string{a}}, 200)
	act("en-route", map[string]any{"units": []string{a}}, 200)
	if got := act("reassign", map[string]any{"units": []string{a}, "new_unit": b, "note": "改派就近警力"}, 200); got.Status != precinct.IncidentDispatched || len(got.Units) != 1 || got.Units[0] != b {
		t.Errorf("after reassign: %s %v", got.Status, got.Units)
	}
	if ua, ub := unit(a), unit(b); ua.Status != precinct.UnitAvailable || ub.Status != precinct.UnitDispatched || ub.IncidentID != inc.ID {
		t.Errorf("reassigned: %s=%s, %s=%s on %q", a, ua.Status, b, ub.Status, ub.IncidentID)
	}
	act("reassign", map[string]any{"units": []string{a}, "new_unit": c}, 400) // a is not on it
	// A spare unit of the first wave sent as reinforcement is recorded as
	// wave 1, not as the next wave.
	act("reinforce", map[string]any{"units": []string{c}, "wave": 1}, 200)
	tl := timelineOf(t, disp, inc.ID)
	var d struct {
		Wave    int    `json:"wave"`
		NewUnit string `json:"new_unit"`
	}
	_ = json.Unmarshal(lastOf(t, tl, "incident.reinforced").Data, &d)
	if d.Wave != 1 {
		t.Errorf("reinforcement with a first-wave unit recorded as wave %d", d.Wave)
	}
	act("reinforce", map[string]any{"wave": 1}, 400) // a request for more is wave 2 or later

	// 追加警情 and a correction.
	act("note", map[string]any{}, 400)
	act("note", map[string]any{"note": "报警人再次来电：对方已离开"}, 200)
	act("correct", map[string]any{"correction": map[string]any{"address": "改派路 3 号"}}, 400) // no reason
	if got := act("correct", map[string]any{"correction": map[string]any{"address": "改派路 3 号", "priority": 2}, "note": "报警人更正门牌"}, 200); got.Address != "改派路 3 号" || got.Priority != 2 {
		t.Errorf("after correct: %q %d", got.Address, got.Priority)
	}
	tl = timelineOf(t, disp, inc.ID)
	var corr struct {
		Was map[string]any `json:"was"`
	}
	_ = json.Unmarshal(lastOf(t, tl, "incident.corrected").Data, &corr)
	if corr.Was["address"] != "改派路 1 号" {
		t.Errorf("the correction does not keep what it replaced: %v", corr.Was)
	}
	for _, typ := range []string{"incident.unit_cancelled", "incident.reassigned", "incident.noted", "incident.corrected"} {
		if e := lastOf(t, tl, typ); e.ActorName != me.Name {
			t.Errorf("%s by %q (%s), want the dispatcher's name %q", typ, e.ActorName, e.Actor, me.Name)
		}
	}
	_ = json.Unmarshal(lastOf(t, tl, "incident.reassigned").Data, &d)
	if d.NewUnit != b {
		t.Errorf("reassigned to %q, want %s", d.NewUnit, b)
	}

	// A second call about the same noise nearby is a possible duplicate,
	// linked once; a different category is not.
	again := intakeAt(t, disp, precinct.Point{Lon: at.Lon + 0.0005, Lat: at.Lat}, "noise", precinct.PlaceStreet, 4, "改派路 2 号")
	other := intakeAt(t, disp, precinct.Point{Lon: at.Lon, Lat: at.Lat + 0.0005}, "theft", precinct.PlaceStreet, 2, "改派路 4 号")
	var dups struct {
		Items []*precinct.Incident `json:"items"`
	}
	if code := disp.do("GET", "/api/v1/incidents/"+again.ID+"/duplicates", nil, &dups); code != 200 || len(dups.Items) != 1 || dups.Items[0].ID != inc.ID {
		t.Fatalf("duplicates of the second call: %d %+v", code, dups.Items)
	}
	if dups.Items[0].Reporter.Phone == "13700000000" {
		t.Error("a duplicate's reporter phone is not masked")
	}
	if code := disp.do("GET", "/api/v1/incidents/"+other.ID+"/duplicates", nil, &dups); code != 200 || len(dups.Items) != 0 {
		t.Errorf("a theft nearby listed duplicates: %+v", dups.Items)
	}
	var linked precinct.Incident
	if code, raw := disp.raw("POST", "/api/v1/incidents/"+again.ID+"/link", map[string]any{"duplicate_of": inc.ID}, nil); code != 200 {
		t.Fatalf("link: %d %s", code, raw)
	} else if _ = json.Unmarshal(raw, &linked); linked.DuplicateOf != inc.ID {
		t.Errorf("linked incident: %+v", linked.DuplicateOf)
	}
	if code, _ := disp.raw("POST", "/api/v1/incidents/"+again.ID+"/link", map[string]any{"duplicate_of": other.ID}, nil); code != 409 {
		t.Errorf("a second link: %d, want 409", code)
	}
	if code := disp.do("GET", "/api/v1/incidents/"+again.ID+"/duplicates", nil, &dups); code != 200 || len(dups.Items) != 0 {
		t.Errorf("a linked call still lists its original: %+v", dups.Items)
	}

	// Closing takes a disposition from the list, and statistics count it.
	act("arrive", nil, 200)
	act("resolve", nil, 200)
	act("close", nil, 400)
	act("close", map[string]any{"disposition": "teleported"}, 400)
	if got := act("close", map[string]any{"disposition": "advised"}, 200); got.Disposition != "advised" {
		t.Errorf("closed with %q", got.Disposition)
	}
	var rep struct {
		Current precinct.IncidentStats `json:"current"`
	}
	period := "?from=" + before.Add(-time.Hour).UTC().Format(time.RFC3339) + "&to=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if code := disp.do("GET", "/api/v1/stats/incidents"+period, nil, &rep); code != 200 {
		t.Fatalf("stats: %d", code)
	}
	st := rep.Current
	found := false
	for _, c := range st.ByDisposition {
		found = found || c.Key == "advised" && c.N == 1
	}
	if !found {
		t.Errorf("statistics by disposition: %+v (total %d, by status %+v)", st.ByDisposition, st.Total, st.ByStatus)
	}
	// Another station's dispatcher cannot link this sub-bureau's call.
	u := userWith(t, admin, func(u *precinct.User) bool {
		return u.Role == precinct.RoleCommand && u.Scope.StationID != "" && u.Scope.StationID != inc.Location.StationID && u.Scope.PoliceGridID == "" && !u.Disabled
	})
	o := login(t, base, u.Username, testDemoPassword)
	if code, _ := o.raw("GET", "/api/v1/incidents/"+again.ID+"/duplicates", nil, nil); code != 404 {
		t.Errorf("another station's command office reads duplicates: %d, want 404", code)
	}
	if code, _ := o.raw("POST", "/api/v1/incidents/"+again.ID+"/note", map[string]any{"note": "x"}, nil); code != 404 {
		t.Errorf("another station's command office adds a note: %d, want 404", code)
	}
}

// TestCallDuplicates: while a call is still being taken, the incidents it
// may repeat (the same category family near the place, within the window)
// are listed where the dispatcher may take a call, and the call is
// registered linked to one, the link on its timeline with the actor
// (issue 18, problem 9; the console's form is TestBrowserCallDuplicates).
func TestCallDuplicates(t *testing.T) {
	m := startMain(t, nil)
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	disp := login(t, base, "dispatcher", testDemoPassword)
	var me precinct.User
	disp.do("GET", "/api/v1/me", nil, &me)
	off := anyOfficer(officers(t, admin))
	at := precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat + 0.001}
	orig := intakeAt(t, disp, at, "neighbour", precinct.PlaceCompound, 3, "来电路 1 号")
	var dups struct {
		Items []*precinct.Incident `json:"items"`
	}
	ask := func(c *client, p precinct.Point, category string) int {
		t.Helper()
		dups.Items = nil
		return c.do("GET", fmt.Sprintf("/api/v1/incidents/duplicates?lon=%v&lat=%v&category=%s", p.Lon, p.Lat, category), nil, &dups)
	}
	near := precinct.Point{Lon: at.Lon + 0.0008, Lat: at.Lat}
	// Another dispute of the family (纠纷 and 邻里纠纷 are one) nearby.
	if code := ask(disp, near, "dispute"); code != 200 || len(dups.Items) != 1 || dups.Items[0].ID != orig.ID {
		t.Fatalf("a call being taken nearby: %d %+v, want %s", code, dups.Items, orig.ID)
	}
	if dups.Items[0].Reporter.Phone == "13700000000" {
		t.Error("a candidate's reporter phone is not masked")
	}
	if code := ask(disp, near, "theft"); code != 200 || len(dups.Items) != 0 {
		t.Errorf("a theft nearby: %d %+v, want none", code, dups.Items)
	}
	if code := ask(disp, precinct.Point{Lon: at.Lon + 0.01, Lat: at.Lat}, "dispute"); code != 200 || len(dups.Items) != 0 {
		t.Errorf("a dispute 1 km away: %d %+v, want none", code, dups.Items)
	}
	for _, bad := range []string{"/api/v1/incidents/duplicates?category=dispute", fmt.Sprintf("/api/v1/incidents/duplicates?lon=%v&lat=%v&category=alien", near.Lon, near.Lat)} {
		if code, _ := disp.raw("GET", bad, nil, nil); code != 400 {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}

	// Registered linked: the link is the call's own, on its timeline with
	// the dispatcher's name; the repeat is not offered again.
	in := precinct.IncidentInput{Source: precinct.SourceCall110, Category: "dispute", PlaceType: precinct.PlaceCompound, Point: near, Address: "来电路 3 号",
		Priority: 3, Reporter: precinct.Reporter{Name: "李女士", Phone: "13600000000"}, DuplicateOf: orig.ID}
	var again precinct.Incident
	if code, raw := disp.raw("POST", "/api/v1/incidents", in, nil); code != 201 {
		t.Fatalf("intake linked: %d %s", code, raw)
	} else if _ = json.Unmarshal(raw, &again); again.DuplicateOf != orig.ID {
		t.Errorf("registered linked to %q, want %s", again.DuplicateOf, orig.ID)
	}
	created := lastOf(t, timelineOf(t, disp, again.ID), "incident.created")
	var d struct {
		DuplicateOf string `json:"duplicate_of"`
	}
	if _ = json.Unmarshal(created.Data, &d); d.DuplicateOf != orig.ID || created.ActorName != me.Name {
		t.Errorf("the timeline's intake: linked to %q by %q, want %s by %q", d.DuplicateOf, created.ActorName, orig.ID, me.Name)
	}
	if code := ask(disp, near, "dispute"); code != 200 || len(dups.Items) != 1 || dups.Items[0].ID != orig.ID {
		t.Errorf("after the linked call: %d %+v, want only the original", code, dups.Items)
	}
	in.DuplicateOf = "inc_nothing"
	if code, _ := disp.raw("POST", "/api/v1/incidents", in, nil); code != 404 {
		t.Errorf("linked to no incident: %d, want 404", code)
	}

	// Another station's command office cannot ask here nor link to this
	// station's call from its own area.
	u := userWith(t, admin, func(u *precinct.User) bool {
		return u.Role == precinct.RoleCommand && u.Scope.StationID != "" && u.Scope.StationID != orig.Location.StationID && u.Scope.PoliceGridID == "" && !u.Disabled
	})
	o := login(t, base, u.Username, testDemoPassword)
	if code := ask(o, near, "dispute"); code != 403 {
		t.Errorf("another station asks at this station's place: %d, want 403", code)
	}
	var st precinct.Station
	if code := o.do("GET", "/api/v1/stations/"+u.Scope.StationID, nil, &st); code != 200 {
		t.Fatalf("own station: %d", code)
	}
	if code := ask(o, st.Location, "dispute"); code != 200 {
		t.Errorf("another station asks in its own area: %d", code)
	}
	for _, x := range dups.Items {
		if x.Location.StationID != u.Scope.StationID && !slices.Contains(x.SharedWith, u.Scope.StationID) {
			t.Errorf("another station is offered %s of %s", x.ID, x.Location.StationID)
		}
	}
	in.Point, in.DuplicateOf = st.Location, orig.ID
	if code, _ := o.raw("POST", "/api/v1/incidents", in, nil); code != 404 {
		t.Errorf("another station links its call to this station's: %d, want 404", code)
	}
}

// TestDemoUnitsStatusSince: on a fresh demo every unit has held its status
// since a known time (the seeding), so that the unit board shows a time in
// status for each before any has changed.
func TestDemoUnitsStatusSince(t *testing.T) {
	start := time.Now()
	m := startMain(t, nil)
	admin := login(t, m.HTTP.URL(), "admin", testAdminPassword)
	units := listAll[*precinct.Unit](admin, "/api/v1/units")
	if len(units) == 0 {
		t.Fatal("no units")
	}
	for _, u := range units {
		if u.StatusSince.IsZero() || u.StatusSince.Before(start.Add(-time.Second)) || u.StatusSince.After(time.Now()) {
			t.Errorf("unit %s (%s) since %v, want the seeding's time", u.ID, u.Status, u.StatusSince)
		}
	}
}
