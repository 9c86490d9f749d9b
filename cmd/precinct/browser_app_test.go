package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"precinct"
)

// inView reports whether the element matching sel lies wholly inside the
// viewport, without scrolling.
func inView(sel string) string {
	return fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
		const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; })()`, sel)
}

// TestBrowserOfficerSteps: on a 390 × 844 phone the officer accepts (签收)
// the incident before going, reaches 处置完毕 without scrolling, and keeps
// the network bar in sight when the page scrolls (problem 11).
func TestBrowserOfficerSteps(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	disp := login(t, base, "dispatcher", pw["demo"])
	off := anyOfficer(officers(t, admin))
	inc := intakeAt(t, disp, precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat + 0.001}, "noise", precinct.PlaceStreet, 3, "手机路 3 号")
	if code, raw := disp.raw("POST", "/api/v1/incidents/"+inc.ID+"/dispatch", map[string]any{"units": []string{off.unit.ID}}, nil); code != 200 {
		t.Fatalf("dispatch: %d %s", code, raw)
	}
	app := b.tab("app", 90*time.Second)
	if err := chromedp.Do(app, phone(off.unit.Position.Lon, off.unit.Position.Lat), chromedp.Navigate(base+"/app"), signIn(off.user.Username, pw["demo"]),
		chromedp.WaitVisible(fmt.Sprintf(`#task-status[data-incident-id=%q]`, inc.ID)),
		chromedp.WaitEnabled(`#act-accept`), chromedp.WaitVisible(`#act-accept.next`), b.shot("40-app-accept")); err != nil {
		t.Fatalf("the accept step: %v", err)
	}
	if err := chromedp.Do(app, clickStable(`#act-accept`), chromedp.WaitVisible(`#accepted`), chromedp.WaitVisible(`#act-en-route.next`),
		chromedp.WaitVisible(`#queued[data-count="0"]`)); err != nil {
		t.Fatalf("accept: %v", err)
	}
	n := 0
	for deadline := time.Now().Add(5 * time.Second); n == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		n = timelineTypes(t, admin, inc.ID)["incident.accepted"]
	}
	if n != 1 {
		t.Fatalf("%d accepted events, want 1", n)
	}
	// Brought into view, the call button lands clear of the steps that stay
	// at the bottom: a tap on it must not press a step (en route) instead.
	if !evalBool(t, app, `(() => { const a = document.querySelector('#call-reporter'); a.scrollIntoView({block: 'end'});
		const r = a.getBoundingClientRect(); const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return !!hit && a.contains(hit); })()`) {
		t.Errorf("the call button, scrolled into view, lies under the steps bar")
	}
	// Tap to call: the number, masked, is revealed for the crew (an audited
	// read), and the button becomes a telephone link.
	if err := chromedp.Do(app, clickStable(`#call-reporter`), chromedp.WaitVisible(`#call-reporter[data-revealed=true]`)); err != nil {
		t.Fatalf("reveal the reporter's number: %v", err)
	}
	// The app refreshes its incidents (every 10 s, and on every event of the
	// stream): the number stays revealed and the button a telephone link.
	if err := chromedp.Do(app, chromedp.Evaluate[chromedp.Void](`window.precinct.app.refresh()`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if !evalBool(t, app, `document.querySelector('#call-reporter[data-revealed=true]') !== null`) {
		t.Errorf("a refresh masked the revealed number again")
	}
	if href := evalString(t, app, `document.querySelector('#call-reporter').getAttribute('href')`); href != "tel:13700000000" {
		t.Errorf("the call link is %q", href)
	}
	var audit struct {
		Items []precinct.AuditRecord `json:"items"`
	}
	if code := admin.do("GET", "/api/v1/audit?entity_id="+inc.ID, nil, &audit); code != 200 || len(audit.Items) == 0 || audit.Items[0].Actor != off.user.ID {
		t.Errorf("the read of the number is not audited for the officer: %d %+v", code, audit.Items)
	}
	// Reloaded, the app still knows it was accepted.
	if err := chromedp.Do(app, chromedp.Reload(), chromedp.WaitVisible(`body[data-ready=true]`), chromedp.WaitVisible(`#accepted`)); err != nil {
		t.Errorf("after a reload: %v", err)
	}
	if err := chromedp.Do(app, clickStable(`#act-en-route`), chromedp.WaitEnabled(`#act-arrive`), clickStable(`#act-arrive`), chromedp.WaitEnabled(`#act-resolve`),
		chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	if !evalBool(t, app, inView(`#act-resolve`)) {
		t.Errorf("处置完毕 is below the fold at 844 px")
	}
	if err := chromedp.Do(app, b.shot("41-app-on-scene"), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`), chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if !evalBool(t, app, `document.documentElement.scrollHeight > innerHeight`) {
		t.Log("the page does not scroll at 844 px; the network bar cannot scroll away")
	}
	if !evalBool(t, app, inView(`#netbar`)) {
		t.Errorf("the network bar scrolled out of sight at the page's end: %s", evalString(t, app, `JSON.stringify([scrollY, innerHeight, document.documentElement.scrollHeight, document.querySelector("#netbar").getBoundingClientRect()])`))
	}
	// Half-way through a long task (a long account of the incident, made
	// here), the steps stay at the bottom and the bar under the header.
	if err := chromedp.Do(app, chromedp.Evaluate[chromedp.Void](`(() => { const d = document.createElement('div'); d.id = 'long-account'; d.style.height = '2000px';
		document.querySelector('#task .steps').before(d); window.scrollTo(0, scrollY + d.getBoundingClientRect().top + 800); })()`),
		chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if !evalBool(t, app, `!!document.querySelector('#long-account') && document.querySelector('#long-account').getBoundingClientRect().top < 0`) {
		t.Fatalf("the long task did not scroll: %s", evalString(t, app, `JSON.stringify([scrollY, innerHeight, document.documentElement.scrollHeight, !!document.querySelector('#long-account'), (document.querySelector('#long-account') || document.body).getBoundingClientRect()])`))
	}
	if !evalBool(t, app, inView(`#act-resolve`)) {
		t.Errorf("处置完毕 scrolled out of sight in a long task: %s", evalString(t, app, `JSON.stringify([scrollY, document.querySelector("#act-resolve").getBoundingClientRect()])`))
	}
	if !evalBool(t, app, inView(`#netbar`)) {
		t.Errorf("the network bar scrolled out of sight: %s", evalString(t, app, `JSON.stringify([scrollY, innerHeight, document.documentElement.scrollHeight, document.querySelector("#netbar").getBoundingClientRect()])`))
	}
	for _, lang := range []string{"zh", "en"} {
		want := map[string]string{"zh": "签收", "en": "Accept"}[lang]
		if err := chromedp.Do(app, setLangJS(lang)); err != nil {
			t.Fatal(err)
		}
		if got := evalString(t, app, `document.querySelector('#act-accept').textContent`); got != want {
			t.Errorf("%s: the accept step reads %q, want %q", lang, got, want)
		}
	}
}
