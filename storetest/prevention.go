package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"precinct"
)

// preventionTests are the contract tests of the prevention store.
var preventionTests = []struct {
	name string
	fn   func(*testing.T, precinct.Store)
}{
	{"warnings are written all or nothing", testWarningsAtomic},
	{"warnings keep to the scope; triage to the sub-bureau", testWarningScope},
	{"residents by keyed hash and by name", testResidentsByHash},
	{"a batch of thousands of warnings with their tasks, in bulk", testWarningsBulk},
	{"warnings of the past imported with their tasks as they ended", testImportWarnings},
	{"prevention records shared by a pair of stations", testPreventionRecords},
}

func warning(id, ref, key string, loc precinct.Location, status precinct.WarningStatus) *precinct.Warning {
	return &precinct.Warning{ID: id, SourceRef: ref, Source: "json", FraudType: "loan", Level: precinct.LevelHigh, IssuedAt: t0,
		Location: loc, Status: status, PersonKey: key, ReceivedAt: t0, Version: 1,
		SealedPhone: precinct.Sealed{Masked: "139****0001", Sealed: "k1.sealed", Hash: key}}
}

func testWarningsAtomic(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	sb := precinct.Location{SubBureauID: "sb1"}
	ev := func(id string) *precinct.Event {
		return precinct.NewEvent(ctx, t0, "warning.received", sb, "warning", id, nil, nil, nil)
	}
	if err := s.CreateWarnings(ctx, []*precinct.Warning{warning("w1", "A", "m1.p1", sb, precinct.WarningTriage)}, nil, []*precinct.Event{ev("w1")}); err != nil {
		t.Fatal(err)
	}
	// A batch with a reference stored already fails whole.
	err := s.CreateWarnings(ctx, []*precinct.Warning{warning("w2", "B", "m1.p1", sb, precinct.WarningTriage), warning("w3", "A", "", sb, precinct.WarningTriage)},
		nil, []*precinct.Event{ev("w2"), ev("w3")})
	if precinct.ErrorCode(err) != precinct.ECONFLICT {
		t.Fatalf("a stored reference: %v", err)
	}
	if _, err := s.FindWarning(ctx, "w2"); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("half a batch written: %v", err)
	}
	if n := eventsOf(t, s, "warning.received"); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	refs, err := s.WarningRefs(ctx, "sb1", []string{"A", "B"})
	if err != nil || len(refs) != 1 || refs["A"] != "w1" {
		t.Errorf("refs %v %v", refs, err)
	}
	if refs, _ := s.WarningRefs(ctx, "sb2", []string{"A"}); len(refs) != 0 {
		t.Errorf("a reference of another sub-bureau: %v", refs)
	}
	n, err := s.CountWarnings(ctx, []string{"m1.p1", "m1.none"})
	if err != nil || n["m1.p1"] != 1 || n["m1.none"] != 0 {
		t.Errorf("counts %v %v", n, err)
	}
	// An update applies to the version read, once.
	w, err := s.FindWarning(ctx, "w1")
	if err != nil || w.SealedPhone.Sealed != "k1.sealed" || w.PersonKey != "m1.p1" || w.Phone != "" && w.Phone != "139****0001" {
		t.Fatalf("find: %+v %v", w, err)
	}
	w.Status, w.Location, w.Version = precinct.WarningPushed, locCG1, 2
	if err := s.UpdateWarning(ctx, w, 1, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateWarning(ctx, w, 1, nil, nil); precinct.ErrorCode(err) != precinct.ECONFLICT {
		t.Errorf("a stale update: %v", err)
	}
}

func testWarningScope(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	sb := precinct.Location{SubBureauID: "sb1"}
	ws := []*precinct.Warning{warning("w1", "A", "m1.a", sb, precinct.WarningTriage), warning("w2", "B", "m1.b", locCG1, precinct.WarningPushed),
		warning("w3", "C", "m1.a", locCG3, precinct.WarningPushed)}
	ws[1].IssuedAt, ws[2].IssuedAt = t0.Add(time.Second), t0.Add(2*time.Second)
	if err := s.CreateWarnings(ctx, ws, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		f    precinct.WarningFilter
		want []string
	}{
		{"sub-bureau", precinct.WarningFilter{Scope: scopeOf(sb)}, []string{"w3", "w2", "w1"}},
		{"station", precinct.WarningFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st1"})}, []string{"w2"}},
		{"grid", precinct.WarningFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2"})}, []string{"w3"}},
		{"other sub-bureau", precinct.WarningFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb2"})}, nil},
		{"no scope", precinct.WarningFilter{}, nil},
		{"triage", precinct.WarningFilter{Scope: precinct.Everywhere, Status: precinct.WarningTriage}, []string{"w1"}},
		{"person", precinct.WarningFilter{Scope: precinct.Everywhere, PersonKey: "m1.a"}, []string{"w3", "w1"}},
	} {
		got, _, err := s.ListWarnings(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, w := range got {
			ids = append(ids, w.ID)
		}
		sameIDs(t, c.name, ids, c.want)
	}
	// Pages, newest first.
	p1, next, err := s.ListWarnings(ctx, precinct.WarningFilter{Scope: precinct.Everywhere, Limit: 2})
	if err != nil || len(p1) != 2 || next == "" {
		t.Fatalf("page 1: %d %q %v", len(p1), next, err)
	}
	p2, next, err := s.ListWarnings(ctx, precinct.WarningFilter{Scope: precinct.Everywhere, Limit: 2, Cursor: next})
	if err != nil || len(p2) != 1 || p2[0].ID != "w1" || next != "" {
		t.Errorf("page 2: %v %q %v", p2, next, err)
	}
}

func testResidentsByHash(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	seedRegistry(t, s)
	got, err := s.ResidentsByHash(ctx, scopeOf(precinct.Location{SubBureauID: "sb1"}), "id_number", []string{"m1.id-r1", "m1.id-r4", "m1.none"})
	if err != nil {
		t.Fatal(err)
	}
	ids := residentIDs(got)
	slices.Sort(ids)
	sameIDs(t, "sub-bureau", ids, []string{"r1", "r4"})
	got, _ = s.ResidentsByHash(ctx, scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st1"}), "phone", []string{"m1.phone-r1", "m1.phone-r4"})
	sameIDs(t, "station", residentIDs(got), []string{"r1"})
	got, _ = s.ResidentsByHash(ctx, precinct.Scope{}, "phone", []string{"m1.phone-r1"})
	sameIDs(t, "no scope", residentIDs(got), nil)
	// By name: the exact names, not a prefix.
	got, err = s.ResidentsByName(ctx, scopeOf(precinct.Location{SubBureauID: "sb1"}), []string{"张伟", "王芳", "无此人"})
	if err != nil {
		t.Fatal(err)
	}
	ids = residentIDs(got)
	slices.Sort(ids)
	sameIDs(t, "by name", ids, []string{"r1", "r4"})
	got, _ = s.ResidentsByName(ctx, scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st2"}), []string{"张伟", "王芳"})
	sameIDs(t, "by name in st2", residentIDs(got), []string{"r4"})
}

// dissuasion returns the opening of a dissuasion task of warning w at loc
// for assignee a, as the engine makes it.
func dissuasion(w *precinct.Warning, loc precinct.Location, a precinct.Assignee, at time.Time) precinct.WorkChange {
	due := at.Add(2 * time.Hour)
	it := &precinct.WorkItem{ID: "dsn_" + w.ID, Kind: "dissuasion", State: "pushed", Category: "loan", Urgency: precinct.UrgencyPress, Title: "预警",
		Location: loc, Assignee: a, DueAt: &due, Source: precinct.WorkSource{Kind: "warning", ID: w.ID}, OpenedAt: at, UpdatedAt: at, Version: 1,
		IdempotencyKey: "warning:" + w.ID, Data: []byte(`{"warning_id":"` + w.ID + `"}`)}
	w.TaskID = it.ID
	c := precinct.WorkCount{Day: precinct.DayStart(at), Kind: it.Kind, SubBureauID: "sb1", StationID: loc.StationID, Assignee: a}
	c.Tally.Add(precinct.MetricOpened, 1)
	return precinct.WorkChange{Item: it, Contacts: []precinct.WorkContact{{Role: "person", Phone: "k1.sealed-" + w.ID}},
		Counts: []precinct.WorkCount{c}, Events: []*precinct.Event{precinct.NewEvent(context.Background(), at, "dissuasion.opened", loc, "work", it.ID, nil, it, nil)}}
}

// testWarningsBulk: a batch larger than any one statement (thousands of
// warnings, tasks, contacts, events) is written whole, each row once,
// the tallies summed.
func testWarningsBulk(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	const n = 2500
	var ws []*precinct.Warning
	var work []precinct.WorkChange
	var evs []*precinct.Event
	for i := range n {
		w := warning(fmt.Sprintf("w%04d", i), fmt.Sprintf("R%04d", i), fmt.Sprintf("m1.p%d", i%1000), locCG1, precinct.WarningPushed)
		if i%5 == 0 {
			w.Location, w.Status = precinct.Location{SubBureauID: "sb1"}, precinct.WarningTriage
		} else {
			work = append(work, dissuasion(w, locCG1, precinct.UserAssignee("u3"), t0))
		}
		ws = append(ws, w)
		evs = append(evs, precinct.NewEvent(ctx, t0, "warning.received", w.Location, "warning", w.ID, nil, w, nil))
	}
	must(t, s.CreateWarnings(ctx, ws, work, evs))
	got, _, err := s.ListWarnings(ctx, precinct.WarningFilter{Scope: precinct.Everywhere, Limit: 1000, Status: precinct.WarningTriage})
	must(t, err)
	if len(got) != n/5 {
		t.Errorf("%d in triage, want %d", len(got), n/5)
	}
	events := map[string]int{}
	for after := int64(0); ; {
		page, err := s.ListEvents(ctx, precinct.EventFilter{Scope: precinct.Everywhere, AfterSeq: after, Limit: 1000})
		must(t, err)
		for _, e := range page {
			events[e.Type]++
			after = e.Seq
		}
		if len(page) == 0 {
			break
		}
	}
	if events["warning.received"] != n || events["dissuasion.opened"] != len(work) {
		t.Errorf("events %v, want %d and %d", events, n, len(work))
	}
	it, err := s.FindWork(ctx, "dsn_w2499")
	if err != nil || it.Assignee != precinct.UserAssignee("u3") || it.DueAt == nil || !it.DueAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("a task: %+v %v", it, err)
	}
	cs, err := s.WorkContacts(ctx, "dsn_w2499")
	if err != nil || len(cs) != 1 || cs[0].Phone != "k1.sealed-w2499" {
		t.Errorf("contacts %+v %v", cs, err)
	}
	hs, err := s.WorkHandlers(ctx, "dsn_w2499")
	if err != nil || len(hs) != 1 {
		t.Errorf("handlers %v %v", hs, err)
	}
	sums, err := s.WorkCounts(ctx, precinct.WorkCountFilter{Scope: precinct.Everywhere, Kind: "dissuasion", From: precinct.DayStart(t0), To: precinct.DayStart(t0).AddDate(0, 0, 1)})
	must(t, err)
	total := 0
	for _, c := range sums {
		total += c.Tally.Get(precinct.MetricOpened)
	}
	if total != len(work) {
		t.Errorf("opened tallied %d, want %d", total, len(work))
	}
	counts, err := s.CountWarnings(ctx, []string{"m1.p1", "m1.p999"})
	if err != nil || counts["m1.p1"] != 3 || counts["m1.p999"] != 2 {
		t.Errorf("counts %v %v", counts, err)
	}
	refs, err := s.WarningRefs(ctx, "sb1", []string{"R0000", "R2499", "R9999"})
	if err != nil || len(refs) != 2 {
		t.Errorf("refs %v %v", refs, err)
	}
	// A second batch whose last row repeats a stored reference fails
	// whole: none of the statements before it stays.
	ws, work, evs = nil, nil, nil
	for i := range n {
		ref := fmt.Sprintf("S%04d", i)
		if i == n-1 {
			ref = "R0001"
		}
		w := warning(fmt.Sprintf("x%04d", i), ref, "m1.x", locCG1, precinct.WarningPushed)
		work = append(work, dissuasion(w, locCG1, precinct.UserAssignee("u3"), t0))
		ws, evs = append(ws, w), append(evs, precinct.NewEvent(ctx, t0, "warning.received", w.Location, "warning", w.ID, nil, w, nil))
	}
	if err := s.CreateWarnings(ctx, ws, work, evs); precinct.ErrorCode(err) != precinct.ECONFLICT {
		t.Fatalf("a batch with a stored reference: %v", err)
	}
	if _, err := s.FindWarning(ctx, "x0000"); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("half a batch written: %v", err)
	}
	if _, err := s.FindWork(ctx, "dsn_x0000"); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("half a batch's tasks written: %v", err)
	}
}

// testImportWarnings: an imported task is written once, as of its last
// change, with every assignee it had and its timeline in time order; the
// imported events are not waiting to be published.
func testImportWarnings(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	before, err := s.Unpublished(ctx, 10000)
	must(t, err)
	w := warning("w1", "A", "m1.p1", locCG1, precinct.WarningPushed)
	open := dissuasion(w, locCG1, precinct.UserAssignee("u3"), t0)
	up := *open.Item
	up.Version, up.Tier, up.Assignee, up.UpdatedAt = 2, 1, precinct.TeamAssignee("st1", precinct.TeamCommand), t0.Add(3*time.Hour)
	esc := precinct.WorkChange{Item: &up, PrevVersion: 1,
		Events: []*precinct.Event{precinct.NewEvent(ctx, up.UpdatedAt, "dissuasion.escalate", locCG1, "work", up.ID, open.Item, &up, nil)}}
	done := up
	closed := t0.Add(4 * time.Hour)
	done.Version, done.State, done.ClosedAt, done.DueAt, done.UpdatedAt = 3, "reported", &closed, nil, closed
	rep := precinct.WorkChange{Item: &done, PrevVersion: 2,
		Events: []*precinct.Event{precinct.NewEvent(ctx, closed, "dissuasion.report", locCG1, "work", up.ID, &up, &done, nil)}}
	received := precinct.NewEvent(ctx, t0, "warning.received", locCG1, "warning", w.ID, nil, w, nil)
	must(t, s.ImportWarnings(ctx, []*precinct.Warning{w}, []precinct.WorkChange{open, esc, rep}, []*precinct.Event{received}, t0.Add(5*time.Hour)))
	it, err := s.FindWork(ctx, up.ID)
	if err != nil || it.Version != 3 || it.State != "reported" || it.ClosedAt == nil || it.Tier != 1 {
		t.Fatalf("the task as it ended: %+v %v", it, err)
	}
	hs, err := s.WorkHandlers(ctx, up.ID)
	if err != nil || len(hs) != 2 {
		t.Errorf("handlers %v %v", hs, err)
	}
	tl, err := s.WorkTimeline(ctx, up.ID)
	if err != nil || len(tl) != 3 || tl[0].Type != "dissuasion.opened" || tl[2].Type != "dissuasion.report" {
		t.Errorf("timeline %v %v", tl, err)
	}
	after, err := s.Unpublished(ctx, 10000)
	must(t, err)
	if len(after) != len(before) {
		t.Errorf("%d imported events waiting to be published", len(after)-len(before))
	}
	if _, err := s.FindWarning(ctx, "w1"); err != nil {
		t.Error(err)
	}
}

func testPreventionRecords(t *testing.T, s precinct.Store) {
	ctx := context.Background()
	imported(t, s)
	pair := precinct.Location{SubBureauID: "sb1", StationID: "ss:ss1"}
	recs := []*precinct.PreventionRecord{
		{ID: "l1", Kind: "ledger", Location: pair, ServiceStationID: "ss1", StationIDs: []string{"st1", "st2"}, Month: "2026-03", At: t0, By: "u2", Data: []byte(`{"title":"会商"}`)},
		{ID: "e1", Kind: "evaluation", Location: pair, ServiceStationID: "ss1", StationIDs: []string{"st1"}, Month: "2026-03", At: t0.Add(time.Second), By: "u2"},
		{ID: "n1", Kind: "notice", Location: precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2"}, At: t0.Add(2 * time.Second), By: "u1"},
	}
	for _, r := range recs {
		if err := s.PutPreventionRecord(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutPreventionRecord(ctx, recs[1], nil); precinct.ErrorCode(err) != precinct.ECONFLICT {
		t.Errorf("the same record twice: %v", err)
	}
	ids := func(f precinct.PreventionRecordFilter) []string {
		got, err := s.ListPreventionRecords(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range got {
			out = append(out, r.ID)
		}
		return out
	}
	sameIDs(t, "sub-bureau", ids(precinct.PreventionRecordFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1"})}), []string{"n1", "e1", "l1"})
	sameIDs(t, "st1", ids(precinct.PreventionRecordFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st1"})}), []string{"e1", "l1"})
	sameIDs(t, "st2", ids(precinct.PreventionRecordFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st2"})}), []string{"n1", "l1"})
	sameIDs(t, "st2 ledger", ids(precinct.PreventionRecordFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb1", StationID: "st2"}), Kind: "ledger", ServiceStationID: "ss1"}), []string{"l1"})
	sameIDs(t, "other sub-bureau", ids(precinct.PreventionRecordFilter{Scope: scopeOf(precinct.Location{SubBureauID: "sb2"})}), nil)
	sameIDs(t, "no scope", ids(precinct.PreventionRecordFilter{}), nil)
	r, err := s.FindPreventionRecord(ctx, "l1")
	if err != nil || string(r.Data) != `{"title":"会商"}` || len(r.StationIDs) != 2 {
		t.Errorf("find: %+v %v", r, err)
	}
}
