package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser's figures are benchmarks, not assertions: a test states what
// the page does, a benchmark how fast, beside a peer measured in the same
// run on the same loaded machine.

// BenchmarkBrowserConsoleReady reloads the signed-in console b.N times and
// reports when it became usable (queue, units and the intake form: readyAt)
// and when its map layers were drawn (mapAt), in milliseconds after
// navigation. The peer is the browser's own DOMContentLoaded of the same
// page load: the ratio says how much of the wait is the console's work.
func BenchmarkBrowserConsoleReady(b *testing.B) {
	br := newBrowser(b)
	m := startMain(b, nil)
	base := m.HTTP.URL()
	console := br.tab("console", 10*time.Minute)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", testDemoPassword)); err != nil {
		b.Fatalf("console sign-in: %v", err)
	}
	var ready, mapAt, dcl float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := chromedp.Do(console, chromedp.Reload(), chromedp.WaitVisible(`body[data-ready=true]`),
			chromedp.Poll[chromedp.Void](`window.precinct.console.readyAt > 0 && window.precinct.console.mapAt > 0`)); err != nil {
			b.Fatalf("reload: %v", err)
		}
		perf, err := chromedp.Run(console, chromedp.Evaluate[map[string]float64](`(() => {
			const nav = performance.getEntriesByType('navigation')[0];
			return {ready: window.precinct.console.readyAt, map: window.precinct.console.mapAt, dcl: nav.domContentLoadedEventEnd};
		})()`))
		if err != nil {
			b.Fatal(err)
		}
		ready += perf["ready"]
		mapAt += perf["map"]
		dcl += perf["dcl"]
	}
	n := float64(b.N)
	b.ReportMetric(ready/n, "ready-ms")
	b.ReportMetric(mapAt/n, "map-ms")
	b.ReportMetric(dcl/n, "domcontentloaded-ms")
	b.ReportMetric(ready/dcl, "ready/domcontentloaded")
}

// manyUnits puts 2,000 synthetic units of every kind and status in the
// console map's view, alone (the console's own unit lists are kept off it),
// and returns how many the map drew.
const manyUnits = `(async () => {
	const map = window.precinct.map;
	const n = 2000;
	const [lonA, latA] = map.lonLatAt(0, 0);
	const [lonB, latB] = map.lonLatAt(map.w, map.h);
	const kinds = ['patrol_car', 'foot_patrol', 'armed_vehicle', 'motorcycle', 'community', 'case_team', 'volunteer'];
	const statuses = ['available', 'dispatched', 'en_route', 'on_scene', 'busy', 'off_duty'];
	const units = [];
	window.benchMoves = [];
	for (let i = 0; i < n; i++) {
		const lon = lonA + Math.random() * (lonB - lonA), lat = latB + Math.random() * (latA - latB);
		units.push({id: 'bench-' + i, callsign: 'B' + i, kind: kinds[i % kinds.length], status: statuses[i % statuses.length], position: {lon, lat}});
		window.benchMoves.push([lon, lat, (Math.random() - 0.5) * (lonB - lonA) / 600, (Math.random() - 0.5) * (latA - latB) / 600]);
	}
	map.setUnits(units);
	map.setUnits = () => {}; // a unit list the console was still loading must not replace them
	await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
	return map.stats.drawn;
})()`

// frames runs animation frames for 3 s; with move set, every synthetic
// unit moves every frame. It returns frames per second, redraws, the mean
// redraw time and the worst frame.
const frames = `(async (move) => {
	const map = window.precinct.map, moves = window.benchMoves;
	map.stats.frames = 0; map.stats.drawMs = 0;
	let n = 0, worst = 0;
	const t0 = performance.now();
	let last = t0;
	await new Promise(resolve => {
		const step = now => {
			n++;
			worst = Math.max(worst, now - last);
			last = now;
			if (move) for (let i = 0; i < moves.length; i++) {
				const m = moves[i];
				m[0] += m[2]; m[1] += m[3];
				map.moveUnit('bench-' + i, m[0], m[1]);
			}
			if (now - t0 < 3000) requestAnimationFrame(step); else resolve();
		};
		requestAnimationFrame(step);
	});
	const secs = (performance.now() - t0) / 1000;
	return {fps: n / secs, draws: map.stats.frames, drawMs: map.stats.drawMs / Math.max(1, map.stats.frames), worst};
})`

// TestBrowserMapManyUnits: the console map draws 2,000 units in view (its
// frame rate with all of them moving: BenchmarkBrowserMap).
func TestBrowserMapManyUnits(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	console := b.tab("console", 60*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"]), chromedp.WaitVisible(`#conn[data-state=live]`)); err != nil {
		t.Fatal(err)
	}
	drawn, err := chromedp.Run(console, chromedp.Evaluate[float64](manyUnits, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if drawn < 1000 {
		t.Errorf("only %.0f of 2000 units drawn in view", drawn)
	}
	res, err := chromedp.Run(console, chromedp.Evaluate[map[string]float64](`(`+frames+`)(true)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if res["draws"] < 1 {
		t.Errorf("the map did not redraw while its units moved: %v", res)
	}
	if err := chromedp.Do(console, b.shot("09-console-2000-units")); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkBrowserMap measures the console map's frame rate for 3 s with
// 2,000 units that all move every frame, and, as the peer in the same page,
// the frame rate of the same animation loop with the units still: the
// ratio is what moving them costs on this machine.
func BenchmarkBrowserMap(b *testing.B) {
	br := newBrowser(b)
	m := startMain(b, nil)
	console := br.tab("console", 10*time.Minute)
	if err := chromedp.Do(console, chromedp.Navigate(m.HTTP.URL()+"/"), signIn("dispatcher", testDemoPassword), chromedp.WaitVisible(`#conn[data-state=live]`)); err != nil {
		b.Fatal(err)
	}
	if _, err := chromedp.Run(console, chromedp.Evaluate[float64](manyUnits, chromedp.EvalAwaitPromise)); err != nil {
		b.Fatal(err)
	}
	var fps, still, drawMs, worst float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		moving, err := chromedp.Run(console, chromedp.Evaluate[map[string]float64](`(`+frames+`)(true)`, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatal(err)
		}
		idle, err := chromedp.Run(console, chromedp.Evaluate[map[string]float64](`(`+frames+`)(false)`, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatal(err)
		}
		fps += moving["fps"]
		still += idle["fps"]
		drawMs += moving["drawMs"]
		worst = max(worst, moving["worst"])
	}
	n := float64(b.N)
	b.ReportMetric(fps/n, "fps-moving")
	b.ReportMetric(still/n, "fps-still")
	b.ReportMetric(fps/still, "moving/still")
	b.ReportMetric(drawMs/n, "ms/redraw")
	b.ReportMetric(worst, "worst-frame-ms")
}
