package prevention_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"precinct"
	"precinct/prevention"
	"precinct/sqldb"
)

// incident stores an incident of a category at a point of a station, at a
// time.
func (e *env) incident(id, category, station, grid string, p precinct.Point, at time.Time) {
	e.t.Helper()
	loc := precinct.Location{SubBureauID: "sb1", StationID: station, PoliceGridID: grid}
	inc := &precinct.Incident{ID: id, Source: precinct.SourceCall110, Category: category, PlaceType: precinct.PlaceStreet, Point: p, Priority: 2,
		Status: precinct.IncidentReceived, Location: loc, ReceivedAt: at, UpdatedAt: at, Version: 1}
	ev := precinct.NewEvent(context.Background(), at, "incident.created", loc, "incident", id, nil, inc, nil)
	if _, _, err := e.store.CreateIncident(context.Background(), inc, []*precinct.Event{ev}); err != nil {
		e.t.Fatal(err)
	}
}

var png = []byte("\x89PNG\r\n\x1a\nphoto")

// TestSeed001TargetedPublicity: where one kind of incident clusters, the
// console proposes a publicity task for that grid's community officer,
// naming the cluster and its figures; the task done is recorded with
// photos and counted.
func TestSeed001TargetedPublicity(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.clock.t = time.Now() // incidents' facts are read up to now
		base := e.clock.Now().Add(-5 * 24 * time.Hour)
		for i := 0; i < 6; i++ { // "拉车门" thefts in one cell of pg1, in the evening
			at := time.Date(base.Year(), base.Month(), base.Day(), 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour * 24 / 6)
			at = time.Date(at.Year(), at.Month(), at.Day(), 12, 10*i, 0, 0, time.UTC) // 20:xx in China
			e.incident(fmt.Sprintf("th%d", i), "theft", "st1", "pg1", precinct.Point{Lon: 108.1011, Lat: 29.1012}, at)
		}
		for i := 0; i < 2; i++ { // scattered elsewhere: no cluster
			e.incident(fmt.Sprintf("ns%d", i), "noise", "st2", "pg2", precinct.Point{Lon: 108.6 + 0.01*float64(i), Lat: 29.1}, base)
		}
		ps, err := e.svc.Proposals(e.as("cmd1"), prevention.ProposalQuery{Days: 30, Min: 5})
		if err != nil || len(ps) != 1 {
			t.Fatalf("proposals: %+v %v", ps, err)
		}
		p := ps[0]
		if p.Category != "theft" || p.N != 6 || p.PoliceGridID != "pg1" || p.PeakHour != 20 || !strings.Contains(p.What, "6 起") || !strings.Contains(p.What, "盗窃") {
			t.Fatalf("proposal %+v", p)
		}
		if ps, _ := e.svc.Proposals(e.as("cmd2"), prevention.ProposalQuery{Days: 30, Min: 5}); len(ps) != 0 {
			t.Errorf("another station sees st1's cluster: %+v", ps)
		}
		if _, err := e.svc.Publicize(e.as("officer1"), prevention.PublicityInput{PoliceGridID: "pg1", Title: p.Title, What: p.What, Where: p.Where}); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
			t.Errorf("an officer assigns publicity: %v", err)
		}
		if _, err := e.svc.Publicize(e.as("cmd1"), prevention.PublicityInput{PoliceGridID: "pg2", Title: p.Title, What: p.What, Where: p.Where}); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
			t.Errorf("a station assigns publicity in another: %v", err)
		}
		it, err := e.svc.Publicize(e.as("cmd1"), prevention.PublicityInput{PoliceGridID: "pg1", Title: p.Title, What: p.What, Where: p.Where, Cluster: &p.Cluster})
		if err != nil || it.Assignee != "user:u3" || it.DueAt == nil || it.DueAt.Sub(it.OpenedAt) != prevention.PublicityWithin {
			t.Fatalf("publicize: %+v %v", it, err)
		}
		if ps, _ := e.svc.Proposals(e.as("cmd1"), prevention.ProposalQuery{Days: 30, Min: 5}); len(ps) != 1 || ps[0].TaskID != it.ID {
			t.Errorf("the proposal does not name its task: %+v", ps)
		}
		done := precinct.WorkRequest{Action: prevention.ActionDone, Note: "在阳光小区停车场发放防盗宣传资料，提醒锁好车门"}
		if _, err := e.svc.ActPublicity(e.as("officer1"), it.ID, done); precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("done without photos: %v", err)
		}
		done.Photos = []precinct.PhotoUpload{{ContentType: "image/png", Data: png}}
		if it, err = e.svc.ActPublicity(e.as("officer1"), it.ID, done); err != nil || it.State != prevention.StateDone {
			t.Fatalf("done: %+v %v", it, err)
		}
		cs, err := e.svc.Engine.Counts(e.as("cmd1"), precinct.WorkCountFilter{Kind: prevention.PublicityKindName, From: it.OpenedAt.AddDate(0, 0, -1), To: it.OpenedAt.AddDate(0, 0, 2), ByAssignee: true})
		if err != nil || len(cs) != 1 || cs[0].Tally.Get(precinct.MetricDone) != 1 || cs[0].Assignee != "user:u3" {
			t.Errorf("counted: %+v %v", cs, err)
		}
		// The performance list counts it for the officer.
		pc, err := prevention.Performance(db)[1].CountWork(context.Background(), precinct.OfficerWorkQuery{
			Officers: []precinct.Officer{{UserID: "u3"}}, From: it.OpenedAt.Add(-time.Hour), To: e.clock.Now().Add(time.Hour)})
		if err != nil || len(pc) != 1 || pc[0].Value != 1 || pc[0].Metric != prevention.MetricPublicity {
			t.Errorf("performance: %+v %v", pc, err)
		}
		photos, err := e.store.ListPhotos(context.Background(), it.ID)
		if err != nil || len(photos) != 1 {
			t.Errorf("photos: %d %v", len(photos), err)
		}
	})
}

// TestWarningNoticeToTheElderlyAloneAsCAP: a warning notice to the elderly
// living alone of a community goes out as a CAP 1.2 alert, and the
// community officer concerned gets a task to carry it.
func TestWarningNoticeToTheElderlyAloneAsCAP(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		as, _, err := e.store.ListAddresses(context.Background(), precinct.AddressFilter{Scope: precinct.Everywhere, Level: precinct.AddressCommunity})
		if err != nil {
			t.Fatal(err)
		}
		community := ""
		for _, a := range as {
			if a.Name == "文汇社区" {
				community = a.ID
			}
		}
		in := prevention.NoticeInput{Headline: "警惕冒充公检法诈骗", Description: "近期辖区多发冒充公检法诈骗，公检法不会电话办案，不存在“安全账户”。",
			Instruction: "接到此类电话请立即挂断并拨打 110。", AddressID: community, Category: precinct.CareElderlyAlone}
		if _, err := e.svc.SendNotice(e.as("cmd2"), in); precinct.ErrorCode(err) != precinct.ENOTFOUND {
			t.Errorf("another station sends to st1's community: %v", err)
		}
		n, err := e.svc.SendNotice(e.as("cmd1"), in)
		if err != nil {
			t.Fatal(err)
		}
		// 王秀英 lives alone there; 刘建国 does not count.
		if n.Residents != 1 || n.Grids["pg1"] != 1 || len(n.Tasks) != 1 || !strings.Contains(n.Area, "文汇社区") {
			t.Fatalf("notice %+v", n)
		}
		it := e.task(n.Tasks[0])
		if it.Kind != prevention.PublicityKindName || it.Assignee != "user:u3" || it.Category != "notice" {
			t.Errorf("officer's task %+v", it)
		}
		a, err := prevention.ParseCAP(strings.NewReader(n.CAP))
		if err != nil || a.Identifier != n.ID || a.Info[0].Headline != in.Headline || !strings.Contains(a.Info[0].Area[0].AreaDesc, "独居老人") {
			t.Fatalf("CAP: %v %s", err, n.CAP)
		}
		got, err := e.svc.FindNotice(e.as("officer1"), n.ID)
		if err != nil || got.CAP != n.CAP {
			t.Errorf("officer reads the notice: %v", err)
		}
		if _, err := e.svc.FindNotice(e.as("cmd2"), n.ID); precinct.ErrorCode(err) != precinct.ENOTFOUND {
			t.Errorf("another station reads it: %v", err)
		}
		if xmllint, err := exec.LookPath("xmllint"); err == nil || os.Getenv("CI") != "" {
			f := filepath.Join(t.TempDir(), "notice.xml")
			_ = os.WriteFile(f, []byte(n.CAP), 0o600)
			var out bytes.Buffer
			cmd := exec.Command(xmllint, "--noout", "--schema", "testdata/CAP-v1.2.xsd", f)
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Errorf("the notice fails the CAP 1.2 schema: %v %s", err, out.String())
			}
		}
	})
}

// TestSeed003JointAnalysisAndMutualEvaluation: a police service station and
// its two bound stations analyse the property crimes jointly (the list is
// the sub-bureau's to set), keep a ledger and exchange records both see,
// and rate each other monthly on the form; results per pair with a trend.
func TestSeed003JointAnalysisAndMutualEvaluation(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		e.clock.t = time.Date(2026, 5, 10, 2, 0, 0, 0, time.UTC)
		at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h-8, 0, 0, 0, time.UTC) }
		e.incident("r1", "robbery", "st1", "pg1", precinct.Point{Lon: 108.1, Lat: 29.1}, at(3, 2, 21))
		e.incident("r2", "robbery", "st2", "pg2", precinct.Point{Lon: 108.6, Lat: 29.1}, at(4, 5, 21))
		e.incident("f1", "telecom_fraud", "st1", "pg1", precinct.Point{Lon: 108.1, Lat: 29.1}, at(4, 6, 10))
		e.incident("b1", "bike_theft", "st1", "pg1", precinct.Point{Lon: 108.1, Lat: 29.1}, at(4, 7, 10))
		e.incident("r0", "robbery", "st1", "pg1", precinct.Point{Lon: 108.1, Lat: 29.1}, time.Date(2025, 3, 9, 1, 0, 0, 0, time.UTC))
		from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, precinct.CST), time.Date(2026, 6, 1, 0, 0, 0, 0, precinct.CST)
		a, err := e.svc.Joint(e.as("cmd2"), "ss1", from, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Groups) != 6 {
			t.Fatalf("%d groups", len(a.Groups))
		}
		byCode := map[string]prevention.JointGroup{}
		for _, g := range a.Groups {
			byCode[g.Code] = g
		}
		rob := byCode["robbery"]
		if rob.Total != 2 || rob.ByStation["st1"] != 1 || rob.ByStation["st2"] != 1 || rob.ByHour[21] != 2 || rob.LastYear != 1 || rob.ByMonth[0].N != 1 || rob.ByMonth[1].N != 1 {
			t.Errorf("robbery %+v", rob)
		}
		if byCode["fraud"].Total != 1 || byCode["bike_theft"].Total != 1 || len(rob.Places) != 2 {
			t.Errorf("fraud %d (telecom fraud is a fraud), bike theft %d, places %+v", byCode["fraud"].Total, byCode["bike_theft"].Total, rob.Places)
		}
		// The list is configurable: a sub-bureau's own.
		if _, err := e.svc.PutCrimeGroups(e.as("cmd1"), "sb1", prevention.PropertyCrimes[:2]); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
			t.Errorf("a station sets the list: %v", err)
		}
		admin := e.as("admin")
		if _, err := e.svc.PutCrimeGroups(admin, "sb1", []prevention.CrimeGroup{{Code: "robbery", Name: "抢劫抢夺", Categories: []string{"robbery"}}}); err != nil {
			t.Fatal(err)
		}
		if a, _ = e.svc.Joint(e.as("cmd1"), "ss1", from, to); len(a.Groups) != 1 || a.Groups[0].Total != 2 {
			t.Errorf("configured list: %+v", a.Groups)
		}
		// The shared ledger and exchanges: written by one station, seen by the other.
		rec, err := e.svc.AddRecord(e.as("cmd1"), prevention.RecordInput{ServiceStationID: "ss1", Kind: prevention.RecordLedger, Date: "2026-05-08",
			Title: "四月侵财警情会商", Findings: "抢劫集中在 21 时前后", Measures: "晚间巡防前移"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddRecord(e.as("cmd2"), prevention.RecordInput{ServiceStationID: "ss1", Kind: prevention.RecordExchange, Date: "2026-05-09", Incidents: []string{"r1", "r2"}}); err != nil {
			t.Fatal(err)
		}
		if a, _ = e.svc.Joint(e.as("cmd2"), "ss1", from, to); len(a.Ledger) != 1 || a.Ledger[0].ID != rec.ID || len(a.Exchanges) != 1 {
			t.Errorf("st2 sees %d ledger entries, %d exchanges", len(a.Ledger), len(a.Exchanges))
		}
		// Mutual evaluation: st1 rates the service station, the sub-bureau
		// (which runs it) rates st1; once a month each.
		scores := map[string]int{"response": 5, "sharing": 4, "joint_work": 3}
		ev := prevention.EvaluationInput{ServiceStationID: "ss1", StationID: "st1", Month: "2026-04", Direction: prevention.ByStation, Scores: scores, Comment: "推送警情响应及时"}
		if _, err := e.svc.Evaluate(e.as("cmd2"), ev); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
			t.Errorf("st2 rates for st1: %v", err)
		}
		if got, err := e.svc.Evaluate(e.as("cmd1"), ev); err != nil || got.Mean != 4 {
			t.Fatalf("evaluate: %+v %v", got, err)
		}
		if _, err := e.svc.Evaluate(e.as("cmd1"), ev); precinct.ErrorCode(err) != precinct.ECONFLICT {
			t.Errorf("twice in a month: %v", err)
		}
		ev.Direction, ev.Scores = prevention.ByServiceStation, map[string]int{"response": 3, "sharing": 3, "joint_work": 3}
		if _, err := e.svc.Evaluate(e.as("cmd1"), ev); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
			t.Errorf("a station rates for the service station: %v", err)
		}
		if _, err := e.svc.Evaluate(admin, ev); err != nil {
			t.Fatal(err)
		}
		bad := ev
		bad.Month, bad.Scores = "2026-05", map[string]int{"response": 6, "sharing": 3, "joint_work": 3}
		if _, err := e.svc.Evaluate(admin, bad); precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("a score of 6: %v", err)
		}
		ev.Month, ev.Direction, ev.Scores = "2026-05", prevention.ByStation, map[string]int{"response": 5, "sharing": 5, "joint_work": 5}
		if _, err := e.svc.Evaluate(e.as("cmd1"), ev); err != nil {
			t.Fatal(err)
		}
		rep, err := e.svc.Evaluations(e.as("cmd2"), "ss1")
		if err != nil || len(rep.Pairs) != 1 || rep.Pairs[0].StationID != "st2" {
			t.Errorf("st2 sees the pairs %+v %v", rep, err)
		}
		rep, err = e.svc.Evaluations(e.as("dispatcher"), "ss1")
		if err != nil || len(rep.Pairs) != 2 || len(rep.Form) != 3 {
			t.Fatalf("report: %+v %v", rep, err)
		}
		p1 := rep.Pairs[0]
		if p1.StationID != "st1" || len(p1.Months) != 2 || p1.Months[0].ByStation.Mean != 4 || p1.Months[0].ByServiceStation.Mean != 3 || p1.Trend == nil || *p1.Trend != 1.5 {
			t.Errorf("pair st1: %+v", p1)
		}
		if _, err := e.svc.Evaluations(e.as("officer2"), "ss9"); precinct.ErrorCode(err) != precinct.ENOTFOUND {
			t.Errorf("unknown service station: %v", err)
		}
	})
}
