// Package tasks is the officer's day on the police-grid map (警格地图):
// the tasks of a day drawn from the workflows (overdue grid reports,
// reports to triage, dispute follow-ups, and later re-visits and dissuasion
// tasks), each source contributing its own, within the caller's
// jurisdiction. Tasks are not typed in: they come from the work items.
package tasks

import (
	"context"
	"sort"
	"time"

	"precinct"
)

// Service merges the tasks of its sources. Sources are required.
type Service struct {
	Sources []precinct.TaskSource
}

var _ precinct.TaskService = (*Service)(nil)

// Tasks returns the tasks of the day that starts at day (China Standard
// Time) in the caller's jurisdiction, or in one police grid of it; overdue
// first, then by deadline. A linked department's account has no tasks here.
func (s *Service) Tasks(ctx context.Context, day time.Time, policeGridID string) ([]precinct.Task, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadWork); err != nil {
		return nil, err
	}
	if u.Role == precinct.RoleDepartment {
		return nil, precinct.Errorf(precinct.EFORBIDDEN, "每日任务面向民警和网格人员；联动部门请查看转办事项", "Daily tasks are for officers and grid staff; a linked department reads the reports transferred to it.")
	}
	sc := precinct.ScopeOf(u)
	if policeGridID != "" {
		if sc.PoliceGridID != "" && sc.PoliceGridID != policeGridID {
			return nil, precinct.ErrForbidden()
		}
		sc.PoliceGridID = policeGridID
	}
	q := precinct.TaskQuery{Scope: sc, User: u, Day: precinct.DayStart(day), PoliceGridID: policeGridID}
	out := []precinct.Task{}
	for _, src := range s.Sources {
		ts, err := src.Tasks(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Overdue != b.Overdue {
			return a.Overdue
		}
		if (a.DueAt == nil) != (b.DueAt == nil) {
			return a.DueAt != nil
		}
		if a.DueAt != nil && !a.DueAt.Equal(*b.DueAt) {
			return a.DueAt.Before(*b.DueAt)
		}
		return a.ID < b.ID
	})
	return out, nil
}
