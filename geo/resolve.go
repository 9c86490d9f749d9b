// Package geo is Precinct's geometry: resolving a point to the community
// grid, police grid, station and sub-bureau that contain it; Voronoi
// partitions of a district for derived grid polygons; and conversion between
// the GCJ-02 datum of Chinese web maps and WGS-84. It does no I/O.
package geo

import (
	"sort"
	"sync/atomic"

	"github.com/tidwall/rtree"

	"precinct"
)

// Resolver locates points in the jurisdiction tree. It indexes community
// grids by bounding box in an R-tree and confirms candidates with an exact
// point-in-polygon test. It implements precinct.Resolver and is safe for
// concurrent use once built.
type Resolver struct {
	tree  rtree.RTreeG[*cell]
	cells []*cell
}

// cell is one community grid with the levels above it.
type cell struct {
	loc      precinct.Location
	boundary precinct.MultiPolygon
}

var _ precinct.Resolver = (*Resolver)(nil)

// NewResolver indexes the community grids of the given police grids and
// stations. Grids whose police grid or station is unknown are left out.
func NewResolver(stations []*precinct.Station, policeGrids []*precinct.PoliceGrid, communityGrids []*precinct.CommunityGrid) *Resolver {
	subBureau := make(map[string]string, len(stations))
	for _, s := range stations {
		subBureau[s.ID] = s.SubBureauID
	}
	station := make(map[string]string, len(policeGrids))
	for _, g := range policeGrids {
		station[g.ID] = g.StationID
	}
	r := &Resolver{}
	for _, g := range communityGrids {
		st, ok := station[g.PoliceGridID]
		if !ok || subBureau[st] == "" || len(g.Boundary) == 0 {
			continue
		}
		c := &cell{
			loc:      precinct.Location{SubBureauID: subBureau[st], StationID: st, PoliceGridID: g.PoliceGridID, CommunityGridID: g.ID},
			boundary: g.Boundary,
		}
		min, max := g.Boundary.Bound()
		r.tree.Insert([2]float64{min.Lon, min.Lat}, [2]float64{max.Lon, max.Lat}, c)
		r.cells = append(r.cells, c)
	}
	return r
}

// Len returns the number of community grids indexed.
func (r *Resolver) Len() int { return len(r.cells) }

// Resolve returns the location of p. A point on the shared edge of two grids
// goes to the grid with the lower ID. A point in no grid is EINVALID.
func (r *Resolver) Resolve(p precinct.Point) (precinct.Location, error) {
	if err := p.Validate("location"); err != nil {
		return precinct.Location{}, err
	}
	var hits []*cell
	r.tree.Search([2]float64{p.Lon, p.Lat}, [2]float64{p.Lon, p.Lat}, func(_, _ [2]float64, c *cell) bool {
		if c.boundary.Contains(p) {
			hits = append(hits, c)
		}
		return true
	})
	switch len(hits) {
	case 0:
		return precinct.Location{}, precinct.ErrOutsideJurisdiction("location")
	case 1:
		return hits[0].loc, nil
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].loc.CommunityGridID < hits[j].loc.CommunityGridID })
	return hits[0].loc, nil
}

// Current is the resolver in force, replaced whole when the organisation
// changes (a grid drawn, a station retired, an import) while requests keep
// resolving: each call uses the resolver current when it starts.
type Current struct{ p atomic.Pointer[Resolver] }

var _ precinct.Resolver = (*Current)(nil)

// NewCurrent returns a Current holding r.
func NewCurrent(r *Resolver) *Current {
	c := &Current{}
	c.Set(r)
	return c
}

// Set makes r the resolver in force.
func (c *Current) Set(r *Resolver) { c.p.Store(r) }

// Get returns the resolver in force.
func (c *Current) Get() *Resolver { return c.p.Load() }

// Resolve resolves p with the resolver in force.
func (c *Current) Resolve(p precinct.Point) (precinct.Location, error) { return c.p.Load().Resolve(p) }
