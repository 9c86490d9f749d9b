package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestImportJurisdictionCommand runs the command on the example folder:
// --dry-run writes nothing, --json prints exactly the counts, a second run
// changes nothing, and a broken folder is refused with every problem.
func TestImportJurisdictionCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	getenv := func(string) string { return "" }
	var out, errOut bytes.Buffer
	example := filepath.Join("..", "..", "docs", "jurisdiction-example")
	if err := run(ctx, []string{"import", "jurisdiction", example, "--data", data, "--dry-run"}, getenv, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	if !strings.Contains(out.String(), "dry run") {
		t.Errorf("dry run output:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"import", "jurisdiction", example, "--data", data, "--json"}, getenv, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	const want = `{"sub_bureaus":1,"stations":3,"service_stations":1,"community_offices":2,"police_grids":8,"community_grids":8,"people":7,"units":4,"users":3}` + "\n"
	if out.String() != want {
		t.Fatalf("--json printed\n%s\nwant\n%s", out.String(), want)
	}
	if !strings.Contains(errOut.String(), "ex-dispatcher") {
		t.Errorf("no initial password printed for the new users:\n%s", errOut.String())
	}
	out.Reset()
	if err := run(ctx, []string{"import", "jurisdiction", example, "--data", data}, getenv, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`派出所 stations\s+3\s+0\s+0\s+0\n`).MatchString(out.String()) {
		t.Errorf("a second import changed something:\n%s", out.String())
	}

	broken := t.TempDir()
	entries, _ := os.ReadDir(example)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(example, e.Name()))
		if e.Name() == "stations.csv" {
			b = bytes.Replace(b, []byte(",urban,"), []byte(",city,"), 1)
		}
		os.WriteFile(filepath.Join(broken, e.Name()), b, 0o644)
	}
	errOut.Reset()
	err := run(ctx, []string{"import", "jurisdiction", broken, "--data", t.TempDir()}, getenv, &out, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "stations.csv:2 [kind]") {
		t.Fatalf("broken folder: %v\n%s", err, errOut.String())
	}
}
