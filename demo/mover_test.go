package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"precinct"
	"precinct/demo"
	"precinct/sqldb"
)

// collector is the position sink of the mover under test.
type collector struct{ batches [][]precinct.Position }

func (c *collector) ReportPositions(_ context.Context, ps []precinct.Position) error {
	c.batches = append(c.batches, ps)
	return nil
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func TestMoverMovesOnDutyUnitsInsideTheirArea(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "m.db"), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	j, err := demo.Qianjiang(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportJurisdiction(ctx, j); err != nil {
		t.Fatal(err)
	}
	sink := &collector{}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	m := &demo.Mover{Store: db, Positions: sink, Clock: fixedClock{now}, Seed: 1}
	if err := m.Tick(ctx, time.Minute); err != nil {
		t.Fatal(err)
	}
	if len(sink.batches) != 1 {
		t.Fatalf("%d batches", len(sink.batches))
	}
	units := map[string]*precinct.Unit{}
	for _, u := range j.Units {
		units[u.ID] = u
	}
	areas := map[string]precinct.MultiPolygon{}
	for _, s := range j.Stations {
		areas[s.ID] = s.Boundary
	}
	for _, g := range j.PoliceGrids {
		areas[g.ID] = g.Boundary
	}
	moved := 0
	for _, p := range sink.batches[0] {
		u := units[p.UnitID]
		if u.Status != precinct.UnitAvailable {
			t.Errorf("unit %s (%s) reported while %s", u.ID, u.Callsign, u.Status)
		}
		if !p.At.Equal(now) {
			t.Errorf("position time %v", p.At)
		}
		if p.Point != u.Position {
			moved++
			d := precinct.DistanceM(p.Point, u.Position)
			if d > 13*60+1 {
				t.Errorf("%s moved %.0f m in a minute", u.Callsign, d)
			}
		}
		if a := areas[u.PoliceGridID]; u.Kind == precinct.UnitCommunity && !a.Contains(p.Point) {
			t.Errorf("community unit %s left its police grid", u.Callsign)
		}
	}
	if moved < len(sink.batches[0])/2 {
		t.Errorf("only %d of %d units moved", moved, len(sink.batches[0]))
	}
}
