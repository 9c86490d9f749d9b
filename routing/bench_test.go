package routing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"precinct"
	"precinct/routing"
)

// gridSide is the side of the generated benchmark network: 1,000,000 nodes
// before the largest strongly connected part is kept.
const gridSide = 1000

// gridGraph returns the contracted million-node generated network. Building
// it takes a minute or two on two cores, so the first run saves it under
// os.TempDir() and later runs load it.
func gridGraph(b *testing.B) *routing.Graph {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("precinct-routing-grid-%d-v1.bin", gridSide))
	if r, err := routing.Load(path); err == nil {
		g, err := r.Graph(precinct.ProfileCar)
		if err == nil {
			return g
		}
	}
	start := time.Now()
	nodes, edges := gridNetwork(gridSide, 1)
	g, err := routing.Build(context.Background(), precinct.ProfileCar, nodes, edges, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built the %d-node grid hierarchy in %v; cached at %s", g.NumNodes(), time.Since(start).Round(time.Second), path)
	if err := routing.NewRouter(g).Save(path); err != nil {
		b.Fatal(err)
	}
	return g
}

// benchGraphs returns the networks the query benchmarks run on.
func benchGraphs(b *testing.B) []struct {
	name  string
	graph func() *routing.Graph
} {
	osmGraph := func(file string) func() *routing.Graph {
		return func() *routing.Graph { return graphOf(b, importShared(b, file), precinct.ProfileCar) }
	}
	return []struct {
		name  string
		graph func() *routing.Graph
	}{
		{"andorra", osmGraph("andorra.osm.pbf")},
		{"monaco", osmGraph("monaco.osm.pbf")},
		{"grid1M", func() *routing.Graph { return gridGraph(b) }},
	}
}

// tableQueries returns count random queries of one point and 25 others,
// snapped to g.
func tableQueries(b *testing.B, g *routing.Graph, count int) (one []routing.Location, many [][]routing.Location) {
	rng := rand.New(rand.NewPCG(11, 12))
	snap := func() routing.Location {
		for {
			l, err := g.Snap(randomPoint(rng, g), 0)
			if err == nil {
				return l
			}
		}
	}
	one = make([]routing.Location, count)
	many = make([][]routing.Location, count)
	for i := range count {
		one[i] = snap()
		many[i] = make([]routing.Location, 25)
		for j := range many[i] {
			many[i][j] = snap()
		}
	}
	return one, many
}

// reportLatency reports the median and 99th percentile of the query times,
// in milliseconds.
func reportLatency(b *testing.B, times []time.Duration) {
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))]) / 1e6
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkTable25 measures travel-time tables of 25 units to one incident
// (the dispatch question) and one to 25, with the contraction hierarchy and
// with plain Dijkstra, on the real networks and the million-node grid.
func BenchmarkTable25(b *testing.B) {
	for _, net := range benchGraphs(b) {
		b.Run(net.name, func(b *testing.B) {
			g := net.graph()
			one, many := tableQueries(b, g, 1000)
			methods := []struct {
				name string
				run  func(i int)
			}{
				{"ch-25-to-1", func(i int) { g.TravelManyToOne(many[i], one[i]) }},
				{"ch-1-to-25", func(i int) { g.TravelOneToMany(one[i], many[i]) }},
				{"dijkstra-1-to-25", func(i int) { g.DijkstraOneToMany(one[i], many[i]) }},
			}
			for _, m := range methods {
				b.Run(m.name, func(b *testing.B) {
					var times []time.Duration
					for i := 0; b.Loop(); i++ {
						start := time.Now()
						m.run(i % len(one))
						times = append(times, time.Since(start))
					}
					reportLatency(b, times)
					b.ReportMetric(float64(g.NumNodes()), "nodes")
					b.ReportMetric(float64(g.MemoryBytes())/float64(g.NumNodes()), "bytes/node")
				})
			}
		})
	}
}

// BenchmarkRouterTravelTimes measures the whole dispatch call, snapping
// included: 25 points to one on Andorra's roads.
func BenchmarkRouterTravelTimes(b *testing.B) {
	r := importShared(b, "andorra.osm.pbf")
	g := graphOf(b, r, precinct.ProfileCar)
	rng := rand.New(rand.NewPCG(13, 14))
	from := make([]precinct.Point, 25)
	var times []time.Duration
	for b.Loop() {
		to := randomPoint(rng, g)
		for i := range from {
			from[i] = randomPoint(rng, g)
		}
		start := time.Now()
		if _, err := r.TravelTimes(context.Background(), from, to, precinct.ProfileCar); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	reportLatency(b, times)
}

// BenchmarkImport measures importing an extract: reading the file and
// contracting the car and motorcycle graphs.
func BenchmarkImport(b *testing.B) {
	for _, file := range []string{"andorra.osm.pbf", "monaco.osm.pbf"} {
		b.Run(file, func(b *testing.B) {
			path := sharedData(b, filepath.Join("osm", file))
			var r *routing.Router
			for b.Loop() {
				var err error
				if r, err = routing.Import(context.Background(), path, routing.ImportOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			g := graphOf(b, r, precinct.ProfileCar)
			b.ReportMetric(float64(g.NumNodes()), "nodes")
		})
	}
}

// BenchmarkLoad measures loading a saved graph file.
func BenchmarkLoad(b *testing.B) {
	r := importShared(b, "andorra.osm.pbf")
	path := routing.GraphPath(b.TempDir())
	if err := r.Save(path); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := routing.Load(path); err != nil {
			b.Fatal(err)
		}
	}
}
