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
// [--profile car] [--json]": the travel time and road distance between two
// points on the imported road graph.
func runRoute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("route", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", defaultDataDir(), "data directory holding routing/graph.bin (PRECINCT_DATA, else ./data)")
	fromArg := fs.String("from", "", "start point as LON,LAT")
	toArg := fs.String("to", "", "end point as LON,LAT")
	profile := fs.String("profile", string(precinct.ProfileCar), "travel profile: car or motorcycle")
	maxSnap := fs.Float64("max-snap", routing.DefaultMaxSnapM, "how far from a road a point may be, in metres")
	asJSON := fs.Bool("json", false, `print {"duration_s":…, "distance_m":…}`)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: precinct route --data DIR --from LON,LAT --to LON,LAT [--profile car] [--json]")
		fmt.Fprintln(fs.Output(), "\nTravel time and road distance between two points (run precinct import osm first).")
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
	to, err := parseLonLat("to", *toArg)
	if err != nil {
		return err
	}
	r, err := routing.Load(routing.GraphPath(*dataDir))
	if err != nil {
		return err
	}
	r.MaxSnapM = *maxSnap
	d, m, line, err := r.Route(ctx, from, to, precinct.Profile(*profile))
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
