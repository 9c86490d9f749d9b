package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"precinct"
)

// TestBrowserAntiFraudWarning follows one warning of seed 004 through the
// pages: the anti-fraud centre posts it; no resident matches, so it waits
// in the console's triage list with the reason; the station's command
// office sends it to the officer's police grid; the officer's app shows the
// dissuasion task with its form, and the outcome sent from it is recorded.
// The panel uses words, not codes, in both languages.
func TestBrowserAntiFraudWarning(t *testing.T) {
	b := newBrowser(t)
	m := startMain(t, nil)
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	disp := login(t, base, "dispatcher", testDemoPassword)
	ou := userWith(t, admin, func(u *precinct.User) bool { return u.Role == precinct.RoleCommunity && u.Username == "officer1" })
	var res struct {
		Rows []struct {
			WarningID string `json:"warning_id"`
			Status    string
		}
	}
	code, raw := disp.raw("POST", "/api/v1/warnings", map[string]any{"warnings": []map[string]any{
		{"ref": "UI-1", "fraud_type": "impersonating_police", "level": "transferring", "name": "王某", "phone": "13912348888", "amount": 60000}}}, nil)
	if code != 201 || json.Unmarshal(raw, &res) != nil || res.Rows[0].Status != "triage" {
		t.Fatalf("warning: %d %s", code, raw)
	}
	w := res.Rows[0].WarningID
	// The sub-bureau's anti-fraud centre sees the triage queue.
	console := b.tab("console", 90*time.Second)
	row := fmt.Sprintf(`#prev-triage li[data-warning-id=%q]`, w)
	if err := chromedp.Do(console,
		chromedp.Navigate(base+"/"),
		signIn("dispatcher", testDemoPassword),
		clickStable(`#btn-prevention`),
		chromedp.WaitVisible(row+` button.prev-place`),
		chromedp.WaitVisible(`#prev-total`),
		b.shot("40-console-prevention"),
	); err != nil {
		t.Fatalf("console triage: %v", err)
	}
	for _, lang := range []string{"en", "zh"} {
		if err := chromedp.Do(console, setLangJS(lang), clickStable(`#btn-prevention`), chromedp.WaitVisible(row)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, console, lang+" prevention panel")
	}
	if err := chromedp.Do(console,
		chromedp.SetValue(row+` select`, ou.Scope.PoliceGridID),
		clickStable(row+` button.prev-place`),
		chromedp.WaitNotPresent(row),
	); err != nil {
		t.Fatalf("place the warning: %v", err)
	}
	var v struct {
		Status string
		TaskID string `json:"task_id"`
		Task   struct{ Assignee string }
	}
	if code := disp.do("GET", "/api/v1/warnings/"+w, nil, &v); code != 200 || v.Status != "pushed" || v.Task.Assignee != "user:"+ou.ID {
		t.Fatalf("placed warning: %d %+v", code, v)
	}
	// The officer reports from the app: reached by phone, dissuaded.
	app := b.tab("app", 90*time.Second)
	form := fmt.Sprintf(`#day-tasks li[data-task-id^=%q] form[data-form=dissuasion]`, v.TaskID)
	if err := chromedp.Do(app,
		chromedp.Navigate(base+"/app"),
		signIn(ou.Username, testDemoPassword),
		chromedp.WaitVisible(form),
		b.shot("41-app-dissuasion"),
		clickStable(form+` button[type=submit]`),
		chromedp.WaitVisible(fmt.Sprintf(`#day-tasks li[data-task-id^=%q][data-done=true]`, v.TaskID)),
	); err != nil {
		t.Fatalf("officer app: %v", err)
	}
	officer := login(t, base, ou.Username, testDemoPassword)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var out struct {
			Outcome *struct {
				Contact   string
				Dissuaded bool
			}
		}
		officer.do("GET", "/api/v1/warnings/"+w, nil, &out)
		if out.Outcome != nil && out.Outcome.Contact == "phone" && out.Outcome.Dissuaded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outcome was not recorded: %+v", out.Outcome)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
