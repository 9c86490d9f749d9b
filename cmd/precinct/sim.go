package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"precinct"
	"precinct/dispatch"
	"precinct/routing"
	"precinct/sim"
)

// runSim implements `precinct sim`.
func runSim(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", "qianjiang", "qianjiang | foshan | nanning | a scenario file (JSON)")
	days := fs.Int("days", 1, "days to simulate")
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same calls and KPIs")
	policy := fs.String("policy", "", "legacy | reform | a policy file (JSON); empty runs legacy and reform side by side")
	asJSON := fs.Bool("json", false, "print one JSON object")
	target := fs.String("target", "", "drive a running server at this URL over HTTP instead of simulating in process")
	user := fs.String("user", envOr(getenv, "PRECINCT_SIM_USER", "dispatcher"), "with --target: username (PRECINCT_SIM_USER)")
	password := fs.String("password", getenv("PRECINCT_SIM_PASSWORD"), "with --target: password (PRECINCT_SIM_PASSWORD)")
	dataDir := fs.String("data", envOr(getenv, "PRECINCT_DATA", "data"), "data directory: its road graph (precinct import osm), if any, gives travel times")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *days < 1 || *days > 3660 {
		return fmt.Errorf("--days: want 1 to 3660, got %d", *days)
	}
	sc, err := sim.LoadScenario(*scenario, *seed)
	if err != nil {
		return err
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)) // a Monday
	calls := sc.Generate(start, *days, *seed)
	bar := newProgress(stderr, !*asJSON)

	if *target != "" {
		t := &sim.Target{URL: strings.TrimRight(*target, "/"), Username: *user, Password: *password}
		n, err := t.Submit(ctx, calls, *seed, bar.update("HTTP"))
		bar.done()
		if *asJSON {
			_ = json.NewEncoder(stdout).Encode(map[string]any{"scenario": sc.Name, "target": t.URL, "incidents": n, "generated": len(calls)})
		} else {
			fmt.Fprintf(stdout, "%d / %d 起警情已提交至 / incidents put through %s\n", n, len(calls), t.URL)
		}
		return err
	}

	policies := []sim.Policy{sim.Legacy, sim.Reform}
	if *policy != "" {
		p, err := sim.LoadPolicy(*policy)
		if err != nil {
			return err
		}
		policies = []sim.Policy{p}
	}
	var router precinct.Router
	if road, err := routing.Load(routing.GraphPath(*dataDir)); err == nil {
		router = &routing.Fallback{Road: road, Other: dispatch.NewStraightLineRouter()}
	} else if precinct.ErrorCode(err) != precinct.ENOTFOUND {
		return err
	}
	var results []*sim.Result
	for _, p := range policies {
		r, err := sim.Run(ctx, sc, calls, p, *seed, sim.Options{Router: router, Progress: bar.update(p.Name)})
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	bar.done()
	if *asJSON {
		return writeSimJSON(stdout, sc.Name, *days, *seed, results)
	}
	return writeSimTable(stdout, sc.Name, *days, results)
}

func writeSimJSON(w io.Writer, scenario string, days int, seed int64, results []*sim.Result) error {
	last := results[len(results)-1] // reform when both run
	out := map[string]any{"scenario": scenario, "days": days, "seed": seed, "policy": last.Policy, "incidents": last.Incidents, "kpis": last.KPIs}
	if len(results) > 1 {
		per := map[string]any{}
		for _, r := range results {
			per[r.Policy] = r
		}
		out["policies"] = per
		out["seeds"] = seedFigures
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// seedFigures are what the reports say the reforms achieved.
var seedFigures = map[string]string{
	"flow_time":           "−40% (佛山, seed 000)",
	"response_time":       "about 6 min sooner (中山, seed 004)",
	"patrol_share":        "44.83% (南宁高新, seed 003)",
	"on_scene_completion": "86.11% (南宁高新, seed 003)",
	"cross_station":       "30+ min → about 10 min (黔江, seed 002)",
}

func writeSimTable(w io.Writer, scenario string, days int, results []*sim.Result) error {
	fmt.Fprintf(w, "情景 scenario %s, %d 天 days, %d 起警情 incidents\n\n", scenario, days, results[0].Incidents)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	header := "指标 KPI\t"
	for _, r := range results {
		header += r.Policy + "\t"
	}
	if len(results) == 2 {
		header += "ratio\t"
	}
	fmt.Fprintln(tw, header+"seeds 报道\t")
	row := func(name string, seed string, f func(sim.KPIs) float64, format string) {
		line := name + "\t"
		for _, r := range results {
			line += fmt.Sprintf(format, f(r.KPIs)) + "\t"
		}
		if len(results) == 2 {
			if a := f(results[0].KPIs); a != 0 {
				line += fmt.Sprintf("%.2f", f(results[1].KPIs)/a) + "\t"
			} else {
				line += "–\t"
			}
		}
		fmt.Fprintln(tw, line+seed+"\t")
	}
	mins := "%.1f min"
	row("流转 flow mean", seedFigures["flow_time"], func(k sim.KPIs) float64 { return k.FlowTimeMeanS / 60 }, mins)
	row("流转 flow p50", "", func(k sim.KPIs) float64 { return k.FlowTimeP50S / 60 }, mins)
	row("流转 flow p90", "", func(k sim.KPIs) float64 { return k.FlowTimeP90S / 60 }, mins)
	row("到场 response mean", seedFigures["response_time"], func(k sim.KPIs) float64 { return k.ResponseTimeMeanS / 60 }, mins)
	row("到场 response p50", "", func(k sim.KPIs) float64 { return k.ResponseTimeP50S / 60 }, mins)
	row("到场 response p90", "", func(k sim.KPIs) float64 { return k.ResponseTimeP90S / 60 }, mins)
	pct := "%.1f%%"
	row("现场处置率 on-scene completion", seedFigures["on_scene_completion"], func(k sim.KPIs) float64 { return 100 * k.OnSceneCompletion }, pct)
	row("巡逻处置占比 patrol share", seedFigures["patrol_share"], func(k sim.KPIs) float64 { return 100 * k.PatrolShare }, pct)
	row("社区民警在社区时间 community hours", "", func(k sim.KPIs) float64 { return 100 * k.CommunityHoursShare }, pct)
	row("警力利用率 utilisation", "", func(k sim.KPIs) float64 { return 100 * k.UnitUtilisation }, pct)
	row("无警可派等待 waited", "", func(k sim.KPIs) float64 { return float64(k.WaitedNoForce) }, "%.0f")
	row("跨所调度 cross-station", seedFigures["cross_station"], func(k sim.KPIs) float64 { return float64(k.CrossStation) }, "%.0f")
	row("  跨所行程 their travel", "", func(k sim.KPIs) float64 { return k.CrossStationTravelS / 60 }, mins)
	row("  本所行程 home force travel", "", func(k sim.KPIs) float64 { return k.HomeForceTravelS / 60 }, mins)
	return tw.Flush()
}

// progress draws a bar on a terminal and nothing elsewhere.
type progress struct {
	w  io.Writer
	on bool
}

func newProgress(w io.Writer, wanted bool) *progress {
	f, ok := w.(*os.File)
	on := false
	if ok && wanted {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progress{w: w, on: on}
}

func (p *progress) update(label string) func(done, total int) {
	if !p.on {
		return nil
	}
	return func(done, total int) {
		const width = 30
		n := width * done / max(total, 1)
		fmt.Fprintf(p.w, "\r%-7s [%s%s] %3d%%", label, strings.Repeat("█", n), strings.Repeat(" ", width-n), 100*done/max(total, 1))
	}
}

func (p *progress) done() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
