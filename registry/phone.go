package registry

import (
	"strings"

	"precinct"
)

// PhoneKind is what a phone number is.
type PhoneKind string

const (
	Mobile   PhoneKind = "mobile"   // 手机
	Landline PhoneKind = "landline" // 固定电话
)

// NormalizePhone checks a mainland Chinese phone number and returns it in
// one form: a mobile as its 11 digits (a +86, 0086 or 86 prefix dropped), a
// landline as "AREA-NUMBER" or "AREA-NUMBER-EXT" (area codes 010 and 02x
// have three digits, the others four; the local number 7 or 8 digits, not
// starting with 0 or 1). Spaces, dashes, dots and brackets are tolerated.
// Errors are EINVALID on field.
func NormalizePhone(s, field string) (string, PhoneKind, error) {
	raw := foldWidth(s)
	if raw == "" {
		return "", "", precinct.FieldErrorf(precinct.EINVALID, field, "电话号码不能为空", "The phone number is required.")
	}
	bad := func() (string, PhoneKind, error) {
		return "", "", precinct.FieldErrorf(precinct.EINVALID, field, "电话号码格式不正确：手机号为 11 位（1 开头），固定电话须带区号（如 023-79223456）",
			"Not a valid phone number: a mobile has 11 digits starting with 1, a landline needs its area code (e.g. 023-79223456).")
	}
	// An extension: 转, ext or x after the number.
	ext := ""
	for _, sep := range []string{"转", "ext", "EXT", "x", "X", "#"} {
		if i := strings.Index(raw, sep); i > 0 {
			ext = digitsOnly(raw[i+len(sep):])
			if ext == "" || len(ext) > 6 || !onlyPhoneChars(raw[i+len(sep):]) {
				return bad()
			}
			raw = raw[:i]
			break
		}
	}
	if !onlyPhoneChars(raw) {
		return bad()
	}
	d := digitsOnly(raw)
	// "AREA-NUMBER-EXT", the normal form of a landline with an extension.
	if g := strings.FieldsFunc(raw, func(r rune) bool { return r < '0' || r > '9' }); ext == "" && len(g) == 3 &&
		g[0][0] == '0' && len(g[0]) >= 3 && len(g[0]) <= 4 && len(g[1]) >= 7 && len(g[2]) <= 6 {
		ext, d = g[2], g[0]+g[1]
	}
	if strings.HasPrefix(strings.TrimSpace(raw), "+") && !strings.HasPrefix(d, "86") {
		return bad()
	}
	// Mobile, with an optional country prefix.
	for _, p := range []string{"0086", "86", ""} {
		m, ok := strings.CutPrefix(d, p)
		if ok && len(m) == 11 && m[0] == '1' && m[1] >= '3' && m[1] <= '9' {
			if ext != "" {
				return bad()
			}
			return m, Mobile, nil
		}
	}
	// Landline: the area code starts with 0; keep the caller's split when a
	// separator shows it, else apply the length rule.
	if len(d) < 10 || len(d) > 12 || d[0] != '0' {
		return bad()
	}
	area := d[:4]
	if d[1] == '1' || d[1] == '2' {
		area = d[:3]
	}
	if d[1] == '1' && d[:3] != "010" {
		return bad()
	}
	local := d[len(area):]
	if len(local) < 7 || len(local) > 8 || local[0] == '0' || local[0] == '1' {
		return bad()
	}
	out := area + "-" + local
	if ext != "" {
		out += "-" + ext
	}
	return out, Landline, nil
}

func onlyPhoneChars(s string) bool {
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == ' ', r == '-', r == '.', r == '(', r == ')', r == '（', r == '）', r == '+', r == '—':
		default:
			return false
		}
	}
	return true
}

func digitsOnly(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
