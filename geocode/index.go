// Package geocode finds places by what a caller says: a street or building
// name, a grid or community, a station, in Chinese characters, in pinyin
// ("xinhuadadao") or in pinyin initials ("xhdd" → 新华大道). Candidates come
// ranked, each with a point the dispatcher confirms on the map.
//
// The index is held in memory: an inverted index from characters to the
// names holding them, and a sorted list of pinyin spellings searched by
// prefix, so a query touches only the names that can match.
package geocode

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"precinct"
)

// Entry is one searchable place. A public place (a street, a building from
// OpenStreetMap) is found by anyone; any other (a grid, a station) only by
// callers whose scope covers its Loc.
type Entry struct {
	Place  precinct.Place
	Loc    precinct.Location
	Public bool
}

// Index is an immutable search index over entries.
type Index struct {
	entries []Entry
	names   []string // lowercased names
	runes   []int32  // names' lengths in characters
	// grams maps each character and each pair of adjacent characters to the
	// names holding it, so that a query looks only at the names holding its
	// rarest pair.
	grams map[string][]int32
	// keys are the pinyin spellings of short names (up to shortName
	// characters: streets, places, grids), searched in full; long are those
	// of longer names (addresses), of which a query looks at the first
	// maxLongKeys after its prefix.
	keys, long []spelling // sorted by s
}

// shortName is the length, in characters, up to which a name's spellings are
// searched in full; maxLongKeys bounds how many spellings of longer names a
// query looks at, and maxScan how many names holding its rarest characters.
const (
	shortName   = 8
	maxLongKeys = 4000
	maxScan     = 50000
)

type spelling struct {
	s       string
	id      int32
	initial bool
}

// NewIndex indexes entries, shortest names first (so that postings are in
// order of length and a search may stop early).
func NewIndex(entries []Entry) *Index {
	entries = slices.Clone(entries)
	slices.SortStableFunc(entries, func(a, b Entry) int {
		return utf8.RuneCountInString(a.Place.Name) - utf8.RuneCountInString(b.Place.Name)
	})
	ix := &Index{entries: entries, names: make([]string, len(entries)), runes: make([]int32, len(entries)), grams: map[string][]int32{}}
	for i, e := range entries {
		name := strings.ToLower(e.Place.Name)
		ix.names[i] = name
		rs := []rune(name)
		ix.runes[i] = int32(len(rs))
		seen := map[string]bool{}
		for j := range rs {
			for _, g := range []string{string(rs[j]), string(rs[j:min(j+2, len(rs))])} {
				if !seen[g] {
					seen[g] = true
					ix.grams[g] = append(ix.grams[g], int32(i))
				}
			}
		}
		keys := &ix.keys
		if len(rs) > shortName {
			keys = &ix.long
		}
		ini, full := spellings(e.Place.Name)
		for _, s := range ini {
			if len(s) >= 2 {
				*keys = append(*keys, spelling{s, int32(i), true})
			}
		}
		for _, s := range full {
			if len(s) >= 2 {
				*keys = append(*keys, spelling{s, int32(i), false})
			}
		}
	}
	for _, k := range [][]spelling{ix.keys, ix.long} {
		sort.Slice(k, func(a, b int) bool { return k[a].s < k[b].s })
	}
	return ix
}

// Len returns the number of entries.
func (ix *Index) Len() int { return len(ix.entries) }

// kindBonus ranks equally good matches by what they are: a standard
// address first, then streets, buildings, grids and stations.
var kindBonus = map[precinct.PlaceKind]float64{
	precinct.PlaceKindAddress: 5, precinct.PlaceKindStreet: 4, precinct.PlaceKindPOI: 3,
	precinct.PlaceKindCommunityGrid: 2, precinct.PlaceKindPoliceGrid: 2, precinct.PlaceKindStation: 1,
}

// Search returns up to limit places matching q that keep(entry) allows,
// best first: a name equal to q, then one starting with it, then one
// holding it; for letters, pinyin initials or syllables equal to q, then
// starting with it. Ties go to shorter names.
func (ix *Index) Search(q string, limit int, keep func(*Entry) bool) []precinct.Place {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || limit <= 0 {
		return nil
	}
	score := make(map[int32]float64, 256)
	add := func(id int32, s float64) {
		if keep != nil && !keep(&ix.entries[id]) {
			return
		}
		if s > score[id] {
			score[id] = s
		}
	}
	// By characters: the names holding q, found by intersecting the
	// postings of its two rarest characters or pairs of characters.
	var lists [][]int32
	rs := []rune(q)
	ok := true
	for j := range rs {
		if len(rs) > 1 && j == len(rs)-1 {
			break // the last character is in the last pair
		}
		p, found := ix.grams[string(rs[j:min(j+2, len(rs))])]
		if !found {
			ok = false
			break
		}
		lists = append(lists, p)
	}
	if ok && len(lists) > 0 {
		slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
		cands := lists[0]
		if len(lists) > 1 {
			cands = intersect(lists[0], lists[1])
		}
		for n, id := range cands {
			if n == maxScan {
				break
			}
			name := ix.names[id]
			switch {
			case name == q:
				add(id, 100)
			case strings.HasPrefix(name, q):
				add(id, 80)
			case strings.Contains(name, q):
				add(id, 60)
			}
		}
	}
	// By pinyin: spellings equal to q or starting with it.
	if isLetters(q) {
		for _, keys := range [][]spelling{ix.keys, ix.long} {
			i := sort.Search(len(keys), func(i int) bool { return keys[i].s >= q })
			for n := 0; i < len(keys) && strings.HasPrefix(keys[i].s, q); i, n = i+1, n+1 {
				if len(keys) == len(ix.long) && &keys[0] == &ix.long[0] && n == maxLongKeys {
					break
				}
				k := keys[i]
				s := 70.0
				if k.s == q {
					s = 90
				}
				if !k.initial {
					s += 2 // a full syllable match says more than initials
				}
				add(k.id, s)
			}
		}
	}
	// The best limit of them: higher score, then shorter name, then name.
	rank := func(id int32) float64 {
		return score[id] + kindBonus[ix.entries[id].Place.Kind] - 0.01*float64(ix.runes[id])
	}
	better := func(a, b int32) bool {
		ra, rb := rank(a), rank(b)
		if ra != rb {
			return ra > rb
		}
		return ix.names[a] < ix.names[b]
	}
	ids := make([]int32, 0, limit+1)
	for id := range score {
		if len(ids) == limit && !better(id, ids[limit-1]) {
			continue
		}
		i := len(ids)
		ids = append(ids, id)
		for ; i > 0 && better(id, ids[i-1]); i-- {
			ids[i] = ids[i-1]
		}
		ids[i] = id
		if len(ids) > limit {
			ids = ids[:limit]
		}
	}
	out := make([]precinct.Place, len(ids))
	for i, id := range ids {
		out[i] = ix.entries[id].Place
		out[i].Score = math.Round(rank(id)*100) / 100
	}
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Initials returns the first pinyin-initials spelling of entry i (for
// peers and tests).
func (ix *Index) Initials(i int) string {
	ini, _ := spellings(ix.entries[i].Place.Name)
	return ini[0]
}

// intersect returns the ids in both ascending lists.
func intersect(a, b []int32) []int32 {
	out := make([]int32, 0, min(len(a), len(b)))
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}
