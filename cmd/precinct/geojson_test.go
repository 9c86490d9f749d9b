package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"precinct"
	"precinct/geo"
)

// TestMapLayersReadByGDAL fetches every map layer of the demo and checks it
// is RFC 7946: served as application/geo+json, WGS-84, coordinates at 7
// decimals at most, outer rings counter-clockwise, valid polygons, one
// geometry type per layer — and GDAL's ogrinfo reads each one and finds no
// invalid geometry (SQLite dialect, ST_IsValid).
func TestMapLayersReadByGDAL(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ogrinfo (gdal-bin) is not installed in CI")
		}
		t.Skip("ogrinfo not installed")
	}
	m := startMain(t, nil)
	admin := login(t, m.HTTP.URL(), "admin", testAdminPassword)
	dir := t.TempDir()
	tooPrecise := regexp.MustCompile(`\d\.\d{8,}`)
	for layer, want := range map[string]string{"boundary": "MultiPolygon", "stations": "MultiPolygon", "service-stations": "Point",
		"community-offices": "Point", "police-grids": "MultiPolygon", "community-grids": "MultiPolygon"} {
		req, _ := http.NewRequest("GET", m.HTTP.URL()+"/api/v1/map?layer="+layer, nil)
		req.Header.Set("Authorization", "Bearer "+admin.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/geo+json" {
			t.Errorf("%s: Content-Type %q", layer, ct)
		}
		var fc struct {
			Features []struct {
				Geometry struct {
					Type        string          `json:"type"`
					Coordinates json.RawMessage `json:"coordinates"`
				} `json:"geometry"`
			} `json:"features"`
		}
		if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) == 0 {
			t.Fatalf("%s: %d features, %v", layer, len(fc.Features), err)
		}
		for _, f := range fc.Features {
			if f.Geometry.Type != want {
				t.Fatalf("%s: a %s among %s", layer, f.Geometry.Type, want)
			}
			if tooPrecise.Match(f.Geometry.Coordinates) {
				t.Fatalf("%s: coordinates beyond 7 decimals", layer)
			}
			if want == "MultiPolygon" {
				var mp precinct.MultiPolygon
				if err := json.Unmarshal([]byte(`{"type":"MultiPolygon","coordinates":`+string(f.Geometry.Coordinates)+`}`), &mp); err != nil {
					t.Fatal(err)
				}
				for _, poly := range mp {
					if !geo.CounterClockwise(poly[0]) || precinct.SelfIntersects(poly) {
						t.Fatalf("%s: an outer ring clockwise or crossing itself", layer)
					}
				}
			}
		}
		file := filepath.Join(dir, strings.ReplaceAll(layer, "-", "_")+".geojson")
		if err := os.WriteFile(file, body, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(ogrinfo, "-ro", "-so", "-al", file).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Feature Count: ") || strings.Contains(string(out), "ERROR") {
			t.Fatalf("ogrinfo %s: %v\n%s", layer, err, out)
		}
		if !strings.Contains(string(out), "WGS 84") {
			t.Errorf("ogrinfo %s: not WGS 84:\n%s", layer, out)
		}
		if want == "MultiPolygon" {
			name := strings.TrimSuffix(filepath.Base(file), ".geojson")
			out, err := exec.Command(ogrinfo, "-ro", "-dialect", "SQLite", "-sql", "SELECT COUNT(*) AS invalid FROM "+name+" WHERE NOT ST_IsValid(geometry)", file).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "invalid (Integer) = 0") {
				t.Errorf("ogrinfo %s finds invalid polygons: %v\n%s", layer, err, out)
			}
		}
	}
}
