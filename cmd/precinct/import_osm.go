package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"precinct"
	"precinct/routing"
	"precinct/streets"
)

// osmAttribution is the credit OpenStreetMap data requires (ODbL 1.0).
const osmAttribution = "Road data © OpenStreetMap contributors, ODbL 1.0 (openstreetmap.org/copyright)."

// runImportOSM implements "precinct import osm FILE [--data DIR] [--profile
// car,motorcycle] [--json]": it builds the road-routing graph from an
// OpenStreetMap extract and saves it in the data directory.
func runImportOSM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import osm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", defaultDataDir(), "data directory (PRECINCT_DATA, else ./data)")
	profiles := fs.String("profile", "car,motorcycle", "comma-separated travel profiles to build")
	asJSON := fs.Bool("json", false, "print the summary as JSON, without progress")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: precinct import osm FILE [--data DIR] [--profile car,motorcycle] [--json]")
		fmt.Fprintln(fs.Output(), "\nBuilds the road-routing graph, and keeps the streets and named places for maps and address search, from an OpenStreetMap extract (.osm.pbf, .osm, .osm.gz).")
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\n"+osmAttribution)
	}
	file, err := parseWithFile(fs, args)
	if err != nil {
		return err
	}
	opts := routing.ImportOptions{}
	for _, p := range strings.Split(*profiles, ",") {
		if p = strings.TrimSpace(p); p != "" {
			opts.Profiles = append(opts.Profiles, precinct.Profile(p))
		}
	}
	if !*asJSON {
		bar := newProgressPrinter(stderr)
		opts.Progress = bar.update
		defer bar.finish()
	}

	start := time.Now()
	r, err := routing.Import(ctx, file, opts)
	if err != nil {
		return err
	}
	path := routing.GraphPath(*dataDir)
	if err := r.Save(path); err != nil {
		return err
	}
	// The streets and named places, for the maps' tiles and address search.
	st, err := streets.Import(ctx, file)
	if err != nil {
		return err
	}
	if err := st.Save(streets.Path(*dataDir)); err != nil {
		return err
	}
	if err := printImportSummary(stdout, r, path, time.Since(start), *asJSON); err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "%d streets, %d named places saved to %s\n", len(st.Streets), len(st.POIs), streets.Path(*dataDir))
	}
	return nil
}

// parseWithFile parses flags around one positional FILE argument, which may
// come before or after them.
func parseWithFile(fs *flag.FlagSet, args []string) (string, error) {
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	rest := fs.Args()
	if file == "" && len(rest) > 0 {
		file, rest = rest[0], rest[1:]
	}
	if file == "" || len(rest) > 0 {
		fs.Usage()
		return "", errors.New("usage: precinct import osm FILE [--data DIR] [--profile car,motorcycle]")
	}
	return file, nil
}

// printImportSummary says what was built.
func printImportSummary(w io.Writer, r *routing.Router, path string, took time.Duration, asJSON bool) error {
	type graphSummary struct {
		Profile      precinct.Profile `json:"profile"`
		Nodes        int              `json:"nodes"`
		RoadEdges    int              `json:"road_edges"`
		Hierarchy    int              `json:"hierarchy_edges"`
		BytesPerNode float64          `json:"bytes_per_node"`
	}
	var graphs []graphSummary
	for _, p := range r.Profiles() {
		g, err := r.Graph(p)
		if err != nil {
			return err
		}
		road, ch := g.NumEdges()
		graphs = append(graphs, graphSummary{Profile: p, Nodes: g.NumNodes(), RoadEdges: road, Hierarchy: ch,
			BytesPerNode: float64(g.MemoryBytes()) / float64(max(1, g.NumNodes()))})
	}
	if asJSON {
		return json.NewEncoder(w).Encode(struct {
			Path    string         `json:"path"`
			Seconds float64        `json:"seconds"`
			Graphs  []graphSummary `json:"graphs"`
		}{path, took.Seconds(), graphs})
	}
	for _, g := range graphs {
		fmt.Fprintf(w, "%-10s %8d nodes %8d road edges %8d hierarchy edges  %.0f bytes/node\n",
			g.Profile, g.Nodes, g.RoadEdges, g.Hierarchy, g.BytesPerNode)
	}
	fmt.Fprintf(w, "road graph saved to %s in %.1fs\n%s\n", path, took.Seconds(), osmAttribution)
	return nil
}

// defaultDataDir is PRECINCT_DATA, else ./data.
func defaultDataDir() string {
	if d := os.Getenv("PRECINCT_DATA"); d != "" {
		return d
	}
	return "data"
}

// progressPrinter shows an import's progress: a bar redrawn in place on a
// terminal, otherwise a plain line when a stage starts and every few seconds.
type progressPrinter struct {
	w        io.Writer
	terminal bool
	stage    string
	done     int64
	last     time.Time
	drawn    bool
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	return &progressPrinter{w: w, terminal: isTerminal(w)}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// update shows p.
func (pp *progressPrinter) update(p routing.Progress) {
	now := time.Now()
	newStage := p.Stage != pp.stage
	if !newStage && p.Done == pp.done {
		return
	}
	if newStage && pp.drawn && pp.terminal {
		fmt.Fprintln(pp.w)
	}
	pct := 0.0
	if p.Total > 0 {
		pct = 100 * float64(p.Done) / float64(p.Total)
	}
	if pp.terminal {
		if !newStage && now.Sub(pp.last) < 100*time.Millisecond && p.Done < p.Total {
			return
		}
		const width = 30
		full := int(pct / 100 * width)
		fmt.Fprintf(pp.w, "\r%-19s [%s%s] %5.1f%%", p.Stage, strings.Repeat("#", full), strings.Repeat(".", width-full), pct)
	} else {
		if !newStage && now.Sub(pp.last) < 2*time.Second {
			return
		}
		fmt.Fprintf(pp.w, "import: %s %.0f%%\n", p.Stage, pct)
	}
	pp.stage, pp.done, pp.last, pp.drawn = p.Stage, p.Done, now, true
}

// finish ends the bar's line.
func (pp *progressPrinter) finish() {
	if pp.terminal && pp.drawn {
		fmt.Fprintln(pp.w)
	}
}
