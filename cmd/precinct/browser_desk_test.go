package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"precinct"
)

// TestBrowserUnitBoard: the unit status board lists every unit of the
// dispatcher's jurisdiction with its status and time in status; from the
// incident the dispatcher cancels a unit and reassigns another, and the
// timeline names the dispatcher, not an id (problem 3), in both languages.
func TestBrowserUnitBoard(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	disp := login(t, base, "dispatcher", pw["demo"])
	var me precinct.User
	disp.do("GET", "/api/v1/me", nil, &me)
	off := anyOfficer(officers(t, admin))
	inc := intakeAt(t, disp, precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat}, "noise", precinct.PlaceStreet, 3, "状态板路 1 号")
	var rec precinct.Recommendation
	if code := disp.do("GET", "/api/v1/incidents/"+inc.ID+"/recommendations", nil, &rec); code != 200 || len(rec.Candidates) < 3 {
		t.Fatalf("recommendations: %d %d", code, len(rec.Candidates))
	}
	first := rec.Candidates[0].Unit.ID
	if code, raw := disp.raw("POST", "/api/v1/incidents/"+inc.ID+"/dispatch", map[string]any{"units": []string{first}}, nil); code != 200 {
		t.Fatalf("dispatch: %d %s", code, raw)
	}
	units := listAll[*precinct.Unit](disp, "/api/v1/units")

	console := b.tab("console", 2*time.Minute)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"]),
		chromedp.Poll[chromedp.Void](`window.precinct.console.units.size > 0`),
		chromedp.Focus(`#queue-list`), chromedp.KeyEvent("u"), chromedp.WaitVisible(`#unit-board tbody tr[data-unit-id]`)); err != nil {
		t.Fatalf("open the board: %v", err)
	}
	if n := evalString(t, console, `String(document.querySelectorAll('#unit-board tbody tr[data-unit-id]').length)`); n != fmt.Sprint(len(units)) {
		t.Errorf("the board lists %s units, want the %d of the jurisdiction", n, len(units))
	}
	// On a fresh demo every unit has a time in status, not only those
	// changed since it started.
	if blank := evalString(t, console, `[...document.querySelectorAll('#unit-board tbody tr[data-unit-id]')].filter(r => !/\d/.test(r.querySelector('td.since').textContent)).map(r => r.dataset.unitId).join(' ')`); blank != "" {
		t.Errorf("units without a time in status on a fresh demo: %s", blank)
	}
	row := fmt.Sprintf(`#unit-board tr[data-unit-id=%q]`, first)
	if err := chromedp.Do(console, chromedp.Poll[chromedp.Void](fmt.Sprintf(`(() => { const r = document.querySelector(%q); return r && r.dataset.status === 'dispatched' && /\d/.test(r.querySelector('td.since').textContent); })()`, row))); err != nil {
		t.Errorf("the dispatched unit's time in status: %v", err)
	}
	if err := chromedp.Do(console, b.shot("26-console-unit-board")); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh"} {
		if err := chromedp.Do(console, setLangJS(lang), chromedp.Evaluate[chromedp.Void](`window.precinct.console.openBoard()`), chromedp.WaitVisible(`#unit-board`)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, console, lang+" unit board")
	}

	// Cancel from the incident: the unit is free again and the incident
	// waits for dispatch.
	unitRow := fmt.Sprintf(`#incident-units li[data-unit-id=%q] `, first)
	// The questions name the unit as a proper name in the English UI too.
	if err := chromedp.Do(console, setLangJS("en"), chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.precinct.console.openIncident(%q)`, inc.ID)),
		chromedp.WaitEnabled(unitRow+`button[data-unit-act=cancel]`), clickStable(unitRow+`button[data-unit-act=cancel]`),
		chromedp.WaitVisible(`dialog#ask[open] button[value=ok]`)); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	wordsOK(t, console, "en cancel question")
	if err := chromedp.Do(console, clickStable(`dialog#ask button[value=ok]`),
		chromedp.WaitVisible(`#incident-status[data-status=received]`)); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	var u precinct.Unit
	if admin.do("GET", "/api/v1/units/"+first, nil, &u); u.Status != precinct.UnitAvailable {
		t.Errorf("the cancelled unit is %s", u.Status)
	}
	// Dispatch again, then reassign to another recommended unit.
	if code, raw := disp.raw("POST", "/api/v1/incidents/"+inc.ID+"/dispatch", map[string]any{"units": []string{first}}, nil); code != 200 {
		t.Fatalf("dispatch again: %d %s", code, raw)
	}
	if err := chromedp.Do(console, chromedp.WaitVisible(`#incident-status[data-status=dispatched]`),
		chromedp.WaitEnabled(unitRow+`button[data-unit-act=reassign]`), clickStable(unitRow+`button[data-unit-act=reassign]`),
		chromedp.WaitVisible(`dialog#ask[open] #ask-reassign select[name=new_unit]`), chromedp.Poll[chromedp.Void](`document.querySelectorAll('#ask-reassign select[name=new_unit] option').length > 0`), b.shot("27-console-reassign")); err != nil {
		t.Fatalf("reassign dialog: %v", err)
	}
	wordsOK(t, console, "en reassign question")
	to := evalString(t, console, `document.querySelector('#ask-reassign select[name=new_unit]').value`)
	if err := chromedp.Do(console, clickStable(`dialog#ask button[value=ok]`),
		chromedp.WaitVisible(fmt.Sprintf(`#incident-units li[data-unit-id=%q]`, to)),
		chromedp.WaitVisible(`#timeline li[data-type="incident.reassigned"]`)); err != nil {
		t.Fatalf("reassign: %v", err)
	}
	var now precinct.Incident
	if admin.do("GET", "/api/v1/incidents/"+inc.ID, nil, &now); len(now.Units) != 1 || now.Units[0] != to {
		t.Errorf("after reassign the units are %v, want [%s]", now.Units, to)
	}
	// The timeline names the dispatcher, in both languages, never the id.
	for _, lang := range []string{"zh", "en"} {
		if err := chromedp.Do(console, setLangJS(lang)); err != nil {
			t.Fatal(err)
		}
		for _, typ := range []string{"incident.unit_cancelled", "incident.reassigned"} {
			got := evalString(t, console, fmt.Sprintf(`document.querySelector('#timeline li[data-type=%q] .actor').textContent`, typ))
			if got != me.Name {
				t.Errorf("%s: %s recorded by %q, want %q", lang, typ, got, me.Name)
			}
		}
		wordsOK(t, console, lang+" incident after reassign")
	}
}

// TestBrowserCallDesk: a second call about the same noise nearby is flagged
// as a possible repeat and linked; what the caller adds later (追加警情) and
// a correction land on the timeline; R sends a spare first-wave unit as wave
// 1; 结警 asks for a disposition from the list, and statistics count it
// (problems 9 and 10), in both languages.
func TestBrowserCallDesk(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	disp := login(t, base, "dispatcher", pw["demo"])
	off := anyOfficer(officers(t, admin))
	at := precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat + 0.001}
	orig := intakeAt(t, disp, at, "noise", precinct.PlaceStreet, 3, "重复路 1 号")
	again := intakeAt(t, disp, precinct.Point{Lon: at.Lon + 0.0004, Lat: at.Lat}, "noise", precinct.PlaceStreet, 3, "重复路 3 号")

	console := b.tab("console", 3*time.Minute)
	open := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.precinct.console.openIncident(%q)`, id)),
			chromedp.Poll[chromedp.Void](fmt.Sprintf(`window.precinct.console.openId === %q && window.precinct.console.timeline && window.precinct.console.recs && window.precinct.console.dups !== undefined`, id)))
	}
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"]), open(again.ID),
		chromedp.WaitVisible(fmt.Sprintf(`#dups li[data-dup-id=%q] button[data-link]`, orig.ID)), b.shot("28-console-duplicate-warning")); err != nil {
		t.Fatalf("duplicate warning: %v", err)
	}
	for _, lang := range []string{"en", "zh"} {
		if err := chromedp.Do(console, setLangJS(lang)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, console, lang+" duplicate warning")
	}
	if err := chromedp.Do(console, clickStable(fmt.Sprintf(`#dups li[data-dup-id=%q] button[data-link]`, orig.ID)), chromedp.WaitVisible(`#dup-linked`),
		chromedp.WaitVisible(`#timeline li[data-type="incident.linked"]`)); err != nil {
		t.Fatalf("link: %v", err)
	}
	var got precinct.Incident
	if admin.do("GET", "/api/v1/incidents/"+again.ID, nil, &got); got.DuplicateOf != orig.ID {
		t.Errorf("linked to %q, want %s", got.DuplicateOf, orig.ID)
	}

	// 追加警情 and a correction on the original.
	if err := chromedp.Do(console, open(orig.ID), clickStable(`#act-note`), chromedp.WaitVisible(`dialog#ask[open] #ask-note`),
		chromedp.SendKeys(`#ask-note textarea[name=note]`, "报警人再次来电：音响已关小"), clickStable(`dialog#ask button[value=ok]`),
		chromedp.WaitVisible(`#timeline li[data-type="incident.noted"]`)); err != nil {
		t.Fatalf("note: %v", err)
	}
	if err := chromedp.Do(console, clickStable(`#act-correct`), chromedp.WaitVisible(`dialog#ask[open] #ask-correct`),
		chromedp.SetValue(`#ask-correct input[name=address]`, "重复路 2 号"), chromedp.SendKeys(`#ask-correct input[name=note]`, "门牌号听错"),
		clickStable(`dialog#ask button[value=ok]`), chromedp.WaitVisible(`#timeline li[data-type="incident.corrected"]`)); err != nil {
		t.Fatalf("correct: %v", err)
	}
	if tl := evalString(t, console, `document.querySelector('#timeline li[data-type="incident.corrected"]').textContent`); !strings.Contains(tl, "重复路 1 号 → 重复路 2 号") {
		t.Errorf("the correction on the timeline: %q", tl)
	}
	if admin.do("GET", "/api/v1/incidents/"+orig.ID, nil, &got); got.Address != "重复路 2 号" {
		t.Errorf("corrected address %q", got.Address)
	}

	// Dispatch the first recommendation, then R: the next recommended unit
	// of the first wave goes as wave 1.
	var rec precinct.Recommendation
	disp.do("GET", "/api/v1/incidents/"+orig.ID+"/recommendations", nil, &rec)
	if len(rec.Candidates) < 2 || rec.Candidates[1].Wave != 1 {
		t.Fatalf("want two first-wave candidates: %+v", rec.Candidates)
	}
	if code, raw := disp.raw("POST", "/api/v1/incidents/"+orig.ID+"/dispatch", map[string]any{"units": []string{rec.Candidates[0].Unit.ID}}, nil); code != 200 {
		t.Fatalf("dispatch: %d %s", code, raw)
	}
	if err := chromedp.Do(console, chromedp.WaitVisible(`#incident-status[data-status=dispatched]`), chromedp.Poll[chromedp.Void](`window.precinct.console.recs && window.precinct.console.recs.candidates`),
		chromedp.Focus(`#queue-list`), chromedp.KeyEvent("r"), chromedp.WaitVisible(`#timeline li[data-type="incident.reinforced"]`)); err != nil {
		t.Fatalf("R: %v", err)
	}
	tl := timelineOf(t, admin, orig.ID)
	var d struct {
		Wave  int      `json:"wave"`
		Units []string `json:"units"`
	}
	_ = json.Unmarshal(lastOf(t, tl, "incident.reinforced").Data, &d)
	if d.Wave != 1 {
		t.Errorf("R sent %v recorded as wave %d, want 1 (listed as wave 1)", d.Units, d.Wave)
	}

	// 结警 with a disposition.
	for _, a := range []string{"arrive", "resolve"} {
		if code, raw := disp.raw("POST", "/api/v1/incidents/"+orig.ID+"/"+a, nil, nil); code != 200 {
			t.Fatalf("%s: %d %s", a, code, raw)
		}
	}
	if err := chromedp.Do(console, chromedp.WaitVisible(`#incident-status[data-status=resolved]`), chromedp.WaitEnabled(`#act-close`), clickStable(`#act-close`),
		chromedp.WaitVisible(`dialog#ask[open] #ask-close select[name=disposition]`), chromedp.Poll[chromedp.Void](`document.querySelectorAll('#ask-close select[name=disposition] option').length > 0`),
		chromedp.SetValue(`#ask-close select[name=disposition]`, "advised"), b.shot("29-console-close-disposition"),
		clickStable(`dialog#ask button[value=ok]`), chromedp.WaitVisible(`#incident-status[data-status=closed]`), chromedp.WaitVisible(`#disposition[data-code=advised]`)); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := chromedp.Do(console, chromedp.Evaluate[chromedp.Void](`window.precinct.console.openStats()`), chromedp.WaitVisible(`#stats-disposition .bars li`)); err != nil {
		t.Fatalf("statistics by disposition: %v", err)
	}
	for _, lang := range []string{"zh", "en"} {
		if err := chromedp.Do(console, setLangJS(lang), chromedp.Evaluate[chromedp.Void](`window.precinct.console.openStats()`), chromedp.WaitVisible(`#stats-disposition .bars li`)); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"zh": "劝解教育", "en": "Advised"}[lang]
		if got := evalString(t, console, `document.querySelector('#stats-disposition').textContent`); !strings.Contains(got, want) {
			t.Errorf("%s: statistics by disposition %q lack %q", lang, got, want)
		}
		wordsOK(t, console, lang+" statistics with dispositions")
	}
}

// TestBrowserOverdueSettings: the times after which the queue marks an
// incident overdue come from the sub-bureau's desk settings, and an
// incident past them is coloured for its priority.
func TestBrowserOverdueSettings(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	disp := login(t, base, "dispatcher", pw["demo"])
	var me precinct.User
	disp.do("GET", "/api/v1/me", nil, &me)
	var doc precinct.RuleDocument
	if code := disp.do("GET", "/api/v1/rules", nil, &doc); code != 200 {
		t.Fatalf("rules: %d", code)
	}
	var rules map[string]any
	if err := json.Unmarshal(doc.Rules, &rules); err != nil {
		t.Fatal(err)
	}
	desk := rules["desk"].(map[string]any)
	desk["dispatch_min"] = []int{1, 1, 1, 1} // every priority: dispatched within a minute
	desk["arrive_min"] = []int{5, 10, 20, 40}
	raw, _ := json.Marshal(rules)
	if code, out := admin.raw("PUT", "/api/v1/rules", precinct.RuleDocument{SubBureauID: me.Scope.SubBureauID, Version: doc.Version, Rules: raw}, nil); code != 200 {
		t.Fatalf("put rules: %d %s", code, out)
	}
	inc := intakeAt(t, disp, stationPoint(t, disp), "noise", precinct.PlaceStreet, 4, "逾期路 1 号")
	console := b.tab("console", 2*time.Minute)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"])); err != nil {
		t.Fatal(err)
	}
	limits, err := chromedp.Run(console, chromedp.Evaluate[map[string][]int](`import('/static/queue.js').then(m => m.limits)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(limits["received"]) != "[60 60 60 60]" || fmt.Sprint(limits["travel"]) != "[300 600 1200 2400]" {
		t.Errorf("queue limits %v, want the desk's minutes", limits)
	}
	// A priority-4 call waiting longer than a minute is overdue (by the
	// defaults it would have 30 minutes).
	li := fmt.Sprintf(`#queue-list li[data-incident-id=%q]`, inc.ID)
	if err := chromedp.Do(console, chromedp.Evaluate[chromedp.Void](`window.precinct.console.incidents.forEach(i => { i.received_at = new Date(Date.now() - 90000).toISOString(); })`),
		chromedp.Evaluate[chromedp.Void](`window.precinct.console.renderQueue()`), chromedp.WaitVisible(li+`.overdue.od-p4`)); err != nil {
		t.Errorf("a priority-4 call waiting 90 s is not marked overdue: %v", err)
	}
}

// TestBrowserCallDuplicates: while a call is being taken (接警登记), as soon
// as its place and category are known the form lists the incidents it may
// repeat; the dispatcher registers it linked to one (the link on the new
// incident's timeline with the dispatcher's name), or, for another call,
// adds it to the incident instead and registers nothing (problem 9), in
// Chinese and in English.
func TestBrowserCallDuplicates(t *testing.T) {
	b := newBrowser(t)
	base, pw := startServer(t)
	admin := login(t, base, "admin", pw["admin"])
	disp := login(t, base, "dispatcher", pw["demo"])
	var me precinct.User
	disp.do("GET", "/api/v1/me", nil, &me)
	off := anyOfficer(officers(t, admin))
	at := precinct.Point{Lon: off.unit.Position.Lon + 0.001, Lat: off.unit.Position.Lat + 0.001}
	orig := intakeAt(t, disp, at, "noise", precinct.PlaceStreet, 3, "来电路 1 号")
	near := precinct.Point{Lon: at.Lon + 0.0006, Lat: at.Lat}

	console := b.tab("console", 3*time.Minute)
	// The category first, then the place: the warning comes with the place.
	category := func(code string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = document.querySelector('#intake'); f.category.value = %q; f.category.dispatchEvent(new Event('change', { bubbles: true })); })()`, code))
	}
	place := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = document.querySelector('#intake'); f.lon.value = '%.6f'; f.lat.value = '%.6f'; f.lon.dispatchEvent(new Event('change', { bubbles: true })); })()`, near.Lon, near.Lat))
	cand := fmt.Sprintf(`#intake-dups li[data-call-dup-id=%q] `, orig.ID)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), signIn("dispatcher", pw["demo"]), chromedp.WaitVisible(`#conn[data-state=live]`),
		chromedp.Evaluate[chromedp.Void](`window.precinct.console.openIntake()`), chromedp.WaitVisible(`#intake`), category("theft"), place,
		chromedp.Poll[chromedp.Void](`window.precinct.console.callDups !== undefined`)); err != nil {
		t.Fatalf("intake: %v", err)
	}
	if n := evalString(t, console, `String(document.querySelectorAll('#intake-dups li').length)`); n != "0" {
		t.Errorf("a theft at the place of a noise call is warned of %s repeats", n)
	}
	// A theft registered there meanwhile, by someone else, is news to the
	// call being taken.
	theft := intakeAt(t, admin, at, "theft", precinct.PlaceStreet, 2, "来电路 1 号")
	if err := chromedp.Do(console, chromedp.WaitVisible(fmt.Sprintf(`#intake-dups li[data-call-dup-id=%q]`, theft.ID))); err != nil {
		t.Errorf("a call registered elsewhere while this one is taken: %v", err)
	}
	if err := chromedp.Do(console, category("noise"), chromedp.WaitVisible(cand+`button[data-call-dup=link]`),
		chromedp.SendKeys(`#intake textarea[name=description]`, "楼下音响还在响"), b.shot("64-console-call-duplicate")); err != nil {
		t.Fatalf("the warning while the call is taken: %v", err)
	}
	for _, lang := range []string{"en", "zh"} {
		if err := chromedp.Do(console, setLangJS(lang), chromedp.WaitVisible(cand+`button[data-call-dup=link]`)); err != nil {
			t.Fatalf("%s: the warning after the language changed: %v", lang, err)
		}
		want := map[string]string{"zh": "重复报警", "en": "repeated call"}[lang]
		if got := evalString(t, console, `document.querySelector('#intake-dups').textContent`); !strings.Contains(got, want) {
			t.Errorf("%s: the warning %q lacks %q", lang, got, want)
		}
		wordsOK(t, console, lang+" call being taken with a possible repeat")
	}

	// Registered linked: the new incident names its original, and its
	// timeline the link and the dispatcher.
	if err := chromedp.Do(console, clickStable(cand+`button[data-call-dup=link]`), chromedp.WaitVisible(`#intake-linked`),
		chromedp.Poll[chromedp.Void](`document.querySelector('#intake-submit').textContent.includes('登记并关联')`),
		clickStable(`#intake-submit`), chromedp.Poll[chromedp.Void](fmt.Sprintf(`window.precinct.console.panelMode === 'incident' && window.precinct.console.openId !== %q && window.precinct.console.openId !== ''`, orig.ID)),
		chromedp.WaitVisible(`#dup-linked`), chromedp.WaitVisible(`#timeline li[data-type="incident.created"]`)); err != nil {
		t.Fatalf("register linked: %v", err)
	}
	id := evalString(t, console, `window.precinct.console.openId`)
	var got precinct.Incident
	if admin.do("GET", "/api/v1/incidents/"+id, nil, &got); got.DuplicateOf != orig.ID || got.Description != "楼下音响还在响" {
		t.Errorf("registered %s linked to %q (%q), want %s", id, got.DuplicateOf, got.Description, orig.ID)
	}
	created := `#timeline li[data-type="incident.created"]`
	if tl := evalString(t, console, fmt.Sprintf(`document.querySelector(%q).textContent`, created)); !strings.Contains(tl, "已关联为重复报警") {
		t.Errorf("the timeline's intake does not show the link: %q", tl)
	}
	if a := evalString(t, console, fmt.Sprintf(`document.querySelector('%s .actor').textContent`, created)); a != me.Name {
		t.Errorf("the linked intake recorded by %q, want %q", a, me.Name)
	}

	// In English, another call about it is added to the original instead:
	// a note on its timeline by the dispatcher, no new incident.
	before := len(listAll[*precinct.Incident](admin, "/api/v1/incidents"))
	if err := chromedp.Do(console, setLangJS("en"), chromedp.Evaluate[chromedp.Void](`window.precinct.console.openIntake()`), chromedp.WaitVisible(`#intake`),
		category("noise"), place, chromedp.WaitVisible(cand+`button[data-call-dup=add]`),
		chromedp.SendKeys(`#intake textarea[name=description]`, "still loud at 23:40"), chromedp.SendKeys(`#intake input[name=reporter_name]`, "王女士"),
		clickStable(cand+`button[data-call-dup=add]`), chromedp.WaitVisible(`dialog#ask[open] button[value=ok]`)); err != nil {
		t.Fatalf("add to the incident instead: %v", err)
	}
	wordsOK(t, console, "en question before adding the call")
	if err := chromedp.Do(console, clickStable(`dialog#ask button[value=ok]`),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`window.precinct.console.openId === %q`, orig.ID)), chromedp.WaitVisible(`#timeline li[data-type="incident.noted"]`)); err != nil {
		t.Fatalf("add to the incident instead: %v", err)
	}
	if n := len(listAll[*precinct.Incident](admin, "/api/v1/incidents")); n != before {
		t.Errorf("adding the call to an incident registered %d new incidents", n-before)
	}
	noted := lastOf(t, timelineOf(t, admin, orig.ID), "incident.noted")
	var d struct {
		Note string `json:"note"`
	}
	if _ = json.Unmarshal(noted.Data, &d); !strings.Contains(d.Note, "Repeated call") || !strings.Contains(d.Note, "王女士") || !strings.Contains(d.Note, "still loud at 23:40") || noted.ActorName != me.Name {
		t.Errorf("the call added: %q by %q", d.Note, noted.ActorName)
	}
	if evalBool(t, console, `window.precinct.console.draft.exists()`) {
		t.Error("the draft is kept after the call was added to an incident")
	}
	wordsOK(t, console, "en incident with the call added")
}
