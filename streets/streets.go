// Package streets keeps the streets and named places of imported
// OpenStreetMap data (`precinct import osm`): their geometry, names and
// classes, saved beside the road graph in the data directory. It draws them
// as Mapbox Vector Tiles for the console, big screen and officer app, so that
// maps work on a closed police network with no outside tile server, and it
// gives address search the names of streets and places.
//
// Coordinates are kept in WGS-84, as OpenStreetMap has them, and converted
// when loaded to the datum the jurisdiction's maps are drawn in (GCJ-02 for
// Chinese jurisdictions), so that streets lie on the grids drawn with them.
package streets

import (
	"precinct"
)

// Street is a named (or unnamed) road, path or street as one line.
type Street struct {
	Name  string           // may be empty: unnamed roads are drawn, not searched
	Class string           // the OpenStreetMap highway value: primary, residential…
	Line  []precinct.Point // two points or more
}

// POI is a named place: a building, school, hospital, shop, bus stop.
type POI struct {
	Name  string
	Kind  string // the OpenStreetMap key that made it a place: amenity=school → "school"
	Point precinct.Point
}

// Data is what an import keeps of a file.
type Data struct {
	Streets []Street
	POIs    []POI
	// Datum is the datum of the coordinates (WGS-84 as imported).
	Datum precinct.Datum
}

// minZoom is the lowest zoom at which a class of road is drawn: main roads
// from the district view on, small ones only close up.
func minZoom(class string) int {
	switch class {
	case "motorway", "trunk", "primary", "motorway_link", "trunk_link", "primary_link":
		return 8
	case "secondary", "secondary_link":
		return 10
	case "tertiary", "tertiary_link":
		return 12
	case "unclassified", "residential", "living_street", "pedestrian", "road":
		return 13
	}
	return 15 // service roads, tracks, paths, steps
}

// poiMinZoom is the lowest zoom at which named places are drawn.
const poiMinZoom = 15
