package jurisdiction

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"precinct"
)

// Folder is an import folder in memory: file name → content. It is an
// fs.FS through testing/fstest.MapFS-like use with Files.
type Folder map[string][]byte

// WriteDir writes the folder's files into dir.
func (fo Folder) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range sortedCodes(fo) {
		if err := os.WriteFile(filepath.Join(dir, name), fo[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Export writes jurisdictions as an import folder whose coordinates are in
// datum (converting nothing: the caller's coordinates are declared as they
// are). divisions is the division table to include (CSV with header). A
// station's code names the one township it serves and its boundary becomes
// that township's; grids are written with their derived flag.
func Export(js []*precinct.Jurisdiction, divisions []byte, datum precinct.Datum, seed uint64) (Folder, error) {
	fo := Folder{DivisionsFile: divisions}
	m := Manifest{Datum: datumName(datum), Seed: seed}
	var bounds, pgs, cgs []map[string]any
	stations := [][]string{{"code", "name", "kind", "townships", "lon", "lat", "central", "partners"}}
	services := [][]string{{"id", "name", "lon", "lat", "station_a", "station_b"}}
	offices := [][]string{{"id", "name", "police_grid", "lon", "lat"}}
	people := [][]string{{"id", "name", "kind", "station", "team", "service_station", "police_grid", "phone", "id_number", "seconded"}}
	units := [][]string{{"id", "callsign", "kind", "station", "service_station", "police_grid", "members", "status", "lon", "lat"}}
	users := [][]string{{"username", "name", "role", "sub_bureau", "station", "police_grid", "community_grid", "person", "unit"}}
	code := func(id, prefix string) string { return strings.TrimPrefix(id, prefix) }
	for _, j := range js {
		sb := j.SubBureau
		m.CityBureau = sb.CityBureau
		m.SubBureaus = append(m.SubBureaus, ManifestSubBureau{ID: sb.ID, Code: sb.Code, Name: sb.Name})
		bounds = append(bounds, feat(sb.Boundary, map[string]any{"code": sb.Code, "name": sb.Name}))
		for _, s := range j.Stations {
			bounds = append(bounds, feat(s.Boundary, map[string]any{"code": s.Code, "name": s.Name}))
			var partners []string
			for _, p := range s.Partners {
				partners = append(partners, code(p, "ps-"))
			}
			stations = append(stations, []string{s.Code, s.Name, string(s.Kind), s.Code, num(s.Location.Lon), num(s.Location.Lat), code(s.CentralID, "ps-"), strings.Join(partners, ";")})
		}
		for _, s := range j.ServiceStations {
			services = append(services, []string{s.ID, s.Name, num(s.Location.Lon), num(s.Location.Lat), code(s.StationIDs[0], "ps-"), code(s.StationIDs[1], "ps-")})
		}
		for _, g := range j.PoliceGrids {
			pgs = append(pgs, feat(g.Boundary, map[string]any{"code": g.Code, "name": g.Name, "station": code(g.StationID, "ps-"), "officer": g.OfficerID, "derived": g.Derived}))
		}
		for _, g := range j.CommunityGrids {
			cgs = append(cgs, feat(g.Boundary, map[string]any{"id": g.ID, "name": g.Name, "police_grid": code(g.PoliceGridID, "pg-"), "worker": g.WorkerID, "derived": g.Derived}))
		}
		for _, o := range j.CommunityOffices {
			offices = append(offices, []string{o.ID, o.Name, code(o.PoliceGridID, "pg-"), num(o.Location.Lon), num(o.Location.Lat)})
		}
		for _, p := range j.People {
			seconded := ""
			if p.Seconded {
				seconded = "true"
			}
			people = append(people, []string{p.ID, p.Name, string(p.Kind), code(p.StationID, "ps-"), string(p.Team), p.ServiceStationID, code(p.PoliceGridID, "pg-"), p.Phone, p.IDNumber, seconded})
		}
		for _, u := range j.Units {
			units = append(units, []string{u.ID, u.Callsign, string(u.Kind), code(u.StationID, "ps-"), u.ServiceStationID, code(u.PoliceGridID, "pg-"),
				strings.Join(u.Members, ";"), string(u.Status), num(u.Position.Lon), num(u.Position.Lat)})
		}
		for _, u := range j.Users {
			users = append(users, []string{u.Username, u.Name, string(u.Role), sb.Code, code(u.Scope.StationID, "ps-"), code(u.Scope.PoliceGridID, "pg-"),
				u.Scope.CommunityGridID, u.PersonID, u.UnitID})
		}
	}
	var err error
	put := func(name string) func([]byte, error) {
		return func(b []byte, e error) {
			if e != nil && err == nil {
				err = e
			}
			fo[name] = b
		}
	}
	put(ManifestFile)(jsonIndent(m))
	put(BoundariesFile)(collection(bounds))
	if len(pgs) > 0 {
		put(PoliceGridsFile)(collection(pgs))
	}
	if len(cgs) > 0 {
		put(CommunityGridsFile)(collection(cgs))
	}
	for name, rows := range map[string][][]string{StationsTable: stations, ServiceTable: services, OfficesTable: offices, PeopleTable: people, UnitsTable: units, UsersTable: users} {
		if len(rows) > 1 {
			put(name + ".csv")(csvBytes(rows))
		}
	}
	return fo, err
}

func datumName(d precinct.Datum) string {
	if d == precinct.GCJ02 {
		return "GCJ-02"
	}
	return "WGS-84"
}

// num writes a coordinate with 7 decimals.
func num(v float64) string { return strconv.FormatFloat(round7(v), 'f', -1, 64) }

// feat is a GeoJSON feature with a (Multi)Polygon at 7 decimals.
func feat(m precinct.MultiPolygon, props map[string]any) map[string]any {
	var coords [][][][2]float64
	for _, poly := range m {
		var rings [][][2]float64
		for _, ring := range poly {
			r := make([][2]float64, len(ring))
			for i, p := range ring {
				r[i] = [2]float64{round7(p.Lon), round7(p.Lat)}
			}
			rings = append(rings, r)
		}
		coords = append(coords, rings)
	}
	return map[string]any{"type": "Feature", "properties": props, "geometry": map[string]any{"type": "MultiPolygon", "coordinates": coords}}
}

// collection writes a FeatureCollection one feature a line, so that diffs
// of the folder stay readable.
func collection(fs []map[string]any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	for i, f := range fs {
		raw, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		b.Write(raw)
		if i < len(fs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return b.Bytes(), nil
}

func jsonIndent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}

func csvBytes(rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return b.Bytes(), nil
}

// Names returns the folder's file names in order.
func (fo Folder) Names() []string {
	out := make([]string, 0, len(fo))
	for k := range fo {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
