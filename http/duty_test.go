package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"precinct"
)

// TestDutyOverHTTP walks the duty routes outside checks use — the rosters,
// a roll call, its answer and its record — and the check-ins and an
// emergency call, and checks every answer against the OpenAPI document.
func TestDutyOverHTTP(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	_, raw := e.call("", "GET", "/api/v1/openapi.json", nil)
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	fits := func(b []byte, schema string) {
		t.Helper()
		var v any
		_ = json.Unmarshal(b, &v)
		if err := validate(v, map[string]any{"$ref": "#/components/schemas/" + schema}, doc.Components.Schemas, schema); err != nil {
			t.Errorf("answer does not fit %s: %v\n%.300s", schema, err, b)
		}
	}
	listFits := func(b []byte, schema string) int {
		t.Helper()
		var l struct{ Items []json.RawMessage }
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatalf("%s list: %v", schema, err)
		}
		for _, it := range l.Items {
			fits(it, schema)
		}
		return len(l.Items)
	}
	do := func(tok, method, path string, body any, want int) []byte {
		t.Helper()
		code, b := e.call(tok, method, path, body)
		if code != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, code, want, b)
		}
		return b
	}
	cmd, officer := e.login("cmd1"), e.login("officer1")

	// A day shift for the community officer's unit.
	b := do(cmd, "POST", "/api/v1/shift-patterns", map[string]any{"station_id": "st1", "name": "白班", "kind": "day_patrol", "start": "00:00", "minutes": 1440,
		"unit_id": "un1", "min_crew": 1, "crews": [][]string{{"p1"}}}, 201)
	fits(b, "ShiftPattern")
	b = do(cmd, "GET", "/api/v1/rosters", nil, 200)
	if n := listFits(b, "Roster"); n != 1 {
		t.Errorf("%d rosters, want station 1's", n)
	}
	var rs struct{ Items []precinct.Roster }
	_ = json.Unmarshal(b, &rs)
	b = do(cmd, "GET", "/api/v1/rosters/"+rs.Items[0].ID, nil, 200)
	fits(b, "Roster")
	code, x := e.call(cmd, "GET", "/api/v1/rosters/"+rs.Items[0].ID+"?format=xlsx", nil)
	if code != 200 || len(x) < 100 || string(x[:2]) != "PK" {
		t.Errorf("roster workbook: %d, %d bytes", code, len(x))
	}
	code, _ = e.send(cmd, "POST", "/api/v1/rosters/import", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", strings.NewReader(string(x)))
	if code != 200 {
		t.Errorf("import of the exported workbook: %d", code)
	}

	// A roll call of the unit: the officer answers with a position.
	b = do(cmd, "POST", "/api/v1/roll-calls", map[string]any{"title": "巡逻组点名", "targets": map[string]any{"unit_ids": []string{"un1"}}, "deadline_s": 300}, 201)
	fits(b, "RollCall")
	var rc precinct.RollCall
	_ = json.Unmarshal(b, &rc)
	if len(rc.Members) != 1 || rc.Members[0].PersonID != "p1" || rc.Members[0].UserID != "u3" {
		t.Fatalf("roll call members %+v", rc.Members)
	}
	b = do(officer, "POST", "/api/v1/roll-calls/"+rc.ID+"/ack", map[string]any{"point": map[string]float64{"lon": 108.1, "lat": 29.1}}, 200)
	fits(b, "RollCall")
	b = do(cmd, "GET", "/api/v1/roll-calls/"+rc.ID, nil, 200)
	_ = json.Unmarshal(b, &rc)
	if rc.Members[0].Status != precinct.AnswerAnswered || rc.Members[0].Point == nil {
		t.Errorf("after the answer: %+v", rc.Members)
	}
	do(e.login("cmd2"), "GET", "/api/v1/roll-calls/"+rc.ID, nil, 404)
	do(cmd, "POST", "/api/v1/roll-calls", map[string]any{"targets": map[string]any{}}, 400)
	listFits(do(cmd, "GET", "/api/v1/roll-calls", nil, 200), "RollCall")
	listFits(do(cmd, "GET", "/api/v1/roll-calls/misses", nil, 200), "PersonMisses")

	// Check-ins: at the community office, and with no position.
	b = do(officer, "POST", "/api/v1/checkins", map[string]any{"point": map[string]float64{"lon": 108.1001, "lat": 29.1}}, 201)
	fits(b, "CheckIn")
	var c precinct.CheckIn
	_ = json.Unmarshal(b, &c)
	if !c.Valid || c.Verdict != precinct.CheckInInside {
		t.Errorf("check-in at the office: %+v", c)
	}
	b = do(officer, "POST", "/api/v1/checkins", map[string]any{}, 201)
	_ = json.Unmarshal(b, &c)
	if c.Valid || c.Verdict != precinct.CheckInNoPosition || c.Point != nil {
		t.Errorf("check-in without a position: %+v", c)
	}
	fits(do(cmd, "GET", "/api/v1/checkins/ledger", nil, 200), "CheckInLedger")
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/checkins/ledger?format=xlsx", nil)
	req.Header.Set("Authorization", "Bearer "+cmd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("ledger workbook: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}

	// An emergency unit called to an incident, acknowledged in the app.
	b = do(cmd, "POST", "/api/v1/emergency-units", map[string]any{"police_grid_id": "pg1", "members": []map[string]string{{"person_id": "p1", "role": "officer"}, {"person_id": "p3", "role": "grid_worker"}}}, 201)
	fits(b, "EmergencyUnit")
	var eu precinct.EmergencyUnit
	_ = json.Unmarshal(b, &eu)
	inc := e.intake(e.login("dispatcher"))
	b = do(cmd, "POST", "/api/v1/emergency-units/"+eu.ID+"/call", map[string]any{"incident_id": inc}, 201)
	fits(b, "EmergencyCall")
	var call precinct.EmergencyCall
	_ = json.Unmarshal(b, &call)
	b = do(officer, "POST", "/api/v1/emergency-calls/"+call.ID+"/ack", nil, 200)
	_ = json.Unmarshal(b, &call)
	if call.Members[0].Status != precinct.CallAcknowledged || call.Members[1].Channel != precinct.ChannelPhone {
		t.Errorf("after the acknowledgement: %+v", call.Members)
	}

	fits(do(cmd, "GET", "/api/v1/duty/board", nil, 200), "DutyBoard")
	fits(do(officer, "GET", "/api/v1/me/duty", nil, 200), "MyDuty")
	listFits(do(cmd, "GET", "/api/v1/duty/strength", nil, 200), "StationStrength")
}
