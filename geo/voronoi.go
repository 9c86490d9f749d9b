package geo

import (
	"math"
	"math/rand/v2"

	"precinct"
)

// plane maps degrees to a local flat plane in which distances are in
// proportion to ground distances: longitude is scaled by cos(latitude).
type plane struct{ k float64 }

func planeAt(lat float64) plane { return plane{k: math.Cos(lat * math.Pi / 180)} }

func (pl plane) xy(p precinct.Point) (float64, float64) { return p.Lon * pl.k, p.Lat }

// halfPlane keeps points q with a·q ≤ c.
type halfPlane struct{ ax, ay, c float64 }

func (h halfPlane) side(x, y float64) float64 { return h.ax*x + h.ay*y - h.c }

// Voronoi partitions the outline among the seeds: cell i holds the part of the
// outline nearer to seeds[i] than to any other seed. Cells tile the outline.
// A seed whose cell is empty gets an empty MultiPolygon.
func Voronoi(outline precinct.MultiPolygon, seeds []precinct.Point) []precinct.MultiPolygon {
	min, max := outline.Bound()
	pl := planeAt((min.Lat + max.Lat) / 2)
	cells := make([]precinct.MultiPolygon, len(seeds))
	for i, s := range seeds {
		sx, sy := pl.xy(s)
		var planes []halfPlane
		for j, o := range seeds {
			if j == i {
				continue
			}
			ox, oy := pl.xy(o)
			planes = append(planes, halfPlane{ax: 2 * (ox - sx), ay: 2 * (oy - sy), c: ox*ox + oy*oy - sx*sx - sy*sy})
		}
		for _, poly := range outline {
			if len(poly) == 0 {
				continue
			}
			ring := poly[0]
			for _, h := range planes {
				ring = clipRing(ring, h, pl)
				if len(ring) == 0 {
					break
				}
			}
			if len(ring) >= 4 {
				cells[i] = append(cells[i], precinct.Polygon{ring})
			}
		}
	}
	return cells
}

// clipRing clips a closed ring by a half-plane (Sutherland–Hodgman). The
// result is closed, or empty.
func clipRing(ring precinct.Ring, h halfPlane, pl plane) precinct.Ring {
	if len(ring) < 4 {
		return nil
	}
	var out precinct.Ring
	n := len(ring) - 1 // the last point repeats the first
	for i := 0; i < n; i++ {
		a, b := ring[i], ring[i+1]
		ax, ay := pl.xy(a)
		bx, by := pl.xy(b)
		da, db := h.side(ax, ay), h.side(bx, by)
		if da <= 0 {
			out = append(out, a)
		}
		if (da < 0 && db > 0) || (da > 0 && db < 0) {
			t := da / (da - db)
			out = append(out, precinct.Point{Lon: a.Lon + t*(b.Lon-a.Lon), Lat: a.Lat + t*(b.Lat-a.Lat)})
		}
	}
	if len(out) < 3 {
		return nil
	}
	return append(out, out[0])
}

// AreaKM2 returns the area of m in square kilometres (holes subtracted), on a
// local flat approximation.
func AreaKM2(m precinct.MultiPolygon) float64 {
	min, max := m.Bound()
	pl := planeAt((min.Lat + max.Lat) / 2)
	const kmPerDeg = 111.195
	total := 0.0
	for _, poly := range m {
		for i, ring := range poly {
			a := math.Abs(ringArea(ring, pl)) * kmPerDeg * kmPerDeg
			if i == 0 {
				total += a
			} else {
				total -= a
			}
		}
	}
	return total
}

func ringArea(r precinct.Ring, pl plane) float64 {
	s := 0.0
	for i := 0; i+1 < len(r); i++ {
		x1, y1 := pl.xy(r[i])
		x2, y2 := pl.xy(r[i+1])
		s += x1*y2 - x2*y1
	}
	return s / 2
}

// RandomPoint returns a uniformly random point inside m, by rejection
// sampling in its bounding box. It returns false if none was found.
func RandomPoint(m precinct.MultiPolygon, rng *rand.Rand) (precinct.Point, bool) {
	min, max := m.Bound()
	for i := 0; i < 10000; i++ {
		p := precinct.Point{Lon: min.Lon + rng.Float64()*(max.Lon-min.Lon), Lat: min.Lat + rng.Float64()*(max.Lat-min.Lat)}
		if m.Contains(p) {
			return p, true
		}
	}
	return precinct.Point{}, false
}

// SpreadPoints returns n points inside m spread out by Mitchell's best
// candidate: each new point is the farthest from those already chosen among
// k random candidates. weight, if not nil, pulls points toward a centre
// (weight(p) < 1 shrinks the distance score there).
func SpreadPoints(m precinct.MultiPolygon, n int, rng *rand.Rand) []precinct.Point {
	const k = 12
	pts := make([]precinct.Point, 0, n)
	for len(pts) < n {
		var best precinct.Point
		bestD := -1.0
		for c := 0; c < k; c++ {
			p, ok := RandomPoint(m, rng)
			if !ok {
				return pts
			}
			d := math.Inf(1)
			for _, q := range pts {
				d = math.Min(d, precinct.DistanceM(p, q))
			}
			if d > bestD {
				best, bestD = p, d
			}
		}
		pts = append(pts, best)
	}
	return pts
}

// Centroid returns the mean of the outer ring vertices of the largest polygon
// in m; good enough to place a label or a building inside a convex-ish cell.
func Centroid(m precinct.MultiPolygon) precinct.Point {
	var best precinct.Ring
	bestA := -1.0
	min, max := m.Bound()
	pl := planeAt((min.Lat + max.Lat) / 2)
	for _, poly := range m {
		if len(poly) == 0 {
			continue
		}
		if a := math.Abs(ringArea(poly[0], pl)); a > bestA {
			best, bestA = poly[0], a
		}
	}
	var c precinct.Point
	if len(best) < 2 {
		return c
	}
	for _, p := range best[:len(best)-1] {
		c.Lon += p.Lon
		c.Lat += p.Lat
	}
	n := float64(len(best) - 1)
	return precinct.Point{Lon: c.Lon / n, Lat: c.Lat / n}
}

// DistanceToEdgeM returns the distance in metres from p to the nearest edge of m.
func DistanceToEdgeM(p precinct.Point, m precinct.MultiPolygon) float64 {
	pl := planeAt(p.Lat)
	px, py := pl.xy(p)
	best := math.Inf(1)
	for _, poly := range m {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				ax, ay := pl.xy(r[i])
				bx, by := pl.xy(r[i+1])
				best = math.Min(best, segDist(px, py, ax, ay, bx, by))
			}
		}
	}
	return best * 111195
}

func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l := dx*dx + dy*dy
	t := 0.0
	if l > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l))
	}
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}
