package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"precinct"
	"precinct/dispatch"
)

// readLikeLibreOffice reads a CSV as LibreOffice Calc's default import does:
// UTF-8 (a byte order mark chooses it), comma-separated, double quotes
// around text; a cell is a number only if it is a plain decimal with a dot
// and an ASCII minus, and a date only in ISO 8601 form.
func readLikeLibreOffice(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Fatal("no UTF-8 byte order mark")
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	return rows
}

// dispositionNames returns the closing codes of the caller's sub-bureau by
// name, code → {Chinese, English}, from its rules' desk settings.
func dispositionNames(t *testing.T, c *client) map[string][2]string {
	t.Helper()
	var doc precinct.RuleDocument
	if code := c.do("GET", "/api/v1/rules", nil, &doc); code != 200 {
		t.Fatalf("rules: %d", code)
	}
	var r struct {
		Desk *dispatch.Desk `json:"desk"`
	}
	if err := json.Unmarshal(doc.Rules, &r); err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	for _, d := range dispatch.DeskOf(&dispatch.Rules{Desk: r.Desk}).Dispositions {
		out[d.Code] = [2]string{d.Name, d.NameEN}
	}
	return out
}

// row returns the first row whose first cell is label.
func row(rows [][]string, label string) []string {
	for _, r := range rows {
		if len(r) > 0 && r[0] == label {
			return r
		}
	}
	return nil
}

// TestStatisticsExport: the server builds the statistics as .xlsx and CSV
// with real numbers, local time and hot spots, which LibreOffice's default
// import reads as numbers and dates (problem 13).
func TestStatisticsExport(t *testing.T) {
	m := startMain(t, func(c *Config) { c.DemoHistoryDays = 2 })
	disp := login(t, m.HTTP.URL(), "dispatcher", testDemoPassword)
	to := precinct.DayStart(time.Now()).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -7)
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}, "compare": {"year"}}
	var rep precinct.IncidentReport
	if code := disp.do("GET", "/api/v1/stats/incidents?"+q.Encode(), nil, &rep); code != 200 || rep.Current.Total == 0 {
		t.Fatalf("statistics: %d, %d incidents", code, rep.Current.Total)
	}

	q.Set("format", "csv")
	code, raw := disp.raw("GET", "/api/v1/stats/incidents/export?"+q.Encode(), nil, nil)
	if code != 200 {
		t.Fatalf("CSV: %d %s", code, raw)
	}
	if strings.ContainsRune(string(raw), '\u2212') {
		t.Error("the CSV has U+2212 minus signs")
	}
	rows := readLikeLibreOffice(t, raw)
	total := row(rows, "警情总数（起）")
	if total == nil || total[1] != strconv.Itoa(rep.Current.Total) {
		t.Errorf("total row %v, want %d", total, rep.Current.Total)
	}
	start := row(rows, "开始时间")
	if start == nil || start[1] != from.In(precinct.CST).Format("2006-01-02 15:04:05") {
		t.Errorf("start row %v, want the local time %s", start, from.In(precinct.CST).Format("2006-01-02 15:04:05"))
	}
	resp := row(rows, "平均到场时长（分钟）")
	if resp == nil {
		t.Fatal("no response time row")
	}
	if v, err := strconv.ParseFloat(resp[1], 64); err != nil || rep.Current.ResponseTime.MeanS == nil || v != float64(int(*rep.Current.ResponseTime.MeanS/60*100+0.5))/100 {
		t.Errorf("response time %q, want %v s in minutes as a number (%v)", resp[1], rep.Current.ResponseTime.MeanS, err)
	}
	// Dispositions, by name in the export's language (处警结果).
	if len(rep.Current.ByDisposition) == 0 {
		t.Fatal("the demo history closed no incident with a disposition")
	}
	names := dispositionNames(t, disp)
	dispositions := func(rows [][]string, title string, lang int) {
		t.Helper()
		at := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == title })
		if at < 0 {
			t.Errorf("no %q table in %v", title, rows)
			return
		}
		for _, c := range rep.Current.ByDisposition {
			name := names[c.Key][lang]
			if name == "" {
				t.Errorf("disposition %q has no name", c.Key)
				continue
			}
			if r := row(rows[at+1:], name); r == nil || r[1] != strconv.Itoa(c.N) {
				t.Errorf("%s: row %v, want %q %d", title, r, name, c.N)
			}
		}
	}
	dispositions(rows, "处警结果", 0)

	spots := -1
	for i, r := range rows {
		if len(r) > 0 && r[0] == "排名" {
			spots = i
		}
	}
	if spots < 0 || spots+1 >= len(rows) {
		t.Error("no hot spots")
	} else if first := rows[spots+1]; len(first) != 4 || first[0] != "1" {
		t.Errorf("first hot spot %v", first)
	} else if _, err := strconv.ParseFloat(first[1], 64); err != nil {
		t.Errorf("hot spot longitude %q is not a number", first[1])
	}

	// English, as a spreadsheet.
	q.Set("format", "xlsx")
	q.Set("lang", "en")
	code, raw = disp.raw("GET", "/api/v1/stats/incidents/export?"+q.Encode(), nil, nil)
	if code != 200 {
		t.Fatalf("xlsx: %d %s", code, raw)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) < 7 || sheets[0] != "Summary" || sheets[len(sheets)-1] != "Hot spots" {
		t.Errorf("sheets %v", sheets)
	}
	xrows, err := f.GetRows("Summary", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := row(xrows, "Incidents"); r == nil || r[1] != strconv.Itoa(rep.Current.Total) {
		t.Errorf("xlsx total %v", r)
	}
	typ, err := f.GetCellType("Summary", "B7")
	if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
		t.Errorf("the total is stored as %v (%v), want a number", typ, err)
	}
	drows, err := f.GetRows("By disposition", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Errorf("no disposition sheet: %v (sheets %v)", err, sheets)
	}
	dispositions(drows, "By disposition", 1)
	for _, c := range rep.Current.ByDisposition {
		for i, r := range drows {
			if len(r) > 1 && r[0] == names[c.Key][1] {
				if typ, _ := f.GetCellType("By disposition", fmt.Sprintf("B%d", i+1)); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
					t.Errorf("the count of %s is stored as %v, want a number", c.Key, typ)
				}
			}
		}
	}
	if v, _ := f.GetCellValue("Summary", "B1"); !strings.Contains(v, fmt.Sprint(from.In(precinct.CST).Day())) {
		t.Logf("start shown as %q", v)
	}
	if code, _ := disp.raw("GET", "/api/v1/stats/incidents/export?format=pdf", nil, nil); code != 400 {
		t.Errorf("format pdf: %d, want 400", code)
	}
}
