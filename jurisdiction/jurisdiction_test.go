package jurisdiction_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"precinct"
	"precinct/geo"
	"precinct/jurisdiction"
	"precinct/sqldb"
)

const exampleDir = "../docs/jurisdiction-example"

// example returns the example folder in memory, to change in a test.
func example(t testing.TB) jurisdiction.Folder {
	t.Helper()
	fo := jurisdiction.Folder{}
	entries, err := os.ReadDir(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(exampleDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fo[e.Name()] = b
	}
	return fo
}

// stores opens an empty SQLite store, and a PostgreSQL one when
// PRECINCT_TEST_POSTGRES is set.
func stores(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqldb.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, db)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("PRECINCT_TEST_POSTGRES")
		if dsn == "" {
			if os.Getenv("CI") != "" {
				t.Fatal("PRECINCT_TEST_POSTGRES is not set in CI")
			}
			t.Skip("PRECINCT_TEST_POSTGRES not set")
		}
		dsn, drop, err := sqldb.NewSchema(context.Background(), dsn, "precinct_test")
		if err != nil {
			t.Fatal(err)
		}
		db, err := sqldb.Open(context.Background(), dsn, sqldb.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(); drop() })
		fn(t, db)
	})
}

func TestExampleImportAndReimport(t *testing.T) {
	stores(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fo := example(t)
		dry, err := jurisdiction.Import(ctx, db, fo.FS(), jurisdiction.ImportOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if dry.Diff.Added.Stations != 3 {
			t.Errorf("dry run would add %d stations, want 3", dry.Diff.Added.Stations)
		}
		if empty, _ := db.Empty(ctx); !empty {
			t.Fatal("a dry run wrote to the store")
		}
		res, err := jurisdiction.Import(ctx, db, fo.FS(), jurisdiction.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := precinct.OrgCounts{SubBureaus: 1, Stations: 3, ServiceStations: 1, CommunityOffices: 2, PoliceGrids: 3 + 3 + 2,
			CommunityGrids: 8, People: 7, Units: 4, Users: 3}
		if res.Counts != want || res.Diff.Added != want {
			t.Fatalf("counts %+v, added %+v, want %+v", res.Counts, res.Diff.Added, want)
		}
		// The base station 水市 is coordinated by 濯水; 城西's grids are
		// surveyed, the others derived; a derived grid's officer is its person.
		st, err := db.FindStation(ctx, "ps-500114125")
		if err != nil || st.CentralID != "ps-500114112" {
			t.Fatalf("水市: %+v %v", st, err)
		}
		pg, err := db.FindPoliceGrid(ctx, "pg-500114003001")
		if err != nil || pg.Derived || pg.OfficerID != "p-003" {
			t.Fatalf("surveyed grid: %+v %v", pg, err)
		}
		pg, err = db.FindPoliceGrid(ctx, "pg-500114125201")
		if err != nil || !pg.Derived || pg.OfficerID != "p-005" {
			t.Fatalf("derived grid: %+v %v", pg, err)
		}
		// Every point of the district resolves to one grid of the import.
		pgs, cgs, err := db.AllGrids(ctx)
		if err != nil {
			t.Fatal(err)
		}
		stations, _, _ := db.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere})
		r := geo.NewResolver(stations, pgs, cgs)
		for _, s := range stations {
			loc, err := r.Resolve(s.Location)
			if err != nil || loc.StationID != s.ID {
				t.Errorf("station %s at %v resolves to %+v, %v", s.Name, s.Location, loc, err)
			}
		}

		// Again, unchanged: nothing added, changed or removed.
		again, err := jurisdiction.Import(ctx, db, fo.FS(), jurisdiction.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if (again.Diff.Added != precinct.OrgCounts{}) || (again.Diff.Changed != precinct.OrgCounts{}) || (again.Diff.Removed != precinct.OrgCounts{}) {
			t.Fatalf("re-import of the same folder changed %+v", again.Diff)
		}

		// A renamed station, a unit gone, a person added.
		fo["stations.csv"] = bytes.Replace(fo["stations.csv"], []byte("城西派出所"), []byte("城西中心派出所"), 1)
		fo["units.csv"] = dropLine(fo["units.csv"], "u-003")
		fo["people.csv"] = append(fo["people.csv"], []byte("p-008,周明,volunteer,500114112,,,,,,\n")...)
		upd, err := jurisdiction.Import(ctx, db, fo.FS(), jurisdiction.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		d := upd.Diff
		if d.Changed.Stations != 1 || d.Removed.Units != 1 || d.Added.People != 1 || d.Added.Stations != 0 {
			t.Fatalf("update diff %+v", d)
		}
		units, _, _ := db.ListUnits(ctx, precinct.UnitFilter{Scope: precinct.Everywhere})
		for _, u := range units {
			if u.ID == "u-003" {
				t.Error("a removed unit is still listed")
			}
		}
		if u, err := db.FindUnit(ctx, "u-003"); err != nil || u.Callsign != "濯水巡1" {
			t.Errorf("a removed unit's history is gone: %v", err)
		}
	})
}

func dropLine(b []byte, prefix string) []byte {
	var out []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, ""))
}

// TestRemovingAStationWithOpenIncidentsIsRefused: the import is refused and
// nothing of it is written.
func TestRemovingAStationWithOpenIncidentsIsRefused(t *testing.T) {
	stores(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		fo := example(t)
		if _, err := jurisdiction.Import(ctx, db, fo.FS(), jurisdiction.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
		loc := precinct.Location{SubBureauID: "sb-500114", StationID: "ps-500114125", PoliceGridID: "pg-500114125201"}
		inc := &precinct.Incident{ID: "inc-open", Source: precinct.SourceCall110, Category: "dispute", PlaceType: precinct.PlaceStreet,
			Point: precinct.Point{Lon: 108.85, Lat: 29.45}, Priority: 2, Status: precinct.IncidentReceived, Location: loc, ReceivedAt: at, UpdatedAt: at, Version: 1}
		ev := precinct.NewEvent(ctx, at, "incident.created", loc, "incident", inc.ID, nil, inc, nil)
		if _, _, err := db.CreateIncident(ctx, inc, []*precinct.Event{ev}); err != nil {
			t.Fatal(err)
		}
		// 水市 goes, with its township and villages; 城西 is renamed.
		fo["stations.csv"] = bytes.Replace(dropLine(fo["stations.csv"], "500114125"), []byte("城西派出所"), []byte("城西新所"), 1)
		fo["people.csv"] = dropLine(fo["people.csv"], "p-005")
		fo["community_offices.csv"] = dropLine(fo["community_offices.csv"], "co-500114125201")
		_, err := jurisdiction.Import(ctx, db, fo.FS(), jurisdiction.ImportOptions{})
		if precinct.ErrorCode(err) != precinct.ECONFLICT || !strings.Contains(err.Error(), "ps-500114125") {
			t.Fatalf("removing a station with an open incident: %v", err)
		}
		if st, err := db.FindStation(ctx, "ps-500114003"); err != nil || st.Name != "城西派出所" {
			t.Fatalf("a refused import wrote: %+v %v", st, err)
		}
		if list, _, _ := db.ListStations(ctx, precinct.StationFilter{Scope: precinct.Everywhere}); len(list) != 3 {
			t.Fatalf("%d stations after a refused import", len(list))
		}
	})
}

// TestEveryProblemReported breaks the example in many places: each fault
// is reported with its file, line and field, in both languages, and
// nothing is written.
func TestEveryProblemReported(t *testing.T) {
	fo := example(t)
	fo["stations.csv"] = []byte("code,name,kind,townships,lon,lat,central,partners\n" +
		"500114003,城西派出所,urban,500114003,108.75,29.50,,\n" +
		"500114112,濯水中心派出所,centre,500114112,108.85,29.55,,\n" + // line 3: kind
		"500114125,水市派出所,border,500114999,108.85,29.45,500114003,440604\n") // line 4: township, central, partner
	fo["people.csv"] = append(fo["people.csv"], []byte("p-009,,cook,500114777,,,,abc,123,\n")...) // line 9
	fo["units.csv"] = append(fo["units.csv"], []byte("u-001,重复,patrol_car,500114003,,,p-404,,,\n")...)
	fo["users.csv"] = append(fo["users.csv"], []byte("bad user,x,admin,,,,,,\n")...)
	_, err := jurisdiction.Read(fo.FS(), jurisdiction.Options{})
	ps, ok := err.(jurisdiction.Problems)
	if !ok {
		t.Fatalf("want Problems, got %v", err)
	}
	want := []jurisdiction.Problem{
		{File: "stations.csv", Line: 3, Field: "kind"},
		{File: "stations.csv", Line: 4, Field: "townships"},
		{File: "stations.csv", Line: 4, Field: "central"},
		{File: "stations.csv", Line: 4, Field: "partners"},
		{File: "people.csv", Line: 9, Field: "name"},
		{File: "people.csv", Line: 9, Field: "kind"},
		{File: "people.csv", Line: 9, Field: "station"},
		{File: "people.csv", Line: 9, Field: "phone"},
		{File: "people.csv", Line: 9, Field: "id_number"},
		{File: "units.csv", Line: 6, Field: "id"},
		{File: "units.csv", Line: 6, Field: "members"},
		{File: "users.csv", Line: 5, Field: "username"},
	}
	for _, w := range want {
		found := false
		for _, p := range ps {
			if p.File == w.File && p.Line == w.Line && p.Field == w.Field {
				found = true
				if p.Message == "" || p.MessageEN == "" || p.Message == p.MessageEN {
					t.Errorf("%v: want a Chinese and an English message", p)
				}
			}
		}
		if !found {
			t.Errorf("no problem reported at %s:%d [%s]; got:\n%v", w.File, w.Line, w.Field, ps)
		}
	}
	if precinct.ErrorCode(err) != precinct.EINVALID {
		t.Errorf("code %s, want EINVALID", precinct.ErrorCode(err))
	}
	stores(t, func(t *testing.T, db *sqldb.DB) {
		if _, err := jurisdiction.Import(context.Background(), db, fo.FS(), jurisdiction.ImportOptions{}); err == nil {
			t.Fatal("a broken folder imported")
		}
		if empty, _ := db.Empty(context.Background()); !empty {
			t.Fatal("a broken folder wrote to the store")
		}
	})
}

// TestGCJ02PointPlaced declares the stations GCJ-02: a station given at the
// GCJ-02 image of a known WGS-84 point is stored at that point.
func TestGCJ02PointPlaced(t *testing.T) {
	fo := example(t)
	known := precinct.Point{Lon: 108.7712345, Lat: 29.5234567} // WGS-84
	g := geo.WGS84ToGCJ02(known)
	if precinct.DistanceM(g, known) < 100 {
		t.Fatalf("GCJ-02 offset %.0f m: the test would not tell the datums apart", precinct.DistanceM(g, known))
	}
	fo["jurisdiction.json"] = bytes.Replace(fo["jurisdiction.json"], []byte(`"boundaries.geojson": "GCJ-02"`),
		[]byte(`"boundaries.geojson": "GCJ-02", "stations.csv": "GCJ-02"`), 1)
	fo["stations.csv"] = bytes.Replace(fo["stations.csv"], []byte("108.75,29.50"), []byte(num(g.Lon)+","+num(g.Lat)), 1)
	js, err := jurisdiction.Read(fo.FS(), jurisdiction.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := js[0].Stations[0].Location
	if d := precinct.DistanceM(got, known); d > 0.05 {
		t.Fatalf("station stored at %v, %.2f m from the WGS-84 point %v", got, d, known)
	}
	if js[0].SubBureau.Datum != precinct.WGS84 {
		t.Errorf("stored datum %s", js[0].SubBureau.Datum)
	}
	// The GCJ-02 outline was converted too: its corner moved by the offset.
	corner := js[0].SubBureau.Boundary[0][0][0]
	if want := geo.GCJ02ToWGS84(precinct.Point{Lon: 108.70, Lat: 29.40}); precinct.DistanceM(corner, want) > 0.05 {
		t.Errorf("outline corner %v, want %v", corner, want)
	}
}

func num(v float64) string { return strings.TrimRight(strings.TrimRight(strconvF(v), "0"), ".") }

func strconvF(v float64) string { return fmtFloat(v) }

// TestExcelTables reads people, units and users from .xlsx instead of CSV:
// the same jurisdiction comes out.
func TestExcelTables(t *testing.T) {
	fo := example(t)
	fromCSV, err := jurisdiction.Read(fo.FS(), jurisdiction.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"people", "units", "users"} {
		rows, err := csv.NewReader(bytes.NewReader(fo[name+".csv"])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		x := excelize.NewFile()
		for i, r := range rows {
			for j, v := range r {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				x.SetCellStr("Sheet1", cell, v)
			}
		}
		var b bytes.Buffer
		if err := x.Write(&b); err != nil {
			t.Fatal(err)
		}
		delete(fo, name+".csv")
		fo[name+".xlsx"] = b.Bytes()
	}
	fromXLSX, err := jurisdiction.Read(fo.FS(), jurisdiction.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := precinct.CountOrg(fromCSV...), precinct.CountOrg(fromXLSX...); a != b {
		t.Fatalf("csv %+v, xlsx %+v", a, b)
	}
	if p := fromXLSX[0].People[0]; p.Name != "李建国" || p.IDNumber != "500114198001010015" || p.StationID != "ps-500114003" {
		t.Errorf("person from Excel: %+v", p)
	}
	if u := fromXLSX[0].Units[0]; len(u.Members) != 2 {
		t.Errorf("unit from Excel: %+v", u)
	}
	// An error in a workbook names the row.
	x, _ := excelize.OpenReader(bytes.NewReader(fo["people.xlsx"]))
	x.SetCellStr("Sheet1", "C3", "cook")
	var b bytes.Buffer
	x.Write(&b)
	fo["people.xlsx"] = b.Bytes()
	_, err = jurisdiction.Read(fo.FS(), jurisdiction.Options{})
	if ps, ok := err.(jurisdiction.Problems); !ok || len(ps) != 1 || ps[0].File != "people.xlsx" || ps[0].Line != 3 || ps[0].Field != "kind" {
		t.Fatalf("want people.xlsx:3 [kind], got %v", err)
	}
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'f', 7, 64) }

// TestFoshanPartnersAcrossDistricts reads the Foshan folder: five
// sub-bureaus, grids derived and marked so, and border stations whose
// partners (given by code) are stations of another district.
func TestFoshanPartnersAcrossDistricts(t *testing.T) {
	js, err := jurisdiction.Read(os.DirFS("../demo/data/foshan"), jurisdiction.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sub := map[string]string{}
	for _, j := range js {
		for _, s := range j.Stations {
			sub[s.ID] = j.SubBureau.ID
		}
	}
	across := 0
	for _, j := range js {
		if !j.SubBureau.Derived || len(j.PoliceGrids) == 0 || !j.PoliceGrids[0].Derived {
			t.Errorf("%s: derived grids not marked", j.SubBureau.Name)
		}
		for _, s := range j.Stations {
			for _, p := range s.Partners {
				if sub[p] == "" {
					t.Errorf("%s's partner %s is unknown", s.Name, p)
				} else if sub[p] != j.SubBureau.ID {
					across++
				}
			}
		}
	}
	if len(js) != 5 || across < 4 {
		t.Fatalf("%d sub-bureaus, %d partners across districts", len(js), across)
	}
}
