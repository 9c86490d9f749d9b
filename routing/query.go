package routing

import (
	"sync"
)

// Cost is the travel cost of a path on a graph.
type Cost struct {
	TimeMS   uint32 // travel time in milliseconds
	LengthDM uint32 // road length in decimetres
	// OK is false when there is no path; TimeMS and LengthDM are then zero.
	OK bool
}

// seed is a node a search starts from (or ends at) with the cost of getting
// there from the snapped point (or from there to the point).
type seed struct {
	node, time, length uint32
}

// search is the state of one Dijkstra-like search over a graph. Arrays are
// indexed by node and reset through touched, so a search costs only what it
// visits.
type search struct {
	dist, length []uint32
	parent       []uint32 // the node the search came from, infinity at a seed
	parentEdge   []uint32 // the edge it came by, in the searched adjacency
	touched      []uint32
	queue        minQueue
}

func newSearch(n int) *search {
	s := &search{dist: make([]uint32, n), length: make([]uint32, n),
		parent: make([]uint32, n), parentEdge: make([]uint32, n)}
	for i := range s.dist {
		s.dist[i] = infinity
	}
	return s
}

// reset clears the previous search and starts from seeds.
func (s *search) reset(seeds []seed) {
	for _, v := range s.touched {
		s.dist[v] = infinity
	}
	s.touched = s.touched[:0]
	s.queue.reset()
	for _, sd := range seeds {
		s.improve(sd.node, sd.time, sd.length, infinity, infinity)
	}
}

// improve lowers v's distance to d if d is smaller.
func (s *search) improve(v, d, length, parent, edge uint32) {
	if d >= s.dist[v] {
		return
	}
	if s.dist[v] == infinity {
		s.touched = append(s.touched, v)
	}
	s.dist[v], s.length[v], s.parent[v], s.parentEdge[v] = d, length, parent, edge
	s.queue.push(d, v)
}

// relax is improve for a search that needs no path: it leaves the parent
// arrays alone.
func (s *search) relax(v, d, length uint32) {
	if d >= s.dist[v] {
		return
	}
	if s.dist[v] == infinity {
		s.touched = append(s.touched, v)
	}
	s.dist[v], s.length[v] = d, length
	s.queue.push(d, v)
}

// next pops the next node to settle, skipping stale queue entries. ok is
// false when the queue is empty.
func (s *search) next() (v, d uint32, ok bool) {
	for s.queue.len() > 0 {
		d, v := s.queue.pop()
		if d == s.dist[v] {
			return v, d, true
		}
	}
	return 0, 0, false
}

// minKey returns the smallest queued distance, infinity when empty.
func (s *search) minKey() uint32 {
	if s.queue.len() == 0 {
		return infinity
	}
	return s.queue.minKey()
}

// workspace holds the searches of one query.
type workspace struct {
	fwd, bwd *search
	// The origins' seeds of AppendManyToOne's backward road search, and
	// which origins' travel it has settled.
	seeds []originSeed
	final []bool
}

// workspacePool recycles workspaces, whose arrays are as long as the graph.
// It keeps them itself rather than in a sync.Pool, which drops its items at
// every garbage collection: on a million-node graph a new workspace is 32 MB
// to allocate and fill, a millisecond or more added to a query.
type workspacePool struct {
	n    int
	mu   sync.Mutex
	free []*workspace
}

// maxFreeWorkspaces is how many idle workspaces a graph keeps.
const maxFreeWorkspaces = 16

func (p *workspacePool) get() *workspace {
	p.mu.Lock()
	if k := len(p.free); k > 0 {
		ws := p.free[k-1]
		p.free[k-1] = nil
		p.free = p.free[:k-1]
		p.mu.Unlock()
		return ws
	}
	p.mu.Unlock()
	return &workspace{fwd: newSearch(p.n), bwd: newSearch(p.n)}
}

func (p *workspacePool) put(ws *workspace) {
	p.mu.Lock()
	if len(p.free) < maxFreeWorkspaces {
		p.free = append(p.free, ws)
	}
	p.mu.Unlock()
}

// upwardStep settles one node of an upward search s over adj (g.up for a
// forward search, g.down for a backward one). stall is the opposite
// adjacency, used for stall-on-demand: a node reached more cheaply from a
// higher node cannot be the top of a shortest path, and is not expanded.
// It returns the settled node, or false when s is exhausted.
func upwardStep(s *search, adj, stall *adjacency) (uint32, bool) {
	v, d, ok := s.next()
	if !ok {
		return 0, false
	}
	for e, hi := stall.edges(v); e < hi; e++ {
		if u := stall.head[e]; s.dist[u] != infinity && uint64(s.dist[u])+uint64(stall.time[e]) < uint64(d) {
			return v, true
		}
	}
	l := s.length[v]
	for e, hi := adj.edges(v); e < hi; e++ {
		nd := uint64(d) + uint64(adj.time[e])
		if nd < infinity {
			s.improve(adj.head[e], uint32(nd), l+adj.length[e], v, e)
		}
	}
	return v, true
}

// meet returns the cost of the path through v that the two searches found.
func meet(f, b *search, v uint32) uint64 {
	if f.dist[v] == infinity || b.dist[v] == infinity {
		return infinity
	}
	return uint64(f.dist[v]) + uint64(b.dist[v])
}

// bidirectional runs a contraction-hierarchy query between two seed sets and
// returns the cost and the node where the searches met.
func (g *Graph) bidirectional(ws *workspace, src, dst []seed) (Cost, uint32) {
	f, b := ws.fwd, ws.bwd
	f.reset(src)
	b.reset(dst)
	best, top := uint64(infinity), uint32(0)
	for {
		fOK := uint64(f.minKey()) < best
		bOK := uint64(b.minKey()) < best
		if !fOK && !bOK {
			break
		}
		if fOK {
			if v, ok := upwardStep(f, &g.up, &g.down); ok {
				if c := meet(f, b, v); c < best {
					best, top = c, v
				}
			}
		}
		if bOK {
			if v, ok := upwardStep(b, &g.down, &g.up); ok {
				if c := meet(f, b, v); c < best {
					best, top = c, v
				}
			}
		}
	}
	if best >= infinity {
		return Cost{}, 0
	}
	return Cost{TimeMS: uint32(best), LengthDM: f.length[top] + b.length[top], OK: true}, top
}

// exhaust runs an upward search to its end: the search space of its seeds.
func exhaust(s *search, adj, stall *adjacency) {
	for {
		if _, ok := upwardStep(s, adj, stall); !ok {
			return
		}
	}
}

// pruned runs an upward search s against the finished search other and
// returns the best meeting cost; it stops once no better one can be found.
func pruned(s, other *search, adj, stall *adjacency) Cost {
	best, top := uint64(infinity), uint32(0)
	for uint64(s.minKey()) < best {
		v, ok := upwardStep(s, adj, stall)
		if !ok {
			break
		}
		if other.dist[v] != infinity {
			if c := uint64(s.dist[v]) + uint64(other.dist[v]); c < best {
				best, top = c, v
			}
		}
	}
	if best >= infinity {
		return Cost{}
	}
	return Cost{TimeMS: uint32(best), LengthDM: s.length[top] + other.length[top], OK: true}
}

// dijkstra is the plain Dijkstra search on the road graph, the reference the
// hierarchy is tested against: from src seeds until the best arrival at the
// dst seeds is settled.
func (g *Graph) dijkstra(s *search, src, dst []seed) Cost {
	s.reset(src)
	best, bestLen := uint64(infinity), uint32(0)
	for uint64(s.minKey()) < best {
		v, d, _ := s.next()
		for _, t := range dst {
			if t.node == v {
				if c := uint64(d) + uint64(t.time); c < best {
					best, bestLen = c, s.length[v]+t.length
				}
			}
		}
		l := s.length[v]
		for e, hi := g.base.edges(v); e < hi; e++ {
			nd := uint64(d) + uint64(g.base.time[e])
			if nd < best && nd < infinity {
				s.improve(g.base.head[e], uint32(nd), l+g.base.length[e], v, e)
			}
		}
	}
	if best >= infinity {
		return Cost{}
	}
	return Cost{TimeMS: uint32(best), LengthDM: bestLen, OK: true}
}

// better returns the cheaper of two costs.
func better(a, b Cost) Cost {
	switch {
	case !a.OK:
		return b
	case !b.OK:
		return a
	case b.TimeMS < a.TimeMS:
		return b
	}
	return a
}

// Travel returns the fastest travel from one location to another, by a
// bidirectional contraction-hierarchy search.
func (g *Graph) Travel(from, to Location) Cost {
	ws := g.pool.get()
	defer g.pool.put(ws)
	c, _ := g.bidirectional(ws, from.out(), to.in())
	return better(c, direct(from, to))
}

// TravelDijkstra is Travel by a plain Dijkstra search on the road graph: the
// reference implementation, much slower on long trips.
func (g *Graph) TravelDijkstra(from, to Location) Cost {
	ws := g.pool.get()
	defer g.pool.put(ws)
	return better(g.dijkstra(ws.fwd, from.out(), to.in()), direct(from, to))
}

// TravelManyToOne returns the fastest travel from each of from to to.
func (g *Graph) TravelManyToOne(from []Location, to Location) []Cost {
	return g.AppendManyToOne(make([]Cost, 0, len(from)), from, to)
}

// AppendManyToOne appends to dst the fastest travel from each of from to
// to. A backward road search from to settles the origins near it (see
// localManyToOne); the others are found in the hierarchy. There one
// backward upward search from to is shared by every origin and run only as
// far as needed: for each origin a forward upward search runs until its
// queue passes the best meeting found, then the backward search is
// advanced until its queue passes that best too, checking the nodes it
// settles against the forward search. A meeting node of a better path
// would be nearer than the best to both ends, so both searches have
// settled it.
func (g *Graph) AppendManyToOne(dst []Cost, from []Location, to Location) []Cost {
	ws := g.pool.get()
	defer g.pool.put(ws)
	n0 := len(dst)
	for _, fl := range from {
		dst = append(dst, direct(fl, to))
	}
	out := dst[n0:]
	if g.localManyToOne(ws, out, from, to) == 0 {
		return dst
	}
	f, b := ws.fwd, ws.bwd
	b.reset(to.in())
	for i, fl := range from {
		if ws.final[i] {
			continue
		}
		f.reset(fl.out())
		best, bestLen := uint64(infinity), uint32(0)
		for uint64(f.minKey()) < best {
			v, ok := upwardStep(f, &g.up, &g.down)
			if !ok {
				break
			}
			if c := meet(f, b, v); c < best {
				best, bestLen = c, f.length[v]+b.length[v]
			}
		}
		for uint64(b.minKey()) < best {
			v, ok := upwardStep(b, &g.down, &g.up)
			if !ok {
				break
			}
			if c := meet(f, b, v); c < best {
				best, bestLen = c, f.length[v]+b.length[v]
			}
		}
		if best < infinity {
			out[i] = better(out[i], Cost{TimeMS: uint32(best), LengthDM: bestLen, OK: true})
		}
	}
	return dst
}

// TravelOneToMany returns the fastest travel from from to each of to.
func (g *Graph) TravelOneToMany(from Location, to []Location) []Cost {
	ws := g.pool.get()
	defer g.pool.put(ws)
	ws.fwd.reset(from.out())
	exhaust(ws.fwd, &g.up, &g.down)
	out := make([]Cost, len(to))
	for i, t := range to {
		ws.bwd.reset(t.in())
		out[i] = better(pruned(ws.bwd, ws.fwd, &g.down, &g.up), direct(from, t))
	}
	return out
}

// DijkstraOneToMany returns the travel from from to each of to with one plain
// Dijkstra search that runs until every destination is settled: the baseline
// the benchmarks compare the hierarchy with.
func (g *Graph) DijkstraOneToMany(from Location, to []Location) []Cost {
	ws := g.pool.get()
	defer g.pool.put(ws)
	s := ws.fwd
	s.reset(from.out())
	out := make([]Cost, len(to))
	remaining := 0
	waiting := map[uint32][]int{} // node → destinations arriving through it
	for i, t := range to {
		out[i] = direct(from, t)
		for _, sd := range t.in() {
			waiting[sd.node] = append(waiting[sd.node], i)
		}
		remaining += len(t.in())
	}
	for remaining > 0 {
		v, d, ok := s.next()
		if !ok {
			break
		}
		for _, i := range waiting[v] {
			remaining--
			for _, sd := range to[i].in() {
				if sd.node == v {
					out[i] = better(out[i], Cost{TimeMS: d + sd.time, LengthDM: s.length[v] + sd.length, OK: true})
				}
			}
		}
		l := s.length[v]
		for e, hi := g.base.edges(v); e < hi; e++ {
			if nd := uint64(d) + uint64(g.base.time[e]); nd < infinity {
				s.improve(g.base.head[e], uint32(nd), l+g.base.length[e], v, e)
			}
		}
	}
	return out
}

// Path returns the fastest travel from one location to another and its
// geometry, from the first snapped point to the last.
func (g *Graph) Path(from, to Location) (Cost, []uint32) {
	ws := g.pool.get()
	defer g.pool.put(ws)
	c, top := g.bidirectional(ws, from.out(), to.in())
	if d := direct(from, to); d.OK && (!c.OK || d.TimeMS <= c.TimeMS) {
		return d, nil
	}
	if !c.OK {
		return c, nil
	}
	// Up from the origin to the top node, in reverse…
	var upEdges []uint32
	for v := top; ws.fwd.parent[v] != infinity; v = ws.fwd.parent[v] {
		upEdges = append(upEdges, ws.fwd.parent[v], ws.fwd.parentEdge[v])
	}
	start := top
	if len(upEdges) > 0 {
		start = upEdges[len(upEdges)-2]
	}
	nodes := []uint32{start}
	for i := len(upEdges) - 2; i >= 0; i -= 2 {
		u, e := upEdges[i], upEdges[i+1]
		nodes = g.unpack(nodes, u, g.up.head[e], g.up.time[e], g.up.mid[e])
	}
	// …then down from the top node to the destination.
	for v := top; ws.bwd.parent[v] != infinity; v = ws.bwd.parent[v] {
		w, e := ws.bwd.parent[v], ws.bwd.parentEdge[v]
		nodes = g.unpack(nodes, v, w, g.down.time[e], g.down.mid[e])
	}
	return c, nodes
}

// unpack appends the road nodes of the hierarchy edge u→v (after u) to nodes.
func (g *Graph) unpack(nodes []uint32, u, v, time uint32, mid int32) []uint32 {
	if mid < 0 {
		return append(nodes, v)
	}
	m := uint32(mid)
	// u→m is a downward edge stored at m, m→v an upward edge stored at m.
	for e1, hi1 := g.down.edges(m); e1 < hi1; e1++ {
		if g.down.head[e1] != u {
			continue
		}
		for e2, hi2 := g.up.edges(m); e2 < hi2; e2++ {
			if g.up.head[e2] == v && g.down.time[e1]+g.up.time[e2] == time {
				nodes = g.unpack(nodes, u, m, g.down.time[e1], g.down.mid[e1])
				return g.unpack(nodes, m, v, g.up.time[e2], g.up.mid[e2])
			}
		}
	}
	panic("routing: corrupt hierarchy: shortcut without its halves")
}
