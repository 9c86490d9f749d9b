package workflow

import (
	"context"
	"strconv"
	"time"

	"precinct"
)

// Tasks is the task source of the workflows: the steps of open items in
// the query's scope that are due by the end of the day and that their state
// declares as an officer's task, and the items past their deadline or
// escalated whose state names an overdue task — unless someone checked on
// them that day. Every kind the engine runs contributes without code of
// its own.
type Tasks struct {
	Engine *Engine
}

var _ precinct.TaskSource = Tasks{}

// maxTasks bounds the items one query reads.
const maxTasks = 1000

// Tasks returns the tasks of q's day.
func (s Tasks) Tasks(ctx context.Context, q precinct.TaskQuery) ([]precinct.Task, error) {
	e := s.Engine
	end := q.Day.AddDate(0, 0, 1)
	now := e.now()
	open := true
	seen := map[string]bool{}
	var out []precinct.Task
	for _, f := range []precinct.WorkFilter{
		{Scope: q.Scope, Open: &open, DueBefore: end, Limit: maxTasks},
		{Scope: q.Scope, Open: &open, MinTier: 1, Limit: maxTasks},
	} {
		items, _, err := e.Store.ListWork(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if seen[it.ID] {
				continue
			}
			seen[it.ID] = true
			if t, ok := e.task(it, q, now); ok {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// task returns the officer's task for an item, if it has one on q's day.
func (e *Engine) task(it *precinct.WorkItem, q precinct.TaskQuery, now time.Time) (precinct.Task, bool) {
	k := e.Kinds[it.Kind]
	if k == nil || q.PoliceGridID != "" && it.Location.PoliceGridID != q.PoliceGridID {
		return precinct.Task{}, false
	}
	st := k.State(it.State)
	if st == nil || st.Due == nil {
		return precinct.Task{}, false
	}
	late := it.Overdue || it.Tier > 0 || it.DueAt != nil && it.DueAt.Before(now)
	step := precinct.WorkAction("")
	switch {
	case late && st.Due.OverdueTask != "":
		step = st.Due.OverdueTask
		if it.TouchedAt != nil && !it.TouchedAt.Before(q.Day) {
			return precinct.Task{}, false // checked on today
		}
	case st.Due.Task && it.DueAt != nil && it.DueAt.Before(q.Day.AddDate(0, 0, 1)):
		step = st.Due.Step
	default:
		return precinct.Task{}, false
	}
	label := string(step)
	if t := k.Transition(step); t != nil {
		label = t.Label.ZH
	}
	return precinct.Task{
		ID:     it.ID + ":" + string(step) + ":" + strconv.Itoa(it.Steps) + ":" + strconv.Itoa(it.Tier),
		Source: string(it.Kind), Kind: it.Kind, ItemID: it.ID,
		Title: k.Label.ZH + " · " + label + "：" + it.Title, Step: step, DueAt: it.DueAt, Overdue: late,
		Point: it.Point, Location: it.Location, Assignee: it.Assignee,
	}, true
}
