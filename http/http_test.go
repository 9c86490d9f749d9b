package http_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"precinct"
	"precinct/auth"
	"precinct/dispatch"
	"precinct/duty"
	"precinct/feed"
	"precinct/geo"
	"precinct/geocode"
	"precinct/gridloop"
	phttp "precinct/http"
	"precinct/mediation"
	"precinct/natsbus"
	"precinct/org"
	"precinct/prevention"
	"precinct/registry"
	"precinct/report"
	"precinct/sqldb"
	"precinct/storetest"
	"precinct/streets"
	"precinct/tasks"
	"precinct/workflow"
)

const password = "password-123"

// allRoles is every role of the authorization matrix.
var allRoles = []precinct.Role{precinct.RoleAdmin, precinct.RoleDispatcher, precinct.RoleCommand, precinct.RoleChief, precinct.RoleCase,
	precinct.RoleCommunity, precinct.RolePatrol, precinct.RoleAuxiliary, precinct.RoleAuditor}

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
	j, j2 := fixtures()
	hash, _ := auth.HashPassword(password)
	for _, u := range append(j.Users, j2.Users...) {
		u.PasswordHash = hash
	}
	j.Users = append(j.Users,
		&precinct.User{ID: "admin", Username: "admin", Role: precinct.RoleAdmin, PasswordHash: hash},
		&precinct.User{ID: "aud", Username: "auditor", Role: precinct.RoleAuditor, Scope: precinct.Location{SubBureauID: "sb1"}, PasswordHash: hash},
		&precinct.User{ID: "cmd2", Username: "cmd2", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st2"}, PasswordHash: hash},
		&precinct.User{ID: "aux", Username: "aux", Role: precinct.RoleAuxiliary, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}, PasswordHash: hash},
	)
	j2.Users = append(j2.Users, &precinct.User{ID: "aud2", Username: "auditor2", Role: precinct.RoleAuditor, Scope: precinct.Location{SubBureauID: "sb2"}, PasswordHash: hash})
	// Users of every role bound to sub-bureau sb1, station st1 and police
	// grid pg1 (admin: everywhere), for the authorization matrix.
	j.Users = append(j.Users, &precinct.User{ID: "role-admin", Username: "role-admin", Role: precinct.RoleAdmin, PasswordHash: hash})
	for _, role := range allRoles[1:] {
		for level, scope := range matrixScopes {
			name := "role-" + string(role) + "-" + level
			j.Users = append(j.Users, &precinct.User{ID: name, Username: name, Role: role, Scope: scope, PasswordHash: hash})
		}
	}
	now := time.Now()
	for _, u := range append(j.Units, j2.Units...) {
		u.PositionAt = now
	}
	for _, jj := range []*precinct.Jurisdiction{j, j2} {
		if err := db.ImportJurisdiction(ctx, jj); err != nil {
			t.Fatal(err)
		}
	}
	bus, err := natsbus.Open(ctx, natsbus.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Close() })
	relay := &natsbus.Relay{Events: db, Bus: bus}
	go relay.Run(ctx)
	pgs, cgs, _ := db.AllGrids(ctx)
	resolver := geo.NewResolver(append(j.Stations, j2.Stations...), pgs, cgs)
	svc := &dispatch.Service{Store: db, Resolver: resolver, Clock: precinct.SystemClock{}, Notify: relay.Notify, Live: dispatch.NewIndex(precinct.SystemClock{}, 0)}
	if err := svc.LoadUnits(precinct.NewContextWithUser(ctx, &precinct.User{ID: "system", Role: precinct.RoleAdmin})); err != nil {
		t.Fatal(err)
	}
	kinds, err := workflow.NewKinds(gridloop.ReportKind, mediation.DisputeKind, prevention.DissuasionKind, prevention.PublicityKind)
	if err != nil {
		t.Fatal(err)
	}
	work := &workflow.Engine{Store: db, Clock: precinct.SystemClock{}, Kinds: kinds, Notify: relay.Notify}
	grids := &gridloop.Service{Engine: work, Resolver: resolver}
	disputes := &mediation.Service{Engine: work, Resolver: resolver}
	svc.Handover = workflow.Handovers{disputes, grids}
	reg := newRegistry(t, db, resolver, relay.Notify)
	work.Vault = reg.Vault
	prev := &prevention.Service{Engine: work, Vault: reg.Vault, Router: svc, Resolver: resolver}
	dutySvc := &duty.Service{Store: db, Clock: precinct.SystemClock{}, Incidents: svc, Notify: relay.Notify, HashPassword: auth.HashPassword}
	perf := &report.Performance{Users: db, Clock: precinct.SystemClock{}, Sources: []precinct.PerformanceSource{
		registry.Performance{Store: db}, dispatch.Performance{Store: db}, duty.Performance{Store: db, Work: db},
		workflow.Performance{Store: db, Kind: mediation.Kind, Actions: []precinct.WorkAction{mediation.ActionAgree},
			Info: precinct.PerformanceMetricInfo{Metric: precinct.WorkDisputesAgreed, Name: "纠纷调解成功", NameEN: "Disputes settled"}},
	}}
	s := &phttp.Server{Performance: perf, PerformanceExport: perf, Database: db, Auth: &auth.Service{Users: db}, Org: &org.Service{Store: db, Resolver: resolver}, OrgAdmin: &org.Admin{Store: db, HashPassword: auth.HashPassword}, Units: svc, Duty: dutySvc,
		Incidents: svc, Positions: svc, Rules: svc, KPIs: svc, Feed: feed.New(db, svc.UnitVisible, svc.EventRules(), work.EventRules(), reg.EventRules(), dutySvc.EventRules(), prev.EventRules()),
		Prevention: prev, GridLoop: grids, Disputes: disputes, Tasks: &tasks.Service{Sources: []precinct.TaskSource{workflow.Tasks{Engine: work}}}, Registry: reg,
		Bus: bus, Live: svc.Live, Stats: &report.Service{Store: db}, StatsExport: &report.Service{Store: db, Catalog: db, Dispositions: svc}, Tiles: &streets.Service{}, Geocode: &geocode.Service{Store: db}, Resolver: resolver, Clock: precinct.SystemClock{}, Logger: slog.New(slog.DiscardHandler)}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, srv: hs, http: s, store: db}
}

// matrixScopes are the jurisdictions of the matrix users of each role.
var matrixScopes = map[string]precinct.Location{
	"sb": {SubBureauID: "sb1"},
	"st": {SubBureauID: "sb1", StationID: "st1"},
	"pg": {SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"},
}

// fixtures returns the storetest fixtures with station st1 split into two
// police grids: pg1 (south, with community grids cg1 and cg2) and pg5
// (north, with cg6), each with a community officer unit, so that the
// matrix can aim at the caller's own grid, another grid of their station,
// another station (st2) and another sub-bureau (sb2).
func fixtures() (*precinct.Jurisdiction, *precinct.Jurisdiction) {
	j := storetest.Fixture()
	rect := func(lon0, lat0, lon1, lat1 float64) precinct.MultiPolygon {
		return precinct.MultiPolygon{{{{Lon: lon0, Lat: lat0}, {Lon: lon1, Lat: lat0}, {Lon: lon1, Lat: lat1}, {Lon: lon0, Lat: lat1}, {Lon: lon0, Lat: lat0}}}}
	}
	j.PoliceGrids[0].Boundary = rect(108, 29, 108.5, 29.25)
	j.PoliceGrids = append(j.PoliceGrids, &precinct.PoliceGrid{ID: "pg5", StationID: "st1", Name: "丁村", Code: "500114001002", OfficerID: "p5", Boundary: rect(108, 29.25, 108.5, 29.5), Derived: true})
	j.CommunityGrids = append(j.CommunityGrids, &precinct.CommunityGrid{ID: "cg6", PoliceGridID: "pg5", Name: "网格6", WorkerID: "p5", Boundary: rect(108, 29.25, 108.5, 29.5), Derived: true})
	j.People = append(j.People, &precinct.Person{ID: "p5", Name: "钱警官", Kind: precinct.PersonOfficer, StationID: "st1", Team: precinct.TeamCommunity, PoliceGridID: "pg5", Phone: "13800000005", IDNumber: "500114199003031236"})
	for _, u := range []struct{ id, grid, person string }{{"ug1", "pg1", "p1"}, {"ug5", "pg5", "p5"}} {
		j.Units = append(j.Units, &precinct.Unit{ID: u.id, Callsign: "社区" + u.grid, Kind: precinct.UnitCommunity, SubBureauID: "sb1", StationID: "st1", PoliceGridID: u.grid,
			Members: []string{u.person}, Status: precinct.UnitAvailable, Position: precinct.Point{Lon: 108.2, Lat: 29.1}})
	}
	return j, storetest.Fixture2()
}

// call sends a request as the user with token and returns status and body.
// A string body is sent as it is; any other is encoded as JSON.
func (e *env) call(token, method, path string, body any) (int, []byte) {
	e.t.Helper()
	var r io.Reader
	if s, ok := body.(string); ok {
		r = strings.NewReader(s)
	} else if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	ctype := ""
	if body != nil {
		ctype = "application/json"
	}
	return e.send(token, method, path, ctype, r)
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
	return e.intakeAt(token, 108.1, 29.1)
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
		{"cmd1", "GET", "/api/v1/people/p1?unmasked=true&reason=%E6%A0%B8%E6%9F%A5", nil, 200},
		{"cmd1", "GET", "/api/v1/people/p1?unmasked=true", nil, 400},
		{"cmd1", "GET", "/api/v1/people/p1?unmasked=true&reason=%20", nil, 400},
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
	// A full view needs a reason, the same rule for a person and an
	// incident; a refused read leaves no audit record and shows nothing.
	for _, path := range []string{"/api/v1/people/p1?unmasked=true", "/api/v1/incidents/" + id + "?unmasked=true&reason=+",
		"/api/v1/people/p1?unmasked=true&reason=" + strings.Repeat("x", precinct.MaxReasonLength+1)} {
		code, b := e.call(cmd, "GET", path, nil)
		if c, _, _, field := errorOf(t, b); code != 400 || c != precinct.EINVALID || field != "reason" {
			t.Fatalf("%s: %d %s", path, code, b)
		}
	}
	_, b = e.call(cmd, "GET", "/api/v1/incidents/"+id+"?unmasked=true&reason=callback", nil)
	if !bytes.Contains(b, []byte("13912345678")) {
		t.Fatalf("unmasked incident: %s", b)
	}
	_, b = e.call(cmd, "GET", "/api/v1/people/p1?unmasked=true&reason=check", nil)
	if !bytes.Contains(b, []byte("500114199001011234")) {
		t.Fatalf("unmasked read: %s", b)
	}
	recs, _, err := e.store.ListAudit(context.Background(), precinct.AuditFilter{Scope: precinct.Everywhere, EntityID: "p1"})
	if err != nil || len(recs) != 1 || recs[0].Actor != "u2" || recs[0].Action != "personal.read" || recs[0].Reason != "check" {
		t.Fatalf("audit %+v %v", recs, err)
	}
}

// errorOf decodes an error body.
func errorOf(t *testing.T, b []byte) (code, message, messageEN, field string) {
	t.Helper()
	var eb struct {
		Error struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			MessageEN string `json:"message_en"`
			Field     string `json:"field"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &eb); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	return eb.Error.Code, eb.Error.Message, eb.Error.MessageEN, eb.Error.Field
}

// send posts a raw body with a content type as the user with token.
func (e *env) send(token, method, path, ctype string, body io.Reader) (int, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
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

// written counts what a bad request must not have written: events (every
// change appends one), incidents, check-ins and positions of un1.
func (e *env) written() [4]int {
	e.t.Helper()
	ctx := context.Background()
	evs, err1 := e.store.ListEvents(ctx, precinct.EventFilter{Scope: precinct.Everywhere, Limit: 100000})
	incs, _, err2 := e.store.ListIncidents(ctx, precinct.IncidentFilter{Scope: precinct.Everywhere, Limit: 1000})
	cs, _, err3 := e.store.ListCheckIns(ctx, precinct.CheckInFilter{Scope: precinct.Everywhere, Limit: 1000})
	tr, _, err4 := e.store.Trajectory(ctx, precinct.TrajectoryFilter{UnitID: "un1", From: time.Now().Add(-24 * time.Hour), To: time.Now().Add(time.Hour), Limit: precinct.MaxTrajectoryPage})
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		e.t.Fatal(err)
	}
	return [4]int{len(evs), len(incs), len(cs), len(tr)}
}

// TestBadBodies: every kind of bad body is a 400 EINVALID (413 ETOOLARGE
// for one over its size limit) with a Chinese and an English message
// saying what is wrong, and nothing is written.
func TestBadBodies(t *testing.T) {
	e := newEnv(t)
	tok := e.login("admin")
	officer := e.login("officer1")
	e.intake(tok) // something in the log, so that "nothing written" is not vacuous
	incident := `{"source":"call_110","category":"dispute","place_type":"village","location":{"lon":108.1,"lat":29.1},"priority":2%s}`
	now := time.Now().UTC().Format(time.RFC3339)
	position := func(lon, lat float64) string {
		return fmt.Sprintf(`{"unit_id":"un1","point":{"lon":%g,"lat":%g},"at":%q}`, lon, lat, now)
	}
	big := func(n int) string { return fmt.Sprintf(incident, `,"description":"`+strings.Repeat("x", n)+`"`) }
	tests := []struct {
		name, token, path, ctype, body string
		field, says                    string // the error's field; a word its English message contains
	}{
		{name: "wrong content type", path: "/api/v1/incidents", ctype: "text/plain", body: fmt.Sprintf(incident, ""), says: "Content-Type"},
		{name: "no content type", path: "/api/v1/incidents", body: fmt.Sprintf(incident, ""), says: "Content-Type"},
		{name: "malformed JSON", path: "/api/v1/incidents", ctype: "application/json", body: `{"source" "call_110"}`, says: "byte 11"},
		{name: "incomplete JSON", path: "/api/v1/incidents", ctype: "application/json", body: `{"source":"call_110",`, says: "incomplete"},
		{name: "empty body", path: "/api/v1/incidents", ctype: "application/json", body: ``, says: "empty"},
		{name: "unknown field", path: "/api/v1/incidents", ctype: "application/json", body: fmt.Sprintf(incident, `,"sauce":"x"`), field: "sauce", says: "sauce"},
		{name: "trailing data", path: "/api/v1/incidents", ctype: "application/json", body: fmt.Sprintf(incident, "") + ` {}`, says: "after"},
		{name: "wrong type", path: "/api/v1/incidents", ctype: "application/json", body: fmt.Sprintf(incident, `,"reporter":"x"`), field: "reporter", says: "type"},
		{name: "over 1 MiB", path: "/api/v1/incidents", ctype: "application/json", body: big(1 << 20), says: "1 MiB"},
		{name: "longitude out of range", path: "/api/v1/incidents", ctype: "application/json",
			body: `{"source":"call_110","category":"dispute","place_type":"village","location":{"lon":181,"lat":29.1},"priority":2}`, says: ""},
		{name: "latitude out of range", path: "/api/v1/incidents", ctype: "application/json",
			body: `{"source":"call_110","category":"dispute","place_type":"village","location":{"lon":108.1,"lat":-91},"priority":2}`, says: ""},
		{name: "check-in out of range", token: officer, path: "/api/v1/checkins", ctype: "application/json", body: `{"point":{"lon":108.1,"lat":95}}`, says: ""},
		{name: "check-in unknown field", token: officer, path: "/api/v1/checkins", ctype: "application/json", body: `{"point":{"lon":108.1,"lat":29.1},"photo":"x"}`, field: "photo", says: "photo"},
		{name: "position out of range", token: officer, path: "/api/v1/positions", ctype: "application/json",
			body: `{"positions":[` + position(108.1, 29.1) + `,` + position(108.1, 91) + `]}`, says: ""},
		{name: "speed out of range", token: officer, path: "/api/v1/positions", ctype: "application/json",
			body: `{"positions":[{"unit_id":"un1","point":{"lon":108.1,"lat":29.1},"at":"` + now + `","speed_mps":1e308}]}`, field: "positions[0].speed_mps", says: "speed"},
		{name: "negative speed", token: officer, path: "/api/v1/positions", ctype: "application/json",
			body: `{"positions":[{"unit_id":"un1","point":{"lon":108.1,"lat":29.1},"at":"` + now + `","speed_mps":-1}]}`, field: "positions[0].speed_mps", says: "speed"},
		{name: "heading out of range", token: officer, path: "/api/v1/positions", ctype: "application/json",
			body: `{"positions":[{"unit_id":"un1","point":{"lon":108.1,"lat":29.1},"at":"` + now + `","heading":-720}]}`, field: "positions[0].heading", says: "heading"},
		{name: "flag reported", token: officer, path: "/api/v1/positions", ctype: "application/json",
			body: `{"positions":[{"unit_id":"un1","point":{"lon":108.1,"lat":29.1},"at":"` + now + `","flag":"implausible_speed"}]}`, field: "positions[0].flag", says: "flag"},
		{name: "positions over 16 MiB", token: officer, path: "/api/v1/positions", ctype: "application/json",
			body: `{"positions":[` + strings.Repeat(position(108.1, 29.1)+",", (16<<20)/len(position(108.1, 29.1))+1) + position(108.1, 29.1) + `]}`, says: "16 MiB"},
		{name: "action unknown field", path: "/api/v1/incidents/x/dispatch", ctype: "application/json", body: `{"unit":"un1"}`, field: "unit", says: "unit"},
	}
	before := e.written()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := tt.token
			if token == "" {
				token = tok
			}
			code, b := e.send(token, "POST", tt.path, tt.ctype, strings.NewReader(tt.body))
			wantStatus, wantCode := 400, precinct.EINVALID
			if strings.Contains(tt.name, "MiB") {
				wantStatus, wantCode = 413, precinct.ETOOLARGE
			}
			if code != wantStatus {
				t.Fatalf("status %d, want %d: %.300s", code, wantStatus, b)
			}
			ecode, zh, en, field := errorOf(t, b)
			if ecode != wantCode || zh == "" || en == "" || zh == en {
				t.Errorf("error %s %q %q", ecode, zh, en)
			}
			if tt.field != "" && field != tt.field {
				t.Errorf("field %q, want %q", field, tt.field)
			}
			if !strings.Contains(en, tt.says) {
				t.Errorf("message %q does not say %q", en, tt.says)
			}
			if after := e.written(); after != before {
				t.Errorf("written (events, incidents, check-ins, positions): before %v, after %v", before, after)
			}
		})
	}
	// Positions: an unknown unit fails the whole batch.
	code, _ := e.call(tok, "POST", "/api/v1/positions", map[string]any{"positions": []map[string]any{
		{"unit_id": "un1", "point": map[string]float64{"lon": 108.1, "lat": 29.1}, "at": time.Now()},
		{"unit_id": "ghost", "point": map[string]float64{"lon": 108.1, "lat": 29.1}, "at": time.Now()}}})
	if code != 404 {
		t.Errorf("unknown unit: %d", code)
	}
	if after := e.written(); after != before {
		t.Errorf("a refused batch was partly stored: before %v, after %v", before, after)
	}
}

// TestUnauthenticated: without a valid token the API answers 401 with the
// error body, and only the public endpoints answer.
func TestUnauthenticated(t *testing.T) {
	e := newEnv(t)
	tok := e.login("cmd1")
	get := func(path string, header http.Header) (int, []byte) {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	bearer := func(t string) http.Header { return http.Header{"Authorization": {"Bearer " + t}} }
	tests := []struct {
		name   string
		path   string
		header http.Header
	}{
		{"no token", "/api/v1/me", nil},
		{"forged token", "/api/v1/me", bearer(tok[:len(tok)-2] + "xx")},
		{"not a bearer", "/api/v1/me", http.Header{"Authorization": {"Basic " + tok}}},
		{"query token outside the stream", "/api/v1/me?access_token=" + tok, nil},
		{"stream without token", "/api/v1/stream", nil},
		{"list without token", "/api/v1/incidents", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, b := get(tt.path, tt.header)
			if code != 401 {
				t.Fatalf("status %d, want 401: %s", code, b)
			}
			if c, zh, en, _ := errorOf(t, b); c != precinct.EUNAUTHORIZED || zh == "" || en == "" {
				t.Errorf("error %s %q %q", c, zh, en)
			}
		})
	}
	if code, b := get("/api/v1/me", bearer(tok)); code != 200 {
		t.Fatalf("valid token: %d %s", code, b)
	}
	if code, _ := e.call(tok, "POST", "/api/v1/auth/logout", nil); code != 204 {
		t.Fatalf("logout: %d", code)
	}
	if code, _ := get("/api/v1/me", bearer(tok)); code != 401 {
		t.Errorf("after logout: %d, want 401", code)
	}
	// Wrong password and unknown user read the same.
	_, b1 := e.call("", "POST", "/api/v1/auth/login", map[string]string{"username": "cmd1", "password": "wrong-password"})
	_, b2 := e.call("", "POST", "/api/v1/auth/login", map[string]string{"username": "nobody", "password": "wrong-password"})
	if !bytes.Equal(b1, b2) {
		t.Errorf("wrong password %s, unknown user %s", b1, b2)
	}
	// The public endpoints.
	for _, tt := range []struct{ path, contains string }{
		{"/healthz", `"ok"`},
		{"/readyz", `"ready":true`},
		{"/api/v1/openapi.json", `"openapi"`},
		{"/metrics", `precinct_http_requests_total{code="401",route="GET /api/v1/me"}`},
		{"/metrics", "go_goroutines"},
	} {
		code, b := get(tt.path, nil)
		if code != 200 || !bytes.Contains(b, []byte(tt.contains)) {
			t.Errorf("GET %s: %d, want 200 with %s: %.300s", tt.path, code, tt.contains, b)
		}
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
	check("/api/v1/me", "Me")
	check("/api/v1/stations/st1", "Station")
	check("/api/v1/incidents/"+id, "Incident")
	check("/api/v1/incidents/"+id+"/recommendations", "Recommendation")
	check("/api/v1/incidents/"+id+"/kpis", "KPI")
	check("/api/v1/stats/incidents?compare=year&heat_cell_deg=0.01", "IncidentReport")
	check("/api/v1/rules", "RuleDocument")
	check("/api/v1/stats/warnings", "WarningFigures")
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
	listOf("/api/v1/sub-bureaus", "SubBureau")
	check("/api/v1/sub-bureaus/sb1", "SubBureau")
	listOf("/api/v1/service-stations", "ServiceStation")
	check("/api/v1/police-grids/pg1", "PoliceGrid")
	check("/api/v1/units/un1", "Unit")
	check("/api/v1/people/p1?unmasked=true&reason=check", "Person")
	if code, b := e.call(e.login("officer1"), "POST", "/api/v1/checkins", map[string]any{"point": map[string]float64{"lon": 108.1, "lat": 29.1}}); code != 201 {
		t.Fatalf("check-in: %d %s", code, b)
	}
	listOf("/api/v1/checkins", "CheckIn")
	tok = e.login("admin")
	listOf("/api/v1/audit", "AuditRecord")
	listOf("/api/v1/users", "User")
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
	cs, _, err := e.store.ListCheckIns(context.Background(), precinct.CheckInFilter{Scope: precinct.Everywhere, UserID: "u3"})
	if err != nil || len(cs) != 1 {
		t.Fatalf("%d check-ins stored (%v), want 1", len(cs), err)
	}
}

// intakeAt creates an incident at a point and returns its ID.
func (e *env) intakeAt(token string, lon, lat float64) string {
	e.t.Helper()
	code, b := e.call(token, "POST", "/api/v1/incidents", map[string]any{"source": "call_110", "category": "dispute", "place_type": "village",
		"location": map[string]float64{"lon": lon, "lat": lat}, "priority": 2, "reporter": map[string]string{"name": "赵", "phone": "13912345678"}})
	if code != 201 {
		e.t.Fatalf("intake: %d %s", code, b)
	}
	var inc precinct.Incident
	_ = json.Unmarshal(b, &inc)
	return inc.ID
}

// TestOpenServeClose: Addr ":0" picks a port; Close ends event streams and
// returns.
func TestOpenServeClose(t *testing.T) {
	e := newEnv(t)
	h := e.http
	s := &phttp.Server{Addr: "127.0.0.1:0", Database: h.Database, Auth: h.Auth, Org: h.Org, Units: h.Units, Incidents: h.Incidents, Positions: h.Positions, Rules: h.Rules,
		KPIs: h.KPIs, Feed: h.Feed, Bus: h.Bus, Resolver: h.Resolver, Clock: h.Clock, Logger: h.Logger}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	if s.Port() == 0 || s.URL() != fmt.Sprintf("http://127.0.0.1:%d", s.Port()) {
		t.Fatalf("port %d, URL %q", s.Port(), s.URL())
	}
	e.srv.URL = s.URL() // talk to the real listener from here on
	tok := e.login("dispatcher")
	st := e.stream(tok, "")
	ended := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, st.resp.Body)
		close(ended)
	}()
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end when the server closed")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v with an open stream", d)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestReadiness: /readyz names the check that fails, and keeps its error
// (which may name hosts and files) for the log.
func TestReadiness(t *testing.T) {
	e := newEnv(t)
	if code, b := e.call("", "GET", "/readyz", nil); code != 200 {
		t.Fatalf("ready: %d %s", code, b)
	}
	var log bytes.Buffer
	e.http.Logger = slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e.http.Ready = func(context.Context) error { return errors.New("road graph loading") }
	code, b := e.call("", "GET", "/readyz", nil)
	if code != 503 || !bytes.Contains(b, []byte(`"extra":"unavailable"`)) || !bytes.Contains(b, []byte(`"ready":false`)) ||
		bytes.Contains(b, []byte("road graph loading")) {
		t.Errorf("not ready: %d %s", code, b)
	}
	// The node's own start-up is polled until it is over: not a warning
	// a poll.
	if bytes.Contains(log.Bytes(), []byte("not ready")) {
		t.Errorf("start-up logged at info or above:\n%s", log.Bytes())
	}
}

// TestAssetsAndHeaders: the console pages are served from Assets, with the
// security headers, and the API carries them too.
func TestAssetsAndHeaders(t *testing.T) {
	e := newEnv(t)
	h := e.http
	s := &phttp.Server{Database: h.Database, Auth: h.Auth, Bus: h.Bus, Clock: h.Clock, Logger: h.Logger, Assets: fstest.MapFS{
		"index.html":    {Data: []byte("<title>console</title>")},
		"screen.html":   {Data: []byte("<title>screen</title>")},
		"app.html":      {Data: []byte("<title>app</title>")},
		"static/app.js": {Data: []byte("console.log(1)")},
	}}
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	for _, tt := range []struct{ path, ctype, contains string }{
		{"/", "text/html", "console"},
		{"/screen", "text/html", "screen"},
		{"/app", "text/html", "app"},
		{"/static/app.js", "javascript", "console.log"},
		{"/healthz", "application/json", "ok"},
	} {
		resp, err := http.Get(hs.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), tt.ctype) || !bytes.Contains(b, []byte(tt.contains)) {
			t.Errorf("GET %s: %d %s %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") &&
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: security headers %v", tt.path, resp.Header)
		}
	}
	resp, err := http.Get(hs.URL + "/static/missing.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("missing asset: %d", resp.StatusCode)
	}
}

// TestPanicIsInternalError: a panicking handler (here: no Resolver
// configured) answers 500 EINTERNAL with a generic message, and the server
// goes on serving.
func TestPanicIsInternalError(t *testing.T) {
	e := newEnv(t)
	h := e.http
	s := &phttp.Server{Database: h.Database, Auth: h.Auth, Bus: h.Bus, Clock: h.Clock, Logger: h.Logger}
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	tok := e.login("dispatcher")
	e.srv.URL = hs.URL
	code, b := e.call(tok, "GET", "/api/v1/resolve?lon=108.1&lat=29.1", nil)
	if c, zh, en, _ := errorOf(t, b); code != 500 || c != precinct.EINTERNAL || zh != "内部错误" || en != "Internal error." {
		t.Fatalf("panic: %d %s", code, b)
	}
	if code, _ := e.call(tok, "GET", "/api/v1/me", nil); code != 200 {
		t.Errorf("after a panic: %d", code)
	}
}

// TestStreamPositions: a console that asks for positions gets, about every
// second, the units of its jurisdiction that moved, and no others.
func TestStreamPositions(t *testing.T) {
	e := newEnv(t)
	cmd1, admin := e.login("cmd1"), e.login("admin")
	if code, b := e.call(cmd1, "GET", "/api/v1/stream?positions=maybe", nil); code != 400 || !bytes.Contains(b, []byte(`"field":"positions"`)) {
		t.Fatalf("positions=maybe: %d %s", code, b)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/stream?positions=1&access_token="+cmd1, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stream: %v %v", err, resp)
	}
	defer resp.Body.Close()
	batches := make(chan []precinct.Position, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		typ := ""
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				typ = v
			} else if v, ok := strings.CutPrefix(line, "data: "); ok && typ == "positions" {
				var b struct{ Positions []precinct.Position }
				if json.Unmarshal([]byte(v), &b) == nil {
					batches <- b.Positions
				}
			} else if line == "" {
				typ = ""
			}
		}
	}()
	at := time.Now().UTC()
	body := map[string]any{"positions": []map[string]any{
		{"unit_id": "un1", "point": map[string]float64{"lon": 108.25, "lat": 29.25}, "at": at}, // st1
		{"unit_id": "un5", "point": map[string]float64{"lon": 108.55, "lat": 29.25}, "at": at}, // st2
	}}
	if code, b := e.call(admin, "POST", "/api/v1/positions", body); code != 202 {
		t.Fatalf("positions: %d %s", code, b)
	}
	select {
	case got := <-batches:
		if len(got) != 1 || got[0].UnitID != "un1" || got[0].Point.Lon != 108.25 || !got[0].At.Equal(at) {
			t.Errorf("positions %+v, want un1 at 108.25 only", got)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no positions within 3 s")
	}
}

// TestIncidentStats: today's statistics of the user's jurisdiction, and the
// refusals of bad or forbidden queries.
func TestIncidentStats(t *testing.T) {
	e := newEnv(t)
	disp, cmd1 := e.login("dispatcher"), e.login("cmd1")
	e.intake(disp)
	e.intake(disp)
	var rep precinct.IncidentReport
	code, b := e.call(cmd1, "GET", "/api/v1/stats/incidents?compare=year&heat_cell_deg=0.01", nil)
	if code != 200 || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("stats: %d %s", code, b)
	}
	if rep.StationID != "st1" || rep.Current.Total != 2 || len(rep.Current.ByCategory) != 1 || rep.Current.ByCategory[0] != (precinct.Count{Key: "dispute", N: 2}) ||
		rep.PreviousYear == nil || rep.PreviousYear.Total != 0 || len(rep.Current.Heat) != 1 || rep.Current.Heat[0].N != 2 {
		t.Errorf("stats %s", b)
	}
	if !rep.Current.To.Equal(rep.Current.From.Add(24*time.Hour)) || rep.Current.From.In(precinct.CST).Hour() != 0 {
		t.Errorf("default period %v – %v, want today in China", rep.Current.From, rep.Current.To)
	}
	for _, tt := range []struct {
		query string
		code  int
		field string
	}{
		{"from=yesterday", 400, "from"},
		{"compare=month", 400, "compare"},
		{"heat_cell_deg=big", 400, "heat_cell_deg"},
		{"from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", 400, "to"},
		{"station_id=st2", 403, ""},
	} {
		code, b := e.call(cmd1, "GET", "/api/v1/stats/incidents?"+tt.query, nil)
		c, msg, msgEN, field := errorOf(t, b)
		if code != tt.code || field != tt.field || msg == "" || msgEN == "" || c == "" {
			t.Errorf("%s: %d %s", tt.query, code, b)
		}
	}
}

// TestOfficerSentOutsideTheirGrid: an officer whose unit is sent to an
// incident outside their jurisdiction (a neighbouring station's call, seed
// 002) can read it, find it among their unit's incidents and report on it,
// and nothing else there.
func TestOfficerSentOutsideTheirGrid(t *testing.T) {
	e := newEnv(t)
	disp, officer := e.login("dispatcher"), e.login("officer1") // officer1: pg1 of st1, unit un1
	id := e.intakeAt(disp, 108.6, 29.1)                         // pg2, st2
	other := e.intakeAt(disp, 108.7, 29.1)
	if code, _ := e.call(officer, "GET", "/api/v1/incidents/"+id, nil); code != 404 {
		t.Fatalf("before dispatch the officer sees st2's incident: %d", code)
	}
	feed := e.stream(officer, "")
	if code, b := e.call(disp, "POST", "/api/v1/incidents/"+id+"/dispatch", map[string]any{"units": []string{"un1"}}); code != 200 {
		t.Fatalf("dispatch: %d %s", code, b)
	}
	// The officer's stream tells them at once (the intakes of st2 it did not).
	if _, typ := feed.next(t); typ != "incident.dispatched" {
		t.Errorf("the officer's stream first shows %s, want incident.dispatched", typ)
	}
	if code, b := e.call(officer, "GET", "/api/v1/incidents/"+id, nil); code != 200 {
		t.Errorf("the officer cannot read the incident their unit is sent to: %d %s", code, b)
	}
	if code, b := e.call(officer, "GET", "/api/v1/incidents/"+id+"/timeline", nil); code != 200 {
		t.Errorf("timeline: %d %s", code, b)
	}
	var mine struct{ Items []precinct.Incident }
	if code, b := e.call(officer, "GET", "/api/v1/incidents?unit_id=un1", nil); code != 200 || json.Unmarshal(b, &mine) != nil || len(mine.Items) != 1 || mine.Items[0].ID != id {
		t.Errorf("incidents of the officer's unit: %d %s", code, b)
	}
	for _, action := range []string{"en-route", "arrive", "resolve"} {
		if code, b := e.call(officer, "POST", "/api/v1/incidents/"+id+"/"+action, map[string]any{}); code != 200 {
			t.Errorf("%s: %d %s", action, code, b)
		}
	}
	// Still nothing else of st2, nor another unit's incidents, nor closing.
	if code, _ := e.call(officer, "GET", "/api/v1/incidents/"+other, nil); code != 404 {
		t.Errorf("another incident of st2: %d", code)
	}
	if code, b := e.call(officer, "GET", "/api/v1/incidents?unit_id=un5", nil); code != 200 || json.Unmarshal(b, &mine) != nil || len(mine.Items) != 0 {
		t.Errorf("another unit's incidents, outside the officer's grid: %d %s", code, b)
	}
	if code, _ := e.call(officer, "POST", "/api/v1/incidents/"+id+"/close", map[string]any{}); code != 403 && code != 404 {
		t.Errorf("close by the officer: %d", code)
	}
}
