package prevention

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"precinct"
)

// Columns of a warning ledger (.xlsx or CSV): the header names them in
// Chinese or by their JSON names, in any order.
var fileColumns = map[string]string{
	"编号": "ref", "预警编号": "ref", "诈骗类型": "fraud_type", "级别": "level", "预警级别": "level", "预警时间": "issued_at",
	"姓名": "name", "身份证号": "id_number", "身份证号码": "id_number", "电话": "phone", "手机号": "phone", "联系电话": "phone",
	"地址": "address", "住址": "address", "涉案金额": "amount", "金额": "amount", "备注": "note",
}

// levelNames are the levels as a ledger may write them.
var levelNames = map[string]precinct.WarningLevel{"正在转账": precinct.LevelTransferring, "高": precinct.LevelHigh, "高风险": precinct.LevelHigh,
	"一般": precinct.LevelRoutine, "一般风险": precinct.LevelRoutine}

// maxFile bounds an uploaded ledger.
const maxFile = 32 << 20

// ParseFile reads a warning ledger (CSV or .xlsx, header first) into a
// batch. A row that cannot be read (an unknown column, a malformed time or
// amount) is reported in the result's errors, as Intake reports the rest.
func ParseFile(format precinct.FileFormat, r io.Reader) (Batch, []RowError, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFile+1))
	if err != nil {
		return Batch{}, nil, err
	}
	if len(data) > maxFile {
		return Batch{}, nil, precinct.Errorf(precinct.ETOOLARGE, "文件超过 32 MiB", "The file exceeds 32 MiB.")
	}
	var rows [][]string
	switch format {
	case precinct.FormatCSV:
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
		cr.FieldsPerRecord = -1
		rows, err = cr.ReadAll()
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Batch{}, nil, precinct.Errorf(precinct.EINVALID, "CSV 第 %d 行格式错误：%v", "CSV line %d is malformed: %v", pe.Line, pe.Err)
		} else if err != nil {
			return Batch{}, nil, err
		}
	case precinct.FormatXLSX:
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxFile * 8, UnzipXMLSizeLimit: maxFile * 4})
		if err != nil {
			return Batch{}, nil, precinct.Errorf(precinct.EINVALID, "无法读取 .xlsx 文件：%v", "Cannot read the .xlsx file: %v", err)
		}
		defer f.Close()
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			return Batch{}, nil, precinct.Errorf(precinct.EINVALID, ".xlsx 文件没有工作表", "The .xlsx file has no sheet.")
		}
		if rows, err = f.GetRows(sheets[0]); err != nil {
			return Batch{}, nil, precinct.Errorf(precinct.EINVALID, "无法读取工作表：%v", "Cannot read the sheet: %v", err)
		}
	default:
		return Batch{}, nil, precinct.FieldErrorf(precinct.EINVALID, "format", "文件格式应为 csv 或 xlsx", "The format must be csv or xlsx.")
	}
	if len(rows) < 2 {
		return Batch{}, nil, precinct.Errorf(precinct.EINVALID, "文件没有预警数据（第一行为表头）", "The file holds no warnings (the first row is the header).")
	}
	cols := make([]string, len(rows[0]))
	for i, h := range rows[0] {
		h = strings.TrimSpace(h)
		if c, ok := fileColumns[h]; ok {
			cols[i] = c
		} else if strings.Contains(" ref fraud_type level issued_at name id_number phone address amount note ", " "+h+" ") && h != "" {
			cols[i] = h
		} else if h != "" {
			return Batch{}, nil, precinct.FieldErrorf(precinct.EINVALID, h, "未知的列：%s", "Unknown column: %s", h)
		}
	}
	var b Batch
	var errs []RowError
	for i, row := range rows[1:] {
		var in WarningInput
		empty := true
		for j, cell := range row {
			if j >= len(cols) || cols[j] == "" {
				continue
			}
			v := strings.TrimSpace(cell)
			if v != "" {
				empty = false
			}
			switch cols[j] {
			case "ref":
				in.Ref = v
			case "fraud_type":
				in.FraudType = fraudCode(v)
			case "level":
				if l, ok := levelNames[v]; ok {
					in.Level = l
				} else {
					in.Level = precinct.WarningLevel(v)
				}
			case "issued_at":
				if v != "" {
					t, err := time.ParseInLocation("2006-01-02 15:04", v, precinct.CST)
					if err != nil {
						t, err = time.Parse(time.RFC3339, v)
					}
					if err != nil {
						errs = append(errs, rowError(i+1, in.Ref, precinct.FieldErrorf(precinct.EINVALID, "issued_at", "预警时间格式应为 2026-03-02 09:15", "The time must be like 2026-03-02 09:15.")))
						continue
					}
					in.IssuedAt = &t
				}
			case "name":
				in.Name = v
			case "id_number":
				in.IDNumber = v
			case "phone":
				in.Phone = v
			case "address":
				in.Address = v
			case "amount":
				if v != "" {
					f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
					if err != nil {
						errs = append(errs, rowError(i+1, in.Ref, precinct.FieldErrorf(precinct.EINVALID, "amount", "金额应为数字（元）", "The amount must be a number (yuan).")))
						continue
					}
					in.Amount = f
				}
			case "note":
				in.Note = v
			}
		}
		if !empty {
			b.Warnings = append(b.Warnings, in)
		}
	}
	return b, errs, nil
}

// fraudCode returns the code of a fraud type written by its Chinese name.
func fraudCode(v string) string {
	for code, l := range FraudTypes {
		if l.ZH == v {
			return code
		}
	}
	return v
}

// IntakeFile takes a ledger of warnings in: read, then as Intake, all or
// nothing.
func (s *Service) IntakeFile(ctx context.Context, format precinct.FileFormat, r io.Reader, subBureauID string) (*BatchResult, error) {
	if err := precinct.Authorize(precinct.UserFromContext(ctx), precinct.PermIntakeWarning); err != nil {
		return nil, err
	}
	b, errs, err := ParseFile(format, r)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return &BatchResult{Rows: []RowResult{}, Errors: errs}, ErrBatch
	}
	b.SubBureauID = subBureauID
	return s.Intake(ctx, b, "file")
}
