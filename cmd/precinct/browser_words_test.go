package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"precinct"
)

// rawWords finds, in the visible text of a page (and its placeholders and
// the options of its lists), raw codes and ids that should have been words:
// snake_case codes, the kebab-case codes of actions, layers and routers, incident and event ids, the demo's ids
// (u-0319, user-cmd-001, ss-1, pg-…). In the Chinese page it also finds
// English words outside names ([translate=no]); in the English page, Chinese
// phrases of the interface outside names. It returns one line per finding.
const rawWords = `(async () => {
	const i18n = await import('/static/i18n.js');
	const lang = i18n.lang();
	const allow = new Set(['Precinct', 'English', 'Ctrl', 'Enter', 'Esc', 'CSV', 'Excel', 'xlsx', 'OpenStreetMap', 'ODbL', 'xhdd']); // xhdd: the pinyin example of the address field
	const zhPhrases = i18n.phrases('zh').filter(p => p.length >= 2 && !i18n.phrases('en').includes(p));
	const code = [
		/\b[a-z]+(?:_[a-z0-9]+)+\b/,
		/\b(?:en-route|police-grids|community-grids|straight-line)\b/,
		/\b(?:inc|evt|chk)_[0-9a-z]{6,}/,
		/\b(?:u|p|ss|st|pg|cg|sb|user)-[0-9a-z][0-9a-z-]*/,
	];
	const out = [];
	const check = (text, el, where) => {
		text = text.trim();
		if (!text) return;
		for (const re of code) { const m = text.match(re); if (m) out.push(where + ': raw code ' + JSON.stringify(m[0]) + ' in ' + JSON.stringify(text.slice(0, 80))); }
		const isName = el.closest('[translate=no]');
		if (isName) return;
		if (lang === 'zh') {
			for (const w of text.match(/[A-Za-z]{2,}/g) || []) if (!allow.has(w)) out.push(where + ': English ' + JSON.stringify(w) + ' in ' + JSON.stringify(text.slice(0, 80)));
		} else if (/[\u4e00-\u9fff]/.test(text) && !(el.id === 'btn-lang' || el.closest('.lang, #btn-lang'))) {
			const p = zhPhrases.find(p => text.includes(p));
			out.push(where + ': Chinese ' + JSON.stringify(p || text.slice(0, 40)) + ' in ' + JSON.stringify(text.slice(0, 80)));
		}
	};
	const visible = (el) => {
		if (!el || el.closest('[hidden], .sr-only, dialog:not([open])')) return false;
		const cs = getComputedStyle(el);
		if (cs.display === 'none' || cs.visibility === 'hidden') return false;
		const r = el.getBoundingClientRect();
		return r.width > 0 && r.height > 0;
	};
	const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walk.nextNode(); n; n = walk.nextNode()) {
		const el = n.parentElement;
		if (el.tagName === 'SCRIPT' || el.tagName === 'STYLE' || el.tagName === 'OPTION') continue;
		if (!visible(el)) continue;
		check(n.textContent, el, el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : ''));
	}
	for (const el of document.querySelectorAll('select, input[placeholder], textarea[placeholder]')) {
		if (!visible(el)) continue;
		if (el.placeholder) check(el.placeholder, el, 'placeholder');
		for (const o of el.options || []) check(o.textContent, o, 'option of ' + (el.name || el.id));
	}
	return out;
})()`

// wordsOK walks the page and reports what it found.
func wordsOK(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](rawWords, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: walk: %v", page, err)
	}
	seen := map[string]bool{}
	for _, f := range found {
		if !seen[f] {
			seen[f] = true
			t.Errorf("%s: %s", page, f)
		}
	}
}

// TestBrowserWordsNotCodes walks every page in Chinese and in English and
// fails on a raw code or id in visible text, on English in the Chinese
// interface and on Chinese interface words in the English one (problem 8).
func TestBrowserWordsNotCodes(t *testing.T) {
	b := newBrowser(t)
	m := startMain(t, func(c *Config) { c.DemoHistoryDays = 1 })
	base := m.HTTP.URL()
	admin := login(t, base, "admin", testAdminPassword)
	disp := login(t, base, "dispatcher", testDemoPassword)
	offs := officers(t, admin)
	off := anyOfficer(offs)
	near := func(dLon, dLat float64) precinct.Point {
		return precinct.Point{Lon: off.unit.Position.Lon + dLon, Lat: off.unit.Position.Lat + dLat}
	}
	act := func(id, action string, body any) {
		t.Helper()
		if code, raw := disp.raw("POST", "/api/v1/incidents/"+id+"/"+action, body, nil); code != 200 {
			t.Fatalf("%s %s: %d %s", action, id, code, raw)
		}
	}
	// One incident through its whole life, handed over; one pushed; one
	// dispatched to the officer; one waiting with its recommendations.
	done := intakeAt(t, disp, near(0.001, 0), "noise", precinct.PlaceStreet, 3, "词语路 1 号")
	act(done.ID, "dispatch", map[string]any{"units": []string{off.unit.ID}})
	act(done.ID, "en-route", nil)
	act(done.ID, "arrive", nil)
	act(done.ID, "handover", map[string]any{"to": "station", "note": "移交派出所"})
	act(done.ID, "close", map[string]any{"disposition": "transferred"})
	act(done.ID, "callback", map[string]any{"satisfaction": 5, "comment": "满意"})
	pushed := intakeAt(t, disp, near(0, 0.001), "theft", precinct.PlaceStreet, 2, "词语路 2 号")
	act(pushed.ID, "push", nil)
	mine := intakeAt(t, disp, near(0.001, 0.001), "help", precinct.PlaceStreet, 3, "词语路 3 号")
	act(mine.ID, "dispatch", map[string]any{"units": []string{off.unit.ID}})
	waiting := intakeAt(t, disp, near(0.0005, 0.0005), "fight", precinct.PlaceStreet, 1, "词语路 4 号")

	console := b.tab("console", 3*time.Minute)
	if err := chromedp.Do(console, chromedp.Navigate(base+"/"), chromedp.WaitVisible(`#login input[name=username]`)); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		if err := chromedp.Do(console, setLangJS(lang)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, console, lang+" sign-in")
	}
	if err := chromedp.Do(console, setLangJS("zh"), signIn("dispatcher", testDemoPassword), chromedp.WaitVisible(`#conn[data-state=live]`)); err != nil {
		t.Fatal(err)
	}
	open := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.precinct.console.openIncident(%q)`, id)),
			chromedp.Poll[chromedp.Void](`window.precinct.console.timeline && window.precinct.console.recs`),
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#panel details').forEach(d => d.open = true)`),
		)
	}
	for _, lang := range []string{"zh", "en"} {
		page := lang + " console"
		if err := chromedp.Do(console, setLangJS(lang), chromedp.Evaluate[chromedp.Void](`document.querySelector('.tab[data-filter=all]').click()`)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, console, page+" queue")
		for _, id := range []string{done.ID, pushed.ID, mine.ID, waiting.ID} {
			if err := chromedp.Do(console, open(id)); err != nil {
				t.Fatal(err)
			}
			wordsOK(t, console, page+" incident "+id)
		}
		if err := chromedp.Do(console, b.shot("50-console-words-"+lang), chromedp.KeyEvent(kb.Escape), chromedp.Focus(`#queue-list`), chromedp.KeyEvent("n"), chromedp.WaitVisible(`#intake`)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, console, page+" intake")
		if err := chromedp.Do(console, chromedp.KeyEvent(kb.Escape), chromedp.Focus(`#queue-list`), chromedp.KeyEvent("s"), chromedp.WaitVisible(`#stats-table`),
			chromedp.SetValue(`#stats select[name=period]`, "week"), chromedp.Evaluate[chromedp.Void](`document.querySelector('#stats').dispatchEvent(new Event('change'))`),
			chromedp.Poll[chromedp.Void](`document.querySelector('#stats-out .bars')`), chromedp.Sleep(500*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, console, page+" statistics")
		if err := chromedp.Do(console, chromedp.KeyEvent(kb.Escape), chromedp.Focus(`#queue-list`), chromedp.KeyEvent("t"), chromedp.WaitVisible(`#traj`),
			chromedp.SetValue(`#traj select[name=unit]`, off.unit.ID), clickStable(`#traj button[type=submit]`),
			chromedp.Poll[chromedp.Void](`document.querySelector('#traj-info').textContent.length > 0`)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, console, page+" trajectory")
		if err := chromedp.Do(console, chromedp.KeyEvent(kb.Escape), chromedp.Focus(`#queue-list`), chromedp.KeyEvent("?"), chromedp.WaitVisible(`dialog#help[open]`)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, console, page+" help")
		if err := chromedp.Do(console, chromedp.KeyEvent(kb.Escape)); err != nil {
			t.Fatal(err)
		}
	}

	screen := b.tab("screen", 2*time.Minute)
	if err := chromedp.Do(screen, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(base+"/screen"), signIn("dispatcher", testDemoPassword),
		chromedp.WaitVisible(`#active li[data-incident-id]`), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		if err := chromedp.Do(screen, setLangJS(lang), chromedp.Sleep(200*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, screen, lang+" screen")
	}

	app := b.tab("app", 2*time.Minute)
	if err := chromedp.Do(app, phone(off.unit.Position.Lon, off.unit.Position.Lat), chromedp.Navigate(base+"/app"), signIn(off.user.Username, testDemoPassword),
		chromedp.WaitVisible(fmt.Sprintf(`#task-status[data-incident-id=%q]`, mine.ID))); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh", "en"} {
		if err := chromedp.Do(app, setLangJS(lang), chromedp.Sleep(200*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		wordsOK(t, app, lang+" app")
	}
}
