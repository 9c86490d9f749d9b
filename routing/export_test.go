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

// LocalManyToOne runs the backward road search of AppendManyToOne alone and
// returns, for each origin, the travel it found and whether it is final.
func LocalManyToOne(g *Graph, from []Location, to Location) ([]Cost, []bool) {
	ws := g.pool.get()
	defer g.pool.put(ws)
	out := make([]Cost, len(from))
	for i, fl := range from {
		out[i] = direct(fl, to)
	}
	g.localManyToOne(ws, out, from, to)
	return out, append([]bool(nil), ws.final...)
}
