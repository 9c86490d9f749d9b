package registry

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"precinct"
)

// Ledgers: the CSV and .xlsx files staff keep the registry in. Each kind has
// its columns, with a Chinese header (what exports write) and an English key
// (also accepted on import). Values of closed lists are written in Chinese
// and read in Chinese or as their codes.

// column is one column of a ledger.
type column struct {
	key, zh string
}

var ledgerColumns = map[precinct.ImportKind][]column{
	precinct.ImportAddresses: {{"id", "地址编码"}, {"parent_id", "上级地址编码"}, {"level", "层级"}, {"name", "名称"}, {"division_code", "区划代码"},
		{"lon", "经度"}, {"lat", "纬度"}, {"full_name", "完整地址"}},
	precinct.ImportResidents: {{"id", "编号"}, {"name", "姓名"}, {"doc_type", "证件类型"}, {"id_number", "证件号码"}, {"phone", "联系电话"},
		{"kind", "人员类别"}, {"gender", "性别"}, {"birth_date", "出生日期"}, {"nationality", "国籍"}, {"address_id", "地址编码"},
		{"address", "标准地址"}, {"relation", "与房屋关系"}, {"flags", "关注类别"}, {"note", "备注"}, {"status", "状态"}},
	precinct.ImportHouses: {{"id", "编号"}, {"address_id", "地址编码"}, {"address", "标准地址"}, {"use", "房屋用途"}, {"owner_name", "房主姓名"},
		{"owner_phone", "房主电话"}, {"rental_registered", "出租登记"}, {"area_m2", "面积（平方米）"}, {"note", "备注"}, {"status", "状态"}},
	precinct.ImportOrganisations: {{"id", "编号"}, {"name", "单位名称"}, {"kind", "单位类别"}, {"credit_code", "统一社会信用代码"},
		{"legal_rep", "法定代表人"}, {"legal_rep_phone", "联系电话"}, {"address_id", "地址编码"}, {"address", "标准地址"},
		{"key_unit", "重点单位"}, {"security_responsibility", "签订治安责任书"}, {"employees", "从业人数"}, {"note", "备注"}, {"status", "状态"}},
}

// labels are the Chinese words of closed lists.
var labels = map[string]map[string]string{
	"kind":     {"household": "户籍人口", "floating": "流动人口", "separated": "人户分离", "foreign": "境外人员"},
	"doc_type": {"resident_id": "居民身份证", "passport": "护照", "hmt_permit": "港澳台居民证件", "foreign_pr": "外国人永久居留身份证", "other": "其他证件"},
	"flags":    {"elderly_alone": "独居老人", "minor": "未成年人", "correction": "社区矫正对象", "mental": "严重精神障碍患者"},
	"relation": {"owner": "房主", "family": "家庭成员", "tenant": "租住", "lodger": "借住", "staff": "单位宿舍", "other": "其他"},
	"use":      {"self_occupied": "自住", "rented": "出租", "vacant": "空置", "business": "经营"},
	"gender":   {"male": "男", "female": "女"},
	"status":   {"active": "在册", "moved_out": "已迁出", "gone": "已注销", "merged": "已合并"},
	"org_kind": {"school": "学校", "hospital": "医院", "repair_shop": "机动车修理", "hotel": "旅馆", "internet_cafe": "网吧", "finance": "金融网点",
		"logistics": "寄递物流", "chemicals": "危险化学品", "shop": "商铺", "restaurant": "餐饮", "factory": "企业", "government": "机关事业单位", "other": "其他"},
	"level": levelLabels(),
}

func levelLabels() map[string]string {
	m := map[string]string{}
	for _, t := range precinct.AddressElementTypes {
		m[string(t.Level)] = t.Name
	}
	return m
}

// label returns the Chinese word of a code.
func label(list, code string) string {
	if l, ok := labels[list][code]; ok {
		return l
	}
	return code
}

// code returns the code of a Chinese word or code; "" stays "".
func code(list, v string) string {
	v = strings.TrimSpace(v)
	for c, l := range labels[list] {
		if v == l || v == c {
			return c
		}
	}
	return v
}

// yesNo reads a yes/no cell.
func yesNo(v, field string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "否", "no", "n", "false", "0":
		return false, nil
	case "是", "yes", "y", "true", "1":
		return true, nil
	}
	return false, precinct.FieldErrorf(precinct.EINVALID, field, "应填“是”或“否”：%q", "Must be yes or no: %q", v)
}

func yesNoText(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// rowReader reads the rows of a ledger, header first.
type rowReader interface {
	next() ([]string, error) // io.EOF at the end
	close()
}

// maxLedgerBytes bounds an import file (and an .xlsx file's unzipped size).
const maxLedgerBytes = 512 << 20

func openLedger(format precinct.FileFormat, data []byte) (rowReader, error) {
	switch format {
	case precinct.FormatCSV:
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Excel's byte-order mark
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		return &csvRows{r: r}, nil
	case precinct.FormatXLSX:
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxLedgerBytes * 4, UnzipXMLSizeLimit: maxLedgerBytes})
		if err != nil {
			return nil, precinct.Errorf(precinct.EINVALID, "无法读取 .xlsx 文件：%v", "Cannot read the .xlsx file: %v", err)
		}
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			f.Close()
			return nil, precinct.Errorf(precinct.EINVALID, ".xlsx 文件没有工作表", "The .xlsx file has no sheet.")
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			f.Close()
			return nil, precinct.Errorf(precinct.EINVALID, "无法读取工作表：%v", "Cannot read the sheet: %v", err)
		}
		return &xlsxRows{f: f, rows: rows}, nil
	}
	return nil, precinct.FieldErrorf(precinct.EINVALID, "format", "文件格式应为 csv 或 xlsx", "The format must be csv or xlsx.")
}

type csvRows struct{ r *csv.Reader }

func (c *csvRows) next() ([]string, error) {
	rec, err := c.r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, precinct.Errorf(precinct.EINVALID, "CSV 第 %d 行格式错误：%v", "CSV line %d is malformed: %v", pe.Line, pe.Err)
	}
	return rec, err
}

func (c *csvRows) close() {}

type xlsxRows struct {
	f    *excelize.File
	rows *excelize.Rows
}

func (x *xlsxRows) next() ([]string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, precinct.Errorf(precinct.EINVALID, "无法读取 .xlsx 行：%v", "Cannot read an .xlsx row: %v", err)
		}
		return nil, io.EOF
	}
	return x.rows.Columns()
}

func (x *xlsxRows) close() {
	x.rows.Close()
	x.f.Close()
}

// rowWriter writes the rows of a ledger.
type rowWriter interface {
	write(cells []string) error
	close() error // flushes; for .xlsx writes the file
}

func newLedgerWriter(format precinct.FileFormat, w io.Writer) (rowWriter, error) {
	switch format {
	case precinct.FormatCSV:
		if _, err := io.WriteString(w, "\xef\xbb\xbf"); err != nil { // so that Excel reads UTF-8
			return nil, err
		}
		return &csvWriter{w: csv.NewWriter(w)}, nil
	case precinct.FormatXLSX:
		return NewSheet(w, "Sheet1")
	}
	return nil, precinct.FieldErrorf(precinct.EINVALID, "format", "文件格式应为 csv 或 xlsx", "The format must be csv or xlsx.")
}

type csvWriter struct{ w *csv.Writer }

func (c *csvWriter) write(cells []string) error {
	// A cell starting with = + - @ is a formula to a spreadsheet: quote it.
	for i, v := range cells {
		if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
			cells[i] = "'" + v
		}
	}
	return c.w.Write(cells)
}

func (c *csvWriter) close() error {
	c.w.Flush()
	return c.w.Error()
}

// Sheet writes one worksheet of an .xlsx file row by row.
type Sheet struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	w   io.Writer
	row int
}

// NewSheet starts an .xlsx file with one sheet of the given name, written to
// w on close.
func NewSheet(w io.Writer, name string) (*Sheet, error) {
	f := excelize.NewFile()
	if name != "Sheet1" {
		if err := f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	return &Sheet{f: f, sw: sw, w: w}, nil
}

func (s *Sheet) write(cells []string) error {
	vals := make([]any, len(cells))
	for i, c := range cells {
		vals[i] = c
	}
	return s.WriteRow(vals...)
}

// WriteRow writes the next row; numbers stay numbers.
func (s *Sheet) WriteRow(vals ...any) error {
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, vals)
}

func (s *Sheet) close() error { return s.Close() }

// Close finishes the file and writes it.
func (s *Sheet) Close() error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	return s.f.Write(s.w)
}
