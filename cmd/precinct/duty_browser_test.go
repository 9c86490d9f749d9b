package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"precinct"
)

// patrolOfficer returns a demo patrol user of the police service station,
// whose unit the demo's shift patterns keep on shift around the clock, with
// the unit.
func patrolOfficer(t *testing.T, admin *client) (*precinct.User, *precinct.Unit) {
	t.Helper()
	u := userWith(t, admin, func(u *precinct.User) bool { return u.Role == precinct.RolePatrol && u.UnitID != "" })
	var unit precinct.Unit
	if code := admin.do("GET", "/api/v1/units/"+u.UnitID, nil, &unit); code != 200 || unit.ServiceStationID == "" {
		t.Fatalf("unit of %s: %d %+v", u.Username, code, unit)
	}
	return u, &unit
}

// TestBrowserDutyBoard: the command office of a station bound to the
// service station opens the duty board (B): today's shifts of seed 003 —
// the primary duty officer, the secondary leading the armed vehicle crew —
// and the units on shift; it calls the roll of a patrol group from the
// board, sees it pending, and sees the officer's answer arrive.
func TestBrowserDutyBoard(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	officer, unit := patrolOfficer(t, admin)
	var sss struct{ Items []*precinct.ServiceStation }
	admin.do("GET", "/api/v1/service-stations", nil, &sss)
	i := slices.IndexFunc(sss.Items, func(ss *precinct.ServiceStation) bool { return ss.ID == unit.ServiceStationID })
	if i < 0 {
		t.Fatalf("no service station %s", unit.ServiceStationID)
	}
	cmd := userWith(t, admin, func(u *precinct.User) bool {
		return u.Role == precinct.RoleCommand && u.Scope.StationID == sss.Items[i].StationIDs[0]
	})

	console := b.tab("console", 90*time.Second)
	err := chromedp.Do(console,
		chromedp.Navigate(base+"/"),
		signIn(cmd.Username, pw["demo"]),
		chromedp.Focus(`#queue-list`),
		chromedp.KeyEvent("b"),
		chromedp.WaitVisible(`#duty-shifts li[data-shift]`),
		chromedp.WaitVisible(fmt.Sprintf(`#duty-units li[data-unit=%q][data-on=true]`, unit.ID)),
		chromedp.WaitVisible(`#duty-strength tbody tr[data-id]`),
	)
	if err != nil {
		t.Fatalf("duty board: %v", err)
	}
	shifts, err := chromedp.Run(console, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#duty-shifts li[data-shift] strong')].map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(shifts, " ")
	if !strings.Contains(joined, "正班") || !strings.Contains(joined, "副班") {
		t.Errorf("today's shifts %v: want the primary (正班) and the secondary (副班) of seed 003", shifts)
	}

	// Call the roll of the officer's patrol group from the board.
	err = chromedp.Do(console,
		chromedp.SetValue(`#rollcall-form input[name=title]`, "巡逻组点名（浏览器测试）"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector('#rollcall-form select[name=units]');
			for (const o of s.options) o.selected = o.value === %q; })()`, unit.ID)),
		clickStable(`#rollcall-form button[type=submit]`),
		chromedp.WaitVisible(`#rollcalls li[data-id][data-status=open] details[open] li[data-status=pending]`),
		b.shot("70-duty-board-roll-call"),
	)
	if err != nil {
		t.Fatalf("roll call from the board: %v", err)
	}
	var rcs struct{ Items []*precinct.RollCall }
	cmdc := login(t, base, cmd.Username, pw["demo"])
	if code := cmdc.do("GET", "/api/v1/roll-calls?status=open", nil, &rcs); code != 200 || len(rcs.Items) == 0 {
		t.Fatalf("roll calls: %d %+v", code, rcs.Items)
	}
	rc := rcs.Items[0]
	if rc.Title != "巡逻组点名（浏览器测试）" || !slices.ContainsFunc(rc.Members, func(m precinct.RollCallMember) bool { return m.PersonID == officer.PersonID }) {
		t.Fatalf("the roll call made on the board: %+v", rc)
	}
	// The officer answers (from a phone, here through the API); the board
	// shows it without a reload.
	off := login(t, base, officer.Username, pw["demo"])
	if code, raw := off.raw("POST", "/api/v1/roll-calls/"+rc.ID+"/ack", map[string]any{"point": unit.Position}, nil); code != 200 {
		t.Fatalf("answer: %d %s", code, raw)
	}
	err = chromedp.Do(console,
		chromedp.WaitVisible(fmt.Sprintf(`#rollcalls li[data-id=%q] li[data-person=%q][data-status=answered] a[data-lon]`, rc.ID, officer.PersonID)),
		b.shot("71-duty-board-answered"),
	)
	if err != nil {
		t.Fatalf("the answer on the board: %v", err)
	}
}

// TestBrowserAppRollCallAck: the command office calls the roll of a patrol
// group; the officer's app shows the roll call and answers it with the
// phone's position; a check-in says plainly where it stands, and one from a
// phone without location says it has no position rather than borrowing one.
func TestBrowserAppRollCallAck(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	officer, unit := patrolOfficer(t, admin)
	dispatcher := login(t, base, "dispatcher", pw["demo"])

	app := b.tab("app", 90*time.Second)
	lon, lat := unit.Position.Lon+0.0005, unit.Position.Lat
	err := chromedp.Do(app,
		phone(lon, lat),
		chromedp.Navigate(base+"/app"),
		signIn(officer.Username, pw["demo"]),
		chromedp.WaitVisible(`#myduty-body #my-shifts li[data-shift]`),
		clickStable(`#btn-checkin`),
		chromedp.WaitVisible(`#checkin-msg[data-verdict=inside]`),
	)
	if err != nil {
		t.Fatalf("app check-in: %v", err)
	}
	msg, _ := chromedp.Run(app, chromedp.Evaluate[string](`document.querySelector('#checkin-msg').textContent`))
	if !strings.Contains(msg, "打卡成功") || !strings.Contains(msg, "警务服务站") {
		t.Errorf("check-in message %q: want it to say the check-in is valid at the service station", msg)
	}

	var rc precinct.RollCall
	code := dispatcher.do("POST", "/api/v1/roll-calls", map[string]any{"title": "护学岗点名", "targets": map[string]any{"unit_ids": []string{unit.ID}}, "deadline_s": 300}, &rc)
	if code != 201 {
		t.Fatalf("roll call: %d", code)
	}
	err = chromedp.Do(app,
		chromedp.WaitVisible(fmt.Sprintf(`#rollcall-card .rollcall[data-id=%q][data-status=pending] button[data-ack]`, rc.ID)),
		b.shot("72-app-roll-call"),
		clickStable(`#rollcall-card button[data-ack]`),
		chromedp.WaitVisible(fmt.Sprintf(`#rollcall-card .rollcall[data-id=%q][data-status=answered]`, rc.ID)),
		b.shot("73-app-roll-call-answered"),
	)
	if err != nil {
		t.Fatalf("app roll call: %v", err)
	}
	if code := dispatcher.do("GET", "/api/v1/roll-calls/"+rc.ID, nil, &rc); code != 200 {
		t.Fatalf("roll call: %d", code)
	}
	i := slices.IndexFunc(rc.Members, func(m precinct.RollCallMember) bool { return m.PersonID == officer.PersonID })
	if i < 0 || rc.Members[i].Status != precinct.AnswerAnswered || rc.Members[i].Point == nil || precinct.DistanceM(*rc.Members[i].Point, precinct.Point{Lon: lon, Lat: lat}) > 50 {
		t.Errorf("the officer's answer on the server: %+v", rc.Members)
	}

	// A phone without location: the check-in is recorded without a
	// position and says so.
	blind := b.tab("blind", 60*time.Second)
	err = chromedp.Do(blind,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/app"),
		signIn(officer.Username, pw["demo"]),
		clickStable(`#btn-checkin`),
		chromedp.WaitVisible(`#checkin-msg[data-verdict=no_position]`),
		b.shot("74-app-check-in-without-position"),
	)
	if err != nil {
		t.Fatalf("check-in without position: %v", err)
	}
	msg, _ = chromedp.Run(blind, chromedp.Evaluate[string](`document.querySelector('#checkin-msg').textContent`))
	if !strings.Contains(msg, "未获取到定位") || strings.Contains(msg, "打卡成功") {
		t.Errorf("check-in without position says %q", msg)
	}
	var cks struct{ Items []*precinct.CheckIn }
	dispatcher.do("GET", "/api/v1/checkins?since="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), nil, &cks)
	var verdicts []string
	for _, c := range cks.Items {
		if c.UserID == officer.ID {
			verdicts = append(verdicts, string(c.Verdict))
		}
	}
	if !slices.Contains(verdicts, "inside") || !slices.Contains(verdicts, "no_position") {
		t.Errorf("check-ins on the server: %v", verdicts)
	}
}
