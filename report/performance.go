package report

import (
	"context"
	"fmt"
	"sort"
	"time"

	"precinct"
)

// Performance builds the monthly performance list (绩效清单) of officers
// from the work recorded by its sources — visits, records, incidents,
// disputes, grid reports, check-ins, roll calls… — never from typed-in
// figures, with the month before and the same month a year before beside
// it.
//
// Who sees what is decided here, fail closed: an officer sees their own
// list; a holder of performance.read (station chief, command office) sees
// the officers whose jurisdiction lies wholly within theirs; an
// administrator bound to no jurisdiction sees everyone. Anyone else, or a
// user with no jurisdiction, sees nothing.
type Performance struct {
	Users interface {
		ListUsers(ctx context.Context) ([]*precinct.User, error)
	}
	Sources []precinct.PerformanceSource
	Clock   precinct.Clock
}

var _ precinct.PerformanceService = (*Performance)(nil)

// officerRoles are the roles whose work a performance list counts: the
// police of a station and a sub-bureau, not those outside it.
var officerRoles = map[precinct.Role]bool{
	precinct.RoleCommunity: true, precinct.RolePatrol: true, precinct.RoleCase: true, precinct.RoleAuxiliary: true,
	precinct.RoleCommand: true, precinct.RoleDispatcher: true, precinct.RoleChief: true,
}

// roleNames are the roles' names in a list.
var roleNames = map[precinct.Role][2]string{
	precinct.RoleCommunity: {"社区民警", "Community officer"}, precinct.RolePatrol: {"巡逻民警", "Patrol officer"},
	precinct.RoleCase: {"办案民警", "Case officer"}, precinct.RoleAuxiliary: {"辅警", "Auxiliary officer"},
	precinct.RoleCommand: {"综合指挥室", "Command office"}, precinct.RoleDispatcher: {"调度员", "Dispatcher"},
	precinct.RoleChief: {"所长", "Station chief"},
}

func (p *Performance) now() time.Time {
	if p.Clock == nil {
		return time.Now()
	}
	return p.Clock.Now()
}

// ParseMonth returns the start of a month "YYYY-MM" in China Standard Time;
// "" is the month of now.
func ParseMonth(s string, now time.Time) (time.Time, error) {
	if s == "" {
		n := now.In(precinct.CST)
		return time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, precinct.CST), nil
	}
	t, err := time.ParseInLocation("2006-01", s, precinct.CST)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, precinct.FieldErrorf(precinct.EINVALID, "month", "月份格式应为 YYYY-MM：%q", "The month must be YYYY-MM: %q", s)
	}
	return t, nil
}

// within reports whether an officer's jurisdiction lies wholly within sc:
// every level sc names, the officer's names alike. (Location.Covers lets a
// coarser location through, which would put a sub-bureau's dispatchers on
// a station chief's list.)
func within(sc precinct.Scope, l precinct.Location) bool {
	if sc.All {
		return true
	}
	if sc.SubBureauID == "" || l.SubBureauID != sc.SubBureauID {
		return false
	}
	for _, lv := range [][2]string{{sc.StationID, l.StationID}, {sc.PoliceGridID, l.PoliceGridID}, {sc.CommunityGridID, l.CommunityGridID}} {
		if lv[0] != "" && lv[0] != lv[1] {
			return false
		}
	}
	return true
}

// officers returns the officers the caller may see, by name.
func (p *Performance) officers(ctx context.Context, u *precinct.User, only string) ([]precinct.Officer, error) {
	if u == nil {
		return nil, precinct.Errorf(precinct.EUNAUTHORIZED, "未登录或登录已过期", "Not signed in, or the session has expired.")
	}
	sc := precinct.ScopeOf(u)
	others := precinct.Authorize(u, precinct.PermReadPerformance) == nil
	if !others && (!officerRoles[u.Role] || sc.Empty()) {
		return nil, precinct.ErrForbidden()
	}
	var out []precinct.Officer
	if !others {
		if only != "" && only != u.ID {
			return nil, precinct.ErrNotFound("民警", "Officer", only)
		}
		return []precinct.Officer{officerOf(u)}, nil
	}
	users, err := p.Users.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range users {
		if o.Disabled || !officerRoles[o.Role] || (only != "" && o.ID != only) {
			continue
		}
		if o.ID == u.ID || within(sc, o.Scope) {
			out = append(out, officerOf(o))
		}
	}
	if only != "" && len(out) == 0 {
		return nil, precinct.ErrNotFound("民警", "Officer", only)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Location.StationID != b.Location.StationID {
			return a.Location.StationID < b.Location.StationID
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.UserID < b.UserID
	})
	return out, nil
}

func officerOf(u *precinct.User) precinct.Officer {
	return precinct.Officer{UserID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role, PersonID: u.PersonID, UnitID: u.UnitID, Location: u.Scope}
}

// PerformanceList returns the list of a month of the officers the caller
// may see (or of q.UserID alone).
func (p *Performance) PerformanceList(ctx context.Context, q precinct.PerformanceQuery) (*precinct.PerformanceList, error) {
	u := precinct.UserFromContext(ctx)
	now := p.now()
	from, err := ParseMonth(q.Month, now)
	if err != nil {
		return nil, err
	}
	officers, err := p.officers(ctx, u, q.UserID)
	if err != nil {
		return nil, err
	}
	to := from.AddDate(0, 1, 0)
	prev, year := from.AddDate(0, -1, 0), from.AddDate(-1, 0, 0)
	l := &precinct.PerformanceList{Month: from.Format("2006-01"), From: from, To: to, PreviousMonth: prev.Format("2006-01"),
		PreviousYear: year.Format("2006-01"), Metrics: []precinct.PerformanceMetricInfo{}, Entries: []precinct.PerformanceEntry{}, GeneratedAt: now}
	for _, s := range p.Sources {
		l.Metrics = append(l.Metrics, s.Metrics()...)
	}
	periods := [3]time.Time{from, prev, year}
	var figures [3]map[string]map[precinct.PerformanceMetric]float64
	for i, start := range periods {
		figures[i] = map[string]map[precinct.PerformanceMetric]float64{}
		if len(officers) == 0 {
			continue
		}
		wq := precinct.OfficerWorkQuery{Officers: officers, From: start, To: start.AddDate(0, 1, 0)}
		for _, s := range p.Sources {
			counts, err := s.CountWork(ctx, wq)
			if err != nil {
				return nil, err
			}
			for _, c := range counts {
				m := figures[i][c.UserID]
				if m == nil {
					m = map[precinct.PerformanceMetric]float64{}
					figures[i][c.UserID] = m
				}
				m[c.Metric] += c.Value
			}
		}
	}
	for _, o := range officers {
		e := precinct.PerformanceEntry{Officer: o}
		maps := []*map[precinct.PerformanceMetric]float64{&e.Current, &e.PreviousMonth, &e.PreviousYear}
		for i, m := range maps {
			*m = map[precinct.PerformanceMetric]float64{}
			for _, info := range l.Metrics {
				if v, ok := figures[i][o.UserID][info.Metric]; ok {
					(*m)[info.Metric] = v
				} else if !info.Mean {
					(*m)[info.Metric] = 0 // a count of nothing; a mean of nothing stays absent
				}
			}
		}
		l.Entries = append(l.Entries, e)
	}
	return l, nil
}

// ExportPerformance returns the list of q as an .xlsx or CSV file labelled
// in lang ("zh" or "en"), by the same rule as PerformanceList.
func (p *Performance) ExportPerformance(ctx context.Context, q precinct.PerformanceQuery, format, lang string) (*precinct.StatsExport, error) {
	if format != FormatCSV && format != FormatXLSX {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "format", "导出格式应为 xlsx 或 csv", "The export format is xlsx or csv.")
	}
	l, err := p.PerformanceList(ctx, q)
	if err != nil {
		return nil, err
	}
	en := lang == "en"
	pick := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	head := []any{pick("姓名", "Name"), pick("账号", "Username"), pick("岗位", "Post")}
	for _, m := range l.Metrics {
		name := pick(m.Name, m.NameEN)
		head = append(head, fmt.Sprintf(pick("%s（%s）", "%s (%s)"), name, l.Month),
			fmt.Sprintf(pick("%s（上月 %s）", "%s (month before, %s)"), name, l.PreviousMonth),
			fmt.Sprintf(pick("%s（去年同月 %s）", "%s (a year before, %s)"), name, l.PreviousYear))
	}
	rows := [][]any{head}
	for _, e := range l.Entries {
		rn := roleNames[e.Officer.Role]
		row := []any{e.Officer.Name, e.Officer.Username, pick(rn[0], rn[1])}
		for _, m := range l.Metrics {
			for _, fig := range []map[precinct.PerformanceMetric]float64{e.Current, e.PreviousMonth, e.PreviousYear} {
				if v, ok := fig[m.Metric]; ok {
					row = append(row, round(v, 2))
				} else {
					row = append(row, nil)
				}
			}
		}
		rows = append(rows, row)
	}
	title := pick("绩效清单", "performance-list")
	sheets := []sheet{{title: pick("绩效清单", "Performance list"), rows: rows}}
	name := fmt.Sprintf("%s-%s.%s", title, l.Month, format)
	if format == FormatCSV {
		b, err := writeCSV(sheets)
		return &precinct.StatsExport{Name: name, ContentType: "text/csv; charset=utf-8", Body: b}, err
	}
	b, err := writeXLSX(sheets)
	return &precinct.StatsExport{Name: name, ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Body: b}, err
}
