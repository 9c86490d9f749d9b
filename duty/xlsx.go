package duty

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"precinct"
)

// Rosters travel as workbooks with one sheet, 排班表, one row per shift:
//
//	排班单位 | 班次编号 | 班次名称 | 类型 | 开始 | 结束 | 警力 | 岗位 | 最低人数 | 人员
//
// A unit, post, station or person is written as its name with its ID in
// brackets, "张三（p-00012）"; an import takes the ID in brackets, or else
// looks the name up. Times are "2026-11-23 08:00" (China Standard Time) or
// spreadsheet date-times. The people of a shift are separated by 、 or a
// comma. An import replaces, for each station and week it names, the
// week's shifts; a week it does not name stays as it is.

// RosterSheet is the name of the sheet rosters are read from and written to.
const RosterSheet = "排班表"

var rosterHeader = []string{"排班单位", "班次编号", "班次名称", "类型", "开始", "结束", "警力", "岗位", "最低人数", "人员"}

// kindWords are the Chinese names of shift kinds, for workbooks.
var kindWords = map[precinct.ShiftKind]string{
	precinct.ShiftPrimary: "正班", precinct.ShiftSecondary: "副班", precinct.ShiftCrew: "24小时勤务",
	precinct.ShiftDay: "白班", precinct.ShiftNight: "夜班", precinct.ShiftOffice: "警务室工作时间",
	precinct.ShiftPost: "岗位勤务", precinct.ShiftCommand: "指挥室值班",
}

// Limits of an import.
const (
	MaxWorkbookBytes = 4 << 20
	maxImportRows    = 20000
)

const timeLayout = "2006-01-02 15:04"

// named writes a name with its ID in brackets.
func named(name, id string) string {
	if name == "" || name == id {
		return id
	}
	return name + "（" + id + "）"
}

// unnamed splits "name（id）" (or with ASCII brackets) into name and ID; a
// cell without brackets is a name or an ID, returned as both.
func unnamed(s string) (name, id string) {
	s = strings.TrimSpace(s)
	for _, br := range [][2]string{{"（", "）"}, {"(", ")"}} {
		if strings.HasSuffix(s, br[1]) {
			if i := strings.LastIndex(s, br[0]); i >= 0 {
				return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(br[0]) : len(s)-len(br[1])])
			}
		}
	}
	return s, s
}

// ExportRoster returns a roster as a workbook that ImportRosters reads back.
func (s *Service) ExportRoster(ctx context.Context, id string) ([]byte, error) {
	r, err := s.Roster(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := s.ownerOf(ctx, precinct.Everywhere, r.Owner())
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", RosterSheet); err != nil {
		return nil, err
	}
	if err := f.SetSheetRow(RosterSheet, "A1", &rosterHeader); err != nil {
		return nil, err
	}
	for i, sh := range r.Shifts {
		var crew []string
		for _, m := range sh.Crew {
			crew = append(crew, named(r.Names[m.PersonID], m.PersonID))
		}
		row := []any{named(o.Name, o.ID), sh.ID, sh.Name, kindWords[sh.Kind], sh.Start.In(precinct.CST).Format(timeLayout), sh.End.In(precinct.CST).Format(timeLayout),
			namedOrEmpty(r.Names[sh.UnitID], sh.UnitID), namedOrEmpty(r.Names[sh.PostID], sh.PostID), sh.MinCrew, strings.Join(crew, "、")}
		if err := f.SetSheetRow(RosterSheet, "A"+strconv.Itoa(i+2), &row); err != nil {
			return nil, err
		}
	}
	_ = f.SetColWidth(RosterSheet, "A", "A", 28)
	_ = f.SetColWidth(RosterSheet, "B", "D", 20)
	_ = f.SetColWidth(RosterSheet, "E", "F", 18)
	_ = f.SetColWidth(RosterSheet, "J", "J", 60)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func namedOrEmpty(name, id string) string {
	if id == "" {
		return ""
	}
	return named(name, id)
}

// rowError is an EINVALID error naming a row of the workbook.
func rowError(row int, err error) error {
	e, ok := err.(*precinct.Error)
	if !ok {
		return err
	}
	out := *e
	out.Field = fmt.Sprintf("row %d", row)
	out.Message = fmt.Sprintf("第 %d 行：%s", row, e.Message)
	out.MessageEN = fmt.Sprintf("Row %d: %s", row, e.MessageEN)
	return &out
}

func rowErrorf(row int, zh, en string, args ...any) error {
	return rowError(row, precinct.Errorf(precinct.EINVALID, zh, en, args...))
}

// readRows opens a workbook and returns the rows of its roster sheet (or of
// its first sheet) with raw cell values.
func readRows(b []byte) ([][]string, error) {
	if len(b) > MaxWorkbookBytes {
		return nil, precinct.Errorf(precinct.EINVALID, "表格超过 4 MiB", "The workbook exceeds 4 MiB.")
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, precinct.Errorf(precinct.EINVALID, "无法读取表格：请上传 .xlsx 文件", "Cannot read the workbook: upload an .xlsx file.")
	}
	defer f.Close()
	sheet := RosterSheet
	if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		sheet = f.GetSheetList()[0]
	}
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, precinct.Errorf(precinct.EINVALID, "无法读取工作表 %s", "Cannot read sheet %s.", sheet)
	}
	if len(rows) > maxImportRows {
		return nil, precinct.Errorf(precinct.EINVALID, "表格行数过多（最多 20000 行）", "Too many rows (at most 20,000).")
	}
	return rows, nil
}

// cellTime reads a time cell: "2026-11-23 08:00" or a spreadsheet
// date-time number, in China Standard Time.
func cellTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{timeLayout, "2006-01-02 15:04:05", "2006/1/2 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, v, precinct.CST); err == nil {
			return t, true
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 {
		t, err := excelize.ExcelDateToTime(f, false)
		if err != nil {
			return time.Time{}, false
		}
		t = t.Round(time.Minute)
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, precinct.CST), true
	}
	return time.Time{}, false
}

// kindOf reads a shift kind from its code or its Chinese name.
func kindOf(v string) (precinct.ShiftKind, bool) {
	v = strings.TrimSpace(v)
	if k := precinct.ShiftKind(v); k.Valid() {
		return k, true
	}
	for k, w := range kindWords {
		if w == v {
			return k, true
		}
	}
	return "", false
}

// importRow is one shift read from a workbook, with its row number.
type importRow struct {
	row   int
	owner *owner
	shift precinct.Shift
}

// ImportRosters reads a workbook of shifts and replaces, for each station
// or service station and week it names, the week's shifts, all in one
// transaction: a workbook with one bad row changes nothing, and the error
// names the row.
func (s *Service) ImportRosters(ctx context.Context, b []byte) ([]*precinct.Roster, error) {
	u, sc, err := caller(ctx, precinct.PermManageDuty)
	if err != nil {
		return nil, err
	}
	rows, err := readRows(b)
	if err != nil {
		return nil, err
	}
	if len(rows) < 2 {
		return nil, precinct.Errorf(precinct.EINVALID, "表格中没有班次", "The workbook has no shifts.")
	}
	owners := map[string]*owner{}
	ps := s.people(ctx)
	var items []importRow
	for i, r := range rows[1:] {
		n := i + 2
		cell := func(c int) string {
			if c < len(r) {
				return strings.TrimSpace(r[c])
			}
			return ""
		}
		if strings.Join(r, "") == "" {
			continue
		}
		_, oid := unnamed(cell(0))
		o := owners[oid]
		if o == nil {
			if o, err = s.ownerOf(ctx, sc, oid); err != nil {
				return nil, rowErrorf(n, "排班单位不存在或不在您的辖区：%s", "No station or service station %s in your jurisdiction.", cell(0))
			}
			owners[oid] = o
		}
		kind, ok := kindOf(cell(3))
		if !ok {
			return nil, rowErrorf(n, "未知的班次类型：%s", "Unknown shift kind %s.", cell(3))
		}
		start, ok1 := cellTime(cell(4))
		end, ok2 := cellTime(cell(5))
		if !ok1 || !ok2 {
			return nil, rowErrorf(n, "开始、结束时间格式应为 2026-11-23 08:00", "Start and end are written 2026-11-23 08:00.")
		}
		minCrew := 0
		if v := cell(8); v != "" {
			if minCrew, err = strconv.Atoi(v); err != nil {
				return nil, rowErrorf(n, "最低人数应为整数", "The minimum crew is a whole number.")
			}
		}
		sh := precinct.Shift{ID: cell(1), Name: cell(2), Kind: kind, Start: start, End: end, MinCrew: minCrew}
		// A shift exported from a pattern keeps it: its ID is <date>/<pattern>.
		if _, pid, ok := strings.Cut(sh.ID, "/"); ok {
			if p, err := s.Store.FindShiftPattern(ctx, pid); err == nil && p.Owner() == o.ID {
				sh.PatternID = p.ID
			}
		}
		if v := cell(6); v != "" {
			_, uid := unnamed(v)
			un, err := s.unitNamed(ctx, o, uid)
			if err != nil {
				return nil, rowError(n, err)
			}
			sh.UnitID = un
		}
		if v := cell(7); v != "" {
			_, sh.PostID = unnamed(v)
			if p, err := s.Store.FindPost(ctx, sh.PostID); err != nil || !slices.ContainsFunc(o.place, func(l precinct.Location) bool { return l.StationID == p.StationID }) {
				return nil, rowErrorf(n, "岗位不存在：%s", "Post not found: %s", v)
			}
		}
		for _, who := range strings.FieldsFunc(cell(9), func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' }) {
			id, err := s.personNamed(ctx, ps, o, who)
			if err != nil {
				return nil, rowError(n, err)
			}
			sh.Crew = append(sh.Crew, precinct.CrewMember{PersonID: id})
		}
		items = append(items, importRow{row: n, owner: o, shift: sh})
	}
	// One roster per owner and week, with the rows that fill it.
	type key struct{ owner, week string }
	var keys []key
	byKey := map[key][]importRow{}
	for _, it := range items {
		k := key{it.owner.ID, WeekOf(it.shift.Start)}
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], it)
	}
	now := s.now()
	var writes []precinct.RosterWrite
	var out []*precinct.Roster
	for _, k := range keys {
		its := byKey[k]
		r, o, err := s.roster(ctx, sc, precinct.RosterID(k.owner, k.week))
		if err != nil {
			return nil, err
		}
		shifts := make([]precinct.Shift, len(its))
		for i, it := range its {
			shifts[i] = it.shift
		}
		prev := r.Version
		if err := Edit(r, precinct.RosterEdit{Kind: precinct.ChangeImport, Shifts: shifts, Reason: "导入排班表"}, u.ID, now, ps.reachable(sc)); err != nil {
			if e, ok := err.(*precinct.Error); ok && strings.HasPrefix(e.Field, "shifts[") {
				var i int
				if _, serr := fmt.Sscanf(e.Field, "shifts[%d]", &i); serr == nil && i < len(its) {
					return nil, rowError(its[i].row, err)
				}
			}
			return nil, err
		}
		r.UpdatedAt = now
		ev := o.place.event(ctx, now, "duty.roster.updated", "roster", r.ID, nil, r.Changes[len(r.Changes)-1])
		writes = append(writes, precinct.RosterWrite{Roster: r, PrevVersion: prev, Event: ev})
		out = append(out, r)
	}
	if err := s.Store.PutRosters(ctx, writes); err != nil {
		return nil, err
	}
	s.rostered()
	return out, s.dress(ctx, out...)
}

// unitNamed finds a unit of o by ID or callsign.
func (s *Service) unitNamed(ctx context.Context, o *owner, v string) (string, error) {
	if un, err := s.Store.FindUnit(ctx, v); err == nil && o.owns(un) {
		return un.ID, nil
	}
	f := precinct.UnitFilter{Scope: precinct.Everywhere, SubBureauID: o.SubBureauID, ServiceStationID: o.ServiceStationID, Limit: 1000}
	if o.ServiceStationID == "" {
		f.StationIDs = []string{o.StationID}
	}
	us, _, err := s.Store.ListUnits(ctx, f)
	if err != nil {
		return "", err
	}
	for _, un := range us {
		if un.Callsign == v && o.owns(un) {
			return un.ID, nil
		}
	}
	return "", precinct.Errorf(precinct.EINVALID, "警力不存在：%s", "Unit not found: %s", v)
}

// personNamed finds a person by "name（id）", ID, or a name unique among the
// people of o.
func (s *Service) personNamed(ctx context.Context, ps *people, o *owner, v string) (string, error) {
	name, id := unnamed(v)
	if ps.known(id) {
		return id, nil // whether the caller reaches them, the edit checks
	}
	f := precinct.PersonFilter{Scope: precinct.Everywhere, StationID: o.StationID, ServiceStationID: o.ServiceStationID, Limit: 1000}
	var found []string
	for {
		page, next, err := s.Store.ListPeople(ctx, f)
		if err != nil {
			return "", err
		}
		for _, p := range page {
			if p.Name == name {
				found = append(found, p.ID)
			}
		}
		if f.Cursor = next; next == "" {
			break
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", precinct.Errorf(precinct.EINVALID, "人员不存在：%s", "Person not found: %s", v)
	}
	return "", precinct.Errorf(precinct.EINVALID, "同名人员不止一人，请写明编号：%s（编号）", "More than one person is called %s; add the ID in brackets.", name)
}

// verdictWords are the Chinese words of check-in verdicts.
var verdictWords = map[precinct.CheckInVerdict]string{
	precinct.CheckInInside: "范围内（有效）", precinct.CheckInOutside: "不在打卡范围内", precinct.CheckInNoPosition: "无定位", precinct.CheckInNoPlace: "无指定地点",
}

var personKindWords = map[string]string{
	"officer": "民警", "auxiliary": "辅警", "volunteer": "义警", "grid_worker": "网格员", "cadre": "村（社区）干部",
	"mediator": "调解员", "liaison": "联络员", "security_guard": "保安员", "village_auxiliary": "村辅警",
}

// LedgerWorkbook writes a day's check-in ledger of a station as a workbook.
func LedgerWorkbook(l *precinct.CheckInLedger, stationName string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "打卡台账"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	title := []any{stationName + " " + l.Date + " 打卡台账"}
	header := []any{"社区（警格）", "姓名", "人员类别", "应到", "打卡次数", "首次打卡", "结果", "打卡地点"}
	if err := f.SetSheetRow(sheet, "A1", &title); err != nil {
		return nil, err
	}
	if err := f.SetSheetRow(sheet, "A2", &header); err != nil {
		return nil, err
	}
	for i, r := range l.Rows {
		first, result := "", "未打卡"
		if r.First != nil {
			first = r.First.In(precinct.CST).Format("15:04:05")
		}
		if r.Count > 0 {
			result = verdictWords[r.Verdict]
		}
		expected := ""
		if r.Expected {
			expected = "是"
		}
		kind := personKindWords[r.Kind]
		if kind == "" {
			kind = r.Kind
		}
		row := []any{r.Community, r.Name, kind, expected, r.Count, first, result, r.Place}
		if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(i+3), &row); err != nil {
			return nil, err
		}
	}
	sum := []any{fmt.Sprintf("有效 %d 人，范围外 %d 人，无定位 %d 人，应到未打卡 %d 人", l.Valid, l.Outside, l.NoPos, l.Missing)}
	if err := f.SetSheetRow(sheet, "A"+strconv.Itoa(len(l.Rows)+4), &sum); err != nil {
		return nil, err
	}
	_ = f.SetColWidth(sheet, "A", "A", 24)
	_ = f.SetColWidth(sheet, "G", "H", 20)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
