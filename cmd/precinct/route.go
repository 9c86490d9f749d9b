package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"precinct"
	"precinct/routing"
)

// runRoute implements "precinct route --data DIR --from LON,LAT --to LON,LAT
// [--to LON,LAT …] [--profile car] [--json]": the travel time and road
// distance between two points on the imported road graph, or, with several
// --to points, the table from one point to each of them (a station's
// coverage).
func runRoute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("route", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", defaultDataDir(), "data directory holding routing/graph.bin (PRECINCT_DATA, else ./data)")
	fromArg := fs.String("from", "", "start point as LON,LAT")
	var toArgs []string
	fs.Func("to", "end point as LON,LAT; repeat it, or separate points with ';', for a one-to-many table", func(s string) error {
		for _, p := range strings.Split(s, ";") {
			if p = strings.TrimSpace(p); p != "" {
				toArgs = append(toArgs, p)
			}
		}
		return nil
	})
	profile := fs.String("profile", string(precinct.ProfileCar), "travel profile: car or motorcycle")
	maxSnap := fs.Float64("max-snap", routing.DefaultMaxSnapM, "how far from a road a point may be, in metres")
	asJSON := fs.Bool("json", false, `print {"duration_s":…, "distance_m":…}, or with several --to the table as JSON`)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: precinct route --data DIR --from LON,LAT --to LON,LAT [--to LON,LAT …] [--profile car] [--json]")
		fmt.Fprintln(fs.Output(), "\nTravel time and road distance between two points, or from one point to several (run precinct import osm first).")
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\n"+osmAttribution)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	from, err := parseLonLat("from", *fromArg)
	if err != nil {
		return err
	}
	if len(toArgs) == 0 {
		toArgs = []string{""} // reported as a missing point
	}
	to := make([]precinct.Point, len(toArgs))
	for i, a := range toArgs {
		field := "to"
		if len(toArgs) > 1 {
			field = fmt.Sprintf("to[%d]", i)
		}
		if to[i], err = parseLonLat(field, a); err != nil {
			return err
		}
	}
	r, err := routing.Load(routing.GraphPath(*dataDir))
	if err != nil {
		return err
	}
	r.MaxSnapM = *maxSnap
	if len(to) > 1 {
		return routeTable(ctx, r, from, to, precinct.Profile(*profile), *asJSON, stdout)
	}
	d, m, line, err := r.Route(ctx, from, to[0], precinct.Profile(*profile))
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(struct {
			DurationS float64 `json:"duration_s"`
			DistanceM float64 `json:"distance_m"`
		}{d.Seconds(), m})
	}
	fmt.Fprintf(stdout, "%s by road (%s): %s, %.2f km, %d points\n",
		formatLonLat(line[0])+" → "+formatLonLat(line[len(line)-1]), *profile, d.Round(time.Second), m/1000, len(line))
	return nil
}

// tableRow is one destination of `precinct route` with several --to points.
type tableRow struct {
	To precinct.Point `json:"to"`
	// Reachable is false when the point has no road near or no road leads
	// there; the duration and distance are then absent.
	Reachable bool     `json:"reachable"`
	DurationS *float64 `json:"duration_s,omitempty"`
	DistanceM *float64 `json:"distance_m,omitempty"`
}

// routeTable prints the travel from one point to each of several: a line per
// destination, or {"from":…, "profile":…, "table":[…]} with --json.
func routeTable(ctx context.Context, r *routing.Router, from precinct.Point, to []precinct.Point, p precinct.Profile, asJSON bool, stdout io.Writer) error {
	ts, err := r.TravelTable(ctx, from, to, p)
	if err != nil {
		return err
	}
	rows := make([]tableRow, len(to))
	for i, t := range ts {
		rows[i] = tableRow{To: to[i], Reachable: t.OK}
		if t.OK {
			d, m := t.Duration.Seconds(), t.DistanceM
			rows[i].DurationS, rows[i].DistanceM = &d, &m
		}
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(struct {
			From    precinct.Point   `json:"from"`
			Profile precinct.Profile `json:"profile"`
			Table   []tableRow       `json:"table"`
		}{from, p, rows})
	}
	fmt.Fprintf(stdout, "from %s by road (%s):\n", formatLonLat(from), p)
	for _, row := range rows {
		if !row.Reachable {
			fmt.Fprintf(stdout, "  → %s  unreachable (no road near, or none leads there)\n", formatLonLat(row.To))
			continue
		}
		fmt.Fprintf(stdout, "  → %s  %8s  %7.2f km\n", formatLonLat(row.To),
			(time.Duration(*row.DurationS * float64(time.Second))).Round(time.Second), *row.DistanceM/1000)
	}
	return nil
}

// parseLonLat reads "LON,LAT".
func parseLonLat(field, s string) (precinct.Point, error) {
	lon, lat, ok := strings.Cut(s, ",")
	x, err1 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
	if !ok || err1 != nil || err2 != nil {
		return precinct.Point{}, precinct.FieldErrorf(precinct.EINVALID, field, "坐标格式应为 经度,纬度：%q",
			"Want a point as LON,LAT, got %q.", s)
	}
	p := precinct.Point{Lon: x, Lat: y}
	return p, p.Validate(field)
}

// formatLonLat writes p as LON,LAT.
func formatLonLat(p precinct.Point) string { return fmt.Sprintf("%.5f,%.5f", p.Lon, p.Lat) }
