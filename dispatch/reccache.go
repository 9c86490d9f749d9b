package dispatch

import (
	"context"
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
// incident nor its timeline from the store. An entry is forgotten when the
// incident changes: on this node when Act commits, on every node when the
// change's event arrives on the bus (Service.ForgetIncident); and it is read
// again after CacheTTL in any case, should an event be lost.
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

// ForgetIncident drops what the recommendation cache holds of an incident;
// the server calls it for each incident event on the bus, from any node.
func (s *Service) ForgetIncident(id string) {
	c := &s.recs
	c.mu.Lock()
	c.gen++
	delete(c.m, id)
	c.mu.Unlock()
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
		if c.m == nil || len(c.m) >= maxCachedIncidents {
			c.m = make(map[string]recEntry)
		}
		c.m[id] = recEntry{inc: inc, wave: wave, loaded: now}
	}
	c.mu.Unlock()
	return inc, wave, nil
}
