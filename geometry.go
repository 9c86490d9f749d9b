package precinct

import (
	"encoding/json"
	"fmt"
	"math"
)

// Ring is a closed linear ring of points; the first and last point are equal.
type Ring []Point

// Polygon is an outer ring followed by zero or more holes.
type Polygon []Ring

// MultiPolygon is one or more polygons. It reads and writes itself as a GeoJSON
// geometry (RFC 7946) of type Polygon or MultiPolygon.
type MultiPolygon []Polygon

type geoJSONGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// MarshalJSON writes m as a GeoJSON MultiPolygon geometry (null when empty).
func (m MultiPolygon) MarshalJSON() ([]byte, error) {
	if len(m) == 0 {
		return []byte("null"), nil
	}
	coords := make([][][][2]float64, len(m))
	for i, poly := range m {
		coords[i] = make([][][2]float64, len(poly))
		for j, ring := range poly {
			coords[i][j] = make([][2]float64, len(ring))
			for k, p := range ring {
				coords[i][j][k] = [2]float64{p.Lon, p.Lat}
			}
		}
	}
	raw, err := json.Marshal(coords)
	if err != nil {
		return nil, err
	}
	return json.Marshal(geoJSONGeometry{Type: "MultiPolygon", Coordinates: raw})
}

// UnmarshalJSON reads a GeoJSON Polygon or MultiPolygon geometry, or a Feature
// holding one.
func (m *MultiPolygon) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*m = nil
		return nil
	}
	var g struct {
		geoJSONGeometry
		Geometry *geoJSONGeometry `json:"geometry"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return err
	}
	geom := g.geoJSONGeometry
	if g.Type == "Feature" && g.Geometry != nil {
		geom = *g.Geometry
	}
	var polys [][][][2]float64
	switch geom.Type {
	case "Polygon":
		var p [][][2]float64
		if err := json.Unmarshal(geom.Coordinates, &p); err != nil {
			return err
		}
		polys = [][][][2]float64{p}
	case "MultiPolygon":
		if err := json.Unmarshal(geom.Coordinates, &polys); err != nil {
			return err
		}
	default:
		return FieldErrorf(EINVALID, "geometry", "不支持的几何类型：%q（应为 Polygon 或 MultiPolygon）",
			"Unsupported geometry type %q (want Polygon or MultiPolygon).", geom.Type)
	}
	out := make(MultiPolygon, len(polys))
	for i, poly := range polys {
		out[i] = make(Polygon, len(poly))
		for j, ring := range poly {
			if len(ring) < 4 {
				return FieldErrorf(EINVALID, "geometry", "多边形的环至少需要 4 个点", "A polygon ring needs at least 4 points.")
			}
			r := make(Ring, len(ring))
			for k, c := range ring {
				r[k] = Point{Lon: c[0], Lat: c[1]}
				if err := r[k].Validate("geometry"); err != nil {
					return err
				}
			}
			out[i][j] = r
		}
	}
	*m = out
	return nil
}

// Contains reports whether p lies inside m (on an outer ring and not in a hole).
// Points exactly on an edge may go either way; use it with a tie-break.
func (m MultiPolygon) Contains(p Point) bool {
	for _, poly := range m {
		if len(poly) == 0 || !poly[0].contains(p) {
			continue
		}
		inHole := false
		for _, hole := range poly[1:] {
			if hole.contains(p) {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

// contains is the even-odd ray-casting test.
func (r Ring) contains(p Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) &&
			p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// Bound returns the bounding box of m as its south-west and north-east corners.
func (m MultiPolygon) Bound() (min, max Point) {
	first := true
	for _, poly := range m {
		for _, ring := range poly {
			for _, p := range ring {
				if first {
					min, max, first = p, p, false
					continue
				}
				min.Lon, min.Lat = fmin(min.Lon, p.Lon), fmin(min.Lat, p.Lat)
				max.Lon, max.Lat = fmax(max.Lon, p.Lon), fmax(max.Lat, p.Lat)
			}
		}
	}
	return min, max
}

func fmin(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func fmax(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// String is for logs.
func (m MultiPolygon) String() string { return fmt.Sprintf("MultiPolygon(%d)", len(m)) }

// RFC7946 returns m as a GeoJSON MultiPolygon geometry the way RFC 7946
// wants it served: coordinates rounded to 7 decimals, outer rings
// counter-clockwise and holes clockwise. nil when m is empty.
func (m MultiPolygon) RFC7946() any {
	if len(m) == 0 {
		return nil
	}
	coords := make([][][][2]float64, 0, len(m))
	for _, poly := range m {
		rings := make([][][2]float64, 0, len(poly))
		for j, ring := range poly {
			r := make([][2]float64, len(ring))
			area := 0.0
			for k, p := range ring {
				r[k] = [2]float64{round7(p.Lon), round7(p.Lat)}
				if k > 0 {
					area += r[k-1][0]*r[k][1] - r[k][0]*r[k-1][1]
				}
			}
			if (j == 0) != (area > 0) { // outer rings counter-clockwise, holes clockwise
				for a, b := 0, len(r)-1; a < b; a, b = a+1, b-1 {
					r[a], r[b] = r[b], r[a]
				}
			}
			rings = append(rings, r)
		}
		coords = append(coords, rings)
	}
	return map[string]any{"type": "MultiPolygon", "coordinates": coords}
}

// RFC7946 returns p as a GeoJSON Point at 7 decimals.
func (p Point) RFC7946() any {
	return map[string]any{"type": "Point", "coordinates": [2]float64{round7(p.Lon), round7(p.Lat)}}
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
