package geo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"precinct"
	"precinct/geo"
)

func TestDatumConversion(t *testing.T) {
	// Tiananmen: WGS-84 and its well-known GCJ-02 offset (about 600 m).
	wgs := precinct.Point{Lon: 116.3912757, Lat: 39.906217}
	gcj := geo.WGS84ToGCJ02(wgs)
	if d := precinct.DistanceM(wgs, gcj); d < 300 || d > 800 {
		t.Errorf("GCJ-02 offset %.0f m, want a few hundred metres", d)
	}
	back := geo.GCJ02ToWGS84(gcj)
	if d := precinct.DistanceM(back, wgs); d > 0.01 {
		t.Errorf("round trip off by %.4f m", d)
	}
	paris := precinct.Point{Lon: 2.35, Lat: 48.85}
	if geo.WGS84ToGCJ02(paris) != paris {
		t.Error("a point outside China moved")
	}
	if geo.ToDatum(wgs, precinct.WGS84, precinct.WGS84) != wgs {
		t.Error("same datum moved the point")
	}
}

func square(lon, lat, d float64) precinct.MultiPolygon {
	return precinct.MultiPolygon{{{{Lon: lon, Lat: lat}, {Lon: lon + d, Lat: lat}, {Lon: lon + d, Lat: lat + d}, {Lon: lon, Lat: lat + d}, {Lon: lon, Lat: lat}}}}
}

func TestVoronoiTilesTheOutline(t *testing.T) {
	// An L-shaped (non-convex) outline.
	outline := precinct.MultiPolygon{{{{Lon: 108, Lat: 29}, {Lon: 108.2, Lat: 29}, {Lon: 108.2, Lat: 29.1}, {Lon: 108.1, Lat: 29.1}, {Lon: 108.1, Lat: 29.2}, {Lon: 108, Lat: 29.2}, {Lon: 108, Lat: 29}}}}
	rng := rand.New(rand.NewPCG(1, 2))
	seeds := geo.SpreadPoints(outline, 12, rng)
	cells := geo.Voronoi(outline, seeds)
	total := 0.0
	for _, c := range cells {
		total += geo.AreaKM2(c)
	}
	if want := geo.AreaKM2(outline); math.Abs(total-want)/want > 0.001 {
		t.Fatalf("cells cover %.4f km², outline %.4f km²", total, want)
	}
	for i := 0; i < 500; i++ {
		p, _ := geo.RandomPoint(outline, rng)
		n, nearest := 0, -1
		for j, c := range cells {
			if c.Contains(p) {
				n++
				nearest = j
			}
		}
		if n != 1 {
			t.Fatalf("point %v in %d cells", p, n)
		}
		for j, s := range seeds {
			if precinct.DistanceM(p, s) < precinct.DistanceM(p, seeds[nearest])-1 {
				t.Fatalf("point %v is in cell %d but nearer seed %d", p, nearest, j)
			}
		}
	}
}

func TestResolverTieBreakAndOutside(t *testing.T) {
	stations := []*precinct.Station{{ID: "st1", SubBureauID: "sb1"}}
	pgs := []*precinct.PoliceGrid{{ID: "pg1", StationID: "st1"}}
	cgs := []*precinct.CommunityGrid{
		{ID: "cg-b", PoliceGridID: "pg1", Boundary: square(108, 29, 0.1)},
		{ID: "cg-a", PoliceGridID: "pg1", Boundary: square(108.05, 29, 0.1)}, // overlaps cg-b
		{ID: "cg-x", PoliceGridID: "unknown", Boundary: square(0, 0, 1)},
	}
	r := geo.NewResolver(stations, pgs, cgs)
	if r.Len() != 2 {
		t.Errorf("indexed %d grids, want 2 (one has no police grid)", r.Len())
	}
	loc, err := r.Resolve(precinct.Point{Lon: 108.07, Lat: 29.05})
	if err != nil || loc.CommunityGridID != "cg-a" || loc.SubBureauID != "sb1" || loc.StationID != "st1" {
		t.Errorf("overlap: %+v %v, want cg-a (lowest ID)", loc, err)
	}
	for _, p := range []precinct.Point{{Lon: 0.5, Lat: 0.5}, {Lon: 108.3, Lat: 29}, {Lon: 200}} {
		if _, err := r.Resolve(p); precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("%v: %v", p, err)
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	outline := square(108, 29, 1)
	rng := rand.New(rand.NewPCG(3, 4))
	seeds := geo.SpreadPoints(outline, 1300, rng)
	cells := geo.Voronoi(outline, seeds)
	cgs := make([]*precinct.CommunityGrid, len(cells))
	for i, c := range cells {
		cgs[i] = &precinct.CommunityGrid{ID: string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)), PoliceGridID: "pg1", Boundary: c}
	}
	r := geo.NewResolver([]*precinct.Station{{ID: "st1", SubBureauID: "sb1"}}, []*precinct.PoliceGrid{{ID: "pg1", StationID: "st1"}}, cgs)
	pts := make([]precinct.Point, 1024)
	for i := range pts {
		pts[i], _ = geo.RandomPoint(outline, rng)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.Resolve(pts[i%len(pts)]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestResolveAcrossASliver: a point in a gap of centimetres between two
// grids (left by moving their vertices from another datum) resolves to the
// nearer one; a point a few metres outside does not.
func TestResolveAcrossASliver(t *testing.T) {
	sq := func(lon0, lon1 float64) precinct.MultiPolygon {
		return precinct.MultiPolygon{{{{Lon: lon0, Lat: 29}, {Lon: lon1, Lat: 29}, {Lon: lon1, Lat: 29.1}, {Lon: lon0, Lat: 29.1}, {Lon: lon0, Lat: 29}}}}
	}
	st := []*precinct.Station{{ID: "s", SubBureauID: "sb"}}
	pgs := []*precinct.PoliceGrid{{ID: "pg", StationID: "s"}}
	cgs := []*precinct.CommunityGrid{{ID: "a", PoliceGridID: "pg", Boundary: sq(108, 108.1)}, {ID: "b", PoliceGridID: "pg", Boundary: sq(108.1000004, 108.2)}}
	r := geo.NewResolver(st, pgs, cgs)
	if loc, err := r.Resolve(precinct.Point{Lon: 108.1000002, Lat: 29.05}); err != nil || loc.CommunityGridID == "" {
		t.Errorf("a point in the sliver: %+v %v", loc, err)
	}
	if _, err := r.Resolve(precinct.Point{Lon: 108.2001, Lat: 29.05}); err == nil {
		t.Error("a point 10 m outside resolved")
	}
}
