package routing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"precinct"
	"precinct/dispatch"
	"precinct/dispatch/live"
	"precinct/routing"
)

func TestFallback(t *testing.T) {
	r := importShared(t, "andorra.osm.pbf")
	g := graphOf(t, r, precinct.ProfileCar)
	straight := dispatch.NewStraightLineRouter()
	f := &routing.Fallback{Road: r, Other: straight}
	onRoad, incident := g.Point(10), g.Point(2000)
	offRoad := precinct.Point{Lon: 1.30, Lat: 42.50} // in Spain, far from Andorra's roads
	ctx := context.Background()

	tests := []struct {
		name    string
		from    []precinct.Point
		profile precinct.Profile
		want    func() []precinct.Travel
	}{
		{name: "by road", from: []precinct.Point{onRoad}, profile: precinct.ProfileCar, want: func() []precinct.Travel {
			out, _ := r.TravelTimes(ctx, []precinct.Point{onRoad}, incident, precinct.ProfileCar)
			return out
		}},
		{name: "off the network", from: []precinct.Point{onRoad, offRoad}, profile: precinct.ProfileCar, want: func() []precinct.Travel {
			road, _ := r.TravelTimes(ctx, []precinct.Point{onRoad}, incident, precinct.ProfileCar)
			line, _ := straight.TravelTimes(ctx, []precinct.Point{offRoad}, incident, precinct.ProfileCar)
			return []precinct.Travel{road[0], line[0]}
		}},
		{name: "on foot", from: []precinct.Point{onRoad}, profile: precinct.ProfileFoot, want: func() []precinct.Travel {
			out, _ := straight.TravelTimes(ctx, []precinct.Point{onRoad}, incident, precinct.ProfileFoot)
			return out
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.TravelTimes(ctx, tt.from, incident, tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want()
			if len(got) != len(want) {
				t.Fatalf("got %d travels, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] || !got[i].OK {
					t.Errorf("travel %d = %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
	if f.Name() != "road" {
		t.Errorf("Name = %q, want road", f.Name())
	}
}

// TestRecommendByRoadAllocations: ranking a recommendation by road
// allocates no more than by straight line — nothing, into a reused
// live.Result — and the road router's answers are those of TravelTimes.
func TestRecommendByRoadAllocations(t *testing.T) {
	r := importShared(t, "andorra.osm.pbf")
	g := graphOf(t, r, precinct.ProfileCar)
	// Units and incidents on the roads, so that every one is ranked by road.
	rng := rand.New(rand.NewPCG(8, 9))
	var units []*precinct.Unit
	for i := range 2000 {
		units = append(units, &precinct.Unit{ID: fmt.Sprintf("u%04d", i), Kind: precinct.UnitPatrolCar, StationID: fmt.Sprintf("st%d", i%4),
			Status: precinct.UnitAvailable, PositionAt: benchNow, Position: g.Point(uint32(rng.IntN(g.NumNodes())))})
	}
	var qs []live.Query
	for i := range 64 {
		qs = append(qs, live.Query{Point: g.Point(uint32(rng.IntN(g.NumNodes()))), K: 5, Kinds: []precinct.UnitKind{precinct.UnitPatrolCar},
			StationIDs: []string{fmt.Sprintf("st%d", i%4)}, Explain: 10})
	}
	x := live.New(benchClock{}, live.Options{})
	x.Put(units...)
	ctx := context.Background()
	road := &routing.Fallback{Road: r, Other: dispatch.NewStraightLineRouter()}
	allocs := func(router precinct.Router) float64 {
		var res live.Result
		i := 0
		return testing.AllocsPerRun(300, func() {
			if err := x.NearestInto(ctx, router, qs[i%len(qs)], &res); err != nil || len(res.Candidates) == 0 {
				t.Fatalf("%d candidates, %v", len(res.Candidates), err)
			}
			i++
		})
	}
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	straight, byRoad := allocs(dispatch.NewStraightLineRouter()), allocs(road)
	if byRoad > straight {
		t.Errorf("a recommendation by road allocates %.1f times, by straight line %.1f", byRoad, straight)
	}
	// The appended answers are TravelTimes' answers.
	from := []precinct.Point{units[0].Position, units[1].Position, {Lon: 10, Lat: 10}}
	want, err := road.TravelTimes(ctx, from, qs[0].Point, precinct.ProfileCar)
	if err != nil {
		t.Fatal(err)
	}
	got, err := road.AppendTravelTimes(make([]precinct.Travel, 1, 8), ctx, from, qs[0].Point, precinct.ProfileCar)
	if err != nil || len(got) != 4 || got[0] != (precinct.Travel{}) || !slices.Equal(got[1:], want) {
		t.Errorf("AppendTravelTimes %v (%v), TravelTimes %v", got, err, want)
	}
}
