package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"precinct"
)

// TestOrgAdminEditsTheOrganisation: the administrator creates a station,
// uploads a police grid's polygon and a community grid, and the node's
// resolver places a point there within a second; bad input is refused with
// the field, others may not edit, retiring keeps history and is audited.
func TestOrgAdminEditsTheOrganisation(t *testing.T) {
	m := startMain(t, nil)
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	disp := login(t, base, "dispatcher", testDemoPassword)
	p := precinct.Point{Lon: 108.2, Lat: 29.95} // outside the demo's district
	square := func(d float64) map[string]any {
		return map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{p.Lon - d, p.Lat - d}, {p.Lon + d, p.Lat - d}, {p.Lon + d, p.Lat + d}, {p.Lon - d, p.Lat + d}, {p.Lon - d, p.Lat - d}}}}
	}
	resolve := func() (int, precinct.Location) {
		var loc precinct.Location
		code := admin.do("GET", "/api/v1/resolve?lon="+strconv.FormatFloat(p.Lon, 'f', 7, 64)+"&lat="+strconv.FormatFloat(p.Lat, 'f', 7, 64), nil, &loc)
		return code, loc
	}
	if code, _ := resolve(); code == 200 {
		t.Fatal("the point resolves before any edit")
	}
	station := map[string]any{"sub_bureau_id": "sb-500114", "name": "新建派出所", "kind": "urban", "location": p}
	if code := disp.do("PUT", "/api/v1/org/stations/ps-new", station, nil); code != 403 {
		t.Errorf("a dispatcher edits the organisation: %d", code)
	}
	var d precinct.OrgDiff
	if code, raw := admin.raw("PUT", "/api/v1/org/stations/ps-new", station, nil); code != 200 {
		t.Fatalf("create station: %d %s", code, raw)
	} else if json.Unmarshal(raw, &d); d.Added.Stations != 1 {
		t.Fatalf("create station: %s", raw)
	}
	var e apiError
	bow := map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{p.Lon - 0.01, p.Lat - 0.01}, {p.Lon + 0.01, p.Lat + 0.01}, {p.Lon + 0.01, p.Lat - 0.01}, {p.Lon - 0.01, p.Lat + 0.01}, {p.Lon - 0.01, p.Lat - 0.01}}}}
	if code := admin.do("PUT", "/api/v1/org/police-grids/pg-new", map[string]any{"station_id": "ps-new", "name": "新警格", "boundary": bow}, &e); code != 400 || !strings.Contains(e.Error.Field, "boundary") {
		t.Errorf("a self-intersecting polygon: %d %+v", code, e)
	}
	if code := admin.do("PUT", "/api/v1/org/units/u-new", map[string]any{"sub_bureau_id": "sb-500114", "station_id": "ps-new", "callsign": "新巡1", "kind": "tank"}, &e); code != 400 || !strings.HasSuffix(e.Error.Field, ".kind") {
		t.Errorf("a unit of an unknown kind: %d %+v", code, e)
	}
	if code := admin.do("PUT", "/api/v1/org/police-grids/pg-new", map[string]any{"station_id": "ps-new", "name": "新警格", "boundary": square(0.01)}, nil); code != 200 {
		t.Fatalf("upload a police grid: %d", code)
	}
	if code := admin.do("PUT", "/api/v1/org/community-grids/cg-new", map[string]any{"police_grid_id": "pg-new", "name": "新网格", "boundary": square(0.01)}, nil); code != 200 {
		t.Fatalf("upload a community grid: %d", code)
	}
	edited := time.Now()
	for {
		code, loc := resolve()
		if code == 200 && loc.CommunityGridID == "cg-new" && loc.StationID == "ps-new" {
			t.Logf("the resolver followed in %v", time.Since(edited).Round(time.Millisecond))
			break
		}
		if time.Since(edited) > time.Second {
			t.Fatalf("a second after the edit the point resolves to %d %+v", code, loc)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A user of the new station, with a password, signs in and sees it.
	if code := admin.do("PUT", "/api/v1/org/users/cmd-new", map[string]any{"name": "新所指挥室", "role": "command", "password": "a-long-password-1",
		"scope": map[string]string{"sub_bureau_id": "sb-500114", "station_id": "ps-new"}}, nil); code != 200 {
		t.Fatalf("create user: %d", code)
	}
	cmd := login(t, base, "cmd-new", "a-long-password-1")
	if own := listAll[*precinct.Station](cmd, "/api/v1/stations"); len(own) != 1 || own[0].ID != "ps-new" {
		t.Errorf("the new station's user lists %d stations", len(own))
	}
	// Retiring: what refers to the station goes first; history stays.
	if code := admin.do("DELETE", "/api/v1/org/stations/ps-new", nil, &e); code != 409 {
		t.Errorf("retire a station its grid refers to: %d %+v", code, e)
	}
	for _, path := range []string{"users/cmd-new", "community-grids/cg-new", "police-grids/pg-new", "stations/ps-new"} {
		if code := admin.do("DELETE", "/api/v1/org/"+path, nil, &e); code != 200 {
			t.Fatalf("retire %s: %d %+v", path, code, e)
		}
	}
	for _, s := range listAll[*precinct.Station](admin, "/api/v1/stations") {
		if s.ID == "ps-new" {
			t.Error("a retired station is still listed")
		}
	}
	var st precinct.Station
	if code := admin.do("GET", "/api/v1/stations/ps-new", nil, &st); code != 200 || st.Name != "新建派出所" {
		t.Errorf("a retired station's record: %d %+v", code, st)
	}
	var audit struct{ Items []precinct.AuditRecord }
	admin.do("GET", "/api/v1/audit?limit=200", nil, &audit)
	n := 0
	for _, a := range audit.Items {
		if a.EntityType == "org.stations" && a.EntityID == "ps-new" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d audit records of the station, want its creation and retirement", n)
	}
}
