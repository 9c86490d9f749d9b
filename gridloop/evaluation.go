package gridloop

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"precinct"
)

// Row is one line of the evaluation (考核评价): the counts of a department
// or station team, or of a township, and the rates the seeds judge by.
type Row struct {
	Key          string `json:"key"` // an assignee or a station ID
	Name         string `json:"name"`
	StationID    string `json:"station_id,omitempty"`
	Assigned     int    `json:"assigned"`
	Accepted     int    `json:"accepted"`
	AcceptedLate int    `json:"accepted_late"`
	Escalated    int    `json:"escalated"`
	Done         int    `json:"done"`
	DoneLate     int    `json:"done_late"`
	Returned     int    `json:"returned"`
	Evaluated    int    `json:"evaluated"`
	Satisfied    int    `json:"satisfied"`
	Closed       int    `json:"closed"`
	Opened       int    `json:"opened"`
	// OnTimeRate is the share of handled reports handled by their deadline.
	OnTimeRate *float64 `json:"on_time_rate"`
	// AcceptOnTimeRate is the share of accepted reports accepted in time.
	AcceptOnTimeRate *float64 `json:"accept_on_time_rate"`
	// ReturnRate is returns per handled report.
	ReturnRate *float64 `json:"return_rate"`
	// SatisfactionRate is the share of evaluations that were satisfied.
	SatisfactionRate *float64 `json:"satisfaction_rate"`
}

// Evaluation is the evaluation table of a period, by department (or station
// team) and by township.
type Evaluation struct {
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	ByDepartment []Row     `json:"by_department"`
	ByTownship   []Row     `json:"by_township"`
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

func rowOf(key string, t precinct.WorkTally) Row {
	r := Row{Key: key, Assigned: t.Get(precinct.MetricAssigned), Accepted: t.Get(precinct.MetricAccepted), AcceptedLate: t.Get(precinct.MetricAcceptedLate),
		Escalated: t.Get(precinct.MetricEscalated), Done: t.Get(precinct.MetricDone), DoneLate: t.Get(precinct.MetricDoneLate),
		Returned: t.Get(precinct.MetricReturned), Evaluated: t.Get(precinct.MetricEvaluated), Satisfied: t.Get(precinct.MetricSatisfied),
		Closed: t.Get(precinct.MetricClosed), Opened: t.Get(precinct.MetricOpened)}
	r.OnTimeRate = ratio(r.Done-r.DoneLate, r.Done)
	r.AcceptOnTimeRate = ratio(r.Accepted-r.AcceptedLate, r.Accepted)
	r.ReturnRate = ratio(r.Returned, r.Done)
	r.SatisfactionRate = ratio(r.Satisfied, r.Evaluated)
	return r
}

// MaxEvaluationDays bounds the period of one evaluation.
const MaxEvaluationDays = 366

// Evaluation sums the tallies of [from, to) (whole days, China Standard
// Time) within the caller's jurisdiction, by department and by township.
func (s *Service) Evaluation(ctx context.Context, from, to time.Time) (*Evaluation, error) {
	from, to = precinct.DayStart(from), precinct.DayStart(to)
	if !to.After(from) || to.Sub(from) > MaxEvaluationDays*24*time.Hour {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "to", "统计区间应为 1 至 %d 天", "The period must be 1 to %d days.", MaxEvaluationDays)
	}
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	sc := precinct.ScopeOf(u)
	if sc.PoliceGridID != "" {
		return nil, precinct.Errorf(precinct.EFORBIDDEN, "考核评价按乡镇和部门统计，警格账号无权查看", "The evaluation counts by township and department; a police grid's account may not read it.")
	}
	// One sum by township and assignee; both tables are added up from it.
	cells, err := s.Engine.Counts(ctx, precinct.WorkCountFilter{Kind: Kind, From: from, To: to, ByAssignee: true, ByStation: true})
	if err != nil {
		return nil, err
	}
	byDept, byTown := map[precinct.Assignee]*precinct.WorkTally{}, map[string]*precinct.WorkTally{}
	var deptOrder []precinct.Assignee
	var townOrder []string
	for _, c := range cells {
		if byDept[c.Assignee] == nil {
			byDept[c.Assignee] = &precinct.WorkTally{}
			deptOrder = append(deptOrder, c.Assignee)
		}
		if byTown[c.StationID] == nil {
			byTown[c.StationID] = &precinct.WorkTally{}
			townOrder = append(townOrder, c.StationID)
		}
		byDept[c.Assignee].Plus(c.Tally)
		byTown[c.StationID].Plus(c.Tally)
	}
	sort.Slice(deptOrder, func(i, j int) bool { return deptOrder[i] < deptOrder[j] })
	sort.Strings(townOrder)
	names, err := s.names(ctx, sc)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{From: from, To: to, ByDepartment: []Row{}, ByTownship: []Row{}}
	for _, a := range deptOrder {
		if a == "" {
			continue // reports not yet transferred
		}
		r := rowOf(string(a), *byDept[a])
		r.Name = names[string(a)]
		if st, _, ok := a.Team(); ok {
			r.StationID = st
		}
		ev.ByDepartment = append(ev.ByDepartment, r)
	}
	if u.Role == precinct.RoleDepartment {
		return ev, nil // a department reads its own line only
	}
	for _, st := range townOrder {
		r := rowOf(st, *byTown[st])
		r.Name, r.StationID = names[st], st
		ev.ByTownship = append(ev.ByTownship, r)
	}
	return ev, nil
}

// names maps stations, station teams and departments within a scope to
// their names.
func (s *Service) names(ctx context.Context, sc precinct.Scope) (map[string]string, error) {
	names := map[string]string{}
	f := precinct.StationFilter{SubBureauID: sc.SubBureauID, Limit: 1000}
	if sc.StationID != "" {
		f.IDs = []string{sc.StationID}
	}
	sts, _, err := s.Engine.Store.ListStations(ctx, f)
	if err != nil {
		return nil, err
	}
	teams := map[precinct.TeamKind]string{precinct.TeamCase: "案件办理队", precinct.TeamCommunity: "社区警务队", precinct.TeamCommand: "综合指挥室"}
	for _, st := range sts {
		names[st.ID] = st.Name
		for tk, tn := range teams {
			names[string(precinct.TeamAssignee(st.ID, tk))] = st.Name + tn
		}
	}
	ds, err := s.Engine.Store.ListDepartments(ctx, precinct.DepartmentFilter{Scope: sc})
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		names[string(precinct.DepartmentAssignee(d.ID))] = d.Name
	}
	return names, nil
}

// XLSX writes the evaluation as a workbook: one sheet by department, one by
// township, with headers in Chinese and English.
func (ev *Evaluation) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	head := []any{"名称 Name", "转办 Assigned", "签收 Accepted", "超时签收 Accepted late", "超时升级 Escalated", "办结 Done",
		"超时办结 Done late", "退回 Returned", "评价 Evaluated", "满意 Satisfied", "按时办结率 On-time rate", "退回率 Return rate", "满意率 Satisfaction"}
	pct := func(p *float64) any {
		if p == nil {
			return "—"
		}
		return fmt.Sprintf("%.1f%%", *p*100)
	}
	sheets := []struct {
		name string
		rows []Row
	}{{"按部门 By department", ev.ByDepartment}, {"按乡镇 By township", ev.ByTownship}}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return nil, err
		}
		period := fmt.Sprintf("考核评价 Evaluation %s — %s", ev.From.In(precinct.CST).Format("2006-01-02"), ev.To.In(precinct.CST).AddDate(0, 0, -1).Format("2006-01-02"))
		if err := f.SetSheetRow(sh.name, "A1", &[]any{period}); err != nil {
			return nil, err
		}
		if err := f.SetSheetRow(sh.name, "A2", &head); err != nil {
			return nil, err
		}
		for j, r := range sh.rows {
			name := r.Name
			if name == "" {
				name = r.Key
			}
			row := []any{name, r.Assigned, r.Accepted, r.AcceptedLate, r.Escalated, r.Done, r.DoneLate, r.Returned, r.Evaluated, r.Satisfied,
				pct(r.OnTimeRate), pct(r.ReturnRate), pct(r.SatisfactionRate)}
			cell, _ := excelize.CoordinatesToCellName(1, j+3)
			if err := f.SetSheetRow(sh.name, cell, &row); err != nil {
				return nil, err
			}
		}
		if err := f.SetColWidth(sh.name, "A", "A", float64(max(16, longest(sh.rows)))); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func longest(rows []Row) int {
	n := 0
	for _, r := range rows {
		n = max(n, 2*len([]rune(strings.TrimSpace(r.Name))))
	}
	return n
}
