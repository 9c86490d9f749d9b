// Package feed decides what each caller hears of the event log and the
// bus. Every context declares, per entity type it records events about, the
// read rule of that entity (precinct.EventRule) — the same rule its own
// single reads and lists use — and the feed passes each event through it,
// live or replayed. An entity type without a rule is never sent (fail
// closed).
package feed

import (
	"context"

	"precinct"
)

// Service filters events for callers. Log is required for Replay.
type Service struct {
	Log precinct.EventStore
	// Rules maps an entity type ("incident", "unit", …) to its read rule.
	Rules map[string]precinct.EventRule
	// Units is the read rule of units, for the live positions a stream
	// follows; without it no position is sent.
	Units func(*precinct.User, *precinct.Unit) bool
}

// UnitVisible reports whether u may follow the position of un.
func (s *Service) UnitVisible(u *precinct.User, un *precinct.Unit) bool {
	return u != nil && s.Units != nil && s.Units(u, un)
}

// Filter returns e as u may see it, or nil.
func (s *Service) Filter(u *precinct.User, e *precinct.Event) *precinct.Event {
	if u == nil || e == nil {
		return nil
	}
	rule := s.Rules[e.EntityType]
	if rule == nil {
		return nil
	}
	return rule(u, e)
}

// Replay returns up to limit events after sequence number after, of the
// sub-bureaus u reaches, each as u may see it (those u may not see are left
// out), and the sequence number of the last event read, seen or not.
func (s *Service) Replay(ctx context.Context, u *precinct.User, after int64, limit int) ([]*precinct.Event, int64, int, error) {
	evs, err := s.Log.ListEvents(ctx, precinct.EventFilter{Scope: precinct.ScopeOf(u), AfterSeq: after, Limit: limit})
	if err != nil {
		return nil, after, 0, err
	}
	out := evs[:0]
	last := after
	for _, e := range evs {
		last = e.Seq
		if v := s.Filter(u, e); v != nil {
			out = append(out, v)
		}
	}
	return out, last, len(evs), nil
}

// New returns a feed over the event log with the read rules each context
// declares for its entity types, and the read rule of units for positions.
// An entity type declared twice is a wiring mistake and panics.
func New(log precinct.EventStore, units func(*precinct.User, *precinct.Unit) bool, rules ...map[string]precinct.EventRule) *Service {
	s := &Service{Log: log, Units: units, Rules: map[string]precinct.EventRule{}}
	for _, set := range rules {
		for typ, rule := range set {
			if _, dup := s.Rules[typ]; dup {
				panic("feed: two read rules for events of " + typ)
			}
			s.Rules[typ] = rule
		}
	}
	return s
}
