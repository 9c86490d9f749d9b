package registry

import (
	"strings"

	"precinct"
)

// creditAlphabet is the 31 characters of a unified social credit code
// (GB 32100): digits and capital letters without I, O, Z, S and V.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCheckChar returns the check character of the first 17 characters of
// a unified social credit code (GB 32100, modulus 31), or 0 when one of them
// is outside the code's alphabet.
func CreditCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditAlphabet, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * creditWeights[i]
	}
	return creditAlphabet[(31-sum%31)%31]
}

// CheckCreditCode normalises a unified social credit code (upper case,
// without spaces) and checks it. A code that is not 18 characters of the
// code's alphabet, or whose check character disagrees, is returned with a
// warning (EINVALID on field), never refused: organisation codes and
// registration numbers from before 2015, and codes of pilot regions, fail
// the check but are real. The empty code has no warning.
func CheckCreditCode(s, field string) (code string, warning *precinct.Error) {
	code = strings.ToUpper(foldWidth(s))
	code = strings.ReplaceAll(code, "-", "")
	if code == "" {
		return "", nil
	}
	if len(code) != 18 {
		return code, precinct.FieldErrorf(precinct.EINVALID, field, "统一社会信用代码应为 18 位（现为 %d 位），可能是旧的组织机构代码或注册号，请核实",
			"A unified social credit code has 18 characters (this one has %d); it may be an older organisation code or registration number: check it.", len([]rune(code)))
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditAlphabet, code[i]) < 0 {
			return code, precinct.FieldErrorf(precinct.EINVALID, field, "统一社会信用代码含有不允许的字符 %q（不使用 I、O、Z、S、V）",
				"The unified social credit code holds the character %q, which codes do not use (no I, O, Z, S, V).", string(code[i]))
		}
	}
	if want := CreditCheckChar(code[:17]); code[17] != want {
		return code, precinct.FieldErrorf(precinct.EINVALID, field, "统一社会信用代码校验位不符（应为 %c），试点地区或早期代码可能如此，请核实",
			"The check character of the unified social credit code disagrees (it should be %c); codes of pilot regions or early codes may do so: check it.", want)
	}
	return code, nil
}
