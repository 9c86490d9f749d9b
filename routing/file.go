package routing

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"

	"precinct"
)

// The graph file: a magic string, a format version, the number of graphs,
// then each graph (profile name, node positions, road edges, upward and
// downward hierarchy edges), all little-endian, and a CRC-32 of everything
// before it.
const (
	fileMagic   = "PRECINCT-ROUTING"
	fileVersion = 1
	maxNodes    = 1 << 27
	maxEdges    = 1 << 28
)

// Save writes the router's graphs to path atomically: to a temporary file in
// the same directory, synced, then renamed over path.
func (r *Router) Save(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".graph-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a failure; a no-op after the rename
	if err := r.write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// write encodes the graphs to w.
func (r *Router) write(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	crc := crc32.NewIEEE()
	enc := &encoder{w: io.MultiWriter(bw, crc)}
	enc.bytes([]byte(fileMagic))
	enc.u32(fileVersion)
	profiles := r.Profiles()
	enc.u32(uint32(len(profiles)))
	for _, p := range profiles {
		g := r.graphs[p]
		enc.u32(uint32(len(p)))
		enc.bytes([]byte(p))
		enc.u32(uint32(len(g.lat)))
		enc.any(g.lat)
		enc.any(g.lon)
		for _, a := range []*adjacency{&g.base, &g.up, &g.down} {
			enc.u32(uint32(len(a.head)))
			enc.any(a.first)
			enc.any(a.head)
			enc.any(a.time)
			enc.any(a.length)
			if a.mid != nil {
				enc.any(a.mid)
			}
		}
	}
	if enc.err != nil {
		return enc.err
	}
	if err := binary.Write(bw, binary.LittleEndian, crc.Sum32()); err != nil {
		return err
	}
	return bw.Flush()
}

// encoder writes little-endian values and keeps the first error.
type encoder struct {
	w   io.Writer
	err error
}

func (e *encoder) any(v any) {
	if e.err == nil {
		e.err = binary.Write(e.w, binary.LittleEndian, v)
	}
}
func (e *encoder) u32(v uint32) { e.any(v) }
func (e *encoder) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

// Load reads a graph file written by Save. It returns an ENOTFOUND error when
// there is no file and an EINVALID error when the file is not a graph of this
// version or is damaged.
func Load(path string) (*Router, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, precinct.Errorf(precinct.ENOTFOUND, "没有道路图：%s（请先运行 precinct import osm）",
				"No road graph at %s (run precinct import osm first).", path)
		}
		return nil, err
	}
	defer f.Close()
	r, err := read(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, precinct.Errorf(precinct.EINVALID, "道路图文件无效：%s（%v）", "Invalid road graph file %s (%v).", path, err)
	}
	return r, nil
}

// read decodes graphs written by write.
func read(r io.Reader) (*Router, error) {
	crc := crc32.NewIEEE()
	d := &decoder{r: io.TeeReader(r, crc)}
	magic := make([]byte, len(fileMagic))
	d.any(magic)
	if d.err != nil || string(magic) != fileMagic {
		return nil, errors.New("not a road graph file")
	}
	if v := d.u32(); v != fileVersion {
		return nil, fmt.Errorf("format version %d, want %d", v, fileVersion)
	}
	count := d.u32()
	if count > 16 {
		return nil, errors.New("too many profiles")
	}
	rt := &Router{graphs: map[precinct.Profile]*Graph{}}
	for range count {
		nameLen := d.u32()
		if nameLen > 64 {
			return nil, errors.New("bad profile name")
		}
		name := make([]byte, nameLen)
		d.any(name)
		n := d.u32()
		if d.err != nil || n > maxNodes {
			return nil, errors.New("bad node count")
		}
		g := &Graph{profile: precinct.Profile(name), lat: make([]int32, n), lon: make([]int32, n)}
		d.any(g.lat)
		d.any(g.lon)
		for i, a := range []*adjacency{&g.base, &g.up, &g.down} {
			d.adjacency(a, int(n), i > 0)
		}
		if d.err != nil {
			return nil, d.err
		}
		rt.graphs[g.profile] = g
	}
	sum := crc.Sum32()
	var stored uint32
	if err := binary.Read(r, binary.LittleEndian, &stored); err != nil {
		return nil, fmt.Errorf("missing checksum: %w", err)
	}
	if d.err != nil {
		return nil, d.err
	}
	if stored != sum {
		return nil, errors.New("checksum mismatch")
	}
	for _, g := range rt.graphs {
		g.derive()
	}
	return rt, nil
}

// decoder reads little-endian values and keeps the first error.
type decoder struct {
	r   io.Reader
	err error
}

func (d *decoder) any(v any) {
	if d.err == nil {
		d.err = binary.Read(d.r, binary.LittleEndian, v)
	}
}

func (d *decoder) u32() uint32 {
	var v uint32
	d.any(&v)
	return v
}

// adjacency reads one adjacency of an n-node graph and checks that every
// index is in range.
func (d *decoder) adjacency(a *adjacency, n int, hierarchy bool) {
	m := d.u32()
	if d.err != nil {
		return
	}
	if m > maxEdges {
		d.err = errors.New("bad edge count")
		return
	}
	a.first = make([]uint32, n+1)
	a.head, a.time, a.length = make([]uint32, m), make([]uint32, m), make([]uint32, m)
	d.any(a.first)
	d.any(a.head)
	d.any(a.time)
	d.any(a.length)
	if hierarchy {
		a.mid = make([]int32, m)
		d.any(a.mid)
	}
	if d.err != nil {
		return
	}
	if a.first[0] != 0 || a.first[n] != m || !slices.IsSorted(a.first) {
		d.err = errors.New("bad edge offsets")
		return
	}
	for i, h := range a.head {
		if int(h) >= n || (hierarchy && (a.mid[i] < -1 || int(a.mid[i]) >= n)) {
			d.err = errors.New("edge to a missing node")
			return
		}
	}
}
