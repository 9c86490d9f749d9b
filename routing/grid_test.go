package routing_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"precinct"
	"precinct/routing"
)

// gridNetwork returns a generated road network: a side×side grid of streets
// about 100 m apart with jittered crossings, an arterial road every tenth
// row and column, some streets missing, some one-way, speeds varying ±20%.
// It keeps the largest strongly connected part.
func gridNetwork(side int, seed uint64) ([]precinct.Point, []routing.Edge) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	nodes := make([]precinct.Point, side*side)
	for i := range side {
		for j := range side {
			nodes[i*side+j] = precinct.Point{
				Lon: 1.0 + float64(j)*0.0012 + (rng.Float64()-0.5)*0.0004,
				Lat: 42.0 + float64(i)*0.0009 + (rng.Float64()-0.5)*0.0003,
			}
		}
	}
	var edges []routing.Edge
	street := func(a, b int, arterial bool) {
		kmh := 30.0
		if arterial {
			kmh = 60
		} else if rng.IntN(100) < 5 {
			return // a missing block
		}
		kmh *= 0.8 + 0.4*rng.Float64()
		m := precinct.DistanceM(nodes[a], nodes[b])
		e := routing.Edge{From: uint32(a), To: uint32(b), TimeMS: uint32(m * 3600 / kmh), LengthDM: uint32(m * 10)}
		back := routing.Edge{From: e.To, To: e.From, TimeMS: e.TimeMS, LengthDM: e.LengthDM}
		switch r := rng.IntN(100); {
		case arterial || r >= 10:
			edges = append(edges, e, back)
		case r < 5:
			edges = append(edges, e)
		default:
			edges = append(edges, back)
		}
	}
	for i := range side {
		for j := range side {
			v := i*side + j
			if j+1 < side {
				street(v, v+1, i%10 == 0)
			}
			if i+1 < side {
				street(v, v+side, j%10 == 0)
			}
		}
	}
	return routing.LargestComponent(nodes, edges)
}

func TestGridMatchesDijkstra(t *testing.T) {
	nodes, edges := gridNetwork(60, 1)
	g, err := routing.Build(context.Background(), precinct.ProfileCar, nodes, edges, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range 500 {
		s, d := g.NodeLocation(uint32(rng.IntN(g.NumNodes()))), g.NodeLocation(uint32(rng.IntN(g.NumNodes())))
		if got, want := g.Travel(s, d), g.TravelDijkstra(s, d); got.OK != want.OK || got.TimeMS != want.TimeMS {
			t.Fatalf("pair %d: hierarchy %+v, Dijkstra %+v", i, got, want)
		}
	}
}

func TestBuildCancelled(t *testing.T) {
	nodes, edges := gridNetwork(100, 2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := routing.Build(ctx, precinct.ProfileCar, nodes, edges, nil); err != context.Canceled {
		t.Errorf("error %v, want context.Canceled", err)
	}
}
