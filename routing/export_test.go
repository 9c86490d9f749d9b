package routing

// OneWayEdges returns up to max road edges u→v of g that have no edge v→u.
func OneWayEdges(g *Graph, max int) [][2]uint32 {
	var out [][2]uint32
	for u := range uint32(g.NumNodes()) {
		for e, hi := g.base.edges(u); e < hi && len(out) < max; e++ {
			if v := g.base.head[e]; g.edgeTime(v, u) == infinity {
				out = append(out, [2]uint32{u, v})
			}
		}
	}
	return out
}

// LargestComponent keeps the largest strongly connected part of a graph.
var LargestComponent = largestComponent
