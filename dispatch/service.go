package dispatch

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"precinct"
	"precinct/dispatch/live"
)

// Defaults of Service.
const (
	DefaultCacheTTL     = 10 * time.Second
	DefaultMaxClockSkew = 30 * time.Second
	maxDescription      = 4000 // runes
	maxShortText        = 200  // runes: names, phones, addresses, notes' targets
	maxNote             = 2000
)

// Service takes incidents in, routes them by the rules, recommends units from
// the live index, and moves incidents through their lifecycle. It implements
// precinct.IncidentService, precinct.PositionService and
// precinct.RuleService. Store, Resolver and Live are required; a nil Router
// is the straight-line router and a nil Clock the system clock.
type Service struct {
	Store    precinct.Store
	Resolver precinct.Resolver
	Router   precinct.Router
	Clock    precinct.Clock
	Live     *live.Index
	// Notify is called after every commit so the event relay publishes at
	// once. It may be nil.
	Notify func()
	// CacheTTL is how long rules, categories and the organisation of a
	// sub-bureau are kept before they are read again (default 10 s).
	CacheTTL time.Duration
	// MaxClockSkew is how far in the future a reported position may be.
	MaxClockSkew time.Duration
	// Handover, if set, says what work an incident handed over opens (a
	// grid report to triage, a dispute to mediate).
	Handover precinct.HandoverWork

	mu    sync.Mutex
	cache map[string]*subBureauCache
	recs  recCache
	fixes map[string]fixes // by unit: see flag
}

var (
	_ precinct.IncidentService = (*Service)(nil)
	_ precinct.PositionService = (*Service)(nil)
	_ precinct.RuleService     = (*Service)(nil)
	_ precinct.KPIService      = (*Service)(nil)
)

// subBureauCache holds what intake reads for every incident of a sub-bureau.
type subBureauCache struct {
	loaded  time.Time
	rules   *Rules
	version int
	cats    []precinct.Category
	org     *Org
	extent  *extent // around the sub-bureau and its stations; nil if none has a place
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

func (s *Service) router() precinct.Router {
	if s.Router == nil {
		return &StraightLine{}
	}
	return s.Router
}

func (s *Service) notify() {
	if s.Notify != nil {
		s.Notify()
	}
}

// context returns the rules, categories and organisation of a sub-bureau,
// from the cache when fresh.
func (s *Service) context(ctx context.Context, subBureauID string) (*subBureauCache, error) {
	ttl := s.CacheTTL
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	now := s.now()
	s.mu.Lock()
	c := s.cache[subBureauID]
	s.mu.Unlock()
	if c != nil && now.Sub(c.loaded) < ttl && !now.Before(c.loaded) {
		return c, nil
	}
	c = &subBureauCache{loaded: now}
	var err error
	if c.rules, c.version, err = s.loadRules(ctx, subBureauID); err != nil {
		return nil, err
	}
	if c.cats, err = s.Store.ListCategories(ctx, subBureauID); err != nil {
		return nil, err
	}
	if len(c.cats) == 0 {
		c.cats = precinct.DefaultCategories
	}
	if c.org, err = s.loadOrg(ctx, subBureauID); err != nil {
		return nil, err
	}
	c.extent = extentOf(c.org)
	s.mu.Lock()
	if s.cache == nil {
		s.cache = make(map[string]*subBureauCache)
	}
	s.cache[subBureauID] = c
	s.mu.Unlock()
	return c, nil
}

// forget drops a sub-bureau's cache (after its rules change).
func (s *Service) forget(subBureauID string) {
	s.mu.Lock()
	delete(s.cache, subBureauID)
	s.mu.Unlock()
}

func (s *Service) loadRules(ctx context.Context, subBureauID string) (*Rules, int, error) {
	doc, version, err := s.Store.Rules(ctx, subBureauID)
	if precinct.ErrorCode(err) == precinct.ENOTFOUND {
		return DefaultRules(), 0, nil
	} else if err != nil {
		return nil, 0, err
	}
	r, err := ParseRules(doc, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("dispatch: stored rules of %s: %w", subBureauID, err)
	}
	return r, version, nil
}

func (s *Service) loadOrg(ctx context.Context, subBureauID string) (*Org, error) {
	sb, err := s.Store.FindSubBureau(ctx, subBureauID)
	if err != nil {
		return nil, err
	}
	org := &Org{SubBureau: sb}
	for cursor := ""; ; {
		page, next, err := s.Store.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere, SubBureauID: subBureauID, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, err
		}
		org.Stations = append(org.Stations, page...)
		if cursor = next; cursor == "" {
			break
		}
	}
	if org.ServiceStations, err = s.Store.ListServiceStations(ctx, subBureauID); err != nil {
		return nil, err
	}
	return org, nil
}

// LoadUnits fills the live index with every unit in the store.
func (s *Service) LoadUnits(ctx context.Context) error {
	for cursor := ""; ; {
		units, next, err := s.Store.ListUnits(ctx, precinct.UnitFilter{Scope: precinct.Everywhere, Cursor: cursor, Limit: 1000})
		if err != nil {
			return err
		}
		s.Live.Put(units...)
		if cursor = next; cursor == "" {
			return nil
		}
	}
}

// EventRules are the read rules of the events this service records, for the
// event stream (package feed): each is the rule of the service's own reads.
func (s *Service) EventRules() map[string]precinct.EventRule {
	return map[string]precinct.EventRule{
		"incident": s.IncidentEvent,
		"unit":     s.UnitEvent,
		"rules":    s.RulesEvent,
	}
}

// OrgChanged follows a change of a sub-bureau's organisation (an import, an
// edit): its stations are read again at the next routing, new units enter
// the live index, changed ones are updated there (keeping their live
// position and status) and retired ones leave it.
func (s *Service) OrgChanged(ctx context.Context, subBureauID string) error {
	s.forget(subBureauID)
	seen := map[string]bool{}
	for cursor := ""; ; {
		units, next, err := s.Store.ListUnits(ctx, precinct.UnitFilter{Scope: precinct.Everywhere, Cursor: cursor, Limit: 1000})
		if err != nil {
			return err
		}
		for _, u := range units {
			seen[u.ID] = true
			cur, ok := s.Live.Unit(u.ID)
			if !ok {
				s.Live.Put(u)
				continue
			}
			if cur.Callsign != u.Callsign || cur.Kind != u.Kind || cur.StationID != u.StationID || cur.ServiceStationID != u.ServiceStationID ||
				cur.PoliceGridID != u.PoliceGridID || !slices.Equal(cur.Members, u.Members) || cur.SubBureauID != u.SubBureauID {
				cur.Callsign, cur.Kind, cur.StationID, cur.ServiceStationID = u.Callsign, u.Kind, u.StationID, u.ServiceStationID
				cur.PoliceGridID, cur.Members, cur.SubBureauID = u.PoliceGridID, u.Members, u.SubBureauID
				s.Live.Put(&cur)
			}
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	for _, id := range s.Live.IDs() {
		if !seen[id] {
			s.Live.Remove(id)
		}
	}
	return nil
}
