package routing_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"precinct"
	"precinct/routing"
)

// TestManyToOneNearAndFar asks, on a generated 25,600-node grid, for the
// travel to an incident from units around it — most near, settled by the
// backward road search, some across the grid, beyond its budget and left to
// the hierarchy — and checks each against a plain Dijkstra search of its
// own. Both ways of answering must be taken, and the backward search may
// call no travel final that is not the fastest.
func TestManyToOneNearAndFar(t *testing.T) {
	nodes, edges := gridNetwork(160, 3)
	g, err := routing.Build(context.Background(), precinct.ProfileCar, nodes, edges, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	near := func(p precinct.Point, km float64) precinct.Point {
		return precinct.Point{Lon: p.Lon + (rng.Float64()-0.5)*km/80, Lat: p.Lat + (rng.Float64()-0.5)*km/111}
	}
	local, far := 0, 0
	for round := range 40 {
		centre := g.Point(uint32(rng.IntN(g.NumNodes())))
		to, err := g.Snap(centre, 0)
		if err != nil {
			t.Fatal(err)
		}
		var from []routing.Location
		for i := range 20 {
			p := near(centre, 2)
			if i%7 == 6 {
				p = g.Point(uint32(rng.IntN(g.NumNodes()))) // anywhere
			}
			if round == 0 && i == 0 {
				p = to.Point // the incident's own place
			}
			l, err := g.Snap(p, 0)
			if err != nil {
				continue // off the grid
			}
			from = append(from, l)
		}
		got := g.TravelManyToOne(from, to)
		partial, final := routing.LocalManyToOne(g, from, to)
		for i, fl := range from {
			want := g.TravelDijkstra(fl, to)
			if got[i].OK != want.OK || got[i].TimeMS != want.TimeMS {
				t.Fatalf("round %d unit %d: %+v, Dijkstra %+v", round, i, got[i], want)
			}
			if final[i] {
				local++
				if partial[i].OK != want.OK || partial[i].TimeMS != want.TimeMS {
					t.Fatalf("round %d unit %d: the road search settled %+v, Dijkstra %+v", round, i, partial[i], want)
				}
			} else {
				far++
			}
		}
	}
	if local == 0 || far == 0 {
		t.Errorf("%d units settled by the road search, %d by the hierarchy: both ways should be taken", local, far)
	}
	t.Logf("%d units settled by the road search, %d by the hierarchy", local, far)
}
