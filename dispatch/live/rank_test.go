package live_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/dispatch/live"
)

// countingRouter is the straight-line router counting the points it is
// asked to route.
type countingRouter struct {
	dispatch.StraightLine
	points int
}

func (r *countingRouter) AppendTravelTimes(dst []precinct.Travel, ctx context.Context, from []precinct.Point, to precinct.Point, p precinct.Profile) ([]precinct.Travel, error) {
	r.points += len(from)
	return r.StraightLine.AppendTravelTimes(dst, ctx, from, to, p)
}

func (r *countingRouter) TravelTimes(ctx context.Context, from []precinct.Point, to precinct.Point, p precinct.Profile) ([]precinct.Travel, error) {
	return r.AppendTravelTimes(nil, ctx, from, to, p)
}

// rankAll ranks the whole shortlist of q (max(4k, 12) units, as a search
// takes) with the router, and returns the k first: what NearestInto must
// answer.
func rankAll(t *testing.T, x *live.Index, router precinct.Router, q live.Query) []precinct.Candidate {
	t.Helper()
	hits, _ := x.Shortlist(q, max(4*q.K, 12))
	cands, _, err := live.Rank(context.Background(), router, q.Point, hits, q.Wave)
	if err != nil {
		t.Fatal(err)
	}
	return cands[:min(q.K, len(cands))]
}

func sameCandidates(t *testing.T, got, want []precinct.Candidate) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d candidates %v, want %d %v", len(got), ids(got), len(want), ids(want))
	}
	for i := range got {
		if got[i].Unit.ID != want[i].Unit.ID || got[i].ETA != want[i].ETA || got[i].Stale != want[i].Stale || got[i].DistanceM != want[i].DistanceM {
			t.Fatalf("candidate %d is %s (%v), want %s (%v)", i, got[i].Unit.ID, got[i].ETA, want[i].Unit.ID, want[i].ETA)
		}
	}
}

// TestNearestRanksOnlyWhatCanLead: with a router whose time grows with
// distance, a search routes only the shortlisted units that can be among
// the k first, and answers as if it had routed them all.
func TestNearestRanksOnlyWhatCanLead(t *testing.T) {
	c := newCity(20000)
	x := live.New(&fixedClock{now}, live.Options{})
	x.Put(c.units...)
	router := &countingRouter{}
	var res live.Result
	for _, q := range c.queries[:300] {
		if err := x.NearestInto(context.Background(), router, q, &res); err != nil {
			t.Fatal(err)
		}
		sameCandidates(t, res.Candidates, rankAll(t, x, &dispatch.StraightLine{}, q))
	}
	// The shortlist is 20 units a query; two kinds of two profiles need at
	// most 10 of them, and a few more where a time ties or nearly ties.
	if perQuery := float64(router.points) / 300; perQuery > 12 {
		t.Errorf("%.1f units routed a query, want no more than 12 of the shortlist's 20", perQuery)
	}
}

// TestNearestRanksByGreatCircle: the search shortlists by a flat distance,
// which near the poles overstates the great circle toward the pole. A unit
// farther by the flat measure but nearer by the great circle must still
// come first.
func TestNearestRanksByGreatCircle(t *testing.T) {
	q := precinct.Point{Lon: 20, Lat: 70}
	// a: due south, 100 km by both measures. b: 100.5 km flat on a bearing
	// of 55°, about 99.7 km on the great circle.
	const mPerDeg = precinct.EarthRadiusM * math.Pi / 180
	a := unit("a", precinct.UnitPatrolCar, "st1", 20, 70-100e3/mPerDeg)
	bearing := 55 * math.Pi / 180
	b := unit("b", precinct.UnitPatrolCar, "st1", 20+100.5e3*math.Sin(bearing)/(mPerDeg*math.Cos(70*math.Pi/180)), 70+100.5e3*math.Cos(bearing)/mPerDeg)
	x := live.New(&fixedClock{now}, live.Options{})
	x.Put(a, b)
	hits, _ := x.Shortlist(live.Query{Point: q, K: 2}, 2)
	if len(hits) != 2 || hits[0].Unit.ID != "a" {
		t.Fatalf("shortlist %v: the test needs a nearer than b by the flat measure", hits)
	}
	if precinct.DistanceM(b.Position, q) >= precinct.DistanceM(a.Position, q) {
		t.Fatal("the test needs b nearer than a on the great circle")
	}
	var res live.Result
	if err := x.NearestInto(context.Background(), &dispatch.StraightLine{}, live.Query{Point: q, K: 1}, &res); err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Candidates); len(got) != 1 || got[0] != "b" {
		t.Fatalf("candidates %v, want [b]", got)
	}
}

// TestNearestRanksEveryFartherHitThatCanLead: beyond the k nearest of a
// profile, the search routes each hit that may still come first, not
// only the nearest of them. Near the pole, b and c are both farther than a
// by the flat measure and nearer on the great circle, and c, the farther
// of the two by the flat measure, is the nearest on the great circle.
func TestNearestRanksEveryFartherHitThatCanLead(t *testing.T) {
	q := precinct.Point{Lon: 20, Lat: 70}
	const mPerDeg = precinct.EarthRadiusM * math.Pi / 180
	at := func(id string, flatM, bearingDeg float64) *precinct.Unit {
		b := bearingDeg * math.Pi / 180
		return unit(id, precinct.UnitPatrolCar, "st1", 20+flatM*math.Sin(b)/(mPerDeg*math.Cos(70*math.Pi/180)), 70+flatM*math.Cos(b)/mPerDeg)
	}
	a, b, c := at("a", 100e3, 180), at("b", 100.5e3, 70), at("c", 100.6e3, 55)
	x := live.New(&fixedClock{now}, live.Options{})
	x.Put(a, b, c)
	hits, _ := x.Shortlist(live.Query{Point: q, K: 1}, 3)
	if got := []string{hits[0].Unit.ID, hits[1].Unit.ID, hits[2].Unit.ID}; !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("shortlist %v: the test needs a, b, c in this order by the flat measure", got)
	}
	da, db, dc := precinct.DistanceM(a.Position, q), precinct.DistanceM(b.Position, q), precinct.DistanceM(c.Position, q)
	if !(dc < db && db < da) {
		t.Fatalf("great circles a %.0f m, b %.0f m, c %.0f m: the test needs c < b < a", da, db, dc)
	}
	var res live.Result
	if err := x.NearestInto(context.Background(), &dispatch.StraightLine{}, live.Query{Point: q, K: 1}, &res); err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Candidates); len(got) != 1 || got[0] != "c" {
		t.Fatalf("candidates %v, want [c]", got)
	}
}

// TestNearestRanksExactlyEverywhere compares searches with a full ranking
// of their shortlists at every latitude up to the polar circles and
// beyond, over short and long distances, with stale units mixed in.
func TestNearestRanksExactlyEverywhere(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	kinds := []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitFootPatrol, precinct.UnitMotorcycle, precinct.UnitCommunity}
	for _, lat := range []float64{0, 29.5, -45, 60, 69, -75, 79, 85} {
		for _, spread := range []float64{0.02, 0.3, 2} { // degrees of latitude
			t.Run(fmt.Sprintf("lat=%v,spread=%v", lat, spread), func(t *testing.T) {
				x := live.New(&fixedClock{now}, live.Options{})
				for i := range 400 {
					u := unit(fmt.Sprintf("u%03d", i), kinds[rng.IntN(len(kinds))], "st1",
						(rng.Float64()-0.5)*spread*4, lat+(rng.Float64()-0.5)*spread)
					if rng.IntN(4) == 0 {
						u.PositionAt = now.Add(-time.Hour)
					}
					x.Put(u)
				}
				for range 100 {
					q := live.Query{Point: precinct.Point{Lon: (rng.Float64() - 0.5) * spread * 4, Lat: lat + (rng.Float64()-0.5)*spread},
						K: 1 + rng.IntN(8)}
					var res live.Result
					if err := x.NearestInto(context.Background(), &dispatch.StraightLine{}, q, &res); err != nil {
						t.Fatal(err)
					}
					sameCandidates(t, res.Candidates, rankAll(t, x, &dispatch.StraightLine{}, q))
				}
			})
		}
	}
}
