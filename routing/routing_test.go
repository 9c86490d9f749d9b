package routing_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"precinct"
	"precinct/routing"
)

// sharedData returns the path of a file under the shared data folder, which
// sits beside the repository: ../shared/data from the directory holding
// go.mod. The test skips when it is absent, except under CI=true.
func sharedData(t testing.TB, rel string) string {
	t.Helper()
	path, err := findSharedData(rel)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data missing: %v", err)
		}
		t.Skipf("shared data missing (%v)", err)
	}
	return path
}

// findSharedData returns the path of rel under ../shared/data from the
// repository root (the directory holding go.mod), or an error if absent.
func findSharedData(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "data", rel)
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	return path, nil
}

// imported caches each imported OSM extract for the test run.
var imported sync.Map // file → func() (*routing.Router, error)

// importShared imports a shared OSM extract once per test run.
func importShared(t testing.TB, name string) *routing.Router {
	t.Helper()
	path := sharedData(t, filepath.Join("osm", name))
	f, _ := imported.LoadOrStore(name, sync.OnceValues(func() (*routing.Router, error) {
		return routing.Import(context.Background(), path, routing.ImportOptions{})
	}))
	r, err := f.(func() (*routing.Router, error))()
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return r
}

func graphOf(t testing.TB, r *routing.Router, p precinct.Profile) *routing.Graph {
	t.Helper()
	g, err := r.Graph(p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestHierarchyMatchesDijkstra checks the contraction-hierarchy one-to-one
// query against plain Dijkstra on random node pairs of each real network,
// exactly: 100 origins with 10 destinations each, the reference distances
// from one Dijkstra search per origin.
func TestHierarchyMatchesDijkstra(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		profile precinct.Profile
		origins int
	}{
		{name: "andorra car", file: "andorra.osm.pbf", profile: precinct.ProfileCar, origins: 100},
		{name: "andorra motorcycle", file: "andorra.osm.pbf", profile: precinct.ProfileMotorcycle, origins: 30},
		{name: "monaco car", file: "monaco.osm.pbf", profile: precinct.ProfileCar, origins: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := graphOf(t, importShared(t, tt.file), tt.profile)
			rng := rand.New(rand.NewPCG(7, 7))
			n := g.NumNodes()
			pairs := 0
			for range tt.origins {
				s := g.NodeLocation(uint32(rng.IntN(n)))
				ds := make([]routing.Location, 10)
				for j := range ds {
					ds[j] = g.NodeLocation(uint32(rng.IntN(n)))
				}
				want := g.DijkstraOneToMany(s, ds)
				for j, d := range ds {
					pairs++
					if got := g.Travel(s, d); got.OK != want[j].OK || got.TimeMS != want[j].TimeMS {
						t.Fatalf("pair %d: hierarchy %+v, Dijkstra %+v", pairs, got, want[j])
					}
				}
			}
			t.Logf("%d pairs equal", pairs)
		})
	}
}

// randomPoint returns a point within the bounding box of g's nodes, near a
// road: a random node moved up to about 50 m.
func randomPoint(rng *rand.Rand, g *routing.Graph) precinct.Point {
	p := g.Point(uint32(rng.IntN(g.NumNodes())))
	p.Lon += (rng.Float64() - 0.5) * 0.001
	p.Lat += (rng.Float64() - 0.5) * 0.001
	return p
}

// TestTravelTimesMatchDijkstra checks many-to-one and one-to-many searches
// from snapped points (partway along road segments) against one plain
// Dijkstra search per pair.
func TestTravelTimesMatchDijkstra(t *testing.T) {
	for _, file := range []string{"andorra.osm.pbf", "monaco.osm.pbf"} {
		t.Run(file, func(t *testing.T) {
			r := importShared(t, file)
			g := graphOf(t, r, precinct.ProfileCar)
			rng := rand.New(rand.NewPCG(1, 2))
			for round := range 8 {
				to := randomPoint(rng, g)
				from := make([]precinct.Point, 25)
				for i := range from {
					from[i] = randomPoint(rng, g)
				}
				if round == 0 {
					from[0] = to // same place
				}
				got, err := r.TravelTimes(context.Background(), from, to, precinct.ProfileCar)
				if err != nil {
					t.Fatal(err)
				}
				if round == 0 && (!got[0].OK || got[0].Duration != 0) {
					t.Errorf("from the destination itself: %+v, want OK in no time", got[0])
				}
				dst, err := g.Snap(to, 0)
				if err != nil {
					t.Fatal(err)
				}
				locs := make([]routing.Location, len(from))
				for i, f := range from {
					if locs[i], err = g.Snap(f, 0); err != nil {
						t.Fatal(err)
					}
					want := g.TravelDijkstra(locs[i], dst)
					if got[i].OK != want.OK || got[i].Duration != time.Duration(want.TimeMS)*time.Millisecond {
						t.Fatalf("round %d source %d: TravelTimes %+v, Dijkstra %+v", round, i, got[i], want)
					}
				}
				back := g.TravelOneToMany(dst, locs)
				for i := range locs[:5] { // the one-search Dijkstra below covers the rest
					if want := g.TravelDijkstra(dst, locs[i]); back[i].OK != want.OK || back[i].TimeMS != want.TimeMS {
						t.Fatalf("round %d target %d: one-to-many %+v, Dijkstra %+v", round, i, back[i], want)
					}
				}
				for i, want := range g.DijkstraOneToMany(dst, locs) {
					if back[i].OK != want.OK || back[i].TimeMS != want.TimeMS {
						t.Fatalf("round %d target %d: Dijkstra one-to-many %+v, hierarchy %+v", round, i, want, back[i])
					}
				}
			}
		})
	}
}

// TestOneWay checks that one-way road edges on the real networks are never
// driven backwards.
func TestOneWay(t *testing.T) {
	for _, file := range []string{"andorra.osm.pbf", "monaco.osm.pbf"} {
		t.Run(file, func(t *testing.T) {
			g := graphOf(t, importShared(t, file), precinct.ProfileCar)
			edges := routing.OneWayEdges(g, 50)
			if len(edges) == 0 {
				t.Fatal("no one-way road found")
			}
			for _, e := range edges {
				a, b := g.NodeLocation(e[0]), g.NodeLocation(e[1])
				along, against := g.Travel(a, b), g.Travel(b, a)
				_, path := g.Path(b, a)
				if !along.OK || !against.OK {
					t.Fatalf("%v: along %+v, against %+v; both should be reachable in a strongly connected graph", e, along, against)
				}
				if against.TimeMS <= along.TimeMS && against.LengthDM <= along.LengthDM {
					t.Errorf("%v: against the one-way %+v is no longer than along it %+v", e, against, along)
				}
				for i := 1; i < len(path); i++ {
					if path[i-1] == e[1] && path[i] == e[0] {
						t.Fatalf("%v: route %v drives the one-way backwards", e, path)
					}
				}
			}
		})
	}
}

func TestSnap(t *testing.T) {
	r := importShared(t, "andorra.osm.pbf")
	g := graphOf(t, r, precinct.ProfileCar)
	node := g.Point(42)
	tests := []struct {
		name  string
		p     precinct.Point
		max   float64
		maxM  float64 // the snapped point is at most this far
		err   string
		field string
	}{
		{name: "on a node", p: node, maxM: 0.5},
		{name: "near a node", p: precinct.Point{Lon: node.Lon + 0.0002, Lat: node.Lat}, maxM: 17},
		{name: "too far for 5 m", p: precinct.Point{Lon: node.Lon + 0.0005, Lat: node.Lat + 0.0005}, max: 5, err: "No road within 5 m"},
		{name: "far away", p: precinct.Point{Lon: 2.35, Lat: 48.85}, err: "No road within 1000 m"},
		{name: "invalid", p: precinct.Point{Lon: 200, Lat: 0}, err: "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := g.Snap(tt.p, tt.max)
			if tt.err != "" {
				_, en := precinct.ErrorMessage(err)
				if precinct.ErrorCode(err) != precinct.EINVALID || !strings.Contains(en, tt.err) {
					t.Fatalf("error %v, want EINVALID %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if loc.DistanceM > tt.maxM {
				t.Errorf("snapped %.1f m away, want at most %.1f", loc.DistanceM, tt.maxM)
			}
			if d := precinct.DistanceM(tt.p, loc.Point); d-loc.DistanceM > 0.01 || loc.DistanceM-d > 0.01 {
				t.Errorf("DistanceM %.2f, but the point is %.2f m away", loc.DistanceM, d)
			}
		})
	}
	t.Run("router error", func(t *testing.T) {
		_, _, _, err := r.Route(context.Background(), precinct.Point{Lon: 2.35, Lat: 48.85}, node, precinct.ProfileCar)
		if e, ok := err.(*precinct.Error); !ok || e.Code != precinct.EINVALID || e.Field != "from" {
			t.Errorf("error %v, want EINVALID on from", err)
		}
		got, err := r.TravelTimes(context.Background(), []precinct.Point{{Lon: 2.35, Lat: 48.85}, node}, node, precinct.ProfileCar)
		if err != nil || got[0].OK || !got[1].OK {
			t.Errorf("TravelTimes = %+v, %v; want the far point not OK and the node OK", got, err)
		}
		if _, err := r.TravelTimes(context.Background(), nil, node, precinct.ProfileFoot); precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("foot profile: %v, want EINVALID", err)
		}
	})
}

// TestRouteGeometry checks that a route's line starts and ends at the snapped
// points and is about as long as the distance reported.
func TestRouteGeometry(t *testing.T) {
	r := importShared(t, "andorra.osm.pbf")
	g := graphOf(t, r, precinct.ProfileCar)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		from, to := randomPoint(rng, g), randomPoint(rng, g)
		d, m, line, err := r.Route(context.Background(), from, to, precinct.ProfileCar)
		if err != nil {
			t.Fatal(err)
		}
		src, _ := g.Snap(from, 0)
		dst, _ := g.Snap(to, 0)
		if line[0] != src.Point || line[len(line)-1] != dst.Point {
			t.Fatalf("line runs %v…%v, want %v…%v", line[0], line[len(line)-1], src.Point, dst.Point)
		}
		var sum float64
		for i := 1; i < len(line); i++ {
			sum += precinct.DistanceM(line[i-1], line[i])
		}
		if diff := sum - m; diff > 1+m*0.001 || diff < -1-m*0.001 {
			t.Errorf("line is %.1f m long, route %.1f m", sum, m)
		}
		if want := g.TravelDijkstra(src, dst); d != time.Duration(want.TimeMS)*time.Millisecond {
			t.Errorf("route takes %v, Dijkstra %v ms", d, want.TimeMS)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	r := importShared(t, "monaco.osm.pbf")
	path := routing.GraphPath(t.TempDir())
	if err := r.Save(path); err != nil {
		t.Fatal(err)
	}
	loaded, err := routing.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := loaded.Profiles(), r.Profiles(); !slices.Equal(got, want) {
		t.Fatalf("profiles %v, want %v", got, want)
	}
	for _, p := range r.Profiles() {
		g, h := graphOf(t, r, p), graphOf(t, loaded, p)
		if g.NumNodes() != h.NumNodes() || g.MemoryBytes() != h.MemoryBytes() {
			t.Fatalf("%s: loaded %d nodes %d bytes, saved %d nodes %d bytes", p, h.NumNodes(), h.MemoryBytes(), g.NumNodes(), g.MemoryBytes())
		}
		rng := rand.New(rand.NewPCG(5, 6))
		for range 200 {
			a, b := randomPoint(rng, g), randomPoint(rng, g)
			la, _ := g.Snap(a, 0)
			lb, _ := g.Snap(b, 0)
			ha, _ := h.Snap(a, 0)
			hb, _ := h.Snap(b, 0)
			if x, y := g.Travel(la, lb), h.Travel(ha, hb); x != y {
				t.Fatalf("%s: saved graph %+v, loaded %+v", p, x, y)
			}
		}
	}

	t.Run("damaged", func(t *testing.T) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0xff
		bad := filepath.Join(t.TempDir(), "graph.bin")
		os.WriteFile(bad, b, 0o644)
		if _, err := routing.Load(bad); precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("damaged file: %v, want EINVALID", err)
		}
		os.WriteFile(bad, b[:len(b)/3], 0o644)
		if _, err := routing.Load(bad); precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("truncated file: %v, want EINVALID", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if _, err := routing.Load(filepath.Join(t.TempDir(), "graph.bin")); precinct.ErrorCode(err) != precinct.ENOTFOUND {
			t.Errorf("missing file: %v, want ENOTFOUND", err)
		}
	})
}

// TestConcurrentQueries runs travel-time tables from several goroutines on
// one router and compares them with the same tables run one by one.
func TestConcurrentQueries(t *testing.T) {
	r := importShared(t, "andorra.osm.pbf")
	g := graphOf(t, r, precinct.ProfileCar)
	rng := rand.New(rand.NewPCG(21, 22))
	type query struct {
		from []precinct.Point
		to   precinct.Point
		want []precinct.Travel
	}
	queries := make([]query, 40)
	for i := range queries {
		q := &queries[i]
		q.to = randomPoint(rng, g)
		q.from = make([]precinct.Point, 10)
		for j := range q.from {
			q.from[j] = randomPoint(rng, g)
		}
		var err error
		if q.want, err = r.TravelTimes(context.Background(), q.from, q.to, precinct.ProfileCar); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range queries {
				q := queries[(i+w*7)%len(queries)]
				got, err := r.TravelTimes(context.Background(), q.from, q.to, precinct.ProfileCar)
				if err != nil || !slices.Equal(got, q.want) {
					t.Errorf("concurrent query: %v %v, want %v", got, err, q.want)
					return
				}
			}
		})
	}
	wg.Wait()
}
