package routing

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

// inAdjacency holds the road edges by head node: the edges arriving at v
// are edges[first[v]:first[v+1]], each with its tail, time and length side
// by side (one cache line for a node's edges, where three arrays take
// three).
type inAdjacency struct {
	first []uint32
	edges []inEdge
}

func (a *inAdjacency) bytes() int { return 4*len(a.first) + 12*len(a.edges) }

// buildInAdjacency reverses the road edges.
func buildInAdjacency(base *adjacency) inAdjacency {
	n := len(base.first) - 1
	a := inAdjacency{first: make([]uint32, n+2), edges: make([]inEdge, len(base.head))}
	for _, v := range base.head {
		a.first[v+2]++
	}
	for v := 2; v < len(a.first); v++ {
		a.first[v] += a.first[v-1]
	}
	// first[v+1] is now the start of v's edges; filling advances it to
	// their end, which is first[v+1] as the final array has it.
	for u := range uint32(n) {
		for e, hi := base.edges(u); e < hi; e++ {
			v := base.head[e]
			a.edges[a.first[v+1]] = inEdge{u, base.time[e], base.length[e]}
			a.first[v+1]++
		}
	}
	a.first = a.first[:n+1]
	return a
}

// originSeed is a node a trip from origin i starts at, with the time and
// length from the origin's point to it.
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
	s.reset(to.in())
	ws.final = ws.final[:0]
	ws.seeds = ws.seeds[:0]
	var filter uint64 // bit v%64 set for every seed node v
	for i, fl := range from {
		ws.final = append(ws.final, false)
		for _, sd := range fl.out() {
			ws.seeds = append(ws.seeds, originSeed{sd.node, sd.time, sd.length, int32(i)})
			filter |= 1 << (sd.node & 63)
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
	rev := &g.rev
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
