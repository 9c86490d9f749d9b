package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"precinct"
)

// download clicks an export button of the statistics panel and returns the
// file the page saves, with its name.
func download(t *testing.T, ctx context.Context, button string) (string, []byte) {
	t.Helper()
	js := fmt.Sprintf(`(async () => {
		let blob = null;
		const make = URL.createObjectURL;
		URL.createObjectURL = (b) => { blob = b; return make(b); };
		const saved = new Promise((resolve) => {
			const click = HTMLAnchorElement.prototype.click;
			HTMLAnchorElement.prototype.click = function () {
				HTMLAnchorElement.prototype.click = click;
				URL.createObjectURL = make;
				resolve(this.download);
			};
		});
		document.querySelector(%q).click();
		const name = await saved;
		const bytes = new Uint8Array(await blob.arrayBuffer());
		let s = '';
		for (const b of bytes) s += String.fromCharCode(b);
		return { name, body: btoa(s) };
	})()`, button)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Name string `json:"name"`
		Body string `json:"body"`
	}](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download %s: %v", button, err)
	}
	b, err := base64.StdEncoding.DecodeString(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out.Name, b
}

// TestBrowserStatisticsExport: the dispatcher saves the statistics from
// the console as CSV and as .xlsx, built by the server in the page's
// language: LibreOffice's default import reads real numbers and local
// times, hot spots are there, and so are the counts by disposition
// (problem 13, and 处警结果 of the Build list), in Chinese and in English.
func TestBrowserStatisticsExport(t *testing.T) {
	b := newBrowser(t)
	m := startMain(t, func(c *Config) { c.DemoHistoryDays = 2 })
	disp := login(t, m.HTTP.URL(), "dispatcher", testDemoPassword)
	names := dispositionNames(t, disp)
	console := b.tab("console", 2*time.Minute)
	if err := chromedp.Do(console, chromedp.Navigate(m.HTTP.URL()+"/"), signIn("dispatcher", testDemoPassword)); err != nil {
		t.Fatal(err)
	}
	localTime := regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)
	for _, lang := range []string{"zh", "en"} {
		// The week: the demo's two days of history, closed with dispositions.
		if err := chromedp.Do(console, setLangJS(lang), chromedp.Evaluate[chromedp.Void](`window.precinct.console.openStats()`), chromedp.WaitVisible(`#stats-table`),
			chromedp.SetValue(`#stats select[name=period]`, "week"), chromedp.Evaluate[chromedp.Void](`document.querySelector('#stats').dispatchEvent(new Event('change'))`),
			chromedp.Poll[chromedp.Void](`!document.querySelector('#stats-out').hasAttribute('aria-busy') && window.precinct.console.stats.asked.includes('from=')`),
			chromedp.WaitVisible(`#stats-csv`)); err != nil {
			t.Fatalf("%s: statistics: %v", lang, err)
		}
		asked := evalString(t, console, `window.precinct.console.stats.asked`)
		var rep precinct.IncidentReport
		if code := disp.do("GET", "/api/v1/stats/incidents?"+asked, nil, &rep); code != 200 || len(rep.Current.ByDisposition) == 0 {
			t.Fatalf("%s: the week's statistics: %d, by disposition %v", lang, code, rep.Current.ByDisposition)
		}
		l := slices.Index([]string{"zh", "en"}, lang)
		w := map[string]map[string]string{
			"zh": {"total": "警情总数（起）", "from": "开始时间", "response": "平均到场时长（分钟）", "rank": "排名", "disposition": "处警结果", "name": "警情统计"},
			"en": {"total": "Incidents", "from": "From", "response": "Mean response time (min)", "rank": "Rank", "disposition": "By disposition", "name": "incident-statistics"},
		}[lang]
		check := func(format string, rows [][]string, sheetOf func(string) [][]string) {
			t.Helper()
			if r := row(rows, w["total"]); r == nil || r[1] != strconv.Itoa(rep.Current.Total) {
				t.Errorf("%s %s: total %v, want %d", lang, format, r, rep.Current.Total)
			}
			if r := row(rows, w["response"]); r == nil {
				t.Errorf("%s %s: no response time", lang, format)
			} else if _, err := strconv.ParseFloat(r[1], 64); err != nil {
				t.Errorf("%s %s: response time %q is not a number", lang, format, r[1])
			}
			spots := sheetOf(w["rank"])
			if len(spots) < 2 {
				t.Errorf("%s %s: no hot spots", lang, format)
			}
			ds := sheetOf(w["disposition"])
			for _, c := range rep.Current.ByDisposition {
				if r := row(ds, names[c.Key][l]); r == nil || r[1] != strconv.Itoa(c.N) {
					t.Errorf("%s %s: disposition %s: row %v, want %q %d", lang, format, c.Key, r, names[c.Key][l], c.N)
				}
			}
		}

		name, raw := download(t, console, "#stats-csv")
		if !strings.HasSuffix(name, ".csv") || !strings.HasPrefix(name, w["name"]) {
			t.Errorf("%s: CSV saved as %q", lang, name)
		}
		if bytes.ContainsRune(raw, '\u2212') {
			t.Errorf("%s: the CSV has U+2212 minus signs", lang)
		}
		rows := readLikeLibreOffice(t, raw)
		if r := row(rows, w["from"]); r == nil || !localTime.MatchString(r[1]) {
			t.Errorf("%s: CSV period starts %v, want a local date and time", lang, r)
		}
		check("CSV", rows, func(title string) [][]string {
			at := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == title })
			if at < 0 {
				return nil
			}
			end := slices.IndexFunc(rows[at:], func(r []string) bool { return len(r) == 0 || len(r) == 1 && r[0] == "" })
			if end < 0 {
				return rows[at:]
			}
			return rows[at : at+end]
		})

		name, raw = download(t, console, "#stats-xlsx")
		if !strings.HasSuffix(name, ".xlsx") {
			t.Errorf("%s: spreadsheet saved as %q", lang, name)
		}
		f, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: xlsx: %v", lang, err)
		}
		sheets := f.GetSheetList()
		get := func(sheet string) [][]string {
			r, _ := f.GetRows(sheet, excelize.Options{RawCellValue: true})
			return r
		}
		check("xlsx", get(sheets[0]), func(title string) [][]string {
			for _, s := range sheets {
				if r := get(s); len(r) > 0 && len(r[0]) > 0 && r[0][0] == title {
					return r
				}
			}
			return nil
		})
		f.Close()
	}
}
