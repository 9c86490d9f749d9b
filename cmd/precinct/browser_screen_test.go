package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"precinct"
)

// smallestText returns the smallest computed font size of any visible text
// on the page, with an example of it (canvas drawings aside).
const smallestText = `(() => {
	let min = 1e9, where = '';
	const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walk.nextNode(); n; n = walk.nextNode()) {
		if (!n.textContent.trim()) continue;
		const el = n.parentElement;
		if (!el || el.closest('[hidden], .sr-only, .login, dialog:not([open])')) continue;
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) continue;
		const cs = getComputedStyle(el);
		if (cs.visibility === 'hidden' || cs.display === 'none') continue;
		const px = parseFloat(cs.fontSize);
		if (px < min) { min = px; where = el.tagName + '.' + el.className + ': ' + n.textContent.trim().slice(0, 30); }
	}
	return JSON.stringify({min, where});
})()`

// TestBrowserBigScreen: the wall at 1920 × 1080 has no text under 24 px,
// lists the active incidents, and counts a new call within seconds because
// the event stream pushes it (problem 12: 12–15 px text, 30 s polling).
func TestBrowserBigScreen(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	off := anyOfficer(officers(t, admin))
	first := intakeAt(t, admin, precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat}, "fight", precinct.PlaceStreet, 1, "大屏路 1 号")
	screen := b.tab("screen", 90*time.Second)
	if err := chromedp.Do(screen, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(base+"/screen"), signIn("dispatcher", pw["demo"]),
		chromedp.WaitVisible(fmt.Sprintf(`#active li[data-incident-id=%q]`, first.ID)),
		chromedp.Poll[chromedp.Void](`window.precinct.screen.live === true`)); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		if err := chromedp.Do(screen, setLangJS(lang), chromedp.Sleep(300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		var small struct {
			Min   float64 `json:"min"`
			Where string  `json:"where"`
		}
		if err := json.Unmarshal([]byte(evalString(t, screen, smallestText)), &small); err != nil {
			t.Fatal(err)
		}
		if small.Min < 24 {
			t.Errorf("%s: the smallest text on the wall is %.0f px (%s), want at least 24 px", lang, small.Min, small.Where)
		}
		if over := evalBool(t, screen, `document.documentElement.scrollHeight > innerHeight + 1 || document.documentElement.scrollWidth > innerWidth + 1`); over {
			t.Errorf("%s: the wall does not fit 1920 × 1080", lang)
		}
		if err := chromedp.Do(screen, b.shot("30-screen-"+lang)); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(screen, setLangJS("zh")); err != nil {
		t.Fatal(err)
	}
	before, err := strconv.Atoi(evalString(t, screen, `document.querySelector('.kpi[data-kpi="kpi.today"] .v').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	second := intakeAt(t, admin, precinct.Point{Lon: off.unit.Position.Lon, Lat: off.unit.Position.Lat + 0.001}, "noise", precinct.PlaceStreet, 3, "大屏路 2 号")
	if err := chromedp.Do(screen, chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector('.kpi[data-kpi="kpi.today"] .v').textContent === '%d'`, before+1), chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.WaitVisible(fmt.Sprintf(`#active li[data-incident-id=%q]`, second.ID))); err != nil {
		t.Fatalf("the new call did not reach the wall within 5 s: %v", err)
	}
	t.Logf("a new call counted on the wall after %v", time.Since(start).Round(10*time.Millisecond))
	// Most urgent first.
	if id := evalString(t, screen, `document.querySelector('#active li').dataset.incidentId`); id != first.ID {
		t.Errorf("the first active incident is %s, want the priority-1 call %s", id, first.ID)
	}
}
