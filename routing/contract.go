package routing

import (
	"context"
	"slices"

	"precinct"
)

// Witness-search limits. A search that stops early only costs extra
// shortcuts, never a wrong answer: a shortcut is skipped only when a path at
// least as short is known to exist without the contracted node.
const (
	simulateSettled = 100 // when estimating a node's priority
	simulateHops    = 4
	contractSettled = 1000 // when contracting for real
	contractHops    = 12
)

// arc is an edge of the graph while it is being contracted.
type arc struct {
	node   uint32 // the other end
	time   uint32
	length uint32
	mid    int32 // the bypassed node of a shortcut, or -1
}

// contractor builds a contraction hierarchy: it removes nodes one by one,
// least important first, and adds a shortcut between two neighbours of the
// removed node whenever the path through it is the only shortest one known.
type contractor struct {
	out, in    [][]arc // the remaining graph
	up, down   [][]arc // the hierarchy edges, fixed when a node is contracted
	contracted []bool
	deleted    []int32 // contracted neighbours of each node
	level      []int32 // depth of each node in the hierarchy so far

	// witness search state
	dist    []uint32
	hops    []uint8
	touched []uint32
	queue   minQueue
}

// Build contracts a road graph: nodes are positions, edges the directed road
// edges between them (parallel edges keep the fastest, loops are dropped).
// progress, when not nil, is called now and then with the nodes contracted so
// far. It returns ctx's error if ctx ends first.
func Build(ctx context.Context, p precinct.Profile, nodes []precinct.Point, edges []Edge, progress func(done, total int)) (*Graph, error) {
	n := len(nodes)
	c := newContractor(n, edges)
	order, err := c.run(ctx, progress)
	if err != nil {
		return nil, err
	}
	rank := make([]uint32, n)
	for i, v := range order {
		rank[v] = uint32(i)
	}
	g := &Graph{profile: p, lat: make([]int32, n), lon: make([]int32, n)}
	for v, pt := range nodes {
		g.lat[rank[v]], g.lon[rank[v]] = e7(pt.Lat), e7(pt.Lon)
	}
	g.base = baseAdjacency(n, edges, rank)
	g.up = hierarchyAdjacency(order, c.up, rank)
	g.down = hierarchyAdjacency(order, c.down, rank)
	g.derive()
	return g, nil
}

// newContractor loads the edges into a contractor.
func newContractor(n int, edges []Edge) *contractor {
	c := &contractor{
		out: make([][]arc, n), in: make([][]arc, n),
		up: make([][]arc, n), down: make([][]arc, n),
		contracted: make([]bool, n),
		deleted:    make([]int32, n),
		level:      make([]int32, n),
		dist:       make([]uint32, n),
		hops:       make([]uint8, n),
	}
	for i := range c.dist {
		c.dist[i] = infinity
	}
	for _, e := range edges {
		if e.From == e.To {
			continue
		}
		c.addArc(e.From, e.To, e.TimeMS, e.LengthDM, -1)
	}
	return c
}

// run contracts every node and returns the contraction order.
func (c *contractor) run(ctx context.Context, progress func(done, total int)) ([]uint32, error) {
	n := len(c.out)
	var q nodeQueue
	q.init(n)
	for v := range n {
		q.push(uint32(v), c.priority(uint32(v)))
		if v%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	order := make([]uint32, 0, n)
	var neighbours []uint32
	for q.len() > 0 {
		v, _ := q.pop()
		// Lazy update: the priority may have grown since it was computed.
		if p := c.priority(v); q.len() > 0 && p > q.minKey() {
			q.push(v, p)
			continue
		}
		neighbours = c.contract(v, neighbours[:0])
		order = append(order, v)
		for _, u := range neighbours {
			c.deleted[u]++
			c.level[u] = max(c.level[u], c.level[v]+1)
			q.update(u, c.priority(u))
		}
		if len(order)%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if progress != nil {
				progress(len(order), n)
			}
		}
	}
	if progress != nil {
		progress(n, n)
	}
	return order, nil
}

// priority returns how late v should be contracted: edge difference (the
// shortcuts its contraction adds minus the edges it removes), plus its
// contracted neighbours and its level, which spread contraction evenly.
func (c *contractor) priority(v uint32) int32 {
	added := c.shortcuts(v, true, simulateSettled, simulateHops)
	removed := len(c.in[v]) + len(c.out[v])
	return int32(2*(added-removed)) + c.deleted[v] + c.level[v]
}

// contract removes v from the remaining graph after adding the shortcuts it
// needs, records its hierarchy edges, and appends its neighbours to nb.
func (c *contractor) contract(v uint32, nb []uint32) []uint32 {
	c.shortcuts(v, false, contractSettled, contractHops)
	c.contracted[v] = true
	for _, a := range c.in[v] {
		c.out[a.node] = removeArc(c.out[a.node], v)
		nb = append(nb, a.node)
	}
	for _, a := range c.out[v] {
		c.in[a.node] = removeArc(c.in[a.node], v)
		nb = append(nb, a.node)
	}
	c.up[v], c.down[v] = c.out[v], c.in[v]
	c.out[v], c.in[v] = nil, nil
	slices.Sort(nb)
	return slices.Compact(nb)
}

// shortcuts counts the shortcuts contracting v needs and, unless simulate,
// adds them.
func (c *contractor) shortcuts(v uint32, simulate bool, maxSettled, maxHops int) int {
	added := 0
	for _, ia := range c.in[v] {
		u := ia.node
		var limit uint32
		for _, oa := range c.out[v] {
			if oa.node != u {
				limit = max(limit, ia.time+oa.time)
			}
		}
		if limit == 0 && !c.hasOtherTarget(v, u) {
			continue
		}
		c.witnessSearch(u, v, limit, maxSettled, maxHops)
		for _, oa := range c.out[v] {
			w := oa.node
			if w == u {
				continue
			}
			t := ia.time + oa.time
			if c.dist[w] <= t {
				continue // a witness path avoids v
			}
			added++
			if !simulate {
				c.addArc(u, w, t, ia.length+oa.length, int32(v))
			}
		}
	}
	return added
}

// hasOtherTarget reports whether v has an out-neighbour other than u.
func (c *contractor) hasOtherTarget(v, u uint32) bool {
	for _, oa := range c.out[v] {
		if oa.node != u {
			return true
		}
	}
	return false
}

// witnessSearch runs a Dijkstra search from u in the remaining graph without
// skip, up to distance limit, maxSettled settled nodes and maxHops edges. The
// distances it leaves in c.dist are lengths of real paths (upper bounds).
func (c *contractor) witnessSearch(u, skip, limit uint32, maxSettled, maxHops int) {
	for _, x := range c.touched {
		c.dist[x] = infinity
	}
	c.touched = append(c.touched[:0], u)
	c.dist[u], c.hops[u] = 0, 0
	c.queue.reset()
	c.queue.push(0, u)
	for settled := 0; c.queue.len() > 0; {
		d, x := c.queue.pop()
		if d > c.dist[x] {
			continue
		}
		if d > limit || settled >= maxSettled {
			break
		}
		settled++
		if int(c.hops[x]) >= maxHops {
			continue
		}
		for _, a := range c.out[x] {
			if a.node == skip {
				continue
			}
			nd := d + a.time
			if nd < c.dist[a.node] {
				if c.dist[a.node] == infinity {
					c.touched = append(c.touched, a.node)
				}
				c.dist[a.node], c.hops[a.node] = nd, c.hops[x]+1
				c.queue.push(nd, a.node)
			}
		}
	}
}

// addArc adds the edge u→w or, if one exists, keeps the faster of the two.
func (c *contractor) addArc(u, w, time, length uint32, mid int32) {
	for i := range c.out[u] {
		if a := &c.out[u][i]; a.node == w {
			if time < a.time {
				*a = arc{node: w, time: time, length: length, mid: mid}
				for j := range c.in[w] {
					if c.in[w][j].node == u {
						c.in[w][j] = arc{node: u, time: time, length: length, mid: mid}
					}
				}
			}
			return
		}
	}
	c.out[u] = append(c.out[u], arc{node: w, time: time, length: length, mid: mid})
	c.in[w] = append(c.in[w], arc{node: u, time: time, length: length, mid: mid})
}

// removeArc removes the arc to v from arcs, without keeping the order.
func removeArc(arcs []arc, v uint32) []arc {
	for i := range arcs {
		if arcs[i].node == v {
			arcs[i] = arcs[len(arcs)-1]
			return arcs[:len(arcs)-1]
		}
	}
	return arcs
}

// baseAdjacency builds the road graph in rank order, keeping the fastest of
// parallel edges and dropping loops.
func baseAdjacency(n int, edges []Edge, rank []uint32) adjacency {
	type e struct{ from, to, time, length uint32 }
	es := make([]e, 0, len(edges))
	for _, x := range edges {
		if x.From != x.To {
			es = append(es, e{rank[x.From], rank[x.To], x.TimeMS, x.LengthDM})
		}
	}
	slices.SortFunc(es, func(a, b e) int {
		if a.from != b.from {
			return cmpU32(a.from, b.from)
		}
		if a.to != b.to {
			return cmpU32(a.to, b.to)
		}
		return cmpU32(a.time, b.time)
	})
	es = slices.CompactFunc(es, func(a, b e) bool { return a.from == b.from && a.to == b.to })
	adj := adjacency{first: make([]uint32, n+1), head: make([]uint32, len(es)),
		time: make([]uint32, len(es)), length: make([]uint32, len(es))}
	for i, x := range es {
		adj.first[x.from+1]++
		adj.head[i], adj.time[i], adj.length[i] = x.to, x.time, x.length
	}
	for v := range n {
		adj.first[v+1] += adj.first[v]
	}
	return adj
}

// hierarchyAdjacency lays out the per-node hierarchy edges in rank order.
func hierarchyAdjacency(order []uint32, arcs [][]arc, rank []uint32) adjacency {
	total := 0
	for _, as := range arcs {
		total += len(as)
	}
	n := len(order)
	adj := adjacency{first: make([]uint32, n+1), head: make([]uint32, 0, total),
		time: make([]uint32, 0, total), length: make([]uint32, 0, total), mid: make([]int32, 0, total)}
	for r, v := range order {
		as := arcs[v]
		slices.SortFunc(as, func(a, b arc) int { return cmpU32(rank[a.node], rank[b.node]) })
		for _, a := range as {
			mid := int32(-1)
			if a.mid >= 0 {
				mid = int32(rank[a.mid])
			}
			adj.head = append(adj.head, rank[a.node])
			adj.time = append(adj.time, a.time)
			adj.length = append(adj.length, a.length)
			adj.mid = append(adj.mid, mid)
		}
		adj.first[r+1] = uint32(len(adj.head))
	}
	return adj
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
