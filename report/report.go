// Package report computes incident statistics for a period — counts by
// category, state, station, routing handler and hour, flow and response
// times, on-scene completion, the share to "1+1" patrols, satisfaction and a
// heat map — and compares a period with the same period a year before (同比). The arithmetic is pure; Service adds the
// store and the user's jurisdiction.
package report

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"precinct"
)

// MaxPeriod is the longest period one query may cover.
const MaxPeriod = 366 * 24 * time.Hour

// MinHeatCellDeg is the smallest heat-map cell one may ask for (about 100 m).
const MinHeatCellDeg = 0.001

// MaxHeatCells bounds the heat map: the busiest cells are kept.
const MaxHeatCells = 20000

// Summary accumulates incident facts into IncidentStats. The zero value is
// not ready; use NewSummary.
type Summary struct {
	stats      precinct.IncidentStats
	cellDeg    float64
	categories map[string]int
	statuses   map[string]int
	stations   map[string]int
	handlers   map[string]int
	disposals  map[string]int // by closing code
	heat       map[[2]int64]int
	flow, resp []float64
	satSum     int
	satisfied  int
}

// NewSummary returns a Summary of the period [from, to), with a heat map of
// cells of side cellDeg when it is positive.
func NewSummary(from, to time.Time, cellDeg float64) *Summary {
	s := &Summary{cellDeg: cellDeg, categories: map[string]int{}, statuses: map[string]int{}, stations: map[string]int{}, handlers: map[string]int{}, disposals: map[string]int{}}
	s.stats.From, s.stats.To = from, to
	if cellDeg > 0 {
		s.heat = map[[2]int64]int{}
	}
	return s
}

// Add counts one incident.
func (s *Summary) Add(f *precinct.IncidentFact) {
	st := &s.stats
	st.Total++
	if f.Status != precinct.IncidentClosed && f.Status != precinct.IncidentCallbackDone {
		st.Open++
	}
	s.categories[f.Category]++
	s.statuses[string(f.Status)]++
	s.stations[f.StationID]++
	if f.Handler != "" {
		s.handlers[string(f.Handler)]++
	}
	if f.Disposition != "" {
		s.disposals[f.Disposition]++
	}
	st.ByHour[f.ReceivedAt.In(precinct.CST).Hour()]++
	if f.DispatchedAt != nil {
		s.flow = append(s.flow, f.DispatchedAt.Sub(f.ReceivedAt).Seconds())
	}
	if f.ArrivedAt != nil {
		s.resp = append(s.resp, f.ArrivedAt.Sub(f.ReceivedAt).Seconds())
	}
	switch f.Outcome {
	case precinct.OutcomeResolvedOnScene:
		st.ResolvedOnScene++
	case precinct.OutcomeHandedOver:
		st.HandedOver++
	}
	if f.Satisfaction > 0 {
		st.Callbacks++
		s.satSum += f.Satisfaction
		if f.Satisfaction >= 4 {
			s.satisfied++
		}
	}
	if s.heat != nil && !f.Point.IsZero() {
		s.heat[[2]int64{int64(math.Floor(f.Point.Lon / s.cellDeg)), int64(math.Floor(f.Point.Lat / s.cellDeg))}]++
	}
}

// Stats returns the statistics of what was added.
func (s *Summary) Stats() precinct.IncidentStats {
	st := s.stats
	st.ByCategory, st.ByStatus, st.ByStation, st.ByHandler = counts(s.categories), counts(s.statuses), counts(s.stations), counts(s.handlers)
	st.ByDisposition = counts(s.disposals)
	if st.Total > 0 {
		st.PatrolShare = ptr(float64(s.handlers[string(precinct.HandlerPatrol)]) / float64(st.Total))
	}
	st.FlowTime, st.ResponseTime = durations(s.flow), durations(s.resp)
	if finished := st.ResolvedOnScene + st.HandedOver; finished > 0 {
		st.OnSceneRate = ptr(float64(st.ResolvedOnScene) / float64(finished))
	}
	if st.Callbacks > 0 {
		st.SatisfactionMean = ptr(float64(s.satSum) / float64(st.Callbacks))
		st.SatisfiedRate = ptr(float64(s.satisfied) / float64(st.Callbacks))
	}
	if s.heat != nil {
		st.Heat = make([]precinct.HeatCell, 0, len(s.heat))
		for k, n := range s.heat {
			st.Heat = append(st.Heat, precinct.HeatCell{Lon: (float64(k[0]) + 0.5) * s.cellDeg, Lat: (float64(k[1]) + 0.5) * s.cellDeg, N: n})
		}
		slices.SortFunc(st.Heat, func(a, b precinct.HeatCell) int {
			return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Lon, b.Lon), cmp.Compare(a.Lat, b.Lat))
		})
		if len(st.Heat) > MaxHeatCells {
			st.Heat, st.HeatTruncated = st.Heat[:MaxHeatCells], true
		}
	}
	return st
}

// counts orders a tally by count, largest first, then by key.
func counts(m map[string]int) []precinct.Count {
	out := make([]precinct.Count, 0, len(m))
	for k, n := range m {
		out = append(out, precinct.Count{Key: k, N: n})
	}
	slices.SortFunc(out, func(a, b precinct.Count) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Key, b.Key)) })
	return out
}

// durations summarises seconds: mean, and the 50th and 90th percentiles by
// the nearest-rank method.
func durations(xs []float64) precinct.Durations {
	d := precinct.Durations{N: len(xs)}
	if len(xs) == 0 {
		return d
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	rank := func(p float64) float64 { return xs[max(0, int(math.Ceil(p*float64(len(xs))))-1)] }
	d.MeanS, d.P50S, d.P90S = ptr(sum/float64(len(xs))), ptr(rank(0.5)), ptr(rank(0.9))
	return d
}

// Compare returns the change from prev to cur.
func Compare(cur, prev *precinct.IncidentStats) *precinct.Change {
	c := &precinct.Change{}
	if prev.Total > 0 {
		c.TotalPct = ptr(100 * float64(cur.Total-prev.Total) / float64(prev.Total))
	}
	c.FlowTimeMeanS = diff(cur.FlowTime.MeanS, prev.FlowTime.MeanS)
	c.ResponseTimeMeanS = diff(cur.ResponseTime.MeanS, prev.ResponseTime.MeanS)
	c.OnSceneRate = diff(cur.OnSceneRate, prev.OnSceneRate)
	c.SatisfiedRate = diff(cur.SatisfiedRate, prev.SatisfiedRate)
	c.PatrolShare = diff(cur.PatrolShare, prev.PatrolShare)
	return c
}

func diff(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	return ptr(*a - *b)
}

func ptr(v float64) *float64 { return &v }

// Service answers statistics queries from the store, within the user's
// jurisdiction.
type Service struct {
	Store precinct.StatsStore
	// Catalog, when set, names categories and stations in exports.
	Catalog Catalog
	// Dispositions, when set, names the closing codes in exports.
	Dispositions Dispositions
}

var _ precinct.StatsService = (*Service)(nil)

// IncidentStats checks the query and the user's right to it, and computes
// the report.
func (s *Service) IncidentStats(ctx context.Context, q precinct.StatsQuery) (*precinct.IncidentReport, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadIncident); err != nil {
		return nil, err
	}
	if err := check(q); err != nil {
		return nil, err
	}
	// Statistics count the incidents of a place: the caller's scope, less
	// the incidents their unit worked elsewhere.
	sc := precinct.ScopeOf(u)
	sc.UnitID = ""
	f := precinct.IncidentFilter{Scope: sc, SubBureauID: u.Scope.SubBureauID, PoliceGridID: u.Scope.PoliceGridID}
	station := u.Scope.StationID
	if q.StationID != "" {
		if station != "" && q.StationID != station {
			return nil, precinct.ErrForbidden()
		}
		st, err := s.Store.FindStation(ctx, q.StationID)
		if err != nil {
			return nil, err
		}
		if u.Scope.SubBureauID != "" && st.SubBureauID != u.Scope.SubBureauID {
			return nil, precinct.ErrForbidden()
		}
		station = q.StationID
	}
	if station != "" {
		f.StationIDs = []string{station}
	}
	rep := &precinct.IncidentReport{SubBureauID: u.Scope.SubBureauID, StationID: station, PoliceGridID: u.Scope.PoliceGridID}
	period := func(from, to time.Time) (*precinct.IncidentStats, error) {
		f.Since, f.Until = from, to
		sum := NewSummary(from, to, q.HeatCellDeg)
		if err := s.Store.IncidentFacts(ctx, f, func(fact *precinct.IncidentFact) error {
			sum.Add(fact)
			return nil
		}); err != nil {
			return nil, err
		}
		st := sum.Stats()
		return &st, nil
	}
	cur, err := period(q.From, q.To)
	if err != nil {
		return nil, err
	}
	rep.Current = *cur
	if q.CompareYear {
		prev, err := period(q.From.AddDate(-1, 0, 0), q.To.AddDate(-1, 0, 0))
		if err != nil {
			return nil, err
		}
		rep.PreviousYear, rep.Change = prev, Compare(cur, prev)
	}
	return rep, nil
}

// check validates a query's period and heat-map cell.
func check(q precinct.StatsQuery) error {
	switch {
	case q.From.IsZero() || q.To.IsZero():
		return precinct.FieldErrorf(precinct.EINVALID, "from", "请给出统计时段的起止时间", "Give the start and end of the period.")
	case !q.From.Before(q.To):
		return precinct.FieldErrorf(precinct.EINVALID, "to", "结束时间应晚于开始时间", "The end must be after the start.")
	case q.To.Sub(q.From) > MaxPeriod:
		return precinct.FieldErrorf(precinct.EINVALID, "to", "统计时段不能超过 366 天", "The period may not exceed 366 days.")
	case q.HeatCellDeg < 0 || q.HeatCellDeg > 0 && q.HeatCellDeg < MinHeatCellDeg || q.HeatCellDeg > 1:
		return precinct.FieldErrorf(precinct.EINVALID, "heat_cell_deg", "热力格网边长应在 0.001 至 1 度之间", "The heat-map cell must be 0.001 to 1 degree.")
	}
	return nil
}
