package report_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"precinct"
	"precinct/dispatch"
	"precinct/duty"
	"precinct/mediation"
	"precinct/registry"
	"precinct/report"
	"precinct/sqldb"
	"precinct/storetest"
	"precinct/workflow"
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// performanceFixture is a store with the fixture jurisdictions, a station
// chief of st1 (u6), a community officer of st2 (u7) and a grid worker
// (u8), and visits of u3 (officer1, st1) in November 2026, October 2026
// and November 2025.
func performanceFixture(t *testing.T) (*sqldb.DB, *report.Performance, map[string]*precinct.User) {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "p.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.ImportFixtures(t, db)
	for _, u := range []*precinct.User{
		{ID: "u6", Username: "chief1", Name: "一所所长", Role: precinct.RoleChief, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1"}},
		{ID: "u7", Username: "officer2", Name: "李警官", Role: precinct.RoleCommunity, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st2", PoliceGridID: "pg2"}, PersonID: "p2"},
		{ID: "u8", Username: "grid1", Name: "网格员", Role: precinct.RoleGridWorker, Scope: precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}},
	} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	loc := precinct.Location{SubBureauID: "sb1", StationID: "st1", PoliceGridID: "pg1", CommunityGridID: "cg1"}
	n := 0
	visit := func(by string, at time.Time) {
		n++
		v := &precinct.Visit{ID: fmt.Sprintf("vis_%016d", n), At: at, By: by, Location: loc, Purpose: precinct.VisitRoutine, RecordedAt: at,
			Point: precinct.Point{Lon: 108.1, Lat: 29.1}}
		if _, err := db.ApplyRegistry(ctx, &precinct.RegistryWrite{Visit: v}); err != nil {
			t.Fatal(err)
		}
	}
	nov := time.Date(2026, 11, 3, 10, 0, 0, 0, precinct.CST)
	for i := 0; i < 3; i++ {
		visit("u3", nov.AddDate(0, 0, i))
	}
	visit("u3", nov.AddDate(0, -1, 0))
	visit("u3", nov.AddDate(-1, 0, 0))
	visit("u3", nov.AddDate(-1, 0, 1))
	visit("u7", nov)
	// The first minute of December (China Standard Time) is December's.
	visit("u3", time.Date(2026, 12, 1, 0, 0, 0, 0, precinct.CST))
	p := &report.Performance{Users: db, Clock: fixedClock(time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)), Sources: []precinct.PerformanceSource{
		registry.Performance{Store: db},
		dispatch.Performance{Store: db},
		workflow.Performance{Store: db, Kind: mediation.Kind, Actions: []precinct.WorkAction{mediation.ActionAgree},
			Info: precinct.PerformanceMetricInfo{Metric: precinct.WorkDisputesAgreed, Name: "调解成功", NameEN: "Disputes settled"}},
		duty.Performance{Store: db, Work: db},
	}}
	users := map[string]*precinct.User{}
	all, err := db.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range all {
		users[u.ID] = u
	}
	users["u9"] = &precinct.User{ID: "u9", Username: "nowhere", Role: precinct.RoleCommunity} // no jurisdiction
	return db, p, users
}

func entryOf(l *precinct.PerformanceList, user string) *precinct.PerformanceEntry {
	for i := range l.Entries {
		if l.Entries[i].Officer.UserID == user {
			return &l.Entries[i]
		}
	}
	return nil
}

func officerIDs(l *precinct.PerformanceList) string {
	var ids []string
	for _, e := range l.Entries {
		ids = append(ids, e.Officer.UserID)
	}
	sort.Strings(ids)
	return fmt.Sprint(ids)
}

// TestPerformanceList: the list is generated from recorded work, with the
// month before and the same month a year before, and each caller sees
// only the officers their role and jurisdiction reach.
func TestPerformanceList(t *testing.T) {
	_, p, users := performanceFixture(t)
	as := func(id string) context.Context {
		return precinct.NewContextWithUser(context.Background(), users[id])
	}
	l, err := p.PerformanceList(as("u6"), precinct.PerformanceQuery{Month: "2026-11"})
	if err != nil {
		t.Fatal(err)
	}
	// The chief of st1 sees st1's officers: not the sub-bureau's dispatcher,
	// not st2's officer, not the grid worker, not the other sub-bureau.
	if got := officerIDs(l); got != "[u2 u3 u6]" {
		t.Errorf("the chief's list: %s", got)
	}
	if l.Month != "2026-11" || l.PreviousMonth != "2026-10" || l.PreviousYear != "2025-11" {
		t.Errorf("months %s %s %s", l.Month, l.PreviousMonth, l.PreviousYear)
	}
	e := entryOf(l, "u3")
	if e == nil {
		t.Fatal("u3 missing")
	}
	if e.Current[precinct.WorkVisits] != 3 || e.PreviousMonth[precinct.WorkVisits] != 1 || e.PreviousYear[precinct.WorkVisits] != 2 {
		t.Errorf("u3's visits %v / %v / %v, want 3 / 1 / 2", e.Current[precinct.WorkVisits], e.PreviousMonth[precinct.WorkVisits], e.PreviousYear[precinct.WorkVisits])
	}
	if _, ok := e.Current[precinct.WorkSatisfaction]; ok {
		t.Error("a mean of nothing is shown")
	}
	if v, ok := e.Current[precinct.WorkCheckInDays]; !ok || v != 0 {
		t.Errorf("a count of nothing is 0, got %v %v", v, ok)
	}
	for _, m := range []precinct.PerformanceMetric{precinct.WorkVisits, precinct.WorkFirstReceipts, precinct.WorkDisputesAgreed, precinct.WorkCheckInDays, duty.MetricRollCalls} {
		found := false
		for _, info := range l.Metrics {
			found = found || info.Metric == m
		}
		if !found {
			t.Errorf("metric %s missing", m)
		}
	}
	if dec, _ := p.PerformanceList(as("u6"), precinct.PerformanceQuery{Month: "2026-12"}); entryOf(dec, "u3").Current[precinct.WorkVisits] != 1 {
		t.Error("December's first minute is not December's")
	}

	// An officer sees their own list, and no one else's.
	l, err = p.PerformanceList(as("u3"), precinct.PerformanceQuery{Month: "2026-11"})
	if err != nil || officerIDs(l) != "[u3]" {
		t.Errorf("officer1's list: %v %v", l, err)
	}
	if _, err := p.PerformanceList(as("u3"), precinct.PerformanceQuery{Month: "2026-11", UserID: "u2"}); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("officer1 reads u2's list: %v", err)
	}
	// The sub-bureau's dispatcher has no performance.read: their own only.
	if l, err := p.PerformanceList(as("u1"), precinct.PerformanceQuery{Month: "2026-11"}); err != nil || officerIDs(l) != "[u1]" {
		t.Errorf("the dispatcher's list: %v %v", l, err)
	}
	// The chief of st1 asking for st2's officer, or another sub-bureau's.
	for _, other := range []string{"u7", "u5", "u8"} {
		if _, err := p.PerformanceList(as("u6"), precinct.PerformanceQuery{Month: "2026-11", UserID: other}); precinct.ErrorCode(err) != precinct.ENOTFOUND {
			t.Errorf("the chief of st1 reads %s: %v", other, err)
		}
	}
	if l, err := p.PerformanceList(as("u6"), precinct.PerformanceQuery{Month: "2026-11", UserID: "u3"}); err != nil || officerIDs(l) != "[u3]" {
		t.Errorf("the chief reads u3: %v %v", l, err)
	}
	// Fail closed: a grid worker, a user without jurisdiction, nobody.
	for _, c := range []struct {
		ctx  context.Context
		code string
	}{{as("u8"), precinct.EFORBIDDEN}, {as("u9"), precinct.EFORBIDDEN}, {context.Background(), precinct.EUNAUTHORIZED}} {
		if _, err := p.PerformanceList(c.ctx, precinct.PerformanceQuery{Month: "2026-11"}); precinct.ErrorCode(err) != c.code {
			t.Errorf("got %v, want %s", err, c.code)
		}
	}
	for _, bad := range []string{"2026-13", "2026/11", "11-2026", "1999-01"} {
		_, err := p.PerformanceList(as("u6"), precinct.PerformanceQuery{Month: bad})
		if e, ok := err.(*precinct.Error); !ok || e.Code != precinct.EINVALID || e.Field != "month" {
			t.Errorf("month %q: %v", bad, err)
		}
	}
	// No month is the month of now.
	if l, err := p.PerformanceList(as("u3"), precinct.PerformanceQuery{}); err != nil || l.Month != "2026-11" {
		t.Errorf("the current month: %v %v", l, err)
	}
}

// TestPerformanceExport: the .xlsx is a real workbook with the officers'
// figures as numbers, in both languages; the CSV likewise.
func TestPerformanceExport(t *testing.T) {
	_, p, users := performanceFixture(t)
	ctx := precinct.NewContextWithUser(context.Background(), users["u6"])
	out, err := p.ExportPerformance(ctx, precinct.PerformanceQuery{Month: "2026-11"}, "xlsx", "zh")
	if err != nil {
		t.Fatal(err)
	}
	if out.Name != "绩效清单-2026-11.xlsx" {
		t.Errorf("name %q", out.Name)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out.Body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("绩效清单")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "姓名" || rows[0][3] != "走访次数（2026-11）" || rows[0][4] != "走访次数（上月 2026-10）" || rows[0][5] != "走访次数（去年同月 2025-11）" {
		t.Fatalf("rows %q", rows)
	}
	found := false
	for r, row := range rows[1:] {
		if row[1] == "officer1" {
			found = true
			if row[2] != "社区民警" || row[3] != "3" || row[4] != "1" || row[5] != "2" {
				t.Errorf("officer1's row %q", row)
			}
			ref, _ := excelize.CoordinatesToCellName(4, r+2)
			if typ, _ := f.GetCellType("绩效清单", ref); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
				t.Errorf("visits are not a number: %v", typ)
			}
		}
	}
	if !found {
		t.Error("officer1 missing from the workbook")
	}
	en, err := p.ExportPerformance(ctx, precinct.PerformanceQuery{Month: "2026-11"}, "csv", "en")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(en.Body, []byte(`Visits (2026-11),"Visits (month before, 2026-10)"`)) || !bytes.Contains(en.Body, []byte("officer1,Community officer,3,1,2")) {
		t.Errorf("csv %s", en.Body)
	}
	if _, err := p.ExportPerformance(ctx, precinct.PerformanceQuery{Month: "2026-11"}, "pdf", "zh"); precinct.ErrorCode(err) != precinct.EINVALID {
		t.Errorf("pdf: %v", err)
	}
	// The export keeps to the same rule.
	if _, err := p.ExportPerformance(precinct.NewContextWithUser(context.Background(), users["u8"]), precinct.PerformanceQuery{Month: "2026-11"}, "xlsx", "zh"); precinct.ErrorCode(err) != precinct.EFORBIDDEN {
		t.Errorf("the grid worker exports: %v", err)
	}
}

// FuzzParseMonth: the month parameter never panics, and a month it
// accepts is the first instant of a month in China Standard Time that
// formats back to the text.
func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2026-11", "", "2026-13", "0000-00", "2026-1", "２０２６-１１", "2026-11-01", "9999-12"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := report.ParseMonth(s, now)
		if err != nil {
			if e, ok := err.(*precinct.Error); !ok || e.Code != precinct.EINVALID || e.Field != "month" {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		c := m.In(precinct.CST)
		if c.Day() != 1 || c.Hour() != 0 || c.Minute() != 0 || (s != "" && c.Format("2006-01") != s) {
			t.Fatalf("%q: %v", s, m)
		}
	})
}
