package geocode_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"precinct"
	"precinct/geocode"
	"precinct/streets"
)

// place is a public entry named name.
func place(name string, kind precinct.PlaceKind) geocode.Entry {
	return geocode.Entry{Place: precinct.Place{Name: name, Kind: kind, Location: precinct.Point{Lon: 108, Lat: 29}}, Public: true}
}

func names(ps []precinct.Place) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func TestSearchByNameAndPinyin(t *testing.T) {
	ix := geocode.NewIndex([]geocode.Entry{
		place("新华大道", precinct.PlaceKindStreet),
		place("新华路", precinct.PlaceKindStreet),
		place("华新大道小学", precinct.PlaceKindPOI),
		place("重庆路", precinct.PlaceKindStreet),
		place("长安街", precinct.PlaceKindStreet),
		place("G60沪昆高速", precinct.PlaceKindStreet),
	})
	for _, c := range []struct{ q, first string }{
		{"新华大道", "新华大道"},     // the name
		{"新华", "新华路"},        // a prefix: the shorter name first
		{"大道", "新华大道"},       // inside a name
		{"xhdd", "新华大道"},     // pinyin initials
		{"XHDD", "新华大道"},     // in capitals
		{"xinhuada", "新华大道"}, // full pinyin, a prefix
		{"cql", "重庆路"},       // a polyphone read as in 重庆
		{"zql", "重庆路"},       // and its other reading
		{"caj", "长安街"},
		{"g60", "G60沪昆高速"},
	} {
		got := ix.Search(c.q, 5, nil)
		if len(got) == 0 || got[0].Name != c.first {
			t.Errorf("%q: %v, want %s first", c.q, names(got), c.first)
		}
	}
	if got := ix.Search("不存在的地方", 5, nil); len(got) != 0 {
		t.Errorf("no match expected: %v", names(got))
	}
	if got := ix.Search("xhdd", 5, nil); got[0].Score <= 0 || got[0].Location.Lon != 108 {
		t.Errorf("a candidate has score %v and point %v", got[0].Score, got[0].Location)
	}
}

// fakeStore holds one station with a grid.
type fakeStore struct{}

func (fakeStore) AllGrids(context.Context) ([]*precinct.PoliceGrid, []*precinct.CommunityGrid, error) {
	sq := precinct.MultiPolygon{{{{Lon: 108, Lat: 29}, {Lon: 108.1, Lat: 29}, {Lon: 108.1, Lat: 29.1}, {Lon: 108, Lat: 29.1}, {Lon: 108, Lat: 29}}}}
	return []*precinct.PoliceGrid{{ID: "pg1", StationID: "st1", Name: "西山社区", Boundary: sq}},
		[]*precinct.CommunityGrid{{ID: "cg1", PoliceGridID: "pg1", Name: "西山社区第1网格", Boundary: sq}}, nil
}

func (fakeStore) ListStations(_ context.Context, f precinct.StationFilter) ([]*precinct.Station, string, error) {
	return []*precinct.Station{{ID: "st1", SubBureauID: "sb1", Name: "城西派出所", Location: precinct.Point{Lon: 108.05, Lat: 29.05}}}, "", nil
}

func TestGridsOnlyInReach(t *testing.T) {
	svc := &geocode.Service{Store: fakeStore{}}
	as := func(sc precinct.Location) context.Context {
		return precinct.NewContextWithUser(context.Background(), &precinct.User{ID: "u", Role: precinct.RoleDispatcher, Scope: sc})
	}
	got, err := svc.Geocode(as(precinct.Location{SubBureauID: "sb1", StationID: "st1"}), "xs", 10)
	if err != nil || len(got) != 2 || got[0].Kind != precinct.PlaceKindPoliceGrid {
		t.Fatalf("own station: %v %v", names(got), err)
	}
	if in := got[0].Location; !(in.Lon > 108 && in.Lon < 108.1 && in.Lat > 29 && in.Lat < 29.1) {
		t.Errorf("the grid's point %v is not inside it", in)
	}
	got, err = svc.Geocode(as(precinct.Location{SubBureauID: "sb1", StationID: "st2"}), "西山", 10)
	if err != nil || len(got) != 0 {
		t.Errorf("another station finds %v (%v)", names(got), err)
	}
	if _, err := svc.Geocode(context.Background(), "西山", 10); precinct.ErrorCode(err) != precinct.EUNAUTHORIZED {
		t.Errorf("no user: %v", err)
	}
	if _, err := svc.Geocode(as(precinct.Location{SubBureauID: "sb1"}), " ", 10); precinct.ErrorCode(err) != precinct.EINVALID {
		t.Errorf("empty query: %v", err)
	}
}

func TestStreetsOfOpenStreetMap(t *testing.T) {
	dir, _ := os.Getwd()
	path := filepath.Join(dir, "..", "..", "shared", "data", "osm", "shenzhen_longgang.osm.gz")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	d, err := streets.Import(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ix := geocode.NewIndex(geocode.StreetEntries(d))
	for q, want := range map[string]string{"yldd": "盐龙大道", "盐龙": "盐龙大道", "yanlong": "盐龙大道"} {
		got := ix.Search(q, 5, nil)
		if len(got) == 0 || got[0].Name != want || got[0].Kind != precinct.PlaceKindStreet {
			t.Errorf("%q: %v, want %s", q, names(got), want)
		}
	}
}

// registryFake matches one standard address, or refuses the caller.
type registryFake struct{ refuse bool }

func (r registryFake) MatchAddress(context.Context, string, int) ([]precinct.AddressMatch, error) {
	if r.refuse {
		return nil, precinct.ErrForbidden()
	}
	return []precinct.AddressMatch{{Score: 1, Address: &precinct.Address{Name: "3栋", FullName: "黔江区城西街道西山社区新华大道12号3栋", Point: precinct.Point{Lon: 108.05, Lat: 29.05}}}}, nil
}

func TestStandardAddressesFirst(t *testing.T) {
	ctx := precinct.NewContextWithUser(context.Background(), &precinct.User{ID: "u", Role: precinct.RoleDispatcher, Scope: precinct.Location{SubBureauID: "sb1"}})
	svc := &geocode.Service{Store: fakeStore{}, Addresses: registryFake{}}
	got, err := svc.Geocode(ctx, "西山", 10)
	if err != nil || len(got) < 2 || got[0].Kind != precinct.PlaceKindAddress || got[0].Location.Lon != 108.05 {
		t.Fatalf("%v %v, want the standard address first", got, err)
	}
	// A role the registry refuses still finds grids.
	svc = &geocode.Service{Store: fakeStore{}, Addresses: registryFake{refuse: true}}
	if got, err := svc.Geocode(ctx, "西山", 10); err != nil || len(got) != 2 {
		t.Errorf("refused by the registry: %v %v", names(got), err)
	}
}
