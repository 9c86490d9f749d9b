package prevention_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/geo"
	"precinct/prevention"
	"precinct/registry"
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

var t0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 09:00 in China

// env is the prevention service over a real store with the storetest
// fixture (sb1: st1 with pg1, officer1 = u3 its community officer; st2
// with pg2), a registry of a few residents, the dispatch service's routing
// rules, and the workflow engine.
type env struct {
	t     *testing.T
	store *sqldb.DB
	clock *clock
	svc   *prevention.Service
	reg   *registry.Service
	disp  *dispatch.Service
	users map[string]*precinct.User
	// Residents: 王秀英 in cg1 (pg1) with an ID number and a phone;
	// 刘建国 in cg1 with a phone only; 陈桂兰 in cg3 (pg2) with a name
	// and address only.
	wang, liu, chen string
	room501         string
}

// Personal data of the residents.
var (
	wangID    = validID("19520314", "042")
	wangPhone = "13912340001"
	liuPhone  = "13912340002"
)

// badCheck returns id with a wrong check character.
func badCheck(id string) string {
	if id[17] == '0' {
		return id[:17] + "1"
	}
	return id[:17] + "0"
}

func validID(birth, seq string) string {
	body := "500114" + birth + seq
	return body + string(registry.IDCheckChar(body))
}

// engines runs fn on SQLite and, when PRECINCT_TEST_POSTGRES is set, on
// PostgreSQL.
func engines(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("PRECINCT_TEST_POSTGRES")
		if base == "" {
			t.Skip("PRECINCT_TEST_POSTGRES not set")
		}
		dsn, drop, err := sqldb.NewSchema(context.Background(), base, "prevention_test")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = drop() })
		db, err := sqldb.Open(context.Background(), dsn, sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, db)
	})
}

func newEnv(t *testing.T, db *sqldb.DB) *env {
	t.Helper()
	ctx := context.Background()
	j := storetest.Fixture()
	st1 := precinct.Location{SubBureauID: "sb1", StationID: "st1"}
	j.Users = append(j.Users,
		&precinct.User{ID: "admin", Username: "admin", Role: precinct.RoleAdmin},
		&precinct.User{ID: "cmd2", Username: "cmd2", Role: precinct.RoleCommand, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st2"}},
		&precinct.User{ID: "case1", Username: "case1", Role: precinct.RoleCase, Scope: st1},
		&precinct.User{ID: "officer2", Username: "officer2", Role: precinct.RoleCommunity, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2"}, PersonID: "p2"},
		&precinct.User{ID: "chief1", Username: "chief1", Role: precinct.RoleChief, Scope: st1},
	)
	if err := db.ImportJurisdiction(ctx, j); err != nil {
		t.Fatal(err)
	}
	pgs, cgs, _ := db.AllGrids(ctx)
	spec, _ := vault.Generate("k1")
	v, _ := vault.Parse(spec)
	c := &clock{t: t0}
	resolver := geo.NewResolver(j.Stations, pgs, cgs)
	kinds, err := workflow.NewKinds(prevention.DissuasionKind, prevention.PublicityKind)
	if err != nil {
		t.Fatal(err)
	}
	eng := &workflow.Engine{Store: db, Clock: c, Kinds: kinds, Vault: v}
	disp := &dispatch.Service{Store: db, Resolver: resolver, Clock: c}
	e := &env{t: t, store: db, clock: c, users: map[string]*precinct.User{}, disp: disp,
		svc: &prevention.Service{Engine: eng, Vault: v, Router: disp, Resolver: resolver},
		reg: &registry.Service{Store: db, Vault: v, Resolver: resolver, Clock: c}}
	for _, u := range j.Users {
		e.users[u.Username] = u
	}
	admin := e.as("admin")
	add := func(parent string, level precinct.AddressLevel, name, code string, p precinct.Point) string {
		a, err := e.reg.CreateAddress(admin, precinct.AddressInput{ParentID: parent, Level: level, Name: name, DivisionCode: code, Point: &p})
		if err != nil {
			t.Fatalf("address %s: %v", name, err)
		}
		return a.ID
	}
	inCG1, inCG3 := precinct.Point{Lon: 108.1, Lat: 29.1}, precinct.Point{Lon: 108.6, Lat: 29.1}
	d := add("", precinct.AddressDistrict, "测试区", "500199", inCG1)
	tw := add(d, precinct.AddressTownship, "城东街道", "500199001", inCG1)
	co := add(tw, precinct.AddressCommunity, "文汇社区", "500199001001", inCG1)
	cp := add(co, precinct.AddressCompound, "阳光小区", "", inCG1)
	b := add(cp, precinct.AddressBuilding, "3栋", "", inCG1)
	e.room501 = add(b, precinct.AddressRoom, "501", "", inCG1)
	tw2 := add(d, precinct.AddressTownship, "城西街道", "500199002", inCG3)
	co2 := add(tw2, precinct.AddressCommunity, "石家村", "500199002001", inCG3)
	b9 := add(co2, precinct.AddressBuilding, "9号", "", inCG3)
	s := func(v string) *string { return &v }
	flags := []precinct.CareFlag{precinct.CareElderlyAlone}
	r, err := e.reg.CreateResident(admin, precinct.ResidentInput{Name: s("王秀英"), IDNumber: s(wangID), Phone: s(wangPhone), AddressID: &e.room501, Flags: &flags})
	if err != nil {
		t.Fatal(err)
	}
	e.wang = r.ID
	if r, err = e.reg.CreateResident(admin, precinct.ResidentInput{Name: s("刘建国"), Phone: s(liuPhone), AddressID: &e.room501}); err != nil {
		t.Fatal(err)
	}
	e.liu = r.ID
	if r, err = e.reg.CreateResident(admin, precinct.ResidentInput{Name: s("陈桂兰"), AddressID: &b9}); err != nil {
		t.Fatal(err)
	}
	e.chen = r.ID
	return e
}

func (e *env) as(username string) context.Context {
	u := e.users[username]
	if u == nil {
		e.t.Fatalf("no user %s", username)
	}
	return precinct.NewContextWithUser(context.Background(), u)
}

func (e *env) warnings() int {
	ws, _, err := e.store.ListWarnings(context.Background(), precinct.WarningFilter{Scope: precinct.Everywhere, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ws)
}

func (e *env) task(id string) *precinct.WorkItem {
	it, err := e.store.FindWork(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return it
}

func code(err error) string { return precinct.ErrorCode(err) }

// TestSeed004WarningsGoToTheGridOfficerAsDissuasionTasks follows seed 004:
// the anti-fraud platform picks out people likely to be defrauded, each is
// matched to a police grid, and a dissuasion task goes point to point to
// that grid's community officer — by the routing rules, not to the case
// team. Matching tries the ID number, then the phone, then name and
// address; who matches nobody waits in the sub-bureau's triage queue with
// the reason.
func TestSeed004WarningsGoToTheGridOfficerAsDissuasionTasks(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		// The routing rules themselves: an incident from the anti-fraud
		// platform goes to the community office, not the case team.
		rt, err := e.disp.RouteWarning(context.Background(), precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1"})
		if err != nil || rt.RuleID != dispatch.RuleAntiFraud || rt.Handler != precinct.HandlerCommunity || !strings.Contains(rt.Reason, "[004]") && !strings.Contains(rt.Reason, "004") {
			t.Fatalf("route of a warning: %+v %v", rt, err)
		}
		res, err := e.svc.Intake(e.as("dispatcher"), prevention.Batch{Warnings: []prevention.WarningInput{
			{Ref: "FZ-1", FraudType: "impersonating_police", Level: precinct.LevelTransferring, Name: "王秀英", IDNumber: wangID, Amount: 50000},
			{Ref: "FZ-2", FraudType: "investment", Level: precinct.LevelHigh, Phone: "+86 139 1234 0002"},
			{Ref: "FZ-3", FraudType: "loan", Name: "陈桂兰", Address: "城西街道石家村9号"},
			{Ref: "FZ-4", FraudType: "shopping_refund", Name: "赵某", Phone: "13700000000"},
		}}, "json")
		if err != nil {
			t.Fatalf("intake: %v %+v", err, res)
		}
		if res.Received != 4 || res.Pushed != 3 || res.Triage != 1 {
			t.Fatalf("result %+v", res)
		}
		want := []struct {
			by, grid string
			assignee precinct.Assignee
		}{{precinct.MatchIDNumber, "pg1", "user:u3"}, {precinct.MatchPhone, "pg1", "user:u3"}, {precinct.MatchNameAddress, "pg2", "user:officer2"}}
		for i, w := range want {
			row := res.Rows[i]
			if row.Status != "pushed" || row.MatchedBy != w.by || row.TaskID == "" {
				t.Fatalf("row %d: %+v", i+1, row)
			}
			it := e.task(row.TaskID)
			if it.Kind != prevention.Kind || it.Location.PoliceGridID != w.grid || it.Assignee != w.assignee {
				t.Errorf("row %d: task %s at %s for %s, want dissuasion at %s for %s", i+1, it.Kind, it.Location.PoliceGridID, it.Assignee, w.grid, w.assignee)
			}
			if _, team, ok := it.Assignee.Team(); ok && team == precinct.TeamCase {
				t.Errorf("row %d went to the case team", i+1)
			}
			var d prevention.Task
			_ = json.Unmarshal(it.Data, &d)
			if d.RuleID != dispatch.RuleAntiFraud || d.WarningID != row.WarningID {
				t.Errorf("row %d: task record %+v", i+1, d)
			}
		}
		// Deadlines by level: minutes for a transfer under way, hours otherwise.
		if it := e.task(res.Rows[0].TaskID); it.DueAt == nil || it.DueAt.Sub(t0) != 15*time.Minute || it.Urgency != precinct.UrgencyUrgent {
			t.Errorf("transferring: due %v urgency %d", it.DueAt, it.Urgency)
		}
		if it := e.task(res.Rows[1].TaskID); it.DueAt == nil || it.DueAt.Sub(t0) != 2*time.Hour {
			t.Errorf("high: due %v", it.DueAt)
		}
		tri := res.Rows[3]
		if tri.Status != "triage" || tri.TaskID != "" || tri.Reason == "" {
			t.Fatalf("unmatched: %+v", tri)
		}
		// The triage queue is the sub-bureau's: a station's command office
		// does not see it; the anti-fraud centre (dispatcher) does.
		if _, err := e.svc.Find(e.as("cmd1"), tri.WarningID); code(err) != precinct.ENOTFOUND {
			t.Errorf("station reads a warning in triage: %v", err)
		}
		v, err := e.svc.Find(e.as("dispatcher"), tri.WarningID)
		if err != nil || v.Reason == "" || v.Phone != "137****0000" {
			t.Fatalf("triage warning: %+v %v", v, err)
		}
		// The officer of pg1 reads their warnings; the other grid's officer not.
		if _, err := e.svc.Find(e.as("officer1"), res.Rows[0].WarningID); err != nil {
			t.Errorf("officer1: %v", err)
		}
		if _, err := e.svc.Find(e.as("officer2"), res.Rows[0].WarningID); code(err) != precinct.ENOTFOUND {
			t.Errorf("officer2 reads pg1's warning: %v", err)
		}
		// The officer's daily tasks hold the dissuasion.
		tasks, err := workflow.Tasks{Engine: e.svc.Engine}.Tasks(e.as("officer1"), precinct.TaskQuery{Scope: precinct.ScopeOf(e.users["officer1"]), Day: precinct.DayStart(t0)})
		if err != nil || len(tasks) != 2 || tasks[0].Kind != prevention.Kind {
			t.Errorf("officer1's tasks: %+v %v", tasks, err)
		}
		// Placing the triage warning by hand pushes it to pg2's officer.
		if _, err := e.svc.Place(e.as("cmd1"), tri.WarningID, prevention.PlaceInput{PoliceGridID: "pg2", Version: 1}); code(err) != precinct.ENOTFOUND {
			t.Errorf("station places a triage warning: %v", err)
		}
		v, err = e.svc.Place(e.as("dispatcher"), tri.WarningID, prevention.PlaceInput{PoliceGridID: "pg2", Version: 1})
		if err != nil || v.Status != precinct.WarningPushed || v.Task == nil || v.Task.Assignee != "user:officer2" || v.MatchedBy != precinct.MatchTriage {
			t.Fatalf("place: %+v %v", v, err)
		}
		if _, err := e.svc.Place(e.as("dispatcher"), tri.WarningID, prevention.PlaceInput{PoliceGridID: "pg2", Version: 2}); code(err) != precinct.ECONFLICT {
			t.Errorf("placed twice: %v", err)
		}
	})
}

// TestBatchIsAllOrNothing: one bad row refuses the whole batch with a
// report of every bad row, and writes nothing; a batch sent again is
// reported as duplicates, not written twice.
func TestBatchIsAllOrNothing(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		ctx := e.as("dispatcher")
		good := prevention.WarningInput{Ref: "A-1", FraudType: "investment", Phone: wangPhone}
		res, err := e.svc.Intake(ctx, prevention.Batch{Warnings: []prevention.WarningInput{
			good,
			{Ref: "A-2", FraudType: "loan", IDNumber: badCheck(wangID)},
			{Ref: "A-3", FraudType: "loan", Level: "whenever", Phone: liuPhone},
			{Ref: "A-1", FraudType: "loan", Phone: liuPhone}, // the same ref twice
			{Ref: "", FraudType: "loan", Phone: liuPhone},
		}}, "json")
		if !errors.Is(err, prevention.ErrBatch) || res == nil || len(res.Errors) != 4 {
			t.Fatalf("bad batch: %v %+v", err, res)
		}
		for i, f := range []string{"id_number", "level", "ref", "ref"} {
			if re := res.Errors[i]; re.Field != f || re.Row != i+2 || re.Message == "" || re.MessageEN == "" {
				t.Errorf("error %d: %+v", i, re)
			}
		}
		if n := e.warnings(); n != 0 {
			t.Fatalf("a refused batch wrote %d warnings", n)
		}
		if _, _, err := e.store.ListWork(context.Background(), precinct.WorkFilter{Scope: precinct.Everywhere}); err != nil {
			t.Fatal(err)
		}
		res, err = e.svc.Intake(ctx, prevention.Batch{Warnings: []prevention.WarningInput{good}}, "json")
		if err != nil || res.Pushed != 1 {
			t.Fatalf("good batch: %v %+v", err, res)
		}
		res, err = e.svc.Intake(ctx, prevention.Batch{Warnings: []prevention.WarningInput{good, {Ref: "A-5", FraudType: "loan", Phone: liuPhone}}}, "json")
		if err != nil || res.Duplicates != 1 || res.Pushed != 1 || res.Rows[0].Status != "duplicate" {
			t.Fatalf("resent: %v %+v", err, res)
		}
		if n := e.warnings(); n != 2 {
			t.Fatalf("%d warnings stored, want 2", n)
		}
		// Roles and places: a community officer takes no warnings in; an
		// account of one sub-bureau none for another.
		if _, err := e.svc.Intake(e.as("officer1"), prevention.Batch{Warnings: []prevention.WarningInput{good}}, "json"); code(err) != precinct.EFORBIDDEN {
			t.Errorf("officer intake: %v", err)
		}
		if _, err := e.svc.Intake(ctx, prevention.Batch{SubBureauID: "sb2", Warnings: []prevention.WarningInput{good}}, "json"); code(err) != precinct.EFORBIDDEN {
			t.Errorf("intake for another sub-bureau: %v", err)
		}
	})
}

// TestDissuasionOutcomeEscalationAndHistory: the officer reports the
// outcome; a task not done in time escalates to the station's command
// office, which may then report it; a person warned again shows their
// earlier warnings; personal data is masked, and read in full only with a
// reason, audited.
func TestDissuasionOutcomeEscalationAndHistory(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		res, err := e.svc.Intake(e.as("dispatcher"), prevention.Batch{Warnings: []prevention.WarningInput{
			{Ref: "B-1", FraudType: "impersonating_police", Level: precinct.LevelTransferring, IDNumber: wangID, Amount: 80000},
			{Ref: "B-2", FraudType: "part_time", Level: precinct.LevelHigh, Phone: liuPhone},
		}}, "json")
		if err != nil {
			t.Fatal(err)
		}
		t1, t2 := res.Rows[0].TaskID, res.Rows[1].TaskID
		out := func(o prevention.Outcome) json.RawMessage { b, _ := json.Marshal(o); return b }
		report := precinct.WorkRequest{Action: prevention.ActionReport, Data: out(prevention.Outcome{Contact: prevention.ContactPhone, Dissuaded: true})}
		if _, err := e.svc.Act(e.as("officer2"), t1, report); code(err) != precinct.ENOTFOUND {
			t.Errorf("another grid's officer reports: %v", err)
		}
		if _, err := e.svc.Act(e.as("case1"), t1, report); code(err) != precinct.EFORBIDDEN {
			t.Errorf("the case team reports: %v", err)
		}
		bad := precinct.WorkRequest{Action: prevention.ActionReport, Data: out(prevention.Outcome{Contact: prevention.ContactPhone, Lost: 3000})}
		if _, err := e.svc.Act(e.as("officer1"), t1, bad); code(err) != precinct.EINVALID {
			t.Errorf("a loss not referred: %v", err)
		}
		e.clock.Add(5 * time.Minute)
		it, err := e.svc.Act(e.as("officer1"), t1, report)
		if err != nil || it.State != prevention.StateReported || it.ClosedAt == nil {
			t.Fatalf("report: %+v %v", it, err)
		}
		v, err := e.svc.Find(e.as("officer1"), res.Rows[0].WarningID)
		if err != nil || v.Outcome == nil || !v.Outcome.Dissuaded || v.Outcome.ReachedAt.Sub(t0) != 5*time.Minute {
			t.Fatalf("warning after the report: %+v %v", v, err)
		}
		// B-2 is not reported in two hours: it escalates to st1's command office.
		e.clock.Add(2 * time.Hour)
		if n, err := e.svc.Engine.Sweep(context.Background()); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		it = e.task(t2)
		if it.Tier != 1 || it.Assignee != precinct.TeamAssignee("st1", precinct.TeamCommand) || !it.Late {
			t.Fatalf("escalated: tier %d assignee %s", it.Tier, it.Assignee)
		}
		lost := precinct.WorkRequest{Action: prevention.ActionReport, Data: out(prevention.Outcome{Contact: prevention.ContactInPerson, Lost: 3000, Referred: true})}
		if _, err := e.svc.Act(e.as("cmd1"), t2, lost); err != nil {
			t.Fatalf("command office reports: %v", err)
		}
		// The same person warned again: the task says so, and the person's
		// record holds both warnings.
		e.clock.Add(24 * time.Hour)
		res2, err := e.svc.Intake(e.as("dispatcher"), prevention.Batch{Warnings: []prevention.WarningInput{
			{Ref: "B-3", FraudType: "investment", Phone: wangPhone, IDNumber: wangID}}}, "json")
		if err != nil {
			t.Fatal(err)
		}
		if it := e.task(res2.Rows[0].TaskID); !strings.Contains(it.Title, "第 2 次") {
			t.Errorf("repeated warning's title %q", it.Title)
		}
		v, err = e.svc.Find(e.as("officer1"), res2.Rows[0].WarningID)
		if err != nil || v.Earlier != 1 || len(v.History) != 2 {
			t.Fatalf("history: %+v %v", v, err)
		}
		raw, _ := json.Marshal(v)
		for _, clear := range []string{wangID, wangPhone} {
			if strings.Contains(string(raw), clear) {
				t.Errorf("the warning shows %s in clear", clear)
			}
		}
		if _, err := e.svc.Reveal(e.as("officer1"), v.ID, "", ""); code(err) != precinct.EFORBIDDEN && code(err) != precinct.EINVALID {
			t.Errorf("reveal without reason: %v", err)
		}
		p, err := e.svc.Reveal(e.as("cmd1"), v.ID, "劝阻回访", "127.0.0.1")
		if err != nil || p.IDNumber != wangID || p.Phone != wangPhone {
			t.Fatalf("reveal: %+v %v", p, err)
		}
		audit, _, err := e.store.ListAudit(context.Background(), precinct.AuditFilter{Scope: precinct.Everywhere, EntityID: v.ID})
		if err != nil || len(audit) != 1 || audit[0].Reason != "劝阻回访" {
			t.Errorf("the full read is not audited: %+v %v", audit, err)
		}
	})
}

// TestFiguresAddUp: pushed, reached, dissuaded, losses avoided and time to
// reach by month with the same month a year before, by station, grid and
// fraud type, the triage queue, and the seeds' reference reach rate.
func TestFiguresAddUp(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.clock.t = t0.AddDate(-1, 0, 0)
		in := func(ref string, ws ...prevention.WarningInput) []prevention.RowResult {
			t.Helper()
			res, err := e.svc.Intake(e.as("dispatcher"), prevention.Batch{Warnings: ws}, "json")
			if err != nil {
				t.Fatal(err)
			}
			return res.Rows
		}
		report := func(task string, o prevention.Outcome) {
			t.Helper()
			b, _ := json.Marshal(o)
			if _, err := e.svc.Act(e.as("admin"), task, precinct.WorkRequest{Action: prevention.ActionReport, Data: b}); err != nil {
				t.Fatal(err)
			}
		}
		last := in("ly", prevention.WarningInput{Ref: "LY-1", FraudType: "loan", Phone: liuPhone})
		e.clock.Add(10 * time.Minute)
		report(last[0].TaskID, prevention.Outcome{Contact: prevention.ContactPhone})
		e.clock.t = t0
		rows := in("now",
			prevention.WarningInput{Ref: "N-1", FraudType: "impersonating_police", Level: precinct.LevelTransferring, IDNumber: wangID, Amount: 50000},
			prevention.WarningInput{Ref: "N-2", FraudType: "investment", Phone: liuPhone, Amount: 20000},
			prevention.WarningInput{Ref: "N-3", FraudType: "loan", Name: "陈桂兰", Address: "石家村9号"},
			prevention.WarningInput{Ref: "N-4", FraudType: "loan", Name: "无名", Phone: "13700000001"})
		e.clock.Add(6 * time.Minute)
		report(rows[0].TaskID, prevention.Outcome{Contact: prevention.ContactPhone, Dissuaded: true})
		e.clock.Add(14 * time.Minute)
		report(rows[1].TaskID, prevention.Outcome{Contact: prevention.ContactInPerson, Lost: 5000, Referred: true})
		from := time.Date(2026, 3, 1, 0, 0, 0, 0, precinct.CST)
		f, err := e.svc.Figures(e.as("dispatcher"), prevention.FigureFilter{From: from, To: from.AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		tot := f.Total
		if tot.Pushed != 3 || tot.Reached != 2 || tot.Dissuaded != 1 || tot.Open != 1 || tot.Referred != 1 || tot.LossesAvoided != 50000 || tot.Lost != 5000 {
			t.Fatalf("total %+v", tot)
		}
		if *tot.MinutesToReach != 13 || *tot.ReachRate != 2.0/3 {
			t.Errorf("minutes to reach %v, reach rate %v", *tot.MinutesToReach, *tot.ReachRate)
		}
		if f.Triage != 1 || len(f.ByMonth) != 1 || f.ByMonth[0].Pushed != 3 || f.ByMonth[0].LastYear.Pushed != 1 || f.LastYear.Reached != 1 {
			t.Errorf("triage %d, months %+v, last year %+v", f.Triage, f.ByMonth, f.LastYear)
		}
		if len(f.ByStation) != 2 || f.ByStation[0].Key != "st1" || f.ByStation[0].Pushed != 2 || f.ByStation[0].Label != "一所" {
			t.Errorf("by station %+v", f.ByStation)
		}
		if len(f.ByFraudType) != 3 || f.ByGrid[0].Key != "pg1" {
			t.Errorf("by fraud type %+v, by grid %+v", f.ByFraudType, f.ByGrid)
		}
		if r := f.Reference.ReachRate; r < 0.648 || r > 0.65 {
			t.Errorf("reference %v", r)
		}
		// A station sees its own figures only, and no triage queue.
		f, err = e.svc.Figures(e.as("cmd2"), prevention.FigureFilter{From: from, To: from.AddDate(0, 1, 0)})
		if err != nil || f.Total.Pushed != 1 || f.Triage != 0 {
			t.Errorf("station st2: %+v %v", f, err)
		}
	})
}

// TestWarningEventsKeepToTheReadRule: the stream's rule of warnings is
// Find's: a warning in triage reaches the sub-bureau's accounts only; a
// pushed one its grid's and station's.
func TestWarningEventsKeepToTheReadRule(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		if _, err := e.svc.Intake(e.as("dispatcher"), prevention.Batch{Warnings: []prevention.WarningInput{
			{Ref: "E-1", FraudType: "loan", IDNumber: wangID}, {Ref: "E-2", FraudType: "loan", Phone: "13700000002"}}}, "json"); err != nil {
			t.Fatal(err)
		}
		evs, err := db.ListEvents(context.Background(), precinct.EventFilter{Scope: precinct.Everywhere, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		rule := e.svc.EventRules()["warning"]
		heard := map[string]int{}
		for _, ev := range evs {
			if ev.EntityType != "warning" {
				continue
			}
			for _, u := range []string{"dispatcher", "cmd1", "officer1", "officer2", "cmd2"} {
				if rule(e.users[u], ev) != nil {
					heard[u]++
				}
			}
			if strings.Contains(string(ev.After), wangID) {
				t.Errorf("an event shows the ID number in clear")
			}
		}
		want := map[string]int{"dispatcher": 2, "cmd1": 1, "officer1": 1}
		for _, u := range []string{"dispatcher", "cmd1", "officer1", "officer2", "cmd2"} {
			if heard[u] != want[u] {
				t.Errorf("%s heard %d warning events, want %d", u, heard[u], want[u])
			}
		}
	})
}

// TestMatchingOrderAndAmbiguity: the ID number decides before the phone,
// the phone before the name and address; a number several residents share,
// or a name several residents at the address bear, is no match: the
// warning waits in triage with the reason.
func TestMatchingOrderAndAmbiguity(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		admin := e.as("admin")
		s := func(v string) *string { return &v }
		// 刘建国's son shares his phone; a second 陈桂兰 lives at 9号.
		if _, err := e.reg.CreateResident(admin, precinct.ResidentInput{Name: s("刘小军"), Phone: s(liuPhone), AddressID: &e.room501}); err != nil {
			t.Fatal(err)
		}
		chen, err := e.store.FindResident(context.Background(), e.chen)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.reg.CreateResident(admin, precinct.ResidentInput{Name: s("陈桂兰"), AddressID: &chen.AddressID}); err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.Intake(e.as("dispatcher"), prevention.Batch{Warnings: []prevention.WarningInput{
			{Ref: "M-1", FraudType: "loan", IDNumber: wangID, Phone: liuPhone}, // the ID number decides
			{Ref: "M-2", FraudType: "loan", Phone: liuPhone},                   // a shared number
			{Ref: "M-3", FraudType: "loan", Name: "陈桂兰", Address: "石家村9号"},     // two of that name there
			{Ref: "M-4", FraudType: "loan", Name: "王秀英", Address: "阳光小区3栋501"}, // name and address
			{Ref: "M-5", FraudType: "loan", Name: "王秀英", Phone: "13700000009", Address: "阳光小区3栋501"},
		}}, "json")
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ status, by, reason string }{
			{"pushed", precinct.MatchIDNumber, ""},
			{"triage", "", "相同的号码"},
			{"triage", "", "同名"},
			{"pushed", precinct.MatchNameAddress, ""},
			{"pushed", precinct.MatchNameAddress, ""}, // an unknown phone, then the name and address
		}
		for i, w := range want {
			r := res.Rows[i]
			if r.Status != w.status || r.MatchedBy != w.by || !strings.Contains(r.Reason, w.reason) || (w.reason == "") != (r.Reason == "") {
				t.Errorf("row %d: %+v, want %+v", i+1, r, w)
			}
		}
		v, err := e.svc.Find(e.as("dispatcher"), res.Rows[0].WarningID)
		if err != nil || v.ResidentID != e.wang {
			t.Errorf("M-1 matched %s, want 王秀英 %s (%v)", v.ResidentID, e.wang, err)
		}
	})
}
