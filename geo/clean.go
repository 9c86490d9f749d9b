package geo

import (
	"math"

	"precinct"
)

// Clean makes a multipolygon valid the way RFC 7946 and GIS tools want it:
// coordinates rounded to 7 decimals (about a centimetre), repeated points
// dropped, a ring whose edges cross split at the crossings into polygons of
// their own (loops turned inside out — slivers of the 100 m published
// outlines — dropped), outer rings counter-clockwise and holes clockwise,
// and rings of fewer than four points dropped.
func Clean(m precinct.MultiPolygon) precinct.MultiPolygon {
	var out precinct.MultiPolygon
	for _, poly := range m {
		if len(poly) == 0 {
			continue
		}
		outer := dedupe(roundRing(poly[0]))
		if len(outer) < 4 {
			continue
		}
		// Where edges cross, the ring is split into its loops; the loops
		// turning the ring's own way are kept (each a polygon: no area is
		// lost), those turning against it (the slivers inside out) dropped.
		sign := signedArea(outer) > 0
		var kept []precinct.Ring
		for _, loop := range loops(outer, 0) {
			if len(loop) >= 4 && signedArea(loop) != 0 && (signedArea(loop) > 0) == sign {
				kept = append(kept, loop)
			}
		}
		var holes []precinct.Ring
		for _, ring := range poly[1:] {
			for _, loop := range loops(dedupe(roundRing(ring)), 0) {
				if len(loop) >= 4 && signedArea(loop) != 0 {
					holes = append(holes, loop)
				}
			}
		}
		for i, r := range kept {
			if !CounterClockwise(r) {
				reverse(r)
			}
			np := precinct.Polygon{r}
			if i == 0 {
				for _, h := range holes {
					if CounterClockwise(h) {
						reverse(h)
					}
					np = append(np, h)
				}
			}
			out = append(out, np)
		}
	}
	return out
}

// loops splits a ring at the crossings of its edges into rings that do
// not cross themselves.
func loops(r precinct.Ring, depth int) []precinct.Ring {
	if len(r) < 4 {
		return nil
	}
	i, k, x, ok := firstCrossing(r)
	if !ok || depth > 200 {
		return []precinct.Ring{r}
	}
	a := append(append(append(precinct.Ring{}, r[:i+1]...), x), r[k+1:]...)
	b := append(append(precinct.Ring{x}, r[i+1:k+1]...), x)
	return append(loops(dedupe(a), depth+1), loops(dedupe(b), depth+1)...)
}

// Round7 rounds a coordinate to 7 decimals.
func Round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

func roundRing(r precinct.Ring) precinct.Ring {
	out := make(precinct.Ring, len(r))
	for i, p := range r {
		out[i] = precinct.Point{Lon: Round7(p.Lon), Lat: Round7(p.Lat)}
	}
	return out
}

// dedupe drops consecutive repeated points and closes the ring.
func dedupe(r precinct.Ring) precinct.Ring {
	out := r[:0:0]
	for _, p := range r {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	if len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	// Drop spikes: a point whose neighbours are the same point.
	for changed := true; changed && len(out) > 2; {
		changed = false
		for i := 0; i < len(out) && len(out) > 2; i++ {
			prev, next := out[(i+len(out)-1)%len(out)], out[(i+1)%len(out)]
			if prev == next {
				out = append(out[:i], out[i+1:]...)
				if i < len(out) {
					out = append(out[:i], out[i+1:]...)
				}
				changed = true
				break
			}
		}
	}
	if len(out) < 3 {
		return nil
	}
	return append(out, out[0])
}

// firstCrossing finds edges i (r[i]–r[i+1]) and k > i+1 that share a point
// other than a common vertex of neighbouring edges.
func firstCrossing(r precinct.Ring) (int, int, precinct.Point, bool) {
	n := len(r) - 1 // edges
	for i := 0; i < n; i++ {
		a, b := r[i], r[i+1]
		minLon, maxLon, minLat, maxLat := math.Min(a.Lon, b.Lon), math.Max(a.Lon, b.Lon), math.Min(a.Lat, b.Lat), math.Max(a.Lat, b.Lat)
		for k := i + 2; k < n; k++ {
			if i == 0 && k == n-1 {
				continue // the closing edge meets the first at r[0]
			}
			c, d := r[k], r[k+1]
			if math.Max(c.Lon, d.Lon) < minLon || math.Min(c.Lon, d.Lon) > maxLon || math.Max(c.Lat, d.Lat) < minLat || math.Min(c.Lat, d.Lat) > maxLat {
				continue
			}
			if x, ok := intersection(a, b, c, d); ok {
				return i, k, x, true
			}
		}
	}
	return 0, 0, precinct.Point{}, false
}

// intersection returns a point shared by segments ab and cd.
func intersection(a, b, c, d precinct.Point) (precinct.Point, bool) {
	rx, ry := b.Lon-a.Lon, b.Lat-a.Lat
	sx, sy := d.Lon-c.Lon, d.Lat-c.Lat
	den := rx*sy - ry*sx
	qx, qy := c.Lon-a.Lon, c.Lat-a.Lat
	if den == 0 {
		if qx*ry-qy*rx != 0 {
			return precinct.Point{}, false // parallel
		}
		// Collinear: overlapping if an end lies on the other segment.
		for _, p := range []precinct.Point{c, d} {
			if between(a, b, p) {
				return p, true
			}
		}
		for _, p := range []precinct.Point{a, b} {
			if between(c, d, p) {
				return p, true
			}
		}
		return precinct.Point{}, false
	}
	t := (qx*sy - qy*sx) / den
	u := (qx*ry - qy*rx) / den
	if t < 0 || t > 1 || u < 0 || u > 1 {
		return precinct.Point{}, false
	}
	return precinct.Point{Lon: Round7(a.Lon + t*rx), Lat: Round7(a.Lat + t*ry)}, true
}

func between(a, b, p precinct.Point) bool {
	return math.Min(a.Lon, b.Lon) <= p.Lon && p.Lon <= math.Max(a.Lon, b.Lon) && math.Min(a.Lat, b.Lat) <= p.Lat && p.Lat <= math.Max(a.Lat, b.Lat)
}

// signedArea is positive for a counter-clockwise ring (lon as x, lat as y).
func signedArea(r precinct.Ring) float64 {
	s := 0.0
	for i := 0; i+1 < len(r); i++ {
		s += r[i].Lon*r[i+1].Lat - r[i+1].Lon*r[i].Lat
	}
	return s / 2
}

func reverse(r precinct.Ring) {
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}

// CounterClockwise reports whether a ring runs counter-clockwise.
func CounterClockwise(r precinct.Ring) bool { return signedArea(r) > 0 }
