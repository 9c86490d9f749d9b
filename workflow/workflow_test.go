package workflow_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"precinct"
	"precinct/sqldb"
	"precinct/storetest"
	"precinct/vault"
	"precinct/workflow"
)

// clock is a clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// ticket is a kind declared only here: a ticket is filed, transferred,
// accepted, done, and evaluated or returned; a missed acceptance escalates.
var ticket = &workflow.Kind{
	Name: "ticket", Label: workflow.Text{ZH: "工单", EN: "Ticket"}, IDPrefix: "tk",
	Initial: "new", OpenPerm: precinct.PermReportWork, OpenCount: []precinct.WorkMetric{precinct.MetricOpened},
	Tiers: []workflow.Text{{ZH: "乡镇", EN: "Township"}, {ZH: "区县", EN: "District"}},
	States: []workflow.State{
		{Name: "new", Label: workflow.Text{ZH: "待分派", EN: "new"}},
		{Name: "assigned", Label: workflow.Text{ZH: "待签收", EN: "assigned"},
			Due: &workflow.Due{Step: "accept", ByUrgency: [3]time.Duration{time.Hour, 2 * time.Hour, 4 * time.Hour}, Escalate: true, OverdueTask: "urge"}},
		{Name: "accepted", Label: workflow.Text{ZH: "处置中", EN: "accepted"},
			Due: &workflow.Due{Step: "finish", ByUrgency: [3]time.Duration{4 * time.Hour, 8 * time.Hour, 24 * time.Hour}}},
		{Name: "finished", Label: workflow.Text{ZH: "待评价", EN: "finished"},
			Due: &workflow.Due{Step: "evaluate", Schedule: []time.Duration{24 * time.Hour}, Task: true}},
		{Name: "closed", Label: workflow.Text{ZH: "已办结", EN: "closed"}, Closed: true},
	},
	Table: []workflow.Transition{
		{Action: "transfer", Label: workflow.Text{ZH: "转办", EN: "transfer"}, From: []precinct.WorkState{"new", "assigned"}, To: "assigned",
			Perm: precinct.PermTriageWork, By: workflow.ByScope, Effects: []workflow.Effect{workflow.Assign, workflow.Reclassify}, Count: []precinct.WorkMetric{precinct.MetricAssigned}},
		{Action: "accept", Label: workflow.Text{ZH: "签收", EN: "accept"}, From: []precinct.WorkState{"assigned"}, To: "accepted",
			Perm: precinct.PermHandleWork, By: workflow.ByAssignee, Count: []precinct.WorkMetric{precinct.MetricAccepted}, Late: precinct.MetricAcceptedLate},
		{Action: "finish", Label: workflow.Text{ZH: "反馈", EN: "feedback"}, From: []precinct.WorkState{"accepted"}, To: "finished",
			Perm: precinct.PermHandleWork, By: workflow.ByAssignee, Effects: []workflow.Effect{workflow.NeedNote, workflow.Photos},
			Count: []precinct.WorkMetric{precinct.MetricDone}, Late: precinct.MetricDoneLate},
		{Action: "return", Label: workflow.Text{ZH: "退回", EN: "return"}, From: []precinct.WorkState{"finished"}, To: "accepted",
			Perm: precinct.PermTriageWork, By: workflow.ByReporter, Effects: []workflow.Effect{workflow.NeedNote, workflow.Return}, Count: []precinct.WorkMetric{precinct.MetricReturned}},
		{Action: "evaluate", Label: workflow.Text{ZH: "评价", EN: "evaluate"}, From: []precinct.WorkState{"finished"}, To: "closed",
			Perm: precinct.PermTriageWork, By: workflow.ByReporter, Effects: []workflow.Effect{workflow.Evaluate}, Count: []precinct.WorkMetric{precinct.MetricClosed}},
		{Action: "urge", Label: workflow.Text{ZH: "督办", EN: "urge"}, From: []precinct.WorkState{"assigned", "accepted"},
			Perm: precinct.PermTriageWork, By: workflow.ByScope, Effects: []workflow.Effect{workflow.Touch}},
		{Action: precinct.ActionEscalate, Label: workflow.Text{ZH: "超时升级", EN: "escalate"}, From: []precinct.WorkState{"assigned"},
			By: workflow.BySystem, Effects: []workflow.Effect{workflow.Escalate}, Count: []precinct.WorkMetric{precinct.MetricEscalated}},
	},
}

var t0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 09:00 in China

type env struct {
	t     *testing.T
	store *sqldb.DB
	clock *clock
	eng   *workflow.Engine
	users map[string]*precinct.User
}

func newEnv(t *testing.T, store *sqldb.DB) *env {
	t.Helper()
	ctx := context.Background()
	if err := store.ImportJurisdiction(ctx, storetest.Fixture()); err != nil {
		t.Fatal(err)
	}
	users := map[string]*precinct.User{
		"cmd1":     {ID: "u2", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}},
		"officer":  {ID: "u3", Role: precinct.RoleCommunity, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}},
		"cmd2":     {ID: "c2", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st2"}},
		"grid":     {ID: "gw", Role: precinct.RoleGridWorker, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}},
		"law":      {ID: "law1", Role: precinct.RoleDepartment, Scope: precinct.Location{SubBureauID: "sb1"}},
		"market":   {ID: "mk1", Role: precinct.RoleDepartment, Scope: precinct.Location{SubBureauID: "sb1"}},
		"district": {ID: "u1", Role: precinct.RoleDispatcher, Scope: precinct.Location{SubBureauID: "sb1"}},
	}
	for _, d := range []*precinct.Department{
		{ID: "law", Name: "区综合行政执法局", Kind: precinct.DeptLawEnforcement, Location: precinct.Location{SubBureauID: "sb1"}, Members: []string{"law1"}},
		{ID: "market", Name: "区市场监管局", Kind: precinct.DeptMarket, Location: precinct.Location{SubBureauID: "sb1"}, Members: []string{"mk1"}},
	} {
		if err := store.PutDepartment(ctx, d, nil); err != nil {
			t.Fatal(err)
		}
	}
	kinds, err := workflow.NewKinds(ticket)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: t0}
	return &env{t: t, store: store, clock: c, users: users, eng: &workflow.Engine{Store: store, Clock: c, Kinds: kinds}}
}

func openSQLite(t *testing.T) *sqldb.DB {
	db, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "w.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (e *env) as(name string) context.Context {
	return precinct.NewContextWithUser(context.Background(), e.users[name])
}

func (e *env) open(who string) *precinct.WorkItem {
	e.t.Helper()
	it := &precinct.WorkItem{Kind: "ticket", Category: "hazard", Urgency: precinct.UrgencyUrgent, Title: "井盖缺失",
		Location: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}}
	out, created, err := e.eng.Open(e.as(who), it, nil, nil)
	if err != nil || !created {
		e.t.Fatalf("open: %v", err)
	}
	return out
}

func (e *env) act(who, id string, req precinct.WorkRequest) (*precinct.WorkItem, error) {
	return e.eng.Act(e.as(who), id, req)
}

func (e *env) mustAct(who, id string, req precinct.WorkRequest) *precinct.WorkItem {
	e.t.Helper()
	it, err := e.act(who, id, req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", who, req.Action, err)
	}
	return it
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := precinct.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func yes() *bool { v := true; return &v }

func TestKindValidation(t *testing.T) {
	if err := ticket.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := *ticket
	bad.States = append([]workflow.State{}, ticket.States...)
	bad.States[1].Due = &workflow.Due{Step: "accept", Escalate: true} // no durations
	if bad.Validate() == nil {
		t.Error("a deadline of zero passes")
	}
	bad = *ticket
	bad.Table = append([]workflow.Transition{}, ticket.Table...)
	bad.Table[0].To = "nowhere"
	if bad.Validate() == nil {
		t.Error("an unknown state passes")
	}
	bad = *ticket
	bad.Table = ticket.Table[:len(ticket.Table)-1] // no escalate action
	if bad.Validate() == nil {
		t.Error("an escalating state without an escalate action passes")
	}
}

// TestTicketFlow runs one item through its whole table on an injected
// clock: transfer, a missed acceptance that escalates a tier, late
// acceptance, feedback, a return, feedback again, evaluation; and checks
// the tallies the evaluation reads.
func TestTicketFlow(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	it := e.open("grid")
	if it.State != "new" || it.ReporterID != "gw" || it.DueAt != nil {
		t.Fatalf("opened %+v", it)
	}
	// The linked department neither sees nor acts before it is assigned.
	_, err := e.eng.Find(e.as("law"), it.ID)
	wantCode(t, err, precinct.ENOTFOUND)
	_, err = e.act("grid", it.ID, precinct.WorkRequest{Action: "transfer", Assignee: "dept:law"})
	wantCode(t, err, precinct.EFORBIDDEN)
	_, err = e.act("cmd1", it.ID, precinct.WorkRequest{Action: "transfer"})
	wantCode(t, err, precinct.EINVALID)
	_, err = e.act("cmd1", it.ID, precinct.WorkRequest{Action: "transfer", Assignee: "dept:nope"})
	wantCode(t, err, precinct.EINVALID)
	_, err = e.act("cmd1", it.ID, precinct.WorkRequest{Action: "accept"})
	wantCode(t, err, precinct.ECONFLICT)
	it = e.mustAct("cmd1", it.ID, precinct.WorkRequest{Action: "transfer", Assignee: "dept:law"})
	if it.DueAt == nil || !it.DueAt.Equal(t0.Add(time.Hour)) || it.DueStep != "accept" {
		t.Fatalf("deadline %v %s, want an hour for an urgent item", it.DueAt, it.DueStep)
	}
	if _, err := e.eng.Find(e.as("law"), it.ID); err != nil {
		t.Fatalf("the department cannot read its item: %v", err)
	}
	_, err = e.act("market", it.ID, precinct.WorkRequest{Action: "accept"})
	wantCode(t, err, precinct.ENOTFOUND)
	_, err = e.act("cmd2", it.ID, precinct.WorkRequest{Action: "transfer", Assignee: "dept:market"})
	wantCode(t, err, precinct.ENOTFOUND)
	_, err = e.act("cmd1", it.ID, precinct.WorkRequest{Action: precinct.ActionEscalate})
	wantCode(t, err, precinct.EFORBIDDEN)

	// The hour passes: the sweep escalates it once, and it starts again.
	e.clock.Add(59 * time.Minute)
	if n, err := e.eng.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("sweep before the deadline: %d %v", n, err)
	}
	e.clock.Add(2 * time.Minute)
	if n, err := e.eng.Sweep(context.Background()); err != nil || n != 1 {
		t.Fatalf("sweep after the deadline: %d %v", n, err)
	}
	if n, _ := e.eng.Sweep(context.Background()); n != 0 {
		t.Fatalf("a second sweep changed %d", n)
	}
	it, _ = e.eng.Find(e.as("district"), it.ID)
	if it.Tier != precinct.TierDistrict || it.DueAt == nil || !it.DueAt.After(e.clock.Now()) {
		t.Fatalf("after escalation: tier %d, due %v", it.Tier, it.DueAt)
	}
	// The officer's daily tasks show the overdue item until checked on.
	day := precinct.DayStart(e.clock.Now())
	tasks, err := workflow.Tasks{Engine: e.eng}.Tasks(context.Background(), precinct.TaskQuery{Scope: precinct.ScopeOf(e.users["officer"]), Day: day})
	if err != nil || len(tasks) != 1 || tasks[0].Step != "urge" || !tasks[0].Overdue {
		t.Fatalf("tasks %+v %v", tasks, err)
	}
	e.mustAct("officer", it.ID, precinct.WorkRequest{Action: "urge", Note: "已电话督促"})
	tasks, _ = workflow.Tasks{Engine: e.eng}.Tasks(context.Background(), precinct.TaskQuery{Scope: precinct.ScopeOf(e.users["officer"]), Day: day})
	if len(tasks) != 0 {
		t.Fatalf("tasks after checking on it: %+v", tasks)
	}
	// Escalated again once more: the highest tier only marks it overdue.
	e.clock.Add(2 * time.Hour)
	if n, _ := e.eng.Sweep(context.Background()); n != 1 {
		t.Fatal("the sweep did not mark the item overdue")
	}
	it, _ = e.eng.Find(e.as("district"), it.ID)
	if it.Tier != precinct.TierDistrict || !it.Overdue {
		t.Fatalf("tier %d overdue %v", it.Tier, it.Overdue)
	}

	it = e.mustAct("law", it.ID, precinct.WorkRequest{Action: "accept"})
	if it.State != "accepted" || it.Overdue || it.DueStep != "finish" {
		t.Fatalf("accepted %+v", it)
	}
	_, err = e.act("law", it.ID, precinct.WorkRequest{Action: "finish"})
	wantCode(t, err, precinct.EINVALID)
	png := []byte("\x89PNG\r\n\x1a\n0000")
	_, err = e.act("law", it.ID, precinct.WorkRequest{Action: "finish", Note: "已处理", Photos: []precinct.PhotoUpload{{Data: []byte("<script>")}}})
	wantCode(t, err, precinct.EINVALID)
	it = e.mustAct("law", it.ID, precinct.WorkRequest{Action: "finish", Note: "已补装井盖", Photos: []precinct.PhotoUpload{{Data: png}}})
	it = e.mustAct("grid", it.ID, precinct.WorkRequest{Action: "return", Note: "井盖尺寸不符，仍有隐患"})
	if it.State != "accepted" || it.Returns != 1 {
		t.Fatalf("returned %+v", it)
	}
	it = e.mustAct("law", it.ID, precinct.WorkRequest{Action: "finish", Note: "已更换合适井盖"})
	_, err = e.act("grid", it.ID, precinct.WorkRequest{Action: "evaluate"})
	wantCode(t, err, precinct.EINVALID)
	it = e.mustAct("officer", it.ID, precinct.WorkRequest{Action: "evaluate", Satisfied: yes()})
	if it.State != "closed" || it.ClosedAt == nil || it.DueAt != nil || it.Satisfied == nil || !*it.Satisfied {
		t.Fatalf("closed %+v", it)
	}
	tl, err := e.eng.Timeline(e.as("law"), it.ID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range tl {
		types = append(types, ev.Type)
	}
	want := "[ticket.opened ticket.transfer ticket.escalate ticket.urge ticket.overdue ticket.accept ticket.finish ticket.return ticket.finish ticket.evaluate]"
	if got := fmtList(types); got != want {
		t.Errorf("timeline %s\nwant     %s", got, want)
	}
	counts, err := e.eng.Counts(e.as("district"), precinct.WorkCountFilter{Kind: "ticket", ByAssignee: true})
	if err != nil {
		t.Fatal(err)
	}
	var law precinct.WorkTally
	for _, c := range counts {
		if c.Assignee == "dept:law" {
			law = c.Tally
		}
	}
	for m, n := range map[precinct.WorkMetric]int{precinct.MetricAssigned: 1, precinct.MetricEscalated: 1, precinct.MetricAccepted: 1,
		precinct.MetricAcceptedLate: 1, precinct.MetricDone: 2, precinct.MetricDoneLate: 0, precinct.MetricReturned: 1,
		precinct.MetricEvaluated: 1, precinct.MetricSatisfied: 1, precinct.MetricClosed: 1} {
		if law.Get(m) != n {
			t.Errorf("law %s = %d, want %d", m, law.Get(m), n)
		}
	}
	// The market department's account reads none of the law department's tallies.
	counts, _ = e.eng.Counts(e.as("market"), precinct.WorkCountFilter{Kind: "ticket", ByAssignee: true})
	if len(counts) != 0 {
		t.Errorf("market reads %+v", counts)
	}
}

func fmtList(ss []string) string {
	out := "["
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out + "]"
}

func TestIdempotentAction(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	it := e.open("grid")
	req := precinct.WorkRequest{Action: "transfer", Assignee: "dept:law", IdempotencyKey: "k-1"}
	a := e.mustAct("cmd1", it.ID, req)
	b := e.mustAct("cmd1", it.ID, req)
	if a.Version != b.Version {
		t.Fatalf("the resent action applied again: version %d then %d", a.Version, b.Version)
	}
	_, err := e.act("cmd1", it.ID, precinct.WorkRequest{Action: "urge", IdempotencyKey: "k-1"})
	wantCode(t, err, precinct.ECONFLICT)
	tl, _ := e.eng.Timeline(e.as("cmd1"), it.ID)
	if len(tl) != 2 {
		t.Errorf("%d events, want 2", len(tl))
	}
}

// TestSweepOnTwoNodes runs two engines over one database at once: an item
// past its deadline is escalated exactly once.
func TestSweepOnTwoNodes(t *testing.T) {
	stores := map[string]func(t *testing.T) *sqldb.DB{"sqlite": openSQLite}
	if dsn := os.Getenv("PRECINCT_TEST_POSTGRES"); dsn != "" {
		stores["postgres"] = func(t *testing.T) *sqldb.DB {
			url, drop, err := sqldb.NewSchema(context.Background(), dsn, "workflow_test")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { drop() })
			db, err := sqldb.Open(context.Background(), url, sqldb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, open(t))
			var ids []string
			for range 20 {
				it := e.open("grid")
				e.mustAct("cmd1", it.ID, precinct.WorkRequest{Action: "transfer", Assignee: "dept:law"})
				ids = append(ids, it.ID)
			}
			e.clock.Add(90 * time.Minute)
			other := &workflow.Engine{Store: e.store, Clock: e.clock, Kinds: e.eng.Kinds}
			var wg sync.WaitGroup
			counts := make([]int, 2)
			for i, eng := range []*workflow.Engine{e.eng, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := eng.Sweep(context.Background())
					if err != nil {
						t.Error(err)
					}
					counts[i] = n
				}()
			}
			wg.Wait()
			if counts[0]+counts[1] != 20 {
				t.Errorf("the nodes changed %d and %d items, want 20 in all", counts[0], counts[1])
			}
			for _, id := range ids {
				tl, _ := e.eng.Timeline(e.as("cmd1"), id)
				n := 0
				for _, ev := range tl {
					if ev.Type == "ticket.escalate" {
						n++
					}
				}
				if n != 1 {
					t.Fatalf("item %s escalated %d times", id, n)
				}
			}
		})
	}
}

// TestContactsSealed: the phone of a person named in an item is stored
// sealed, shown masked, and opened only for a full read, which is audited.
func TestContactsSealed(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	spec, err := vault.Generate("k1")
	if err != nil {
		t.Fatal(err)
	}
	if e.eng.Vault, err = vault.Parse(spec); err != nil {
		t.Fatal(err)
	}
	it := &precinct.WorkItem{Kind: "ticket", Title: "噪音", Location: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"}}
	it, _, err = e.eng.Open(e.as("grid"), it, nil, []precinct.WorkContact{{Role: "reporter", Name: "赵", Phone: "13912345678", IDNumber: "500114199001011234"}})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.WorkContacts(context.Background(), it.ID)
	if err != nil || len(stored) != 1 || stored[0].Phone == "13912345678" || stored[0].Phone == "" || stored[0].IDNumber == "500114199001011234" {
		t.Fatalf("stored contact %+v %v", stored, err)
	}
	masked, err := e.eng.MaskedContacts(e.as("cmd1"), it.ID)
	if err != nil || masked[0].Phone != "139****5678" {
		t.Fatalf("masked %+v %v", masked, err)
	}
	_, err = e.eng.Contacts(e.as("cmd1"), it.ID, "", "127.0.0.1")
	wantCode(t, err, precinct.EINVALID)
	full, err := e.eng.Contacts(e.as("cmd1"), it.ID, "回访核实", "127.0.0.1")
	if err != nil || full[0].Phone != "13912345678" || full[0].IDNumber != "500114199001011234" {
		t.Fatalf("full %+v %v", full, err)
	}
	audit, _, _ := e.store.ListAudit(context.Background(), precinct.AuditFilter{Scope: precinct.Everywhere, EntityID: it.ID})
	if len(audit) != 1 || audit[0].Actor != "u2" || audit[0].Reason != "回访核实" || audit[0].SubBureauID != "sb1" {
		t.Errorf("audit %+v", audit)
	}
	_, err = e.eng.Contacts(e.as("grid"), it.ID, "好奇", "127.0.0.1")
	wantCode(t, err, precinct.EFORBIDDEN)
}
