package routing

import "slices"

// The dispatch question — which of these twenty units, all within a few
// kilometres of the incident, arrives first — is answered by one plain
// Dijkstra search on the road graph, backward from the incident, that stops
// as soon as every unit's travel time is known. Near the incident it
// settles a few thousand nodes, where a search in the hierarchy climbs its
// upper levels from every unit. A unit that search has not reached within
// its budget (a unit far away by road) is left to the hierarchy.

// localBudget is how many nodes the backward search settles at most.
const localBudget = 8192

// inEdge is a road edge seen from its head: the tail it leaves from.
type inEdge struct {
	tail, time, length uint32
}

// inAdjacency holds the road edges by head node, for the backward search.
// Its nodes are numbered in the order of a Z-curve over their positions,
// not by rank: a search that spreads around a point then works on nearby
// memory, where rank order scatters neighbours over the whole graph (a
// cache miss per array per node). The edges arriving at node v (in this
// numbering) are edges[first[v]:first[v+1]], tail, time and length side by
// side.
type inAdjacency struct {
	first []uint32
	edges []inEdge
	local []uint32 // the number of each node (by rank)
}

func (a *inAdjacency) bytes() int { return 4*len(a.first) + 12*len(a.edges) + 4*len(a.local) }

// buildInAdjacency reverses the road edges of g, numbering the nodes along
// a Z-curve.
func buildInAdjacency(g *Graph) inAdjacency {
	n := len(g.lat)
	a := inAdjacency{first: make([]uint32, n+2), edges: make([]inEdge, len(g.base.head)), local: make([]uint32, n)}
	if n == 0 {
		a.first = a.first[:1]
		return a
	}
	// Number the nodes by their Z-curve key on a 65,536 × 65,536 grid over
	// the graph's box.
	minLat, maxLat := slices.Min(g.lat), slices.Max(g.lat)
	minLon, maxLon := slices.Min(g.lon), slices.Max(g.lon)
	scale := func(v, lo, hi int32) uint32 {
		if hi == lo {
			return 0
		}
		return uint32(uint64(int64(v)-int64(lo)) * 65535 / uint64(int64(hi)-int64(lo)))
	}
	keys := make([]uint64, n) // key << 32 | rank
	for v := range n {
		keys[v] = uint64(zOrder(scale(g.lon[v], minLon, maxLon), scale(g.lat[v], minLat, maxLat)))<<32 | uint64(v)
	}
	slices.Sort(keys)
	for i, k := range keys {
		a.local[uint32(k)] = uint32(i)
	}
	for _, v := range g.base.head {
		a.first[a.local[v]+2]++
	}
	for v := 2; v < len(a.first); v++ {
		a.first[v] += a.first[v-1]
	}
	// first[v+1] is now the start of v's edges; filling advances it to
	// their end, which is first[v+1] as the final array has it.
	for u := range uint32(n) {
		lu := a.local[u]
		for e, hi := g.base.edges(u); e < hi; e++ {
			lv := a.local[g.base.head[e]]
			a.edges[a.first[lv+1]] = inEdge{lu, g.base.time[e], g.base.length[e]}
			a.first[lv+1]++
		}
	}
	a.first = a.first[:n+1]
	return a
}

// zOrder interleaves the bits of x and y.
func zOrder(x, y uint32) uint32 {
	spread := func(v uint32) uint32 {
		v &= 0xffff
		v = (v | v<<8) & 0x00ff00ff
		v = (v | v<<4) & 0x0f0f0f0f
		v = (v | v<<2) & 0x33333333
		v = (v | v<<1) & 0x55555555
		return v
	}
	return spread(x) | spread(y)<<1
}

// originSeed is a node a trip from origin i starts at (numbered as in
// g.rev), with the time and length from the origin's point to it.
type originSeed struct {
	node, time, length uint32
	origin             int32
}

// localManyToOne runs the backward search from to and writes into out, for
// each origin it reaches, the fastest travel (better than what out holds).
// It sets final[i] for each origin whose travel is then known, and returns
// how many are not.
func (g *Graph) localManyToOne(ws *workspace, out []Cost, from []Location, to Location) int {
	// The forward search's arrays: the hierarchy's searches, if any, come
	// after.
	s := ws.fwd
	rev := &g.rev
	var start [2]seed
	for k, sd := range to.in() {
		start[k] = seed{rev.local[sd.node], sd.time, sd.length}
	}
	s.reset(start[:to.nIn])
	ws.final = ws.final[:0]
	ws.seeds = ws.seeds[:0]
	var filter uint64 // bit v%64 set for every seed node v
	for i, fl := range from {
		ws.final = append(ws.final, false)
		for _, sd := range fl.out() {
			v := rev.local[sd.node]
			ws.seeds = append(ws.seeds, originSeed{v, sd.time, sd.length, int32(i)})
			filter |= 1 << (v & 63)
		}
	}
	pending := len(from)
	// next is the least travel time found of an origin not yet final: once
	// the search settles nodes that far from to, that origin is final,
	// since any other way from it passes a node not settled yet.
	next := uint64(infinity)
	for _, c := range out {
		if c.OK {
			next = min(next, uint64(c.TimeMS))
		}
	}
	for settled := 0; pending > 0; settled++ {
		v, d, ok := s.next()
		if !ok {
			// Every node reaching to is settled: the rest cannot reach it.
			for i := range ws.final {
				if !ws.final[i] {
					ws.final[i] = true
					pending--
				}
			}
			break
		}
		if settled == localBudget {
			break
		}
		if filter&(1<<(v&63)) != 0 {
			for _, sd := range ws.seeds {
				if sd.node != v || ws.final[sd.origin] {
					continue
				}
				t := uint64(d) + uint64(sd.time)
				if c := &out[sd.origin]; t < infinity && (!c.OK || t < uint64(c.TimeMS)) {
					*c = Cost{TimeMS: uint32(t), LengthDM: s.length[v] + sd.length, OK: true}
					next = min(next, t)
				}
			}
		}
		if uint64(d) >= next {
			next = infinity
			for i, c := range out {
				if ws.final[i] {
					continue
				}
				if c.OK && uint64(c.TimeMS) <= uint64(d) {
					ws.final[i] = true
					pending--
				} else if c.OK {
					next = min(next, uint64(c.TimeMS))
				}
			}
		}
		l := s.length[v]
		for _, e := range rev.edges[rev.first[v]:rev.first[v+1]] {
			if nd := uint64(d) + uint64(e.time); nd < infinity {
				s.relax(e.tail, uint32(nd), l+e.length)
			}
		}
	}
	return pending
}
