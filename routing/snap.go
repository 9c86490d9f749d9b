package routing

import (
	"math"
	"slices"

	"precinct"
)

// DefaultMaxSnapM is how far from a road a point may be, by default, and still
// be routed from or to.
const DefaultMaxSnapM = 1000

// metresPerDegree is the length of one degree of latitude, near enough.
const metresPerDegree = 111319.49

// segment is a piece of road between two consecutive nodes, in one or both
// directions: what a point snaps to.
type segment struct {
	a, b           uint32
	timeAB, timeBA uint32 // milliseconds; infinity when closed that way
	length         uint32 // decimetres
}

// segmentBytes is the memory a segment takes.
const segmentBytes = 20

// segmentIndex is a uniform grid of cells over the graph's extent, in
// degrees: each cell lists the segments whose bounding box meets it, in
// compressed rows. A point's nearest segment is found ring by ring around
// its cell, without allocating.
type segmentIndex struct {
	lon0, lat0 float64 // the south-west corner of cell (0, 0)
	cell       float64 // the side of a cell in degrees
	w, h       int32
	start      []uint32 // cell c's segments are items[start[c]:start[c+1]]
	items      []uint32
}

// Cell sizes: about 100 m, wider when the extent would need more than
// maxIndexCells cells.
const (
	indexCellDeg  = 0.001
	maxIndexCells = 1 << 22
)

func (x *segmentIndex) bytes() int { return 4 * (len(x.start) + len(x.items)) }

// cellOf returns the cell coordinates of a point (outside the grid too).
func (x *segmentIndex) cellOf(lon, lat float64) (int32, int32) {
	return int32(math.Floor((lon - x.lon0) / x.cell)), int32(math.Floor((lat - x.lat0) / x.cell))
}

// build indexes the segments of g.
func (x *segmentIndex) build(g *Graph) {
	*x = segmentIndex{cell: indexCellDeg}
	if len(g.lat) == 0 {
		return
	}
	lo, hi := g.Point(0), g.Point(0)
	for v := range uint32(len(g.lat)) {
		p := g.Point(v)
		lo.Lon, lo.Lat = min(lo.Lon, p.Lon), min(lo.Lat, p.Lat)
		hi.Lon, hi.Lat = max(hi.Lon, p.Lon), max(hi.Lat, p.Lat)
	}
	for {
		x.w = int32((hi.Lon-lo.Lon)/x.cell) + 1
		x.h = int32((hi.Lat-lo.Lat)/x.cell) + 1
		if int64(x.w)*int64(x.h) <= maxIndexCells {
			break
		}
		x.cell *= 2
	}
	x.lon0, x.lat0 = lo.Lon, lo.Lat
	// Two passes: count the segments of each cell, then fill.
	counts := make([]uint32, int(x.w)*int(x.h)+1)
	each := func(fn func(c int, i uint32)) {
		for i, sg := range g.segments {
			pa, pb := g.Point(sg.a), g.Point(sg.b)
			x0, y0 := x.cellOf(min(pa.Lon, pb.Lon), min(pa.Lat, pb.Lat))
			x1, y1 := x.cellOf(max(pa.Lon, pb.Lon), max(pa.Lat, pb.Lat))
			for cy := max(y0, 0); cy <= min(y1, x.h-1); cy++ {
				for cx := max(x0, 0); cx <= min(x1, x.w-1); cx++ {
					fn(int(cy)*int(x.w)+int(cx), uint32(i))
				}
			}
		}
	}
	each(func(c int, _ uint32) { counts[c+1]++ })
	for c := 1; c < len(counts); c++ {
		counts[c] += counts[c-1]
	}
	x.start = counts
	x.items = make([]uint32, counts[len(counts)-1])
	fill := slices.Clone(counts[:len(counts)-1])
	each(func(c int, i uint32) {
		x.items[fill[c]] = i
		fill[c]++
	})
}

// derive builds what is computed from the stored arrays at load time: the
// road segments, their R-tree and the search workspaces.
func (g *Graph) derive() {
	n := uint32(len(g.lat))
	g.pool.n = int(n)
	g.segments = g.segments[:0]
	for u := range n {
		for e, hi := g.base.edges(u); e < hi; e++ {
			v := g.base.head[e]
			back := g.edgeTime(v, u)
			switch {
			case u < v:
				g.segments = append(g.segments, segment{a: u, b: v, timeAB: g.base.time[e], timeBA: back, length: g.base.length[e]})
			case back == infinity: // one-way v←u, not seen from v
				g.segments = append(g.segments, segment{a: v, b: u, timeAB: infinity, timeBA: g.base.time[e], length: g.base.length[e]})
			}
		}
	}
	g.index.build(g)
	g.rev = buildInAdjacency(g)
}

// edgeTime returns the time of the road edge u→v, infinity if there is none.
func (g *Graph) edgeTime(u, v uint32) uint32 {
	for e, hi := g.base.edges(u); e < hi; e++ {
		if g.base.head[e] == v {
			return g.base.time[e]
		}
	}
	return infinity
}

// Location is a point placed on the road network: on a road segment at some
// fraction of its length, or on a node.
type Location struct {
	// Point is the position on the road.
	Point precinct.Point
	// DistanceM is how far the asked point is from Point, in metres.
	DistanceM float64

	seg            int32 // -1 for a node location
	frac           float64
	timeAB, timeBA uint32
	length         uint32
	outs, ins      [2]seed
	nOut, nIn      int
}

// out returns the nodes a trip from l starts at.
func (l *Location) out() []seed { return l.outs[:l.nOut] }

// in returns the nodes a trip to l arrives through.
func (l *Location) in() []seed { return l.ins[:l.nIn] }

// NodeLocation returns the location of node v.
func (g *Graph) NodeLocation(v uint32) Location {
	s := seed{node: v}
	return Location{Point: g.Point(v), seg: -1, outs: [2]seed{s}, ins: [2]seed{s}, nOut: 1, nIn: 1}
}

// Snap places p on the nearest road segment. It returns an EINVALID error
// when no road is within maxDistanceM metres (DefaultMaxSnapM if zero).
func (g *Graph) Snap(p precinct.Point, maxDistanceM float64) (Location, error) {
	if err := p.Validate("point"); err != nil {
		return Location{}, err
	}
	if maxDistanceM <= 0 {
		maxDistanceM = DefaultMaxSnapM
	}
	// Measure in a local equirectangular projection around p: metres east
	// are degrees of longitude times kx, metres north degrees of latitude
	// times ky. Cells are searched ring by ring around p's; once the best
	// segment is nearer than the next ring can be, it is the nearest.
	ky := metresPerDegree
	kx := ky * math.Cos(p.Lat*math.Pi/180)
	// Squared distances until the nearest is found.
	best, bestD2, bestF := -1, math.Inf(1), 0.0
	x := &g.index
	if x.w > 0 {
		cx, cy := x.cellOf(p.Lon, p.Lat)
		visit := func(gx, gy int32) {
			if gx < 0 || gy < 0 || gx >= x.w || gy >= x.h {
				return
			}
			c := int(gy)*int(x.w) + int(gx)
			for _, i := range x.items[x.start[c]:x.start[c+1]] {
				if d2, f := g.segmentDistance2(p, g.segments[i], kx, ky); d2 < bestD2 || d2 == bestD2 && int(i) < best {
					best, bestD2, bestF = int(i), d2, f
				}
			}
		}
		// The farthest ring that still meets the grid.
		last := max(abs32(cx), abs32(cx-x.w+1), abs32(cy), abs32(cy-x.h+1))
		for r := int32(0); r <= last; r++ {
			if r == 0 {
				visit(cx, cy)
			} else {
				for i := -r; i <= r; i++ {
					visit(cx+i, cy-r)
					visit(cx+i, cy+r)
				}
				for j := -r + 1; j <= r-1; j++ {
					visit(cx-r, cy+j)
					visit(cx+r, cy+j)
				}
			}
			// Every segment not visited lies outside the square of rings
			// 0..r, at least as far from p as the square's nearest side.
			west := x.lon0 + float64(cx-r)*x.cell
			south := x.lat0 + float64(cy-r)*x.cell
			side := float64(2*r+1) * x.cell
			edge := min((p.Lon-west)*kx, (west+side-p.Lon)*kx, (p.Lat-south)*ky, (south+side-p.Lat)*ky)
			if best >= 0 && bestD2 <= edge*edge || edge > maxDistanceM {
				break
			}
		}
	}
	bestD := math.Sqrt(bestD2)
	if best < 0 || bestD > maxDistanceM {
		return Location{}, precinct.FieldErrorf(precinct.EINVALID, "point",
			"%.0f 米内没有道路（%.6f, %.6f）", "No road within %.0f m of %.6f,%.6f.", maxDistanceM, p.Lon, p.Lat)
	}
	// A point whose nearest road point is an end of the segment is at a
	// node (a junction, or a bend): it is placed on the node, from which a
	// trip may take any road, not on the segment, which a one-way street
	// would let it leave in one direction only.
	if s := g.segments[best]; bestF == 0 || bestF == 1 || g.atNode(p, s.a, bestD, kx, ky) || g.atNode(p, s.b, bestD, kx, ky) {
		v := s.a
		if bestF > 0.5 {
			v = s.b
		}
		l := g.NodeLocation(v)
		l.DistanceM = precinct.DistanceM(p, l.Point)
		return l, nil
	}
	return g.segmentLocation(p, int32(best), bestF), nil
}

// atNode reports whether node v is as near p as the nearest road point (at
// distance d), within a millimetre: the rounding of a projection that lands
// on the segment's end.
func (g *Graph) atNode(p precinct.Point, v uint32, d, kx, ky float64) bool {
	q := g.Point(v)
	return math.Hypot((q.Lon-p.Lon)*kx, (q.Lat-p.Lat)*ky) <= d+1e-3
}

// segmentDistance2 returns the square of the distance in metres from p to
// segment s and the fraction of the way from s.a to s.b of the nearest
// point.
func (g *Graph) segmentDistance2(p precinct.Point, s segment, kx, ky float64) (float64, float64) {
	a, b := g.Point(s.a), g.Point(s.b)
	ax, ay := (a.Lon-p.Lon)*kx, (a.Lat-p.Lat)*ky
	bx, by := (b.Lon-p.Lon)*kx, (b.Lat-p.Lat)*ky
	dx, dy := bx-ax, by-ay
	f := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		f = min(1, max(0, -(ax*dx+ay*dy)/l2))
	}
	ex, ey := ax+f*dx, ay+f*dy
	return ex*ex + ey*ey, f
}

// segmentLocation returns the location at fraction f along segment i.
func (g *Graph) segmentLocation(p precinct.Point, i int32, f float64) Location {
	s := g.segments[i]
	a, b := g.Point(s.a), g.Point(s.b)
	on := precinct.Point{Lon: a.Lon + f*(b.Lon-a.Lon), Lat: a.Lat + f*(b.Lat-a.Lat)}
	l := Location{Point: on, DistanceM: precinct.DistanceM(p, on), seg: i, frac: f,
		timeAB: s.timeAB, timeBA: s.timeBA, length: s.length}
	part := func(t uint32, f float64) uint32 { return uint32(math.Round(float64(t) * f)) }
	if s.timeAB != infinity { // along a→b: leave towards b, arrive from a
		l.outs[l.nOut] = seed{s.b, part(s.timeAB, 1-f), part(s.length, 1-f)}
		l.ins[l.nIn] = seed{s.a, part(s.timeAB, f), part(s.length, f)}
		l.nOut++
		l.nIn++
	}
	if s.timeBA != infinity { // along b→a: leave towards a, arrive from b
		l.outs[l.nOut] = seed{s.a, part(s.timeBA, f), part(s.length, f)}
		l.ins[l.nIn] = seed{s.b, part(s.timeBA, 1-f), part(s.length, 1-f)}
		l.nOut++
		l.nIn++
	}
	return l
}

// direct returns the travel from one location to another along the segment
// they share, when they share one and its direction allows.
func direct(from, to Location) Cost {
	if from.seg < 0 || from.seg != to.seg {
		return Cost{}
	}
	part := func(t uint32, f float64) uint32 { return uint32(math.Round(float64(t) * f)) }
	switch d := to.frac - from.frac; {
	case d >= 0 && from.timeAB != infinity:
		return Cost{TimeMS: part(from.timeAB, d), LengthDM: part(from.length, d), OK: true}
	case d <= 0 && from.timeBA != infinity:
		return Cost{TimeMS: part(from.timeBA, -d), LengthDM: part(from.length, -d), OK: true}
	}
	return Cost{}
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}
