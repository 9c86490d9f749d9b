package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"precinct"
)

// Catalog names what statistics count by code: categories and stations.
type Catalog interface {
	ListCategories(ctx context.Context, subBureauID string) ([]precinct.Category, error)
	ListStations(ctx context.Context, f precinct.StationFilter) ([]*precinct.Station, string, error)
}

// Dispositions names the closing codes (处警结果) of the caller's
// sub-bureau, code → {Chinese, English}: the dispatch service, from the
// desk settings of its rules.
type Dispositions interface {
	DispositionNames(ctx context.Context) (map[string][2]string, error)
}

// Export formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// ExportIncidentStats builds the statistics of q as a spreadsheet (.xlsx)
// or CSV in the language lang ("zh" or "en"): real numbers (durations in
// minutes, rates in per cent), times in China Standard Time, and the hot
// spots. The caller's reach is that of IncidentStats. The CSV is UTF-8 with
// a byte order mark, comma-separated, with ASCII minus signs and ISO dates,
// which LibreOffice's and Excel's default imports read as numbers and dates.
var _ precinct.StatsExportService = (*Service)(nil)

func (s *Service) ExportIncidentStats(ctx context.Context, q precinct.StatsQuery, format, lang string) (*precinct.StatsExport, error) {
	if format != FormatCSV && format != FormatXLSX {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "format", "导出格式应为 xlsx 或 csv", "The export format is xlsx or csv.")
	}
	if q.HeatCellDeg <= 0 {
		q.HeatCellDeg = 0.005
	}
	rep, err := s.IncidentStats(ctx, q)
	if err != nil {
		return nil, err
	}
	names, err := s.names(ctx, precinct.UserFromContext(ctx))
	if err != nil {
		return nil, err
	}
	w := words(lang)
	sheets := tables(rep, names, w)
	name := fmt.Sprintf("%s-%s-%s.%s", w["title"], rep.Current.From.In(precinct.CST).Format("2006-01-02"), rep.Current.To.Add(-time.Second).In(precinct.CST).Format("2006-01-02"), format)
	if format == FormatCSV {
		b, err := writeCSV(sheets)
		return &precinct.StatsExport{Name: name, ContentType: "text/csv; charset=utf-8", Body: b}, err
	}
	b, err := writeXLSX(sheets)
	return &precinct.StatsExport{Name: name, ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Body: b}, err
}

// catalogNames maps codes to names in both languages.
type catalogNames struct {
	category    map[string][2]string
	station     map[string]string
	disposition map[string][2]string
}

func (s *Service) names(ctx context.Context, u *precinct.User) (*catalogNames, error) {
	n := &catalogNames{category: map[string][2]string{}, station: map[string]string{}, disposition: map[string][2]string{}}
	if s.Dispositions != nil {
		d, err := s.Dispositions.DispositionNames(ctx)
		if err != nil {
			return nil, err
		}
		n.disposition = d
	}
	if s.Catalog == nil {
		return n, nil
	}
	sc := precinct.ScopeOf(u)
	cats, err := s.Catalog.ListCategories(ctx, sc.SubBureauID)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		n.category[c.Code] = [2]string{c.Name, c.NameEN}
	}
	for cursor := ""; ; {
		page, next, err := s.Catalog.ListStations(ctx, precinct.StationFilter{Scope: sc, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, st := range page {
			n.station[st.ID] = st.Name
		}
		if cursor = next; cursor == "" {
			return n, nil
		}
	}
}

// sheet is one table of an export: a title and rows of cells (strings,
// float64, int or time.Time).
type sheet struct {
	title string
	rows  [][]any
}

func tables(rep *precinct.IncidentReport, n *catalogNames, w map[string]string) []sheet {
	cur, prev := rep.Current, rep.PreviousYear
	local := func(t time.Time) time.Time { return t.In(precinct.CST) }
	minutes := func(v *float64) any {
		if v == nil {
			return ""
		}
		return round(*v/60, 2)
	}
	pct := func(v *float64) any {
		if v == nil {
			return ""
		}
		return round(*v*100, 1)
	}
	summary := sheet{title: w["summary"], rows: [][]any{
		{w["from"], local(cur.From)},
		{w["to"], local(cur.To)},
		{w["station"], stationName(n, rep.StationID, w)},
		{},
		{w["metric"], w["current"], w["previous"], w["change"]},
	}}
	add := func(label string, a, b, c any) { summary.rows = append(summary.rows, []any{label, a, b, c}) }
	var p precinct.IncidentStats
	if prev != nil {
		p = *prev
	}
	ch := rep.Change
	if ch == nil {
		ch = &precinct.Change{}
	}
	prevOr := func(v any) any {
		if prev == nil {
			return ""
		}
		return v
	}
	add(w["total"], cur.Total, prevOr(p.Total), pct0(ch.TotalPct))
	add(w["open"], cur.Open, prevOr(p.Open), "")
	add(w["flow"], minutes(cur.FlowTime.MeanS), prevOr(minutes(p.FlowTime.MeanS)), minutesDelta(ch.FlowTimeMeanS))
	add(w["response"], minutes(cur.ResponseTime.MeanS), prevOr(minutes(p.ResponseTime.MeanS)), minutesDelta(ch.ResponseTimeMeanS))
	add(w["p90response"], minutes(cur.ResponseTime.P90S), prevOr(minutes(p.ResponseTime.P90S)), "")
	add(w["onscene"], pct(cur.OnSceneRate), prevOr(pct(p.OnSceneRate)), pct(ch.OnSceneRate))
	add(w["satisfied"], pct(cur.SatisfiedRate), prevOr(pct(p.SatisfiedRate)), pct(ch.SatisfiedRate))
	add(w["patrol"], pct(cur.PatrolShare), prevOr(pct(p.PatrolShare)), pct(ch.PatrolShare))

	counts := func(title string, cs []precinct.Count, name func(string) string) sheet {
		sh := sheet{title: title, rows: [][]any{{title, w["count"]}}}
		for _, c := range cs {
			sh.rows = append(sh.rows, []any{name(c.Key), c.N})
		}
		return sh
	}
	lang := 0
	if w["lang"] == "en" {
		lang = 1
	}
	named := func(m map[string][2]string) func(string) string {
		return func(k string) string {
			if c, ok := m[k]; ok && c[lang] != "" {
				return c[lang]
			}
			return k
		}
	}
	out := []sheet{summary,
		counts(w["bycategory"], cur.ByCategory, named(n.category)),
		counts(w["bystation"], cur.ByStation, func(k string) string { return stationName(n, k, w) }),
		counts(w["byhandler"], cur.ByHandler, func(k string) string { return w["handler."+k] }),
		counts(w["bystatus"], cur.ByStatus, func(k string) string { return w["status."+k] }),
		counts(w["bydisposition"], cur.ByDisposition, named(n.disposition)),
	}
	hours := sheet{title: w["byhour"], rows: [][]any{{w["hour"], w["count"]}}}
	for h, c := range cur.ByHour {
		hours.rows = append(hours.rows, []any{h, c})
	}
	spots := sheet{title: w["hotspots"], rows: [][]any{{w["rank"], w["lon"], w["lat"], w["count"]}}}
	for i, c := range cur.Heat {
		if i == 20 {
			break
		}
		spots.rows = append(spots.rows, []any{i + 1, round(c.Lon, 5), round(c.Lat, 5), c.N})
	}
	return append(out, hours, spots)
}

func stationName(n *catalogNames, id string, w map[string]string) string {
	if id == "" {
		return w["allstations"]
	}
	if name, ok := n.station[id]; ok {
		return name
	}
	return id
}

func round(v float64, places int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', places, 64), 64)
	return f
}

func pct0(v *float64) any {
	if v == nil {
		return ""
	}
	return round(*v, 1)
}

func minutesDelta(v *float64) any {
	if v == nil {
		return ""
	}
	return round(*v/60, 2)
}

// cell formats a value for CSV: numbers with a dot and ASCII minus, times
// as ISO dates in China Standard Time.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case time.Time:
		return x.In(precinct.CST).Format("2006-01-02 15:04:05")
	}
	return fmt.Sprint(v)
}

func writeCSV(sheets []sheet) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	for i, sh := range sheets {
		if i > 0 {
			if err := cw.Write([]string{}); err != nil {
				return nil, err
			}
		}
		if i > 0 && sh.title != fmt.Sprint(sh.rows[0][0]) {
			if err := cw.Write([]string{sh.title}); err != nil {
				return nil, err
			}
		}
		for _, r := range sh.rows {
			rec := make([]string, len(r))
			for j, v := range r {
				rec[j] = cell(v)
			}
			if err := cw.Write(rec); err != nil {
				return nil, err
			}
		}
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}

func writeXLSX(sheets []sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm, shown in the reader's locale
	if err != nil {
		return nil, err
	}
	for i, sh := range sheets {
		name := sh.title
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		for r, row := range sh.rows {
			for c, v := range row {
				ref, err := excelize.CoordinatesToCellName(c+1, r+1)
				if err != nil {
					return nil, err
				}
				if t, ok := v.(time.Time); ok {
					// Local wall time: a spreadsheet has no zones.
					v = time.Date(t.In(precinct.CST).Year(), t.In(precinct.CST).Month(), t.In(precinct.CST).Day(), t.In(precinct.CST).Hour(), t.In(precinct.CST).Minute(), t.In(precinct.CST).Second(), 0, time.UTC)
					if err := f.SetCellStyle(name, ref, ref, dateStyle); err != nil {
						return nil, err
					}
				}
				if err := f.SetCellValue(name, ref, v); err != nil {
					return nil, err
				}
			}
		}
		_ = f.SetColWidth(name, "A", "A", 28)
		_ = f.SetColWidth(name, "B", "D", 16)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
