package live_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/dispatch/live"
)

// fixedClock is a clock standing still at a settable instant.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

// flatRouter ranks by straight-line distance at one speed for every profile,
// so tests can predict the order.
type flatRouter struct{ unreachable map[precinct.Point]bool }

func (flatRouter) Name() string { return "flat" }

func (r flatRouter) TravelTimes(_ context.Context, from []precinct.Point, to precinct.Point, _ precinct.Profile) ([]precinct.Travel, error) {
	out := make([]precinct.Travel, len(from))
	for i, f := range from {
		if r.unreachable[f] {
			continue
		}
		d := precinct.DistanceM(f, to)
		out[i] = precinct.Travel{DistanceM: d, Duration: time.Duration(d) * time.Second / 10, OK: true}
	}
	return out, nil
}

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func unit(id string, kind precinct.UnitKind, station string, lon, lat float64) *precinct.Unit {
	return &precinct.Unit{ID: id, Kind: kind, SubBureauID: "sb1", StationID: station, Status: precinct.UnitAvailable,
		Position: precinct.Point{Lon: lon, Lat: lat}, PositionAt: now}
}

func ids(cs []precinct.Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Unit.ID)
	}
	return out
}

func TestNearest(t *testing.T) {
	p := precinct.Point{Lon: 108.77, Lat: 29.53}
	build := func() *live.Index {
		x := live.New(&fixedClock{now}, live.Options{})
		x.Put(
			unit("a", precinct.UnitPatrolCar, "st1", 108.771, 29.53),  // ~100 m
			unit("b", precinct.UnitPatrolCar, "st1", 108.775, 29.53),  // ~480 m
			unit("c", precinct.UnitFootPatrol, "st1", 108.772, 29.53), // ~190 m, other kind
			unit("d", precinct.UnitPatrolCar, "st2", 108.7705, 29.53), // ~50 m, other station
			unit("e", precinct.UnitPatrolCar, "st1", 108.80, 29.53),   // ~2.9 km
			unit("f", precinct.UnitPatrolCar, "st1", 108.90, 29.60),   // far
		)
		return x
	}
	tests := []struct {
		name     string
		prepare  func(x *live.Index)
		q        live.Query
		want     []string
		excluded []string
		reasons  map[string]string // unit ID → English reason of its exclusion
	}{
		{name: "k nearest of the kind in the station",
			q:    live.Query{K: 3, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}, StationIDs: []string{"st1"}, Explain: 5},
			want: []string{"a", "b", "e"}, excluded: []string{"d", "c"}},
		{name: "no filters: any available unit",
			q:    live.Query{K: 3},
			want: []string{"d", "a", "c"}},
		{name: "busy and off-duty units are left out with why",
			prepare: func(x *live.Index) {
				x.SetStatus("a", precinct.UnitDispatched, "inc_9")
				x.SetStatus("b", precinct.UnitOffDuty, "")
			},
			q:    live.Query{K: 2, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}, StationIDs: []string{"st1"}, Explain: 5},
			want: []string{"e", "f"}, excluded: []string{"d", "a", "c", "b"},
			reasons: map[string]string{"a": "serving another incident (dispatched)", "b": "off duty", "c": "kind foot patrol is not one the rule asks for",
				"d": "outside the stations and service stations the rule allows"}},
		{name: "a unit back on duty is no longer explained by its old status",
			prepare: func(x *live.Index) {
				x.SetStatus("a", precinct.UnitDispatched, "inc_9")
				x.SetStatus("a", precinct.UnitAvailable, "")
				x.SetStatus("a", precinct.UnitBusy, "")
			},
			q:    live.Query{K: 1, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}, StationIDs: []string{"st1"}, Explain: 5},
			want: []string{"b"}, excluded: []string{"d", "a", "c"},
			reasons: map[string]string{"a": "busy with other work"}},
		{name: "a stale position ranks last",
			prepare: func(x *live.Index) {
				u, _ := x.Unit("a")
				u.PositionAt = now.Add(-3 * time.Minute)
				x.Put(&u)
			},
			q:    live.Query{K: 4, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}, StationIDs: []string{"st1"}},
			want: []string{"b", "e", "f", "a"}},
		{name: "excluded units are left out silently",
			q:    live.Query{K: 2, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}, StationIDs: []string{"st1"}, Exclude: []string{"a"}, Explain: 5},
			want: []string{"b", "e"}, excluded: []string{"d", "c"}},
		{name: "max distance bounds the search",
			q:    live.Query{K: 5, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}, StationIDs: []string{"st1"}, MaxDistanceM: 1000},
			want: []string{"a", "b"}},
		{name: "a service station's units match whatever their station",
			prepare: func(x *live.Index) {
				x.Put(&precinct.Unit{ID: "p1", Kind: precinct.UnitFootPatrol, ServiceStationID: "ss1", Status: precinct.UnitAvailable,
					Position: precinct.Point{Lon: 108.79, Lat: 29.53}, PositionAt: now})
			},
			q:    live.Query{K: 2, Kinds: []precinct.UnitKind{precinct.UnitFootPatrol}, ServiceStationIDs: []string{"ss1"}},
			want: []string{"p1"}},
		{name: "a unit moved out of reach is no longer found near",
			prepare: func(x *live.Index) {
				x.Move([]precinct.Position{{UnitID: "a", Point: precinct.Point{Lon: 109.5, Lat: 30}, At: now.Add(time.Second)}})
			},
			q:    live.Query{K: 2, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}, StationIDs: []string{"st1"}},
			want: []string{"b", "e"}},
		{name: "an older position does not move the unit back",
			prepare: func(x *live.Index) {
				x.Move([]precinct.Position{{UnitID: "a", Point: precinct.Point{Lon: 109.5, Lat: 30}, At: now.Add(-time.Second)}})
			},
			q:    live.Query{K: 1, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}, StationIDs: []string{"st1"}},
			want: []string{"a"}},
		{name: "a removed unit is gone",
			prepare: func(x *live.Index) { x.Remove("a") },
			q:       live.Query{K: 1, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}, StationIDs: []string{"st1"}},
			want:    []string{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := build()
			if tt.prepare != nil {
				tt.prepare(x)
			}
			tt.q.Point = p
			cands, excl, err := x.Nearest(context.Background(), flatRouter{}, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(cands); !slices.Equal(got, tt.want) {
				t.Errorf("candidates %v, want %v", got, tt.want)
			}
			var gotEx []string
			for _, e := range excl {
				gotEx = append(gotEx, e.UnitID)
				if e.Reason == "" || e.ReasonEN == "" {
					t.Errorf("exclusion %+v without a reason", e)
				}
				if want, ok := tt.reasons[e.UnitID]; ok && e.ReasonEN != want {
					t.Errorf("%s left out because %q, want %q", e.UnitID, e.ReasonEN, want)
				}
			}
			if !slices.Equal(gotEx, tt.excluded) {
				t.Errorf("excluded %v, want %v", gotEx, tt.excluded)
			}
		})
	}
}

func TestNearestUnreachable(t *testing.T) {
	x := live.New(&fixedClock{now}, live.Options{})
	x.Put(unit("a", precinct.UnitPatrolCar, "st1", 108.771, 29.53), unit("b", precinct.UnitPatrolCar, "st1", 108.775, 29.53))
	r := flatRouter{unreachable: map[precinct.Point]bool{{Lon: 108.771, Lat: 29.53}: true}}
	cands, excl, err := x.Nearest(context.Background(), r, live.Query{Point: precinct.Point{Lon: 108.77, Lat: 29.53}, K: 2, Explain: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(cands), []string{"b"}) || len(excl) != 1 || excl[0].UnitID != "a" {
		t.Errorf("candidates %v excluded %+v", ids(cands), excl)
	}
}

// TestNearestMatchesLinearScan checks the grid search against a brute-force
// scan on random data.
func TestNearestMatchesLinearScan(t *testing.T) {
	t.Run("dense cells", func(t *testing.T) { testMatchesLinearScan(t, false) })
	// A unit on the far side of the world makes the bounds too wide for a
	// dense array of cells: the grid falls back to its map.
	t.Run("sparse cells", func(t *testing.T) { testMatchesLinearScan(t, true) })
}

func testMatchesLinearScan(t *testing.T, outlier bool) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := live.New(&fixedClock{now}, live.Options{CellDeg: 0.003})
	var all []*precinct.Unit
	kinds := []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitFootPatrol, precinct.UnitCommunity}
	for i := range 3000 {
		u := unit(fmt.Sprintf("u%d", i), kinds[rng.IntN(3)], fmt.Sprintf("st%d", rng.IntN(6)),
			108.7+rng.Float64()*0.2, 29.45+rng.Float64()*0.15)
		if rng.IntN(5) == 0 {
			u.Status = precinct.UnitBusy
		}
		all = append(all, u)
	}
	if outlier {
		all = append(all, unit("far", precinct.UnitPatrolCar, "st1", -170, -80))
	}
	x.Put(all...)
	for i := range 200 {
		p := precinct.Point{Lon: 108.65 + rng.Float64()*0.3, Lat: 29.4 + rng.Float64()*0.25}
		q := live.Query{Point: p, K: 5, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar}, StationIDs: []string{"st1", "st3"}}
		hits, _ := x.Shortlist(q, 5)
		var want []*precinct.Unit
		for _, u := range all {
			if u.Status == precinct.UnitAvailable && u.Kind == precinct.UnitPatrolCar && (u.StationID == "st1" || u.StationID == "st3") {
				want = append(want, u)
			}
		}
		slices.SortFunc(want, func(a, b *precinct.Unit) int {
			da, db := precinct.DistanceM(a.Position, p), precinct.DistanceM(b.Position, p)
			switch {
			case da < db:
				return -1
			case da > db:
				return 1
			}
			return 0
		})
		for j := range hits {
			if hits[j].Unit.ID != want[j].ID {
				t.Fatalf("query %d: hit %d is %s at %.1f m, want %s at %.1f m", i, j, hits[j].Unit.ID, hits[j].DistanceM,
					want[j].ID, precinct.DistanceM(want[j].Position, p))
			}
		}
		if len(hits) != 5 {
			t.Fatalf("query %d: %d hits", i, len(hits))
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	x := live.New(&fixedClock{now}, live.Options{})
	for i := range 200 {
		x.Put(unit(fmt.Sprintf("u%d", i), precinct.UnitPatrolCar, "st1", 108.7+float64(i)*0.001, 29.5))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 500 {
				x.Move([]precinct.Position{{UnitID: fmt.Sprintf("u%d", (i*7+g)%200), Point: precinct.Point{Lon: 108.7 + float64(i%100)*0.002, Lat: 29.5}, At: now.Add(time.Duration(i) * time.Millisecond)}})
				x.SetStatus(fmt.Sprintf("u%d", i%200), precinct.UnitAvailable, "")
			}
		}()
		go func() {
			defer wg.Done()
			for range 200 {
				if _, _, err := x.Nearest(context.Background(), flatRouter{}, live.Query{Point: precinct.Point{Lon: 108.75, Lat: 29.5}, K: 5, Explain: 3}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if x.Len() != 200 {
		t.Errorf("len %d", x.Len())
	}
}

// TestNoMatchWithOutlier: a query nothing matches, in a grid spread over the
// world by one stray position, still ends at once.
func TestNoMatchWithOutlier(t *testing.T) {
	x := live.New(&fixedClock{now}, live.Options{})
	x.Put(unit("a", precinct.UnitPatrolCar, "st1", 108.77, 29.53), unit("far", precinct.UnitPatrolCar, "st1", -170, -80))
	start := time.Now()
	cands, _, err := x.Nearest(context.Background(), flatRouter{}, live.Query{Point: precinct.Point{Lon: 108.77, Lat: 29.53}, K: 3,
		Kinds: []precinct.UnitKind{precinct.UnitVolunteer}, StationIDs: []string{"st1"}, Explain: 3})
	if err != nil || len(cands) != 0 {
		t.Fatal(cands, err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("took %v", d)
	}
}

// TestNearestResultsAreCopies: what Nearest returns belongs to the caller.
// A later query does not overwrite it, and changing it does not change the
// index.
func TestNearestResultsAreCopies(t *testing.T) {
	x := live.New(&fixedClock{now}, live.Options{})
	a := unit("a", precinct.UnitPatrolCar, "st1", 108.771, 29.53)
	a.Members = []string{"p1", "p2"}
	x.Put(a, unit("b", precinct.UnitPatrolCar, "st2", 108.9, 29.6))
	ctx := context.Background()
	first, _, err := x.Nearest(ctx, flatRouter{}, live.Query{Point: precinct.Point{Lon: 108.77, Lat: 29.53}, K: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, _, err := x.Nearest(ctx, flatRouter{}, live.Query{Point: precinct.Point{Lon: 108.9, Lat: 29.6}, K: 1, StationIDs: []string{"st2"}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := first[0].Unit; got.ID != "a" || got.StationID != "st1" || !slices.Equal(got.Members, []string{"p1", "p2"}) {
		t.Fatalf("the first result changed under a later query: %+v", got)
	}
	first[0].Unit.Members[0] = "changed"
	first[0].Unit.Status = precinct.UnitOffDuty
	if u, _ := x.Unit("a"); u.Members[0] != "p1" || u.Status != precinct.UnitAvailable {
		t.Fatalf("changing a result changed the index: %+v", u)
	}
}

// TestNearestAllocations: a query allocates only what it returns (the
// candidates, their units and the exclusions) and the router's answers.
func TestNearestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	x := live.New(&fixedClock{now}, live.Options{})
	rng := rand.New(rand.NewPCG(5, 6))
	kinds := []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitFootPatrol, precinct.UnitCommunity}
	for i := range 2000 {
		u := unit(fmt.Sprintf("u%d", i), kinds[rng.IntN(3)], fmt.Sprintf("st%d", rng.IntN(4)), 108.7+rng.Float64()*0.1, 29.45+rng.Float64()*0.1)
		x.Put(u)
		if rng.IntN(4) == 0 {
			x.SetStatus(u.ID, precinct.UnitDispatched, "inc_1")
		}
	}
	q := live.Query{Point: precinct.Point{Lon: 108.75, Lat: 29.5}, K: 5, Kinds: kinds[:2], StationIDs: []string{"st1"}, Explain: 10}
	ctx := context.Background()
	// Three results and one router answer per profile (car and foot).
	const want = 3 + 2
	if n := testing.AllocsPerRun(200, func() {
		if cands, excl, err := x.Nearest(ctx, flatRouter{}, q); err != nil || len(cands) != 5 || len(excl) != 10 {
			t.Fatalf("%d candidates, %d exclusions, %v", len(cands), len(excl), err)
		}
	}); n > want {
		t.Errorf("a query allocates %.1f times, want at most %d", n, want)
	}
	// A router that appends to the index's buffers costs nothing more.
	var router precinct.Router = &dispatch.StraightLine{}
	if n := testing.AllocsPerRun(200, func() {
		if cands, _, err := x.Nearest(ctx, router, q); err != nil || len(cands) != 5 {
			t.Fatalf("%d candidates, %v", len(cands), err)
		}
	}); n > 3 {
		t.Errorf("a query with the straight-line router allocates %.1f times, want at most 3", n)
	}
	// Into a reused Result, with a router that appends: nothing at all,
	// and the same answer as Nearest.
	var res live.Result
	if n := testing.AllocsPerRun(200, func() {
		if err := x.NearestInto(ctx, router, q, &res); err != nil || len(res.Candidates) != 5 || len(res.Excluded) != 10 {
			t.Fatalf("%d candidates, %d exclusions, %v", len(res.Candidates), len(res.Excluded), err)
		}
	}); n > 0 {
		t.Errorf("a query into a reused Result allocates %.1f times, want 0", n)
	}
	cands, excl, _ := x.Nearest(ctx, router, q)
	for i, c := range cands {
		if got := res.Candidates[i]; got.Unit.ID != c.Unit.ID || got.ETA != c.ETA || got.Unit.Position != c.Unit.Position || got.DistanceM != c.DistanceM {
			t.Errorf("NearestInto candidate %d %+v, Nearest %+v", i, got, c)
		}
	}
	if !slices.Equal(res.Excluded, excl) {
		t.Errorf("NearestInto exclusions %v, Nearest %v", res.Excluded, excl)
	}
}

func TestMoved(t *testing.T) {
	x := live.New(&fixedClock{now}, live.Options{})
	x.Put(unit("a", precinct.UnitPatrolCar, "st1", 108.77, 29.53), unit("b", precinct.UnitPatrolCar, "st1", 108.78, 29.53))
	moved := func(since uint64) ([]string, uint64) {
		var ids []string
		rev := x.Moved(since, func(u *precinct.Unit) { ids = append(ids, u.ID+"@"+fmt.Sprint(u.Position.Lon)) })
		slices.Sort(ids)
		return ids, rev
	}
	ids, rev := moved(0)
	if len(ids) != 0 || rev != x.Revision() {
		t.Fatalf("units moved before any Move: %v (revision %d, %d)", ids, rev, x.Revision())
	}
	x.Move([]precinct.Position{{UnitID: "a", Point: precinct.Point{Lon: 108.771, Lat: 29.53}, At: now.Add(time.Second)}})
	ids, rev = moved(rev)
	if !slices.Equal(ids, []string{"a@108.771"}) {
		t.Fatalf("moved %v", ids)
	}
	if ids, _ := moved(rev); len(ids) != 0 {
		t.Fatalf("moved again with nothing new: %v", ids)
	}
	// An old position is not a move; a status change is not either.
	x.Move([]precinct.Position{{UnitID: "b", Point: precinct.Point{Lon: 108.7, Lat: 29.53}, At: now.Add(-time.Hour)}})
	x.SetStatus("a", precinct.UnitBusy, "")
	x.Move([]precinct.Position{{UnitID: "b", Point: precinct.Point{Lon: 108.782, Lat: 29.53}, At: now.Add(time.Second)}})
	if ids, _ := moved(rev); !slices.Equal(ids, []string{"b@108.782"}) {
		t.Fatalf("moved %v", ids)
	}
}

// hookRouter is flatRouter calling hook, once, before its first answer: a
// write to the index while a search ranks.
type hookRouter struct {
	flatRouter
	hook func()
}

func (r *hookRouter) TravelTimes(ctx context.Context, from []precinct.Point, to precinct.Point, p precinct.Profile) ([]precinct.Travel, error) {
	if h := r.hook; h != nil {
		r.hook = nil
		h()
	}
	return r.flatRouter.TravelTimes(ctx, from, to, p)
}

// TestNearestWhileWritten: a search answers from the state of the index it
// started on, whatever is written while it ranks; the write is seen by the
// searches that start after it, which do not wait for the first to finish
// (with a read-write lock they would wait behind the pending writer, which
// waits for the first search: a deadlock); and the write completes once the
// first search has left.
func TestNearestWhileWritten(t *testing.T) {
	p := precinct.Point{Lon: 108.77, Lat: 29.53}
	q := live.Query{Point: p, K: 2, Explain: 5}
	unitOf := func(x *live.Index, id string) precinct.Unit { u, _ := x.Unit(id); return u }
	for _, tc := range []struct {
		name    string
		write   func(x *live.Index)
		visible func(x *live.Index) bool
	}{
		{"status", func(x *live.Index) { x.SetStatus("a", precinct.UnitDispatched, "inc1") },
			func(x *live.Index) bool { return unitOf(x, "a").Status == precinct.UnitDispatched }},
		{"off-shift", func(x *live.Index) { x.SetOnShift("a", false) },
			func(x *live.Index) bool { return !x.OnShift("a") }},
		{"move", func(x *live.Index) {
			x.Move([]precinct.Position{{UnitID: "a", Point: precinct.Point{Lon: 108.79, Lat: 29.53}, At: now.Add(time.Second)}})
		}, func(x *live.Index) bool { return unitOf(x, "a").Position.Lon == 108.79 }},
		{"put", func(x *live.Index) {
			u := unit("a", precinct.UnitPatrolCar, "st9", 108.7705, 29.53)
			u.Callsign = "renamed"
			x.Put(u)
		}, func(x *live.Index) bool { return unitOf(x, "a").Callsign == "renamed" }},
		{"remove", func(x *live.Index) { x.Remove("a") },
			func(x *live.Index) bool { return !x.Has("a") }},
		{"other unit", func(x *live.Index) { x.SetStatus("d", precinct.UnitBusy, "") },
			func(x *live.Index) bool { return unitOf(x, "d").Status == precinct.UnitBusy }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			build := func() *live.Index {
				x := live.New(&fixedClock{now}, live.Options{})
				x.Put(
					unit("a", precinct.UnitPatrolCar, "st1", 108.771, 29.53), // ~100 m
					unit("b", precinct.UnitPatrolCar, "st1", 108.772, 29.53), // ~200 m
					unit("c", precinct.UnitPatrolCar, "st2", 108.775, 29.53), // ~500 m
					unit("d", precinct.UnitPatrolCar, "st2", 108.78, 29.53),  // ~1 km
				)
				return x
			}
			answer := func(x *live.Index) live.Result {
				t.Helper()
				var res live.Result
				if err := x.NearestInto(context.Background(), flatRouter{}, q, &res); err != nil {
					t.Fatal(err)
				}
				return res
			}
			before := answer(build())
			after := build()
			tc.write(after)
			want := answer(after)

			x := build()
			written := make(chan struct{})
			hook := func() {
				go func() {
					tc.write(x)
					close(written)
				}()
				// The write shows to the searches that start now, and they
				// answer as the index does after it.
				for deadline := time.Now().Add(5 * time.Second); !tc.visible(x); {
					if time.Now().After(deadline) {
						t.Fatal("the write did not show to a new search")
					}
					time.Sleep(time.Millisecond)
				}
				if got := answer(x); !equalCandidates(got.Candidates, want.Candidates) {
					t.Errorf("a search after the write: %+v\nwant %+v", got.Candidates, want.Candidates)
				}
				select {
				case <-written:
					t.Error("the write completed while a search was in the side it changes")
				case <-time.After(20 * time.Millisecond):
				}
			}
			var res live.Result
			if err := x.NearestInto(context.Background(), &hookRouter{hook: hook}, q, &res); err != nil {
				t.Fatal(err)
			}
			if !equalCandidates(res.Candidates, before.Candidates) {
				t.Fatalf("written while ranking: %+v\nthe index before the write: %+v", res.Candidates, before.Candidates)
			}
			for _, c := range res.Candidates {
				if c.StationID != c.Unit.StationID {
					t.Fatalf("candidate %s: station %q, its unit's %q", c.Unit.ID, c.StationID, c.Unit.StationID)
				}
			}
			select {
			case <-written:
			case <-time.After(5 * time.Second):
				t.Fatal("the write did not complete after the search left")
			}
			if got := answer(x); !equalCandidates(got.Candidates, want.Candidates) {
				t.Fatalf("after the write: %+v\nwant %+v", got.Candidates, want.Candidates)
			}
		})
	}
}

// equalCandidates compares the fields of candidates a search fills in.
func equalCandidates(a, b []precinct.Candidate) bool {
	return slices.EqualFunc(a, b, func(a, b precinct.Candidate) bool {
		return a.ETA == b.ETA && a.DistanceM == b.DistanceM && a.StationID == b.StationID && a.Stale == b.Stale &&
			a.Unit.ID == b.Unit.ID && a.Unit.Status == b.Unit.Status && a.Unit.Position == b.Unit.Position &&
			a.Unit.Callsign == b.Unit.Callsign && a.Unit.StationID == b.Unit.StationID
	})
}
