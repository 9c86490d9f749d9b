package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"precinct"
)

// TestBrowserDayTaskOffline: the officer app lists the day's tasks from the
// workflows; a dispute follow-up done with no signal waits in the outbox
// and, when the signal returns and the first answer is lost, is recorded
// exactly once.
func TestBrowserDayTaskOffline(t *testing.T) {
	b := newBrowser(t)
	// The server's clock stands ten days back: the follow-up the agreement
	// schedules a week later is due by today.
	clk := &testClock{t: time.Now().Add(-10 * 24 * time.Hour)}
	m := startMainAt(t, clk)
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	ou := userWith(t, admin, func(u *precinct.User) bool { return u.Role == precinct.RoleCommunity && u.Username == "officer1" })
	officer := login(t, base, ou.Username, testDemoPassword)
	var cgs struct{ Items []precinct.CommunityGrid }
	officer.do("GET", "/api/v1/community-grids?police_grid_id="+ou.Scope.PoliceGridID, nil, &cgs)
	p := gridPoint(t, officer, cgs.Items[0].ID)
	var d struct{ ID string }
	code, raw := officer.raw("POST", "/api/v1/disputes", map[string]any{"kind": "property", "location": p, "summary": "物业费纠纷",
		"parties": []map[string]string{{"name": "业主甲"}, {"name": "某物业公司"}}}, nil)
	if code != 201 || json.Unmarshal(raw, &d) != nil {
		t.Fatalf("dispute: %d %s", code, raw)
	}
	for _, s := range []struct {
		action string
		body   any
	}{
		{"session", map[string]any{"data": map[string]any{"place": "社区警务室", "outcome": "同意分期缴纳", "attendees": []map[string]string{{"name": "物业经理", "role": "property_manager"}}}}},
		{"agree", map[string]any{"data": map[string]any{"text": "业主分三期缴纳物业费", "signed": true}}},
	} {
		if code, raw := officer.raw("POST", "/api/v1/disputes/"+d.ID+"/"+s.action, s.body, nil); code != 200 {
			t.Fatalf("%s: %d %s", s.action, code, raw)
		}
	}

	app := b.tab("app", 90*time.Second)
	task := fmt.Sprintf(`#day-tasks li[data-task-id^=%q]`, d.ID+":follow_up")
	if err := chromedp.Do(app,
		chromedp.Navigate(base+"/app"),
		signIn(ou.Username, testDemoPassword),
		chromedp.WaitVisible(task+` button.task-do`),
		b.shot("20-app-day-tasks"),
	); err != nil {
		t.Fatalf("officer app tasks: %v", err)
	}
	// The console sees the task under its police grid.
	cmdUser := userWith(t, admin, func(u *precinct.User) bool {
		return u.Role == precinct.RoleCommand && u.Scope.StationID == ou.Scope.StationID
	})
	console := b.tab("console", 60*time.Second)
	if err := chromedp.Do(console,
		chromedp.Navigate(base+"/"),
		signIn(cmdUser.Username, testDemoPassword),
		clickStable(`#btn-grid`),
		chromedp.WaitVisible(fmt.Sprintf(`#grid-tasks section[data-police-grid=%q] li[data-task-id^=%q]`, ou.Scope.PoliceGridID, d.ID+":follow_up")),
		b.shot("23-console-grid-tasks"),
	); err != nil {
		t.Fatalf("console tasks by grid: %v", err)
	}

	if err := setOffline(app, true); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(app,
		chromedp.WaitVisible(`#netbar[data-online=false]`),
		clickStable(task+` button.task-do`),
		chromedp.WaitVisible(task+`[data-done=true]`),
		chromedp.WaitVisible(`#queued[data-count="1"]`),
		b.shot("21-app-task-offline"),
	); err != nil {
		t.Fatalf("offline task: %v", err)
	}
	lost, err := loseFirstAnswer(app, "*/api/v1/disputes/"+d.ID+"/follow_up")
	if err != nil {
		t.Fatal(err)
	}
	if err := setOffline(app, false); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(app, chromedp.WaitVisible(`#queued[data-count="0"]`), b.shot("22-app-task-synced")); err != nil {
		t.Fatalf("queue after reconnecting: %v", err)
	}
	if n := lost(); n != 1 {
		t.Errorf("%d answers lost, want 1 (the test did not exercise a lost answer)", n)
	}
	n := 0
	for _, typ := range eventTypes(t, officer, "/api/v1/disputes/"+d.ID+"/timeline") {
		if typ == "dispute.follow_up" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d follow-ups recorded, want exactly 1", n)
	}
}
