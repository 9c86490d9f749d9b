package precinct

import "context"

// PoliceGrid is a police grid (警格): the patch of one community officer, in
// the demo one village or community.
type PoliceGrid struct {
	ID        string       `json:"id"`
	StationID string       `json:"station_id"`
	Name      string       `json:"name"`
	Code      string       `json:"code"`       // division code of the village or community
	OfficerID string       `json:"officer_id"` // the community officer (Person) who owns it
	Boundary  MultiPolygon `json:"boundary,omitempty"`
	Derived   bool         `json:"derived"` // the polygon was generated, not surveyed
}

// CommunityGrid is a community grid (网格) inside a police grid, with one
// auxiliary officer or grid worker.
type CommunityGrid struct {
	ID           string       `json:"id"`
	PoliceGridID string       `json:"police_grid_id"`
	Name         string       `json:"name"`
	WorkerID     string       `json:"worker_id"` // the auxiliary or grid worker (Person)
	Boundary     MultiPolygon `json:"boundary,omitempty"`
	Derived      bool         `json:"derived"`
}

// Location is where something is in the jurisdiction tree. A resolved point has
// every level set; a user's scope sets only the levels it is bound to.
type Location struct {
	SubBureauID     string `json:"sub_bureau_id"`
	StationID       string `json:"station_id,omitempty"`
	PoliceGridID    string `json:"police_grid_id,omitempty"`
	CommunityGridID string `json:"community_grid_id,omitempty"`
}

// Resolver locates points in the jurisdiction tree.
type Resolver interface {
	// Resolve returns the community grid, police grid, station and sub-bureau
	// containing p. A point outside every jurisdiction is EINVALID with field
	// "location" and a message that says so.
	Resolve(p Point) (Location, error)
}

// ErrOutsideJurisdiction is returned for a point no jurisdiction contains.
func ErrOutsideJurisdiction(field string) *Error {
	return FieldErrorf(EINVALID, field, "位置不在任何辖区内", "The location is outside every jurisdiction.")
}

// GridFilter selects grids within Scope. Other zero fields match everything.
type GridFilter struct {
	Scope        Scope
	SubBureauID  string
	StationID    string
	PoliceGridID string
	Cursor       string
	Limit        int
}

// GridStore keeps police and community grids.
type GridStore interface {
	FindPoliceGrid(ctx context.Context, id string) (*PoliceGrid, error)
	ListPoliceGrids(ctx context.Context, f GridFilter) ([]*PoliceGrid, string, error)
	FindCommunityGrid(ctx context.Context, id string) (*CommunityGrid, error)
	ListCommunityGrids(ctx context.Context, f GridFilter) ([]*CommunityGrid, string, error)
	// AllGrids returns every community grid with its police grid's station and
	// sub-bureau, to build a Resolver at start.
	AllGrids(ctx context.Context) ([]*PoliceGrid, []*CommunityGrid, error)
}
