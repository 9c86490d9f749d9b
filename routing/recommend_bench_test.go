package routing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/dispatch/live"
	"precinct/routing"
)

// roadCity places 20,000 units in 20 clusters (σ 1.5 km around stations 4 km
// apart) in the middle of a road graph's area, and 1,024 queries (k = 5,
// patrol cars and armed vehicles of one station, ten explanations); every
// kind asked travels by car, the profile the generated graph has.
func roadCity(g *routing.Graph) ([]*precinct.Unit, []live.Query) {
	lo, hi := g.Point(0), g.Point(0)
	for v := range uint32(g.NumNodes()) {
		p := g.Point(v)
		lo.Lon, lo.Lat, hi.Lon, hi.Lat = min(lo.Lon, p.Lon), min(lo.Lat, p.Lat), max(hi.Lon, p.Lon), max(hi.Lat, p.Lat)
	}
	centre := precinct.Point{Lon: (lo.Lon + hi.Lon) / 2, Lat: (lo.Lat + hi.Lat) / 2}
	const kmLat = 1 / 111.2
	kmLon := kmLat / 0.74 // cos 42°
	rng := rand.New(rand.NewPCG(21, 22))
	var stations []precinct.Point
	for i := range 20 {
		stations = append(stations, precinct.Point{Lon: centre.Lon + float64(i%5-2)*4*kmLon, Lat: centre.Lat + float64(i/5-2)*4*kmLat})
	}
	kinds := []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitArmedVehicle, precinct.UnitMotorcycle}
	var units []*precinct.Unit
	for i := range 20000 {
		s := i % len(stations)
		u := &precinct.Unit{ID: fmt.Sprintf("u%05d", i), Kind: kinds[rng.IntN(len(kinds))], StationID: fmt.Sprintf("st%02d", s),
			Status: precinct.UnitAvailable, PositionAt: benchNow,
			Position: precinct.Point{Lon: stations[s].Lon + rng.NormFloat64()*1.5*kmLon, Lat: stations[s].Lat + rng.NormFloat64()*1.5*kmLat}}
		if rng.IntN(100) < 40 {
			u.Status = precinct.UnitOffDuty
		}
		units = append(units, u)
	}
	var qs []live.Query
	for range 1024 {
		s := rng.IntN(len(stations))
		p := precinct.Point{Lon: stations[s].Lon + rng.NormFloat64()*1.5*kmLon, Lat: stations[s].Lat + rng.NormFloat64()*1.5*kmLat}
		qs = append(qs, live.Query{Point: p, K: 5, Kinds: kinds[:2], StationIDs: []string{fmt.Sprintf("st%02d", s)}, Explain: 10})
	}
	return units, qs
}

var benchNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

type benchClock struct{}

func (benchClock) Now() time.Time { return benchNow }

// BenchmarkRecommendByRoad measures the live index's recommendation with the
// road router (the 20 units shortlisted by straight line, then ranked by
// travel time on the road graph, snapping included) against the same with
// the straight-line router, in the same run, on the generated million-node
// graph with 20,000 units: p50, p99 and allocations per query, and the
// road's p50 and p99 as multiples of the straight line's. One query before
// the timing gives each router its working space (the road's search arrays,
// 32 MB, are made once and kept).
//
//	go test ./routing -run '^$' -bench RecommendByRoad -benchtime 20000x -benchmem
func BenchmarkRecommendByRoad(b *testing.B) {
	g := gridGraph(b)
	units, qs := roadCity(g)
	x := live.New(benchClock{}, live.Options{})
	x.Put(units...)
	ctx := context.Background()
	road := &routing.Fallback{Road: routing.NewRouter(g), Other: dispatch.NewStraightLineRouter()}
	var straight [2]float64 // the straight line's p50 and p99, in ms
	for _, r := range []struct {
		name   string
		router precinct.Router
	}{{"straight-line", dispatch.NewStraightLineRouter()}, {"road", road}} {
		b.Run(r.name, func(b *testing.B) {
			var res live.Result
			if err := x.NearestInto(ctx, r.router, qs[0], &res); err != nil {
				b.Fatal(err)
			}
			ds := make([]time.Duration, 0, timedOps)
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				err := x.NearestInto(ctx, r.router, qs[i%len(qs)], &res)
				ds = append(ds, time.Since(t0))
				if err != nil || len(res.Candidates) != 5 {
					b.Fatalf("%d candidates, %v", len(res.Candidates), err)
				}
			}
			slices.Sort(ds)
			p50 := float64(ds[len(ds)/2].Microseconds()) / 1000
			p99 := float64(ds[len(ds)*99/100].Microseconds()) / 1000
			b.ReportMetric(p50, "p50-ms")
			b.ReportMetric(p99, "p99-ms")
			b.ReportMetric(float64(g.NumNodes()), "nodes")
			if r.name == "straight-line" {
				straight = [2]float64{p50, p99}
			} else if straight[0] > 0 {
				b.ReportMetric(p50/straight[0], "p50/straight")
				b.ReportMetric(p99/straight[1], "p99/straight")
			}
		})
	}
}

// timedOps is the capacity of a benchmark's buffer of latencies. b.N is 1
// until b.Loop starts, so a buffer sized by it grew during the run, and its
// garbage set off collections inside the timings.
const timedOps = 1 << 17
