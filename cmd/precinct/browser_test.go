package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"precinct"
)

// The browser tests drive Debian's chromium through the Chrome DevTools
// Protocol against the real server with its demo jurisdiction. They skip when
// chromium is missing, except under CI=true, where they fail.

// chromiumPath returns the chromium binary, or skips (fails in CI) without one.
func chromiumPath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("PRECINCT_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium)")
	}
	t.Skip("chromium is not installed; skipping the browser test")
	return ""
}

// browserSession is one headless chromium for a test, with the page errors it
// saw and where its screenshots go.
type browserSession struct {
	t    testing.TB
	root context.Context // the browser's first tab; other tabs open beside it
	dir  string

	mu     sync.Mutex
	errors []string
}

// newBrowser starts a headless chromium with a fresh profile, closed when the
// test ends.
func newBrowser(t testing.TB) *browserSession {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	root, cancelRoot := chromedp.NewContext(alloc)
	t.Cleanup(cancelRoot)
	// The first action on a context starts the browser, which lives as long
	// as that context: so it runs on root itself, not on one with a deadline.
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	dir := os.Getenv("PRECINCT_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &browserSession{t: t, root: root, dir: dir}
}

// tab opens a new tab of the browser, with a deadline, in a browser context
// of its own: like a separate device, it shares no storage with other tabs.
// Uncaught page exceptions are collected and fail the test at its end.
func (b *browserSession) tab(name string, timeout time.Duration) context.Context {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, timeout)
	b.t.Cleanup(cancel2)
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() {
				b.mu.Lock()
				b.errors = append(b.errors, fmt.Sprintf("%s: %s", name, m.String()))
				b.mu.Unlock()
			}
			if m.Type == chromedp.ConsoleType("error") || m.IsException() {
				b.t.Logf("%s console: %s", name, m.String())
			}
		}
	}()
	b.t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errors {
			b.t.Errorf("page exception: %s", e)
		}
		b.errors = nil
	})
	return ctx
}

// shot saves a full-page PNG screenshot named name.png.
func (b *browserSession) shot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", name, err)
		}
		p := filepath.Join(b.dir, name+".png")
		b.t.Logf("screenshot %s", p)
		return os.WriteFile(p, png, 0o644)
	})
}

// signIn fills the sign-in form of a page and waits until the page is ready.
// clickStable clicks the element matching sel like chromedp.Click, trying
// again when live updates re-render the node between finding and clicking it
// (the DevTools protocol then answers "Could not find node", code -32000).
func clickStable(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		deadline := time.Now().Add(10 * time.Second)
		for {
			v, err := chromedp.Click(sel, chromedp.NodeVisible)(ctx, t)
			if err == nil || time.Now().After(deadline) || !strings.Contains(err.Error(), "-32000") {
				return v, err
			}
			select {
			case <-ctx.Done():
				return v, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

func signIn(username, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(`#login input[name=username]`),
		chromedp.SendKeys(`#login input[name=username]`, username),
		chromedp.SendKeys(`#login input[name=password]`, password),
		chromedp.Click(`#login button[type=submit]`),
		chromedp.WaitVisible(`body[data-ready=true]`),
	)
}

// officer is a demo user who serves in a unit, with that unit.
type officer struct {
	user *precinct.User
	unit *precinct.Unit
}

// officers returns the demo users that serve in a unit, by unit ID.
func officers(t *testing.T, admin *client) map[string]officer {
	t.Helper()
	out := map[string]officer{}
	for _, u := range listAll[*precinct.User](admin, "/api/v1/users") {
		if u.UnitID == "" || u.Disabled {
			continue
		}
		var unit precinct.Unit
		if code := admin.do("GET", "/api/v1/units/"+u.UnitID, nil, &unit); code != 200 {
			continue
		}
		if unit.Position.IsZero() || unit.Status != precinct.UnitAvailable {
			continue
		}
		out[u.UnitID] = officer{user: u, unit: &unit}
	}
	if len(out) == 0 {
		t.Fatal("the demo has no available unit with an officer user")
	}
	return out
}

// anyOfficer returns one officer, preferring service-station patrols, whom
// the rules send to street incidents, then the lowest unit ID.
func anyOfficer(offs map[string]officer) officer {
	var best officer
	rank := func(o officer) int {
		if o.user.Role == precinct.RolePatrol {
			return 0
		}
		return 1
	}
	for _, o := range offs {
		if best.unit == nil || rank(o) < rank(best) || (rank(o) == rank(best) && o.unit.ID < best.unit.ID) {
			best = o
		}
	}
	return best
}

// timelineTypes returns how many events of each type an incident's timeline has.
func timelineTypes(t *testing.T, c *client, id string) map[string]int {
	t.Helper()
	var tl struct {
		Items []*precinct.Event `json:"items"`
	}
	if code := c.do("GET", "/api/v1/incidents/"+id+"/timeline", nil, &tl); code != 200 {
		t.Fatalf("timeline: status %d", code)
	}
	n := map[string]int{}
	for _, e := range tl.Items {
		n[e.Type]++
	}
	return n
}

// phone sets a phone-sized viewport and lets the page read a position.
func phone(lon, lat float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch)); err != nil {
			return err
		}
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission:       &browser.PermissionDescriptor{Name: "geolocation"},
			Setting:          browser.PermissionSettingGranted,
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
		}); err != nil {
			return fmt.Errorf("grant geolocation: %w", err)
		}
		acc := 10.0
		_, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc})
		return err
	})
}

func TestBrowserDispatchToResolution(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	off := anyOfficer(officers(t, admin))
	at := precinct.Point{Lon: off.unit.Position.Lon + 0.0015, Lat: off.unit.Position.Lat + 0.001}
	// Units posted with the officer's (a service station has several) are
	// busy with other work, so that the officer's unit is the nearest free
	// one and "D" dispatches it as the first recommendation.
	for _, u := range listAll[*precinct.Unit](admin, "/api/v1/units") {
		if u.ID != off.unit.ID && u.Status == precinct.UnitAvailable && precinct.DistanceM(u.Position, off.unit.Position) < 3000 {
			if code, raw := admin.raw("POST", "/api/v1/units/"+u.ID+"/status", map[string]string{"status": "busy"}, nil); code != 200 {
				t.Fatalf("set %s busy: %d %s", u.ID, code, raw)
			}
		}
	}

	// The dispatcher takes a call at the desk.
	console := b.tab("console", 90*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"])); err != nil {
		t.Fatalf("console sign-in: %v", err)
	}
	// Reloaded with the token kept, the console is usable again and draws
	// its map (how fast: BenchmarkBrowserConsoleReady).
	if err := chromedp.Do(console, chromedp.Reload(), chromedp.WaitVisible(`body[data-ready=true]`),
		chromedp.Poll[chromedp.Void](`window.precinct.console.readyAt > 0 && window.precinct.console.mapAt > 0`)); err != nil {
		t.Fatalf("console reload: %v", err)
	}

	// The shortcuts are on screen, and in a dialog under "?"; the language
	// switches to English and back.
	lang, err := chromedp.Run(console, chromedp.Evaluate[string](`(async () => {
		document.querySelector('#btn-lang').click();
		const en = document.documentElement.lang + ' ' + document.querySelector('#topbar h1').textContent.trim();
		document.querySelector('#btn-lang').click();
		return en + ' / ' + document.documentElement.lang + ' ' + document.querySelector('#topbar h1').textContent.trim();
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(lang, "en 警 Command office") || !strings.Contains(lang, "zh-CN 警 综合指挥室") {
		t.Errorf("language switch: %q %v", lang, err)
	}
	if err := chromedp.Do(console,
		chromedp.WaitVisible(`#shortcuts kbd`),
		chromedp.Focus(`#queue-list`),
		chromedp.KeyEvent("?"),
		chromedp.WaitVisible(`dialog#help[open] #help-list dt`),
		b.shot("00-console-shortcuts"),
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotVisible(`dialog#help`),
	); err != nil {
		t.Fatalf("shortcuts: %v", err)
	}

	address := "测试路 88 号（浏览器测试）"
	err = chromedp.Do(console,
		chromedp.KeyEvent("n"),
		chromedp.WaitVisible(`#intake select[name=category]`),
		chromedp.SetValue(`#intake select[name=category]`, "noise"),
		chromedp.SetValue(`#intake select[name=place_type]`, "street"),
		chromedp.SendKeys(`#intake input[name=lon]`, fmt.Sprintf("%.6f", at.Lon)),
		chromedp.SendKeys(`#intake input[name=lat]`, fmt.Sprintf("%.6f", at.Lat)),
		chromedp.SendKeys(`#intake input[name=address]`, address),
		chromedp.SendKeys(`#intake textarea[name=description]`, "楼下商铺音响声音过大"),
		chromedp.SendKeys(`#intake input[name=reporter_name]`, "王先生"),
		chromedp.SendKeys(`#intake input[name=reporter_phone]`, "13800000000"),
		b.shot("01-console-intake"),
		clickStable(`#intake-submit`),
		chromedp.WaitVisible(`#queue-list li[data-status=received].open`),
		chromedp.WaitVisible(`#recs .rec`),
	)
	if err != nil {
		t.Fatalf("take the call: %v", err)
	}
	incID, err := chromedp.Run(console, chromedp.Evaluate[string](`window.precinct.console.openId`))
	if err != nil || incID == "" {
		t.Fatalf("open incident: %q %v", incID, err)
	}
	var inc precinct.Incident
	if code := admin.do("GET", "/api/v1/incidents/"+incID, nil, &inc); code != 200 || inc.Address != address || inc.Status != precinct.IncidentReceived {
		t.Fatalf("incident on the server: status %d %+v", code, inc)
	}
	cands, err := chromedp.Run(console, chromedp.Evaluate[[]string](`window.precinct.console.recs.candidates.map(c => c.unit.id)`))
	if err != nil || len(cands) == 0 {
		t.Fatalf("recommendations: %v %v", cands, err)
	}
	if err := chromedp.Do(console, b.shot("02-console-incident")); err != nil {
		t.Fatal(err)
	}

	// Dispatch the first recommendation with the keyboard. Where the first
	// unit has no officer account to carry on in the app, dispatch the first
	// that has one with its button instead.
	offs := officers(t, admin)
	chosen, first := cands[0], true
	if _, ok := offs[chosen]; !ok {
		first = false
		for _, id := range cands {
			if _, ok := offs[id]; ok {
				chosen = id
				break
			}
		}
	}
	o, ok := offs[chosen]
	if !ok {
		t.Fatalf("no recommended unit (%v) has an officer account", cands)
	}
	if first {
		// "D" asks before it sends: Enter confirms.
		err = chromedp.Do(console, chromedp.Focus(`#queue-list`), chromedp.KeyEvent("d"),
			chromedp.WaitVisible(`dialog#ask[open] #confirm-dispatch`), chromedp.KeyEvent(kb.Enter))
	} else {
		t.Logf("first recommendation %s has no officer account; dispatching %s", cands[0], chosen)
		err = chromedp.Do(console, clickStable(fmt.Sprintf(`#recs li[data-unit-id=%q] button[data-action=dispatch]`, chosen)))
	}
	if err == nil {
		err = chromedp.Do(console, chromedp.WaitVisible(`#incident-status[data-status=dispatched]`), b.shot("03-console-dispatched"))
	}
	if err != nil {
		t.Fatalf("dispatch: %v", err)
	}
	if code := admin.do("GET", "/api/v1/incidents/"+incID, nil, &inc); code != 200 || inc.Status != precinct.IncidentDispatched || !contains(inc.Units, chosen) {
		t.Fatalf("after dispatch: status %d %s units %v, want dispatched with %s", code, inc.Status, inc.Units, chosen)
	}

	// The officer of that unit, on a phone.
	app := b.tab("app", 60*time.Second)
	err = chromedp.Do(app,
		phone(o.unit.Position.Lon, o.unit.Position.Lat),
		chromedp.Navigate(base+"/app"),
		signIn(o.user.Username, pw["demo"]),
		clickStable(`#btn-checkin`),
		chromedp.WaitVisible(`#duty-state[data-state=on]`),
		chromedp.WaitVisible(fmt.Sprintf(`#task-status[data-incident-id=%q]`, incID)),
		chromedp.WaitEnabled(`#act-en-route`),
		chromedp.WaitVisible(`#queued[data-count="0"]`),
		b.shot("04-app-assigned"),
		clickStable(`#act-en-route`),
		chromedp.WaitEnabled(`#act-arrive`),
		clickStable(`#act-arrive`),
		chromedp.WaitEnabled(`#act-resolve`),
		clickStable(`#act-resolve`),
		chromedp.WaitVisible(fmt.Sprintf(`#tasks li[data-incident-id=%q] [data-status=resolved]`, incID)),
		chromedp.WaitVisible(`#queued[data-count="0"]`),
		b.shot("05-app-resolved"),
	)
	if err != nil {
		t.Fatalf("officer app: %v", err)
	}
	if code := admin.do("GET", "/api/v1/incidents/"+incID, nil, &inc); code != 200 || inc.Status != precinct.IncidentResolved {
		t.Fatalf("after the app: status %d %s, want resolved", code, inc.Status)
	}
	var cks struct {
		Items []*precinct.CheckIn `json:"items"`
	}
	admin.do("GET", "/api/v1/checkins?since="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), nil, &cks)
	found := false
	for _, c := range cks.Items {
		found = found || c.UserID == o.user.ID
	}
	if !found {
		t.Errorf("no check-in of %s on the server", o.user.Username)
	}

	// The dispatcher sees it resolved, live.
	if err := chromedp.Do(console,
		chromedp.WaitVisible(`#incident-status[data-status=resolved]`),
		chromedp.WaitVisible(fmt.Sprintf(`#queue-list li[data-incident-id=%q][data-status=resolved]`, incID)),
		b.shot("06-console-resolved"),
	); err != nil {
		t.Fatalf("console after resolution: %v", err)
	}

	// The command office closes it and records the callback (回访).
	if err := chromedp.Do(console,
		clickStable(`#act-close`),
		chromedp.WaitVisible(`dialog#ask[open] #ask-close select[name=disposition]`), chromedp.Poll[chromedp.Void](`document.querySelectorAll('#ask-close select[name=disposition] option').length > 0`),
		clickStable(`dialog#ask button[value=ok]`),
		chromedp.WaitVisible(`#incident-status[data-status=closed]`),
		clickStable(`#act-callback`),
		chromedp.WaitVisible(`dialog#ask[open] input[name=satisfaction]`),
		chromedp.SendKeys(`dialog#ask textarea[name=comment]`, "出警及时，满意"),
		clickStable(`dialog#ask button[value=ok]`),
		chromedp.WaitVisible(`#incident-status[data-status=callback_done]`),
		chromedp.WaitVisible(`#timeline li[data-type="incident.callback"]`),
	); err != nil {
		t.Fatalf("close and callback: %v", err)
	}
	if code := admin.do("GET", "/api/v1/incidents/"+incID, nil, &inc); code != 200 || inc.Status != precinct.IncidentCallbackDone || inc.Satisfaction != 5 {
		t.Errorf("after the callback: status %d %s satisfaction %d, want callback_done 5", code, inc.Status, inc.Satisfaction)
	}

	// The officer's track today, with the check-in, in the console.
	if err := chromedp.Do(console,
		chromedp.KeyEvent(kb.Escape),
		chromedp.KeyEvent("t"),
		chromedp.WaitVisible(`#traj select[name=unit]`),
		chromedp.SetValue(`#traj select[name=unit]`, chosen),
		clickStable(`#traj button[type=submit]`),
		chromedp.Poll[chromedp.Void](`document.querySelector('#traj-info').textContent.length > 0`),
		b.shot("07-console-trajectory"),
	); err != nil {
		t.Fatalf("trajectory: %v", err)
	}
	info, _ := chromedp.Run(console, chromedp.Evaluate[string](`document.querySelector('#traj-info').textContent`))
	t.Logf("trajectory of %s: %s", chosen, info)

	// The big screen, signed in as the dispatcher.
	screen := b.tab("screen", 60*time.Second)
	if err := chromedp.Do(screen,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(base+"/screen"),
		signIn("dispatcher", pw["demo"]),
		chromedp.WaitVisible(`.kpi[data-kpi="kpi.today"]`),
		chromedp.Sleep(time.Second),
		b.shot("08-screen"),
	); err != nil {
		t.Fatalf("big screen: %v", err)
	}
	today, err := chromedp.Run(screen, chromedp.Evaluate[string](`document.querySelector('.kpi[data-kpi="kpi.today"] .v').textContent`))
	if err != nil || today == "0" || today == "" {
		t.Errorf("big screen shows %q incidents today (%v), want at least 1", today, err)
	}
	yoy, err := chromedp.Run(screen, chromedp.Evaluate[string](`document.querySelector('.kpi[data-kpi="kpi.today"] .yoy').textContent`))
	if err != nil || !strings.HasPrefix(yoy, "同比") {
		t.Errorf("big screen's year-on-year line is %q (%v), want 同比 …", yoy, err)
	}
}

// TestBrowserStatistics: the dispatcher opens the statistics with "S" and
// reads the period's figures beside the same period a year before (the
// demo's two days of history give both), then picks another period.
func TestBrowserStatistics(t *testing.T) {
	b := newBrowser(t)
	m := startMain(t, func(c *Config) { c.DemoHistoryDays = 2 })
	console := b.tab("console", 60*time.Second)
	cell := func(metric string, col int) string {
		return fmt.Sprintf(`(document.querySelector('#stats-table tr[data-metric="%s"] td:nth-of-type(%d)') || {}).textContent || ''`, metric, col)
	}
	if err := chromedp.Do(console, chromedp.Navigate(m.HTTP.URL()+"/"), signIn("dispatcher", testDemoPassword),
		chromedp.WaitVisible(`#shortcuts kbd`), chromedp.Focus(`#queue-list`), chromedp.KeyEvent("s"),
		chromedp.WaitVisible(`#stats-table`), b.shot("09-console-statistics")); err != nil {
		t.Fatalf("open the statistics: %v", err)
	}
	read := func() (cur, prev, yoy string) {
		t.Helper()
		res, err := chromedp.Run(console, chromedp.Evaluate[[]string](`[`+cell("stats.total", 1)+`, `+cell("stats.total", 2)+`, `+cell("stats.total", 3)+`]`))
		if err != nil || len(res) != 3 {
			t.Fatalf("read the table: %v %v", res, err)
		}
		return res[0], res[1], res[2]
	}
	// Today, shown first, may have few incidents yet (just after midnight,
	// none). The last seven days hold the two days of history, and the same
	// days a year before.
	today, _, _ := read()
	if _, err := strconv.Atoi(today); err != nil {
		t.Errorf("today's incidents %q", today)
	}
	if err := chromedp.Do(console, chromedp.SetValue(`#stats select[name=period]`, "week"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#stats').dispatchEvent(new Event('change'))`),
		chromedp.Poll[chromedp.Void](`Number(`+cell("stats.total", 1)+`) > Math.max(60, `+today+`)`)); err != nil {
		t.Errorf("the last 7 days do not show two days of history and more than today (%s): %v", today, err)
	}
	if cur, prev, yoy := read(); !strings.ContainsAny(yoy, "+−±") {
		t.Errorf("this week %q, a year before %q, change %q", cur, prev, yoy)
	} else if n, err := strconv.Atoi(prev); err != nil || n < 60 {
		t.Errorf("a year before %q", prev)
	}
	if err := chromedp.Do(console, chromedp.WaitVisible(`.hours span`), chromedp.WaitVisible(`#stats-out .bars li`)); err != nil {
		t.Errorf("no hours or categories: %v", err)
	}
	// Hot spots are named by their grids, and a click shows one on the map.
	if err := chromedp.Do(console, chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('#stats-hotspots button')].some(b => !b.textContent.startsWith('东经'))`)); err != nil {
		t.Errorf("hot spots not named: %v", err)
	}
	centred, err := chromedp.Run(console, chromedp.Evaluate[bool](`(() => {
		const b = document.querySelector('#stats-hotspots button');
		b.click();
		const m = window.precinct.map;
		const [x, y] = m.project(Number(b.dataset.lon), Number(b.dataset.lat));
		return Math.abs(m.cx - x) < 1e-6 && Math.abs(m.cy - y) < 1e-6;
	})()`))
	if err != nil || !centred {
		t.Errorf("a hot spot's click did not centre the map on it (%v)", err)
	}
	// The heat layer draws the last 30 days when it is switched on.
	if err := chromedp.Do(console, chromedp.Click(`input[data-layer=heat]`), chromedp.Poll[chromedp.Void](`window.precinct.map.heatPoints.length > 0`)); err != nil {
		t.Errorf("heat layer: %v", err)
	}

	// The export link downloads the same figures as a CSV file for a
	// spreadsheet.
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(console, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, BrowserContextID: chromedp.FromContext(console).BrowserContextID, DownloadPath: dir,
	}); err != nil {
		t.Fatalf("downloads: %v", err)
	}
	if err := chromedp.Do(console, chromedp.Click(`#stats-csv`)); err != nil {
		t.Fatalf("click export: %v", err)
	}
	// The server builds the file: 警情统计-<first day>-<last day>.csv.
	var csv string
	for deadline := time.Now().Add(5 * time.Second); csv == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		matches, _ := filepath.Glob(filepath.Join(dir, "警情统计-*.csv"))
		for _, name := range matches {
			if b, err := os.ReadFile(name); err == nil && len(b) > 0 {
				csv = string(b)
			}
		}
	}
	if csv == "" {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("no CSV downloaded within 5 s (%v)", entries)
	}
	for _, want := range []string{"\ufeff开始时间,", "\r\n警情总数（起）,", "\r\n警情类别,警情数（起）\r\n", "\r\n23,", "\r\n排名,经度,纬度,警情数（起）\r\n"} {
		if !strings.Contains(csv, want) {
			t.Errorf("the CSV export lacks %q:\n%s", want, csv)
		}
	}
}

// TestBrowserUnitsMoveLive: a position reported to the server moves the
// unit on the dispatcher's map through the event stream, within a couple of
// seconds and without the console reloading its unit list.
func TestBrowserUnitsMoveLive(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	console := b.tab("console", 60*time.Second)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"]),
		chromedp.WaitVisible(`#conn[data-state=live]`), chromedp.Poll[chromedp.Void](`window.precinct.console.units.size > 0`)); err != nil {
		t.Fatalf("console sign-in: %v", err)
	}
	// From now on the unit list is not reloaded: only the stream can move it.
	if err := chromedp.Do(console, chromedp.Evaluate[chromedp.Void](`window.precinct.console.loadUnits = async () => {}`)); err != nil {
		t.Fatal(err)
	}
	var u *precinct.Unit
	for _, x := range listAll[*precinct.Unit](admin, "/api/v1/units") {
		if !x.Position.IsZero() {
			u = x
			break
		}
	}
	if u == nil {
		t.Fatal("no unit with a position")
	}
	to := precinct.Point{Lon: u.Position.Lon + 0.002, Lat: u.Position.Lat + 0.001}
	body := map[string]any{"positions": []map[string]any{{"unit_id": u.ID, "point": to, "at": time.Now().UTC()}}}
	if code, raw := admin.raw("POST", "/api/v1/positions", body, nil); code != 202 {
		t.Fatalf("positions: %d %s", code, raw)
	}
	start := time.Now()
	moved := fmt.Sprintf(`(() => {
		const u = window.precinct.console.units.get(%q);
		const r = window.precinct.map.units.get(%q);
		const [x, y] = window.precinct.map.project(%v, %v);
		return !!u && !!r && Math.abs(u.position.lon - %v) < 1e-9 && r.x === x && r.y === y;
	})()`, u.ID, u.ID, to.Lon, to.Lat, to.Lon)
	ctx, cancel := context.WithTimeout(console, 5*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](moved)); err != nil {
		t.Fatalf("the unit did not move on the map within 5 s: %v", err)
	}
	t.Logf("a reported position moved the unit on the map after %v", time.Since(start).Round(10*time.Millisecond))

	// The big screen follows it the same way.
	screen := b.tab("screen", 60*time.Second)
	if err := chromedp.Do(screen, chromedp.Navigate(base+"/screen"), signIn("chief", pw["demo"]),
		chromedp.Poll[chromedp.Void](`window.precinct.screen.live && window.precinct.screen.units.length > 0`),
		chromedp.Evaluate[chromedp.Void](`window.precinct.screen.loadUnits = async () => {}`)); err != nil {
		t.Fatalf("big screen: %v", err)
	}
	to = precinct.Point{Lon: to.Lon + 0.002, Lat: to.Lat}
	body = map[string]any{"positions": []map[string]any{{"unit_id": u.ID, "point": to, "at": time.Now().UTC()}}}
	if code, raw := admin.raw("POST", "/api/v1/positions", body, nil); code != 202 {
		t.Fatalf("positions: %d %s", code, raw)
	}
	onScreen := fmt.Sprintf(`(() => {
		const r = window.precinct.map.units.get(%q);
		const [x, y] = window.precinct.map.project(%v, %v);
		return !!r && r.x === x && r.y === y;
	})()`, u.ID, to.Lon, to.Lat)
	ctx2, cancel2 := context.WithTimeout(screen, 5*time.Second)
	defer cancel2()
	if err := chromedp.Do(ctx2, chromedp.Poll[chromedp.Void](onScreen)); err != nil {
		t.Fatalf("the unit did not move on the big screen within 5 s: %v", err)
	}
}

// TestBrowserOfflineQueue presses en route, arrived and resolved in the
// officer app with no connection, brings the connection back, loses the
// answer to the first request on the way (the server applies it but the
// phone sees a network error), and checks that each action reached the
// incident's timeline exactly once.
func TestBrowserOfflineQueue(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	disp := login(t, base, "dispatcher", pw["demo"])
	offs := officers(t, admin)
	off := anyOfficer(offs)

	// Take a call next to the officer's unit and dispatch that unit by API.
	in := precinct.IncidentInput{
		Source: precinct.SourceCall110, Category: "noise", PlaceType: precinct.PlaceStreet,
		Point:   precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat + 0.001},
		Address: "离线测试路 1 号", Priority: 2, Reporter: precinct.Reporter{Name: "李女士", Phone: "13900000000"},
	}
	var inc precinct.Incident
	if code, raw := disp.raw("POST", "/api/v1/incidents", in, map[string][]string{"Idempotency-Key": {"browser-offline-1"}}); code != 201 {
		t.Fatalf("intake: %d %s", code, raw)
	} else if err := json.Unmarshal(raw, &inc); err != nil {
		t.Fatal(err)
	}
	if code, raw := disp.raw("POST", "/api/v1/incidents/"+inc.ID+"/dispatch", map[string]any{"units": []string{off.unit.ID}}, nil); code != 200 {
		t.Fatalf("dispatch %s: %d %s", off.unit.ID, code, raw)
	}

	app := b.tab("app", 90*time.Second)
	err := chromedp.Do(app,
		phone(off.unit.Position.Lon, off.unit.Position.Lat),
		chromedp.Navigate(base+"/app"),
		signIn(off.user.Username, pw["demo"]),
		chromedp.WaitVisible(fmt.Sprintf(`#task-status[data-incident-id=%q]`, inc.ID)),
		chromedp.WaitEnabled(`#act-en-route`),
	)
	if err != nil {
		t.Fatalf("officer app: %v", err)
	}

	// No signal: the three actions wait on the phone.
	if err := setOffline(app, true); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(app,
		chromedp.WaitVisible(`#netbar[data-online=false]`),
		clickStable(`#act-en-route`),
		chromedp.WaitEnabled(`#act-arrive`),
		clickStable(`#act-arrive`),
		chromedp.WaitEnabled(`#act-resolve`),
		clickStable(`#act-resolve`),
		chromedp.WaitVisible(`#queued[data-count="3"]`),
		b.shot("10-app-offline-queued"),
	)
	if err != nil {
		t.Fatalf("offline actions: %v", err)
	}
	// Where the service worker controls /app, the app also opens with no
	// signal, from its cached shell, and still holds the three actions.
	scope, err := chromedp.Run(app, chromedp.Evaluate[string](`navigator.serviceWorker.ready.then(r => r.scope)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("service worker: %v", err)
	}
	if strings.HasSuffix(scope, "/static/") {
		t.Logf("service worker scope %s: the server does not serve /sw.js, so /app cannot open offline; skipping the offline reload", scope)
	} else {
		if err := chromedp.Do(app,
			chromedp.Reload(),
			chromedp.WaitVisible(`body[data-ready=true]`),
			chromedp.WaitVisible(`#queued[data-count="3"]`),
			chromedp.WaitVisible(fmt.Sprintf(`#task-status[data-incident-id=%q][data-status=resolved]`, inc.ID)),
			b.shot("11-app-offline-reloaded"),
		); err != nil {
			t.Fatalf("reload offline (service worker scope %s): %v", scope, err)
		}
	}
	var now precinct.Incident
	if admin.do("GET", "/api/v1/incidents/"+inc.ID, nil, &now); now.Status != precinct.IncidentDispatched {
		t.Fatalf("while offline the server has %s, want dispatched", now.Status)
	}

	// The signal returns, but the answer to the first request is lost after
	// the server applied it.
	lost, err := loseFirstAnswer(app, "*/api/v1/incidents/"+inc.ID+"/en-route")
	if err != nil {
		t.Fatal(err)
	}
	if err := setOffline(app, false); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(app,
		chromedp.WaitVisible(`#queued[data-count="0"]`),
		chromedp.WaitVisible(fmt.Sprintf(`#tasks li[data-incident-id=%q] [data-status=resolved]`, inc.ID)),
		b.shot("12-app-synced"),
	); err != nil {
		t.Fatalf("queue after reconnecting: %v", err)
	}
	if n := lost(); n != 1 {
		t.Errorf("%d answers lost, want 1 (the test did not exercise a lost answer)", n)
	}
	if admin.do("GET", "/api/v1/incidents/"+inc.ID, nil, &now); now.Status != precinct.IncidentResolved {
		t.Errorf("after reconnecting the server has %s, want resolved", now.Status)
	}
	types := timelineTypes(t, admin, inc.ID)
	for _, typ := range []string{"incident.en_route", "incident.arrived", "incident.resolved"} {
		if types[typ] != 1 {
			t.Errorf("timeline has %d %s events, want exactly 1 (all: %v)", types[typ], typ, types)
		}
	}
}

// setOffline cuts or restores the page's network and tells the page
// (navigator.onLine and the online/offline events).
func setOffline(ctx context.Context, offline bool) error {
	conds := []*network.Conditions{}
	if offline {
		conds = append(conds, &network.Conditions{Offline: true, Latency: 0, DownloadThroughput: -1, UploadThroughput: -1})
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return err
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds}); err != nil {
		return fmt.Errorf("network conditions: %w", err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		return fmt.Errorf("network state: %w", err)
	}
	return nil
}

// loseFirstAnswer makes the first request matching pattern reach the server
// and then fail in the browser as if the connection dropped before the
// answer arrived. It returns a function that reports how many were lost.
func loseFirstAnswer(ctx context.Context, pattern string) (func() int, error) {
	var mu sync.Mutex
	lost := 0
	events := chromedp.Events(ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern, RequestStage: fetch.RequestStageResponse}}}); err != nil {
		return nil, fmt.Errorf("fetch interception: %w", err)
	}
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			mu.Lock()
			first := lost == 0
			if first {
				lost++
			}
			mu.Unlock()
			if first {
				_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
				continue
			}
			_, _ = chromedp.Call(ctx, fetch.ContinueResponse, fetch.ContinueResponseParams{RequestID: ev.RequestID})
		}
	}()
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return lost
	}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
