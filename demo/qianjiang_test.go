package demo_test

import (
	"bytes"
	"io/fs"
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"
	"time"

	"precinct"
	"precinct/demo"
	"precinct/geo"
)

func TestQianjiang(t *testing.T) {
	start := time.Now()
	j, err := demo.Qianjiang(1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built in %v: %d stations, %d police grids, %d community grids, %d people, %d units, %d users",
		time.Since(start), len(j.Stations), len(j.PoliceGrids), len(j.CommunityGrids), len(j.People), len(j.Units), len(j.Users))
	kinds := map[precinct.StationKind]int{}
	for _, s := range j.Stations {
		kinds[s.Kind]++
	}
	if kinds[precinct.StationCentral] != 9 || kinds[precinct.StationBase] != 10 || kinds[precinct.StationBorder] != 6 || kinds[precinct.StationUrban] != 5 {
		t.Errorf("station kinds %v, want 9 central, 10 base, 6 border (seed 002) and 5 urban", kinds)
	}
	if len(j.PoliceGrids) != 220 {
		t.Errorf("%d police grids, want 220", len(j.PoliceGrids))
	}
	if n := len(j.CommunityGrids); n < 1226 || n > 1356 {
		t.Errorf("%d community grids, want 1,291 ± 5%%", n)
	}
	byID := map[string]*precinct.Station{}
	for _, s := range j.Stations {
		byID[s.ID] = s
	}
	bases := map[string]int{}
	for _, s := range j.Stations {
		switch s.Kind {
		case precinct.StationBase:
			c := byID[s.CentralID]
			if c == nil || c.Kind != precinct.StationCentral {
				t.Errorf("base %s has no central station", s.Name)
			} else {
				bases[c.ID]++
			}
		case precinct.StationBorder:
			if len(s.Partners) == 0 {
				t.Errorf("border %s has no partners", s.Name)
			}
			if d := geo.DistanceToEdgeM(s.Location, j.SubBureau.Boundary); d > 15000 {
				t.Errorf("border station %s is %.0f m from the district edge", s.Name, d)
			}
		}
	}
	for _, s := range j.Stations {
		if s.Kind == precinct.StationCentral && (bases[s.ID] < 1 || bases[s.ID] > 2) {
			t.Errorf("central %s coordinates %d base stations, want 1–2", s.Name, bases[s.ID])
		}
	}
	people := map[string]*precinct.Person{}
	for _, p := range j.People {
		people[p.ID] = p
		if len(p.IDNumber) != 18 || p.IDNumber[17] != demo.IDCheckDigit(p.IDNumber[:17]) {
			t.Fatalf("bad ID number %q", p.IDNumber)
		}
	}
	for _, g := range j.PoliceGrids {
		if p := people[g.OfficerID]; p == nil || p.Kind != precinct.PersonOfficer || p.Team != precinct.TeamCommunity {
			t.Errorf("police grid %s has no community officer", g.Name)
		}
	}
	for _, g := range j.CommunityGrids {
		if p := people[g.WorkerID]; p == nil || (p.Kind != precinct.PersonAuxiliary && p.Kind != precinct.PersonGridWorker) {
			t.Errorf("community grid %s has no worker", g.Name)
		}
	}
	token := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	for _, id := range append(ids(j), j.SubBureau.ID) {
		if !token.MatchString(id) {
			t.Errorf("ID %q is not a subject token", id)
		}
	}
	if len(j.ServiceStations) != 1 || len(j.Users) > 80 {
		t.Errorf("%d service stations, %d users", len(j.ServiceStations), len(j.Users))
	}
	again, _ := demo.Qianjiang(1)
	if again.Stations[3].Location != j.Stations[3].Location || again.People[100].Name != j.People[100].Name {
		t.Error("the same seed built a different jurisdiction")
	}
}

func ids(j *precinct.Jurisdiction) []string {
	var out []string
	for _, s := range j.Stations {
		out = append(out, s.ID)
	}
	for _, g := range j.PoliceGrids {
		out = append(out, g.ID)
	}
	for _, g := range j.CommunityGrids {
		out = append(out, g.ID)
	}
	for _, u := range j.Units {
		out = append(out, u.ID)
	}
	return out
}

// TestResolveThousandPoints checks that 1,000 random points of the district
// each fall in exactly one community grid, and that points outside get the
// clear error.
func TestResolveThousandPoints(t *testing.T) {
	j, err := demo.Qianjiang(1)
	if err != nil {
		t.Fatal(err)
	}
	r := geo.NewResolver(j.Stations, j.PoliceGrids, j.CommunityGrids)
	rng := rand.New(rand.NewPCG(7, 7))
	pgStation := map[string]string{}
	for _, g := range j.PoliceGrids {
		pgStation[g.ID] = g.StationID
	}
	for i := 0; i < 1000; i++ {
		p, ok := geo.RandomPoint(j.SubBureau.Boundary, rng)
		if !ok {
			t.Fatal("no point")
		}
		loc, err := r.Resolve(p)
		if err != nil {
			t.Fatalf("point %v inside the district: %v", p, err)
		}
		n := 0
		for _, g := range j.CommunityGrids {
			if g.Boundary.Contains(p) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("point %v lies in %d community grids, want 1", p, n)
		}
		if loc.SubBureauID != j.SubBureau.ID || pgStation[loc.PoliceGridID] != loc.StationID {
			t.Fatalf("inconsistent location %+v", loc)
		}
	}
	for _, p := range []precinct.Point{{Lon: 116.39, Lat: 39.9}, {Lon: 0, Lat: 0}, {Lon: 108.3, Lat: 29.1}} {
		if _, err := r.Resolve(p); precinct.ErrorCode(err) != precinct.EINVALID {
			t.Errorf("outside point %v: %v", p, err)
		}
	}
}

// TestEmbeddedFolderUpToDate: the demo the server seeds is the import
// folder the generator writes (go generate ./demo), read by the importer.
func TestEmbeddedFolderUpToDate(t *testing.T) {
	fo, err := demo.Folder(1)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range fo.Names() {
		got, err := fs.ReadFile(demo.FolderFS(), name)
		if err != nil || !bytes.Equal(got, fo[name]) {
			t.Errorf("demo/data/qianjiang/%s is out of date (%v): run go generate ./demo", name, err)
		}
	}
	j, err := demo.Qianjiang(1)
	if err != nil {
		t.Fatal(err)
	}
	if j.SubBureau.Datum != precinct.WGS84 || !j.SubBureau.Derived {
		t.Errorf("the demo is stored in %s, derived %v; want WGS-84, derived", j.SubBureau.Datum, j.SubBureau.Derived)
	}
	// The folder is GCJ-02, as its outline was published; the importer
	// moved every point to WGS-84.
	first, _ := fs.ReadFile(demo.FolderFS(), "stations.csv")
	if !bytes.Contains(first, []byte(j.Stations[0].Code)) || bytes.Contains(first, []byte(strconv.FormatFloat(j.Stations[0].Location.Lon, 'f', 7, 64))) {
		t.Error("the station's stored longitude is the folder's: no datum conversion")
	}
}
