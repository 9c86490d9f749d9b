package http_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"precinct"
	phttp "precinct/http"
)

// TestPositionsBelieved: a position far outside the unit's sub-bureau, or
// one that implies an impossible speed, is stored flagged and shown as
// flagged, but does not move the unit; a batch sent twice is stored once;
// a trajectory pages to its end.
func TestPositionsBelieved(t *testing.T) {
	e := newEnv(t)
	officer := e.login("officer1")
	admin := e.login("admin")
	// After the unit's imported position, and at most 11 s ahead of the
	// clock (a reported time may be 30 s ahead).
	t0 := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	pos := func(lon, lat float64, at time.Time) map[string]any {
		return map[string]any{"unit_id": "un1", "point": map[string]float64{"lon": lon, "lat": lat}, "at": at}
	}
	post := func(want int, ps ...map[string]any) int {
		t.Helper()
		code, b := e.call(officer, "POST", "/api/v1/positions", map[string]any{"positions": ps})
		if code != 202 {
			t.Fatalf("positions: %d %s", code, b)
		}
		var out struct{ Accepted, Flagged int }
		if err := json.Unmarshal(b, &out); err != nil || out.Accepted != len(ps) || out.Flagged != want {
			t.Fatalf("positions answered %s, want %d flagged", b, want)
		}
		return out.Flagged
	}
	unitAt := func() precinct.Point {
		t.Helper()
		code, b := e.call(admin, "GET", "/api/v1/units/un1", nil)
		var u precinct.Unit
		if code != 200 || json.Unmarshal(b, &u) != nil {
			t.Fatalf("unit: %d %s", code, b)
		}
		return u.Position
	}
	// The unit's stored position is its post, 14 km away, not a fix: the
	// first fix is believed.
	home := precinct.Point{Lon: 108.1, Lat: 29.1}
	post(0, pos(home.Lon, home.Lat, t0))
	if got := unitAt(); got != home {
		t.Fatalf("unit at %v, want %v", got, home)
	}
	// Beijing, a second later: outside the sub-bureau.
	post(1, pos(116.4, 39.9, t0.Add(time.Second)))
	// 20 km in 2 s inside the sub-bureau: impossible speed; 585 m in 10 s
	// (210 km/h) and a metre of noise in a second are believed.
	post(1, pos(108.3, 29.1, t0.Add(2*time.Second)))
	post(0, pos(108.106, 29.1, t0.Add(10*time.Second)), pos(108.10601, 29.1, t0.Add(11*time.Second)))
	if got := unitAt(); got != (precinct.Point{Lon: 108.10601, Lat: 29.1}) {
		t.Errorf("unit at %v after flagged points", got)
	}
	// The same batch again is stored once.
	post(0, pos(108.106, 29.1, t0.Add(10*time.Second)), pos(108.10601, 29.1, t0.Add(11*time.Second)))
	// Two fixes that agree with each other far from the last believed one
	// (a wrong fix, or a unit carried): the second of them is believed.
	post(1, pos(108.2, 29.1, t0.Add(12*time.Second)))
	post(0, pos(108.20001, 29.1, t0.Add(13*time.Second)))
	if got := unitAt(); got != (precinct.Point{Lon: 108.20001, Lat: 29.1}) {
		t.Errorf("unit at %v after two agreeing fixes", got)
	}

	var flags []precinct.PositionFlag
	var pages int
	for cursor := ""; ; pages++ {
		path := fmt.Sprintf("/api/v1/units/un1/trajectory?from=%s&to=%s&limit=2&cursor=%s",
			t0.Format(time.RFC3339), t0.Add(time.Hour).Format(time.RFC3339), cursor)
		code, b := e.call(admin, "GET", path, nil)
		var tr struct {
			Items      []precinct.Position `json:"items"`
			NextCursor string              `json:"next_cursor"`
		}
		if code != 200 || json.Unmarshal(b, &tr) != nil {
			t.Fatalf("trajectory: %d %s", code, b)
		}
		for _, p := range tr.Items {
			flags = append(flags, p.Flag)
		}
		if cursor = tr.NextCursor; cursor == "" {
			break
		}
	}
	want := []precinct.PositionFlag{"", precinct.PositionOutside, precinct.PositionImplausibleSpeed, "", "", precinct.PositionImplausibleSpeed, ""}
	if fmt.Sprint(flags) != fmt.Sprint(want) || pages != 3 {
		t.Errorf("trajectory flags %q in %d pages, want %q in 4", flags, pages+1, want)
	}
	for _, q := range []string{"limit=0", "limit=100001", "cursor=x", "from=2026-11-30T10:00:00Z&to=2026-11-30T09:00:00Z"} {
		if code, b := e.call(admin, "GET", "/api/v1/units/un1/trajectory?"+q, nil); code != 400 {
			t.Errorf("trajectory?%s: %d %s", q, code, b)
		}
	}
}

// TestPositionsDecoding: the positions body, read without reflection in its
// usual shape, decodes every body — usual or not, well-formed or not — to
// what encoding/json makes of it, or fails as encoding/json fails.
func TestPositionsDecoding(t *testing.T) {
	const p = `{"unit_id":"un1","point":{"lon":108.1,"lat":29.1},"at":"2026-11-30T12:00:00.5+08:00","speed_mps":12.5,"heading":270}`
	bodies := []string{
		`{"positions":[` + p + `]}`,
		` { "positions" : [ ` + p + ` , {"unit_id":"un2","point":{"lat":-29,"lon":-1e-3},"at":"2026-11-30T04:00:00Z"} ] } `,
		`{"positions":[]}`, `{}`, `null`, `{"positions":null}`, `{"positions":[null]}`, `{"positions":[{}]}`,
		`{"positions":[{"unit_id":"警车\u4e00","at":"2026-11-30T04:00:00Z"}]}`,
		`{"positions":[{"unit_id":"警车一","point":{"lon":1,"lat":2}}]}`,
		"{\"positions\":[{\"unit_id\":\"un\xff1\"}]}",
		`{"positions":[{"Unit_ID":"un1"}]}`,
		`{"positions":[{"unit_id":"un1","point":{"lon":1},"point":{"lat":2}}]}`,
		`{"positions":[{"unit_id":"un1","unit_id":"un2"}]}`,
		`{"positions":[{"unit_id":"un1","photo":"x"}]}`,
		`{"positions":[{"unit_id":"un1","point":{"lon":1,"lat":2,"alt":3}}]}`,
		`{"positions":[{"unit_id":"un1","speed_mps":1e400}]}`,
		`{"positions":[{"unit_id":"un1","speed_mps":"12"}]}`,
		`{"positions":[{"unit_id":"un1","speed_mps":null}]}`,
		`{"positions":[{"unit_id":1}]}`,
		`{"positions":[{"unit_id":"un1","at":"yesterday"}]}`,
		`{"positions":[{"unit_id":"un1","at":"2026-11-30 04:00:00"}]}`,
		`{"positions":[{"unit_id":"un1","flag":"outside"}]}`,
		`{"positions":[` + p + `],"positions":[]}`,
		`{"positions":[` + p + `],"extra":1}`,
		`{"positions":{"unit_id":"un1"}}`,
		`{"positions":[` + p + `]`, `{"positions":[` + p + `]}}`, `[]`, ``,
	}
	for _, body := range bodies {
		got, gotErr := phttp.DecodePositions([]byte(body))
		var want struct {
			Positions []precinct.Position `json:"positions"`
		}
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		wantErr := dec.Decode(&want)
		if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Errorf("%s: error %v, encoding/json %v", body, gotErr, wantErr)
			continue
		}
		if gotErr == nil && !reflect.DeepEqual(got, want.Positions) {
			t.Errorf("%s: %+v, encoding/json %+v", body, got, want.Positions)
		}
	}
}
