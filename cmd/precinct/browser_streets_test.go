package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"precinct"
	"precinct/geo"
	"precinct/streets"
)

// sharedOSM returns a shared OpenStreetMap extract, or skips (fails in CI).
func sharedOSM(t *testing.T, name string) string {
	t.Helper()
	return osmTestFile(t, name)
}

// startWithStreets runs a demo server whose data directory holds the
// streets of an OpenStreetMap extract, as `precinct import osm` leaves them.
func startWithStreets(t *testing.T, file string) (*Main, *streets.Data) {
	t.Helper()
	d, err := streets.Import(context.Background(), sharedOSM(t, file))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := d.Save(streets.Path(dir)); err != nil {
		t.Fatal(err)
	}
	return startMain(t, func(c *Config) { c.DataDir = dir }), d
}

// onStreet returns the middle point of a named street, in the demo's datum.
func onStreet(t *testing.T, d *streets.Data, name string) precinct.Point {
	t.Helper()
	for _, s := range d.Streets {
		if s.Name == name {
			return geo.ToDatum(s.Line[len(s.Line)/2], precinct.WGS84, precinct.GCJ02)
		}
	}
	t.Fatalf("no street %s", name)
	return precinct.Point{}
}

// TestStreetTilesAPI: the server draws the imported streets as vector tiles
// for signed-in users only.
func TestStreetTilesAPI(t *testing.T) {
	m, d := startWithStreets(t, "guixi.osm.gz")
	base := m.HTTP.URL()
	p := onStreet(t, d, "贵溪大道")
	tl := maptile.At(orb.Point{p.Lon, p.Lat}, 16)
	path := fmt.Sprintf("/api/v1/tiles/16/%d/%d.mvt", tl.X, tl.Y)
	anon := &client{t: t, base: base}
	if code, _ := anon.raw("GET", path, nil, nil); code != 401 {
		t.Errorf("a tile without a token: %d, want 401", code)
	}
	disp := login(t, base, "dispatcher", testDemoPassword)
	code, raw := disp.raw("GET", path, nil, nil)
	if code != 200 {
		t.Fatalf("tile: %d %s", code, raw)
	}
	ls, err := mvt.Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range ls {
		for _, f := range l.Features {
			if n, ok := f.Properties["name"].(string); ok {
				names = append(names, n)
			}
		}
	}
	if !slices.Contains(names, "贵溪大道") {
		t.Errorf("the tile names %v, want 贵溪大道", names)
	}
	for _, bad := range []string{"/api/v1/tiles/16/1/2.png", "/api/v1/tiles/3/9/1.mvt", "/api/v1/tiles/a/1/2.mvt"} {
		if code, _ := disp.raw("GET", bad, nil, nil); code != 400 {
			t.Errorf("GET %s: %d, want 400", bad, code)
		}
	}
	// Without road data the tiles are empty.
	plain := startMain(t, nil)
	code, raw = login(t, plain.HTTP.URL(), "dispatcher", testDemoPassword).raw("GET", path, nil, nil)
	if code != 200 || len(raw) != 0 {
		t.Errorf("without road data: %d, %d bytes", code, len(raw))
	}
}

// TestBrowserStreets: the console, the big screen and the officer app draw
// the imported streets with their names from the server's own tiles
// (problem 1, streets).
func TestBrowserStreets(t *testing.T) {
	b := newBrowser(t)
	m, d := startWithStreets(t, "guixi.osm.gz")
	base := m.HTTP.URL()
	p := onStreet(t, d, "贵溪大道")
	show := fmt.Sprintf(`(() => { const m = window.precinct.map; m.centerOn(%v, %v); m.k = 0.5; m.invalidate(); })()`, p.Lon, p.Lat)
	named := `window.precinct.map.streets.labels && window.precinct.map.streets.labels.includes('贵溪大道')`

	console := b.tab("console", 60*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", testDemoPassword), chromedp.Poll[chromedp.Void](`window.precinct.console.mapAt > 0`)); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		if err := chromedp.Do(console, setLangJS(lang), chromedp.Evaluate[chromedp.Void](show), chromedp.Poll[chromedp.Void](named), b.shot("60-console-streets-"+lang)); err != nil {
			t.Fatalf("%s console: streets not drawn: %v", lang, err)
		}
	}
	// Switched off, the streets go.
	if err := chromedp.Do(console, chromedp.Click(`input[data-layer=streets]`), chromedp.Evaluate[chromedp.Void](`window.precinct.map.streets.labels = []; window.precinct.map.baseKey = ''; window.precinct.map.invalidate()`),
		chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if evalBool(t, console, named) {
		t.Error("the streets layer switched off still names streets")
	}

	screen := b.tab("screen", 60*time.Second)
	if err := chromedp.Do(screen, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(base+"/screen"), signIn("dispatcher", testDemoPassword),
		chromedp.Evaluate[chromedp.Void](show), chromedp.Poll[chromedp.Void](named), b.shot("61-screen-streets")); err != nil {
		t.Fatalf("big screen: streets not drawn: %v", err)
	}

	admin := login(t, base, "admin", testAdminPassword)
	off := anyOfficer(officers(t, admin))
	app := b.tab("app", 60*time.Second)
	if err := chromedp.Do(app, phone(p.Lon, p.Lat), chromedp.Navigate(base+"/app"), signIn(off.user.Username, testDemoPassword),
		chromedp.Evaluate[chromedp.Void](show), chromedp.Poll[chromedp.Void](named), b.shot("62-app-streets")); err != nil {
		t.Fatalf("officer app: streets not drawn: %v", err)
	}
}

// TestBrowserAddressSearch: typing pinyin initials in the call-taking form
// lists the streets they spell; the one chosen is proposed on the map and
// becomes the incident's place only when confirmed (problem 1, address
// search). The API answers the same.
func TestBrowserAddressSearch(t *testing.T) {
	b := newBrowser(t)
	m, d := startWithStreets(t, "guixi.osm.gz")
	base := m.HTTP.URL()
	p := onStreet(t, d, "贵溪大道")
	disp := login(t, base, "dispatcher", testDemoPassword)
	var out struct {
		Items []struct {
			Name     string         `json:"name"`
			Kind     string         `json:"kind"`
			Location precinct.Point `json:"location"`
		} `json:"items"`
	}
	if code := disp.do("GET", "/api/v1/geocode?q=gxdd", nil, &out); code != 200 || len(out.Items) == 0 || out.Items[0].Name != "贵溪大道" || out.Items[0].Kind != "street" {
		t.Fatalf("geocode gxdd: %d %+v", code, out)
	}
	if got := out.Items[0].Location; precinct.DistanceM(got, p) > 3000 {
		t.Errorf("贵溪大道 proposed at %v, %.0f m from the street", got, precinct.DistanceM(got, p))
	}
	if code := disp.do("GET", "/api/v1/geocode?q=", nil, nil); code != 400 {
		t.Errorf("an empty query: %d, want 400", code)
	}

	console := b.tab("console", 60*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", testDemoPassword), chromedp.Focus(`#queue-list`), chromedp.KeyEvent("n"),
		chromedp.WaitVisible(`#intake input[name=address]`), chromedp.SendKeys(`#intake input[name=address]`, "gxdd"),
		chromedp.WaitVisible(`#geocode-list li[data-index]`)); err != nil {
		t.Fatalf("type gxdd: %v", err)
	}
	if first := evalString(t, console, `document.querySelector('#geocode-list li[data-index] .name').textContent`); first != "贵溪大道" {
		t.Errorf("first candidate %q", first)
	}
	if err := chromedp.Do(console, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`#proposal`), b.shot("63-console-address-proposed")); err != nil {
		t.Fatal(err)
	}
	if lon := evalString(t, console, `document.querySelector('#intake input[name=lon]').value`); lon != "" {
		t.Errorf("the place was taken before it was confirmed: lon %q", lon)
	}
	if err := chromedp.Do(console, setLangJS("en")); err != nil {
		t.Fatal(err)
	}
	// The proposal's words follow the language on the next search.
	if err := chromedp.Do(console, clickStable(`#proposal-ok`), chromedp.WaitNotVisible(`#proposal`)); err != nil {
		t.Fatal(err)
	}
	got := evalString(t, console, `[document.querySelector('#intake input[name=lon]').value, document.querySelector('#intake input[name=lat]').value, document.querySelector('#intake input[name=address]').value].join('|')`)
	if want := fmt.Sprintf("%.6f|%.6f|贵溪大道", out.Items[0].Location.Lon, out.Items[0].Location.Lat); got != want {
		t.Errorf("after confirming: %q, want %q", got, want)
	}
	if err := chromedp.Do(console, chromedp.Evaluate[chromedp.Void](`document.querySelector('#intake input[name=address]').value = ''`), chromedp.SendKeys(`#intake input[name=address]`, "贵溪"),
		chromedp.WaitVisible(`#geocode-list li[data-index]`)); err != nil {
		t.Fatal(err)
	}
	if kind := evalString(t, console, `document.querySelector('#geocode-list li[data-index] .kind').textContent`); kind != "street" && kind != "place" {
		t.Errorf("English kind %q", kind)
	}
}
