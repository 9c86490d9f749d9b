package geocode

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"precinct"
	"precinct/streets"
)

// Defaults of Service.
const (
	DefaultLimit = 10
	MaxLimit     = 50
	// DefaultRefresh is how often the grids and stations are read again.
	DefaultRefresh = 5 * time.Minute
	maxQuery       = 100 // runes
)

// Store is what the service reads of the organisation: every grid and
// station, to index their names.
type Store interface {
	AllGrids(ctx context.Context) ([]*precinct.PoliceGrid, []*precinct.CommunityGrid, error)
	ListStations(ctx context.Context, f precinct.StationFilter) ([]*precinct.Station, string, error)
}

// AddressMatcher matches standard addresses (标准地址) of the caller's
// jurisdiction; the registry provides it.
type AddressMatcher interface {
	MatchAddress(ctx context.Context, q string, n int) ([]precinct.AddressMatch, error)
}

// Service answers address searches (precinct.GeocodeService) over the
// streets and places of imported road data (public), the grids and stations
// of the caller's jurisdiction and, when Addresses is set, standard
// addresses. Store is required; Streets and Addresses may be nil.
type Service struct {
	Store     Store
	Streets   *streets.Data
	Addresses AddressMatcher
	Clock     precinct.Clock
	// Refresh is how long the index of grids and stations is kept before it
	// is built again (DefaultRefresh).
	Refresh time.Duration

	mu      sync.Mutex
	index   *Index
	built   time.Time
	pending bool
}

var _ precinct.GeocodeService = (*Service)(nil)

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

// Geocode returns up to limit places matching q that the caller reaches.
func (s *Service) Geocode(ctx context.Context, q string, limit int) ([]precinct.Place, error) {
	u := precinct.UserFromContext(ctx)
	if err := precinct.Authorize(u, precinct.PermReadOrg); err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	if n := utf8.RuneCountInString(q); n == 0 || n > maxQuery {
		return nil, precinct.FieldErrorf(precinct.EINVALID, "q", "请输入要查找的地址（1 至 %d 字）", "Give the address to look for (1 to %d characters).", maxQuery)
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	ix, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	sc := precinct.ScopeOf(u)
	out := ix.Search(q, limit, func(e *Entry) bool { return e.Public || sc.Covers(e.Loc) })
	if s.Addresses != nil {
		ms, err := s.Addresses.MatchAddress(ctx, q, limit)
		switch precinct.ErrorCode(err) {
		case "":
			out = merge(places(ms), out, limit)
		case precinct.EFORBIDDEN:
			// A role that may not read the registry finds the rest.
		default:
			return nil, err
		}
	}
	if out == nil {
		out = []precinct.Place{}
	}
	return out, nil
}

// places turns the registry's matches into candidates: an address that
// accounts for the whole text ranks with an exact name.
func places(ms []precinct.AddressMatch) []precinct.Place {
	var out []precinct.Place
	for _, m := range ms {
		a := m.Address
		if a == nil || a.Point.IsZero() {
			continue
		}
		name := a.FullName
		if name == "" {
			name = a.Name
		}
		out = append(out, precinct.Place{Name: name, Kind: precinct.PlaceKindAddress, Location: a.Point,
			Score: 60 + 40*m.Score + kindBonus[precinct.PlaceKindAddress]})
	}
	return out
}

// merge puts standard addresses first among equals and keeps limit places.
func merge(addrs, others []precinct.Place, limit int) []precinct.Place {
	out := append(append([]precinct.Place(nil), addrs...), others...)
	for i := range addrs {
		out[i].Kind = precinct.PlaceKindAddress
		if out[i].Score == 0 {
			out[i].Score = 100 + kindBonus[precinct.PlaceKindAddress]
		}
	}
	// Stable by score, so that equal scores keep addresses ahead.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Score > out[j-1].Score; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// current returns the index, building it the first time and rebuilding it
// in the background once it is older than Refresh.
func (s *Service) current(ctx context.Context) (*Index, error) {
	s.mu.Lock()
	ix, built, pending := s.index, s.built, s.pending
	refresh := s.Refresh
	if refresh <= 0 {
		refresh = DefaultRefresh
	}
	stale := ix != nil && s.now().Sub(built) > refresh && !pending
	if stale {
		s.pending = true
	}
	s.mu.Unlock()
	if ix == nil {
		return s.Rebuild(ctx)
	}
	if stale {
		go func() {
			_, _ = s.Rebuild(context.WithoutCancel(ctx))
		}()
	}
	return ix, nil
}

// Rebuild indexes the streets and places and the current grids and
// stations, and returns the new index.
func (s *Service) Rebuild(ctx context.Context) (*Index, error) {
	var entries []Entry
	if s.Streets != nil {
		entries = append(entries, StreetEntries(s.Streets)...)
	}
	pgs, cgs, err := s.Store.AllGrids(ctx)
	if err == nil {
		var sts []*precinct.Station
		sts, err = allStations(ctx, s.Store)
		entries = append(entries, OrgEntries(sts, pgs, cgs)...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = false
	if err != nil {
		return nil, err
	}
	s.index, s.built = NewIndex(entries), s.now()
	return s.index, nil
}

func allStations(ctx context.Context, st Store) ([]*precinct.Station, error) {
	var out []*precinct.Station
	for cursor := ""; ; {
		page, next, err := st.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if cursor = next; cursor == "" {
			return out, nil
		}
	}
}

// StreetEntries returns a place for each named street (once per name, at
// the middle of its longest piece) and each named place of d.
func StreetEntries(d *streets.Data) []Entry {
	var out []Entry
	longest := map[string]int{}
	for i, s := range d.Streets {
		if s.Name == "" {
			continue
		}
		if j, ok := longest[s.Name]; !ok || len(s.Line) > len(d.Streets[j].Line) {
			longest[s.Name] = i
		}
	}
	for name, i := range longest {
		s := d.Streets[i]
		out = append(out, Entry{Place: precinct.Place{Name: name, Kind: precinct.PlaceKindStreet, Location: s.Line[len(s.Line)/2], Detail: s.Class}, Public: true})
	}
	for _, p := range d.POIs {
		out = append(out, Entry{Place: precinct.Place{Name: p.Name, Kind: precinct.PlaceKindPOI, Location: p.Point, Detail: p.Kind}, Public: true})
	}
	return out
}

// OrgEntries returns a place for each station, police grid and community
// grid, with the jurisdiction that may find it.
func OrgEntries(sts []*precinct.Station, pgs []*precinct.PoliceGrid, cgs []*precinct.CommunityGrid) []Entry {
	var out []Entry
	sub := map[string]string{}  // station → sub-bureau
	grid := map[string]string{} // police grid → station
	for _, st := range sts {
		sub[st.ID] = st.SubBureauID
		at := st.Location
		if at.IsZero() {
			at = inside(st.Boundary)
		}
		out = append(out, Entry{Place: precinct.Place{Name: st.Name, Kind: precinct.PlaceKindStation, Location: at},
			Loc: precinct.Location{SubBureauID: st.SubBureauID, StationID: st.ID}})
	}
	for _, g := range pgs {
		grid[g.ID] = g.StationID
		out = append(out, Entry{Place: precinct.Place{Name: g.Name, Kind: precinct.PlaceKindPoliceGrid, Location: inside(g.Boundary)},
			Loc: precinct.Location{SubBureauID: sub[g.StationID], StationID: g.StationID, PoliceGridID: g.ID}})
	}
	for _, g := range cgs {
		st := grid[g.PoliceGridID]
		out = append(out, Entry{Place: precinct.Place{Name: g.Name, Kind: precinct.PlaceKindCommunityGrid, Location: inside(g.Boundary)},
			Loc: precinct.Location{SubBureauID: sub[st], StationID: st, PoliceGridID: g.PoliceGridID, CommunityGridID: g.ID}})
	}
	// A grid whose station is unknown is found by nobody (fail closed).
	return out
}

// inside returns a point of a polygon to propose: the middle of its bounds
// where that lies inside, else the mean of its outer ring's vertices.
func inside(m precinct.MultiPolygon) precinct.Point {
	if len(m) == 0 || len(m[0]) == 0 || len(m[0][0]) == 0 {
		return precinct.Point{}
	}
	lo, hi := m.Bound()
	c := precinct.Point{Lon: (lo.Lon + hi.Lon) / 2, Lat: (lo.Lat + hi.Lat) / 2}
	if m.Contains(c) {
		return c
	}
	var sum precinct.Point
	ring := m[0][0]
	for _, p := range ring {
		sum.Lon += p.Lon
		sum.Lat += p.Lat
	}
	return precinct.Point{Lon: sum.Lon / float64(len(ring)), Lat: sum.Lat / float64(len(ring))}
}
