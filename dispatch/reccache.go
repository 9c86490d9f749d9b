package dispatch

import (
	"context"
	"slices"
	"sync"
	"time"

	"precinct"
)

// maxCachedIncidents bounds the recommendation cache; when full it is
// emptied and fills again with the incidents asked about.
const maxCachedIncidents = 10000

// recCache keeps what a recommendation reads of an incident — the incident
// and the highest reinforcement wave its timeline requests — so that asking
// again (the console refreshes the proposal as units move) reads neither the
// incident nor its timeline from the store. The node that creates an
// incident keeps it at once. An entry is forgotten when the incident
// changes: on this node when Act commits, on every node when the change's
// event arrives on the bus (Service.IncidentChanged); and it is read again
// after CacheTTL in any case, should an event be lost.
type recCache struct {
	mu sync.Mutex
	// gen counts forgettings: a read from the store that began before one
	// is not kept, since it may be older than the change.
	gen uint64
	m   map[string]recEntry
}

type recEntry struct {
	inc    *precinct.Incident // shared, never changed
	wave   int
	loaded time.Time
}

// IncidentChanged is told of each incident event on the bus, from any node:
// the incident is read again for its next recommendation — unless the event
// is its creation, which changes nothing a node may hold (the node that
// created it keeps it as created).
func (s *Service) IncidentChanged(e *precinct.Event) {
	if e.EntityType == "incident" && e.Type != EventCreated {
		s.forgetIncident(e.EntityID)
	}
}

// forgetIncident drops what the recommendation cache holds of an incident.
func (s *Service) forgetIncident(id string) {
	c := &s.recs
	c.mu.Lock()
	c.gen++
	delete(c.m, id)
	c.mu.Unlock()
}

// rememberCreated keeps an incident this node has just created, so that
// its first recommendation — the one a dispatcher waits for — reads nothing
// from the store. gen is the count of forgettings read before the incident
// was committed: if the incident may have changed since, it is not kept.
// A new incident requests no reinforcement.
func (s *Service) rememberCreated(inc *precinct.Incident, gen uint64) {
	own := *inc
	own.SharedWith, own.Units = slices.Clone(inc.SharedWith), slices.Clone(inc.Units)
	c := &s.recs
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.put(inc.ID, recEntry{inc: &own, wave: 1, loaded: s.now()})
	}
}

// forgettings returns the count of forgettings so far.
func (c *recCache) forgettings() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps an entry; c.mu must be held.
func (c *recCache) put(id string, e recEntry) {
	if c.m == nil || len(c.m) >= maxCachedIncidents {
		c.m = make(map[string]recEntry)
	}
	c.m[id] = e
}

// recommendable returns the incident and its requested wave, from the cache
// when fresh, else from the store. The incident is shared: callers must not
// change it. The caller's right to read it is checked by the caller.
func (s *Service) recommendable(ctx context.Context, id string) (*precinct.Incident, int, error) {
	ttl := s.CacheTTL
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	now := s.now()
	c := &s.recs
	c.mu.Lock()
	e, ok := c.m[id]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Sub(e.loaded) < ttl && !now.Before(e.loaded) {
		return e.inc, e.wave, nil
	}
	inc, err := s.Store.FindIncident(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	tl, err := s.Store.Timeline(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	wave := requestedWave(tl)
	c.mu.Lock()
	if c.gen == gen {
		c.put(id, recEntry{inc: inc, wave: wave, loaded: now})
	}
	c.mu.Unlock()
	return inc, wave, nil
}
