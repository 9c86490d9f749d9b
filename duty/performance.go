package duty

import (
	"context"

	"precinct"
)

// Figures duty contributes to the monthly performance list.
const (
	MetricRollCalls       precinct.PerformanceMetric = "roll_calls"        // 被点名次数
	MetricRollCallsMissed precinct.PerformanceMetric = "roll_calls_missed" // 点名未应答次数
)

// Performance is duty's source of the monthly performance list
// (precinct.PerformanceSource): how often each officer was called by a roll
// call and how often they missed it. The performance service chooses the
// officers by the caller's jurisdiction; their roll calls count wherever
// they were made.
type Performance struct {
	Store precinct.RollCallStore
	// Work, if set, adds the days each officer checked in validly.
	Work precinct.PerformanceStore
}

var _ precinct.PerformanceSource = Performance{}

// Metrics describes the figures.
func (p Performance) Metrics() []precinct.PerformanceMetricInfo {
	var m []precinct.PerformanceMetricInfo
	if p.Work != nil {
		m = append(m, precinct.PerformanceMetricInfo{Metric: precinct.WorkCheckInDays, Name: "打卡天数", NameEN: "Check-in days", Source: "duty"})
	}
	return append(m, []precinct.PerformanceMetricInfo{
		{Metric: MetricRollCalls, Name: "被点名次数", NameEN: "Roll calls", Source: "duty"},
		{Metric: MetricRollCallsMissed, Name: "点名未应答", NameEN: "Roll calls missed", Source: "duty"},
	}...)
}

// CountWork counts the closed roll calls of [q.From, q.To) per officer,
// and their check-in days.
func (p Performance) CountWork(ctx context.Context, q precinct.OfficerWorkQuery) ([]precinct.PerformanceCount, error) {
	var out []precinct.PerformanceCount
	if p.Work != nil {
		ids := make([]string, len(q.Officers))
		for i, o := range q.Officers {
			ids[i] = o.UserID
		}
		days, err := p.Work.CheckInDays(ctx, ids, q.From, q.To)
		if err != nil {
			return nil, err
		}
		out = days
	}
	users := map[string][]string{} // person → users
	var people []string
	for _, o := range q.Officers {
		if o.PersonID == "" {
			continue
		}
		if users[o.PersonID] == nil {
			people = append(people, o.PersonID)
		}
		users[o.PersonID] = append(users[o.PersonID], o.UserID)
	}
	if len(people) == 0 {
		return out, nil
	}
	ms, err := p.Store.RollCallMisses(ctx, precinct.RollCallMissFilter{Scope: precinct.Everywhere, Since: q.From, Until: q.To, PersonIDs: people})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		for _, u := range users[m.PersonID] {
			out = append(out, precinct.PerformanceCount{UserID: u, Metric: MetricRollCalls, Value: float64(m.Called)},
				precinct.PerformanceCount{UserID: u, Metric: MetricRollCallsMissed, Value: float64(m.Missed)})
		}
	}
	return out, nil
}
