package duty

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"precinct"
)

// Availability is the live picture of units the scheduler keeps in step
// with the roster: package dispatch/live's Index.
type Availability interface {
	SetOnShift(unitID string, on bool) bool
	Unit(id string) (precinct.Unit, bool)
}

// DefaultRefresh is how often a Scheduler reads the rosters again when
// nothing wakes it.
const DefaultRefresh = time.Minute

// Scheduler makes the roster drive availability on one node. Every node
// runs one: at each shift boundary it reads the patterns and rosters,
// works out which governed units are on shift, and sets its own live index
// — so every node changes at the boundary by itself, with nobody pressing a
// button and no node waiting for another. Each node also offers the states
// to the store, which records a change once however many nodes offer it
// (a state is taken only over an older one, under a row lock), so the
// consoles' event stream shows each unit going on or off shift once. A
// roster edit on any node reaches the others as an event on the bus, which
// wakes their schedulers (Wake); a missed event is made good by the
// periodic refresh. The scheduler also closes roll calls at their deadline
// (once, whichever node gets there first) and passes waiting clues to the
// grid loop.
type Scheduler struct {
	Service *Service
	Live    Availability
	Logger  *slog.Logger
	// Refresh is how long the scheduler waits, at most, between passes
	// (default DefaultRefresh).
	Refresh time.Duration

	wake     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	governed map[string]bool // units this node last set by the roster
}

func (s *Scheduler) init() {
	s.once.Do(func() { s.wake = make(chan struct{}, 1) })
}

// Wake makes the scheduler look again at once (a roster changed).
func (s *Scheduler) Wake() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// system is the context of the scheduler's own work.
func system(ctx context.Context) context.Context {
	return precinct.NewContextWithUser(ctx, &precinct.User{ID: "system", Username: "system", Role: precinct.RoleAdmin})
}

// Tick does one pass at the clock's time: it puts the governed units on or
// off shift in the live index, records state changes, closes roll calls
// past their deadline and hands waiting clues on. It returns when it should
// run next: the next shift boundary or roll-call deadline (zero: none).
func (s *Scheduler) Tick(ctx context.Context) (time.Time, error) {
	ctx = system(ctx)
	svc := s.Service
	now := svc.now()
	rs, patterns, err := svc.load(ctx, precinct.Everywhere, nil, weeksAround(now))
	if err != nil {
		return time.Time{}, err
	}
	units := map[string]*precinct.Unit{}
	gov := Governed(patterns, rs)
	for id := range gov {
		if u, ok := s.Live.Unit(id); ok {
			units[id] = &u
		}
	}
	states := UnitStates(rs, units, now)
	s.mu.Lock()
	for _, st := range states {
		s.Live.SetOnShift(st.UnitID, st.OnShift)
	}
	// A unit no longer governed is back on its status alone.
	for id := range s.governed {
		if !gov[id] {
			s.Live.SetOnShift(id, true)
		}
	}
	s.governed = gov
	s.mu.Unlock()
	changes := make([]precinct.ShiftStateChange, 0, len(states))
	for _, st := range states {
		pl := place{{SubBureauID: st.SubBureauID, StationID: st.StationID}}
		if st.ServiceStationID != "" {
			if o, err := svc.ownerOf(ctx, precinct.Everywhere, st.ServiceStationID); err == nil {
				pl = o.place
			}
		}
		typ := "duty.unit.on_shift"
		if !st.OnShift {
			typ = "duty.unit.off_shift"
		}
		changes = append(changes, precinct.ShiftStateChange{State: st, Event: pl.event(ctx, st.AsOf, typ, "unit_shift", st.UnitID, st, nil)})
	}
	if len(changes) > 0 {
		applied, err := svc.Store.SaveShiftStates(ctx, changes)
		if err != nil {
			return time.Time{}, err
		}
		if len(applied) > 0 {
			svc.notify()
		}
	}
	if _, err := svc.CloseDue(ctx); err != nil {
		return time.Time{}, err
	}
	if _, err := svc.HandOffClues(ctx); err != nil && s.Logger != nil {
		s.Logger.Warn("clues not handed off", "err", err)
	}
	next := NextBoundary(rs, now)
	deadline, err := svc.Store.NextRollCallDeadline(ctx)
	if err != nil {
		return time.Time{}, err
	}
	if !deadline.IsZero() && (next.IsZero() || deadline.Before(next)) {
		next = deadline
	}
	return next, nil
}

// Run ticks at each boundary and deadline, when woken, and at least every
// Refresh, until ctx ends. An error of one pass is logged and retried.
func (s *Scheduler) Run(ctx context.Context) error {
	s.init()
	refresh := s.Refresh
	if refresh <= 0 {
		refresh = DefaultRefresh
	}
	for {
		next, err := s.Tick(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if s.Logger != nil {
				s.Logger.Warn("duty scheduler", "err", err)
			}
		}
		wait := refresh
		if !next.IsZero() {
			// A hair past the boundary, so that the pass sees it begun.
			wait = min(wait, next.Sub(s.Service.now())+time.Millisecond)
		}
		t := time.NewTimer(max(wait, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-s.wake:
			t.Stop()
		case <-t.C:
		}
	}
}
