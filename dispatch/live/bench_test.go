package live_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"precinct"
	"precinct/dispatch"
	"precinct/dispatch/live"
	"precinct/dispatch/live/peers"
)

// city is a synthetic city around Qianjiang's town centre: 20 stations on a
// 5×4 grid 4 km apart, 1,000 units clustered around each (normal, σ 1.5 km),
// of mixed kinds; 60% available, 25% on incidents, 15% off duty.
type city struct {
	stations []precinct.Point
	units    []*precinct.Unit
	queries  []live.Query
}

var benchKinds = []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitFootPatrol, precinct.UnitCommunity,
	precinct.UnitMotorcycle, precinct.UnitCaseTeam, precinct.UnitArmedVehicle}

func newCity(nUnits int) *city {
	rng := rand.New(rand.NewPCG(7, 11))
	c := &city{}
	const kmLat, kmLon = 1 / 111.2, 1 / 96.7
	for i := range 20 {
		c.stations = append(c.stations, precinct.Point{Lon: 108.70 + float64(i%5)*4*kmLon, Lat: 29.48 + float64(i/5)*4*kmLat})
	}
	for i := range nUnits {
		s := i % len(c.stations)
		u := &precinct.Unit{
			ID: fmt.Sprintf("unit_%05d", i), Kind: benchKinds[rng.IntN(len(benchKinds))], SubBureauID: "sb1",
			StationID: fmt.Sprintf("st%02d", s), Status: precinct.UnitAvailable, PositionAt: now.Add(-time.Duration(rng.IntN(60)) * time.Second),
			Position: precinct.Point{Lon: c.stations[s].Lon + rng.NormFloat64()*1.5*kmLon, Lat: c.stations[s].Lat + rng.NormFloat64()*1.5*kmLat},
		}
		switch r := rng.IntN(100); {
		case r < 25:
			u.Status, u.IncidentID = precinct.UnitDispatched, "inc_x"
		case r < 40:
			u.Status = precinct.UnitOffDuty
		}
		c.units = append(c.units, u)
	}
	for range 1024 {
		s := rng.IntN(len(c.stations))
		p := precinct.Point{Lon: c.stations[s].Lon + rng.NormFloat64()*1.5*kmLon, Lat: c.stations[s].Lat + rng.NormFloat64()*1.5*kmLat}
		c.queries = append(c.queries, live.Query{Point: p, K: 5,
			Kinds:      []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitFootPatrol},
			StationIDs: []string{fmt.Sprintf("st%02d", s)}, Explain: 10})
	}
	return c
}

// latencies reports p50 and p99 of per-operation times, and returns them
// in µs.
func latencies(b *testing.B, ds []time.Duration) (p50, p99 float64) {
	slices.Sort(ds)
	pct := func(p float64) float64 { return float64(ds[int(math.Ceil(p*float64(len(ds))))-1].Nanoseconds()) / 1000 }
	p50, p99 = pct(0.50), pct(0.99)
	b.ReportMetric(p50, "p50-µs")
	b.ReportMetric(p99, "p99-µs")
	return p50, p99
}

// spinSink keeps spin's arithmetic from being optimised away.
var spinSink uint64

// spin does n steps of a xorshift generator: work that touches no memory.
func spin(n int) {
	x := uint64(88172645463325252)
	for range n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	spinSink += x
}

// BenchmarkRecommend compares, on the same 20,000 units and queries (k = 5,
// kind, status and station filters, ranked by the straight-line router):
// the grid index, a linear scan, the tuned Redis design and PostGIS. Each
// peer reports how many times slower than the index it is (x-index).
func BenchmarkRecommend(b *testing.B) {
	c := newCity(20000)
	router := &dispatch.StraightLine{}
	ctx := context.Background()
	clock := &fixedClock{now}
	type result struct{ p50, p99 float64 }
	results := map[string]result{}
	// vsIndex reports how many times slower than the index a peer is, both
	// measured in this run.
	vsIndex := func(b *testing.B, p50, p99 float64) {
		if g, ok := results["grid-index"]; ok {
			b.ReportMetric(p50/g.p50, "p50-x-index")
			b.ReportMetric(p99/g.p99, "p99-x-index")
		}
	}

	// recommend runs the queries on x and reports their latencies. The
	// answer goes into a Result reused from one query to the next, as the
	// server does (it encodes the answer, then reuses the buffers).
	recommend := func(b *testing.B, x *live.Index) (p50, p99 float64) {
		ds := make([]time.Duration, 0, timedOps)
		var res live.Result
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			err := x.NearestInto(ctx, router, c.queries[i%len(c.queries)], &res)
			ds = append(ds, time.Since(t0))
			if err != nil || len(res.Candidates) != 5 {
				b.Fatalf("%d candidates, %v", len(res.Candidates), err)
			}
		}
		return latencies(b, ds)
	}

	b.Run("grid-index", func(b *testing.B) {
		x := live.New(clock, live.Options{})
		x.Put(c.units...)
		p50, p99 := recommend(b, x)
		results["grid-index"] = result{p50, p99}
	})

	// The machine's own tail, for the p99 target: arithmetic calibrated to
	// last as long as the index's median query, timed the same way. Its p99
	// is what the machine (interrupts, other processes, the hypervisor)
	// adds to any work of that length; the index's p99 cannot be lower.
	b.Run("machine-floor", func(b *testing.B) {
		g, ok := results["grid-index"]
		if !ok {
			b.Skip("needs grid-index in the same run")
		}
		const probe = 1 << 20
		best := time.Duration(math.MaxInt64)
		for range 5 {
			t0 := time.Now()
			spin(probe)
			best = min(best, time.Since(t0))
		}
		n := max(1, int(g.p50*1000*probe/float64(best.Nanoseconds())))
		ds := make([]time.Duration, 0, timedOps)
		for b.Loop() {
			t0 := time.Now()
			spin(n)
			ds = append(ds, time.Since(t0))
		}
		_, p99 := latencies(b, ds)
		b.ReportMetric(g.p99/p99, "index-p99-x-floor")
	})

	// The same while positions stream in, as they do on a live server:
	// 20,000 updates a second (the HTTP ingest target) in batches of 1,000.
	b.Run("grid-index-while-ingesting", func(b *testing.B) {
		x := live.New(clock, live.Options{})
		x.Put(c.units...)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			rng := rand.New(rand.NewPCG(5, 6))
			batch := make([]precinct.Position, 1000)
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				for j := range batch {
					u := c.units[rng.IntN(len(c.units))]
					batch[j] = precinct.Position{UnitID: u.ID, At: now.Add(time.Duration(n*1000+j) * time.Millisecond),
						Point: precinct.Point{Lon: u.Position.Lon + (rng.Float64()-0.5)*0.002, Lat: u.Position.Lat + (rng.Float64()-0.5)*0.002}}
				}
				x.Move(batch)
			}
		}()
		recommend(b, x)
		close(stop)
		<-done
	})

	b.Run("linear-scan", func(b *testing.B) {
		ds := make([]time.Duration, 0, timedOps)
		for i := 0; b.Loop(); i++ {
			t0 := time.Now()
			cands := linearScan(ctx, router, c.units, c.queries[i%len(c.queries)])
			ds = append(ds, time.Since(t0))
			if len(cands) != 5 {
				b.Fatalf("%d candidates", len(cands))
			}
		}
		p50, p99 := latencies(b, ds)
		vsIndex(b, p50, p99)
	})

	// The tuned Redis design: a geo set per (kind, status, station), one
	// pipelined round trip of GEOSEARCH … COUNT k over the wanted keys,
	// merged in the client; the k found ranked by the same router. Over
	// loopback, with one client, as the HTTP server would use it.
	b.Run("redis-tuned", func(b *testing.B) {
		rdb := redisClient(b)
		peer := peers.NewRedis(rdb, "precinct:bench:live")
		if err := peer.Load(ctx, c.units); err != nil {
			b.Fatal(err)
		}
		defer peer.Clear(ctx)
		p50, p99 := peerRecommend(b, ctx, c, router, func(q live.Query) ([]peers.Hit, error) {
			return peer.Nearest(ctx, q.Point, q.K, q.Kinds, q.StationIDs, 10)
		})
		vsIndex(b, p50, p99)
	})

	// PostGIS: ORDER BY geom <-> point LIMIT k with the filters, GiST and
	// btree indexes, in a database of its own.
	b.Run("postgis-knn", func(b *testing.B) {
		db := postgisDB(b)
		peer, err := peers.NewPostGIS(ctx, db, "bench_live_units")
		if err != nil {
			b.Skip(err) // the extension is not installed on this machine
		}
		defer peer.Drop(ctx)
		if err := peer.Load(ctx, c.units); err != nil {
			b.Fatal(err)
		}
		p50, p99 := peerRecommend(b, ctx, c, router, func(q live.Query) ([]peers.Hit, error) {
			return peer.Nearest(ctx, q.Point, q.K, q.Kinds, q.StationIDs)
		})
		vsIndex(b, p50, p99)
	})
}

// peerRecommend runs the city's queries through a peer's search, ranks the
// units it finds with router as the index does (the units' records held in
// process, which favours the peer), and reports the latencies. It fails if
// the peer and the index disagree on more than a few of the first queries'
// units (ties in distance may be ordered differently).
func peerRecommend(b *testing.B, ctx context.Context, c *city, router precinct.Router, search func(live.Query) ([]peers.Hit, error)) (p50, p99 float64) {
	byID := make(map[string]*precinct.Unit, len(c.units))
	for _, u := range c.units {
		byID[u.ID] = u
	}
	x := live.New(&fixedClock{now}, live.Options{})
	x.Put(c.units...)
	differ := 0
	for _, q := range c.queries[:100] {
		hits, err := search(q)
		if err != nil {
			b.Fatal(err)
		}
		want, _ := x.Shortlist(q, q.K) // by straight line, as the peers find them
		for i, h := range hits {
			if i >= len(want) || h.UnitID != want[i].Unit.ID {
				differ++
			}
		}
	}
	if differ > 25 {
		b.Fatalf("the peer and the index disagree on %d of the first 500 units", differ)
	}
	ds := make([]time.Duration, 0, timedOps)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := c.queries[i%len(c.queries)]
		t0 := time.Now()
		found, err := search(q)
		if err != nil {
			b.Fatal(err)
		}
		hits := make([]live.Hit, len(found))
		for j, f := range found {
			u := *byID[f.UnitID]
			hits[j] = live.Hit{Unit: &u, DistanceM: f.DistanceM, Stale: now.Sub(u.PositionAt) > live.DefaultStaleAfter}
		}
		cands, _, err := live.Rank(ctx, router, q.Point, hits, 1)
		ds = append(ds, time.Since(t0))
		if err != nil || len(cands) != q.K {
			b.Fatalf("%d candidates, %v", len(cands), err)
		}
	}
	return latencies(b, ds)
}

// postgisDB opens the database "precinct_postgis" (created if missing) on
// the server of PRECINCT_TEST_POSTGRES; it skips without it.
func postgisDB(b *testing.B) *pgxpool.Pool {
	dsn := os.Getenv("PRECINCT_TEST_POSTGRES")
	if dsn == "" {
		b.Skip("PRECINCT_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	admin, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'precinct_postgis')`).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if !exists {
		if _, err := admin.Exec(ctx, `CREATE DATABASE precinct_postgis`); err != nil {
			b.Fatal(err)
		}
	}
	cfg.ConnConfig.Database = "precinct_postgis"
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	return db
}

// BenchmarkIngest measures position updates into the index of 20,000 units,
// in batches of 1,000 (the HTTP batch size).
func BenchmarkIngest(b *testing.B) {
	c := newCity(20000)
	x := live.New(&fixedClock{now}, live.Options{})
	x.Put(c.units...)
	rng := rand.New(rand.NewPCG(3, 4))
	batches := make([][]precinct.Position, 64)
	for i := range batches {
		for j := range 1000 {
			u := c.units[rng.IntN(len(c.units))]
			batches[i] = append(batches[i], precinct.Position{UnitID: u.ID, At: now.Add(time.Duration(i*1000+j) * time.Millisecond),
				Point: precinct.Point{Lon: u.Position.Lon + (rng.Float64()-0.5)*0.01, Lat: u.Position.Lat + (rng.Float64()-0.5)*0.01}})
		}
	}
	var n int
	tick := time.Duration(0)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		batch := batches[i%len(batches)]
		// Every position is newer than the last, or the index skips it as old.
		for j := range batch {
			tick += time.Millisecond
			batch[j].At = now.Add(tick)
		}
		n += x.Move(batch)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "updates/s")
}

// linearScan is the baseline: test every unit, keep the nearest matching
// shortlist, rank it with the router.
func linearScan(ctx context.Context, router precinct.Router, units []*precinct.Unit, q live.Query) []precinct.Candidate {
	type hd struct {
		u *precinct.Unit
		d float64
	}
	var hs []hd
	for _, u := range units {
		if u.Status != precinct.UnitAvailable || !slices.Contains(q.Kinds, u.Kind) || !slices.Contains(q.StationIDs, u.StationID) {
			continue
		}
		hs = append(hs, hd{u, precinct.DistanceM(u.Position, q.Point)})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].d < hs[j].d })
	hits := make([]live.Hit, 0, 20)
	for _, h := range hs[:min(20, len(hs))] {
		u := *h.u
		hits = append(hits, live.Hit{Unit: &u, DistanceM: h.d, Stale: now.Sub(u.PositionAt) > live.DefaultStaleAfter})
	}
	cands, _, _ := live.Rank(ctx, router, q.Point, hits, 1)
	return cands[:min(q.K, len(cands))]
}

// redisClient connects to PRECINCT_TEST_REDIS (host:port or redis:// URL);
// it skips without it, or fails when CI=true.
func redisClient(tb testing.TB) *redis.Client {
	addr := os.Getenv("PRECINCT_TEST_REDIS")
	if addr == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("PRECINCT_TEST_REDIS is not set")
		}
		tb.Skip("PRECINCT_TEST_REDIS is not set")
	}
	opts := &redis.Options{Addr: addr}
	if strings.Contains(addr, "://") {
		var err error
		if opts, err = redis.ParseURL(addr); err != nil {
			tb.Fatal(err)
		}
	}
	rdb := redis.NewClient(opts)
	tb.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		tb.Fatal(err)
	}
	return rdb
}

// timedOps is the capacity of a benchmark's buffer of latencies. b.N is 1
// until b.Loop starts, so a buffer sized by it grew during the run, and its
// garbage set off collections inside the timings.
const timedOps = 1 << 17
