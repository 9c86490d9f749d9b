package routing

import (
	"math"

	"precinct"
)

// infinity marks an unreachable node in the searches.
const infinity = math.MaxUint32

// Edge is a directed road edge between two nodes of a graph under
// construction: the input of Build.
type Edge struct {
	From, To uint32
	TimeMS   uint32 // travel time in milliseconds
	LengthDM uint32 // length in decimetres
}

// adjacency is a graph in compressed sparse row form: the edges leaving node
// u are first[u]..first[u+1]-1.
type adjacency struct {
	first  []uint32 // len n+1
	head   []uint32 // the other end of each edge
	time   []uint32 // milliseconds
	length []uint32 // decimetres
	// mid is the node a contraction-hierarchy shortcut bypasses, or -1 for an
	// original road edge. Nil in the base graph.
	mid []int32
}

// edges returns the range of u's edges.
func (a *adjacency) edges(u uint32) (lo, hi uint32) { return a.first[u], a.first[u+1] }

// bytes returns the memory the arrays take.
func (a *adjacency) bytes() int {
	return 4 * (len(a.first) + len(a.head) + len(a.time) + len(a.length) + len(a.mid))
}

// Graph is the road network of one profile with its contraction hierarchy.
// Node IDs are contraction ranks: a node contracted later has a larger ID, so
// upward searches only move to larger IDs. A Graph is safe for concurrent
// queries.
type Graph struct {
	profile  precinct.Profile
	lat, lon []int32 // degrees × 1e7

	base adjacency // the road edges, by tail node
	// up holds the hierarchy's edges u→v with v > u, by u; down holds the
	// edges u→v with u > v, by v (head is u): the backward search follows them.
	up, down adjacency
	// rev holds the road edges by head node, for backward road searches.
	// Derived, not stored.
	rev inAdjacency

	// Derived when the graph is built or loaded, not stored.
	segments []segment
	index    segmentIndex
	pool     workspacePool
}

// Profile returns the travel profile the graph was built for.
func (g *Graph) Profile() precinct.Profile { return g.profile }

// NumNodes returns the number of nodes.
func (g *Graph) NumNodes() int { return len(g.lat) }

// NumEdges returns the number of road edges and of hierarchy edges (road
// edges and shortcuts, upward and downward).
func (g *Graph) NumEdges() (road, hierarchy int) {
	return len(g.base.head), len(g.up.head) + len(g.down.head)
}

// MemoryBytes returns the bytes the graph's arrays take in memory, including
// the snapping index.
func (g *Graph) MemoryBytes() int {
	n := 4*(len(g.lat)+len(g.lon)) + g.base.bytes() + g.up.bytes() + g.down.bytes()
	n += len(g.segments) * segmentBytes
	n += g.index.bytes() + g.rev.bytes()
	return n
}

// Point returns the position of node v.
func (g *Graph) Point(v uint32) precinct.Point {
	return precinct.Point{Lon: float64(g.lon[v]) / 1e7, Lat: float64(g.lat[v]) / 1e7}
}

// e7 converts degrees to the stored fixed-point form.
func e7(deg float64) int32 { return int32(math.Round(deg * 1e7)) }
