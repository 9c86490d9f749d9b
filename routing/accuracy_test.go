package routing_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"precinct"
	"precinct/routing"
)

// TestRoadAccuracy routes 300 random pairs of road nodes on each of three
// networks — the two Chinese town extracts, which no other routing test
// reads, and Monaco — from their coordinates, as a user would (snapping,
// the hierarchy), and checks each against the reference: a plain Dijkstra
// search between the two nodes. No route may be shorter than the straight
// line, and every travel time must equal the reference's to the
// millisecond. Points at a junction where a one-way street starts or ends
// are among them: before a point on a node was snapped to the node, it was
// put on the one-way segment and forced a detour.
func TestRoadAccuracy(t *testing.T) {
	ctx := context.Background()
	for _, file := range []string{"guixi.osm.gz", "shenzhen_longgang.osm.gz", "monaco.osm.pbf"} {
		t.Run(file, func(t *testing.T) {
			r := importShared(t, file)
			g := graphOf(t, r, precinct.ProfileCar)
			rng := rand.New(rand.NewPCG(17, 900))
			n := g.NumNodes()
			for i := range 300 {
				a, b := uint32(rng.IntN(n)), uint32(rng.IntN(n))
				pa, pb := g.Point(a), g.Point(b)
				want := g.TravelDijkstra(g.NodeLocation(a), g.NodeLocation(b))
				if !want.OK {
					t.Fatalf("pair %d: reference finds no route in a strongly connected graph", i)
				}
				d, m, _, err := r.Route(ctx, pa, pb, precinct.ProfileCar)
				if err != nil {
					t.Fatalf("pair %d %v→%v: %v", i, pa, pb, err)
				}
				if d != time.Duration(want.TimeMS)*time.Millisecond {
					t.Errorf("pair %d (nodes %d→%d): %v by road, the reference's fastest is %v (%+.1f%%)",
						i, a, b, d, time.Duration(want.TimeMS)*time.Millisecond, 100*(d.Seconds()*1000/float64(want.TimeMS)-1))
				}
				if line := precinct.DistanceM(pa, pb); m < line-0.5 {
					t.Errorf("pair %d: route of %.1f m is shorter than the straight line (%.1f m)", i, m, line)
				}
				// The dispatch call (many-to-one) agrees.
				ts, err := r.TravelTimes(ctx, []precinct.Point{pa}, pb, precinct.ProfileCar)
				if err != nil || !ts[0].OK || ts[0].Duration != d {
					t.Errorf("pair %d: TravelTimes %+v (%v), Route %v", i, ts, err, d)
				}
			}
		})
	}
}

// TestSnapOneWayJunction starts and ends trips exactly at junctions where a
// one-way street starts or ends. Each such point must be placed on the node,
// so that a trip may take any road from it: the travel time from the point
// equals the reference's from the node, in both directions.
func TestSnapOneWayJunction(t *testing.T) {
	for _, file := range []string{"andorra.osm.pbf", "monaco.osm.pbf", "guixi.osm.gz"} {
		t.Run(file, func(t *testing.T) {
			g := graphOf(t, importShared(t, file), precinct.ProfileCar)
			edges := routing.OneWayEdges(g, 400)
			if len(edges) == 0 {
				t.Fatal("no one-way road found")
			}
			rng := rand.New(rand.NewPCG(3, 5))
			for _, e := range edges {
				for _, v := range e {
					l, err := g.Snap(g.Point(v), 0)
					if err != nil {
						t.Fatal(err)
					}
					if l.DistanceM > 0.01 || l.Point != g.Point(v) {
						t.Fatalf("node %d snapped %.3f m away, at %v", v, l.DistanceM, l.Point)
					}
					other := uint32(rng.IntN(g.NumNodes()))
					o := g.NodeLocation(other)
					if got, want := g.Travel(l, o), g.TravelDijkstra(g.NodeLocation(v), o); got != want {
						t.Errorf("from junction %d (one-way %d→%d) to %d: %+v, reference %+v", v, e[0], e[1], other, got, want)
					}
					if got, want := g.Travel(o, l), g.TravelDijkstra(o, g.NodeLocation(v)); got != want {
						t.Errorf("to junction %d (one-way %d→%d) from %d: %+v, reference %+v", v, e[0], e[1], other, got, want)
					}
				}
			}
		})
	}
}
