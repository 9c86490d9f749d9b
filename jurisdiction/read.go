package jurisdiction

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"precinct"
	"precinct/geo"
)

// The files of an import folder (see docs/jurisdiction.md). Tables are
// .csv or .xlsx.
const (
	ManifestFile       = "jurisdiction.json"
	DivisionsFile      = "divisions.csv"
	BoundariesFile     = "boundaries.geojson"
	PoliceGridsFile    = "police_grids.geojson"
	CommunityGridsFile = "community_grids.geojson"
	StationsTable      = "stations"
	ServiceTable       = "service_stations"
	OfficesTable       = "community_offices"
	PeopleTable        = "people"
	UnitsTable         = "units"
	UsersTable         = "users"
)

// Manifest is jurisdiction.json: the sub-bureaus the folder holds, the
// city bureau above them, and the datum of each file's coordinates.
type Manifest struct {
	CityBureau string `json:"city_bureau"`
	// Datum is the datum of every file that Datums does not name; empty is
	// WGS-84.
	Datum  string            `json:"datum,omitempty"`
	Datums map[string]string `json:"datums,omitempty"`
	// SubBureaus: one per district (区县) division code.
	SubBureaus []ManifestSubBureau `json:"sub_bureaus"`
	// Seed makes derived polygons the same at every import.
	Seed uint64 `json:"seed,omitempty"`
}

// ManifestSubBureau is one sub-bureau of a manifest.
type ManifestSubBureau struct {
	ID   string `json:"id,omitempty"` // default sb-CODE
	Code string `json:"code"`
	Name string `json:"name"`
}

// Options tune Read.
type Options struct {
	// KnownStation reports whether a station ID outside the folder exists
	// (a partner station of another jurisdiction already stored); nil knows none.
	KnownStation func(id string) bool
	// Progress, if set, is told how far reading has gone.
	Progress func(stage string, done, total int)
}

// Division is one row of the division table of the National Bureau of
// Statistics (统计用区划代码).
type Division struct {
	Code, Name, Level, Parent string
}

// folder is what Read gathers before building jurisdictions.
type folder struct {
	fsys     fs.FS
	opt      Options
	rep      report
	manifest Manifest
	divs     map[string]*Division
	children map[string][]*Division // township code → villages, in file order
	// outlines and township areas by division code, in WGS-84.
	areas map[string]precinct.MultiPolygon

	subs     map[string]*precinct.Jurisdiction // by sub-bureau code
	order    []*precinct.Jurisdiction
	stations map[string]*stationRow // by station code
	stOrder  []*stationRow
	pgByCode map[string]*precinct.PoliceGrid
	pgOrder  []*precinct.PoliceGrid
	cgs      []*precinct.CommunityGrid
	cgByID   map[string]*precinct.CommunityGrid
	services map[string]*precinct.ServiceStation
	people   map[string]*precinct.Person
	units    map[string]*precinct.Unit
}

// stationRow is a station as read, with what it serves.
type stationRow struct {
	*precinct.Station
	sub       *precinct.Jurisdiction
	townships []string
	line      int
	central   string
	partners  []string
}

var token = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Read reads, checks and assembles an import folder into one jurisdiction
// per sub-bureau, in WGS-84. Every fault is reported at once as Problems;
// nothing else is returned then.
func Read(fsys fs.FS, opt Options) ([]*precinct.Jurisdiction, error) {
	f := &folder{fsys: fsys, opt: opt, divs: map[string]*Division{}, children: map[string][]*Division{}, areas: map[string]precinct.MultiPolygon{},
		subs: map[string]*precinct.Jurisdiction{}, stations: map[string]*stationRow{}, pgByCode: map[string]*precinct.PoliceGrid{},
		cgByID: map[string]*precinct.CommunityGrid{}, services: map[string]*precinct.ServiceStation{},
		people: map[string]*precinct.Person{}, units: map[string]*precinct.Unit{}}
	steps := []struct {
		name string
		fn   func()
	}{
		{"manifest", f.readManifest}, {"divisions", f.readDivisions}, {"boundaries", f.readBoundaries},
		{"stations", f.readStations}, {"police grids", f.readPoliceGrids}, {"community grids", f.readCommunityGrids},
		{"service stations", f.readServiceStations}, {"people", f.readPeople}, {"community offices", f.readOffices},
		{"units", f.readUnits}, {"users", f.readUsers},
	}
	for i, s := range steps {
		f.progress(s.name, i, len(steps))
		s.fn()
		if len(f.rep.ps) > 0 && i < 3 {
			break // without the manifest, divisions and outlines nothing else can be checked
		}
	}
	if len(f.rep.ps) > 0 {
		return nil, f.rep.ps
	}
	f.progress("derive", len(steps), len(steps)+1)
	if err := f.derive(); err != nil {
		return nil, err
	}
	f.progress("done", 1, 1)
	return f.order, nil
}

func (f *folder) progress(stage string, done, total int) {
	if f.opt.Progress != nil {
		f.opt.Progress(stage, done, total)
	}
}

// datum returns the datum a file declares.
func (f *folder) datum(file string) precinct.Datum {
	d := f.manifest.Datum
	if v, ok := f.manifest.Datums[file]; ok {
		d = v
	}
	return parseDatum(d)
}

func parseDatum(s string) precinct.Datum {
	switch strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "")) {
	case "", "WGS84":
		return precinct.WGS84
	case "GCJ02":
		return precinct.GCJ02
	}
	return ""
}

// toWGS84 converts a point of a file to WGS-84, once, here at the edge.
func (f *folder) toWGS84(file string, p precinct.Point) precinct.Point {
	return geo.ToDatum(p, f.datum(file), precinct.WGS84)
}

func (f *folder) readManifest() {
	raw, err := fs.ReadFile(f.fsys, ManifestFile)
	if err != nil {
		f.rep.add(ManifestFile, 0, "", "缺少清单文件：%v", "The manifest is missing: %v", err)
		return
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f.manifest); err != nil {
		f.rep.add(ManifestFile, 0, "", "清单格式错误：%v", "Malformed manifest: %v", err)
		return
	}
	m := &f.manifest
	if parseDatum(m.Datum) == "" {
		f.rep.add(ManifestFile, 0, "datum", "未知的坐标系 %q（应为 WGS-84 或 GCJ-02）", "Unknown datum %q (want WGS-84 or GCJ-02).", m.Datum)
	}
	for file, d := range m.Datums {
		if parseDatum(d) == "" {
			f.rep.add(ManifestFile, 0, "datums."+file, "未知的坐标系 %q（应为 WGS-84 或 GCJ-02）", "Unknown datum %q (want WGS-84 or GCJ-02).", d)
		}
	}
	if len(m.SubBureaus) == 0 {
		f.rep.add(ManifestFile, 0, "sub_bureaus", "至少需要一个分局", "At least one sub-bureau is required.")
	}
	for i, sb := range m.SubBureaus {
		field := "sub_bureaus[" + strconv.Itoa(i) + "]"
		if sb.ID == "" {
			sb.ID = "sb-" + sb.Code
		}
		switch {
		case sb.Code == "":
			f.rep.add(ManifestFile, 0, field+".code", "分局缺少区划代码", "The sub-bureau has no division code.")
			continue
		case !token.MatchString(sb.ID):
			f.rep.add(ManifestFile, 0, field+".id", "编号只能含字母、数字、- 和 _：%q", "An ID may hold only letters, digits, - and _: %q", sb.ID)
		case sb.Name == "":
			f.rep.add(ManifestFile, 0, field+".name", "分局缺少名称", "The sub-bureau has no name.")
		case f.subs[sb.Code] != nil:
			f.rep.add(ManifestFile, 0, field+".code", "分局重复：%s", "Duplicate sub-bureau: %s", sb.Code)
		}
		j := &precinct.Jurisdiction{SubBureau: precinct.SubBureau{ID: sb.ID, Name: sb.Name, CityBureau: m.CityBureau, Code: sb.Code, Datum: precinct.WGS84}}
		f.subs[sb.Code] = j
		f.order = append(f.order, j)
	}
}

var levels = map[string]bool{"province": true, "city": true, "county": true, "township": true, "village": true}

func (f *folder) readDivisions() {
	t := readTable(f.fsys, strings.TrimSuffix(DivisionsFile, ".csv"), []string{"code", "name", "level", "parent_code"}, &f.rep)
	if t == nil {
		if len(f.rep.ps) == 0 {
			f.rep.add(DivisionsFile, 0, "", "缺少区划表", "The division table is missing.")
		}
		return
	}
	for _, r := range t.rows {
		d := &Division{Code: t.get(r, "code"), Name: t.get(r, "name"), Level: t.get(r, "level"), Parent: t.get(r, "parent_code")}
		switch {
		case !digits(d.Code):
			f.rep.add(t.file, r.line, "code", "区划代码应为数字：%q", "A division code is digits: %q", d.Code)
			continue
		case d.Name == "":
			f.rep.add(t.file, r.line, "name", "缺少名称", "The name is missing.")
		case !levels[d.Level]:
			f.rep.add(t.file, r.line, "level", "未知的层级 %q（province、city、county、township、village）", "Unknown level %q (province, city, county, township, village).", d.Level)
		}
		if f.divs[d.Code] != nil {
			continue // the published tables repeat a few codes; the first wins
		}
		f.divs[d.Code] = d
		if d.Level == "village" {
			f.children[d.Parent] = append(f.children[d.Parent], d)
		}
	}
	for _, r := range t.rows {
		// Townships and villages hang from divisions of the table; the
		// top of a table (a county, a city) may name a parent outside it.
		lv, parent := t.get(r, "level"), t.get(r, "parent_code")
		if (lv == "township" || lv == "village") && f.divs[parent] == nil {
			f.rep.add(t.file, r.line, "parent_code", "上级区划 %q 不在表中", "The parent division %q is not in the table.", parent)
		}
	}
	for code := range f.subs {
		if d := f.divs[code]; d == nil || d.Level != "county" {
			f.rep.add(ManifestFile, 0, "sub_bureaus.code", "分局的区划代码 %s 不是区划表中的区县", "The sub-bureau's code %s is not a county of the division table.", code)
		} else if j := f.subs[code]; j.SubBureau.Name == "" {
			j.SubBureau.Name = d.Name + "公安分局"
		}
	}
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// feature is a GeoJSON feature as read.
type feature struct {
	Type       string          `json:"type"`
	Properties map[string]any  `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

// readFeatures reads a GeoJSON FeatureCollection: nil when the file is absent.
func (f *folder) readFeatures(file string, required bool) []feature {
	raw, err := fs.ReadFile(f.fsys, file)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil
	} else if err != nil {
		f.rep.add(file, 0, "", "无法读取：%v", "Cannot read: %v", err)
		return nil
	}
	var fc struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil || fc.Type != "FeatureCollection" {
		f.rep.add(file, 0, "", "应为 GeoJSON FeatureCollection：%v", "Want a GeoJSON FeatureCollection: %v", err)
		return nil
	}
	return fc.Features
}

// polygon reads a feature's Polygon or MultiPolygon in WGS-84 and checks it.
func (f *folder) polygon(file string, n int, ft feature) precinct.MultiPolygon {
	var m precinct.MultiPolygon
	if err := json.Unmarshal(ft.Geometry, &m); err != nil {
		f.rep.add(file, n, "geometry", "几何无效：%v", "Invalid geometry: %v", err)
		return nil
	}
	if len(m) == 0 {
		f.rep.add(file, n, "geometry", "缺少多边形", "The polygon is missing.")
		return nil
	}
	for _, poly := range m {
		for _, ring := range poly {
			if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
				f.rep.add(file, n, "geometry", "多边形的环至少 4 个点且首尾相同", "A polygon ring needs 4 points or more, the first equal to the last.")
				return nil
			}
			for i, p := range ring {
				if err := p.Validate("geometry"); err != nil {
					f.rep.add(file, n, "geometry", "坐标超出范围", "Coordinates out of range.")
					return nil
				}
				ring[i] = f.toWGS84(file, p)
			}
		}
	}
	return m
}

func prop(ft feature, key string) string {
	switch v := ft.Properties[key].(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func (f *folder) readBoundaries() {
	fts := f.readFeatures(BoundariesFile, true)
	for i, ft := range fts {
		n := i + 1
		code := prop(ft, "code")
		d := f.divs[code]
		switch {
		case code == "":
			f.rep.add(BoundariesFile, n, "properties.code", "缺少区划代码", "The division code is missing.")
			continue
		case d == nil:
			f.rep.add(BoundariesFile, n, "properties.code", "区划代码 %s 不在区划表中", "The division code %s is not in the division table.", code)
			continue
		case d.Level != "county" && d.Level != "township":
			f.rep.add(BoundariesFile, n, "properties.code", "边界只收区县和乡镇（街道）：%s 是 %s", "Boundaries are for counties and townships only: %s is a %s.", code, d.Level)
			continue
		case f.areas[code] != nil:
			f.rep.add(BoundariesFile, n, "properties.code", "区划 %s 的边界重复", "Duplicate boundary of %s.", code)
			continue
		}
		if m := f.polygon(BoundariesFile, n, ft); m != nil {
			f.areas[code] = m
		}
	}
	for code, j := range f.subs {
		if m := f.areas[code]; m != nil {
			j.SubBureau.Boundary = m
		} else if fts != nil {
			f.rep.add(BoundariesFile, 0, "properties.code", "缺少分局 %s 的区县边界", "The outline of sub-bureau %s is missing.", code)
		}
	}
}

// point reads lon and lat columns of a row; ok is false (and a problem
// reported) when they are missing or bad, unless optional.
func (f *folder) point(t *table, r row, optional bool) (precinct.Point, bool) {
	lon, lat := t.get(r, "lon"), t.get(r, "lat")
	if lon == "" && lat == "" && optional {
		return precinct.Point{}, false
	}
	x, err1 := strconv.ParseFloat(lon, 64)
	y, err2 := strconv.ParseFloat(lat, 64)
	p := precinct.Point{Lon: x, Lat: y}
	if err1 != nil || err2 != nil || p.Validate("location") != nil || p.IsZero() {
		f.rep.add(t.file, r.line, "lon,lat", "坐标无效：%q, %q", "Invalid coordinates: %q, %q", lon, lat)
		return precinct.Point{}, false
	}
	return f.toWGS84(t.file, p), true
}

func list(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' || r == '|' || r == '、' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (f *folder) readStations() {
	t := readTable(f.fsys, StationsTable, []string{"code", "name", "kind", "townships", "lon", "lat"}, &f.rep)
	if t == nil {
		if len(f.rep.ps) == 0 {
			f.rep.add(StationsTable+".csv", 0, "", "缺少派出所表", "The station table is missing.")
		}
		return
	}
	served := map[string]string{}
	for _, r := range t.rows {
		s := &stationRow{Station: &precinct.Station{Code: t.get(r, "code"), Name: t.get(r, "name"), Kind: precinct.StationKind(t.get(r, "kind"))},
			line: r.line, central: t.get(r, "central"), partners: list(t.get(r, "partners")), townships: list(t.get(r, "townships"))}
		s.ID = "ps-" + s.Code
		ok := true
		switch {
		case !token.MatchString(s.Code):
			f.rep.add(t.file, r.line, "code", "派出所代码只能含字母、数字、- 和 _：%q", "A station code may hold only letters, digits, - and _: %q", s.Code)
			ok = false
		case f.stations[s.Code] != nil:
			f.rep.add(t.file, r.line, "code", "派出所代码重复：%s", "Duplicate station code: %s", s.Code)
			ok = false
		}
		if s.Name == "" {
			f.rep.add(t.file, r.line, "name", "缺少名称", "The name is missing.")
		}
		if !s.Kind.Valid() {
			f.rep.add(t.file, r.line, "kind", "未知的派出所类型 %q（urban、central、base、border）", "Unknown station kind %q (urban, central, base, border).", s.Kind)
		}
		if len(s.townships) == 0 {
			f.rep.add(t.file, r.line, "townships", "至少服务一个乡镇（街道）", "A station serves at least one township.")
		}
		for _, code := range s.townships {
			d := f.divs[code]
			switch {
			case d == nil || d.Level != "township":
				f.rep.add(t.file, r.line, "townships", "%s 不是区划表中的乡镇（街道）", "%s is not a township of the division table.", code)
				continue
			case served[code] != "":
				f.rep.add(t.file, r.line, "townships", "乡镇 %s 已由派出所 %s 服务", "Township %s is already served by station %s.", code, served[code])
			}
			served[code] = s.Code
			if j := f.subs[d.Parent]; j == nil {
				f.rep.add(t.file, r.line, "townships", "乡镇 %s 不属于清单中的任何分局", "Township %s belongs to no sub-bureau of the manifest.", code)
			} else if s.sub == nil {
				s.sub = j
			} else if s.sub != j {
				f.rep.add(t.file, r.line, "townships", "一个派出所的乡镇须属于同一分局", "A station's townships belong to one sub-bureau.")
			}
		}
		if p, ok := f.point(t, r, false); ok {
			s.Location = p
			if s.sub != nil && len(s.sub.SubBureau.Boundary) > 0 && !s.sub.SubBureau.Boundary.Contains(p) {
				f.rep.add(t.file, r.line, "lon,lat", "派出所位置不在分局辖区内（坐标系是否声明正确？）", "The station lies outside its sub-bureau (is the file's datum declared right?).")
			}
		}
		if !ok {
			continue
		}
		f.stations[s.Code] = s
		f.stOrder = append(f.stOrder, s)
		if s.sub != nil {
			s.SubBureauID = s.sub.SubBureau.ID
		}
	}
	for _, s := range f.stOrder {
		if s.central != "" {
			c := f.stations[s.central]
			switch {
			case c == nil:
				f.rep.add(t.file, s.line, "central", "中心所 %s 不在派出所表中", "The central station %s is not in the station table.", s.central)
			case c.Kind != precinct.StationCentral:
				f.rep.add(t.file, s.line, "central", "%s 不是中心所", "%s is not a central station.", s.central)
			case c.sub != s.sub:
				f.rep.add(t.file, s.line, "central", "中心所 %s 属于另一个分局", "The central station %s belongs to another sub-bureau.", s.central)
			default:
				s.CentralID = c.ID
			}
		}
		for _, p := range s.partners {
			id := "ps-" + p
			switch {
			case p == s.Code:
				f.rep.add(t.file, s.line, "partners", "派出所不能与自己协作", "A station cannot be its own partner.")
			case f.stations[p] != nil || f.opt.KnownStation != nil && f.opt.KnownStation(id):
				s.Partners = append(s.Partners, id)
			default:
				f.rep.add(t.file, s.line, "partners", "协作派出所 %s 不在派出所表中，也未导入", "The partner station %s is neither in the station table nor imported.", p)
			}
		}
	}
}

func (f *folder) readPoliceGrids() {
	fts := f.readFeatures(PoliceGridsFile, false)
	for i, ft := range fts {
		n := i + 1
		g := &precinct.PoliceGrid{Code: prop(ft, "code"), Name: prop(ft, "name"), OfficerID: prop(ft, "officer"), Derived: prop(ft, "derived") == "true"}
		g.ID = "pg-" + g.Code
		st := f.stations[prop(ft, "station")]
		switch {
		case !token.MatchString(g.Code):
			f.rep.add(PoliceGridsFile, n, "properties.code", "警格代码只能含字母、数字、- 和 _：%q", "A police grid code may hold only letters, digits, - and _: %q", g.Code)
			continue
		case f.pgByCode[g.Code] != nil:
			f.rep.add(PoliceGridsFile, n, "properties.code", "警格代码重复：%s", "Duplicate police grid code: %s", g.Code)
			continue
		case st == nil:
			f.rep.add(PoliceGridsFile, n, "properties.station", "派出所 %q 不在派出所表中", "The station %q is not in the station table.", prop(ft, "station"))
			continue
		}
		if g.Name == "" {
			if d := f.divs[g.Code]; d != nil {
				g.Name = d.Name
			} else {
				f.rep.add(PoliceGridsFile, n, "properties.name", "缺少名称", "The name is missing.")
			}
		}
		g.StationID = st.ID
		g.Boundary = f.polygon(PoliceGridsFile, n, ft)
		f.pgByCode[g.Code] = g
		f.pgOrder = append(f.pgOrder, g)
	}
}

func (f *folder) readCommunityGrids() {
	fts := f.readFeatures(CommunityGridsFile, false)
	for i, ft := range fts {
		n := i + 1
		g := &precinct.CommunityGrid{ID: prop(ft, "id"), Name: prop(ft, "name"), WorkerID: prop(ft, "worker"), Derived: prop(ft, "derived") == "true"}
		pg := f.pgByCode[prop(ft, "police_grid")]
		switch {
		case !token.MatchString(g.ID):
			f.rep.add(CommunityGridsFile, n, "properties.id", "网格编号只能含字母、数字、- 和 _：%q", "A community grid ID may hold only letters, digits, - and _: %q", g.ID)
			continue
		case f.cgByID[g.ID] != nil:
			f.rep.add(CommunityGridsFile, n, "properties.id", "网格编号重复：%s", "Duplicate community grid ID: %s", g.ID)
			continue
		case pg == nil:
			f.rep.add(CommunityGridsFile, n, "properties.police_grid", "警格 %q 不在警格文件中", "The police grid %q is not in the police grid file.", prop(ft, "police_grid"))
			continue
		case g.Name == "":
			f.rep.add(CommunityGridsFile, n, "properties.name", "缺少名称", "The name is missing.")
		}
		g.PoliceGridID = pg.ID
		g.Boundary = f.polygon(CommunityGridsFile, n, ft)
		f.cgByID[g.ID] = g
		f.cgs = append(f.cgs, g)
	}
}

// station returns the station of a code column, reporting a bad one.
func (f *folder) station(t *table, r row, col string, required bool) *stationRow {
	code := t.get(r, col)
	if code == "" {
		if required {
			f.rep.add(t.file, r.line, col, "缺少派出所代码", "The station code is missing.")
		}
		return nil
	}
	s := f.stations[code]
	if s == nil {
		f.rep.add(t.file, r.line, col, "派出所 %s 不在派出所表中", "The station %s is not in the station table.", code)
	}
	return s
}

func (f *folder) id(t *table, r row, seen map[string]bool) (string, bool) {
	id := t.get(r, "id")
	switch {
	case !token.MatchString(id):
		f.rep.add(t.file, r.line, "id", "编号只能含字母、数字、- 和 _：%q", "An ID may hold only letters, digits, - and _: %q", id)
		return "", false
	case seen[id]:
		f.rep.add(t.file, r.line, "id", "编号重复：%s", "Duplicate ID: %s", id)
		return "", false
	}
	seen[id] = true
	return id, true
}

func (f *folder) readServiceStations() {
	t := readTable(f.fsys, ServiceTable, []string{"id", "name", "lon", "lat", "station_a", "station_b"}, &f.rep)
	if t == nil {
		return
	}
	seen := map[string]bool{}
	for _, r := range t.rows {
		id, ok := f.id(t, r, seen)
		a, b := f.station(t, r, "station_a", true), f.station(t, r, "station_b", true)
		p, okp := f.point(t, r, false)
		name := t.get(r, "name")
		if name == "" {
			f.rep.add(t.file, r.line, "name", "缺少名称", "The name is missing.")
		}
		if !ok || a == nil || b == nil || !okp {
			continue
		}
		if a == b {
			f.rep.add(t.file, r.line, "station_b", "警务站绑定两个不同的派出所（1+1）", "A service station is bound to two different stations (1+1).")
			continue
		}
		if a.sub == nil || a.sub != b.sub {
			f.rep.add(t.file, r.line, "station_b", "两个派出所须属于同一分局", "Both stations belong to one sub-bureau.")
			continue
		}
		ss := &precinct.ServiceStation{ID: id, SubBureauID: a.SubBureauID, Name: name, Location: p, StationIDs: [2]string{a.ID, b.ID}}
		f.services[id] = ss
		a.sub.ServiceStations = append(a.sub.ServiceStations, ss)
	}
}

func (f *folder) policeGrid(t *table, r row, col string) (string, bool) {
	code := t.get(r, col)
	if code == "" {
		return "", true
	}
	if f.pgByCode[code] != nil || f.derivable(code) {
		return "pg-" + code, true
	}
	f.rep.add(t.file, r.line, col, "警格 %s 不在警格文件中，也不是所服务乡镇的村（社区）", "The police grid %s is neither in the police grid file nor a village of a township served.", code)
	return "", false
}

// derivable reports whether code is a village a derived police grid will be
// made for: a village of a township served by a station without police
// grids in the file.
func (f *folder) derivable(code string) bool {
	d := f.divs[code]
	if d == nil || d.Level != "village" {
		return false
	}
	for _, s := range f.stOrder {
		for _, tw := range s.townships {
			if tw == d.Parent {
				return !f.hasGrids(s)
			}
		}
	}
	return false
}

// hasGrids reports whether the police grid file has grids of a station.
func (f *folder) hasGrids(s *stationRow) bool {
	for _, g := range f.pgOrder {
		if g.StationID == s.ID {
			return true
		}
	}
	return false
}

var (
	personKinds = map[precinct.PersonKind]bool{precinct.PersonOfficer: true, precinct.PersonAuxiliary: true, precinct.PersonVolunteer: true,
		precinct.PersonGridWorker: true, precinct.PersonCadre: true, precinct.PersonMediator: true, precinct.PersonLiaison: true,
		precinct.PersonSecurityGuard: true, precinct.PersonVillageAuxiliary: true}
	teams = map[precinct.TeamKind]bool{"": true, precinct.TeamCase: true, precinct.TeamCommunity: true, precinct.TeamCommand: true}
)

func (f *folder) readPeople() {
	t := readTable(f.fsys, PeopleTable, []string{"id", "name", "kind"}, &f.rep)
	if t == nil {
		return
	}
	seen := map[string]bool{}
	for i, r := range t.rows {
		if i%10000 == 0 {
			f.progress("people", i, len(t.rows))
		}
		id, ok := f.id(t, r, seen)
		p := &precinct.Person{ID: id, Name: t.get(r, "name"), Kind: precinct.PersonKind(t.get(r, "kind")), Team: precinct.TeamKind(t.get(r, "team")),
			Phone: t.get(r, "phone"), IDNumber: t.get(r, "id_number")}
		if p.Name == "" {
			f.rep.add(t.file, r.line, "name", "缺少姓名", "The name is missing.")
		}
		if !personKinds[p.Kind] {
			f.rep.add(t.file, r.line, "kind", "未知的人员类别 %q", "Unknown kind of person %q.", p.Kind)
		}
		if !teams[p.Team] {
			f.rep.add(t.file, r.line, "team", "未知的队室 %q（case、community、command）", "Unknown team %q (case, community, command).", p.Team)
		}
		if p.IDNumber != "" && !validIDNumber(p.IDNumber) {
			f.rep.add(t.file, r.line, "id_number", "身份证号码无效（18 位，末位校验码）", "Invalid ID number (18 characters with a check digit).")
		}
		if p.Phone != "" && !digits(strings.ReplaceAll(p.Phone, "-", "")) {
			f.rep.add(t.file, r.line, "phone", "电话号码只能含数字和 -", "A phone number holds digits and - only.")
		}
		if v := t.get(r, "seconded"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				f.rep.add(t.file, r.line, "seconded", "应为 true 或 false：%q", "Want true or false: %q", v)
			}
			p.Seconded = b
		}
		st := f.station(t, r, "station", false)
		var sub *precinct.Jurisdiction
		if st != nil {
			p.StationID, sub = st.ID, st.sub
		}
		if ssID := t.get(r, "service_station"); ssID != "" {
			if ss := f.services[ssID]; ss == nil {
				f.rep.add(t.file, r.line, "service_station", "警务站 %s 不在警务站表中", "The service station %s is not in the service station table.", ssID)
			} else {
				p.ServiceStationID = ss.ID
				if sub == nil {
					sub = f.subOf(ss.SubBureauID)
				}
			}
		}
		pg, okg := f.policeGrid(t, r, "police_grid")
		p.PoliceGridID = pg
		if sub == nil && t.get(r, "station") == "" && p.ServiceStationID == "" {
			f.rep.add(t.file, r.line, "station", "人员须属于一个派出所或警务站", "A person belongs to a station or a service station.")
		}
		if !ok || !okg || sub == nil {
			continue
		}
		p.SubBureauID = sub.SubBureau.ID
		f.people[p.ID] = p
		sub.People = append(sub.People, p)
	}
}

func (f *folder) subOf(id string) *precinct.Jurisdiction {
	for _, j := range f.order {
		if j.SubBureau.ID == id {
			return j
		}
	}
	return nil
}

// validIDNumber checks an 18-character resident ID number's check digit.
func validIDNumber(s string) bool {
	if len(s) != 18 || !digits(s[:17]) {
		return false
	}
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * weights[i]
	}
	return strings.ToUpper(s[17:]) == string("10X98765432"[sum%11])
}

func (f *folder) readOffices() {
	t := readTable(f.fsys, OfficesTable, []string{"id", "name", "police_grid", "lon", "lat"}, &f.rep)
	if t == nil {
		return
	}
	seen := map[string]bool{}
	for _, r := range t.rows {
		id, ok := f.id(t, r, seen)
		pg, okg := f.policeGrid(t, r, "police_grid")
		p, okp := f.point(t, r, false)
		name := t.get(r, "name")
		if name == "" {
			f.rep.add(t.file, r.line, "name", "缺少名称", "The name is missing.")
		}
		st := f.stationOfGrid(strings.TrimPrefix(pg, "pg-"))
		if pg == "" {
			f.rep.add(t.file, r.line, "police_grid", "警务室须属于一个警格", "A community office belongs to a police grid.")
		}
		if !ok || !okg || !okp || st == nil || st.sub == nil {
			continue
		}
		st.sub.CommunityOffices = append(st.sub.CommunityOffices, &precinct.CommunityOffice{ID: id, StationID: st.ID, PoliceGridID: pg, Name: name, Location: p})
	}
}

// stationOfGrid returns the station of a police grid code (given or to be derived).
func (f *folder) stationOfGrid(code string) *stationRow {
	if g := f.pgByCode[code]; g != nil {
		return f.stations[strings.TrimPrefix(g.StationID, "ps-")]
	}
	if d := f.divs[code]; d != nil {
		for _, s := range f.stOrder {
			for _, tw := range s.townships {
				if tw == d.Parent {
					return s
				}
			}
		}
	}
	return nil
}

var unitStatuses = map[precinct.UnitStatus]bool{"": true, precinct.UnitAvailable: true, precinct.UnitOffDuty: true, precinct.UnitBusy: true}

func (f *folder) readUnits() {
	t := readTable(f.fsys, UnitsTable, []string{"id", "callsign", "kind"}, &f.rep)
	if t == nil {
		return
	}
	seen := map[string]bool{}
	for i, r := range t.rows {
		if i%10000 == 0 {
			f.progress("units", i, len(t.rows))
		}
		id, ok := f.id(t, r, seen)
		u := &precinct.Unit{ID: id, Callsign: t.get(r, "callsign"), Kind: precinct.UnitKind(t.get(r, "kind")), Status: precinct.UnitStatus(t.get(r, "status")), Members: list(t.get(r, "members"))}
		if u.Callsign == "" {
			f.rep.add(t.file, r.line, "callsign", "缺少呼号", "The callsign is missing.")
		}
		if !u.Kind.Valid() {
			f.rep.add(t.file, r.line, "kind", "未知的警力类型 %q", "Unknown unit kind %q.", u.Kind)
		}
		if !unitStatuses[u.Status] {
			f.rep.add(t.file, r.line, "status", "导入时的状态只能是 available、busy 或 off_duty：%q", "An imported unit's status is available, busy or off_duty: %q", u.Status)
		}
		var sub *precinct.Jurisdiction
		var home precinct.Point
		if st := f.station(t, r, "station", false); st != nil {
			u.StationID, sub, home = st.ID, st.sub, st.Location
		}
		if ssID := t.get(r, "service_station"); ssID != "" {
			if ss := f.services[ssID]; ss == nil {
				f.rep.add(t.file, r.line, "service_station", "警务站 %s 不在警务站表中", "The service station %s is not in the service station table.", ssID)
			} else {
				u.ServiceStationID, home = ss.ID, ss.Location
				if sub == nil {
					sub = f.subOf(ss.SubBureauID)
				}
			}
		}
		if t.get(r, "station") == "" && t.get(r, "service_station") == "" {
			f.rep.add(t.file, r.line, "station", "警力须属于一个派出所或警务站", "A unit belongs to a station or a service station.")
		}
		pg, okg := f.policeGrid(t, r, "police_grid")
		u.PoliceGridID = pg
		for _, m := range u.Members {
			if p := f.people[m]; p == nil {
				f.rep.add(t.file, r.line, "members", "成员 %s 不在人员表中", "The member %s is not in the people table.", m)
			} else if sub != nil && p.SubBureauID != sub.SubBureau.ID {
				f.rep.add(t.file, r.line, "members", "成员 %s 属于另一个分局", "The member %s belongs to another sub-bureau.", m)
			}
		}
		if p, okp := f.point(t, r, true); okp {
			home = p
		}
		u.Position = home
		if !ok || !okg || sub == nil {
			continue
		}
		u.SubBureauID = sub.SubBureau.ID
		f.units[u.ID] = u
		sub.Units = append(sub.Units, u)
	}
}

func (f *folder) readUsers() {
	t := readTable(f.fsys, UsersTable, []string{"username", "name", "role"}, &f.rep)
	if t == nil {
		return
	}
	seen := map[string]bool{}
	for _, r := range t.rows {
		u := &precinct.User{Username: t.get(r, "username"), Name: t.get(r, "name"), Role: precinct.Role(t.get(r, "role")),
			PersonID: t.get(r, "person"), UnitID: t.get(r, "unit")}
		switch {
		case !token.MatchString(u.Username):
			f.rep.add(t.file, r.line, "username", "用户名只能含字母、数字、- 和 _：%q", "A username may hold only letters, digits, - and _: %q", u.Username)
			continue
		case seen[u.Username]:
			f.rep.add(t.file, r.line, "username", "用户名重复：%s", "Duplicate username: %s", u.Username)
			continue
		}
		seen[u.Username] = true
		u.ID = "user-" + u.Username
		if !u.Role.Valid() || u.Role == precinct.RoleAdmin {
			f.rep.add(t.file, r.line, "role", "未知或不可导入的角色 %q", "Unknown role, or one that cannot be imported: %q", u.Role)
		}
		var sub *precinct.Jurisdiction
		if code := t.get(r, "sub_bureau"); code != "" {
			if sub = f.subs[code]; sub == nil {
				f.rep.add(t.file, r.line, "sub_bureau", "分局 %s 不在清单中", "The sub-bureau %s is not in the manifest.", code)
			}
		}
		if st := f.station(t, r, "station", false); st != nil {
			if sub != nil && sub != st.sub {
				f.rep.add(t.file, r.line, "station", "派出所不属于该分局", "The station is not of that sub-bureau.")
			}
			sub = st.sub
			u.Scope.StationID = st.ID
		}
		if pg, ok := f.policeGrid(t, r, "police_grid"); ok && pg != "" {
			if st := f.stationOfGrid(strings.TrimPrefix(pg, "pg-")); st == nil || st.ID != u.Scope.StationID {
				f.rep.add(t.file, r.line, "police_grid", "警格须属于所填的派出所", "The police grid belongs to the station given.")
			}
			u.Scope.PoliceGridID = pg
		}
		if cg := t.get(r, "community_grid"); cg != "" {
			if g := f.cgByID[cg]; g == nil || g.PoliceGridID != u.Scope.PoliceGridID {
				f.rep.add(t.file, r.line, "community_grid", "网格 %s 不在所填警格中", "The community grid %s is not in the police grid given.", cg)
			}
			u.Scope.CommunityGridID = cg
		}
		if sub == nil && len(f.order) == 1 {
			sub = f.order[0]
		}
		if sub == nil {
			f.rep.add(t.file, r.line, "sub_bureau", "用户须属于一个分局（填写 sub_bureau 或 station）", "A user belongs to a sub-bureau (give sub_bureau or station).")
			continue
		}
		u.Scope.SubBureauID = sub.SubBureau.ID
		if u.PersonID != "" && f.people[u.PersonID] == nil {
			f.rep.add(t.file, r.line, "person", "人员 %s 不在人员表中", "The person %s is not in the people table.", u.PersonID)
		}
		if u.UnitID != "" && f.units[u.UnitID] == nil {
			f.rep.add(t.file, r.line, "unit", "警力 %s 不在警力表中", "The unit %s is not in the unit table.", u.UnitID)
		}
		sub.Users = append(sub.Users, u)
	}
}

// sortedCodes returns the keys of m in order.
func sortedCodes[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// round7 rounds to 7 decimals, about a centimetre.
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
