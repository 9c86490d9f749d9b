package routing

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"

	"precinct"
)

// Progress reports how far an import has got. Stage is "ways" or "nodes"
// (reading the file: Done and Total are bytes) or "contract car" and the like
// (building a profile's hierarchy: Done and Total are nodes).
type Progress struct {
	Stage       string
	Done, Total int64
}

// ImportOptions configure Import.
type ImportOptions struct {
	// Profiles to build; Profiles() when empty.
	Profiles []precinct.Profile
	// Progress, when not nil, is called as the import advances.
	Progress func(Progress)
}

// scanner is what the PBF and XML scanners have in common.
type scanner interface {
	Scan() bool
	Object() osm.Object
	Err() error
	Close() error
}

// importWay is a routable way kept between the two passes over the file.
type importWay struct {
	nodes  []uint32     // indices into the node table
	speeds [][2]float64 // km/h forward and backward, by profile
}

// Import reads OpenStreetMap data (.osm.pbf, .osm or .osm.gz) and builds a
// contracted road graph for each profile. It returns an EINVALID error for a
// file that cannot be read as OpenStreetMap data or holds no routable road.
func Import(ctx context.Context, path string, opts ImportOptions) (*Router, error) {
	profiles := opts.Profiles
	if len(profiles) == 0 {
		profiles = Profiles()
	}
	specs := make([]profileSpec, len(profiles))
	for i, p := range profiles {
		s, ok := specOf(p)
		if !ok {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "profile", "不支持的道路出行方式：%q（可用 car、motorcycle）",
				"Unsupported road profile %q (use car or motorcycle).", p)
		}
		specs[i] = s
	}
	report := func(stage string, done, total int64) {
		if opts.Progress != nil {
			opts.Progress(Progress{Stage: stage, Done: done, Total: total})
		}
	}

	// Pass 1: the routable ways, and the nodes they use.
	ids := map[osm.NodeID]uint32{}
	var ways []importWay
	err := scanFile(ctx, path, false, func(stage string, done, total int64) { report("ways", done, total) }, nil,
		func(o osm.Object) {
			w, ok := o.(*osm.Way)
			if !ok || len(w.Nodes) < 2 || w.Tags.Find("highway") == "" {
				return
			}
			iw := importWay{speeds: make([][2]float64, len(specs))}
			open := false
			for i, s := range specs {
				f, b := s.waySpeeds(w.Tags)
				iw.speeds[i] = [2]float64{f, b}
				open = open || f > 0 || b > 0
			}
			if !open {
				return
			}
			iw.nodes = make([]uint32, len(w.Nodes))
			for i, wn := range w.Nodes {
				idx, ok := ids[wn.ID]
				if !ok {
					idx = uint32(len(ids))
					ids[wn.ID] = idx
				}
				iw.nodes[i] = idx
			}
			ways = append(ways, iw)
		})
	if err != nil {
		return nil, err
	}
	if len(ways) == 0 {
		return nil, noRoads(path)
	}

	// Pass 2: the positions of those nodes.
	coords := make([]precinct.Point, len(ids))
	known := make([]bool, len(ids))
	err = scanFile(ctx, path, true, func(stage string, done, total int64) { report("nodes", done, total) },
		func(n *osm.Node) bool { _, ok := ids[n.ID]; return ok },
		func(o osm.Object) {
			if n, ok := o.(*osm.Node); ok {
				if idx, ok := ids[n.ID]; ok {
					coords[idx], known[idx] = precinct.Point{Lon: n.Lon, Lat: n.Lat}, true
				}
			}
		})
	if err != nil {
		return nil, err
	}
	ids = nil

	r := &Router{graphs: map[precinct.Profile]*Graph{}}
	for i, s := range specs {
		nodes, edges := profileEdges(ways, coords, known, i)
		nodes, edges = largestComponent(nodes, edges)
		if len(edges) == 0 {
			return nil, noRoads(path)
		}
		stage := "contract " + string(s.profile)
		g, err := Build(ctx, s.profile, nodes, edges, func(done, total int) { report(stage, int64(done), int64(total)) })
		if err != nil {
			return nil, err
		}
		r.graphs[s.profile] = g
	}
	return r, nil
}

// noRoads is the error for a file without a routable road.
func noRoads(path string) error {
	return precinct.FieldErrorf(precinct.EINVALID, "file", "OSM 文件中没有可通行的道路：%s",
		"No routable roads in the OSM file %s.", filepath.Base(path))
}

// profileEdges returns the road edges of profile i over the nodes that have a
// position, renumbered densely, with the positions.
func profileEdges(ways []importWay, coords []precinct.Point, known []bool, i int) ([]precinct.Point, []Edge) {
	index := make([]int32, len(coords))
	for j := range index {
		index[j] = -1
	}
	var nodes []precinct.Point
	id := func(v uint32) uint32 {
		if index[v] < 0 {
			index[v] = int32(len(nodes))
			nodes = append(nodes, coords[v])
		}
		return uint32(index[v])
	}
	var edges []Edge
	for _, w := range ways {
		fwd, bwd := w.speeds[i][0], w.speeds[i][1]
		if fwd == 0 && bwd == 0 {
			continue
		}
		for k := 1; k < len(w.nodes); k++ {
			a, b := w.nodes[k-1], w.nodes[k]
			if !known[a] || !known[b] || a == b {
				continue
			}
			m := precinct.DistanceM(coords[a], coords[b])
			length := uint32(math.Round(m * 10))
			ia, ib := id(a), id(b)
			if fwd > 0 {
				edges = append(edges, Edge{From: ia, To: ib, TimeMS: travelMS(m, fwd), LengthDM: length})
			}
			if bwd > 0 {
				edges = append(edges, Edge{From: ib, To: ia, TimeMS: travelMS(m, bwd), LengthDM: length})
			}
		}
	}
	return nodes, edges
}

// travelMS returns the milliseconds to cover m metres at kmh.
func travelMS(m, kmh float64) uint32 { return uint32(math.Round(m * 3600 / kmh)) }

// scanFile reads every object of an OpenStreetMap file and passes it to fn:
// nodes only (with keep as a filter) or everything but nodes.
func scanFile(ctx context.Context, path string, nodes bool, progress func(string, int64, int64),
	keep func(*osm.Node) bool, fn func(osm.Object)) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return precinct.FieldErrorf(precinct.EINVALID, "file", "找不到 OSM 文件：%s", "OSM file not found: %s.", path)
		}
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	cr := &countingReader{r: f, total: info.Size(), progress: progress}
	br := bufio.NewReaderSize(cr, 1<<16)
	head, _ := br.Peek(2)

	var sc scanner
	switch {
	case strings.HasSuffix(path, ".gz") || bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return corrupt(path, err)
		}
		defer zr.Close()
		sc = osmxml.New(ctx, zr)
	case strings.HasSuffix(path, ".osm") || strings.HasSuffix(path, ".xml") || bytes.HasPrefix(head, []byte("<")):
		sc = osmxml.New(ctx, br)
	default:
		ps := osmpbf.New(ctx, br, runtime.GOMAXPROCS(0))
		ps.SkipNodes, ps.SkipWays, ps.SkipRelations = !nodes, nodes, true
		if keep != nil {
			ps.FilterNode = keep
		}
		sc = ps
	}
	defer sc.Close()
	for sc.Scan() {
		o := sc.Object()
		if _, isNode := o.(*osm.Node); isNode == nodes {
			fn(o)
		}
	}
	if err := sc.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return corrupt(path, err)
	}
	if cr.last != cr.total {
		progress("", cr.total, cr.total)
	}
	return nil
}

// corrupt is the error for a file that is not valid OpenStreetMap data.
func corrupt(path string, err error) error {
	e := precinct.FieldErrorf(precinct.EINVALID, "file", "无法读取 OSM 文件 %s：文件损坏或格式不支持（%v）",
		"Cannot read the OSM file %s: corrupt or unsupported format (%v).", filepath.Base(path), err)
	return e
}

// countingReader reports the bytes read through it.
type countingReader struct {
	r        io.Reader
	n, total int64
	last     int64
	progress func(string, int64, int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n-c.last >= 1<<20 || (err == io.EOF && c.n != c.last) {
		c.last = c.n
		c.progress("", c.n, c.total)
	}
	return n, err
}

// largestComponent keeps the largest strongly connected part of the graph:
// the rest (a car park behind a one-way gate, a road cut at the edge of the
// extract) could be snapped to but not left or not reached.
func largestComponent(nodes []precinct.Point, edges []Edge) ([]precinct.Point, []Edge) {
	n := len(nodes)
	comp := strongComponents(n, edges)
	size := map[int32]int{}
	var best int32
	for _, c := range comp {
		size[c]++
		if size[c] > size[best] {
			best = c
		}
	}
	index := make([]int32, n)
	var kept []precinct.Point
	for v := range n {
		index[v] = -1
		if comp[v] == best {
			index[v] = int32(len(kept))
			kept = append(kept, nodes[v])
		}
	}
	out := edges[:0]
	for _, e := range edges {
		if index[e.From] >= 0 && index[e.To] >= 0 {
			e.From, e.To = uint32(index[e.From]), uint32(index[e.To])
			out = append(out, e)
		}
	}
	return kept, out
}

// strongComponents labels each node with its strongly connected component
// (Kosaraju's algorithm, without recursion).
func strongComponents(n int, edges []Edge) []int32 {
	fwd := csrOf(n, edges, false)
	bwd := csrOf(n, edges, true)
	// First pass: nodes in order of DFS finish on the forward graph.
	order := make([]uint32, 0, n)
	visited := make([]bool, n)
	type frame struct{ v, next uint32 }
	var stack []frame
	for s := range n {
		if visited[s] {
			continue
		}
		visited[s] = true
		stack = append(stack[:0], frame{uint32(s), fwd.first[s]})
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next < fwd.first[top.v+1] {
				w := fwd.head[top.next]
				top.next++
				if !visited[w] {
					visited[w] = true
					stack = append(stack, frame{w, fwd.first[w]})
				}
				continue
			}
			order = append(order, top.v)
			stack = stack[:len(stack)-1]
		}
	}
	// Second pass: reverse graph in reverse finish order.
	comp := make([]int32, n)
	for i := range comp {
		comp[i] = -1
	}
	var c int32
	var todo []uint32
	for i := n - 1; i >= 0; i-- {
		s := order[i]
		if comp[s] >= 0 {
			continue
		}
		comp[s] = c
		todo = append(todo[:0], s)
		for len(todo) > 0 {
			v := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			for e := bwd.first[v]; e < bwd.first[v+1]; e++ {
				if w := bwd.head[e]; comp[w] < 0 {
					comp[w] = c
					todo = append(todo, w)
				}
			}
		}
		c++
	}
	return comp
}

// csrOf returns the bare adjacency of edges, reversed if asked.
func csrOf(n int, edges []Edge, reverse bool) adjacency {
	adj := adjacency{first: make([]uint32, n+1), head: make([]uint32, len(edges))}
	for _, e := range edges {
		from := e.From
		if reverse {
			from = e.To
		}
		adj.first[from+1]++
	}
	for v := range n {
		adj.first[v+1] += adj.first[v]
	}
	pos := make([]uint32, n)
	copy(pos, adj.first[:n])
	for _, e := range edges {
		from, to := e.From, e.To
		if reverse {
			from, to = to, from
		}
		adj.head[pos[from]] = to
		pos[from]++
	}
	return adj
}

// String returns a one-line summary of p, for logs.
func (p Progress) String() string {
	if p.Total <= 0 {
		return p.Stage
	}
	return fmt.Sprintf("%s %d/%d", p.Stage, p.Done, p.Total)
}
