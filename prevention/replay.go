package prevention

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"precinct"
)

// PastWarning is a warning of the past with what became of it, for Replay.
type PastWarning struct {
	// Input is the warning as the platform sent it; IssuedAt is required
	// and is when it came in.
	Input WarningInput
	// After is the time from the push to the officer's report; zero leaves
	// the task as it is (open, or escalated once its deadline passed).
	After time.Duration
	// Late: the officer let the deadline pass, the task went up to the
	// station's command office, which reported.
	Late bool
	// Outcome is the report; nil with After set is "not reached".
	Outcome *Outcome
	// Note goes with the report.
	Note string
}

// ReplayResult counts what Replay stored.
type ReplayResult struct {
	Warnings, Pushed, Triage, Reported, Unreached, Open, Escalated int
}

// Replay takes past warnings in and plays what became of them through this
// service and the workflow engine as of their times — matching, routing,
// the push, escalation at the deadline, the reports — in memory, then
// stores the result in one transaction (precinct.PreventionStore's
// ImportWarnings): the warnings, their tasks as they ended, the tallies and
// the timelines, with their events marked published. It is how the demo
// gets its history. The store must hold the registry the warnings are
// matched against and no warning yet with their references. as takes the
// warnings in (warning.intake at its sub-bureau); actor returns the user
// who acts for a task's assignee at its place; now ends the replay: tasks
// left open whose deadline passed are escalated as of then.
func (s *Service) Replay(ctx context.Context, as *precinct.User, past []PastWarning, now time.Time,
	actor func(a precinct.Assignee, loc precinct.Location) *precinct.User) (*ReplayResult, error) {
	clk := &replayClock{}
	rec := &recorder{Store: s.Engine.Store, items: map[string]*precinct.WorkItem{}, refs: map[string]string{}, persons: map[string]int{},
		grids: map[string]*precinct.PoliceGrid{}}
	eng := *s.Engine
	eng.Store, eng.Clock, eng.Notify = rec, clk, nil
	svc := *s
	svc.Engine = &eng

	// Every step at its time: the intake, the sweep just after a late
	// task's deadline, the report.
	type step struct {
		at   time.Time
		i    int
		kind int // 0 intake, 1 sweep, 2 report
	}
	var steps []step
	for i, p := range past {
		if p.Input.IssuedAt == nil {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "issued_at", "历史预警须有预警时间", "A past warning needs its time.")
		}
		t := *p.Input.IssuedAt
		steps = append(steps, step{t, i, 0})
		if p.After > 0 {
			if p.Late {
				lvl := p.Input.Level
				if lvl == "" {
					lvl = precinct.LevelRoutine
				}
				steps = append(steps, step{t.Add(ReachWithin[lvl.Urgency()-1] + time.Minute), i, 1})
			}
			steps = append(steps, step{t.Add(p.After), i, 2})
		}
	}
	sort.SliceStable(steps, func(a, b int) bool { return steps[a].at.Before(steps[b].at) })
	in := precinct.NewContextWithUser(ctx, as)

	tasks := make([]string, len(past))
	res := &ReplayResult{}
	for _, st := range steps {
		if st.at.After(now) {
			continue
		}
		clk.set(st.at)
		p := past[st.i]
		switch st.kind {
		case 0:
			r, err := svc.Intake(in, Batch{Warnings: []WarningInput{p.Input}}, "demo")
			if err != nil {
				return nil, err
			}
			res.Warnings++
			if len(r.Rows) == 1 && r.Rows[0].TaskID != "" {
				tasks[st.i] = r.Rows[0].TaskID
				res.Pushed++
			} else {
				res.Triage++
			}
		case 1:
			if _, err := eng.Sweep(ctx); err != nil {
				return nil, err
			}
		case 2:
			it := rec.items[tasks[st.i]]
			if it == nil || !it.Open() {
				continue
			}
			req := precinct.WorkRequest{Action: ActionUnreached, Note: p.Note}
			if p.Outcome != nil {
				data, err := json.Marshal(p.Outcome)
				if err != nil {
					return nil, err
				}
				req = precinct.WorkRequest{Action: ActionReport, Note: p.Note, Data: data}
			}
			u := actor(it.Assignee, it.Location)
			if u == nil {
				continue
			}
			if _, err := eng.Act(precinct.NewContextWithUser(ctx, u), it.ID, req); err != nil {
				return nil, err
			}
		}
	}
	clk.set(now)
	if _, err := eng.Sweep(ctx); err != nil {
		return nil, err
	}
	for _, id := range tasks {
		it := rec.items[id]
		switch {
		case it == nil:
		case it.State == StateReported:
			res.Reported++
		case it.State == StateUnreached:
			res.Unreached++
		default:
			res.Open++
		}
		if it != nil && it.Tier > 0 {
			res.Escalated++
		}
	}
	if err := s.Engine.Store.ImportWarnings(ctx, rec.warnings, rec.changes, rec.events, now); err != nil {
		return nil, err
	}
	return res, nil
}

// replayClock is the replay's time, set step by step.
type replayClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *replayClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *replayClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// recorder is the store a replay runs on: the real store for everything
// it reads (the registry, grids, users, rules), memory for what the replay
// writes — warnings, tasks and their changes, events — and reads back.
type recorder struct {
	precinct.Store
	warnings []*precinct.Warning
	changes  []precinct.WorkChange
	events   []*precinct.Event
	items    map[string]*precinct.WorkItem
	refs     map[string]string // sub-bureau + ref → warning
	persons  map[string]int    // person key → warnings
	users    []*precinct.User
	grids    map[string]*precinct.PoliceGrid
}

func (r *recorder) CreateWarnings(ctx context.Context, ws []*precinct.Warning, work []precinct.WorkChange, evs []*precinct.Event) error {
	for _, w := range ws {
		r.refs[w.Location.SubBureauID+"\x00"+w.SourceRef] = w.ID
		if w.PersonKey != "" {
			r.persons[w.PersonKey]++
		}
	}
	for _, c := range work {
		it := *c.Item
		r.items[it.ID] = &it
	}
	r.warnings, r.changes, r.events = append(r.warnings, ws...), append(r.changes, work...), append(r.events, evs...)
	return nil
}

func (r *recorder) WarningRefs(ctx context.Context, sb string, refs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, ref := range refs {
		if id, ok := r.refs[sb+"\x00"+ref]; ok {
			out[ref] = id
		}
	}
	return out, nil
}

func (r *recorder) CountWarnings(ctx context.Context, keys []string) (map[string]int, error) {
	out := map[string]int{}
	for _, k := range keys {
		if n := r.persons[k]; n > 0 {
			out[k] = n
		}
	}
	return out, nil
}

func (r *recorder) ListUsers(ctx context.Context) ([]*precinct.User, error) {
	if r.users == nil {
		us, err := r.Store.ListUsers(ctx)
		if err != nil {
			return nil, err
		}
		r.users = us
	}
	return r.users, nil
}

func (r *recorder) FindPoliceGrid(ctx context.Context, id string) (*precinct.PoliceGrid, error) {
	if g, ok := r.grids[id]; ok {
		return g, nil
	}
	g, err := r.Store.FindPoliceGrid(ctx, id)
	if err != nil {
		return nil, err
	}
	r.grids[id] = g
	return g, nil
}

func (r *recorder) FindWork(ctx context.Context, id string) (*precinct.WorkItem, error) {
	it, ok := r.items[id]
	if !ok {
		return nil, precinct.ErrNotFound("工作事项", "Work item", id)
	}
	c := *it
	return &c, nil
}

func (r *recorder) UpdateWork(ctx context.Context, c precinct.WorkChange) error {
	old, ok := r.items[c.Item.ID]
	if !ok || old.Version != c.PrevVersion {
		return precinct.Errorf(precinct.ECONFLICT, "该事项已被他人更新，请刷新后重试", "The item was changed by someone else; reload and try again.")
	}
	it := *c.Item
	r.items[it.ID] = &it
	r.changes = append(r.changes, c)
	return nil
}

func (r *recorder) DueWork(ctx context.Context, now time.Time, limit int) ([]*precinct.WorkItem, error) {
	var out []*precinct.WorkItem
	for _, it := range r.items {
		if it.Open() && !it.Overdue && it.DueAt != nil && !it.DueAt.After(now) {
			c := *it
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].DueAt.Before(*out[j].DueAt) || out[i].DueAt.Equal(*out[j].DueAt) && out[i].ID < out[j].ID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
