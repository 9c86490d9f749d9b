package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"precinct"
	phttp "precinct/http"
)

// TestErrorsUnderAPIAreJSON: an unknown route, a wrong method and an
// oversized body answer in the API's error shape, with both messages.
func TestErrorsUnderAPIAreJSON(t *testing.T) {
	e := newEnv(t)
	tok := e.login("dispatcher")
	big := `{"source":"call_110","description":"` + strings.Repeat("x", 1<<20) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		code, allow              string
	}{
		{"unknown route", "GET", "/api/v1/nothing-here", "", 404, precinct.ENOTFOUND, ""},
		{"unknown version", "GET", "/api/v9/stations", "", 404, precinct.ENOTFOUND, ""},
		{"wrong method", "DELETE", "/api/v1/stations/st1", "", 405, phttp.EMETHOD, "GET"},
		{"wrong method on a list", "PATCH", "/api/v1/incidents", "", 405, phttp.EMETHOD, "GET, POST"},
		{"oversized body", "POST", "/api/v1/incidents", big, 413, precinct.ETOOLARGE, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code, Message, MessageEN string } `json:"error"`
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if body.Error.Code != tt.code {
				t.Errorf("code %q, want %q", body.Error.Code, tt.code)
			}
			if tt.allow != "" && resp.Header.Get("Allow") != tt.allow {
				t.Errorf("Allow %q, want %q", resp.Header.Get("Allow"), tt.allow)
			}
		})
	}
	// Both messages, in every one of them.
	code, b := e.call(tok, "GET", "/api/v1/nothing-here", nil)
	ecode, zh, en, _ := errorOf(t, b)
	if code != 404 || ecode != precinct.ENOTFOUND || zh == "" || en == "" || zh == en {
		t.Errorf("404 body %s", b)
	}
}

// TestStaticFilesAreNotListed: a folder of the console's files answers 404.
func TestStaticFilesAreNotListed(t *testing.T) {
	e := newEnv(t)
	assets := fstest.MapFS{
		"index.html":       {Data: []byte("<html></html>")},
		"static/app.js":    {Data: []byte("1")},
		"static/img/a.png": {Data: []byte("png")},
	}
	h := (&phttp.Server{Assets: assets, Org: e.http.Org, Auth: e.http.Auth, Database: e.http.Database, Bus: e.http.Bus, Feed: e.http.Feed}).Handler()
	for path, want := range map[string]int{"/static/": 404, "/static/img/": 404, "/static/app.js": 200, "/static/img/a.png": 200} {
		req := httptest.NewRequest("GET", path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
		if strings.Contains(rec.Body.String(), "app.js") && strings.HasSuffix(path, "/") {
			t.Errorf("GET %s lists the folder: %s", path, rec.Body.String())
		}
	}
}

// TestQueryParameters: numbers are whole and in range, never clamped, and
// an unknown id is ENOTFOUND.
func TestQueryParameters(t *testing.T) {
	e := newEnv(t)
	tok := e.login("dispatcher")
	for _, tt := range []struct {
		path, field string
		status      int
	}{
		{"/api/v1/units?limit=1e9", "limit", 400},
		{"/api/v1/units?limit=0", "limit", 400},
		{"/api/v1/units?limit=-5", "limit", 400},
		{"/api/v1/units?limit=1001", "limit", 400},
		{"/api/v1/units?limit=2x", "limit", 400},
		{"/api/v1/stats/incidents?heat_cell_deg=NaN", "heat_cell_deg", 400},
		{"/api/v1/stats/incidents?heat_cell_deg=Inf", "heat_cell_deg", 400},
		{"/api/v1/stats/incidents?heat_cell_deg=0", "heat_cell_deg", 400},
		{"/api/v1/resolve?lon=NaN&lat=29.1", "location", 400},
		{"/api/v1/rules?sub_bureau_id=%27%20OR%201%3D1%20--", "", 404},
		{"/api/v1/stations?kind=castle", "kind", 400},
		{"/api/v1/units?kind=tank", "kind", 400},
		{"/api/v1/people/p1?unmasked=maybe", "unmasked", 400},
	} {
		t.Run(tt.path, func(t *testing.T) {
			code, b := e.call(tok, "GET", tt.path, nil)
			if code != tt.status {
				t.Fatalf("status %d, want %d: %s", code, tt.status, b)
			}
			if _, _, _, field := errorOf(t, b); field != tt.field {
				t.Errorf("field %q, want %q", field, tt.field)
			}
		})
	}
	var l struct{ Items []any }
	if code, b := e.call(tok, "GET", "/api/v1/units?limit=2", nil); code != 200 || json.Unmarshal(b, &l) != nil || len(l.Items) != 2 {
		t.Errorf("limit=2: %d, %d items", code, len(l.Items))
	}
}

// TestIntakeIdempotencyKeyIsTheCallersOwn: a key another user already used
// makes the caller's own incident; the caller's key sent again with
// another body is ECONFLICT on Idempotency-Key and makes nothing.
func TestIntakeIdempotencyKeyIsTheCallersOwn(t *testing.T) {
	e := newEnv(t)
	cmd1, cmd2 := e.login("cmd1"), e.login("cmd2")
	post := func(token, key string, lon float64, desc string) (int, precinct.Incident, []byte) {
		body := fmt.Sprintf(`{"source":"call_110","category":"dispute","place_type":"village","location":{"lon":%g,"lat":29.1},"priority":2,"description":%q,"reporter":{"name":"赵","phone":"13912345678"}}`, lon, desc)
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/incidents", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var inc precinct.Incident
		var raw json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&raw)
		_ = json.Unmarshal(raw, &inc)
		return resp.StatusCode, inc, raw
	}
	code, first, _ := post(cmd1, "call-7", 108.1, "一所的警情")
	if code != 201 {
		t.Fatalf("first: %d", code)
	}
	code, other, raw := post(cmd2, "call-7", 108.7, "二所的警情")
	if code != 201 || other.ID == first.ID || other.Description != "二所的警情" {
		t.Fatalf("another user's key: %d %s", code, raw)
	}
	if code, again, _ := post(cmd1, "call-7", 108.1, "一所的警情"); code != 200 || again.ID != first.ID {
		t.Errorf("a resend: %d %s, want 200 %s", code, again.ID, first.ID)
	}
	code, _, raw = post(cmd1, "call-7", 108.1, "另一起警情")
	if code != 409 {
		t.Fatalf("another body with the key: %d %s", code, raw)
	}
	if _, _, _, field := errorOf(t, raw); field != "Idempotency-Key" {
		t.Errorf("field %q", field)
	}
	list, _, _ := e.store.ListIncidents(context.Background(), precinct.IncidentFilter{Scope: precinct.Everywhere})
	if len(list) != 2 {
		t.Errorf("%d incidents stored, want 2", len(list))
	}
}

// TestUnitStatusIsTheCrewsOrADispatchers: an officer sets their own
// unit's status and no other; a command office sets its station's units'.
func TestUnitStatusIsTheCrewsOrADispatchers(t *testing.T) {
	e := newEnv(t)
	officer, cmd1, cmd2 := e.login("officer1"), e.login("cmd1"), e.login("cmd2")
	off := map[string]string{"status": "off_duty"}
	for _, tt := range []struct {
		who, token, unit string
		want             int
	}{
		{"officer1 their own unit", officer, "un1", 200},
		{"officer1 the station's patrol car", officer, "un2", 403},
		{"officer1 another station's car", officer, "un4", 403},
		{"cmd1 its station's car", cmd1, "un2", 200},
		{"cmd2 another station's car", cmd2, "un2", 403},
	} {
		if code, b := e.call(tt.token, "POST", "/api/v1/units/"+tt.unit+"/status", off); code != tt.want {
			t.Errorf("%s: %d, want %d: %s", tt.who, code, tt.want, b)
		}
	}
}

// TestMapLayersAreComplete: the map and the point resolver read every
// station, past any page size.
func TestMapLayersAreComplete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	j := &precinct.Jurisdiction{SubBureau: precinct.SubBureau{ID: "sb7", Name: "大分局"}}
	for i := range 1050 {
		j.Stations = append(j.Stations, &precinct.Station{ID: fmt.Sprintf("big%04d", i), SubBureauID: "sb7", Name: fmt.Sprintf("所%d", i), Kind: precinct.StationUrban})
	}
	if err := e.store.ImportJurisdiction(ctx, j); err != nil {
		t.Fatal(err)
	}
	code, b := e.call(e.login("admin"), "GET", "/api/v1/map?layer=stations", nil)
	var fc struct{ Features []any }
	if code != 200 || json.Unmarshal(b, &fc) != nil {
		t.Fatalf("map: %d", code)
	}
	if len(fc.Features) < 1050 {
		t.Errorf("the stations layer has %d features, want every one of 1,050 and more", len(fc.Features))
	}
}
