package workflow

import (
	"context"

	"precinct"
)

// Performance is a source of the monthly performance list
// (precinct.PerformanceSource) for one kind of work item: how many times
// each officer took one of Actions on an item of Kind (a dispute's
// agreement, a grid report's feedback, a dissuasion done), counted from the
// events the engine records with the officer as actor. A new workflow plugs
// its work into the list with one of these.
type Performance struct {
	Store   precinct.PerformanceStore
	Kind    precinct.WorkKind
	Actions []precinct.WorkAction
	Info    precinct.PerformanceMetricInfo
}

var _ precinct.PerformanceSource = Performance{}

// Metrics describes the figure.
func (p Performance) Metrics() []precinct.PerformanceMetricInfo {
	info := p.Info
	if info.Source == "" {
		info.Source = string(p.Kind)
	}
	return []precinct.PerformanceMetricInfo{info}
}

// CountWork counts the actions of the officers in [q.From, q.To).
func (p Performance) CountWork(ctx context.Context, q precinct.OfficerWorkQuery) ([]precinct.PerformanceCount, error) {
	actors := make([]string, len(q.Officers))
	for i, o := range q.Officers {
		actors[i] = o.UserID
	}
	types := make([]string, len(p.Actions))
	for i, a := range p.Actions {
		types[i] = EventType(p.Kind, a)
	}
	counts, err := p.Store.ActorEvents(ctx, actors, types, q.From, q.To)
	if err != nil {
		return nil, err
	}
	sum := map[string]int{}
	var order []string
	for _, c := range counts {
		if _, ok := sum[c.Actor]; !ok {
			order = append(order, c.Actor)
		}
		sum[c.Actor] += c.N
	}
	out := make([]precinct.PerformanceCount, 0, len(order))
	for _, a := range order {
		out = append(out, precinct.PerformanceCount{UserID: a, Metric: p.Info.Metric, Value: float64(sum[a])})
	}
	return out, nil
}
