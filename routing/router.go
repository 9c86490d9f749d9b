package routing

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"precinct"
)

// Router answers travel-time questions on the road network: one contracted
// graph per profile. It implements precinct.Router and is safe for concurrent
// use.
type Router struct {
	graphs map[precinct.Profile]*Graph
	// MaxSnapM is how far from a road a point may be and still be routed,
	// in metres; DefaultMaxSnapM when zero.
	MaxSnapM float64
}

var _ precinct.Router = (*Router)(nil)

// GraphPath returns where the road graph lives in a data directory.
func GraphPath(dataDir string) string { return filepath.Join(dataDir, "routing", "graph.bin") }

// NewRouter returns a router over graphs, one per profile.
func NewRouter(graphs ...*Graph) *Router {
	r := &Router{graphs: map[precinct.Profile]*Graph{}}
	for _, g := range graphs {
		r.graphs[g.profile] = g
	}
	return r
}

// Name returns "road".
func (r *Router) Name() string { return "road" }

// Profiles returns the profiles the router has graphs for, sorted.
func (r *Router) Profiles() []precinct.Profile {
	ps := make([]precinct.Profile, 0, len(r.graphs))
	for p := range r.graphs {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// Has reports whether the router has a graph for profile p ("" is car).
func (r *Router) Has(p precinct.Profile) bool {
	if p == "" {
		p = precinct.ProfileCar
	}
	_, ok := r.graphs[p]
	return ok
}

// Graph returns the graph of profile p, or an EINVALID error when the router
// has none (foot, or a profile left out of the import).
func (r *Router) Graph(p precinct.Profile) (*Graph, error) {
	if p == "" {
		p = precinct.ProfileCar
	}
	g, ok := r.graphs[p]
	if !ok {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "profile", "没有“%s”出行方式的道路图",
			"No road graph for the %q profile.", p)
	}
	return g, nil
}

// TravelTimes returns the travel by road from each of from to to, in order.
// A point with no road within MaxSnapM gets a Travel with OK false, as does
// one from which to cannot be reached. It returns an EINVALID error for a
// profile without a graph.
func (r *Router) TravelTimes(ctx context.Context, from []precinct.Point, to precinct.Point, p precinct.Profile) ([]precinct.Travel, error) {
	return r.AppendTravelTimes(make([]precinct.Travel, 0, len(from)), ctx, from, to, p)
}

// scratch is the working space of one AppendTravelTimes call.
type scratch struct {
	locs  []Location
	which []int
	costs []Cost
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// AppendTravelTimes is TravelTimes appending to dst: with a dst of room
// enough, and every point near a road, it allocates nothing (the live
// index's TravelAppender).
func (r *Router) AppendTravelTimes(dst []precinct.Travel, ctx context.Context, from []precinct.Point, to precinct.Point, p precinct.Profile) ([]precinct.Travel, error) {
	if err := ctx.Err(); err != nil {
		return dst, err
	}
	g, err := r.Graph(p)
	if err != nil {
		return dst, err
	}
	n0 := len(dst)
	dst = slices.Grow(dst, len(from))[:n0+len(from)]
	out := dst[n0:]
	clear(out)
	target, err := g.Snap(to, r.MaxSnapM)
	if err != nil {
		if precinct.ErrorCode(err) == precinct.EINVALID {
			return dst, nil
		}
		return dst[:n0], err
	}
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	sc.locs, sc.which = sc.locs[:0], sc.which[:0]
	for i, f := range from {
		if l, err := g.Snap(f, r.MaxSnapM); err == nil {
			sc.locs = append(sc.locs, l)
			sc.which = append(sc.which, i)
		}
	}
	sc.costs = g.AppendManyToOne(sc.costs[:0], sc.locs, target)
	for k, c := range sc.costs {
		out[sc.which[k]] = travelOf(c)
	}
	return dst, nil
}

// TravelTable returns the travel by road from one point to each of to, in
// order: the one-to-many table (a station's coverage). It returns an
// EINVALID error, with field "from", when from has no road within MaxSnapM,
// and for a profile without a graph; a destination with no road near, or not
// reachable, gets a Travel with OK false.
func (r *Router) TravelTable(ctx context.Context, from precinct.Point, to []precinct.Point, p precinct.Profile) ([]precinct.Travel, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g, err := r.Graph(p)
	if err != nil {
		return nil, err
	}
	src, err := g.Snap(from, r.MaxSnapM)
	if err != nil {
		return nil, fieldOf(err, "from")
	}
	out := make([]precinct.Travel, len(to))
	var locs []Location
	var which []int
	for i, t := range to {
		if l, err := g.Snap(t, r.MaxSnapM); err == nil {
			locs = append(locs, l)
			which = append(which, i)
		}
	}
	for k, c := range g.TravelOneToMany(src, locs) {
		out[which[k]] = travelOf(c)
	}
	return out, nil
}

// travelOf converts a graph cost to a precinct.Travel.
func travelOf(c Cost) precinct.Travel {
	if !c.OK {
		return precinct.Travel{}
	}
	return precinct.Travel{Duration: time.Duration(c.TimeMS) * time.Millisecond,
		DistanceM: float64(c.LengthDM) / 10, OK: true}
}

// Route returns the fastest road route from one point to another: its travel
// time, its length in metres and its geometry, from the point on the road
// nearest from to the one nearest to. It returns an EINVALID error when either
// point has no road within MaxSnapM, and ENOTFOUND when no road leads from one
// to the other.
func (r *Router) Route(ctx context.Context, from, to precinct.Point, p precinct.Profile) (time.Duration, float64, []precinct.Point, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, nil, err
	}
	g, err := r.Graph(p)
	if err != nil {
		return 0, 0, nil, err
	}
	src, err := g.Snap(from, r.MaxSnapM)
	if err != nil {
		return 0, 0, nil, fieldOf(err, "from")
	}
	dst, err := g.Snap(to, r.MaxSnapM)
	if err != nil {
		return 0, 0, nil, fieldOf(err, "to")
	}
	c, nodes := g.Path(src, dst)
	if !c.OK {
		return 0, 0, nil, precinct.Errorf(precinct.ENOTFOUND, "两点之间没有可通行的道路", "No road route between the two points.")
	}
	// The snapped ends, and the road nodes between; an end placed on a node
	// is that node, written once.
	line := make([]precinct.Point, 0, len(nodes)+2)
	line = append(line, src.Point)
	for _, v := range nodes {
		if q := g.Point(v); q != line[len(line)-1] {
			line = append(line, q)
		}
	}
	if dst.Point != line[len(line)-1] || len(line) == 1 {
		line = append(line, dst.Point)
	}
	t := travelOf(c)
	return t.Duration, t.DistanceM, line, nil
}

// fieldOf sets the field of a *precinct.Error.
func fieldOf(err error, field string) error {
	if e, ok := err.(*precinct.Error); ok {
		e.Field = field
	}
	return err
}
