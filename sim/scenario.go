package sim

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"

	"precinct"
	"precinct/demo"
	"precinct/dispatch"
	"precinct/duty"
	"precinct/geo"
)

//go:embed data/foshan_communities.csv data/foshan_districts.geojson
var data embed.FS

// Scenario is a district to simulate: its jurisdiction and how many calls a
// day it receives.
type Scenario struct {
	Name         string
	Jurisdiction *precinct.Jurisdiction
	// CallsPerDay is the mean number of incidents a day.
	CallsPerDay float64
	// Patterns are the shift patterns of the district, as the server keeps
	// them (package duty): the units they name are on duty only while one of
	// their shifts is on; the others around the clock.
	Patterns []*precinct.ShiftPattern
	// Router estimates travel where no Options.Router is given; nil is the
	// straight line at urban speeds.
	Router precinct.Router
	// Weights of police grids for where incidents happen (population).
	weights map[string]float64
}

// LoadScenario returns a named scenario (qianjiang, foshan, nanning) or reads
// a scenario file: JSON {"name", "calls_per_day", "jurisdiction":
// precinct.Jurisdiction, "shift_patterns": [precinct.ShiftPattern]}.
func LoadScenario(name string, seed int64) (*Scenario, error) {
	switch name {
	case "qianjiang":
		// The server's demo is demo.Qianjiang(1); the same seed gives the same district.
		j, err := demo.Qianjiang(1)
		if err != nil {
			return nil, err
		}
		// About 110 calls a day for a mountain district of 450,000 people.
		sc := newScenario("qianjiang", j, 110)
		sc.Patterns = demo.ShiftPatterns(j)
		sc.Router = MountainRoads()
		return sc, nil
	case "foshan":
		j, err := foshan(seed)
		if err != nil {
			return nil, err
		}
		// Foshan: about 9.6 million people; over 5,000 calls a day.
		return newScenario("foshan", j, 5600), nil
	case "nanning":
		j, patterns := nanning(seed)
		sc := newScenario("nanning", j, 260)
		sc.Patterns = patterns
		return sc, nil
	}
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("scenario %q: not qianjiang, foshan or nanning, and not a readable file: %w", name, err)
	}
	var f struct {
		Name         string                   `json:"name"`
		CallsPerDay  float64                  `json:"calls_per_day"`
		Jurisdiction *precinct.Jurisdiction   `json:"jurisdiction"`
		Patterns     []*precinct.ShiftPattern `json:"shift_patterns"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("scenario file %s: %w", name, err)
	}
	if f.Jurisdiction == nil || len(f.Jurisdiction.Stations) == 0 || f.CallsPerDay <= 0 {
		return nil, fmt.Errorf("scenario file %s: needs a jurisdiction with stations and calls_per_day > 0", name)
	}
	for _, p := range f.Patterns {
		if err := duty.ValidatePattern(p); err != nil {
			return nil, fmt.Errorf("scenario file %s: shift pattern %s: %w", name, p.ID, err)
		}
	}
	sc := newScenario(f.Name, f.Jurisdiction, f.CallsPerDay)
	sc.Patterns = f.Patterns
	return sc, nil
}

func newScenario(name string, j *precinct.Jurisdiction, perDay float64) *Scenario {
	s := &Scenario{Name: name, Jurisdiction: j, CallsPerDay: perDay, weights: map[string]float64{}}
	for _, g := range j.PoliceGrids {
		// Communities (居委会, codes x001–x199) hold more people than villages.
		w := 1.0
		if len(g.Code) == 12 && g.Code[9:] < "200" {
			w = 3
		}
		s.weights[g.ID] = w
	}
	return s
}

// area is one township or station area to build.
type area struct {
	code, name string
	villages   []division
	kind       precinct.StationKind
	outline    precinct.MultiPolygon
}

type division struct{ code, name string }

// city builds a jurisdiction from areas that already have outlines: one
// station per area, one police grid per village or community, two community
// grids per police grid, and units in the numbers of unitsPerStation.
type city struct {
	rng        *rand.Rand
	j          *precinct.Jurisdiction
	n          int
	perStation map[precinct.UnitKind]int
}

func (c *city) id(prefix string) string {
	c.n++
	return fmt.Sprintf("%s-%05d", prefix, c.n)
}

func (c *city) station(a *area) (*precinct.Station, error) {
	st := &precinct.Station{ID: "ps-" + a.code, SubBureauID: c.j.SubBureau.ID, Name: strings.TrimSuffix(strings.TrimSuffix(a.name, "街道"), "镇") + "派出所",
		Code: a.code, Kind: a.kind, Boundary: a.outline}
	loc, ok := geo.RandomPoint(a.outline, c.rng)
	if !ok {
		return nil, fmt.Errorf("no room for %s", a.name)
	}
	st.Location = loc
	c.j.Stations = append(c.j.Stations, st)
	villages := a.villages
	if len(villages) == 0 {
		villages = []division{{a.code + "001", a.name + "社区"}}
	}
	seeds := geo.SpreadPoints(a.outline, len(villages), c.rng)
	cells := geo.Voronoi(a.outline, seeds)
	for i, v := range villages {
		if i >= len(cells) || len(cells[i]) == 0 {
			continue
		}
		officer := c.person(st.ID, precinct.PersonOfficer, precinct.TeamCommunity)
		pg := &precinct.PoliceGrid{ID: "pg-" + v.code, StationID: st.ID, Name: v.name, Code: v.code, OfficerID: officer, Boundary: cells[i], Derived: true}
		c.j.PoliceGrids = append(c.j.PoliceGrids, pg)
		sub := geo.Voronoi(cells[i], geo.SpreadPoints(cells[i], 2, c.rng))
		for k, cell := range sub {
			if len(cell) > 0 {
				c.j.CommunityGrids = append(c.j.CommunityGrids, &precinct.CommunityGrid{ID: fmt.Sprintf("cg-%s-%d", v.code, k+1), PoliceGridID: pg.ID,
					Name: fmt.Sprintf("%s第%d网格", v.name, k+1), WorkerID: c.person(st.ID, precinct.PersonGridWorker, ""), Boundary: cell, Derived: true})
			}
		}
		c.unit(precinct.UnitCommunity, st.ID, "", pg.ID, seeds[i], []string{officer})
	}
	for _, kind := range []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitFootPatrol, precinct.UnitCaseTeam, precinct.UnitMotorcycle, precinct.UnitArmedVehicle} {
		for i := 0; i < c.perStation[kind]; i++ {
			c.unit(kind, st.ID, "", "", st.Location, []string{c.person(st.ID, precinct.PersonOfficer, precinct.TeamCommand)})
		}
	}
	return st, nil
}

func (c *city) person(stationID string, kind precinct.PersonKind, team precinct.TeamKind) string {
	p := &precinct.Person{ID: c.id("p"), Name: "模拟人员", Kind: kind, StationID: stationID, Team: team}
	c.j.People = append(c.j.People, p)
	return p.ID
}

func (c *city) unit(kind precinct.UnitKind, stationID, serviceStationID, grid string, at precinct.Point, crew []string) *precinct.Unit {
	u := &precinct.Unit{ID: c.id("u"), Callsign: string(kind), Kind: kind, SubBureauID: c.j.SubBureau.ID, StationID: stationID,
		ServiceStationID: serviceStationID, PoliceGridID: grid, Members: crew, Status: precinct.UnitAvailable, Position: at}
	c.j.Units = append(c.j.Units, u)
	return u
}

// foshan builds 佛山市 from its division table and district outlines: 41
// stations (one per street or town, all urban with two teams and one
// office), 818 police grids, and about 1,500 units.
func foshan(seed int64) (*precinct.Jurisdiction, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 4406))
	raw, _ := data.ReadFile("data/foshan_communities.csv")
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		return nil, err
	}
	towns := map[string]*area{}
	byDistrict := map[string][]*area{}
	for _, r := range rows[1:] {
		switch r[2] {
		case "township":
			a := &area{code: r[0], name: r[1], kind: precinct.StationUrban}
			towns[r[0]] = a
			byDistrict[r[3]] = append(byDistrict[r[3]], a)
		case "village":
			if a := towns[r[3]]; a != nil {
				a.villages = append(a.villages, division{r[0], r[1]})
			}
		}
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Adcode string `json:"adcode"`
			} `json:"properties"`
			Geometry precinct.MultiPolygon `json:"geometry"`
		} `json:"features"`
	}
	raw, _ = data.ReadFile("data/foshan_districts.geojson")
	if err := json.Unmarshal(raw, &fc); err != nil {
		return nil, err
	}
	c := &city{rng: rng, j: &precinct.Jurisdiction{SubBureau: precinct.SubBureau{ID: "sb-4406", Name: "佛山市公安局", CityBureau: "佛山市公安局", Code: "4406", Datum: precinct.GCJ02, Derived: true}},
		perStation: map[precinct.UnitKind]int{precinct.UnitPatrolCar: 5, precinct.UnitFootPatrol: 4, precinct.UnitCaseTeam: 4, precinct.UnitMotorcycle: 3, precinct.UnitArmedVehicle: 1}}
	sort.Slice(fc.Features, func(i, k int) bool { return fc.Features[i].Properties.Adcode < fc.Features[k].Properties.Adcode })
	for _, f := range fc.Features {
		c.j.SubBureau.Boundary = append(c.j.SubBureau.Boundary, f.Geometry...)
		areas := byDistrict[f.Properties.Adcode]
		sort.Slice(areas, func(i, k int) bool { return areas[i].code < areas[k].code })
		seeds := geo.SpreadPoints(f.Geometry, len(areas), rng)
		cells := geo.Voronoi(f.Geometry, seeds)
		for i, a := range areas {
			a.outline = cells[i]
			if len(a.outline) == 0 {
				continue
			}
			if _, err := c.station(a); err != nil {
				return nil, err
			}
		}
	}
	return c.j, nil
}

// nanning builds the "1+1" district of seed 003: four station areas and two
// police service stations, each bound to two of them, with seven patrol
// groups each on 24-hour duty (14 a day): five foot patrols of two, a patrol
// car and an armed vehicle crew of three. The seed's shift pattern, as shift
// patterns: two officers take turns as primary and secondary duty officer
// (正副班); the primary works 08:00–18:00 at the service station (a unit of
// its own), the secondary leads the armed vehicle crew, which stands 24
// hours; today's primary is tomorrow's secondary.
func nanning(seed int64) (*precinct.Jurisdiction, []*precinct.ShiftPattern) {
	rng := rand.New(rand.NewPCG(uint64(seed), 4501))
	lon, lat, d := 108.28, 22.82, 0.09 // 南宁高新区, about 9 km across
	outline := precinct.MultiPolygon{{{{Lon: lon, Lat: lat}, {Lon: lon + d, Lat: lat}, {Lon: lon + d, Lat: lat + d}, {Lon: lon, Lat: lat + d}, {Lon: lon, Lat: lat}}}}
	c := &city{rng: rng, j: &precinct.Jurisdiction{SubBureau: precinct.SubBureau{ID: "sb-450107", Name: "南宁市公安局高新分局", CityBureau: "南宁市公安局", Code: "450107", Datum: precinct.GCJ02, Boundary: outline, Derived: true}},
		perStation: map[precinct.UnitKind]int{precinct.UnitPatrolCar: 2, precinct.UnitCaseTeam: 2}}
	names := []string{"心圩", "安宁", "科园", "中关村"}
	seeds := []precinct.Point{{Lon: lon + d/4, Lat: lat + d/4}, {Lon: lon + 3*d/4, Lat: lat + d/4}, {Lon: lon + d/4, Lat: lat + 3*d/4}, {Lon: lon + 3*d/4, Lat: lat + 3*d/4}}
	cells := geo.Voronoi(outline, seeds)
	var sts []*precinct.Station
	var patterns []*precinct.ShiftPattern
	for i, name := range names {
		a := &area{code: fmt.Sprintf("45010700%d", i+1), name: name + "街道", kind: precinct.StationUrban, outline: cells[i]}
		for v := 1; v <= 12; v++ {
			a.villages = append(a.villages, division{fmt.Sprintf("%s%03d", a.code, v), fmt.Sprintf("%s第%d社区", name, v)})
		}
		st, _ := c.station(a)
		sts = append(sts, st)
	}
	for i, pair := range [][2]int{{0, 1}, {2, 3}} {
		a, b := sts[pair[0]], sts[pair[1]]
		at := precinct.Point{Lon: (a.Location.Lon + b.Location.Lon) / 2, Lat: (a.Location.Lat + b.Location.Lat) / 2}
		ss := &precinct.ServiceStation{ID: fmt.Sprintf("ss-%d", i+1), SubBureauID: c.j.SubBureau.ID, Name: []string{"中关村警务服务站", "安宁警务服务站"}[i], Location: at, StationIDs: [2]string{a.ID, b.ID}}
		c.j.ServiceStations = append(c.j.ServiceStations, ss)
		for g := 0; g < 5; g++ {
			c.unit(precinct.UnitFootPatrol, "", ss.ID, "", at, []string{c.person("", precinct.PersonOfficer, ""), c.person("", precinct.PersonAuxiliary, "")})
		}
		c.unit(precinct.UnitPatrolCar, "", ss.ID, "", at, []string{c.person("", precinct.PersonOfficer, ""), c.person("", precinct.PersonAuxiliary, "")})
		primary, secondary := c.person("", precinct.PersonOfficer, ""), c.person("", precinct.PersonOfficer, "")
		desk := c.unit(precinct.UnitFootPatrol, "", ss.ID, "", at, []string{primary})
		crew := []string{c.person("", precinct.PersonOfficer, ""), c.person("", precinct.PersonAuxiliary, "")}
		armed := c.unit(precinct.UnitArmedVehicle, "", ss.ID, "", at, append([]string{secondary}, crew...))
		officers := [][]string{{primary}, {secondary}}
		pattern := func(id, name string, kind precinct.ShiftKind, minutes int, unit string, minCrew int, crews [][]string, offset int) {
			patterns = append(patterns, &precinct.ShiftPattern{ID: ss.ID + "-" + id, SubBureauID: ss.SubBureauID, ServiceStationID: ss.ID,
				Name: name, Kind: kind, Start: "08:00", Minutes: minutes, UnitID: unit, MinCrew: minCrew, Crews: crews, Offset: offset})
		}
		pattern("primary", "正班", precinct.ShiftPrimary, 600, desk.ID, 1, officers, 0)
		pattern("secondary", "副班", precinct.ShiftSecondary, 1440, armed.ID, 0, officers, -1)
		pattern("armed", "武装冲锋车组", precinct.ShiftCrew, 1440, armed.ID, 3, [][]string{crew}, 0)
	}
	return c.j, patterns
}

// MountainRoads estimates travel in a mountain district such as 黔江 (武陵山
// area) without a road graph: the roads wind (1.8 times the straight line)
// and average 30 km/h by car, 25 by motorcycle. In seed 002 a station half
// an hour away from a village its neighbour reaches in ten minutes is the
// reason central stations dispatch across stations.
func MountainRoads() precinct.Router {
	return &dispatch.StraightLine{RoadFactor: 1.8, SpeedKPH: map[precinct.Profile]float64{
		precinct.ProfileCar: 30, precinct.ProfileMotorcycle: 25, precinct.ProfileFoot: 4}}
}
