package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"precinct"
)

// sseFeed is one console's SSE connection.
type sseFeed struct {
	events chan precinct.Event
	resp   *http.Response
}

func openFeed(t testing.TB, c *client) *sseFeed { return openFeedFrom(t, c, 0) }

// openFeedFrom resumes a feed after an event sequence number (0: live only).
func openFeedFrom(t testing.TB, c *client, after int64) *sseFeed {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if after > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(after, 10))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stream: %v", err)
	}
	f := &sseFeed{events: make(chan precinct.Event, 100), resp: resp}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e precinct.Event
				if json.Unmarshal([]byte(data), &e) == nil {
					f.events <- e
				}
			}
		}
	}()
	return f
}

// await returns the first event of the type about the entity.
func (f *sseFeed) await(t testing.TB, typ, entity string) precinct.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-f.events:
			if e.Type == typ && e.EntityID == entity {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s for %s within 5 s", typ, entity)
		}
	}
}

// TestIncidentFlowEndToEnd takes a 110 call through its whole life over HTTP:
// both the command centre and the station's command office see it at once,
// the recommended unit is dispatched, the officer reports en route, arrival
// and resolution, the station closes it and calls back.
func TestIncidentFlowEndToEnd(t *testing.T) {
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	dispatcher := login(t, base, "dispatcher", pw["demo"])

	// A dispute in a village of a rural station.
	stations := listAll[*precinct.Station](admin, "/api/v1/stations")
	var home *precinct.Station
	for _, s := range stations {
		if s.Kind == precinct.StationCentral {
			home = s
			break
		}
	}
	cmdUser := userWith(t, admin, func(u *precinct.User) bool { return u.Role == precinct.RoleCommand && u.Scope.StationID == home.ID })
	station := login(t, base, cmdUser.Username, pw["demo"])
	centre, office := openFeed(t, dispatcher), openFeed(t, station)

	body := map[string]any{"source": "call_110", "category": "dispute", "place_type": "village", "location": home.Location,
		"address": "村委会旁", "description": "邻里因排水沟发生争执", "priority": 2, "reporter": map[string]string{"name": "王某", "phone": "13800001111"}}
	var inc precinct.Incident
	hdr := http.Header{"Idempotency-Key": {"110-20261122-0001"}}
	code, raw := dispatcher.raw("POST", "/api/v1/incidents", body, hdr)
	if code != 201 {
		t.Fatalf("intake: %d %s", code, raw)
	}
	_ = json.Unmarshal(raw, &inc)
	if inc.Location.StationID != home.ID || inc.Route.RuleID == "" || inc.Route.Reason == "" {
		t.Fatalf("incident not located or routed: %+v", inc)
	}
	// Flat flow: both consoles get the same event, neither relays it.
	a, b := centre.await(t, "incident.created", inc.ID), office.await(t, "incident.created", inc.ID)
	if a.Seq != b.Seq {
		t.Errorf("the two consoles got different events")
	}
	// Replays of the 110 system's retry give the same incident.
	var replay precinct.Incident
	code, raw = dispatcher.raw("POST", "/api/v1/incidents", body, hdr)
	_ = json.Unmarshal(raw, &replay)
	if code != 200 || replay.ID != inc.ID {
		t.Fatalf("replay: %d %s", code, replay.ID)
	}

	var rec precinct.Recommendation
	if code := station.do("GET", "/api/v1/incidents/"+inc.ID+"/recommendations", nil, &rec); code != 200 || len(rec.Candidates) == 0 {
		t.Fatalf("recommendations: %d %+v", code, rec)
	}
	if rec.Route.RuleID == "" || rec.Candidates[0].ETASec <= 0 {
		t.Errorf("recommendation without rule or ETA: %+v", rec)
	}
	unit := rec.Candidates[0].Unit.ID
	units := map[string]any{"units": []string{unit}}
	steps := []struct {
		action string
		body   any
		status precinct.IncidentStatus
	}{
		{"dispatch", units, precinct.IncidentDispatched},
		{"en-route", units, precinct.IncidentEnRoute},
		{"arrive", units, precinct.IncidentOnScene},
		{"resolve", map[string]any{"note": "双方达成调解协议"}, precinct.IncidentResolved},
		{"close", map[string]any{"disposition": "mediated"}, precinct.IncidentClosed},
		{"callback", map[string]any{"satisfaction": 5, "comment": "满意"}, precinct.IncidentCallbackDone},
	}
	for _, s := range steps {
		var got precinct.Incident
		if code := station.do("POST", "/api/v1/incidents/"+inc.ID+"/"+s.action, s.body, &got); code != 200 || got.Status != s.status {
			t.Fatalf("%s: status %d, incident %s", s.action, code, got.Status)
		}
		if s.action == "en-route" {
			// An impossible transition is a conflict, and changes nothing.
			var e apiError
			if code := station.do("POST", "/api/v1/incidents/"+inc.ID+"/close", nil, &e); code != 409 || e.Error.Code != precinct.ECONFLICT {
				t.Errorf("close while en route: %d %+v", code, e)
			}
		}
	}
	office.await(t, "incident.callback", inc.ID)

	var tl struct{ Items []precinct.Event }
	station.do("GET", "/api/v1/incidents/"+inc.ID+"/timeline", nil, &tl)
	var types []string
	for _, e := range tl.Items {
		types = append(types, strings.TrimPrefix(e.Type, "incident."))
		if e.Actor == "" || e.At.IsZero() {
			t.Errorf("event without actor or time: %+v", e)
		}
	}
	if got := strings.Join(types, ","); got != "created,dispatched,en_route,arrived,resolved,closed,callback" {
		t.Errorf("timeline %s", got)
	}
	var k precinct.KPI
	station.do("GET", "/api/v1/incidents/"+inc.ID+"/kpis", nil, &k)
	if k.FlowTimeS == nil || k.ResponseTimeS == nil || *k.FlowTimeS < 0 || *k.ResponseTimeS < *k.FlowTimeS ||
		k.Outcome != precinct.OutcomeResolvedOnScene || k.Satisfaction != 5 || k.Units != 1 {
		t.Errorf("KPIs %+v", k)
	}
	var u precinct.Unit
	admin.do("GET", "/api/v1/units/"+unit, nil, &u)
	if u.Status != precinct.UnitAvailable || u.IncidentID != "" {
		t.Errorf("unit not released: %+v", u)
	}
	// Released, the unit still finds the incident among its own (the
	// officer app's task list).
	var mine struct{ Items []precinct.Incident }
	station.do("GET", "/api/v1/incidents?unit_id="+unit, nil, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != inc.ID {
		t.Errorf("incidents of unit %s: %+v", unit, mine.Items)
	}
}

// TestConcurrentDispatchOneWinner sends one unit from 50 consoles to 50
// incidents at once: exactly one wins, the others learn who holds it.
func TestConcurrentDispatchOneWinner(t *testing.T) {
	base, pw := startServer(t)
	c := login(t, base, "dispatcher", pw["demo"])
	p := stationPoint(t, c)
	var ids []string
	for i := 0; i < 50; i++ {
		var inc precinct.Incident
		body := map[string]any{"source": "call_110", "category": "help", "place_type": "village", "location": p, "priority": 3}
		if code := c.do("POST", "/api/v1/incidents", body, &inc); code != 201 {
			t.Fatalf("intake %d: %d", i, code)
		}
		ids = append(ids, inc.ID)
	}
	var rec precinct.Recommendation
	c.do("GET", "/api/v1/incidents/"+ids[0]+"/recommendations", nil, &rec)
	if len(rec.Candidates) == 0 {
		t.Fatal("no candidates")
	}
	unit := rec.Candidates[0].Unit.ID
	var wg sync.WaitGroup
	codes := make([]int, len(ids))
	bodies := make([]apiError, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = c.do("POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{"units": []string{unit}}, &bodies[i])
		}()
	}
	wg.Wait()
	wins := 0
	for i, code := range codes {
		switch code {
		case 200:
			wins++
		case 409:
			if !strings.Contains(bodies[i].Error.Message+bodies[i].Error.MessageEN, "inc_") {
				t.Errorf("conflict does not name the holding incident: %+v", bodies[i])
			}
		default:
			t.Errorf("dispatch %d: status %d", i, code)
		}
	}
	if wins != 1 {
		t.Fatalf("%d dispatches won, want exactly 1", wins)
	}
}

// TestActionIdempotencyKey: an action resent with its Idempotency-Key (the
// officer app's outbox after a lost answer) takes effect once and answers
// 200 each time, even when the copies arrive together; the key cannot be
// reused for another action or by another user.
func TestActionIdempotencyKey(t *testing.T) {
	base, pw := startServer(t)
	c := login(t, base, "dispatcher", pw["demo"])
	admin := login(t, base, "admin", pw["admin"])
	var inc precinct.Incident
	body := map[string]any{"source": "call_110", "category": "help", "place_type": "village", "location": stationPoint(t, c), "priority": 3}
	if code := c.do("POST", "/api/v1/incidents", body, &inc); code != 201 {
		t.Fatalf("intake: %d", code)
	}
	var rec precinct.Recommendation
	if c.do("GET", "/api/v1/incidents/"+inc.ID+"/recommendations", nil, &rec); len(rec.Candidates) == 0 {
		t.Fatal("no candidates")
	}
	units := map[string]any{"units": []string{rec.Candidates[0].Unit.ID}}
	act := func(c *client, action, key string) (int, apiError) {
		t.Helper()
		code, raw := c.raw("POST", "/api/v1/incidents/"+inc.ID+"/"+action, units, http.Header{"Idempotency-Key": {key}})
		var e apiError
		_ = json.Unmarshal(raw, &e)
		return code, e
	}

	// Twenty copies of one dispatch at once: all answered 200, one applied.
	codes := make([]int, 20)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = act(c, "dispatch", "app-dispatch-1")
		}()
	}
	wg.Wait()
	for i, code := range codes {
		if code != 200 {
			t.Errorf("copy %d of the dispatch: status %d", i, code)
		}
	}
	// Resent later, one after another.
	for range 3 {
		if code, e := act(c, "en-route", "app-en-route-1"); code != 200 {
			t.Fatalf("en route: %d %+v", code, e)
		}
	}
	// The same key for another action, or from another user, is a conflict.
	if code, e := act(c, "arrive", "app-en-route-1"); code != 409 || e.Error.Field != "Idempotency-Key" {
		t.Errorf("key reused for arrive: %d %+v", code, e)
	}
	if code, e := act(admin, "en-route", "app-en-route-1"); code != 409 || e.Error.Field != "Idempotency-Key" {
		t.Errorf("key reused by another user: %d %+v", code, e)
	}
	// Without a key, a second en-route is refused by the lifecycle.
	if code, _ := c.raw("POST", "/api/v1/incidents/"+inc.ID+"/en-route", units, nil); code != 409 {
		t.Errorf("second en route without a key: %d", code)
	}
	if code, e := act(c, "arrive", "app-arrive-1"); code != 200 {
		t.Fatalf("arrive: %d %+v", code, e)
	}

	var tl struct{ Items []precinct.Event }
	c.do("GET", "/api/v1/incidents/"+inc.ID+"/timeline", nil, &tl)
	var types []string
	for _, e := range tl.Items {
		types = append(types, strings.TrimPrefix(e.Type, "incident."))
	}
	if got := strings.Join(types, ","); got != "created,dispatched,en_route,arrived" {
		t.Errorf("timeline %s", got)
	}
	var got precinct.Incident
	c.do("GET", "/api/v1/incidents/"+inc.ID, nil, &got)
	if got.Status != precinct.IncidentOnScene || len(got.Units) != 1 {
		t.Errorf("incident %s with units %v", got.Status, got.Units)
	}
}
