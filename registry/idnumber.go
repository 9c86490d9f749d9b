package registry

import (
	"strings"
	"time"
	"unicode/utf8"

	"precinct"
)

// ResidentID is a resident identity card number (居民身份证号码, GB 11643)
// taken apart: region code, birth date, sequence (odd for men) and check
// character.
type ResidentID struct {
	Number string    // 18 characters, the check character upper case
	Region string    // administrative division code of the first issue, 6 digits
	Birth  time.Time // midnight UTC of the birth date
	Male   bool
}

// provinces are the province-level codes (GB/T 2260) that start a region
// code: the 31 of the mainland, and 71/81/82/83 of Taiwan, Hong Kong and
// Macao (residence permits of their residents).
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// idWeights are the ISO 7064 MOD 11-2 weights 2^(17-i) mod 11.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// IDCheckChar returns the check character of the first 17 digits of a
// resident ID number (ISO 7064 MOD 11-2), or 0 if they are not 17 digits.
func IDCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// foldWidth turns full-width digits and letters (as typed with a Chinese
// input method) into ASCII and drops spaces.
func foldWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			b.WriteRune(r - '０' + '0')
		case r == '\u3000' || r == ' ' || r == '\t':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ParseResidentID checks a resident ID number: 18 characters, 17 digits and
// a check character that agrees with them (GB 11643, ISO 7064 MOD 11-2), a
// region code of a known province, and a birth date that exists, is not
// before 1900 and not after now. Spaces and full-width characters are
// tolerated; a lower-case x is read as X. Errors are EINVALID on field and
// say which rule failed, in Chinese and English.
func ParseResidentID(s, field string, now time.Time) (ResidentID, error) {
	s = strings.ToUpper(foldWidth(s))
	if s == "" {
		return ResidentID{}, precinct.FieldErrorf(precinct.EINVALID, field, "身份证号码不能为空", "The ID number is required.")
	}
	if n := utf8.RuneCountInString(s); n != 18 {
		if n == 15 && allDigits(s) {
			return ResidentID{}, precinct.FieldErrorf(precinct.EINVALID, field,
				"这是 15 位的第一代身份证号码，请填写现行的 18 位号码", "This is a 15-digit first-generation ID number; enter the current 18-character number.")
		}
		return ResidentID{}, precinct.FieldErrorf(precinct.EINVALID, field, "身份证号码应为 18 位（现为 %d 位）", "An ID number has 18 characters (this one has %d).", n)
	}
	if !allDigits(s[:17]) || !(s[17] == 'X' || s[17] >= '0' && s[17] <= '9') {
		return ResidentID{}, precinct.FieldErrorf(precinct.EINVALID, field, "身份证号码前 17 位应为数字，末位为数字或 X", "The first 17 characters of an ID number are digits and the last a digit or X.")
	}
	if !provinces[s[:2]] {
		return ResidentID{}, precinct.FieldErrorf(precinct.EINVALID, field, "身份证号码的地区码 %s 不属于任何省级行政区", "The region code %s of the ID number belongs to no province.", s[:6])
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil {
		return ResidentID{}, precinct.FieldErrorf(precinct.EINVALID, field, "身份证号码中的出生日期 %s 不是有效日期", "The birth date %s in the ID number is not a valid date.", s[6:14])
	}
	if birth.Year() < 1900 || birth.After(now) {
		return ResidentID{}, precinct.FieldErrorf(precinct.EINVALID, field, "身份证号码中的出生日期 %s 不可能（早于 1900 年或晚于今天）", "The birth date %s in the ID number is impossible (before 1900 or after today).", s[6:14])
	}
	if want := IDCheckChar(s[:17]); s[17] != want {
		return ResidentID{}, precinct.FieldErrorf(precinct.EINVALID, field, "身份证号码校验位错误：末位应为 %c，请核对号码", "The ID number's check character is wrong: it should be %c; check the number.", want)
	}
	return ResidentID{Number: s, Region: s[:6], Birth: birth, Male: (s[16]-'0')%2 == 1}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
