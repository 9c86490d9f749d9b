package dispatch_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/geo"
	"precinct/sqldb"
	"precinct/storetest"
)

// readCounter is a store that counts the reads a recommendation may make
// of an incident, and calls committed, if set, as an incident is created.
type readCounter struct {
	precinct.Store
	reads     atomic.Int64
	committed func()
}

func (s *readCounter) CreateIncident(ctx context.Context, inc *precinct.Incident, events []*precinct.Event) (*precinct.Incident, bool, error) {
	stored, created, err := s.Store.CreateIncident(ctx, inc, events)
	if s.committed != nil {
		s.committed()
	}
	return stored, created, err
}

func (s *readCounter) FindIncident(ctx context.Context, id string) (*precinct.Incident, error) {
	s.reads.Add(1)
	return s.Store.FindIncident(ctx, id)
}

func (s *readCounter) Timeline(ctx context.Context, id string) ([]*precinct.Event, error) {
	s.reads.Add(1)
	return s.Store.Timeline(ctx, id)
}

// TestRecommendationCache: the node that takes a call keeps the new
// incident, so that the first recommendation for it reads nothing from the
// store; a change made on this node or announced by another is read again.
func TestRecommendationCache(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "cache.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	j := storetest.Fixture()
	for _, u := range j.Units {
		u.PositionAt = t0
	}
	if err := db.ImportJurisdiction(ctx, j); err != nil {
		t.Fatal(err)
	}
	pgs, cgs, err := db.AllGrids(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{t0}
	store := &readCounter{Store: db}
	svc := &dispatch.Service{Store: store, Resolver: geo.NewResolver(j.Stations, pgs, cgs), Clock: clock, Live: dispatch.NewIndex(clock, 0)}
	u, err := db.FindUser(ctx, "u1") // the sub-bureau's dispatcher
	if err != nil {
		t.Fatal(err)
	}
	as := precinct.NewContextWithUser(ctx, u)
	if err := svc.LoadUnits(as); err != nil {
		t.Fatal(err)
	}

	inc, created, err := svc.Intake(as, precinct.IncidentInput{Source: precinct.SourceCall110, Category: "theft", PlaceType: precinct.PlaceVillage,
		Point: j.Stations[0].Location, Priority: 3})
	if err != nil || !created {
		t.Fatalf("intake: %v, created %v", err, created)
	}
	recommend := func(what string, wantReads int64) *precinct.Recommendation {
		t.Helper()
		store.reads.Store(0)
		rec, err := svc.Recommend(as, inc.ID)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n := store.reads.Load(); n != wantReads {
			t.Errorf("%s: %d reads of the incident or its timeline, want %d", what, n, wantReads)
		}
		return rec
	}
	rec := recommend("the first recommendation", 0)
	if len(rec.Candidates) == 0 {
		t.Fatalf("no candidates (%+v): the test would prove little", rec)
	}
	recommend("asked again", 0)

	// Its creation arrives on the bus: nothing to read again.
	svc.IncidentChanged(&precinct.Event{Type: dispatch.EventCreated, EntityType: "incident", EntityID: inc.ID})
	recommend("after the creation's event", 0)
	// Another node changed the incident: its event arrives on the bus.
	svc.IncidentChanged(&precinct.Event{Type: dispatch.EventReinforced, EntityType: "incident", EntityID: inc.ID})
	recommend("after a change on another node", 2)
	recommend("asked again", 0)

	// Dispatched here: read again, and the unit sent is no longer proposed.
	sent := rec.Candidates[0].Unit.ID
	if _, err := svc.Act(as, inc.ID, precinct.ActionRequest{Action: precinct.ActionDispatch, Units: []string{sent}}); err != nil {
		t.Fatal(err)
	}
	clock.t = clock.t.Add(time.Second)
	for _, c := range recommend("after dispatching here", 2).Candidates {
		if c.Unit.ID == sent {
			t.Errorf("%s, dispatched, is still proposed", sent)
		}
	}

	// A call whose commit crossed a change announced on the bus is not
	// kept: it may be older than the change.
	store.committed = func() {
		svc.IncidentChanged(&precinct.Event{Type: dispatch.EventDispatched, EntityType: "incident", EntityID: "inc_elsewhere"})
	}
	if inc, _, err = svc.Intake(as, precinct.IncidentInput{Source: precinct.SourceCall110, Category: "theft", PlaceType: precinct.PlaceVillage,
		Point: j.Stations[0].Location, Priority: 3}); err != nil {
		t.Fatal(err)
	}
	recommend("the first recommendation of a call crossed by a change", 2)
	store.committed = nil
}
