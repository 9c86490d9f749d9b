package workflow

import (
	"context"
	"log/slog"
	"time"

	"precinct"
)

// Sweep handles every item whose deadline has passed: one whose state
// escalates goes a tier up (its kind's escalate action, as the system), any
// other is marked overdue. Each change is conditional on the version read,
// so when several nodes sweep one database an item is escalated once; the
// others' changes conflict and are skipped. It returns how many items it
// changed.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	ctx = precinct.NewContextWithUser(ctx, &precinct.User{ID: "system", Username: "system", Role: precinct.RoleAdmin})
	n := 0
	for {
		due, err := e.Store.DueWork(ctx, e.now(), 200)
		if err != nil {
			return n, err
		}
		changed := 0
		for _, it := range due {
			c, err := e.lapse(ctx, it)
			if err != nil {
				return n, err
			}
			err = e.Store.UpdateWork(ctx, c)
			switch precinct.ErrorCode(err) {
			case "":
				n++
				changed++
			case precinct.ECONFLICT:
				// Changed meanwhile, by a user or another node's sweeper.
			default:
				return n, err
			}
		}
		if changed > 0 {
			e.notify()
		}
		if len(due) < 200 || changed == 0 {
			return n, nil
		}
	}
}

// lapse returns the change for an item whose deadline passed.
func (e *Engine) lapse(ctx context.Context, old *precinct.WorkItem) (precinct.WorkChange, error) {
	k, err := e.Kind(old.Kind)
	if err != nil {
		return precinct.WorkChange{}, err
	}
	if st := k.State(old.State); st != nil && st.Due != nil && st.Due.Escalate && old.Tier < len(k.Tiers)-1 {
		if t, err := k.Next(old.State, precinct.ActionEscalate); err == nil {
			_, c, err := e.change(ctx, k, old, t, precinct.WorkRequest{Action: precinct.ActionEscalate})
			return c, err
		}
	}
	now := e.now()
	it := *old
	it.Version, it.UpdatedAt, it.Overdue, it.Late = old.Version+1, now, true, true
	ev := precinct.NewEvent(ctx, now, EventType(it.Kind, ActionOverdue), it.Location, "work", it.ID, old, &it,
		ActionData{Action: ActionOverdue, Note: string(old.DueStep)})
	return precinct.WorkChange{Item: &it, PrevVersion: old.Version, Events: []*precinct.Event{ev}}, nil
}

// Run sweeps every interval (at least a second) until ctx ends, logging
// failures.
func (e *Engine) Run(ctx context.Context, every time.Duration, log *slog.Logger) error {
	every = max(every, time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
			if log != nil {
				log.Warn("deadline sweep", "err", err)
			}
		} else if n > 0 && log != nil {
			log.Info("deadlines passed", "items", n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
