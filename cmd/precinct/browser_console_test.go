package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"precinct"
)

// The console as a dispatcher's tool: the call being taken survives Esc,
// another incident and a reload; the queue dates old incidents, counts the
// wait, marks overdue ones by priority, rings on a new call and filters;
// the map zooms to the incident and starts on the user's own area; risky
// single keys ask first or act once; per-station statistics work for the
// sub-bureau; the heat layer follows the period and keeps its contrast.

// evalString evaluates a JavaScript expression that yields a string.
func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// evalBool evaluates a JavaScript expression that yields a boolean.
func evalBool(t *testing.T, ctx context.Context, js string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// setLangJS switches a page's language the way its button does.
func setLangJS(l string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(async () => { const m = await import('/static/i18n.js'); m.setLang(%q); })()`, l), chromedp.EvalAwaitPromise)
}

// intakeAt registers an incident through the API and returns it.
func intakeAt(t *testing.T, c *client, p precinct.Point, category string, place precinct.PlaceType, priority int, address string) *precinct.Incident {
	t.Helper()
	in := precinct.IncidentInput{Source: precinct.SourceCall110, Category: category, PlaceType: place, Point: p, Address: address,
		Priority: priority, Reporter: precinct.Reporter{Name: "张先生", Phone: "13700000000"}}
	var inc precinct.Incident
	code, raw := c.raw("POST", "/api/v1/incidents", in, nil)
	if code != 201 {
		t.Fatalf("intake: %d %s", code, raw)
	}
	if err := json.Unmarshal(raw, &inc); err != nil {
		t.Fatal(err)
	}
	return &inc
}

// TestBrowserCallDraft: a half-typed call survives Esc, opening another
// incident and a reload, and is gone once registered (problem 2).
func TestBrowserCallDraft(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	off := anyOfficer(officers(t, admin))
	other := intakeAt(t, admin, precinct.Point{Lon: off.unit.Position.Lon + 0.002, Lat: off.unit.Position.Lat}, "noise", precinct.PlaceStreet, 3, "草稿测试旁的警情")
	console := b.tab("console", 90*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"])); err != nil {
		t.Fatal(err)
	}
	value := func(name string) string {
		return evalString(t, console, fmt.Sprintf(`(document.querySelector('#intake [name=%s]') || {}).value || ''`, name))
	}
	at := precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat + 0.001}
	err := chromedp.Do(console,
		chromedp.Focus(`#queue-list`),
		chromedp.KeyEvent("n"),
		chromedp.WaitVisible(`#intake select[name=category]`),
		chromedp.SetValue(`#intake select[name=category]`, "dispute"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#intake select[name=category]').dispatchEvent(new Event('change', {bubbles: true}))`),
		chromedp.SendKeys(`#intake input[name=lon]`, fmt.Sprintf("%.6f", at.Lon)),
		chromedp.SendKeys(`#intake input[name=lat]`, fmt.Sprintf("%.6f", at.Lat)),
		chromedp.SendKeys(`#intake input[name=address]`, "新华大道 12 号"),
		chromedp.SendKeys(`#intake textarea[name=description]`, "邻居吵架，已动手"),
		chromedp.SendKeys(`#intake input[name=reporter_name]`, "刘女士"),
		// Esc while typing: the panel closes, the call does not vanish.
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(`#intake`),
		chromedp.WaitVisible(`#draft-badge`),
	)
	if err != nil {
		t.Fatalf("type a call and press Esc: %v", err)
	}
	if err := chromedp.Do(console, chromedp.Focus(`#queue-list`), chromedp.KeyEvent("n"), chromedp.WaitVisible(`#intake`)); err != nil {
		t.Fatal(err)
	}
	if got := value("address"); got != "新华大道 12 号" {
		t.Fatalf("after Esc and N the address is %q, want the draft's", got)
	}
	if got := value("description"); got != "邻居吵架，已动手" {
		t.Errorf("after Esc the description is %q", got)
	}
	if got := value("priority"); got != "3" {
		t.Errorf("a dispute suggests priority 3, the form has %q", got)
	}
	// Another incident opened from the queue, then back to the call.
	if err := chromedp.Do(console, clickStable(fmt.Sprintf(`#queue-list li[data-incident-id=%q]`, other.ID)), chromedp.WaitVisible(`#incident-status`),
		chromedp.Focus(`#queue-list`), chromedp.KeyEvent("n"), chromedp.WaitVisible(`#intake`)); err != nil {
		t.Fatal(err)
	}
	if got := value("reporter_name"); got != "刘女士" {
		t.Errorf("after opening another incident the reporter is %q", got)
	}
	// A reload brings the call back, open.
	if err := chromedp.Do(console, chromedp.Reload(), chromedp.WaitVisible(`body[data-ready=true]`), chromedp.WaitVisible(`#intake`)); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := value("lon"); got != fmt.Sprintf("%.6f", at.Lon) {
		t.Errorf("after a reload the longitude is %q", got)
	}
	if err := chromedp.Do(console, b.shot("20-console-draft-restored")); err != nil {
		t.Fatal(err)
	}
	// The English page says the same in English.
	if err := chromedp.Do(console, setLangJS("en")); err != nil {
		t.Fatal(err)
	}
	if badge := evalString(t, console, `document.querySelector('#intake-saved').textContent + '|' + document.querySelector('#draft-badge').textContent`); !strings.Contains(badge, "|draft") {
		t.Errorf("English draft words: %q", badge)
	}
	if err := chromedp.Do(console, setLangJS("zh")); err != nil {
		t.Fatal(err)
	}
	// Registered: the draft is gone.
	if err := chromedp.Do(console, clickStable(`#intake-submit`), chromedp.WaitVisible(`#incident-status[data-status=received]`)); err != nil {
		t.Fatalf("submit: %v", err)
	}
	if evalBool(t, console, `!!localStorage.getItem('precinct.draft.' + window.precinct.console.user.id)`) {
		t.Error("the draft is still kept after the call was registered")
	}
	if err := chromedp.Do(console, chromedp.Focus(`#queue-list`), chromedp.KeyEvent("n"), chromedp.WaitVisible(`#intake`)); err != nil {
		t.Fatal(err)
	}
	if got := value("address"); got != "" {
		t.Errorf("a new call starts with address %q, want empty", got)
	}
}

// TestBrowserQueueTimes: an incident from another year shows its date; open
// incidents count their wait and are marked overdue by priority; a call
// taken elsewhere rings (unless muted); the queue filters and searches
// (problems 4 and 5).
func TestBrowserQueueTimes(t *testing.T) {
	b := newBrowser(t)
	m := startMain(t, nil)
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	off := anyOfficer(officers(t, admin))
	p := precinct.Point{Lon: off.unit.Position.Lon + 0.002, Lat: off.unit.Position.Lat + 0.001}
	fresh := intakeAt(t, admin, p, "noise", precinct.PlaceStreet, 4, "新鲜路 1 号")
	// An incident received more than a year ago and never dispatched.
	old := *fresh
	old.ID = precinct.NewID("inc", time.Now().AddDate(-1, 0, -3))
	old.ReceivedAt = time.Now().AddDate(-1, 0, -3)
	old.UpdatedAt, old.Address, old.Priority, old.Version = old.ReceivedAt, "旧警情路 9 号", 1, 1
	if err := m.Store.ImportIncidents(context.Background(), []precinct.PastIncident{{Incident: &old}}, nil); err != nil {
		t.Fatal(err)
	}

	console := b.tab("console", 90*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", testDemoPassword),
		chromedp.WaitVisible(fmt.Sprintf(`#queue-list li[data-incident-id=%q]`, old.ID)), chromedp.WaitVisible(`#conn[data-state=live]`)); err != nil {
		t.Fatal(err)
	}
	row := func(id, sel string) string {
		return evalString(t, console, fmt.Sprintf(`(document.querySelector('#queue-list li[data-incident-id=%q] %s') || {}).textContent || ''`, id, sel))
	}
	want := old.ReceivedAt.Local().Format("2006-01-02 15:04")
	if got := row(old.ID, "time"); got != want {
		t.Errorf("the old incident's time shows %q, want its date %q", got, want)
	}
	if got := row(fresh.ID, "time"); strings.Contains(got, "-") || len(got) != 8 {
		t.Errorf("today's incident shows %q, want the time alone", got)
	}
	if got := row(fresh.ID, ".elapsed"); !strings.HasPrefix(got, "待派") {
		t.Errorf("today's incident's wait %q", got)
	}
	if !evalBool(t, console, fmt.Sprintf(`document.querySelector('#queue-list li[data-incident-id=%q]').matches('.overdue.od-p1')`, old.ID)) {
		t.Error("a priority-1 call waiting a year is not marked overdue")
	}
	if evalBool(t, console, fmt.Sprintf(`document.querySelector('#queue-list li[data-incident-id=%q]').matches('.overdue')`, fresh.ID)) {
		t.Error("a priority-4 call a moment old is marked overdue")
	}
	// The wait counts on its own.
	first := row(fresh.ID, ".elapsed")
	if err := chromedp.Do(console, chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector('#queue-list li[data-incident-id=%q] .elapsed').textContent !== %q`, fresh.ID, first))); err != nil {
		t.Errorf("the waiting time does not advance: %v", err)
	}

	// A call taken by someone else rings once.
	second := intakeAt(t, admin, precinct.Point{Lon: p.Lon + 0.001, Lat: p.Lat}, "fight", precinct.PlaceStreet, 1, "响铃路 2 号")
	if err := chromedp.Do(console, chromedp.WaitVisible(fmt.Sprintf(`#queue-list li[data-incident-id=%q]`, second.ID)),
		chromedp.Poll[chromedp.Void](`window.precinct.console.alert.played === 1`)); err != nil {
		t.Errorf("no alert for a new call: %v", err)
	}
	if err := chromedp.Do(console, clickStable(`#btn-mute`), chromedp.WaitVisible(`#btn-mute[aria-pressed=true]`)); err != nil {
		t.Fatal(err)
	}
	third := intakeAt(t, admin, precinct.Point{Lon: p.Lon, Lat: p.Lat + 0.001}, "help", precinct.PlaceStreet, 2, "静音路 3 号")
	if err := chromedp.Do(console, chromedp.WaitVisible(fmt.Sprintf(`#queue-list li[data-incident-id=%q]`, third.ID)),
		chromedp.Poll[chromedp.Void](`window.precinct.console.alert.silenced === 1`)); err != nil {
		t.Errorf("muted: %v", err)
	}
	if n := evalString(t, console, `String(window.precinct.console.alert.played)`); n != "1" {
		t.Errorf("muted, the alert still sounded (%s in all)", n)
	}

	// Search and filters.
	count := func() string {
		return evalString(t, console, `String(document.querySelectorAll('#queue-list li[data-incident-id]').length)`)
	}
	if err := chromedp.Do(console, chromedp.SendKeys(`#queue-search`, "响铃路"), chromedp.Poll[chromedp.Void](`document.querySelectorAll('#queue-list li[data-incident-id]').length === 1`)); err != nil {
		t.Errorf("search for an address leaves %s rows: %v", count(), err)
	}
	if got := evalString(t, console, `document.querySelector('#queue-list li[data-incident-id]').dataset.incidentId`); got != second.ID {
		t.Errorf("search found %s, want %s", got, second.ID)
	}
	if err := chromedp.Do(console, chromedp.KeyEvent(kb.Escape), chromedp.SetValue(`#queue-prio`, "1"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#queue-prio').dispatchEvent(new Event('change'))`),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('#queue-list li[data-incident-id]')].every(li => li.dataset.priority === '1') && document.querySelectorAll('#queue-list li[data-incident-id]').length === 2`)); err != nil {
		t.Errorf("priority filter leaves %s rows: %v", count(), err)
	}
	if err := chromedp.Do(console, b.shot("21-console-queue")); err != nil {
		t.Fatal(err)
	}
	// In English the wait and the filter say so in English.
	if err := chromedp.Do(console, setLangJS("en")); err != nil {
		t.Fatal(err)
	}
	if got := row(old.ID, ".elapsed"); !strings.HasPrefix(got, "waiting ") {
		t.Errorf("English wait %q", got)
	}
	if got := evalString(t, console, `document.querySelector('#queue-prio option').textContent`); got != "All priorities" {
		t.Errorf("English filter %q", got)
	}
}

// TestBrowserMapZoom: opening an incident zooms the map to street level on
// it; a station's dispatcher starts on their own station (problem 6).
func TestBrowserMapZoom(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	off := anyOfficer(officers(t, admin))
	inc := intakeAt(t, admin, precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat}, "noise", precinct.PlaceStreet, 3, "地图路 5 号")
	console := b.tab("console", 60*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"]), chromedp.Poll[chromedp.Void](`window.precinct.console.mapAt > 0`)); err != nil {
		t.Fatal(err)
	}
	district := evalString(t, console, `String(window.precinct.map.k)`)
	if err := chromedp.Do(console, clickStable(fmt.Sprintf(`#queue-list li[data-incident-id=%q]`, inc.ID)), chromedp.WaitVisible(`#incident-status`)); err != nil {
		t.Fatal(err)
	}
	if !evalBool(t, console, fmt.Sprintf(`(() => { const m = window.precinct.map; const [x, y] = m.project(%v, %v);
		return m.k >= 0.5 && Math.abs(m.cx - x) < 1e-6 && Math.abs(m.cy - y) < 1e-6; })()`, inc.Point.Lon, inc.Point.Lat)) {
		t.Errorf("opening an incident left the map at scale %s (district %s), want street level on it", evalString(t, console, `String(window.precinct.map.k)`), district)
	}
	if err := chromedp.Do(console, b.shot("22-console-zoomed-to-incident")); err != nil {
		t.Fatal(err)
	}

	// A station's command office starts on its own station.
	u := userWith(t, admin, func(u *precinct.User) bool {
		return u.Role == precinct.RoleCommand && u.Scope.StationID != "" && u.Scope.PoliceGridID == ""
	})
	station := b.tab("station", 60*time.Second)
	if err := chromedp.Do(station, chromedp.Navigate(base+"/"), signIn(u.Username, pw["demo"]), chromedp.Poll[chromedp.Void](`window.precinct.console.mapAt > 0`)); err != nil {
		t.Fatal(err)
	}
	own := fmt.Sprintf(`(() => { const m = window.precinct.map; const p = m.layers.get('stations').paths.find(p => p.id === %q);
		if (!p) return 'no station path';
		const b = p.bbox, v = m.view(0);
		const inside = m.cx >= b[0] && m.cx <= b[2] && m.cy >= b[1] && m.cy <= b[3];
		const fits = Math.max(b[2] - b[0], b[3] - b[1]) * m.k > 0.6 * Math.min(m.w, m.h);
		return inside && fits && m.k > %s ? 'ok' : 'centre ' + inside + ' fits ' + fits + ' k ' + m.k; })()`, u.Scope.StationID, district)
	if got := evalString(t, station, own); got != "ok" {
		t.Errorf("the station dispatcher's map does not start on their station: %s", got)
	}
}

// TestBrowserRiskyKeys: D asks before it sends the first recommendation;
// P pushes once however often it is pressed (problem 10).
func TestBrowserRiskyKeys(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	off := anyOfficer(officers(t, admin))
	near := precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat + 0.001}
	inc := intakeAt(t, admin, near, "noise", precinct.PlaceStreet, 3, "按键路 1 号")
	console := b.tab("console", 90*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"]),
		clickStable(fmt.Sprintf(`#queue-list li[data-incident-id=%q]`, inc.ID)), chromedp.WaitVisible(`#recs .rec`),
		chromedp.Focus(`#queue-list`), chromedp.KeyEvent("d"), chromedp.WaitVisible(`dialog#ask[open] #confirm-dispatch`), b.shot("23-console-confirm-dispatch")); err != nil {
		t.Fatalf("D: %v", err)
	}
	var now precinct.Incident
	if admin.do("GET", "/api/v1/incidents/"+inc.ID, nil, &now); now.Status != precinct.IncidentReceived {
		t.Fatalf("D dispatched before it was confirmed: %s", now.Status)
	}
	if err := chromedp.Do(console, chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(`dialog#ask`)); err != nil {
		t.Fatal(err)
	}
	if admin.do("GET", "/api/v1/incidents/"+inc.ID, nil, &now); now.Status != precinct.IncidentReceived {
		t.Fatalf("D cancelled still dispatched: %s", now.Status)
	}
	// The question is asked in the page's language, the unit by its name.
	for _, lang := range []string{"zh", "en"} {
		if err := chromedp.Do(console, setLangJS(lang), chromedp.Focus(`#queue-list`), chromedp.KeyEvent("d"), chromedp.WaitVisible(`dialog#ask[open] #confirm-dispatch`)); err != nil {
			t.Fatalf("%s: D: %v", lang, err)
		}
		want := map[string]string{"zh": "出警", "en": "Send"}[lang]
		if got := evalString(t, console, `document.querySelector('#confirm-dispatch').textContent`); !strings.Contains(got, want) {
			t.Errorf("%s: D asks %q", lang, got)
		}
		wordsOK(t, console, lang+" D's question")
		if err := chromedp.Do(console, chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(`dialog#ask`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(console, chromedp.Focus(`#queue-list`), chromedp.KeyEvent("d"), chromedp.WaitVisible(`dialog#ask[open] #confirm-dispatch`),
		chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(`#incident-status[data-status=dispatched]`)); err != nil {
		t.Fatalf("D confirmed: %v", err)
	}

	// P pressed three times in a row pushes once.
	other := intakeAt(t, admin, precinct.Point{Lon: near.Lon + 0.001, Lat: near.Lat}, "theft", precinct.PlaceStreet, 3, "按键路 2 号")
	if err := chromedp.Do(console, clickStable(fmt.Sprintf(`#queue-list li[data-incident-id=%q]`, other.ID)), chromedp.WaitVisible(`#recs .rec, #recs .muted`),
		chromedp.Poll[chromedp.Void](`window.precinct.console.timeline !== null`),
		chromedp.Focus(`#queue-list`), chromedp.KeyEvent("p"), chromedp.KeyEvent("p"), chromedp.KeyEvent("p"),
		chromedp.Poll[chromedp.Void](`!!document.querySelector('#timeline li[data-type="incident.pushed"]')`),
		chromedp.Focus(`#queue-list`), chromedp.KeyEvent("p"), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatalf("P: %v", err)
	}
	if n := timelineTypes(t, admin, other.ID)["incident.pushed"]; n != 1 {
		t.Errorf("P pressed four times pushed %d times, want once", n)
	}
	if !evalBool(t, console, `document.querySelector('#act-push').disabled`) {
		t.Error("the push button is still enabled after the push")
	}
	// The server refuses a second push too, whoever sends it.
	if code, raw := admin.raw("POST", "/api/v1/incidents/"+other.ID+"/push", nil, nil); code != 409 {
		t.Errorf("a second push: %d %s, want 409", code, raw)
	}
}

// TestBrowserStationStatistics: the sub-bureau dispatcher picks any police
// station in the statistics and reads its figures (problem 7: the list held
// only the service station, which the server does not know as a station).
func TestBrowserStationStatistics(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	stations := listAll[*precinct.Station](admin, "/api/v1/stations")
	console := b.tab("console", 60*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"]), chromedp.Focus(`#queue-list`), chromedp.KeyEvent("s"),
		chromedp.WaitVisible(`#stats-table`)); err != nil {
		t.Fatal(err)
	}
	opts, err := chromedp.Run(console, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#stats select[name=station] option')].map(o => o.value).filter(Boolean)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(opts) != len(stations) {
		t.Fatalf("the station list has %d entries (%v), want the %d police stations", len(opts), opts, len(stations))
	}
	for _, lang := range []string{"zh", "en"} {
		for _, id := range []string{opts[0], opts[len(opts)-1]} {
			if err := chromedp.Do(console, setLangJS(lang), chromedp.Evaluate[chromedp.Void](`window.precinct.console.openStats()`), chromedp.WaitVisible(`#stats-table`),
				chromedp.SetValue(`#stats select[name=station]`, id),
				chromedp.Evaluate[chromedp.Void](`document.querySelector('#stats').dispatchEvent(new Event('change'))`),
				chromedp.Poll[chromedp.Void](`!document.querySelector('#stats-out').hasAttribute('aria-busy')`)); err != nil {
				t.Fatal(err)
			}
			if e := evalString(t, console, `(document.querySelector('#stats-out .error') || {}).textContent || ''`); e != "" {
				t.Errorf("%s: statistics of %s: %s", lang, id, e)
			}
			if !evalBool(t, console, `!!document.querySelector('#stats-table tr[data-metric="stats.total"]')`) {
				t.Errorf("%s: no figures for %s", lang, id)
			}
		}
	}
}

// TestBrowserHeatLayer: the heat layer shows the period the statistics
// show, and its busiest cell in view stays red when zoomed in (problem 14).
func TestBrowserHeatLayer(t *testing.T) {
	b := newBrowser(t)
	m := startMain(t, func(c *Config) { c.DemoHistoryDays = 2 })
	console := b.tab("console", 90*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(m.HTTP.URL()+"/"), signIn("dispatcher", testDemoPassword),
		chromedp.Poll[chromedp.Void](`window.precinct.console.mapAt > 0`),
		chromedp.Click(`input[data-layer=heat]`), chromedp.Poll[chromedp.Void](`window.precinct.map.heatPoints.length > 0`)); err != nil {
		t.Fatal(err)
	}
	month := evalString(t, console, `String(window.precinct.map.heatPoints.reduce((s, p) => s + p[2], 0))`)
	// Today's statistics: the heat holds today's incidents alone.
	if err := chromedp.Do(console, chromedp.Focus(`#queue-list`), chromedp.KeyEvent("s"), chromedp.WaitVisible(`#stats-table`),
		chromedp.Poll[chromedp.Void](`window.precinct.console.heat.period && window.precinct.map.heatCellDeg > 0`), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	total := func() string {
		return evalString(t, console, `String(window.precinct.map.heatPoints.reduce((s, p) => s + p[2], 0))`)
	}
	cell := func() string {
		return evalString(t, console, `(document.querySelector('#stats-table tr[data-metric="stats.total"] td') || {}).textContent || ''`)
	}
	if err := chromedp.Do(console, chromedp.Poll[chromedp.Void](`String(window.precinct.map.heatPoints.reduce((s, p) => s + p[2], 0)) === (document.querySelector('#stats-table tr[data-metric="stats.total"] td') || {}).textContent`)); err != nil {
		t.Errorf("heat of today holds %s incidents, the statistics %s (30 days: %s): %v", total(), cell(), month, err)
	}
	label := evalString(t, console, `document.querySelector('input[data-layer=heat] + span').textContent`)
	if !strings.Contains(label, "今日") {
		t.Errorf("the heat layer's label %q does not name the period", label)
	}
	if err := chromedp.Do(console, chromedp.SetValue(`#stats select[name=period]`, "week"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#stats').dispatchEvent(new Event('change'))`),
		chromedp.Poll[chromedp.Void](`document.querySelector('input[data-layer=heat] + span').textContent.includes('7')`),
		chromedp.Poll[chromedp.Void](`String(window.precinct.map.heatPoints.reduce((s, p) => s + p[2], 0)) === (document.querySelector('#stats-table tr[data-metric="stats.total"] td') || {}).textContent`)); err != nil {
		t.Errorf("heat of the week holds %s, the statistics %s: %v", total(), cell(), err)
	}
	// The label names the period in the page's language.
	if err := chromedp.Do(console, setLangJS("en"), chromedp.Poll[chromedp.Void](`document.querySelector('input[data-layer=heat] + span').textContent === 'Incident heat (Last 7 days)'`)); err != nil {
		t.Errorf("English heat label %q: %v", evalString(t, console, `document.querySelector('input[data-layer=heat] + span').textContent`), err)
	}
	if err := chromedp.Do(console, setLangJS("zh")); err != nil {
		t.Fatal(err)
	}
	// Contrast at two zooms: some red where incidents concentrate, not red everywhere.
	red := `(() => { const m = window.precinct.map; m.heatKey = ''; m.dirty = true; m.draw();
		const c = m.heatCanvas, d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let any = 0, hot = 0;
		for (let i = 0; i < d.length; i += 4) { if (d[i+3] < 40) continue; any++; if (d[i] > 190 && d[i+1] < 90) hot++; }
		return JSON.stringify({any, hot}); })()`
	var district, street struct{ Any, Hot int }
	if err := json.Unmarshal([]byte(evalString(t, console, red)), &district); err != nil {
		t.Fatal(err)
	}
	// Zoom to street level on the busiest cell, with its finer cells.
	if err := chromedp.Do(console, chromedp.Evaluate[chromedp.Void](`(() => { const m = window.precinct.map; const p = m.heatPoints.reduce((a, b) => b[2] > a[2] ? b : a);
		m.cx = p[0]; m.cy = p[1]; m.k = 1; m.invalidate(); })()`),
		chromedp.Poll[chromedp.Void](`window.precinct.map.heatCellDeg === 0.001`), chromedp.Sleep(300*time.Millisecond)); err != nil {
		t.Fatalf("zoom in: %v", err)
	}
	if err := json.Unmarshal([]byte(evalString(t, console, red)), &street); err != nil {
		t.Fatal(err)
	}
	t.Logf("heat pixels district %+v, street %+v", district, street)
	if district.Hot == 0 || street.Hot == 0 {
		t.Errorf("no red where incidents concentrate: district %+v, street %+v", district, street)
	}
	if district.Hot*2 > district.Any {
		t.Errorf("the district heat is red almost everywhere: %+v", district)
	}
	if err := chromedp.Do(console, b.shot("24-console-heat-street")); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserStatusOnBehalf: the dispatcher records 在途, 到达现场 and
// 处置完毕 that a crew reported by radio, and closes the incident from the
// console; the timeline names the dispatcher (problem 3, in part).
func TestBrowserStatusOnBehalf(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	disp := login(t, base, "dispatcher", pw["demo"])
	off := anyOfficer(officers(t, admin))
	inc := intakeAt(t, disp, precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat}, "noise", precinct.PlaceStreet, 3, "电台路 1 号")
	if code, raw := disp.raw("POST", "/api/v1/incidents/"+inc.ID+"/dispatch", map[string]any{"units": []string{off.unit.ID}}, nil); code != 200 {
		t.Fatalf("dispatch: %d %s", code, raw)
	}
	console := b.tab("console", 90*time.Second)
	unit := fmt.Sprintf(`#incident-units li[data-unit-id=%q] `, off.unit.ID)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"]),
		clickStable(fmt.Sprintf(`#queue-list li[data-incident-id=%q]`, inc.ID)), chromedp.WaitEnabled(unit+`button[data-behalf=en-route]`),
		clickStable(unit+`button[data-behalf=en-route]`), chromedp.WaitVisible(`#incident-status[data-status=en_route]`),
		chromedp.WaitEnabled(unit+`button[data-behalf=arrive]`), clickStable(unit+`button[data-behalf=arrive]`), chromedp.WaitVisible(`#incident-status[data-status=on_scene]`),
		chromedp.WaitEnabled(unit+`button[data-behalf=resolve]`), b.shot("25-console-status-on-behalf")); err != nil {
		t.Fatalf("status on behalf: %v", err)
	}
	if err := chromedp.Do(console, setLangJS("en")); err != nil {
		t.Fatal(err)
	}
	if got := evalString(t, console, `document.querySelector('#incident-units small').textContent`); !strings.Contains(got, "radio") {
		t.Errorf("English note %q", got)
	}
	if err := chromedp.Do(console, setLangJS("zh"),
		clickStable(unit+`button[data-behalf=resolve]`), chromedp.WaitVisible(`#incident-status[data-status=resolved]`),
		chromedp.WaitEnabled(`#act-close`), clickStable(`#act-close`), chromedp.WaitVisible(`dialog#ask[open] #ask-close select[name=disposition]`), chromedp.Poll[chromedp.Void](`document.querySelectorAll('#ask-close select[name=disposition] option').length > 0`),
		clickStable(`dialog#ask button[value=ok]`), chromedp.WaitVisible(`#incident-status[data-status=closed]`)); err != nil {
		t.Fatalf("status on behalf: %v", err)
	}
	var tl struct {
		Items []*precinct.Event `json:"items"`
	}
	if code := admin.do("GET", "/api/v1/incidents/"+inc.ID+"/timeline", nil, &tl); code != 200 {
		t.Fatal(code)
	}
	seen := map[string]string{}
	for _, e := range tl.Items {
		seen[e.Type] = e.Actor
	}
	for _, typ := range []string{"incident.en_route", "incident.arrived", "incident.resolved", "incident.closed"} {
		if seen[typ] != "user-dispatcher" {
			t.Errorf("%s recorded by %q, want the dispatcher (all: %v)", typ, seen[typ], seen)
		}
	}
}
