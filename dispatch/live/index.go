// Package live keeps the live picture of deployable units in memory: where
// each unit is, when it last reported, its status, kind, station and service
// station. It answers "the k nearest available units of these kinds within
// these stations", first shortlisting by straight-line distance on a uniform
// grid of cells, then ranking the shortlist by travel time from a
// precinct.Router. An Index is safe for concurrent use: searches never wait
// for writes (see Index).
package live

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"precinct"
)

// Defaults of Options.
const (
	DefaultStaleAfter      = 120 * time.Second
	DefaultCellDeg         = 0.005 // about 550 m north–south
	DefaultShortlistFactor = 4
	DefaultMinShortlist    = 12
)

// Options tune an Index. Zero fields take the defaults above.
type Options struct {
	// StaleAfter is the age after which a unit's position is "stale": the
	// unit is still recommended, but ranked after every fresh one.
	StaleAfter time.Duration
	// CellDeg is the side of a grid cell in degrees.
	CellDeg float64
	// ShortlistFactor times k units are shortlisted by straight-line distance
	// and ranked by the router (at least MinShortlist).
	ShortlistFactor int
	MinShortlist    int
}

// Index is the in-memory spatial index of live units. Every unit with a
// position is in the global grid, and also in the grid of its station and
// in that of its service station, so that a search restricted to a few
// stations reads only their units.
//
// The index keeps two copies of its content, two sides, and searches never
// wait for writes ("left-right" concurrency control). Readers enter the side
// cur names; a writer applies its change to the other side, sends readers
// there, waits until the last reader has left the side they were on, and
// applies the same change to it. A read sees one consistent state for as
// long as it stays, and while positions stream in, a search is not held up
// behind them: with a read-write lock a search waited for each chunk of
// positions, and often for the scheduler to wake it after, which made the
// searches that overlapped a batch two to three times slower (p99 22–33 µs
// instead of 15–17 µs at 20,000 units). A write costs twice the work and a
// wait for the readers of the side it leaves; the index holds its content
// twice (a few tens of MB at a city's 20,000 units).
type Index struct {
	clock precinct.Clock
	opts  Options

	wmu     sync.Mutex    // serialises writes
	cur     atomic.Uint32 // the side readers enter
	readers [2]readCount  // the readers in each side
	sides   [2]side
}

// readCount counts the readers in one side, padded so that the two counts
// are on different cache lines.
type readCount struct {
	n atomic.Int64
	_ [56]byte
}

// side is one copy of the index's content.
type side struct {
	cellDeg float64
	rev     uint64 // counts applied positions, for Moved
	units   map[string]*entry
	global  *grid
	owners  map[int32]*grid  // by interned station or service-station ID
	ids     map[string]int32 // interned station and service-station IDs, from 1
}

// read enters the side readers are sent to. The caller reads it, then calls
// leave with the number read returned.
func (x *Index) read() (*side, uint32) {
	for {
		i := x.cur.Load()
		x.readers[i].n.Add(1)
		// A writer that sent readers to the other side meanwhile may
		// already be writing this one: go there instead.
		if x.cur.Load() == i {
			return &x.sides[i], i
		}
		x.readers[i].n.Add(-1)
	}
}

// leave leaves side i, entered with read.
func (x *Index) leave(i uint32) { x.readers[i].n.Add(-1) }

// write applies change to both sides, first to the one no reader is in:
// the previous write drained it, and a reader that counts itself in it
// since finds cur names the other side and leaves before reading. change
// must do the same to either side.
func (x *Index) write(change func(s *side)) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	on := x.cur.Load()
	off := on ^ 1
	change(&x.sides[off])
	x.cur.Store(off)
	x.drain(on)
	change(&x.sides[on])
}

// drain waits until no reader is in side i. A search stays a few
// microseconds, its ranking by road a few hundred: drain spins, then yields
// its processor, then sleeps.
func (x *Index) drain(i uint32) {
	for n := 0; x.readers[i].n.Load() != 0; n++ {
		switch {
		case n < 200:
		case n < 2000:
			runtime.Gosched()
		default:
			time.Sleep(20 * time.Microsecond)
		}
	}
}

type cellKey struct{ x, y int32 }

// grid is a uniform grid of cells. Units are kept in cells, and in each cell
// in buckets by kind and by whether they are available, so that a search
// reads only the units it may want. Each bucket holds compact records for a
// cache-friendly scan.
type grid struct {
	cells   map[cellKey]*cell
	minCell cellKey // bounds of every cell ever occupied, to stop a search
	maxCell cellKey
	bounded bool
	// dense mirrors cells as an array over [origin, origin+w×h) for fast
	// lookups; nil when the bounds are too wide.
	dense  []*cell
	origin cellKey
	w, h   int32
}

// maxDense is the largest dense array of cells a grid keeps (32 MiB).
const maxDense = 1 << 22

// densePad is how many cells a rebuilt dense array reaches beyond the bounds.
const densePad = 32

// get returns the cell at k, or nil.
func (g *grid) get(k cellKey) *cell {
	if g.dense != nil {
		x, y := k.x-g.origin.x, k.y-g.origin.y
		if uint32(x) < uint32(g.w) && uint32(y) < uint32(g.h) {
			return g.dense[y*g.w+x]
		}
		return nil
	}
	return g.cells[k]
}

// add creates the cell at k.
func (g *grid) add(k cellKey) *cell {
	c := &cell{}
	g.cells[k] = c
	if !g.bounded {
		g.minCell, g.maxCell, g.bounded = k, k, true
	} else {
		g.minCell.x, g.minCell.y = min(g.minCell.x, k.x), min(g.minCell.y, k.y)
		g.maxCell.x, g.maxCell.y = max(g.maxCell.x, k.x), max(g.maxCell.y, k.y)
	}
	x, y := k.x-g.origin.x, k.y-g.origin.y
	if g.dense != nil && uint32(x) < uint32(g.w) && uint32(y) < uint32(g.h) {
		g.dense[y*g.w+x] = c
		return c
	}
	g.rebuild()
	return c
}

// rebuild lays the dense array over the bounds with some room around.
func (g *grid) rebuild() {
	w := int64(g.maxCell.x-g.minCell.x) + 1 + 2*densePad
	h := int64(g.maxCell.y-g.minCell.y) + 1 + 2*densePad
	if w*h > maxDense {
		g.dense = nil
		return
	}
	g.origin = cellKey{g.minCell.x - densePad, g.minCell.y - densePad}
	g.w, g.h = int32(w), int32(h)
	g.dense = make([]*cell, w*h)
	for k, c := range g.cells {
		g.dense[(k.y-g.origin.y)*g.w+(k.x-g.origin.x)] = c
	}
}

const (
	numKinds   = 8
	numBuckets = numKinds * 2
)

// cell holds the records of the units in it, bucket after bucket in one
// array: a search reads a few buckets of many cells, and a bucket of its
// own (a slice header and an array apart) cost it a cache line or two each
// even when nearly empty. Bucket b is recs[start(b):end[b]].
type cell struct {
	// held has bit b set while bucket b holds a unit, so that a search
	// reads only the buckets that hold some.
	held uint16
	end  [numBuckets]int32
	recs []rec
}

// start is the index in c.recs of bucket b's first record.
func (c *cell) start(b int) int32 {
	if b == 0 {
		return 0
	}
	return c.end[b-1]
}

// bucket returns the records of bucket b.
func (c *cell) bucket(b int) []rec { return c.recs[c.start(b):c.end[b]] }

// insert adds r to bucket b. The buckets after b each shift one place: the
// first record of each (if any) moves to the place just past its last.
func (c *cell) insert(b int, r rec) {
	c.recs = append(c.recs, rec{})
	hole := int32(len(c.recs) - 1) // always the place just past bucket bb
	for bb := numBuckets - 1; bb > b; bb-- {
		if first := c.start(bb); first < c.end[bb] {
			c.recs[hole] = c.recs[first]
			hole = first
		}
		c.end[bb]++
	}
	c.recs[hole] = r
	c.end[b]++
	c.held |= 1 << b
}

// find returns the index in c.recs of e's record in bucket b. A record does
// not point back from its entry: moving a record would then write to the
// entry of each record it shifts, a cache miss apiece, and a bucket of a
// cell is a few records, read in a line or two.
func (c *cell) find(b int, e *entry) int32 {
	for i := c.start(b); i < c.end[b]; i++ {
		if c.recs[i].e == e {
			return i
		}
	}
	panic("live: a placed unit is not in its bucket")
}

// remove takes e's record out of bucket b. The bucket's last record fills
// its place, and the buckets after b each shift back one place: the last
// record of each moves to the place just before its first.
func (c *cell) remove(b int, e *entry) {
	slot, last := c.find(b, e), c.end[b]-1
	if slot != last {
		c.recs[slot] = c.recs[last]
	}
	hole := last // always the place just before bucket bb
	c.end[b]--
	for bb := b + 1; bb < numBuckets; bb++ {
		if l := c.end[bb] - 1; l > hole {
			c.recs[hole] = c.recs[l]
			hole = l
		}
		c.end[bb]--
	}
	c.recs[hole] = rec{}
	c.recs = c.recs[:hole]
	if c.start(b) == c.end[b] {
		c.held &^= 1 << b
	}
}

// rec is a unit's record in a cell: what a search reads of every unit it
// passes, two to a cache line.
type rec struct {
	lon, lat         float64
	station, service int32 // interned IDs; 0 for none
	e                *entry
}

// Placements of an entry: the global grid, its station's, its service station's.
const (
	inGlobal = iota
	inStation
	inService
	numPlacements
)

type placement struct {
	g      *grid
	placed bool
	key    cellKey
	bucket uint8
}

type entry struct {
	unit             precinct.Unit
	kind             uint8 // kindIndex(unit.Kind)
	station, service int32
	at               [numPlacements]placement
	moved            uint64 // Index.rev when its position last changed
	// busy and busyEN say why the unit is not available; they are written
	// when its status changes, so that a search explains without allocating.
	busy, busyEN string
	// offShift is set while the roster has no crew of the unit on shift: the
	// unit is not available whatever its status.
	offShift bool
}

// setStatus records the unit's status and the incident it serves, and the
// words that explain them.
func (e *entry) setStatus(s precinct.UnitStatus, incidentID string) {
	e.unit.Status, e.unit.IncidentID = s, incidentID
	switch {
	case s == precinct.UnitAvailable && e.offShift:
		e.busy, e.busyEN = "不在班", "off shift"
	case s == precinct.UnitAvailable:
		e.busy, e.busyEN = "", ""
	case s == precinct.UnitOffDuty:
		e.busy, e.busyEN = "不在岗", "off duty"
	case s == precinct.UnitBusy:
		e.busy, e.busyEN = "忙碌（其他工作）", "busy with other work"
	case incidentID != "":
		w := statusWords[s]
		if w[0] == "" {
			w = [2]string{"出警中", "on a call"}
		}
		e.busy = "正在处置其他警情（" + w[0] + "）"
		e.busyEN = "serving another incident (" + w[1] + ")"
	default:
		e.busy, e.busyEN = "暂不可派", "not available"
	}
}

// statusWords names the states of a unit on an incident.
var statusWords = map[precinct.UnitStatus][2]string{
	precinct.UnitDispatched: {"已派警", "dispatched"},
	precinct.UnitEnRoute:    {"在途", "en route"},
	precinct.UnitOnScene:    {"到达现场", "on scene"},
}

func (e *entry) bucketOf() uint8 {
	b := e.kind * 2
	if e.unit.Status != precinct.UnitAvailable || e.offShift {
		b++
	}
	return b
}

// New returns an empty Index reading the time from clock.
func New(clock precinct.Clock, opts Options) *Index {
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	if opts.CellDeg <= 0 {
		opts.CellDeg = DefaultCellDeg
	}
	if opts.ShortlistFactor <= 0 {
		opts.ShortlistFactor = DefaultShortlistFactor
	}
	if opts.MinShortlist <= 0 {
		opts.MinShortlist = DefaultMinShortlist
	}
	x := &Index{clock: clock, opts: opts}
	for i := range x.sides {
		x.sides[i] = side{cellDeg: opts.CellDeg, units: make(map[string]*entry), global: newGrid(),
			owners: make(map[int32]*grid), ids: make(map[string]int32)}
	}
	return x
}

func newGrid() *grid { return &grid{cells: make(map[cellKey]*cell)} }

// owner returns the grid of an interned owner ID, nil for 0.
func (s *side) owner(id int32) *grid {
	if id == 0 {
		return nil
	}
	g := s.owners[id]
	if g == nil {
		g = newGrid()
		s.owners[id] = g
	}
	return g
}

// StaleAfter returns the age after which a position is stale.
func (x *Index) StaleAfter() time.Duration { return x.opts.StaleAfter }

// Len returns the number of units in the index.
func (x *Index) Len() int {
	sd, i := x.read()
	defer x.leave(i)
	return len(sd.units)
}

// intern returns the number of a station or service-station ID (0 for "").
func (s *side) intern(id string) int32 {
	if id == "" {
		return 0
	}
	n, ok := s.ids[id]
	if !ok {
		n = int32(len(s.ids) + 1)
		s.ids[id] = n
	}
	return n
}

// Put adds or replaces units (their kind, station, status and position as
// given). Units without a position are kept but never found by a search.
func (x *Index) Put(units ...*precinct.Unit) {
	// The copies both sides take, with Members of their own (the index
	// never changes a Members slice in place, so the sides share it).
	copies := make([]precinct.Unit, len(units))
	for i, u := range units {
		copies[i] = *u
		copies[i].Members = slices.Clone(u.Members)
	}
	x.write(func(s *side) {
		for i := range copies {
			s.put(&copies[i])
		}
	})
}

func (s *side) put(u *precinct.Unit) {
	e := s.units[u.ID]
	if e == nil {
		e = &entry{}
		s.units[u.ID] = e
	}
	e.unit = *u
	e.setStatus(u.Status, u.IncidentID)
	e.kind = kindIndex(u.Kind)
	e.station, e.service = s.intern(u.StationID), s.intern(u.ServiceStationID)
	s.place(e)
}

// Remove deletes a unit from the index.
func (x *Index) Remove(id string) {
	x.write(func(s *side) {
		if e := s.units[id]; e != nil {
			s.unplace(e)
			delete(s.units, id)
		}
	})
}

// Unit returns a copy of a unit as the index knows it.
func (x *Index) Unit(id string) (precinct.Unit, bool) {
	sd, i := x.read()
	defer x.leave(i)
	e := sd.units[id]
	if e == nil {
		return precinct.Unit{}, false
	}
	u := e.unit
	u.Members = slices.Clone(u.Members)
	return u, true
}

// Has reports whether the index knows the unit.
func (x *Index) Has(id string) bool {
	sd, i := x.read()
	defer x.leave(i)
	return sd.units[id] != nil
}

// Move applies a batch of positions. Positions of unknown units, and those
// older than the unit's current position, are skipped. It returns how many
// were applied.
func (x *Index) Move(ps []precinct.Position) int {
	var n int
	x.write(func(s *side) { n = s.move(ps) })
	return n
}

func (s *side) move(ps []precinct.Position) int {
	n := 0
	for i := range ps {
		p := &ps[i]
		e := s.units[p.UnitID]
		if e == nil || p.Flag != "" || p.At.Before(e.unit.PositionAt) {
			continue
		}
		e.unit.Position, e.unit.PositionAt = p.Point, p.At
		s.rev++
		e.moved = s.rev
		s.place(e)
		n++
	}
	return n
}

// Revision counts the positions Move has applied; a follower starts from it
// and passes it to Moved.
func (x *Index) Revision() uint64 {
	sd, i := x.read()
	defer x.leave(i)
	return sd.rev
}

// Moved calls fn with each unit whose position Move changed after revision
// since, and returns the current revision. A follower passes back what the
// previous call returned; 0 means every unit ever moved. fn must not keep
// the unit, and must not write to the index.
func (x *Index) Moved(since uint64, fn func(u *precinct.Unit)) uint64 {
	sd, i := x.read()
	defer x.leave(i)
	if since >= sd.rev {
		return sd.rev
	}
	for _, e := range sd.units {
		if e.moved > since {
			fn(&e.unit)
		}
	}
	return sd.rev
}

// SetStatus changes a unit's status and the incident it serves. It reports
// false for an unknown unit.
func (x *Index) SetStatus(id string, status precinct.UnitStatus, incidentID string) bool {
	var known bool
	x.write(func(s *side) {
		e := s.units[id]
		if known = e != nil; known {
			e.setStatus(status, incidentID)
			s.place(e)
		}
	})
	return known
}

// SetOnShift records whether the roster has the unit's crew on shift. A
// unit off shift is left out of every search, with the reason "off shift",
// whatever its status; it keeps the incident it serves. It reports false for
// an unknown unit.
func (x *Index) SetOnShift(id string, on bool) bool {
	var known bool
	x.write(func(s *side) {
		e := s.units[id]
		if known = e != nil; !known || e.offShift != on {
			return
		}
		e.offShift = !on
		e.setStatus(e.unit.Status, e.unit.IncidentID)
		s.place(e)
	})
	return known
}

// OnShift reports whether a unit is on shift (a unit no roster governs, or
// one the index does not know, is).
func (x *Index) OnShift(id string) bool {
	sd, i := x.read()
	defer x.leave(i)
	e := sd.units[id]
	return e == nil || !e.offShift
}

func keyOf(p precinct.Point, cellDeg float64) cellKey {
	return cellKey{int32(math.Floor(p.Lon / cellDeg)), int32(math.Floor(p.Lat / cellDeg))}
}

// place files e in the cells and buckets of its position, kind and status,
// in the global grid and in its owners' grids.
func (s *side) place(e *entry) {
	if e.unit.Position.IsZero() {
		s.unplace(e)
		return
	}
	k, b := keyOf(e.unit.Position, s.cellDeg), e.bucketOf()
	grids := [numPlacements]*grid{s.global, s.owner(e.station), s.owner(e.service)}
	for w, g := range grids {
		pl := &e.at[w]
		if pl.placed && pl.g != g {
			pl.unplace(e)
		}
		if g == nil {
			continue
		}
		r := rec{lon: e.unit.Position.Lon, lat: e.unit.Position.Lat, station: e.station, service: e.service, e: e}
		if pl.placed && pl.key == k && pl.bucket == b {
			c := g.get(k)
			c.recs[c.find(int(b), e)] = r
			continue
		}
		pl.unplace(e)
		c := g.get(k)
		if c == nil {
			c = g.add(k)
		}
		*pl = placement{g: g, placed: true, key: k, bucket: b}
		c.insert(int(b), r)
	}
}

// unplace takes e out of every grid.
func (s *side) unplace(e *entry) {
	for w := range e.at {
		e.at[w].unplace(e)
	}
}

// unplace takes e's record out of the placement's cell.
func (pl *placement) unplace(e *entry) {
	if !pl.placed {
		return
	}
	pl.g.get(pl.key).remove(int(pl.bucket), e)
	pl.placed = false
}

// Query asks for the nearest available units.
type Query struct {
	Point precinct.Point
	// K is how many candidates to return.
	K int
	// Kinds are the unit kinds wanted; none means any.
	Kinds []precinct.UnitKind
	// StationIDs and ServiceStationIDs allow units of these stations or of
	// these service stations. Both empty allow any unit.
	StationIDs        []string
	ServiceStationIDs []string
	// Exclude leaves these units out silently (an earlier wave's).
	Exclude []string
	// MaxDistanceM bounds the straight-line search (0: unbounded).
	MaxDistanceM float64
	// Explain is how many of the nearest units left out to report, with why.
	Explain int
	// Wave is copied into each candidate.
	Wave int
}

// Hit is one unit found by straight-line search.
type Hit struct {
	Unit      *precinct.Unit
	DistanceM float64
	Stale     bool
}

// search is the scratch space of one query: the shortlists, the copies of
// the shortlisted units and the ranking buffers. Queries take one from a pool,
// so that a query allocates little more than what it returns.
type search struct {
	best  nearest    // the hits' squared distances
	found []*entry   // the hits' units, by slot of best
	worst nearest    // the squared distances of the units left out
	left  []rejected // the units left out, by slot of worst
	// units are copies of the shortlisted units, whole or of the fields
	// ranking reads only; entries are, by hit, the unit's entry.
	units   []precinct.Unit
	entries []*entry
	hits    []Hit
	rank    ranking
	cells   []cellKey // a ring beyond ringTable, or the cells a walk has left
}

// TravelAppender is a precinct.Router that can also write travel times into
// a buffer of the caller's; Rank uses it when the router has it, and then
// allocates nothing for the router's answers.
type TravelAppender interface {
	AppendTravelTimes(dst []precinct.Travel, ctx context.Context, from []precinct.Point, to precinct.Point, p precinct.Profile) ([]precinct.Travel, error)
}

// ranking is the scratch space of Rank.
type ranking struct {
	first, rest []Hit   // rankNearest's split of the hits
	restOf      []uint8 // the profile of each of rest, as rankNearest numbers them
	of          []uint8 // the profile of each hit, as appendRanked numbers them
	from        []precinct.Point
	idx         []int
	travel      []precinct.Travel
	cands       []precinct.Candidate
	unreachable []string
}

var searches = sync.Pool{New: func() any { return new(search) }}

// release clears the references s holds and returns it to the pool.
func (s *search) release() {
	clear(s.units[:cap(s.units)])
	clear(s.hits[:cap(s.hits)])
	clear(s.rank.cands[:cap(s.rank.cands)])
	clear(s.rank.unreachable[:cap(s.rank.unreachable)])
	clear(s.rank.travel[:cap(s.rank.travel)])
	clear(s.rank.first[:cap(s.rank.first)])
	clear(s.rank.rest[:cap(s.rank.rest)])
	clear(s.found[:cap(s.found)])
	clear(s.entries[:cap(s.entries)])
	clear(s.left[:cap(s.left)])
	searches.Put(s)
}

// Nearest returns the query's K nearest available units ranked by travel time
// from router (fresh positions first, stale ones last), and up to q.Explain
// exclusions saying why nearer units were left out. The answer is one state
// of the index: writes wait for the search to rank, so router must not write
// to the index.
func (x *Index) Nearest(ctx context.Context, router precinct.Router, q Query) ([]precinct.Candidate, []precinct.Exclusion, error) {
	if q.K <= 0 {
		return nil, nil, nil
	}
	res := Result{Candidates: make([]precinct.Candidate, 0, q.K), units: make([]precinct.Unit, 0, q.K)}
	if q.Explain > 0 {
		res.Excluded = make([]precinct.Exclusion, 0, q.Explain)
	}
	if err := x.NearestInto(ctx, router, q, &res); err != nil {
		return nil, nil, err
	}
	for i := range res.units {
		if res.units[i].Members != nil {
			res.units[i].Members = slices.Clone(res.units[i].Members)
		}
	}
	if len(res.Excluded) == 0 {
		res.Excluded = nil
	}
	return res.Candidates, res.Excluded, nil
}

// Result is the answer of NearestInto, in buffers a caller may reuse from
// one query to the next: a query into a reused Result allocates nothing.
// Each candidate's Unit points into the Result's own copies, which share
// their Members with the index (the index never changes a Members slice in
// place), and stay valid until the Result is reused.
type Result struct {
	Candidates []precinct.Candidate
	Excluded   []precinct.Exclusion
	units      []precinct.Unit
}

// NearestInto is Nearest into res's buffers, which it overwrites.
func (x *Index) NearestInto(ctx context.Context, router precinct.Router, q Query, res *Result) error {
	res.Candidates, res.Excluded = res.Candidates[:0], res.Excluded[:0]
	if q.K <= 0 {
		return nil
	}
	s := searches.Get().(*search)
	defer s.release()
	shortN := max(q.K*x.opts.ShortlistFactor, x.opts.MinShortlist)
	// The search stays in one side of the index until it has copied its
	// winners: its answer is one state of the index, and the shortlist
	// copies of each unit only the fields ranking reads (a unit is a few
	// cache lines, and most shortlisted units are not returned).
	sd, in := x.read()
	defer x.leave(in)
	hits, excl := x.shortlist(sd, s, q, shortN, res.Excluded[:0], false)
	res.Excluded = excl
	ranked, unreachable, err := s.rank.rank(ctx, router, q.Point, hits, q.Wave, q.K)
	if err != nil {
		res.Excluded = res.Excluded[:0]
		return err
	}
	ranked = ranked[:min(q.K, len(ranked))]
	res.units = res.units[:0]
	for _, c := range ranked {
		res.units = append(res.units, s.entries[s.hitOf(c.Unit)].unit)
	}
	for i, c := range ranked {
		c.Unit = &res.units[i]
		c.StationID = c.Unit.StationID // not in the shortlist's copies
		res.Candidates = append(res.Candidates, c)
	}
	for _, u := range unreachable {
		if len(res.Excluded) >= q.Explain {
			break
		}
		res.Excluded = append(res.Excluded, precinct.Exclusion{UnitID: u, Reason: "路径不可达", ReasonEN: "no route to the incident"})
	}
	return nil
}

// hitOf returns the index in s.units of u, which points into it (a
// shortlist is a few dozen long).
func (s *search) hitOf(u *precinct.Unit) int {
	for i := range s.units {
		if &s.units[i] == u {
			return i
		}
	}
	panic("live: a candidate's unit is not in the shortlist")
}

// Rank asks router for the travel time of each hit to p and orders them:
// fresh positions by travel time, then stale positions by travel time.
// Units the router cannot route are returned apart.
func Rank(ctx context.Context, router precinct.Router, p precinct.Point, hits []Hit, wave int) ([]precinct.Candidate, []string, error) {
	var r ranking
	return r.rank(ctx, router, p, hits, wave, 0)
}

// A DistanceRouter is a precinct.Router that reaches every point and whose
// travel time for a profile never decreases with the great-circle distance
// (StraightLine is one). A search ranking by it asks it only for the
// shortlisted units that can still be among the k first.
type DistanceRouter interface {
	precinct.Router
	// MinTravel is a lower bound of the travel time for profile p from
	// any point at least d metres away.
	MinTravel(d float64, p precinct.Profile) time.Duration
}

// rank is Rank into r's buffers; what it returns is valid until r is
// reused. With k > 0 only the k first must be right: the rest may be left
// out.
func (r *ranking) rank(ctx context.Context, router precinct.Router, p precinct.Point, hits []Hit, wave, k int) ([]precinct.Candidate, []string, error) {
	if dr, ok := router.(DistanceRouter); ok && k > 0 && k < len(hits) {
		cands, ok, err := r.rankNearest(ctx, dr, p, hits, wave, k)
		if err != nil || ok {
			return cands, nil, err
		}
	}
	cands, unreachable, err := r.appendRanked(ctx, router, p, hits, wave, r.cands[:0], r.unreachable[:0])
	if err != nil {
		return nil, nil, err
	}
	sortCandidates(cands)
	return cands, unreachable, nil
}

// rankNearest ranks by a DistanceRouter only the hits that can be among
// the k first: the k nearest fresh hits of each profile first, then any
// other fresh hit whose least possible travel time is no more than the
// k-th time found. Stale hits rank after every fresh one, so they are left
// out when k fresh ones are reached. It reports false, having ranked
// nothing for certain, when fewer than k fresh hits are reached. The hits
// are nearest first.
func (r *ranking) rankNearest(ctx context.Context, router DistanceRouter, p precinct.Point, hits []Hit, wave, k int) ([]precinct.Candidate, bool, error) {
	var perProfile [3]int
	var profiles [3]precinct.Profile
	np := 0
	first, rest, restOf := r.first[:0], r.rest[:0], r.restOf[:0]
	for i := range hits {
		h := &hits[i]
		if h.Stale {
			continue
		}
		pr := precinct.ProfileOf(h.Unit.Kind)
		pi := slices.Index(profiles[:np], pr)
		if pi < 0 {
			pi, profiles[np] = np, pr
			np++
		}
		if perProfile[pi] < k {
			perProfile[pi]++
			first = append(first, *h)
		} else {
			rest = append(rest, *h)
			restOf = append(restOf, uint8(pi))
		}
	}
	r.first, r.rest, r.restOf = first, rest, restOf
	if len(first) < k {
		return nil, false, nil
	}
	cands, unreachable, err := r.appendRanked(ctx, router, p, first, wave, r.cands[:0], r.unreachable[:0])
	if err != nil || len(unreachable) > 0 || len(cands) < k {
		return nil, false, err
	}
	sortCandidates(cands)
	// Hits beyond the k nearest of their profile that could still come
	// before the k-th (the search's flat distance is not quite the
	// great-circle one: the slack bounds the difference).
	kth := cands[k-1].ETA
	slack := 0.0
	if len(rest) > 0 { // the slack grows with distance: the farthest hit's holds for all
		slack = flatSlack(p, rest[len(rest)-1].DistanceM)
	}
	// A profile is closed at its first hit that cannot come before the
	// k-th: no farther hit can, as MinTravel bounds every point at least
	// as far.
	var closed [3]bool
	more := rest[:0]
	for i, h := range rest {
		pi := restOf[i]
		if closed[pi] {
			continue
		}
		if router.MinTravel(h.DistanceM*(1-slack), profiles[pi]) <= kth {
			more = append(more, h)
		} else {
			closed[pi] = true
		}
	}
	if len(more) > 0 {
		if cands, unreachable, err = r.appendRanked(ctx, router, p, more, wave, cands, unreachable); err != nil || len(unreachable) > 0 {
			return nil, false, err
		}
		sortCandidates(cands)
	}
	r.cands, r.unreachable = cands, unreachable
	return cands, true, nil
}

// flatSlack bounds the relative amount by which the search's flat
// distance (degrees scaled at the latitude of the query q) may exceed the
// great-circle distance at a flat distance of d metres: the great circle
// is at least d×(1−flatSlack). With t the largest angle, in radians, that d
// spans in latitude or longitude, the sines of the haversine lose at most
// t²/12, and the cosine of the unit's latitude differs from the query's by
// at most t·tan(lat+t). It is 1 (no bound) near the poles and over long
// distances.
func flatSlack(q precinct.Point, d float64) float64 {
	lat := math.Abs(q.Lat) * math.Pi / 180
	t := d / (precinct.EarthRadiusM * math.Cos(lat))
	if lat+t > 1.4 || t > 0.1 { // about 80° and 600 km
		return 1
	}
	return t*t/12 + t*math.Tan(lat+t) + 1e-9
}

// appendRanked asks router for the travel times of hits to p, and appends
// the reachable ones as candidates to cands, the others' IDs to
// unreachable. One router call per profile.
func (r *ranking) appendRanked(ctx context.Context, router precinct.Router, p precinct.Point, hits []Hit, wave int, cands []precinct.Candidate, unreachable []string) ([]precinct.Candidate, []string, error) {
	var profiles [3]precinct.Profile
	np := 0
	of := r.of[:0]
	for i := range hits {
		pr := precinct.ProfileOf(hits[i].Unit.Kind)
		pi := slices.Index(profiles[:np], pr)
		if pi < 0 {
			pi, profiles[np] = np, pr
			np++
		}
		of = append(of, uint8(pi))
	}
	r.of = of
	from, idx := r.from, r.idx
	for pi, pr := range profiles[:np] {
		from, idx = from[:0], idx[:0]
		for i := range hits {
			if h := &hits[i]; of[i] == uint8(pi) {
				from = append(from, h.Unit.Position)
				idx = append(idx, i)
			}
		}
		var ts []precinct.Travel
		var err error
		if a, ok := router.(TravelAppender); ok {
			ts, err = a.AppendTravelTimes(r.travel[:0], ctx, from, p, pr)
			r.travel = ts
		} else {
			ts, err = router.TravelTimes(ctx, from, p, pr)
		}
		if err != nil {
			return nil, nil, err
		}
		if len(ts) != len(from) {
			return nil, nil, fmt.Errorf("live: router %s returned %d travel times for %d points", router.Name(), len(ts), len(from))
		}
		for j, t := range ts {
			h := hits[idx[j]]
			if !t.OK {
				unreachable = append(unreachable, h.Unit.ID)
				continue
			}
			cands = append(cands, precinct.Candidate{
				Unit: h.Unit, ETA: t.Duration, ETASec: t.Duration.Seconds(),
				DistanceM: h.DistanceM, Stale: h.Stale, Wave: wave, StationID: h.Unit.StationID,
			})
		}
	}
	r.from, r.idx, r.cands, r.unreachable = from, idx, cands, unreachable
	return cands, unreachable, nil
}

// rankBefore orders candidates: fresh positions first, then by travel time,
// then by unit ID.
func rankBefore(a, b *precinct.Candidate) bool {
	if a.Stale != b.Stale {
		return !a.Stale
	}
	if a.ETA != b.ETA {
		return a.ETA < b.ETA
	}
	return a.Unit.ID < b.Unit.ID
}

// sortCandidates sorts by rankBefore: a shortlist (a few dozen) by
// insertion, which reads and moves less than a general sort; longer lists
// by slices.SortFunc.
func sortCandidates(cands []precinct.Candidate) {
	if len(cands) > 48 {
		slices.SortFunc(cands, func(a, b precinct.Candidate) int {
			if rankBefore(&a, &b) {
				return -1
			}
			if rankBefore(&b, &a) {
				return 1
			}
			return 0
		})
		return
	}
	for i := 1; i < len(cands); i++ {
		if !rankBefore(&cands[i], &cands[i-1]) {
			continue
		}
		c := cands[i]
		j := i
		for ; j > 0 && rankBefore(&c, &cands[j-1]); j-- {
		}
		copy(cands[j+1:i+1], cands[j:i])
		cands[j] = c
	}
}

// Shortlist returns up to n units matching q nearest to q.Point by straight
// line, nearest first, each a copy, and up to q.Explain exclusions for the
// nearest units that did not match, no farther than the farthest hit.
func (x *Index) Shortlist(q Query, n int) ([]Hit, []precinct.Exclusion) {
	s := searches.Get().(*search)
	defer s.release()
	sd, in := x.read()
	defer x.leave(in)
	found, excl := x.shortlist(sd, s, q, n, nil, true)
	return ownUnits(found, func(h *Hit) **precinct.Unit { return &h.Unit }), excl
}

// ownUnits returns a copy of items in which each item points to its own
// copy of its unit (found through unit), out of any scratch space.
func ownUnits[T any](items []T, unit func(*T) **precinct.Unit) []T {
	out := slices.Clone(items)
	units := make([]precinct.Unit, len(out))
	for i := range out {
		p := unit(&out[i])
		units[i] = **p
		units[i].Members = slices.Clone(units[i].Members)
		*p = &units[i]
	}
	return out
}

// shortlist is Shortlist into s: the hits point into s.units, and share
// their Members with the index, until s is released. The exclusions are
// appended to excl. Unless whole, the hits' units are copies of only the
// fields ranking reads (ID, Kind, Position): a unit is a few cache lines,
// and most shortlisted units are not returned.
func (x *Index) shortlist(sd *side, s *search, q Query, n int, excl []precinct.Exclusion, whole bool) ([]Hit, []precinct.Exclusion) {
	// A position older than StaleAfter is stale (compared once per hit,
	// without time.Sub's overflow checks).
	freshSince := x.clock.Now().Add(-x.opts.StaleAfter)
	const mPerDegLat = precinct.EarthRadiusM * math.Pi / 180
	m := metric{p: q.Point, lonM: mPerDegLat * math.Cos(q.Point.Lat*math.Pi/180), latM: mPerDegLat, cellDeg: x.opts.CellDeg}
	cellM := x.opts.CellDeg * min(m.latM, m.lonM)
	maxD2 := math.Inf(1)
	if q.MaxDistanceM > 0 {
		maxD2 = q.MaxDistanceM * q.MaxDistanceM
	}

	if n <= 0 {
		return nil, excl
	}
	// The buckets a search reads.
	wanted := uint32(0) // bit b: bucket b is read (available units of the wanted kinds)
	for _, k := range q.Kinds {
		wanted |= 1 << (kindIndex(k) * 2)
	}
	if wanted == 0 {
		for k := range uint8(numKinds) {
			wanted |= 1 << (k * 2)
		}
	}
	// The grids a search reads, the global one or those of the allowed
	// owners, and which placement of a unit each holds.
	anyStation := len(q.StationIDs) == 0 && len(q.ServiceStationIDs) == 0
	var stArr, svArr [8]int32
	stations := sd.lookup(stArr[:0], q.StationIDs)
	services := sd.lookup(svArr[:0], q.ServiceStationIDs)
	var gridArr [16]*grid
	var whichArr [16]uint8
	grids, which := gridArr[:0], whichArr[:0]
	if anyStation {
		grids, which = append(grids, sd.global), append(which, inGlobal)
	} else {
		for _, id := range stations {
			if g := sd.owners[id]; g != nil {
				grids, which = append(grids, g), append(which, inStation)
			}
		}
		for _, id := range services {
			if g := sd.owners[id]; g != nil {
				grids, which = append(grids, g), append(which, inService)
			}
		}
	}

	c0 := keyOf(q.Point, x.opts.CellDeg)
	s.best.reset(n)
	s.found = slices.Grow(s.found[:0], n)[:n]
	// A unit, or a cell, at a squared distance of the bound or more cannot
	// be a hit: the bound is just above maxD2 until the shortlist is full,
	// then the shortlist's farthest.
	hs := hitScan{m: m, wanted: wanted, stations: stations, exclude: q.Exclude,
		best: &s.best, found: s.found, bound: math.Nextafter(maxD2, math.Inf(1))}
	walk := newRingWalk(c0, grids, &s.cells)
	for r := int32(0); r <= walk.maxRing; r++ {
		ring, last := walk.ring(r)
		for _, o := range ring {
			k := cellKey{c0.x + o.x, c0.y + o.y}
			for gi, g := range grids {
				if c := g.get(k); c != nil && m.cellD2(k) < hs.bound {
					// A unit of an allowed station is found in the
					// station's grid; skip it in its service station's.
					hs.scan(c, which[gi] == inService && len(stations) > 0)
				}
			}
		}
		// Every unit of ring r+1 or beyond is at least r*cellM away.
		reach := float64(r) * cellM
		if last || reach*reach >= hs.bound {
			break
		}
	}
	best := &s.best
	// Exclusions: the nearest units that do not match, from the global
	// grid, no farther than the farthest hit.
	worst := &s.worst
	worst.reset(q.Explain)
	s.left = slices.Grow(s.left[:0], q.Explain)[:q.Explain]
	if q.Explain > 0 {
		limit2 := maxD2
		if best.len() > 0 {
			limit2 = best.farthest()
		}
		rs := rejectScan{m: m, wanted: wanted, anyStation: anyStation, stations: stations, services: services,
			exclude: q.Exclude, worst: worst, left: s.left, bound: math.Nextafter(limit2, math.Inf(1))} // as hs.bound
		global := [1]*grid{sd.global}
		walk := newRingWalk(c0, global[:], &s.cells)
		for r := int32(0); r <= walk.maxRing; r++ {
			ring, last := walk.ring(r)
			for _, o := range ring {
				k := cellKey{c0.x + o.x, c0.y + o.y}
				if c := sd.global.get(k); c != nil && m.cellD2(k) < rs.bound {
					rs.scan(c)
				}
			}
			reach := float64(r) * cellM
			if last || reach*reach >= rs.bound {
				break
			}
		}
	}
	nh := best.len()
	s.units = slices.Grow(s.units[:0], nh)[:nh]
	s.entries = slices.Grow(s.entries[:0], nh)[:nh]
	s.hits = slices.Grow(s.hits[:0], nh)[:nh]
	hits := s.hits
	for i := range nh {
		it := best.order[i]
		d2, e := it.key, s.found[it.slot]
		u := &s.units[i]
		if whole {
			*u = e.unit
		} else {
			// Ranking reads no other field (the others are zero: a search
			// is released cleared, and copies whole only after in part).
			u.ID, u.Kind, u.Position = e.unit.ID, e.unit.Kind, e.unit.Position
		}
		s.entries[i] = e
		hits[i] = Hit{Unit: u, DistanceM: math.Sqrt(d2), Stale: e.unit.PositionAt.Before(freshSince)}
	}
	if worst.len() > 0 {
		excl = slices.Grow(excl, q.Explain)
		for _, it := range worst.order {
			excl = append(excl, exclusion(s.left[it.slot]))
		}
	}
	return hits, excl
}

// hitScan is the search for hits as it reads cells.
type hitScan struct {
	m        metric
	wanted   uint32  // bit b: bucket b is read
	stations []int32 // the allowed stations
	exclude  []string
	best     *nearest
	found    []*entry // by slot of best
	bound    float64  // units at this squared distance or beyond are not wanted
}

// scan adds to best the units of the wanted buckets of c nearer than the
// bound, and lowers the bound once best is full. With skipStations, units
// of the allowed stations are skipped.
func (h *hitScan) scan(c *cell, skipStations bool) {
	m, bound, best := h.m, h.bound, h.best
	for w := h.wanted & uint32(c.held); w != 0; w &= w - 1 {
		recs := c.bucket(bits.TrailingZeros32(w))
		for i := range recs {
			rc := &recs[i]
			d2 := m.d2(rc.lon, rc.lat)
			if d2 >= bound {
				continue
			}
			if skipStations && rc.station != 0 && slices.Contains(h.stations, rc.station) {
				continue
			}
			if len(h.exclude) > 0 && slices.Contains(h.exclude, rc.e.unit.ID) {
				continue
			}
			h.found[best.add(d2)] = rc.e
			if best.full() {
				bound = best.farthest()
			}
		}
	}
	h.bound = bound
}

// rejectScan is the search for the units left out, as it reads cells.
type rejectScan struct {
	m                  metric
	wanted             uint32 // bit b: bucket b is read by the search for hits
	anyStation         bool
	stations, services []int32 // the allowed stations and service stations
	exclude            []string
	worst              *nearest
	left               []rejected // by slot of worst
	bound              float64    // units at this squared distance or beyond are not wanted
}

// scan adds to worst the units of c nearer than the bound that the search
// for hits leaves out, with why, and lowers the bound once worst is full.
func (s *rejectScan) scan(c *cell) {
	m, bound, worst := s.m, s.bound, s.worst
	for held := c.held; held != 0; held &= held - 1 {
		b := bits.TrailingZeros16(held)
		recs := c.bucket(b)
		// Why the units of the bucket are left out; those of a bucket
		// read by the search are left out only for their station.
		why := rejectKind
		switch {
		case b%2 == 1:
			why = rejectStatus
		case s.wanted&(1<<b) == 0:
		case s.anyStation:
			continue
		default:
			why = rejectStation
		}
		for i := range recs {
			rc := &recs[i]
			d2 := m.d2(rc.lon, rc.lat)
			if d2 >= bound {
				continue
			}
			if why == rejectStation && (rc.station != 0 && slices.Contains(s.stations, rc.station) ||
				rc.service != 0 && slices.Contains(s.services, rc.service)) {
				continue
			}
			if len(s.exclude) > 0 && slices.Contains(s.exclude, rc.e.unit.ID) {
				continue
			}
			s.left[worst.add(d2)] = rejected{rc.e, why}
			if worst.full() {
				bound = worst.farthest()
			}
		}
	}
	s.bound = bound
}

// metric measures distances for a search around p: metres on the plane
// tangent at p, degrees scaled by the metres per degree at p's latitude.
type metric struct {
	p          precinct.Point
	lonM, latM float64 // metres per degree of longitude and of latitude
	cellDeg    float64
}

// d2 is the squared distance to the point at lon, lat.
func (m *metric) d2(lon, lat float64) float64 {
	dx, dy := (lon-m.p.Lon)*m.lonM, (lat-m.p.Lat)*m.latM
	return dx*dx + dy*dy
}

// cellD2 is the squared distance to the nearest point of the cell at k.
func (m *metric) cellD2(k cellKey) float64 {
	dx := outside(m.p.Lon, float64(k.x)*m.cellDeg, m.cellDeg) * m.lonM
	dy := outside(m.p.Lat, float64(k.y)*m.cellDeg, m.cellDeg) * m.latM
	return dx*dx + dy*dy
}

// outside is how far v lies outside [lo, lo+size], 0 within:
// max(0, lo−v, v−(lo+size)) without the builtin's care for NaNs and signed
// zeros, which costs more than the rest of cellD2.
func outside(v, lo, size float64) float64 {
	switch {
	case v < lo:
		return lo - v
	case v > lo+size:
		return v - (lo + size)
	}
	return 0
}

// ringWalk walks the cells of some grids ring by ring around a centre
// cell, so that a search can stop at the first ring too far to hold a
// unit nearer than those it has. Ring r is the cells r cells away along x
// or y: ring 0 is the centre alone, ring r ≥ 1 has 8r cells.
type ringWalk struct {
	c0       cellKey
	grids    []*grid
	maxRing  int32      // the farthest ring with an occupied cell; -1 for none
	occupied int        // cells occupied in all the grids
	buf      *[]cellKey // scratch for a ring beyond ringTable and for the cells left
}

func newRingWalk(c0 cellKey, grids []*grid, buf *[]cellKey) ringWalk {
	w := ringWalk{c0: c0, grids: grids, maxRing: -1, buf: buf}
	for _, g := range grids {
		if g.bounded {
			w.maxRing = max(w.maxRing, abs32(c0.x-g.minCell.x), abs32(c0.x-g.maxCell.x), abs32(c0.y-g.minCell.y), abs32(c0.y-g.maxCell.y))
		}
		w.occupied += len(g.cells)
	}
	return w
}

// ring returns the offsets from the centre of the cells of ring r, in the
// order to visit them. Once a ring has more cells than the grids occupy,
// it returns instead the occupied cells of ring r and beyond, and reports
// that they are the last.
func (w *ringWalk) ring(r int32) (offsets []cellKey, last bool) {
	if r > 0 && 8*int(r) > w.occupied {
		return w.rest(r), true
	}
	if r <= tableRings {
		return ringTable[ringStart(r):ringStart(r+1)], false
	}
	*w.buf = appendRing((*w.buf)[:0], r)
	return *w.buf, false
}

// rest returns the offsets of the cells occupied in any of the grids in
// ring r or beyond, each once, in no particular order.
func (w *ringWalk) rest(r int32) []cellKey {
	out := (*w.buf)[:0]
	for gi, g := range w.grids {
	cells:
		for k := range g.cells {
			if max(abs32(k.x-w.c0.x), abs32(k.y-w.c0.y)) < r {
				continue
			}
			for _, h := range w.grids[:gi] {
				if h.get(k) != nil {
					continue cells // listed for an earlier grid
				}
			}
			out = append(out, cellKey{k.x - w.c0.x, k.y - w.c0.y})
		}
	}
	*w.buf = out
	return out
}

// tableRings is the last ring of ringTable: a search rarely goes beyond
// it (32 cells out, 15 km or more at the default cell size).
const tableRings = 32

// ringTable holds the offsets of the cells of rings 0 to tableRings,
// ring after ring, each ring as appendRing lists it: computed once, so
// that a search walks a ring as a slice, with no call per cell.
var ringTable = func() []cellKey {
	t := make([]cellKey, 0, ringStart(tableRings+1))
	for r := range int32(tableRings + 1) {
		t = appendRing(t, r)
	}
	return t
}()

// ringStart is the index in ringTable of ring r's first cell: the rings
// before it fill a square of side 2r−1.
func ringStart(r int32) int {
	if r == 0 {
		return 0
	}
	return int(2*r-1) * int(2*r-1)
}

// appendRing appends the offsets of the cells of ring r: the bottom and
// top rows, west to east, then the west and east columns between them,
// south to north.
func appendRing(dst []cellKey, r int32) []cellKey {
	if r == 0 {
		return append(dst, cellKey{0, 0})
	}
	for i := -r; i <= r; i++ {
		dst = append(dst, cellKey{i, -r}, cellKey{i, r})
	}
	for j := -r + 1; j <= r-1; j++ {
		dst = append(dst, cellKey{-r, j}, cellKey{r, j})
	}
	return dst
}

// lookup appends to out the interned numbers of known IDs.
func (s *side) lookup(out []int32, ids []string) []int32 {
	for _, id := range ids {
		if n, ok := s.ids[id]; ok {
			out = append(out, n)
		}
	}
	return out
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// reason is why a unit did not match a query.
type reason uint8

const (
	rejectStatus  reason = iota + 1 // not available
	rejectKind                      // not a kind the rule asks for
	rejectStation                   // outside the allowed stations
)

type rejected struct {
	e   *entry
	why reason
}

func exclusion(r rejected) precinct.Exclusion {
	u := &r.e.unit
	ex := precinct.Exclusion{UnitID: u.ID}
	switch r.why {
	case rejectStatus:
		ex.Reason, ex.ReasonEN = r.e.busy, r.e.busyEN
	case rejectKind:
		ex.Reason, ex.ReasonEN = kindReasons[r.e.kind][0], kindReasons[r.e.kind][1]
	case rejectStation:
		ex.Reason = "不属于规则允许的派出所或警务站"
		ex.ReasonEN = "outside the stations and service stations the rule allows"
	}
	return ex
}

// kindReasons says, by kind number, why a unit is left out for its kind,
// naming the kind in words, not by its code. The phrases are made once: a
// query must not allocate for them.
var kindReasons = func() [numKinds][2]string {
	names := map[precinct.UnitKind][2]string{
		precinct.UnitPatrolCar:    {"巡逻车", "patrol car"},
		precinct.UnitFootPatrol:   {"步巡组", "foot patrol"},
		precinct.UnitArmedVehicle: {"武装处突车", "armed vehicle"},
		precinct.UnitMotorcycle:   {"摩托车", "motorcycle"},
		precinct.UnitCommunity:    {"社区民警", "community officer"},
		precinct.UnitCaseTeam:     {"案件办理组", "case team"},
		precinct.UnitVolunteer:    {"义警", "volunteer"},
	}
	var rs [numKinds][2]string
	rs[numKinds-1] = [2]string{"警力类型不是规则要求的类型", "the unit's kind is not one the rule asks for"}
	for k, n := range names {
		rs[kindIndex(k)] = [2]string{"警力类型“" + n[0] + "”不是规则要求的类型", "kind " + n[1] + " is not one the rule asks for"}
	}
	return rs
}()

// kindIndex numbers unit kinds; unknown kinds share the last number.
func kindIndex(k precinct.UnitKind) uint8 {
	switch k {
	case precinct.UnitPatrolCar:
		return 0
	case precinct.UnitFootPatrol:
		return 1
	case precinct.UnitArmedVehicle:
		return 2
	case precinct.UnitMotorcycle:
		return 3
	case precinct.UnitCommunity:
		return 4
	case precinct.UnitCaseTeam:
		return 5
	case precinct.UnitVolunteer:
		return 6
	}
	return numKinds - 1
}

// nearest keeps the n smallest keys added, in order (a key added later
// follows those equal to it), each with a slot in [0, n) where the caller
// keeps its value. A search keeps a shortlist of a few dozen: inserting
// into a sorted array moves less than a heap does at that size, and leaves
// the list in order. Only the keys move: the values stay in their slots,
// as they hold pointers, and moving a pointer costs a write barrier check.
type nearest struct {
	order []keyed
	n     int
}

type keyed struct {
	key  float64
	slot int
}

// reset empties the list to keep n keys.
func (l *nearest) reset(n int) { l.order, l.n = slices.Grow(l.order[:0], n), n }
func (l *nearest) len() int    { return len(l.order) }

// full reports whether n keys are kept.
func (l *nearest) full() bool { return len(l.order) >= l.n }

// farthest returns the largest key kept; the list must not be empty.
func (l *nearest) farthest() float64 { return l.order[len(l.order)-1].key }

// add keeps k and returns the slot for its value: a new one while the list
// is not full, then that of the largest key, which goes; so the caller
// adds only keys smaller than farthest.
func (l *nearest) add(k float64) int {
	s := l.order
	slot := len(s)
	if slot < l.n {
		s = s[:slot+1]
		l.order = s
	} else {
		slot = s[slot-1].slot
	}
	i := len(s) - 1
	for ; i > 0 && s[i-1].key > k; i-- {
		s[i] = s[i-1]
	}
	s[i] = keyed{k, slot}
	return slot
}

// IDs returns the IDs of the units in the index.
func (x *Index) IDs() []string {
	sd, i := x.read()
	defer x.leave(i)
	out := make([]string, 0, len(sd.units))
	for id := range sd.units {
		out = append(out, id)
	}
	return out
}
