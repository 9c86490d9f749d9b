package jurisdiction

import (
	"fmt"
	"strings"

	"precinct"
)

// Problem is one fault in an import folder: the file, the line of a table
// (the header is line 1) or the feature of a GeoJSON file (the first is 1),
// the field, and what is wrong in Chinese and English.
type Problem struct {
	File      string `json:"file"`
	Line      int    `json:"line,omitempty"`
	Field     string `json:"field,omitempty"`
	Message   string `json:"message"`
	MessageEN string `json:"message_en"`
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Field != "" {
		fmt.Fprintf(&b, " [%s]", p.Field)
	}
	fmt.Fprintf(&b, ": %s / %s", p.Message, p.MessageEN)
	return b.String()
}

// Problems is every fault found in a folder. Nothing is imported while
// there is one.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, 0, len(ps)+1)
	lines = append(lines, fmt.Sprintf("导入目录有 %d 处错误，未写入任何数据 / the import folder has %d errors; nothing was written:", len(ps), len(ps)))
	for _, p := range ps {
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}

// Code makes Problems an EINVALID error for the rest of Precinct.
func (ps Problems) Unwrap() error {
	if len(ps) == 0 {
		return nil
	}
	p := ps[0]
	return precinct.FieldErrorf(precinct.EINVALID, p.Field, "%s（%s）", "%s (%s)", p.Message, p.String())
}

// report collects problems.
type report struct{ ps Problems }

func (r *report) add(file string, line int, field, zh, en string, args ...any) {
	r.ps = append(r.ps, Problem{File: file, Line: line, Field: field, Message: fmt.Sprintf(zh, args...), MessageEN: fmt.Sprintf(en, args...)})
}
