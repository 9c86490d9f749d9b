package main

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"precinct"
)

// TestBrowserCommunityPanel: the console's community panel shows the
// station's performance list — a visit the officer recorded a moment ago
// counts in it — with the registry's accuracy and familiarity per grid, in
// Chinese and in English words, and the Excel button fetches the workbook.
func TestBrowserCommunityPanel(t *testing.T) {
	b := newBrowser(t)
	m := startMain(t, func(c *Config) { c.DemoHistoryDays = 1 })
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	ou := userWith(t, admin, func(u *precinct.User) bool { return u.Role == precinct.RoleCommunity && u.Username == "officer1" })
	officer := login(t, base, ou.Username, testDemoPassword)
	var cgs struct{ Items []precinct.CommunityGrid }
	officer.do("GET", "/api/v1/community-grids?police_grid_id="+ou.Scope.PoliceGridID, nil, &cgs)
	p := gridPoint(t, officer, cgs.Items[0].ID)
	var before precinct.PerformanceList
	officer.do("GET", "/api/v1/performance", nil, &before)
	if len(before.Entries) != 1 {
		t.Fatalf("officer1's own list: %+v", before)
	}
	visits := before.Entries[0].Current[precinct.WorkVisits]
	if code, raw := officer.raw("POST", "/api/v1/visits", map[string]any{"point": p, "note": "入户走访"}, nil); code != 201 {
		t.Fatalf("visit: %d %s", code, raw)
	}
	chief := userWith(t, admin, func(u *precinct.User) bool {
		return u.Role == precinct.RoleCommand && u.Scope.StationID == ou.Scope.StationID
	})
	console := b.tab("console", 2*time.Minute)
	cell := fmt.Sprintf(`#perf-out tr[data-officer=%q] td[data-metric="visits"] strong`, ou.ID)
	var shown string
	if err := chromedp.Do(console,
		chromedp.Navigate(base+"/"),
		setLangJS("zh"),
		signIn(chief.Username, testDemoPassword),
		clickStable(`#btn-community`),
		chromedp.WaitVisible(cell),
		chromedp.WaitVisible(`#acc-out table.grid-figures`),
		chromedp.WaitVisible(`#fam-out table.grid-figures`),
		b.shot("60-console-performance"),
	); err != nil {
		t.Fatalf("community panel: %v", err)
	}
	shown = evalString(t, console, `document.querySelector('`+cell+`').textContent`)
	if got, _ := strconv.ParseFloat(shown, 64); got != visits+1 {
		t.Errorf("visits shown %q, want %v", shown, visits+1)
	}
	wordsOK(t, console, "zh community")
	if err := chromedp.Do(console, setLangJS("en"), clickStable(`#btn-community`), chromedp.WaitVisible(cell), chromedp.WaitVisible(`#fam-out table`)); err != nil {
		t.Fatal(err)
	}
	wordsOK(t, console, "en community")
	// The Excel button fetches the month's workbook built by the server.
	if err := chromedp.Do(console, chromedp.Evaluate[chromedp.Void](`(() => {
		window.__xlsx = 0;
		const f = window.fetch;
		window.fetch = async (...a) => { const r = await f(...a); if (String(a[0]).includes('format=xlsx')) window.__xlsx = r.status * (r.headers.get('Content-Type').includes('spreadsheetml') ? 1 : -1); return r; };
	})()`), clickStable(`#perf-xlsx`), chromedp.Poll[chromedp.Void](`window.__xlsx !== 0`)); err != nil {
		t.Fatal(err)
	}
	if status := evalString(t, console, `String(window.__xlsx)`); status != "200" {
		t.Errorf("the Excel download answered %s", status)
	}
}
