package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"precinct"
	"precinct/geo"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startMainAt runs the demo Main on a clock the test moves; deadlines are
// swept by hand.
func startMainAt(t *testing.T, clk precinct.Clock) *Main {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Addr, cfg.DataDir, cfg.Demo, cfg.DemoMove, cfg.DemoHistoryDays = "127.0.0.1:0", t.TempDir(), true, false, 0
	cfg.AdminPassword, cfg.DemoPassword, cfg.LogLevel, cfg.SweepEvery = testAdminPassword, testDemoPassword, "warn", 0
	m := NewMain(cfg, io.Discard, testWriter{t})
	m.Clock = clk
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Open(ctx); err != nil {
		m.Close()
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// gridPoint returns a point inside a community grid, as the server resolves it.
func gridPoint(t *testing.T, c *client, communityGridID string) precinct.Point {
	t.Helper()
	var cg *precinct.CommunityGrid
	for _, g := range listAll[*precinct.CommunityGrid](c, "/api/v1/community-grids") {
		if g.ID == communityGridID {
			cg = g
		}
	}
	if cg == nil {
		t.Fatalf("community grid %s not listed", communityGridID)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		p, ok := geo.RandomPoint(cg.Boundary, rng)
		var loc precinct.Location
		if ok && c.do("GET", "/api/v1/resolve?lon="+ftoa(p.Lon)+"&lat="+ftoa(p.Lat), nil, &loc) == 200 && loc.CommunityGridID == communityGridID {
			return p
		}
	}
	t.Fatalf("no point found in %s", communityGridID)
	return precinct.Point{}
}

func ftoa(f float64) string { return strings.TrimRight(strings.TrimRight(jsonNumber(f), "0"), ".") }

func jsonNumber(f float64) string { b, _ := json.Marshal(f); return string(b) }

var png1x1 = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

type reportView struct {
	precinct.WorkItem
	Report struct {
		ReporterKind string `json:"reporter_kind"`
		Description  string `json:"description"`
		Feedback     *struct {
			Note string `json:"note"`
		} `json:"feedback"`
	} `json:"report"`
	Photos   []precinct.Photo       `json:"photos"`
	Contacts []precinct.WorkContact `json:"contacts"`
}

func eventTypes(t *testing.T, c *client, path string) []string {
	t.Helper()
	var out struct{ Items []precinct.Event }
	if code := c.do("GET", path, nil, &out); code != 200 {
		t.Fatalf("GET %s: %d", path, code)
	}
	var types []string
	for _, e := range out.Items {
		types = append(types, e.Type)
	}
	return types
}

// TestGridLoopEndToEnd runs the grid whistle loop through the API on an
// injected clock: a grid worker's report with a photo, triage and transfer
// to a linked department, a missed acceptance that escalates from township
// to district (seen by both), late acceptance, feedback, a return, feedback
// again, evaluation; then the evaluation table and its .xlsx.
func TestGridLoopEndToEnd(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)} // 09:00 in China
	m := startMainAt(t, clk)
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	gw := userWith(t, admin, func(u *precinct.User) bool { return u.Username == "grid1" })
	grid := login(t, base, "grid1", testDemoPassword)
	officerUser := userWith(t, admin, func(u *precinct.User) bool {
		return u.Role == precinct.RoleCommunity && u.Scope.PoliceGridID == gw.Scope.PoliceGridID
	})
	officer := login(t, base, officerUser.Username, testDemoPassword)
	cmdUser := userWith(t, admin, func(u *precinct.User) bool {
		return u.Role == precinct.RoleCommand && u.Scope.StationID == gw.Scope.StationID
	})
	station := login(t, base, cmdUser.Username, testDemoPassword)
	district := login(t, base, "dispatcher", testDemoPassword)
	law := login(t, base, "dept-law_enforcement", testDemoPassword)
	market := login(t, base, "dept-market", testDemoPassword)
	lawID := "dept:" + gw.Scope.SubBureauID + "-law_enforcement"

	p := gridPoint(t, officer, gw.Scope.CommunityGridID)
	var rv reportView
	code, raw := grid.raw("POST", "/api/v1/grid-reports", map[string]any{"category": "illegal_construction", "urgency": 2,
		"description": "村道旁新建彩钢棚占道", "location": p, "address": "村委会东50米", "photos": []map[string]any{{"data": png1x1}}}, nil)
	if code != 201 {
		t.Fatalf("report: %d %s", code, raw)
	}
	_ = json.Unmarshal(raw, &rv)
	id := rv.ID
	if rv.State != "reported" || rv.Location.CommunityGridID != gw.Scope.CommunityGridID || len(rv.Photos) != 1 || rv.Report.ReporterKind != "grid_worker" {
		t.Fatalf("report %s", raw)
	}
	// The photo is served to those who may read the report, and to no one else.
	code, img := officer.raw("GET", "/api/v1/grid-reports/"+id+"/photos/"+rv.Photos[0].ID, nil, nil)
	if code != 200 || string(img) != string(png1x1) {
		t.Fatalf("photo: %d", code)
	}
	if code, _ := law.raw("GET", "/api/v1/grid-reports/"+id+"/photos/"+rv.Photos[0].ID, nil, nil); code != 404 {
		t.Errorf("a department not assigned reads the photo: %d", code)
	}
	if code := law.do("GET", "/api/v1/grid-reports/"+id, nil, nil); code != 404 {
		t.Errorf("a department not assigned reads the report: %d", code)
	}
	if code := grid.do("POST", "/api/v1/grid-reports/"+id+"/transfer", map[string]string{"assignee": lawID}, nil); code != 403 {
		t.Errorf("the grid worker transfers: %d", code)
	}

	// Triage: the grid's officer transfers it with a deadline by category and urgency.
	if code := officer.do("POST", "/api/v1/grid-reports/"+id+"/transfer", map[string]string{"assignee": lawID}, &rv); code != 200 || rv.State != "assigned" {
		t.Fatalf("transfer: %d %+v", code, rv.WorkItem)
	}
	if rv.DueAt == nil || !rv.DueAt.Equal(clk.Now().Add(2*time.Hour)) {
		t.Fatalf("acceptance deadline %v, want two hours for a pressing report", rv.DueAt)
	}
	var open struct{ Items []precinct.WorkItem }
	if code := law.do("GET", "/api/v1/grid-reports?open=true&assignee="+lawID, nil, &open); code != 200 || len(open.Items) != 1 {
		t.Fatalf("the department's open items: %d %v", code, open.Items)
	}
	if code := market.do("GET", "/api/v1/grid-reports?open=true", nil, &open); code != 200 || len(open.Items) != 0 {
		t.Fatalf("another department lists %d items", len(open.Items))
	}

	// Not accepted in time: escalated from the township to the district, once.
	clk.Add(2*time.Hour + time.Minute)
	if n, err := m.Work.Sweep(context.Background()); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if n, _ := m.Work.Sweep(context.Background()); n != 0 {
		t.Fatalf("a second sweep changed %d items", n)
	}
	for name, c := range map[string]*client{"station": station, "district": district} {
		var esc struct{ Items []precinct.WorkItem }
		if code := c.do("GET", "/api/v1/grid-reports?escalated=true", nil, &esc); code != 200 || len(esc.Items) != 1 || esc.Items[0].Tier != precinct.TierDistrict {
			t.Errorf("%s does not see the escalated report: %d %+v", name, code, esc.Items)
		}
	}
	var day struct {
		Items []precinct.Task `json:"items"`
	}
	if code := officer.do("GET", "/api/v1/tasks?date="+clk.Now().In(precinct.CST).Format("2006-01-02"), nil, &day); code != 200 {
		t.Fatalf("tasks: %d", code)
	}
	if len(day.Items) != 1 || day.Items[0].ItemID != id || day.Items[0].Step != "urge" || !day.Items[0].Overdue {
		t.Errorf("the officer's tasks: %+v", day.Items)
	}

	// Late acceptance, feedback with a photo, a return, feedback again.
	steps := []struct {
		who    *client
		action string
		body   map[string]any
		state  precinct.WorkState
	}{
		{law, "accept", nil, "accepted"},
		{law, "feedback", map[string]any{"note": "已责令拆除彩钢棚", "photos": []map[string]any{{"data": png1x1}}}, "done"},
		{grid, "return", map[string]any{"note": "仅拆除一半，仍占道"}, "accepted"},
		{law, "feedback", map[string]any{"note": "已全部拆除，恢复通行"}, "done"},
		{officer, "evaluate", map[string]any{"satisfied": true, "note": "已核实"}, "closed"},
	}
	for _, s := range steps {
		var got reportView
		code, raw := s.who.raw("POST", "/api/v1/grid-reports/"+id+"/"+s.action, s.body, nil)
		_ = json.Unmarshal(raw, &got)
		if code != 200 || got.State != s.state {
			t.Fatalf("%s: %d %s", s.action, code, raw)
		}
	}
	if code := grid.do("GET", "/api/v1/grid-reports/"+id, nil, &rv); code != 200 || rv.Report.Feedback == nil || rv.Report.Feedback.Note != "已全部拆除，恢复通行" || rv.Returns != 1 {
		t.Fatalf("the reporter reads %+v", rv)
	}
	want := []string{"grid_report.opened", "grid_report.transfer", "grid_report.escalate", "grid_report.accept", "grid_report.feedback",
		"grid_report.return", "grid_report.feedback", "grid_report.evaluate"}
	if got := eventTypes(t, law, "/api/v1/grid-reports/"+id+"/timeline"); !slices.Equal(got, want) {
		t.Errorf("timeline %v", got)
	}

	// The evaluation: the department's counts and rates, and the workbook.
	var ev struct {
		ByDepartment []struct {
			Key          string   `json:"key"`
			Name         string   `json:"name"`
			Assigned     int      `json:"assigned"`
			Escalated    int      `json:"escalated"`
			AcceptedLate int      `json:"accepted_late"`
			Done         int      `json:"done"`
			Returned     int      `json:"returned"`
			Satisfied    int      `json:"satisfied"`
			ReturnRate   *float64 `json:"return_rate"`
		} `json:"by_department"`
		ByTownship []struct {
			Key    string `json:"key"`
			Opened int    `json:"opened"`
		} `json:"by_township"`
	}
	if code := district.do("GET", "/api/v1/evaluation/grid-reports", nil, &ev); code != 200 || len(ev.ByDepartment) != 1 || len(ev.ByTownship) != 1 {
		t.Fatalf("evaluation: %d %+v", code, ev)
	}
	d := ev.ByDepartment[0]
	if d.Key != lawID || d.Name != "区综合行政执法局" || d.Assigned != 1 || d.Escalated != 1 || d.AcceptedLate != 1 || d.Done != 2 ||
		d.Returned != 1 || d.Satisfied != 1 || d.ReturnRate == nil || *d.ReturnRate != 0.5 {
		t.Errorf("department row %+v", d)
	}
	if ev.ByTownship[0].Key != gw.Scope.StationID || ev.ByTownship[0].Opened != 1 {
		t.Errorf("township row %+v", ev.ByTownship[0])
	}
	code, raw = district.raw("GET", "/api/v1/evaluation/grid-reports?format=xlsx", nil, nil)
	if code != 200 || !strings.HasPrefix(string(raw), "PK") {
		t.Errorf("xlsx: %d", code)
	}
	if code := officer.do("GET", "/api/v1/evaluation/grid-reports", nil, nil); code != 403 {
		t.Errorf("a police grid's account reads the evaluation: %d", code)
	}
}

type disputeView struct {
	precinct.WorkItem
	Dispute struct {
		Kind      string `json:"kind"`
		Parties   []struct{ Name string }
		Sessions  []json.RawMessage
		Agreement *struct{ Text string }
		FollowUps []json.RawMessage `json:"follow_ups"`
	} `json:"dispute"`
	Contacts []precinct.WorkContact `json:"contacts"`
}

// TestDisputeFromHandover: an incident of a neighbours' dispute is handed
// over on scene; the hand-over opens a dispute for the community office,
// which mediates it to an agreement, follows it up and closes it; the
// figures count it.
func TestDisputeFromHandover(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)}
	m := startMainAt(t, clk)
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	dispatcher := login(t, base, "dispatcher", testDemoPassword)
	ou := userWith(t, admin, func(u *precinct.User) bool { return u.Role == precinct.RoleCommunity && u.UnitID != "" })
	officer := login(t, base, ou.Username, testDemoPassword)
	var pg precinct.PoliceGrid
	officer.do("GET", "/api/v1/police-grids/"+ou.Scope.PoliceGridID, nil, &pg)
	var cgs struct{ Items []precinct.CommunityGrid }
	officer.do("GET", "/api/v1/community-grids?police_grid_id="+pg.ID, nil, &cgs)
	p := gridPoint(t, officer, cgs.Items[0].ID)

	var inc precinct.Incident
	code, raw := dispatcher.raw("POST", "/api/v1/incidents", map[string]any{"source": "call_110", "category": "neighbour", "place_type": "village",
		"location": p, "address": "三组", "description": "邻居因宅基地界线争吵", "priority": 2, "reporter": map[string]string{"name": "陈某", "phone": "13900002222"}}, nil)
	if code != 201 {
		t.Fatalf("intake: %d %s", code, raw)
	}
	_ = json.Unmarshal(raw, &inc)
	units := map[string]any{"units": []string{ou.UnitID}}
	if code, raw := officer.raw("POST", "/api/v1/units/"+ou.UnitID+"/status", map[string]string{"status": "available"}, nil); code != 200 {
		t.Fatalf("on duty: %d %s", code, raw)
	}
	if code, raw := dispatcher.raw("POST", "/api/v1/incidents/"+inc.ID+"/dispatch", units, nil); code != 200 {
		t.Fatalf("dispatch: %d %s", code, raw)
	}
	for _, s := range []struct {
		action string
		body   any
	}{{"arrive", units}, {"handover", map[string]any{"to": "community_office", "note": "现场无法化解，移交警务室调解"}}} {
		if code, raw := officer.raw("POST", "/api/v1/incidents/"+inc.ID+"/"+s.action, s.body, nil); code != 200 {
			t.Fatalf("%s: %d %s", s.action, code, raw)
		}
	}
	var list struct{ Items []precinct.WorkItem }
	if code := officer.do("GET", "/api/v1/disputes?open=true", nil, &list); code != 200 || len(list.Items) != 1 {
		t.Fatalf("disputes after the hand-over: %d %+v", code, list.Items)
	}
	id := list.Items[0].ID
	var dv disputeView
	officer.do("GET", "/api/v1/disputes/"+id, nil, &dv)
	if dv.Source.Kind != "incident" || dv.Source.ID != inc.ID || dv.Dispute.Kind != "neighbour" || len(dv.Dispute.Parties) != 1 ||
		dv.Dispute.Parties[0].Name != "陈某" || len(dv.Contacts) != 1 || dv.Contacts[0].Phone != "139****2222" {
		t.Fatalf("dispute %+v", dv)
	}
	if dv.Assignee != precinct.TeamAssignee(inc.Location.StationID, precinct.TeamCommunity) || dv.State != "registered" {
		t.Errorf("assignee %s state %s", dv.Assignee, dv.State)
	}
	// Nothing else was opened for the incident: one hand-over, one item.
	var grids struct{ Items []precinct.WorkItem }
	admin.do("GET", "/api/v1/grid-reports", nil, &grids)
	if len(grids.Items) != 0 {
		t.Errorf("the hand-over also opened %d grid reports", len(grids.Items))
	}

	session := map[string]any{"data": map[string]any{"place": "村警务室", "outcome": "双方同意重新测量界线",
		"attendees": []map[string]string{{"name": "刘调解员", "role": "mediator"}, {"name": "周律师", "role": "lawyer"}, {"name": ou.Name, "role": "officer"}}}}
	steps := []struct {
		action string
		body   any
		state  precinct.WorkState
	}{
		{"session", session, "mediating"},
		{"agree", map[string]any{"data": map[string]any{"text": "以2019年测绘图为准，各退让0.5米", "signed": true}}, "following_up"},
	}
	for _, s := range steps {
		var got disputeView
		code, raw := officer.raw("POST", "/api/v1/disputes/"+id+"/"+s.action, s.body, nil)
		_ = json.Unmarshal(raw, &got)
		if code != 200 || got.State != s.state {
			t.Fatalf("%s: %d %s", s.action, code, raw)
		}
	}
	// The first follow-up is due in a week: a task of that day.
	week := clk.Now().Add(7 * 24 * time.Hour).In(precinct.CST).Format("2006-01-02")
	var day struct{ Items []precinct.Task }
	officer.do("GET", "/api/v1/tasks?date="+week, nil, &day)
	if len(day.Items) != 1 || day.Items[0].ItemID != id || day.Items[0].Step != "follow_up" {
		t.Fatalf("tasks of %s: %+v", week, day.Items)
	}
	officer.do("GET", "/api/v1/tasks", nil, &day)
	if len(day.Items) != 0 {
		t.Errorf("today's tasks: %+v", day.Items)
	}
	clk.Add(7 * 24 * time.Hour)
	officer = login(t, base, ou.Username, testDemoPassword) // sessions of a week ago have expired
	dispatcher = login(t, base, "dispatcher", testDemoPassword)
	if code, raw := officer.raw("POST", "/api/v1/disputes/"+id+"/follow_up", map[string]any{"note": "协议已履行", "data": map[string]any{"fulfilled": true}}, nil); code != 200 {
		t.Fatalf("follow-up: %d %s", code, raw)
	}
	if code, raw := officer.raw("POST", "/api/v1/disputes/"+id+"/close", map[string]any{"note": "纠纷已化解，报综合指挥室"}, nil); code != 200 {
		t.Fatalf("close: %d %s", code, raw)
	}
	// A dispute opened from the incident by hand, and one that fails.
	var other disputeView
	code, raw = officer.raw("POST", "/api/v1/disputes", map[string]any{"kind": "wages", "risk": "high", "group": true, "incident_id": inc.ID,
		"summary": "工地拖欠工资", "parties": []map[string]string{{"name": "工人甲", "phone": "13700003333"}, {"name": "某建筑公司"}}}, nil)
	if code != 201 {
		t.Fatalf("dispute from incident: %d %s", code, raw)
	}
	_ = json.Unmarshal(raw, &other)
	if code, raw := officer.raw("POST", "/api/v1/disputes/"+other.ID+"/fail", map[string]any{"note": "引导通过劳动仲裁解决"}, nil); code != 200 {
		t.Fatalf("fail: %d %s", code, raw)
	}
	var figs struct {
		Months []struct {
			Month              string
			Screened, Resolved int
		}
		ByMediator []struct {
			Name        string
			Concluded   int
			SuccessRate *float64 `json:"success_rate"`
		} `json:"by_mediator"`
		ByStation []struct{ Concluded, Resolved int } `json:"by_station"`
	}
	month := clk.Now().In(precinct.CST).Format("2006-01")
	if code := dispatcher.do("GET", "/api/v1/stats/disputes?from="+month+"&to="+month, nil, &figs); code != 200 {
		t.Fatalf("figures: %d", code)
	}
	if len(figs.Months) != 1 || figs.Months[0].Screened != 2 || figs.Months[0].Resolved != 1 {
		t.Errorf("months %+v", figs.Months)
	}
	if len(figs.ByMediator) != 2 || figs.ByMediator[0].SuccessRate == nil || *figs.ByMediator[0].SuccessRate != 1 {
		t.Errorf("mediators %+v", figs.ByMediator)
	}
	if len(figs.ByStation) != 1 || figs.ByStation[0].Concluded != 2 || figs.ByStation[0].Resolved != 1 {
		t.Errorf("stations %+v", figs.ByStation)
	}
	if got := eventTypes(t, officer, "/api/v1/disputes/"+id+"/timeline"); !slices.Equal(got, []string{"dispute.opened", "dispute.session", "dispute.agree", "dispute.follow_up", "dispute.close"}) {
		t.Errorf("timeline %v", got)
	}
}

// open311Fields is the field list of a service request in GeoReport v2
// (GET Service Requests / GET Service Request).
var open311Fields = []string{"service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
	"service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}

// TestOpen311 checks every Open311 endpoint against the GeoReport v2 field
// lists, in JSON and XML, and that a citizen's request enters the same
// triage as a grid worker's report.
func TestOpen311(t *testing.T) {
	m := startMain(t, nil)
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	var me precinct.User
	login(t, base, "dispatcher", testDemoPassword).do("GET", "/api/v1/me", nil, &me)
	sb := me.Scope.SubBureauID
	var key struct {
		Key string `json:"api_key"`
	}
	if code := admin.do("POST", "/api/v1/open311-keys", map[string]string{"name": "平安黔江小程序", "sub_bureau_id": sb, "reporter_kind": "citizen"}, &key); code != 201 || key.Key == "" {
		t.Fatalf("key: %d", code)
	}
	get := func(path string) (int, []byte, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header.Get("Content-Type")
	}
	fields := func(t *testing.T, raw []byte, want []string) []map[string]any {
		t.Helper()
		var list []map[string]any
		if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
			t.Fatalf("not a JSON list: %s", raw)
		}
		for _, it := range list {
			for _, f := range want {
				if _, ok := it[f]; !ok {
					t.Errorf("field %s missing from %v", f, it)
				}
			}
		}
		return list
	}

	// No key, a wrong key: 403 with the spec's error list.
	for _, path := range []string{"/open311/v2/services.json", "/open311/v2/requests.json", "/open311/v2/services.json?api_key=wrong"} {
		code, raw, _ := get(path)
		var errs []struct {
			Code        int
			Description string
		}
		if code != 403 || json.Unmarshal(raw, &errs) != nil || len(errs) != 1 || errs[0].Code != 403 || errs[0].Description == "" {
			t.Errorf("GET %s: %d %s", path, code, raw)
		}
	}
	k := "api_key=" + key.Key
	code, raw, ctype := get("/open311/v2/services.json?" + k + "&jurisdiction_id=" + sb)
	if code != 200 || !strings.HasPrefix(ctype, "application/json") {
		t.Fatalf("services: %d %s", code, ctype)
	}
	fields(t, raw, []string{"service_code", "service_name", "description", "metadata", "type", "keywords", "group"})
	if code, raw, _ := get("/open311/v2/services.json?" + k + "&jurisdiction_id=elsewhere"); code != 404 {
		t.Errorf("another jurisdiction: %d %s", code, raw)
	}
	code, raw, ctype = get("/open311/v2/services.xml?" + k)
	var services struct {
		XMLName  xml.Name `xml:"services"`
		Services []struct {
			Code string `xml:"service_code"`
			Type string `xml:"type"`
		} `xml:"service"`
	}
	if code != 200 || !strings.HasPrefix(ctype, "text/xml") || xml.Unmarshal(raw, &services) != nil || len(services.Services) == 0 || services.Services[0].Type != "realtime" {
		t.Fatalf("services.xml: %d %s", code, raw)
	}

	// Post: form-encoded, WGS-84; the answer lists the request.
	stations := listAll[*precinct.Station](admin, "/api/v1/stations")
	wgs := geo.GCJ02ToWGS84(stations[0].Location)
	form := url.Values{"api_key": {key.Key}, "service_code": {"traffic"}, "lat": {ftoa(wgs.Lat)}, "long": {ftoa(wgs.Lon)},
		"address_string": {"正阳大道路口"}, "description": {"路口信号灯损坏"}, "first_name": {"明"}, "last_name": {"李"}, "phone": {"13600004444"},
		"media_url": {"https://example.org/p/1.jpg"}}
	post := func(path string, v url.Values) (int, []byte) {
		resp, err := http.PostForm(base+path, v)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, raw = post("/open311/v2/requests.json", form)
	if code != 201 {
		t.Fatalf("post: %d %s", code, raw)
	}
	receipt := fields(t, raw, []string{"service_request_id", "service_notice", "account_id"})
	id, _ := receipt[0]["service_request_id"].(string)
	noKey := url.Values{}
	for k, v := range form {
		if k != "api_key" {
			noKey[k] = v
		}
	}
	if code, _ := post("/open311/v2/requests.json", noKey); code != 403 {
		t.Errorf("post without a key: %d", code)
	}
	bad := url.Values{"api_key": {key.Key}, "service_code": {"nope"}, "lat": {"29.5"}, "long": {"108.7"}}
	if code, _ := post("/open311/v2/requests.json", bad); code != 404 {
		t.Errorf("unknown service_code: %d", code)
	}
	code, raw = post("/open311/v2/requests.xml", form)
	if code != 201 || !strings.Contains(string(raw), "<service_requests><request><service_request_id>") {
		t.Errorf("post.xml: %d %s", code, raw)
	}

	// Get: every field of the list, in both formats; coordinates back in WGS-84.
	code, raw, _ = get("/open311/v2/requests/" + id + ".json?" + k)
	if code != 200 {
		t.Fatalf("request: %d %s", code, raw)
	}
	one := fields(t, raw, open311Fields)[0]
	if one["status"] != "open" || one["service_code"] != "traffic" || one["description"] != "路口信号灯损坏" || one["media_url"] != "https://example.org/p/1.jpg" {
		t.Errorf("request %v", one)
	}
	if lat, _ := one["lat"].(float64); lat < wgs.Lat-1e-5 || lat > wgs.Lat+1e-5 {
		t.Errorf("lat %v, want %v", one["lat"], wgs.Lat)
	}
	if strings.Contains(string(raw), "13600004444") || strings.Contains(string(raw), "李明") {
		t.Error("the request shows the reporter's personal data")
	}
	code, raw, _ = get("/open311/v2/requests.json?" + k + "&status=open&service_code=traffic")
	if list := fields(t, raw, open311Fields); code != 200 || len(list) != 2 {
		t.Errorf("requests: %d, %d of them", code, len(list))
	}
	code, raw, _ = get("/open311/v2/requests/" + id + ".xml?" + k)
	var reqs struct {
		XMLName  xml.Name `xml:"service_requests"`
		Requests []struct {
			ID     string `xml:"service_request_id"`
			Status string `xml:"status"`
		} `xml:"request"`
	}
	if code != 200 || xml.Unmarshal(raw, &reqs) != nil || len(reqs.Requests) != 1 || reqs.Requests[0].ID != id {
		t.Errorf("request.xml: %d %s", code, raw)
	}
	if code, _, _ := get("/open311/v2/requests/nope.json?" + k); code != 404 {
		t.Errorf("unknown request: %d", code)
	}
	if code, _, _ := get("/open311/v2/requests.json?" + k + "&start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"); code != 400 {
		t.Errorf("a span over 90 days: %d", code)
	}

	// The citizen's request is in the station's triage, with its reporter kept apart.
	cmd := userWith(t, admin, func(u *precinct.User) bool {
		return u.Role == precinct.RoleCommand && u.Scope.StationID == stations[0].ID
	})
	var rv reportView
	if code := login(t, base, cmd.Username, testDemoPassword).do("GET", "/api/v1/grid-reports/"+id, nil, &rv); code != 200 {
		t.Fatalf("the station does not see the citizen's report: %d", code)
	}
	if rv.State != "reported" || rv.Source.Kind != "open311" || rv.Report.ReporterKind != "citizen" || len(rv.Contacts) != 1 || rv.Contacts[0].Phone != "136****4444" {
		t.Errorf("report %+v", rv)
	}
}
