package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"

	"precinct"
	"precinct/geo"
)

// builder accumulates the jurisdiction.
type builder struct {
	rng    *rand.Rand
	names  *namer
	j      *precinct.Jurisdiction
	people int
	units  int
	// community units by police grid, for officer users.
	communityUnit map[string]*precinct.Unit
	gridCounts    map[string]int
}

// communityGridTotal is seed 002's count of village grids under 220 police grids.
const communityGridTotal = 1291

// staffing of a station by kind: command office, case team, patrol cars,
// case-team units, motorcycles.
var staffing = map[precinct.StationKind]struct{ command, caseTeam, cars, caseUnits, motos int }{
	precinct.StationUrban:   {5, 8, 3, 2, 0},
	precinct.StationCentral: {3, 4, 2, 1, 1},
	precinct.StationBase:    {2, 1, 1, 0, 1},
	precinct.StationBorder:  {2, 1, 1, 0, 1},
}

func (b *builder) station(t *township) {
	sb := b.j.SubBureau
	s := &precinct.Station{
		ID: "ps-" + t.code, SubBureauID: sb.ID, Name: stationName(t), Code: t.code, Kind: t.kind,
		Location: inside(t.area, t.seed, b.rng), Boundary: t.area,
	}
	t.station = s
	b.j.Stations = append(b.j.Stations, s)
	st := staffing[t.kind]
	for i := 0; i < st.command; i++ {
		b.person(precinct.PersonOfficer, s.ID, precinct.TeamCommand, "")
	}
	var caseTeam []string
	for i := 0; i < st.caseTeam; i++ {
		caseTeam = append(caseTeam, b.person(precinct.PersonOfficer, s.ID, precinct.TeamCase, "").ID)
	}
	for i := 0; i < 3; i++ {
		b.person(precinct.PersonVolunteer, s.ID, "", "")
	}
	for i := 0; i < 2; i++ {
		b.person(precinct.PersonMediator, s.ID, "", "")
	}
	b.person(precinct.PersonLiaison, s.ID, "", "")
	short := t.code[6:]
	for i := 0; i < st.cars; i++ {
		crew := []string{b.person(precinct.PersonOfficer, s.ID, precinct.TeamCommand, "").ID, b.person(precinct.PersonAuxiliary, s.ID, "", "").ID}
		b.unit(precinct.UnitPatrolCar, fmt.Sprintf("%s巡%d", short, i+1), s, "", crew, s.Location)
	}
	for i := 0; i < st.caseUnits && 2*i+1 < len(caseTeam); i++ {
		b.unit(precinct.UnitCaseTeam, fmt.Sprintf("%s案%d", short, i+1), s, "", caseTeam[2*i:2*i+2], s.Location)
	}
	for i := 0; i < st.motos; i++ {
		crew := []string{b.person(precinct.PersonAuxiliary, s.ID, "", "").ID}
		b.unit(precinct.UnitMotorcycle, fmt.Sprintf("%s摩%d", short, i+1), s, "", crew, s.Location)
	}
}

// grids partitions a township into police grids, one per village or
// community, and each police grid into community grids.
func (b *builder) grids(t *township) error {
	if len(t.villages) == 0 {
		return nil
	}
	seeds := geo.SpreadPoints(t.area, len(t.villages), b.rng)
	if len(seeds) < len(t.villages) {
		return fmt.Errorf("demo: no room for %d villages in %s", len(t.villages), t.name)
	}
	// Communities (居委会, codes 001–199) lie nearest the township centre.
	sort.SliceStable(seeds, func(i, j int) bool {
		return precinct.DistanceM(seeds[i], t.station.Location) < precinct.DistanceM(seeds[j], t.station.Location)
	})
	villages := append([]division(nil), t.villages...)
	sort.SliceStable(villages, func(i, j int) bool { return isCommunity(villages[i]) && !isCommunity(villages[j]) })
	cells := geo.Voronoi(t.area, seeds)
	for i, v := range villages {
		if len(cells[i]) == 0 {
			return fmt.Errorf("demo: empty area for %s", v.name)
		}
		officer := b.person(precinct.PersonOfficer, t.station.ID, precinct.TeamCommunity, "pg-"+v.code)
		pg := &precinct.PoliceGrid{ID: "pg-" + v.code, StationID: t.station.ID, Name: v.name, Code: v.code,
			OfficerID: officer.ID, Boundary: cells[i], Derived: true}
		b.j.PoliceGrids = append(b.j.PoliceGrids, pg)
		office := inside(cells[i], seeds[i], b.rng)
		b.j.CommunityOffices = append(b.j.CommunityOffices, &precinct.CommunityOffice{
			ID: "co-" + v.code, StationID: t.station.ID, PoliceGridID: pg.ID, Name: shortName(v.name) + "警务室", Location: office})
		aux := b.person(precinct.PersonAuxiliary, t.station.ID, precinct.TeamCommunity, pg.ID)
		b.person(precinct.PersonCadre, t.station.ID, "", pg.ID)
		u := b.unit(precinct.UnitCommunity, shortName(v.name)+"社区警务", t.station, pg.ID, []string{officer.ID, aux.ID}, office)
		if b.communityUnit == nil {
			b.communityUnit = map[string]*precinct.Unit{}
		}
		b.communityUnit[pg.ID] = u
		if err := b.communityGrids(pg, v, seeds[i]); err != nil {
			return err
		}
	}
	return nil
}

func isCommunity(v division) bool { return v.code[9:] < "200" }

// communityGridCounts shares the district's 1,291 community grids among its
// villages and communities by largest remainder; a community (denser) weighs
// 1.6 villages.
func communityGridCounts(towns []*township) map[string]int {
	var vs []division
	var weights []float64
	total := 0.0
	for _, t := range towns {
		for _, v := range t.villages {
			w := 1.0
			if isCommunity(v) {
				w = 1.6
			}
			vs, weights, total = append(vs, v), append(weights, w), total+w
		}
	}
	counts := map[string]int{}
	type rem struct {
		code string
		frac float64
	}
	var rems []rem
	given := 0
	for i, v := range vs {
		q := communityGridTotal * weights[i] / total
		counts[v.code] = int(q)
		given += int(q)
		rems = append(rems, rem{v.code, q - float64(int(q))})
	}
	sort.SliceStable(rems, func(i, j int) bool { return rems[i].frac > rems[j].frac })
	for i := 0; given < communityGridTotal; i++ {
		counts[rems[i].code]++
		given++
	}
	return counts
}

func (b *builder) communityGrids(pg *precinct.PoliceGrid, v division, centre precinct.Point) error {
	n := b.gridCounts[v.code]
	seeds := geo.SpreadPoints(pg.Boundary, n, b.rng)
	cells := geo.Voronoi(pg.Boundary, seeds)
	k := 0
	for i, cell := range cells {
		if len(cell) == 0 {
			continue
		}
		k++
		kind := precinct.PersonGridWorker
		if isCommunity(v) {
			kind = precinct.PersonAuxiliary
		}
		w := b.person(kind, pg.StationID, precinct.TeamCommunity, pg.ID)
		b.j.CommunityGrids = append(b.j.CommunityGrids, &precinct.CommunityGrid{
			ID: fmt.Sprintf("cg-%s-%d", v.code, i+1), PoliceGridID: pg.ID, Name: fmt.Sprintf("%s第%d网格", shortName(v.name), k),
			WorkerID: w.ID, Boundary: cell, Derived: true})
	}
	if k == 0 {
		return fmt.Errorf("demo: no community grid in %s", v.name)
	}
	return nil
}

// serviceStation adds the police service station bound to the two urban
// stations nearest each other, with patrol groups of two and an armed vehicle
// crew of three on 24-hour duty (seed 003).
func (b *builder) serviceStation(towns []*township) {
	var urban []*precinct.Station
	for _, t := range towns {
		if t.kind == precinct.StationUrban {
			urban = append(urban, t.station)
		}
	}
	if len(urban) < 2 {
		return
	}
	a, c := urban[0], urban[1]
	for i := range urban {
		for j := i + 1; j < len(urban); j++ {
			if precinct.DistanceM(urban[i].Location, urban[j].Location) < precinct.DistanceM(a.Location, c.Location) {
				a, c = urban[i], urban[j]
			}
		}
	}
	at := precinct.Point{Lon: (a.Location.Lon + c.Location.Lon) / 2, Lat: (a.Location.Lat + c.Location.Lat) / 2}
	ss := &precinct.ServiceStation{ID: "ss-1", SubBureauID: b.j.SubBureau.ID, Name: "城区警务服务站", Location: at, StationIDs: [2]string{a.ID, c.ID}}
	b.j.ServiceStations = append(b.j.ServiceStations, ss)
	patrol := func(kind precinct.UnitKind, callsign string, size int) *precinct.Unit {
		var crew []string
		for i := 0; i < size; i++ {
			p := b.person(precinct.PersonOfficer, "", "", "")
			if i > 0 && kind != precinct.UnitArmedVehicle {
				p.Kind = precinct.PersonAuxiliary
			}
			p.ServiceStationID = ss.ID
			crew = append(crew, p.ID)
		}
		u := b.unit(kind, callsign, nil, "", crew, at)
		u.ServiceStationID, u.Status = ss.ID, precinct.UnitAvailable
		return u
	}
	for i := 1; i <= 4; i++ {
		patrol(precinct.UnitFootPatrol, fmt.Sprintf("站巡%d组", i), 2)
	}
	for i := 1; i <= 2; i++ {
		patrol(precinct.UnitPatrolCar, fmt.Sprintf("站车%d", i), 2)
	}
	patrol(precinct.UnitArmedVehicle, "武装处突车", 3)
}

// person adds a person with a synthetic name, phone and ID number.
func (b *builder) person(kind precinct.PersonKind, stationID string, team precinct.TeamKind, grid string) *precinct.Person {
	b.people++
	p := &precinct.Person{
		ID: fmt.Sprintf("p-%05d", b.people), Name: b.names.name(), Kind: kind, StationID: stationID, Team: team, PoliceGridID: grid,
		Phone: b.names.phone(), IDNumber: b.names.idNumber(),
	}
	b.j.People = append(b.j.People, p)
	return p
}

// unit adds a unit at a position; about 60 % of station units are on duty.
func (b *builder) unit(kind precinct.UnitKind, callsign string, s *precinct.Station, grid string, crew []string, at precinct.Point) *precinct.Unit {
	b.units++
	u := &precinct.Unit{
		ID: fmt.Sprintf("u-%04d", b.units), Callsign: callsign, Kind: kind, SubBureauID: b.j.SubBureau.ID,
		PoliceGridID: grid, Members: crew, Status: precinct.UnitOffDuty, Position: at,
	}
	if s != nil {
		u.StationID = s.ID
	}
	if b.rng.Float64() < 0.6 {
		u.Status = precinct.UnitAvailable
	}
	b.j.Units = append(b.j.Units, u)
	return u
}

// users adds the demo accounts (password hashes are set by the caller).
func (b *builder) users(towns []*township) {
	sb := b.j.SubBureau.ID
	add := func(username, name string, role precinct.Role, scope precinct.Location, personID, unitID string) {
		b.j.Users = append(b.j.Users, &precinct.User{
			ID: "user-" + username, Username: username, Name: name, Role: role, Scope: scope, PersonID: personID, UnitID: unitID})
	}
	whole := precinct.Location{SubBureauID: sb}
	add("dispatcher", "分局指挥中心调度员", precinct.RoleDispatcher, whole, "", "")
	add("chief", "分局领导", precinct.RoleChief, whole, "", "")
	add("auditor", "审计员", precinct.RoleAuditor, whole, "", "")
	for _, t := range towns {
		add("cmd-"+t.code[6:], t.station.Name+"综合指挥室", precinct.RoleCommand, precinct.Location{SubBureauID: sb, StationID: t.station.ID}, "", "")
	}
	// Community officers of the first urban station's police grids.
	n := 0
	for _, pg := range b.j.PoliceGrids {
		st := stationOf(b.j, pg.StationID)
		if n == 5 || st.Kind != precinct.StationUrban {
			continue
		}
		n++
		u := b.communityUnit[pg.ID]
		add("officer"+strconv.Itoa(n), pg.Name+"社区民警", precinct.RoleCommunity,
			precinct.Location{SubBureauID: sb, StationID: pg.StationID, PoliceGridID: pg.ID}, pg.OfficerID, u.ID)
	}
	n = 0
	for _, u := range b.j.Units {
		if u.ServiceStationID == "" || n == 3 {
			continue
		}
		n++
		add("patrol"+strconv.Itoa(n), u.Callsign+"巡逻民警", precinct.RolePatrol, whole, u.Members[0], u.ID)
	}
	for _, u := range b.j.Units {
		if u.Kind == precinct.UnitCaseTeam {
			add("case1", "案件办理队民警", precinct.RoleCase, precinct.Location{SubBureauID: sb, StationID: u.StationID}, u.Members[0], u.ID)
			break
		}
	}
}

func stationOf(j *precinct.Jurisdiction, id string) *precinct.Station {
	for _, s := range j.Stations {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// inside returns p if it lies in m, else a random point of m.
func inside(m precinct.MultiPolygon, p precinct.Point, rng *rand.Rand) precinct.Point {
	if m.Contains(p) {
		return p
	}
	if q, ok := geo.RandomPoint(m, rng); ok {
		return q
	}
	return p
}

// shortName drops the 居民委员会/村民委员会 suffix of a village name.
func shortName(s string) string {
	for _, suffix := range []string{"社区居民委员会", "居民委员会", "村民委员会", "村委会"} {
		if r := []rune(s); len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
			_ = r
			out := s[:len(s)-len(suffix)]
			if suffix == "社区居民委员会" {
				return out + "社区"
			}
			if suffix == "村民委员会" || suffix == "村委会" {
				return out + "村"
			}
			return out
		}
	}
	return s
}

// ScaleUnits adds generated units to j until it has n, for trying the
// system at city scale (`serve --demo --demo-units 20000`): each belongs to
// a station in turn, of a mix of kinds, about 60 % available, placed around
// its station (normal, σ 1.5 km). The same j and n give the same units.
func ScaleUnits(j *precinct.Jurisdiction, n int) {
	if len(j.Stations) == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(uint64(n), 0x5ca1e))
	kinds := []precinct.UnitKind{precinct.UnitPatrolCar, precinct.UnitPatrolCar, precinct.UnitPatrolCar, precinct.UnitFootPatrol,
		precinct.UnitFootPatrol, precinct.UnitMotorcycle, precinct.UnitCommunity, precinct.UnitCaseTeam, precinct.UnitArmedVehicle}
	const kmLat = 1 / 111.2
	for i := 0; len(j.Units) < n; i++ {
		s := j.Stations[i%len(j.Stations)]
		kmLon := kmLat / math.Cos(s.Location.Lat*math.Pi/180)
		u := &precinct.Unit{
			ID: fmt.Sprintf("u-s%05d", i+1), Callsign: fmt.Sprintf("%s%d号", s.Name, i/len(j.Stations)+1),
			Kind: kinds[rng.IntN(len(kinds))], SubBureauID: j.SubBureau.ID, StationID: s.ID, Status: precinct.UnitOffDuty,
			Position: precinct.Point{Lon: s.Location.Lon + rng.NormFloat64()*1.5*kmLon, Lat: s.Location.Lat + rng.NormFloat64()*1.5*kmLat},
		}
		if rng.Float64() < 0.6 {
			u.Status = precinct.UnitAvailable
		}
		j.Units = append(j.Units, u)
	}
}
