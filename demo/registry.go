package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"precinct"
	"precinct/geo"
	"precinct/registry"
)

// Synthetic marks every record of the demo's registry: the people, houses
// and organisations are made up (names from common characters, ID numbers
// of region 500114 with valid check digits, unassigned-looking phones).
const Synthetic = "合成演示数据，非真实信息 (synthetic demo data)"

// Registry is the demo's generated registry (一标三实): standard addresses
// down to rooms in every community grid, the people, houses and
// organisations at them, and months of visits by the demo's community
// officers (verifications, familiarity surveys, contact cards), so that
// every grid shows records and the performance lists have a past. ID
// numbers and phones are given in clear in Personal, for the caller to
// seal; the residents' sealed fields are empty.
type Registry struct {
	Addresses     []*precinct.Address
	Residents     []*precinct.Resident
	Houses        []*precinct.House
	Organisations []*precinct.Organisation
	// Personal holds each resident's ID number and phone, by resident ID.
	Personal map[string][2]string
	// Visits are in time order, with the record changes they and the
	// officers' captures made.
	Visits  []*precinct.Visit
	Changes []*precinct.RecordChange
}

var (
	compoundNames = []string{"阳光", "翠湖", "锦绣", "金桂", "南湖", "滨江", "和平", "新华", "书香", "丽景", "正阳", "武陵"}
	orgKinds      = []struct {
		kind precinct.OrgKind
		name string
		key  bool
	}{
		{precinct.OrgShop, "便民超市", false}, {precinct.OrgRestaurant, "饭店", false}, {precinct.OrgRepairShop, "汽车修理厂", true},
		{precinct.OrgHotel, "宾馆", true}, {precinct.OrgSchool, "幼儿园", true}, {precinct.OrgHospital, "诊所", true},
		{precinct.OrgInternetCafe, "网吧", true}, {precinct.OrgLogistics, "快递站", true}, {precinct.OrgFactory, "农产品加工厂", false},
	}
)

// RegistryOf generates the registry of j (from Qianjiang) as of now.
func RegistryOf(j *precinct.Jurisdiction, now time.Time, seed int64) (*Registry, error) {
	towns, err := readDivisions()
	if err != nil {
		return nil, err
	}
	townName := map[string]string{}
	for _, t := range towns {
		townName[t.code] = t.name
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	names := newNamer(rng)
	r := &Registry{Personal: map[string][2]string{}}
	created := now.AddDate(-2, 0, 0)
	sb := j.SubBureau
	addr := func(parent *precinct.Address, level precinct.AddressLevel, name, division string, p precinct.Point, loc precinct.Location) *precinct.Address {
		key := registry.NormalizeAddress(name)
		a := &precinct.Address{Level: level, ElementCode: level.ElementType().Code, Name: name, NameKey: key, ShortKey: registry.ShortName(key),
			DivisionCode: division, Point: p, Location: loc, CreatedAt: created, CreatedBy: "system"}
		a.ID, a.FullName = registry.Segment(level, key, division), name
		if parent != nil {
			a.ParentID, a.ID, a.FullName = parent.ID, parent.ID+"/"+a.ID, parent.FullName+name
		}
		r.Addresses = append(r.Addresses, a)
		return a
	}
	district := addr(nil, precinct.AddressDistrict, "重庆市黔江区", sb.Code, geo.Centroid(sb.Boundary), precinct.Location{SubBureauID: sb.ID})
	townships := map[string]*precinct.Address{}
	for _, st := range j.Stations {
		name := townName[st.Code]
		if name == "" {
			continue
		}
		townships[st.ID] = addr(district, precinct.AddressTownship, name, st.Code, st.Location, precinct.Location{SubBureauID: sb.ID, StationID: st.ID})
	}
	cgsOf := map[string][]*precinct.CommunityGrid{}
	for _, cg := range j.CommunityGrids {
		cgsOf[cg.PoliceGridID] = append(cgsOf[cg.PoliceGridID], cg)
	}
	officerOf := map[string]*precinct.User{} // police grid → its community officer's user
	for _, u := range j.Users {
		if u.Role == precinct.RoleCommunity {
			officerOf[u.Scope.PoliceGridID] = u
		}
	}
	// byGrid keeps each officer's grid's residents, houses and organisations.
	type gridRecords struct {
		residents, houses, orgs []string
		loc                     map[string]precinct.Location
		point                   map[string]precinct.Point
	}
	byOfficer := map[string]*gridRecords{}
	n := 0
	for _, pg := range j.PoliceGrids {
		town := townships[pg.StationID]
		if town == nil {
			continue
		}
		pgLoc := precinct.Location{SubBureauID: sb.ID, StationID: pg.StationID, PoliceGridID: pg.ID}
		community := addr(town, precinct.AddressCommunity, pg.Name, pg.Code, geo.Centroid(pg.Boundary), pgLoc)
		urban := len(pg.Code) == 12 && pg.Code[9:] < "200"
		off := officerOf[pg.ID]
		var gr *gridRecords
		if off != nil {
			gr = &gridRecords{loc: map[string]precinct.Location{}, point: map[string]precinct.Point{}}
			byOfficer[off.ID] = gr
		}
		for i, cg := range cgsOf[pg.ID] {
			loc := precinct.Location{SubBureauID: sb.ID, StationID: pg.StationID, PoliceGridID: pg.ID, CommunityGridID: cg.ID}
			p := inside(cg.Boundary, geo.Centroid(cg.Boundary), rng)
			var place *precinct.Address
			if urban {
				place = addr(community, precinct.AddressCompound, fmt.Sprintf("%s%s小区", compoundNames[(n+i)%len(compoundNames)], []string{"苑", "园", "家园", "花园"}[i%4]), "", p, loc)
			} else {
				place = addr(community, precinct.AddressHamlet, fmt.Sprintf("%d组", i+1), "", p, loc)
			}
			n++
			buildings := 1 + rng.IntN(2)
			for b := 1; b <= buildings; b++ {
				bp := precinct.Point{Lon: p.Lon + 0.0004*float64(b), Lat: p.Lat}
				if !cg.Boundary.Contains(bp) {
					bp = p
				}
				word := "号"
				if urban {
					word = "栋"
				}
				building := addr(place, precinct.AddressBuilding, fmt.Sprintf("%d%s", b, word), "", bp, loc)
				for room := 1; room <= 2; room++ {
					rn := fmt.Sprintf("%d", room)
					if urban {
						rn = fmt.Sprintf("%d0%d", 1+rng.IntN(6), room)
					}
					ra := addr(building, precinct.AddressRoom, rn, "", bp, loc)
					rec := func(by string) precinct.Record {
						return precinct.Record{AddressID: ra.ID, Address: ra.FullName, Location: loc, Point: bp, Status: precinct.StatusActive,
							CreatedAt: created, CreatedBy: by, UpdatedAt: created, Version: 1}
					}
					use := precinct.HouseSelfOccupied
					if rng.IntN(4) == 0 {
						use = precinct.HouseRented
					}
					owner := names.name()
					h := &precinct.House{ID: fmt.Sprintf("hse-demo-%06d", len(r.Houses)+1), Use: use, OwnerName: owner, RentalRegistered: use == precinct.HouseRented,
						AreaM2: float64(60 + rng.IntN(90)), Note: Synthetic, Record: rec("system")}
					r.Houses = append(r.Houses, h)
					people := 1 + rng.IntN(4)
					for k := 0; k < people; k++ {
						rel := precinct.RelationFamily
						kind := precinct.ResidentHousehold
						switch {
						case k == 0 && use == precinct.HouseRented:
							rel, kind = precinct.RelationTenant, precinct.ResidentFloating
						case k == 0:
							rel = precinct.RelationOwner
						case use == precinct.HouseRented:
							rel, kind = precinct.RelationTenant, precinct.ResidentFloating
						}
						name := names.name()
						if k == 0 && rel == precinct.RelationOwner {
							name = owner
						}
						id, birth, gender := demoID(rng)
						var flags []precinct.CareFlag
						age := now.Year() - birth.Year()
						switch {
						case age >= 70 && people == 1:
							flags = append(flags, precinct.CareElderlyAlone)
						case age < 18:
							flags = append(flags, precinct.CareMinor)
						}
						res := &precinct.Resident{ID: fmt.Sprintf("res-demo-%06d", len(r.Residents)+1), Name: name, Gender: gender, BirthDate: birth.Format("2006-01-02"),
							Kind: kind, DocType: precinct.DocResidentID, HouseID: h.ID, Relation: rel, Flags: flags, Note: Synthetic, Record: rec("system")}
						r.Residents = append(r.Residents, res)
						r.Personal[res.ID] = [2]string{id, names.phone()}
						if gr != nil {
							gr.residents = append(gr.residents, res.ID)
							gr.loc[res.ID], gr.point[res.ID] = loc, bp
						}
					}
					if gr != nil {
						gr.houses = append(gr.houses, h.ID)
						gr.loc[h.ID], gr.point[h.ID] = loc, bp
					}
				}
			}
			k := orgKinds[(n*7+i)%len(orgKinds)]
			o := &precinct.Organisation{ID: fmt.Sprintf("org-demo-%05d", len(r.Organisations)+1), Name: shortName(pg.Name) + place.Name + k.name, Kind: k.kind,
				CreditCode: demoCreditCode(rng), CreditCodeChecked: true, LegalRep: names.name(), KeyUnit: k.key, SecurityResponsibility: k.key,
				Employees: 2 + rng.IntN(30), Note: Synthetic,
				Record: precinct.Record{AddressID: place.ID, Address: place.FullName, Location: loc, Point: p, Status: precinct.StatusActive,
					CreatedAt: created, CreatedBy: "system", UpdatedAt: created, Version: 1}}
			r.Organisations = append(r.Organisations, o)
			if gr != nil {
				gr.orgs = append(gr.orgs, o.ID)
				gr.loc[o.ID], gr.point[o.ID] = loc, p
			}
		}
	}

	// Fourteen months of visits by each officer with a user: more each
	// month as the work took hold, verifying records, asking the
	// familiarity survey (more often yes as time goes on) and handing out
	// cards. The current month runs up to now.
	var officers []string
	for id := range byOfficer {
		officers = append(officers, id)
	}
	sort.Strings(officers)
	nowCST := now.In(precinct.CST)
	first := time.Date(nowCST.Year(), nowCST.Month(), 1, 0, 0, 0, 0, precinct.CST).AddDate(0, -13, 0)
	seq := 0
	for _, uid := range officers {
		gr := byOfficer[uid]
		if len(gr.residents) == 0 {
			continue
		}
		for m := 0; m <= 13; m++ {
			start := first.AddDate(0, m, 0)
			end := start.AddDate(0, 1, 0)
			if end.After(now) {
				end = now
			}
			span := end.Sub(start)
			if span <= 0 {
				continue
			}
			visits := 4 + m + rng.IntN(3)
			progress := float64(m) / 13 // 0 → 1: familiarity and accuracy improve
			for v := 0; v < visits; v++ {
				at := start.Add(time.Duration(rng.Int64N(int64(span))))
				seq++
				rid := gr.residents[rng.IntN(len(gr.residents))]
				loc := gr.loc[rid]
				vis := &precinct.Visit{ID: fmt.Sprintf("vis_demo-%011d", seq), At: at, By: uid, Point: gr.point[rid], Location: loc,
					ResidentIDs: []string{rid}, Purpose: precinct.VisitRoutine, RecordedAt: at, Note: Synthetic}
				change := func(t precinct.RegistryEntity, id string, kind precinct.ChangeKind, note string) {
					r.Changes = append(r.Changes, &precinct.RecordChange{ID: fmt.Sprintf("chg-demo-%07d", len(r.Changes)+1), EntityType: t, EntityID: id, Kind: kind,
						Effective: at.In(precinct.CST).Format("2006-01-02"), At: at, Actor: uid, VisitID: vis.ID, Note: note, Location: gr.loc[id]})
				}
				verify := func(t precinct.RegistryEntity, id string) {
					res := precinct.VerifyCorrect
					if rng.Float64() > 0.6+0.35*progress {
						res = precinct.VerifyCorrected
					}
					vis.Verifications = append(vis.Verifications, precinct.Verification{EntityType: t, EntityID: id, Result: res, Location: gr.loc[id]})
					change(t, id, precinct.ChangeVerified, string(res))
				}
				verify(precinct.EntityResident, rid)
				if rng.IntN(2) == 0 {
					hid := gr.houses[rng.IntN(len(gr.houses))]
					verify(precinct.EntityHouse, hid)
				}
				if len(gr.orgs) > 0 && rng.IntN(4) == 0 {
					verify(precinct.EntityOrganisation, gr.orgs[rng.IntN(len(gr.orgs))])
				}
				if rng.IntN(3) > 0 {
					yes := 0.45 + 0.5*progress // seed 002: 45.4% → 95%
					vis.Familiarity = []precinct.FamiliarityAnswer{{ResidentID: rid, KnowsOfficer: rng.Float64() < yes, OfficerKnows: rng.Float64() < yes+0.03, Location: loc}}
					change(precinct.EntityResident, rid, precinct.ChangeFamiliarity, "")
				}
				if rng.IntN(2) == 0 {
					vis.Cards = []precinct.ContactCard{{ResidentID: rid, Location: loc}}
					change(precinct.EntityResident, rid, precinct.ChangeCardIssued, "")
				}
				r.Visits = append(r.Visits, vis)
			}
		}
	}
	sort.SliceStable(r.Visits, func(a, b int) bool { return r.Visits[a].At.Before(r.Visits[b].At) })
	return r, nil
}

// demoID returns a synthetic resident ID number of region 500114 with a
// valid check digit, its birth date and gender.
func demoID(rng *rand.Rand) (string, time.Time, string) {
	birth := time.Date(1940+rng.IntN(82), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	seq := rng.IntN(1000)
	body := fmt.Sprintf("500114%s%03d", birth.Format("20060102"), seq)
	gender := "female"
	if seq%2 == 1 {
		gender = "male"
	}
	return body + string(IDCheckDigit(body)), birth, gender
}

// demoCreditCode returns a synthetic unified social credit code of
// region 500114 with a valid GB 32100 check character.
func demoCreditCode(rng *rand.Rand) string {
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	body := "92500114" // 9: individual business, 2: … region 500114
	for len(body) < 17 {
		body += string(chars[rng.IntN(len(chars))])
	}
	weights := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i, w := range weights {
		sum += indexOf(chars, body[i]) * w
	}
	return body + string(chars[(31-sum%31)%31])
}

func indexOf(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return 0
}
