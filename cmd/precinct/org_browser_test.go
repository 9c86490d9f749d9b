package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"precinct"
)

// TestBrowserOrgAdmin: the administrator opens the organisation panel,
// edits a station's name there and saves; the API then has the new name. A
// dispatcher has no such button.
func TestBrowserOrgAdmin(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	stations := listAll[*precinct.Station](admin, "/api/v1/stations")
	st := stations[0]

	console := b.tab("console", 90*time.Second)
	err := chromedp.Do(console,
		chromedp.Navigate(base+"/"),
		signIn("admin", pw["admin"]),
		chromedp.WaitVisible(`#btn-org`),
		chromedp.Click(`#btn-org`),
		chromedp.WaitVisible(`#org-stations li[data-org-id="`+st.ID+`"]`),
		chromedp.Click(`#org-stations li[data-org-id="`+st.ID+`"] button[data-org=edit]`),
		chromedp.Evaluate[chromedp.Void](`(() => { const ta = document.querySelector('#org-body'); const b = JSON.parse(ta.value); b.name = '改名派出所'; ta.value = JSON.stringify(b); })()`),
		chromedp.Click(`#org-save`),
		chromedp.Poll[chromedp.Void](`document.querySelector('#org-result').textContent.includes('1')`),
	)
	if err != nil {
		t.Fatalf("organisation panel: %v", err)
	}
	result, _ := chromedp.Run(console, chromedp.Evaluate[string](`document.querySelector('#org-result').textContent`))
	var got precinct.Station
	if code := admin.do("GET", "/api/v1/stations/"+st.ID, nil, &got); code != 200 || got.Name != "改名派出所" {
		t.Fatalf("after saving (%s) the station is %d %+v", result, code, got)
	}
	if !strings.Contains(result, "修改 1") {
		t.Errorf("result %q, want one change", result)
	}

	other := b.tab("dispatcher", 60*time.Second)
	if err := chromedp.Do(other, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"]), chromedp.WaitVisible(`#btn-grid`)); err != nil {
		t.Fatal(err)
	}
	hidden, _ := chromedp.Run(other, chromedp.Evaluate[bool](`document.querySelector('#btn-org').hidden`))
	if !hidden {
		t.Error("a dispatcher sees the organisation button")
	}
}
