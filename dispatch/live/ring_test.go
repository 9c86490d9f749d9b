package live

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"precinct"
)

// chebyshev is the ring of the cell at offset o.
func chebyshev(o cellKey) int32 { return max(abs32(o.x), abs32(o.y)) }

// TestRingTable: the table holds rings 0 to tableRings one after the
// other, each exactly the cells r cells away along x or y, once each; a
// ring beyond the table is computed the same way.
func TestRingTable(t *testing.T) {
	if want := (2*tableRings + 1) * (2*tableRings + 1); len(ringTable) != want {
		t.Fatalf("the table has %d cells, want %d (a square of side %d)", len(ringTable), want, 2*tableRings+1)
	}
	for _, r := range []int32{0, 1, 2, 3, 7, tableRings - 1, tableRings, tableRings + 1, 50} {
		ring := appendRing(nil, r)
		if r <= tableRings && !slices.Equal(ringTable[ringStart(r):ringStart(r+1)], ring) {
			t.Fatalf("ring %d in the table is %v, want %v", r, ringTable[ringStart(r):ringStart(r+1)], ring)
		}
		var want []cellKey
		for y := -r; y <= r; y++ {
			for x := -r; x <= r; x++ {
				if o := (cellKey{x, y}); chebyshev(o) == r {
					want = append(want, o)
				}
			}
		}
		got := slices.Clone(ring)
		byYX := func(a, b cellKey) int {
			if a.y != b.y {
				return int(a.y - b.y)
			}
			return int(a.x - b.x)
		}
		slices.SortFunc(got, byYX)
		if !slices.Equal(got, want) {
			t.Fatalf("ring %d has the cells %v, want %v", r, got, want)
		}
	}
	// The order within a ring is the one the search has always used (ties
	// in distance keep their order): the bottom and top rows west to
	// east, then the west and east columns between them south to north.
	want := []cellKey{{-1, -1}, {-1, 1}, {0, -1}, {0, 1}, {1, -1}, {1, 1}, {-1, 0}, {1, 0}}
	if got := ringTable[ringStart(1):ringStart(2)]; !slices.Equal(got, want) {
		t.Fatalf("ring 1 is %v, want %v", got, want)
	}
}

// TestRingWalk: walking grids ring by ring visits each occupied cell of
// each grid once, nearer rings first, through rings of the table, rings
// beyond it and the cells left once a ring outgrows the occupied cells;
// and only the last step goes back to nearer cells.
func TestRingWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	line := newGrid() // a row of 300 cells: rings beyond the table, then the cells left
	for x := range int32(300) {
		line.add(cellKey{x, 0})
	}
	scattered := newGrid() // cells far apart, some shared with line
	for range 40 {
		scattered.add(cellKey{rng.Int32N(600) - 300, rng.Int32N(600) - 300})
	}
	scattered.add(cellKey{5, 0})
	scattered.add(cellKey{120, 0})
	empty := newGrid()
	for _, tc := range []struct {
		c0    cellKey
		grids []*grid
	}{
		{cellKey{0, 0}, []*grid{line}},
		{cellKey{150, 3}, []*grid{line}},
		{cellKey{0, 0}, []*grid{line, scattered}},
		{cellKey{-1000, 40}, []*grid{scattered, line}},
		{cellKey{7, 7}, []*grid{empty, scattered}},
		{cellKey{7, 7}, []*grid{empty}},
	} {
		t.Run(fmt.Sprintf("%v,%d grids", tc.c0, len(tc.grids)), func(t *testing.T) {
			seen := map[[2]any]int{}
			var buf []cellKey
			w := newRingWalk(tc.c0, tc.grids, &buf)
			for r := int32(0); r <= w.maxRing; r++ {
				ring, last := w.ring(r)
				for _, o := range ring {
					if !last && chebyshev(o) != r {
						t.Fatalf("ring %d lists a cell of ring %d", r, chebyshev(o))
					}
					if last && chebyshev(o) < r {
						t.Fatalf("the cells left after ring %d include one of ring %d", r-1, chebyshev(o))
					}
					k := cellKey{tc.c0.x + o.x, tc.c0.y + o.y}
					for gi, g := range tc.grids {
						if g.get(k) != nil {
							seen[[2]any{gi, k}]++
						}
					}
				}
				if last {
					break
				}
			}
			n := 0
			for gi, g := range tc.grids {
				for k := range g.cells {
					n++
					if c := seen[[2]any{gi, k}]; c != 1 {
						t.Errorf("cell %v of grid %d visited %d times", k, gi, c)
					}
				}
			}
			if len(seen) != n {
				t.Errorf("%d cells visited, %d occupied", len(seen), n)
			}
		})
	}
}

// TestNearestSlots: the list keeps the n smallest keys in order, a key
// added later after those equal to it, and each key's slot holds the
// value added with it.
func TestNearestSlots(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 5, 20} {
		var l nearest
		l.reset(n)
		vals := make([]int, n)
		type kv struct {
			key float64
			val int
		}
		var all []kv
		for i := range 200 {
			k := float64(rng.IntN(50)) // ties on purpose
			all = append(all, kv{k, i})
			if l.full() && k >= l.farthest() {
				continue
			}
			vals[l.add(k)] = i
		}
		slices.SortStableFunc(all, func(a, b kv) int { return int(a.key - b.key) })
		want := all[:n]
		if l.len() != n {
			t.Fatalf("n=%d: %d kept", n, l.len())
		}
		for i, it := range l.order {
			if it.key != want[i].key || vals[it.slot] != want[i].val {
				t.Fatalf("n=%d: item %d is %v (value %d), want %v", n, i, it.key, vals[it.slot], want[i])
			}
		}
	}
}

// TestCellsHeld: through puts, moves, status and shift changes and
// removals, each cell's held mask names exactly its buckets that hold a
// unit, its buckets lie end to end over its records, and every record and
// the placement of its unit name each other: the placement's cell and
// bucket are where the record is, a unit has one record in a grid, and
// every placed unit has its record; and this holds on both sides of the
// index, which hold the same units.
func TestCellsHeld(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := New(precinct.SystemClock{}, Options{})
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	kinds := []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitFootPatrol, precinct.UnitCommunity, "other"}
	point := func() precinct.Point {
		return precinct.Point{Lon: 108.7 + rng.Float64()*0.03, Lat: 29.45 + rng.Float64()*0.03}
	}
	for i := range 3000 {
		id := fmt.Sprintf("u%03d", rng.IntN(300))
		switch op := rng.IntN(10); {
		case op < 3 || !x.Has(id):
			x.Put(&precinct.Unit{ID: id, Kind: kinds[rng.IntN(len(kinds))], StationID: fmt.Sprintf("st%d", rng.IntN(3)),
				ServiceStationID: fmt.Sprintf("sv%d", rng.IntN(2)), Status: precinct.UnitAvailable, Position: point()})
		case op < 6:
			x.Move([]precinct.Position{{UnitID: id, Point: point(), At: t0.Add(time.Duration(i) * time.Second)}})
		case op < 8:
			x.SetStatus(id, precinct.UnitBusy, "")
		case op < 9:
			x.SetOnShift(id, rng.IntN(2) == 0)
		default:
			x.Remove(id)
		}
	}
	for si := range x.sides {
		sd := &x.sides[si]
		grids := []*grid{sd.global}
		for _, g := range sd.owners {
			grids = append(grids, g)
		}
		records := 0
		type held struct {
			e *entry
			g *grid
		}
		seen := map[held]bool{}
		for _, g := range grids {
			for k, c := range g.cells {
				var want uint16
				for b := range numBuckets {
					if c.start(b) > c.end[b] {
						t.Fatalf("cell %v: bucket %d starts at %d, ends at %d", k, b, c.start(b), c.end[b])
					}
					if len(c.bucket(b)) > 0 {
						want |= 1 << b
					}
					for i, r := range c.bucket(b) {
						slot := c.start(b) + int32(i)
						w := slices.IndexFunc(r.e.at[:], func(pl placement) bool { return pl.placed && pl.g == g })
						if w < 0 {
							t.Fatalf("cell %v bucket %d slot %d holds %s, which is not placed in its grid", k, b, slot, r.e.unit.ID)
						}
						if pl := r.e.at[w]; pl.key != k || int(pl.bucket) != b || c.find(b, r.e) != slot {
							t.Fatalf("cell %v bucket %d slot %d holds %s, whose placement %d says %+v", k, b, slot, r.e.unit.ID, w, pl)
						}
						if seen[held{r.e, g}] {
							t.Fatalf("%s has two records in one grid", r.e.unit.ID)
						}
						seen[held{r.e, g}] = true
						if int(r.e.bucketOf()) != b || r.lon != r.e.unit.Position.Lon || r.lat != r.e.unit.Position.Lat {
							t.Fatalf("cell %v bucket %d slot %d: the record of %s is out of date", k, b, slot, r.e.unit.ID)
						}
					}
				}
				if int(c.end[numBuckets-1]) != len(c.recs) {
					t.Fatalf("cell %v: the buckets end at %d, the records at %d", k, c.end[numBuckets-1], len(c.recs))
				}
				if c.held != want {
					t.Fatalf("cell %v holds %016b, its held mask says %016b", k, want, c.held)
				}
				records += len(c.recs)
			}
		}
		placed := 0
		for _, e := range sd.units {
			for _, pl := range e.at {
				if pl.placed {
					placed++
				}
			}
		}
		if records != placed {
			t.Fatalf("the cells hold %d records, the units have %d placements", records, placed)
		}
	}
	// The two sides hold the same units, alike.
	a, b := &x.sides[0], &x.sides[1]
	if len(a.units) != len(b.units) || a.rev != b.rev {
		t.Fatalf("the sides hold %d and %d units at revisions %d and %d", len(a.units), len(b.units), a.rev, b.rev)
	}
	for id, ea := range a.units {
		eb := b.units[id]
		if eb == nil || !reflect.DeepEqual(ea.unit, eb.unit) || ea.offShift != eb.offShift || ea.moved != eb.moved || ea.busy != eb.busy {
			t.Fatalf("the sides differ on %s", id)
		}
		for w := range ea.at {
			pa, pb := ea.at[w], eb.at[w]
			if pa.placed != pb.placed || pa.key != pb.key || pa.bucket != pb.bucket {
				t.Fatalf("the sides place %s differently", id)
			}
		}
	}
}
