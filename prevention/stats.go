package prevention

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"precinct"
)

// Reference is the seeds' figure the reach rate is set beside: Tianjin
// pushed 6,146,600 precise warning tasks and its community officers reached
// 3,988,200 people [004].
var Reference = ReferenceFigure{Pushed: 6146600, Reached: 3988200, ReachRate: 3988200.0 / 6146600.0,
	Source: "天津公安推送电诈精准预警宣防任务614.66万余次，社区民警精准宣防398.82万余人次 [004]"}

// ReferenceFigure is a reference reach rate.
type ReferenceFigure struct {
	Pushed    int     `json:"pushed"`
	Reached   int     `json:"reached"`
	ReachRate float64 `json:"reach_rate"`
	Source    string  `json:"source"`
}

// Tally is the figures of a set of dissuasion tasks.
type Tally struct {
	Pushed     int `json:"pushed"`
	Reached    int `json:"reached"`
	Dissuaded  int `json:"dissuaded"`
	NotReached int `json:"not_reached"`
	Open       int `json:"open"`
	Escalated  int `json:"escalated"`
	Referred   int `json:"referred"`
	// LossesAvoided sums the amounts at risk of those dissuaded; Lost the
	// money already lost (yuan).
	LossesAvoided float64  `json:"losses_avoided"`
	Lost          float64  `json:"lost"`
	ReachRate     *float64 `json:"reach_rate"`
	DissuadeRate  *float64 `json:"dissuade_rate"`
	// MinutesToReach is the mean time from the push to reaching the person.
	MinutesToReach *float64 `json:"minutes_to_reach"`
	minutes        float64
}

func (t *Tally) add(it *precinct.WorkItem, d *Task) {
	t.Pushed++
	if it.Tier > 0 {
		t.Escalated++
	}
	o := d.Outcome
	switch {
	case it.Open():
		t.Open++
	case o.Reached():
		t.Reached++
		t.minutes += o.ReachedAt.Sub(it.OpenedAt).Minutes()
		if o.Dissuaded {
			t.Dissuaded++
			t.LossesAvoided += d.Amount
		}
		t.Lost += o.Lost
		if o.Referred {
			t.Referred++
		}
	default:
		t.NotReached++
	}
}

func (t *Tally) finish() {
	if t.Pushed > 0 {
		r := float64(t.Reached) / float64(t.Pushed)
		t.ReachRate = &r
	}
	if t.Reached > 0 {
		d, m := float64(t.Dissuaded)/float64(t.Reached), t.minutes/float64(t.Reached)
		t.DissuadeRate, t.MinutesToReach = &d, &m
	}
}

// Group is the tally of one grid, station, month or fraud type.
type Group struct {
	Key   string `json:"key"`
	Label string `json:"label,omitempty"`
	Tally
	// LastYear is the same group a year before (months only).
	LastYear *Tally `json:"last_year,omitempty"`
}

// Figures are the anti-fraud figures of a period in the caller's
// jurisdiction.
type Figures struct {
	From        time.Time       `json:"from"`
	To          time.Time       `json:"to"`
	Total       Tally           `json:"total"`
	LastYear    Tally           `json:"last_year"`
	ByMonth     []Group         `json:"by_month"`
	ByStation   []Group         `json:"by_station"`
	ByGrid      []Group         `json:"by_grid"`
	ByFraudType []Group         `json:"by_fraud_type"`
	Triage      int             `json:"triage"`
	Reference   ReferenceFigure `json:"reference"`
}

// FigureFilter narrows the figures.
type FigureFilter struct {
	From, To     time.Time // [From, To), by the time the task was pushed
	StationID    string
	PoliceGridID string
	FraudType    string
}

// Figures computes pushed, reached, dissuaded, losses avoided and time to
// reach, in total, by month (with the same month a year before), station,
// police grid and fraud type, for the dissuasion tasks the caller may read
// pushed in the period, and the warnings waiting in triage.
func (s *Service) Figures(ctx context.Context, f FigureFilter) (*Figures, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	if !f.To.After(f.From) || f.To.After(f.From.AddDate(3, 0, 0)) {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "to", "统计区间应为 1 天至 3 年", "The period must be a day to three years.")
	}
	out := &Figures{From: f.From, To: f.To, Reference: Reference, ByMonth: []Group{}, ByStation: []Group{}, ByGrid: []Group{}, ByFraudType: []Group{}}
	months, lastMonths := map[string]*Group{}, map[string]*Tally{}
	stations, grids, types := map[string]*Group{}, map[string]*Group{}, map[string]*Group{}
	get := func(m map[string]*Group, k string) *Group {
		if m[k] == nil {
			m[k] = &Group{Key: k}
		}
		return m[k]
	}
	each := func(from, to time.Time, fn func(it *precinct.WorkItem, d *Task)) error {
		for cur := ""; ; {
			items, next, err := s.Engine.List(ctx, precinct.WorkFilter{Kind: Kind, Since: from, Until: to, Cursor: cur, Limit: 1000})
			if err != nil {
				return err
			}
			for _, it := range items {
				var d Task
				if json.Unmarshal(it.Data, &d) != nil {
					continue
				}
				if f.StationID != "" && it.Location.StationID != f.StationID || f.PoliceGridID != "" && it.Location.PoliceGridID != f.PoliceGridID ||
					f.FraudType != "" && d.FraudType != f.FraudType {
					continue
				}
				fn(it, &d)
			}
			if cur = next; cur == "" {
				return nil
			}
		}
	}
	err := each(f.From, f.To, func(it *precinct.WorkItem, d *Task) {
		out.Total.add(it, d)
		get(months, it.OpenedAt.In(precinct.CST).Format("2006-01")).add(it, d)
		get(stations, it.Location.StationID).add(it, d)
		get(grids, it.Location.PoliceGridID).add(it, d)
		get(types, d.FraudType).add(it, d)
	})
	if err != nil {
		return nil, err
	}
	err = each(f.From.AddDate(-1, 0, 0), f.To.AddDate(-1, 0, 0), func(it *precinct.WorkItem, d *Task) {
		out.LastYear.add(it, d)
		m := it.OpenedAt.In(precinct.CST).AddDate(1, 0, 0).Format("2006-01")
		if lastMonths[m] == nil {
			lastMonths[m] = &Tally{}
		}
		lastMonths[m].add(it, d)
	})
	if err != nil {
		return nil, err
	}
	out.Total.finish()
	out.LastYear.finish()
	for m := time.Date(f.From.In(precinct.CST).Year(), f.From.In(precinct.CST).Month(), 1, 0, 0, 0, 0, precinct.CST); m.Before(f.To); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		g := get(months, k)
		g.finish()
		if ly := lastMonths[k]; ly != nil {
			ly.finish()
			g.LastYear = ly
		} else {
			g.LastYear = &Tally{}
		}
		out.ByMonth = append(out.ByMonth, *g)
	}
	sorted := func(m map[string]*Group, label func(string) string) []Group {
		out := []Group{}
		for _, g := range m {
			g.finish()
			if label != nil {
				g.Label = label(g.Key)
			}
			out = append(out, *g)
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Pushed != out[j].Pushed {
				return out[i].Pushed > out[j].Pushed
			}
			return out[i].Key < out[j].Key
		})
		return out
	}
	stationName := func(id string) string {
		if st, err := s.Engine.Store.FindStation(ctx, id); err == nil {
			return st.Name
		}
		return ""
	}
	gridName := func(id string) string {
		if g, err := s.Engine.Store.FindPoliceGrid(ctx, id); err == nil {
			return g.Name
		}
		return ""
	}
	out.ByStation, out.ByGrid, out.ByFraudType = sorted(stations, stationName), sorted(grids, gridName), sorted(types, FraudLabel)
	sc := precinct.ScopeOf(u)
	if sc.All || sc.StationID == "" {
		for cur := ""; ; {
			ws, next, err := s.Engine.Store.ListWarnings(ctx, precinct.WarningFilter{Scope: sc, Status: precinct.WarningTriage, Since: f.From, Until: f.To, Cursor: cur, Limit: 1000})
			if err != nil {
				return nil, err
			}
			out.Triage += len(ws)
			if cur = next; cur == "" {
				break
			}
		}
	}
	return out, nil
}
