package precinct

import "context"

// PlaceKind says what a place found by address search is.
type PlaceKind string

const (
	PlaceKindAddress       PlaceKind = "address"        // 标准地址 (the registry)
	PlaceKindStreet        PlaceKind = "street"         // a named road (OpenStreetMap)
	PlaceKindPOI           PlaceKind = "poi"            // a named building, shop, school… (OpenStreetMap)
	PlaceKindCommunityGrid PlaceKind = "community_grid" // 网格 / 村居
	PlaceKindPoliceGrid    PlaceKind = "police_grid"    // 警格
	PlaceKindStation       PlaceKind = "station"        // 派出所
)

// Place is one candidate of an address search: a name, what it is, and a
// point to propose (the middle of a street, a building, a grid's centre).
type Place struct {
	Name     string    `json:"name"`
	Kind     PlaceKind `json:"kind"`
	Location Point     `json:"location"`
	// Detail says more: the street's class, the grid's station.
	Detail string `json:"detail,omitempty"`
	// Score ranks the candidates, higher first.
	Score float64 `json:"score"`
}

// GeocodeService finds places by name, pinyin or pinyin initials, in the
// caller's reach: OpenStreetMap streets and POIs, which are public, and the
// grids, stations and standard addresses of the caller's jurisdiction.
type GeocodeService interface {
	// Geocode returns up to limit candidates for q, best first. An empty q is
	// EINVALID.
	Geocode(ctx context.Context, q string, limit int) ([]Place, error)
}

// TileService draws the streets of imported road data as Mapbox Vector
// Tiles, so that maps need no outside tile server.
type TileService interface {
	// Tile returns tile z/x/y (Web Mercator, XYZ numbering), empty where
	// there are no streets. Coordinates out of range are EINVALID.
	Tile(ctx context.Context, z, x, y int) ([]byte, error)
}
