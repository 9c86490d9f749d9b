package jurisdiction

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/xuri/excelize/v2"
)

// table is a CSV or .xlsx file read as rows of named columns.
type table struct {
	file string
	cols map[string]int
	rows []row
}

// row is one data row with its line number (the header is line 1).
type row struct {
	line   int
	fields []string
}

// get returns the value of a column in a row, trimmed ("" when absent).
func (t *table) get(r row, col string) string {
	i, ok := t.cols[col]
	if !ok || i >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

// readTable reads name.csv or name.xlsx from fsys: nil when neither exists.
// Both at once is a problem; so is a missing required column.
func readTable(fsys fs.FS, name string, required []string, rep *report) *table {
	csvName, xlsxName := name+".csv", name+".xlsx"
	csvRaw, csvErr := fs.ReadFile(fsys, csvName)
	xlsxRaw, xlsxErr := fs.ReadFile(fsys, xlsxName)
	var t *table
	switch {
	case csvErr == nil && xlsxErr == nil:
		rep.add(xlsxName, 0, "", "%s 与 %s 只能有一个", "Give %s or %s, not both.", csvName, xlsxName)
		return nil
	case csvErr == nil:
		t = readCSV(csvName, csvRaw, rep)
	case xlsxErr == nil:
		t = readXLSX(xlsxName, xlsxRaw, rep)
	default:
		if !errors.Is(csvErr, fs.ErrNotExist) {
			rep.add(csvName, 0, "", "无法读取：%v", "Cannot read: %v", csvErr)
		}
		if !errors.Is(xlsxErr, fs.ErrNotExist) {
			rep.add(xlsxName, 0, "", "无法读取：%v", "Cannot read: %v", xlsxErr)
		}
		return nil
	}
	if t == nil {
		return nil
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			rep.add(t.file, 1, c, "缺少列 %s", "The column %s is missing.", c)
		}
	}
	return t
}

func readCSV(file string, raw []byte, rep *report) *table {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // Excel's byte-order mark
	r := csv.NewReader(bytes.NewReader(raw))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	t := &table{file: file}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			rep.add(file, line, "", "CSV 格式错误：%v", "Malformed CSV: %v", err)
			return nil
		}
		if t.cols == nil {
			t.cols = header(rec)
			continue
		}
		if blank(rec) {
			continue
		}
		t.rows = append(t.rows, row{line: line, fields: rec})
	}
	if t.cols == nil {
		rep.add(file, 1, "", "文件为空，缺少表头", "The file is empty: no header.")
		return nil
	}
	return t
}

func readXLSX(file string, raw []byte, rep *report) *table {
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		rep.add(file, 0, "", "不是有效的 Excel 文件：%v", "Not a valid Excel file: %v", err)
		return nil
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		rep.add(file, 0, "", "工作簿没有工作表", "The workbook has no sheet.")
		return nil
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		rep.add(file, 0, "", "无法读取工作表：%v", "Cannot read the sheet: %v", err)
		return nil
	}
	defer rows.Close()
	t := &table{file: file}
	for n := 1; rows.Next(); n++ {
		rec, err := rows.Columns()
		if err != nil {
			rep.add(file, n, "", "无法读取行：%v", "Cannot read the row: %v", err)
			return nil
		}
		if t.cols == nil {
			if blank(rec) {
				continue
			}
			t.cols = header(rec)
			continue
		}
		if blank(rec) {
			continue
		}
		t.rows = append(t.rows, row{line: n, fields: rec})
	}
	if t.cols == nil {
		rep.add(file, 1, "", "工作表为空，缺少表头", "The sheet is empty: no header.")
		return nil
	}
	return t
}

func header(rec []string) map[string]int {
	cols := make(map[string]int, len(rec))
	for i, c := range rec {
		cols[strings.ToLower(strings.TrimSpace(c))] = i
	}
	return cols
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
