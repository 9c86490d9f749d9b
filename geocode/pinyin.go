package geocode

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"
)

//go:embed data/pinyin.txt
var pinyinData string

// pinyinTable maps each of the 8,105 common characters to its readings
// (toneless, "v" for ü), most common first.
var pinyinTable = sync.OnceValue(func() map[rune][]string {
	m := make(map[rune][]string, 8200)
	sc := bufio.NewScanner(strings.NewReader(pinyinData))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		ch, readings, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		r := []rune(ch)[0]
		m[r] = strings.Split(readings, ",")
	}
	return m
})

// maxSpellings bounds the spellings of one name: a name of many polyphonic
// characters would otherwise have thousands.
const maxSpellings = 8

// spellings returns the ways a name can be written in pinyin: the initials
// of each character ("xhdd" for 新华大道) and the full syllables
// ("xinhuadadao"), one for each combination of the characters' readings, up
// to maxSpellings each. Letters and digits in the name stand for
// themselves; other characters are skipped.
func spellings(name string) (initials, full []string) {
	table := pinyinTable()
	initials, full = []string{""}, []string{""}
	for _, r := range strings.ToLower(name) {
		var reads []string
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			reads = []string{string(r)}
		default:
			reads = table[r]
		}
		if len(reads) == 0 {
			continue
		}
		initials = extend(initials, reads, true)
		full = extend(full, reads, false)
	}
	return initials, full
}

// extend appends each reading (or its first letter) to each prefix, keeping
// distinct results up to maxSpellings.
func extend(prefixes, reads []string, first bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range prefixes {
		for _, r := range reads {
			if first {
				r = r[:1]
			}
			s := p + r
			if !seen[s] && len(out) < maxSpellings {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
