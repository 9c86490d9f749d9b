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
	"slices"
	"sort"
	"strings"
	"unicode"

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
	byRune  map[rune][]int32
	keys    []spelling // sorted by s
}

type spelling struct {
	s       string
	id      int32
	initial bool
}

// NewIndex indexes entries.
func NewIndex(entries []Entry) *Index {
	ix := &Index{entries: entries, names: make([]string, len(entries)), byRune: map[rune][]int32{}}
	for i, e := range entries {
		name := strings.ToLower(e.Place.Name)
		ix.names[i] = name
		seen := map[rune]bool{}
		for _, r := range name {
			if unicode.IsSpace(r) || seen[r] {
				continue
			}
			seen[r] = true
			ix.byRune[r] = append(ix.byRune[r], int32(i))
		}
		ini, full := spellings(e.Place.Name)
		for _, s := range ini {
			if len(s) >= 2 {
				ix.keys = append(ix.keys, spelling{s, int32(i), true})
			}
		}
		for _, s := range full {
			if len(s) >= 2 {
				ix.keys = append(ix.keys, spelling{s, int32(i), false})
			}
		}
	}
	sort.Slice(ix.keys, func(a, b int) bool { return ix.keys[a].s < ix.keys[b].s })
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
	score := map[int32]float64{}
	add := func(id int32, s float64) {
		if keep != nil && !keep(&ix.entries[id]) {
			return
		}
		if s > score[id] {
			score[id] = s
		}
	}
	// By characters: the names holding every character of q, found from the
	// rarest character's postings.
	var rarest []int32
	ok := true
	for _, r := range q {
		if unicode.IsSpace(r) {
			continue
		}
		p, found := ix.byRune[r]
		if !found {
			ok = false
			break
		}
		if rarest == nil || len(p) < len(rarest) {
			rarest = p
		}
	}
	if ok {
		for _, id := range rarest {
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
		i := sort.Search(len(ix.keys), func(i int) bool { return ix.keys[i].s >= q })
		for ; i < len(ix.keys) && strings.HasPrefix(ix.keys[i].s, q); i++ {
			k := ix.keys[i]
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
	ids := make([]int32, 0, len(score))
	for id := range score {
		ids = append(ids, id)
	}
	rank := func(id int32) float64 {
		e := &ix.entries[id]
		return score[id] + kindBonus[e.Place.Kind] - 0.01*float64(len([]rune(e.Place.Name)))
	}
	slices.SortFunc(ids, func(a, b int32) int {
		ra, rb := rank(a), rank(b)
		switch {
		case ra > rb:
			return -1
		case ra < rb:
			return 1
		}
		return strings.Compare(ix.names[a], ix.names[b])
	})
	if len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]precinct.Place, len(ids))
	for i, id := range ids {
		out[i] = ix.entries[id].Place
		out[i].Score = rank(id)
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
