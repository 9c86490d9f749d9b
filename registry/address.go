package registry

import (
	"context"
	"encoding/base32"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"precinct"
)

// Standard addresses. An address's ID is its path (see precinct.Address):
// the district's division code, then one segment per level — the last three
// digits of a township's or community's division code, a letter and the
// number of a numbered element ("b3" for 3栋, "n88" for 88号, "u2" for
// 2单元, "r501" for room 501), or a letter and a hash of the name for the
// others. Two elements with one normalised name under one parent are one
// element.

// chineseDigits are the values of Chinese numerals.
var chineseDigits = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// numberUnits are the characters after which a Chinese numeral is a number
// of an address element (三栋, 十二组, 二单元).
const numberUnits = "号栋幢座单元室楼层组户"

// NormalizeAddress returns the form of an address that names are matched
// in: full-width characters folded, spaces and punctuation dropped, Chinese
// numerals before an element word turned into digits, 幢、座 and 号楼 read as
// 栋, and the 室 of a room dropped. It never panics.
func NormalizeAddress(s string) string {
	// Width, case, spaces and punctuation first, so that what follows sees
	// the text as it will stay.
	var clean []rune
	for _, r := range foldWidth(s) {
		switch {
		case unicode.IsSpace(r), unicode.IsPunct(r), unicode.IsSymbol(r), unicode.IsControl(r), r == utf8.RuneError:
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		clean = append(clean, r)
	}
	var b strings.Builder
	for i := 0; i < len(clean); i++ {
		r := clean[i]
		if _, ok := chineseDigits[r]; ok || r == '十' || r == '百' {
			j := i
			for j < len(clean) && isNumeral(clean[j]) {
				j++
			}
			// A numeral before an element word, or ending the text after
			// one (二单元五〇一: room 501).
			atEnd := j == len(clean) && i > 0 && strings.ContainsRune("元栋幢号楼组层", clean[i-1])
			if atEnd || j < len(clean) && strings.ContainsRune(numberUnits, clean[j]) {
				if n, ok := chineseNumber(clean[i:j]); ok {
					b.WriteString(strconv.Itoa(n))
					i = j - 1
					continue
				}
			}
		}
		b.WriteRune(r)
	}
	out := strings.NewReplacer("号楼", "栋", "幢", "栋", "座", "栋").Replace(b.String())
	// 501室 → 501 (the room is the number)
	o := make([]rune, 0, len(out))
	for _, r := range out {
		if (r == '室' || r == '户') && len(o) > 0 && o[len(o)-1] >= '0' && o[len(o)-1] <= '9' {
			continue
		}
		o = append(o, r)
	}
	return string(o)
}

func isNumeral(r rune) bool {
	_, ok := chineseDigits[r]
	return ok || r == '十' || r == '百'
}

// chineseNumber reads a Chinese numeral up to 999: 三, 十二, 二十, 一百零五,
// or digit by digit (五〇一).
func chineseNumber(rs []rune) (int, bool) {
	if len(rs) == 0 || len(rs) > 8 {
		return 0, false
	}
	if !strings.ContainsAny(string(rs), "十百") {
		n := 0
		for _, r := range rs {
			n = n*10 + chineseDigits[r]
		}
		return n, true
	}
	n, cur := 0, 0
	for i, r := range rs {
		switch r {
		case '百':
			if cur == 0 {
				cur = 1
			}
			n += cur * 100
			cur = 0
		case '十':
			if cur == 0 && (i == 0 || rs[i-1] == '零' || rs[i-1] == '〇' || rs[i-1] == '百') {
				cur = 1
			}
			n += cur * 10
			cur = 0
		default:
			cur = chineseDigits[r]
		}
	}
	return n + cur, true
}

// ShortName returns the short form of a division name people write:
// 文汇社区居民委员会 → 文汇社区, 石家村村民委员会 → 石家村, xx街道办事处 → xx街道;
// "" when there is none.
func ShortName(nameKey string) string {
	for _, suf := range []struct{ long, short string }{
		{"社区居民委员会", "社区"}, {"居民委员会", "社区"}, {"村民委员会", ""}, {"居委会", ""}, {"村委会", "村"}, {"办事处", ""},
	} {
		if base, ok := strings.CutSuffix(nameKey, suf.long); ok && base != "" {
			short := base + suf.short
			if utf8.RuneCountInString(short) >= 2 && short != nameKey {
				return short
			}
		}
	}
	return ""
}

var segmentEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// numberedSegments are the segment letters of numbered elements: the
// element word after the number, and its letter.
var numberedSegments = map[precinct.AddressLevel][]struct{ word, letter string }{
	precinct.AddressBuilding: {{"栋", "b"}, {"号", "n"}},
	precinct.AddressUnit:     {{"单元", "u"}},
	precinct.AddressRoom:     {{"", "r"}},
	precinct.AddressHamlet:   {{"组", "g"}},
}

var levelLetters = map[precinct.AddressLevel]string{
	precinct.AddressDistrict: "d", precinct.AddressTownship: "t", precinct.AddressCommunity: "v", precinct.AddressRoad: "l",
	precinct.AddressCompound: "c", precinct.AddressHamlet: "g", precinct.AddressBuilding: "b", precinct.AddressUnit: "u", precinct.AddressRoom: "r",
}

// Segment returns the ID segment of an element of a level with the given
// normalised name (and division code, for the top three levels).
func Segment(level precinct.AddressLevel, nameKey, divisionCode string) string {
	switch {
	case level == precinct.AddressDistrict && len(divisionCode) == 6:
		return divisionCode
	case level == precinct.AddressTownship && len(divisionCode) == 9 && allDigits(divisionCode):
		return divisionCode[6:]
	case level == precinct.AddressCommunity && len(divisionCode) == 12 && allDigits(divisionCode):
		return divisionCode[9:]
	}
	for _, n := range numberedSegments[level] {
		if d, ok := strings.CutSuffix(nameKey, n.word); ok && allDigits(d) && len(d) <= 6 {
			return n.letter + strings.TrimLeft(d, "0") + map[bool]string{true: "0", false: ""}[strings.TrimLeft(d, "0") == ""]
		}
	}
	h := fnv.New64a()
	h.Write([]byte(nameKey))
	return levelLetters[level] + segmentEncoding.EncodeToString(h.Sum(nil))[:8]
}

// tailToken is a numbered element written after a named one: 3栋, 2单元, 501.
type tailToken struct {
	text  string // as normalised: "3栋", "501"
	start int    // byte offsets in the tail
	end   int
}

// tailTokens splits what follows the deepest named element into numbered
// elements: digits and the element word after them, if any.
func tailTokens(tail string) []tailToken {
	var out []tailToken
	words := []string{"单元", "栋", "号", "组", "层", "楼"}
	for i := 0; i < len(tail); {
		if tail[i] < '0' || tail[i] > '9' {
			_, size := utf8.DecodeRuneInString(tail[i:])
			i += size
			continue
		}
		j := i
		for j < len(tail) && tail[j] >= '0' && tail[j] <= '9' {
			j++
		}
		end := j
		for _, w := range words {
			if strings.HasPrefix(tail[j:], w) {
				end = j + len(w)
				break
			}
		}
		out = append(out, tailToken{text: tail[i:end], start: i, end: end})
		i = end
	}
	return out
}

// addressInput checks a new element and returns it without location.
func (s *Service) newAddress(parent *precinct.Address, in precinct.AddressInput, divisionCode, by string) (*precinct.Address, error) {
	if !in.Level.Valid() {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "level", "未知的地址层级：%q", "Unknown address level %q.", in.Level)
	}
	name := strings.TrimSpace(in.Name)
	key := NormalizeAddress(name)
	if key == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "name", "地址名称不能为空", "The name of the address element is required.")
	}
	if err := limitText(name, "name", 60); err != nil {
		return nil, err
	}
	a := &precinct.Address{Level: in.Level, ElementCode: in.Level.ElementType().Code, Name: name, NameKey: key, ShortKey: ShortName(key),
		DivisionCode: divisionCode, CreatedAt: s.now(), CreatedBy: by}
	if parent == nil {
		if in.Level != precinct.AddressDistrict {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "parent_id", "只有区县一级可以没有上级地址", "Only a district has no parent address.")
		}
		a.ID, a.FullName = Segment(a.Level, key, divisionCode), name
	} else {
		if !parent.Level.Holds(in.Level) {
			return nil, precinct.FieldErrorf(precinct.EINVALID, "level", "“%s”之下不能设“%s”", "A %s cannot contain a %s.",
				parent.Level.ElementType().Name, in.Level.ElementType().Name)
		}
		a.ParentID, a.ID = parent.ID, parent.ID+"/"+Segment(a.Level, key, divisionCode)
		a.FullName = parent.FullName + name
		a.Point = parent.Point
	}
	if in.Point != nil {
		if err := in.Point.Validate("point"); err != nil {
			return nil, err
		}
		a.Point = *in.Point
	}
	return a, nil
}

// locate sets the jurisdiction of a new element from its point, which
// must lie within its parent's: a district takes the sub-bureau, a township
// the station, a community the police grid, and road, compound, hamlet and
// building the community grid the point lies in. Units and rooms take
// their building's.
func (s *Service) locate(a, parent *precinct.Address) error {
	if a.Level == precinct.AddressUnit || a.Level == precinct.AddressRoom {
		a.Location = parent.Location
		return nil
	}
	if a.Point.IsZero() {
		return precinct.FieldErrorf(precinct.EINVALID, "point", "须给出位置（经纬度）", "A position (longitude and latitude) is required.")
	}
	loc, err := s.Resolver.Resolve(a.Point)
	if err != nil {
		return err
	}
	if parent != nil && !(precinct.Scope{Location: parent.Location}).Covers(loc) {
		return precinct.FieldErrorf(precinct.EINVALID, "point", "位置不在上级地址（%s）的辖区内", "The position lies outside the jurisdiction of the parent address (%s).", parent.FullName)
	}
	switch a.Level {
	case precinct.AddressDistrict:
		loc = precinct.Location{SubBureauID: loc.SubBureauID}
	case precinct.AddressTownship:
		loc = precinct.Location{SubBureauID: loc.SubBureauID, StationID: loc.StationID}
	case precinct.AddressCommunity:
		loc.CommunityGridID = ""
	}
	a.Location = loc
	return nil
}

// CreateAddress adds an element under a parent the caller reaches.
func (s *Service) CreateAddress(ctx context.Context, in precinct.AddressInput) (*precinct.Address, error) {
	u, sc, err := caller(ctx, precinct.PermEditRegistry)
	if err != nil {
		return nil, err
	}
	var parent *precinct.Address
	if in.ParentID != "" {
		if parent, err = s.findAddress(ctx, sc, in.ParentID, "parent_id"); err != nil {
			return nil, err
		}
	} else if !sc.All {
		return nil, precinct.ErrForbidden()
	}
	a, err := s.newAddress(parent, in, in.DivisionCode, u.ID)
	if err != nil {
		return nil, err
	}
	if err := s.locate(a, parent); err != nil {
		return nil, err
	}
	if err := precinct.Authorize(u, precinct.PermEditRegistry, a.Location); err != nil {
		return nil, err
	}
	ev := event(ctx, s.now(), EventAddressCreated, a.Location, precinct.EntityAddress, a.ID, a, nil)
	if _, err := s.apply(ctx, &precinct.RegistryWrite{NewAddresses: []*precinct.Address{a}, Events: []*precinct.Event{ev}}); err != nil {
		if precinct.ErrorCode(err) == precinct.ECONFLICT {
			return nil, precinct.FieldErrorf(precinct.ECONFLICT, "name", "该地址已存在：%s", "The address already exists: %s", a.FullName)
		}
		return nil, err
	}
	return a, nil
}

// findAddress returns an address in scope; outside it is ENOTFOUND on field.
func (s *Service) findAddress(ctx context.Context, sc precinct.Scope, id, field string) (*precinct.Address, error) {
	a, err := s.Store.FindAddress(ctx, id)
	if err == nil && !sc.Covers(a.Location) {
		err = precinct.ErrNotFound("标准地址", "Standard address", id)
	}
	if e, ok := err.(*precinct.Error); ok && e.Code == precinct.ENOTFOUND && field != "" {
		e.Field = field
	}
	return a, err
}

// FindAddress returns one address in the caller's scope.
func (s *Service) FindAddress(ctx context.Context, id string) (*precinct.Address, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	return s.findAddress(ctx, sc, id, "")
}

// ListAddresses lists addresses in the caller's scope.
func (s *Service) ListAddresses(ctx context.Context, f precinct.AddressFilter) ([]*precinct.Address, string, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, "", err
	}
	f.Scope = sc
	if f.NameKey != "" {
		f.NameKey = NormalizeAddress(f.NameKey)
	}
	return s.Store.ListAddresses(ctx, f)
}

// candidate is a named element that occurs in the text, with the elements
// above it that occur too.
type candidate struct {
	a     *precinct.Address
	score int // characters of the text the chain accounts for
	end   int // byte offset in the text after the element's own name
}

// occurs returns the end of the longest of a's keys in text, and its
// length in characters.
func occurs(a *precinct.Address, text string) (end, n int) {
	for _, k := range []string{a.NameKey, a.ShortKey} {
		if k == "" {
			continue
		}
		if i := strings.Index(text, k); i >= 0 && utf8.RuneCountInString(k) > n {
			end, n = i+len(k), utf8.RuneCountInString(k)
		}
	}
	return end, n
}

// ancestorIDs returns the IDs above an address, from its ID path.
func ancestorIDs(id string) []string {
	var out []string
	for i := strings.LastIndexByte(id, '/'); i > 0; i = strings.LastIndexByte(id[:i], '/') {
		out = append(out, id[:i])
	}
	return out
}

// MatchAddress returns up to n standard addresses in the caller's scope the
// free text may mean, best first. It finds the named elements (township,
// community, road, compound, hamlet) whose names occur in the text, ranks
// each by how much of the text it and the elements above it account for,
// and descends from the best through the numbered elements written after it
// (building, unit, room) as far as they are on record.
func (s *Service) MatchAddress(ctx context.Context, q string, n int) ([]precinct.AddressMatch, error) {
	_, sc, err := caller(ctx, precinct.PermReadRegistry)
	if err != nil {
		return nil, err
	}
	if err := limitText(q, "q", 200); err != nil {
		return nil, err
	}
	text := NormalizeAddress(q)
	if text == "" {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "q", "请输入地址", "Enter an address.")
	}
	if n <= 0 || n > 20 {
		n = 5
	}
	found, err := s.Store.AddressCandidates(ctx, sc, text, 200)
	if err != nil {
		return nil, err
	}
	byID := map[string]*precinct.Address{}
	var missing []string
	for _, a := range found {
		byID[a.ID] = a
	}
	for _, a := range found {
		for _, id := range ancestorIDs(a.ID) {
			if byID[id] == nil {
				byID[id] = nil
				missing = append(missing, id)
			}
		}
	}
	if len(missing) > 0 {
		more, err := s.Store.FindAddresses(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, a := range more {
			byID[a.ID] = a
		}
	}
	var cands []candidate
	for _, a := range found {
		end, k := occurs(a, text)
		if k == 0 {
			continue
		}
		c := candidate{a: a, score: k, end: end}
		for _, id := range ancestorIDs(a.ID) {
			if p := byID[id]; p != nil {
				_, pk := occurs(p, text)
				c.score += pk
			}
		}
		cands = append(cands, c)
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return strings.Count(cands[i].a.ID, "/") > strings.Count(cands[j].a.ID, "/")
	})
	total := utf8.RuneCountInString(text)
	var out []precinct.AddressMatch
	seen := map[string]bool{}
	for _, c := range cands {
		if len(out) == n {
			break
		}
		m, err := s.descend(ctx, sc, c, text, total)
		if err != nil {
			return nil, err
		}
		if seen[m.Address.ID] {
			continue
		}
		seen[m.Address.ID] = true
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out, nil
}

// descend follows the numbered elements after a candidate's name down the
// tree, and scores the address reached.
func (s *Service) descend(ctx context.Context, sc precinct.Scope, c candidate, text string, total int) (precinct.AddressMatch, error) {
	cur, score := c.a, c.score
	tail := text[c.end:]
	var rest strings.Builder
	last := 0
	for _, tok := range tailTokens(tail) {
		kids, _, err := s.Store.ListAddresses(ctx, precinct.AddressFilter{Scope: sc, ParentID: cur.ID, NameKey: tok.text, Limit: 1})
		if err != nil {
			return precinct.AddressMatch{}, err
		}
		if len(kids) == 0 && !strings.ContainsAny(tok.text, "栋号单元组层楼") {
			// A bare number is a room or a door number: try the word forms.
			for _, alt := range []string{tok.text + "号", tok.text + "栋"} {
				if kids, _, err = s.Store.ListAddresses(ctx, precinct.AddressFilter{Scope: sc, ParentID: cur.ID, NameKey: alt, Limit: 1}); err != nil {
					return precinct.AddressMatch{}, err
				} else if len(kids) > 0 {
					break
				}
			}
		}
		if len(kids) == 0 {
			continue
		}
		rest.WriteString(tail[last:tok.start])
		last = tok.end
		cur = kids[0]
		score += utf8.RuneCountInString(tok.text)
	}
	rest.WriteString(tail[last:])
	m := precinct.AddressMatch{Address: cur, Score: float64(score) / float64(total), Rest: rest.String()}
	if m.Score > 1 {
		m.Score = 1
	}
	return m, nil
}
