package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"precinct"
	"precinct/prevention"
)

// listAll pages through a list endpoint and returns every item.
func listAll[T any](c *client, path string) []T {
	c.t.Helper()
	var all []T
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for cursor := ""; ; {
		var page struct {
			Items      []T    `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if code := c.do("GET", path+sep+"limit=1000&cursor="+cursor, nil, &page); code != 200 {
			c.t.Fatalf("GET %s: status %d", path, code)
		}
		all = append(all, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			return all
		}
	}
}

// userWith returns a demo user of the given role, as admin sees it.
func userWith(t *testing.T, admin *client, pred func(*precinct.User) bool) *precinct.User {
	t.Helper()
	for _, u := range listAll[*precinct.User](admin, "/api/v1/users") {
		if pred(u) {
			return u
		}
	}
	t.Fatal("no demo user matches")
	return nil
}

func TestFoundationEndToEnd(t *testing.T) {
	base, pw := startServer(t)

	t.Run("healthz and readyz", func(t *testing.T) {
		for _, path := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("GET %s: status %d", path, resp.StatusCode)
			}
		}
	})

	t.Run("no token is 401", func(t *testing.T) {
		anon := &client{t: t, base: base}
		var e apiError
		if code := anon.do("GET", "/api/v1/stations", nil, &e); code != 401 {
			t.Fatalf("status %d, want 401", code)
		}
		if e.Error.Code != precinct.EUNAUTHORIZED || e.Error.Message == "" || e.Error.MessageEN == "" {
			t.Errorf("error body %+v", e)
		}
		bad := &client{t: t, base: base, token: "not-a-token"}
		if code := bad.do("GET", "/api/v1/stations", nil, nil); code != 401 {
			t.Errorf("bad token: status %d, want 401", code)
		}
	})

	admin := login(t, base, "admin", pw["admin"])
	stations := listAll[*precinct.Station](admin, "/api/v1/stations")
	t.Run("demo has the rural stations of seed 002", func(t *testing.T) {
		kinds := map[precinct.StationKind]int{}
		for _, s := range stations {
			kinds[s.Kind]++
		}
		if rural := kinds[precinct.StationCentral] + kinds[precinct.StationBase] + kinds[precinct.StationBorder]; len(stations) < 25 || rural != 25 {
			t.Fatalf("%d stations, %d rural; want ≥25 and 25 rural", len(stations), rural)
		}
		if kinds[precinct.StationCentral] != 9 || kinds[precinct.StationBase] != 10 || kinds[precinct.StationBorder] != 6 {
			t.Errorf("kinds %v, want 9 central, 10 base, 6 border", kinds)
		}
	})

	t.Run("a station user reading another station gets 403", func(t *testing.T) {
		u := userWith(t, admin, func(u *precinct.User) bool {
			return u.Role == precinct.RoleCommand && u.Scope.StationID != ""
		})
		sc := login(t, base, u.Username, pw["demo"])
		own := listAll[*precinct.Station](sc, "/api/v1/stations")
		if len(own) != 1 || own[0].ID != u.Scope.StationID {
			t.Fatalf("station user lists %d stations, want only its own", len(own))
		}
		if code := sc.do("GET", "/api/v1/stations/"+u.Scope.StationID, nil, nil); code != 200 {
			t.Errorf("own station: status %d", code)
		}
		var other string
		for _, s := range stations {
			if s.ID != u.Scope.StationID {
				other = s.ID
				break
			}
		}
		var e apiError
		if code := sc.do("GET", "/api/v1/stations/"+other, nil, &e); code != 403 || e.Error.Code != precinct.EFORBIDDEN {
			t.Errorf("other station: status %d code %q, want 403 EFORBIDDEN", code, e.Error.Code)
		}
	})

	t.Run("logout revokes the token", func(t *testing.T) {
		c := login(t, base, "admin", pw["admin"])
		if code := c.do("POST", "/api/v1/auth/logout", nil, nil); code/100 != 2 {
			t.Fatalf("logout: status %d", code)
		}
		if code := c.do("GET", "/api/v1/me", nil, nil); code != 401 {
			t.Errorf("after logout: status %d, want 401", code)
		}
	})
}

// stationPoint returns a point inside the demo district: the location of a
// station, which stands inside its own area.
func stationPoint(t *testing.T, c *client) precinct.Point {
	stations := listAll[*precinct.Station](c, "/api/v1/stations")
	if len(stations) == 0 {
		t.Fatal("no stations")
	}
	return stations[0].Location
}

func TestBadInputIsRejectedAndNothingWritten(t *testing.T) {
	base, pw := startServer(t)
	c := login(t, base, "dispatcher", pw["demo"])
	p := stationPoint(t, c)
	before := len(listAll[*precinct.Incident](c, "/api/v1/incidents"))
	valid := fmt.Sprintf(`{"source":"call_110","category":"dispute","place_type":"street","location":{"lon":%v,"lat":%v},"priority":2,"reporter":{"name":"张三","phone":"13800000000"}}`, p.Lon, p.Lat)
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"malformed JSON", `{"source":"call_110",`, ""},
		{"unknown field", strings.Replace(valid, `"priority":2`, `"priority":2,"colour":"red"`, 1), "colour"},
		{"longitude out of range", strings.Replace(valid, fmt.Sprint(p.Lon), "190", 1), "location"},
		{"outside every jurisdiction", strings.Replace(strings.Replace(valid, fmt.Sprint(p.Lon), "116.39", 1), fmt.Sprint(p.Lat), "39.9", 1), "location"},
		{"unknown category", strings.Replace(valid, `"dispute"`, `"alien"`, 1), "category"},
		{"priority 9", strings.Replace(valid, `"priority":2`, `"priority":9`, 1), "priority"},
		{"body over the limit", strings.Replace(valid, `"priority":2`, `"priority":2,"description":"`+strings.Repeat("长", 1<<20)+`"`, 1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, raw := c.raw("POST", "/api/v1/incidents", tt.body, nil)
			var e apiError
			_ = json.Unmarshal(raw, &e)
			status, want := 400, precinct.EINVALID
			if tt.name == "body over the limit" {
				status, want = 413, precinct.ETOOLARGE
			}
			if code != status || e.Error.Code != want || e.Error.Message == "" || e.Error.MessageEN == "" {
				t.Fatalf("status %d body %.300s; want %d %s with both messages", code, raw, status, want)
			}
			if tt.field != "" && e.Error.Field != tt.field {
				t.Errorf("field %q, want %q", e.Error.Field, tt.field)
			}
		})
	}
	if after := len(listAll[*precinct.Incident](c, "/api/v1/incidents")); after != before {
		t.Fatalf("%d incidents written by bad requests", after-before)
	}
	if code := c.do("POST", "/api/v1/incidents", valid, nil); code != 201 {
		t.Fatalf("the valid body: status %d", code)
	}
}

func TestUsersCommandListsRoleAndJurisdiction(t *testing.T) {
	m := startMain(t, nil)
	dir := m.Config.DataDir
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	m.HTTP, m.Bus, m.Store, m.cancel = nil, nil, nil, nil // closed above
	var out strings.Builder
	if err := run(context.Background(), []string{"users", "--data", dir}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"admin", "dispatcher", "全部 all", "派出所", "command"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// startProcess starts `precinct serve` as a real subprocess (this test binary
// re-executed) and returns it with its base URL.
func startProcess(t *testing.T, dir string, extraEnv ...string) (*exec.Cmd, string) {
	t.Helper()
	args, _ := json.Marshal([]string{"serve", "--demo", "--demo-move=false", "--demo-history-days=0", "--addr", "127.0.0.1:0", "--data", dir, "--log", "warn"})
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PRECINCT_TEST_EXEC="+string(args),
		"PRECINCT_ADMIN_PASSWORD="+testAdminPassword, "PRECINCT_DEMO_PASSWORD="+testDemoPassword)
	cmd.Env = append(cmd.Env, extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), "http://"); i >= 0 && strings.Contains(sc.Text(), "running at") {
				urls <- strings.TrimSpace(sc.Text()[i:])
			}
		}
	}()
	select {
	case u := <-urls:
		return cmd, u
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start within 30 s")
		return nil, ""
	}
}

func TestAcknowledgedWriteSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	cmd, base := startProcess(t, dir)
	c := login(t, base, "dispatcher", testDemoPassword)
	p := stationPoint(t, c)
	var inc precinct.Incident
	body := map[string]any{"source": "call_110", "category": "help", "place_type": "village",
		"location": p, "priority": 2, "reporter": map[string]string{"name": "李四", "phone": "13900000000"}}
	if code := c.do("POST", "/api/v1/incidents", body, &inc); code != 201 {
		t.Fatalf("intake: status %d", code)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	_, base = startProcess(t, dir)
	c = login(t, base, "dispatcher", testDemoPassword)
	var got precinct.Incident
	if code := c.do("GET", "/api/v1/incidents/"+inc.ID, nil, &got); code != 200 || got.ID != inc.ID {
		t.Fatalf("after SIGKILL and restart: status %d, incident %q", code, got.ID)
	}
}

// TestDemoPastInBackground: `precinct serve` answers before the demo's past
// is in, says so on /readyz (503) until it is, and then has all of it —
// a week of incidents and a year before, and the warnings.
func TestDemoPastInBackground(t *testing.T) {
	m := startMain(t, func(c *Config) { c.DemoHistoryDays = 7; c.DemoPastInBackground = true })
	base := m.HTTP.URL()
	ready := func() int {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := ready(); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz right after the start: %d, want 503 while the past goes in", code)
	}
	chief := login(t, base, "chief", testDemoPassword) // the node serves meanwhile
	for deadline := time.Now().Add(2 * time.Minute); ready() != http.StatusOK; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the demo's past is not in after two minutes")
		}
	}
	now := time.Now().In(precinct.CST)
	at := func(t time.Time) string { return strings.ReplaceAll(t.Format(time.RFC3339), "+", "%2B") }
	var rep precinct.IncidentReport
	path := "/api/v1/stats/incidents?compare=year&from=" + at(now.AddDate(0, 0, -6)) + "&to=" + at(now.AddDate(0, 0, -1))
	if code := chief.do("GET", path, nil, &rep); code != 200 || rep.Current.Total < 300 || rep.PreviousYear == nil || rep.PreviousYear.Total < 300 {
		t.Fatalf("five days of the past: %d, %+v", code, rep)
	}
	var f prevention.Figures
	if code := chief.do("GET", "/api/v1/stats/warnings?from="+time.Date(now.Year(), now.Month()-13, 1, 0, 0, 0, 0, precinct.CST).Format("2006-01")+"&to="+now.Format("2006-01"), nil, &f); code != 200 || f.Total.Pushed < 200 {
		t.Fatalf("warnings: %d, %+v", code, f.Total)
	}
}

// TestDemoHistory: the demo's past (two days here) is in the statistics,
// with the same days a year before for the year-on-year figures; each past
// incident has its timeline and KPIs; and none of it is replayed onto the
// bus as news.
func TestDemoHistory(t *testing.T) {
	m := startMain(t, func(c *Config) { c.DemoHistoryDays = 2 })
	chief := login(t, m.HTTP.URL(), "chief", testDemoPassword)
	// A day that ended a day ago: all of its incidents are finished and
	// closed, whatever the time of day the test runs at.
	now := time.Now().In(precinct.CST)
	from, to := now.Add(-48*time.Hour), now.Add(-24*time.Hour)
	at := func(t time.Time) string { return strings.ReplaceAll(t.Format(time.RFC3339), "+", "%2B") }
	var rep precinct.IncidentReport
	if code := chief.do("GET", "/api/v1/stats/incidents?compare=year&heat_cell_deg=0.01&from="+at(from)+"&to="+at(to), nil, &rep); code != 200 {
		t.Fatalf("stats: %d", code)
	}
	cur, prev := rep.Current, rep.PreviousYear
	if cur.Total < 60 || prev == nil || prev.Total < 60 || rep.Change.TotalPct == nil {
		t.Fatalf("a day of history: %d incidents, %+v a year before", cur.Total, prev)
	}
	if cur.Open != 0 || cur.FlowTime.MeanS == nil || cur.OnSceneRate == nil || cur.SatisfiedRate == nil || len(cur.Heat) == 0 || len(cur.ByStation) < 10 {
		t.Errorf("history statistics %+v", cur)
	}
	// Today a year ago is there too, for the big screen's 同比.
	if code := chief.do("GET", "/api/v1/stats/incidents?compare=year", nil, &rep); code != 200 || rep.PreviousYear.Total == 0 {
		t.Errorf("today a year ago: %d, %+v", code, rep.PreviousYear)
	}

	var list struct{ Items []precinct.Incident }
	chief.do("GET", "/api/v1/incidents?limit=1&until="+at(to), nil, &list)
	if len(list.Items) != 1 {
		t.Fatal("no past incident in the list")
	}
	id := list.Items[0].ID
	var tl struct{ Items []precinct.Event }
	chief.do("GET", "/api/v1/incidents/"+id+"/timeline", nil, &tl)
	var k precinct.KPI
	chief.do("GET", "/api/v1/incidents/"+id+"/kpis", nil, &k)
	if len(tl.Items) < 6 || k.FlowTimeS == nil || k.ResponseTimeS == nil || k.Outcome == precinct.OutcomeOpen {
		t.Errorf("past incident %s: %d events, KPIs %+v", id, len(tl.Items), k)
	}
	// A new incident's event reaches the bus after any older event waiting
	// in the outbox: once it is there, history would be too.
	disp := login(t, m.HTTP.URL(), "dispatcher", testDemoPassword)
	body := map[string]any{"source": "call_110", "category": "help", "place_type": "village", "location": stationPoint(t, disp), "priority": 3}
	if code := disp.do("POST", "/api/v1/incidents", body, nil); code != 201 {
		t.Fatalf("intake: %d", code)
	}
	var n uint64
	for deadline := time.Now().Add(5 * time.Second); n == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var err error
		if n, err = m.Bus.StreamMessages(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n == 0 || n > 10 {
		t.Errorf("%d messages on the bus, want the new incident's only: the history must not be published as news", n)
	}
}
