package demo

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"precinct"
	"precinct/geo"
	"precinct/jurisdiction"
)

// FoshanFolder writes 佛山市 (seed 000) as an import folder from the
// published divisions (foshan_communities.csv) and district outlines
// (foshan_districts.geojson, GCJ-02): one sub-bureau per district, one
// station per street office or town at a generated place inside its
// district, the station nearest another district's a border station
// partnered with it, and per station a command office, a patrol car and
// accounts. Township areas, police grids (one per village or community)
// and community grids are left for the importer to derive.
func FoshanFolder(divisions, districts []byte, seed int64) (jurisdiction.Folder, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x0f05a4))
	names := newNamer(rng)
	var fc struct {
		Features []struct {
			Properties struct {
				Adcode string `json:"adcode"`
				Name   string `json:"name"`
			} `json:"properties"`
			Geometry precinct.MultiPolygon `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(districts, &fc); err != nil {
		return nil, fmt.Errorf("foshan districts: %w", err)
	}
	towns := map[string][]jurisdiction.Division{}
	rows, err := readCSVRows(divisions)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.Level == "township" && r.Code[6:] < "400" { // 400+: development zones and the like
			towns[r.Parent] = append(towns[r.Parent], r)
		}
	}
	type station struct {
		code, name, kind, district string
		at                         precinct.Point
		partner                    string
	}
	var stations []*station
	var bounds []map[string]any
	var manifest jurisdiction.Manifest
	manifest.CityBureau, manifest.Datum, manifest.Seed = "佛山市公安局", "GCJ-02", uint64(seed)
	for _, f := range fc.Features {
		code, outline := f.Properties.Adcode, f.Geometry
		name := strings.TrimSuffix(f.Properties.Name, "区")
		manifest.SubBureaus = append(manifest.SubBureaus, jurisdiction.ManifestSubBureau{ID: "sb-" + code, Code: code, Name: "佛山市公安局" + name + "分局"})
		bounds = append(bounds, map[string]any{"type": "Feature", "properties": map[string]any{"code": code, "name": f.Properties.Name}, "geometry": outline})
		ts := towns[code]
		pts := geo.SpreadPoints(outline, len(ts), rng)
		if len(pts) < len(ts) {
			return nil, fmt.Errorf("foshan: no room for %d stations in %s", len(ts), f.Properties.Name)
		}
		for i, t := range ts {
			n := strings.TrimSuffix(strings.TrimSuffix(t.Name, "街道"), "镇")
			stations = append(stations, &station{code: t.Code, name: n + "派出所", kind: string(precinct.StationUrban), district: code, at: pts[i]})
		}
	}
	// Border stations: per district, the station nearest a station of
	// another district, partnered with it across the boundary.
	for _, f := range fc.Features {
		var best, other *station
		for _, a := range stations {
			for _, b := range stations {
				if a.district == f.Properties.Adcode && b.district != a.district &&
					(best == nil || precinct.DistanceM(a.at, b.at) < precinct.DistanceM(best.at, other.at)) {
					best, other = a, b
				}
			}
		}
		if best != nil {
			best.kind, best.partner = string(precinct.StationBorder), other.code
		}
	}
	st := [][]string{{"code", "name", "kind", "townships", "lon", "lat", "central", "partners"}}
	people := [][]string{{"id", "name", "kind", "station", "team", "phone"}}
	units := [][]string{{"id", "callsign", "kind", "station", "members", "status"}}
	users := [][]string{{"username", "name", "role", "sub_bureau", "station", "person", "unit"}}
	for _, f := range fc.Features {
		users = append(users, []string{"fs" + f.Properties.Adcode[4:] + "-dispatcher", f.Properties.Name + "指挥中心调度员", string(precinct.RoleDispatcher), f.Properties.Adcode, "", "", ""})
	}
	for i, s := range stations {
		st = append(st, []string{s.code, s.name, s.kind, s.code, coord(s.at.Lon), coord(s.at.Lat), "", s.partner})
		var crew []string
		for k := 0; k < 2; k++ {
			id := fmt.Sprintf("fs-p-%s-%d", s.code, k+1)
			crew = append(crew, id)
			people = append(people, []string{id, names.name(), string(precinct.PersonOfficer), s.code, string(precinct.TeamCommand), names.phone()})
		}
		unit := fmt.Sprintf("fs-u-%s", s.code)
		units = append(units, []string{unit, fmt.Sprintf("佛%s巡1", s.code[4:]), string(precinct.UnitPatrolCar), s.code, strings.Join(crew, ";"), string(precinct.UnitAvailable)})
		users = append(users, []string{fmt.Sprintf("fs-cmd-%s", s.code[4:]), s.name + "综合指挥室", string(precinct.RoleCommand), "", s.code, crew[0], ""})
		_ = i
	}
	fo := jurisdiction.Folder{jurisdiction.DivisionsFile: divisions}
	var errs []error
	put := func(name string, b []byte, err error) {
		fo[name] = b
		errs = append(errs, err)
	}
	b, err := json.MarshalIndent(manifest, "", "  ")
	put(jurisdiction.ManifestFile, append(b, '\n'), err)
	b, err = json.Marshal(map[string]any{"type": "FeatureCollection", "features": bounds})
	put(jurisdiction.BoundariesFile, b, err)
	for name, rows := range map[string][][]string{"stations.csv": st, "people.csv": people, "units.csv": units, "users.csv": users} {
		b, err := csvOf(rows)
		put(name, b, err)
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return fo, nil
}

func coord(v float64) string { return fmt.Sprintf("%.7f", v) }

// readCSVRows reads a division table.
func readCSVRows(raw []byte) ([]jurisdiction.Division, error) {
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("divisions: %w", err)
	}
	var out []jurisdiction.Division
	for _, r := range recs[1:] {
		if len(r) >= 4 {
			out = append(out, jurisdiction.Division{Code: r[0], Name: r[1], Level: r[2], Parent: r[3]})
		}
	}
	return out, nil
}

func csvOf(rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	err := w.WriteAll(rows)
	return b.Bytes(), err
}
