package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"precinct"
)

// osmTestFile returns the path of a shared OpenStreetMap extract: the shared
// folder sits beside the repository (../shared/data from the directory
// holding go.mod). The test skips when it is absent, except under CI=true.
func osmTestFile(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if parent := filepath.Dir(dir); parent != dir {
			dir = parent
			continue
		}
		t.Fatal("go.mod not found above the test directory")
	}
	path := filepath.Join(dir, "..", "shared", "data", "osm", name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared OSM data missing: %v", err)
		}
		t.Skipf("shared OSM data missing (%v)", err)
	}
	return path
}

func TestImportOSMAndRoute(t *testing.T) {
	ctx := context.Background()
	file := osmTestFile(t, "andorra.osm.pbf")
	data := t.TempDir()

	var stdout, stderr bytes.Buffer
	if err := runImportOSM(ctx, []string{file, "--data", data, "--json"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var summary struct {
		Path   string `json:"path"`
		Graphs []struct {
			Profile string `json:"profile"`
			Nodes   int    `json:"nodes"`
		} `json:"graphs"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &summary); err != nil {
		t.Fatalf("summary %q: %v", stdout.String(), err)
	}
	if len(summary.Graphs) != 2 || summary.Graphs[0].Profile != "car" || summary.Graphs[0].Nodes < 10000 {
		t.Errorf("summary %+v, want car and motorcycle graphs of Andorra", summary)
	}
	if stderr.Len() != 0 {
		t.Errorf("--json import wrote progress: %q", stderr.String())
	}

	// Andorra la Vella to Soldeu, up the valley: about 19 km of mountain road.
	route := []string{"--data", data, "--from", "1.5218,42.5063", "--to", "1.6676,42.5766"}
	stdout.Reset()
	if err := runRoute(ctx, append(route, "--json"), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var got struct {
		DurationS float64 `json:"duration_s"`
		DistanceM float64 `json:"distance_m"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("route output %q: %v", stdout.String(), err)
	}
	if got.DurationS < 10*60 || got.DurationS > 40*60 || got.DistanceM < 15000 || got.DistanceM > 30000 {
		t.Errorf("route %+v, want 10–40 min and 15–30 km", got)
	}
	stdout.Reset()
	if err := runRoute(ctx, append(route, "--profile", "motorcycle"), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "km") || !strings.Contains(stdout.String(), "motorcycle") {
		t.Errorf("text output %q", stdout.String())
	}

	// One to many: the table of a station's coverage, in the order asked,
	// each row the same as the one-to-one route; a point with no road near
	// is unreachable, not an error.
	table := []string{"--data", data, "--from", "1.5218,42.5063", "--to", "1.6676,42.5766;1.30,42.50", "--to", "1.5343,42.5079", "--json"}
	stdout.Reset()
	if err := runRoute(ctx, table, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	var tab struct {
		From    precinct.Point `json:"from"`
		Profile string         `json:"profile"`
		Table   []struct {
			To        precinct.Point `json:"to"`
			Reachable bool           `json:"reachable"`
			DurationS *float64       `json:"duration_s"`
			DistanceM *float64       `json:"distance_m"`
		} `json:"table"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &tab); err != nil {
		t.Fatalf("table output %q: %v", stdout.String(), err)
	}
	if len(tab.Table) != 3 || tab.Profile != "car" || tab.From != (precinct.Point{Lon: 1.5218, Lat: 42.5063}) {
		t.Fatalf("table %s", stdout.String())
	}
	if r := tab.Table[0]; !r.Reachable || r.To != (precinct.Point{Lon: 1.6676, Lat: 42.5766}) ||
		math.Abs(*r.DurationS-got.DurationS) > 0.001 || math.Abs(*r.DistanceM-got.DistanceM) > 0.1 {
		t.Errorf("table row 0 %+v, want the one-to-one route %+v", r, got)
	}
	if r := tab.Table[1]; r.Reachable || r.DurationS != nil {
		t.Errorf("table row 1 (no road near) %+v, want unreachable", r)
	}
	if r := tab.Table[2]; !r.Reachable || *r.DurationS <= 0 || *r.DurationS >= got.DurationS {
		t.Errorf("table row 2 (1 km away) %+v", r)
	}
	stdout.Reset()
	if err := runRoute(ctx, table[:len(table)-1], &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(stdout.String()), "\n"); len(lines) != 4 || !strings.Contains(lines[2], "unreachable") || !strings.Contains(lines[1], "km") {
		t.Errorf("text table %q", stdout.String())
	}

	tests := []struct {
		name string
		args []string
		code string
	}{
		{name: "no road near the start of a table", args: []string{"--data", data, "--from", "1.30,42.50", "--to", "1.6676,42.5766;1.5343,42.5079"}, code: precinct.EINVALID},
		{name: "bad point in a table", args: []string{"--data", data, "--from", "1.5218,42.5063", "--to", "1.6676,42.5766;north"}, code: precinct.EINVALID},
		{name: "no road near", args: []string{"--data", data, "--from", "1.30,42.50", "--to", "1.6676,42.5766"}, code: precinct.EINVALID},
		{name: "bad point", args: []string{"--data", data, "--from", "east", "--to", "1.6676,42.5766"}, code: precinct.EINVALID},
		{name: "out of range", args: []string{"--data", data, "--from", "1.5,95", "--to", "1.6676,42.5766"}, code: precinct.EINVALID},
		{name: "foot profile", args: append(route, "--profile", "foot"), code: precinct.EINVALID},
		{name: "no graph", args: []string{"--data", t.TempDir(), "--from", "1.5218,42.5063", "--to", "1.6676,42.5766"}, code: precinct.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runRoute(ctx, tt.args, &stdout, &stderr)
			if code := precinct.ErrorCode(err); code != tt.code {
				t.Errorf("error %v (code %q), want %s", err, code, tt.code)
			}
		})
	}
}

func TestImportOSMProgressAndErrors(t *testing.T) {
	ctx := context.Background()
	file := osmTestFile(t, "monaco.osm.pbf")
	data := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := runImportOSM(ctx, []string{"--data", data, "--profile", "car", file}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"import: ways", "import: nodes", "import: contract car"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("progress %q lacks %q", stderr.String(), want)
		}
	}
	if !strings.Contains(stdout.String(), "OpenStreetMap contributors") {
		t.Errorf("summary %q lacks the OpenStreetMap attribution", stdout.String())
	}
	if _, err := os.Stat(filepath.Join(data, "routing", "graph.bin")); err != nil {
		t.Errorf("graph not saved: %v", err)
	}

	empty := filepath.Join(t.TempDir(), "empty.osm.pbf")
	os.WriteFile(empty, nil, 0o644)
	tests := []struct {
		name string
		args []string
		code string
	}{
		{name: "empty file", args: []string{empty, "--data", data}, code: precinct.EINVALID},
		{name: "unknown profile", args: []string{file, "--data", data, "--profile", "bicycle"}, code: precinct.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runImportOSM(ctx, tt.args, &stdout, &stderr)
			if code := precinct.ErrorCode(err); code != tt.code {
				t.Errorf("error %v (code %q), want %s", err, code, tt.code)
			}
		})
	}
	if err := runImportOSM(ctx, []string{"--data", data}, &stdout, &stderr); err == nil {
		t.Errorf("no file: error %v, want a usage error", err)
	}
}

// TestServeUsesImportedRoadGraph checks that `serve` ranks units by road when
// `import osm` has built a graph in its data directory, and by straight line
// when it has not.
func TestServeUsesImportedRoadGraph(t *testing.T) {
	data := t.TempDir()
	if err := runImportOSM(context.Background(), []string{osmTestFile(t, "andorra.osm.pbf"), "--data", data, "--json"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	m := startMain(t, func(c *Config) { c.DataDir = data })
	if got := m.Dispatch.Router.Name(); got != "road" {
		t.Errorf("with a graph the router is %q, want road", got)
	}
	plain := startMain(t, nil)
	if got := plain.Dispatch.Router.Name(); got != "straight-line" {
		t.Errorf("without a graph the router is %q, want straight-line", got)
	}
	// The demo district is outside the graph: its units fall back to the
	// straight line and recommendations still come.
	c := login(t, m.HTTP.URL(), "dispatcher", testDemoPassword)
	var inc precinct.Incident
	if code := c.do("POST", "/api/v1/incidents", map[string]any{"source": "call_110", "category": "help", "place_type": "village",
		"location": stationPoint(t, c), "priority": 2}, &inc); code != 201 {
		t.Fatalf("intake: %d", code)
	}
	var rec precinct.Recommendation
	if code := c.do("GET", "/api/v1/incidents/"+inc.ID+"/recommendations", nil, &rec); code != 200 || len(rec.Candidates) == 0 || rec.Router != "road" {
		t.Errorf("recommendation %d: router %q, %d candidates", code, rec.Router, len(rec.Candidates))
	}
}
