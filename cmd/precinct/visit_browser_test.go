package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"precinct"
)

// TestBrowserVisitOffline: the officer app records a visit with no signal
// — whom, what was found, the familiarity survey, a contact card — keeps
// it in the outbox, and when the signal returns and the first answer is
// lost, the server stores it exactly once; the visit counts once in the
// officer's performance list.
func TestBrowserVisitOffline(t *testing.T) {
	b := newBrowser(t)
	m := startMain(t, func(c *Config) { c.DemoHistoryDays = 0 })
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	ou := userWith(t, admin, func(u *precinct.User) bool { return u.Role == precinct.RoleCommunity && u.Username == "officer1" })
	officer := login(t, base, ou.Username, testDemoPassword)
	var cgs struct{ Items []precinct.CommunityGrid }
	officer.do("GET", "/api/v1/community-grids?police_grid_id="+ou.Scope.PoliceGridID, nil, &cgs)
	p := gridPoint(t, officer, cgs.Items[0].ID)
	var before precinct.PerformanceList
	officer.do("GET", "/api/v1/performance", nil, &before)
	visits := before.Entries[0].Current[precinct.WorkVisits]

	app := b.tab("app", 2*time.Minute)
	if err := chromedp.Do(app,
		phone(p.Lon, p.Lat),
		chromedp.Navigate(base+"/app"),
		signIn(ou.Username, testDemoPassword),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#visit-form select[name=resident] option').length > 0`),
	); err != nil {
		t.Fatalf("visit form: %v", err)
	}
	if err := setOffline(app, true); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(app,
		chromedp.WaitVisible(`#netbar[data-online=false]`),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const f = document.querySelector('#visit-form');
			f.result.value = 'correct';
			f.knows_officer.checked = true;
			f.officer_knows.checked = true;
			f.card.checked = true;
			f.note.value = '入户走访，核实在住人员';
		})()`),
		clickStable(`#visit-form button[type=submit]`),
		chromedp.WaitVisible(`#visits li[data-state=queued]`),
		chromedp.WaitVisible(`#queued[data-count="1"]`),
		b.shot("30-app-visit-offline"),
	); err != nil {
		t.Fatalf("offline visit: %v", err)
	}
	id := evalString(t, app, `document.querySelector('#visits li').dataset.visitId`)
	resident := evalString(t, app, `document.querySelector('#visit-form select[name=resident]').value`)
	lost, err := loseFirstAnswer(app, "*/api/v1/visits")
	if err != nil {
		t.Fatal(err)
	}
	if err := setOffline(app, false); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(app, chromedp.WaitVisible(`#queued[data-count="0"]`), chromedp.WaitVisible(`#visits li[data-state=recorded]`), b.shot("31-app-visit-synced")); err != nil {
		t.Fatalf("queue after reconnecting: %v", err)
	}
	if n := lost(); n != 1 {
		t.Errorf("%d answers lost, want 1 (the test did not exercise a lost answer)", n)
	}
	var list struct{ Items []precinct.Visit }
	officer.do("GET", "/api/v1/visits?limit=1000", nil, &list)
	n := 0
	for _, v := range list.Items {
		if v.ID == id {
			n++
		}
	}
	var v precinct.Visit
	officer.do("GET", "/api/v1/visits/"+id, nil, &v)
	if len(v.Verifications) != 1 || v.Verifications[0].EntityID != resident || len(v.Familiarity) != 1 || !v.Familiarity[0].KnowsOfficer || len(v.Cards) != 1 {
		t.Errorf("the visit as stored: %+v", v)
	}
	if n != 1 {
		t.Errorf("visit %s stored %d times, want exactly once", id, n)
	}
	var after precinct.PerformanceList
	officer.do("GET", "/api/v1/performance", nil, &after)
	if got := after.Entries[0].Current[precinct.WorkVisits]; got != visits+1 {
		t.Errorf("visits in the performance list %v, want %v", got, visits+1)
	}
	for _, lang := range []string{"zh", "en"} {
		if err := chromedp.Do(app, setLangJS(lang), chromedp.Reload(), chromedp.Poll[chromedp.Void](`document.body.dataset.ready === 'true' && document.querySelectorAll('#visit-form option').length > 0`),
			chromedp.Sleep(300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, app, lang+" app visit")
	}
}
