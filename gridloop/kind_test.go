package gridloop_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"precinct"
	"precinct/gridloop"
	"precinct/mediation"
)

func TestKindsAreValid(t *testing.T) {
	for _, k := range []interface{ Validate() error }{gridloop.ReportKind, mediation.DisputeKind} {
		if err := k.Validate(); err != nil {
			t.Error(err)
		}
	}
	// Every category has a handler, and the deadlines hold the promise that
	// hazards are accepted sooner than routine reports.
	for _, c := range gridloop.Categories {
		if c.Dept == "" && c.Team == "" {
			t.Errorf("category %s has no usual handler", c.Code)
		}
	}
	due := gridloop.ReportKind.State(gridloop.StateAssigned).Due
	if h, r := due.Allowed("safety_hazard", precinct.UrgencyUrgent, 0), due.Allowed("environment", precinct.UrgencyRoutine, 0); h >= r || h != 15*time.Minute {
		t.Errorf("hazard accepted within %s, routine within %s", h, r)
	}
	if d := mediation.DisputeKind.State(mediation.StateFollowUp).Due; d.Allowed("", 0, 0) != 7*24*time.Hour || d.Allowed("", 0, 5) != 90*24*time.Hour {
		t.Error("follow-ups are not a week, then a month, then three months apart")
	}
}

func TestEvaluationWorkbook(t *testing.T) {
	half := 0.5
	ev := &gridloop.Evaluation{From: time.Date(2026, 3, 1, 0, 0, 0, 0, precinct.CST), To: time.Date(2026, 4, 1, 0, 0, 0, 0, precinct.CST),
		ByDepartment: []gridloop.Row{{Key: "dept:law", Name: "区综合行政执法局", Assigned: 4, Done: 2, Returned: 1, ReturnRate: &half}},
		ByTownship:   []gridloop.Row{{Key: "st1", Name: "城东街道", Opened: 5}}}
	b, err := ev.XLSX()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "按部门 By department" {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("按部门 By department")
	if err != nil || len(rows) != 3 || rows[2][0] != "区综合行政执法局" || rows[2][1] != "4" || rows[2][11] != "50.0%" || rows[0][0] != "考核评价 Evaluation 2026-03-01 — 2026-03-31" {
		t.Errorf("rows %q", rows)
	}
}
