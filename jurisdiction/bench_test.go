package jurisdiction_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"precinct"
	"precinct/jurisdiction"
	"precinct/sqldb"
)

// cityFolder writes the import folder of a large city: 4 districts of 500
// stations each (2,000), every station serving one township of 10 villages
// (20,000 police grids and community grids, derived), 10 units and 100
// people a station (20,000 units, 200,000 people) and a dispatcher a
// district. Coordinates are WGS-84.
func cityFolder(tb testing.TB, dir string) {
	tb.Helper()
	w := func(name string, rows [][]string) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		cw := csv.NewWriter(bw)
		if err := cw.WriteAll(rows); err != nil {
			tb.Fatal(err)
		}
		bw.Flush()
		f.Close()
	}
	manifest := `{"city_bureau":"测试市公安局","sub_bureaus":[`
	divs := [][]string{{"code", "name", "level", "parent_code"}, {"9901", "测试市", "city", "99"}}
	stations := [][]string{{"code", "name", "kind", "townships", "lon", "lat", "central", "partners"}}
	people := [][]string{{"id", "name", "kind", "station", "team", "police_grid", "phone"}}
	units := [][]string{{"id", "callsign", "kind", "station", "police_grid", "members", "status"}}
	users := [][]string{{"username", "name", "role", "sub_bureau"}}
	var bounds []string
	for d := 0; d < 4; d++ {
		county := fmt.Sprintf("99010%d", d+1)
		if d > 0 {
			manifest += ","
		}
		manifest += fmt.Sprintf(`{"code":"%s","name":"测试%d分局"}`, county, d+1)
		divs = append(divs, []string{county, fmt.Sprintf("测试%d区", d+1), "county", "9901"})
		users = append(users, []string{"disp" + county, "调度员", "dispatcher", county})
		lon0, lat0 := 110.0+float64(d)*0.5, 30.0
		bounds = append(bounds, fmt.Sprintf(`{"type":"Feature","properties":{"code":"%s"},"geometry":{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}`,
			county, lon0, lat0, lon0+0.5, lat0, lon0+0.5, lat0+0.5, lon0, lat0+0.5, lon0, lat0))
		for s := 0; s < 500; s++ {
			town := fmt.Sprintf("%s%03d", county, s+1)
			divs = append(divs, []string{town, fmt.Sprintf("第%d镇", s+1), "township", county})
			// Stations on a 25 × 20 lattice inside the district.
			lon, lat := lon0+0.01+0.019*float64(s%25)+0.0003*float64(s%7), lat0+0.012+0.0235*float64(s/25)
			stations = append(stations, []string{town, fmt.Sprintf("第%d派出所", s+1), "urban", town, fmt.Sprintf("%.6f", lon), fmt.Sprintf("%.6f", lat), "", ""})
			for v := 0; v < 10; v++ {
				village := fmt.Sprintf("%s%03d", town, v+1)
				divs = append(divs, []string{village, fmt.Sprintf("第%d村", v+1), "village", town})
			}
			for p := 0; p < 100; p++ {
				id := fmt.Sprintf("p%s%03d", town, p)
				grid, team := "", "command"
				if p < 10 {
					grid, team = fmt.Sprintf("%s%03d", town, p+1), "community"
				}
				people = append(people, []string{id, "张三", "officer", town, team, grid, fmt.Sprintf("139%08d", p)})
			}
			for u := 0; u < 10; u++ {
				units = append(units, []string{fmt.Sprintf("u%s%02d", town, u), fmt.Sprintf("%s巡%d", town[6:], u), "patrol_car", town, "",
					fmt.Sprintf("p%s%03d;p%s%03d", town, 10+2*u, town, 11+2*u), "available"})
			}
		}
	}
	manifest += "]}"
	if err := os.WriteFile(filepath.Join(dir, "jurisdiction.json"), []byte(manifest), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "boundaries.geojson"), []byte(`{"type":"FeatureCollection","features":[`+strings.Join(bounds, ",")+`]}`), 0o644); err != nil {
		tb.Fatal(err)
	}
	w("divisions.csv", divs)
	w("stations.csv", stations)
	w("people.csv", people)
	w("units.csv", units)
	w("users.csv", users)
}

// peakRSS is the process's peak resident memory (VmHWM), in bytes; 0 where
// /proc is not there.
func peakRSS() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkImportCity imports the large city into an empty SQLite store,
// then again unchanged, and compares with the peer measured in the same
// run: ImportJurisdiction, a bare insert of the same jurisdiction without
// reading, checking, deriving or diffing. It reports seconds, bytes
// allocated, the peak Go heap (sampled) and the process's peak RSS.
//
//	go test ./jurisdiction -run '^$' -bench ImportCity -benchtime 1x
func BenchmarkImportCity(b *testing.B) {
	dir := b.TempDir()
	cityFolder(b, filepath.Join(dir))
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		db, err := sqldb.Open(ctx, filepath.Join(b.TempDir(), "city.db"), sqldb.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var peakHeap atomic.Uint64
		stop := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peakHeap.Load() {
					peakHeap.Store(ms.HeapInuse)
				}
			}
		}()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stages := 0
		start := time.Now()
		res, err := jurisdiction.Import(ctx, db, os.DirFS(dir), jurisdiction.ImportOptions{Progress: func(string, int, int) { stages++ }})
		took := time.Since(start)
		close(stop)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if err != nil {
			b.Fatal(err)
		}
		c := res.Counts
		if c.Stations != 2000 || c.Units != 20000 || c.PoliceGrids != 20000 || c.People != 200000 {
			b.Fatalf("imported %+v", c)
		}
		start = time.Now()
		again, err := jurisdiction.Import(ctx, db, os.DirFS(dir), jurisdiction.ImportOptions{})
		reimport := time.Since(start)
		if err != nil || (again.Diff.Added != precinct.OrgCounts{}) || (again.Diff.Changed != precinct.OrgCounts{}) {
			b.Fatalf("re-import: %v %+v", err, again.Diff)
		}
		db.Close()

		// The peer: the same jurisdictions inserted bare.
		peer, err := sqldb.Open(ctx, filepath.Join(b.TempDir(), "peer.db"), sqldb.Options{})
		if err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		for _, j := range res.Jurisdictions {
			if err := peer.ImportJurisdiction(ctx, j); err != nil {
				b.Fatal(err)
			}
		}
		bare := time.Since(start)
		peer.Close()
		b.ReportMetric(took.Seconds(), "import-s")
		b.ReportMetric(reimport.Seconds(), "reimport-s")
		b.ReportMetric(bare.Seconds(), "bare-insert-s")
		b.ReportMetric(took.Seconds()/bare.Seconds(), "import/bare")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "alloc-MiB")
		b.ReportMetric(float64(peakHeap.Load())/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
		b.Logf("%+v in %.1f s (%d progress reports); unchanged re-import %.1f s; bare insert %.1f s", c, took.Seconds(), stages, reimport.Seconds(), bare.Seconds())
	}
}
