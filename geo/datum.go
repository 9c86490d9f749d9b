package geo

import (
	"math"

	"precinct"
)

// The GCJ-02 offset uses the Krasovsky 1940 ellipsoid.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
)

// outOfChina reports whether p is outside the area where GCJ-02 differs from WGS-84.
func outOfChina(p precinct.Point) bool {
	return p.Lon < 72.004 || p.Lon > 137.8347 || p.Lat < 0.8293 || p.Lat > 55.8271
}

// WGS84ToGCJ02 converts a WGS-84 point (GPS, OpenStreetMap) to GCJ-02 (Chinese
// web maps). Points outside China are returned unchanged.
func WGS84ToGCJ02(p precinct.Point) precinct.Point {
	if outOfChina(p) {
		return p
	}
	dLat := transformLat(p.Lon-105.0, p.Lat-35.0)
	dLon := transformLon(p.Lon-105.0, p.Lat-35.0)
	radLat := p.Lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return precinct.Point{Lon: p.Lon + dLon, Lat: p.Lat + dLat}
}

// GCJ02ToWGS84 inverts WGS84ToGCJ02 by fixed-point iteration, to well under a
// millimetre.
func GCJ02ToWGS84(p precinct.Point) precinct.Point {
	if outOfChina(p) {
		return p
	}
	w := p
	for i := 0; i < 10; i++ {
		g := WGS84ToGCJ02(w)
		dLon, dLat := g.Lon-p.Lon, g.Lat-p.Lat
		w.Lon -= dLon
		w.Lat -= dLat
		if math.Abs(dLon) < 1e-10 && math.Abs(dLat) < 1e-10 {
			break
		}
	}
	return w
}

// ToDatum converts p from one datum to another.
func ToDatum(p precinct.Point, from, to precinct.Datum) precinct.Point {
	switch {
	case from == to:
		return p
	case from == precinct.WGS84 && to == precinct.GCJ02:
		return WGS84ToGCJ02(p)
	case from == precinct.GCJ02 && to == precinct.WGS84:
		return GCJ02ToWGS84(p)
	}
	return p
}

func transformLat(x, y float64) float64 {
	ret := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	ret += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	ret += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	ret += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return ret
}

func transformLon(x, y float64) float64 {
	ret := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	ret += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	ret += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	ret += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return ret
}
