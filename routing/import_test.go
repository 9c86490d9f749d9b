package routing_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"precinct"
	"precinct/routing"
)

// squareOSM is a 4-node block: n1→n2 is one-way, n2–n3–n4–n1 two-way; a
// footway and a private drive lead off it and must not be routable.
const squareOSM = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
 <node id="1" lat="42.5000" lon="1.5000"/>
 <node id="2" lat="42.5000" lon="1.5010"/>
 <node id="3" lat="42.5010" lon="1.5010"/>
 <node id="4" lat="42.5010" lon="1.5000"/>
 <node id="5" lat="42.5020" lon="1.5000"/>
 <node id="6" lat="42.4990" lon="1.5010"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
 <way id="11"><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/></way>
 <way id="12"><nd ref="4"/><nd ref="5"/><tag k="highway" v="footway"/></way>
 <way id="13"><nd ref="2"/><nd ref="6"/><tag k="highway" v="service"/><tag k="access" v="private"/></way>
</osm>
`

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportXML(t *testing.T) {
	tests := []struct {
		name string
		file string
		data []byte
	}{
		{name: "osm", file: "square.osm", data: []byte(squareOSM)},
		{name: "osm.gz", file: "square.osm.gz", data: gzipped(t, squareOSM)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := routing.Import(context.Background(), writeFile(t, tt.file, tt.data), routing.ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			g, err := r.Graph(precinct.ProfileCar)
			if err != nil {
				t.Fatal(err)
			}
			if g.NumNodes() != 4 {
				t.Errorf("nodes = %d, want 4 (footway and private drive left out)", g.NumNodes())
			}
			ctx := context.Background()
			n1, n2 := precinct.Point{Lon: 1.5000, Lat: 42.5000}, precinct.Point{Lon: 1.5010, Lat: 42.5000}
			along, alongM, _, err := r.Route(ctx, n1, n2, precinct.ProfileCar)
			if err != nil {
				t.Fatal(err)
			}
			back, backM, line, err := r.Route(ctx, n2, n1, precinct.ProfileCar)
			if err != nil {
				t.Fatal(err)
			}
			side := precinct.DistanceM(n1, n2)
			if alongM < side-1 || alongM > side+1 {
				t.Errorf("along the one-way: %.1f m, want %.1f", alongM, side)
			}
			if backM < 3*side || back <= 3*along {
				t.Errorf("against the one-way: %v %.1f m, want round the block (> %v, %.0f m)", back, backM, 3*along, 3*side)
			}
			if len(line) != 4 { // n2, n3, n4, n1: the ends snap to the nodes they sit on
				t.Errorf("geometry has %d points, want 4: %v", len(line), line)
			}
			// 30 km/h on a residential street: about 9.8 s for 82 m.
			if want := side / (30 / 3.6); along.Seconds() < want-0.01 || along.Seconds() > want+0.01 {
				t.Errorf("time along = %v, want %.2fs", along, want)
			}
		})
	}
}

func TestImportErrors(t *testing.T) {
	andorra, _ := findSharedData("osm/andorra.osm.pbf")
	tests := []struct {
		name string
		file string
		data func() []byte
		text string
	}{
		{name: "empty pbf", file: "empty.osm.pbf", data: func() []byte { return nil }, text: "No routable roads"},
		{name: "garbage pbf", file: "garbage.osm.pbf", data: func() []byte { return bytes.Repeat([]byte{0, 0, 0, 9, 1, 2, 3}, 100) }, text: "corrupt"},
		{name: "truncated pbf", file: "cut.osm.pbf", data: func() []byte {
			if andorra == "" {
				return []byte{0, 0, 0, 13, 10, 9, 'O', 'S', 'M'}
			}
			b, _ := os.ReadFile(andorra)
			return b[:len(b)/3]
		}, text: "corrupt"},
		{name: "bad xml", file: "bad.osm", data: func() []byte { return []byte("<osm><node id='1' lat=") }, text: "corrupt"},
		{name: "bad gzip", file: "bad.osm.gz", data: func() []byte { return []byte("not gzip") }, text: "corrupt"},
		{name: "no roads", file: "paths.osm", data: func() []byte {
			return []byte(strings.ReplaceAll(squareOSM, `v="residential"`, `v="footway"`))
		}, text: "No routable roads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := routing.Import(context.Background(), writeFile(t, tt.file, tt.data()), routing.ImportOptions{})
			if code := precinct.ErrorCode(err); code != precinct.EINVALID {
				t.Fatalf("error %v (code %q), want EINVALID", err, code)
			}
			if _, en := precinct.ErrorMessage(err); !strings.Contains(en, tt.text) {
				t.Errorf("message %q, want it to mention %q", en, tt.text)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := routing.Import(context.Background(), filepath.Join(t.TempDir(), "none.osm.pbf"), routing.ImportOptions{})
		if precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("error %v, want EINVALID", err)
		}
	})
	t.Run("unknown profile", func(t *testing.T) {
		_, err := routing.Import(context.Background(), writeFile(t, "sq.osm", []byte(squareOSM)),
			routing.ImportOptions{Profiles: []precinct.Profile{precinct.ProfileFoot}})
		if precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("error %v, want EINVALID", err)
		}
	})
}

func TestImportProgress(t *testing.T) {
	var stages []string
	_, err := routing.Import(context.Background(), writeFile(t, "sq.osm", []byte(squareOSM)), routing.ImportOptions{
		Profiles: []precinct.Profile{precinct.ProfileCar},
		Progress: func(p routing.Progress) {
			if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
				stages = append(stages, p.Stage)
			}
			if p.Done > p.Total {
				t.Errorf("progress %v: done beyond total", p)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(stages, ","), "ways,nodes,contract car"; got != want {
		t.Errorf("stages %s, want %s", got, want)
	}
}
