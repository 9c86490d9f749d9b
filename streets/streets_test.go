package streets_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"precinct"
	"precinct/streets"
)

// osmFile returns a shared OpenStreetMap extract (../shared/data/osm beside
// the repository); the test skips without it, except under CI=true.
func osmFile(t testing.TB, name string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if dir == filepath.Dir(dir) {
			t.Fatal("go.mod not found")
		}
		dir = filepath.Dir(dir)
	}
	path := filepath.Join(dir, "..", "shared", "data", "osm", name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared data missing: %v", err)
		}
		t.Skipf("shared data missing: %v", err)
	}
	return path
}

// streetNamed returns the first street of d with the name.
func streetNamed(d *streets.Data, name string) *streets.Street {
	for i := range d.Streets {
		if d.Streets[i].Name == name {
			return &d.Streets[i]
		}
	}
	return nil
}

// tileNames decodes a tile and returns the names in a layer.
func tileNames(t *testing.T, b []byte, layer string) []string {
	t.Helper()
	ls, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("decode tile: %v", err)
	}
	var out []string
	for _, l := range ls {
		if l.Name != layer {
			continue
		}
		for _, f := range l.Features {
			if n, ok := f.Properties["name"].(string); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

func TestImportKeepsStreetsAndPlaces(t *testing.T) {
	for _, c := range []struct{ file, street string }{
		{"guixi.osm.gz", "贵溪大道"},
		{"shenzhen_longgang.osm.gz", "盐龙大道"},
	} {
		t.Run(c.file, func(t *testing.T) {
			d, err := streets.Import(context.Background(), osmFile(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			s := streetNamed(d, c.street)
			if s == nil {
				t.Fatalf("%d streets, none named %s", len(d.Streets), c.street)
			}
			if len(s.Line) < 2 || s.Class == "" {
				t.Errorf("%s: %d points, class %q", c.street, len(s.Line), s.Class)
			}
			t.Logf("%s: %d streets, %d places", c.file, len(d.Streets), len(d.POIs))

			// Saved and read back, the same.
			path := filepath.Join(t.TempDir(), "streets.gob.gz")
			if err := d.Save(path); err != nil {
				t.Fatal(err)
			}
			back, err := streets.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(back.Streets) != len(d.Streets) || len(back.POIs) != len(d.POIs) || !slices.Equal(streetNamed(back, c.street).Line, s.Line) {
				t.Error("the streets read back differ")
			}
		})
	}
}

func TestTilesDrawNamedStreets(t *testing.T) {
	d, err := streets.Import(context.Background(), osmFile(t, "guixi.osm.gz"))
	if err != nil {
		t.Fatal(err)
	}
	m := streets.NewMap(d, nil)
	s := streetNamed(d, "贵溪大道")
	mid := s.Line[len(s.Line)/2]
	at := func(z int) maptile.Tile { return maptile.At(orb.Point{mid.Lon, mid.Lat}, maptile.Zoom(z)) }
	for _, z := range []int{13, 16} {
		tl := at(z)
		b, err := m.Tile(z, int(tl.X), int(tl.Y))
		if err != nil {
			t.Fatal(err)
		}
		if names := tileNames(t, b, "streets"); !slices.Contains(names, "贵溪大道") {
			t.Errorf("tile %d/%d/%d (%d bytes) lacks 贵溪大道: %v", z, tl.X, tl.Y, len(b), names)
		}
	}
	// A tile far away is empty; a tile out of range is refused.
	if b, err := m.Tile(16, 0, 0); err != nil || len(tileNames(t, b, "streets")) != 0 {
		t.Errorf("a tile far away: %v", err)
	}
	var e *precinct.Error
	if _, err := m.Tile(3, 8, 0); !errors.As(err, &e) || e.Code != precinct.EINVALID {
		t.Errorf("tile 3/8/0: %v, want EINVALID", err)
	}
}

func TestTilesFollowTheMapsDatum(t *testing.T) {
	d, err := streets.Import(context.Background(), osmFile(t, "guixi.osm.gz"))
	if err != nil {
		t.Fatal(err)
	}
	shift := func(p precinct.Point) precinct.Point { return precinct.Point{Lon: p.Lon + 0.01, Lat: p.Lat} }
	m := streets.NewMap(d, shift)
	if got, want := streetNamed(m.Data(), "贵溪大道").Line[0], shift(streetNamed(d, "贵溪大道").Line[0]); got != want {
		t.Errorf("converted point %v, want %v", got, want)
	}
}

func TestImportRefusesNonOSM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.osm")
	if err := os.WriteFile(path, []byte("<osm></osm>"), 0o644); err != nil {
		t.Fatal(err)
	}
	var e *precinct.Error
	if _, err := streets.Import(context.Background(), path); !errors.As(err, &e) || e.Code != precinct.EINVALID {
		t.Errorf("empty file: %v, want EINVALID", err)
	}
	if _, err := streets.Read(filepath.Join(t.TempDir(), "none")); precinct.ErrorCode(err) != precinct.ENOTFOUND {
		t.Errorf("no file: %v, want ENOTFOUND", err)
	}
}
