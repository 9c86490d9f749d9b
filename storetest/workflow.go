package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"precinct"
)

// workItem returns an item of kind "test" at a place of the fixture.
func workItem(id string, loc precinct.Location, at time.Time) *precinct.WorkItem {
	return &precinct.WorkItem{ID: id, Kind: "test", State: "new", Category: "hazard", Urgency: precinct.UrgencyPress, Title: "井盖缺失",
		Location: loc, OpenedAt: at, UpdatedAt: at, Version: 1, Data: json.RawMessage(`{"description":"路口井盖缺失"}`)}
}

var (
	locPG1 = precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}
	locPG2 = precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2", CommunityGridID: "cg3"}
	locST1 = precinct.Location{SubBureauID: "sb1", StationID: "st1"}
)

func workEvent(typ string, it *precinct.WorkItem) *precinct.Event {
	return precinct.NewEvent(context.Background(), it.UpdatedAt, typ, it.Location, "work", it.ID, nil, it, nil)
}

func workIDs(items []*precinct.WorkItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func testWorkItems(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	a := workItem("w1", locPG1, t0)
	a.Assignee = precinct.DepartmentAssignee("d1")
	photo := &precinct.Photo{ID: "ph1", Step: "report", ContentType: "image/png", At: t0, Data: []byte("\x89PNG fake")}
	_, created, err := s.CreateWork(ctx, precinct.WorkChange{Item: a, Events: []*precinct.Event{workEvent("work.opened", a)},
		Photos: []*precinct.Photo{photo}, Contacts: []precinct.WorkContact{{Role: "reporter", Name: "赵", Phone: "13912345678"}}})
	must(t, err)
	if !created {
		t.Fatal("not created")
	}
	must2 := func(it *precinct.WorkItem) {
		_, _, err := s.CreateWork(ctx, precinct.WorkChange{Item: it, Events: []*precinct.Event{workEvent("work.opened", it)}})
		must(t, err)
	}
	b := workItem("w2", locPG2, t0.Add(time.Minute))
	must2(b)
	c := workItem("w3", locST1, t0.Add(2*time.Minute)) // no grid: coarser than a grid user's scope
	must2(c)

	got, err := s.FindWork(ctx, "w1")
	must(t, err)
	if got.Title != "井盖缺失" || got.Assignee != a.Assignee || string(got.Data) != `{"description":"路口井盖缺失"}` || !got.OpenedAt.Equal(t0) {
		t.Errorf("found %+v", got)
	}
	_, err = s.FindWork(ctx, "nope")
	wantCode(t, err, precinct.ENOTFOUND)

	list := func(f precinct.WorkFilter) []string {
		t.Helper()
		items, _, err := s.ListWork(ctx, f)
		must(t, err)
		return workIDs(items)
	}
	cases := []struct {
		name string
		f    precinct.WorkFilter
		want string
	}{
		{"empty scope reaches nothing", precinct.WorkFilter{}, "[]"},
		{"everywhere", precinct.WorkFilter{Scope: precinct.Everywhere}, "[w3 w2 w1]"},
		{"station", precinct.WorkFilter{Scope: precinct.Scope{Location: locST1}}, "[w3 w1]"},
		{"police grid sees its own and coarser", precinct.WorkFilter{Scope: precinct.Scope{Location: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}}}, "[w3 w1]"},
		{"other sub-bureau", precinct.WorkFilter{Scope: precinct.Scope{Location: precinct.Location{SubBureauID: "sb9"}}}, "[]"},
		{"assignee", precinct.WorkFilter{Scope: precinct.Everywhere, Assignees: []precinct.Assignee{"dept:d1"}}, "[w1]"},
		{"no assignee listed", precinct.WorkFilter{Scope: precinct.Everywhere, Assignees: []precinct.Assignee{}}, "[]"},
		{"handled by", precinct.WorkFilter{Scope: precinct.Everywhere, HandledBy: []precinct.Assignee{"dept:d1"}}, "[w1]"},
		{"open", precinct.WorkFilter{Scope: precinct.Everywhere, Open: new(true)}, "[w3 w2 w1]"},
		{"closed", precinct.WorkFilter{Scope: precinct.Everywhere, Open: new(false)}, "[]"},
	}
	for _, tc := range cases {
		if got := fmt.Sprint(list(tc.f)); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// Pages.
	page1, next, err := s.ListWork(ctx, precinct.WorkFilter{Scope: precinct.Everywhere, Limit: 2})
	must(t, err)
	page2, _, err := s.ListWork(ctx, precinct.WorkFilter{Scope: precinct.Everywhere, Limit: 2, Cursor: next})
	must(t, err)
	if fmt.Sprint(workIDs(page1), workIDs(page2)) != "[w3 w2] [w1]" {
		t.Errorf("pages %v %v", workIDs(page1), workIDs(page2))
	}

	// An update moves the item, its assignee history and its timeline.
	old := *got
	upd := *got
	upd.Version, upd.State, upd.Assignee = 2, "accepted", precinct.TeamAssignee("st1", precinct.TeamCommunity)
	closed := t0.Add(time.Hour)
	upd.ClosedAt, upd.UpdatedAt = &closed, closed
	must(t, s.UpdateWork(ctx, precinct.WorkChange{Item: &upd, PrevVersion: 1, Events: []*precinct.Event{workEvent("work.closed", &upd)}}))
	wantCode(t, s.UpdateWork(ctx, precinct.WorkChange{Item: &old, PrevVersion: 1}), precinct.ECONFLICT)
	handlers, err := s.WorkHandlers(ctx, "w1")
	must(t, err)
	if fmt.Sprint(handlers) != "[dept:d1 team:st1:community]" {
		t.Errorf("handlers %v", handlers)
	}
	if got := fmt.Sprint(list(precinct.WorkFilter{Scope: precinct.Everywhere, Open: new(false)})); got != "[w1]" {
		t.Errorf("closed: %s", got)
	}
	tl, err := s.WorkTimeline(ctx, "w1")
	must(t, err)
	if len(tl) != 2 || tl[0].Type != "work.opened" || tl[1].Type != "work.closed" {
		t.Errorf("timeline %v", tl)
	}
	cs, err := s.WorkContacts(ctx, "w1")
	must(t, err)
	if len(cs) != 1 || cs[0].Phone != "13912345678" {
		t.Errorf("contacts %+v", cs)
	}
	ps, err := s.ListPhotos(ctx, "w1")
	must(t, err)
	if len(ps) != 1 || ps[0].Size != len(photo.Data) || ps[0].Data != nil {
		t.Errorf("photos %+v", ps)
	}
	p, err := s.FindPhoto(ctx, "ph1")
	must(t, err)
	if string(p.Data) != string(photo.Data) || p.ItemID != "w1" || p.ContentType != "image/png" {
		t.Errorf("photo %+v", p)
	}

	// Deadlines: due items, earliest first, until marked overdue.
	due1, due2 := t0.Add(time.Hour), t0.Add(30*time.Minute)
	for _, x := range []struct {
		id  string
		due time.Time
	}{{"w2", due1}, {"w3", due2}} {
		it, err := s.FindWork(ctx, x.id)
		must(t, err)
		n := *it
		n.DueAt, n.Version = &x.due, it.Version+1
		must(t, s.UpdateWork(ctx, precinct.WorkChange{Item: &n, PrevVersion: it.Version}))
	}
	due, err := s.DueWork(ctx, t0.Add(2*time.Hour), 10)
	must(t, err)
	if fmt.Sprint(workIDs(due)) != "[w3 w2]" {
		t.Errorf("due %v", workIDs(due))
	}
	due, err = s.DueWork(ctx, t0.Add(45*time.Minute), 10)
	must(t, err)
	if fmt.Sprint(workIDs(due)) != "[w3]" {
		t.Errorf("due at 45 min %v", workIDs(due))
	}
	n := *due[0]
	n.Overdue, n.Version = true, due[0].Version+1
	must(t, s.UpdateWork(ctx, precinct.WorkChange{Item: &n, PrevVersion: due[0].Version}))
	due, err = s.DueWork(ctx, t0.Add(2*time.Hour), 10)
	must(t, err)
	if fmt.Sprint(workIDs(due)) != "[w2]" {
		t.Errorf("due after marking %v", workIDs(due))
	}
	if got := fmt.Sprint(list(precinct.WorkFilter{Scope: precinct.Everywhere, DueBefore: t0.Add(50 * time.Minute)})); got != "[w3]" {
		t.Errorf("due before: %s", got)
	}
}

func testWorkConcurrency(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	// Ten creations with one key make one item.
	var wg sync.WaitGroup
	results := make([]*precinct.WorkItem, 10)
	errs := make([]error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it := workItem(fmt.Sprintf("k%d", i), locPG1, t0)
			it.IdempotencyKey = "same-key"
			results[i], _, errs[i] = s.CreateWork(ctx, precinct.WorkChange{Item: it, Events: []*precinct.Event{workEvent("work.opened", it)},
				Counts: []precinct.WorkCount{{Day: precinct.DayStart(t0), Kind: "test", SubBureauID: "sb1", StationID: "st1", Tally: precinct.WorkTally{1}}}})
		}()
	}
	wg.Wait()
	for i := range 10 {
		must(t, errs[i])
		if results[i].ID != results[0].ID {
			t.Fatalf("two items for one key: %s and %s", results[0].ID, results[i].ID)
		}
	}
	counts, err := s.WorkCounts(ctx, precinct.WorkCountFilter{Scope: precinct.Everywhere, Kind: "test"})
	must(t, err)
	if len(counts) != 1 || counts[0].Tally.Get(precinct.MetricOpened) != 1 {
		t.Errorf("tallies of one creation: %+v", counts)
	}
	// Ten updates from one version: one wins, nine conflict, one event.
	it, err := s.FindWork(ctx, results[0].ID)
	must(t, err)
	var won, lost int
	var mu sync.Mutex
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := *it
			n.Version, n.Tier = it.Version+1, 1
			err := s.UpdateWork(ctx, precinct.WorkChange{Item: &n, PrevVersion: it.Version, Events: []*precinct.Event{workEvent("work.escalated", &n)},
				Counts: []precinct.WorkCount{{Day: precinct.DayStart(t0), Kind: "test", SubBureauID: "sb1", StationID: "st1", Tally: precinct.WorkTally{0, 0, 0, 0, 1}}}})
			mu.Lock()
			defer mu.Unlock()
			switch precinct.ErrorCode(err) {
			case "":
				won++
			case precinct.ECONFLICT:
				lost++
			default:
				t.Errorf("update: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || lost != 9 {
		t.Errorf("%d updates won, %d lost; want 1 and 9", won, lost)
	}
	tl, err := s.WorkTimeline(ctx, it.ID)
	must(t, err)
	if len(tl) != 2 {
		t.Errorf("%d events, want 2", len(tl))
	}
	counts, err = s.WorkCounts(ctx, precinct.WorkCountFilter{Scope: precinct.Everywhere, Kind: "test"})
	must(t, err)
	if counts[0].Tally.Get(precinct.MetricEscalated) != 1 {
		t.Errorf("escalations counted %d, want 1", counts[0].Tally.Get(precinct.MetricEscalated))
	}
}

func testWorkCounts(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	day := precinct.DayStart(t0)
	var tally precinct.WorkTally
	tally.Add(precinct.MetricAssigned, 1)
	tally.Add(precinct.MetricDone, 1)
	rows := []precinct.WorkCount{
		{Day: day, Kind: "test", SubBureauID: "sb1", StationID: "st1", Assignee: "dept:a", Tally: tally},
		{Day: day.AddDate(0, 0, 1), Kind: "test", SubBureauID: "sb1", StationID: "st1", Assignee: "dept:a", Tally: tally},
		{Day: day, Kind: "test", SubBureauID: "sb1", StationID: "st2", Assignee: "dept:b", Tally: tally},
		{Day: day.AddDate(0, 0, 5), Kind: "test", SubBureauID: "sb1", StationID: "st2", Assignee: "dept:a", Tally: tally},
		{Day: day, Kind: "other", SubBureauID: "sb1", StationID: "st1", Assignee: "dept:a", Tally: tally},
	}
	for i, r := range rows {
		it := workItem(fmt.Sprintf("c%d", i), locPG1, t0)
		_, _, err := s.CreateWork(ctx, precinct.WorkChange{Item: it, Counts: []precinct.WorkCount{r}})
		must(t, err)
	}
	sum := func(f precinct.WorkCountFilter) string {
		t.Helper()
		f.Kind = "test"
		cs, err := s.WorkCounts(ctx, f)
		must(t, err)
		out := ""
		for _, c := range cs {
			out += fmt.Sprintf("%s/%s:%d,%d ", c.StationID, c.Assignee, c.Tally.Get(precinct.MetricAssigned), c.Tally.Get(precinct.MetricDone))
		}
		return out
	}
	week := precinct.WorkCountFilter{Scope: precinct.Everywhere, From: day, To: day.AddDate(0, 0, 7)}
	byDept := week
	byDept.ByAssignee = true
	if got := sum(byDept); got != "/dept:a:3,3 /dept:b:1,1 " {
		t.Errorf("by department: %q", got)
	}
	// Over months, the sums come from the monthly rows and the days at the edges.
	months := byDept
	months.From, months.To = day.AddDate(0, -2, 0), day.AddDate(0, 2, 0)
	if got := sum(months); got != "/dept:a:3,3 /dept:b:1,1 " {
		t.Errorf("by department over four months: %q", got)
	}
	edge := byDept
	edge.From, edge.To = day.AddDate(0, -2, 0), day.AddDate(0, 0, 1)
	if got := sum(edge); got != "/dept:a:1,1 /dept:b:1,1 " {
		t.Errorf("by department up to the first day: %q", got)
	}
	both := week
	both.ByAssignee, both.ByStation = true, true
	if got := sum(both); got != "st1/dept:a:2,2 st2/dept:a:1,1 st2/dept:b:1,1 " {
		t.Errorf("by township and department: %q", got)
	}
	two := both
	two.To = day.AddDate(0, 0, 2)
	two.Scope = precinct.Scope{Location: locST1}
	if got := sum(two); got != "st1/dept:a:2,2 " {
		t.Errorf("station scope, two days: %q", got)
	}
	none := both
	none.Scope = precinct.Scope{}
	if got := sum(none); got != "" {
		t.Errorf("empty scope: %q", got)
	}
	grid := both
	grid.Scope = precinct.Scope{Location: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}}
	if got := sum(grid); got != "" {
		t.Errorf("a police grid's scope sums station tallies: %q", got)
	}
	own := both
	own.Assignees = []precinct.Assignee{"dept:b"}
	if got := sum(own); got != "st2/dept:b:1,1 " {
		t.Errorf("one department: %q", got)
	}
}

func testDepartments(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	district := &precinct.Department{ID: "d-law", Name: "区综合行政执法局", Kind: precinct.DeptLawEnforcement,
		Location: precinct.Location{SubBureauID: "sb1"}, Members: []string{"u1"}}
	town := &precinct.Department{ID: "d-market-st2", Name: "二镇市场监管所", Kind: precinct.DeptMarket,
		Location: precinct.Location{SubBureauID: "sb1", StationID: "st2"}, Members: []string{"u1", "u2"}}
	for _, d := range []*precinct.Department{district, town} {
		must(t, s.PutDepartment(ctx, d, precinct.NewEvent(ctx, t0, "department.put", d.Location, "department", d.ID, nil, d, nil)))
	}
	town.Members = []string{"u2"}
	must(t, s.PutDepartment(ctx, town, nil))
	d, err := s.FindDepartment(ctx, "d-market-st2")
	must(t, err)
	if d.Name != "二镇市场监管所" || fmt.Sprint(d.Members) != "[u2]" {
		t.Errorf("department %+v", d)
	}
	_, err = s.FindDepartment(ctx, "nope")
	wantCode(t, err, precinct.ENOTFOUND)
	list := func(sc precinct.Scope) string {
		ds, err := s.ListDepartments(ctx, precinct.DepartmentFilter{Scope: sc})
		must(t, err)
		out := []string{}
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return fmt.Sprint(out)
	}
	if got := list(precinct.Scope{Location: locST1}); got != "[d-law]" {
		t.Errorf("station st1 sees %s", got)
	}
	if got := list(precinct.Scope{Location: precinct.Location{SubBureauID: "sb1", StationID: "st2"}}); got != "[d-law d-market-st2]" {
		t.Errorf("station st2 sees %s", got)
	}
	if got := list(precinct.Scope{}); got != "[]" {
		t.Errorf("empty scope sees %s", got)
	}
	for user, want := range map[string]string{"u1": "[d-law]", "u2": "[d-market-st2]", "u9": "[]"} {
		ds, err := s.UserDepartments(ctx, user)
		must(t, err)
		if fmt.Sprint(append([]string{}, ds...)) != want {
			t.Errorf("departments of %s: %v, want %s", user, ds, want)
		}
	}

	k := &precinct.APIKey{ID: "k1", Name: "业主委员会小程序", SubBureauID: "sb1", ReporterKind: "owners_committee", Hash: "h1", CreatedAt: t0}
	must(t, s.CreateAPIKey(ctx, k))
	wantCode(t, s.CreateAPIKey(ctx, &precinct.APIKey{ID: "k2", Name: "x", SubBureauID: "sb1", Hash: "h1", CreatedAt: t0}), precinct.ECONFLICT)
	got, err := s.FindAPIKey(ctx, "h1")
	must(t, err)
	if got.ID != "k1" || got.ReporterKind != "owners_committee" || !got.CreatedAt.Equal(t0) {
		t.Errorf("key %+v", got)
	}
	_, err = s.FindAPIKey(ctx, "h9")
	wantCode(t, err, precinct.ENOTFOUND)
	keys, err := s.ListAPIKeys(ctx)
	must(t, err)
	if len(keys) != 1 {
		t.Errorf("%d keys", len(keys))
	}
}
