package http_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"precinct"
	"precinct/auth"
	"precinct/dispatch"
	"precinct/geo"
	phttp "precinct/http"
	"precinct/natsbus"
	"precinct/sqldb"
	"precinct/storetest"
)

const password = "password-123"

// env is a server over the storetest fixture with real store, bus and services.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	http  *phttp.Server
	store *sqldb.DB
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	db, err := sqldb.Open(ctx, filepath.Join(dir, "h.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	j := storetest.Fixture()
	hash, _ := auth.HashPassword(password)
	for _, u := range j.Users {
		u.PasswordHash = hash
	}
	j.Users = append(j.Users,
		&precinct.User{ID: "admin", Username: "admin", Role: precinct.RoleAdmin, PasswordHash: hash},
		&precinct.User{ID: "aud", Username: "auditor", Role: precinct.RoleAuditor, Scope: precinct.Location{SubBureauID: "sb1"}, PasswordHash: hash},
		&precinct.User{ID: "cmd2", Username: "cmd2", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st2"}, PasswordHash: hash},
		&precinct.User{ID: "aux", Username: "aux", Role: precinct.RoleAuxiliary, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}, PasswordHash: hash},
	)
	now := time.Now()
	for _, u := range j.Units {
		u.PositionAt = now
	}
	if err := db.ImportJurisdiction(ctx, j); err != nil {
		t.Fatal(err)
	}
	bus, err := natsbus.Open(ctx, natsbus.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Close() })
	relay := &natsbus.Relay{Events: db, Bus: bus}
	go relay.Run(ctx)
	pgs, cgs, _ := db.AllGrids(ctx)
	resolver := geo.NewResolver(j.Stations, pgs, cgs)
	svc := &dispatch.Service{Store: db, Resolver: resolver, Clock: precinct.SystemClock{}, Notify: relay.Notify, Live: dispatch.NewIndex(precinct.SystemClock{}, 0)}
	if err := svc.LoadUnits(precinct.NewContextWithUser(ctx, &precinct.User{ID: "system", Role: precinct.RoleAdmin})); err != nil {
		t.Fatal(err)
	}
	s := &phttp.Server{Store: db, Auth: &auth.Service{Users: db}, Incidents: svc, Positions: svc, Rules: svc, KPIs: svc, UnitStatus: svc,
		Bus: bus, Resolver: resolver, Clock: precinct.SystemClock{}}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, srv: hs, http: s, store: db}
}

// call sends a request as the user with token and returns status and body.
func (e *env) call(token, method, path string, body any) (int, []byte) {
	e.t.Helper()
	var r io.Reader
	if s, ok := body.(string); ok {
		r = strings.NewReader(s)
	} else if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (e *env) login(username string) string {
	e.t.Helper()
	code, b := e.call("", "POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password})
	if code != 200 {
		e.t.Fatalf("login %s: %d %s", username, code, b)
	}
	var out struct{ Token string }
	_ = json.Unmarshal(b, &out)
	return out.Token
}

// intake creates an incident in st1 and returns its ID.
func (e *env) intake(token string) string {
	e.t.Helper()
	code, b := e.call(token, "POST", "/api/v1/incidents", map[string]any{"source": "call_110", "category": "dispute", "place_type": "village",
		"location": map[string]float64{"lon": 108.1, "lat": 29.1}, "priority": 2, "reporter": map[string]string{"name": "赵", "phone": "13912345678"}})
	if code != 201 {
		e.t.Fatalf("intake: %d %s", code, b)
	}
	var inc precinct.Incident
	_ = json.Unmarshal(b, &inc)
	return inc.ID
}

// TestAuthorizationOverHTTP checks roles and jurisdictions on real endpoints.
func TestAuthorizationOverHTTP(t *testing.T) {
	e := newEnv(t)
	tok := map[string]string{}
	for _, u := range []string{"admin", "dispatcher", "cmd1", "cmd2", "officer1", "auditor", "aux"} {
		tok[u] = e.login(u)
	}
	incID := e.intake(tok["dispatcher"])
	tests := []struct {
		user, method, path string
		body               any
		want               int
	}{
		{"cmd1", "GET", "/api/v1/stations/st1", nil, 200},
		{"cmd1", "GET", "/api/v1/stations/st2", nil, 403},
		{"cmd2", "GET", "/api/v1/stations/st1", nil, 403},
		{"dispatcher", "GET", "/api/v1/stations/st2", nil, 200},
		{"cmd1", "GET", "/api/v1/stations/nope", nil, 404},
		{"cmd1", "GET", "/api/v1/incidents/" + incID, nil, 200},
		// Another station's incident is hidden: its existence is not revealed.
		{"cmd2", "GET", "/api/v1/incidents/" + incID, nil, 404},
		{"officer1", "GET", "/api/v1/incidents/" + incID, nil, 200},
		{"cmd2", "GET", "/api/v1/police-grids/pg1", nil, 403},
		{"officer1", "GET", "/api/v1/police-grids/pg2", nil, 403},
		{"officer1", "GET", "/api/v1/police-grids/pg1", nil, 200},
		{"cmd1", "GET", "/api/v1/units/un4", nil, 403},
		{"cmd2", "GET", "/api/v1/units/un4", nil, 200},
		{"aux", "POST", "/api/v1/incidents/" + incID + "/dispatch", map[string]any{"units": []string{"un1"}}, 403},
		{"cmd2", "POST", "/api/v1/incidents/" + incID + "/dispatch", map[string]any{"units": []string{"un1"}}, 404},
		{"auditor", "POST", "/api/v1/incidents", map[string]any{"source": "call_110", "category": "help", "place_type": "village", "location": map[string]float64{"lon": 108.1, "lat": 29.1}, "priority": 2}, 403},
		{"auditor", "GET", "/api/v1/audit", nil, 200},
		{"cmd1", "GET", "/api/v1/audit", nil, 403},
		{"cmd1", "GET", "/api/v1/users", nil, 403},
		{"admin", "GET", "/api/v1/users", nil, 200},
		{"cmd1", "PUT", "/api/v1/rules", map[string]any{"version": 0, "rules": map[string]any{}}, 403},
		{"auditor", "GET", "/api/v1/people/p1?unmasked=true", nil, 403},
		{"cmd1", "GET", "/api/v1/people/p1?unmasked=true", nil, 200},
		{"cmd2", "GET", "/api/v1/people/p1", nil, 403},
		{"aux", "POST", "/api/v1/units/un1/status", map[string]string{"status": "off_duty"}, 403},
		{"officer1", "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{{"unit_id": "un1", "point": map[string]float64{"lon": 108.1, "lat": 29.1}, "at": time.Now()}}}, 202},
		{"officer1", "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{{"unit_id": "un2", "point": map[string]float64{"lon": 108.1, "lat": 29.1}, "at": time.Now()}}}, 403},
		{"dispatcher", "POST", "/api/v1/incidents/" + incID + "/dispatch", map[string]any{"units": []string{"un1"}}, 200},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %s", tt.user, tt.method, tt.path), func(t *testing.T) {
			code, b := e.call(tok[tt.user], tt.method, tt.path, tt.body)
			if code != tt.want {
				t.Fatalf("status %d, want %d: %s", code, tt.want, b)
			}
		})
	}
	// Lists are narrowed to the jurisdiction.
	var units struct{ Items []precinct.Unit }
	_, b := e.call(tok["cmd2"], "GET", "/api/v1/units", nil)
	_ = json.Unmarshal(b, &units)
	for _, u := range units.Items {
		if u.StationID != "st2" {
			t.Errorf("cmd2 lists unit %s of %s", u.ID, u.StationID)
		}
	}
	var incs struct{ Items []precinct.Incident }
	_, b = e.call(tok["cmd2"], "GET", "/api/v1/incidents", nil)
	_ = json.Unmarshal(b, &incs)
	if len(incs.Items) != 0 {
		t.Errorf("cmd2 lists %d incidents of st1", len(incs.Items))
	}
}

func TestPersonalDataIsMaskedAndAudited(t *testing.T) {
	e := newEnv(t)
	cmd := e.login("cmd1")
	_, b := e.call(cmd, "GET", "/api/v1/people?station_id=st1", nil)
	if bytes.Contains(b, []byte("13800000001")) || bytes.Contains(b, []byte("199001011234")) {
		t.Fatalf("list shows personal data: %s", b)
	}
	id := e.intake(cmd)
	_, b = e.call(cmd, "GET", "/api/v1/incidents/"+id, nil)
	if bytes.Contains(b, []byte("13912345678")) || !bytes.Contains(b, []byte("139****5678")) {
		t.Fatalf("incident shows the reporter's phone: %s", b)
	}
	_, b = e.call(cmd, "GET", "/api/v1/people/p1?unmasked=true", nil)
	if !bytes.Contains(b, []byte("500114199001011234")) {
		t.Fatalf("unmasked read: %s", b)
	}
	recs, _, err := e.store.ListAudit(context.Background(), precinct.AuditFilter{EntityID: "p1"})
	if err != nil || len(recs) != 1 || recs[0].Actor != "u2" || recs[0].Action != "personal.read" {
		t.Fatalf("audit %+v %v", recs, err)
	}
}

func TestBadBodies(t *testing.T) {
	e := newEnv(t)
	tok := e.login("dispatcher")
	for _, tt := range []struct{ name, ctype, body string }{
		{"wrong content type", "text/plain", `{}`},
		{"trailing data", "application/json", `{"units":[]} {}`},
		{"wrong type", "application/json", `{"units":"un1"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/incidents/x/dispatch", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ctype)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var eb struct {
				Error struct{ Code, Message, MessageEN string }
			}
			raw, _ := io.ReadAll(resp.Body)
			_ = json.Unmarshal(raw, &eb)
			if resp.StatusCode != 400 || eb.Error.Code != "EINVALID" || eb.Error.Message == "" {
				t.Errorf("status %d %s", resp.StatusCode, raw)
			}
		})
	}
	// Positions: an unknown unit fails the whole batch.
	code, _ := e.call(e.login("admin"), "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{
		{"unit_id": "un1", "point": map[string]float64{"lon": 108.1, "lat": 29.1}, "at": time.Now()},
		{"unit_id": "ghost", "point": map[string]float64{"lon": 108.1, "lat": 29.1}, "at": time.Now()}}})
	if code != 404 {
		t.Errorf("unknown unit: %d", code)
	}
	tr, _ := e.store.Trajectory(context.Background(), "un1", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if len(tr) != 0 {
		t.Error("a refused batch was partly stored")
	}
}

// sse reads Server-Sent Events from a stream.
type sse struct {
	resp *http.Response
	sc   *bufio.Scanner
}

func (e *env) stream(token, lastID string) *sse {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/stream?access_token="+token, nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("stream: %v %v", err, resp)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return &sse{resp: resp, sc: bufio.NewScanner(resp.Body)}
}

// next returns the next event's id and type.
func (s *sse) next(t *testing.T) (string, string) {
	t.Helper()
	var id, typ string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s.sc.Scan() {
			line := s.sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "event: "):
				typ = line[7:]
			case line == "" && id != "":
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return id, typ
}

func TestStreamResumesWithoutGap(t *testing.T) {
	e := newEnv(t)
	tok := e.login("dispatcher")
	s1 := e.stream(tok, "")
	e.intake(tok)
	id1, typ := s1.next(t)
	if typ != "incident.created" {
		t.Fatalf("first event %q", typ)
	}
	s1.resp.Body.Close() // the console goes away…
	e.intake(tok)
	e.intake(tok) // …two incidents arrive while it is gone…
	s2 := e.stream(tok, id1)
	var got []string
	for i := 0; i < 3; i++ {
		if i == 2 {
			e.intake(tok) // …and one after it is back
		}
		id, _ := s2.next(t)
		got = append(got, id)
	}
	var n [3]int
	for i, id := range got {
		fmt.Sscan(id, &n[i])
	}
	var first int
	fmt.Sscan(id1, &first)
	if n[0] != first+1 || n[1] != first+2 || n[2] != first+3 {
		t.Fatalf("after %s the stream gave %v, want the next three in order", id1, got)
	}
	// A station that does not see st1 gets nothing of it.
	other := e.stream(e.login("cmd2"), "0")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for other.sc.Scan() {
			if strings.HasPrefix(other.sc.Text(), "id: ") {
				t.Errorf("cmd2 received %s", other.sc.Text())
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	other.resp.Body.Close()
	<-done
}

// TestOpenAPIMatchesServer checks that the document lists every route and only
// those, and that real responses fit its schemas.
func TestOpenAPIMatchesServer(t *testing.T) {
	e := newEnv(t)
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	code, raw := e.call("", "GET", "/api/v1/openapi.json", nil)
	if code != 200 {
		t.Fatal(code)
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("document: %v %q", err, doc.OpenAPI)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	served = e.http.Routes()
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Errorf("document and server differ:\ndocumented:\n%s\nserved:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}

	schemas := doc.Components.Schemas
	tok := e.login("dispatcher")
	id := e.intake(tok)
	check := func(path, schema string) {
		t.Helper()
		code, b := e.call(tok, "GET", path, nil)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, b)
		}
		var v any
		_ = json.Unmarshal(b, &v)
		if err := validate(v, map[string]any{"$ref": "#/components/schemas/" + schema}, schemas, path); err != nil {
			t.Errorf("GET %s does not fit %s: %v", path, schema, err)
		}
	}
	listOf := func(path, schema string) {
		t.Helper()
		code, b := e.call(tok, "GET", path, nil)
		var v struct {
			Items      []any   `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		if code != 200 || json.Unmarshal(b, &v) != nil || v.NextCursor == nil {
			t.Fatalf("GET %s: %d %s", path, code, b)
		}
		for _, it := range v.Items {
			if err := validate(it, map[string]any{"$ref": "#/components/schemas/" + schema}, schemas, path); err != nil {
				t.Errorf("GET %s item does not fit %s: %v", path, schema, err)
			}
		}
	}
	check("/api/v1/me", "User")
	check("/api/v1/stations/st1", "Station")
	check("/api/v1/incidents/"+id, "Incident")
	check("/api/v1/incidents/"+id+"/recommendations", "Recommendation")
	check("/api/v1/incidents/"+id+"/kpis", "KPI")
	check("/api/v1/rules", "RuleDocument")
	check("/api/v1/map?layer=police-grids", "FeatureCollection")
	check("/api/v1/resolve?lon=108.1&lat=29.1", "Location")
	listOf("/api/v1/stations", "Station")
	listOf("/api/v1/units", "Unit")
	listOf("/api/v1/people", "Person")
	listOf("/api/v1/police-grids", "PoliceGrid")
	listOf("/api/v1/community-grids", "CommunityGrid")
	listOf("/api/v1/incidents", "Incident")
	listOf("/api/v1/incidents/"+id+"/timeline", "Event")
	listOf("/api/v1/categories", "Category")
	_, b := e.call(tok, "GET", "/api/v1/stations/nope", nil)
	var v any
	_ = json.Unmarshal(b, &v)
	if err := validate(v, map[string]any{"$ref": "#/components/schemas/Error"}, schemas, "error"); err != nil {
		t.Errorf("error body does not fit Error: %v", err)
	}
}

var dateTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`)

// validate checks v against a JSON Schema subset: $ref, type (or a list of
// types), required, properties, additionalProperties=false, items, enum,
// minimum, maximum, format date-time.
func validate(v any, schema map[string]any, defs map[string]map[string]any, at string) error {
	if ref, ok := schema["$ref"].(string); ok {
		s, ok := defs[strings.TrimPrefix(ref, "#/components/schemas/")]
		if !ok {
			return fmt.Errorf("%s: unknown %s", at, ref)
		}
		return validate(v, s, defs, at)
	}
	if t, ok := schema["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		if !typeOK(v, types) {
			return fmt.Errorf("%s: %T is not %v", at, v, types)
		}
	}
	if enum, ok := schema["enum"].([]any); ok && v != nil {
		found := false
		for _, x := range enum {
			found = found || x == v
		}
		if !found {
			return fmt.Errorf("%s: %v not in %v", at, v, enum)
		}
	}
	if f, ok := v.(float64); ok {
		if min, ok := schema["minimum"].(float64); ok && f < min {
			return fmt.Errorf("%s: %v < %v", at, f, min)
		}
		if max, ok := schema["maximum"].(float64); ok && f > max {
			return fmt.Errorf("%s: %v > %v", at, f, max)
		}
	}
	if s, ok := v.(string); ok && schema["format"] == "date-time" && !dateTime.MatchString(s) {
		return fmt.Errorf("%s: %q is not a date-time", at, s)
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asList(schema["required"]) {
			if _, ok := v[r]; !ok {
				return fmt.Errorf("%s: missing %q", at, r)
			}
		}
		for k, val := range v {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if schema["additionalProperties"] == false {
					return fmt.Errorf("%s: unexpected %q", at, k)
				}
				if props != nil && schema["additionalProperties"] == nil && len(props) > 0 {
					return fmt.Errorf("%s: undocumented property %q", at, k)
				}
				continue
			}
			if err := validate(val, ps, defs, at+"."+k); err != nil {
				return err
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, it := range v {
				if err := validate(it, items, defs, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func asList(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return out
}

func typeOK(v any, types []string) bool {
	for _, t := range types {
		switch t {
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "integer":
			if f, ok := v.(float64); ok && f == float64(int64(f)) {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "null":
			if v == nil {
				return true
			}
		}
	}
	return false
}

// TestCheckInIdempotency: a check-in resent by the officer app's offline
// queue with the same Idempotency-Key is recorded once.
func TestCheckInIdempotency(t *testing.T) {
	e := newEnv(t)
	tok := e.login("officer1")
	send := func() int {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/checkins", strings.NewReader(`{"point":{"lon":108.1,"lat":29.1},"note":"到岗"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Idempotency-Key", "phone-7f3a")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if a, b := send(), send(); a != 201 || b != 200 {
		t.Fatalf("first %d, replay %d; want 201 then 200", a, b)
	}
	cs, _, err := e.store.ListCheckIns(context.Background(), precinct.CheckInFilter{UserID: "u3"})
	if err != nil || len(cs) != 1 {
		t.Fatalf("%d check-ins stored (%v), want 1", len(cs), err)
	}
}
